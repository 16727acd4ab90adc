/* unit_smtppool: the outbox over the real SMTP sink (sink_smtp.c) against
 * a small plaintext SMTP server in this process that counts connections
 * (outbox.h, sink.h): a batch of mails goes over one session; a server
 * that closes the session mid-batch costs a reconnect and nothing is lost
 * or sent twice; a recipient domain that times out defers only its own
 * rows; RSET only after a failed transaction, never after a 250 for the
 * mail (RFC 5321 4.1.1.4); a 421 to MAIL FROM on a kept session costs a
 * new session, not the mail; a server offering PIPELINING gets MAIL,
 * RCPT and DATA in one write (RFC 2920), and a refused recipient with it
 * delivers nothing. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>
#include "db.h"
#include "outbox.h"
#include "tap.h"

static GMutex lock;
static unsigned connects;     /* sessions accepted */
static unsigned slow_rcpts;   /* RCPT TO for @slow.test seen */
static unsigned close_after;  /* close a session after this many mails */
static GHashTable *got;       /* Message-ID line -> times delivered */
static unsigned rsets;        /* RSET commands seen */
static unsigned refuse_after; /* 421 to MAIL FROM after this many mails */
static bool pipelining;       /* offer PIPELINING in EHLO */
static unsigned pipelined;    /* MAIL lines with the RCPT already sent */

static int
readline(int fd, char *buf, size_t size)
{
	size_t n = 0;

	while (n + 1 < size) {
		char c;

		if (read(fd, &c, 1) != 1)
			return -1;
		buf[n++] = c;
		if (c == '\n')
			break;
	}
	buf[n] = '\0';
	return 0;
}

static void
say(int fd, const char *s)
{
	if (write(fd, s, strlen(s)) < 0)
		return;
}

static void *
session(void *arg)
{
	int fd = GPOINTER_TO_INT(arg);
	char line[1024], *msgid = NULL;
	unsigned mails = 0, accepted = 0;

	say(fd, "220 pool.test ESMTP\r\n");
	while (readline(fd, line, sizeof line) == 0) {
		if (g_ascii_strncasecmp(line, "EHLO", 4) == 0)
			say(fd, pipelining ? "250-pool.test\r\n250-PIPELINING\r\n"
			    "250 8BITMIME\r\n" : "250-pool.test\r\n"
			    "250 8BITMIME\r\n");
		else if (g_ascii_strncasecmp(line, "RCPT", 4) == 0) {
			if (strstr(line, "@reject.test")) {
				say(fd, "550 5.1.1 unknown\r\n");
				continue;
			}
			if (strstr(line, "@slow.test")) {
				g_mutex_lock(&lock);
				slow_rcpts++;
				g_mutex_unlock(&lock);
				sleep(5); /* past the client's timeout */
			}
			say(fd, "250 ok\r\n");
		} else if (g_ascii_strncasecmp(line, "DATA", 4) == 0) {
			say(fd, "354 go\r\n");
			while (readline(fd, line, sizeof line) == 0 &&
			    strcmp(line, ".\r\n") != 0)
				if (g_ascii_strncasecmp(line, "Message-ID:",
				    11) == 0 && !msgid)
					msgid = g_strdup(g_strstrip(line));
			g_mutex_lock(&lock);
			if (msgid)
				g_hash_table_replace(got, msgid, GUINT_TO_POINTER(
				    GPOINTER_TO_UINT(g_hash_table_lookup(got,
				    msgid)) + 1));
			g_mutex_unlock(&lock);
			msgid = NULL;
			say(fd, "250 queued\r\n");
			accepted++;
			if (close_after && ++mails >= close_after)
				break; /* as a server limiting mails per session */
		} else if (g_ascii_strncasecmp(line, "MAIL", 4) == 0 &&
		    refuse_after && accepted >= refuse_after) {
			/* As a server ending an idle or long session. */
			say(fd, "421 4.4.2 closing\r\n");
			break;
		} else if (g_ascii_strncasecmp(line, "MAIL", 4) == 0) {
			char peek[5] = "";

			/* The client wrote RCPT with MAIL when it is already
			 * here, unread (this server reads a byte at a time). */
			if (recv(fd, peek, 4, MSG_PEEK | MSG_DONTWAIT) == 4 &&
			    g_ascii_strncasecmp(peek, "RCPT", 4) == 0) {
				g_mutex_lock(&lock);
				pipelined++;
				g_mutex_unlock(&lock);
			}
			say(fd, "250 ok\r\n");
		} else if (g_ascii_strncasecmp(line, "RSET", 4) == 0) {
			g_mutex_lock(&lock);
			rsets++;
			g_mutex_unlock(&lock);
			say(fd, "250 ok\r\n");
		} else if (g_ascii_strncasecmp(line, "QUIT", 4) == 0) {
			say(fd, "221 bye\r\n");
			break;
		} else
			say(fd, "250 ok\r\n"); /* NOOP */
	}
	close(fd);
	return NULL;
}

