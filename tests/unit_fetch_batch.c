/* unit_fetch_batch.c: the fetch loop in batches (fetch.c), with a fake
 * source driver over the real pipeline and a database file.
 *
 * - the sizes of the whole pending set come in one command,
 *   acknowledgements once per batch, bodies in commands of about 1 MB
 *   (one per batch of small mail), and a batch holds at most
 *   FETCH_BATCH_MAX messages and about 4 MB; the last batch of a
 *   backlog is split in halves down to 256 KB;
 * - a UID is acknowledged only when its effects are committed: the fake
 *   driver looks it up through a second connection, which sees only what
 *   is committed;
 * - a poison message (a TEMP trigger makes its store fail) is rolled back
 *   alone: the batch around it commits and is acknowledged, it stays in
 *   the folder; an unparseable and an oversized one go to the quarantine;
 * - crash points: the acknowledgement lost after the commit (the next round
 *   only acknowledges, nothing is stored twice) and the transaction lost
 *   before the commit (nothing acknowledged; the next round stores each
 *   message once);
 * - a processed_folder with strftime(3) conversions is expanded at
 *   acknowledgement time;
 * - two threads: the next batch's bodies are fetched while the batch
 *   before is being filed (a trigger on the filer's connection counts the
 *   rows it inserts, and the fake driver sees that count move during a
 *   body command); a stop or a failed fetch while a batch is filed drops
 *   the batch fetched ahead (it stays in the folder) and never
 *   acknowledges anything uncommitted. */
#include <stdint.h>
#include <time.h>
#include "fixture.h"
#include "clock.h"
#include "fetch.h"
#include "source.h"
#include "tap.h"

/* Rows the filer inserted into messages (the trigger "watch"). */
static gint filed_rows;
static GThread *main_thread;
static gint filed_elsewhere;

static void
note_filed(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	(void)argv;
	if (g_thread_self() != main_thread)
		g_atomic_int_set(&filed_elsewhere, 1);
	/* Slow enough that a body command falls inside a batch's filing. */
	g_usleep(1000);
	g_atomic_int_inc(&filed_rows);
	sqlite3_result_null(ctx);
}

enum where { IN_INBOX, IN_FOLDER };

struct fake_msg {
	uint32_t uid;
	char *raw;
	size_t len;
	enum where where;
	char *folder;		/* where it was moved to */
};

struct source_conn {
	GPtrArray *msgs;	/* of struct fake_msg *, ascending UIDs */
	uint32_t next_uid;
	sqlite3 *peek;		/* a second connection: sees commits only */
	const char *src_name, *src_folder;
	unsigned lists, sizes, bodies, acks, acked_uids;
	size_t max_ack_set, max_body_set, max_body_bytes;
	unsigned uncommitted_acks;	/* UIDs acknowledged before commit */
	int fail_next_ack;		/* the next ack_set "crashes" */
	/* Two threads (5.-7.): body commands of this phase; whether each
	 * after the first saw rows filed while it ran; stop the worker or
	 * fail at this body command of the phase. */
	unsigned phase_bodies, overlapped;
	bool watch;
	unsigned stop_at, fail_at;
	struct worker *w;
};

static struct fake_msg *
find(struct source_conn *c, uint32_t uid)
{
	for (guint i = 0; i < c->msgs->len; i++) {
		struct fake_msg *m = g_ptr_array_index(c->msgs, i);

		if (m->uid == uid)
			return m;
	}
	return NULL;
}

static void
add(struct source_conn *c, char *raw)
{
	struct fake_msg *m = g_new0(struct fake_msg, 1);

	m->uid = c->next_uid++;
	m->raw = raw;
	m->len = strlen(raw);
	g_ptr_array_add(c->msgs, m);
}

static enum src_status
f_list(struct source_conn *c, uint32_t *uidvalidity_r, GArray *uids,
    char **error_r)
{
	*error_r = NULL;
	*uidvalidity_r = 7;
	c->lists++;
	for (guint i = 0; i < c->msgs->len; i++) {
		struct fake_msg *m = g_ptr_array_index(c->msgs, i);

		if (m->where == IN_INBOX)
			g_array_append_val(uids, m->uid);
	}
	return SRC_OK;
}

