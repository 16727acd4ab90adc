/* unit_blobs: one copy of each attachment (docs/storage.md,
 * store_blobs.c): the same file in two mails is one blob; the raw message
 * comes back byte for byte without its attachment's text stored twice;
 * an outbox row keeps its headers and a hash, its whole mail in
 * outbox_bodies only until sent; a message's text is stored deflated
 * (body_z) and read back, searched and snippeted through pd_body(); the
 * migrations move an old database's attachments into blobs and its unsent
 * mail into outbox_bodies, and keep its plain texts readable. */
#include "fixture.h"
#include "fts_words.h"
#include "tap.h"
#include "tmpdir.h"

#define ATT_SIZE (100 * 1024)

static guchar *
pattern(size_t n, unsigned seed)
{
	guchar *d = g_malloc(n);

	for (size_t i = 0; i < n; i++)
		d[i] = (guchar)((i * 2654435761u + seed) >> 13);
	return d;
}

/* A mail with one attachment, base64 in lines of cols characters, each
 * ended by eol (the whole mail uses eol). */
static char *
mail_with(const char *from, const char *msgid, const guchar *att, size_t n,
    int cols, const char *eol)
{
	gchar *b64 = g_base64_encode(att, n);
	GString *s = g_string_new(NULL);
	size_t len = strlen(b64);

	char *head = g_strdup_printf("From: %s\nTo: support@example.test\n"
	    "Subject: the report\nMessage-ID: <%s>\nDate: Mon, 30 Nov 2026 "
	    "08:00:00 +0000\nMIME-Version: 1.0\nContent-Type: "
	    "multipart/mixed; boundary=\"b1\"\n\n--b1\nContent-Type: "
	    "text/plain; charset=utf-8\n\nPlease look at the file.\n--b1\n"
	    "Content-Type: application/octet-stream; name=\"r.bin\"\n"
	    "Content-Disposition: attachment; filename=\"r.bin\"\n"
	    "Content-Transfer-Encoding: base64\n\n", from, msgid);
	char **lines = g_strsplit(head, "\n", -1);
	char *joined = g_strjoinv(eol, lines);

	g_string_append(s, joined);
	g_free(joined);
	g_strfreev(lines);
	g_free(head);
	for (size_t i = 0; i < len; i += cols) {
		g_string_append_len(s, b64 + i, MIN((size_t)cols, len - i));
		g_string_append(s, eol);
	}
	g_string_append_printf(s, "--b1--%s", eol);
	g_free(b64);
	return g_string_free(s, FALSE);
}

static int64_t
msg_id(struct fixture *fx, const char *msgid)
{
	return fx_int(fx, "SELECT id FROM messages WHERE message_id = '%s'",
	    msgid);
}

static bool
raw_back(struct fixture *fx, const char *msgid, const char *raw)
{
	GBytes *b = store_message_raw(fx->db, msg_id(fx, msgid));
	gsize n = 0;
	const void *p = b ? g_bytes_get_data(b, &n) : NULL;
	bool same = p && n == strlen(raw) && memcmp(p, raw, n) == 0;

	if (b)
		g_bytes_unref(b);
	return same;
}

