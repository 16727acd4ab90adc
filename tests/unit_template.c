/* unit_template.c: header injection through values (issue 7, §5).
 * hdrtext_line() on every kind of line break and control; templates split
 * into headers and body before placeholders are filled in, with hostile
 * subjects and names; composed mail with hostile header values. */
#include <stdlib.h>
#include <stdio.h>
#include <utime.h>
#include <string.h>
#include <glib/gstdio.h>
#include <gmime/gmime.h>
#include "compose.h"
#include "hdrtext.h"
#include "mac.h"
#include "msg.h"
#include "template.h"
#include "tap.h"
#include "tmpdir.h"

/* Every hostile form of a line break, with what the text must become. */
static const struct {
	const char *in, *want, *what;
} breaks[] = {
	{ "a\nb", "a b", "LF" },
	{ "a\r\nb", "a b", "CRLF" },
	{ "a\rb", "a b", "CR" },
	{ "a\n\rb", "a b", "LF CR" },
	{ "a\r\n\r\n\nb", "a b", "a run of breaks" },
	{ "a\vb", "a b", "VT" },
	{ "a\fb", "a b", "FF" },
	{ "a\tb", "a b", "TAB" },
	{ "a\x01\x1f" "b", "a b", "C0 controls" },
	{ "a\x7f" "b", "a b", "DEL" },
	{ "a\xc2\x85" "b", "a b", "U+0085 NEL" },
	{ "a\xc2\x9b" "b", "a b", "C1 control U+009B" },
	{ "a\xe2\x80\xa8" "b", "a b", "U+2028 LINE SEPARATOR" },
	{ "a\xe2\x80\xa9" "b", "a b", "U+2029 PARAGRAPH SEPARATOR" },
	{ "\r\nBcc: x@y", " Bcc: x@y", "CRLF Bcc" },
	{ "Привет  мир", "Привет  мир", "Cyrillic and blanks kept" },
	{ "a\xff" "b", "a\xef\xbf\xbd" "b", "invalid UTF-8 repaired" },
};

static void
test_hdrtext(void)
{
	char *v;

	for (size_t i = 0; i < G_N_ELEMENTS(breaks); i++) {
		char name[80];

		snprintf(name, sizeof name, "hdrtext_line: %s", breaks[i].what);
		v = hdrtext_line(breaks[i].in);
		is_str(v, breaks[i].want, name);
		ok(hdrtext_is_line(v), "hdrtext_is_line after %s",
		    breaks[i].what);
		g_free(v);
	}
	v = hdrtext_line(NULL);
	is_str(v, "", "hdrtext_line(NULL) is \"\"");
	g_free(v);
	ok(!hdrtext_is_line("a\nb") && !hdrtext_is_line("a\xe2\x80\xa8" "b") &&
	    !hdrtext_is_line("a\xc2\x85" "b") && !hdrtext_is_line("a\xff"),
	    "hdrtext_is_line refuses LF, U+2028, NEL, invalid UTF-8");
	ok(hdrtext_is_line("[ACME#1] Привет"), "hdrtext_is_line accepts text");
}

static char *tdir;

static void
write_template(const char *name, const char *text)
{
	char *file = g_strdup_printf("%s.txt", name);
	char *path = g_build_filename(tdir, "en", file, NULL);

	if (!g_file_set_contents(path, text, -1, NULL))
		printf("# cannot write %s\n", path);
	g_free(path);
	g_free(file);
}

static GHashTable *
vars_new(const char *subject, const char *name)
{
	GHashTable *v = g_hash_table_new(g_str_hash, g_str_equal);

	g_hash_table_insert(v, "ticket.token", "[ACME#7]");
	g_hash_table_insert(v, "ticket.subject", (char *)subject);
	g_hash_table_insert(v, "client.name", (char *)name);
	g_hash_table_insert(v, "gateway.name", "ACME Support");
	g_hash_table_insert(v, "message.text", "line one\nline two");
	return v;
}

