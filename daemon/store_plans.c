/* store_plans.c: once-only notices, plan usage, the SLA clocks and the
 * CLI's plan report (see store.h, store_report.h). */
#include <stdio.h>
#include <string.h>
#include "bizhours.h"
#include "db.h"
#include "store.h"
#include "store_report.h"

int
store_notice_claim(sqlite3 *db, const char *kind, const char *subject,
    const char *period, int64_t threshold, int64_t now)
{
	int64_t n = 0;

	if (db_exec(db, "INSERT OR IGNORE INTO notices_sent (kind, subject, "
	    "period, threshold, at) VALUES (?, ?, ?, ?, ?)", "tttii", kind,
	    subject, period, threshold, now) != 0 ||
	    db_int(db, &n, "SELECT changes()", "") < 0)
		return -1;
	return n > 0;
}

int
store_time_used_between(sqlite3 *db, const char *client, int64_t from,
    int64_t to, int64_t *minutes_r)
{
	*minutes_r = 0;
	return db_int(db, minutes_r, "SELECT COALESCE(SUM(e.minutes), 0) FROM "
	    "time_entries e JOIN tickets t ON t.number = e.ticket WHERE "
	    "t.client = ? AND e.billable AND e.at >= ? AND e.at < ?", "tii",
	    client, from, to) < 0 ? -1 : 0;
}

int
store_time_clients(sqlite3 *db, int64_t from, int64_t to, GPtrArray *out)
{
	sqlite3_stmt *st = db_prep(db, "SELECT DISTINCT t.client FROM "
	    "time_entries e JOIN tickets t ON t.number = e.ticket WHERE "
	    "t.client IS NOT NULL AND e.billable AND e.at >= ? AND e.at < ?",
	    "ii", from, to);
	int r;

	if (!st)
		return -1;
	while ((r = sqlite3_step(st)) == SQLITE_ROW)
		g_ptr_array_add(out, db_col_str(st, 0));
	return db_rows_done(db, st, r);
}

int
store_client_contacts(sqlite3 *db, const char *client, int64_t since,
    int limit, GPtrArray *out)
{
	/* The newest ticket of each address gives its language. */
	sqlite3_stmt *st = db_prep(db, "SELECT p.address, MAX(p.name), "
	    "(SELECT t2.language FROM tickets t2 JOIN participants p2 ON "
	    "p2.ticket = t2.number WHERE p2.address = p.address ORDER BY "
	    "t2.number DESC LIMIT 1) FROM participants p JOIN tickets t ON "
	    "t.number = p.ticket WHERE t.client = ? AND (t.created >= ? OR "
	    "t.updated >= ?) GROUP BY p.address ORDER BY p.address LIMIT ?",
	    "tiii", client, since, since, (int64_t)limit);
	int r;

	if (!st)
		return -1;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		g_ptr_array_add(out, db_col_str(st, 0));
		g_ptr_array_add(out, db_col_str(st, 1));
		g_ptr_array_add(out, db_col_str(st, 2));
	}
	return db_rows_done(db, st, r);
}

/* The first column of st's first row into *str_r (g_malloc'd, NULL when
 * none or SQL NULL); finalizes st.  1: a row, 0: none, -1: st is NULL
 * (db_prep failed) or a database error (db_rows_done). */
static int
first_str(sqlite3 *db, sqlite3_stmt *st, char **str_r)
{
	int r;

	*str_r = NULL;
	if (!st)
		return -1;
	if ((r = sqlite3_step(st)) == SQLITE_ROW) {
		*str_r = db_col_str(st, 0);
		sqlite3_finalize(st);
		return 1;
	}
	return db_rows_done(db, st, r);
}

int
store_contact_language(sqlite3 *db, const char *address, char **lang_r)
{
	sqlite3_stmt *st = db_prep(db, "SELECT t.language FROM tickets t "
	    "JOIN participants p ON p.ticket = t.number WHERE p.address = "
	    "lower(?) ORDER BY t.number DESC LIMIT 1", "t", address);

	return first_str(db, st, lang_r);
}

int
store_client_queue(sqlite3 *db, const char *client, char **queue_r)
{
	sqlite3_stmt *st = db_prep(db, "SELECT queue FROM tickets WHERE "
	    "client = ? AND merged_into IS NULL ORDER BY created DESC, number "
	    "DESC LIMIT 1", "t", client);

	return first_str(db, st, queue_r);
}

void
store_sla_row_free(gpointer p)
{
	struct store_sla_row *r = p;

	g_free(r->status);
	g_free(r->priority);
	g_free(r->due);
	g_free(r);
}

