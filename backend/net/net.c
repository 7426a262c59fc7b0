/* SPDX-License-Identifier: MIT */
/*
 * net.c - the net channel's ops for the channel core (see net.h).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <linux/if_tun.h>

#include "net.h"
#include "netq.h"
#include "tap.h"
#include "xs-util.h"

#define KEY_LEN 128

/* A vif: the channel state of one device (xpvd_dev_priv()). */
struct netdev {
	struct xpvd_tap tap;		/* open between probe and release */
	bool keep_tap;			/* handed over: the TAP stays */
	char bridge[KEY_LEN];		/* informative (the script's) */
	char mac[KEY_LEN];
	uint32_t mtu;			/* 0: the TAP's default */
	struct xpvd_netvif_shared shared;
	unsigned int nr_queues;		/* connected */
	struct xpvd_netq *q[XPVD_NET_MAX_QUEUES];
	/*
	 * The last queue parked on each TAP fd, until the core reaps it:
	 * the core reconnects without waiting for that (a frontend that
	 * starts over from Connected), and two threads reading one TAP
	 * queue would hand the new guest's frames to the old rings.
	 */
	struct xpvd_netq *parked[XPVD_NET_MAX_QUEUES];
	struct xpvd_netq_stats past;	/* of the queues reaped */
	bool split;
	unsigned int tun_offload;
};

static void stats_add(struct xpvd_netq_stats *acc,
		      const struct xpvd_netq_stats *s)
{
	acc->tx_packets += s->tx_packets;
	acc->tx_bytes += s->tx_bytes;
	acc->tx_dropped += s->tx_dropped;
	acc->tx_errors += s->tx_errors;
	acc->rx_packets += s->rx_packets;
	acc->rx_bytes += s->rx_bytes;
	acc->rx_dropped += s->rx_dropped;
	acc->rx_errors += s->rx_errors;
	acc->fatal += s->fatal;
	if (s->rx_backlog_max > acc->rx_backlog_max)
		acc->rx_backlog_max = s->rx_backlog_max;
}

/* ---- InitWait: the TAP, the features ---- */

static int read_opt_str(struct xpvd_dev *d, const char *key, char *buf,
			size_t size)
{
	int len = xpv_xs_read(xpvd_dev_xsh(d), XBT_NULL, xpvd_dev_be(d), key,
			      buf, size);

	if (len == -ENOENT) {
		buf[0] = '\0';
		return 0;
	}
	if (len < 0)
		return xpvd_dev_fatal(d, len, "reading %s", key);
	return 0;
}

static int net_probe(struct xpvd_dev *d)
{
	struct netdev *n = xpvd_dev_priv(d);
	const struct xpvd_config *cfg = xpvd_dev_cfg(d);
	const char *be = xpvd_dev_be(d);
	char name[IFNAMSIZ + 8];
	uint32_t handle;
	int err;

	err = read_opt_str(d, "bridge", n->bridge, sizeof(n->bridge));
	err = err ?: read_opt_str(d, "mac", n->mac, sizeof(n->mac));
	if (err)
		return err;
	err = xpv_xs_read_u32(xpvd_dev_xsh(d), XBT_NULL, be, "mtu", 65535,
			      &n->mtu);
	if (err == -ENOENT)
		n->mtu = 0;
	else if (err || (n->mtu && n->mtu < 68))
		return xpvd_dev_fatal(d, err ?: -EINVAL, "bad mtu (68..65535)");
	err = xpv_xs_read_u32(xpvd_dev_xsh(d), XBT_NULL, be, "handle",
			      UINT32_MAX, &handle);
	if (!err && handle != xpvd_dev_devid(d))
		return xpvd_dev_fatal(d, -EINVAL, "handle %u is not the "
				      "device's number %u", handle,
				      xpvd_dev_devid(d));
	/* The name the hotplug script (vif-bridge) and libxl use. */
	snprintf(name, sizeof(name), "vif%u.%u", xpvd_dev_domid(d),
		 xpvd_dev_devid(d));
	err = xpvd_tap_open(&n->tap, name, cfg->net_max_queues, n->mtu);
	if (err)
		return xpvd_dev_fatal(d, err, "cannot create TAP %s", name);
	n->keep_tap = false;
	n->shared.carrier_fd = n->tap.fd[0];
	xpvd_info(XPVD_C_DEV, "%s: TAP %s, %u queue(s), mtu %u, bridge %s",
		  be, name, cfg->net_max_queues, n->mtu ? n->mtu : 1500,
		  *n->bridge ? n->bridge : "(none)");
	return 0;
}

