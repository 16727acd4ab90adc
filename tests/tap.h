/* tap.h: the smallest TAP producer, for the C unit tests.
 *
 *   ok(cond, "name %d", i);   is_str(got, want, "name");   return tap_done();
 * The plan is printed at the end ("1..N"), so a crash shows as a short plan. */
#ifndef PD_TAP_H
#define PD_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

__attribute__((format(printf, 2, 3)))
static int ok(int cond, const char *fmt, ...)
{
	va_list ap;

	printf("%s %d - ", cond ? "ok" : "not ok", ++tap_n);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	if (!cond)
		tap_failed++;
	return cond;
}

__attribute__((unused))
static int is_str(const char *got, const char *want, const char *name)
{
	int r = ok(got && want && strcmp(got, want) == 0, "%s", name);

	if (!r)
		printf("#   got:  '%s'\n#   want: '%s'\n", got ? got : "(null)",
		    want ? want : "(null)");
	return r;
}

static int tap_done(void)
{
	printf("1..%d\n", tap_n);
	return tap_failed ? 1 : 0;
}

#endif
