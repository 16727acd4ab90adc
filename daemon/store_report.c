/* store_report.c: the CLI's reports (see store_report.h).
 *
 * Tables for people, --json for scripts.  JSON is produced by SQLite's own
 * json_object()/json_group_array(), so quoting is never done by hand. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <glib.h>
#include "db.h"
#include "store_report.h"

/* Prints the single text value a JSON-producing query returns. */
static int
print_json(sqlite3 *db, sqlite3_stmt *st)
{
	int r = -1;

	if (st && sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *s = sqlite3_column_text(st, 0);

		if (s)
			printf("%s\n", (const char *)s);
		r = s ? 0 : 1;
	} else if (st)
		r = 1; /* no row: nothing to show */
	else
		fprintf(stderr, "postdesk: %s\n", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return r;
}

static const char *
when(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;

	strftime(buf, len, "%Y-%m-%d %H:%M", localtime(&tt));
	return buf;
}

int
report_tickets(sqlite3 *db, const char *status, bool json)
{
	static const char cols[] = "t.number AS number, t.subject AS "
	    "subject, t.status AS status, t.requester AS requester, (SELECT "
	    "COUNT(*) FROM messages m WHERE m.ticket = t.number) AS messages, "
	    "t.created AS created, t.updated AS updated FROM tickets t WHERE "
	    "t.merged_into IS NULL AND (?1 IS NULL OR t.status = ?1)";
	char *sql, b1[32];
	sqlite3_stmt *st;

	if (json) {
		sql = g_strdup_printf("SELECT json_group_array(json_object("
		    "'number', number, 'subject', subject, 'status', status, "
		    "'requester', requester, 'messages', messages, 'created', "
		    "created, 'updated', updated)) FROM (SELECT %s ORDER BY "
		    "t.number)", cols);
		st = db_prep(db, sql, "t", status);
		g_free(sql);
		return print_json(db, st);
	}
	sql = g_strdup_printf("SELECT %s ORDER BY t.number", cols);
	st = db_prep(db, sql, "t", status);
	g_free(sql);
	printf("%-8s %-8s %-16s %-28s %4s  %s\n", "NUMBER", "STATUS",
	    "UPDATED", "REQUESTER", "MSGS", "SUBJECT");
	while (st && sqlite3_step(st) == SQLITE_ROW)
		printf("%-8lld %-8s %-16s %-28s %4lld  %s\n",
		    (long long)sqlite3_column_int64(st, 0),
		    sqlite3_column_text(st, 2), when(sqlite3_column_int64(st,
		    6), b1, sizeof b1), sqlite3_column_text(st, 3),
		    (long long)sqlite3_column_int64(st, 4),
		    sqlite3_column_text(st, 1));
	sqlite3_finalize(st);
	return 0;
}

static const char show_json[] =
"SELECT json_object('number', t.number, 'subject', t.subject,"
" 'status', t.status, 'priority', t.priority, 'type', t.type,"
" 'queue', t.queue, 'requester', t.requester,"
" 'requester_name', t.requester_name, 'language', t.language,"
" 'assignee', t.assignee, 'root_id', t.root_id,"
" 'created', t.created, 'updated', t.updated,"
" 'resolved_at', t.resolved_at, 'closed_at', t.closed_at,"
" 'reopens', t.reopens, 'rating', t.rating, 'merged_into', t.merged_into,"
" 'first_response', t.first_response, 'due', t.due, 'client', t.client,"
" 'tags', (SELECT json_group_array(g.tag) FROM ticket_tags g"
"   WHERE g.ticket = t.number),"
" 'time', (SELECT json_group_array(json_object('agent', e.agent,"
"   'minutes', e.minutes, 'billable', json(CASE WHEN e.billable"
"   THEN 'true' ELSE 'false' END))) FROM time_entries e"
"   WHERE e.ticket = t.number),"
" 'links', (SELECT json_group_array(json_object('a', l.a, 'b', l.b,"
"   'kind', l.kind)) FROM ticket_links l WHERE l.a = t.number"
"   OR l.b = t.number),"
" 'tasks', (SELECT json_group_array(json_object('idx', k.idx,"
"   'text', k.text, 'split_into', k.split_into)) FROM (SELECT * FROM tasks"
"   WHERE ticket = t.number ORDER BY idx) k),"
" 'participants', (SELECT json_group_array(p.address) FROM participants p"
"   WHERE p.ticket = t.number),"
" 'messages', (SELECT json_group_array(json_object('id', m.id,"
"   'message_id', m.message_id, 'from', m.from_addr,"
"   'from_name', m.from_name, 'subject', m.subject,"
"   'direction', m.direction, 'kind', m.kind, 'text', m.body,"
"   'automated', json(CASE WHEN m.automated IS NULL THEN 'false'"
"     ELSE 'true' END), 'automated_reason', m.automated,"
"   'created', m.created,"
"   'attachments', (SELECT json_group_array(json_object("
"     'filename', a.filename, 'content_type', a.content_type,"
"     'size', a.size)) FROM attachments a WHERE a.message = m.id)))"
"   FROM (SELECT * FROM messages WHERE ticket = t.number ORDER BY id) m),"
" 'events', (SELECT json_group_array(json_object('at', e.at,"
"   'actor', e.actor, 'event', e.event, 'detail', e.detail))"
"   FROM (SELECT * FROM events WHERE ticket = t.number ORDER BY id) e))"
" FROM tickets t WHERE t.number = ?";

int
report_show(sqlite3 *db, const char *tag, unsigned long n, bool json)
{
	sqlite3_stmt *st;
	char b[32];
	int found = 0;

	if (json) {
		if (print_json(db, db_prep(db, show_json, "u", n)) == 0)
			return 0;
		fprintf(stderr, "postdesk: no ticket %lu\n", n);
		return 1;
	}
	st = db_prep(db, "SELECT number, subject, status, priority, type, "
	    "queue, requester, COALESCE(assignee, '-'), created FROM tickets "
	    "WHERE number = ?", "u", n);
	if (st && sqlite3_step(st) == SQLITE_ROW) {
		found = 1;
		printf("Ticket:    %s#%lld\nSubject:   %s\nStatus:    %s\n"
		    "Priority:  %s\nType:      %s\nQueue:     %s\n"
		    "Requester: %s\nAssignee:  %s\nCreated:   %s\n",
		    tag, (long long)sqlite3_column_int64(st, 0),
		    sqlite3_column_text(st, 1), sqlite3_column_text(st, 2),
		    sqlite3_column_text(st, 3), sqlite3_column_text(st, 4),
		    sqlite3_column_text(st, 5), sqlite3_column_text(st, 6),
		    sqlite3_column_text(st, 7), when(sqlite3_column_int64(st,
		    8), b, sizeof b));
	}
	sqlite3_finalize(st);
	if (!found) {
		fprintf(stderr, "postdesk: no ticket %lu\n", n);
		return 1;
	}
	st = db_prep(db, "SELECT created, direction, from_addr, subject, "
	    "body, automated FROM messages WHERE ticket = ? ORDER BY id", "u",
	    n);
	while (st && sqlite3_step(st) == SQLITE_ROW)
		printf("\n--- %s %s %s%s%s\nSubject: %s\n\n%s\n",
		    when(sqlite3_column_int64(st, 0), b, sizeof b),
		    strcmp((const char *)sqlite3_column_text(st, 1), "in") ?
		    "to" : "from", sqlite3_column_text(st, 2),
		    sqlite3_column_text(st, 5) ? " (automated: " : "",
		    sqlite3_column_text(st, 5) ? (const char *)
		    sqlite3_column_text(st, 5) : "", sqlite3_column_text(st, 3),
		    sqlite3_column_text(st, 4));
	sqlite3_finalize(st);
	return 0;
}

int
report_outbox(sqlite3 *db, bool json)
{
	sqlite3_stmt *st;

	if (json)
		return print_json(db, db_prep(db, "SELECT "
		    "json_group_array(json_object('id', id, 'ticket', ticket, "
		    "'kind', kind, 'message_id', message_id, 'rcpt', rcpt, "
		    "'status', status, 'attempts', attempts, 'next_attempt', "
		    "next_attempt, 'last_error', last_error)) FROM (SELECT * "
		    "FROM outbox ORDER BY id)", ""));
	st = db_prep(db, "SELECT id, COALESCE(ticket, 0), kind, rcpt, "
	    "status, attempts, last_error FROM outbox ORDER BY id", "");
	printf("%-6s %-8s %-10s %-8s %3s  %-28s %s\n", "ID", "TICKET", "KIND",
	    "STATUS", "TRY", "RCPT", "LAST ERROR");
	while (st && sqlite3_step(st) == SQLITE_ROW)
		printf("%-6lld %-8lld %-10s %-8s %3lld  %-28s %s\n",
		    (long long)sqlite3_column_int64(st, 0),
		    (long long)sqlite3_column_int64(st, 1),
		    sqlite3_column_text(st, 2), sqlite3_column_text(st, 4),
		    (long long)sqlite3_column_int64(st, 5),
		    sqlite3_column_text(st, 3), sqlite3_column_text(st, 6));
	sqlite3_finalize(st);
	return 0;
}

int
report_held(sqlite3 *db, bool json)
{
	sqlite3_stmt *st;

	if (json)
		return print_json(db, db_prep(db, "SELECT "
		    "json_group_array(json_object('id', id, 'agent', agent, "
		    "'message_id', message_id, 'reason', reason, 'status', "
		    "status, 'created', created)) FROM (SELECT * FROM held "
		    "ORDER BY id)", ""));
	st = db_prep(db, "SELECT id, status, agent, message_id, reason FROM "
	    "held ORDER BY id", "");
	printf("%-6s %-9s %-20s %s\n", "ID", "STATUS", "AGENT", "MESSAGE-ID");
	while (st && sqlite3_step(st) == SQLITE_ROW)
		printf("%-6lld %-9s %-20s <%s> %s\n",
		    (long long)sqlite3_column_int64(st, 0),
		    sqlite3_column_text(st, 1), sqlite3_column_text(st, 2),
		    sqlite3_column_text(st, 3), sqlite3_column_text(st, 4));
	sqlite3_finalize(st);
	return 0;
}

/* Messages kept outside any ticket: automated mail that answers none
 * (postdesk.conf(5) "floods"), confirmations, multi-ticket mail. */
int
report_unfiled(sqlite3 *db, bool json)
{
	sqlite3_stmt *st;

	if (json)
		return print_json(db, db_prep(db, "SELECT "
		    "json_group_array(json_object('id', id, 'kind', kind, "
		    "'message_id', message_id, 'from', from_addr, "
		    "'subject', subject, 'automated', automated, 'created', "
		    "created)) FROM "
		    "(SELECT * FROM messages WHERE ticket IS NULL AND "
		    "direction = 'in' ORDER BY id)", ""));
	st = db_prep(db, "SELECT id, kind, from_addr, subject FROM messages "
	    "WHERE ticket IS NULL AND direction = 'in' ORDER BY id", "");
	printf("%-6s %-8s %-28s %s\n", "ID", "KIND", "FROM", "SUBJECT");
	while (st && sqlite3_step(st) == SQLITE_ROW)
		printf("%-6lld %-8s %-28s %s\n",
		    (long long)sqlite3_column_int64(st, 0),
		    sqlite3_column_text(st, 1), sqlite3_column_text(st, 2),
		    sqlite3_column_text(st, 3));
	sqlite3_finalize(st);
	return 0;
}

int
report_quarantine(sqlite3 *db, bool all, bool json)
{
	sqlite3_stmt *st;

	if (json)
		st = db_prep(db, "SELECT json_group_array(json_object('id', id, "
		    "'source', source, 'reason', reason, 'size', size, 'status', "
		    "status, 'created', created, 'raw', raw IS NOT NULL AND "
		    "length(raw) > 0)) FROM (SELECT * FROM quarantine WHERE ? OR "
		    "status = 'held' ORDER BY id)", "i", (int64_t)all);
	else
		st = db_prep(db, "SELECT id, status, size, source, reason FROM "
		    "quarantine WHERE ? OR status = 'held' ORDER BY id", "i",
		    (int64_t)all);
	if (!st)
		return 1;
	if (!json)
		printf("%-6s %-8s %10s %-10s %s\n", "ID", "STATUS", "SIZE",
		    "SOURCE", "REASON");
	while (sqlite3_step(st) == SQLITE_ROW)
		if (json)
			printf("%s\n", sqlite3_column_text(st, 0));
		else
			printf("%-6lld %-8s %10lld %-10s %s\n",
			    (long long)sqlite3_column_int64(st, 0),
			    sqlite3_column_text(st, 1),
			    (long long)sqlite3_column_int64(st, 2),
			    sqlite3_column_text(st, 3),
			    sqlite3_column_text(st, 4));
	sqlite3_finalize(st);
	return 0;
}

