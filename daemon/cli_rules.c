/* cli_rules.c: see cli_rules.h. */
#include <stdio.h>
#include <string.h>
#include <glib.h>
#include "classify.h"
#include "cli_rules.h"
#include "config.h"
#include "flood.h"
#include "hygiene.h"
#include "json.h"
#include "msg.h"
#include "quotes.h"
#include "rulematch.h"
#include "rules.h"

/* A JSON string, or null; escaped by json.h like every other --json. */
static void
jstr(GString *o, const char *s)
{
	if (!s)
		g_string_append(o, "null");
	else
		json_escape(o, s, strlen(s));
}

static void
jstrs(GString *o, const GPtrArray *l)
{
	g_string_append_c(o, '[');
	for (guint i = 0; l && i < l->len; i++) {
		if (i)
			g_string_append(o, ", ");
		jstr(o, l->pdata[i]);
	}
	g_string_append_c(o, ']');
}

/* The first condition that failed (for the summary line), or NULL. */
static const struct rule_check *
first_failed(const struct rule_trace *t)
{
	for (guint i = 0; i < t->checks->len; i++) {
		const struct rule_check *c = &g_array_index(t->checks,
		    struct rule_check, i);

		if (!c->matched && c->group < 0)
			return c;
	}
	return NULL;
}

/* True when some `any` group held (or there is none). */
static bool
any_held(const struct rule_trace *t)
{
	GArray *ok;
	bool r = t->rule->any->len == 0;

	if (r)
		return true;
	ok = g_array_sized_new(FALSE, FALSE, sizeof(bool), t->rule->any->len);
	for (guint g = 0; g < t->rule->any->len; g++) {
		bool yes = true;

		g_array_append_val(ok, yes);
	}
	for (guint i = 0; i < t->checks->len; i++) {
		const struct rule_check *c = &g_array_index(t->checks,
		    struct rule_check, i);

		if (c->group >= 0 && !c->matched)
			g_array_index(ok, bool, c->group) = false;
	}
	for (guint g = 0; g < ok->len && !r; g++)
		r = g_array_index(ok, bool, g);
	g_array_unref(ok);
	return r;
}

static const char *
status_of(const struct rule_trace *t)
{
	if (t->matched)
		return "matched";
	if (!t->reached)
		return "not reached";
	if (!t->applies)
		return "not for new requests";
	return "no match";
}

static const char *
outcome_of(const struct rules_result *res)
{
	return res->drop ? "drop" : res->reject ? "reject" : res->hold ?
	    "hold" : "ticket";
}

/* Mail the daemon does not route by the rules, or files outside any
 * ticket whatever they say (classify.c): its outcome ("unfiled",
 * "agent") with *why_r, or NULL when the rules' outcome stands. */
static const char *
not_routed(const struct pd_config *cfg, const struct pd_msg *m,
    const char *automated, const struct rules_result *res,
    const char **why_r)
{
	const char *from = m->from.address;

	if (*from && (config_same_mailbox(from, cfg->address) ||
	    (cfg->note_address && g_ascii_strcasecmp(from,
	    cfg->note_address) == 0) || config_queue_by_address(cfg, from))) {
		*why_r = "from one of our own addresses: kept outside any "
		    "ticket, the rules do not apply";
		return "unfiled";
	}
	if (*from && config_agent_by_address(cfg, from)) {
		*why_r = "from an agent's address: agent mail, the rules do "
		    "not apply";
		return "agent";
	}
	if (automated && !flood_automated_opens_ticket(automated) &&
	    !res->drop && !res->reject && !res->hold) {
		*why_r = "automated mail: kept outside any ticket";
		return "unfiled";
	}
	*why_r = NULL;
	return NULL;
}

