/* store_held.c: agent mail held until the agent confirms it (see
 * store.h, identity.h). */
#include <time.h>
#include "clock.h"
#include "db.h"
#include "store.h"

int
store_held_add(sqlite3 *db, const char *agent, const char *message_id,
    const char *challenge_id, const char *reason, const char *raw,
    size_t len, const char *source)
{
	return db_exec(db, "INSERT INTO held (agent, message_id, "
	    "challenge_id, reason, raw, source, created) VALUES (?, ?, ?, ?, "
	    "?, ?, ?)", "tttt" "bti", agent, message_id, challenge_id, reason,
	    raw, len, source, pd_now());
}

int
store_held_find(sqlite3 *db, const char *challenge_id, const char *agent,
    int64_t *id_r, GBytes **raw_r)
{
	sqlite3_stmt *st = db_prep(db, "SELECT id, raw FROM held WHERE "
	    "challenge_id = ? AND status = 'held' AND agent = ?", "tt",
	    challenge_id, agent);
	int r;

	*id_r = 0;
	*raw_r = NULL;
	if (!st)
		return -1;
	if ((r = sqlite3_step(st)) == SQLITE_ROW) {
		*id_r = sqlite3_column_int64(st, 0);
		*raw_r = g_bytes_new(sqlite3_column_blob(st, 1),
		    sqlite3_column_bytes(st, 1));
	}
	sqlite3_finalize(st);
	return r == SQLITE_ROW ? 1 : r == SQLITE_DONE ? 0 : -1;
}

int
store_held_release(sqlite3 *db, int64_t id)
{
	return db_exec(db, "UPDATE held SET status = 'released' WHERE id = ?",
	    "i", id);
}

void
store_held_row_free(gpointer p)
{
	struct store_held_row *x = p;

	if (x->raw)
		g_bytes_unref(x->raw);
	g_free(x->reason);
	g_free(x);
}

int
store_held_unchallenged(sqlite3 *db, const char *agent, int limit,
    GPtrArray *out)
{
	sqlite3_stmt *st = db_prep(db, "SELECT id, raw, reason FROM held "
	    "WHERE agent = ? AND status = 'held' AND challenge_id = '' ORDER "
	    "BY id LIMIT ?", "ti", agent, (int64_t)limit);
	int step;

	if (!st)
		return -1;
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_held_row *x = g_new0(struct store_held_row, 1);

		x->id = sqlite3_column_int64(st, 0);
		x->raw = g_bytes_new(sqlite3_column_blob(st, 1),
		    sqlite3_column_bytes(st, 1));
		x->reason = db_col_str(st, 2);
		g_ptr_array_add(out, x);
	}
	return db_rows_done(db, st, step);
}

int
store_held_set_challenge(sqlite3 *db, int64_t id, const char *challenge_id)
{
	return db_exec(db, "UPDATE held SET challenge_id = ? WHERE id = ?",
	    "ti", challenge_id, id);
}
