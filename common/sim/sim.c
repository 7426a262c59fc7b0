/* SPDX-License-Identifier: MIT */
/*
 * sim.c - the simulated hypervisor: worlds, domains, and the grant-table and
 * event-channel primitives of sim-internal.h that the sim platform ops and
 * the xenstored preload use.
 *
 * Guarantees: a grant is pinned only while it is a valid grant to the pinning
 * domain with fitting permissions, and ending a pinned grant fails (both are
 * decided by one CAS on the entry); every pin a process takes for a mapping
 * is recorded in its domain's maptrack with its pid, so the pins of a dead
 * process or a destroyed domain are released exactly once; closing a port
 * returns its interdomain peer to "unbound" towards the closer, as Xen does.
 * Nothing here logs; functions return 0, a count or -errno.
 */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "sim-internal.h"

#define MARKER "sim-world"

static pthread_mutex_t sim_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sim_world *sim_worlds;

int sim_pid_dead(pid_t pid)
{
	return pid > 0 && kill(pid, 0) < 0 && errno == ESRCH;
}

static int dom_path(char *buf, size_t len, const char *dir, unsigned int domid,
		    const char *what)
{
	int n = snprintf(buf, len, "%s/dom%u.%s", dir, domid, what);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* ---- worlds and domains as seen by this process ---- */

static void dom_unmap(struct sim_dom *d)
{
	while (d) {
		struct sim_dom *older = d->older;

		if (d->mem)
			munmap(d->mem, (size_t)d->ctl->mem_pages *
					       XPV_PAGE_SIZE);
		munmap(d->ctl, d->ctl->size);
		close(d->mem_fd);
		free(d);
		d = older;
	}
}

struct sim_world *sim_world_get(const char *dir)
{
	struct sim_world *w;
	char path[PATH_MAX];
	struct stat st;

	if (!dir) {
		errno = ENXIO;
		return NULL;
	}
	if (stat(dir, &st) < 0)
		return NULL;
	if (snprintf(path, sizeof(path), "%s/" MARKER, dir) >=
	    (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	pthread_mutex_lock(&sim_lock);
	for (w = sim_worlds; w; w = w->next)
		if (w->dev == st.st_dev && w->ino == st.st_ino)
			goto out;
	if (access(path, F_OK) < 0)
		goto out; /* errno from access: not a world */
	w = calloc(1, sizeof(*w));
	if (!w)
		goto out;
	w->dir = strdup(dir);
	if (!w->dir) {
		free(w);
		w = NULL;
		goto out;
	}
	w->dev = st.st_dev;
	w->ino = st.st_ino;
	w->next = sim_worlds;
	sim_worlds = w;
out:
	pthread_mutex_unlock(&sim_lock);
	return w;
}

static void world_forget(struct sim_world *w)
{
	struct sim_world **pp;
	unsigned int i;

	pthread_mutex_lock(&sim_lock);
	for (pp = &sim_worlds; *pp; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	}
	pthread_mutex_unlock(&sim_lock);
	for (i = 0; i < SIM_DOMID_MAX; i++)
		dom_unmap(w->dom[i]);
	free(w->dir);
	free(w);
}

static struct sim_dom *dom_open(struct sim_world *w, xpv_domid_t domid)
{
	char path[PATH_MAX];
	struct sim_dom *d;
	struct sim_ctl *ctl;
	struct stat st;
	int fd, err;

	if (dom_path(path, sizeof(path), w->dir, domid, "ctl") < 0) {
		errno = ENAMETOOLONG;
		return NULL;
	}
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			errno = ESRCH;
		return NULL;
	}
	if (fstat(fd, &st) < 0 || st.st_size < (off_t)sizeof(*ctl))
		goto bad;
	ctl = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
		   0);
	if (ctl == MAP_FAILED)
		goto err;
	close(fd);
	if (ctl->magic != SIM_MAGIC || ctl->size != (uint64_t)st.st_size ||
	    ctl->domid != domid) {
		munmap(ctl, st.st_size);
		errno = EINVAL;
		return NULL;
	}
	d = calloc(1, sizeof(*d));
	if (!d)
		goto err_ctl;
	d->domid = domid;
	d->ctl = ctl;
	d->bitmap = (void *)((char *)ctl + ctl->off_bitmap);
	d->grant = (void *)((char *)ctl + ctl->off_grant);
	d->maptrack = (void *)((char *)ctl + ctl->off_maptrack);
	d->port = (void *)((char *)ctl + ctl->off_port);
	if (dom_path(path, sizeof(path), w->dir, domid, "mem") < 0)
		goto err_d;
	d->mem_fd = open(path, O_RDWR | O_CLOEXEC);
	if (d->mem_fd < 0)
		goto err_d;
	return d;

err_d:
	free(d);
err_ctl:
	err = errno;
	munmap(ctl, st.st_size);
	errno = err;
	return NULL;
bad:
	errno = EINVAL;
err:
	err = errno;
	close(fd);
	errno = err;
	return NULL;
}

struct sim_dom *sim_dom_get(struct sim_world *w, xpv_domid_t domid)
{
	struct sim_dom *d, *nd;
	int tries;

	if (domid >= SIM_DOMID_MAX) {
		errno = ESRCH;
		return NULL;
	}
	d = atomic_load_explicit(&w->dom[domid], memory_order_acquire);
	if (d && atomic_load_explicit(&d->ctl->state, memory_order_acquire) !=
			 SIM_DOM_GONE)
		return d;

	pthread_mutex_lock(&sim_lock);
	d = atomic_load_explicit(&w->dom[domid], memory_order_acquire);
	if (d && atomic_load(&d->ctl->state) != SIM_DOM_GONE)
		goto out;
	/* A domain being replaced is marked GONE before the rename: retry. */
	for (tries = 0; tries < 100; tries++) {
		nd = dom_open(w, domid);
		if (!nd)
			goto fail;
		if (atomic_load(&nd->ctl->state) != SIM_DOM_GONE) {
			nd->older = d;
			atomic_store_explicit(&w->dom[domid], nd,
					      memory_order_release);
			d = nd;
			goto out;
		}
		dom_unmap(nd);
		usleep(1000);
	}
	errno = ESRCH;
fail:
	d = NULL;
out:
	pthread_mutex_unlock(&sim_lock);
	return d;
}

uint8_t *sim_dom_mem(struct sim_dom *d)
{
	uint8_t *m = atomic_load_explicit(&d->mem, memory_order_acquire);
	size_t len = (size_t)d->ctl->mem_pages * XPV_PAGE_SIZE;

	if (m)
		return m;
	pthread_mutex_lock(&sim_lock);
	m = atomic_load(&d->mem);
	if (!m) {
		m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED,
			 d->mem_fd, 0);
		if (m == MAP_FAILED)
			m = NULL;
		else
			atomic_store_explicit(&d->mem, m,
					      memory_order_release);
	}
	pthread_mutex_unlock(&sim_lock);
	return m;
}