static bool
render(const char *dir, const char *lang, const char *name, GHashTable *v,
    struct pd_rendered *r)
{
	char *err = NULL;

	if (template_render(dir, lang, name, v, r, &err) == 0)
		return true;
	printf("# template_render %s: %s\n", name, err);
	g_free(err);
	return false;
}

static const char *const hostile[] = {
	"x\nSubject: replaced",
	"x\r\nSubject: replaced",
	"x\r\nBcc: x@y",
	"x\n\nattacker text",
	"x\r\n\r\nattacker text",
	"x\xc2\x85" "Subject: replaced",
	"x\xe2\x80\xa8" "Subject: replaced",
	"x\xe2\x80\xa9\xe2\x80\xa9" "attacker text",
	"x\vSubject: replaced",
	"x\fSubject: replaced",
};

/* A template's subject keeps its token and one line; the body starts with
 * the greeting, on one line, and the block placeholder keeps its lines. */
static void
test_split_first(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(hostile); i++) {
		GHashTable *v = vars_new(hostile[i], hostile[i]);
		struct pd_rendered r;
		char *line;

		if (!ok(render(tdir, "en", "t", v, &r), "hostile %zu renders",
		    i)) {
			g_hash_table_unref(v);
			continue;
		}
		ok(g_str_has_prefix(r.subject, "[ACME#7] x "),
		    "hostile %zu: subject keeps the token: '%s'", i, r.subject);
		ok(hdrtext_is_line(r.subject), "hostile %zu: subject is one "
		    "line", i);
		ok(g_str_has_prefix(r.body, "Hello x "), "hostile %zu: body "
		    "starts with the greeting", i);
		line = g_strndup(r.body, strcspn(r.body, "\n"));
		ok(g_str_has_suffix(line, ",") && hdrtext_is_line(line),
		    "hostile %zu: greeting is one line: '%s'", i, line);
		ok(strstr(r.body, "\nline one\nline two\n") != NULL,
		    "hostile %zu: block placeholder keeps its lines", i);
		ok(strstr(r.body, "\nSubject:") == NULL &&
		    strstr(r.body, "\nBcc:") == NULL && strstr(r.body,
		    "\nattacker") == NULL, "hostile %zu: no line of the "
		    "value starts a line of the body", i);
		g_free(line);
		template_clear(&r);
		g_hash_table_unref(v);
	}
}

/* A value is filled in once: placeholders inside it stay text. */
static void
test_no_second_expansion(void)
{
	GHashTable *v = vars_new("{{gateway.name}} {{ticket.token}}",
	    "{{message.text}}");
	struct pd_rendered r;

	if (!ok(render(tdir, "en", "t", v, &r), "placeholder values render")) {
		g_hash_table_unref(v);
		return;
	}
	is_str(r.subject, "[ACME#7] {{gateway.name}} {{ticket.token}}",
	    "placeholders in a subject value are not expanded");
	ok(g_str_has_prefix(r.body, "Hello {{message.text}},\n"),
	    "placeholders in a name value are not expanded");
	template_clear(&r);
	g_hash_table_unref(v);
}

/* Headers are parsed as headers: folding, other headers, no body. */
static void
test_header_block(void)
{
	GHashTable *v = vars_new("a\nb", "N");
	struct pd_rendered r;

	write_template("fold", "X-Other: {{ticket.subject}}\nSubject: "
	    "{{ticket.token}}\n  {{ticket.subject}}\n\nBody {{client.name}}");
	if (ok(render(tdir, "en", "fold", v, &r), "folded template renders")) {
		is_str(r.subject, "[ACME#7]  a b", "folded Subject unfolded, "
		    "other headers ignored");
		is_str(r.body, "Body N", "body after the blank line");
		template_clear(&r);
	}
	write_template("nobody", "Subject: {{ticket.subject}}\n");
	if (ok(render(tdir, "en", "nobody", v, &r), "template without "
	    "body renders")) {
		is_str(r.subject, "a b", "subject of a template without body");
		is_str(r.body, "", "no body");
		template_clear(&r);
	}
	write_template("nohead", "\n{{ticket.subject}}\nHi {{ticket.subject}}");
	if (ok(render(tdir, "en", "nohead", v, &r), "template without "
	    "headers renders")) {
		is_str(r.subject, "", "no Subject header: empty subject");
		is_str(r.body, "a\nb\nHi a b", "block and inline values");
		template_clear(&r);
	}
	g_hash_table_unref(v);
}

