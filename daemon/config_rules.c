/* config_rules.c: the `rules` list (rules.h; postdesk.conf(5) "ROUTING
 * RULES"): loaded, checked and compiled once.  Every problem is reported
 * as file:line: message in the same pass: a broken regex with where it
 * breaks, an unknown queue, agent, source, client or template, two rules
 * of one name, a rule that an earlier one always stops, a rule that does
 * nothing. */
#include <string.h>
#include "config_priv.h"
#include "rulematch.h"
#include "rules.h"

static const char *const cond_keys[] = { "from", "to", "cc", "subject",
	"body", "header", "source", "client", "has_attachment", "size_over",
	"automated", "language", NULL };

/* A condition's regex: compiled, or reported with its position. */
static GRegex *
regex_of(struct cctx *c, const config_setting_t *s, const char *rule,
    const char *key, const char *pattern)
{
	char *err = NULL;
	GRegex *re = rulematch_compile(pattern, &err);

	if (!re) {
		cerr(c, s, "rule '%s': bad regex in '%s': %s", rule, key, err);
		g_free(err);
	}
	return re;
}

/* "100k", "5M", "1G" or a plain number of bytes: 0 with *v, or -1. */
static int
parse_size(const char *s, long long *v)
{
	char *end;
	unsigned long long n;

	if (!g_ascii_isdigit(*s))
		return -1;
	n = g_ascii_strtoull(s, &end, 10);
	if (*end && end[1])
		return -1;
	switch (g_ascii_tolower(*end)) {
	case '\0': break;
	case 'k': n *= 1024; break;
	case 'm': n *= 1024 * 1024; break;
	case 'g': n *= 1024ULL * 1024 * 1024; break;
	default: return -1;
	}
	if (n > (unsigned long long)G_MAXINT64 / 2)
		return -1;
	*v = (long long)n;
	return 0;
}

static struct rule_cond *
cond_new(enum rule_cond_kind kind, const char *key)
{
	struct rule_cond *rc = g_new0(struct rule_cond, 1);

	rc->kind = kind;
	rc->key = key;
	return rc;
}

/* One condition setting s (its name is one of cond_keys) of rule. */
static struct rule_cond *
load_cond(struct cctx *c, const config_setting_t *s, const char *rule,
    const struct pd_config *cfg)
{
	static const enum rule_cond_kind kinds[] = { RC_FROM, RC_TO, RC_CC,
		RC_SUBJECT, RC_BODY, RC_HEADER, RC_SOURCE, RC_CLIENT,
		RC_ATTACHMENT, RC_SIZE, RC_AUTOMATED, RC_LANGUAGE };
	const char *key = config_setting_name(s);
	struct rule_cond *rc = NULL;
	int type = config_setting_type(s);
	const char *str = type == CONFIG_TYPE_STRING ?
	    config_setting_get_string(s) : NULL;

	for (int i = 0; cond_keys[i]; i++)
		if (strcmp(cond_keys[i], key) == 0)
			rc = cond_new(kinds[i], cond_keys[i]);
	switch (rc->kind) {
	case RC_FROM: case RC_TO: case RC_CC: case RC_SUBJECT: case RC_BODY:
		if (!str)
			cerr(c, s, "rule '%s': '%s' must be a regex (a "
			    "string)", rule, key);
		else {
			rc->text = g_strdup(str);
			rc->re = regex_of(c, s, rule, key, str);
		}
		break;
	case RC_HEADER:
		if (config_setting_length(s) != 2 ||
		    (!config_setting_is_array(s) && !config_setting_is_list(s)) ||
		    !config_setting_get_string_elem(s, 0) ||
		    !config_setting_get_string_elem(s, 1) ||
		    !*config_setting_get_string_elem(s, 0)) {
			cerr(c, s, "rule '%s': 'header' must be [\"Name\", "
			    "\"regex\"]", rule);
			break;
		}
		rc->header = g_strdup(config_setting_get_string_elem(s, 0));
		rc->text = g_strdup_printf("%s: %s", rc->header,
		    config_setting_get_string_elem(s, 1));
		rc->re = regex_of(c, s, rule, key,
		    config_setting_get_string_elem(s, 1));
		break;
	case RC_SOURCE: case RC_CLIENT:
		rc->names = get_strv(c, config_setting_parent(s), key, 0);
		g_ptr_array_add(rc->names, NULL);
		rc->text = g_strjoinv(", ", (char **)rc->names->pdata);
		g_ptr_array_remove_index(rc->names, rc->names->len - 1);
		for (guint i = 0; i < rc->names->len; i++) {
			const char *n = rc->names->pdata[i];
			bool known = false;

			if (rc->kind == RC_SOURCE)
				known = config_source(cfg, n) != NULL;
			for (guint j = 0; rc->kind == RC_CLIENT &&
			    j < cfg->clients->len; j++)
				known = known || g_ascii_strcasecmp(((struct
				    pd_client *)cfg->clients->pdata[j])->name,
				    n) == 0;
			if (!known)
				cerr(c, s, "rule '%s': unknown %s '%s'", rule,
				    rc->kind == RC_SOURCE ? "source" :
				    "client", n);
		}
		break;
	case RC_ATTACHMENT:
		if (type == CONFIG_TYPE_BOOL) {
			rc->flag = config_setting_get_bool(s);
			rc->text = g_strdup(rc->flag ? "true" : "false");
		} else if (str) {
			rc->text = g_strdup(str);
			rc->re = regex_of(c, s, rule, key, str);
		} else
			cerr(c, s, "rule '%s': 'has_attachment' must be true, "
			    "false or a file-name regex", rule);
		break;
	case RC_SIZE:
		if (type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64)
			rc->size = type == CONFIG_TYPE_INT ?
			    config_setting_get_int(s) :
			    config_setting_get_int64(s);
		if ((type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64) ?
		    rc->size < 0 : !str || parse_size(str, &rc->size) != 0)
			cerr(c, s, "rule '%s': 'size_over' must be a number of "
			    "bytes, or a string like \"100k\" or \"5M\"", rule);
		rc->text = g_strdup_printf("%lld", rc->size);
		break;
	case RC_AUTOMATED:
		if (type != CONFIG_TYPE_BOOL)
			cerr(c, s, "rule '%s': 'automated' must be true or "
			    "false", rule);
		else
			rc->flag = config_setting_get_bool(s);
		rc->text = g_strdup(rc->flag ? "true" : "false");
		break;
	case RC_LANGUAGE:
		if (!str || (strcmp(str, "en") != 0 && strcmp(str, "ru") != 0))
			cerr(c, s, "rule '%s': 'language' must be \"en\" or "
			    "\"ru\"", rule);
		rc->language = g_strdup(str ? str : "");
		rc->text = g_strdup(rc->language);
		break;
	}
	return rc;
}