/* ---- grants ---- */

int sim_grant_pin(struct sim_dom *granter, xpv_gref_t ref, xpv_domid_t self,
		  int writable, uint32_t *frame)
{
	_Atomic uint64_t *e;
	uint64_t w;

	if (ref >= granter->ctl->nr_grefs)
		return -EINVAL;
	e = &granter->grant[ref];
	w = atomic_load_explicit(e, memory_order_acquire);
	for (;;) {
		if (!(w & SIM_GNT_VALID) || SIM_GNT_DOMID(w) != self)
			return -EPERM;
		if (writable && (w & SIM_GNT_RO))
			return -EPERM;
		if (SIM_GNT_FRAME(w) >= granter->ctl->mem_pages)
			return -EINVAL;
		if (SIM_GNT_PINS(w) == SIM_GNT_PIN_MAX)
			return -EBUSY;
		/* acquire: the page contents written before the grant. */
		if (atomic_compare_exchange_weak_explicit(
			    e, &w, w + SIM_GNT_PIN_ONE, memory_order_acq_rel,
			    memory_order_acquire))
			break;
	}
	*frame = SIM_GNT_FRAME(w);
	return 0;
}

void sim_grant_unpin(struct sim_dom *granter, xpv_gref_t ref)
{
	/* release: our accesses to the page happen before the end. */
	atomic_fetch_sub_explicit(&granter->grant[ref], SIM_GNT_PIN_ONE,
				  memory_order_release);
}

