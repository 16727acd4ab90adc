/* store_outbox.c: outbox rows and the sender's bookkeeping (see store.h,
 * outbox.h). */
#include <string.h>
#include <time.h>
#include "clock.h"
#include "compose.h"
#include "db.h"
#include "log.h"
#include "store.h"

/* Runs sql (a SAVEPOINT, RELEASE or ROLLBACK TO) without a log line;
 * the statement is prepared once and kept (db_prep).  0, or -1 with
 * *err_r set when err_r is not NULL. */
static int
savepoint(sqlite3 *db, const char *sql, char **err_r)
{
	sqlite3_stmt *st = db_prep(db, sql, "");
	int r = st ? sqlite3_step(st) : SQLITE_ERROR;

	if (st)
		db_finalize(st);
	if (r == SQLITE_DONE)
		return 0;
	if (err_r)
		*err_r = g_strdup(sqlite3_errmsg(db));
	return -1;
}

int64_t
store_outbox_insert(sqlite3 *db, unsigned long ticket, const char *kind,
    const char *msgid, const char *env_from, const char *rcpt,
    const char *data, size_t len)
{
	return store_outbox_insert_split(db, ticket, kind, msgid, env_from,
	    rcpt, data, len, NULL, NULL);
}

/* Whether the blob of hash (a span's, a recipe's attachment) is stored,
 * storing it from the attachment of atts that has that hash: the
 * attachments of a mail we store are blobs already (in the same
 * transaction); any other is stored here.  1 when it is stored now, 0
 * when no attachment has it, -1 on an error. */
static int
have_blob(sqlite3 *db, const char *hash, GPtrArray *atts)
{
	int64_t one = 0;

	if (db_int(db, &one, "SELECT 1 FROM blobs WHERE hash = ?", "t",
	    hash) < 0)
		return -1;
	for (guint j = 0; !one && atts && j < atts->len; j++) {
		struct pd_attachment *a = atts->pdata[j];
		gsize n = 0;
		const void *d = a->data ? g_bytes_get_data(a->data, &n) : NULL;

		if (!d || strcmp(attachment_hash(a), hash) != 0)
			continue;
		if (store_blob_put_hashed(db, d, n, hash) != 0)
			return -1;
		one = 1;
	}
	return one ? 1 : 0;
}

int64_t
store_outbox_insert_split(sqlite3 *db, unsigned long ticket,
    const char *kind, const char *msgid, const char *env_from,
    const char *rcpt, const char *data, size_t len, GArray *spans,
    GPtrArray *atts)
{
	int64_t now = pd_now(), id, size = len;
	guint nspans = spans ? spans->len : 0;

	/* The row keeps the header section, the SHA-256 and the size of
	 * the mail from the start, and never shrinks; the whole mail waits
	 * in outbox_bodies until it is sent (schema v15 in db.c,
	 * docs/storage.md).  With spans, data_size is the whole mail's and
	 * the spans go in outbox_spans, whose blobs may then never go (a
	 * foreign key: schema 18, docs/storage.md); data_hash is NULL until
	 * the sender has the whole mail (store_outbox_due).  All rows or
	 * none: a savepoint, so that a caller outside a transaction gets
	 * that too. */
	if (savepoint(db, "SAVEPOINT outbox_insert", NULL) != 0)
		return -1;
	for (guint i = 0; i < nspans; i++) {
		const struct raw_span *sp = &g_array_index(spans,
		    struct raw_span, i);

		size += sp->len;
		if (have_blob(db, sp->blob, atts) != 1)
			goto fail;
	}
	if (db_exec(db, "INSERT INTO outbox (ticket, kind, message_id, "
	    "env_from, rcpt, data, data_hash, data_size, next_attempt, "
	    "created) VALUES (NULLIF(?1, 0), ?2, ?3, ?4, ?5, pd_headers(?6), "
	    "CASE WHEN ?10 THEN pd_sha256(?6) END, ?7, ?8, ?9)", "utttt"
	    "Biiii", ticket, kind, msgid, env_from, rcpt, data, len, size,
	    now, now, (int64_t)(nspans == 0)) != 0)
		goto fail;
	id = sqlite3_last_insert_rowid(db);
	if (db_exec(db, "INSERT INTO outbox_bodies (id, data) VALUES (?, ?)",
	    "iB", id, data, len) != 0)
		goto fail;
	for (guint i = 0; i < nspans; i++) {
		const struct raw_span *sp = &g_array_index(spans,
		    struct raw_span, i);

		if (db_exec(db, "INSERT INTO outbox_spans (outbox, offset, "
		    "blob, form) VALUES (?, ?, ?, ?)", "iiti", id,
		    (int64_t)sp->at, sp->blob, (int64_t)sp->form) != 0)
			goto fail;
	}
	if (savepoint(db, "RELEASE outbox_insert", NULL) != 0)
		goto fail;
	return id;
fail:
	savepoint(db, "ROLLBACK TO outbox_insert", NULL);
	savepoint(db, "RELEASE outbox_insert", NULL);
	return -1;
}

