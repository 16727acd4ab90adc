/* unit_outbox.c: the outbox sender's state logic with a fake sink
 * (docs/architecture.md, outbox.h): no row is handed to SMTP again while the outcome of its
 * previous attempt is unrecorded, and a failed state write stalls the
 * sender with a capped backoff, retrying the write and not the send.
 * Failed writes are made with TEMP triggers, as a full disk would make
 * them. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <glib.h>
#include <glib/gstdio.h>
#include "clock.h"
#include "db.h"
#include "outbox.h"
#include "store.h"
#include "tap.h"

static GHashTable *sends;   /* message text -> times handed to the sink */
static enum sink_status answer = SINK_OK;

static enum sink_status
fake_send(const struct pd_endpoint *ep, const char *helo,
    const char *env_from, const char *const *rcpts, size_t n,
    const char *data, size_t len, char **error_r)
{
	char *key = g_strndup(data, len);
	unsigned c = GPOINTER_TO_UINT(g_hash_table_lookup(sends, key));

	g_hash_table_replace(sends, key, GUINT_TO_POINTER(c + 1));
	if (answer != SINK_OK)
		*error_r = g_strdup("451 4.3.0 try again later");
	return answer;
}

static const struct sink_driver fake = { .name = "fake", .send = fake_send };

static unsigned
sent_count(const char *data)
{
	return GPOINTER_TO_UINT(g_hash_table_lookup(sends, data));
}

static unsigned
total_sends(void)
{
	GHashTableIter it;
	gpointer k, v;
	unsigned t = 0;

	g_hash_table_iter_init(&it, sends);
	while (g_hash_table_iter_next(&it, &k, &v))
		t += GPOINTER_TO_UINT(v);
	return t;
}

static void
queue(sqlite3 *db, int n)
{
	for (int i = 0; i < n; i++) {
		char *data = g_strdup_printf("Message-ID: <m%d@x>\n\nHi\n", i);

		outbox_add(db, 0, "ack", "m@x", "", "client@example.test",
		    data, strlen(data));
		g_free(data);
	}
}

static int64_t
count_status(sqlite3 *db, const char *status)
{
	int64_t n = -1;

	db_int(db, &n, "SELECT COUNT(*) FROM outbox WHERE status = ?", "t",
	    status);
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
	g_hash_table_remove_all(sends);
	answer = SINK_OK;
	return db;
}

/* Bytes this process has read with read(2) and pread(2) so far
 * (proc(5), /proc/PID/io rchar), or -1 where there is no such file. */
static int64_t
bytes_read(void)
{
	char *text = NULL, *p;
	int64_t n = -1;

	if (g_file_get_contents("/proc/self/io", &text, NULL, NULL) &&
	    (p = strstr(text, "rchar: ")) != NULL)
		n = g_ascii_strtoll(p + 7, NULL, 10);
	g_free(text);
	return n;
}

/* Lets the stalled sender retry now (as if its wait had passed). */
static void
time_passes(struct outbox_sender *s)
{
	s->retry_at = 0;
}