int sim_maptrack_add(struct sim_dom *mapper, struct sim_dom *granter,
		     xpv_gref_t ref)
{
	uint32_t n = mapper->ctl->nr_maptrack, i, start;
	uint64_t word = SIM_MT_USED | (uint64_t)granter->domid << 32 | ref;

	start = atomic_load(&mapper->ctl->mt_hint) % n;
	for (i = 0; i < n; i++) {
		struct sim_maptrack *m = &mapper->maptrack[(start + i) % n];
		uint64_t zero = 0;

		if (atomic_load_explicit(&m->word, memory_order_relaxed))
			continue;
		if (!atomic_compare_exchange_strong(&m->word, &zero,
						    SIM_MT_CLAIM))
			continue;
		atomic_store(&m->pid, (uint32_t)getpid());
		atomic_store(&m->gen, granter->ctl->generation);
		atomic_store_explicit(&m->word, word, memory_order_release);
		atomic_store(&mapper->ctl->mt_hint, start + i + 1);
		return (int)((start + i) % n);
	}
	return -ENOSPC;
}

/* Unpins the grant of a claimed maptrack entry m whose word was w. */
static void maptrack_unpin(struct sim_world *w, struct sim_maptrack *m,
			   uint64_t word)
{
	struct sim_dom *g = sim_dom_get(w, (xpv_domid_t)(word >> 32));
	xpv_gref_t ref = (uint32_t)word;

	/* A granter that was replaced took its grant table with it. */
	if (g && g->ctl->generation == atomic_load(&m->gen) &&
	    ref < g->ctl->nr_grefs)
		sim_grant_unpin(g, ref);
	atomic_store_explicit(&m->word, 0, memory_order_release);
}

void sim_maptrack_release(struct sim_world *w, struct sim_dom *mapper,
			  uint32_t slot)
{
	struct sim_maptrack *m = &mapper->maptrack[slot];
	uint64_t word = atomic_load(&m->word);

	/* Lost the race to a reaper or to destroy: they unpinned it. */
	if (!(word & SIM_MT_USED) || (word & SIM_MT_CLAIM))
		return;
	if (!atomic_compare_exchange_strong(&m->word, &word,
					    word | SIM_MT_CLAIM))
		return;
	maptrack_unpin(w, m, word);
}

/* Releases the maptrack entries of d held by dead processes (all: !alive). */
static int maptrack_reap(struct sim_world *w, struct sim_dom *d, int all)
{
	uint32_t i;
	int n = 0;

	for (i = 0; i < d->ctl->nr_maptrack; i++) {
		struct sim_maptrack *m = &d->maptrack[i];
		uint64_t word = atomic_load_explicit(&m->word,
						     memory_order_acquire);

		if (!(word & SIM_MT_USED) || (word & SIM_MT_CLAIM))
			continue;
		if (!all && !sim_pid_dead((pid_t)atomic_load(&m->pid)))
			continue;
		if (!atomic_compare_exchange_strong(&m->word, &word,
						    word | SIM_MT_CLAIM))
			continue;
		maptrack_unpin(w, m, word);
		n++;
	}
	return n;
}

int sim_grant_share(struct sim_world *w, struct sim_dom *d, xpv_domid_t domid,
		    uint32_t frame, uint32_t count, int writable,
		    xpv_gref_t *refs)
{
	uint32_t n = d->ctl->nr_grefs - SIM_NR_RESERVED_GREFS;
	uint32_t start, i, got = 0;
	uint64_t word;

	(void)w;
	start = atomic_load(&d->ctl->gref_hint);
	for (i = 0; i < n && got < count; i++) {
		xpv_gref_t ref = SIM_NR_RESERVED_GREFS + (start + i) % n;
		uint64_t zero = 0;

		if (atomic_load_explicit(&d->grant[ref], memory_order_relaxed))
			continue;
		/* Taken, not yet valid: nobody can pin it. */
		word = (uint64_t)(frame + got) | (uint64_t)domid << 32 |
		       (writable ? 0 : SIM_GNT_RO);
		if (!atomic_compare_exchange_strong(&d->grant[ref], &zero,
						    word))
			continue;
		refs[got++] = ref;
	}
	if (got < count) {
		for (i = 0; i < got; i++)
			atomic_store(&d->grant[refs[i]], 0);
		return -ENOSPC;
	}
	atomic_store(&d->ctl->gref_hint, start + i);
	/* release: the page contents are visible before the grant is. */
	for (i = 0; i < count; i++)
		atomic_fetch_or_explicit(&d->grant[refs[i]], SIM_GNT_VALID,
					 memory_order_release);
	return 0;
}

