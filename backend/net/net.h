/* SPDX-License-Identifier: MIT */
/*
 * net.h - the net channel: a guest's vif served on a TAP device of dom0,
 * for backend/vif (libxl's `vif = [ ... ]`, the directory Linux
 * xen-netback serves: never run both).
 *
 * probe reads the backend keys the toolstack wrote (`mtu`, `bridge`,
 * `mac`, `handle`; the hotplug `script` is the core's) and creates the
 * TAP vif<domid>.<devid> with net-max-queues queues (tap.h), before
 * InitWait, since the hotplug script (vif-bridge) runs right after it and
 * puts that device on its bridge.  features writes feature-sg,
 * feature-gso-tcpv4/6, feature-ipv6-csum-offload, feature-rx-copy = 1,
 * feature-rx-flip = 0, feature-split-event-channels and
 * multi-queue-max-queues (multicast control is not offered).  The device
 * connects when the frontend is Connected (Linux netfront never writes
 * Initialised) and the script said `connected`.  connect reads, as Linux
 * netback: multi-queue-num-queues (absent: 1; 0 or above the offer is
 * fatal), request-rx-copy (must be 1), feature-rx-notify (must be 1),
 * feature-sg, feature-gso-tcpv4/6, feature-no-csum-offload,
 * feature-ipv6-csum-offload, and per queue (queue-N/ with several, the
 * device directory with one) tx-ring-ref, rx-ring-ref and event-channel
 * or event-channel-tx + event-channel-rx; sets the TAP's offloads from
 * them (TUNSETOFFLOAD, again at each connect), attaches as many TAP
 * queues, starts one worker a queue (netq.h) and turns the carrier on.
 *
 * What a restart keeps: the TAP (persistent, so the bridge port stays),
 * not the rings: no hand-over record is written, and a successor asks
 * the frontend to reconnect (Linux netfront does, and keeps its
 * addresses).  Frames in flight then are lost, as on a link flap.
 */
#ifndef XENPVD_BACKEND_NET_NET_H
#define XENPVD_BACKEND_NET_NET_H

#include "xendev.h"

extern const struct xpvd_channel xpvd_net_channel;

#endif /* XENPVD_BACKEND_NET_NET_H */
