/* unit_net: the IMAP source and SMTP sink against a private Dovecot and
 * SMTP sink (contrib/mailtest-env.sh DIR 21000).  The tests run in a child
 * process so the parent stops the servers whatever happens to them. */
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <glib.h>
#include <libetpan/libetpan.h>
#include "sink.h"
#include "source.h"
#include "tap.h"

#define BASE "21000"
#define IMAP 21143
#define IMAPS 21993
#define LMTP 21024
#define SMTP 21025

static char dir[] = "/tmp/pd-net-XXXXXX";
static char *cafile;

static int
env_run(const char *cmd)
{
	char *script = g_build_filename(TOP_SRCDIR, "contrib",
	    "mailtest-env.sh", NULL);
	char *argv[] = { "/bin/bash", script, (char *)cmd, dir, BASE, NULL };
	int status = -1;

	g_spawn_sync(NULL, argv, NULL, G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL,
	    NULL, NULL, &status, NULL);
	g_free(script);
	return status == 0;
}

/* The flags of every message in user's INBOX, as doveadm shows them. */
static char *
flags_of(const char *user)
{
	char *conf = g_build_filename(dir, "dovecot.conf", NULL), *out = NULL;
	char *argv[] = { "doveadm", "-c", conf, "fetch", "-u", (char *)user,
	    "flags", "mailbox", "INBOX", "all", NULL };

	g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &out,
	    NULL, NULL, NULL);
	g_free(conf);
	return out ? out : g_strdup("");
}

static int
doveadm_kick(const char *user)
{
	char *conf = g_build_filename(dir, "dovecot.conf", NULL);
	char *argv[] = { "doveadm", "-c", conf, "kick", (char *)user, NULL };
	int status = -1;

	g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH |
	    G_SPAWN_STDOUT_TO_DEV_NULL, NULL, NULL, NULL, NULL, &status, NULL);
	g_free(conf);
	return status == 0;
}

static char *
dovecot_log(void)
{
	char *path = g_build_filename(dir, "dovecot.log", NULL), *out = NULL;

	g_file_get_contents(path, &out, NULL, NULL);
	g_free(path);
	return out ? out : g_strdup("");
}

static int
inject(const char *rcpt, const char *subject)
{
	char *msg = g_strdup_printf("From: c@example.test\r\nTo: %s\r\n"
	    "Subject: %s\r\nMessage-ID: <%s.%ld@t>\r\n\r\nbody\r\n", rcpt,
	    subject, subject, (long)time(NULL));
	mailsmtp *m = mailsmtp_new(0, NULL);
	clist *rl = clist_new();
	int code[1] = { 0 };

	mailsmtp_set_timeout(m, 10);
	clist_append(rl, (void *)rcpt);
	if (mailsmtp_socket_connect(m, "127.0.0.1", LMTP) == 0 &&
	    mailesmtp_lhlo(m, "test") == 0 &&
	    mailsmtp_mail(m, "c@example.test") == 0 &&
	    mailsmtp_rcpt(m, rcpt) == 0 && mailsmtp_data(m) == 0)
		maillmtp_data_message(m, msg, strlen(msg), rl, code);
	if (m->stream)
		mailsmtp_quit(m);
	mailsmtp_free(m);
	clist_free(rl);
	g_free(msg);
	return code[0] == 250;
}

static struct pd_source
src_make(const char *user, enum pd_tls tls, const char *host)
{
	struct pd_source s = {
		.name = "test", .folder = "INBOX", .after = PD_AFTER_MOVE,
		.processed_folder = "Processed",
		.quarantine_folder = "Quarantine",
		.poll_interval = 2, .idle = true,
		.ep = { .host = (char *)host, .tls = tls, .tls_verify = true,
		    .ca_file = cafile, .user = (char *)user,
		    .password = "secret", .timeout = 10 },
	};

	s.ep.port = tls == PD_TLS_IMPLICIT ? IMAPS : IMAP;
	return s;
}

