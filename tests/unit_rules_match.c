/* unit_rules_match.c: the routing rules (daemon/rules.h, postdesk.conf(5)
 * "ROUTING RULES") loaded from a config file and tried on parsed messages,
 * without a database: every condition, ё read as е both ways, `any`,
 * first match wins, `continue`, `on = followup`/`both`, the effects, and
 * the trace `postdesk rules test` prints.  (tests/unit_rules.c is the
 * ticket lifecycle.) */
#include <stdio.h>
#include <string.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <gmime/gmime.h>
#include "daemon/config.h"
#include "msg.h"
#include "rulematch.h"
#include "rules.h"
#include "tap.h"
#include "tmpdir.h"

static char *dir;

#define HEAD \
	"gateway = { address = \"support@example.test\";\n" \
	"  templates = \"" TOP_SRCDIR "/conf/templates\"; };\n" \
	"smtp = { host = \"smtp\"; };\n" \
	"sources = ( { name = \"billing-imap\"; host = \"h\"; user = \"u\";\n" \
	"  password_file = \"pw\"; queue = \"billing\"; } );\n" \
	"queues = ( { name = \"support\"; addresses = \"support@example.test\"; },\n" \
	"  { name = \"billing\"; addresses = \"billing@example.test\"; } );\n" \
	"agents = ( { name = \"Alice\"; addresses = \"alice@example.test\"; } );\n" \
	"clients = ( { name = \"VIP\"; domains = \"vip.test\"; } );\n"

static struct pd_config *
load(const char *rules)
{
	struct pd_config *cfg = NULL;
	char *path = g_build_filename(dir, "t.conf", NULL);
	char *pw = g_build_filename(dir, "pw", NULL);
	char *text = g_strconcat(HEAD, rules, NULL);
	GString *e = g_string_new(NULL);

	g_file_set_contents(pw, "x\n", -1, NULL);
	g_chmod(pw, 0600);
	g_file_set_contents(path, text, -1, NULL);
	if (config_load(path, &cfg, e) != 0)
		printf("# config errors: %s", e->str);
	g_string_free(e, TRUE);
	g_free(text);
	g_free(pw);
	g_free(path);
	return cfg;
}

static struct pd_msg *
parse(const char *raw)
{
	const struct pd_limits lim = PD_LIMITS_DEFAULT;
	struct pd_msg *m = NULL;
	char *err = NULL;

	if (msg_parse(raw, strlen(raw), &lim, &m, &err) != 0) {
		printf("# parse: %s\n", err);
		g_free(err);
	}
	return m;
}

/* A plain message from from with subject and body. */
static struct pd_msg *
mail(const char *from, const char *subject, const char *body)
{
	char *raw = g_strdup_printf("From: %s\nTo: support@example.test\n"
	    "Cc: boss@client.test\nSubject: %s\nMessage-ID: <t@x>\n"
	    "X-Priority: 1 (Highest)\nMIME-Version: 1.0\n"
	    "Content-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: 8bit\n\n%s\n", from, subject, body);
	struct pd_msg *m = parse(raw);

	g_free(raw);
	return m;
}

/* The names of the rules that fired on m, "a,b" ("" when none). */
static char *
fired(const struct pd_config *cfg, const struct pd_msg *m,
    const struct rules_input *base, struct rules_result *res_r)
{
	struct rules_input in = base ? *base : (struct rules_input){ 0 };
	struct rules_result res;
	GString *s = g_string_new(NULL);

	in.m = m;
	if (!in.size)
		in.size = 500;
	rules_eval(cfg, &in, false, &res);
	for (guint i = 0; i < res.fired->len; i++)
		g_string_append_printf(s, "%s%s", i ? "," : "",
		    ((const struct pd_rule *)res.fired->pdata[i])->name);
	if (res_r)
		*res_r = res;
	else
		rules_result_clear(&res);
	return g_string_free(s, FALSE);
}

static void
check(const struct pd_config *cfg, const struct pd_msg *m,
    const struct rules_input *in, const char *want, const char *name)
{
	char *got = fired(cfg, m, in, NULL);

	is_str(got, want, name);
	g_free(got);
}

