/* store_time.c: time logged by agents (#time; see store.h). */
#include <time.h>
#include "clock.h"
#include "db.h"
#include "store.h"

int
store_time_add(sqlite3 *db, unsigned long ticket, const char *agent,
    unsigned minutes, bool billable)
{
	return db_exec(db, "INSERT INTO time_entries (ticket, agent, minutes, "
	    "billable, at) VALUES (?, ?, ?, ?, ?)", "utiii", ticket, agent,
	    (int64_t)minutes, (int64_t)billable, pd_now());
}

int
store_time_used(sqlite3 *db, const char *client, int64_t since,
    int64_t *minutes_r)
{
	*minutes_r = 0;
	return db_int(db, minutes_r, "SELECT COALESCE(SUM(e.minutes), 0) FROM "
	    "time_entries e JOIN tickets t ON t.number = e.ticket WHERE "
	    "t.client = ? AND e.billable AND e.at >= ?", "ti", client,
	    since) < 0 ? -1 : 0;
}