/* Opens, expecting want; closes unless conn_r. Returns the error text. */
static char *
try_open(struct pd_source *s, enum src_status want, const char *name,
    struct source_conn **conn_r)
{
	struct source_conn *c = NULL;
	char *err = NULL;

	ok(source_imap.open(s, &c, &err) == want, "%s", name);
	if (err)
		printf("# %s\n", err);
	if (conn_r)
		*conn_r = c;
	else
		source_imap.close(&c);
	return err;
}

static void
t_connect(void)
{
	struct pd_source s = src_make("conn@example.test", PD_TLS_IMPLICIT,
	    "localhost");
	char *err, *log;

	g_free(try_open(&s, SRC_OK, "IMAPS with ca_file", NULL));
	s = src_make("conn@example.test", PD_TLS_STARTTLS, "127.0.0.1");
	s.ep.auth = "plain";
	g_free(try_open(&s, SRC_OK, "STARTTLS + AUTHENTICATE PLAIN", NULL));
	s = src_make("mismatch@example.test", PD_TLS_IMPLICIT, "127.0.0.2");
	err = try_open(&s, SRC_TEMP, "IMAPS host mismatch refused", NULL);
	ok(err && strstr(err, "does not match"), "mismatch reason");
	g_free(err);
	s = src_make("mismatch@example.test", PD_TLS_STARTTLS, "127.0.0.2");
	g_free(try_open(&s, SRC_TEMP, "STARTTLS host mismatch refused", NULL));
	s = src_make("mismatch@example.test", PD_TLS_IMPLICIT, "localhost");
	s.ep.ca_file = NULL;
	err = try_open(&s, SRC_TEMP, "unknown CA refused", NULL);
	ok(err && strstr(err, "not trusted"), "unknown CA reason");
	g_free(err);
	log = dovecot_log();
	ok(strstr(log, "mismatch@") == NULL, "no login sent after a refusal");
	g_free(log);
	s = src_make("conn@example.test", PD_TLS_STARTTLS, "localhost");
	s.ep.password = "wrong";
	g_free(try_open(&s, SRC_TEMP, "bad password fails", NULL));
	s = src_make("conn@example.test", PD_TLS_NONE, "127.0.0.1");
	s.ep.port = 1;
	g_free(try_open(&s, SRC_TEMP, "nothing listening fails", NULL));
}

static size_t
count(const char *user, const char *folder)
{
	struct pd_source s = src_make(user, PD_TLS_IMPLICIT, "localhost");
	struct source_conn *c = NULL;
	GArray *uids = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	uint32_t uv = 0;
	char *err = NULL;
	size_t n = (size_t)-1;

	/* Flag mode lists everything and creates no Processed folder. */
	s.folder = (char *)folder;
	s.after = PD_AFTER_FLAG;
	if (source_imap.open(&s, &c, &err) == SRC_OK &&
	    source_imap.list(c, &uv, uids, &err) == SRC_OK)
		n = uids->len;
	source_imap.close(&c);
	g_free(err);
	g_array_free(uids, TRUE);
	return n;
}

