/* store_faq.c: see store_faq.h. */
#include <string.h>
#include "clock.h"
#include "db.h"
#include "store_faq.h"

int
store_faq_add(sqlite3 *db, unsigned long ticket, const char *title,
    const char *language, const char *body, const char *author,
    int64_t *id_r)
{
	if (db_exec(db, "INSERT INTO faq_entries (ticket, title, language, "
	    "body, author, created) VALUES (NULLIF(?, 0), ?, ?, ?, ?, ?)",
	    "utttti", ticket, title, language, body, author,
	    pd_now()) != 0)
		return -1;
	*id_r = sqlite3_last_insert_rowid(db);
	return 0;
}

int
store_faq_load(sqlite3 *db, GPtrArray *out)
{
	sqlite3_stmt *st = db_prep(db, "SELECT id, COALESCE(ticket, 0), "
	    "title, keywords, language, body FROM faq_entries ORDER BY id",
	    "");
	int step;

	if (!st)
		return -1;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		struct faq_entry *e = g_new0(struct faq_entry, 1);

		e->id = sqlite3_column_int64(st, 0);
		e->ticket = (unsigned long)sqlite3_column_int64(st, 1);
		e->title = db_col_str(st, 2);
		e->keywords = db_col_str(st, 3);
		e->language = sqlite3_column_type(st, 4) == SQLITE_NULL ?
		    NULL : db_col_str(st, 4);
		e->body = db_col_str(st, 5);
		g_ptr_array_add(out, e);
	}
	return db_rows_done(db, st, step);
}

sqlite3_stmt *
store_faq_list(sqlite3 *db)
{
	return db_prep(db, "SELECT id, ticket, language, author, created, "
	    "title FROM faq_entries ORDER BY id", "");
}

int
store_faq_drop(sqlite3 *db, int64_t id)
{
	if (db_exec(db, "DELETE FROM faq_entries WHERE id = ?", "i", id) != 0)
		return -1;
	return sqlite3_changes(db) > 0;
}

int
store_faq_was_offered(sqlite3 *db, unsigned long ticket)
{
	int64_t one;

	return db_int(db, &one, "SELECT 1 FROM events WHERE ticket = ? AND "
	    "event = 'faq_offered' LIMIT 1", "u", ticket);
}

int
store_faq_index(GPtrArray *entries, sqlite3 **mem_r, char **err_r)
{
	sqlite3 *mem = NULL;
	sqlite3_stmt *st = NULL;
	int rc;

	*mem_r = NULL;
	rc = sqlite3_open_v2(":memory:", &mem, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_PRIVATECACHE, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(mem, "CREATE VIRTUAL TABLE faq_fts USING "
		    "fts5(title, keywords, body, tokenize = 'trigram')", NULL,
		    NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(mem, "INSERT INTO faq_fts (rowid, "
		    "title, keywords, body) VALUES (?, ?, ?, ?)", -1, &st,
		    NULL);
	for (guint i = 0; rc == SQLITE_OK && i < entries->len; i++) {
		const struct faq_entry *e = entries->pdata[i];

		sqlite3_bind_int64(st, 1, (sqlite3_int64)i + 1);
		sqlite3_bind_text(st, 2, e->title, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, e->keywords ? e->keywords : "", -1,
		    SQLITE_STATIC);
		sqlite3_bind_text(st, 4, e->body, -1, SQLITE_STATIC);
		rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK :
		    sqlite3_errcode(mem);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	/* One segment, not one per entry: each term of a query is looked
	 * up in every segment (the same matches and bm25). */
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(mem, "INSERT INTO faq_fts (faq_fts) VALUES "
		    "('optimize')", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		*err_r = g_strdup_printf("FAQ index: %s", mem ?
		    sqlite3_errmsg(mem) : "out of memory");
		sqlite3_close(mem);
		return -1;
	}
	*mem_r = mem;
	return 0;
}

void
store_faq_index_free(sqlite3 *mem)
{
	sqlite3_close(mem);
}

int
store_faq_bm25(sqlite3 *mem, const char *match, double *scores, guint n,
    char **err_r)
{
	sqlite3_stmt *st = NULL;
	int step;

	/* Title and keywords say what an entry is about: they weigh more
	 * than its body (as a subject does in `postdesk search`). */
	if (sqlite3_prepare_v2(mem, "SELECT rowid, bm25(faq_fts, 3.0, 3.0, "
	    "1.0) FROM faq_fts WHERE faq_fts MATCH ?", -1, &st, NULL) !=
	    SQLITE_OK) {
		*err_r = g_strdup_printf("FAQ index: %s", sqlite3_errmsg(mem));
		return -1;
	}
	sqlite3_bind_text(st, 1, match, -1, SQLITE_STATIC);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		sqlite3_int64 row = sqlite3_column_int64(st, 0);

		if (row >= 1 && (guint64)row <= n)
			scores[row - 1] = -sqlite3_column_double(st, 1);
	}
	if (step != SQLITE_DONE) {
		*err_r = g_strdup_printf("FAQ index: %s", sqlite3_errmsg(mem));
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	return 0;
}
