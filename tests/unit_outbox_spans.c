/* unit_outbox_spans: a queued mail references its attachments' blobs
 * (schema 18, docs/storage.md).  compose_mail with blob_spans leaves the
 * base64 text out; the sender's copy (store_outbox_due) is byte for byte
 * the mail composed whole, for attachments of every length around a line
 * and the span limit, with an HTML alternative and a message part; the
 * row's size and, once claimed, its hash are the whole mail's; a blob a
 * pending or failed row references cannot be deleted, and the spans go
 * with the body once sent; the agents' copy of a request is queued so,
 * and read whole (store_outbox_mail). */
#include "compose.h"
#include "fixture.h"
#include "mailcmp.h"
#include "tap.h"
#include "tmpdir.h"

/* The mail of due row id as the sender reads it, and its data_hash
 * (computed by store_outbox_due, g_malloc'd or NULL), or NULL. */
static char *
due_mail(sqlite3 *db, int64_t id, size_t *len_r, char **hash_r)
{
	GPtrArray *rows = store_outbox_due(db, G_MAXINT64 / 2, 100);
	char *mail = NULL;

	for (guint i = 0; i < rows->len; i++) {
		const struct store_outbox_row *r = rows->pdata[i];
		gsize n;
		const char *d = g_bytes_get_data(r->data, &n);

		if (r->id != id)
			continue;
		mail = g_strndup(d, n);
		*len_r = n;
		if (hash_r)
			*hash_r = g_strdup(r->data_hash);
	}
	g_ptr_array_free(rows, TRUE);
	return mail;
}

/* Composes the same mail whole and with spans, queues the second and
 * checks what the sender reads.  Returns the row id. */
static int64_t
both_ways(struct fixture *fx, GPtrArray *atts, const char *html,
    const char *label, int want_spans)
{
	struct compose_req q = { .cfg = fx->cfg, .rcpt = "agent@example.test",
		.rcpt_name = "Агент", .subject = "Принтер: the report",
		.body = "Please look at the file.\nСпасибо.\n", .html = html,
		.attachments = atts };
	GArray *spans = g_array_new(FALSE, FALSE, sizeof(struct raw_span));
	size_t wlen = 0, slen = 0, dlen = 0;
	char *wid = NULL, *sid = NULL, *hash = NULL, want_hash[65];
	char *whole = compose_mail(&q, &wlen, &wid), *split, *due, *same;
	int64_t id;

	q.blob_spans = spans;
	split = compose_mail(&q, &slen, &sid);
	ok((int)spans->len == want_spans, "%s: %d spans (%u)", label,
	    want_spans, spans->len);
	ok(want_spans == 0 || slen + 1000 < wlen, "%s: the queued mail "
	    "lacks the text (%zu of %zu bytes)", label, slen, wlen);
	id = store_outbox_insert_split(fx->db, 0, "request", sid, "",
	    "agent@example.test", split, slen, spans, atts);
	ok(id > 0, "%s: queued", label);
	due = due_mail(fx->db, id, &dlen, &hash);
	same = due ? same_randoms(due, sid, whole, wid) : NULL;
	ok(same && strlen(same) == wlen && memcmp(same, whole, wlen) == 0,
	    "%s: the sender's copy is the mail composed whole", label);
	if (same && strcmp(same, whole) != 0) {
		for (size_t i = 0; same[i] && whole[i]; i++)
			if (same[i] != whole[i]) {
				printf("# first difference at %zu: %.60s | "
				    "%.60s\n", i, same + i, whole + i);
				break;
			}
	}
	ok(fx_int(fx, "SELECT data_size FROM outbox WHERE id = %lld",
	    (long long)id) == (int64_t)dlen, "%s: data_size is the whole "
	    "mail's", label);
	if (due) {
		blob_hash(due, dlen, want_hash);
		ok(want_spans == 0 || (hash && strcmp(hash, want_hash) == 0),
		    "%s: the sender hashes the whole mail", label);
	} else
		ok(0, "%s: the sender hashes the whole mail", label);
	g_free(whole);
	g_free(split);
	g_free(due);
	g_free(same);
	g_free(wid);
	g_free(sid);
	g_free(hash);
	g_array_unref(spans);
	return id;
}