static int net_features(struct xpvd_dev *d, struct xs_handle *xsh,
			xs_transaction_t t)
{
	const struct xpvd_config *cfg = xpvd_dev_cfg(d);
	const char *be = xpvd_dev_be(d);
	static const char *const one[] = {
		"feature-sg", "feature-gso-tcpv4", "feature-gso-tcpv6",
		"feature-ipv6-csum-offload", "feature-rx-copy",
		"feature-split-event-channels",
		/* Filtering as the frontend's request-multicast-control
		 * says, followed while connected (net_fe_changed()). */
		"feature-multicast-control",
		"feature-dynamic-multicast-control",
	};
	unsigned int i;
	int err = 0;

	for (i = 0; i < sizeof(one) / sizeof(one[0]) && !err; i++)
		err = xpv_xs_write(xsh, t, be, one[i], "1");
	err = err ?: xpv_xs_write(xsh, t, be, "feature-rx-flip", "0");
	err = err ?: xpv_xs_printf(xsh, t, be, "multi-queue-max-queues", "%u",
				   cfg->net_max_queues);
	return err;
}

/* The hotplug script put our TAP on its bridge: is it still there? */
static int net_hotplug_check(struct xpvd_dev *d)
{
	struct netdev *n = xpvd_dev_priv(d);

	if (!xpvd_tap_exists(&n->tap))
		return xpvd_dev_fatal(d, -ENODEV, "TAP %s is gone (renamed "
				      "or removed by the hotplug script?)",
				      n->tap.name);
	return 0;
}

/* ---- Connected: read the frontend's keys, start the queues ---- */

/* A boolean feature of the frontend's: 0/1 in *v (absent: 0). */
static int fe_flag(struct xpvd_dev *d, const char *key, bool *v)
{
	uint32_t x;
	int err = xpv_xs_read_u32(xpvd_dev_xsh(d), XBT_NULL, xpvd_dev_fe(d),
				  key, UINT32_MAX, &x);

	if (err == -ENOENT) {
		*v = false;
		return 0;
	}
	if (err)
		return xpvd_dev_fatal(d, err, "reading %s", key);
	*v = x != 0;
	return 0;
}

static int queue_keys(struct xpvd_dev *d, unsigned int i, unsigned int nq,
		      struct xpvd_netq_params *qp)
{
	struct xs_handle *xsh = xpvd_dev_xsh(d);
	char dir[XENSTORE_ABS_PATH_MAX + 1];
	uint32_t tx_ref, rx_ref, port, rx_port;
	int err;

	if (nq > 1)
		snprintf(dir, sizeof(dir), "%s/queue-%u", xpvd_dev_fe(d), i);
	else
		snprintf(dir, sizeof(dir), "%s", xpvd_dev_fe(d));
	err = xpv_xs_read_u32(xsh, XBT_NULL, dir, "tx-ring-ref", UINT32_MAX,
			      &tx_ref);
	if (err)
		return xpvd_dev_fatal(d, err, "reading %s/tx-ring-ref", dir);
	err = xpv_xs_read_u32(xsh, XBT_NULL, dir, "rx-ring-ref", UINT32_MAX,
			      &rx_ref);
	if (err)
		return xpvd_dev_fatal(d, err, "reading %s/rx-ring-ref", dir);
	err = xpv_xs_read_u32(xsh, XBT_NULL, dir, "event-channel-tx",
			      UINT32_MAX, &port);
	if (!err) {
		err = xpv_xs_read_u32(xsh, XBT_NULL, dir, "event-channel-rx",
				      UINT32_MAX, &rx_port);
		if (err)
			return xpvd_dev_fatal(d, err, "reading "
					      "%s/event-channel-rx", dir);
	} else if (err == -ENOENT) {
		err = xpv_xs_read_u32(xsh, XBT_NULL, dir, "event-channel",
				      UINT32_MAX, &port);
		if (err)
			return xpvd_dev_fatal(d, err, "reading "
					      "%s/event-channel", dir);
		rx_port = port;
	} else {
		return xpvd_dev_fatal(d, err, "reading %s/event-channel-tx",
				      dir);
	}
	qp->tx_ref = tx_ref;
	qp->rx_ref = rx_ref;
	qp->tx_port = port;
	qp->rx_port = rx_port;
	return 0;
}