/* The shipped acknowledgements, with the subject and a name. */
static void
test_shipped_ack(void)
{
	const char *top = getenv("top_srcdir");
	char *dir = g_build_filename(top ? top : ".", "conf", "templates",
	    NULL);
	static const char *const langs[][2] = { { "en", "Hello " },
		{ "ru", "Здравствуйте, " } };

	for (size_t i = 0; i < G_N_ELEMENTS(langs); i++) {
		GHashTable *v = vars_new("x\nSubject: x\n\nattacker text",
		    "Eve\r\nBcc: x@y");
		struct pd_rendered r;

		if (!ok(render(dir, langs[i][0], "ack", v, &r), "%s ack renders",
		    langs[i][0])) {
			g_hash_table_unref(v);
			continue;
		}
		is_str(r.subject, "[ACME#7] x Subject: x attacker text",
		    langs[i][0]);
		ok(g_str_has_prefix(r.body, langs[i][1]) && strstr(r.body,
		    "Eve Bcc: x@y") != NULL && strstr(r.body, "\nBcc") == NULL,
		    "%s ack body starts with the greeting, name on its line",
		    langs[i][0]);
		template_clear(&r);
		g_hash_table_unref(v);
	}
	g_free(dir);
}

static GMimeMessage *
parse_wire(const char *wire)
{
	GMimeStream *st = g_mime_stream_mem_new_with_buffer(wire,
	    strlen(wire));
	GMimeParser *p = g_mime_parser_new_with_stream(st);
	GMimeMessage *m = g_mime_parser_construct_message(p, NULL);

	g_object_unref(p);
	g_object_unref(st);
	return m;
}

static int
count_headers(GMimeMessage *m, const char *name)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(GMIME_OBJECT(m));
	int n = 0;

	for (int i = 0; i < g_mime_header_list_get_count(hl); i++)
		n += g_ascii_strcasecmp(g_mime_header_get_name(
		    g_mime_header_list_get_header_at(hl, i)), name) == 0;
	return n;
}

