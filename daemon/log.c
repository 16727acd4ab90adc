/* log.c: see log.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "log.h"

static char log_ident[32] = "postdesk";
static int log_verbose;

void
log_init(const char *ident, int verbose)
{
	snprintf(log_ident, sizeof log_ident, "%s", ident);
	log_verbose = verbose;
}

static void PD_PRINTF(2, 0)
log_vline(const char *level, const char *fmt, va_list ap)
{
	char buf[4096];

	vsnprintf(buf, sizeof buf, fmt, ap);
	/* One event per line: a newline inside a value would forge a line. */
	for (char *p = buf; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	fprintf(stderr, "%s: %s%s\n", log_ident, level, buf);
	fflush(stderr);
}

#define LOG_FN(fn, level, cond) \
	void fn(const char *fmt, ...) \
	{ \
		va_list ap; \
		if (!(cond)) \
			return; \
		va_start(ap, fmt); \
		log_vline(level, fmt, ap); \
		va_end(ap); \
	}

LOG_FN(log_info, "", 1)
LOG_FN(log_warnx, "warning: ", 1)
LOG_FN(log_debug, "debug: ", log_verbose)

void
fatalx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vline("fatal: ", fmt, ap);
	va_end(ap);
	exit(1);
}