static void
test_store(void)
{
	struct fixture fx;
	guchar *att = pattern(ATT_SIZE, 7), *other = pattern(ATT_SIZE, 9);
	char *a = mail_with("ann@client.test", "a@client.test", att, ATT_SIZE,
	    76, "\r\n");
	char *b = mail_with("bob@client.test", "b@client.test", att, ATT_SIZE,
	    76, "\n");
	char *c = mail_with("cy@client.test", "c@client.test", other,
	    ATT_SIZE, 60, "\n");
	char hash[65];
	GBytes *blob;
	unsigned long t = 0;

	if (!ok(fx_open(&fx, "", "") == 0, "fixture opens"))
		return;
	fx_deliver(&fx, a, &t);
	fx_deliver(&fx, b, &t);
	fx_deliver(&fx, c, &t);
	blob_hash(att, ATT_SIZE, hash);
	ok(fx_int(&fx, "SELECT COUNT(*) FROM attachments") == 3,
	    "three attachments stored");
	ok(fx_int(&fx, "SELECT COUNT(*) FROM blobs") == 2, "the same file "
	    "twice is one blob (%lld blobs)", (long long)fx_int(&fx,
	    "SELECT COUNT(*) FROM blobs"));
	ok(fx_int(&fx, "SELECT COUNT(*) FROM attachments WHERE blob = '%s' "
	    "AND data IS NULL", hash) == 2, "both attachments name it by "
	    "SHA-256, no copy of their own");
	blob = store_blob_get(fx.db, hash);
	ok(blob && g_bytes_get_size(blob) == ATT_SIZE &&
	    memcmp(g_bytes_get_data(blob, NULL), att, ATT_SIZE) == 0,
	    "the blob holds the decoded file");
	if (blob)
		g_bytes_unref(blob);
	ok(raw_back(&fx, "a@client.test", a), "raw with CRLF: byte for byte");
	ok(raw_back(&fx, "b@client.test", b), "raw with LF: byte for byte");
	ok(raw_back(&fx, "c@client.test", c), "raw with 60-column base64: "
	    "byte for byte");
	ok(fx_int(&fx, "SELECT length(raw) FROM messages WHERE message_id = "
	    "'a@client.test'") < 2000, "the file's text is not stored in the "
	    "raw again (%lld bytes)", (long long)fx_int(&fx, "SELECT "
	    "length(raw) FROM messages WHERE message_id = 'a@client.test'"));
	ok(fx_int(&fx, "SELECT COUNT(*) FROM raw_spans s JOIN messages m ON "
	    "m.id = s.message WHERE m.message_id = 'c@client.test'") == 0,
	    "base64 we would not write alike stays in the raw");
	ok(fx_int(&fx, "SELECT COUNT(*) FROM messages WHERE raw_format = 1") ==
	    3, "what is left of each raw is stored deflated");
	ok(fx_int(&fx, "SELECT COALESCE(SUM(length(data)), 0) FROM blobs") +
	    fx_int(&fx, "SELECT SUM(length(raw)) FROM messages") <
	    (int64_t)(strlen(a) + strlen(b) + strlen(c)),
	    "the store is smaller than the mails");
	fx_close(&fx);
	g_free(a);
	g_free(b);
	g_free(c);
	g_free(att);
	g_free(other);
}

/* What `postdesk outbox retry ID` does to a failed row (the statement of
 * store_cli_outbox_retry, which only the CLI links): 1 when retried. */
static int
retry(sqlite3 *db, int64_t id)
{
	if (db_exec(db, "UPDATE outbox SET status = 'pending', attempts = 0, "
	    "next_attempt = 0 WHERE id = ? AND status IN ('pending', "
	    "'failed')", "i", id) != 0)
		return -1;
	return sqlite3_changes(db) > 0;
}

/* The whole mail of the due row id as store_outbox_due (the sender)
 * reads it, g_malloc'd; NULL when the row is not due. */
static char *
due_mail(sqlite3 *db, int64_t id)
{
	GPtrArray *rows = store_outbox_due(db, G_MAXINT64 / 2, 100);
	char *mail = NULL;

	for (guint i = 0; i < rows->len; i++) {
		const struct store_outbox_row *r = rows->pdata[i];
		gsize n;
		const char *d = g_bytes_get_data(r->data, &n);

		if (r->id == id)
			mail = g_strndup(d, n);
	}
	g_ptr_array_free(rows, TRUE);
	return mail;
}

/* An outbox row holds the headers, the hash and the size from the start
 * (its size never changes: docs/storage.md); the whole mail waits in
 * outbox_bodies while pending or failed, and goes once sent. */
