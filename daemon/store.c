/* store.c: see store.h. */
#include <string.h>
#include <time.h>
#include <glib.h>
#include "db.h"
#include "log.h"
#include "mac.h"
#include "store.h"

static int64_t
now(void)
{
	return (int64_t)time(NULL);
}

static unsigned long
resolve_merge(sqlite3 *db, unsigned long number)
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
	number = resolve_merge(db, number);
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

unsigned long
store_ticket_by_msgid(sqlite3 *db, const char *id)
{
	int64_t t = 0;

	if (!id || !*id || db_int(db, &t, "SELECT ticket FROM messages WHERE "
	    "message_id = ? AND ticket IS NOT NULL ORDER BY id LIMIT 1", "t",
	    id) != 1)
		return 0;
	return resolve_merge(db, t);
}

int
store_is_participant(sqlite3 *db, unsigned long ticket, const char *address)
{
	int64_t n = 0;

	return db_int(db, &n, "SELECT 1 FROM participants WHERE ticket = ? "
	    "AND address = lower(?)", "ut", ticket, address);
}

int
store_participant_add(sqlite3 *db, unsigned long ticket, const char *address,
    const char *name, const char *role)
{
	return db_exec(db, "INSERT OR IGNORE INTO participants (ticket, "
	    "address, name, role) VALUES (?, lower(?), ?, ?)", "utt" "t",
	    ticket, address, name ? name : "", role);
}

int64_t
store_message_dup(sqlite3 *db, const char *message_id, const char *hash)
{
	int64_t id = 0;

	if (db_int(db, &id, "SELECT id FROM messages WHERE message_id = ? "
	    "AND content_hash = ?", "tt", message_id ? message_id : "",
	    hash) < 0)
		return -1;
	return id;
}

/* "Name <addr>, ..." of a list of struct pd_addr, for display columns. */
static char *
addr_list(GPtrArray *a)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; a && i < a->len; i++) {
		const struct pd_addr *x = a->pdata[i];

		g_string_append_printf(s, "%s%s", i ? ", " : "", x->address);
	}
	return g_string_free(s, FALSE);
}

static char *
ref_list(GPtrArray *refs)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; refs && i < refs->len; i++)
		g_string_append_printf(s, "%s<%s>", i ? " " : "",
		    (char *)refs->pdata[i]);
	return g_string_free(s, FALSE);
}

static int
store_attachments(sqlite3 *db, int64_t msg, GPtrArray *atts)
{
	for (guint i = 0; atts && i < atts->len; i++) {
		const struct pd_attachment *a = atts->pdata[i];
		gsize n = 0;
		const void *p = a->data ? g_bytes_get_data(a->data, &n) : NULL;

		if (db_exec(db, "INSERT INTO attachments (message, filename, "
		    "content_type, size, data) VALUES (?, ?, ?, ?, ?)", "itti"
		    "b", msg, a->filename, a->content_type, (int64_t)a->size,
		    p, (size_t)n) != 0)
			return -1;
	}
	return 0;
}

int64_t
store_message_add(sqlite3 *db, const struct pd_msg *m,
    const struct pd_stored *s)
{
	char *to = addr_list(m->to), *cc = addr_list(m->cc);
	char *refs = ref_list(m->references);
	int r;

	r = db_exec(db, "INSERT INTO messages (ticket, direction, kind, "
	    "message_id, in_reply_to, refs, from_addr, from_name, to_addrs, "
	    "cc_addrs, subject, body, automated, content_hash, source, raw, "
	    "created) VALUES (NULLIF(?, 0), ?, ?, ?, ?, ?, lower(?), ?, ?, "
	    "?, ?, ?, ?, ?, ?, ?, ?)", "utttttttttttttt" "bi", s->ticket,
	    s->direction, s->kind, m->message_id, m->in_reply_to, refs,
	    m->from.address, m->from.name, to, cc, m->subject, s->body ?
	    s->body : m->text,
	    s->automated, s->hash, s->source, s->raw, s->raw_len, now());
	g_free(to);
	g_free(cc);
	g_free(refs);
	if (r != 0)
		return -1;
	int64_t id = sqlite3_last_insert_rowid(db);
	if (store_attachments(db, id, m->attachments) != 0)
		return -1;
	if (s->ticket && store_ticket_touch(db, s->ticket) != 0)
		return -1;
	return id;
}

int
store_event_add(sqlite3 *db, unsigned long ticket, const char *actor,
    const char *event, const char *detail)
{
	return db_exec(db, "INSERT INTO events (ticket, at, actor, event, "
	    "detail) VALUES (NULLIF(?, 0), ?, ?, ?, ?)", "uittt", ticket,
	    now(), actor ? actor : "", event, detail ? detail : "");
}

int
store_ticket_touch(sqlite3 *db, unsigned long ticket)
{
	return db_exec(db, "UPDATE tickets SET updated = ? WHERE number = ?",
	    "iu", now(), ticket);
}

int
store_uid_done(sqlite3 *db, const char *source, const char *folder,
    uint32_t uidvalidity, uint32_t uid)
{
	int64_t one = 0;

	return db_int(db, &one, "SELECT 1 FROM source_uids WHERE source = ? "
	    "AND folder = ? AND uidvalidity = ? AND uid = ?", "ttii", source,
	    folder, (int64_t)uidvalidity, (int64_t)uid);
}

int
store_uid_mark(sqlite3 *db, const char *source, const char *folder,
    uint32_t uidvalidity, uint32_t uid, int64_t message, int64_t quarantine)
{
	return db_exec(db, "INSERT OR REPLACE INTO source_uids (source, "
	    "folder, uidvalidity, uid, message, quarantine, at) VALUES "
	    "(?, ?, ?, ?, NULLIF(?, 0), NULLIF(?, 0), ?)", "ttiiiii", source,
	    folder, (int64_t)uidvalidity, (int64_t)uid, message, quarantine,
	    now());
}

int64_t
store_quarantine_add(sqlite3 *db, const char *source, const char *reason,
    const char *raw, size_t len, size_t size)
{
	if (db_exec(db, "INSERT INTO quarantine (source, reason, size, raw, "
	    "created) VALUES (?, ?, ?, ?, ?)", "tti" "bi", source ? source :
	    "", reason, (int64_t)size, raw, raw ? len : (size_t)0, now()) != 0)
		return -1;
	return sqlite3_last_insert_rowid(db);
}