static void
test_fold(void)
{
	char *f = rulematch_fold("Счёт СЧЁТ ёлка Ёж");
	char *err = NULL;
	GRegex *re;

	is_str(f, "Счет СЧЕТ елка Еж", "fold: ё/Ё read as е/Е");
	g_free(f);
	re = rulematch_compile("счёт|оплат", &err);
	ok(re && rulematch_find(re, "Пришлите СЧЁТ"), "fold: счёт finds "
	    "СЧЁТ");
	ok(re && rulematch_find(re, "нужен счет"), "fold: счёт finds счет");
	ok(re && rulematch_find(re, "ОПЛАТА"), "fold: оплат finds ОПЛАТА");
	ok(re && !rulematch_find(re, "Вопрос по договору"),
	    "fold: no match elsewhere");
	if (re)
		g_regex_unref(re);
	re = rulematch_compile("счет", &err);
	ok(re && rulematch_find(re, "Счёт"), "fold: счет finds Счёт");
	if (re)
		g_regex_unref(re);
	re = rulematch_compile("(urgent", &err);
	ok(!re && err && strstr(err, "char 7"), "compile: a bad pattern "
	    "says where (%s)", err ? err : "");
	g_free(err);
	is_str(rulematch_language("Не работает", "Сервер упал, help"), "ru",
	    "language: mostly Cyrillic is ru");
	is_str(rulematch_language("Server down", "Привет, the server is "
	    "down again"), "en", "language: mostly Latin is en");
}

static void
test_conditions(void)
{
	struct pd_config *cfg = load(
	    "rules = (\n"
	    "  { name = \"from\"; from = \"@vip\\\\.test$\"; continue = true; tags = [\"f\"]; },\n"
	    "  { name = \"fromname\"; from = \"^Ivan Petrov$\"; continue = true; tags = [\"n\"]; },\n"
	    "  { name = \"to\"; to = \"^billing@\"; continue = true; tags = [\"t\"]; },\n"
	    "  { name = \"cc\"; cc = \"boss@\"; continue = true; tags = [\"c\"]; },\n"
	    "  { name = \"subject\"; subject = \"urgent|срочно\"; continue = true; priority = \"urgent\"; },\n"
	    "  { name = \"body\"; body = \"invoice \\\\d+\"; continue = true; tags = [\"b\"]; },\n"
	    "  { name = \"header\"; header = [\"x-priority\", \"^1\"]; continue = true; tags = [\"h\"]; },\n"
	    "  { name = \"source\"; source = \"billing-imap\"; continue = true; tags = [\"s\"]; },\n"
	    "  { name = \"client\"; client = \"vip\"; continue = true; assign = \"Alice\"; },\n"
	    "  { name = \"attached\"; has_attachment = true; continue = true; tags = [\"a\"]; },\n"
	    "  { name = \"pdf\"; has_attachment = \"\\\\.pdf$\"; continue = true; tags = [\"p\"]; },\n"
	    "  { name = \"big\"; size_over = \"1k\"; continue = true; tags = [\"big\"]; },\n"
	    "  { name = \"auto\"; automated = true; continue = true; tags = [\"auto\"]; },\n"
	    "  { name = \"ru\"; language = \"ru\"; continue = true; tags = [\"ru\"]; }\n"
	    ");\n");
	struct rules_input src = { .source = "billing-imap" };
	struct rules_input big = { .size = 4096 };
	struct rules_input autom = { .automated = "auto-submitted" };
	struct pd_msg *m;

	if (!ok(cfg != NULL, "conditions: config loads")) 
		return;
	ok(cfg->rules->len == 14, "conditions: 14 rules");
	m = mail("Someone <a@plain.test>", "hello", "nothing");
	check(cfg, m, NULL, "cc,header", "plain mail: only cc and header");
	msg_free(&m);
	m = mail("boss@VIP.test", "URGENT: down", "see invoice 1234");
	check(cfg, m, NULL, "from,cc,subject,body,header,client",
	    "from (regex on the address, caseless), subject, body, client");
	msg_free(&m);
	m = mail("Ivan Petrov <ip@plain.test>", "Срочно!", "Сервер упал");
	check(cfg, m, NULL, "fromname,cc,subject,header,ru",
	    "from on the display name; Russian subject; language ru");
	msg_free(&m);
	m = mail("a@plain.test", "x", "y");
	check(cfg, m, &src, "cc,header,source", "source");
	check(cfg, m, &big, "cc,header,big", "size_over 1k");
	check(cfg, m, &autom, "cc,header,auto", "automated");
	msg_free(&m);
	m = parse("From: a@plain.test\nTo: Billing <billing@example.test>\n"
	    "Subject: scan\nMessage-ID: <p@x>\nMIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=b\n\n--b\n"
	    "Content-Type: text/plain\n\nsee attached\n--b\n"
	    "Content-Type: application/pdf; name=\"Invoice.PDF\"\n"
	    "Content-Disposition: attachment; filename=\"Invoice.PDF\"\n"
	    "Content-Transfer-Encoding: base64\n\nJVBERi0xLjQK\n--b--\n");
	check(cfg, m, NULL, "to,attached,pdf", "to; has_attachment true and "
	    "a file-name regex");
	msg_free(&m);
	config_free(&cfg);
}