static void
test_outbox(void)
{
	struct fixture fx;
	const char *mail = "Message-ID: <o1@x>\r\nSubject: hi\r\n\r\nbody "
	    "text\r\n";
	const char *heads = "Message-ID: <o1@x>\r\nSubject: hi\r\n\r\n";
	char hash[65], *err = NULL, *kept;
	int64_t id, id2, size;

	if (!ok(fx_open(&fx, "", "") == 0, "fixture opens"))
		return;
	id = store_outbox_insert(fx.db, 0, "ack", "o1@x", "",
	    "c@client.test", mail, strlen(mail));
	blob_hash(mail, strlen(mail), hash);
	kept = fx_str(&fx, "SELECT CAST(data AS TEXT) FROM outbox_bodies");
	is_str(kept, mail, "pending row: its whole mail in outbox_bodies");
	g_free(kept);
	kept = due_mail(fx.db, id);
	is_str(kept, mail, "pending row: the sender reads the whole mail");
	g_free(kept);
	kept = fx_str(&fx, "SELECT CAST(data AS TEXT) || data_hash || "
	    "data_size FROM outbox");
	ok(kept && g_str_has_prefix(kept, heads) && strstr(kept, hash),
	    "pending row: headers, hash and size from the start");
	g_free(kept);
	size = fx_int(&fx, "SELECT length(CAST(data AS BLOB)) + "
	    "length(data_hash) + data_size FROM outbox");
	ok(store_outbox_sent(fx.db, id, 1, &err) == 0, "sent recorded");
	ok(fx_int(&fx, "SELECT COUNT(*) FROM outbox_bodies") == 0,
	    "sent row: its body row is gone");
	ok(fx_int(&fx, "SELECT length(CAST(data AS BLOB)) + "
	    "length(data_hash) + data_size FROM outbox") == size,
	    "sent row: the row itself did not shrink");
	kept = fx_str(&fx, "SELECT CAST(data AS TEXT) FROM outbox");
	is_str(kept, heads, "sent row: the headers stay");
	g_free(kept);
	kept = fx_str(&fx, "SELECT data_hash FROM outbox");
	is_str(kept, hash, "sent row: the SHA-256 of what was sent");
	g_free(kept);
	ok(fx_int(&fx, "SELECT data_size FROM outbox") ==
	    (int64_t)strlen(mail), "sent row: its size");
	ok(fx_int(&fx, "SELECT status = 'sent' AND sent_at = 1 FROM outbox")
	    == 1, "sent row: status and time");

	/* A failed row keeps its mail: `postdesk outbox retry` sends it
	 * again, whole. */
	id2 = store_outbox_insert(fx.db, 0, "ack", "o2@x", "",
	    "c@client.test", mail, strlen(mail));
	ok(store_outbox_failed(fx.db, id2, "550 no", &err) == 0,
	    "failure recorded");
	ok(fx_int(&fx, "SELECT COUNT(*) FROM outbox_bodies") == 1,
	    "failed row: its body stays");
	kept = due_mail(fx.db, id2);
	ok(kept == NULL, "failed row: not due");
	g_free(kept);
	ok(retry(fx.db, id2) == 1, "retried");
	kept = due_mail(fx.db, id2);
	is_str(kept, mail, "retried row: the sender reads the whole mail");
	g_free(kept);
	fx_close(&fx);
}

/* A database of schema 14 (one outbox row per mail, the whole mail in
 * outbox.data until sent) is migrated: pending and failed mail stays
 * sendable, whole. */