static void
t_move(void)
{
	struct pd_source s = src_make("move@example.test", PD_TLS_STARTTLS,
	    "localhost");
	GArray *uids = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	GByteArray *raw = g_byte_array_new();
	struct source_conn *c = NULL;
	uint32_t uv = 0, u0;
	size_t size = 0;
	char *err = NULL, *flags;

	ok(inject("move@example.test", "one") &&
	    inject("move@example.test", "two"), "two messages injected");
	g_free(try_open(&s, SRC_OK, "open move source", &c));
	if (c == NULL)
		goto out;
	ok(source_imap.list(c, &uv, uids, &err) == SRC_OK && uids->len == 2 &&
	    uv != 0, "list: 2 uids, uidvalidity %u", uv);
	if (uids->len != 2)
		goto out;
	u0 = g_array_index(uids, uint32_t, 0);
	ok(u0 < g_array_index(uids, uint32_t, 1), "uids ascending");
	ok(source_imap.fetch(c, u0, 1 << 20, raw, &size, &err) == SRC_OK &&
	    raw->len == size && size > 0, "fetch %zu bytes", size);
	g_byte_array_append(raw, (const guint8 *)"", 1);
	ok(strstr((char *)raw->data, "Subject: one") != NULL, "right body");
	flags = flags_of("move@example.test");
	ok(strstr(flags, "\\Seen") == NULL, "fetch did not set \\Seen");
	g_free(flags);
	ok(source_imap.fetch(c, u0, 10, raw, &size, &err) == SRC_OK &&
	    raw->len == 0 && size > 10, "over max_size: only size %zu", size);
	ok(source_imap.fetch(c, 99999, 1 << 20, raw, &size, &err) ==
	    SRC_MSG_BAD, "missing uid: SRC_MSG_BAD");
	g_free(err);
	err = NULL;
	ok(source_imap.ack(c, u0, "Processed", &err) == SRC_OK, "ack move");
	g_array_set_size(uids, 0);
	ok(source_imap.list(c, &uv, uids, &err) == SRC_OK && uids->len == 1,
	    "one left in INBOX");
	ok(count("move@example.test", "Processed") == 1, "one in Processed");
	ok(count("move@example.test", "Quarantine") == 0, "Quarantine made");
out:
	g_free(err);
	source_imap.close(&c);
	ok(c == NULL, "close sets NULL");
	g_array_free(uids, TRUE);
	g_byte_array_free(raw, TRUE);
}

static void
t_flag(void)
{
	struct pd_source s = src_make("flag@example.test", PD_TLS_IMPLICIT,
	    "127.0.0.1");
	GArray *uids = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	struct source_conn *c = NULL;
	uint32_t uv;
	char *err = NULL, *flags;

	s.after = PD_AFTER_FLAG;
	ok(inject("flag@example.test", "flagme"), "injected for flag mode");
	g_free(try_open(&s, SRC_OK, "open flag source", &c));
	if (c && source_imap.list(c, &uv, uids, &err) == SRC_OK &&
	    uids->len == 1) {
		ok(source_imap.ack(c, g_array_index(uids, uint32_t, 0), NULL,
		    &err) == SRC_OK, "ack flag");
		g_array_set_size(uids, 0);
		ok(source_imap.list(c, &uv, uids, &err) == SRC_OK &&
		    uids->len == 0, "flagged message no longer listed");
	} else
		ok(0, "flag list");
	flags = flags_of("flag@example.test");
	ok(strstr(flags, "\\Seen") && strstr(flags, "$Postdesk"),
	    "\\Seen and $Postdesk set");
	ok(count("flag@example.test", "Processed") == (size_t)-1,
	    "no Processed folder in flag mode");
	g_free(flags);
	g_free(err);
	source_imap.close(&c);
	g_array_free(uids, TRUE);
}

static double
now_s(void)
{
	return g_get_monotonic_time() / 1e6;
}

/* In a child after 1 s: inject a message, or write to fd. */
static void
later(const char *rcpt, int fd)
{
	if (fork() != 0)
		return;
	sleep(1);
	if (rcpt)
		inject(rcpt, "late");
	else if (write(fd, "x", 1) != 1)
		_exit(1);
	_exit(0);
}

static int
readable(int fd)
{
	struct pollfd p = { fd, POLLIN, 0 };

	return poll(&p, 1, 0) == 1;
}

/* Runs wait and returns the seconds it took in *secs_r. */
static enum src_status
timed_wait(struct source_conn *c, int fd, unsigned timeout, double *secs_r)
{
	double t = now_s();
	enum src_status st;
	char *err = NULL;

	st = c ? source_imap.wait(c, fd, timeout, &err) : SRC_TEMP;
	*secs_r = now_s() - t;
	if (err)
		printf("# wait: %s\n", err);
	g_free(err);
	return st;
}

