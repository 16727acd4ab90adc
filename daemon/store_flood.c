/* store_flood.c: the flood guards' counters (see store.h,
 * floodguard.h). */
#include "db.h"
#include "store.h"

int
store_flood_count(sqlite3 *db, bool domain, bool challenge,
    const char *value, int64_t since, int64_t *n_r)
{
	int r;

	*n_r = 0;
	if (domain)
		r = db_int(db, n_r, "SELECT COUNT(*) FROM auto_mail WHERE "
		    "domain = ? AND at > ? AND capped = 0", "ti", value, since);
	else
		r = db_int(db, n_r, "SELECT COUNT(*) FROM auto_mail WHERE "
		    "rcpt = ? AND at > ? AND capped = 0 AND (kind = "
		    "'challenge') = ?", "tii", value, since,
		    (int64_t)challenge);
	return r < 0 ? -1 : 0;
}

int
store_flood_record(sqlite3 *db, const char *rcpt, const char *domain,
    const char *kind, unsigned long ticket, bool capped, int64_t now,
    int64_t forget_before)
{
	if (db_exec(db, "DELETE FROM auto_mail WHERE at < ?", "i",
	    forget_before) != 0)
		return -1;
	return db_exec(db, "INSERT INTO auto_mail (rcpt, domain, kind, "
	    "ticket, capped, at) VALUES (?, ?, ?, NULLIF(?, 0), ?, ?)",
	    "tttuii", rcpt, domain, kind, ticket, (int64_t)capped, now);
}

int
store_flood_notice(sqlite3 *db, const char *key, int64_t now,
    int64_t told_after)
{
	int64_t told = 0;
	int r = db_int(db, &told, "SELECT told_at FROM guard_notices WHERE "
	    "key = ?", "t", key);

	if (r < 0)
		return -1;
	if (r == 1 && told > told_after)
		return db_exec(db, "UPDATE guard_notices SET hits = hits + 1, "
		    "last_at = ? WHERE key = ?", "it", now, key) == 0 ? 0 : -1;
	return db_exec(db, "INSERT INTO guard_notices (key, told_at, hits, "
	    "last_at) VALUES (?, ?, 1, ?) ON CONFLICT (key) DO UPDATE SET "
	    "told_at = excluded.told_at, hits = 1, last_at = excluded.last_at",
	    "tii", key, now, now) == 0 ? 1 : -1;
}

void
store_recent_free(gpointer p)
{
	struct store_recent *x = p;

	g_free(x->sender);
	g_free(x->text);
	g_free(x);
}

int
store_flood_recent(sqlite3 *db, const char *domain, int64_t since,
    int limit, GPtrArray *out)
{
	sqlite3_stmt *st = db_prep(db, "SELECT sender, ticket, text FROM "
	    "recent_requests WHERE domain = ? AND at > ? ORDER BY id DESC "
	    "LIMIT ?", "tii", domain, since, (int64_t)limit);
	int step;

	if (!st)
		return -1;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_recent *x = g_new0(struct store_recent, 1);

		x->sender = db_col_str(st, 0);
		x->ticket = sqlite3_column_int64(st, 1);
		x->text = db_col_str(st, 2);
		g_ptr_array_add(out, x);
	}
	return db_rows_done(db, st, step);
}

int
store_flood_recent_add(sqlite3 *db, const char *sender, const char *domain,
    unsigned long ticket, const char *text, int64_t now, int64_t forget_upto)
{
	if (db_exec(db, "DELETE FROM recent_requests WHERE at <= ?", "i",
	    forget_upto) != 0)
		return -1;
	return db_exec(db, "INSERT INTO recent_requests (sender, domain, "
	    "ticket, text, at) VALUES (?, ?, ?, ?, ?)", "ttuti", sender,
	    domain, ticket, text, now);
}
