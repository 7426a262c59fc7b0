/* SPDX-License-Identifier: MIT */
/*
 * pgrant.c - the persistent grant cache (see pgrant.h): a hash table of
 * grant references over a fixed array of entries, with an LRU list of the
 * mapped ones.  Entries, buckets and links are indices into arrays sized
 * at creation.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "pgrant.h"

#define NIL UINT32_MAX

struct ent {
	xpv_gref_t ref;
	uint32_t users;
	bool writable;		/* mapped read-write */
	void *addr;		/* NULL: free */
	uint32_t hnext;		/* hash chain */
	uint32_t prev, next;	/* LRU list (mapped) or free list (next) */
};

struct xpvd_pgrant {
	const struct xpv_gnt_ops *ops;
	struct xpv_gnt *h;
	xpv_domid_t domid;
	uint32_t capacity, mapped;
	uint32_t nbuckets;	/* a power of two */
	uint32_t *buckets;
	uint32_t lru_head, lru_tail; /* head: least recently used */
	uint32_t free_head;
	struct ent ent[];
};

static uint32_t hash(const struct xpvd_pgrant *pg, xpv_gref_t ref)
{
	return (ref * 2654435761u) & (pg->nbuckets - 1);
}

int xpvd_pgrant_create(const struct xpv_gnt_ops *ops, struct xpv_gnt *h,
		       xpv_domid_t domid, uint32_t capacity,
		       struct xpvd_pgrant **out)
{
	struct xpvd_pgrant *pg;
	uint32_t i, nb = 1;

	if (!ops || !h || capacity == 0 || capacity > (1u << 20))
		return -EINVAL;
	while (nb < 2 * capacity)
		nb <<= 1;
	pg = calloc(1, sizeof(*pg) + capacity * sizeof(struct ent));
	if (!pg)
		return -ENOMEM;
	pg->buckets = malloc(nb * sizeof(uint32_t));
	if (!pg->buckets) {
		free(pg);
		return -ENOMEM;
	}
	for (i = 0; i < nb; i++)
		pg->buckets[i] = NIL;
	pg->ops = ops;
	pg->h = h;
	pg->domid = domid;
	pg->capacity = capacity;
	pg->nbuckets = nb;
	pg->lru_head = pg->lru_tail = NIL;
	for (i = 0; i < capacity; i++)
		pg->ent[i].next = i + 1 < capacity ? i + 1 : NIL;
	pg->free_head = 0;
	*out = pg;
	return 0;
}

static void lru_unlink(struct xpvd_pgrant *pg, uint32_t i)
{
	struct ent *e = &pg->ent[i];

	if (e->prev != NIL)
		pg->ent[e->prev].next = e->next;
	else
		pg->lru_head = e->next;
	if (e->next != NIL)
		pg->ent[e->next].prev = e->prev;
	else
		pg->lru_tail = e->prev;
}

static void lru_append(struct xpvd_pgrant *pg, uint32_t i)
{
	struct ent *e = &pg->ent[i];

	e->next = NIL;
	e->prev = pg->lru_tail;
	if (pg->lru_tail != NIL)
		pg->ent[pg->lru_tail].next = i;
	else
		pg->lru_head = i;
	pg->lru_tail = i;
}

static uint32_t lookup(const struct xpvd_pgrant *pg, xpv_gref_t ref)
{
	uint32_t i;

	for (i = pg->buckets[hash(pg, ref)]; i != NIL; i = pg->ent[i].hnext)
		if (pg->ent[i].ref == ref)
			return i;
	return NIL;
}

static void hash_remove(struct xpvd_pgrant *pg, uint32_t i)
{
	uint32_t *pp = &pg->buckets[hash(pg, pg->ent[i].ref)];

	while (*pp != i)
		pp = &pg->ent[*pp].hnext;
	*pp = pg->ent[i].hnext;
}

