/* store_source.c: source UIDs and the quarantine (see store.h). */
#include <time.h>
#include "clock.h"
#include "db.h"
#include "store.h"

static int64_t
now(void)
{
	return pd_now();
}

int
store_uid_done(sqlite3 *db, const char *source, const char *folder,
    uint32_t uidvalidity, uint32_t uid)
{
	int64_t one = 0;

	return db_int(db, &one, "SELECT 1 FROM source_uids WHERE source = ? "
	    "AND folder = ? AND uidvalidity = ? AND uid = ?", "ttii", source,
	    folder, (int64_t)uidvalidity, (int64_t)uid);
}

int
store_uid_mark(sqlite3 *db, const char *source, const char *folder,
    uint32_t uidvalidity, uint32_t uid, int64_t message, int64_t quarantine)
{
	return db_exec(db, "INSERT OR REPLACE INTO source_uids (source, "
	    "folder, uidvalidity, uid, message, quarantine, at) VALUES "
	    "(?, ?, ?, ?, NULLIF(?, 0), NULLIF(?, 0), ?)", "ttiiiii", source,
	    folder, (int64_t)uidvalidity, (int64_t)uid, message, quarantine,
	    now());
}

int64_t
store_quarantine_add(sqlite3 *db, const char *source, const char *reason,
    const char *raw, size_t len, size_t size)
{
	if (db_exec(db, "INSERT INTO quarantine (source, reason, size, raw, "
	    "created) VALUES (?, ?, ?, ?, ?)", "tti" "bi", source ? source :
	    "", reason, (int64_t)size, raw, raw ? len : (size_t)0, now()) != 0)
		return -1;
	return sqlite3_last_insert_rowid(db);
}

int
store_quarantine_get(sqlite3 *db, int64_t id, GBytes **raw_r,
    char **source_r, int64_t *size_r)
{
	sqlite3_stmt *st = db_prep(db, "SELECT raw, source, size FROM "
	    "quarantine WHERE id = ?", "i", id);
	int r;

	*raw_r = NULL;
	*source_r = NULL;
	*size_r = 0;
	if (!st)
		return -1;
	if ((r = sqlite3_step(st)) == SQLITE_ROW) {
		if (sqlite3_column_bytes(st, 0) > 0)
			*raw_r = g_bytes_new(sqlite3_column_blob(st, 0),
			    sqlite3_column_bytes(st, 0));
		*source_r = db_col_str(st, 1);
		*size_r = sqlite3_column_int64(st, 2);
	}
	sqlite3_finalize(st);
	return r == SQLITE_ROW ? 1 : r == SQLITE_DONE ? 0 : -1;
}

int
store_quarantine_set(sqlite3 *db, int64_t id, const char *status,
    bool only_held)
{
	if (db_exec(db, "UPDATE quarantine SET status = ? WHERE id = ? AND "
	    "(? OR status = 'held')", "tii", status, id,
	    (int64_t)!only_held) != 0)
		return -1;
	return sqlite3_changes(db) == 1;
}

int
store_source_seen(sqlite3 *db, const char *source, int connected,
    int64_t backlog, const char *error)
{
	int64_t t = now();

	if (db_exec(db, "INSERT INTO source_status (source, connected, "
	    "connected_at, last_fetch, backlog, last_error, last_error_at, "
	    "updated) VALUES (?1, ?2 = 1, CASE WHEN ?2 = 1 THEN ?5 END, "
	    "CASE WHEN ?3 >= 0 THEN ?5 END, MAX(?3, 0), COALESCE(?4, ''), "
	    "CASE WHEN ?4 IS NOT NULL THEN ?5 END, ?5) ON CONFLICT (source) "
	    "DO UPDATE SET connected = CASE WHEN ?2 < 0 THEN connected ELSE "
	    "?2 = 1 END, connected_at = CASE WHEN ?2 = 1 THEN ?5 ELSE "
	    "connected_at END, last_fetch = CASE WHEN ?3 >= 0 THEN ?5 ELSE "
	    "last_fetch END, backlog = CASE WHEN ?3 >= 0 THEN ?3 ELSE backlog "
	    "END, last_error = COALESCE(?4, last_error), last_error_at = CASE "
	    "WHEN ?4 IS NOT NULL THEN ?5 ELSE last_error_at END, updated = ?5",
	    "tiiti", source, (int64_t)connected, backlog, error, t) != 0)
		return -1;
	if (!error)
		return 0;
	/* The last errors, bounded: the newest 100 are kept. */
	if (db_exec(db, "INSERT INTO recent_errors (at, source, error) "
	    "VALUES (?, ?, ?)", "itt", t, source, error) != 0)
		return -1;
	return db_exec(db, "DELETE FROM recent_errors WHERE id <= (SELECT "
	    "MAX(id) - 100 FROM recent_errors)", "");
}
