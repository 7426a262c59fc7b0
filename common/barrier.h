/* SPDX-License-Identifier: MIT */
/*
 * barrier.h - the memory barriers and shared-index accessors of xenpvd.
 *
 * This is the only place where barriers are defined.  Code that shares
 * memory with a peer (rings, interface pages) uses these and nothing else,
 * and says at each use what the barrier orders and which barrier on the
 * other side it pairs with.
 *
 * Guarantees: the ordering guarantees are those of Xen's xen_mb(),
 * xen_rmb() and xen_wmb() (xenctrl.h) between two CPUs that share memory,
 * which is what a grant-mapped page between two domains is.  On x86_64 they
 * are the same instructions Xen uses (a locked add for the full barrier;
 * loads are not reordered with loads nor stores with stores, so the read and
 * write barriers only have to stop the compiler).  Elsewhere they are C11
 * fences, which are at least as strong.  Every macro is also a compiler
 * barrier.
 */
#ifndef XENPVD_COMMON_BARRIER_H
#define XENPVD_COMMON_BARRIER_H

#include <stdint.h>

/* Compiler barrier: the compiler neither moves memory accesses across it
 * nor keeps values of memory in registers across it.  Orders nothing at the
 * CPU level. */
#define xpv_barrier() __asm__ __volatile__("" : : : "memory")

#if defined(__x86_64__)

/*
 * Full barrier: every load and store before it is globally visible (stores)
 * or complete (loads) before any load or store after it.  The one ordering
 * x86 does not give for free is a store followed by a load of another
 * location; this is what it is for (publish an index, then read the peer's
 * event index).  A locked add to the stack is as strong as mfence for
 * ordinary memory and cheaper.  Adding 0 to a word of the red zone changes
 * nothing; using an offset rather than the top of the stack avoids a false
 * dependency on the word the next push or call writes (Xen does the same).
 */
#define xpv_mb() \
	__asm__ __volatile__("lock; addl $0,-32(%%rsp)" : : : "memory")

/* Read barrier: loads before it complete before loads after it (x86 keeps
 * loads in order: only the compiler must be stopped). */
#define xpv_rmb() xpv_barrier()

/* Write barrier: stores before it are visible before stores after it (x86
 * keeps stores in order: only the compiler must be stopped). */
#define xpv_wmb() xpv_barrier()

#else

/* Full barrier: all loads and stores before it are ordered before all loads
 * and stores after it. */
#define xpv_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)

/* Read barrier: loads before it are ordered before loads (and, as an acquire
 * fence, stores) after it. */
#define xpv_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)

/* Write barrier: stores (and, as a release fence, loads) before it are
 * ordered before stores after it. */
#define xpv_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)

#endif

/*
 * Shared 32-bit indices.  The peer changes them at any time, so each access
 * is one untorn access that the compiler may neither repeat nor elide: read
 * a shared index once into a local and work on the local.
 */

/* One relaxed load: no ordering with other accesses. */
#define xpv_read_once_u32(p) \
	__atomic_load_n((const uint32_t *)(p), __ATOMIC_RELAXED)

/* One relaxed store: no ordering with other accesses. */
#define xpv_write_once_u32(p, v) \
	__atomic_store_n((uint32_t *)(p), (uint32_t)(v), __ATOMIC_RELAXED)

/* Load-acquire: the load happens before every load and store after it in
 * program order.  Pairs with xpv_store_release_u32() (or xpv_wmb() followed
 * by a store) on the producer's side: after reading the producer's index,
 * everything the producer wrote before publishing it is visible. */
#define xpv_load_acquire_u32(p) \
	__atomic_load_n((const uint32_t *)(p), __ATOMIC_ACQUIRE)

/* Store-release: every load and store before it in program order happens
 * before the store.  Pairs with xpv_load_acquire_u32() (or a load followed
 * by xpv_rmb()) on the consumer's side. */
#define xpv_store_release_u32(p, v) \
	__atomic_store_n((uint32_t *)(p), (uint32_t)(v), __ATOMIC_RELEASE)

#endif /* XENPVD_COMMON_BARRIER_H */