static GBytes *store_outbox_mail_stored(sqlite3 *db, int64_t id);

/* The mail of outbox row id whose stored body (len bytes) lacks the
 * text of its spans, with them put back; NULL on an error. */
static GByteArray *
put_back(sqlite3 *db, int64_t id, const void *body, size_t len)
{
	sqlite3_stmt *sp = db_prep(db, "SELECT s.offset, s.form, b.data FROM "
	    "outbox_spans s JOIN blobs b ON b.hash = s.blob WHERE s.outbox = ? "
	    "ORDER BY s.offset", "i", id);
	GByteArray *all = g_byte_array_sized_new(len + len / 2 + 4096);
	int r = store_spans_put_back(sp, body, len, all);

	sqlite3_finalize(sp);
	if (r != 0) {
		g_byte_array_unref(all);
		return NULL;
	}
	return all;
}

/* wire (len bytes, composed with spans) with each span's text put back
 * from the blob of its hash among hashes and blobs (in the same order). */
static GByteArray *
put_spans(const char *wire, size_t len, GArray *spans, GPtrArray *hashes,
    GPtrArray *blobs)
{
	GByteArray *all;
	size_t done = 0, total = len;

	for (guint i = 0; i < spans->len; i++)
		total += g_array_index(spans, struct raw_span, i).len;
	all = g_byte_array_sized_new(total);

	for (guint i = 0; i < spans->len; i++) {
		const struct raw_span *sp = &g_array_index(spans,
		    struct raw_span, i);
		GBytes *b = NULL;
		gsize n = 0;
		const void *d;

		for (guint j = 0; !b && j < hashes->len; j++)
			if (strcmp(hashes->pdata[j], sp->blob) == 0)
				b = blobs->pdata[j];
		if (!b || sp->at < done || sp->at > len) {
			/* Cannot happen: compose_render made the spans of
			 * these blobs. */
			g_byte_array_unref(all);
			return NULL;
		}
		g_byte_array_append(all, (const guchar *)wire + done,
		    sp->at - done);
		done = sp->at;
		d = g_bytes_get_data(b, &n);
		store_span_b64_append(all, d, n);
	}
	g_byte_array_append(all, (const guchar *)wire + done, len - done);
	return all;
}

/* The mail of a row queued with a recipe (len bytes), composed now from
 * the recipe and its blobs (compose_render), or NULL with *err_r: a
 * corrupt recipe, or a blob missing (cannot be: a foreign key). */
static GBytes *
render_row(sqlite3 *db, const void *data, size_t len, char **err_r)
{
	GVariant *rc = compose_recipe_load(data, len, err_r);
	GPtrArray *hashes, *blobs;
	GArray *spans;
	GByteArray *all = NULL;
	char *wire = NULL;
	size_t n = 0;

	if (!rc)
		return NULL;
	hashes = compose_recipe_blobs(rc);
	blobs = g_ptr_array_new_with_free_func((GDestroyNotify)
	    g_bytes_unref);
	for (guint i = 0; i < hashes->len; i++) {
		const char *h = hashes->pdata[i];
		GBytes *b = *h ? store_blob_get(db, h) : NULL;

		if (*h && !b) {
			*err_r = g_strdup_printf("blob %s missing", h);
			goto out;
		}
		g_ptr_array_add(blobs, b);
	}
	/* Composed with the bigger attachments' base64 left out, then put
	 * back here: GMime's encoder and its CRLF filter over the text
	 * cost twice as much as b64_lines (store_blobs.c), for the same
	 * bytes (compose.h, tests/unit_outbox_spans.c). */
	spans = g_array_new(FALSE, FALSE, sizeof(struct raw_span));
	wire = compose_render(rc, blobs, spans, &n, err_r);
	if (wire)
		all = put_spans(wire, n, spans, hashes, blobs);
	g_array_unref(spans);
	g_free(wire);
out:
	g_ptr_array_unref(blobs);
	g_ptr_array_unref(hashes);
	g_variant_unref(rc);
	return all ? g_byte_array_free_to_bytes(all) : NULL;
}

