/* unit_recipe: a queued mail is its recipe, composed by the sender
 * (compose.h, schema 19, docs/storage.md).  For varied mails (Cyrillic
 * names and subjects, an HTML alternative, attachments small, large,
 * empty and message/rfc822, references, an agent's answer with
 * Auto-Submitted "no", a gateway notice): the recipe stored and read
 * back composes byte for byte what compose_render makes of it in memory,
 * and what compose_mail makes of the same request but for what is
 * random or dated (Message-ID, Date, boundaries); every attempt sends
 * the same bytes; the claim records the headers, hash and size; a
 * pending row's blobs cannot go; a corrupt recipe fails its row only;
 * the recipe goes once sent. */
#include "compose.h"
#include "fixture.h"
#include "mailcmp.h"
#include "outbox.h"
#include "tap.h"
#include "tmpdir.h"

/* What the fake driver was handed, per mail (GBytes *). */
static GPtrArray *sent;

static enum sink_status
fake_send(const struct pd_endpoint *ep, const char *helo,
    const char *env_from, const char *const *rcpts, size_t n,
    const char *data, size_t len, char **error_r)
{
	g_ptr_array_add(sent, g_bytes_new(data, len));
	return SINK_OK;
}

static const struct sink_driver fake = { .name = "fake", .send = fake_send };

static struct pd_attachment *
att_text(const char *name, const char *type, const char *text)
{
	struct pd_attachment *a = g_new0(struct pd_attachment, 1);

	a->filename = g_strdup(name);
	a->content_type = g_strdup(type);
	a->size = strlen(text);
	a->data = g_bytes_new(text, strlen(text));
	return a;
}

static bool
same_bytes(const char *a, size_t alen, GBytes *b)
{
	gsize n = 0;
	const void *d = b ? g_bytes_get_data(b, &n) : NULL;

	return b && n == alen && (n == 0 || memcmp(a, d, n) == 0);
}

struct one {
	const char *label;
	struct compose_req q;
	int64_t id;
	char *msgid, *mail;
	size_t len;
};

/* Queues c's request as the filer does (compose_resolve,
 * outbox_add_recipe) and checks what it composes three ways. */
static void
queue_one(struct fixture *fx, struct one *c)
{
	GVariant *recipe, *back;
	GPtrArray *blobs = g_ptr_array_new();
	char *err = NULL, *whole_id = NULL, *whole, *same;
	size_t wlen = 0;
	GBytes *stored;

	recipe = compose_resolve(&c->q, &c->msgid);
	for (guint i = 0; c->q.attachments && i < c->q.attachments->len; i++)
		g_ptr_array_add(blobs, ((struct pd_attachment *)
		    c->q.attachments->pdata[i])->data);
	c->mail = compose_render(recipe, blobs, NULL, &c->len, &err);
	ok(c->mail != NULL, "%s: rendered (%s)", c->label, err ? err : "");
	back = compose_recipe_load(g_variant_get_data(recipe),
	    g_variant_get_size(recipe), &err);
	ok(back && g_variant_equal(back, recipe), "%s: the recipe reads "
	    "back as written (%zu bytes)", c->label,
	    g_variant_get_size(recipe));
	if (back)
		g_variant_unref(back);
	c->id = outbox_add_recipe(fx->db, c->q.ticket ? c->q.ticket->number :
	    0, "test", c->msgid, "", c->q.rcpt, recipe, c->q.attachments);
	ok(c->id > 0, "%s: queued", c->label);
	ok(fx_int(fx, "SELECT length(data) = 0 AND data_hash IS NULL AND "
	    "data_size IS NULL FROM outbox WHERE id = %lld",
	    (long long)c->id) == 1, "%s: before the claim: no headers, hash "
	    "or size", c->label);
	stored = store_outbox_mail(fx->db, c->id);
	ok(c->mail && same_bytes(c->mail, c->len, stored), "%s: composed "
	    "from the stored recipe and blobs, byte for byte", c->label);
	if (stored)
		g_bytes_unref(stored);
	/* compose_mail of the same request: the same bytes but for
	 * what is drawn anew each time. */
	whole = compose_mail(&c->q, &wlen, &whole_id);
	same = c->mail ? same_randoms(c->mail, c->msgid, whole, whole_id) :
	    NULL;
	ok(same && strlen(same) == wlen && memcmp(same, whole, wlen) == 0,
	    "%s: what compose_mail makes of the request", c->label);
	if (same && strcmp(same, whole) != 0)
		for (size_t i = 0; same[i] && whole[i]; i++)
			if (same[i] != whole[i]) {
				printf("# first difference at %zu: %.60s | "
				    "%.60s\n", i, same + i, whole + i);
				break;
			}
	g_free(same);
	g_free(whole);
	g_free(whole_id);
	g_free(err);
	g_ptr_array_unref(blobs);
	g_variant_unref(recipe);
}

