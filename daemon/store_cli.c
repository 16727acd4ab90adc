/* store_cli.c: the CLI's queries (see store_cli.h). */
#include <string.h>
#include <glib.h>
#include "db.h"
#include "store_cli.h"

/* The client spoke last (of the client's and the agents' mail) and the
 * ticket is not done: it waits for us. */
#define WAITING \
	"(t.status NOT IN ('resolved', 'closed') AND COALESCE((SELECT m.kind " \
	"FROM messages m WHERE m.ticket = t.number AND m.direction = 'in' " \
	"AND m.kind IN ('client', 'agent') ORDER BY m.id DESC LIMIT 1), '') " \
	"= 'client')"

sqlite3_stmt *
store_cli_tickets(sqlite3 *db, const struct store_ticket_filter *f)
{
	return db_prep(db, "SELECT t.number AS number, t.status AS status, "
	    "t.priority AS priority, t.type AS type, t.queue AS queue, "
	    "t.requester AS requester, t.client AS client, t.assignee AS "
	    "assignee, " WAITING " AS \"waiting:bool\", (SELECT COUNT(*) "
	    "FROM messages m WHERE m.ticket = t.number) AS messages, t.created AS created, "
	    "t.updated AS updated, t.subject AS subject FROM tickets t "
	    "WHERE t.merged_into IS NULL AND (?1 IS NULL OR t.status = ?1) "
	    "AND (?2 IS NULL OR t.queue = ?2) AND (?3 IS NULL OR t.client "
	    "= ?3 COLLATE NOCASE OR t.requester = ?3 COLLATE NOCASE OR "
	    "substr(t.requester, instr(t.requester, '@') + 1) = ?3 COLLATE "
	    "NOCASE) AND (?4 IS NULL OR t.assignee = "
	    "?4 COLLATE NOCASE) AND (?5 IS NULL OR EXISTS (SELECT 1 FROM "
	    "ticket_tags g WHERE g.ticket = t.number AND g.tag = ?5 COLLATE "
	    "NOCASE)) AND (?6 = 0 OR " WAITING ") AND t.updated >= ?7 "
	    "ORDER BY t.number", "tttttii", f->status, f->queue, f->client,
	    f->assignee, f->tag, (int64_t)f->waiting, f->since);
}

int
store_cli_ticket_exists(sqlite3 *db, unsigned long n)
{
	int64_t one;

	return db_int(db, &one, "SELECT 1 FROM tickets WHERE number = ?",
	    "u", n);
}

sqlite3_stmt *
store_cli_ticket(sqlite3 *db, unsigned long n)
{
	return db_prep(db, "SELECT number, subject, status, priority, type, "
	    "queue, requester, requester_name, client, assignee, created, "
	    "updated, first_response, resolved_at, merged_into, rating, due "
	    "FROM tickets WHERE number = ?", "u", n);
}

sqlite3_stmt *
store_cli_messages(sqlite3 *db, unsigned long n)
{
	return db_prep(db, "SELECT m.id, m.created, m.direction, m.kind, "
	    "m.from_addr, m.from_name, m.to_addrs, m.cc_addrs, m.subject, "
	    "pd_body(m.body, m.body_z) AS body, m.automated, (SELECT "
	    "group_concat(a.filename, ', ') "
	    "FROM attachments a WHERE a.message = m.id), m.message_id, "
	    "m.in_reply_to FROM messages m WHERE m.ticket = ? ORDER BY m.id",
	    "u", n);
}

sqlite3_stmt *
store_cli_events(sqlite3 *db, unsigned long n)
{
	return db_prep(db, "SELECT at, actor, event, detail FROM events "
	    "WHERE ticket = ? ORDER BY id", "u", n);
}

sqlite3_stmt *
store_cli_time(sqlite3 *db, unsigned long n)
{
	return db_prep(db, "SELECT at, agent, minutes, billable FROM "
	    "time_entries WHERE ticket = ? ORDER BY id", "u", n);
}

sqlite3_stmt *
store_cli_tags(sqlite3 *db, unsigned long n)
{
	return db_prep(db, "SELECT tag FROM ticket_tags WHERE ticket = ? "
	    "ORDER BY tag", "u", n);
}

sqlite3_stmt *
store_cli_files(sqlite3 *db, int64_t message)
{
	return db_prep(db, "SELECT filename AS name, content_type, size "
	    "FROM attachments WHERE message = ? ORDER BY id", "i", message);
}

sqlite3_stmt *
store_cli_export_tickets(sqlite3 *db, int64_t since)
{
	return db_prep(db, "SELECT number FROM tickets WHERE merged_into IS "
	    "NULL AND updated >= ? ORDER BY number", "i", since);
}