static void
test_flow(void)
{
	struct pd_config *cfg = load(
	    "rules = (\n"
	    "  { name = \"spam\"; subject = \"viagra\"; drop = true; },\n"
	    "  { name = \"tag-all\"; tags = [\"seen\"]; continue = true; },\n"
	    "  { name = \"billing\"; any = ( { subject = \"счёт|оплат\"; },\n"
	    "      { body = \"invoice\"; } ); queue = \"billing\"; no_ack = true;\n"
	    "    note = \"billing by rule\"; },\n"
	    "  { name = \"urgent\"; subject = \"urgent\"; priority = \"urgent\"; },\n"
	    "  { name = \"later\"; subject = \"urgent\"; priority = \"low\"; },\n"
	    "  { name = \"fu\"; on = \"followup\"; subject = \"urgent\"; tags = [\"fu\"]; },\n"
	    "  { name = \"both\"; on = \"both\"; subject = \"reject me\"; reject = \"ack\"; }\n"
	    ");\n");
	struct rules_input fu = { .followup = true };
	struct rules_result res;
	struct pd_msg *m;
	char *got;

	if (!ok(cfg != NULL, "flow: config loads"))
		return;
	m = mail("a@plain.test", "Buy VIAGRA now", "x");
	got = fired(cfg, m, NULL, &res);
	is_str(got, "spam", "first match wins: drop stops the rest");
	ok(res.drop && !res.hold && !res.reject && res.why &&
	    strcmp(res.why, "spam") == 0, "drop, by its rule");
	rules_result_clear(&res);
	g_free(got);
	msg_free(&m);
	m = mail("a@plain.test", "Нужен СЧЕТ на оплату", "x");
	got = fired(cfg, m, NULL, &res);
	is_str(got, "tag-all,billing", "continue, then any (subject "
	    "alternative, ё/е)");
	ok(res.queue && strcmp(res.queue, "billing") == 0 && res.no_ack &&
	    res.tags->len == 1 && res.notes->len == 1 && !res.priority,
	    "effects: queue, no_ack, tags, note");
	rules_result_clear(&res);
	g_free(got);
	msg_free(&m);
	m = mail("a@plain.test", "question", "the INVOICE is wrong");
	check(cfg, m, NULL, "tag-all,billing", "any: the body alternative");
	msg_free(&m);
	m = mail("a@plain.test", "URGENT", "x");
	got = fired(cfg, m, NULL, &res);
	is_str(got, "tag-all,urgent", "a match without continue stops "
	    "(later is not tried)");
	ok(res.priority && strcmp(res.priority, "urgent") == 0,
	    "priority urgent");
	rules_result_clear(&res);
	g_free(got);
	check(cfg, m, &fu, "fu", "a follow-up: only on = followup/both rules");
	msg_free(&m);
	m = mail("a@plain.test", "please reject me", "x");
	check(cfg, m, NULL, "tag-all,both", "on = both: new requests");
	got = fired(cfg, m, &fu, &res);
	is_str(got, "both", "on = both: follow-ups");
	ok(res.reject && strcmp(res.reject, "ack") == 0, "reject template");
	rules_result_clear(&res);
	g_free(got);
	msg_free(&m);
	config_free(&cfg);
}