static void
test_migration_bodies(void)
{
	char dir[] = "/tmp/unit_blobs.XXXXXX";
	char *path, *err = NULL, *kept, hash[65];
	sqlite3 *db = NULL;
	const char *mail = "Subject: x\r\n\r\nlong body\r\n";
	int64_t v = 0;

	if (!g_mkdtemp(dir))
		return;
	path = g_build_filename(dir, "old.db", NULL);
	if (!ok(db_create_at(path, 14, &err) == 0, "a database of schema 14 "
	    "(%s)", err ? err : "made"))
		return;
	sqlite3_open(path, &db);
	db_exec(db, "INSERT INTO outbox (id, kind, message_id, env_from, "
	    "rcpt, data, status, next_attempt, created, data_hash, data_size) "
	    "VALUES (1, 'ack', 's', '', 'c@x', ?, 'sent', 0, 0, 'h', 99), "
	    "(2, 'ack', 'p', '', 'c@x', ?, 'pending', 0, 0, NULL, NULL), "
	    "(3, 'ack', 'f', '', 'c@x', ?, 'failed', 0, 0, NULL, NULL)", "bbb",
	    "Subject: x\r\n\r\n", (size_t)15, mail, strlen(mail), mail,
	    strlen(mail));
	db_close(&db);
	if (!ok(db_open(path, &db, &err) == 0, "schema 14 opens: %s",
	    err ? err : "migrated"))
		return;
	db_int(db, &v, "PRAGMA user_version", "");
	ok(v == DB_SCHEMA_VERSION, "migrated to schema %lld", (long long)v);
	blob_hash(mail, strlen(mail), hash);
	v = -1;
	db_int(db, &v, "SELECT COUNT(*) FROM outbox o JOIN outbox_bodies b "
	    "ON b.id = o.id WHERE CAST(b.data AS TEXT) = ? AND CAST(o.data AS "
	    "TEXT) = 'Subject: x\r\n\r\n' AND o.data_hash = ? AND "
	    "o.data_size = ?", "tti", mail, hash, (int64_t)strlen(mail));
	ok(v == 2, "migration: pending and failed mail moved to outbox_bodies, "
	    "the rows keep headers, hash and size");
	v = -1;
	db_int(db, &v, "SELECT COUNT(*) FROM outbox WHERE id = 1 AND "
	    "data_hash = 'h' AND data_size = 99 AND id NOT IN (SELECT id FROM "
	    "outbox_bodies)", "");
	ok(v == 1, "migration: a sent row is left alone");
	kept = due_mail(db, 2);
	is_str(kept, mail, "migrated pending row: sent whole");
	g_free(kept);
	ok(retry(db, 3) == 1, "migrated failed row "
	    "retried");
	kept = due_mail(db, 3);
	is_str(kept, mail, "migrated failed row: sent whole");
	g_free(kept);
	ok(store_outbox_sent(db, 2, 5, &err) == 0 && store_outbox_sent(db, 3,
	    5, &err) == 0, "both sent");
	v = -1;
	db_int(db, &v, "SELECT COUNT(*) FROM outbox_bodies", "");
	ok(v == 0, "no body is left once sent");
	db_close(&db);
	tmp_rm_tree(dir);
	g_free(path);
}

/* A database of the schema before the blobs (attachments with data, sent outbox rows with
 * their whole text) is migrated. */
