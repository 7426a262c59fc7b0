/* SPDX-License-Identifier: MIT */
/*
 * p9-io.c - the message path of the 9pfs channel: tags, sending whole
 * messages on ring tag % nr, matching and copying out the replies, failing
 * what is in flight when the device breaks or the connection ends, and the
 * event loop (xpvf_9p_process(), xpvf_9p_wait()).
 *
 * Guarantees:
 * - A message is published whole (one xpv_flex_write2()), in the order
 *   it was submitted on its ring; one that does not fit yet waits, and so
 *   do those behind it on that ring.  Messages go to the rings in turn
 *   (Tversion to ring P9_NOTAG % rings), so that the parts of one large
 *   read or write are served side by side.
 * - A reply is believed only if its header says size 7..msize, its tag is
 *   a request sent on this ring, its type is that request's R-type or
 *   Rlerror, and it fits the buffer its request gave.  Anything else
 *   breaks the device: every request fails with -EIO (the one whose reply
 *   did not fit with -EMSGSIZE), nothing more is sent or read.  A header
 *   whose message is not all there yet is left until it is.
 * - The rings are read and written only through ring-flex.h, which checks
 *   the peer's indices and never touches memory outside the data area.
 * - A request's callback runs once, never from inside xpvf_9p_submit(),
 *   and its tag is free again before it runs.
 * - No allocation: requests and tags are in the handle.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "p9-front.h"
#include "p9wire.h"

/* ---- tags ---- */

void p9f_init_tags(struct xpvf_9p *h)
{
	unsigned int i;

	for (i = 0; i < P9F_MAX_TAGS; i++)
		h->free_tags[i] = (uint16_t)i;
	h->free_head = 0;
	h->nr_free = P9F_MAX_TAGS;
}

static int tag_get(struct xpvf_9p *h)
{
	uint16_t t;

	if (!h->nr_free)
		return -EAGAIN;
	t = h->free_tags[h->free_head];
	h->free_head = (h->free_head + 1) % P9F_MAX_TAGS;
	h->nr_free--;
	return t;
}

static void tag_put(struct xpvf_9p *h, unsigned int tag)
{
	h->free_tags[(h->free_head + h->nr_free) % P9F_MAX_TAGS] =
		(uint16_t)tag;
	h->nr_free++;
}

static unsigned int slot_tag(unsigned int slot)
{
	return slot == P9F_VERSION_SLOT ? P9_NOTAG : slot;
}

/* The request a reply's tag names, or NULL. */
static struct p9f_req *req_of_tag(struct xpvf_9p *h, uint16_t tag)
{
	if (tag == P9_NOTAG)
		return &h->reqs[P9F_VERSION_SLOT];
	if (tag >= P9F_MAX_TAGS)
		return NULL;
	return &h->reqs[tag];
}

/* ---- completion ---- */

static void complete(struct xpvf_9p *h, struct p9f_req *q, int result)
{
	xpvf_9p_done_fn done = q->done;
	void *opaque = q->opaque;
	const void *reply = q->rbuf;
	unsigned int slot = (unsigned int)(q - h->reqs);

	if (h->rings[q->ring].busy)
		h->rings[q->ring].busy--;
	if (q->sent)
		h->rings[q->ring].caps_sent -= (uint64_t)q->rcap + q->dcap;
	q->in_use = false;
	q->sent = false;
	q->next = NULL;
	if (slot != P9F_VERSION_SLOT)
		tag_put(h, slot);
	h->busy--;
	h->callbacks++;
	done(opaque, result, reply, result > 0 ? (size_t)result : 0);
}

/*
 * Fails every request, queued or sent, with err.  Callers first make
 * submissions fail (broken, lost, gone or closing), so callbacks cannot
 * add requests while this runs.
 */
void p9f_fail_all(struct xpvf_9p *h, int err)
{
	unsigned int i;

	for (i = 0; i < P9F_MAX_RINGS; i++)
		h->rings[i].q_head = h->rings[i].q_tail = NULL;
	for (i = 0; i <= P9F_MAX_TAGS; i++)
		if (h->reqs[i].in_use)
			complete(h, &h->reqs[i], err);
}

