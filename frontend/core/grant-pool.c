/* SPDX-License-Identifier: MIT */
/*
 * grant-pool.c - granted areas, their retried end, and page pools
 * (grant-pool.h).
 *
 * Guarantees: an area is either ended, or kept in its device's zombie list
 * until its end succeeds; an area that fits no more in the list is
 * forgotten (its pages stay granted, never reused) rather than freed under
 * the peer.
 */
#include "config.h"

#include <errno.h>
#include <stdlib.h>

#include "xenbus-front.h"

int front_area_share(struct front_dev *d, struct front_area *a, uint32_t count,
		     xpv_gref_t *refs, bool writable)
{
	void *addr;
	int err;

	a->addr = NULL;
	a->count = 0;
	err = d->pf->gntshr->share(d->gntshr, (xpv_domid_t)d->be_domid, count,
				   refs, writable, &addr);
	if (err < 0)
		return err;
	a->addr = addr;
	a->count = count;
	return 0;
}

void front_area_end(struct front_dev *d, struct front_area *a)
{
	if (!a->addr)
		return;
	if (d->pf->gntshr->unshare(d->gntshr, a->addr, a->count) < 0 &&
	    d->nr_zombies < FRONT_MAX_ZOMBIES)
		d->zombies[d->nr_zombies++] = *a;
	a->addr = NULL;
	a->count = 0;
}

void front_zombies_retry(struct front_dev *d)
{
	unsigned int i = 0;

	if (!d->gntshr)
		return;
	while (i < d->nr_zombies) {
		if (d->pf->gntshr->unshare(d->gntshr, d->zombies[i].addr,
					   d->zombies[i].count) < 0) {
			i++;
			continue;
		}
		d->zombies[i] = d->zombies[--d->nr_zombies];
	}
}

int front_pool_setup(struct front_dev *d, struct front_pool *p, uint32_t pages)
{
	uint32_t i;
	int err;

	p->refs = calloc(pages, sizeof(*p->refs));
	p->next = calloc(pages, sizeof(*p->next));
	if (!p->refs || !p->next) {
		err = -ENOMEM;
		goto fail;
	}
	/* Writable: a backend writes reads' data into pool pages. */
	err = front_area_share(d, &p->area, pages, p->refs, true);
	if (err < 0)
		goto fail;
	for (i = 0; i < pages; i++)
		p->next[i] = i + 1 < pages ? i + 1 : FRONT_NO_PAGE;
	p->free_head = 0;
	p->nr_free = pages;
	return 0;
fail:
	front_pool_release(d, p);
	return err;
}

void front_pool_release(struct front_dev *d, struct front_pool *p)
{
	front_area_end(d, &p->area);
	free(p->refs);
	free(p->next);
	p->refs = NULL;
	p->next = NULL;
	p->free_head = FRONT_NO_PAGE;
	p->nr_free = 0;
}

int front_pools_setup(struct front_dev *d, struct front_pool *const *pools,
		      unsigned int n, uint32_t per, uint32_t min)
{
	unsigned int i, j;
	int err = -EINVAL;

	for (;;) {
		for (i = 0; i < n; i++) {
			err = front_pool_setup(d, pools[i], per);
			if (err < 0)
				break;
		}
		if (i == n)
			return 0;
		for (j = 0; j < i; j++)
			front_pool_release(d, pools[j]);
		if ((err != -ENOSPC && err != -ENOMEM) || per <= min)
			return err;
		per = per / 2 > min ? per / 2 : min;
	}
}