static void *
listener(void *arg)
{
	int s = GPOINTER_TO_INT(arg), fd;

	while ((fd = accept(s, NULL, NULL)) >= 0) {
		pthread_t t;

		g_mutex_lock(&lock);
		connects++;
		g_mutex_unlock(&lock);
		pthread_create(&t, NULL, session, GINT_TO_POINTER(fd));
		pthread_detach(t);
	}
	return NULL;
}

static uint16_t
server_start(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof sa;
	pthread_t t;
	int s = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    listen(s, 16) != 0 || getsockname(s, (struct sockaddr *)&sa,
	    &sl) != 0)
		return 0;
	pthread_create(&t, NULL, listener, GINT_TO_POINTER(s));
	pthread_detach(t);
	return ntohs(sa.sin_port);
}

static void
queue(sqlite3 *db, const char *tag, const char *rcpt, int n)
{
	for (int i = 0; i < n; i++) {
		char *data = g_strdup_printf("Message-ID: <%s%d@x>\r\n"
		    "Subject: hi\r\n\r\nHi\r\n", tag, i);

		outbox_add(db, 0, "ack", "m@x", "", rcpt, data, strlen(data));
		g_free(data);
	}
}

static unsigned
delivered(const char *tag, int i)
{
	char *k = g_strdup_printf("Message-ID: <%s%d@x>", tag, i);
	unsigned n;

	g_mutex_lock(&lock);
	n = GPOINTER_TO_UINT(g_hash_table_lookup(got, k));
	g_mutex_unlock(&lock);
	g_free(k);
	return n;
}

/* Each of n mails tagged tag delivered exactly once. */
static bool
each_once(const char *tag, int n)
{
	for (int i = 0; i < n; i++)
		if (delivered(tag, i) != 1)
			return false;
	return true;
}

static int64_t
count(sqlite3 *db, const char *where)
{
	int64_t n = -1;
	char *sql = g_strdup_printf("SELECT COUNT(*) FROM outbox WHERE %s",
	    where);

	db_int(db, &n, sql, "");
	g_free(sql);
	return n;
}

static unsigned
rsets_now(void)
{
	unsigned n;

	g_mutex_lock(&lock);
	n = rsets;
	g_mutex_unlock(&lock);
	return n;
}

static unsigned
connects_now(void)
{
	unsigned n;

	g_mutex_lock(&lock);
	n = connects;
	g_mutex_unlock(&lock);
	return n;
}

static sqlite3 *
fresh_db(const char *dir, const char *name)
{
	char *path = g_build_filename(dir, name, NULL);
	char *err = NULL;
	sqlite3 *db = NULL;

	if (db_open(path, &db, &err) != 0) {
		printf("# %s\n", err);
		exit(1);
	}
	g_free(path);
	return db;
}