void p9f_session_lost(struct xpvf_9p *h)
{
	if (h->lost)
		return;
	h->lost = true;
	/* No new session can start on this handle: stop following the
	 * backend (xpvf_9p_close() says Closing and Closed). */
	h->dev.closing = true;
	p9f_fail_all(h, -ECONNRESET);
}

static void mark_broken(struct xpvf_9p *h)
{
	h->broken = true;
	p9f_fail_all(h, -EIO);
}

/* Why nothing can be sent now, or 0. */
int p9f_state_err(const struct xpvf_9p *h)
{
	if (h->lost)
		return -ECONNRESET;
	if (h->dev.closing)
		return -ECANCELED;
	if (h->dev.fs == FS_GONE)
		return -ENODEV;
	if (h->broken)
		return -EIO;
	if (h->dev.fs != FS_CONNECTED || !p9f_rings_up(h))
		return -ECONNRESET;
	return 0;
}

/* ---- sending ---- */

/*
 * Writes r's queued messages while they fit, in order.  Never runs a
 * callback (it is called from xpvf_9p_submit()); -EIO when the ring's
 * indices are nonsense (the caller breaks the device), else 0.
 */
static int issue_ring(struct xpvf_9p *h, struct p9f_ring *r)
{
	struct p9f_req *q;
	int err;

	while ((q = r->q_head)) {
		/* One write: the backend never sees part of a message. */
		err = xpv_flex_write2(&r->out, q->tmsg, q->tlen, q->tpay,
				      q->tpaylen);
		if (err == -EAGAIN)
			break;
		if (err < 0)
			return -EIO;
		r->q_head = q->next;
		if (!r->q_head)
			r->q_tail = NULL;
		q->next = NULL;
		q->sent = true;
		r->caps_sent += (uint64_t)q->rcap + q->dcap;
		r->notify = true;
	}
	if (r->notify) {
		r->notify = false;
		front_evtchn_notify(&h->dev, r->port);
	}
	return 0;
}

void p9f_issue(struct xpvf_9p *h)
{
	unsigned int i;

	if (h->dev.fs != FS_CONNECTED || h->broken || h->lost ||
	    !p9f_rings_up(h))
		return;
	for (i = 0; i < h->nr; i++) {
		if (h->rings[i].q_head && issue_ring(h, &h->rings[i]) < 0) {
			mark_broken(h);
			return;
		}
	}
}

static int send_req(struct xpvf_9p *h, unsigned int slot,
		    const unsigned char *tmsg, uint32_t tlen,
		    const unsigned char *pay, uint32_t paylen,
		    unsigned char *rbuf, uint32_t rcap, unsigned char *data,
		    uint32_t dcap, xpvf_9p_done_fn done, void *opaque)
{
	struct p9f_req *q = &h->reqs[slot];
	struct p9f_ring *r;

	if (slot == P9F_VERSION_SLOT)
		q->ring = (uint16_t)(slot_tag(slot) % h->nr);
	else
		q->ring = (uint16_t)(h->next_ring++ % h->nr);
	q->tmsg = tmsg;
	q->tlen = tlen;
	q->tpay = pay;
	q->tpaylen = pay ? paylen : 0;
	q->ttype = tmsg[4];
	q->rbuf = rbuf;
	q->rcap = rcap;
	q->data = data;
	q->dcap = data ? dcap : 0;
	q->done = done;
	q->opaque = opaque;
	q->in_use = true;
	q->sent = false;
	q->next = NULL;
	r = &h->rings[q->ring];
	if (r->q_tail)
		r->q_tail->next = q;
	else
		r->q_head = q;
	r->q_tail = q;
	r->busy++;
	h->busy++;
	/* Nonsense indices: the next xpvf_9p_process() fails everything
	 * (not here: no callback may run inside a submission). */
	if (issue_ring(h, r) < 0)
		h->broken = true;
	return 0;
}

int p9f_send(struct xpvf_9p *h, unsigned int slot, const unsigned char *tmsg,
	     uint32_t tlen, unsigned char *rbuf, uint32_t rcap,
	     unsigned char *data, uint32_t dcap, xpvf_9p_done_fn done,
	     void *opaque)
{
	return send_req(h, slot, tmsg, tlen, NULL, 0, rbuf, rcap, data, dcap,
			done, opaque);
}

