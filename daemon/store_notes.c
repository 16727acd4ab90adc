/* store_notes.c: the notes of tickets as the leak guard reads them, and
 * their index tables note_features, note_files, note_unindexed (see
 * store_notes.h).  Part of the store layer (store.h): all SQL on notes is
 * here. */
#include <string.h>
#include "db.h"
#include "store_notes.h"
#include "leaktext.h"
#include "log.h"

/* Notes read for one check, beyond those of the ticket itself.  Far more
 * than a mail shares with distinct notes; past it the rest is logged and
 * the check goes on with what it has. */
#define MAX_CANDIDATES	2000

/* The note's text: body and the text of its attachments; its files'
 * hashes into hashes_r (may be NULL). */
static int
note_text(sqlite3 *db, int64_t note, const char *body, GString *out,
    struct leaktext *lt)
{
	sqlite3_stmt *st = db_prep(db, "SELECT a.filename, a.content_type, "
	    "COALESCE(b.data, a.data) FROM attachments a LEFT JOIN blobs b "
	    "ON b.hash = a.blob WHERE a.message = ?", "i", note);
	int r;

	if (!st)
		return -1;
	while ((r = sqlite3_step(st)) == SQLITE_ROW)
		leaktext_add_file(lt, (const char *)sqlite3_column_text(st, 0),
		    (const char *)sqlite3_column_text(st, 1),
		    sqlite3_column_blob(st, 2), (size_t)sqlite3_column_bytes(st,
		    2));
	sqlite3_finalize(st);
	if (r != SQLITE_DONE)
		return -1;
	g_string_append_printf(out, "%s\n%s", body, lt->text->str);
	return 0;
}

