/* bench-seed: fills a postdesk database with COUNT new requests through the
 * real pipeline (pipeline_deliver, the code `postdesk deliver` runs), as
 * fast as one process can: small mails, and the seeding connection alone
 * runs with synchronous=OFF (a crash while seeding only spoils the
 * benchmark's scratch database).  Their acknowledgements are then marked
 * sent, as the outbox would have done, with the bodies dropped as the
 * outbox drops them (docs/storage.md).  Not installed; built by `make
 * bench` (contrib/bench/bench.py).  All but the newest 1 % (at most
 * 5,000) of the seeded tickets are then closed.
 *
 * Past PIPELINE requests (default 20,000) the rest are copies: the rows
 * the pipeline wrote for those tickets (tickets, messages and their
 * full-text index, events, participants, outbox, flood counters) inserted
 * again with new ticket numbers and Message-IDs, a block at a time.  The
 * copies are rows the real code wrote, renumbered; a million tickets take
 * minutes instead of the pipeline's half hour.
 *
 * usage: bench-seed CONFIG COUNT [PIPELINE] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>
#include <glib.h>
#include <gmime/gmime.h>
#include "config.h"
#include "db.h"
#include "mac.h"
#include "pipeline.h"
#include "store.h"

static const char *const words[] = {
	"printer", "invoice", "password", "VPN", "mailbox", "license",
	"server", "backup", "принтер", "счёт", "пароль", "почта", "лицензия",
	"сервер", "резервная", "копия",
};

/* Tables the pipeline writes for a new request, and which column holds
 * their ticket. */
static const struct {
	const char *table, *ticket;
} copied[] = {
	{ "tickets", "number" }, { "messages", "ticket" },
	{ "participants", "ticket" }, { "events", "ticket" },
	{ "outbox", "ticket" }, { "auto_mail", "ticket" },
	{ "recent_requests", "ticket" }, { "tasks", "ticket" },
};

/* Every queued row composed as the sender composes it at its first
 * claim (schema 19, docs/storage.md): its headers, hash and size, so
 * that the copies carry them as sent rows do. */
static void
compose_queued(sqlite3 *db)
{
	sqlite3_stmt *st = db_prep(db, "SELECT id FROM outbox_recipes", "");
	GArray *ids = g_array_new(FALSE, FALSE, sizeof(int64_t));

	while (st && sqlite3_step(st) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);

		g_array_append_val(ids, id);
	}
	sqlite3_finalize(st);
	sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
	for (guint i = 0; i < ids->len; i++) {
		int64_t id = g_array_index(ids, int64_t, i);
		GBytes *m = store_outbox_mail(db, id);
		char h[65], *err = NULL;
		gsize n = 0;
		const void *d;

		if (!m)
			continue;
		d = g_bytes_get_data(m, &n);
		blob_hash(d ? d : "", n, h);
		if (store_outbox_set_composed(db, id, d, n, h, &err) != 0) {
			fprintf(stderr, "bench-seed: %s\n", err);
			g_free(err);
		}
		g_bytes_unref(m);
	}
	sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	g_array_unref(ids);
}

/* INSERT ... SELECT copying table's rows of tickets lo..hi as tickets
 * lo + off..: ids left to SQLite, Message-IDs and root ids suffixed. */
static char *
copy_sql(sqlite3 *db, const char *table, const char *tcol, long lo, long hi,
    long off, long k)
{
	GString *cols = g_string_new(NULL), *vals = g_string_new(NULL);
	sqlite3_stmt *st;
	char *q = g_strdup_printf("PRAGMA table_info(%s)", table), *sql;

	sqlite3_prepare_v2(db, q, -1, &st, NULL);
	g_free(q);
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		const char *c = (const char *)sqlite3_column_text(st, 1);

		if (strcmp(c, "id") == 0)
			continue;
		g_string_append_printf(cols, "%s%s", cols->len ? ", " : "", c);
		if (vals->len)
			g_string_append(vals, ", ");
		if (strcmp(c, tcol) == 0 || strcmp(c, "merged_into") == 0 ||
		    strcmp(c, "split_into") == 0)
			g_string_append_printf(vals, "%s + %ld", c, off);
		else if (strcmp(c, "message_id") == 0 ||
		    strcmp(c, "root_id") == 0)
			g_string_append_printf(vals, "%s || '.c%ld'", c, k);
		else
			g_string_append(vals, c);
	}
	sqlite3_finalize(st);
	sql = g_strdup_printf("INSERT INTO %s (%s) SELECT %s FROM %s WHERE %s "
	    "BETWEEN %ld AND %ld ORDER BY rowid", table, cols->str, vals->str,
	    table, tcol, lo, hi);
	g_string_free(cols, TRUE);
	g_string_free(vals, TRUE);
	return sql;
}