static int submit(struct xpvf_9p *h, unsigned char *tmsg, uint32_t tlen,
		  const unsigned char *pay, uint32_t paylen,
		  unsigned char *rbuf, uint32_t rcap, unsigned char *data,
		  uint32_t dcap, xpvf_9p_done_fn done, void *opaque)
{
	int err, tag;

	err = p9f_state_err(h);
	if (err)
		return err;
	tag = tag_get(h);
	if (tag < 0)
		return tag;
	p9_le_put(tmsg + 5, (uint64_t)tag, 2);
	return send_req(h, (unsigned int)tag, tmsg, tlen, pay, paylen, rbuf,
			rcap, data, dcap, done, opaque);
}

int p9f_submit(struct xpvf_9p *h, unsigned char *tmsg, uint32_t tlen,
	       unsigned char *rbuf, uint32_t rcap, unsigned char *data,
	       uint32_t dcap, xpvf_9p_done_fn done, void *opaque)
{
	return submit(h, tmsg, tlen, NULL, 0, rbuf, rcap, data, dcap, done,
		      opaque);
}

int p9f_submit_pay(struct xpvf_9p *h, unsigned char *tmsg, uint32_t tlen,
		   const unsigned char *pay, uint32_t paylen,
		   unsigned char *rbuf, uint32_t rcap, xpvf_9p_done_fn done,
		   void *opaque)
{
	return submit(h, tmsg, tlen, pay, paylen, rbuf, rcap, NULL, 0, done,
		      opaque);
}

int xpvf_9p_submit(struct xpvf_9p *h, void *tmsg, size_t len, void *rbuf,
		   size_t rcap, xpvf_9p_done_fn done, void *opaque)
{
	const unsigned char *t = tmsg;
	int err;

	if (!h || !tmsg || !rbuf || !done)
		return -EINVAL;
	err = p9f_state_err(h);
	if (err)
		return err;
	if (len < P9_HDR_SIZE || rcap < XPVF_9P_MIN_REPLY)
		return -EINVAL;
	if (len > h->msize)
		return -EMSGSIZE;
	if (p9_le_get(t, 4) != len || (t[4] & 1) || t[4] == P9_TVERSION)
		return -EINVAL;
	/* No reply is larger than msize. */
	if (rcap > h->msize)
		rcap = h->msize;
	return p9f_submit(h, tmsg, (uint32_t)len, rbuf, (uint32_t)rcap, NULL,
			  0, done, opaque);
}

/* ---- replies ---- */

/*
 * Takes r's complete replies.  0, or -EIO when the backend broke the
 * protocol; *toolong is then the request whose reply did not fit its
 * buffer, if that was the fault.  *consumed: in_cons moved.
 */
static int harvest_ring(struct xpvf_9p *h, unsigned int idx,
			struct p9f_req **toolong, bool *consumed)
{
	struct p9f_ring *r = &h->rings[idx];
	struct xpv_9p_hdr hdr;
	struct p9f_req *q;
	uint32_t first;
	int n, err;

	for (;;) {
		err = xpv_flex_peek_9p_header(&r->in, &hdr);
		if (err == -EAGAIN)
			return 0;
		if (err < 0 || hdr.size > h->msize)
			return -EIO;
		q = req_of_tag(h, hdr.tag);
		if (!q || !q->in_use || !q->sent || q->ring != idx)
			return -EIO;
		if (hdr.type != P9_RLERROR && hdr.type != q->ttype + 1)
			return -EIO;
		if (hdr.size > q->rcap + q->dcap) {
			*toolong = q;
			return -EIO;
		}
		n = xpv_flex_queued(&r->in);
		if (n < 0)
			return -EIO;
		/* The header is there, the rest is on its way: the
		 * backend's next notification brings it. */
		if ((uint32_t)n < hdr.size)
			return 0;
		first = hdr.size < q->rcap ? hdr.size : q->rcap;
		/* All of it is queued and only we consume: neither read
		 * can fail short. */
		if (xpv_flex_read(&r->in, q->rbuf, first) < 0)
			return -EIO;
		if (hdr.size > first &&
		    xpv_flex_read(&r->in, q->data, hdr.size - first) < 0)
			return -EIO;
		*consumed = true;
		h->replies++;
		complete(h, q, (int)hdr.size);
		if (h->broken || h->lost || !p9f_rings_up(h))
			return 0;
	}
}