static void
test_migration(void)
{
	char dir[] = "/tmp/unit_blobs.XXXXXX";
	char *path, *err = NULL, hash[65];
	sqlite3 *db = NULL;
	guchar *att = pattern(5000, 3);
	const char *mail = "Subject: x\n\nlong body\n";
	int64_t v = 0;
	int rc;

	if (!g_mkdtemp(dir))
		return;
	path = g_build_filename(dir, "old.db", NULL);
	/* The layout before the blobs: schema 11 (db_create_at). */
	if (!ok(db_create_at(path, 11, &err) == 0, "a database of schema 11 "
	    "(%s)", err ? err : "made"))
		return;
	sqlite3_open(path, &db);
	{
		char *serr = NULL;

		rc = sqlite3_exec(db, "INSERT INTO messages (id, direction, "
		    "message_id, content_hash, raw, created) VALUES (1, 'in', "
		    "'m1', 'h1', x'00', 0), (2, 'in', 'm2', 'h2', x'00', 0);",
		    NULL, NULL, &serr);
		ok(rc == SQLITE_OK, "the layout before the blobs: %s", serr ?
		    serr : "made");
		sqlite3_free(serr);
	}
	for (int m = 1; m <= 2; m++)
		db_exec(db, "INSERT INTO attachments (message, filename, "
		    "content_type, size, data) VALUES (?, 'f.bin', "
		    "'application/octet-stream', 5000, ?)", "ib", (int64_t)m,
		    att, (size_t)5000);
	db_exec(db, "INSERT INTO outbox (kind, message_id, env_from, rcpt, "
	    "data, status, next_attempt, created) VALUES ('ack', 'o', '', "
	    "'c@x', ?, 'sent', 0, 0), ('ack', 'p', '', 'c@x', ?, 'pending', "
	    "0, 0)", "bb", mail, strlen(mail), mail, strlen(mail));
	db_close(&db);
	if (!ok(db_open(path, &db, &err) == 0, "old database opens: %s",
	    err ? err : "migrated"))
		return;
	db_int(db, &v, "PRAGMA user_version", "");
	ok(v == DB_SCHEMA_VERSION, "migrated to schema %lld", (long long)v);
	blob_hash(att, 5000, hash);
	v = -1;
	db_int(db, &v, "SELECT COUNT(*) FROM blobs WHERE hash = ? AND size = "
	    "5000", "t", hash);
	ok(v == 1, "migration: two copies became one blob");
	v = -1;
	db_int(db, &v, "SELECT COUNT(*) FROM attachments WHERE blob = ? AND "
	    "data IS NULL", "t", hash);
	ok(v == 2, "migration: both attachments name it, their data gone");
	v = -1;
	db_int(db, &v, "SELECT COUNT(*) FROM outbox WHERE message_id = 'o' "
	    "AND CAST(data AS TEXT) = 'Subject: x\n\n' AND data_size = 22", "");
	ok(v == 1, "migration: a sent row keeps its headers and size");
	v = -1;
	db_int(db, &v, "SELECT COUNT(*) FROM outbox o JOIN outbox_bodies b "
	    "ON b.id = o.id WHERE o.message_id = 'p' AND CAST(b.data AS TEXT) "
	    "= ? AND o.data_size = 22", "t", mail);
	ok(v == 1, "migration: a pending row keeps its whole text");
	db_close(&db);
	tmp_rm_tree(dir);
	g_free(path);
	g_free(att);
}

/* Texts (schema 16): a long one deflated in body_z, a short one plain in
 * body; both read back whole, searched and snippeted. */
static void
test_texts(void)
{
	struct fixture fx;
	GString *long_text = g_string_new(NULL);
	char *a, *b, *snip;
	unsigned long t = 0;

	for (int i = 0; i < 40; i++)
		g_string_append(long_text, "Принтер в бухгалтерии снова не "
		    "печатает, помогите пожалуйста.\n");
	a = g_strdup_printf("From: ann@client.test\r\nTo: support@example."
	    "test\r\nSubject: printer\r\nMessage-ID: <long@client.test>\r\n"
	    "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n\r\n%s", long_text->str);
	b = g_strdup("From: bob@client.test\r\nTo: support@example.test\r\n"
	    "Subject: short\r\nMessage-ID: <short@client.test>\r\n\r\n"
	    "Modem broken.\r\n");
	if (!ok(fx_open(&fx, "", "") == 0, "fixture opens"))
		return;
	fx_deliver(&fx, a, &t);
	fx_deliver(&fx, b, &t);
	ok(fx_int(&fx, "SELECT COUNT(*) FROM messages WHERE message_id = "
	    "'long@client.test' AND body = '' AND body_z IS NOT NULL AND "
	    "length(body_z) * 4 < length(CAST(pd_body(body, body_z) AS "
	    "BLOB))") == 1, "a long text is stored deflated, a quarter of "
	    "its size or less");
	ok(fx_int(&fx, "SELECT COUNT(*) FROM messages WHERE message_id = "
	    "'long@client.test' AND instr(pd_body(body, body_z), "
	    "'бухгалтерии снова') > 0 AND length(pd_body(body, body_z)) >= "
	    "%d", (int)g_utf8_strlen(long_text->str, -1) - 80) == 1,
	    "pd_body reads it back whole");
	ok(fx_int(&fx, "SELECT COUNT(*) FROM messages WHERE message_id = "
	    "'short@client.test' AND body_z IS NULL AND body LIKE "
	    "'Modem broken%%'") == 1, "a short text stays plain in body");
	ok(fx_int(&fx, "SELECT COUNT(*) FROM search_fts WHERE search_fts "
	    "MATCH '\"бухгалтер\"*'") == 1 && fx_int(&fx, "SELECT COUNT(*) "
	    "FROM search_fts WHERE search_fts MATCH '\"modem\"'") == 1,
	    "both are found by search");
	snip = fx_str(&fx, "SELECT snippet(search_fts, 1, '[', ']', '', 6) "
	    "FROM search_fts WHERE search_fts MATCH '\"печатает\"'");
	ok(snip && strstr(snip, "[печатает]"), "the snippet is cut from the "
	    "deflated text: %s", snip ? snip : "none");
	ok(db_exec(fx.db, "INSERT INTO search_fts(search_fts, rank) VALUES "
	    "('integrity-check', 1)", "") == 0, "the index matches the texts");
	g_free(snip);
	g_free(a);
	g_free(b);
	g_string_free(long_text, TRUE);
	fx_close(&fx);
}