sqlite3_stmt *
store_cli_search(sqlite3 *db, const char *match, int limit)
{
	/* bm25 weights: a hit in the subject or a file name counts more
	 * than one in a long text. */
	return db_prep(db, "SELECT m.ticket AS ticket, m.id AS message, "
	    "m.kind AS kind, m.from_addr AS \"from\", m.subject AS subject, "
	    "round(bm25(search_fts, 5.0, 1.0, 3.0), 3) AS rank, "
	    "snippet(search_fts, -1, '[', ']', '\u2026', 24) AS snippet "
	    "FROM search_fts JOIN messages m ON m.id = search_fts.rowid "
	    "WHERE search_fts MATCH ? ORDER BY rank LIMIT ?", "ti", match,
	    (int64_t)limit);
}

sqlite3_stmt *
store_cli_stats(sqlite3 *db, bool by_agent, int64_t since)
{
	char *sql = g_strdup_printf(
	    "WITH b AS (SELECT %s AS name, t.created, t.resolved_at, "
	    "t.rating, t.first_response, " WAITING " AS waiting FROM "
	    "tickets t WHERE t.merged_into IS NULL), "
	    "fr AS (SELECT name, first_response - created AS d, ROW_NUMBER() "
	    "OVER (PARTITION BY name ORDER BY first_response - created) AS "
	    "rn, COUNT(*) OVER (PARTITION BY name) AS cnt FROM b WHERE "
	    "first_response IS NOT NULL AND created >= ?1) "
	    "SELECT b.name AS name, SUM(b.created >= ?1) AS opened, "
	    "SUM(b.resolved_at IS NOT NULL AND b.resolved_at >= ?1) AS "
	    "resolved, SUM(b.waiting) AS waiting, (SELECT CAST(AVG(d) AS "
	    "INTEGER) FROM fr WHERE fr.name = b.name AND fr.rn IN ((fr.cnt "
	    "+ 1) / 2, (fr.cnt + 2) / 2)) AS median_first_response, "
	    "SUM(b.rating IS NOT NULL AND b.created >= ?1) AS ratings, "
	    "round(AVG(CASE WHEN b.created >= ?1 THEN b.rating END), 2) AS "
	    "rating_avg FROM b GROUP BY b.name ORDER BY b.name",
	    by_agent ? "COALESCE(NULLIF(t.assignee, ''), '(nobody)')" :
	    "t.queue");
	sqlite3_stmt *st = db_prep(db, sql, "i", since);

	g_free(sql);
	return st;
}

sqlite3_stmt *
store_cli_sources(sqlite3 *db)
{
	return db_prep(db, "SELECT source, connected AS \"connected:bool\", "
	    "connected_at, "
	    "last_fetch, backlog, last_error, last_error_at FROM "
	    "source_status ORDER BY source", "");
}

sqlite3_stmt *
store_cli_errors(sqlite3 *db, int limit)
{
	return db_prep(db, "SELECT at, source, error FROM recent_errors "
	    "ORDER BY id DESC LIMIT ?", "i", (int64_t)limit);
}

int
store_cli_counts(sqlite3 *db, int64_t now, struct store_counts *c)
{
	memset(c, 0, sizeof *c);
	if (db_int(db, &c->due, "SELECT COUNT(*) FROM outbox WHERE status = "
	    "'pending' AND next_attempt <= ?", "i", now) < 0 ||
	    db_int(db, &c->pending, "SELECT COUNT(*) FROM outbox WHERE status "
	    "= 'pending' AND next_attempt > ?", "i", now) < 0 ||
	    db_int(db, &c->failed, "SELECT COUNT(*) FROM outbox WHERE status "
	    "= 'failed'", "") < 0 ||
	    db_int(db, &c->held, "SELECT COUNT(*) FROM held WHERE status = "
	    "'held'", "") < 0 ||
	    db_int(db, &c->quarantine, "SELECT COUNT(*) FROM quarantine WHERE "
	    "status = 'held'", "") < 0)
		return -1;
	return 0;
}

sqlite3_stmt *
store_cli_outbox(sqlite3 *db)
{
	return db_prep(db, "SELECT id, ticket, kind, message_id, rcpt, "
	    "status, attempts, next_attempt, last_error FROM outbox ORDER BY "
	    "id", "");
}

sqlite3_stmt *
store_cli_held(sqlite3 *db)
{
	return db_prep(db, "SELECT id, status, agent, message_id, reason, "
	    "created FROM held ORDER BY id", "");
}

static int
status_of(sqlite3 *db, const char *sql, int64_t id, char **status_r)
{
	sqlite3_stmt *st = db_prep(db, sql, "i", id);
	int r;

	*status_r = NULL;
	if (!st)
		return -1;
	r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		*status_r = db_col_str(st, 0);
		sqlite3_finalize(st);
		return 1;
	}
	return db_rows_done(db, st, r);
}

