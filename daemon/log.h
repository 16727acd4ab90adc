/* log.h: one event per line, to stderr, the journal or syslog
 * (postdeskd(8) "LOGGING").
 *
 * Lines look like `postdeskd: ticket=1042 msg=<id> stage=thread event=joined`.
 * Where they go is decided once, by log_init and log_setup:
 *   - stderr connected to the journal (JOURNAL_STREAM names stderr's
 *     device and inode): each line starts with its priority, "<4>", as
 *     sd-daemon(3) describes, so `journalctl -p warning` selects them;
 *   - syslog (postdeskd -l syslog): syslog(3), facility mail;
 *   - otherwise stderr, each line starting with an ISO 8601 time stamp.
 * Never pass a password, key or other secret to any of these. */
#ifndef PD_LOG_H
#define PD_LOG_H

#include <stdarg.h>

#define PD_PRINTF(a, b) __attribute__((format(printf, a, b)))

/* Priorities, numbered as syslog(3)'s. */
enum pd_log_level {
	PD_LOG_ERR = 3,
	PD_LOG_WARNING = 4,
	PD_LOG_INFO = 6,
	PD_LOG_DEBUG = 7,
};

enum pd_log_target {
	PD_LOG_AUTO,    /* the journal when stderr is its stream, else stderr */
	PD_LOG_STDERR,  /* stderr with time stamps */
	PD_LOG_SYSLOG,  /* syslog(3), facility mail */
};

/* ident prefixes each line; verbose enables log_debug. Safe to call again.
 * Chooses the journal or stderr (PD_LOG_AUTO). */
void log_init(const char *ident, int verbose);
/* Where lines go and the lowest priority written (lines of a higher
 * number, i.e. less important, are dropped).  Call after log_init. */
void log_setup(enum pd_log_target target, enum pd_log_level level);
/* "err", "warning", "info", "debug" (or "error", "warn") into *level_r:
 * 0, or -1 for any other name. */
int log_level_parse(const char *name, enum pd_log_level *level_r);
void log_info(const char *fmt, ...) PD_PRINTF(1, 2);
void log_warnx(const char *fmt, ...) PD_PRINTF(1, 2);
void log_debug(const char *fmt, ...) PD_PRINTF(1, 2);
/* A failure of the daemon itself (not of one message). */
void log_err(const char *fmt, ...) PD_PRINTF(1, 2);
/* Startup errors and broken invariants only: never for one bad message. */
void fatalx(const char *fmt, ...) PD_PRINTF(1, 2) __attribute__((noreturn));

#endif
