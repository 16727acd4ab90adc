/* report.h: the monthly client report (postdesk.conf(5) "DIGESTS
 * AND REPORTS", postdesk(1) `report`).
 *
 * For one client (config.h struct pd_client) and one calendar month in
 * gateway.timezone: tickets opened and resolved, the share of the last 12
 * months' tickets resolved, billable hours against the plan, the median
 * first-response time, ratings, and the last 12 months opened vs
 * resolved as a chart.  It goes to the client's contacts (its
 * `addresses`) as text with an HTML alternative, through notify.c; the
 * scheduler sends last month's on the first day of a month, once per
 * client and month (a timer_notices key committed with the mail). */
#ifndef PD_REPORT_H
#define PD_REPORT_H

#include <stdbool.h>
#include <stdint.h>
#include <sqlite3.h>
#include "config.h"
#include "store_digest.h"
#include "tx.h"

struct report {
	char *client;            /* the client's name */
	char *lang;              /* "en" or "ru" */
	int year, month;         /* 1-12 */
	char key[16];            /* "YYYY-MM" */
	struct store_month m;    /* the month's counts */
	int64_t opened12, resolved12; /* tickets of the 12 months ending
	                               * with this one; resolved by its end */
	int64_t series[12][2];   /* opened, resolved per month, oldest
	                          * first, this month last */
	char labels[12][16];     /* "YYYY-MM" of each */
	double plan_hours;       /* included hours a month; < 0: no plan */
	int64_t median_response; /* seconds; < 0: no answered ticket */
	char *queue;             /* whose voice the mail speaks with: the
	                          * queue of the client's newest ticket, or
	                          * NULL (the gateway's) */
};

/* Counts the report of cl for year-month.  0 or -1 (a database error,
 * logged).  Free with report_clear. */
int report_compute(sqlite3 *db, const struct pd_config *cfg,
    const struct pd_client *cl, int year, int month, struct report *r);
void report_clear(struct report *r);

/* The template's placeholders (notify_vars_new table). */
GHashTable *report_vars(const struct report *r);

/* The HTML bar chart of r.series (a table of coloured cells), g_malloc'd. */
char *report_chart_html(const struct report *r);

/* The report as one JSON document, g_malloc'd, or NULL on an error. */
char *report_json(sqlite3 *db, const struct report *r);

/* Who gets cl's report: its `contacts` (postdesk.conf(5) clients), like
 * the plan's notices, else its `addresses`.  Borrowed; may be empty (a
 * client known only by its domain). */
GPtrArray *report_recipients(const struct pd_client *cl);

/* Queues the report to every recipient of cl (report_recipients) with the
 * voice of r->queue.  0 (also with none) or -1. */
int report_send(struct tx *tx, const struct pd_client *cl,
    const struct report *r);

/* The month before the one holding now in gateway.timezone. */
void report_last_month(const struct pd_config *cfg, int64_t now,
    int *year_r, int *month_r);

/* The scheduler job: last month's reports not yet sent.  0 or -1. */
int report_run(struct tx *tx, int64_t now);

#endif
