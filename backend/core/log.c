/* SPDX-License-Identifier: MIT */
/*
 * log.c - where xenpvd's log lines go: stderr (with journald's level
 * prefixes when stderr is the journal), syslog, or a file (log.h).
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "log.h"

unsigned int xpvd_debug_mask;
static FILE *log_file;
static bool log_syslog;
static bool log_journal;	/* stderr is journald's: "<level>" prefixes */

void xpvd_log(int level, enum xpvd_comp comp, const char *fmt, ...)
{
	static const char *const lvl[] = {
		[LOG_ERR] = "error", [LOG_WARNING] = "warning",
		[LOG_INFO] = "info", [LOG_DEBUG] = "debug",
	};
	const char *cname = xpvd_comp_name(comp);
	char line[1024], msg[1024];
	struct timespec ts;
	struct tm tm;
	va_list ap;
	int n;

	if (log_syslog || log_journal) {
		/* The receiver stamps time, pid and level itself. */
		n = snprintf(line, sizeof(line), "%s: ", cname);
	} else {
		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		n = snprintf(line, sizeof(line),
			     "%02d:%02d:%02d.%03ld xenpvd[%d] %s %s: ",
			     tm.tm_hour, tm.tm_min, tm.tm_sec,
			     ts.tv_nsec / 1000000, (int)getpid(),
			     level >= 0 && level <= LOG_DEBUG && lvl[level] ?
				     lvl[level] : "log", cname);
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (n > 0 && (size_t)n < sizeof(line))
		xpvd_escape(line + n, sizeof(line) - (size_t)n, msg);
	if (log_syslog) {
		syslog(level, "%s", line);
		return;
	}
	/* One write per line, so threads do not interleave. */
	if (log_journal)
		fprintf(stderr, "<%d>%s\n", level & LOG_PRIMASK, line);
	else
		fprintf(log_file ? log_file : stderr, "%s\n", line);
}

/* Whether fd 2 is the stream systemd connected to the journal (what
 * $JOURNAL_STREAM names, "<dev>:<ino>"). */
static bool stderr_is_journal(void)
{
	const char *js = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	if (!js || sscanf(js, "%llu:%llu", &dev, &ino) != 2 ||
	    fstat(STDERR_FILENO, &st))
		return false;
	return (unsigned long long)st.st_dev == dev &&
	       (unsigned long long)st.st_ino == ino;
}

/* Whether stderr goes nowhere (closed, or /dev/null): a detached start. */
static bool stderr_is_void(void)
{
	struct stat st, null;

	if (fstat(STDERR_FILENO, &st))
		return true;
	return S_ISCHR(st.st_mode) && !stat("/dev/null", &null) &&
	       st.st_rdev == null.st_rdev;
}

int xpvd_log_setup(const struct xpvd_config *cfg)
{
	enum xpvd_log_target t = cfg->log;
	FILE *f;

	if (t == XPVD_LOG_AUTO)
		t = !cfg->foreground && stderr_is_void() ? XPVD_LOG_SYSLOG :
							   XPVD_LOG_STDERR;
	switch (t) {
	case XPVD_LOG_SYSLOG:
		openlog("xenpvd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
		log_syslog = true;
		break;
	case XPVD_LOG_FILE:
		f = fopen(cfg->log_file, "ae");
		if (!f)
			return -errno;
		setvbuf(f, NULL, _IOLBF, 0);
		log_file = f;
		break;
	default:
		log_journal = stderr_is_journal();
		break;
	}
	return 0;
}

void xpvd_log_close(void)
{
	if (log_file)
		fclose(log_file);
	log_file = NULL;
	if (log_syslog)
		closelog();
	log_syslog = false;
}


bool xpvd_ratelimit_ok(struct xpvd_ratelimit *rl, unsigned int *missed)
{
	time_t now = time(NULL);

	if (now - rl->start >= XPVD_RL_INTERVAL) {
		*missed = rl->missed;
		rl->start = now;
		rl->count = 0;
		rl->missed = 0;
	} else {
		*missed = 0;
	}
	if (rl->count >= XPVD_RL_BURST) {
		rl->missed++;
		return false;
	}
	rl->count++;
	return true;
}
