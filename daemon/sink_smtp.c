/* sink_smtp.c: the SMTP mail sink (docs/architecture.md), on libetpan's mailsmtp.
 *
 * send(): a fresh session per message.  send_pooled(): one session kept
 * for many messages.  After a mail accepted with 250 at the end of DATA
 * the server has already cleared its transaction (RFC 5321 4.1.1.4), so
 * the next MAIL FROM follows at once; RSET (4.1.1.5) is sent only after a
 * transaction that failed or was abandoned half-way.  A server that closed
 * the kept session meanwhile shows up as a broken stream or a 421 reply to
 * that MAIL FROM: nothing of the mail has been accepted then, so we open
 * a new session and try the mail once more on it.
 *
 * PIPELINING (RFC 2920), when the server offers it and the mail has one
 * recipient (the outbox's case): MAIL, RCPT and DATA go in one write and
 * their three replies are read after it with libetpan's own reply reader
 * (mailsmtp_read_response, exported but not in its installed headers), so
 * a mail costs two round trips (the commands, the end of data) instead of
 * four.  Without it each of MAIL, RCPT, DATA and the end of data waits
 * for its reply; with TCP_NODELAY each costs one network round trip, not
 * a delayed ACK.
 *
 * We open the TCP and TLS stream ourselves:
 * mailsmtp_socket_connect ignores the session timeout for plaintext reads
 * (it would wait the global 300 s), and building the stream lets us check
 * an implicit-TLS certificate before reading a single byte from the peer.
 *
 * Replies are judged by their numeric code, never libetpan's enum (it maps
 * 450 and 550 alike).  A 5xx to MAIL, RCPT or DATA is permanent; trouble
 * setting up the session (greeting, EHLO, STARTTLS, AUTH) is about us or
 * the relay, not the message, so it is always temporary. */
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <glib.h>
#include <libetpan/libetpan.h>
#include "log.h"
#include "sink.h"
#include "tlsverify.h"

#define SMTP_TIMEOUT_DEFAULT 60
#define SMTP_STREAM_BUFFER (64 * 1024)

/* Exported by libetpan 1.9.4 but missing from its headers. */
int mail_tcp_connect_timeout(const char *server, uint16_t port,
    time_t timeout);
/* Exported by libetpan 1.9.4, declared in its uninstalled
 * mailsmtp_private.h: reads one (multi-line) reply into m->response and
 * returns its code, 0 when the stream failed. */
int mailsmtp_read_response(mailsmtp *session);

static enum sink_status
smtp_fail(mailsmtp *m, int r, const char *what, bool msg_cmd,
    char **error_r)
{
	int code = m->response_code;
	char *text;

	if (r == MAILSMTP_ERROR_STREAM ||
	    r == MAILSMTP_ERROR_CONNECTION_REFUSED || m->response == NULL) {
		/* A broken or silent peer gets no QUIT: it would wait again. */
		if (r == MAILSMTP_ERROR_STREAM && m->stream != NULL) {
			mailstream_close(m->stream);
			m->stream = NULL;
		}
		*error_r = g_strdup_printf("%s failed: %s", what,
		    mailsmtp_strerror(r));
		return SINK_TEMP;
	}
	text = g_strndup(m->response, 400);
	g_strdelimit(text, "\r\n", ' ');
	*error_r = g_strdup_printf("%s failed: %d %s", what, code, text);
	g_free(text);
	return msg_cmd && code / 100 == 5 ? SINK_PERM : SINK_TEMP;
}

static void
sni_cb(struct mailstream_ssl_context *ctx, void *data)
{
	if (!g_hostname_is_ip_address(data))
		mailstream_ssl_set_server_name(ctx, data);
}

static enum sink_status
smtp_verify(mailstream *st, const struct pd_endpoint *ep, char **error_r)
{
	char *why = NULL;

	if (!ep->tls_verify || tls_verify_stream(st, ep->host, ep->ca_file,
	    &why) == 0)
		return SINK_OK;
	*error_r = g_strdup_printf("%s:%u: %s", ep->host, ep->port, why);
	g_free(why);
	return SINK_TEMP;
}

