/* unit_search_batch.c: the search index under group commit (issue 13;
 * docs/storage.md "One segment per batch", store.h store_search_defer).
 *
 * - a batch (pipeline_deliver_batch) indexes its messages once, before
 *   its commit: one new FTS5 segment for the whole batch, not one per
 *   message's savepoint;
 * - a poison message rolled back to its savepoint (after its row and its
 *   attachment were written) leaves the index exactly matching the
 *   messages (FTS5's integrity-check against the view search_src, one
 *   index row per message), and every message of the batch is found;
 * - `postdesk search` (store_cli_search) answers the same rows, ranks and
 *   snippets as on a database where the same mail came one by one;
 * - a batch whose transaction is lost whole leaves the triggers live: the
 *   next single message is indexed;
 * - a database of schema 16 migrates; db_open_ro searches it, and a
 *   connection without postdesk's SQL functions (the sqlite3 shell) still
 *   reads it. */
#include <string.h>
#include "fixture.h"
#include "store_cli.h"
#include "tap.h"
#include "tmpdir.h"

#define N_BATCH 40
#define POISON 17	/* the poison message's number in the batch */

/* Message i: a request, every third one with an attachment; the poison
 * one's attachment is named poison-*.pdf. */
static char *
mail(unsigned i, const char *subject)
{
	bool attach = i % 3 == 0 || i == POISON;
	char *h = g_strdup_printf("From: Client %u <c%u@d%u.test>\n"
	    "Message-ID: <sb.%u@client.test>\nSubject: %s xq%u\n%s", i, i, i,
	    i, subject, i, attach ? "MIME-Version: 1.0\nContent-Type: "
	    "multipart/mixed; boundary=\"b\"\n" : "");
	char *b = attach ? g_strdup_printf("--b\nContent-Type: text/plain; "
	    "charset=utf-8\nContent-Transfer-Encoding: 8bit\n\nМой принтер не "
	    "печатает, страница word%u.\n--b\nContent-Type: application/pdf\n"
	    "Content-Disposition: attachment; filename=\"%s-%u.pdf\"\n"
	    "Content-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n--b--\n", i,
	    i == POISON ? "poison" : "akt-sverki", i) :
	    g_strdup_printf("The printer stops after page word%u.", i);
	char *raw = fx_mail(h, b);

	g_free(h);
	g_free(b);
	return raw;
}

static int64_t
num(sqlite3 *db, const char *sql)
{
	int64_t v = -1;

	if (db_int(db, &v, sql, "") < 0)
		return -1;
	return v;
}

/* Every row of `postdesk search QUERY` as text, one line each. */
static char *
search(sqlite3 *db, const char *match)
{
	GString *s = g_string_new(NULL);
	sqlite3_stmt *st = store_cli_search(db, match, 100);

	while (st && sqlite3_step(st) == SQLITE_ROW) {
		for (int c = 0; c < sqlite3_column_count(st); c++)
			g_string_append_printf(s, "%s|", (const char *)
			    sqlite3_column_text(st, c));
		g_string_append_c(s, '\n');
	}
	sqlite3_finalize(st);
	return g_string_free(s, FALSE);
}

static int64_t
hits(sqlite3 *db, const char *match)
{
	int64_t n = 0;
	sqlite3_stmt *st = store_cli_search(db, match, 1000);

	while (st && sqlite3_step(st) == SQLITE_ROW)
		n++;
	sqlite3_finalize(st);
	return st ? n : -1;
}

static bool
exact(sqlite3 *db)
{
	/* integrity-check compares the index with the view it reads;
	 * docsize holds one row per indexed message. */
	return db_exec(db, "INSERT INTO search_fts(search_fts) VALUES "
	    "('integrity-check')", "") == 0 && num(db, "SELECT count(*) FROM "
	    "search_fts_docsize") == num(db, "SELECT count(*) FROM messages");
}

static int64_t
segments(sqlite3 *db)
{
	return num(db, "SELECT count(DISTINCT segid) FROM search_fts_idx");
}

static enum pipe_result
one(struct fixture *fx, sqlite3 *db, unsigned uid, const char *raw)
{
	struct pipe_origin o = { .source = "main", .folder = "INBOX",
		.uidvalidity = 1, .uid = uid };
	struct pipe_out out;

	return pipeline_deliver(db, fx->cfg, &o, raw, strlen(raw), &out);
}