static void
test_recipes(void)
{
	struct fixture fx;
	struct pd_ticket t = { .number = 42, .subject = "Принтер",
		.queue = NULL, .root_id = "root.42@example.test" };
	GPtrArray *refs = g_ptr_array_new();
	GPtrArray *files = g_ptr_array_new_with_free_func(att_free);
	GPtrArray *fwd = g_ptr_array_new_with_free_func(att_free);
	struct one cases[6];
	struct outbox_sender s = { 0 };
	char *err = NULL, *big_hash = NULL;
	unsigned n;

	if (!ok(fx_open(&fx, "", "") == 0, "fixture opens"))
		return;
	sent = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	g_ptr_array_add(refs, "a1@client.test");
	g_ptr_array_add(refs, "a2@client.test");
	g_ptr_array_add(files, att_new("отчёт.pdf", "application/pdf",
	    100 * 1024, 1));
	g_ptr_array_add(files, att_text("заметка.txt", "text/plain",
	    "Коротко.\n"));
	g_ptr_array_add(files, att_new("empty.bin", "application/octet-stream",
	    0, 3));
	g_ptr_array_add(fwd, att_text("fwd.eml", "message/rfc822",
	    "From: a@b.test\nSubject: =?utf-8?b?0J/RgNC40LLQtdGC?=\n\n"
	    "Тело.\n"));
	memset(cases, 0, sizeof cases);
	cases[0] = (struct one){ .label = "acknowledgement", .q = { .cfg =
		fx.cfg, .ticket = &t, .rcpt = "client@client.test",
		.rcpt_name = "Иван Петров", .subject = "[#42] Принтер не "
		"печатает", .body = "Здравствуйте,\nзаявка принята.\n",
		.in_reply_to = "a2@client.test", .references = refs,
		.auto_submitted = "auto-replied" } };
	cases[1] = (struct one){ .label = "html alternative", .q = {
		.cfg = fx.cfg, .ticket = &t, .rcpt = "client@client.test",
		.rcpt_name = "Grüße Müller", .subject = "Ваша заявка решена",
		.body = "Готово.\n", .html = "<!DOCTYPE html>\n<p>Готово.</p>\n",
		.auto_submitted = "auto-generated" } };
	cases[2] = (struct one){ .label = "files small, large, empty", .q = {
		.cfg = fx.cfg, .ticket = &t, .rcpt = "agent@example.test",
		.rcpt_name = "Агент", .subject = "Новая заявка: отчёт",
		.body = "См. файлы.\n", .attachments = files,
		.html = "<p>См. файлы.</p>", .kind = 'm' } };
	cases[3] = (struct one){ .label = "message/rfc822", .q = {
		.cfg = fx.cfg, .ticket = &t, .rcpt = "agent@example.test",
		.subject = "Fwd", .body = "forwarded\n", .attachments = fwd } };
	cases[4] = (struct one){ .label = "agent answer", .q = {
		.cfg = fx.cfg, .ticket = &t, .rcpt = "client@client.test",
		.rcpt_name = "Иван", .subject = "Re: Принтер", .body =
		"Перезагрузите принтер.\n-- \nОльга\n", .auto_submitted = "no",
		.from_name = "Ольга Смирнова", .reply_to = "desk@example.test",
		.in_reply_to = "a1@client.test", .references = refs,
		.attachments = files } };
	cases[5] = (struct one){ .label = "gateway notice", .q = {
		.cfg = fx.cfg, .rcpt = "admin@example.test", .subject =
		"Flood guard", .body = "capped\n" } };
	for (n = 0; n < G_N_ELEMENTS(cases); n++)
		queue_one(&fx, &cases[n]);

	/* The blobs a pending row names cannot go (a foreign key). */
	big_hash = fx_str(&fx, "SELECT blob FROM outbox_recipe_blobs WHERE "
	    "outbox = %lld AND blob IN (SELECT hash FROM blobs WHERE size > "
	    "100000)", (long long)cases[2].id);
	ok(big_hash != NULL, "the large file is a blob the row names");
	ok(db_exec(fx.db, "DELETE FROM blobs WHERE hash = ?", "t",
	    big_hash ? big_hash : "") != 0, "pending: its blob cannot be "
	    "deleted");

	/* A corrupt recipe: that row fails, logged; the others go. */
	{
		GVariant *r;
		char *id = NULL;
		struct compose_req q = cases[5].q;
		int64_t bad, trunc, empty, zero;

		r = compose_resolve(&q, &id);
		bad = outbox_add_recipe(fx.db, 0, "test", id, "", q.rcpt, r,
		    NULL);
		trunc = outbox_add_recipe(fx.db, 0, "test", id, "", q.rcpt, r,
		    NULL);
		db_exec(fx.db, "UPDATE outbox_recipes SET recipe = "
		    "randomblob(300) WHERE id = ?", "i", bad);
		db_exec(fx.db, "UPDATE outbox_recipes SET recipe = "
		    "substr(recipe, 1, 40) WHERE id = ?", "i", trunc);
		empty = outbox_add_recipe(fx.db, 0, "test", id, "", q.rcpt, r,
		    NULL);
		zero = outbox_add_recipe(fx.db, 0, "test", id, "", q.rcpt, r,
		    NULL);
		db_exec(fx.db, "UPDATE outbox_recipes SET recipe = X'' WHERE "
		    "id = ?", "i", empty);
		db_exec(fx.db, "UPDATE outbox_recipes SET recipe = "
		    "zeroblob(500) WHERE id = ?", "i", zero);
		outbox_send(fx.db, fx.cfg, &fake, &s, 5);
		ok(sent->len == G_N_ELEMENTS(cases), "the good rows went (%u "
		    "of %u), the corrupt ones did not", sent->len,
		    (unsigned)G_N_ELEMENTS(cases));
		ok(fx_int(&fx, "SELECT COUNT(*) FROM outbox WHERE id IN "
		    "(%lld, %lld, %lld, %lld) AND status = 'failed'",
		    (long long)bad, (long long)trunc, (long long)empty,
		    (long long)zero) == 4, "corrupt recipes (random, cut, "
		    "empty, zeros): their rows failed");
		g_variant_unref(r);
		g_free(id);
	}
	/* What went is what was composed at queue time. */
	for (n = 0; n < G_N_ELEMENTS(cases) && n < sent->len; n++) {
		ok(same_bytes(cases[n].mail, cases[n].len, sent->pdata[n]),
		    "%s: sent byte for byte", cases[n].label);
		ok(fx_int(&fx, "SELECT status = 'sent' AND data_size = %lld "
		    "AND length(data) > 0 AND length(data) < data_size FROM "
		    "outbox WHERE id = %lld", (long long)cases[n].len,
		    (long long)cases[n].id) == 1, "%s: sent, its headers and "
		    "size kept", cases[n].label);
	}
	{
		char h[65];
		char *got;

		blob_hash(cases[2].mail, cases[2].len, h);
		got = fx_str(&fx, "SELECT data_hash FROM outbox WHERE id = "
		    "%lld", (long long)cases[2].id);
		is_str(got, h, "data_hash is the SHA-256 of what went");
		g_free(got);
	}
	ok(fx_int(&fx, "SELECT (SELECT COUNT(*) FROM outbox_recipes r JOIN "
	    "outbox o ON o.id = r.id WHERE o.status = 'sent') + (SELECT "
	    "COUNT(*) FROM outbox_recipe_blobs b JOIN outbox o ON o.id = "
	    "b.outbox WHERE o.status = 'sent')") == 0, "sent: the recipes "
	    "and their blob references are gone");
	ok(fx_int(&fx, "SELECT COUNT(*) FROM blobs WHERE hash = %Q",
	    big_hash ? big_hash : "") == 1, "the blob itself stays");
	for (n = 0; n < G_N_ELEMENTS(cases); n++) {
		g_free(cases[n].mail);
		g_free(cases[n].msgid);
	}
	outbox_sender_clear(&s);
	g_free(big_hash);
	g_free(err);
	g_ptr_array_unref(sent);
	g_ptr_array_unref(refs);
	g_ptr_array_unref(files);
	g_ptr_array_unref(fwd);
	fx_close(&fx);
}

