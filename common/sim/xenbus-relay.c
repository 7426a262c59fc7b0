/* SPDX-License-Identifier: MIT */
/*
 * xenbus-relay.c - the guest side of XenStore on the simulated platform:
 * one sim domain's store ring multiplexed onto unix-socket clients, as a
 * guest kernel's xenbus driver multiplexes /dev/xen/xenbus (see
 * xenbus-relay.h for the contract).
 *
 * Guarantees:
 *  - Nothing read from the shared page is trusted: the ring indices are read
 *    once per pass and checked (the peer can never have produced more than
 *    the ring holds), and a message longer than XENSTORE_PAYLOAD_MAX stops
 *    the relay with -EPROTO instead of being framed.
 *  - Messages of different clients never interleave on the ring: one
 *    message is written completely before the next starts.
 *  - A client has at most one request being received or queued; it is read
 *    again only once that request is on the ring, so a client that floods
 *    the relay is slowed down, not buffered.  Replies and watch events for a
 *    client that does not read are buffered up to CLIENT_OUT_MAX bytes, then
 *    the client is dropped.
 *  - Every reply goes to the client that sent the request, with its own
 *    req_id; every watch event goes to the client that set the watch (its
 *    token carries the client's number, which is never reused), with its
 *    own token.  A client can only name transactions it started.
 *  - A client's watches and transactions outlive it only until the relay
 *    has sent XS_UNWATCH for each watch and XS_TRANSACTION_END "F" for each
 *    transaction; the client's state is freed once their replies are in.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <xen/io/xs_wire.h>

#include "barrier.h"
#include "platform.h"
#include "sim.h"
#include "xenbus-relay.h"

#define HDR_SIZE sizeof(struct xsd_sockmsg)
#define MAX_PENDING 256u /* requests on the ring at once */
#define MAX_CLIENTS 256u
#define CLIENT_OUT_MAX (1u << 20) /* unread replies before a drop */
#define TOKEN_PREFIX_MAX 16u	  /* "<client id>/" */
#define DOMAIN_CHECK_MS 200	  /* how often to look for destruction */

_Static_assert((MAX_PENDING & (MAX_PENDING - 1)) == 0, "power of two");

/* A message with room for the longest payload, a token prefix and a NUL. */
struct xs_msg {
	struct xsd_sockmsg hdr;
	char body[XENSTORE_PAYLOAD_MAX + TOKEN_PREFIX_MAX + 1];
};

struct watch {
	struct watch *next;
	size_t len; /* of data: "path\0token\0" (the client's token) */
	char data[];
};

enum client_state {
	C_READ,	     /* receiving a request (or idle) */
	C_WAIT_SLOT, /* request ready, waiting for a pending slot */
	C_QUEUED,    /* request in the ring writer's queue */
};

struct client {
	struct client *next;	 /* every client */
	struct client *out_next; /* ring writer queue */
	uint32_t id;		 /* never reused: routes watch events */
	int fd;			 /* -1 once gone: only cleanup is left */
	enum client_state state;
	size_t in_len;	    /* bytes of in received */
	struct xs_msg in;   /* the request, rewritten for the ring */
	uint32_t in_req_id; /* its req_id as the client sent it */
	char *out;	    /* replies not yet sent */
	size_t out_off, out_len, out_cap;
	struct watch *watches;
	uint32_t *tx; /* transactions it started */
	size_t nr_tx, cap_tx;
	unsigned int inflight; /* its requests on the ring */
};

struct pending {
	uint32_t id; /* the req_id on the ring; slot = id % MAX */
	int used;
	struct client *c;
	uint32_t req_id; /* the client's */
	uint32_t type;
	uint32_t tx_id;
};

struct xpv_relay {
	xpv_domid_t domid;
	char *world;
	char *sock_path;
	int lfd;
	struct xenstore_domain_interface *intf;
	const struct xpv_platform *plat;
	struct xpv_evtchn *evh;
	xpv_port_t port;

	XENSTORE_RING_IDX req_prod; /* ours: the page copy is only written */
	XENSTORE_RING_IDX rsp_cons;
	int notify; /* the peer must be told */

	struct client *clients;
	unsigned int nr_clients;
	uint32_t next_client_id;
	struct client *wq_head, *wq_tail; /* ring writer queue */
	size_t wq_off;			  /* of the head message */

	struct pending pend[MAX_PENDING];
	unsigned int nr_pend;
	uint32_t pend_seq;