static void
test_compose(void)
{
	struct fixture fx;
	/* Lengths around a line (57 bytes), a quantum (3) and the span
	 * limit; a message part stays as it is. */
	static const size_t sizes[] = { 100 * 1024, RAW_SPAN_MIN - 1,
		RAW_SPAN_MIN, RAW_SPAN_MIN + 1, RAW_SPAN_MIN + 2, 57 * 60,
		57 * 60 + 1, 1000 };
	GPtrArray *atts = g_ptr_array_new_with_free_func(att_free);
	GPtrArray *one = g_ptr_array_new_with_free_func(att_free);
	char *err = NULL;
	int64_t id;

	if (!ok(fx_open(&fx, "", "") == 0, "fixture opens"))
		return;
	for (guint i = 0; i < G_N_ELEMENTS(sizes); i++) {
		char *name = g_strdup_printf("file%u.bin", i);

		g_ptr_array_add(atts, att_new(name, i == 3 ? "image/png" :
		    "application/octet-stream", sizes[i], i));
		g_free(name);
	}
	g_ptr_array_add(atts, att_new("fwd.eml", "message/rfc822", 4000, 99));
	both_ways(&fx, atts, NULL, "eight files", 6);
	both_ways(&fx, atts, "<p>Please look.</p>", "with HTML", 6);
	g_ptr_array_add(one, att_new("small.txt", "text/plain", 300, 5));
	both_ways(&fx, one, NULL, "a small file", 0);

	/* The blob a pending row needs cannot go (a foreign key), nor
	 * while the row failed; the spans leave with the body once sent. */
	g_ptr_array_set_size(one, 0);
	g_ptr_array_add(one, att_new("only.bin", "application/pdf", 50000,
	    77));
	id = both_ways(&fx, one, NULL, "one file", 1);
	ok(db_exec(fx.db, "DELETE FROM blobs WHERE hash IN (SELECT blob "
	    "FROM outbox_spans WHERE outbox = ?)", "i", id) != 0,
	    "pending: its blob cannot be deleted");
	{
		/* The claim records the hash; a second attempt (after a
		 * crash, a 4xx) still sends the whole mail. */
		size_t n1 = 0, n2 = 0;
		char *h1 = NULL, *h2 = NULL, *m1 = due_mail(fx.db, id, &n1,
		    &h1), *m2;

		ok(h1 && store_outbox_claim(fx.db, id, 0, 0, &err) == 0 &&
		    store_outbox_set_hash(fx.db, id, h1, &err) == 0,
		    "claimed, its hash recorded");
		m2 = due_mail(fx.db, id, &n2, &h2);
		ok(m1 && m2 && n1 == n2 && memcmp(m1, m2, n1) == 0 &&
		    n1 > 50000, "the next attempt sends the whole mail again "
		    "(%zu bytes)", n2);
		ok(h2 == NULL, "and hashes it no more");
		ok(fx_int(&fx, "SELECT data_hash = %Q FROM outbox WHERE id = "
		    "%lld", h1, (long long)id) == 1, "data_hash is the whole "
		    "mail's");
		g_free(m1);
		g_free(m2);
		g_free(h1);
		g_free(h2);
	}
	ok(store_outbox_failed(fx.db, id, "550 no", &err) == 0, "failed");
	ok(db_exec(fx.db, "DELETE FROM blobs WHERE hash IN (SELECT blob "
	    "FROM outbox_spans WHERE outbox = ?)", "i", id) != 0,
	    "failed: its blob cannot be deleted");
	ok(store_outbox_sent(fx.db, id, 1, &err) == 0, "sent");
	ok(fx_int(&fx, "SELECT COUNT(*) FROM outbox_spans WHERE outbox = "
	    "%lld", (long long)id) == 0, "sent: its spans are gone");
	g_ptr_array_unref(atts);
	g_ptr_array_unref(one);
	fx_close(&fx);
}

/* A request with a file: the agents' copy is queued with a span on the
 * blob the message stored, and read whole (store_outbox_mail, the
 * fixture's fx_outbox). */