/* Items for raws[0..n), UIDs from uid. */
static struct pipe_item *
items_for(char **raws, size_t n, unsigned uid)
{
	struct pipe_item *it = g_new0(struct pipe_item, n);

	for (size_t i = 0; i < n; i++) {
		it[i].o.source = "main";
		it[i].o.folder = "INBOX";
		it[i].o.uidvalidity = 1;
		it[i].o.uid = uid + i;
		it[i].raw = raws[i];
		it[i].len = strlen(raws[i]);
	}
	return it;
}

static void
batch(struct fixture *fx, const char *dir)
{
	char *pb = g_build_filename(dir, "batch.db", NULL);
	char *pr = g_build_filename(dir, "ref.db", NULL), *err = NULL;
	sqlite3 *db = NULL, *ref = NULL, *plain = NULL;
	char *raws[N_BATCH];
	struct pipe_item *it;
	int64_t segs, n, version = 0;
	unsigned found = 0, stored = 0;
	static const char *const queries[] = { "\"printer\"*", "\"принтер\"*",
		"\"akt\"*", "\"sverki\"*", "\"word3\"*", "\"xq17\"",
		"\"poison\"*", "\"печата\"* \"страниц\"*" };
	bool same = true;
	size_t answered = 0;

	if (!ok(db_open(pb, &db, &err) == 0 && db_open(pr, &ref, &err) == 0,
	    "two databases (%s)", err ? err : "")) {
		g_free(err);
		return;
	}
	/* One message before the batch, on each: indexed by its trigger. */
	{
		char *r = mail(999, "Before");

		ok(one(fx, db, 999, r) == PIPE_STORED && one(fx, ref, 999, r)
		    == PIPE_STORED && hits(db, "\"xq999\"") == 1,
		    "a single message is indexed by its trigger");
		g_free(r);
	}
	for (unsigned i = 0; i < N_BATCH; i++)
		raws[i] = mail(i, "Printer");
	/* The poison message fails after its row and its attachment were
	 * written (and, before schema 17, indexed): its savepoint rolls
	 * them back. */
	sqlite3_exec(db, "CREATE TEMP TRIGGER poison AFTER INSERT ON "
	    "attachments WHEN new.filename LIKE 'poison%' BEGIN SELECT "
	    "RAISE(ABORT, 'poisoned'); END;", NULL, NULL, NULL);
	segs = segments(db);
	it = items_for(raws, N_BATCH, 1);
	ok(pipeline_deliver_batch(db, fx->cfg, it, N_BATCH) == 0,
	    "the batch commits");
	for (unsigned i = 0; i < N_BATCH; i++) {
		char *q = g_strdup_printf("\"xq%u\"", i);

		stored += it[i].r == PIPE_STORED;
		found += hits(db, q) == (i == POISON ? 0 : 1);
		g_free(q);
	}
	ok(it[POISON].r == PIPE_TEMPFAIL && stored == N_BATCH - 1,
	    "the poison message alone is rolled back (%u stored)", stored);
	ok(found == N_BATCH, "every message of the batch is found, the "
	    "poison one is not (%u of %d)", found, N_BATCH);
	ok(exact(db), "the index matches the messages exactly");
	ok(segments(db) == segs + 1, "the batch wrote one index segment "
	    "(%lld, was %lld)", (long long)segments(db), (long long)segs);
	ok(hits(db, "\"poison\"*") == 0 && hits(db, "\"sverki\"*") ==
	    num(db, "SELECT count(DISTINCT message) FROM attachments WHERE "
	    "filename LIKE 'akt-sverki%'"), "the rolled-back attachment's "
	    "name is not indexed, the others' are");
	sqlite3_exec(db, "DROP TRIGGER poison", NULL, NULL, NULL);
	g_free(it);

	/* The same mail one by one (the poison one left out) on ref:
	 * `postdesk search` answers the same. */
	for (unsigned i = 0; i < N_BATCH; i++)
		if (i != POISON)
			one(fx, ref, 1 + i, raws[i]);
	for (size_t q = 0; q < G_N_ELEMENTS(queries); q++) {
		char *a = search(db, queries[q]), *b = search(ref, queries[q]);

		answered += *a != '\0';
		if (strcmp(a, b) != 0) {
			printf("# %s:\n# batch:\n%s# one by one:\n%s",
			    queries[q], a, b);
			same = false;
		}
		g_free(a);
		g_free(b);
	}
	ok(same && answered == G_N_ELEMENTS(queries) - 2 && exact(ref),
	    "search answers as if the mail came "
	    "one by one (rows, ranks, snippets)");

	/* A batch whose transaction is lost whole (RAISE(ROLLBACK)):
	 * nothing stored, and the triggers are live again. */
	sqlite3_exec(db, "CREATE TEMP TRIGGER crash BEFORE INSERT ON "
	    "messages WHEN new.subject LIKE 'Crash%' BEGIN SELECT "
	    "RAISE(ROLLBACK, 'crash'); END;", NULL, NULL, NULL);
	for (unsigned i = 0; i < 3; i++) {
		g_free(raws[i]);
		raws[i] = mail(500 + i, i == 1 ? "Crash" : "Scanner");
	}
	it = items_for(raws, 3, 500);
	ok(pipeline_deliver_batch(db, fx->cfg, it, 3) == -1 &&
	    hits(db, "\"scanner\"*") == 0 && exact(db), "a batch lost whole "
	    "stores and indexes nothing");
	g_free(it);
	sqlite3_exec(db, "DROP TRIGGER crash", NULL, NULL, NULL);
	segs = segments(db);
	ok(one(fx, db, 600, raws[0]) == PIPE_STORED && hits(db,
	    "\"xq500\"") == 1 && segments(db) == segs + 1 && exact(db),
	    "then a single message is indexed by its trigger again");
	for (unsigned i = 0; i < N_BATCH; i++)
		g_free(raws[i]);
	n = hits(db, "\"printer\"*");
	db_close(&db);
	db_close(&ref);

	/* Read-only (the CLI) and without postdesk's functions (the sqlite3
	 * shell): the triggers' pd_fts_now is not needed to read. */
	ok(db_open_ro(pb, &db, &version, &err) == 0 && hits(db,
	    "\"printer\"*") == n && n >= N_BATCH, "db_open_ro searches (%s)",
	    err ? err : "");
	db_close(&db);
	ok(sqlite3_open_v2(pb, &plain, SQLITE_OPEN_READONLY, NULL) ==
	    SQLITE_OK && sqlite3_exec(plain, "SELECT count(*) FROM messages; "
	    "SELECT count(*) FROM sqlite_schema; SELECT sql FROM "
	    "sqlite_schema WHERE name = 'search_fts_msg'", NULL, NULL, NULL)
	    == SQLITE_OK, "a connection without the functions reads it");
	sqlite3_close(plain);
	g_free(err);
	g_free(pb);
	g_free(pr);
}

