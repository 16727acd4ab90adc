/* store_search.c: upkeep of the search index (see store.h,
 * docs/storage.md "The search index's merges"). */
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