int sim_grant_end(struct sim_world *w, struct sim_dom *d,
		  const xpv_gref_t *refs, uint32_t count)
{
	uint32_t i, done;
	int reaped = 0, err;

again:
	err = 0;
	for (done = 0; done < count; done++) {
		_Atomic uint64_t *e;
		uint64_t word;

		if (refs[done] >= d->ctl->nr_grefs) {
			err = -EINVAL;
			break;
		}
		e = &d->grant[refs[done]];
		word = atomic_load(e);
		do {
			if (!(word & SIM_GNT_VALID)) {
				err = -EINVAL;
				break;
			}
			if (SIM_GNT_PINS(word)) {
				err = -EBUSY;
				break;
			}
		} while (!atomic_compare_exchange_weak(e, &word,
						       word & ~SIM_GNT_VALID));
		if (err)
			break;
	}
	if (err) {
		/* Undo: nothing is ended unless everything can be. */
		for (i = 0; i < done; i++)
			atomic_fetch_or(&d->grant[refs[i]], SIM_GNT_VALID);
		if (err == -EBUSY && !reaped) {
			reaped = 1;
			if (sim_reap_world(w) > 0)
				goto again;
		}
		return err;
	}
	for (i = 0; i < count; i++)
		atomic_store_explicit(&d->grant[refs[i]], 0,
				      memory_order_release);
	return 0;
}

static int page_test(struct sim_dom *d, uint32_t f)
{
	return (atomic_load_explicit(&d->bitmap[f / 64],
				     memory_order_relaxed) >>
		(f % 64)) & 1;
}

void sim_pages_free(struct sim_dom *d, uint32_t frame, uint32_t count)
{
	uint32_t f;

	for (f = frame; f < frame + count; f++)
		atomic_fetch_and(&d->bitmap[f / 64], ~(1ull << (f % 64)));
}

int sim_pages_alloc(struct sim_dom *d, uint32_t count)
{
	uint32_t pages = d->ctl->mem_pages, start, f, run, scanned = 0;

	if (!count || count > pages)
		return -EINVAL;
	start = atomic_load(&d->ctl->page_hint) % pages;
	f = start;
	while (scanned < pages) {
		if (f + count > pages) {
			scanned += pages - f;
			f = 0;
			continue;
		}
		if ((f % 64) == 0 && count <= 64 &&
		    atomic_load_explicit(&d->bitmap[f / 64],
					 memory_order_relaxed) == ~0ull) {
			f += 64;
			scanned += 64;
			continue;
		}
		for (run = 0; run < count && !page_test(d, f + run); run++)
			;
		if (run < count) {
			f += run + 1;
			scanned += run + 1;
			continue;
		}
		/* Claim the run bit by bit; back out if another got one. */
		for (run = 0; run < count; run++) {
			uint32_t b = f + run;
			uint64_t bit = 1ull << (b % 64);

			if (atomic_fetch_or(&d->bitmap[b / 64], bit) & bit)
				break;
		}
		if (run == count) {
			atomic_store(&d->ctl->page_hint, f + count);
			return (int)f;
		}
		sim_pages_free(d, f, run);
		f += run + 1;
		scanned += run + 1;
	}
	return -ENOMEM;
}

/* ---- event channels ---- */

int sim_evtchn_addr(const struct sim_world *w, xpv_domid_t domid, pid_t pid,
		    uint32_t hid, void *addr, unsigned int *len)
{
	struct sockaddr_un *sun = addr;
	int n;

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	/* Abstract namespace: gone with the process, no path length limit. */
	n = snprintf(sun->sun_path + 1, sizeof(sun->sun_path) - 1,
		     "xenpv-sim/%llx/%llx/%u/%d/%u",
		     (unsigned long long)w->dev, (unsigned long long)w->ino,
		     domid, (int)pid, hid);
	if (n < 0 || (size_t)n >= sizeof(sun->sun_path) - 1)
		return -ENAMETOOLONG;
	*len = (unsigned int)(offsetof(struct sockaddr_un, sun_path) + 1 + n);
	return 0;
}