static int
insert_all(sqlite3 *db, const char *sql, int64_t note, GArray *feat,
    GPtrArray *files)
{
	sqlite3_stmt *st = NULL;
	guint n = feat ? feat->len : files->len;
	int r = SQLITE_DONE;

	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	for (guint i = 0; i < n && r == SQLITE_DONE; i++) {
		if (feat)
			sqlite3_bind_int64(st, 1, (sqlite3_int64)g_array_index(
			    feat, guint64, i));
		else
			sqlite3_bind_text(st, 1, files->pdata[i], -1,
			    SQLITE_STATIC);
		sqlite3_bind_int64(st, 2, note);
		r = sqlite3_step(st);
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	if (r != SQLITE_DONE) {
		log_warnx("stage=guard event=error error=\"%s\"",
		    sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}

/* Indexes note, whose whole text is text and files' hashes hashes. */
static int
index_text(sqlite3 *db, int64_t note, const char *text, GPtrArray *hashes)
{
	GArray *feat = leakguard_features(text, true);
	int r;

	r = insert_all(db, "INSERT OR IGNORE INTO note_features (hash, note) "
	    "VALUES (?, ?)", note, feat, NULL);
	if (r == 0)
		r = insert_all(db, "INSERT OR IGNORE INTO note_files (hash, "
		    "note) VALUES (?, ?)", note, NULL, hashes);
	g_array_unref(feat);
	return r;
}

int
leakindex_note(sqlite3 *db, int64_t note, const char *body,
    GPtrArray *attachments)
{
	struct leaktext lt;
	GString *all = g_string_new(body);
	int r;

	leaktext_init(&lt);
	leaktext_add(&lt, attachments);
	g_string_append_printf(all, "\n%s", lt.text->str);
	r = index_text(db, note, all->str, lt.hashes);
	g_string_free(all, TRUE);
	leaktext_clear(&lt);
	return r;
}

/* Notes stored before schema v5 (note_unindexed), BACKFILL at a time. */
#define BACKFILL	500

static int
backfill(sqlite3 *db)
{
	sqlite3_stmt *st = db_prep(db, "SELECT u.note, "
	    "COALESCE(pd_body(m.body, m.body_z), '') FROM note_unindexed u "
	    "LEFT JOIN messages m ON m.id = u.note LIMIT ?", "i", (int64_t)BACKFILL);
	GArray *ids = g_array_new(FALSE, FALSE, sizeof(int64_t));
	GPtrArray *bodies = g_ptr_array_new_with_free_func(g_free);
	int r = 0;

	while (st && sqlite3_step(st) == SQLITE_ROW) {
		int64_t id = sqlite3_column_int64(st, 0);

		g_array_append_val(ids, id);
		g_ptr_array_add(bodies, db_col_str(st, 1));
	}
	sqlite3_finalize(st);
	if (!st)
		r = -1;
	for (guint i = 0; r == 0 && i < ids->len; i++) {
		int64_t id = g_array_index(ids, int64_t, i);
		struct leaktext lt;
		GString *all = g_string_new(NULL);

		leaktext_init(&lt);
		r = note_text(db, id, bodies->pdata[i], all, &lt);
		if (r == 0)
			r = index_text(db, id, all->str, lt.hashes);
		if (r == 0)
			r = db_exec(db, "DELETE FROM note_unindexed WHERE note = "
			    "?", "i", id);
		leaktext_clear(&lt);
		g_string_free(all, TRUE);
	}
	g_array_unref(ids);
	g_ptr_array_unref(bodies);
	return r;
}

static bool
sees(const struct pd_config *cfg, const struct pd_agent *a,
    unsigned long ticket, unsigned long other, const char *queue,
    const char *assignee)
{
	if (other == ticket)
		return true;
	if (a == NULL)
		return false;
	if (a->queues->len == 0 || strcmp(assignee, a->name) == 0)
		return true;
	for (guint i = 0; i < a->queues->len; i++)
		if (strcmp(a->queues->pdata[i], queue) == 0)
			return true;
	return false;
}

struct lookup {
	sqlite3 *db;
	const struct pd_config *cfg;
	unsigned long ticket;
	const struct pd_agent *agent;
	GHashTable *notes;	/* note id (int64 as pointer key) -> 1 */
};

/* Adds the visible notes sql (one bound value) yields to x->notes. */
static int
lookup(struct lookup *x, sqlite3_stmt *st)
{
	int r;

	while ((r = sqlite3_step(st)) == SQLITE_ROW) {
		gint64 id = sqlite3_column_int64(st, 0);

		if (g_hash_table_size(x->notes) >= MAX_CANDIDATES)
			continue;
		if (sees(x->cfg, x->agent, x->ticket,
		    (unsigned long)sqlite3_column_int64(st, 1),
		    (const char *)sqlite3_column_text(st, 2),
		    (const char *)sqlite3_column_text(st, 3)))
			g_hash_table_add(x->notes, g_memdup2(&id, sizeof id));
	}
	sqlite3_reset(st);
	return r == SQLITE_DONE ? 0 : -1;
}

#define VISIBLE_SQL \
	" JOIN messages m ON m.id = f.note AND m.kind = 'note'" \
	" JOIN tickets t ON t.number = m.ticket" \
	" WHERE f.hash = ?"

static int
candidates(struct lookup *x, const char *text, GPtrArray *hashes)
{
	sqlite3_stmt *fs = NULL, *hs = NULL;
	GArray *feat = leakguard_features(text, false);
	GHashTable *done = g_hash_table_new_full(g_int64_hash, g_int64_equal,
	    g_free, NULL);
	int r = 0;

	if (sqlite3_prepare_v2(x->db, "SELECT f.note, t.number, t.queue, "
	    "COALESCE(t.assignee, '') FROM note_features f" VISIBLE_SQL, -1,
	    &fs, NULL) != SQLITE_OK || sqlite3_prepare_v2(x->db, "SELECT "
	    "f.note, t.number, t.queue, COALESCE(t.assignee, '') FROM "
	    "note_files f" VISIBLE_SQL, -1, &hs, NULL) != SQLITE_OK)
		r = -1;
	for (guint i = 0; r == 0 && i < feat->len; i++) {
		gint64 h = (gint64)g_array_index(feat, guint64, i);

		if (g_hash_table_contains(done, &h))
			continue;
		g_hash_table_add(done, g_memdup2(&h, sizeof h));
		sqlite3_bind_int64(fs, 1, h);
		r = lookup(x, fs);
	}
	for (guint i = 0; r == 0 && hashes && i < hashes->len; i++) {
		sqlite3_bind_text(hs, 1, hashes->pdata[i], -1, SQLITE_STATIC);
		r = lookup(x, hs);
	}
	if (r != 0)
		log_warnx("stage=guard event=error error=\"%s\"",
		    sqlite3_errmsg(x->db));
	if (g_hash_table_size(x->notes) >= MAX_CANDIDATES)
		log_warnx("ticket=%lu stage=guard event=candidates-capped "
		    "max=%d", x->ticket, MAX_CANDIDATES);
	sqlite3_finalize(fs);
	sqlite3_finalize(hs);
	g_hash_table_unref(done);
	g_array_unref(feat);
	return r;
}

static int
add_note(sqlite3 *db, struct leakguard *g, int64_t id, const char *body)
{
	struct leaktext lt;
	GString *all = g_string_new(NULL);
	int r;

	leaktext_init(&lt);
	r = note_text(db, id, body, all, &lt);
	if (r == 0) {
		leakguard_add_note(g, all->str);
		for (guint i = 0; i < lt.hashes->len; i++)
			leakguard_add_note_file(g, lt.hashes->pdata[i]);
	}
	leaktext_clear(&lt);
	g_string_free(all, TRUE);
	return r;
}

int
leakindex_guard(sqlite3 *db, const struct pd_config *cfg,
    unsigned long ticket, const struct pd_agent *agent, const char *text,
    GPtrArray *hashes, struct leakguard *g)
{
	struct lookup x = { .db = db, .cfg = cfg, .ticket = ticket,
		.agent = agent, .notes = g_hash_table_new_full(g_int64_hash,
		g_int64_equal, g_free, NULL) };
	sqlite3_stmt *st;
	GHashTableIter it;
	gpointer k;
	int r = 0;

	if (backfill(db) != 0) {
		g_hash_table_unref(x.notes);
		return -1;
	}
	/* The ticket's own notes, indexed or not (notes moved here by a
	 * merge are indexed too, but this costs nothing). */
	st = db_prep(db, "SELECT id FROM messages WHERE ticket = ? AND kind = "
	    "'note'", "u", ticket);
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		gint64 id = sqlite3_column_int64(st, 0);

		g_hash_table_add(x.notes, g_memdup2(&id, sizeof id));
	}
	sqlite3_finalize(st);
	if (!st)
		r = -1;
	/* Without an agent, sees() admits only the ticket's own notes, and
	 * those are all in x.notes already: the index has nothing to add
	 * (the common case, an acknowledgement to a client, costs no lookup
	 * of every feature of the text). */
	if (r == 0 && agent != NULL)
		r = candidates(&x, text, hashes);
	/* What the client wrote is no secret of the notes: read only when
	 * some note is there to be compared with (g's own, or this
	 * ticket's or the index's): an acknowledgement on a ticket without
	 * notes reads none of its messages. */
	if (r == 0 && (g_hash_table_size(x.notes) > 0 ||
	    leakguard_notes(g) > 0)) {
		st = db_prep(db, "SELECT subject, pd_body(body, body_z) FROM "
		    "messages WHERE ticket = ? AND kind = 'client'", "u",
		    ticket);
		while (st && sqlite3_step(st) == SQLITE_ROW) {
			leakguard_add_public(g, (const char *)
			    sqlite3_column_text(st, 0));
			leakguard_add_public(g, (const char *)
			    sqlite3_column_text(st, 1));
		}
		sqlite3_finalize(st);
		if (!st)
			r = -1;
	}
	g_hash_table_iter_init(&it, x.notes);
	while (r == 0 && g_hash_table_iter_next(&it, &k, NULL)) {
		gint64 id = *(gint64 *)k;

		st = db_prep(db, "SELECT pd_body(body, body_z) FROM messages "
		    "WHERE id = ?", "i", (int64_t)id);
		if (!st)
			r = -1;
		else if (sqlite3_step(st) == SQLITE_ROW)
			r = add_note(db, g, id, (const char *)
			    sqlite3_column_text(st, 0));
		sqlite3_finalize(st);
	}
	g_hash_table_unref(x.notes);
	return r;
}
