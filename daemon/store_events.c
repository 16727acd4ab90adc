/* store_events.c: the event log of tickets and of the gateway (see
 * store.h). */
#include <time.h>
#include "clock.h"
#include "db.h"
#include "store.h"

int
store_event_add(sqlite3 *db, unsigned long ticket, const char *actor,
    const char *event, const char *detail)
{
	return db_exec(db, "INSERT INTO events (ticket, at, actor, event, "
	    "detail) VALUES (NULLIF(?, 0), ?, ?, ?, ?)", "uittt", ticket,
	    pd_now(), actor ? actor : "", event, detail ? detail :
	    "");
}