int sim_port_alloc(struct sim_dom *d)
{
	uint32_t n = d->ctl->nr_ports, start, i;

	start = atomic_load(&d->ctl->port_hint);
	for (i = 0; i < n - 1; i++) {
		xpv_port_t p = 1 + (start + i) % (n - 1); /* port 0: invalid */
		uint64_t free_word = SIM_BIND(SIM_PORT_FREE, 0, 0);

		if (atomic_load_explicit(&d->port[p].bind,
					 memory_order_relaxed) != free_word)
			continue;
		if (!atomic_compare_exchange_strong(
			    &d->port[p].bind, &free_word,
			    SIM_BIND(SIM_PORT_RESERVED, 0, 0)))
			continue;
		atomic_store(&d->ctl->port_hint, p);
		atomic_store(&d->port[p].owner, 0);
		atomic_store(&d->port[p].flags, 0);
		atomic_store(&d->port[p].pending, 0);
		atomic_store(&d->port[p].masked, 0);
		d->port[p].virq = 0;
		return (int)p;
	}
	return -ENOSPC;
}

void sim_port_close(struct sim_world *w, struct sim_dom *d, xpv_port_t p,
		    int force)
{
	struct sim_port *port = &d->port[p];
	uint64_t b = atomic_load(&port->bind);

	if (SIM_BIND_STATE(b) == SIM_PORT_FREE)
		return;
	if (!force && (atomic_load(&port->flags) & SIM_PORT_STATIC)) {
		atomic_store(&port->owner, 0);
		return;
	}
	if (SIM_BIND_STATE(b) == SIM_PORT_INTERDOMAIN) {
		struct sim_dom *rd = sim_dom_get(w, SIM_BIND_RDOM(b));
		xpv_port_t rp = SIM_BIND_RPORT(b);
		uint64_t expect = SIM_BIND(SIM_PORT_INTERDOMAIN, d->domid, p);

		/* As Xen: the peer's port waits, unbound, for us again. */
		if (rd && rp < rd->ctl->nr_ports)
			atomic_compare_exchange_strong(
				&rd->port[rp].bind, &expect,
				SIM_BIND(SIM_PORT_UNBOUND, d->domid, 0));
	}
	atomic_store(&port->owner, 0);
	atomic_store(&port->flags, 0);
	atomic_store(&port->pending, 0);
	atomic_store(&port->masked, 0);
	atomic_store_explicit(&port->bind, SIM_BIND(SIM_PORT_FREE, 0, 0),
			      memory_order_release);
}

void sim_port_raise(struct sim_world *w, struct sim_dom *d, xpv_port_t p,
		    int fd)
{
	struct sim_port *port = &d->port[p];
	struct sockaddr_un sun;
	unsigned int len;
	uint64_t owner;
	uint32_t msg = p;
	int own_fd = -1;

	if (atomic_exchange(&port->pending, 1) || atomic_load(&port->masked))
		return;
	owner = atomic_load(&port->owner);
	if (!owner || sim_evtchn_addr(w, d->domid, SIM_OWNER_PID(owner),
				      SIM_OWNER_HID(owner), &sun, &len) < 0)
		return;
	if (fd < 0) {
		own_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		if (own_fd < 0)
			return;
		fd = own_fd;
	}
	/* A full queue or a dead owner loses nothing the pending bit keeps. */
	sendto(fd, &msg, sizeof(msg), MSG_DONTWAIT | MSG_NOSIGNAL,
	       (struct sockaddr *)&sun, len);
	if (own_fd >= 0)
		close(own_fd);
}

static int ports_reap(struct sim_world *w, struct sim_dom *d)
{
	uint32_t p;
	int n = 0;

	for (p = 1; p < d->ctl->nr_ports; p++) {
		uint64_t owner = atomic_load(&d->port[p].owner);

		if (!owner || !sim_pid_dead(SIM_OWNER_PID(owner)))
			continue;
		if (SIM_BIND_STATE(atomic_load(&d->port[p].bind)) ==
		    SIM_PORT_FREE)
			continue;
		sim_port_close(w, d, p, 0);
		n++;
	}
	return n;
}