void p9f_harvest(struct xpvf_9p *h)
{
	struct p9f_req *toolong;
	bool consumed, waiter;
	unsigned int i;
	int err, room;

	if (h->broken || h->lost || !p9f_rings_up(h))
		return;
	for (i = 0; i < h->nr; i++) {
		toolong = NULL;
		consumed = false;
		/* The backend can be waiting for room only if some reply we
		 * wait for on this ring did not fit in what was free: a reply
		 * is never larger than its request's buffers. */
		room = xpv_flex_free_space(&h->rings[i].in);
		waiter = room < 0 || (uint64_t)room < h->rings[i].caps_sent;
		err = harvest_ring(h, i, &toolong, &consumed);
		/* Once per pass, and only then: an event it does not need
		 * costs the backend a wake-up. */
		if (consumed && waiter && p9f_rings_up(h))
			front_evtchn_notify(&h->dev, h->rings[i].port);
		if (err < 0) {
			h->broken = true;
			if (toolong)
				complete(h, toolong, -EMSGSIZE);
			mark_broken(h);
			return;
		}
		if (h->broken || h->lost || !p9f_rings_up(h))
			return;
	}
}

/* ---- the event loop ---- */

/*
 * Messages in flight and no reply for P9F_KICK_MS: notify every ring that
 * waits for one (harmless when the backend is merely slow; needed when a
 * notification went to a port no backend had bound).
 */
static void kick(struct xpvf_9p *h)
{
	int64_t now;
	unsigned int i;

	if (h->dev.fs != FS_CONNECTED || h->broken || h->lost ||
	    !p9f_rings_up(h))
		return;
	now = front_now_ms();
	if (h->replies != h->kick_seen || !h->busy) {
		h->kick_seen = h->replies;
		h->kick_at = now + P9F_KICK_MS;
		return;
	}
	if (now < h->kick_at)
		return;
	h->kick_at = now + P9F_KICK_MS;
	for (i = 0; i < h->nr; i++)
		if (h->rings[i].busy && h->rings[i].port >= 0)
			front_evtchn_notify(&h->dev, h->rings[i].port);
}

/* Everything after an event (or none): the session's end, failures, the
 * replies, the waiting messages, kicks. */
static void settle(struct xpvf_9p *h)
{
	/* Closing or any other state after Connected ends the session. */
	if (h->dev.connects && !h->lost && h->dev.fs != FS_CONNECTED &&
	    h->dev.fs != FS_GONE)
		p9f_session_lost(h);
	if (h->broken && h->busy)
		p9f_fail_all(h, -EIO);
	p9f_harvest(h);
	p9f_issue(h);
	kick(h);
}

static int result_of(struct xpvf_9p *h)
{
	if (h->broken)
		return -EIO;
	if (h->dev.fs == FS_GONE)
		return -ENODEV;
	if (h->lost)
		return -ECONNRESET;
	return (int)h->callbacks;
}

int xpvf_9p_process(struct xpvf_9p *h)
{
	int err;

	if (!h)
		return -EINVAL;
	h->callbacks = 0;
	err = front_dev_events(&h->dev, 0);
	settle(h);
	if (err < 0 && !h->broken && !h->lost && h->dev.fs != FS_GONE)
		return err;
	return result_of(h);
}

int xpvf_9p_wait(struct xpvf_9p *h, int timeout_ms)
{
	int n, err;

	n = xpvf_9p_process(h);
	if (n != 0)
		return n;
	/* Come back in time to kick a backend that may have missed us. */
	if (h->busy && (timeout_ms < 0 || timeout_ms > P9F_KICK_MS))
		timeout_ms = P9F_KICK_MS;
	err = front_dev_events(&h->dev, timeout_ms);
	if (err < 0) {
		settle(h);
		return h->broken || h->lost || h->dev.fs == FS_GONE ?
			       result_of(h) : err;
	}
	return xpvf_9p_process(h);
}

unsigned int xpvf_9p_in_flight(struct xpvf_9p *h)
{
	return h ? h->busy : 0;
}

int xpvf_9p_fd(struct xpvf_9p *h)
{
	return h ? h->dev.epfd : -EINVAL;
}

void p9f_sync_done(void *opaque, int result, const void *reply, size_t len)
{
	struct p9f_sync *s = opaque;

	(void)reply;
	(void)len;
	s->result = result;
	s->done = true;
}
