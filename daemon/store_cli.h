/* store_cli.h: the queries of the CLI's subcommands (postdesk(1)) that
 * store_report.h does not have: listings with filters, search, stats,
 * export, status, and the few rows the CLI changes (outbox retry, held
 * drop).  All SQL stays in the store layer (store.h); the CLI renders.
 *
 * A function returning sqlite3_stmt * returns a prepared statement ready
 * to step (caller finalizes), or NULL on an error (logged).  Column names
 * are the keys of --json; a column whose name starts with '_' is only for
 * the text output (json_row leaves it out), one ending in ":bool" is 0/1
 * shown as false/true (json.h). */
#ifndef PD_STORE_CLI_H
#define PD_STORE_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include <sqlite3.h>

struct store_ticket_filter {
	const char *status, *queue, *client, *assignee, *tag;
	bool waiting;        /* the client spoke last, not resolved/closed */
	int64_t since;       /* updated at or after, 0: any */
};

/* number, status, priority, type, queue, requester, client, assignee,
 * waiting, messages, created, updated, subject. */
sqlite3_stmt *store_cli_tickets(sqlite3 *db,
    const struct store_ticket_filter *f);

/* 1 when ticket n exists (merged ones too), 0 when not, -1. */
int store_cli_ticket_exists(sqlite3 *db, unsigned long n);

/* For `show N` as text.  Header: number, subject, status, priority, type,
 * queue, requester, requester_name, client, assignee, created, updated,
 * first_response, resolved_at, merged_into, rating, due. */
sqlite3_stmt *store_cli_ticket(sqlite3 *db, unsigned long n);
/* id, created, direction, kind, from_addr, from_name, to_addrs, cc_addrs,
 * subject, body, automated, files (names joined by ", "). */
sqlite3_stmt *store_cli_messages(sqlite3 *db, unsigned long n);
/* at, actor, event, detail. */
sqlite3_stmt *store_cli_events(sqlite3 *db, unsigned long n);
/* at, agent, minutes, billable. */
sqlite3_stmt *store_cli_time(sqlite3 *db, unsigned long n);
/* tag. */
sqlite3_stmt *store_cli_tags(sqlite3 *db, unsigned long n);
/* name, content_type, size of message id. */
sqlite3_stmt *store_cli_files(sqlite3 *db, int64_t message);
/* numbers of every ticket (not merged away) updated since, ascending. */
sqlite3_stmt *store_cli_export_tickets(sqlite3 *db, int64_t since);

/* Full-text search (the word index of schema v14, db.c): match is an
 * FTS5 query.  ticket, message, kind, from, subject, rank, snippet. */
sqlite3_stmt *store_cli_search(sqlite3 *db, const char *match, int limit);

/* Stats since since, grouped by queue (by_agent false) or by assignee:
 * name, opened, resolved, waiting, median_first_response (seconds, null
 * when none), ratings, rating_avg. */
sqlite3_stmt *store_cli_stats(sqlite3 *db, bool by_agent, int64_t since);

/* `postdesk status`: source, connected, connected_at, last_fetch,
 * backlog, last_error, last_error_at. */
sqlite3_stmt *store_cli_sources(sqlite3 *db);
/* at, source, error: the newest limit errors. */
sqlite3_stmt *store_cli_errors(sqlite3 *db, int limit);
/* Counts for status: outbox due now, pending later, failed; held;
 * quarantined.  0 or -1. */
struct store_counts {
	int64_t due, pending, failed, held, quarantine;
};
int store_cli_counts(sqlite3 *db, int64_t now, struct store_counts *c);

/* outbox list: id, ticket, kind, status, attempts, next_attempt, rcpt,
 * last_error. */
sqlite3_stmt *store_cli_outbox(sqlite3 *db);
/* held list: id, status, agent, created, reason, message_id. */
sqlite3_stmt *store_cli_held(sqlite3 *db);

/* The status of outbox row id in *status_r (g_malloc'd): 1, 0 when no
 * such row, -1.  Same for held rows. */
int store_cli_outbox_status(sqlite3 *db, int64_t id, char **status_r);
int store_cli_held_status(sqlite3 *db, int64_t id, char **status_r);
/* Outbox row id, failed or pending, due now with its attempts counted
 * anew.  1 changed, 0 not (sent meanwhile), -1. */
int store_cli_outbox_retry(sqlite3 *db, int64_t id, int64_t now);
/* Held row id, still held, marked dropped.  1, 0, -1. */
int store_cli_held_drop(sqlite3 *db, int64_t id);
/* Held row id: its agent's name and source (g_malloc'd) and its raw
 * bytes (unref).  1, 0 when no such row, -1. */
int store_cli_held_get(sqlite3 *db, int64_t id, char **agent_r,
    GBytes **raw_r, char **source_r);

/* The parts of `show N --json` (postdesk(1) names the members): the
 * ticket's row, its time entries, links, tasks, participants, messages,
 * and the attachments of one message (message; n unused). */
enum store_show { SHOW_TICKET, SHOW_TIME, SHOW_LINKS, SHOW_TASKS,
	SHOW_PARTICIPANTS, SHOW_MESSAGES, SHOW_ATTACHMENTS };
sqlite3_stmt *store_cli_show(sqlite3 *db, unsigned long n,
    enum store_show part, int64_t message);

/* unfiled: id, kind, message_id, from, subject, automated, created. */
sqlite3_stmt *store_cli_unfiled(sqlite3 *db);
/* quarantine list (all: also retried and dropped): id, source, reason,
 * size, status, created, raw (bytes kept). */
sqlite3_stmt *store_cli_quarantine(sqlite3 *db, bool all);

/* 1 when the daemon recorded source in source_status, 0 when never, -1. */
int store_cli_source_known(sqlite3 *db, const char *source);

/* 1 when some ticket is in queue, 0 when none, -1. */
int store_cli_queue_used(sqlite3 *db, const char *queue);

#endif