/* A second attempt (a 4xx, or a crash after the claim) composes the
 * same bytes: the same Date and Message-ID, whatever the clock says. */
static enum sink_status
temp_send(const struct pd_endpoint *ep, const char *helo,
    const char *env_from, const char *const *rcpts, size_t n,
    const char *data, size_t len, char **error_r)
{
	g_ptr_array_add(sent, g_bytes_new(data, len));
	*error_r = g_strdup("451 later");
	return SINK_TEMP;
}

static const struct sink_driver temp = { .name = "temp", .send = temp_send };

static void
test_again(void)
{
	struct fixture fx;
	struct outbox_sender s = { 0 };
	GVariant *r;
	char *id = NULL;
	int64_t row;

	if (!ok(fx_open(&fx, "", "") == 0, "fixture opens"))
		return;
	sent = g_ptr_array_new_with_free_func((GDestroyNotify)g_bytes_unref);
	{
		struct compose_req q = { .cfg = fx.cfg, .rcpt =
			"client@client.test", .subject = "Проверка", .body =
			"текст\n", .html = "<p>текст</p>" };

		r = compose_resolve(&q, &id);
	}
	row = outbox_add_recipe(fx.db, 0, "test", id, "", "client@client.test",
	    r, NULL);
	outbox_send(fx.db, fx.cfg, &temp, &s, 5);
	g_usleep(1100 * 1000);
	db_exec(fx.db, "UPDATE outbox SET next_attempt = 0 WHERE id = ?", "i",
	    row);
	outbox_send(fx.db, fx.cfg, &temp, &s, 5);
	ok(sent->len == 2 && g_bytes_equal(sent->pdata[0], sent->pdata[1]),
	    "the second attempt sends the same bytes (%u attempts)",
	    sent->len);
	ok(fx_int(&fx, "SELECT attempts FROM outbox WHERE id = %lld",
	    (long long)row) == 2, "two attempts counted");
	outbox_sender_clear(&s);
	g_variant_unref(r);
	g_free(id);
	g_ptr_array_unref(sent);
	fx_close(&fx);
}