int
store_sla_open(sqlite3 *db, GPtrArray *out)
{
	sqlite3_stmt *st = db_prep(db, "SELECT number, created, "
	    "COALESCE(first_response, 0), paused_seconds, "
	    "COALESCE(paused_since, 0), status, priority, COALESCE(due, '') "
	    "FROM tickets WHERE merged_into IS NULL AND status IN "
	    "('new', 'open', 'waiting') ORDER BY number", "");
	int r;

	if (!st)
		return -1;
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		struct store_sla_row *row = g_new0(struct store_sla_row, 1);

		row->number = sqlite3_column_int64(st, 0);
		row->created = sqlite3_column_int64(st, 1);
		row->first_response = sqlite3_column_int64(st, 2);
		row->paused_seconds = sqlite3_column_int64(st, 3);
		row->paused_since = sqlite3_column_int64(st, 4);
		row->status = db_col_str(st, 5);
		row->priority = db_col_str(st, 6);
		row->due = db_col_str(st, 7);
		g_ptr_array_add(out, row);
	}
	return db_rows_done(db, st, r);
}

int
store_sla_pause(sqlite3 *db, unsigned long num, int64_t now)
{
	return db_exec(db, "UPDATE tickets SET paused_since = ? WHERE number = "
	    "? AND paused_since IS NULL", "iu", now, num);
}

int
store_sla_paused_since(sqlite3 *db, unsigned long num, int64_t *since_r)
{
	*since_r = 0;
	return db_int(db, since_r, "SELECT paused_since FROM tickets WHERE "
	    "number = ? AND paused_since IS NOT NULL", "u", num);
}

int
store_sla_resume(sqlite3 *db, unsigned long num, int64_t add)
{
	return db_exec(db, "UPDATE tickets SET paused_seconds = paused_seconds "
	    "+ ?, paused_since = NULL WHERE number = ?", "iu", add, num);
}

static const char plan_json[] =
"SELECT json_object('client', ?, 'plan', ?, 'month', ?,"
" 'included_hours', ?, 'used_minutes', ?, 'used_hours', round(? / 60.0, 2),"
" 'percent', ?,"
" 'entries', (SELECT json_group_array(json_object('ticket', x.ticket,"
"   'subject', x.subject, 'agent', x.agent, 'minutes', x.minutes,"
"   'billable', json(CASE WHEN x.billable THEN 'true' ELSE 'false' END),"
"   'at', x.at)) FROM (SELECT e.ticket, t.subject, e.agent, e.minutes,"
"   e.billable, e.at FROM time_entries e JOIN tickets t ON"
"   t.number = e.ticket WHERE t.client = ? AND e.at >= ? AND e.at < ?"
"   ORDER BY e.at, e.id) x))";

int
report_plan(sqlite3 *db, const struct report_plan_req *q, bool json)
{
	sqlite3_stmt *st;
	int r;

	if (json) {
		/* The hours as text keep "7.5" exact in the document. */
		char hours[32];

		g_snprintf(hours, sizeof hours, "%g", q->hours);
		st = db_prep(db, plan_json, "ttttiiitii", q->client,
		    q->plan ? q->plan : "", q->month, hours, q->used_minutes,
		    q->used_minutes, q->percent, q->client, q->from, q->to);
		if (!st)
			return 1;
		if ((r = sqlite3_step(st)) == SQLITE_ROW)
			printf("%s\n", sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
		return r == SQLITE_ROW ? 0 : 1;
	}
	printf("Client:   %s\nPlan:     %s\nMonth:    %s\n"
	    "Used:     %.2f of %g h (%lld %%)\n\n", q->client,
	    q->plan ? q->plan : "-", q->month, q->used_minutes / 60.0,
	    q->hours, (long long)q->percent);
	st = db_prep(db, "SELECT e.ticket, e.agent, e.minutes, e.billable, "
	    "e.at, t.subject FROM "
	    "time_entries e JOIN tickets t ON t.number = e.ticket WHERE "
	    "t.client = ? AND e.at >= ? AND e.at < ? ORDER BY e.at, e.id",
	    "tii", q->client, q->from, q->to);
	if (!st)
		return 1;
	printf("%-8s %-16s %-20s %7s %-6s %s\n", "TICKET", "LOGGED",
	    "AGENT", "MINUTES", "BILLED", "SUBJECT");
	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		char *when = bizhours_format(q->zone, sqlite3_column_int64(st,
		    4), "%Y-%m-%d %H:%M");

		printf("%-8lld %-16s %-20s %7lld %-6s %s\n",
		    (long long)sqlite3_column_int64(st, 0), when,
		    sqlite3_column_text(st, 1),
		    (long long)sqlite3_column_int64(st, 2),
		    sqlite3_column_int64(st, 3) ? "yes" : "no",
		    sqlite3_column_text(st, 5));
		g_free(when);
	}
	return db_rows_done(db, st, r) == 0 ? 0 : 1;
}
