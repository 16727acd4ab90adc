/* sink.h: the mail-sink driver interface (docs/architecture.md).
 *
 * send() sends one message to one or more recipients over a fresh SMTP
 * session; send_pooled() sends it over a session kept in a struct
 * sink_pool and reused for the next message (RSET only after a failed
 * one: RFC 5321 4.1.1.4 ends the transaction with the 250 after DATA).  The
 * outbox (outbox.c) decides retries from the result. */
#ifndef PD_SINK_H
#define PD_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "addr.h"
#include "config.h"

enum sink_status {
	SINK_OK = 0,     /* accepted by the server (2xx after DATA) */
	SINK_TEMP = -1,  /* connection failure, timeout, or 4xx: retry later */
	SINK_PERM = -2,  /* 5xx, or an invalid address: do not retry */
};

/* A reusable session of one sending thread; zero-initialise it, and end
 * it with the driver's pool_close().  Never shared between threads. */
struct sink_pool {
	void *session;         /* the driver's open session, or NULL */
	int64_t last_used;     /* g_get_monotonic_time() of the last mail */
	unsigned connects;     /* sessions opened so far (for tests, bench) */
	unsigned reused;       /* mails sent over an already open session */
	bool setup_failed;     /* the last call failed before MAIL FROM
	                        * (connect, greeting, EHLO, TLS, AUTH): about
	                        * the relay, not the message or its domain */
	bool dirty;            /* the session's last transaction did not end
	                        * with a 250 after DATA: RSET before the next */
	unsigned rsets;        /* RSETs sent (for tests) */
};

/* A pooled session idle this long is closed before the next mail: relays
 * drop idle clients after a few minutes (Postfix smtpd_timeout 300 s). */
#define SINK_POOL_IDLE_SECONDS 30

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
	/* As send, over p's session: opened when there is none (or it was
	 * idle SINK_POOL_IDLE_SECONDS), else reused, after an RSET only when
	 * its last transaction failed.  A kept session the server closed
	 * meanwhile (RSET or MAIL FROM fails with a broken stream or 421)
	 * is replaced by a new one and the mail tried once more on it, so
	 * nothing has been sent when that happens.  A broken stream
	 * (timeout) closes the session.  NULL in drivers without sessions
	 * (the outbox then calls send). */
	enum sink_status (*send_pooled)(struct sink_pool *p,
	    const struct pd_endpoint *ep, const char *helo,
	    const char *env_from, const char *const *rcpts, size_t n,
	    const char *data, size_t len, char **error_r);
	/* QUITs and frees p's session, if any.  NULL with send_pooled. */
	void (*pool_close)(struct sink_pool *p);
};

extern const struct sink_driver sink_smtp;

#endif