int
store_cli_outbox_status(sqlite3 *db, int64_t id, char **status_r)
{
	return status_of(db, "SELECT status FROM outbox WHERE id = ?", id,
	    status_r);
}

int
store_cli_held_status(sqlite3 *db, int64_t id, char **status_r)
{
	return status_of(db, "SELECT status FROM held WHERE id = ?", id,
	    status_r);
}

int
store_cli_outbox_retry(sqlite3 *db, int64_t id, int64_t now)
{
	if (db_exec(db, "UPDATE outbox SET status = 'pending', attempts = 0, "
	    "next_attempt = ? WHERE id = ? AND status IN ('pending', "
	    "'failed')", "ii", now, id) != 0)
		return -1;
	return sqlite3_changes(db) > 0;
}

int
store_cli_held_drop(sqlite3 *db, int64_t id)
{
	if (db_exec(db, "UPDATE held SET status = 'dropped' WHERE id = ? AND "
	    "status = 'held'", "i", id) != 0)
		return -1;
	return sqlite3_changes(db) > 0;
}

int
store_cli_held_get(sqlite3 *db, int64_t id, char **agent_r, GBytes **raw_r,
    char **source_r)
{
	sqlite3_stmt *st = db_prep(db, "SELECT agent, raw, source FROM held "
	    "WHERE id = ?", "i", id);
	int r;

	*agent_r = NULL;
	*raw_r = NULL;
	*source_r = NULL;
	if (!st)
		return -1;
	r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		*agent_r = db_col_str(st, 0);
		*source_r = db_col_str(st, 2);
		*raw_r = g_bytes_new(sqlite3_column_blob(st, 1),
		    sqlite3_column_bytes(st, 1));
		sqlite3_finalize(st);
		return 1;
	}
	return db_rows_done(db, st, r);
}

sqlite3_stmt *
store_cli_show(sqlite3 *db, unsigned long n, enum store_show part,
    int64_t message)
{
	switch (part) {
	case SHOW_TICKET:
		return db_prep(db, "SELECT number, subject, status, priority, "
		    "type, queue, requester, requester_name, language, "
		    "assignee, root_id, created, updated, resolved_at, "
		    "closed_at, reopens, rating, merged_into, first_response, "
		    "due, client FROM tickets WHERE number = ?", "u", n);
	case SHOW_TIME:
		return db_prep(db, "SELECT agent, minutes, billable AS "
		    "\"billable:bool\", at FROM time_entries WHERE ticket = ? "
		    "ORDER BY id", "u", n);
	case SHOW_LINKS:
		return db_prep(db, "SELECT a, b, kind FROM ticket_links WHERE "
		    "a = ?1 OR b = ?1", "u", n);
	case SHOW_TASKS:
		return db_prep(db, "SELECT idx, text, split_into FROM tasks "
		    "WHERE ticket = ? ORDER BY idx", "u", n);
	case SHOW_PARTICIPANTS:
		return db_prep(db, "SELECT address FROM participants WHERE "
		    "ticket = ?", "u", n);
	case SHOW_MESSAGES:
		return db_prep(db, "SELECT id, message_id, from_addr AS "
		    "\"from\", from_name, subject, direction, kind, "
		    "pd_body(body, body_z) AS text, automated IS NOT NULL AS "
		    "\"automated:bool\", automated AS automated_reason, "
		    "created FROM messages "
		    "WHERE ticket = ? ORDER BY id", "u", n);
	case SHOW_ATTACHMENTS:
		return db_prep(db, "SELECT filename, content_type, size FROM "
		    "attachments WHERE message = ? ORDER BY id", "i", message);
	}
	return NULL;
}

sqlite3_stmt *
store_cli_unfiled(sqlite3 *db)
{
	return db_prep(db, "SELECT id, kind, message_id, from_addr AS "
	    "\"from\", subject, automated, created FROM messages WHERE "
	    "ticket IS NULL AND direction = 'in' ORDER BY id", "");
}

sqlite3_stmt *
store_cli_quarantine(sqlite3 *db, bool all)
{
	return db_prep(db, "SELECT id, source, reason, size, status, created, "
	    "raw IS NOT NULL AND length(raw) > 0 AS \"raw:bool\" FROM "
	    "quarantine WHERE ? OR status = 'held' ORDER BY id", "i",
	    (int64_t)all);
}

int
store_cli_source_known(sqlite3 *db, const char *source)
{
	int64_t one;

	return db_int(db, &one, "SELECT 1 FROM source_status WHERE source = ?",
	    "t", source);
}

int
store_cli_queue_used(sqlite3 *db, const char *queue)
{
	int64_t one;

	return db_int(db, &one, "SELECT 1 FROM tickets WHERE queue = ? LIMIT "
	    "1", "t", queue);
}
