/* bench-sink: the benchmark's SMTP server (contrib/bench/bench.py; not
 * installed, not used by the tests, which keep contrib/smtp_sink.py).
 *
 * It speaks what contrib/smtp_sink.py speaks, so that the outbox meets
 * the same server behaviour, but costs a few microseconds of CPU per
 * mail instead of milliseconds: the outbox's rate is then postdeskd's,
 * not the sink's.  STARTTLS (RFC 3207) with GnuTLS, AUTH PLAIN and LOGIN
 * (RFC 4954; user "gateway", password "gwpass"; only after STARTTLS),
 * PIPELINING (RFC 2920: replies are buffered and written only when no
 * more input is waiting), 8BITMIME, SIZE.  Recipients @reject.test get
 * 550, @tempfail.test 451.  Each accepted mail is written to MAILDIR/new
 * (through MAILDIR/tmp and rename(2), as Maildir readers expect) with
 * X-Sink-Mail-From / X-Sink-Rcpt-To headers first, as smtp_sink.py
 * stores it; nothing is relayed.  No fsync: a benchmark's scratch mail.
 *
 * One thread per connection, blocking I/O; loopback only.
 *
 * usage: bench-sink PORT MAILDIR CERT KEY */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <glib.h>
#include <gnutls/gnutls.h>

#define SINK_USER "gateway"
#define SINK_PASSWORD "gwpass"
#define SINK_MAX_DATA (64L * 1024 * 1024) /* as smtp_sink.py's limit */
#define SINK_MAX_RCPTS 1000
#define SINK_MAX_CMD 2048 /* RFC 5321 4.5.3.1.4: 512, with room for AUTH */
#define SINK_IDLE_TIMEOUT 300

static gnutls_certificate_credentials_t cred;
static gnutls_priority_t prio;
static const char *maildir;
static atomic_ulong seq;

struct conn {
	int fd;
	gnutls_session_t tls; /* NULL before STARTTLS */
	char in[64 * 1024];
	size_t ipos, ilen;
	char out[8 * 1024];
	size_t olen;
	bool broken;
	/* SMTP state */
	bool helo, authed, in_mail;
	char *from;
	GString *rcpts;
	unsigned nrcpt;
};

/* Writes all of buf; false when the peer is gone. */
static bool
raw_write(struct conn *c, const char *buf, size_t len)
{
	while (len > 0 && !c->broken) {
		ssize_t n;

		if (c->tls) {
			n = gnutls_record_send(c->tls, buf, len);
			if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
				continue;
		} else {
			n = write(c->fd, buf, len);
			if (n < 0 && errno == EINTR)
				continue;
		}
		if (n <= 0) {
			c->broken = true;
			break;
		}
		buf += n;
		len -= n;
	}
	return !c->broken;
}

static void
flush_out(struct conn *c)
{
	if (c->olen)
		raw_write(c, c->out, c->olen);
	c->olen = 0;
}

/* Queues one reply line; it goes out when no pipelined input waits. */
static void reply(struct conn *c, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void
reply(struct conn *c, const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof line - 2, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof line - 3)
		n = sizeof line - 3;
	memcpy(line + n, "\r\n", 2);
	n += 2;
	if (c->olen + n > sizeof c->out)
		flush_out(c);
	memcpy(c->out + c->olen, line, n);
	c->olen += n;
}

/* Reads more input after what is buffered; 0 at the end, -1 on error.
 * Replies queued so far go out first: the client may be waiting for them
 * (RFC 2920 3.1). */
static ssize_t
fill(struct conn *c)
{
	ssize_t n;

	flush_out(c);
	if (c->broken)
		return -1;
	if (c->ipos > 0) {
		memmove(c->in, c->in + c->ipos, c->ilen - c->ipos);
		c->ilen -= c->ipos;
		c->ipos = 0;
	}
	for (;;) {
		if (c->tls) {
			n = gnutls_record_recv(c->tls, c->in + c->ilen,
			    sizeof c->in - c->ilen);
			/* GNUTLS_E_AGAIN on this blocking socket is the
			 * idle timeout (SO_RCVTIMEO): the end. */
			if (n == GNUTLS_E_INTERRUPTED)
				continue;
			if (n == GNUTLS_E_PREMATURE_TERMINATION)
				n = 0;
		} else {
			n = read(c->fd, c->in + c->ilen, sizeof c->in - c->ilen);
			if (n < 0 && errno == EINTR)
				continue;
		}
		break;
	}
	if (n < 0) {
		c->broken = true;
		return -1;
	}
	c->ilen += n;
	return n;
}