/* Unmaps an unused entry and puts it on the free list. */
static void evict(struct xpvd_pgrant *pg, uint32_t i)
{
	struct ent *e = &pg->ent[i];

	lru_unlink(pg, i);
	hash_remove(pg, i);
	pg->ops->unmap(pg->h, e->addr, 1);
	e->addr = NULL;
	e->next = pg->free_head;
	pg->free_head = i;
	pg->mapped--;
}

/* A free entry, evicting the least recently used unpinned one if needed. */
static uint32_t take_entry(struct xpvd_pgrant *pg)
{
	uint32_t i;

	if (pg->free_head == NIL) {
		for (i = pg->lru_head; i != NIL; i = pg->ent[i].next)
			if (pg->ent[i].users == 0)
				break;
		if (i == NIL)
			return NIL;
		evict(pg, i);
	}
	i = pg->free_head;
	pg->free_head = pg->ent[i].next;
	return i;
}

/*
 * Maps ref into free entry i: read-write, or, when that is refused and
 * the caller only reads, read-only.  0 or the last map's -errno.
 */
static int map_entry(struct xpvd_pgrant *pg, uint32_t i, xpv_gref_t ref,
		     bool writable, struct xpvd_pgrant_tally *t)
{
	void *addr;
	int err;

	t->map_calls++;
	err = pg->ops->map(pg->h, pg->domid, 1, &ref, 1, &addr);
	if (err < 0 && !writable) {
		/*
		 * Whatever the error: Linux gntdev does not say "read-only"
		 * apart from other refusals.  A bad ref costs a second
		 * failed call, a read-only grant one call once.
		 */
		t->map_calls++;
		err = pg->ops->map(pg->h, pg->domid, 1, &ref, 0, &addr);
		if (err < 0)
			return err;
		pg->ent[i].writable = false;
	} else if (err < 0) {
		return err;
	} else {
		pg->ent[i].writable = true;
	}
	pg->ent[i].ref = ref;
	pg->ent[i].addr = addr;
	pg->ent[i].users = 0;
	pg->ent[i].hnext = pg->buckets[hash(pg, ref)];
	pg->buckets[hash(pg, ref)] = i;
	lru_append(pg, i);
	pg->mapped++;
	return 0;
}

int xpvd_pgrant_get(struct xpvd_pgrant *pg, const xpv_gref_t *refs,
		    unsigned int n, bool writable, void **addrs,
		    uint32_t *slots, struct xpvd_pgrant_tally *t)
{
	unsigned int k;
	uint32_t i;
	int err;

	t->hits = t->misses = t->map_calls = 0;
	for (k = 0; k < n; k++) {
		i = lookup(pg, refs[k]);
		if (i != NIL && writable && !pg->ent[i].writable) {
			/* Mapped read-only for descriptors: remap it. */
			if (pg->ent[i].users) {
				err = -EBUSY;
				goto unwind;
			}
			evict(pg, i);
			i = NIL;
		}
		if (i != NIL) {
			t->hits++;
			lru_unlink(pg, i);
			lru_append(pg, i);
		} else {
			t->misses++;
			i = take_entry(pg);
			if (i == NIL) {
				err = -ENOSPC;
				goto unwind;
			}
			err = map_entry(pg, i, refs[k], writable, t);
			if (err < 0) {
				pg->ent[i].next = pg->free_head;
				pg->free_head = i;
				goto unwind;
			}
		}
		pg->ent[i].users++;
		addrs[k] = pg->ent[i].addr;
		slots[k] = i;
	}
	return 0;

unwind:
	xpvd_pgrant_put(pg, slots, k);
	return err;
}

void xpvd_pgrant_put(struct xpvd_pgrant *pg, const uint32_t *slots,
		     unsigned int n)
{
	unsigned int k;

	for (k = 0; k < n; k++)
		pg->ent[slots[k]].users--;
}

uint32_t xpvd_pgrant_mapped(const struct xpvd_pgrant *pg)
{
	return pg->mapped;
}

void xpvd_pgrant_destroy(struct xpvd_pgrant *pg)
{
	if (!pg)
		return;
	while (pg->lru_head != NIL)
		evict(pg, pg->lru_head);
	free(pg->buckets);
	free(pg);
}