	struct xs_msg rsp; /* the message being read from the ring */
	size_t rsp_len;

	struct pollfd *pfd;
	size_t pfd_cap;
	struct timespec last_check;
};

int xpv_relay_default_path(const char *world, unsigned int domid, char *buf,
			   size_t len)
{
	struct sockaddr_un sun;
	int n;

	n = snprintf(buf, len, "%s/xenstore-dom%u.sock", world, domid);
	if (n < 0 || (size_t)n >= len || (size_t)n >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	return n;
}

/* ---- clients: output ---- */

static void client_drop(struct xpv_relay *r, struct client *c);

/* Sends what is buffered; drops the client on a hard error. */
static void client_flush(struct xpv_relay *r, struct client *c)
{
	ssize_t n;

	while (c->fd >= 0 && c->out_off < c->out_len) {
		n = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				client_drop(r, c);
			return;
		}
		c->out_off += (size_t)n;
	}
	if (c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
}

/* Queues one message for the client (if it is still there). */
static void client_send(struct xpv_relay *r, struct client *c,
			const struct xsd_sockmsg *hdr, const void *body)
{
	size_t need = HDR_SIZE + hdr->len;
	size_t cap;
	char *p;

	if (c->fd < 0)
		return;
	if (c->out_off && c->out_off == c->out_len)
		c->out_off = c->out_len = 0;
	if (c->out_len - c->out_off + need > CLIENT_OUT_MAX) {
		client_drop(r, c); /* does not read its replies */
		return;
	}
	if (c->out_off && c->out_len + need > c->out_cap) {
		memmove(c->out, c->out + c->out_off, c->out_len - c->out_off);
		c->out_len -= c->out_off;
		c->out_off = 0;
	}
	if (c->out_len + need > c->out_cap) {
		cap = c->out_cap ? c->out_cap : 8192;
		while (cap < c->out_len + need)
			cap *= 2;
		p = realloc(c->out, cap);
		if (!p) {
			client_drop(r, c);
			return;
		}
		c->out = p;
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, hdr, HDR_SIZE);
	memcpy(c->out + c->out_len + HDR_SIZE, body, hdr->len);
	c->out_len += need;
	client_flush(r, c);
}

/* Answers the client's current request locally with XS_ERROR err. */
static void client_error(struct xpv_relay *r, struct client *c, const char *err)
{
	struct xsd_sockmsg hdr = {
	    .type = XS_ERROR,
	    .req_id = c->in_req_id,
	    .tx_id = c->in.hdr.tx_id,
	    .len = (uint32_t)strlen(err) + 1,
	};

	client_send(r, c, &hdr, err);
}

/* ---- clients: bookkeeping of watches and transactions ---- */

static int tx_find(const struct client *c, uint32_t tx_id)
{
	size_t i;

	for (i = 0; i < c->nr_tx; i++)
		if (c->tx[i] == tx_id)
			return (int)i;
	return -1;
}

static int tx_add(struct client *c, uint32_t tx_id)
{
	uint32_t *p;
	size_t cap;

	if (c->nr_tx == c->cap_tx) {
		cap = c->cap_tx ? c->cap_tx * 2 : 8;
		p = realloc(c->tx, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		c->tx = p;
		c->cap_tx = cap;
	}
	c->tx[c->nr_tx++] = tx_id;
	return 0;
}

static void tx_remove(struct client *c, uint32_t tx_id)
{
	int i = tx_find(c, tx_id);

	if (i >= 0)
		c->tx[i] = c->tx[--c->nr_tx];
}

/* data: "path\0token\0", len bytes, the client's own token. */
static int watch_add(struct client *c, const char *data, size_t len)
{
	struct watch *w = malloc(sizeof(*w) + len);

	if (!w)
		return -ENOMEM;
	w->len = len;
	memcpy(w->data, data, len);
	w->next = c->watches;
	c->watches = w;
	return 0;
}

static void watch_remove(struct client *c, const char *data, size_t len)
{
	struct watch **pp, *w;

	for (pp = &c->watches; (w = *pp); pp = &w->next) {
		if (w->len == len && !memcmp(w->data, data, len)) {
			*pp = w->next;
			free(w);
			return;
		}
	}
}

/* ---- the ring writer queue and pending slots ---- */

static struct pending *pend_alloc(struct xpv_relay *r)
{
	struct pending *p;
	unsigned int i;

	if (r->nr_pend == MAX_PENDING)
		return NULL;
	for (i = 0; i < MAX_PENDING; i++) {
		r->pend_seq++;
		p = &r->pend[r->pend_seq % MAX_PENDING];
		if (!p->used) {
			p->used = 1;
			p->id = r->pend_seq;
			r->nr_pend++;
			return p;
		}
	}
	return NULL;
}

static void pend_free(struct xpv_relay *r, struct pending *p)
{
	p->used = 0;
	p->c = NULL;
	r->nr_pend--;
}

/*
 * Gives c's ready request (c->in, rewritten) a pending slot and queues it
 * for the ring; leaves c in C_WAIT_SLOT when every slot is taken.
 */
static void client_queue(struct xpv_relay *r, struct client *c)
{
	struct pending *p = pend_alloc(r);

	if (!p) {
		c->state = C_WAIT_SLOT;
		return;
	}
	p->c = c;
	p->req_id = c->in_req_id;
	p->type = c->in.hdr.type;
	p->tx_id = c->in.hdr.tx_id;
	c->in.hdr.req_id = p->id;
	c->inflight++;
	c->state = C_QUEUED;
	c->out_next = NULL;
	if (r->wq_tail)
		r->wq_tail->out_next = c;
	else
		r->wq_head = c;
	r->wq_tail = c;
}

/* ---- clients: life cycle ---- */

static void client_free(struct xpv_relay *r, struct client *c)
{
	struct client **pp;
	struct watch *w;

	for (pp = &r->clients; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	while ((w = c->watches)) {
		c->watches = w->next;
		free(w);
	}
	if (c->fd >= 0)
		close(c->fd);
	free(c->tx);
	free(c->out);
	free(c);
	r->nr_clients--;
}

/*
 * A client that went away: closes its socket now; it stays in the list
 * until its cleanup requests are sent (client_cleanup()).
 */
static void client_drop(struct xpv_relay *r, struct client *c)
{
	if (c->fd < 0)
		return;
	close(c->fd);
	c->fd = -1;
	free(c->out);
	c->out = NULL;
	c->out_off = c->out_len = c->out_cap = 0;
	if (c->state == C_WAIT_SLOT) /* never reached the ring */
		c->state = C_READ;
	if (c->state == C_READ)
		c->in_len = 0; /* a partial request is forgotten */
}

/*
 * For a gone client whose last request is on the ring: sends the next
 * XS_UNWATCH or XS_TRANSACTION_END "F", or frees it when nothing is left
 * and every reply is in.
 */
static void client_cleanup(struct xpv_relay *r, struct client *c)
{
	struct watch *w;
	uint32_t tx;

	if (c->fd >= 0 || c->state != C_READ)
		return;
	memset(&c->in.hdr, 0, sizeof(c->in.hdr));
	c->in_req_id = 0;
	if ((w = c->watches)) {
		/* The watch as set: the token carries the client's prefix. */
		const char *token = memchr(w->data, 0, w->len);
		size_t plen = (size_t)(++token - w->data);
		int n = snprintf(c->in.body + plen, TOKEN_PREFIX_MAX + 1,
				 "%" PRIu32 "/", c->id);

		memcpy(c->in.body, w->data, plen);
		memcpy(c->in.body + plen + n, token, w->len - plen);
		c->in.hdr.type = XS_UNWATCH;
		c->in.hdr.len = (uint32_t)(w->len + (size_t)n);
		c->watches = w->next;
		free(w);
		client_queue(r, c);
	} else if (c->nr_tx) {
		tx = c->tx[--c->nr_tx];
		c->in.hdr.type = XS_TRANSACTION_END;
		c->in.hdr.tx_id = tx;
		c->in.hdr.len = 2;
		memcpy(c->in.body, "F", 2);
		client_queue(r, c);
	} else if (!c->inflight) {
		client_free(r, c);
	}
}

/* Moves every client that can make progress without I/O. */
static void clients_progress(struct xpv_relay *r)
{
	struct client *c, *next;

	for (c = r->clients; c; c = next) {
		next = c->next;
		if (c->state == C_WAIT_SLOT)
			client_queue(r, c);
		if (c->fd < 0)
			client_cleanup(r, c);
	}
}

static void client_accept(struct xpv_relay *r)
{
	struct client *c;
	int fd;

	for (;;) {
		fd = accept4(r->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return; /* EAGAIN, or a client that already left */
		if (r->nr_clients >= MAX_CLIENTS) {
			close(fd);
			continue;
		}
		c = calloc(1, sizeof(*c));
		if (!c) {
			close(fd);
			continue;
		}
		c->fd = fd;
		c->id = r->next_client_id++;
		c->state = C_READ;
		c->next = r->clients;
		r->clients = c;
		r->nr_clients++;
	}
}

/*
 * A complete request from a client: checks it as /dev/xen/xenbus does,
 * rewrites what the relay owns (req_id, watch tokens) and queues it; or
 * answers it locally with an error.
 */
static void client_request(struct xpv_relay *r, struct client *c)
{
	struct xsd_sockmsg *hdr = &c->in.hdr;
	char prefix[TOKEN_PREFIX_MAX + 1];
	char *body = c->in.body, *end = body + hdr->len;
	char *token, *tend;
	size_t plen, tlen;
	int n;

	c->in_req_id = hdr->req_id;
	c->in_len = 0;

	switch (hdr->type) {
	case XS_WATCH_EVENT: /* replies, not requests */
	case XS_ERROR:
	case XS_RESET_WATCHES: /* would remove the other clients' watches */
		client_error(r, c, "EINVAL");
		return;
	default:
		if (hdr->type >= XS_TYPE_COUNT) {
			client_error(r, c, "EINVAL");
			return;
		}
		break;
	}
	if (hdr->tx_id && tx_find(c, hdr->tx_id) < 0) {
		client_error(r, c, "EINVAL"); /* not one of its transactions */
		return;
	}
	if (hdr->type != XS_WATCH && hdr->type != XS_UNWATCH) {
		client_queue(r, c);
		return;
	}

	/* "path\0token\0" exactly; the token gets "<client id>/". */
	token = memchr(body, 0, hdr->len);
	if (!token || ++token >= end) {
		client_error(r, c, "EINVAL");
		return;
	}
	tend = memchr(token, 0, (size_t)(end - token));
	if (!tend || tend + 1 != end) {
		client_error(r, c, "EINVAL");
		return;
	}
	plen = (size_t)(token - body);
	tlen = (size_t)(end - token);
	n = snprintf(prefix, sizeof(prefix), "%" PRIu32 "/", c->id);
	if (hdr->len + (size_t)n > XENSTORE_PAYLOAD_MAX) {
		client_error(r, c, "E2BIG");
		return;
	}
	/* Tracked as the client sees it; see client_cleanup(). */
	if (hdr->type == XS_WATCH) {
		if (watch_add(c, body, hdr->len) < 0) {
			client_error(r, c, "ENOMEM");
			return;
		}
	} else {
		watch_remove(c, body, hdr->len);
	}
	memmove(token + n, token, tlen);
	memcpy(token, prefix, (size_t)n);
	hdr->len = (uint32_t)(plen + (size_t)n + tlen);
	client_queue(r, c);
}

/* Reads what the client sent, up to one complete request. */
static void client_read(struct xpv_relay *r, struct client *c)
{
	char *buf = (char *)&c->in;
	size_t want;
	ssize_t n;

	while (c->fd >= 0 && c->state == C_READ) {
		if (c->in_len < HDR_SIZE)
			want = HDR_SIZE - c->in_len;
		else
			want = HDR_SIZE + c->in.hdr.len - c->in_len;
		if (want) {
			n = recv(c->fd, buf + c->in_len, want, MSG_DONTWAIT);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
				return;
			if (n <= 0) {
				client_drop(r, c); /* EOF or error */
				return;
			}
			c->in_len += (size_t)n;
		}
		if (c->in_len == HDR_SIZE &&
		    c->in.hdr.len > XENSTORE_PAYLOAD_MAX) {
			/* As xenstored does with a socket client. */
			client_drop(r, c);
			return;
		}
		if (c->in_len >= HDR_SIZE &&
		    c->in_len == HDR_SIZE + c->in.hdr.len)
			client_request(r, c);
	}
}

static struct client *client_by_id(struct xpv_relay *r, uint32_t id)
{
	struct client *c;

	for (c = r->clients; c; c = c->next)
		if (c->id == id)
			return c;
	return NULL;
}

/* ---- the ring ---- */

static void ring_notify(struct xpv_relay *r)
{
	if (r->notify) {
		r->plat->evtchn->notify(r->evh, r->port);
		r->notify = 0;
	}
}

/* Writes queued requests while the request ring has room. */
static int ring_write(struct xpv_relay *r)
{
	struct xenstore_domain_interface *intf = r->intf;
	XENSTORE_RING_IDX cons, prod, used;
	struct client *c;
	size_t total, chunk, room;

	while ((c = r->wq_head)) {
		/*
		 * Acquire: our stores into the ring below happen after we
		 * saw the space freed; pairs with xenstored's barrier between
		 * copying a request out and advancing req_cons.
		 */
		cons = xpv_load_acquire_u32(&intf->req_cons);
		prod = r->req_prod;
		used = prod - cons;
		if (used > XENSTORE_RING_SIZE)
			return -EPROTO;
		room = XENSTORE_RING_SIZE - used;
		if (!room)
			return 0;
		total = HDR_SIZE + c->in.hdr.len;
		chunk = total - r->wq_off;
		if (chunk > room)
			chunk = room;
		if (chunk > XENSTORE_RING_SIZE - MASK_XENSTORE_IDX(prod))
			chunk = XENSTORE_RING_SIZE - MASK_XENSTORE_IDX(prod);
		memcpy(intf->req + MASK_XENSTORE_IDX(prod),
		       (char *)&c->in + r->wq_off, chunk);
		r->req_prod = prod + (XENSTORE_RING_IDX)chunk;
		/*
		 * Release: the bytes are in the ring before the index says
		 * so; pairs with xenstored's read barrier after reading
		 * req_prod.
		 */
		xpv_store_release_u32(&intf->req_prod, r->req_prod);
		r->notify = 1;
		r->wq_off += chunk;
		if (r->wq_off == total) {
			r->wq_off = 0;
			r->wq_head = c->out_next;
			if (!r->wq_head)
				r->wq_tail = NULL;
			c->out_next = NULL;
			c->state = C_READ;
		}
	}
	return 0;
}

/* A watch event: to the client named by the token's prefix. */
static void ring_watch_event(struct xpv_relay *r)
{
	struct xsd_sockmsg *hdr = &r->rsp.hdr;
	char *body = r->rsp.body, *end = body + hdr->len;
	char *token, *p, *slash;
	struct xsd_sockmsg out;
	struct client *c;
	unsigned long id;
	size_t plen, tlen;

	token = memchr(body, 0, hdr->len);
	if (!token || ++token >= end ||
	    !memchr(token, 0, (size_t)(end - token)))
		return;
	slash = memchr(token, '/', (size_t)(end - token));
	if (!slash || slash == token || slash - token > 10)
		return;
	id = 0;
	for (p = token; p < slash; p++) {
		if (*p < '0' || *p > '9')
			return;
		id = id * 10 + (unsigned long)(*p - '0');
	}
	if (id > UINT32_MAX)
		return;
	c = client_by_id(r, (uint32_t)id);
	if (!c || c->fd < 0)
		return; /* a watch whose client has gone: being removed */
	/* The event without the prefix: "path\0token..." (any tail kept). */
	plen = (size_t)(token - body);
	tlen = (size_t)(end - slash - 1);
	memmove(token, slash + 1, tlen);
	out = *hdr;
	out.len = (uint32_t)(plen + tlen);
	client_send(r, c, &out, body);
}

/* A complete message from the ring. */
static void ring_dispatch(struct xpv_relay *r)
{
	struct xsd_sockmsg *hdr = &r->rsp.hdr;
	struct pending *p;
	struct client *c;
	int is_error;
	char *end;
	unsigned long tx;

	r->rsp.body[hdr->len] = '\0';
	if (hdr->type == XS_WATCH_EVENT) {
		ring_watch_event(r);
		return;
	}
	p = &r->pend[hdr->req_id % MAX_PENDING];
	if (!p->used || p->id != hdr->req_id)
		return; /* not a reply to anything we asked: ignored */
	c = p->c;
	is_error = hdr->type == XS_ERROR;
	if (p->type == XS_TRANSACTION_START && !is_error) {
		errno = 0;
		tx = strtoul(r->rsp.body, &end, 10);
		/*
		 * A transaction the relay cannot track could not be ended
		 * when its client goes: drop the client now (xenstored ends
		 * the transaction when the domain goes).
		 */
		if (!errno && end != r->rsp.body && tx && tx <= UINT32_MAX &&
		    tx_add(c, (uint32_t)tx) < 0)
			client_drop(r, c);
	}
	if (p->type == XS_TRANSACTION_END &&
	    !(is_error && !strcmp(r->rsp.body, "EINVAL")))
		tx_remove(c, p->tx_id);
	hdr->req_id = p->req_id;
	c->inflight--;
	pend_free(r, p);
	client_send(r, c, hdr, r->rsp.body);
}

/* Reads every complete message the response ring holds. */
static int ring_read(struct xpv_relay *r)
{
	struct xenstore_domain_interface *intf = r->intf;
	XENSTORE_RING_IDX cons, prod;
	size_t want, chunk;
	int moved = 0;

	for (;;) {
		/*
		 * Acquire: the bytes xenstored wrote before publishing
		 * rsp_prod are visible to the copy below; pairs with its
		 * write barrier before advancing rsp_prod.
		 */
		prod = xpv_load_acquire_u32(&intf->rsp_prod);
		cons = r->rsp_cons;
		if (prod - cons > XENSTORE_RING_SIZE)
			return -EPROTO;
		if (prod == cons)
			break;
		while (cons != prod) {
			if (r->rsp_len < HDR_SIZE)
				want = HDR_SIZE - r->rsp_len;
			else
				want = HDR_SIZE + r->rsp.hdr.len - r->rsp_len;
			chunk = prod - cons;
			if (chunk > want)
				chunk = want;
			if (chunk >
			    XENSTORE_RING_SIZE - MASK_XENSTORE_IDX(cons))
				chunk = XENSTORE_RING_SIZE -
					MASK_XENSTORE_IDX(cons);
			memcpy((char *)&r->rsp + r->rsp_len,
			       intf->rsp + MASK_XENSTORE_IDX(cons), chunk);
			cons += (XENSTORE_RING_IDX)chunk;
			r->rsp_len += chunk;
			if (r->rsp_len == HDR_SIZE &&
			    r->rsp.hdr.len > XENSTORE_PAYLOAD_MAX)
				return -EPROTO;
			if (r->rsp_len >= HDR_SIZE &&
			    r->rsp_len == HDR_SIZE + r->rsp.hdr.len) {
				ring_dispatch(r);
				r->rsp_len = 0;
			}
		}
		r->rsp_cons = cons;
		/*
		 * Release: our copies out of the ring are done before the
		 * space is handed back; pairs with xenstored's barrier
		 * after reading rsp_cons and before writing into the space.
		 */
		xpv_store_release_u32(&intf->rsp_cons, cons);
		moved = 1;
	}
	if (moved)
		r->notify = 1;
	return 0;
}

/* Takes every pending event of the store port; events only say "look". */
static void evtchn_drain(struct xpv_relay *r)
{
	const struct xpv_evtchn_ops *ev = r->plat->evtchn;
	int port;

	while ((port = ev->pending(r->evh)) >= 0)
		ev->unmask(r->evh, (xpv_port_t)port);
}

/* ---- open, run, close ---- */

static int listen_on(const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd, rc;

	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    listen(fd, 64) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

int xpv_relay_open(struct xpv_relay **out, const char *sock_path)
{
	struct xpv_sim_dominfo info;
	struct xpv_relay *r;
	const char *world;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	int domid, rc;

	world = xpv_sim_self_world();
	domid = xpv_sim_self_domid();
	if (!world || domid <= 0)
		return -EINVAL;
	rc = xpv_sim_domain_info(world, (xpv_domid_t)domid, &info);
	if (rc < 0)
		return rc;
	if (info.dying)
		return -ESRCH;

	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->lfd = -1;
	r->domid = (xpv_domid_t)domid;
	r->plat = &xpv_platform_sim;
	r->next_client_id = 1;
	r->world = strdup(world);
	if (!sock_path) {
		rc = xpv_relay_default_path(world, (unsigned int)domid, path,
					    sizeof(path));
		if (rc < 0)
			goto err;
		sock_path = path;
	}
	r->sock_path = strdup(sock_path);
	if (!r->world || !r->sock_path) {
		rc = -ENOMEM;
		goto err;
	}

	r->intf = xpv_sim_own_page(info.store_frame);
	if (!r->intf) {
		rc = errno ? -errno : -EIO;
		goto err;
	}
	rc = r->plat->evtchn->open(&r->evh);
	if (rc < 0)
		goto err;
	rc = xpv_sim_evtchn_adopt(r->evh, info.store_port);
	if (rc < 0)
		goto err;
	r->port = info.store_port;

	/* Start where the page is: a fresh page is all zeros. */
	r->req_prod = xpv_read_once_u32(&r->intf->req_prod);
	r->rsp_cons = xpv_read_once_u32(&r->intf->rsp_cons);

	rc = listen_on(r->sock_path);
	if (rc < 0)
		goto err;
	r->lfd = rc;
	clock_gettime(CLOCK_MONOTONIC, &r->last_check);
	*out = r;
	return 0;
err:
	xpv_relay_close(r);
	return rc;
}

/* Has the domain been destroyed?  Checked every DOMAIN_CHECK_MS. */
static int domain_gone(struct xpv_relay *r, int force)
{
	struct xpv_sim_dominfo info;
	struct timespec now;
	long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (now.tv_sec - r->last_check.tv_sec) * 1000 +
	     (now.tv_nsec - r->last_check.tv_nsec) / 1000000;
	if (!force && ms < DOMAIN_CHECK_MS)
		return 0;
	r->last_check = now;
	if (xpv_sim_domain_info(r->world, r->domid, &info) < 0)
		return 1;
	return info.dying;
}

/* The poll set: [0] stop, [1] evtchn, [2] listener, then the clients. */
static int poll_build(struct xpv_relay *r, int stop_fd, nfds_t *nfds)
{
	struct client *c;
	struct pollfd *p;
	size_t n = 3 + r->nr_clients, i;

	if (n > r->pfd_cap) {
		p = realloc(r->pfd, n * sizeof(*p));
		if (!p)
			return -ENOMEM;
		r->pfd = p;
		r->pfd_cap = n;
	}
	p = r->pfd;
	p[0] = (struct pollfd){.fd = stop_fd, .events = POLLIN};
	p[1] = (struct pollfd){.fd = r->plat->evtchn->fd(r->evh),
			       .events = POLLIN};
	p[2] = (struct pollfd){.fd = r->lfd, .events = POLLIN};
	i = 3;
	for (c = r->clients; c; c = c->next) {
		if (c->fd < 0)
			continue;
		p[i] = (struct pollfd){.fd = c->fd};
		if (c->state == C_READ)
			p[i].events |= POLLIN;
		if (c->out_len > c->out_off)
			p[i].events |= POLLOUT;
		i++;
	}
	*nfds = i;
	return 0;
}

int xpv_relay_run(struct xpv_relay *r, int stop_fd)
{
	struct client *c;
	nfds_t nfds, i;
	short ev;
	int rc, n;

	for (;;) {
		/*
		 * Events first, then the ring: an event raised after the
		 * drain makes the fd readable again, so none is lost.
		 */
		evtchn_drain(r);
		rc = ring_read(r);
		if (rc < 0)
			return rc;
		clients_progress(r);
		rc = ring_write(r);
		if (rc < 0)
			return rc;
		ring_notify(r);

		if (domain_gone(r, 0))
			return XPV_RELAY_DOMAIN_GONE;
		rc = poll_build(r, stop_fd, &nfds);
		if (rc < 0)
			return rc;
		n = poll(r->pfd, nfds, DOMAIN_CHECK_MS);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (stop_fd >= 0 && (r->pfd[0].revents & (POLLIN | POLLHUP)))
			return XPV_RELAY_STOPPED;
		/*
		 * The clients in poll_build() order (none is added or freed
		 * before the accept below; each can only drop itself).
		 */
		i = 3;
		for (c = r->clients; c; c = c->next) {
			if (c->fd < 0)
				continue;
			ev = r->pfd[i++].revents;
			if (ev & POLLOUT)
				client_flush(r, c);
			if (ev & POLLIN)
				client_read(r, c);
			/* Gone while its request waits: stop polling it. */
			if ((ev & (POLLHUP | POLLERR)) && c->state != C_READ)
				client_drop(r, c);
		}
		if (r->pfd[2].revents & POLLIN)
			client_accept(r);
		if (n == 0 && domain_gone(r, 1))
			return XPV_RELAY_DOMAIN_GONE;
	}
}

void xpv_relay_close(struct xpv_relay *r)
{
	if (!r)
		return;
	while (r->clients)
		client_free(r, r->clients);
	if (r->lfd >= 0) {
		close(r->lfd);
		if (r->sock_path)
			unlink(r->sock_path);
	}
	if (r->evh)
		r->plat->evtchn->close(r->evh);
	free(r->pfd);
	free(r->sock_path);
	free(r->world);
	free(r);
}