/* The Date of a recipe: the local time in the zone TZ names (set by main
 * before anything reads the zone), with its offset. */
static void
test_date(void)
{
	struct fixture fx;
	struct compose_req q = { 0 };
	GVariant *r;
	GDateTime *dt = NULL;
	char *id = NULL, *mail, *err = NULL, *date = NULL;
	const char *p, *e;
	gint64 before = g_get_real_time() / G_USEC_PER_SEC, after;
	size_t len = 0;

	if (!ok(fx_open(&fx, "", "") == 0, "date: fixture opens"))
		return;
	q = (struct compose_req){ .cfg = fx.cfg, .rcpt = "c@client.test",
		.subject = "s", .body = "b\n" };
	r = compose_resolve(&q, &id);
	mail = compose_render(r, NULL, NULL, &len, &err);
	after = g_get_real_time() / G_USEC_PER_SEC;
	p = !mail ? NULL : g_str_has_prefix(mail, "Date: ") ? mail + 6 :
	    (p = strstr(mail, "\nDate: ")) != NULL ? p + 7 : NULL;
	if (p && (e = strpbrk(p, "\r\n")) != NULL)
		date = g_strndup(p, e - p);
	if (date)
		dt = g_mime_utils_header_decode_date(date);
	ok(date && g_str_has_suffix(date, " +0530"), "date: in the local "
	    "zone with its offset (%s)", date ? date : "none");
	ok(dt && g_date_time_to_unix(dt) >= before &&
	    g_date_time_to_unix(dt) <= after, "date: now");
	if (dt)
		g_date_time_unref(dt);
	g_free(date);
	g_free(mail);
	g_free(err);
	g_free(id);
	g_variant_unref(r);
	fx_close(&fx);
}

int
main(void)
{
	/* A zone no test machine is in, half an hour off. */
	setenv("TZ", "<+0530>-5:30", 1);
	tzset();
	g_mime_init();
	test_recipes();
	test_again();
	test_date();
	return tap_done();
}