/* Whatever the stored values hold, the mail has its headers only. */
static void
test_compose(void)
{
	struct pd_config cfg = { .name = "ACME\nSupport", .address =
		"support@example.test", .domain = "example.test", .tag = "ACME" };
	struct pd_ticket t = { .number = 7, .root_id =
		"pd.7.root.x@example.test" };
	GPtrArray *refs = g_ptr_array_new();
	struct compose_req q = { .cfg = &cfg, .ticket = &t, .rcpt =
		"client@example.test", .rcpt_name = "Eve\r\nBcc: eve@x.test",
		.subject = "[ACME#7] x\r\nBcc: bcc@x.test\n\nattacker text",
		.body = "Hello\n", .in_reply_to = "a\r\nX-Injected: 1",
		.references = refs, .from_name = "Boss\xe2\x80\xa8X-From: 1" };
	char *key = g_build_filename(tdir, "mac.key", NULL), *err = NULL;
	char *wire, *id, *end;
	GMimeMessage *m;
	size_t len;

	g_ptr_array_add(refs, "good@client.test");
	g_ptr_array_add(refs, "bad\n@client.test");
	g_ptr_array_add(refs, "b@d>X-Injected: 2<c");
	if (!ok(mac_init(key, &err) == 0, "mac key for compose")) {
		printf("# %s\n", err);
		g_free(err);
		return;
	}
	wire = compose_mail(&q, &len, &id);
	end = strstr(wire, "\r\n\r\n");
	m = parse_wire(wire);
	ok(end && !g_strstr_len(wire, end - wire, "\nBcc") &&
	    !g_strstr_len(wire, end - wire, "\nX-Injected") &&
	    !g_strstr_len(wire, end - wire, "\nX-From") &&
	    !g_strstr_len(wire, end - wire, "\nattacker"),
	    "compose: no injected header line");
	ok(m && count_headers(m, "Subject") == 1 && count_headers(m,
	    "Bcc") == 0 && count_headers(m, "X-Injected") == 0,
	    "compose: one Subject, no Bcc, no X-Injected");
	is_str(m ? g_mime_message_get_subject(m) : NULL,
	    "[ACME#7] x Bcc: bcc@x.test attacker text",
	    "compose: subject decodes to one line");
	ok(m && !g_mime_object_get_header(GMIME_OBJECT(m), "In-Reply-To"),
	    "compose: an id with a line break is left out of In-Reply-To");
	is_str(m ? g_mime_object_get_header(GMIME_OBJECT(m), "References") :
	    NULL, "<pd.7.root.x@example.test> <good@client.test>",
	    "compose: References keep only well-formed ids");
	ok(g_str_has_suffix(wire, "Hello\r\n"), "compose: body intact");
	if (m)
		g_object_unref(m);
	g_free(wire);
	g_free(id);
	/* A text whose every letter is in ISO-8859-1 stays UTF-8 under its
	 * utf-8 label (compose.c text_part); Cyrillic and ASCII likewise. */
	{
		static const char *const texts[] = { "Gr\xc3\xbc\xc3\x9f" "e, "
			"Jos\xc3\xa9\n", "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2"
			"\xd0\xb5\xd1\x82 \xc3\xa9\n", "plain\n" };

		for (size_t i = 0; i < G_N_ELEMENTS(texts); i++) {
			GMimeObject *body;
			char *got = NULL, *name;

			q.body = texts[i];
			wire = compose_mail(&q, &len, &id);
			m = parse_wire(wire);
			body = m ? g_mime_message_get_body(m) : NULL;
			if (body && GMIME_IS_TEXT_PART(body))
				got = g_mime_text_part_get_text(
				    GMIME_TEXT_PART(body));
			ok(body && g_strcmp0(g_mime_object_get_content_type_parameter(
			    body, "charset"), "utf-8") == 0,
			    "compose: text %zu labelled utf-8", i);
			/* The wire's CRLF back to the text's LF. */
			for (char *r = got ? strchr(got, '\r') : NULL; r;
			    r = strchr(r, '\r'))
				memmove(r, r + 1, strlen(r));
			name = g_strdup_printf("compose: text %zu decodes "
			    "to itself", i);
			is_str(got, texts[i], name);
			g_free(name);
			g_free(got);
			if (m)
				g_object_unref(m);
			g_free(wire);
			g_free(id);
		}
		q.body = "Hello\n";
	}
	/* RFC 5322 §2.1.1: no line over 998 octets, whatever a stranger's
	 * subject, name or message id is long; an id too long for one line
	 * cannot be folded, so it is left out (a downstream server that
	 * refuses long lines would refuse the whole mail). */
	{
		char *longs = g_strnfill(5000, 'A'), *longn = g_strnfill(3000,
		    'B'), *longid = g_strdup_printf("%s@x.test", longs);
		size_t longest = 0, cur = 0;

		q.subject = longs;
		q.rcpt_name = longn;
		q.in_reply_to = longid;
		g_ptr_array_add(refs, longid);
		wire = compose_mail(&q, &len, &id);
		for (const char *c = wire; *c; c++, cur++)
			if (*c == '\n') {
				longest = MAX(longest, cur);
				cur = 0;
			}
		ok(longest <= 998, "compose: no line over 998 octets with a "
		    "5000-octet subject, name and message id (%zu)", longest);
		ok(strstr(wire, "AAAAAAAAAA@x.test") == NULL,
		    "compose: an id too long for a line is left out");
		g_free(wire);
		g_free(id);
		q.subject = "s";
		q.rcpt_name = NULL;
		q.in_reply_to = NULL;
		g_ptr_array_remove(refs, longid);
		g_free(longs);
		g_free(longn);
		g_free(longid);
	}
	/* Attachment fields are header values we write too. */
	{
		struct pd_attachment a = { .filename = "a\r\nX-Injected: 3\r\n"
			"\r\nbody.txt", .content_type = "text/x\r\nX-Injected: "
			"4\r\n\r\nfake", .size = 3 };
		GPtrArray *atts = g_ptr_array_new();

		a.data = g_bytes_new("abc", 3);
		g_ptr_array_add(atts, &a);
		q.attachments = atts;
		wire = compose_mail(&q, &len, &id);
		ok(strstr(wire, "\nX-Injected") == NULL &&
		    strstr(wire, "\nfake") == NULL, "compose: an attachment's "
		    "name and type add no line");
		q.attachments = NULL;
		g_ptr_array_unref(atts);
		g_bytes_unref(a.data);
		g_free(wire);
		g_free(id);
	}
	g_free(key);
	g_ptr_array_unref(refs);
	mac_reset();
}