int
main(void)
{
	struct pd_config cfg = { 0 };
	struct outbox_sender s = { 0 };
	char dir[] = "/tmp/unit_smtppool.XXXXXX";
	sqlite3 *db;
	unsigned c0;
	gint64 t0;
	double el;

	signal(SIGPIPE, SIG_IGN);
	got = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	if (!g_mkdtemp(dir))
		return 1;
	cfg.smtp.host = "127.0.0.1";
	cfg.smtp.tls = PD_TLS_NONE;
	cfg.smtp.timeout = 2;
	cfg.smtp_helo = "gw.example.test";
	if ((cfg.smtp.port = server_start()) == 0) {
		ok(0, "test SMTP server");
		return tap_done();
	}

	/* 1. A batch over one session. */
	db = fresh_db(dir, "a.db");
	queue(db, "a", "client@fast.test", 30);
	outbox_send(db, &cfg, &sink_smtp, &s, 5);
	ok(each_once("a", 30), "one session: every mail delivered once");
	ok(connects_now() == 1, "one session: 30 mails over %u connection(s)",
	    connects_now());
	ok(s.pool.reused == 29, "one session: reused for 29 mails (%u)",
	    s.pool.reused);
	ok(count(db, "status = 'sent'") == 30, "one session: all recorded sent");
	ok(rsets_now() == 0 && s.pool.rsets == 0, "one session: no RSET after "
	    "mails accepted with 250 (%u)", rsets_now());
	queue(db, "b", "client@fast.test", 5);
	outbox_send(db, &cfg, &sink_smtp, &s, 5);
	ok(each_once("b", 5) && connects_now() == 1,
	    "one session: kept for the next batch (%u connection(s))",
	    connects_now());

	/* 2. The server closes the session after every 7 mails. */
	close_after = 7;
	c0 = connects_now();
	queue(db, "c", "client@fast.test", 20);
	outbox_send(db, &cfg, &sink_smtp, &s, 5);
	ok(each_once("c", 20), "closed mid-batch: each of 20 mails delivered "
	    "exactly once");
	/* The kept session of part 1 carries 7, then two new ones 7 and 6. */
	ok(connects_now() - c0 == 2,
	    "closed mid-batch: reconnected (%u new sessions)",
	    connects_now() - c0);
	ok(count(db, "status = 'sent'") == 55 &&
	    count(db, "status = 'pending'") == 0,
	    "closed mid-batch: all recorded sent, none pending");
	close_after = 0;
	db_close(&db);

	/* 3. One domain times out: only its rows wait (its rows come first
	 * in the batch, the worst case). */
	db = fresh_db(dir, "b.db");
	queue(db, "s", "client@slow.test", 2);
	queue(db, "f", "client@fast.test", 5);
	t0 = g_get_monotonic_time();
	outbox_send(db, &cfg, &sink_smtp, &s, 5);
	el = (g_get_monotonic_time() - t0) / 1e6;
	ok(each_once("f", 5), "slow domain: the other domain's mail went out");
	ok(el < 3.5, "slow domain: one timeout (2 s) paid, not one per row "
	    "(%.1f s)", el);
	ok(slow_rcpts == 1, "slow domain: its second row was not tried (%u "
	    "RCPT)", slow_rcpts);
	ok(count(db, "status = 'pending' AND rcpt = 'client@slow.test' AND "
	    "next_attempt > CAST(strftime('%s') AS INTEGER)") == 2,
	    "slow domain: both its rows deferred");
	queue(db, "g", "client@fast.test", 1);
	queue(db, "t", "client@slow.test", 1);
	t0 = g_get_monotonic_time();
	outbox_send(db, &cfg, &sink_smtp, &s, 5);
	el = (g_get_monotonic_time() - t0) / 1e6;
	ok(each_once("g", 1) && delivered("t", 0) == 0 && slow_rcpts == 1,
	    "slow domain: new mail to it waits untried, the other's goes "
	    "(%u RCPT)", slow_rcpts);
	ok(el < 0.9, "slow domain: no timeout paid the second time (%.2f s)",
	    el);
	ok(count(db, "rcpt = 'client@slow.test' AND attempts = 0 AND "
	    "status = 'pending'") == 1, "slow domain: the waiting row's "
	    "attempts are not counted");
	db_close(&db);

	/* 4. RSET after a refused transaction only; a 421 to MAIL FROM on
	 * the kept session (the server ending it) costs a new session and
	 * the mail goes out on it. */
	db = fresh_db(dir, "c.db");
	queue(db, "r", "client@reject.test", 1);
	queue(db, "h", "client@fast.test", 2);
	c0 = rsets_now();
	outbox_send(db, &cfg, &sink_smtp, &s, 5);
	ok(each_once("h", 2) && count(db, "status = 'failed'") == 1,
	    "refused recipient: failed, the next mails sent");
	ok(rsets_now() - c0 == 1, "refused recipient: one RSET after it, "
	    "none after the mails accepted (%u)", rsets_now() - c0);
	refuse_after = 2;
	c0 = connects_now();
	queue(db, "i", "client@fast.test", 5);
	outbox_send(db, &cfg, &sink_smtp, &s, 5);
	ok(each_once("i", 5) && count(db, "status = 'sent'") == 7 &&
	    count(db, "status = 'pending'") == 0,
	    "421 to MAIL FROM: each of 5 mails delivered once and recorded "
	    "sent");
	ok(connects_now() - c0 >= 2, "421 to MAIL FROM: new sessions (%u)",
	    connects_now() - c0);
	refuse_after = 0;
	db_close(&db);

	/* 5. PIPELINING offered: one write for MAIL, RCPT and DATA; this
	 * server answers DATA with 354 even after refusing the recipient,
	 * and the client then drops the session rather than send. */
	outbox_sender_clear(&s);
	pipelining = true;
	db = fresh_db(dir, "d.db");
	queue(db, "p", "client@fast.test", 3);
	queue(db, "q", "client@reject.test", 1);
	queue(db, "u", "client@fast.test", 2);
	c0 = connects_now();
	outbox_send(db, &cfg, &sink_smtp, &s, 5);
	ok(each_once("p", 3) && each_once("u", 2) && delivered("q", 0) == 0,
	    "pipelining: the mails delivered once, the refused one not");
	ok(count(db, "status = 'sent'") == 5 &&
	    count(db, "status = 'failed'") == 1, "pipelining: 5 recorded "
	    "sent, the refused one failed");
	ok(pipelined == 6, "pipelining: MAIL, RCPT, DATA in one write (%u "
	    "of 6)", pipelined);
	ok(connects_now() - c0 == 2, "pipelining: 354 after a refusal drops "
	    "the session (%u sessions)", connects_now() - c0);
	pipelining = false;
	db_close(&db);

	outbox_sender_clear(&s);
	{
		const char *names[] = { "a.db", "b.db", "c.db", "d.db" };
		const char *ext[] = { "", "-wal", "-shm" };

		for (unsigned i = 0; i < G_N_ELEMENTS(names); i++)
			for (unsigned j = 0; j < G_N_ELEMENTS(ext); j++) {
				char *p = g_strdup_printf("%s/%s%s", dir,
				    names[i], ext[j]);

				g_unlink(p);
				g_free(p);
			}
		g_rmdir(dir);
	}
	return tap_done();
}