/* The recipe of row id (g_malloc'd, *len_r), NULL when it has none. */
static void *
recipe_of(sqlite3 *db, int64_t id, size_t *len_r)
{
	sqlite3_stmt *st = db_prep(db, "SELECT recipe FROM outbox_recipes "
	    "WHERE id = ?", "i", id);
	void *r = NULL;

	if (st && sqlite3_step(st) == SQLITE_ROW) {
		*len_r = sqlite3_column_bytes(st, 0);
		r = g_memdup2(sqlite3_column_blob(st, 0), *len_r);
	}
	sqlite3_finalize(st);
	return r;
}

GBytes *
store_outbox_mail(sqlite3 *db, int64_t id)
{
	size_t rlen = 0;
	void *recipe = recipe_of(db, id, &rlen);

	if (recipe) {
		char *err = NULL;
		GBytes *b = render_row(db, recipe, rlen, &err);

		g_free(recipe);
		if (!b) {
			log_warnx("stage=send event=error outbox=%lld "
			    "error=\"%s\"", (long long)id, err);
			g_free(err);
		}
		return b;
	}
	return store_outbox_mail_stored(db, id);
}

static GBytes *
store_outbox_mail_stored(sqlite3 *db, int64_t id)
{
	sqlite3_stmt *st = db_prep(db, "SELECT COALESCE(b.data, o.data) FROM "
	    "outbox o LEFT JOIN outbox_bodies b ON b.id = o.id WHERE o.id = ?",
	    "i", id);
	GByteArray *all = NULL;

	if (st && sqlite3_step(st) == SQLITE_ROW)
		all = put_back(db, id, sqlite3_column_blob(st, 0),
		    sqlite3_column_bytes(st, 0));
	sqlite3_finalize(st);
	return all ? g_byte_array_free_to_bytes(all) : NULL;
}

static void
row_free(gpointer p)
{
	struct store_outbox_row *r = p;

	g_free(r->data_hash);
	g_free(r->error);
	g_free(r->msgid);
	g_free(r->env_from);
	g_free(r->rcpt);
	g_bytes_unref(r->data);
	g_free(r);
}

GPtrArray *
store_outbox_due(sqlite3 *db, int64_t now, int limit)
{
	GPtrArray *rows = g_ptr_array_new_with_free_func(row_free);
	/* The ids first, from the covering index outbox_due, then only those
	 * rows, so that no sorter reads the bodies of every due row.  The
	 * whole mail is the row's outbox_bodies row (store_outbox_insert);
	 * outbox.data, its headers, stands in only if a row had none. */
	sqlite3_stmt *st = db_prep(db, "SELECT o.id, COALESCE(o.ticket, 0), "
	    "o.attempts, o.created, o.message_id, o.env_from, o.rcpt, "
	    "COALESCE(b.data, o.data), b.id IS NOT NULL AND EXISTS (SELECT 1 "
	    "FROM outbox_spans s WHERE s.outbox = o.id), o.data_hash IS NULL, "
	    "rc.recipe FROM outbox o LEFT JOIN outbox_bodies b "
	    "ON b.id = o.id LEFT JOIN outbox_recipes rc ON rc.id = o.id WHERE o.id IN (SELECT id FROM outbox WHERE status "
	    "= 'pending' AND next_attempt <= ? ORDER BY id LIMIT ?) ORDER BY "
	    "o.id", "ii", now, (int64_t)limit);

	while (st && sqlite3_step(st) == SQLITE_ROW) {
		struct store_outbox_row *r = g_new0(struct store_outbox_row, 1);

		/* A mail queued with spans: the blobs' text put back, here
		 * in the sender, out of the transaction that queued it
		 * (docs/storage.md); hashed while the row has no hash yet
		 * (its first claim records it). */
		if (sqlite3_column_type(st, 10) == SQLITE_BLOB) {
			/* Queued with a recipe: composed here, in the
			 * sender, every attempt alike (compose.h); the
			 * claim records what it composed (schema 19). */
			GBytes *b = render_row(db, sqlite3_column_blob(st,
			    10), sqlite3_column_bytes(st, 10), &r->error);

			r->composed = b != NULL;
			if (b && sqlite3_column_int(st, 9)) {
				gsize n = 0;
				const void *d = g_bytes_get_data(b, &n);

				r->data_hash = g_malloc(65);
				blob_hash(d ? d : "", n, r->data_hash);
			}
			r->data = b ? b : g_bytes_new(NULL, 0);
		} else if (sqlite3_column_int(st, 8)) {
			GByteArray *all = put_back(db,
			    sqlite3_column_int64(st, 0),
			    sqlite3_column_blob(st, 7),
			    sqlite3_column_bytes(st, 7));

			if (!all) {
				/* Not sent in pieces: skipped, tried again
				 * at the next call (the blobs cannot go:
				 * a foreign key). */
				g_free(r);
				continue;
			}
			if (sqlite3_column_int(st, 9)) {
				r->data_hash = g_malloc(65);
				blob_hash(all->data, all->len, r->data_hash);
			}
			r->data = g_byte_array_free_to_bytes(all);
		} else
			r->data = g_bytes_new(sqlite3_column_blob(st, 7),
			    sqlite3_column_bytes(st, 7));

		r->id = sqlite3_column_int64(st, 0);
		r->ticket = sqlite3_column_int64(st, 1);
		r->attempts = sqlite3_column_int64(st, 2);
		r->created = sqlite3_column_int64(st, 3);
		r->msgid = db_col_str(st, 4);
		r->env_from = db_col_str(st, 5);
		r->rcpt = db_col_str(st, 6);
		g_ptr_array_add(rows, r);
	}
	sqlite3_finalize(st);
	return rows;
}