/*
 * The hand-over record (net_hand_over()): per queue, what the frontend
 * wrote (ring refs, event channels: a frontend that reconnected since
 * has other ones) and where each ring's responses stopped; then the
 * multicast list the frontend built ("mcast N" and N addresses in hex):
 * it never sends it again, and a list lost would filter out its groups
 * (IPv6 neighbour discovery among them).
 */
struct record {
	unsigned int nq;
	uint32_t tx_ref[XPVD_NET_MAX_QUEUES], rx_ref[XPVD_NET_MAX_QUEUES];
	uint32_t tx_port[XPVD_NET_MAX_QUEUES], rx_port[XPVD_NET_MAX_QUEUES];
	uint32_t tx_rsp[XPVD_NET_MAX_QUEUES], rx_rsp[XPVD_NET_MAX_QUEUES];
	struct xpvd_netmcast mcast;	/* the multicast list */
};

#define RECORD_MAGIC "xenpvd-vif 1"

/* 0, or -EINVAL for a record this version did not write. */
static int record_parse(const char *text, struct record *r)
{
	const char *p;
	unsigned int i;
	int n;

	memset(r, 0, sizeof(*r));
	if (sscanf(text, RECORD_MAGIC " %u%n", &r->nq, &n) != 1 || !r->nq ||
	    r->nq > XPVD_NET_MAX_QUEUES)
		return -EINVAL;
	p = text + n;
	for (i = 0; i < r->nq; i++) {
		if (sscanf(p, "%" SCNu32 " %" SCNu32 " %" SCNu32 " %" SCNu32
			   " %" SCNu32 " %" SCNu32 "%n", &r->tx_ref[i],
			   &r->rx_ref[i], &r->tx_port[i], &r->rx_port[i],
			   &r->tx_rsp[i], &r->rx_rsp[i], &n) != 6)
			return -EINVAL;
		p += n;
	}
	if (sscanf(p, " mcast %u%n", &r->mcast.n, &n) != 1 ||
	    r->mcast.n > XPVD_NETMCAST_MAX)
		return -EINVAL;
	p += n;
	for (i = 0; i < r->mcast.n; i++) {
		uint8_t *a = r->mcast.addr[i];

		if (sscanf(p, " %2hhx%2hhx%2hhx%2hhx%2hhx%2hhx%n", &a[0],
			   &a[1], &a[2], &a[3], &a[4], &a[5], &n) != 6)
			return -EINVAL;
		p += n;
	}
	return 0;
}