static void
print_text(const struct rules_result *res, const struct pd_msg *m,
    const char *automated, const char *def_queue, const char *over,
    const char *why)
{
	const struct pd_rule *stopper = NULL;
	bool ack;

	printf("message: <%s> from %s\nsubject: %s\nlanguage: %s%s%s\n\n",
	    m->message_id, *m->from.address ? m->from.address : "(none)",
	    m->subject, rulematch_language(m->subject, m->text),
	    automated ? "\nautomated: " : "", automated ? automated : "");
	for (guint i = 0; i < res->trace->len; i++) {
		const struct rule_trace *t = &g_array_index(res->trace,
		    struct rule_trace, i);
		const struct rule_check *f = first_failed(t);

		printf("rule %u '%s' (line %u, on %s): %s", i + 1,
		    t->rule->name, t->rule->line, rules_on_name(t->rule->on),
		    status_of(t));
		if (!t->reached && stopper)
			printf(" (rule '%s' stopped)", stopper->name);
		else if (!t->matched && t->applies && f)
			printf(" (%s failed)", f->cond->key);
		else if (!t->matched && t->applies && !any_held(t))
			printf(" (no 'any' alternative held)");
		printf("\n");
		for (guint j = 0; j < t->checks->len; j++) {
			const struct rule_check *c = &g_array_index(t->checks,
			    struct rule_check, j);

			if (c->group >= 0)
				printf("    any[%d] ", c->group + 1);
			else
				printf("    ");
			printf("%s = %s: %s\n", c->cond->key, c->cond->text ?
			    c->cond->text : "", c->matched ? "yes" : "no");
		}
		if (t->matched && !t->rule->cont && !stopper)
			stopper = t->rule;
	}
	if (!res->trace->len)
		printf("(no rules)\n");
	ack = !over && !res->no_ack && !automated && !res->drop &&
	    !res->reject && !res->hold;
	printf("\nverdict (as a new request):\n");
	printf("  %-9s %s", "outcome:", over ? over : outcome_of(res));
	if (why)
		printf(" (%s)", why);
	if (res->why)
		printf(" (rule '%s')", res->why);
	if (res->reject)
		printf(", template '%s'%s", res->reject, automated ?
		    ", not sent: automated mail" : "");
	printf("\n  %-9s %s\n", "queue:", res->queue ? res->queue : def_queue);
	printf("  %-9s %s\n", "priority:", res->priority ? res->priority :
	    "normal");
	printf("  %-9s %s\n", "type:", res->type ? res->type : "question");
	printf("  %-9s %s\n", "assignee:", res->assign ? res->assign : "-");
	printf("  %-9s", "tags:");
	for (guint i = 0; i < res->tags->len; i++)
		printf("%s%s", i ? ", " : " ", (char *)res->tags->pdata[i]);
	printf("%s\n  %-9s", res->tags->len ? "" : " -", "notify:");
	for (guint i = 0; i < res->notify->len; i++)
		printf("%s%s", i ? ", " : " ", (char *)res->notify->pdata[i]);
	printf("%s\n", res->notify->len ? "" : " -");
	for (guint i = 0; i < res->notes->len; i++)
		printf("  %-9s %s\n", "note:", (char *)res->notes->pdata[i]);
	printf("  %-9s %s\n", "ack:", ack ? "yes" : over ? "no" : res->no_ack ?
	    "no (no_ack)" : automated ? "no (automated)" : "no");
	printf("  %-9s", "rules:");
	for (guint i = 0; i < res->fired->len; i++)
		printf("%s%s", i ? ", " : " ",
		    ((const struct pd_rule *)res->fired->pdata[i])->name);
	printf("%s\n", res->fired->len ? "" : " -");
}

static void
print_json(const struct rules_result *res, const struct pd_msg *m,
    const char *automated, const char *source, const char *def_queue,
    const char *over, const char *why)
{
	GString *o = g_string_new("{\"message\": {\"message_id\": ");
	GPtrArray *names = g_ptr_array_new();

	jstr(o, m->message_id);
	g_string_append(o, ", \"from\": ");
	jstr(o, m->from.address);
	g_string_append(o, ", \"subject\": ");
	jstr(o, m->subject);
	g_string_append(o, ", \"source\": ");
	jstr(o, source);
	g_string_append(o, ", \"automated\": ");
	jstr(o, automated);
	g_string_append(o, ", \"language\": ");
	jstr(o, rulematch_language(m->subject, m->text));
	g_string_append(o, "},\n \"rules\": [");
	for (guint i = 0; i < res->trace->len; i++) {
		const struct rule_trace *t = &g_array_index(res->trace,
		    struct rule_trace, i);
		const struct rule_check *f = first_failed(t);

		g_string_append(o, i ? ",\n  {\"name\": " : "\n  {\"name\": ");
		jstr(o, t->rule->name);
		g_string_append_printf(o, ", \"line\": %u, \"on\": \"%s\", "
		    "\"continue\": %s, \"reached\": %s, \"applies\": %s, "
		    "\"matched\": %s, \"failed\": ", t->rule->line,
		    rules_on_name(t->rule->on), t->rule->cont ? "true" :
		    "false", t->reached ? "true" : "false", t->applies ?
		    "true" : "false", t->matched ? "true" : "false");
		jstr(o, t->matched ? NULL : f ? f->cond->key :
		    !any_held(t) ? "any" : NULL);
		g_string_append(o, ", \"conditions\": [");
		for (guint j = 0; j < t->checks->len; j++) {
			const struct rule_check *c = &g_array_index(t->checks,
			    struct rule_check, j);

			g_string_append(o, j ? ", {\"key\": " : "{\"key\": ");
			jstr(o, c->cond->key);
			g_string_append(o, ", \"value\": ");
			jstr(o, c->cond->text);
			if (c->group >= 0)
				g_string_append_printf(o, ", \"any\": %d",
				    c->group + 1);
			g_string_append_printf(o, ", \"matched\": %s}",
			    c->matched ? "true" : "false");
		}
		g_string_append(o, "]}");
	}
	for (guint i = 0; i < res->fired->len; i++)
		g_ptr_array_add(names, ((const struct pd_rule *)
		    res->fired->pdata[i])->name);
	g_string_append(o, "],\n \"verdict\": {\"as\": \"new\", "
	    "\"outcome\": ");
	jstr(o, over ? over : outcome_of(res));
	g_string_append(o, ", \"not_routed\": ");
	jstr(o, why);
	g_string_append(o, ", \"by\": ");
	jstr(o, res->why);
	g_string_append(o, ", \"template\": ");
	jstr(o, res->reject);
	g_string_append(o, ", \"queue\": ");
	jstr(o, res->queue ? res->queue : def_queue);
	g_string_append(o, ", \"priority\": ");
	jstr(o, res->priority ? res->priority : "normal");
	g_string_append(o, ", \"type\": ");
	jstr(o, res->type ? res->type : "question");
	g_string_append(o, ", \"assignee\": ");
	jstr(o, res->assign);
	g_string_append(o, ", \"tags\": ");
	jstrs(o, res->tags);
	g_string_append(o, ", \"notify\": ");
	jstrs(o, res->notify);
	g_string_append(o, ", \"notes\": ");
	jstrs(o, res->notes);
	g_string_append_printf(o, ", \"ack\": %s, \"rules\": ",
	    !over && !res->no_ack && !automated && !res->drop &&
	    !res->reject && !res->hold ? "true" : "false");
	jstrs(o, names);
	g_string_append(o, "}}\n");
	fputs(o->str, stdout);
	g_string_free(o, TRUE);
	g_ptr_array_unref(names);
}

