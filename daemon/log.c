/* log.c: see log.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include "log.h"

static char log_ident[32] = "postdesk";
static enum pd_log_level log_level = PD_LOG_INFO;
static enum { TO_STDERR, TO_JOURNAL, TO_SYSLOG } log_to = TO_STDERR;

/* systemd sets JOURNAL_STREAM=DEV:INODE for a service whose stderr is the
 * journal (systemd.exec(5)); a child whose stderr was redirected keeps
 * the variable, so it counts only while it still names our stderr. */
static int
stderr_is_journal(void)
{
	const char *v = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat sb;
	char tail;

	if (!v || sscanf(v, "%llu:%llu%c", &dev, &ino, &tail) != 2)
		return 0;
	return fstat(STDERR_FILENO, &sb) == 0 &&
	    (unsigned long long)sb.st_dev == dev &&
	    (unsigned long long)sb.st_ino == ino;
}

void
log_init(const char *ident, int verbose)
{
	snprintf(log_ident, sizeof log_ident, "%s", ident);
	log_setup(PD_LOG_AUTO, verbose ? PD_LOG_DEBUG : PD_LOG_INFO);
}

void
log_setup(enum pd_log_target target, enum pd_log_level level)
{
	if (log_to == TO_SYSLOG && target != PD_LOG_SYSLOG)
		closelog();
	log_level = level;
	if (target == PD_LOG_SYSLOG) {
		openlog(log_ident, LOG_PID | LOG_NDELAY, LOG_MAIL);
		log_to = TO_SYSLOG;
	} else if (target == PD_LOG_AUTO && stderr_is_journal())
		log_to = TO_JOURNAL;
	else
		log_to = TO_STDERR;
}

int
log_level_parse(const char *name, enum pd_log_level *level_r)
{
	static const struct { const char *name; enum pd_log_level l; } t[] = {
		{ "err", PD_LOG_ERR }, { "error", PD_LOG_ERR },
		{ "warning", PD_LOG_WARNING }, { "warn", PD_LOG_WARNING },
		{ "info", PD_LOG_INFO }, { "debug", PD_LOG_DEBUG },
	};

	for (size_t i = 0; name && i < sizeof t / sizeof t[0]; i++)
		if (strcmp(name, t[i].name) == 0) {
			*level_r = t[i].l;
			return 0;
		}
	return -1;
}

static void PD_PRINTF(3, 0)
log_vline(enum pd_log_level prio, const char *level, const char *fmt,
    va_list ap)
{
	char buf[4096], stamp[64] = "";

	if (prio > log_level)
		return;
	vsnprintf(buf, sizeof buf, fmt, ap);
	/* One event per line: a newline inside a value would forge a line.
	 * Values come from strangers' mail (a Message-ID): no other control
	 * character reaches a terminal running `tail -f` either, ESC nor
	 * the C1 range in UTF-8 (U+009B is a CSI to xterm). */
	for (unsigned char *p = (unsigned char *)buf; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
		else if (*p < 0x20 || *p == 0x7f)
			*p = '?';
		else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
			*p = '?';
			*++p = '?';
		}
	switch (log_to) {
	case TO_SYSLOG:
		syslog((int)prio, "%s%s", level, buf);
		return;
	case TO_JOURNAL:
		/* The journal adds the time and the identifier itself. */
		fprintf(stderr, "<%d>%s: %s%s\n", (int)prio, log_ident, level,
		    buf);
		break;
	case TO_STDERR: {
		/* Wall-clock time, not pd_now(): a log line says when it was
		 * written, even under the test clock. */
		struct timespec ts;
		struct tm tm;

		clock_gettime(CLOCK_REALTIME, &ts);
		localtime_r(&ts.tv_sec, &tm);
		strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(stamp + strlen(stamp), sizeof stamp - strlen(stamp),
		    ".%03ld", ts.tv_nsec / 1000000);
		strftime(stamp + strlen(stamp), sizeof stamp - strlen(stamp),
		    "%z ", &tm);
		fprintf(stderr, "%s%s: %s%s\n", stamp, log_ident, level, buf);
		break;
	}
	}
	fflush(stderr);
}

#define LOG_FN(fn, prio, level) \
	void fn(const char *fmt, ...) \
	{ \
		va_list ap; \
		va_start(ap, fmt); \
		log_vline(prio, level, fmt, ap); \
		va_end(ap); \
	}

LOG_FN(log_info, PD_LOG_INFO, "")
LOG_FN(log_warnx, PD_LOG_WARNING, "warning: ")
LOG_FN(log_debug, PD_LOG_DEBUG, "debug: ")
LOG_FN(log_err, PD_LOG_ERR, "error: ")

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	/* Whatever the level: the reason the daemon stops must show. */
	if (log_level < PD_LOG_ERR)
		log_level = PD_LOG_ERR;
	log_vline(PD_LOG_ERR, "fatal: ", fmt, ap);
	va_end(ap);
	exit(1);
}