/* Schema 16 (the triggers without their guard) migrates; the messages
 * it holds stay indexed and a batch after it writes one segment. */
static void
migration(struct fixture *fx, const char *dir)
{
	char *path = g_build_filename(dir, "v16.db", NULL), *err = NULL;
	sqlite3 *db = NULL;
	char *raws[3];
	struct pipe_item *it;
	int64_t segs;

	ok(db_create_at(path, 16, &err) == 0 && db_open(path, &db, &err) ==
	    0 && num(db, "PRAGMA user_version") == DB_SCHEMA_VERSION,
	    "schema 16 migrates to %d (%s)", DB_SCHEMA_VERSION, err ? err :
	    "");
	for (unsigned i = 0; i < 3; i++)
		raws[i] = mail(700 + i, "Monitor");
	ok(db && one(fx, db, 700, raws[0]) == PIPE_STORED, "a single "
	    "message");
	segs = segments(db);
	it = items_for(raws + 1, 2, 701);
	ok(pipeline_deliver_batch(db, fx->cfg, it, 2) == 0 && hits(db,
	    "\"monitor\"*") == 3 && segments(db) == segs + 1 && exact(db),
	    "then a batch: all found, one segment, the index exact");
	g_free(it);
	for (unsigned i = 0; i < 3; i++)
		g_free(raws[i]);
	db_close(&db);
	g_free(err);
	g_free(path);
}

int
main(void)
{
	struct fixture fx;
	char *dir;

	g_mime_init();
	if (fx_open(&fx, "", "") != 0)
		return 1;
	dir = g_dir_make_tmp("unit_search_batch-XXXXXX", NULL);
	batch(&fx, dir);
	migration(&fx, dir);
	tmp_rm_tree(dir);
	g_free(dir);
	fx_close(&fx);
	return tap_done();
}