int sim_reap_world(struct sim_world *w)
{
	xpv_domid_t *ids;
	int i, n, done = 0;

	ids = malloc(SIM_DOMID_MAX * sizeof(*ids));
	if (!ids)
		return -ENOMEM;
	n = xpv_sim_domain_list(w->dir, ids, SIM_DOMID_MAX);
	for (i = 0; i < n; i++) {
		struct sim_dom *d = sim_dom_get(w, ids[i]);

		if (!d)
			continue;
		done += maptrack_reap(w, d, 0);
		done += ports_reap(w, d);
	}
	free(ids);
	return n < 0 ? n : done;
}

/* ---- the toolstack side (sim.h) ---- */

int xpv_sim_world_create(const char *dir)
{
	char path[PATH_MAX];
	int fd, err;

	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -errno;
	if (snprintf(path, sizeof(path), "%s/" MARKER, dir) >=
	    (int)sizeof(path))
		return -ENAMETOOLONG;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	close(fd);
	/* Dom0 always exists, as on Xen. */
	err = xpv_sim_domain_create(dir, 0, 0);
	if (err < 0)
		unlink(path);
	return err;
}

int xpv_sim_world_destroy(const char *dir)
{
	struct sim_world *w = sim_world_get(dir);
	char path[PATH_MAX];
	struct dirent *de;
	DIR *dd;
	unsigned int id;
	char what[8];

	if (!w)
		return -errno;
	dd = opendir(dir);
	if (!dd)
		return -errno;
	while ((de = readdir(dd))) {
		if (sscanf(de->d_name, "dom%u.%3s", &id, what) != 2 ||
		    id >= SIM_DOMID_MAX)
			continue;
		if (!strcmp(what, "ctl"))
			xpv_sim_domain_destroy(dir, (xpv_domid_t)id);
		if (snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) <
		    (int)sizeof(path))
			unlink(path);
	}
	closedir(dd);
	if (snprintf(path, sizeof(path), "%s/" MARKER, dir) <
	    (int)sizeof(path))
		unlink(path);
	world_forget(w);
	rmdir(dir); /* only when empty: the caller may keep files there */
	return 0;
}

static int write_file_sized(const char *path, off_t size)
{
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0)
		return -errno;
	if (ftruncate(fd, size) < 0) {
		int err = -errno;

		close(fd);
		unlink(path);
		return err;
	}
	return fd;
}

static uint64_t new_generation(void)
{
	static _Atomic uint64_t counter;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ((uint64_t)ts.tv_sec * 1000000000u + ts.tv_nsec) ^
	       ((uint64_t)getpid() << 40) ^ atomic_fetch_add(&counter, 1);
}

