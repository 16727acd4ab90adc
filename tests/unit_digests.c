/* unit_digests.c: the template registry (template_vars.h) and the
 * settings of digests and reports (config_digests.c):
 * - every registered template exists in every language in
 *   conf/templates and renders with representative values, no
 *   placeholder left;
 * - template_check: nothing to report on the shipped templates; a missing
 *   template is "conf:line: ...", an unknown placeholder
 *   "template-file:line: ..."; an admin's directory with only some files
 *   falls back to the next directory for the rest;
 * - gateway.templates as a list, gateway.timezone, digests.times,
 *   reports.monthly, with "file:line: message" errors;
 * - digest_slot in the gateway's time zone;
 * - compose_mail with an HTML alternative. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <gmime/gmime.h>
#include "daemon/config.h"
#include "compose.h"
#include "digest.h"
#include "mac.h"
#include "template.h"
#include "template_vars.h"
#include "tap.h"

static char *tmp;

static char *
shipped_dir(void)
{
	const char *top = getenv("top_srcdir");

	return g_build_filename(top ? top : ".", "conf", "templates", NULL);
}

static void
put(const char *rel, const char *text)
{
	char *path = g_build_filename(tmp, rel, NULL), *d =
	    g_path_get_dirname(path);

	g_mkdir_with_parents(d, 0700);
	g_file_set_contents(path, text, -1, NULL);
	g_free(d);
	g_free(path);
}

/* A value for every placeholder a template may use: its own (from the
 * registry) and the common ones. */
static GHashTable *
sample_vars(const struct template_spec *spec)
{
	static const char *const common[] = { "gateway.name",
		"gateway.address", "client.name", "client.address",
		"ticket.number", "ticket.token", "ticket.subject",
		"ticket.status", "ticket.priority", "ticket.type",
		"ticket.assignee", "ticket.plan", "ticket.sla", "ticket.due",
		"queue.name", "queue.address", "queue.tag", NULL };
	GHashTable *v = g_hash_table_new_full(g_str_hash, g_str_equal,
	    g_free, g_free);
	char **own = g_strsplit(spec->vars, " ", -1);

	for (const char *const *c = common; *c; c++)
		g_hash_table_insert(v, g_strdup(*c), g_strdup_printf("<%s>",
		    *c));
	for (char **o = own; *o; o++)
		if (**o)
			g_hash_table_insert(v, g_strdup(*o), g_strdup_printf(
			    "<%s>\n<second line>", *o));
	g_strfreev(own);
	return v;
}

/* Whether every {{name}} of template name in lang is a key of v. */
static bool
all_filled(GPtrArray *dirs, const char *lang, const char *name,
    GHashTable *v)
{
	char *path = template_find(dirs, lang, name), *data = NULL;
	const char *p, *open, *close;
	bool all = path && g_file_get_contents(path, &data, NULL, NULL);

	for (p = data; all && (open = strstr(p, "{{")) && (close =
	    strstr(open + 2, "}}")); p = close + 2) {
		char *key = g_strstrip(g_strndup(open + 2, close - open - 2));

		if (!(all = g_hash_table_contains(v, key)))
			printf("# %s/%s: {{%s}} has no value\n", lang, name,
			    key);
		g_free(key);
	}
	g_free(data);
	g_free(path);
	return all;
}

static void
test_every_template(void)
{
	char *dir = shipped_dir();
	GPtrArray *dirs = g_ptr_array_new();

	g_ptr_array_add(dirs, dir);
	for (unsigned i = 0; i < template_nspecs; i++)
		for (const char *const *l = template_langs; *l; l++) {
			const struct template_spec *s = &template_specs[i];
			char *path = template_find(dirs, *l, s->name);
			GHashTable *v = sample_vars(s);
			struct pd_rendered r;
			char *err = NULL;

			ok(path != NULL, "%s/%s.txt is shipped", *l, s->name);
			g_free(path);
			if (!ok(template_render_dirs(dirs, *l, s->name, v, &r,
			    &err) == 0, "%s/%s renders (%s)", *l, s->name,
			    err ? err : "")) {
				g_free(err);
				g_hash_table_unref(v);
				continue;
			}
			ok(*r.subject && !strstr(r.subject, "{{") &&
			    !strstr(r.body, "{{") && !strstr(r.body, "}}"),
			    "%s/%s: a subject, no placeholder left", *l,
			    s->name);
			/* A placeholder without a value renders as nothing:
			 * every one the file names must get its value. */
			ok(all_filled(dirs, *l, s->name, v), "%s/%s: every "
			    "placeholder has a value", *l, s->name);
			/* Russian templates are written in Russian. */
			if (strcmp(*l, "ru") == 0)
				ok(g_regex_match_simple("[а-яА-ЯёЁ]", r.body, 0,
				    0), "ru/%s is Russian", s->name);
			template_clear(&r);
			g_hash_table_unref(v);
		}
	g_ptr_array_unref(dirs);
	g_free(dir);
}