/* The next line with its LF in *line (not NUL-terminated), or a chunk of
 * a line longer than the buffer (no LF at its end).  Returns its length,
 * 0 at the end of the stream, -1 on error. */
static ssize_t
next_line(struct conn *c, char **line)
{
	for (;;) {
		char *s = c->in + c->ipos;
		size_t have = c->ilen - c->ipos;
		char *nl = memchr(s, '\n', have);
		ssize_t n;

		if (nl || have == sizeof c->in) {
			size_t len = nl ? (size_t)(nl + 1 - s) : have;

			*line = s;
			c->ipos += len;
			return len;
		}
		if ((n = fill(c)) <= 0)
			return n;
	}
}

static void
txn_reset(struct conn *c)
{
	g_free(c->from);
	c->from = NULL;
	g_string_truncate(c->rcpts, 0);
	c->nrcpt = 0;
	c->in_mail = false;
}

/* The address between the first '<' and its '>' after a "FROM:" or
 * "TO:" (g_malloc'd), or NULL when there is none. */
static char *
path_arg(const char *arg)
{
	const char *lt, *gt;

	while (*arg == ' ')
		arg++;
	if (*arg != '<' || !(gt = strchr(arg, '>')))
		return NULL;
	lt = arg;
	return g_strndup(lt + 1, gt - lt - 1);
}

static bool
ends_with_ci(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);

	return a >= b && g_ascii_strcasecmp(s + a - b, suffix) == 0;
}

