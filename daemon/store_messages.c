/* store_messages.c: messages and their attachments (see store.h). */
#include <string.h>
#include <time.h>
#include <glib.h>
#include "clock.h"
#include "db.h"
#include "store.h"

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

/* The hashes come from the attachments (attachment_hash: worked out
 * once, by store_prepack when a batch did it ahead). */
static int
store_attachments(sqlite3 *db, int64_t msg, GPtrArray *atts)
{
	for (guint i = 0; atts && i < atts->len; i++) {
		struct pd_attachment *a = atts->pdata[i];
		gsize n = 0;
		const void *p = a->data ? g_bytes_get_data(a->data, &n) : NULL;
		const char *hash = attachment_hash(a);

		/* The content once, in blobs (docs/storage.md). */
		if (store_blob_put_hashed(db, p, n, hash) != 0 ||
		    db_exec(db, "INSERT INTO attachments (message, filename, "
		    "content_type, size, blob) VALUES (?, ?, ?, ?, ?)", "itti"
		    "t", msg, a->filename, a->content_type, (int64_t)a->size,
		    hash) != 0)
			return -1;
	}
	return 0;
}

/* The prepack of s when it was made of what s stores. */
static const struct store_prepack *
prepack_of(const struct pd_msg *m, const struct pd_stored *s)
{
	const struct store_prepack *p = s->pre;

	if (p == NULL || p->packed == NULL || p->raw != (const void *)s->raw ||
	    p->raw_len != s->raw_len)
		return NULL;
	return p;
}

int64_t
store_message_add(sqlite3 *db, const struct pd_msg *m,
    const struct pd_stored *s)
{
	const struct store_prepack *pre = prepack_of(m, s);
	char *to = addr_list(m->to), *cc = addr_list(m->cc);
	char *refs = ref_list(m->references);
	GArray *spans = pre ? g_array_ref(pre->spans) :
	    g_array_new(FALSE, FALSE, sizeof(struct raw_span));
	int r, format = pre ? pre->format : 0;
	GBytes *packed = pre ? g_bytes_ref(pre->packed) : NULL;
	gsize plen = 0, blen = 0;
	const void *pdata;
	const char *text = s->body ? s->body : m->text;
	GBytes *bz;
	const void *bdata;

	if (packed == NULL) {
		/* Kept whole, but without the attachments' text we can
		 * write again from their blobs (store_message_raw puts it
		 * back). */
		GByteArray *raw = store_raw_split(s->raw, s->raw_len,
		    m->attachments, spans);

		packed = store_raw_pack(raw, &format);
		g_byte_array_unref(raw);
	}
	pdata = g_bytes_get_data(packed, &plen);
	/* Deflated where that gains (schema 16, docs/storage.md); readers
	 * go through pd_body(). */
	if (pre != NULL && pre->text == text)
		bz = pre->text_z ? g_bytes_ref(pre->text_z) : NULL;
	else
		bz = store_text_pack(text);
	bdata = bz ? g_bytes_get_data(bz, &blen) : NULL;

	r = db_exec(db, "INSERT INTO messages (ticket, direction, kind, "
	    "message_id, in_reply_to, refs, from_addr, from_name, to_addrs, "
	    "cc_addrs, subject, body, automated, content_hash, source, raw, "
	    "created, raw_format, body_z) VALUES (NULLIF(?, 0), ?, ?, ?, ?, "
	    "?, lower(?), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULLIF(?, X''))",
	    "utttttttttttttt" "Biib", s->ticket,
	    s->direction, s->kind, m->message_id, m->in_reply_to, refs,
	    m->from.address, m->from.name, to, cc, m->subject, bz ? "" : text,
	    s->automated, s->hash, s->source, pdata, (size_t)plen,
	    pd_now(), (int64_t)format, bdata, (size_t)blen);
	g_free(to);
	g_free(cc);
	g_free(refs);
	g_bytes_unref(packed);
	if (bz)
		g_bytes_unref(bz);
	if (r != 0) {
		g_array_unref(spans);
		return -1;
	}
	int64_t id = sqlite3_last_insert_rowid(db);
	if (store_attachments(db, id, m->attachments) != 0 ||
	    store_raw_spans_add(db, id, spans) != 0) {
		g_array_unref(spans);
		return -1;
	}
	g_array_unref(spans);
	if (s->ticket && store_ticket_touch(db, s->ticket) != 0)
		return -1;
	return id;
}

