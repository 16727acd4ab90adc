/* store_report.h: the reports of the CLI `postdesk` (postdesk(1)), the
 * store layer's read-only queries that print (store.h).
 *
 * Each prints its table (or, with json, one JSON document) to stdout and
 * returns 0, or 1 when there is nothing to show (an unknown ticket: a
 * message on stderr) or a query failed. */
#ifndef PD_STORE_REPORT_H
#define PD_STORE_REPORT_H

#include <stdbool.h>
#include <sqlite3.h>

/* `postdesk tickets [--status S]`: status NULL for all. */
int report_tickets(sqlite3 *db, const char *status, bool json);

/* `postdesk show N`; tag is the ticket tag of the configuration. */
int report_show(sqlite3 *db, const char *tag, unsigned long n, bool json);

/* `postdesk outbox`, `held`, `unfiled`. */
int report_outbox(sqlite3 *db, bool json);
int report_held(sqlite3 *db, bool json);
int report_unfiled(sqlite3 *db, bool json);

/* `postdesk quarantine list [--all]`. */
int report_quarantine(sqlite3 *db, bool all, bool json);

#endif