static enum src_status
f_sizes(struct source_conn *c, const uint32_t *uids, size_t n,
    size_t *sizes, char **error_r)
{
	*error_r = NULL;
	c->sizes++;
	for (size_t i = 0; i < n; i++) {
		struct fake_msg *m = find(c, uids[i]);

		sizes[i] = m && m->where == IN_INBOX ? m->len : SIZE_MAX;
	}
	return SRC_OK;
}

static enum src_status
f_bodies(struct source_conn *c, const uint32_t *uids, size_t n,
    size_t max_size, GByteArray **raws, size_t *sizes, char **error_r)
{
	size_t bytes = 0;

	*error_r = NULL;
	c->bodies++;
	c->phase_bodies++;
	if (c->fail_at && c->phase_bodies == c->fail_at) {
		*error_r = g_strdup("connection lost (simulated)");
		return SRC_TEMP;
	}
	if (c->stop_at && c->phase_bodies == c->stop_at)
		atomic_store(&c->w->stop, 1);
	if (c->watch && c->phase_bodies > 1) {
		/* The batch before is being filed meanwhile: its rows
		 * appear while this command runs (up to 5 s). */
		gint before = g_atomic_int_get(&filed_rows);

		for (int t = 0; t < 5000; t++) {
			if (g_atomic_int_get(&filed_rows) != before) {
				c->overlapped++;
				break;
			}
			g_usleep(1000);
		}
	}
	c->max_body_set = MAX(c->max_body_set, n);
	for (size_t i = 0; i < n; i++) {
		struct fake_msg *m = find(c, uids[i]);

		g_byte_array_set_size(raws[i], 0);
		sizes[i] = SIZE_MAX;
		if (m == NULL || m->where != IN_INBOX)
			continue;
		sizes[i] = m->len;
		if (m->len <= max_size)
			g_byte_array_append(raws[i], (guint8 *)m->raw, m->len);
		bytes += m->len;
	}
	c->max_body_bytes = MAX(c->max_body_bytes, bytes);
	return SRC_OK;
}

static enum src_status
f_ack_set(struct source_conn *c, const uint32_t *uids, size_t n,
    const char *folder, char **error_r)
{
	*error_r = NULL;
	if (c->fail_next_ack) {
		c->fail_next_ack = 0;
		*error_r = g_strdup("connection lost (simulated crash)");
		return SRC_TEMP;
	}
	c->acks++;
	c->acked_uids += n;
	c->max_ack_set = MAX(c->max_ack_set, n);
	for (size_t i = 0; i < n; i++) {
		struct fake_msg *m = find(c, uids[i]);

		if (store_uid_done(c->peek, c->src_name, c->src_folder, 7,
		    uids[i]) != 1)
			c->uncommitted_acks++;
		if (m == NULL)
			continue;
		m->where = IN_FOLDER;
		g_free(m->folder);
		m->folder = g_strdup(folder ? folder : "(flagged)");
	}
	return SRC_OK;
}

static const struct source_driver fake = {
	.name = "fake",
	.list = f_list,
	.sizes = f_sizes,
	.bodies = f_bodies,
	.ack_set = f_ack_set,
};

static unsigned
count_in(struct source_conn *c, enum where w, const char *folder)
{
	unsigned n = 0;

	for (guint i = 0; i < c->msgs->len; i++) {
		struct fake_msg *m = g_ptr_array_index(c->msgs, i);

		if (m->where == w && (folder == NULL ||
		    (m->folder && strcmp(m->folder, folder) == 0)))
			n++;
	}
	return n;
}

static char *
request(unsigned i, const char *subject)
{
	char *h = g_strdup_printf("From: Client %u <c%u@d%u.test>\n"
	    "Subject: %s %u\n", i, i, i, subject, i);
	char *raw = fx_mail(h, "My printer does not print.\n\n"
	    "On Mon, 30 Nov 2026 at 08:00, Support <support@example.test> "
	    "wrote:\n> How can we help?\n");

	g_free(h);
	return raw;
}

static void
fake_msg_free(gpointer p)
{
	struct fake_msg *m = p;

	g_free(m->raw);
	g_free(m->folder);
	g_free(m);
}