static int net_connect(struct xpvd_dev *d, const char *record)
{
	struct netdev *n = xpvd_dev_priv(d);
	const struct xpvd_config *cfg = xpvd_dev_cfg(d);
	struct xs_handle *xsh = xpvd_dev_xsh(d);
	struct xpvd_netq_params qp = { 0 };
	bool rx_copy, rx_notify, sg, gso4, gso6, no_csum, v6_csum, mcast;
	unsigned int i, tunf = 0;
	struct record rec;
	uint32_t nq;
	int err;

	if (record && record_parse(record, &rec))
		return xpvd_dev_fatal(d, -ESTALE, "unreadable hand-over record");
	/* The previous connection's workers are done with the TAP before
	 * this one's start (a short wait: see xpvd_netq_join()). */
	for (i = 0; i < XPVD_NET_MAX_QUEUES; i++)
		if (n->parked[i])
			xpvd_netq_join(n->parked[i]);
	err = xpv_xs_read_u32(xsh, XBT_NULL, xpvd_dev_fe(d),
			      "multi-queue-num-queues", UINT32_MAX, &nq);
	if (err == -ENOENT)
		nq = 1;
	else if (err)
		return xpvd_dev_fatal(d, err, "reading multi-queue-num-queues");
	if (!nq || nq > cfg->net_max_queues)
		return xpvd_dev_fatal(d, -EINVAL, "multi-queue-num-queues %u: "
				      "we offer 1..%u", nq,
				      cfg->net_max_queues);
	if (record && nq != rec.nq)
		return xpvd_dev_fatal(d, -ESTALE, "%u queue(s), the previous "
				      "daemon had %u", nq, rec.nq);
	err = fe_flag(d, "request-rx-copy", &rx_copy);
	err = err ?: fe_flag(d, "feature-rx-notify", &rx_notify);
	err = err ?: fe_flag(d, "feature-sg", &sg);
	err = err ?: fe_flag(d, "feature-gso-tcpv4", &gso4);
	err = err ?: fe_flag(d, "feature-gso-tcpv6", &gso6);
	err = err ?: fe_flag(d, "feature-no-csum-offload", &no_csum);
	err = err ?: fe_flag(d, "feature-ipv6-csum-offload", &v6_csum);
	err = err ?: fe_flag(d, "request-multicast-control", &mcast);
	if (err)
		return err;
	if (!rx_copy)
		return xpvd_dev_fatal(d, -EOPNOTSUPP, "request-rx-copy is not "
				      "1: rx-flip is not supported");
	if (!rx_notify)
		return xpvd_dev_fatal(d, -EINVAL, "feature-rx-notify is "
				      "mandatory");

	/*
	 * What the kernel may hand us for the guest (PROTOCOL-NOTES.md):
	 * partial checksums only when the frontend takes them for IPv4
	 * and IPv6, TSO only over SG with the matching GSO feature (tun
	 * wants CSUM with TSO).
	 */
	if (!no_csum && v6_csum) {
		tunf |= TUN_F_CSUM;
		if (sg && gso4)
			tunf |= TUN_F_TSO4;
		if (sg && gso6)
			tunf |= TUN_F_TSO6;
	}
	err = xpvd_tap_set_offload(&n->tap, tunf);
	if (err)
		return xpvd_dev_fatal(d, err, "TUNSETOFFLOAD on %s",
				      n->tap.name);
	n->tun_offload = tunf;
	err = xpvd_tap_set_queues(&n->tap, nq);
	if (err)
		return xpvd_dev_fatal(d, err, "attaching %u TAP queue(s) of "
				      "%s", nq, n->tap.name);

	__atomic_store_n(&n->shared.disabled, 0, __ATOMIC_RELAXED);
	__atomic_store_n(&n->shared.stalled, 0, __ATOMIC_RELAXED);
	/* Multicast control: an empty list at each connection (Linux
	 * frees it at disconnect), filtering as the frontend asked;
	 * no queue runs yet (those of the last connection were joined). */
	if (record)
		n->shared.mcast = rec.mcast;
	else
		xpvd_netmcast_init(&n->shared.mcast);
	__atomic_store_n(&n->shared.mcast_filter, mcast, __ATOMIC_RELAXED);
	n->shared.mcast_lock =
		(pthread_mutex_t)PTHREAD_MUTEX_INITIALIZER;
	qp.plat = cfg->plat;
	qp.xsh = xsh;
	qp.be = xpvd_dev_be(d);
	qp.domid = (xpv_domid_t)xpvd_dev_domid(d);
	qp.devid = xpvd_dev_devid(d);
	qp.rxfeat.csum = tunf & TUN_F_CSUM;
	qp.rxfeat.gso_tcpv4 = tunf & TUN_F_TSO4;
	qp.rxfeat.gso_tcpv6 = tunf & TUN_F_TSO6;
	qp.shared = &n->shared;
	qp.done_fd = xpvd_dev_reap_fd(d);
	qp.drain_ms = cfg->net_rx_drain_ms;
	qp.stall_ms = cfg->net_rx_stall_ms;
	for (i = 0; i < nq; i++) {
		err = queue_keys(d, i, nq, &qp);
		if (err)
			return err;
		if (record && (qp.tx_ref != rec.tx_ref[i] ||
			       qp.rx_ref != rec.rx_ref[i] ||
			       qp.tx_port != rec.tx_port[i] ||
			       qp.rx_port != rec.rx_port[i]))
			return xpvd_dev_fatal(d, -ESTALE, "queue %u: not the "
					      "rings handed over", i);
		qp.reattach = record != NULL;
		qp.tx_rsp_prod = record ? rec.tx_rsp[i] : 0;
		qp.rx_rsp_prod = record ? rec.rx_rsp[i] : 0;
		qp.idx = i;
		qp.tap_fd = n->tap.fd[i];
		if (qp.tx_port != qp.rx_port)
			n->split = true;
		err = xpvd_netq_start(&qp, &n->q[i]);
		if (err == -ESTALE)
			return xpvd_dev_fatal(d, err, "queue %u: served since "
					      "the hand-over", i);
		if (err)
			return xpvd_dev_fatal(d, err, "queue %u: cannot map "
					      "rings %u/%u or bind event "
					      "channel(s) %u/%u", i, qp.tx_ref,
					      qp.rx_ref, qp.tx_port,
					      qp.rx_port);
		n->nr_queues = i + 1;
	}
	err = xpvd_tap_set_carrier(&n->tap, true);
	if (err)
		xpvd_warn(XPVD_C_DEV, "%s: carrier on: %s", xpvd_dev_be(d),
			  strerror(-err));
	xpvd_dev_connected(d);
	if (record) {
		xpvd_info(XPVD_C_DEV, "%s: reattached: %u queue(s) at the "
			  "previous daemon's ring indices", xpvd_dev_be(d), nq);
		return 0;
	}
	xpvd_log_guest_at(LOG_INFO, xpvd_dev_rl(d), XPVD_C_DEV,
			  "%s: connected: %u queue(s), %s event channels, "
			  "sg %d gso4 %d gso6 %d csum %d", xpvd_dev_be(d), nq,
			  n->split ? "split" : "shared", sg, gso4, gso6,
			  !no_csum);
	return 0;
}