static void
test_request(void)
{
	struct fixture fx;
	size_t n = 30000;
	guchar *file = pattern(n, 3);
	gchar *b64 = g_base64_encode(file, n);
	GString *raw = g_string_new("From: Ann <ann@client.test>\nTo: "
	    "support@example.test\nSubject: broken\nMessage-ID: <r1@client."
	    "test>\nDate: Mon, 30 Nov 2026 08:00:00 +0000\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=\"b1\"\n\n--b1\n"
	    "Content-Type: text/plain; charset=utf-8\n\nIt is broken, the log "
	    "is attached.\n--b1\nContent-Type: application/octet-stream; "
	    "name=\"log.bin\"\nContent-Transfer-Encoding: base64\n\n");
	GPtrArray *rows;
	unsigned long t = 0;
	bool found = false;
	char hash[65];

	if (!ok(fx_open(&fx, "", "") == 0, "fixture opens"))
		return;
	for (size_t i = 0; i < strlen(b64); i += 76)
		g_string_append_printf(raw, "%.76s\n", b64 + i);
	g_string_append(raw, "--b1--\n");
	fx_deliver(&fx, raw->str, &t);
	ok(t > 0, "the request made a ticket");
	blob_hash(file, n, hash);
	/* Since schema 19 a queued mail is a recipe (compose.h) whose
	 * attachments are referenced in outbox_recipe_blobs. */
	ok(fx_int(&fx, "SELECT (SELECT COUNT(*) FROM outbox_spans WHERE blob "
	    "= %Q) + (SELECT COUNT(*) FROM outbox_recipe_blobs WHERE blob = "
	    "%Q)", hash, hash) >= 1, "an outbox row references the file's "
	    "blob");
	ok(fx_int(&fx, "SELECT COUNT(*) FROM outbox_bodies WHERE "
	    "length(data) > %d", (int)n) == 0,
	    "no queued body holds the file's text");
	rows = fx_outbox(&fx);
	for (guint i = 0; i < rows->len; i++) {
		const struct fx_row *r = rows->pdata[i];
		char *line = g_strndup(b64, 76);

		found |= strstr(r->data, line) != NULL;
		g_free(line);
	}
	ok(found, "the queued copy reads whole, with the file's text");
	g_ptr_array_unref(rows);
	g_string_free(raw, TRUE);
	g_free(b64);
	g_free(file);
	fx_close(&fx);
}

/* Schema 16 migrates to 18: outbox_spans exists, rows queued before
 * keep their whole mail. */
static void
test_migration(void)
{
	char dir[] = "/tmp/unit_outbox_spans.XXXXXX";
	char *path, *err = NULL;
	sqlite3 *db = NULL;
	int64_t v = 0;
	const char *mail = "Subject: x\r\n\r\nold mail\r\n";

	if (!g_mkdtemp(dir))
		return;
	path = g_build_filename(dir, "old.db", NULL);
	if (!ok(db_create_at(path, 16, &err) == 0, "a database of schema 16 "
	    "(%s)", err ? err : "made"))
		return;
	sqlite3_open(path, &db);
	db_exec(db, "INSERT INTO outbox (id, kind, message_id, env_from, "
	    "rcpt, data, status, next_attempt, created, data_hash, data_size) "
	    "VALUES (1, 'ack', 'p', '', 'c@x', X'00', 'pending', 0, 0, "
	    "'h', 1)", "");
	db_exec(db, "INSERT INTO outbox_bodies (id, data) VALUES (1, ?)", "b",
	    mail, strlen(mail));
	db_close(&db);
	if (!ok(db_open(path, &db, &err) == 0, "schema 16 opens: %s",
	    err ? err : "migrated"))
		return;
	db_int(db, &v, "PRAGMA user_version", "");
	ok(v >= 18 && v == DB_SCHEMA_VERSION, "migrated to schema %lld",
	    (long long)v);
	v = -1;
	db_int(db, &v, "SELECT COUNT(*) FROM outbox_spans", "");
	ok(v == 0, "outbox_spans exists, empty");
	{
		GBytes *b = store_outbox_mail(db, 1);
		gsize n = 0;
		const char *d = b ? g_bytes_get_data(b, &n) : NULL;

		ok(d && n == strlen(mail) && memcmp(d, mail, n) == 0,
		    "the row queued before reads whole");
		if (b)
			g_bytes_unref(b);
	}
	db_close(&db);
	tmp_rm_tree(dir);
	g_free(path);
}

int
main(void)
{
	g_mime_init();
	test_compose();
	test_request();
	test_migration();
	return tap_done();
}