/* Steps st (from db_prep; NULL when it failed) to the end without
 * db_exec's log line per failure: on a full disk every retry fails alike,
 * and the sender logs once per episode instead.  Returns 0 when exactly
 * want_changes rows changed (any number when -1), 1 when another number
 * did, -1 on error with a g_malloc'd *err_r. */
static int
quiet_step(sqlite3 *db, sqlite3_stmt *st, int want_changes, char **err_r)
{
	int r;

	if (!st) {
		*err_r = g_strdup(sqlite3_errmsg(db));
		return -1;
	}
	while ((r = sqlite3_step(st)) == SQLITE_ROW)
		;
	if (r != SQLITE_DONE) {
		*err_r = g_strdup(sqlite3_errmsg(db));
		sqlite3_finalize(st);
		return -1;
	}
	sqlite3_finalize(st);
	if (want_changes >= 0 && sqlite3_changes(db) != want_changes)
		return 1;
	return 0;
}

int
store_outbox_claim(sqlite3 *db, int64_t id, int64_t attempts, int64_t next,
    char **err_r)
{
	return quiet_step(db, db_prep(db, "UPDATE outbox SET attempts = "
	    "attempts + 1, next_attempt = ?, last_error = 'sending (outcome "
	    "not yet recorded)' WHERE id = ? AND status = 'pending' AND "
	    "attempts = ?", "iii", next, id, attempts), 1, err_r);
}

int
store_outbox_defer(sqlite3 *db, int64_t id, int64_t next, char **err_r)
{
	return quiet_step(db, db_prep(db, "UPDATE outbox SET next_attempt = "
	    "MAX(next_attempt, ?) WHERE id = ? AND status = 'pending'", "ii",
	    next, id), -1, err_r) < 0 ? -1 : 0;
}

int
store_outbox_sent(sqlite3 *db, int64_t id, int64_t at, char **err_r)
{
	/* The body goes once it is sent; the headers, the hash and the size
	 * stay in the row, which keeps its size (docs/storage.md).  A
	 * savepoint: both changes or neither, inside the caller's
	 * transaction or not. */
	if (savepoint(db, "SAVEPOINT outbox_sent", err_r) != 0)
		return -1;
	if (quiet_step(db, db_prep(db, "UPDATE outbox SET status = 'sent', "
	    "sent_at = ?, last_error = '' WHERE id = ?", "ii", at, id), -1,
	    err_r) < 0 || quiet_step(db, db_prep(db, "DELETE FROM "
	    "outbox_bodies WHERE id = ?", "i", id), -1, err_r) < 0 ||
	    quiet_step(db, db_prep(db, "DELETE FROM outbox_spans WHERE "
	    "outbox = ?", "i", id), -1, err_r) < 0 ||
	    quiet_step(db, db_prep(db, "DELETE FROM outbox_recipes WHERE "
	    "id = ?", "i", id), -1, err_r) < 0 ||
	    quiet_step(db, db_prep(db, "DELETE FROM outbox_recipe_blobs "
	    "WHERE outbox = ?", "i", id), -1, err_r) < 0 ||
	    savepoint(db, "RELEASE outbox_sent", err_r) != 0) {
		savepoint(db, "ROLLBACK TO outbox_sent", NULL);
		savepoint(db, "RELEASE outbox_sent", NULL);
		return -1;
	}
	return 0;
}