/* ---- stopping ---- */

static void net_disconnect(struct xpvd_dev *d)
{
	struct netdev *n = xpvd_dev_priv(d);
	unsigned int i;

	if (n->tap.nr_fds)
		(void)xpvd_tap_set_carrier(&n->tap, false);
	for (i = 0; i < n->nr_queues; i++) {
		if (!n->q[i])
			continue;
		xpvd_netq_request_stop(n->q[i]);
		/* Any earlier one there was joined by net_connect(); set
		 * before parking, which may reap at once. */
		n->parked[i] = n->q[i];
		xpvd_dev_park(d, n->q[i]);
		n->q[i] = NULL;
	}
	n->nr_queues = 0;
	n->split = false;
}

static bool net_worker_finished(void *w)
{
	return xpvd_netq_finished(w);
}

static void net_worker_reap(struct xpvd_dev *d, void *w)
{
	struct netdev *n = xpvd_dev_priv(d);
	struct xpvd_netq_stats st;
	unsigned int i;

	for (i = 0; i < XPVD_NET_MAX_QUEUES; i++)
		if (n->parked[i] == w)
			n->parked[i] = NULL;
	xpvd_netq_stats(w, &st);
	stats_add(&n->past, &st);
	xpvd_netq_reap(w);
}

/*
 * Stops the queues (waiting: each ends at its next wake-up) and keeps
 * the TAP.  The record (struct record) is written only when every
 * queue left its rings answered and the vif was not disabled; else the
 * successor asks the frontend to reconnect (net.h).
 */
static int net_hand_over(struct xpvd_dev *d, char *buf, size_t size)
{
	struct netdev *n = xpvd_dev_priv(d);
	struct xpvd_netq_stats st;
	struct xpvd_netq_handoff h;
	bool clean = n->nr_queues > 0 &&
		     !__atomic_load_n(&n->shared.disabled, __ATOMIC_RELAXED);
	unsigned int i;
	size_t len;

	len = (size_t)snprintf(buf, size, RECORD_MAGIC " %u\n", n->nr_queues);
	for (i = 0; i < n->nr_queues; i++)
		xpvd_netq_request_stop(n->q[i]);
	for (i = 0; i < n->nr_queues; i++) {
		xpvd_netq_join(n->q[i]);
		if (xpvd_netq_handoff(n->q[i], &h))
			clean = false;
		else if (len < size)
			len += (size_t)snprintf(buf + len, size - len,
						"%u %u %u %u %" PRIu32
						" %" PRIu32 "\n", h.tx_ref,
						h.rx_ref, h.tx_port, h.rx_port,
						h.tx_rsp_prod, h.rx_rsp_prod);
		xpvd_netq_stats(n->q[i], &st);
		stats_add(&n->past, &st);
		xpvd_netq_reap(n->q[i]);
		n->q[i] = NULL;
	}
	n->nr_queues = 0;
	n->keep_tap = true;
	/* Every queue has ended: the list is ours alone. */
	if (len < size)
		len += (size_t)snprintf(buf + len, size - len, "mcast %u",
					n->shared.mcast.n);
	for (i = 0; i < n->shared.mcast.n && len < size; i++) {
		const uint8_t *a = n->shared.mcast.addr[i];

		len += (size_t)snprintf(buf + len, size - len,
					" %02x%02x%02x%02x%02x%02x", a[0], a[1],
					a[2], a[3], a[4], a[5]);
	}
	if (len < size)
		len += (size_t)snprintf(buf + len, size - len, "\n");
	if (len >= size)
		return -ENOSPC;
	return clean ? (int)len : 0;
}