int xpv_sim_domain_create(const char *dir, xpv_domid_t domid,
			  uint32_t mem_pages)
{
	char mem_tmp[PATH_MAX], ctl_tmp[PATH_MAX], path[PATH_MAX];
	struct sim_world *w;
	struct sim_dom *old;
	struct sim_ctl *ctl;
	uint64_t off, size;
	int mfd = -1, cfd = -1, err;
	uint32_t frame;
	_Atomic uint64_t *bitmap, *grant;
	struct sim_port *port;

	if (domid >= SIM_DOMID_MAX)
		return -EINVAL;
	if (!mem_pages)
		mem_pages = SIM_DEFAULT_PAGES;
	if (mem_pages < 16 || mem_pages > SIM_MAX_PAGES)
		return -EINVAL;
	w = sim_world_get(dir);
	if (!w)
		return -errno;
	old = sim_dom_get(w, domid);
	if (old && sim_dom_alive(old))
		return -EEXIST;

	if (snprintf(mem_tmp, sizeof(mem_tmp), "%s/.dom%u.mem.%d", dir,
		     domid, (int)getpid()) >= (int)sizeof(mem_tmp) ||
	    snprintf(ctl_tmp, sizeof(ctl_tmp), "%s/.dom%u.ctl.%d", dir, domid,
		     (int)getpid()) >= (int)sizeof(ctl_tmp))
		return -ENAMETOOLONG;

	mfd = write_file_sized(mem_tmp, (off_t)mem_pages * XPV_PAGE_SIZE);
	if (mfd < 0)
		return mfd;

	off = (sizeof(*ctl) + 63) & ~63ull;
	size = off;
	size += ((mem_pages + 63) / 64) * 8;
	size = (size + 63) & ~63ull;
	size += (uint64_t)SIM_NR_GREFS * 8;
	size += (uint64_t)SIM_NR_MAPTRACK * sizeof(struct sim_maptrack);
	size += (uint64_t)SIM_NR_PORTS * sizeof(struct sim_port);
	size = (size + XPV_PAGE_SIZE - 1) & ~(uint64_t)(XPV_PAGE_SIZE - 1);
	cfd = write_file_sized(ctl_tmp, (off_t)size);
	if (cfd < 0) {
		err = cfd;
		goto err_mem;
	}
	ctl = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, cfd, 0);
	if (ctl == MAP_FAILED) {
		err = -errno;
		goto err_ctl;
	}
	ctl->magic = SIM_MAGIC;
	ctl->generation = new_generation();
	ctl->domid = domid;
	ctl->mem_pages = mem_pages;
	ctl->nr_grefs = SIM_NR_GREFS;
	ctl->nr_ports = SIM_NR_PORTS;
	ctl->nr_maptrack = SIM_NR_MAPTRACK;
	ctl->off_bitmap = off;
	off += ((mem_pages + 63) / 64) * 8;
	off = (off + 63) & ~63ull;
	ctl->off_grant = off;
	off += (uint64_t)SIM_NR_GREFS * 8;
	ctl->off_maptrack = off;
	off += (uint64_t)SIM_NR_MAPTRACK * sizeof(struct sim_maptrack);
	ctl->off_port = off;
	ctl->size = size;
	bitmap = (void *)((char *)ctl + ctl->off_bitmap);
	grant = (void *)((char *)ctl + ctl->off_grant);
	port = (void *)((char *)ctl + ctl->off_port);

	/* The XenStore page (start_info.store_mfn), granted to dom0 at ref 1,
	 * and the store event channel, unbound towards dom0: a static port
	 * the guest side adopts. */
	frame = 0;
	atomic_store(&bitmap[0], 1ull);
	ctl->store_frame = frame;
	atomic_store(&grant[XPV_SIM_GREF_XENSTORE],
		     (uint64_t)frame | SIM_GNT_VALID);
	ctl->store_port = 1;
	atomic_store(&port[1].flags, SIM_PORT_STATIC);
	atomic_store(&port[1].bind, SIM_BIND(SIM_PORT_UNBOUND, 0, 0));
	atomic_store(&ctl->port_hint, 1);
	atomic_store(&ctl->page_hint, 1);
	atomic_store(&ctl->state, SIM_DOM_ALIVE);
	munmap(ctl, size);
	close(cfd);
	close(mfd);
	cfd = mfd = -1;

	/* Publish: a replaced (dying) domain is marked gone first. */
	if (old)
		atomic_store(&old->ctl->state, SIM_DOM_GONE);
	if (dom_path(path, sizeof(path), dir, domid, "mem") < 0 ||
	    rename(mem_tmp, path) < 0) {
		err = -errno;
		goto err_ctl;
	}
	if (dom_path(path, sizeof(path), dir, domid, "ctl") < 0 ||
	    rename(ctl_tmp, path) < 0) {
		err = -errno;
		goto err_ctl;
	}
	return 0;

err_ctl:
	if (cfd >= 0)
		close(cfd);
	unlink(ctl_tmp);
err_mem:
	if (mfd >= 0)
		close(mfd);
	unlink(mem_tmp);
	return err;
}

int xpv_sim_domain_destroy(const char *dir, xpv_domid_t domid)
{
	struct sim_world *w = sim_world_get(dir);
	struct sim_dom *d, *dom0;
	uint32_t expect = SIM_DOM_ALIVE;
	xpv_port_t p;

	if (!w)
		return -errno;
	d = sim_dom_get(w, domid);
	if (!d)
		return -ESRCH;
	if (!atomic_compare_exchange_strong(&d->ctl->state, &expect,
					    SIM_DOM_DYING))
		return 0; /* already dying */
	maptrack_reap(w, d, 1);
	for (p = 1; p < d->ctl->nr_ports; p++)
		sim_port_close(w, d, p, 1);
	dom0 = sim_dom_get(w, 0);
	if (!dom0)
		return 0;
	for (p = 1; p < dom0->ctl->nr_ports; p++) {
		uint64_t b = atomic_load(&dom0->port[p].bind);

		if (SIM_BIND_STATE(b) == SIM_PORT_VIRQ &&
		    dom0->port[p].virq == XPV_SIM_VIRQ_DOM_EXC)
			sim_port_raise(w, dom0, p, -1);
	}
	return 0;
}