int
cli_rules(const char *config_path, int argc, char **argv)
{
	const char *path = NULL, *source = NULL, *automated = NULL;
	const struct pd_source *src;
	struct pd_config *cfg = NULL;
	struct rules_result res;
	struct pd_msg *m = NULL;
	GString *errors;
	GError *gerr = NULL;
	bool json = false, bad = argc < 2 || strcmp(argv[1], "test") != 0;
	char *raw = NULL, *err = NULL;
	gsize len;

	for (int i = 2; i < argc && !bad; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if (strcmp(argv[i], "--source") == 0 && i + 1 < argc)
			source = argv[++i];
		else if (!path && argv[i][0] != '-')
			path = argv[i];
		else
			bad = true;
	}
	if (bad || !path) {
		fprintf(stderr, "usage: postdesk [-c file] rules test "
		    "MESSAGE.eml [--source NAME] [--json]\n");
		return 2;
	}
	errors = g_string_new(NULL);
	if (config_load(config_path, &cfg, errors) != 0) {
		fputs(errors->str, stderr);
		g_string_free(errors, TRUE);
		return 1;
	}
	g_string_free(errors, TRUE);
	if (source && !config_source(cfg, source)) {
		fprintf(stderr, "postdesk: no source '%s' in %s\n", source,
		    cfg->file);
		config_free(&cfg);
		return 1;
	}
	if (!g_file_get_contents(path, &raw, &len, &gerr)) {
		fprintf(stderr, "postdesk: %s\n", gerr->message);
		g_error_free(gerr);
		config_free(&cfg);
		return 1;
	}
	if (msg_parse(raw, len, &cfg->limits, &m, &err) != 0) {
		fprintf(stderr, "postdesk: %s: not a message (it would be "
		    "quarantined): %s\n", path, err);
		g_free(err);
		g_free(raw);
		config_free(&cfg);
		return 1;
	}
	if (!hygiene_is_automated(m, cfg->address, &automated))
		automated = NULL;
	{
		struct rules_input in = { .m = m, .source = source,
			.automated = automated, .size = len };

		rules_eval(cfg, &in, true, &res);
	}
	src = source ? config_source(cfg, source) : NULL;
	{
		/* The queue before the rules, as classify() picks it: the
		 * one the mail is addressed to, else the source's. */
		struct pipe_origin o = { .source = source, .queue = src ?
			src->queue : NULL };
		const char *q = classify_queue(cfg, &o, m), *why;
		const char *over = not_routed(cfg, m, automated, &res, &why);
		/* Then the rules' effects are not applied: the verdict
		 * shows none, the trace still shows what matched. */
		struct rules_result none = { .trace = res.trace,
			.fired = g_ptr_array_new(), .tags = g_ptr_array_new(),
			.notify = g_ptr_array_new(),
			.notes = g_ptr_array_new() };
		const struct rules_result *shown = over ? &none : &res;

		if (json)
			print_json(shown, m, automated, source, q, over, why);
		else
			print_text(shown, m, automated, q, over, why);
		none.trace = NULL;
		rules_result_clear(&none);
	}
	rules_result_clear(&res);
	msg_free(&m);
	g_free(raw);
	config_free(&cfg);
	return 0;
}
