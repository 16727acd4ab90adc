/* store_report.h: the reports of the CLI `postdesk` (postdesk(1)), the
 * store layer's read-only queries that print (store.h).
 *
 * Each prints its table (or, with json, one JSON document) to stdout and
 * returns 0, or 1 when there is nothing to show (an unknown ticket: a
 * message on stderr) or a query failed. */
#ifndef PD_STORE_REPORT_H
#define PD_STORE_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <sqlite3.h>





struct bizhours;

/* `postdesk plan CLIENT [--month YYYY-MM]` (store_plans.c): the usage
 * the caller computed, and every time entry of the month [from, to). */
struct report_plan_req {
	const char *client;
	const char *plan;     /* NULL: none */
	const char *month;    /* "YYYY-MM" */
	double hours;         /* included; 0 without a plan */
	int64_t from, to;
	int64_t used_minutes; /* billable */
	int64_t percent;
	const struct bizhours *zone; /* the table's times are shown in it */
};
int report_plan(sqlite3 *db, const struct report_plan_req *q, bool json);

#endif
