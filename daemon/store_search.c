/* store_search.c: upkeep of the search index (see store.h,
 * docs/storage.md "The search index's merges" and "One segment per
 * batch"). */
#include <glib.h>
#include "db.h"
#include "store.h"

int
store_search_merge(sqlite3 *db, int64_t quiet_since, int64_t pages)
{
	int64_t last = 0;
	int before;

	/* The newest message, by its rowid: one lookup, not a scan. */
	if (db_int(db, &last, "SELECT created FROM messages ORDER BY id DESC "
	    "LIMIT 1", "") < 0)
		return -1;
	if (last >= quiet_since)
		return 0;
	/* FTS5's 'merge' command: at most
	 * about pages leaves written, only on a level that holds usermerge
	 * (4) segments or more, or to finish a merge begun before.  It
	 * changes two rows or more when it did work. */
	before = sqlite3_total_changes(db);
	if (db_exec(db, "INSERT INTO search_fts(search_fts, rank) VALUES "
	    "('merge', ?)", "i", pages) != 0)
		return -1;
	return sqlite3_total_changes(db) - before >= 2 ? 1 : 0;
}

/* A batch's deferred indexing (store.h, docs/storage.md "One segment per
 * batch").  Each connection has one struct defer, shared by the SQL
 * functions pd_fts_now (read by the triggers of search_fts, schema 17) and
 * pd_fts_batch (set by the functions below).  floor is the highest
 * messages.id when the batch began, or -1 while nothing is deferred. */
struct defer {
	int64_t floor;
};

/* pd_fts_now(id): 1 when the message id is to be indexed by its trigger
 * now, 0 when a batch indexes it before its commit (an id over the
 * batch's floor: a message the batch itself added). */
static void
sql_fts_now(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const struct defer *d = sqlite3_user_data(ctx);

	(void)argc;
	sqlite3_result_int(ctx, d->floor < 0 || sqlite3_value_type(argv[0]) ==
	    SQLITE_NULL || sqlite3_value_int64(argv[0]) <= d->floor);
}

/* pd_fts_batch(floor): defers the messages over floor (NULL: none);
 * returns the floor it replaces (-1: none). */
static void
sql_fts_batch(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	struct defer *d = sqlite3_user_data(ctx);

	(void)argc;
	sqlite3_result_int64(ctx, d->floor);
	d->floor = sqlite3_value_type(argv[0]) == SQLITE_NULL ? -1 :
	    MAX(sqlite3_value_int64(argv[0]), 0);
}

int
store_search_functions(sqlite3 *db)
{
	struct defer *d = g_new(struct defer, 1);

	d->floor = -1;
	/* pd_fts_batch only from our own statements (DIRECTONLY: never from
	 * a trigger or a view); pd_fts_now, which only reads, frees d when
	 * the connection closes (or the function is registered again, which
	 * replaces both with a fresh d). */
	if (sqlite3_create_function_v2(db, "pd_fts_batch", 1, SQLITE_UTF8 |
	    SQLITE_DIRECTONLY, d, sql_fts_batch, NULL, NULL, NULL) !=
	    SQLITE_OK) {
		g_free(d);
		return -1;
	}
	return sqlite3_create_function_v2(db, "pd_fts_now", 1, SQLITE_UTF8 |
	    SQLITE_INNOCUOUS, d, sql_fts_now, NULL, NULL, g_free) ==
	    SQLITE_OK ? 0 : -1;
}

int
store_search_defer(sqlite3 *db)
{
	int64_t prev = -1;

	/* messages.id is the rowid, never given explicitly by
	 * store_message_add: SQLite numbers a new row max + 1, so the rows
	 * added from now on, and only they, are over this floor (we hold the
	 * write lock, and messages are never deleted). */
	return db_int(db, &prev, "SELECT pd_fts_batch((SELECT "
	    "COALESCE(MAX(id), 0) FROM messages))", "") == 1 ? 0 : -1;
}

int
store_search_catch_up(sqlite3 *db)
{
	int64_t floor = -1;

	if (db_int(db, &floor, "SELECT pd_fts_batch(NULL)", "") != 1)
		return -1;
	if (floor < 0)
		return 0;
	/* What the triggers would have left: each message with the names of
	 * its attachments in id order, read from the view the index reads
	 * (snippet(), 'rebuild', integrity-check). */
	return db_exec(db, "INSERT INTO search_fts(rowid, subject, body, "
	    "files) SELECT id, subject, body, files FROM search_src WHERE "
	    "id > ?", "i", floor);
}

void
store_search_live(sqlite3 *db)
{
	int64_t floor = -1;

	db_int(db, &floor, "SELECT pd_fts_batch(NULL)", "");
}