int
store_outbox_retry(sqlite3 *db, int64_t id, int64_t next, const char *error,
    char **err_r)
{
	return quiet_step(db, db_prep(db, "UPDATE outbox SET next_attempt = ?, "
	    "last_error = ? WHERE id = ?", "iti", next, error, id), -1,
	    err_r) < 0 ? -1 : 0;
}

int
store_outbox_failed(sqlite3 *db, int64_t id, const char *error,
    char **err_r)
{
	return quiet_step(db, db_prep(db, "UPDATE outbox SET status = "
	    "'failed', last_error = ? WHERE id = ?", "ti", error, id), -1,
	    err_r) < 0 ? -1 : 0;
}

int
store_outbox_next_due(sqlite3 *db, int64_t *next_r)
{
	*next_r = 0;
	return db_int(db, next_r, "SELECT MIN(next_attempt) FROM outbox WHERE "
	    "status = 'pending'", "");
}

int
store_outbox_sent_at(sqlite3 *db, const char *msgid, int64_t *at_r)
{
	return db_int(db, at_r, "SELECT COALESCE(sent_at, created) FROM "
	    "outbox WHERE message_id = ? ORDER BY id LIMIT 1", "t", msgid) < 0 ?
	    -1 : 0;
}

int
store_outbox_has(sqlite3 *db, const char *kind, unsigned long ticket,
    const char *msgid, const char *rcpt)
{
	int64_t one = 0;

	return db_int(db, &one, "SELECT 1 FROM outbox WHERE kind = ? AND "
	    "ticket = ? AND message_id = ? AND rcpt = ?", "tutt", kind, ticket,
	    msgid, rcpt);
}

int
store_outbox_set_hash(sqlite3 *db, int64_t id, const char *hash,
    char **err_r)
{
	return quiet_step(db, db_prep(db, "UPDATE outbox SET data_hash = ? "
	    "WHERE id = ? AND data_hash IS NULL", "ti", hash, id), -1,
	    err_r) < 0 ? -1 : 0;
}

int64_t
store_outbox_insert_recipe(sqlite3 *db, unsigned long ticket,
    const char *kind, const char *msgid, const char *env_from,
    const char *rcpt, const void *recipe, size_t rlen, GPtrArray *atts,
    GPtrArray *hashes)
{
	int64_t now = pd_now(), id;

	if (savepoint(db, "SAVEPOINT outbox_insert", NULL) != 0)
		return -1;
	/* Every attachment a blob: the recipe names them by hash.  The
	 * attachments of a message we store are blobs already (the same
	 * transaction); any other is stored here. */
	for (guint i = 0; hashes && i < hashes->len; i++)
		if (*(const char *)hashes->pdata[i] && have_blob(db,
		    hashes->pdata[i], atts) != 1)
			goto fail;
	if (db_exec(db, "INSERT INTO outbox (ticket, kind, message_id, "
	    "env_from, rcpt, data, next_attempt, created) VALUES "
	    "(NULLIF(?, 0), ?, ?, ?, ?, X'', ?, ?)", "uttttii", ticket, kind,
	    msgid, env_from, rcpt, now, now) != 0)
		goto fail;
	id = sqlite3_last_insert_rowid(db);
	if (db_exec(db, "INSERT INTO outbox_recipes (id, recipe) VALUES (?, "
	    "?)", "iB", id, recipe, rlen) != 0)
		goto fail;
	for (guint i = 0; hashes && i < hashes->len; i++)
		if (*(const char *)hashes->pdata[i] && db_exec(db, "INSERT INTO "
		    "outbox_recipe_blobs (outbox, blob) VALUES (?, ?) ON "
		    "CONFLICT DO NOTHING", "it", id, hashes->pdata[i]) != 0)
			goto fail;
	if (savepoint(db, "RELEASE outbox_insert", NULL) != 0)
		goto fail;
	return id;
fail:
	savepoint(db, "ROLLBACK TO outbox_insert", NULL);
	savepoint(db, "RELEASE outbox_insert", NULL);
	return -1;
}

int
store_outbox_set_composed(sqlite3 *db, int64_t id, const void *data,
    size_t len, const char *hash, char **err_r)
{
	return quiet_step(db, db_prep(db, "UPDATE outbox SET data = "
	    "pd_headers(?), data_hash = ?, data_size = ? WHERE id = ? AND "
	    "data_hash IS NULL", "Btii", data, len, hash, (int64_t)len, id),
	    -1, err_r) < 0 ? -1 : 0;
}