/* A database of schema 15 (texts plain in body) migrates: its texts read
 * back through pd_body and its index still matches them. */
static void
test_migration_texts(void)
{
	char dir[] = "/tmp/unit_blobs.XXXXXX";
	char *path, *err = NULL;
	sqlite3 *db = NULL;
	int64_t v = -1;

	if (!g_mkdtemp(dir))
		return;
	path = g_build_filename(dir, "old.db", NULL);
	if (!ok(db_create_at(path, 15, &err) == 0, "a database of schema 15 "
	    "(%s)", err ? err : "made"))
		return;
	sqlite3_open(path, &db);
	fts_words_register(db);
	ok(db_exec(db, "INSERT INTO messages (direction, kind, message_id, "
	    "subject, body, content_hash, raw, created) VALUES ('in', "
	    "'client', 'old@x', 'old', 'Старый текст про сканер', 'h', "
	    "X'00', 0)", "") == 0, "an old message stored plain");
	db_close(&db);
	if (!ok(db_open(path, &db, &err) == 0, "schema 15 opens: %s",
	    err ? err : "migrated"))
		return;
	db_int(db, &v, "SELECT COUNT(*) FROM messages WHERE body_z IS NULL "
	    "AND pd_body(body, body_z) = 'Старый текст про сканер'", "");
	ok(v == 1, "migration: the old text reads back through pd_body");
	v = -1;
	db_int(db, &v, "SELECT COUNT(*) FROM search_fts WHERE search_fts "
	    "MATCH '\"сканер\"*'", "");
	ok(v == 1, "migration: the old text is still found");
	ok(db_exec(db, "INSERT INTO search_fts(search_fts, rank) VALUES "
	    "('integrity-check', 1)", "") == 0, "migration: the index matches "
	    "the texts through the new view");
	db_close(&db);
	tmp_rm_tree(dir);
	g_free(path);
	g_free(err);
}

/* The columns of the one message of fx that store_message_add wrote from
 * the raw and the text, and its attachments and spans, as one string. */
static char *
stored_row(struct fixture *fx)
{
	return fx_str(fx, "SELECT hex(raw) || '|' || raw_format || '|' || "
	    "body || '|' || COALESCE(hex(body_z), '-') || '|' || (SELECT "
	    "group_concat(blob || ':' || size, ',') FROM attachments) || '|' "
	    "|| (SELECT group_concat(offset || ':' || blob || ':' || form, "
	    "',') FROM raw_spans) FROM messages");
}

/* store_message_add from m and raw, with pre (or NULL). */
static int64_t
store_with(struct fixture *fx, const struct pd_msg *m, const char *raw,
    const struct store_prepack *pre)
{
	struct pd_stored s = { .direction = "in", .kind = "client",
		.hash = "h", .raw = raw, .raw_len = strlen(raw), .pre = pre };

	return store_message_add(fx->db, m, &s);
}

/* A batch's work done ahead (store_prepack on the fetching thread, a
 * parse that borrows the fetched bytes) changes nothing stored: the same
 * rows as store_message_add working it out itself; a prepack made of other
 * bytes, or of another text, is not used. */
