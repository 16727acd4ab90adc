/* store_contacts.c: the participants of tickets (see store.h). */
#include "db.h"
#include "store.h"

int
store_is_participant(sqlite3 *db, unsigned long ticket, const char *address)
{
	int64_t n = 0;

	return db_int(db, &n, "SELECT 1 FROM participants WHERE ticket = ? "
	    "AND address = lower(?)", "ut", ticket, address);
}

int
store_participant_add(sqlite3 *db, unsigned long ticket, const char *address,
    const char *name, const char *role)
{
	return db_exec(db, "INSERT OR IGNORE INTO participants (ticket, "
	    "address, name, role) VALUES (?, lower(?), ?, ?)", "utt" "t",
	    ticket, address, name ? name : "", role);
}

int
store_participants(sqlite3 *db, unsigned long ticket, GPtrArray *out)
{
	/* "requester" sorts after "cc": DESC puts the requester first. */
	sqlite3_stmt *st = db_prep(db, "SELECT address, name FROM "
	    "participants WHERE ticket = ? ORDER BY role DESC, address", "u",
	    ticket);

	if (!st)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		g_ptr_array_add(out, db_col_str(st, 0));
		g_ptr_array_add(out, db_col_str(st, 1));
	}
	sqlite3_finalize(st);
	return 0;
}