static bool
has_line(const GString *s, const char *prefix, const char *msg)
{
	char **lines = g_strsplit(s->str, "\n", -1);
	bool found = false;

	for (char **l = lines; *l && !found; l++)
		found = g_str_has_prefix(*l, prefix) && strstr(*l, msg);
	g_strfreev(lines);
	return found;
}

static void
test_check(void)
{
	char *shipped = shipped_dir(), *over = g_build_filename(tmp, "over",
	    NULL), *prefix;
	GPtrArray *dirs = g_ptr_array_new();
	GString *e = g_string_new(NULL);
	GHashTable *v = g_hash_table_new(g_str_hash, g_str_equal);
	struct pd_rendered r;
	char *err = NULL;
	int n;

	g_ptr_array_add(dirs, shipped);
	n = template_check(dirs, "/etc/p.conf", 7, e);
	if (!ok(n == 0, "the shipped templates pass the check"))
		fprintf(stderr, "%s", e->str);

	/* An admin's directory with two files: one changed, one wrong. */
	put("over/en/ack.txt", "Subject: OVERRIDDEN {{ticket.token}}\n\n"
	    "Hi {{client.name}}\n");
	put("over/ru/taken.txt", "Subject: {{ticket.token}}\n\nline two\n"
	    "Hello {{client.nmae}} and {{agent.name}}\n");
	g_ptr_array_insert(dirs, 0, over);
	g_string_truncate(e, 0);
	n = template_check(dirs, "/etc/p.conf", 7, e);
	prefix = g_strdup_printf("%s/ru/taken.txt:4: ", over);
	ok(n == 1 && has_line(e, prefix, "unknown placeholder "
	    "{{client.nmae}}"), "an unknown placeholder is file:line of the "
	    "template");
	g_free(prefix);
	ok(!strstr(e->str, "missing"), "files the override lacks come from "
	    "the next directory");
	ok(template_render_dirs(dirs, "en", "ack", v, &r, &err) == 0 &&
	    g_str_has_prefix(r.subject, "OVERRIDDEN"), "the override's "
	    "template is used");
	template_clear(&r);
	ok(template_render_dirs(dirs, "en", "status_resolved", v, &r, &err)
	    == 0 && strstr(r.body, "resolved") != NULL, "a template the "
	    "override lacks comes from the shipped directory");
	template_clear(&r);
	ok(template_render_dirs(dirs, "ru", "ack", v, &r, &err) == 0 &&
	    !g_str_has_prefix(r.subject, "OVERRIDDEN"), "ru/ack comes from "
	    "the shipped directory, not the override's en/ack");
	template_clear(&r);

	/* A typo in a ticket field is reported, not rendered as a gap. */
	{
		char *typo = g_build_filename(tmp, "typo", NULL);
		GString *e2 = g_string_new(NULL);
		char *pre;

		put("typo/en/sla_first_breach.txt", "Subject: {{ticket.token}}"
		    "\n\nassignee {{ticket.asignee}}\n");
		g_ptr_array_insert(dirs, 0, typo);
		n = template_check(dirs, "/etc/p.conf", 7, e2);
		pre = g_strdup_printf("%s/en/sla_first_breach.txt:3: ", typo);
		ok(n == 2 && has_line(e2, pre, "unknown placeholder "
		    "{{ticket.asignee}}"), "a misspelt ticket field is "
		    "file:line of the template");
		g_ptr_array_remove_index(dirs, 0);
		g_free(pre);
		g_free(typo);
		g_string_free(e2, TRUE);
	}

	/* Without the shipped directory: every missing file, in every
	 * language, at the config's `templates` line. */
	g_ptr_array_remove_index(dirs, 1);
	g_string_truncate(e, 0);
	n = template_check(dirs, "/etc/p.conf", 7, e);
	ok(n >= (int)template_nspecs * 2 - 2 && has_line(e, "/etc/p.conf:7: ",
	    "missing template ru/digest_agent.txt") && has_line(e,
	    "/etc/p.conf:7: ", "missing template en/report_client.txt"),
	    "missing templates are config errors at the templates line");
	ok(!has_line(e, "/etc/p.conf:7: ", "missing template en/ack.txt"),
	    "a present one is not reported");
	ok(template_var_allowed("digest_agent", "digest.tickets") &&
	    template_var_allowed("sla_first_breach", "ticket.assignee") &&
	    template_var_allowed("due", "ticket.due") &&
	    !template_var_allowed("sla_first_breach", "ticket.asignee") &&
	    !template_var_allowed("ack", "ticket.anything") &&
	    !template_var_allowed("ack", "digest.tickets") &&
	    !template_var_allowed("digest_agent", "digest") &&
	    !template_var_allowed("nosuch", "ticket.token"),
	    "template_var_allowed: own, common, others' and unknown");
	g_hash_table_unref(v);
	g_string_free(e, TRUE);
	g_ptr_array_unref(dirs);
	g_free(shipped);
	g_free(over);
}

