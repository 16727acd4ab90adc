/* store_tickets.c: tickets, links, tags and tasks (see store.h). */
#include <string.h>
#include <time.h>
#include <glib.h>
#include "clock.h"
#include "db.h"
#include "log.h"
#include "mac.h"
#include "store.h"

static int64_t
now(void)
{
	return pd_now();
}

unsigned long
store_ticket_survivor(sqlite3 *db, unsigned long number)
{
	int64_t into;

	/* Bounded: a merge chain longer than this is a loop. */
	for (int i = 0; i < 32; i++) {
		if (db_int(db, &into, "SELECT merged_into FROM tickets WHERE "
		    "number = ? AND merged_into IS NOT NULL", "u", number) != 1)
			return number;
		number = into;
	}
	return number;
}

int
store_ticket_get(sqlite3 *db, unsigned long number, struct pd_ticket *t)
{
	sqlite3_stmt *st;
	int r;

	memset(t, 0, sizeof *t);
	number = store_ticket_survivor(db, number);
	st = db_prep(db, "SELECT number, subject, status, priority, type, "
	    "queue, requester, requester_name, language, "
	    "COALESCE(assignee, ''), root_id, created, updated "
	    "FROM tickets WHERE number = ?", "u", number);
	if (!st)
		return -1;
	if ((r = sqlite3_step(st)) == SQLITE_ROW) {
		t->number = sqlite3_column_int64(st, 0);
		t->subject = db_col_str(st, 1);
		t->status = db_col_str(st, 2);
		t->priority = db_col_str(st, 3);
		t->type = db_col_str(st, 4);
		t->queue = db_col_str(st, 5);
		t->requester = db_col_str(st, 6);
		t->requester_name = db_col_str(st, 7);
		t->language = db_col_str(st, 8);
		t->assignee = db_col_str(st, 9);
		t->root_id = db_col_str(st, 10);
		t->created = sqlite3_column_int64(st, 11);
		t->updated = sqlite3_column_int64(st, 12);
	}
	sqlite3_finalize(st);
	return r == SQLITE_ROW ? 1 : r == SQLITE_DONE ? 0 : -1;
}

void
store_ticket_clear(struct pd_ticket *t)
{
	g_free(t->subject);
	g_free(t->status);
	g_free(t->priority);
	g_free(t->type);
	g_free(t->queue);
	g_free(t->requester);
	g_free(t->requester_name);
	g_free(t->language);
	g_free(t->assignee);
	g_free(t->root_id);
	memset(t, 0, sizeof *t);
}

int
store_ticket_create(sqlite3 *db, struct pd_ticket *t, unsigned long first,
    const char *domain, const char *detail)
{
	int64_t next = 0;

	if (db_int(db, &next, "SELECT MAX(number) + 1 FROM tickets", "") < 0)
		return -1;
	t->number = (unsigned long)next < first ? first : (unsigned long)next;
	t->created = t->updated = now();
	g_free(t->root_id);
	t->root_id = mac_root_id(t->number, domain);
	g_free(t->status);
	t->status = g_strdup("new");
	g_free(t->priority);
	t->priority = g_strdup("normal");
	g_free(t->type);
	t->type = g_strdup("question");
	g_free(t->assignee);
	t->assignee = g_strdup("");
	if (db_exec(db, "INSERT INTO tickets (number, subject, queue, "
	    "requester, requester_name, language, root_id, created, updated) "
	    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", "uttttttii", t->number,
	    t->subject, t->queue, t->requester, t->requester_name,
	    t->language, t->root_id, t->created, t->updated) != 0)
		return -1;
	if (store_participant_add(db, t->number, t->requester,
	    t->requester_name, "requester") != 0)
		return -1;
	return store_event_add(db, t->number, t->requester, "created", detail);
}

int
store_ticket_touch(sqlite3 *db, unsigned long ticket)
{
	return db_exec(db, "UPDATE tickets SET updated = ? WHERE number = ?",
	    "iu", now(), ticket);
}

int
store_ticket_set_status(sqlite3 *db, unsigned long num, const char *status,
    int64_t at)
{
	return db_exec(db, "UPDATE tickets SET status = ?, updated = ?, "
	    "resolved_at = CASE WHEN ? = 'resolved' THEN ? ELSE resolved_at "
	    "END, closed_at = CASE WHEN ? = 'closed' THEN ? ELSE closed_at "
	    "END WHERE number = ?", "tititiu", status, at, status, at,
	    status, at, num);
}

int
store_ticket_count_reopen(sqlite3 *db, unsigned long num)
{
	return db_exec(db, "UPDATE tickets SET reopens = reopens + 1, "
	    "resolved_at = NULL, closed_at = NULL WHERE number = ?", "u", num);
}

/* Column names are never built from input: one statement per field. */
static const struct {
	const char *field;
	const char *sql;
} field_sql[] = {
	{ "priority", "UPDATE tickets SET priority = ? WHERE number = ?" },
	{ "type", "UPDATE tickets SET type = ? WHERE number = ?" },
	{ "assignee", "UPDATE tickets SET assignee = ? WHERE number = ?" },
	{ "due", "UPDATE tickets SET due = ? WHERE number = ?" },
	{ "client", "UPDATE tickets SET client = ? WHERE number = ?" },
	{ "status", "UPDATE tickets SET status = ? WHERE number = ?" },
	{ "queue", "UPDATE tickets SET queue = ? WHERE number = ?" },
};