/* A file in MAILDIR/tmp, opened for writing; its name in tmp/new. */
static int
mail_open(char **tmp_r, char **new_r)
{
	struct timespec ts;
	char *name;
	int fd;

	clock_gettime(CLOCK_REALTIME, &ts);
	name = g_strdup_printf("%lld.M%ldP%dQ%lu.bench-sink",
	    (long long)ts.tv_sec, ts.tv_nsec / 1000, (int)getpid(),
	    atomic_fetch_add(&seq, 1) + 1);
	*tmp_r = g_build_filename(maildir, "tmp", name, NULL);
	*new_r = g_build_filename(maildir, "new", name, NULL);
	g_free(name);
	fd = open(*tmp_r, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		fprintf(stderr, "bench-sink: %s: %s\n", *tmp_r,
		    strerror(errno));
	return fd;
}

struct wbuf {
	int fd;
	bool failed;
	size_t len;
	char buf[64 * 1024];
};

static void
wbuf_flush(struct wbuf *w)
{
	size_t off = 0;

	while (off < w->len && !w->failed) {
		ssize_t n = write(w->fd, w->buf + off, w->len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			w->failed = true;
		else
			off += n;
	}
	w->len = 0;
}

static void
wbuf_put(struct wbuf *w, const char *s, size_t len)
{
	if (w->fd < 0 || w->failed)
		return;
	if (w->len + len > sizeof w->buf)
		wbuf_flush(w);
	if (len > sizeof w->buf) {
		while (len > 0 && !w->failed) {
			ssize_t n = write(w->fd, s, len);

			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0)
				w->failed = true;
			else {
				s += n;
				len -= n;
			}
		}
		return;
	}
	memcpy(w->buf + w->len, s, len);
	w->len += len;
}

/* DATA after the 354: lines up to the lone ".", dot-unstuffed (RFC 5321
 * 4.5.2), into a new Maildir file.  false when the stream ended. */
static bool
do_data(struct conn *c)
{
	static _Thread_local struct wbuf w;
	char *tmp = NULL, *dst = NULL, *hdr;
	bool at_start = true, too_big = false;
	long total = 0;

	w.fd = mail_open(&tmp, &dst);
	w.failed = false;
	w.len = 0;
	hdr = g_strdup_printf("X-Sink-Mail-From: <%s>\r\nX-Sink-Rcpt-To: %s\r\n",
	    c->from ? c->from : "", c->rcpts->str);
	wbuf_put(&w, hdr, strlen(hdr));
	g_free(hdr);
	for (;;) {
		char *line;
		ssize_t n = next_line(c, &line);

		if (n <= 0) {
			if (w.fd >= 0) {
				close(w.fd);
				unlink(tmp);
			}
			g_free(tmp);
			g_free(dst);
			return false;
		}
		if (at_start && line[0] == '.') {
			if ((n == 3 && line[1] == '\r' && line[2] == '\n') ||
			    (n == 2 && line[1] == '\n'))
				break;
			line++;
			n--;
		}
		at_start = line[n - 1] == '\n';
		total += n;
		if (total > SINK_MAX_DATA)
			too_big = true;
		else
			wbuf_put(&w, line, n);
	}
	if (w.fd >= 0) {
		wbuf_flush(&w);
		if (close(w.fd) != 0)
			w.failed = true;
	}
	if (too_big) {
		unlink(tmp);
		reply(c, "552 5.3.4 Error: message too big");
	} else if (w.fd < 0 || w.failed || rename(tmp, dst) != 0) {
		unlink(tmp);
		reply(c, "451 4.3.0 Error: cannot store the message");
	} else
		reply(c, "250 2.0.0 queued as sink-%lu",
		    (unsigned long)atomic_load(&seq));
	g_free(tmp);
	g_free(dst);
	txn_reset(c);
	return true;
}

static bool
start_tls(struct conn *c)
{
	int r;

	reply(c, "220 2.0.0 Ready to start TLS");
	flush_out(c);
	/* Anything pipelined after STARTTLS is discarded (RFC 3207 4.2). */
	c->ipos = c->ilen = 0;
	if (gnutls_init(&c->tls, GNUTLS_SERVER) != GNUTLS_E_SUCCESS) {
		c->tls = NULL;
		return false;
	}
	gnutls_priority_set(c->tls, prio);
	gnutls_credentials_set(c->tls, GNUTLS_CRD_CERTIFICATE, cred);
	gnutls_certificate_server_set_request(c->tls, GNUTLS_CERT_IGNORE);
	gnutls_transport_set_int(c->tls, c->fd);
	gnutls_handshake_set_timeout(c->tls, GNUTLS_DEFAULT_HANDSHAKE_TIMEOUT);
	do
		r = gnutls_handshake(c->tls);
	while (r < 0 && !gnutls_error_is_fatal(r));
	if (r < 0) {
		fprintf(stderr, "bench-sink: TLS handshake: %s\n",
		    gnutls_strerror(r));
		return false;
	}
	c->helo = false;
	c->authed = false;
	txn_reset(c);
	return true;
}

/* A base64 line, decoded (g_malloc'd, NUL added); NULL when it is "*". */
static char *
b64_line(const char *s, gsize *len_r)
{
	char *copy;
	guchar *out;

	if (strcmp(s, "*") == 0)
		return NULL;
	if (strlen(s) < 2) { /* "" or "=": empty (g_base64 wants more) */
		*len_r = 0;
		return g_strdup("");
	}
	copy = g_strdup(s);
	out = g_base64_decode_inplace(copy, len_r);
	out[*len_r] = '\0';
	return (char *)out;
}

/* The next command line, CR LF removed, NUL-terminated (g_malloc'd);
 * NULL at the end of the stream. */
static char *
read_cmd(struct conn *c, bool *too_long)
{
	char *line;
	ssize_t n = next_line(c, &line);

	*too_long = false;
	if (n <= 0)
		return NULL;
	if (line[n - 1] != '\n' || n > SINK_MAX_CMD) {
		/* Skip to its end. */
		*too_long = true;
		while (line[n - 1] != '\n')
			if ((n = next_line(c, &line)) <= 0)
				return NULL;
		return g_strdup("");
	}
	n--;
	if (n > 0 && line[n - 1] == '\r')
		n--;
	return g_strndup(line, n);
}

static void
auth_check(struct conn *c, const char *user, const char *pass)
{
	if (user && pass && strcmp(user, SINK_USER) == 0 &&
	    strcmp(pass, SINK_PASSWORD) == 0) {
		c->authed = true;
		reply(c, "235 2.7.0 Authentication successful");
	} else
		reply(c, "535 5.7.8 Authentication credentials invalid");
}

/* AUTH PLAIN or LOGIN, with or without an initial response.  false when
 * the stream ended. */
static bool
do_auth(struct conn *c, char *args)
{
	char *mech = args, *ir = strchr(args, ' '), *line = NULL;
	bool too_long;
	gsize len;

	if (ir)
		*ir++ = '\0';
	if (!c->tls) {
		reply(c, "538 5.7.11 Encryption required");
		return true;
	}
	if (c->authed) {
		reply(c, "503 5.5.1 Already authenticated");
		return true;
	}
	if (g_ascii_strcasecmp(mech, "PLAIN") == 0) {
		char *dec, *user, *pass;

		if (!ir) {
			reply(c, "334 ");
			if (!(line = read_cmd(c, &too_long)))
				return false;
			ir = line;
		}
		if (!(dec = b64_line(ir, &len))) {
			reply(c, "501 5.7.0 Auth aborted");
			g_free(line);
			return true;
		}
		/* authzid NUL authcid NUL passwd (RFC 4616) */
		user = memchr(dec, '\0', len);
		pass = user && (size_t)(user - dec) + 1 < len ?
		    memchr(user + 1, '\0', len - (user + 1 - dec)) : NULL;
		auth_check(c, pass ? user + 1 : NULL, pass ? pass + 1 : NULL);
		g_free(dec);
		g_free(line);
		return true;
	}
	if (g_ascii_strcasecmp(mech, "LOGIN") == 0) {
		char *user, *pass, *l2;

		if (!ir) {
			reply(c, "334 VXNlcm5hbWU6"); /* "Username:" */
			if (!(line = read_cmd(c, &too_long)))
				return false;
			ir = line;
		}
		user = b64_line(ir, &len);
		g_free(line);
		if (!user) {
			reply(c, "501 5.7.0 Auth aborted");
			return true;
		}
		reply(c, "334 UGFzc3dvcmQ6"); /* "Password:" */
		if (!(l2 = read_cmd(c, &too_long))) {
			g_free(user);
			return false;
		}
		pass = b64_line(l2, &len);
		g_free(l2);
		if (!pass)
			reply(c, "501 5.7.0 Auth aborted");
		else
			auth_check(c, user, pass);
		g_free(user);
		g_free(pass);
		return true;
	}
	reply(c, "504 5.5.4 Unrecognized authentication type");
	return true;
}

/* One command; false to end the session. */
static bool
command(struct conn *c, char *line)
{
	char *verb = line, *args = strchr(line, ' ');

	if (args)
		*args++ = '\0';
	else
		args = line + strlen(line);
	if (!g_ascii_strcasecmp(verb, "EHLO")) {
		txn_reset(c);
		c->helo = true;
		reply(c, "250-bench-sink");
		reply(c, "250-SIZE %ld", SINK_MAX_DATA);
		reply(c, "250-8BITMIME");
		reply(c, "250-ENHANCEDSTATUSCODES");
		reply(c, "250-PIPELINING");
		if (c->tls)
			reply(c, "250 AUTH PLAIN LOGIN");
		else
			reply(c, "250 STARTTLS");
	} else if (!g_ascii_strcasecmp(verb, "HELO")) {
		txn_reset(c);
		c->helo = true;
		reply(c, "250 bench-sink");
	} else if (!g_ascii_strcasecmp(verb, "STARTTLS")) {
		if (c->tls)
			reply(c, "503 5.5.1 TLS already active");
		else if (!start_tls(c))
			return false;
	} else if (!g_ascii_strcasecmp(verb, "AUTH")) {
		return do_auth(c, args);
	} else if (!g_ascii_strcasecmp(verb, "MAIL")) {
		char *a;

		if (!c->helo)
			reply(c, "503 5.5.1 Error: send HELO first");
		else if (c->in_mail)
			reply(c, "503 5.5.1 Error: nested MAIL command");
		else if (g_ascii_strncasecmp(args, "FROM:", 5) != 0 ||
		    !(a = path_arg(args + 5)))
			reply(c, "501 5.5.4 Syntax: MAIL FROM: <address>");
		else {
			c->from = a;
			c->in_mail = true;
			reply(c, "250 2.1.0 OK");
		}
	} else if (!g_ascii_strcasecmp(verb, "RCPT")) {
		char *a;

		if (!c->in_mail)
			reply(c, "503 5.5.1 Error: need MAIL command");
		else if (g_ascii_strncasecmp(args, "TO:", 3) != 0 ||
		    !(a = path_arg(args + 3)) || !*a)
			reply(c, "501 5.5.4 Syntax: RCPT TO: <address>");
		else if (ends_with_ci(a, "@reject.test")) {
			reply(c, "550 5.1.1 <%s>: user unknown", a);
			g_free(a);
		} else if (ends_with_ci(a, "@tempfail.test")) {
			reply(c, "451 4.3.0 try again later");
			g_free(a);
		} else if (c->nrcpt >= SINK_MAX_RCPTS) {
			reply(c, "452 4.5.3 Error: too many recipients");
			g_free(a);
		} else {
			if (c->nrcpt++)
				g_string_append(c->rcpts, ", ");
			g_string_append(c->rcpts, a);
			g_free(a);
			reply(c, "250 2.1.5 OK");
		}
	} else if (!g_ascii_strcasecmp(verb, "DATA")) {
		if (!c->in_mail || c->nrcpt == 0)
			reply(c, "503 5.5.1 Error: need RCPT command");
		else {
			reply(c, "354 End data with <CR><LF>.<CR><LF>");
			return do_data(c);
		}
	} else if (!g_ascii_strcasecmp(verb, "RSET")) {
		txn_reset(c);
		reply(c, "250 2.0.0 OK");
	} else if (!g_ascii_strcasecmp(verb, "NOOP")) {
		reply(c, "250 2.0.0 OK");
	} else if (!g_ascii_strcasecmp(verb, "QUIT")) {
		reply(c, "221 2.0.0 Bye");
		return false;
	} else
		reply(c, "500 5.5.2 Error: command not recognized");
	return true;
}

static void *
session(void *arg)
{
	struct conn *c = arg;
	char *line;
	bool too_long;

	c->rcpts = g_string_new(NULL);
	reply(c, "220 bench-sink ESMTP");
	while ((line = read_cmd(c, &too_long)) != NULL) {
		bool go_on = true;

		if (too_long)
			reply(c, "500 5.5.2 Error: line too long");
		else
			go_on = command(c, line);
		g_free(line);
		if (!go_on || c->broken)
			break;
	}
	flush_out(c);
	if (c->tls) {
		if (!c->broken)
			gnutls_bye(c->tls, GNUTLS_SHUT_WR);
		gnutls_deinit(c->tls);
	}
	close(c->fd);
	txn_reset(c);
	g_string_free(c->rcpts, TRUE);
	g_free(c);
	return NULL;
}

int
main(int argc, char **argv)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	pthread_attr_t attr;
	int one = 1, lfd, r;
	char *sub;

	if (argc != 5) {
		fprintf(stderr, "usage: bench-sink PORT MAILDIR CERT KEY\n");
		return 2;
	}
	maildir = argv[2];
	for (const char *const *d = (const char *const[]){ "", "tmp", "new",
	    "cur", NULL }; *d; d++) {
		sub = g_build_filename(maildir, *d, NULL);
		if (g_mkdir_with_parents(sub, 0755) != 0) {
			fprintf(stderr, "bench-sink: %s: %s\n", sub,
			    strerror(errno));
			return 1;
		}
		g_free(sub);
	}
	signal(SIGPIPE, SIG_IGN);
	if ((r = gnutls_global_init()) < 0 ||
	    (r = gnutls_certificate_allocate_credentials(&cred)) < 0 ||
	    (r = gnutls_certificate_set_x509_key_file(cred, argv[3], argv[4],
	    GNUTLS_X509_FMT_PEM)) < 0 ||
	    (r = gnutls_priority_init(&prio, NULL, NULL)) < 0) {
		fprintf(stderr, "bench-sink: TLS setup: %s\n",
		    gnutls_strerror(r));
		return 1;
	}
	sa.sin_port = htons((uint16_t)atoi(argv[1]));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
	    bind(lfd, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    listen(lfd, 128) != 0) {
		fprintf(stderr, "bench-sink: port %s: %s\n", argv[1],
		    strerror(errno));
		return 1;
	}
	printf("smtp sink on 127.0.0.1:%s\n", argv[1]);
	fflush(stdout);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&attr, 512 * 1024);
	for (;;) {
		struct timeval tv = { .tv_sec = SINK_IDLE_TIMEOUT };
		struct conn *c;
		pthread_t t;
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED ||
			    errno == EMFILE || errno == ENFILE)
				continue;
			fprintf(stderr, "bench-sink: accept: %s\n",
			    strerror(errno));
			return 1;
		}
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
		c = g_new0(struct conn, 1);
		c->fd = fd;
		if (pthread_create(&t, &attr, session, c) != 0) {
			close(fd);
			g_free(c);
		}
	}
}