/* The conditions among the members of group g. */
static GPtrArray *
load_conds(struct cctx *c, const config_setting_t *g, const char *rule,
    const struct pd_config *cfg)
{
	GPtrArray *l = g_ptr_array_new();

	for (int i = 0; i < config_setting_length(g); i++) {
		config_setting_t *s = config_setting_get_elem(g, i);
		const char *name = config_setting_name(s);

		for (int k = 0; name && cond_keys[k]; k++)
			if (strcmp(cond_keys[k], name) == 0)
				g_ptr_array_add(l, load_cond(c, s, rule, cfg));
	}
	return l;
}

/* The template files of a reject, in both languages. */
static void
check_template(struct cctx *c, const config_setting_t *s, const char *rule,
    const struct pd_config *cfg, const char *name)
{
	static const char *const langs[] = { "en", "ru" };

	if (!g_regex_match_simple("^[A-Za-z0-9_-]{1,64}$", name, 0, 0)) {
		cerr(c, s, "rule '%s': template name '%s' must be letters, "
		    "digits, '-' or '_'", rule, name);
		return;
	}
	for (unsigned i = 0; i < G_N_ELEMENTS(langs); i++) {
		char *file = g_strdup_printf("%s.txt", name);
		char *path = g_build_filename(cfg->templates_dir, langs[i],
		    file, NULL);

		if (!g_file_test(path, G_FILE_TEST_IS_REGULAR))
			cerr(c, s, "rule '%s': unknown template '%s': %s is "
			    "missing", rule, name, path);
		g_free(path);
		g_free(file);
	}
}

/* " (did you mean 'X'?)" for a name of kind ("queue", "agent") that
 * is none of cfg's, or "" (static or g_malloc'd into *buf). */
static const char *
hint(const struct pd_config *cfg, const char *kind, const char *name,
    char **buf)
{
	GPtrArray *names = g_ptr_array_new();
	GPtrArray *from = strcmp(kind, "queue") == 0 ? cfg->queues :
	    cfg->agents;
	const char *best;

	for (guint i = 0; from && i < from->len; i++)
		g_ptr_array_add(names, strcmp(kind, "queue") == 0 ?
		    ((struct pd_queue *)from->pdata[i])->name :
		    ((struct pd_agent *)from->pdata[i])->name);
	g_ptr_array_add(names, NULL);
	best = config_closest(name, (const char *const *)names->pdata);
	*buf = best ? g_strdup_printf(" (did you mean '%s'?)", best) : NULL;
	g_ptr_array_unref(names);
	return *buf ? *buf : "";
}

