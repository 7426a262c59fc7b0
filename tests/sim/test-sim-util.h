/* SPDX-License-Identifier: MIT */
/*
 * test-sim-util.h - helpers shared by the sim platform tests: a fresh world
 * per test, children acting as other domains, a pipe to pass values, and
 * the CHECK macros of test-util.h, whose failures name the domain and pid
 * of the process that failed.  Every test arms an alarm so that a lost
 * wake-up fails instead of hanging.
 */
#ifndef XENPVD_TESTS_SIM_UTIL_H
#define XENPVD_TESTS_SIM_UTIL_H

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "platform.h"
#include "sim.h"
#include "test-util.h"

static char sim_world_dir[256];
static const struct xpv_platform *P = &xpv_platform_sim;

static pid_t sim_world_owner;

/* At exit of the test process (not of its children): remove the world. */
static inline void sim_cleanup_at_exit(void)
{
	if (getpid() == sim_world_owner && sim_world_dir[0])
		xpv_sim_world_destroy(sim_world_dir);
}

/* A new world with dom0 and the given guests (1 MiB each), as XENPV_SIM_*. */
static inline void sim_world_setup(int nr_guests)
{
	const char *tmp = getenv("TMPDIR");
	int i;

	test_where("dom0, pid %d", (int)getpid());
	alarm(30);
	snprintf(sim_world_dir, sizeof(sim_world_dir), "%s/xpvsim.XXXXXX",
		 tmp && *tmp ? tmp : "/tmp");
	CHECK(mkdtemp(sim_world_dir));
	CHECK_EQ(xpv_sim_world_create(sim_world_dir), 0);
	sim_world_owner = getpid();
	atexit(sim_cleanup_at_exit);
	for (i = 1; i <= nr_guests; i++)
		CHECK_EQ(xpv_sim_domain_create(sim_world_dir, (xpv_domid_t)i,
					       256), 0);
	setenv("XENPV_SIM_WORLD", sim_world_dir, 1);
	setenv("XENPV_SIM_DOMID", "0", 1);
}

/* Forks a child running fn() as domain domid; returns its pid. */
static inline pid_t run_as(int domid, int (*fn)(void *), void *arg)
{
	char buf[16];
	pid_t pid = fork();

	CHECK(pid >= 0);
	if (pid == 0) {
		test_where("dom%d, pid %d", domid, (int)getpid());
		snprintf(buf, sizeof(buf), "%d", domid);
		setenv("XENPV_SIM_DOMID", buf, 1);
		fflush(stderr);
		_exit(fn(arg));
	}
	return pid;
}

/* Waits for pid; returns its exit status, or 128 + signal. */
static inline int wait_for(pid_t pid)
{
	int st;

	CHECK(waitpid(pid, &st, 0) == pid);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}

static inline void put(int fd, const void *p, size_t len)
{
	CHECK(write(fd, p, len) == (ssize_t)len);
}

static inline void get(int fd, void *p, size_t len)
{
	CHECK(read(fd, p, len) == (ssize_t)len);
}

/* Waits up to ms for fd to poll readable; returns 1 if it did. */
static inline int readable(int fd, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };

	return poll(&pfd, 1, ms) == 1;
}

#endif /* XENPVD_TESTS_SIM_UTIL_H */