static void
t_wait(void)
{
	struct pd_source s = src_make("wait@example.test", PD_TLS_IMPLICIT,
	    "localhost");
	struct source_conn *c = NULL;
	enum src_status st;
	double secs, total;
	int p[2];

	if (pipe(p) != 0)
		return;
	g_free(try_open(&s, SRC_OK, "open wait source", &c));
	later("wait@example.test", -1);
	st = timed_wait(c, p[0], 60, &secs);
	ok(st == SRC_OK && secs > 0.5 && secs < 20,
	    "IDLE woke on new mail after %.2f s", secs);
	wait(NULL);
	ok(count("wait@example.test", "INBOX") == 1, "and the mail is there");
	/* Wakes without mail are allowed ("may be new mail"): wait until
	 * wake_fd is readable; a missed wake_fd would take the full 60 s. */
	later(NULL, p[1]);
	total = 0;
	do {
		st = timed_wait(c, p[0], 60, &secs);
		total += secs;
	} while (st == SRC_OK && !readable(p[0]) && total < 20);
	ok(st == SRC_OK && readable(p[0]) && total < 20,
	    "woke on wake_fd after %.2f s", total);
	wait(NULL);
	/* A late untagged update of the mail above may still wake one
	 * wait early ("may be new mail"); a working timeout ends one of
	 * three waits after about 2 s, a broken one never or at once. */
	for (int i = 0; i < 3; i++) {
		st = timed_wait(c, -1, 2, &secs);
		if (st != SRC_OK || secs > 1.5)
			break;
		printf("# wait %d woke early, after %.2f s\n", i + 1, secs);
	}
	ok(st == SRC_OK && secs > 1.5 && secs < 10, "timeout after %.2f s",
	    secs);
	source_imap.close(&c);
	s.idle = false;
	g_free(try_open(&s, SRC_OK, "open without IDLE", &c));
	st = timed_wait(c, -1, 60, &secs);
	ok(st == SRC_OK && secs > 1.5 && secs < 10,
	    "poll_interval (2 s) wait %.2f s", secs);
	source_imap.close(&c);
	close(p[0]);
	close(p[1]);
}

static void
t_restart(void)
{
	struct pd_source s = src_make("restart@example.test", PD_TLS_STARTTLS,
	    "localhost");
	GArray *uids = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	struct source_conn *c = NULL;
	uint32_t uv;
	char *err = NULL;

	g_free(try_open(&s, SRC_OK, "open before restart", &c));
	/* A master restart leaves running imap processes alone: kick. */
	ok(doveadm_kick("restart@example.test") && env_run("restart-imap"),
	    "connection kicked, dovecot restarted");
	ok(c && source_imap.list(c, &uv, uids, &err) == SRC_TEMP,
	    "old connection: SRC_TEMP");
	printf("# %s\n", err ? err : "");
	g_free(err);
	err = NULL;
	ok(c && source_imap.wait(c, -1, 5, &err) == SRC_TEMP,
	    "dead connection stays SRC_TEMP");
	g_free(err);
	source_imap.close(&c);
	g_free(try_open(&s, SRC_OK, "new open works", NULL));
	g_array_free(uids, TRUE);
}

static enum sink_status
send1(struct pd_endpoint *ep, const char *from, const char *rcpt,
    const char *expect, const char *name)
{
	const char *rcpts[] = { rcpt };
	const char *msg = "From: gw@example.test\nSubject: sent\n\nhello\n";
	enum sink_status st;
	char *err = NULL;

	st = sink_smtp.send(ep, "gw.example.test", from, rcpts, 1, msg,
	    strlen(msg), &err);
	printf("# %s: %s\n", name, err ? err : "ok");
	if (expect)
		ok(err && strstr(err, expect), "%s: reply in error", name);
	g_free(err);
	return st;
}

