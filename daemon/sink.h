/* sink.h: the mail-sink driver interface (docs/architecture.md).
 *
 * One call sends one message to one or more recipients over a fresh SMTP
 * session.  The outbox (outbox.c) decides retries from the result. */
#ifndef PD_SINK_H
#define PD_SINK_H

#include <stddef.h>
#include "addr.h"
#include "config.h"

enum sink_status {
	SINK_OK = 0,     /* accepted by the server (2xx after DATA) */
	SINK_TEMP = -1,  /* connection failure, timeout, or 4xx: retry later */
	SINK_PERM = -2,  /* 5xx, or an invalid address: do not retry */
};

struct sink_driver {
	const char *name;
	/* Sends data (a whole RFC 5322 message, LF or CRLF) from env_from
	 * ("" = null reverse-path <>) to rcpts[0..n-1].  Every address is
	 * validated (addr_is_valid) before it reaches a command line.  The
	 * status is decided from the numeric SMTP reply code: 4xx temporary,
	 * 5xx permanent.  *error_r gets a g_malloc'd description with the
	 * server's reply on failure.  Blocking; bounded by ep->timeout. */
	enum sink_status (*send)(const struct pd_endpoint *ep, const char *helo,
	    const char *env_from, const char *const *rcpts, size_t n,
	    const char *data, size_t len, char **error_r);
};

extern const struct sink_driver sink_smtp;

#endif