/* TCP (and implicit TLS, verified) with our timeout, then the greeting. */
static enum sink_status
smtp_connect(mailsmtp *m, const struct pd_endpoint *ep, time_t t,
    char **error_r)
{
	mailstream *st;
	int fd, r;

	if ((fd = mail_tcp_connect_timeout(ep->host, ep->port, t)) < 0) {
		*error_r = g_strdup_printf("cannot connect to %s:%u",
		    ep->host, ep->port);
		return SINK_TEMP;
	}
	/* Commands are small writes each waiting for a reply: without this,
	 * Nagle's algorithm and the peer's delayed ACK cost 40 ms a write. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 },
	    sizeof(int));
	if (ep->tls == PD_TLS_IMPLICIT)
		st = mailstream_ssl_open_with_callback_timeout(fd, t, sni_cb,
		    ep->host);
	else {
		/* The buffer holds a whole mail of the usual size, so its
		 * data leaves in one flush, not in 8 KB pieces (libetpan's
		 * default) that each become a TLS record and a write. */
		mailstream_low *low = mailstream_low_socket_open(fd);

		if (low != NULL)
			mailstream_low_set_timeout(low, t);
		st = low ? mailstream_new(low, SMTP_STREAM_BUFFER) : NULL;
		if (low != NULL && st == NULL)
			mailstream_low_free(low);
	}
	if (st == NULL) {
		close(fd);
		*error_r = g_strdup_printf("%s:%u: TLS handshake failed",
		    ep->host, ep->port);
		return SINK_TEMP;
	}
	if (ep->tls == PD_TLS_IMPLICIT && smtp_verify(st, ep, error_r)) {
		mailstream_close(st);
		return SINK_TEMP;
	}
	/* mailsmtp_connect owns st from here, closing it on failure. */
	if ((r = mailsmtp_connect(m, st)) != MAILSMTP_NO_ERROR)
		return smtp_fail(m, r, "greeting", false, error_r);
	return SINK_OK;
}

/* libetpan cannot send a chosen EHLO name (only LHLO takes one), and the
 * default is gethostname(), often not a FQDN; an address literal of our
 * end of the connection is always well-formed, so that is what we send. */
static enum sink_status
smtp_ehlo(mailsmtp *m, char **error_r)
{
	int r;

	if ((r = mailesmtp_ehlo_with_ip(m, 1)) != MAILSMTP_NO_ERROR)
		return smtp_fail(m, r, "EHLO", false, error_r);
	return SINK_OK;
}

static enum sink_status
smtp_starttls(mailsmtp *m, const struct pd_endpoint *ep, char **error_r)
{
	int r;

	if (!(m->esmtp & MAILSMTP_ESMTP_STARTTLS)) {
		*error_r = g_strdup_printf("%s:%u does not offer STARTTLS",
		    ep->host, ep->port);
		return SINK_TEMP;
	}
	r = mailsmtp_socket_starttls_with_callback(m, sni_cb, ep->host);
	if (r != MAILSMTP_NO_ERROR)
		return smtp_fail(m, r, "STARTTLS", false, error_r);
	if (smtp_verify(m->stream, ep, error_r) != SINK_OK)
		return SINK_TEMP;
	return smtp_ehlo(m, error_r);
}

static enum sink_status
smtp_hello(mailsmtp *m, const struct pd_endpoint *ep, char **error_r)
{
	enum sink_status st;
	int r;

	if ((st = smtp_ehlo(m, error_r)) != SINK_OK)
		return st;
	if (ep->tls == PD_TLS_STARTTLS &&
	    (st = smtp_starttls(m, ep, error_r)) != SINK_OK)
		return st;
	if (ep->user == NULL)
		return SINK_OK;
	r = mailsmtp_auth_type(m, ep->user, ep->password ? ep->password : "",
	    MAILSMTP_AUTH_PLAIN);
	if (r != MAILSMTP_NO_ERROR)
		return smtp_fail(m, r, "AUTH", false, error_r);
	return SINK_OK;
}

static enum sink_status smtp_data_end(mailsmtp *m, const char *data,
    size_t len, char **error_r);

/* With several recipients the first refusal decides for the message.
 * *at_mail_r (may be NULL) tells that it failed at MAIL FROM, before the
 * server accepted anything of this mail. */
static enum sink_status
smtp_transaction(mailsmtp *m, const char *from, const char *const *rcpts,
    size_t n, const char *data, size_t len, bool *at_mail_r, char **error_r)
{
	size_t i;
	int r;

	if ((r = mailsmtp_mail(m, from)) != MAILSMTP_NO_ERROR) {
		if (at_mail_r)
			*at_mail_r = true;
		return smtp_fail(m, r, "MAIL FROM", true, error_r);
	}
	for (i = 0; i < n; i++)
		if ((r = mailsmtp_rcpt(m, rcpts[i])) != MAILSMTP_NO_ERROR)
			return smtp_fail(m, r, "RCPT TO", true, error_r);
	if ((r = mailsmtp_data(m)) != MAILSMTP_NO_ERROR)
		return smtp_fail(m, r, "DATA", true, error_r);
	return smtp_data_end(m, data, len, error_r);
}

/* Ends the message: libetpan appends CRLF.CRLF itself, so a final
 * newline would add a line. */