int
main(int argc, char **argv)
{
	struct pd_config *cfg = NULL;
	GString *errors = g_string_new(NULL), *raw = g_string_new(NULL);
	struct pipe_origin o = { .source = NULL };
	sqlite3 *db = NULL;
	char *err = NULL, *end;
	unsigned long count, piped, i, stored = 0, copies = 0;
	int64_t lo = 0, hi = 0;
	gint64 t0, t1;
	int fd;

	if (argc < 3 || argc > 4 ||
	    (count = strtoul(argv[2], &end, 10)) == 0 || *end) {
		fprintf(stderr, "usage: bench-seed CONFIG COUNT [PIPELINE]\n");
		return 2;
	}
	piped = argc > 3 ? strtoul(argv[3], NULL, 10) : 20000;
	if (piped == 0 || piped > count)
		piped = count;
	g_mime_init();
	if (config_load(argv[1], &cfg, errors) != 0) {
		fputs(errors->str, stderr);
		return 1;
	}
	if (mac_init(cfg->key_file, &err) != 0 ||
	    db_open(cfg->database, &db, &err) != 0) {
		fprintf(stderr, "bench-seed: %s\n", err);
		return 1;
	}
	sqlite3_exec(db, "PRAGMA synchronous=OFF", NULL, NULL, NULL);
	t0 = g_get_monotonic_time();
	db_int(db, &lo, "SELECT COALESCE(MAX(number), 0) FROM tickets", "");
	for (i = 0; i < piped; i++) {
		struct pipe_out out = { 0 };
		const char *w = words[i % G_N_ELEMENTS(words)];

		g_string_printf(raw, "From: Seed Client %lu <seed%lu@s%lu.test>\n"
		    "To: support@example.test\nSubject: Seed request %lu: %s\n"
		    "Message-ID: <seed.%lu@bench.test>\n"
		    "Date: Mon, 30 Nov 2026 08:00:00 +0000\n"
		    "Content-Type: text/plain; charset=utf-8\n\n"
		    "Hello, the %s does not work since this morning (%lu).\n"
		    "Could you please have a look?\n\nSeed Client %lu\n", i,
		    i, i % 997, i, w, i, w, i, i);
		if (pipeline_deliver(db, cfg, &o, raw->str, raw->len, &out) ==
		    PIPE_STORED)
			stored++;
		if ((i + 1) % 50000 == 0)
			fprintf(stderr, "bench-seed: %lu of %lu, %.0f/s\n",
			    i + 1, piped, (i + 1) / ((g_get_monotonic_time() -
			    t0) / 1e6));
	}
	compose_queued(db);
	t1 = g_get_monotonic_time();
	db_int(db, &hi, "SELECT COALESCE(MAX(number), 0) FROM tickets", "");
	/* The tickets just made (numbers go up from first_ticket). */
	db_int(db, &lo, "SELECT COALESCE(MIN(number), 0) FROM tickets WHERE "
	    "number > ?", "i", lo);
	for (long k = 1; hi >= lo && stored < count; k++) {
		long n = MIN((long)(count - stored), hi - lo + 1);
		int64_t top = 0;

		db_int(db, &top, "SELECT MAX(number) FROM tickets", "");
		sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
		for (i = 0; i < G_N_ELEMENTS(copied); i++) {
			char *sql = copy_sql(db, copied[i].table,
			    copied[i].ticket, lo, lo + n - 1, top + 1 - lo, k);

			if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
				fprintf(stderr, "bench-seed: %s: %s\n",
				    copied[i].table, sqlite3_errmsg(db));
			g_free(sql);
		}
		sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
		stored += n;
		copies += n;
		fprintf(stderr, "bench-seed: %lu of %lu (copies)\n", stored,
		    count);
	}
	/* A desk with a million tickets has closed nearly all of them: all
	 * but the newest 1 % (at most 5,000) are closed, as autoclose would
	 * have left them, so that timer jobs see a realistic open set. */
	{
		int64_t top = 0;
		char *sql;

		db_int(db, &top, "SELECT MAX(number) FROM tickets", "");
		sql = g_strdup_printf("UPDATE tickets SET status = 'closed', "
		    "resolved_at = created, closed_at = created WHERE number "
		    "BETWEEN %lld AND %lld", (long long)lo, (long long)(top -
		    MIN(5000, (int64_t)count / 100)));
		if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
			fprintf(stderr, "bench-seed: %s\n", sqlite3_errmsg(db));
		g_free(sql);
	}
	/* As the outbox would have: sent, bodies dropped (store_outbox.c). */
	if (sqlite3_exec(db, "UPDATE outbox SET status = 'sent', sent_at = "
	    "created WHERE status = 'pending'; DELETE FROM outbox_bodies WHERE "
	    "id IN (SELECT id FROM outbox WHERE status = 'sent'); DELETE FROM "
	    "outbox_spans WHERE outbox IN (SELECT id FROM outbox WHERE status "
	    "= 'sent'); DELETE FROM outbox_recipes WHERE id IN (SELECT id FROM "
	    "outbox WHERE status = 'sent'); DELETE FROM outbox_recipe_blobs "
	    "WHERE outbox IN (SELECT id FROM outbox WHERE status = 'sent')",
	    NULL, NULL, NULL) != SQLITE_OK)
		fprintf(stderr, "bench-seed: %s\n", sqlite3_errmsg(db));
	sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
	db_close(&db);
	/* Seeded with synchronous=OFF, gigabytes would still wait in the
	 * page cache, and the daemon's first checkpoint (which syncs the
	 * database file) would wait for their writeback inside the measured
	 * ingest: written out here, in the seeding's time. */
	if ((fd = open(cfg->database, O_RDONLY | O_CLOEXEC)) >= 0) {
		fsync(fd);
		close(fd);
	}
	printf("{\"seeded\": %lu, \"pipeline\": %lu, \"copies\": %lu, "
	    "\"pipeline_seconds\": %.2f, \"seconds\": %.2f}\n", stored,
	    stored - copies, copies, (t1 - t0) / 1e6,
	    (g_get_monotonic_time() - t0) / 1e6);
	config_free(&cfg);
	g_string_free(errors, TRUE);
	g_string_free(raw, TRUE);
	return 0;
}