static void
test_prepack(void)
{
	guchar *att = pattern(ATT_SIZE, 11);
	char *raw = mail_with("dee@client.test", "d@client.test", att,
	    ATT_SIZE, 76, "\r\n");
	char *copy = g_strdup(raw), *err = NULL, *plain, *ahead, *other;
	const struct pd_limits lim = PD_LIMITS_DEFAULT;
	struct pd_msg *m = NULL, *mb = NULL;
	struct store_prepack pre, pre_other;
	struct fixture a, b, c;
	gsize n1 = 0, n2 = 0;
	const void *d1, *d2;

	if (!ok(msg_parse(raw, strlen(raw), &lim, &m, &err) == 0 &&
	    msg_parse_borrowed(raw, strlen(raw), &lim, &mb, &err) == 0,
	    "parsed both ways")) {
		g_free(err);
		return;
	}
	d1 = m->attachments->len ? g_bytes_get_data(((struct pd_attachment *)
	    m->attachments->pdata[0])->data, &n1) : NULL;
	d2 = mb->attachments->len ? g_bytes_get_data(((struct pd_attachment *)
	    mb->attachments->pdata[0])->data, &n2) : NULL;
	ok(g_strcmp0(m->text, mb->text) == 0 && g_strcmp0(m->subject,
	    mb->subject) == 0 && m->attachments->len == 1 &&
	    mb->attachments->len == 1 && n1 == ATT_SIZE && n1 == n2 &&
	    memcmp(d1, d2, n1) == 0, "a borrowing parse reads the same "
	    "message");
	{
		struct pd_attachment *pa = mb->attachments->pdata[0];
		char h[65];

		blob_hash(d2, n2, h);
		ok(pa->hash[0] == '\0', "an attachment is not hashed by the "
		    "parse");
		store_prepack(&pre, mb, raw, strlen(raw));
		ok(strcmp(pa->hash, h) == 0,
		    "the prepack hashes it once and keeps the hash on it");
		memset(pa->hash, 'f', 64);
		ok(strspn(attachment_hash(pa), "f") == 64, "later users read "
		    "the kept hash, not the bytes again");
		pa->hash[0] = '\0';
		ok(strcmp(attachment_hash(pa), h) == 0, "an unknown hash is "
		    "worked out");
	}
	store_prepack(&pre_other, mb, copy, strlen(copy));
	if (!ok(fx_open(&a, "", "") == 0 && fx_open(&b, "", "") == 0 &&
	    fx_open(&c, "", "") == 0, "fixtures open"))
		return;
	ok(store_with(&a, m, raw, NULL) > 0, "stored, worked out in place");
	ok(store_with(&b, mb, raw, &pre) > 0, "stored with the prepack");
	ok(store_with(&c, mb, raw, &pre_other) > 0, "stored with a prepack "
	    "of other bytes");
	plain = stored_row(&a);
	ahead = stored_row(&b);
	other = stored_row(&c);
	ok(plain && strstr(plain, "|1|Please look at the file.") &&
	    strstr(plain, ":102400|"),
	    "the raw deflated, its attachment cut out");
	is_str(ahead, plain, "the same rows with the work done ahead");
	is_str(other, plain, "the same rows when the prepack is not its own");
	ok(raw_back(&b, "d@client.test", raw), "the raw back byte for byte");
	g_free(plain);
	g_free(ahead);
	g_free(other);
	fx_close(&a);
	fx_close(&b);
	fx_close(&c);
	store_prepack_clear(&pre);
	store_prepack_clear(&pre_other);
	store_prepack_clear(&pre);
	msg_free(&m);
	msg_free(&mb);
	g_free(raw);
	g_free(copy);
	g_free(att);
}

int
main(void)
{
	g_mime_init();
	test_store();
	test_outbox();
	test_migration();
	test_migration_bodies();
	test_texts();
	test_migration_texts();
	test_prepack();
	return tap_done();
}