#define MINIMAL_GW "gateway = {\n  address = \"s@example.test\";\n"
#define SMTP "};\nsmtp = { host = \"smtp.example.test\"; };\n"

static struct pd_config *
load(const char *text, GString *e)
{
	char *path = g_build_filename(tmp, "t.conf", NULL);
	struct pd_config *cfg = NULL;

	g_file_set_contents(path, text, -1, NULL);
	g_string_truncate(e, 0);
	config_load(path, &cfg, e);
	g_free(path);
	return cfg;
}

static void
test_config(void)
{
	GString *e = g_string_new(NULL);
	struct pd_config *cfg;
	char *want, *prefix;

	cfg = load(MINIMAL_GW SMTP, e);
	if (ok(cfg != NULL, "defaults load (%s)", e->str)) {
		is_str(cfg->timezone, "UTC", "defaults: timezone UTC");
		ok(cfg->digest_times->len == 0, "defaults: no digests");
		ok(cfg->report_monthly, "defaults: monthly reports on");
		ok(cfg->templates_dirs->len == 1 && strcmp(
		    cfg->templates_dirs->pdata[0], cfg->templates_dir) == 0 &&
		    g_str_has_suffix(cfg->templates_dir, "/templates"),
		    "defaults: the shipped templates only");
		ok(cfg->templates_line == 0, "defaults: no templates line");
	}
	config_free(&cfg);
	cfg = load(MINIMAL_GW "  templates = [\"mine\", \"/srv/t\"];\n"
	    "  timezone = \"Europe/Moscow\";\n" SMTP
	    "digests = { times = [\"14:00\", \"09:30\"]; };\n"
	    "reports = { monthly = false; };\n", e);
	if (ok(cfg != NULL, "full settings load (%s)", e->str)) {
		want = g_build_filename(tmp, "mine", NULL);
		ok(cfg->templates_dirs->len == 3 && strcmp(
		    cfg->templates_dirs->pdata[0], want) == 0 && strcmp(
		    cfg->templates_dirs->pdata[1], "/srv/t") == 0 &&
		    g_str_has_suffix(cfg->templates_dirs->pdata[2],
		    "/templates"), "templates: the list, relative to the "
		    "config, then the shipped directory");
		is_str(cfg->templates_dir, want, "templates_dir is the first");
		ok(cfg->templates_line == 3, "templates line 3");
		g_free(want);
		is_str(cfg->timezone, "Europe/Moscow", "timezone");
		ok(cfg->digest_times->len == 2 && g_array_index(
		    cfg->digest_times, int, 0) == 570 && g_array_index(
		    cfg->digest_times, int, 1) == 840, "digest times sorted");
		ok(!cfg->report_monthly, "reports.monthly = false");
	}
	config_free(&cfg);
	cfg = load(MINIMAL_GW "  timezone = \"Mars/Olympus\";\n" SMTP
	    "digests = {\n  times = [\"9:00\", \"24:00\"];\n  every = 1;\n};\n"
	    "reports = { weekly = true; };\n", e);
	prefix = g_strdup_printf("%s/t.conf:", tmp);
	ok(cfg == NULL, "bad settings are refused");
	want = g_strdup_printf("%s3: ", prefix);
	ok(has_line(e, want, "unknown time zone 'Mars/Olympus'"),
	    "a bad time zone at its line");
	g_free(want);
	want = g_strdup_printf("%s7: ", prefix);
	ok(has_line(e, want, "'9:00' must be HH:MM") && has_line(e, want,
	    "'24:00' must be HH:MM"), "bad digest times at their line");
	g_free(want);
	want = g_strdup_printf("%s8: ", prefix);
	ok(has_line(e, want, "unknown setting 'every'"), "unknown digest "
	    "setting");
	g_free(want);
	want = g_strdup_printf("%s10: ", prefix);
	ok(has_line(e, want, "unknown setting 'weekly'"), "unknown report "
	    "setting");
	g_free(want);
	g_free(prefix);
	config_free(&cfg);
	g_string_free(e, TRUE);
}