static void
t_smtp(void)
{
	struct pd_endpoint ep = { .host = "127.0.0.1", .port = SMTP,
	    .tls = PD_TLS_STARTTLS, .tls_verify = true, .ca_file = cafile,
	    .user = "gateway", .password = "gwpass", .timeout = 10 };
	time_t t0;

	ok(send1(&ep, "gw@example.test", "smtp@example.test", NULL,
	    "STARTTLS+AUTH") == SINK_OK, "send ok");
	ok(count("smtp@example.test", "INBOX") == 1, "landed in the mailbox");
	ok(send1(&ep, "", "smtp@example.test", NULL, "null sender") ==
	    SINK_OK, "null sender ok");
	ok(send1(&ep, "gw@example.test", "x@reject.test", "550", "reject") ==
	    SINK_PERM, "550 is SINK_PERM");
	ok(send1(&ep, "gw@example.test", "x@tempfail.test", "451",
	    "tempfail") == SINK_TEMP, "451 is SINK_TEMP");
	ok(send1(&ep, "gw@example.test", "a@b\r\nQUIT", NULL, "crlf") ==
	    SINK_PERM, "CRLF address is SINK_PERM");
	ep.password = "bad";
	ok(send1(&ep, "gw@example.test", "smtp@example.test", "535",
	    "bad auth") != SINK_OK, "bad AUTH fails");
	ep.password = "gwpass";
	ep.ca_file = NULL;
	ok(send1(&ep, "gw@example.test", "smtp@example.test", "not trusted",
	    "unknown CA") == SINK_TEMP, "unknown CA refused");
	ep.ca_file = cafile;
	/* Only Dovecot listens on 127.0.0.2: implicit TLS there is checked
	 * before a byte of the (IMAP) greeting is read. */
	ep.host = "127.0.0.2";
	ep.port = IMAPS;
	ep.tls = PD_TLS_IMPLICIT;
	ok(send1(&ep, "gw@example.test", "smtp@example.test",
	    "does not match", "mismatch") == SINK_TEMP, "mismatch refused");
	ep.host = "127.0.0.1";
	ep.port = SMTP;
	ep.tls = PD_TLS_STARTTLS;
	ok(env_run("stop-smtp"), "smtp sink stopped");
	t0 = time(NULL);
	ok(send1(&ep, "gw@example.test", "smtp@example.test", NULL, "down") ==
	    SINK_TEMP && time(NULL) - t0 < 5, "server down: SINK_TEMP quickly");
	ok(env_run("start-smtp"), "smtp sink started");
	ok(count("smtp@example.test", "INBOX") == 2, "two in the mailbox");
}

static int
run_tests(void)
{
	signal(SIGPIPE, SIG_IGN);
	is_str(source_imap.name, "imap", "source driver name");
	is_str(sink_smtp.name, "smtp", "sink driver name");
	t_connect();
	t_move();
	t_flag();
	t_wait();
	t_smtp();
	t_restart();
	return tap_done();
}

int
main(void)
{
	char *dove = g_find_program_in_path("dovecot");
	int status = 1;
	pid_t pid;

	if (dove == NULL) {
		printf("1..0 # SKIP dovecot not installed\n");
		return 0;
	}
	g_free(dove);
	/* Dovecot's mail processes run as nobody and must reach home/. */
	if (mkdtemp(dir) == NULL || chmod(dir, 0755) != 0 ||
	    !env_run("start")) {
		printf("1..0 # SKIP cannot start the mail test env\n");
		env_run("stop");
		return 0;
	}
	cafile = g_build_filename(dir, "cert.pem", NULL);
	fflush(stdout);
	if ((pid = fork()) == 0) {
		status = run_tests();
		fflush(stdout);
		_exit(status);
	}
	waitpid(pid, &status, 0);
	env_run("stop");
	if (!WIFEXITED(status)) {
		printf("not ok - tests died (status %d)\n", status);
		return 1;
	}
	if (getenv("PD_KEEP") == NULL) {
		char *argv[] = { "rm", "-rf", dir, NULL };
		g_spawn_sync(NULL, argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL,
		    NULL, NULL, NULL, NULL);
	}
	g_free(cafile);
	return WEXITSTATUS(status);
}
