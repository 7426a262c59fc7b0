/* SPDX-License-Identifier: MIT */
/*
 * p9-serve.c - serves a directory with xenpvd's 9P server on a unix
 * socket (backend/9pfs/p9sock.h) until SIGTERM or SIGINT, for 9P clients
 * of the host (diod's diodls/diodcat; Linux's v9fs with trans=unix).
 *
 *	p9-serve [-r] [-x] DIR SOCKET [MSIZE]
 *
 * -r serves DIR read-only, -x all xattr namespaces.  Exit 0 after a
 * signal, 1 on an error (said on stderr), 2 on bad usage.
 */
#include "config.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "p9sock.h"
#include "p9srv.h"

static void usage(void)
{
	fprintf(stderr, "usage: p9-serve [-r] [-x] DIR SOCKET [MSIZE]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct p9_export_opts o = {0};
	struct p9_export *e;
	struct p9_sock *sk;
	unsigned long msize = 0;
	sigset_t set;
	char *end;
	int opt, sig, err;

	while ((opt = getopt(argc, argv, "rx")) != -1) {
		switch (opt) {
		case 'r':
			o.readonly = true;
			break;
		case 'x':
			o.xattr_any = true;
			break;
		default:
			usage();
		}
	}
	if (argc - optind < 2 || argc - optind > 3)
		usage();
	if (argc - optind == 3) {
		errno = 0;
		msize = strtoul(argv[optind + 2], &end, 0);
		if (errno || *end || msize > UINT32_MAX)
			usage();
	}
	/* The signals are waited for, not handled: block them before any
	 * thread starts, so every thread inherits the mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	o.path = argv[optind];
	err = p9_export_open(&o, &e);
	if (err) {
		fprintf(stderr, "p9-serve: %s: %s\n", o.path, strerror(-err));
		return 1;
	}
	err = p9_sock_start(e, argv[optind + 1], (uint32_t)msize, &sk);
	if (err) {
		fprintf(stderr, "p9-serve: %s: %s\n", argv[optind + 1],
			strerror(-err));
		p9_export_close(e);
		return 1;
	}
	while (sigwait(&set, &sig) != 0)
		;
	p9_sock_stop(sk);
	p9_export_close(e);
	return 0;
}
