/* store_digest.h: the queries of digests and monthly client reports
 * (scheduler.c's jobs, `postdesk report`; store layer, store.h).
 *
 * Errors follow db.h: -1 on a database error (logged), outputs in _r
 * parameters.  Times are epoch seconds; a month is [start, end). */
#ifndef PD_STORE_DIGEST_H
#define PD_STORE_DIGEST_H

#include <stdint.h>
#include <sqlite3.h>
#include <glib.h>

/* Claims a timer notice (a digest of one agent and slot, the report of a
 * client and month) by its key: 1 when it was not yet claimed (now it
 * is), 0 when it was, -1.  Claim in the transaction that queues the
 * notice. */
int store_timer_claim(sqlite3 *db, const char *key, int64_t now);

/* A ticket waiting for a support answer. */
struct store_waiting {
	unsigned long number;
	char *subject, *queue, *assignee, *priority; /* assignee "" when
	                                              * none */
	int64_t created, first_response; /* first_response 0: none yet */
	char *requester;             /* whose client plan sets the SLA
	                              * target (sla_target) */
};

/* Appends (struct store_waiting *, free with store_waiting_free) the
 * unmerged tickets in status new or open, oldest first, at most limit.
 * 0 or -1. */
int store_digest_waiting(sqlite3 *db, int limit, GPtrArray *out);
void store_waiting_free(gpointer p);

/* What a monthly report of a client counts. */
struct store_month {
	int64_t opened, resolved;   /* opened in the month; resolved (or
	                             * closed unresolved) in it */
	int64_t minutes;            /* billable minutes logged in it */
	int64_t ratings;            /* tickets rated in it */
	double rating_avg;          /* their average rating (0 when none) */
	GArray *first_responses;    /* int64_t seconds from creation to the
	                             * first answer, of tickets opened in
	                             * it; free with store_month_clear */
};

/* Counts the month [start, end) of client.  0 or -1. */
int store_month_stats(sqlite3 *db, const char *client, int64_t start,
    int64_t end, struct store_month *m);
void store_month_clear(struct store_month *m);

/* Of client's tickets opened in [start, end): how many, and how many were
 * resolved or closed before end.  0 or -1. */
int store_resolved_share(sqlite3 *db, const char *client, int64_t start,
    int64_t end, int64_t *opened_r, int64_t *resolved_r);

/* The language of client's newest ticket (g_malloc'd), or NULL when it
 * has none (or on an error). */
char *store_client_language(sqlite3 *db, const char *client);

/* s as a JSON string with its quotes (SQLite's json_quote, so quoting
 * is never done by hand), g_malloc'd, or NULL on an error. */
char *store_json_quote(sqlite3 *db, const char *s);

#endif