int
main(void)
{
	struct pd_config cfg = { 0 };
	struct outbox_sender s = { 0 };
	char dir[] = "/tmp/unit_outbox.XXXXXX";
	sqlite3 *db;
	int64_t v = 0;
	unsigned most = 0;

	sends = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	if (!g_mkdtemp(dir))
		return 1;

	/* 1. Healthy: each row once, recorded sent. */
	db = fresh_db(dir, "a.db");
	queue(db, 3);
	outbox_send(db, &cfg, &fake, &s, 5);
	ok(total_sends() == 3 && count_status(db, "sent") == 3,
	    "healthy: 3 rows sent once each and recorded sent");
	db_int(db, &v, "SELECT MIN(attempts) FROM outbox", "");
	ok(v == 1, "healthy: one attempt counted per row");
	outbox_send(db, &cfg, &fake, &s, 5);
	ok(total_sends() == 3, "healthy: a second run sends nothing");
	ok(s.stalls == 0 && s.backoff == 0, "healthy: never stalled");
	db_close(&db);

	/* 2. The outcome write fails after the server's 250. */
	db = fresh_db(dir, "b.db");
	queue(db, 3);
	sqlite3_exec(db, "CREATE TEMP TRIGGER full BEFORE UPDATE OF status ON "
	    "outbox WHEN NEW.status = 'sent' BEGIN SELECT RAISE(ABORT, "
	    "'database or disk is full'); END;", NULL, NULL, NULL);
	outbox_send(db, &cfg, &fake, &s, 5);
	/* The outcomes of a batch are one transaction (outbox.h): the
	 * sender stops after the batch whose outcomes it cannot write. */
	ok(total_sends() == 3, "outcome unrecorded: the sender stops after "
	    "the batch (got %u sends)", total_sends());
	ok(s.held.id != 0 && s.stalls == 1 && s.backoff == 1,
	    "outcome unrecorded: kept in memory, stalled, waits 1 s");
	ok(outbox_send(db, &cfg, &fake, &s, 5) >= 1 && total_sends() == 3,
	    "outcome unrecorded: a call before the wait is over does nothing");
	for (int i = 0; i < 100; i++) {
		time_passes(&s);
		outbox_send(db, &cfg, &fake, &s, 5);
		if (s.backoff > (int)most)
			most = s.backoff;
	}
	ok(sent_count("Message-ID: <m0@x>\n\nHi\n") == 1 && total_sends() == 3,
	    "outcome unrecorded: 100 retries resend nothing (got %u sends)",
	    total_sends());
	ok(most == 60 && s.backoff == 60, "outcome unrecorded: the backoff "
	    "doubles and stops at 60 s (max %u)", most);
	ok(s.stalls == 1, "outcome unrecorded: one episode (logged once)");
	ok(count_status(db, "pending") == 3, "outcome unrecorded: the rows "
	    "stay pending in the database");
	db_int(db, &v, "SELECT next_attempt - CAST(strftime('%s') AS INTEGER) "
	    "FROM outbox WHERE attempts = 1", "");
	ok(v > 0, "outcome unrecorded: the claimed row is not due at once "
	    "(a restart would wait %lld s)", (long long)v);
	/* Space comes back. */
	sqlite3_exec(db, "DROP TRIGGER full", NULL, NULL, NULL);
	time_passes(&s);
	outbox_send(db, &cfg, &fake, &s, 5);
	ok(count_status(db, "sent") == 3, "after space returns: every row "
	    "recorded sent");
	ok(total_sends() == 3 && sent_count("Message-ID: <m0@x>\n\nHi\n") == 1 &&
	    sent_count("Message-ID: <m1@x>\n\nHi\n") == 1 &&
	    sent_count("Message-ID: <m2@x>\n\nHi\n") == 1,
	    "after space returns: each row sent exactly once");
	ok(s.backoff == 0 && s.held.id == 0, "after space returns: resumed");
	db_close(&db);

	/* 3. The claim before the handoff fails: nothing goes out. */
	db = fresh_db(dir, "c.db");
	queue(db, 2);
	sqlite3_exec(db, "CREATE TEMP TRIGGER full BEFORE UPDATE ON outbox "
	    "BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END;",
	    NULL, NULL, NULL);
	for (int i = 0; i < 20; i++) {
		time_passes(&s);
		outbox_send(db, &cfg, &fake, &s, 5);
	}
	ok(total_sends() == 0, "claim fails: nothing is handed to SMTP");
	ok(s.stalls == 2 && s.backoff > 0, "claim fails: stalled (a new "
	    "episode)");
	sqlite3_exec(db, "DROP TRIGGER full", NULL, NULL, NULL);
	time_passes(&s);
	outbox_send(db, &cfg, &fake, &s, 5);
	ok(total_sends() == 2 && count_status(db, "sent") == 2,
	    "claim fails: after space returns each row is sent once");
	db_close(&db);

	/* 4. A 4xx defers the row with its backoff, as before. */
	db = fresh_db(dir, "d.db");
	queue(db, 1);
	answer = SINK_TEMP;
	outbox_send(db, &cfg, &fake, &s, 5);
	outbox_send(db, &cfg, &fake, &s, 5);
	ok(total_sends() == 1 && count_status(db, "pending") == 1,
	    "4xx: sent once, pending, not retried before its backoff");
	db_int(db, &v, "SELECT attempts FROM outbox", "");
	ok(v == 1, "4xx: one attempt counted");
	db_int(db, &v, "SELECT last_error LIKE '451%' FROM outbox", "");
	ok(v == 1, "4xx: the server's reply is recorded");
	answer = SINK_PERM;
	db_exec(db, "UPDATE outbox SET next_attempt = 0", "");
	outbox_send(db, &cfg, &fake, &s, 5);
	ok(count_status(db, "failed") == 1, "5xx: failed for good");
	db_close(&db);

	/* 5. The thread's own sender (outbox_run) keeps its memory across
	 * calls, so a loop of calls cannot resend. */
	db = fresh_db(dir, "e.db");
	queue(db, 2);
	sqlite3_exec(db, "CREATE TEMP TRIGGER full BEFORE UPDATE OF status ON "
	    "outbox WHEN NEW.status = 'sent' BEGIN SELECT RAISE(ABORT, "
	    "'database or disk is full'); END;", NULL, NULL, NULL);
	for (int i = 0; i < 50; i++)
		outbox_run(db, &cfg, &fake, 5);
	ok(total_sends() == 2, "outbox_run: 50 calls with the outcome "
	    "unrecorded send each row once (got %u)", total_sends());
	sqlite3_exec(db, "DROP TRIGGER full", NULL, NULL, NULL);
	sleep(2); /* the first wait of a stalled sender is 1 s */
	outbox_run(db, &cfg, &fake, 5);
	ok(total_sends() == 2 && count_status(db, "sent") == 2,
	    "outbox_run: after space returns each row is sent once");
	db_close(&db);

	/* 6. A batch reads its own rows, not the backlog: the due rows are
	 * chosen by id from the index, and only the chosen ones are read
	 * with their bodies (store_outbox_due). */
	db = fresh_db(dir, "f.db");
	{
		GString *body = g_string_new(NULL);
		int bad = 0;
		int64_t last = 0, before, nread;
		GPtrArray *rows;

		while (body->len < 20000)
			g_string_append(body, "A line of a long answer.\n");
		db_begin(db);
		for (int i = 0; i < 400; i++) {
			char *data = g_strdup_printf("Message-ID: <big%d@x>\n\n%s",
			    i, body->str);

			outbox_add(db, 0, "ack", "m@x", "", "client@example.test",
			    data, strlen(data));
			g_free(data);
		}
		db_commit(db);
		/* Every third row waits: the batch skips them.  The others
		 * fell due in the reverse order of their ids (retries do), so
		 * the index on the due time does not hand them over in the
		 * batch's order. */
		db_exec(db, "UPDATE outbox SET next_attempt = CASE WHEN id % 3 = "
		    "0 THEN next_attempt + 3600 ELSE next_attempt - id END", "");
		/* Bytes read from the database and its WAL (cached by the
		 * kernel or not): /proc/self/io's rchar. */
		before = bytes_read();
		rows = store_outbox_due(db, pd_now(), 10);
		nread = bytes_read() - before;
		for (guint i = 0; i < rows->len; i++) {
			const struct store_outbox_row *r = rows->pdata[i];

			bad += r->id <= last || r->id % 3 == 0 ||
			    g_bytes_get_size(r->data) < body->len;
			last = r->id;
		}
		ok(rows->len == 10 && bad == 0, "due batch: the first 10 due "
		    "rows in id order, with their bodies (%u rows, %d wrong)",
		    rows->len, bad);
		/* 267 due rows of 20 KB: reading each (the whole backlog)
		 * is over 5 MB, the 10 chosen ones 200 KB. */
		ok(before < 0 || nread < 1024 * 1024, "due batch: 10 of 267 due "
		    "rows of 20 KB read %lld KB from the database (%s)",
		    (long long)nread / 1024, before < 0 ? "no /proc/self/io: "
		    "not checked" : "under 1 MB");
		g_ptr_array_unref(rows);
		g_string_free(body, TRUE);
	}
	db_close(&db);

	outbox_sender_clear(&s);
	g_hash_table_unref(sends);
	{
		const char *names[] = { "a.db", "b.db", "c.db", "d.db", "e.db",
		    "f.db" };
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