void
store_prepack(struct store_prepack *p, const struct pd_msg *m,
    const void *raw, size_t len)
{
	GPtrArray *atts = m->attachments;
	GByteArray *split;

	memset(p, 0, sizeof *p);
	p->raw = raw;
	p->raw_len = len;
	p->text = m->text;
	p->spans = g_array_new(FALSE, FALSE, sizeof(struct raw_span));
	split = store_raw_split(raw, len, atts, p->spans);
	p->packed = store_raw_pack(split, &p->format);
	g_byte_array_unref(split);
	p->text_z = store_text_pack(m->text);
	/* Every attachment hashed here, kept on it (the split above hashed
	 * those it cut out). */
	for (guint i = 0; atts && i < atts->len; i++)
		attachment_hash(atts->pdata[i]);
}

void
store_prepack_clear(struct store_prepack *p)
{
	g_clear_pointer(&p->packed, g_bytes_unref);
	g_clear_pointer(&p->spans, g_array_unref);
	g_clear_pointer(&p->text_z, g_bytes_unref);
}

int
store_message_ticket(sqlite3 *db, const char *id, int64_t *ticket_r)
{
	*ticket_r = 0;
	return db_int(db, ticket_r, "SELECT ticket FROM messages WHERE "
	    "message_id = ? AND ticket IS NOT NULL ORDER BY id LIMIT 1", "t",
	    id);
}

unsigned long
store_ticket_by_msgid(sqlite3 *db, const char *id)
{
	int64_t t = 0;

	if (!id || !*id || store_message_ticket(db, id, &t) != 1)
		return 0;
	return store_ticket_survivor(db, t);
}

int
store_message_find(sqlite3 *db, const char *message_id, const char *hash,
    int64_t *id_r)
{
	*id_r = 0;
	return db_int(db, id_r, "SELECT id FROM messages WHERE message_id = ? "
	    "AND content_hash = ? ORDER BY id DESC", "tt", message_id, hash);
}

int
store_message_get(sqlite3 *db, int64_t id, int64_t *ticket_r,
    char **subject_r, char **from_r, char **name_r)
{
	sqlite3_stmt *st = db_prep(db, "SELECT ticket, subject, from_addr, "
	    "from_name FROM messages WHERE id = ? AND ticket IS NOT NULL",
	    "i", id);
	int r;

	*ticket_r = 0;
	*subject_r = *from_r = *name_r = NULL;
	if (!st)
		return -1;
	if ((r = sqlite3_step(st)) == SQLITE_ROW) {
		*ticket_r = sqlite3_column_int64(st, 0);
		*subject_r = db_col_str(st, 1);
		*from_r = db_col_str(st, 2);
		*name_r = db_col_str(st, 3);
	}
	sqlite3_finalize(st);
	return r == SQLITE_ROW ? 1 : r == SQLITE_DONE ? 0 : -1;
}

int
store_message_in_ticket(sqlite3 *db, int64_t id, unsigned long ticket)
{
	int64_t one = 0;

	return db_int(db, &one, "SELECT 1 FROM messages WHERE id = ? AND "
	    "ticket = ?", "iu", id, ticket);
}

int
store_message_move(sqlite3 *db, int64_t id, unsigned long ticket)
{
	return db_exec(db, "UPDATE messages SET ticket = ? WHERE id = ?", "ui",
	    ticket, id);
}

char *
store_message_last_client(sqlite3 *db, unsigned long ticket)
{
	sqlite3_stmt *st = db_prep(db, "SELECT message_id FROM messages "
	    "WHERE ticket = ? AND direction = 'in' AND kind = 'client' ORDER "
	    "BY id DESC LIMIT 1", "u", ticket);
	char *id = NULL;

	if (st && sqlite3_step(st) == SQLITE_ROW)
		id = db_col_str(st, 0);
	sqlite3_finalize(st);
	return id;
}
