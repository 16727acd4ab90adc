/* store_bounces.c: the failing addresses (see store.h; postdesk.conf(5)
 * BOUNCES). */
#include "db.h"
#include "store.h"

int
store_failing_get(sqlite3 *db, const char *address, int64_t now,
    int64_t *since_r, char **reason_r)
{
	sqlite3_stmt *st = db_prep(db, "SELECT since, reason FROM "
	    "failing_addresses WHERE address = ? AND until > ?", "ti",
	    address, now);
	int step;

	if (!st)
		return -1;
	if ((step = sqlite3_step(st)) == SQLITE_ROW) {
		if (since_r)
			*since_r = sqlite3_column_int64(st, 0);
		if (reason_r)
			*reason_r = db_col_str(st, 1);
		sqlite3_finalize(st);
		return 1;
	}
	return db_rows_done(db, st, step);
}

int
store_failing_mark(sqlite3 *db, const char *address, int64_t now,
    int64_t until, const char *reason, unsigned long ticket)
{
	int64_t told = 0;
	int r = db_int(db, &told, "SELECT told FROM failing_addresses WHERE "
	    "address = ? AND until > ?", "ti", address, now);

	if (r < 0)
		return -1;
	if (r == 1)
		return db_exec(db, "UPDATE failing_addresses SET until = MAX("
		    "until, ?), reason = ?, told = 1 WHERE address = ?", "itt",
		    until, reason, address) != 0 ? -1 : told ? 0 : 1;
	return db_exec(db, "INSERT INTO failing_addresses (address, since, "
	    "until, reason, ticket, told) VALUES (?, ?, ?, ?, NULLIF(?, 0), 1)"
	    " ON CONFLICT (address) DO UPDATE SET since = excluded.since, "
	    "until = excluded.until, reason = excluded.reason, "
	    "ticket = excluded.ticket, told = 1", "tiitu", address, now, until,
	    reason, ticket) != 0 ? -1 : 1;
}

int
store_failing_clear(sqlite3 *db, const char *address, int64_t now)
{
	int64_t n = 0;
	int r = db_int(db, &n, "SELECT COUNT(*) FROM failing_addresses WHERE "
	    "address = ? AND until > ?", "ti", address, now);

	if (r < 0 || db_exec(db, "DELETE FROM failing_addresses WHERE "
	    "address = ?", "t", address) != 0)
		return -1;
	return n > 0 ? 1 : 0;
}