static enum sink_status
smtp_data_end(mailsmtp *m, const char *data, size_t len, char **error_r)
{
	int r;

	if (len > 0 && data[len - 1] == '\n')
		len -= (len > 1 && data[len - 2] == '\r') ? 2 : 1;
	if ((r = mailsmtp_data_message(m, data, len)) != MAILSMTP_NO_ERROR)
		return smtp_fail(m, r, "end of DATA", true, error_r);
	return SINK_OK;
}

/* As smtp_transaction for one recipient, pipelined (RFC 2920): MAIL, RCPT
 * and DATA in one write, then their replies.  The first refusal decides;
 * a 354 after a refusal (no valid recipient, yet the server waits for the
 * message) is answered by dropping the connection, which abandons the
 * transaction (RFC 5321 3.8), never by an empty message.  The addresses
 * were checked by addrs_check(): no CR or LF reaches the command line. */
static enum sink_status
smtp_pipelined(mailsmtp *m, const char *from, const char *rcpt,
    const char *data, size_t len, bool *at_mail_r, char **error_r)
{
	static const char *const what[] = { "MAIL FROM", "RCPT TO", "DATA" };
	char *cmds = g_strdup_printf("MAIL FROM:<%s>\r\nRCPT TO:<%s>\r\n"
	    "DATA\r\n", from, rcpt);
	size_t cl = strlen(cmds);
	int i, code, fail = -1, fail_code = 0;
	char *fail_text = NULL;
	bool broken;

	broken = mailstream_write(m->stream, cmds, cl) != (ssize_t)cl ||
	    mailstream_flush(m->stream) != 0;
	g_free(cmds);
	for (i = 0; i < 3 && !broken; i++) {
		code = mailsmtp_read_response(m);
		if (code == 0) {
			broken = true;
			break;
		}
		if (code / 100 == (i < 2 ? 2 : 3) && fail < 0)
			continue;
		if (fail < 0) {
			fail = i;
			fail_code = code;
			fail_text = g_strndup(m->response ? m->response : "",
			    400);
		}
		if (i == 2 && code == 354)
			broken = true; /* drop it: see above */
	}
	if (broken && m->stream != NULL) {
		mailstream_close(m->stream);
		m->stream = NULL;
	}
	if (fail < 0 && broken) {
		*at_mail_r = i == 0;
		*error_r = g_strdup_printf("%s failed: connection lost",
		    what[i < 3 ? i : 2]);
		return SINK_TEMP;
	}
	if (fail >= 0) {
		*at_mail_r = fail == 0;
		m->response_code = fail_code;
		g_strdelimit(fail_text, "\r\n", ' ');
		*error_r = g_strdup_printf("%s failed: %d %s", what[fail],
		    fail_code, fail_text);
		g_free(fail_text);
		return fail_code / 100 == 5 ? SINK_PERM : SINK_TEMP;
	}
	return smtp_data_end(m, data, len, error_r);
}

/* A transaction over a kept or new session: pipelined when the server
 * offers it and there is one recipient. */
static enum sink_status
smtp_mail_one(mailsmtp *m, const char *from, const char *const *rcpts,
    size_t n, const char *data, size_t len, bool *at_mail_r, char **error_r)
{
	bool at_mail = false;
	enum sink_status st;

	if (n == 1 && (m->esmtp & MAILSMTP_ESMTP_PIPELINING))
		st = smtp_pipelined(m, from, rcpts[0], data, len, &at_mail,
		    error_r);
	else
		st = smtp_transaction(m, from, rcpts, n, data, len, &at_mail,
		    error_r);
	if (at_mail_r)
		*at_mail_r = at_mail;
	return st;
}

static enum sink_status
addrs_check(const char *from, const char *const *rcpts, size_t n,
    char **error_r)
{
	size_t i;

	if (from == NULL || (*from != '\0' && !addr_is_valid(from))) {
		*error_r = g_strdup("invalid envelope sender");
		return SINK_PERM;
	}
	if (n == 0) {
		*error_r = g_strdup("no recipients");
		return SINK_PERM;
	}
	for (i = 0; i < n; i++)
		if (!addr_is_valid(rcpts[i])) {
			*error_r = g_strdup_printf("invalid recipient #%zu",
			    i + 1);
			return SINK_PERM;
		}
	return SINK_OK;
}