int xpv_sim_domain_info(const char *dir, xpv_domid_t domid,
			struct xpv_sim_dominfo *info)
{
	struct sim_world *w = sim_world_get(dir);
	struct sim_dom *d;

	if (!w)
		return -errno;
	d = sim_dom_get(w, domid);
	if (!d)
		return -ESRCH;
	memset(info, 0, sizeof(*info));
	info->domid = domid;
	info->dying = !sim_dom_alive(d);
	info->mem_pages = d->ctl->mem_pages;
	info->store_frame = d->ctl->store_frame;
	info->store_port = d->ctl->store_port;
	return 0;
}

static int cmp_domid(const void *a, const void *b)
{
	return (int)*(const xpv_domid_t *)a - (int)*(const xpv_domid_t *)b;
}

int xpv_sim_domain_list(const char *dir, xpv_domid_t *domids, int max)
{
	struct dirent *de;
	unsigned int id;
	char what[8];
	int n = 0;
	DIR *dd;

	dd = opendir(dir);
	if (!dd)
		return -errno;
	while ((de = readdir(dd))) {
		if (sscanf(de->d_name, "dom%u.%3s", &id, what) != 2 ||
		    strcmp(what, "ctl") || id >= SIM_DOMID_MAX)
			continue;
		if (n < max)
			domids[n] = (xpv_domid_t)id;
		n++;
	}
	closedir(dd);
	if (n <= max)
		qsort(domids, n, sizeof(*domids), cmp_domid);
	else if (max > 0)
		qsort(domids, max, sizeof(*domids), cmp_domid);
	return n;
}

int xpv_sim_self_domid(void)
{
	const char *s = getenv("XENPV_SIM_DOMID");
	char *end;
	unsigned long v;

	if (!s || !*s)
		return 0;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v >= SIM_DOMID_MAX)
		return -EINVAL;
	return (int)v;
}

const char *xpv_sim_self_world(void)
{
	const char *s = getenv("XENPV_SIM_WORLD");

	return s && *s ? s : NULL;
}

void *xpv_sim_own_page(uint32_t frame)
{
	struct sim_world *w = sim_world_get(xpv_sim_self_world());
	int self = xpv_sim_self_domid();
	struct sim_dom *d;
	uint8_t *mem;

	if (!w)
		return NULL;
	if (self < 0) {
		errno = EINVAL;
		return NULL;
	}
	d = sim_dom_get(w, (xpv_domid_t)self);
	if (!d)
		return NULL;
	if (frame >= d->ctl->mem_pages) {
		errno = EINVAL;
		return NULL;
	}
	mem = sim_dom_mem(d);
	if (!mem)
		return NULL;
	return mem + (size_t)frame * XPV_PAGE_SIZE;
}

int xpv_sim_reap(const char *dir)
{
	struct sim_world *w = sim_world_get(dir);

	if (!w)
		return -errno;
	return sim_reap_world(w);
}

int xpv_sim_count_maps(const char *dir, xpv_domid_t domid)
{
	struct sim_world *w = sim_world_get(dir);
	struct sim_dom *d;
	uint32_t i;
	int n = 0;

	if (!w)
		return -errno;
	d = sim_dom_get(w, domid);
	if (!d)
		return -ESRCH;
	for (i = 0; i < d->ctl->nr_maptrack; i++)
		if (atomic_load(&d->maptrack[i].word))
			n++;
	return n;
}

int xpv_sim_count_ports(const char *dir, xpv_domid_t domid)
{
	struct sim_world *w = sim_world_get(dir);
	struct sim_dom *d;
	uint32_t p;
	int n = 0;

	if (!w)
		return -errno;
	d = sim_dom_get(w, domid);
	if (!d)
		return -ESRCH;
	for (p = 1; p < d->ctl->nr_ports; p++)
		if (SIM_BIND_STATE(atomic_load(&d->port[p].bind)) !=
		    SIM_PORT_FREE)
			n++;
	return n;
}
