/* store_digest.c: see store_digest.h. */
#include <string.h>
#include "db.h"
#include "store_digest.h"

int
store_timer_claim(sqlite3 *db, const char *key, int64_t now)
{
	if (db_exec(db, "INSERT OR IGNORE INTO timer_notices (key, at) "
	    "VALUES (?, ?)", "ti", key, now) != 0)
		return -1;
	return sqlite3_changes(db) > 0 ? 1 : 0;
}

static char *
col_str(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);

	return g_strdup(s ? (const char *)s : "");
}

int
store_digest_waiting(sqlite3 *db, int limit, GPtrArray *out)
{
	sqlite3_stmt *st = db_prep(db, "SELECT number, subject, queue, "
	    "COALESCE(assignee, ''), priority, created, "
	    "COALESCE(first_response, 0), requester FROM tickets WHERE status IN "
	    "('new', 'open') AND merged_into IS NULL ORDER BY created, number "
	    "LIMIT ?", "i", (int64_t)limit);
	int rc;

	if (!st)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_waiting *w = g_new0(struct store_waiting, 1);

		w->number = sqlite3_column_int64(st, 0);
		w->subject = col_str(st, 1);
		w->queue = col_str(st, 2);
		w->assignee = col_str(st, 3);
		w->priority = col_str(st, 4);
		w->created = sqlite3_column_int64(st, 5);
		w->first_response = sqlite3_column_int64(st, 6);
		w->requester = col_str(st, 7);
		g_ptr_array_add(out, w);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

void
store_waiting_free(gpointer p)
{
	struct store_waiting *w = p;

	g_free(w->subject);
	g_free(w->queue);
	g_free(w->assignee);
	g_free(w->priority);
	g_free(w->requester);
	g_free(w);
}

int
store_month_stats(sqlite3 *db, const char *client, int64_t start,
    int64_t end, struct store_month *m)
{
	sqlite3_stmt *st;
	int rc;

	memset(m, 0, sizeof *m);
	m->first_responses = g_array_new(FALSE, FALSE, sizeof(int64_t));
	if (db_int(db, &m->opened, "SELECT COUNT(*) FROM tickets WHERE "
	    "client = ? AND merged_into IS NULL AND created >= ? AND "
	    "created < ?", "tii", client, start, end) < 0 ||
	    db_int(db, &m->resolved, "SELECT COUNT(*) FROM tickets WHERE "
	    "client = ? AND merged_into IS NULL AND COALESCE(resolved_at, "
	    "closed_at) >= ? AND COALESCE(resolved_at, closed_at) < ?", "tii",
	    client, start, end) < 0 ||
	    db_int(db, &m->minutes, "SELECT COALESCE(SUM(e.minutes), 0) FROM "
	    "time_entries e JOIN tickets t ON t.number = e.ticket WHERE "
	    "t.client = ? AND e.billable AND e.at >= ? AND e.at < ?", "tii",
	    client, start, end) < 0)
		return -1;
	st = db_prep(db, "SELECT COUNT(*), COALESCE(AVG(t.rating), 0) FROM "
	    "tickets t WHERE t.client = ? AND t.rating IS NOT NULL AND EXISTS "
	    "(SELECT 1 FROM events e WHERE e.ticket = t.number AND e.event = "
	    "'rated' AND e.at >= ? AND e.at < ?)", "tii", client, start, end);
	if (!st || sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return -1;
	}
	m->ratings = sqlite3_column_int64(st, 0);
	m->rating_avg = sqlite3_column_double(st, 1);
	sqlite3_finalize(st);
	st = db_prep(db, "SELECT first_response - created FROM tickets WHERE "
	    "client = ? AND merged_into IS NULL AND created >= ? AND created "
	    "< ? AND first_response IS NOT NULL ORDER BY 1", "tii", client,
	    start, end);
	if (!st)
		return -1;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int64_t s = sqlite3_column_int64(st, 0);

		g_array_append_val(m->first_responses, s);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

void
store_month_clear(struct store_month *m)
{
	g_clear_pointer(&m->first_responses, g_array_unref);
}

int
store_resolved_share(sqlite3 *db, const char *client, int64_t start,
    int64_t end, int64_t *opened_r, int64_t *resolved_r)
{
	*opened_r = *resolved_r = 0;
	if (db_int(db, opened_r, "SELECT COUNT(*) FROM tickets WHERE client "
	    "= ? AND merged_into IS NULL AND created >= ? AND created < ?",
	    "tii", client, start, end) < 0 ||
	    db_int(db, resolved_r, "SELECT COUNT(*) FROM tickets WHERE client "
	    "= ? AND merged_into IS NULL AND created >= ? AND created < ? AND "
	    "COALESCE(resolved_at, closed_at) < ?", "tiii", client, start,
	    end, end) < 0)
		return -1;
	return 0;
}

char *
store_client_language(sqlite3 *db, const char *client)
{
	sqlite3_stmt *st = db_prep(db, "SELECT language FROM tickets WHERE "
	    "client = ? ORDER BY created DESC, number DESC LIMIT 1", "t",
	    client);
	char *lang = NULL;

	if (st && sqlite3_step(st) == SQLITE_ROW)
		lang = col_str(st, 0);
	sqlite3_finalize(st);
	return lang;
}

char *
store_json_quote(sqlite3 *db, const char *s)
{
	sqlite3_stmt *st = db_prep(db, "SELECT json_quote(?)", "t", s);
	char *q = NULL;

	if (st && sqlite3_step(st) == SQLITE_ROW)
		q = col_str(st, 0);
	sqlite3_finalize(st);
	return q;
}