static enum sink_status
smtp_send(const struct pd_endpoint *ep, const char *helo,
    const char *env_from, const char *const *rcpts, size_t n,
    const char *data, size_t len, char **error_r)
{
	time_t t = ep->timeout ? ep->timeout : SMTP_TIMEOUT_DEFAULT;
	enum sink_status st;
	mailsmtp *m;

	*error_r = NULL;
	if ((st = addrs_check(env_from, rcpts, n, error_r)) != SINK_OK)
		return st;
	m = mailsmtp_new(0, NULL);
	mailsmtp_set_timeout(m, t);
	if ((st = smtp_connect(m, ep, t, error_r)) == SINK_OK &&
	    (st = smtp_hello(m, ep, error_r)) == SINK_OK &&
	    (st = smtp_mail_one(m, env_from, rcpts, n, data, len, NULL,
	    error_r)) == SINK_OK)
		log_debug("sink=smtp event=sent rcpts=%zu", n);
	if (m->stream != NULL)
		mailsmtp_quit(m);
	mailsmtp_free(m);
	return st;
}

static void
pool_close(struct sink_pool *p)
{
	mailsmtp *m = p->session;

	if (m == NULL)
		return;
	if (m->stream != NULL)
		mailsmtp_quit(m);
	mailsmtp_free(m);
	p->session = NULL;
}

/* The pool's session, ready for MAIL FROM: the kept one (after an RSET
 * if its last transaction did not end with a 250, p->dirty), else a new
 * one.  *kept_r: the kept session was taken unchecked (no RSET), so a
 * closed one is only seen at MAIL FROM. */
static enum sink_status
pool_session(struct sink_pool *p, const struct pd_endpoint *ep, time_t t,
    bool *kept_r, char **error_r)
{
	int64_t now = g_get_monotonic_time();
	enum sink_status st;
	mailsmtp *m = p->session;

	*kept_r = false;
	if (m != NULL && (m->stream == NULL || now - p->last_used >
	    (int64_t)SINK_POOL_IDLE_SECONDS * G_USEC_PER_SEC))
		pool_close(p);
	else if (m != NULL && !p->dirty) {
		p->reused++;
		*kept_r = true;
		return SINK_OK;
	} else if (m != NULL) {
		p->rsets++;
		if (mailsmtp_reset(m) == MAILSMTP_NO_ERROR) {
			p->dirty = false;
			p->reused++;
			return SINK_OK;
		}
		log_debug("sink=smtp event=reconnect reason=\"RSET failed\"");
		pool_close(p);
	}
	p->dirty = false;
	m = mailsmtp_new(0, NULL);
	mailsmtp_set_timeout(m, t);
	if ((st = smtp_connect(m, ep, t, error_r)) != SINK_OK ||
	    (st = smtp_hello(m, ep, error_r)) != SINK_OK) {
		if (m->stream != NULL)
			mailsmtp_quit(m);
		mailsmtp_free(m);
		return st;
	}
	p->session = m;
	p->connects++;
	return SINK_OK;
}

static enum sink_status
smtp_send_pooled(struct sink_pool *p, const struct pd_endpoint *ep,
    const char *helo, const char *env_from, const char *const *rcpts,
    size_t n, const char *data, size_t len, char **error_r)
{
	time_t t = ep->timeout ? ep->timeout : SMTP_TIMEOUT_DEFAULT;
	enum sink_status st;
	bool kept, at_mail = false;
	mailsmtp *m;

	(void)helo;
	*error_r = NULL;
	p->setup_failed = false;
	if ((st = addrs_check(env_from, rcpts, n, error_r)) != SINK_OK)
		return st;
	if ((st = pool_session(p, ep, t, &kept, error_r)) != SINK_OK) {
		p->setup_failed = true;
		return st;
	}
	m = p->session;
	st = smtp_mail_one(m, env_from, rcpts, n, data, len, &at_mail,
	    error_r);
	if (st != SINK_OK && kept && at_mail && (m->stream == NULL ||
	    m->response_code == 421)) {
		/* The kept session was closed by the server (idle limit,
		 * mails per session): nothing of this mail was accepted, so
		 * it goes once more over a new session. */
		log_debug("sink=smtp event=reconnect reason=\"%s\"",
		    *error_r);
		g_clear_pointer(error_r, g_free);
		pool_close(p);
		if ((st = pool_session(p, ep, t, &kept, error_r)) != SINK_OK) {
			p->setup_failed = true;
			return st;
		}
		m = p->session;
		st = smtp_mail_one(m, env_from, rcpts, n, data, len, NULL,
		    error_r);
	}
	/* Only a 250 at the end of DATA leaves no transaction open. */
	p->dirty = st != SINK_OK;
	p->last_used = g_get_monotonic_time();
	if (st == SINK_OK)
		log_debug("sink=smtp event=sent rcpts=%zu", n);
	/* A timeout or a dropped connection leaves no usable session. */
	if (m->stream == NULL)
		pool_close(p);
	return st;
}

const struct sink_driver sink_smtp = {
	.name = "smtp",
	.send = smtp_send,
	.send_pooled = smtp_send_pooled,
	.pool_close = pool_close,
};
