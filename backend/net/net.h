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
 * feature-rx-flip = 0, feature-split-event-channels,
 * multi-queue-max-queues and feature-multicast-control (not the dynamic
 * kind: request-multicast-control is sampled at connect, netmcast.h).
 * The device connects when the frontend is Connected (Linux netfront
 * never writes Initialised) and the script said `connected`.  connect
 * reads, as Linux netback: multi-queue-num-queues (absent: 1; 0 or above
 * the offer is fatal), request-rx-copy (must be 1), feature-rx-notify
 * (must be 1), feature-sg, feature-gso-tcpv4/6, feature-no-csum-offload,
 * feature-ipv6-csum-offload, request-multicast-control, and per queue
 * (queue-N/ with several, the device directory with one) tx-ring-ref,
 * rx-ring-ref and event-channel or event-channel-tx + event-channel-rx;
 * sets the TAP's offloads from
 * them (TUNSETOFFLOAD, again at each connect), attaches as many TAP
 * queues, starts one worker a queue (netq.h) and turns the carrier on.
 *
 * What a restart keeps (SIGTERM): the TAP (persistent, so the bridge
 * port and its addresses stay) and the rings.  hand_over stops each
 * queue between passes, where every consumed request is answered, and
 * records per queue its ring refs, event channels and both rings'
 * response indices, and the multicast list; the successor reattaches
 * there without writing to the store, so the frontend sees nothing but
 * a pause (Linux netfront
 * would not come back from a reconnect request: at the backend's
 * Closing it closes for good).  What is lost: frames the host sent to
 * the vif while no daemon had it open (the TAP drops them) and at most
 * one frame per queue read from the TAP and waiting for rx buffers.
 * Frames the guest queued meanwhile wait in its tx ring and go out.
 * Without a record (a queue went fatal, a SIGKILL) the successor asks
 * the frontend to reconnect.
 */
#ifndef XENPVD_BACKEND_NET_NET_H
#define XENPVD_BACKEND_NET_NET_H

#include "xendev.h"

extern const struct xpvd_channel xpvd_net_channel;

#endif /* XENPVD_BACKEND_NET_NET_H */