int
main(void)
{
	struct fixture fx;
	struct source_conn conn = { 0 };
	struct pd_source src = { .name = "test", .folder = "INBOX",
		.queue = NULL, .after = PD_AFTER_MOVE,
		.processed_folder = "Processed/%Y-%m",
		.quarantine_folder = "Quarantine" };
	struct worker w = { 0 };
	struct fetch f = { 0 };
	char *path, *err = NULL, want_folder[64];
	int64_t stored, tickets, n;
	time_t now;
	struct tm tm;
	unsigned before, bodies, acks;

	g_mime_init();
	if (fx_open(&fx, "", "") != 0)
		return 1;
	/* A database file, so that a second connection sees the commits. */
	db_close(&fx.db);
	path = g_build_filename(fx.dir, "batch.db", NULL);
	if (db_open(path, &fx.db, &err) != 0 ||
	    db_open(path, &conn.peek, &err) != 0 ||
	    db_open(path, &f.ckpt, &err) != 0) {
		printf("# %s\n", err);
		return 1;
	}
	fx.cfg->limits.max_message_size = 64 * 1024;
	w.cfg = fx.cfg;
	w.src = &src;
	f.w = &w;
	f.src = &src;
	f.drv = &fake;
	f.db = fx.db;
	f.conn = &conn;
	conn.msgs = g_ptr_array_new_with_free_func(fake_msg_free);
	conn.next_uid = 1;
	conn.src_name = src.name;
	conn.src_folder = src.folder;
	now = (time_t)pd_now();
	localtime_r(&now, &tm);
	strftime(want_folder, sizeof want_folder, "Processed/%Y-%m", &tm);

	/* 1. 250 requests, a poison one among them, one that is no message
	 * and one over max_message_size. */
	for (unsigned i = 0; i < 250; i++)
		add(&conn, request(i, i == 120 ? "poison" : "Printer"));
	add(&conn, g_strdup("\x01\x02 this is not a mail at all"));
	{
		GString *big = g_string_new(NULL);
		char *h = g_strdup("From: Big <big@big.test>\nSubject: big\n");

		for (int i = 0; i < 2000; i++)
			g_string_append(big, "all work and no play makes "
			    "jack a dull boy\n");
		add(&conn, fx_mail(h, big->str));
		g_free(h);
		g_string_free(big, TRUE);
	}
	sqlite3_exec(fx.db, "CREATE TEMP TRIGGER poison BEFORE INSERT ON "
	    "messages WHEN new.subject LIKE 'poison%' BEGIN SELECT "
	    "RAISE(ABORT, 'poisoned'); END;", NULL, NULL, NULL);
	ok(fetch_drain(&f) == SRC_OK, "drain: ok");
	ok(conn.sizes == 1, "one UID FETCH RFC822.SIZE for 252 pending UIDs "
	    "(%u)", conn.sizes);
	ok(conn.bodies == (252 + FETCH_BATCH_MAX - 1) / FETCH_BATCH_MAX,
	    "bodies in one command per %d messages (%u)", FETCH_BATCH_MAX,
	    conn.bodies);
	ok(conn.max_body_set <= FETCH_BATCH_MAX && conn.max_body_set > 1,
	    "a body command asks for 2..%d messages (%zu)", FETCH_BATCH_MAX,
	    conn.max_body_set);
	ok(conn.acks <= conn.bodies + 1 + 1, "at most one acknowledgement "
	    "per batch and folder, and the poison one's (%u commands)",
	    conn.acks);
	ok(conn.max_ack_set >= 90, "one acknowledgement covers a batch "
	    "(%zu UIDs)", conn.max_ack_set);
	ok(conn.uncommitted_acks == 0, "no UID acknowledged before its "
	    "commit (%u)", conn.uncommitted_acks);
	ok(count_in(&conn, IN_FOLDER, want_folder) == 249, "249 requests "
	    "moved to %s (%u)", want_folder,
	    count_in(&conn, IN_FOLDER, want_folder));
	ok(count_in(&conn, IN_FOLDER, "Quarantine") == 2, "the unparseable "
	    "and the oversized one moved to Quarantine (%u)",
	    count_in(&conn, IN_FOLDER, "Quarantine"));
	ok(count_in(&conn, IN_INBOX, NULL) == 1 && find(&conn, 121)->where ==
	    IN_INBOX, "only the poison message stays in INBOX");
	ok(find(&conn, 120)->where == IN_FOLDER && find(&conn, 122)->where ==
	    IN_FOLDER, "its neighbours in the batch are acknowledged");
	stored = fx_int(&fx, "SELECT count(*) FROM messages WHERE "
	    "direction = 'in'");
	tickets = fx_int(&fx, "SELECT count(*) FROM tickets");
	ok(stored == 249 && tickets == 249, "249 messages on 249 tickets "
	    "(%lld, %lld)", (long long)stored, (long long)tickets);
	ok(fx_int(&fx, "SELECT count(*) FROM quarantine") == 2,
	    "two quarantine rows");
	ok(fx_int(&fx, "SELECT count(*) FROM quarantine WHERE "
	    "ifnull(length(raw), 0) = 0 AND size > 65536") == 1,
	    "the oversized one was not fetched");
	ok(fx_int(&fx, "SELECT count(*) FROM source_uids WHERE uid = 121")
	    == 0, "the poison message left no trace");

	/* 2. The acknowledgement is lost after the commit (a crash between
	 * the two): the next round only acknowledges. */
	sqlite3_exec(fx.db, "DROP TRIGGER poison", NULL, NULL, NULL);
	for (unsigned i = 300; i < 330; i++)
		add(&conn, request(i, "Scanner"));
	conn.fail_next_ack = 1;
	ok(fetch_drain(&f) == SRC_TEMP, "a lost acknowledgement: reconnect");
	stored = fx_int(&fx, "SELECT count(*) FROM messages WHERE "
	    "direction = 'in'");
	ok(stored == 249 + 31, "the batch (and the poison message, now "
	    "healed) committed before the ack (%lld)", (long long)stored);
	ok(count_in(&conn, IN_INBOX, NULL) == 31, "31 left in INBOX (%u)",
	    count_in(&conn, IN_INBOX, NULL));
	bodies = conn.bodies;
	ok(fetch_drain(&f) == SRC_OK, "the next round: ok");
	ok(conn.bodies == bodies, "committed UIDs are not fetched again");
	ok(count_in(&conn, IN_INBOX, NULL) == 0, "INBOX empty");
	ok(fx_int(&fx, "SELECT count(*) FROM messages WHERE direction = "
	    "'in'") == stored, "nothing stored twice");
	ok(fx_int(&fx, "SELECT count(*) FROM (SELECT message_id FROM "
	    "messages WHERE direction = 'in' GROUP BY message_id HAVING "
	    "count(*) > 1)") == 0, "no Message-ID twice");

	/* 3. The transaction is lost before the commit (SQLite rolls all of
	 * it back): nothing is acknowledged; the next round stores each
	 * message once. */
	sqlite3_exec(fx.db, "CREATE TEMP TRIGGER crash BEFORE INSERT ON "
	    "messages WHEN new.subject LIKE 'Crash 45%' BEGIN SELECT "
	    "RAISE(ROLLBACK, 'crash'); END;", NULL, NULL, NULL);
	for (unsigned i = 400; i < 460; i++)
		add(&conn, request(i, "Crash"));
	before = conn.acked_uids;
	tickets = fx_int(&fx, "SELECT count(*) FROM tickets");
	ok(fetch_drain(&f) == SRC_OK, "a lost transaction: ok");
	ok(conn.acked_uids == before, "nothing acknowledged (%u)",
	    conn.acked_uids - before);
	ok(fx_int(&fx, "SELECT count(*) FROM tickets") == tickets,
	    "nothing committed");
	ok(conn.uncommitted_acks == 0, "still no UID acknowledged before "
	    "its commit");
	sqlite3_exec(fx.db, "DROP TRIGGER crash", NULL, NULL, NULL);
	ok(fetch_drain(&f) == SRC_OK && count_in(&conn, IN_INBOX, NULL) == 0,
	    "after the crash: INBOX empty");
	ok(fx_int(&fx, "SELECT count(*) FROM tickets") == tickets + 60,
	    "60 more tickets, each once");

	/* 4. The bytes of a batch are bounded: 600 KB messages. */
	fx.cfg->limits.max_message_size = 25u * 1024 * 1024;
	conn.max_body_bytes = 0;
	bodies = conn.bodies;
	acks = conn.acks;
	for (unsigned i = 500; i < 512; i++) {
		GString *b = g_string_new(NULL);
		char *h = g_strdup_printf("From: L%u <l%u@l%u.test>\n"
		    "Subject: log %u\n", i, i, i, i);

		while (b->len < 600 * 1024)
			g_string_append(b, "log line: the printer spooler "
			    "restarted again\n");
		add(&conn, fx_mail(h, b->str));
		g_free(h);
		g_string_free(b, TRUE);
	}
	ok(fetch_drain(&f) == SRC_OK && count_in(&conn, IN_INBOX, NULL) == 0,
	    "12 large messages processed");
	ok(conn.bodies - bodies >= 2, "in several body commands (%u)",
	    conn.bodies - bodies);
	ok(conn.max_body_bytes <= 4u * 1024 * 1024 + 700 * 1024,
	    "at most about 4 MB fetched at once (%zu)", conn.max_body_bytes);
	/* The IMAP library holds a command's whole response: bodies in
	 * commands of about 1 MB (a message alone may be more), while a
	 * batch is still several messages in one transaction. */
	ok(conn.max_body_bytes <= 1024 * 1024, "a body command asks for "
	    "about 1 MB at most (%zu)", conn.max_body_bytes);
	ok(conn.bodies - bodies == 12 && conn.acks - acks <= 4,
	    "one body command per 600 KB message, a batch of several "
	    "acknowledged at once (%u commands, %u acks)", conn.bodies -
	    bodies, conn.acks - acks);
	n = fx_int(&fx, "SELECT count(*) FROM messages WHERE subject LIKE "
	    "'log %%'");
	ok(n == 12, "12 stored (%lld)", (long long)n);

	/* 4b. A last batch of more than 256 KB gives its second half to a
	 * batch after it, fetched and parsed while the rest is filed, until
	 * the last is under 256 KB: 10 messages of 100 KB make batches of
	 * 5, 3 and 2; 10 small ones still one. */
	for (unsigned round = 0; round < 2; round++) {
		acks = conn.acks;
		for (unsigned i = 520 + 10 * round; i < 530 + 10 * round;
		    i++) {
			GString *b = g_string_new(NULL);
			char *h = g_strdup_printf("From: T%u <t%u@t%u.test>\n"
			    "Subject: tail %u\n", i, i, i, i);

			while (b->len < (round == 0 ? 100 * 1024 : 1024))
				g_string_append(b, "the printer stops after "
				    "every second page\n");
			add(&conn, fx_mail(h, b->str));
			g_free(h);
			g_string_free(b, TRUE);
		}
		ok(fetch_drain(&f) == SRC_OK && count_in(&conn, IN_INBOX,
		    NULL) == 0, "tail %u: 10 messages processed", round);
		ok(conn.acks - acks == (round == 0 ? 3u : 1u), "tail %u: %s "
		    "(%u acknowledgements)", round, round == 0 ? "1 MB in "
		    "three batches, each last half split off" : "10 KB in one "
		    "batch", conn.acks - acks);
	}
	n = fx_int(&fx, "SELECT count(*) FROM messages WHERE subject LIKE "
	    "'tail %%'");
	ok(n == 20, "20 stored (%lld)", (long long)n);

	/* 5. Two threads: 450 requests, three batches; each body command
	 * after the first runs while the batch before is filed. */
	main_thread = g_thread_self();
	conn.w = &w;
	sqlite3_create_function(fx.db, "pd_test_note", 0, SQLITE_UTF8, NULL,
	    note_filed, NULL, NULL);
	sqlite3_exec(fx.db, "CREATE TEMP TRIGGER watch AFTER INSERT ON "
	    "messages BEGIN SELECT pd_test_note(); END;", NULL, NULL, NULL);
	for (unsigned i = 600; i < 1050; i++)
		add(&conn, request(i, "Overlap"));
	conn.phase_bodies = conn.overlapped = 0;
	conn.watch = true;
	ok(fetch_drain(&f) == SRC_OK && count_in(&conn, IN_INBOX, NULL) == 0,
	    "450 requests processed");
	conn.watch = false;
	ok(conn.phase_bodies == 3 && conn.overlapped == 2, "the 2nd and 3rd "
	    "batches were fetched while the one before was filed (%u of %u)",
	    conn.overlapped, conn.phase_bodies - 1);
	ok(g_atomic_int_get(&filed_elsewhere), "filed on another thread");
	ok(fx_int(&fx, "SELECT count(*) FROM messages WHERE subject LIKE "
	    "'Overlap %%'") == 450, "450 stored");
	ok(conn.uncommitted_acks == 0, "no UID acknowledged before its "
	    "commit");
	{
		/* Checkpoints on the source's thread (f.ckpt), not in the
		 * filer's commits: the drain ends with the WAL wholly
		 * copied, so the next write starts it again from its
		 * beginning; the filer's autocheckpoint would have left up
		 * to 1000 frames in it. */
		int log = -1, done = -2;
		int r = db_checkpoint(conn.peek, &log, &done);

		ok(r == 0 && log >= 0 && log <= 64, "after a drain the WAL "
		    "was checkpointed and started again (%d frames in it)",
		    log);
	}

	/* 6. A stop while the first batch is filed and the second fetched:
	 * the first commits and is acknowledged, the second is dropped. */
	for (unsigned i = 1100; i < 1550; i++)
		add(&conn, request(i, "Stop"));
	conn.phase_bodies = 0;
	conn.stop_at = 2;
	ok(fetch_drain(&f) == SRC_OK, "stopped: ok");
	conn.stop_at = 0;
	n = fx_int(&fx, "SELECT count(*) FROM messages WHERE subject LIKE "
	    "'Stop %%'");
	ok(n == FETCH_BATCH_MAX && count_in(&conn, IN_INBOX, NULL) == 450 -
	    FETCH_BATCH_MAX, "the batch being filed committed and was "
	    "acknowledged, the one fetched ahead stays in INBOX (%lld, %u)",
	    (long long)n, count_in(&conn, IN_INBOX, NULL));
	atomic_store(&w.stop, 0);
	ok(fetch_drain(&f) == SRC_OK && count_in(&conn, IN_INBOX, NULL) == 0,
	    "the next round takes the rest");
	ok(fx_int(&fx, "SELECT count(*) FROM messages WHERE subject LIKE "
	    "'Stop %%'") == 450, "450 stored, each once");

	/* 7. The connection fails fetching the second batch while the first
	 * is filed: the first commits but is not acknowledged (the next
	 * round only acknowledges it), the second is dropped. */
	for (unsigned i = 1600; i < 2050; i++)
		add(&conn, request(i, "Fail"));
	conn.phase_bodies = 0;
	conn.fail_at = 2;
	before = conn.acked_uids;
	ok(fetch_drain(&f) == SRC_TEMP, "a failed prefetch: reconnect");
	conn.fail_at = 0;
	n = fx_int(&fx, "SELECT count(*) FROM messages WHERE subject LIKE "
	    "'Fail %%'");
	ok(n == FETCH_BATCH_MAX && conn.acked_uids == before &&
	    count_in(&conn, IN_INBOX, NULL) == 450, "the batch being filed "
	    "committed, nothing acknowledged (%lld, %u)", (long long)n,
	    conn.acked_uids - before);
	conn.phase_bodies = 0;
	ok(fetch_drain(&f) == SRC_OK && count_in(&conn, IN_INBOX, NULL) == 0,
	    "the next round: INBOX empty");
	ok(conn.phase_bodies == 2, "the committed batch is only "
	    "acknowledged, not fetched again (%u body commands)",
	    conn.phase_bodies);
	ok(fx_int(&fx, "SELECT count(*) FROM messages WHERE subject LIKE "
	    "'Fail %%'") == 450, "450 stored, each once");
	ok(conn.uncommitted_acks == 0, "still no UID acknowledged before "
	    "its commit");
	sqlite3_exec(fx.db, "DROP TRIGGER watch", NULL, NULL, NULL);

	g_ptr_array_unref(conn.msgs);
	db_close(&conn.peek);
	db_close(&f.ckpt);
	db_close(&fx.db);
	g_unlink(path);
	{
		char *wal = g_strconcat(path, "-wal", NULL), *shm =
		    g_strconcat(path, "-shm", NULL);

		g_unlink(wal);
		g_unlink(shm);
		g_free(wal);
		g_free(shm);
	}
	g_free(path);
	fx_close(&fx);
	return tap_done();
}
