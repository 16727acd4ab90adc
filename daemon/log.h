/* log.h: one event per line, to stderr (systemd's journal takes it from there).
 *
 * Lines look like `postdeskd: ticket=1042 msg=<id> stage=thread event=joined`.
 * Never pass a password, key or other secret to any of these. */
#ifndef PD_LOG_H
#define PD_LOG_H

#include <stdarg.h>

#define PD_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* ident prefixes each line; verbose enables log_debug. Safe to call again. */
void log_init(const char *ident, int verbose);
void log_info(const char *fmt, ...) PD_PRINTF(1, 2);
void log_warnx(const char *fmt, ...) PD_PRINTF(1, 2);
void log_debug(const char *fmt, ...) PD_PRINTF(1, 2);
/* Startup errors and broken invariants only: never for one bad message. */
void fatalx(const char *fmt, ...) PD_PRINTF(1, 2) __attribute__((noreturn));

#endif