static void
load_actions(struct cctx *c, const config_setting_t *g, struct pd_rule *r,
    const struct pd_config *cfg)
{
	static const char *const priorities[] = { "low", "normal", "high",
		"urgent", NULL };
	static const char *const types[] = { "question", "bug", "feature",
		NULL };
	const char *n = r->name;
	char *buf = NULL;

	if ((r->queue = get_str(c, g, "queue", NULL, 0)) &&
	    !config_queue(cfg, r->queue))
		cerr(c, config_setting_get_member(g, "queue"), "rule '%s': "
		    "unknown queue '%s'%s", n, r->queue,
		    hint(cfg, "queue", r->queue, &buf));
	g_clear_pointer(&buf, g_free);
	if ((r->priority = get_str(c, g, "priority", NULL, 0)) &&
	    !g_strv_contains(priorities, r->priority))
		cerr(c, config_setting_get_member(g, "priority"), "rule '%s': "
		    "priority must be low, normal, high or urgent", n);
	if ((r->type = get_str(c, g, "type", NULL, 0)) &&
	    !g_strv_contains(types, r->type))
		cerr(c, config_setting_get_member(g, "type"), "rule '%s': type "
		    "must be question, bug or feature", n);
	if ((r->assign = get_str(c, g, "assign", NULL, 0)) &&
	    !config_agent_by_name(cfg, r->assign))
		cerr(c, config_setting_get_member(g, "assign"), "rule '%s': "
		    "unknown agent '%s'%s", n, r->assign,
		    hint(cfg, "agent", r->assign, &buf));
	g_clear_pointer(&buf, g_free);
	r->tags = get_strv(c, g, "tags", 1);
	for (guint i = 0; i < r->tags->len; i++)
		if (!g_regex_match_simple("^[a-z0-9_.-]{1,64}$",
		    r->tags->pdata[i], 0, 0))
			cerr(c, config_setting_get_member(g, "tags"), "rule "
			    "'%s': tag '%s' must be letters, digits, '.', '-' "
			    "or '_'", n, (char *)r->tags->pdata[i]);
	r->notify = get_strv(c, g, "notify", 0);
	for (guint i = 0; i < r->notify->len; i++) {
		const char *a = r->notify->pdata[i];

		if (!strchr(a, '@') && !config_agent_by_name(cfg, a)) {
			cerr(c, config_setting_get_member(g, "notify"), "rule "
			    "'%s': unknown agent '%s'%s", n, a,
			    hint(cfg, "agent", a, &buf));
			g_clear_pointer(&buf, g_free);
		}
		else if (strchr(a, '@') && !valid_address(a))
			cerr(c, config_setting_get_member(g, "notify"), "rule "
			    "'%s': invalid address '%s'", n, a);
	}
	r->no_ack = get_bool(c, g, "no_ack", 0);
	r->drop = get_bool(c, g, "drop", 0);
	r->hold = get_bool(c, g, "hold", 0);
	if ((r->reject = get_str(c, g, "reject", NULL, 0)))
		check_template(c, config_setting_get_member(g, "reject"), n,
		    cfg, r->reject);
	r->note = get_str(c, g, "note", NULL, 0);
	if (r->drop + r->hold + (r->reject != NULL) > 1)
		cerr(c, g, "rule '%s': drop, reject and hold exclude each "
		    "other", n);
	if (!r->queue && !r->priority && !r->type && !r->assign &&
	    !r->tags->len && !r->notify->len && !r->no_ack && !r->drop &&
	    !r->hold && !r->reject && !r->note)
		cerr(c, g, "rule '%s' has no action", n);
}