static void net_release(struct xpvd_dev *d)
{
	struct netdev *n = xpvd_dev_priv(d);

	xpvd_tap_close(&n->tap, n->keep_tap);
}

/* s as the inside of a JSON string. */
static void json_str(FILE *f, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
}

static void net_stats_json(struct xpvd_dev *d, FILE *f)
{
	const struct netdev *n = xpvd_dev_priv(d);
	struct xpvd_netq_stats sum = n->past, st;
	unsigned int i;

	for (i = 0; i < n->nr_queues; i++) {
		if (!n->q[i])
			continue;
		xpvd_netq_stats(n->q[i], &st);
		stats_add(&sum, &st);
	}
	fprintf(f, "\"tap\":\"");
	json_str(f, n->tap.name);
	fprintf(f, "\",\"bridge\":\"");
	json_str(f, n->bridge);
	fprintf(f, "\",\"queues\":%u,\"split_events\":%s,"
		"\"tx_packets\":%" PRIu64 ",\"tx_bytes\":%" PRIu64 ","
		"\"tx_dropped\":%" PRIu64 ",\"tx_errors\":%" PRIu64 ","
		"\"rx_packets\":%" PRIu64 ",\"rx_bytes\":%" PRIu64 ","
		"\"rx_dropped\":%" PRIu64 ",\"rx_errors\":%" PRIu64 ","
		"\"rx_backlog_max\":%" PRIu64 ",\"disabled\":%s",
		n->nr_queues, n->split ? "true" : "false", sum.tx_packets,
		sum.tx_bytes, sum.tx_dropped, sum.tx_errors, sum.rx_packets,
		sum.rx_bytes, sum.rx_dropped, sum.rx_errors, sum.rx_backlog_max,
		__atomic_load_n(&n->shared.disabled, __ATOMIC_RELAXED) ?
			"true" : "false");
}

static const char *const net_types[] = { "vif", NULL };

/*
 * The frontend changed request-multicast-control while connected
 * (feature-dynamic-multicast-control; Linux netback's
 * xen_mcast_ctrl_changed): filtering follows from the next frame on,
 * the list stays as the frontend built it.  Absent or unreadable reads
 * as off, as Linux's xenbus_read_unsigned() default.
 */
static void net_fe_changed(struct xpvd_dev *d)
{
	struct netdev *n = xpvd_dev_priv(d);
	unsigned int listed;
	uint32_t x;
	bool on = !xpv_xs_read_u32(xpvd_dev_xsh(d), XBT_NULL, xpvd_dev_fe(d),
				   "request-multicast-control", UINT32_MAX,
				   &x) && x;

	if (on == __atomic_load_n(&n->shared.mcast_filter, __ATOMIC_RELAXED))
		return;
	__atomic_store_n(&n->shared.mcast_filter, on, __ATOMIC_RELAXED);
	pthread_mutex_lock(&n->shared.mcast_lock);
	listed = n->shared.mcast.n;
	pthread_mutex_unlock(&n->shared.mcast_lock);
	xpvd_info(XPVD_C_DEV, "%s: multicast filtering %s (%u address(es) "
		  "listed)", xpvd_dev_be(d), on ? "on" : "off", listed);
}

static const char *const net_fe_keys[] = {
	"request-multicast-control", NULL
};

const struct xpvd_channel xpvd_net_channel = {
	.name = "net",
	.types = net_types,
	.json_key = "vifs",
	.priv_size = sizeof(struct netdev),
	/* Linux netfront never writes Initialised. */
	.connect_on = XPVD_CONNECT_ON_CONNECTED,
	.probe = net_probe,
	.features = net_features,
	.hotplug_check = net_hotplug_check,
	.connect = net_connect,
	.disconnect = net_disconnect,
	.worker_finished = net_worker_finished,
	.worker_reap = net_worker_reap,
	.hand_over = net_hand_over,
	.release = net_release,
	.stats_json = net_stats_json,
	.fe_keys = net_fe_keys,
	.fe_changed = net_fe_changed,
};