static void
test_trace(void)
{
	struct pd_config *cfg = load(
	    "rules = (\n"
	    "  { name = \"vip-urgent\"; from = \"@vip\\\\.test\"; subject = \"urgent\"; priority = \"urgent\"; },\n"
	    "  { name = \"any\"; tags = [\"x\"]; },\n"
	    "  { name = \"fu\"; on = \"followup\"; tags = [\"y\"]; }\n"
	    ");\n");
	struct rules_input in = { .size = 100 };
	struct rules_result res;
	const struct rule_trace *t;
	const struct rule_check *c;

	if (!ok(cfg != NULL, "trace: config loads"))
		return;
	in.m = mail("a@vip.test", "hello", "x");
	rules_eval(cfg, &in, true, &res);
	ok(res.trace && res.trace->len == 3, "trace: every rule");
	t = &g_array_index(res.trace, struct rule_trace, 0);
	ok(!t->matched && t->reached && t->checks->len == 2,
	    "trace: first rule tried, both conditions checked");
	c = &g_array_index(t->checks, struct rule_check, 0);
	ok(c->matched && strcmp(c->cond->key, "from") == 0, "trace: from "
	    "held");
	c = &g_array_index(t->checks, struct rule_check, 1);
	ok(!c->matched && strcmp(c->cond->key, "subject") == 0,
	    "trace: subject failed");
	t = &g_array_index(res.trace, struct rule_trace, 1);
	ok(t->matched, "trace: the unconditional rule fired");
	t = &g_array_index(res.trace, struct rule_trace, 2);
	ok(!t->matched && !t->reached && !t->applies, "trace: the follow-up "
	    "rule neither reached nor applies");
	rules_result_clear(&res);
	msg_free((struct pd_msg **)&in.m);
	config_free(&cfg);
}

/* A pattern that backtracks without end, on a header a stranger repeats
 * as often as the parser lets him: each try gives up quickly, so the
 * message costs about half a second (PCRE2's default limit made it some
 * 40 seconds). */
static void
test_backtracking(void)
{
	struct pd_config *cfg = load(
	    "rules = ( { name = \"bad\"; header = [ \"X-Tag\", "
	    "\"^(a+)+$\" ]; tags = [ \"x\" ]; },\n"
	    "  { name = \"good\"; body = \"(\\\\w+\\\\s+){2}down\"; "
	    "tags = [ \"y\" ]; } );\n");
	GString *raw = g_string_new("From: x@stranger.test\n"
	    "To: support@example.test\nSubject: hi\nMessage-ID: <b@x>\n");
	struct pd_msg *m;
	gint64 t0;
	char *got;

	for (unsigned i = 0; i < 900; i++)
		g_string_append(raw, "X-Tag: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!\n");
	g_string_append(raw, "\n");
	for (unsigned i = 0; i < 20000; i++)
		g_string_append(raw, "some words of text\n");
	g_string_append(raw, "the server is down\n");
	m = parse(raw->str);
	if (!ok(cfg && m, "backtracking: config and message")) {
		g_string_free(raw, TRUE);
		return;
	}
	t0 = g_get_monotonic_time();
	got = fired(cfg, m, NULL, NULL);
	ok(g_get_monotonic_time() - t0 < 10 * G_USEC_PER_SEC,
	    "backtracking: 900 headers tried in %.2f s",
	    (g_get_monotonic_time() - t0) / 1e6);
	is_str(got, "good", "backtracking: no match for the runaway "
	    "pattern; an ordinary one on a long body still matches");
	g_free(got);
	msg_free(&m);
	config_free(&cfg);
	g_string_free(raw, TRUE);
}

int
main(void)
{
	char tmpl[] = "/tmp/unit_rules_match.XXXXXX";

	if (!(dir = g_mkdtemp(tmpl)))
		return 1;
	g_mime_init();
	test_fold();
	test_conditions();
	test_flow();
	test_trace();
	test_backtracking();
	g_mime_shutdown();
	tmp_rm_tree(dir);
	return tap_done();
}