int
store_ticket_set_field(sqlite3 *db, unsigned long num, const char *field,
    const char *value)
{
	for (size_t i = 0; i < G_N_ELEMENTS(field_sql); i++)
		if (strcmp(field_sql[i].field, field) == 0)
			return db_exec(db, field_sql[i].sql, "tu", value, num);
	log_warnx("stage=db event=bug reason=\"no such ticket field\" "
	    "field=%s", field);
	return -1;
}

int
store_ticket_set_rating(sqlite3 *db, unsigned long num, int rating)
{
	return db_exec(db, "UPDATE tickets SET rating = ? WHERE number = ?",
	    "iu", (int64_t)rating, num);
}

int
store_ticket_first_response(sqlite3 *db, unsigned long num, int64_t at)
{
	return db_exec(db, "UPDATE tickets SET first_response = ? WHERE "
	    "number = ? AND first_response IS NULL", "iu", at, num);
}

int
store_ticket_first_response_at(sqlite3 *db, unsigned long num,
    int64_t *at_r)
{
	*at_r = 0;
	return db_int(db, at_r, "SELECT COALESCE(first_response, 0) FROM "
	    "tickets WHERE number = ?", "u", num);
}

int
store_ticket_life(sqlite3 *db, unsigned long num, int64_t *closed_at_r,
    int64_t *reopens_r, bool *finished_r)
{
	sqlite3_stmt *st = db_prep(db, "SELECT COALESCE(closed_at, 0), "
	    "reopens, status IN ('resolved', 'closed') FROM tickets WHERE "
	    "number = ?", "u", num);
	int r;

	if (!st)
		return -1;
	if ((r = sqlite3_step(st)) == SQLITE_ROW) {
		*closed_at_r = sqlite3_column_int64(st, 0);
		*reopens_r = sqlite3_column_int64(st, 1);
		*finished_r = sqlite3_column_int(st, 2);
	}
	sqlite3_finalize(st);
	return r == SQLITE_ROW ? 1 : r == SQLITE_DONE ? 0 : -1;
}

int
store_tickets_resolved_before(sqlite3 *db, int64_t cutoff, GArray *out)
{
	sqlite3_stmt *st = db_prep(db, "SELECT number FROM tickets WHERE "
	    "status = 'resolved' AND resolved_at <= ? AND merged_into IS "
	    "NULL", "i", cutoff);

	if (!st)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW) {
		int64_t num = sqlite3_column_int64(st, 0);

		g_array_append_val(out, num);
	}
	sqlite3_finalize(st);
	return 0;
}

int
store_ticket_link(sqlite3 *db, unsigned long a, unsigned long b,
    const char *kind)
{
	return db_exec(db, "INSERT OR IGNORE INTO ticket_links (a, b, "
	    "kind, at) VALUES (?, ?, ?, ?)", "uuti", a, b, kind, now());
}

int
store_ticket_merge(sqlite3 *db, unsigned long from, unsigned long into)
{
	static const char *const moves[] = {
		"UPDATE messages SET ticket = ?2 WHERE ticket = ?1",
		"UPDATE time_entries SET ticket = ?2 WHERE ticket = ?1",
		"INSERT OR IGNORE INTO participants (ticket, address, name, "
		"role) SELECT ?2, address, name, CASE role WHEN 'requester' "
		"THEN 'cc' ELSE role END FROM participants WHERE ticket = ?1",
		"UPDATE tickets SET merged_into = ?2 WHERE number = ?1",
		NULL };

	for (const char *const *sql = moves; *sql; sql++)
		if (db_exec(db, *sql, "uu", from, into) != 0)
			return -1;
	return 0;
}

int
store_tag_add(sqlite3 *db, unsigned long num, const char *tag)
{
	return db_exec(db, "INSERT OR IGNORE INTO ticket_tags (ticket, tag) "
	    "VALUES (?, ?)", "ut", num, tag);
}

int
store_tag_del(sqlite3 *db, unsigned long num, const char *tag)
{
	return db_exec(db, "DELETE FROM ticket_tags WHERE ticket = ? AND "
	    "tag = ?", "ut", num, tag);
}

int
store_task_add(sqlite3 *db, unsigned long num, unsigned idx,
    const char *text)
{
	return db_exec(db, "INSERT INTO tasks (ticket, idx, text) VALUES "
	    "(?, ?, ?)", "uit", num, (int64_t)idx, text);
}

int
store_tasks_pending(sqlite3 *db, unsigned long num, GPtrArray *out)
{
	sqlite3_stmt *st = db_prep(db, "SELECT idx, text FROM tasks WHERE "
	    "ticket = ? AND split_into IS NULL ORDER BY idx", "u", num);

	if (!st)
		return -1;
	while (sqlite3_step(st) == SQLITE_ROW)
		g_ptr_array_add(out, db_col_str(st, 1));
	sqlite3_finalize(st);
	return 0;
}

int
store_tasks_pending_count(sqlite3 *db, unsigned long num, int64_t *n_r)
{
	*n_r = 0;
	return db_int(db, n_r, "SELECT COUNT(*) FROM tasks WHERE ticket = ? "
	    "AND split_into IS NULL", "u", num) < 0 ? -1 : 0;
}

int
store_task_split(sqlite3 *db, unsigned long num, unsigned idx,
    unsigned long into)
{
	return db_exec(db, "UPDATE tasks SET split_into = ? WHERE ticket = ? "
	    "AND idx = ?", "uui", into, num, (int64_t)idx);
}