static void
test_slot(void)
{
	GString *e = g_string_new(NULL);
	struct pd_config *cfg = load(MINIMAL_GW "  timezone = "
	    "\"Europe/Moscow\";\n" SMTP "digests = { times = [\"09:00\", "
	    "\"14:00\"]; };\n", e);
	/* 2026-11-30 06:00 UTC is 09:00 in Moscow (UTC+3). */
	const int64_t nine = 1796018400;

	if (!ok(cfg != NULL, "slot config loads (%s)", e->str))
		goto out;
	ok(digest_slot(cfg, nine) == nine, "09:00 Moscow is a slot");
	ok(digest_slot(cfg, nine - 1) == nine - 19 * 3600, "a second "
	    "before: yesterday's 14:00");
	ok(digest_slot(cfg, nine + 5 * 3600 - 1) == nine, "13:59: still "
	    "09:00");
	ok(digest_slot(cfg, nine + 5 * 3600) == nine + 5 * 3600, "14:00");
	ok(digest_slot(cfg, nine + 14 * 3600) == nine + 5 * 3600, "23:00: "
	    "14:00");
	g_array_set_size(cfg->digest_times, 0);
	ok(digest_slot(cfg, nine) == 0, "no times: no slot");
out:
	config_free(&cfg);
	g_string_free(e, TRUE);
}

static void
test_compose_html(void)
{
	GString *e = g_string_new(NULL);
	struct pd_config *cfg = load(MINIMAL_GW SMTP, e);
	struct compose_req q = { .cfg = cfg, .rcpt = "c@example.test",
		.subject = "Report", .body = "Opened: 3\n",
		.html = "<html><body><table><tr><td bgcolor=\"#4a7bd0\">x</td>"
		"</tr></table></body></html>" };
	GMimeStream *st;
	GMimeParser *p;
	GMimeMessage *m;
	GMimeObject *part;
	char *wire, *id;
	size_t len;

	wire = compose_mail(&q, &len, &id);
	st = g_mime_stream_mem_new_with_buffer(wire, len);
	p = g_mime_parser_new_with_stream(st);
	m = g_mime_parser_construct_message(p, NULL);
	part = m ? g_mime_message_get_mime_part(m) : NULL;
	ok(part && GMIME_IS_MULTIPART(part) && g_mime_content_type_is_type(
	    g_mime_object_get_content_type(part), "multipart", "alternative")
	    && g_mime_multipart_get_count(GMIME_MULTIPART(part)) == 2,
	    "with html: multipart/alternative of two parts");
	if (part && GMIME_IS_MULTIPART(part) && g_mime_multipart_get_count(
	    GMIME_MULTIPART(part)) == 2) {
		GMimeObject *a = g_mime_multipart_get_part(
		    GMIME_MULTIPART(part), 0);
		GMimeObject *b = g_mime_multipart_get_part(
		    GMIME_MULTIPART(part), 1);
		char *html = g_mime_text_part_get_text(GMIME_TEXT_PART(b));

		ok(g_mime_content_type_is_type(g_mime_object_get_content_type(
		    a), "text", "plain") && g_mime_content_type_is_type(
		    g_mime_object_get_content_type(b), "text", "html"),
		    "text/plain first, then text/html");
		ok(html && strstr(html, "bgcolor=\"#4a7bd0\""), "the html "
		    "arrives intact");
		g_free(html);
	}
	if (m)
		g_object_unref(m);
	g_object_unref(p);
	g_object_unref(st);
	g_free(wire);
	g_free(id);
	config_free(&cfg);
	g_string_free(e, TRUE);
}

int
main(void)
{
	char *err = NULL, *key;

	g_mime_init();
	tmp = g_dir_make_tmp("unit_digests-XXXXXX", NULL);
	key = g_build_filename(tmp, "mac.key", NULL);
	if (mac_init(key, &err) != 0) {
		ok(0, "mac_init: %s", err);
		g_free(err);
	}
	test_every_template();
	test_check();
	test_config();
	test_slot();
	test_compose_html();
	g_free(key);
	g_free(tmp);
	g_mime_shutdown();
	return tap_done();
}