/* A template read once is kept (template.c), but never past an edit: a
 * rewrite in place of the same size, and a new file renamed over it. */
static void
test_edited(void)
{
	char *path = g_build_filename(tdir, "en", "e.txt", NULL);
	struct pd_rendered r;
	struct utimbuf old = { .actime = 1000000000, .modtime = 1000000000 };
	FILE *f;

	write_template("e", "Subject: one\n\nAAAA\n");
	ok(render(tdir, "en", "e", NULL, &r) && strcmp(r.body, "AAAA\n") == 0,
	    "edited: first text");
	template_clear(&r);
	/* Old times: the next read is kept. */
	utime(path, &old);
	ok(render(tdir, "en", "e", NULL, &r) && strcmp(r.body, "AAAA\n") == 0,
	    "edited: read again, kept");
	template_clear(&r);
	ok(render(tdir, "en", "e", NULL, &r) && strcmp(r.body, "AAAA\n") == 0,
	    "edited: the kept text");
	template_clear(&r);
	if ((f = fopen(path, "r+")) != NULL) {
		fputs("Subject: one\n\nBBBB\n", f);
		fclose(f);
	}
	ok(render(tdir, "en", "e", NULL, &r) && strcmp(r.body, "BBBB\n") == 0,
	    "edited: a same-size rewrite in place is read");
	template_clear(&r);
	utime(path, &old);
	ok(render(tdir, "en", "e", NULL, &r) && strcmp(r.body, "BBBB\n") == 0,
	    "edited: kept again");
	template_clear(&r);
	write_template("e", "Subject: two\n\nCCCC\n");
	utime(path, &old);
	ok(render(tdir, "en", "e", NULL, &r) && strcmp(r.body, "CCCC\n") == 0 &&
	    strcmp(r.subject, "two") == 0,
	    "edited: a new file renamed over it is read");
	template_clear(&r);
	g_free(path);
}

int
main(void)
{
	char *en;

	g_mime_init();
	tdir = g_dir_make_tmp("unit_template-XXXXXX", NULL);
	en = g_build_filename(tdir, "en", NULL);
	g_mkdir(en, 0700);
	write_template("t", "Subject: {{ticket.token}} {{ticket.subject}}\n\n"
	    "Hello {{client.name}},\n\n{{message.text}}\n\nBye, "
	    "{{gateway.name}}\n");
	test_hdrtext();
	test_split_first();
	test_no_second_expansion();
	test_header_block();
	test_shipped_ack();
	test_compose();
	test_edited();
	tmp_rm_tree(tdir);
	g_free(en);
	g_free(tdir);
	g_mime_shutdown();
	return tap_done();
}