static struct pd_rule *
load_rule(struct cctx *c, const config_setting_t *g,
    const struct pd_config *cfg, unsigned idx)
{
	static const char *const known[] = { "name", "on", "continue", "any",
		"from", "to", "cc", "subject", "body", "header", "source",
		"client", "has_attachment", "size_over", "automated",
		"language", "queue", "priority", "type", "assign", "tags",
		"notify", "no_ack", "drop", "reject", "hold", "note", NULL };
	struct pd_rule *r = g_new0(struct pd_rule, 1);
	config_setting_t *any = config_setting_get_member(g, "any");
	char *on;

	r->line = config_setting_source_line(g);
	r->name = get_str(c, g, "name", NULL, 1);
	if (!r->name)
		r->name = g_strdup_printf("#%u", idx + 1);
	check_known(c, g, known);
	on = get_str(c, g, "on", "new", 0);
	r->on = strcmp(on, "both") == 0 ? RULE_ON_BOTH : strcmp(on,
	    "followup") == 0 ? RULE_ON_FOLLOWUP : RULE_ON_NEW;
	if (strcmp(on, "new") != 0 && strcmp(on, "followup") != 0 &&
	    strcmp(on, "both") != 0)
		cerr(c, config_setting_get_member(g, "on"), "rule '%s': 'on' "
		    "must be \"new\", \"followup\" or \"both\"", r->name);
	g_free(on);
	r->cont = get_bool(c, g, "continue", 0);
	r->conds = load_conds(c, g, r->name, cfg);
	r->any = g_ptr_array_new();
	if (any && (!config_setting_is_list(any) ||
	    config_setting_length(any) == 0))
		cerr(c, any, "rule '%s': 'any' must be a list of groups of "
		    "conditions: ( { ... }, { ... } )", r->name);
	for (int i = 0; any && config_setting_is_list(any) &&
	    i < config_setting_length(any); i++) {
		config_setting_t *e = config_setting_get_elem(any, i);

		if (!config_setting_is_group(e)) {
			cerr(c, e, "rule '%s': each alternative of 'any' must "
			    "be a group { ... }", r->name);
			continue;
		}
		check_known(c, e, cond_keys);
		g_ptr_array_add(r->any, load_conds(c, e, r->name, cfg));
	}
	load_actions(c, g, r, cfg);
	return r;
}

/* Two rules of one name; a rule after an unconditional one that stops
 * (for the mail it applies to). */
static void
check_order(struct cctx *c, const config_setting_t *l, GPtrArray *rules,
    const GArray *broken)
{
	const struct pd_rule *stop_new = NULL, *stop_fu = NULL;

	for (guint i = 0; i < rules->len; i++) {
		const struct pd_rule *r = rules->pdata[i];
		const config_setting_t *g = config_setting_get_elem(l, i);
		const struct pd_rule *by = NULL;

		for (guint j = 0; j < i; j++) {
			const struct pd_rule *o = rules->pdata[j];

			if (strcmp(o->name, r->name) == 0) {
				cerr(c, g, "duplicate rule name '%s': lines %u "
				    "and %u", r->name, o->line, r->line);
				break;
			}
		}
		if ((r->on & RULE_ON_NEW) && stop_new &&
		    (!(r->on & RULE_ON_FOLLOWUP) || stop_fu))
			by = stop_new;
		else if (r->on == RULE_ON_FOLLOWUP && stop_fu)
			by = stop_fu;
		if (by)
			cerr(c, g, "rule '%s' can never match: rule '%s' (line "
			    "%u) before it has no condition and stops (no "
			    "'continue = true')", r->name, by->name, by->line);
		/* A rule with errors of its own (a misspelt condition) is
		 * no proof that later ones are dead. */
		if (rules_unconditional(r) && !r->cont &&
		    !g_array_index(broken, bool, i)) {
			if ((r->on & RULE_ON_NEW) && !stop_new)
				stop_new = r;
			if ((r->on & RULE_ON_FOLLOWUP) && !stop_fu)
				stop_fu = r;
		}
	}
}

void
config_load_rules(struct cctx *c, config_t *lc, struct pd_config *cfg)
{
	config_setting_t *l = config_lookup(lc, "rules");
	GArray *broken = g_array_new(FALSE, TRUE, sizeof(bool));

	cfg->rules = g_ptr_array_new_with_free_func(rules_free);
	if (l && !config_setting_is_list(l)) {
		cerr(c, l, "'rules' must be a list: ( { ... }, ... )");
		g_array_unref(broken);
		return;
	}
	for (int i = 0; l && i < config_setting_length(l); i++) {
		config_setting_t *g = config_setting_get_elem(l, i);

		if (!config_setting_is_group(g)) {
			cerr(c, g, "each rule must be a group { ... }");
			continue;
		}
		int before = c->nerr;
		bool bad;

		g_ptr_array_add(cfg->rules, load_rule(c, g, cfg, (unsigned)i));
		bad = c->nerr != before;
		g_array_append_val(broken, bad);
	}
	if (l && cfg->rules->len == (guint)config_setting_length(l))
		check_order(c, l, cfg->rules, broken);
	g_array_unref(broken);
}

void
config_free_rules(struct pd_config *cfg)
{
	g_clear_pointer(&cfg->rules, g_ptr_array_unref);
}
