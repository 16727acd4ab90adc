/* rules.c: see rules.h.  The matching of text is filters/rulematch.c. */
#include <string.h>
#include "rules.h"
#include "rulematch.h"

static void
cond_free(gpointer p)
{
	struct rule_cond *c = p;

	g_free(c->text);
	if (c->re)
		g_regex_unref(c->re);
	g_free(c->header);
	if (c->names)
		g_ptr_array_unref(c->names);
	g_free(c->language);
	g_free(c);
}

void
rules_free(gpointer p)
{
	struct pd_rule *r = p;

	if (!r)
		return;
	g_free(r->name);
	for (guint i = 0; r->conds && i < r->conds->len; i++)
		cond_free(r->conds->pdata[i]);
	if (r->conds)
		g_ptr_array_unref(r->conds);
	for (guint i = 0; r->any && i < r->any->len; i++) {
		GPtrArray *g = r->any->pdata[i];

		for (guint j = 0; j < g->len; j++)
			cond_free(g->pdata[j]);
		g_ptr_array_unref(g);
	}
	if (r->any)
		g_ptr_array_unref(r->any);
	g_free(r->queue);
	g_free(r->priority);
	g_free(r->type);
	g_free(r->assign);
	if (r->tags)
		g_ptr_array_unref(r->tags);
	if (r->notify)
		g_ptr_array_unref(r->notify);
	g_free(r->reject);
	g_free(r->note);
	g_free(r);
}

const char *
rules_on_name(enum rule_on on)
{
	return on == RULE_ON_BOTH ? "both" : on == RULE_ON_FOLLOWUP ?
	    "followup" : "new";
}

bool
rules_unconditional(const struct pd_rule *r)
{
	return r->conds->len == 0 && r->any->len == 0;
}

/* True when re finds the address or the display name of a. */
static bool
addr_match(const GRegex *re, const struct pd_addr *a)
{
	return (*a->address && rulematch_find(re, a->address)) ||
	    (*a->name && rulematch_find(re, a->name));
}

static bool
list_match(const GRegex *re, const GPtrArray *l)
{
	for (guint i = 0; l && i < l->len; i++)
		if (addr_match(re, l->pdata[i]))
			return true;
	return false;
}

static bool
name_in(const GPtrArray *names, const char *s)
{
	for (guint i = 0; s && i < names->len; i++)
		if (g_ascii_strcasecmp(names->pdata[i], s) == 0)
			return true;
	return false;
}

static bool
cond_holds(const struct pd_config *cfg, const struct rules_input *in,
    const struct rule_cond *c)
{
	const struct pd_msg *m = in->m;
	const struct pd_client *cl;
	const char *h;

	switch (c->kind) {
	case RC_FROM:
		return addr_match(c->re, &m->from);
	case RC_TO:
		return list_match(c->re, m->to);
	case RC_CC:
		return list_match(c->re, m->cc);
	case RC_SUBJECT:
		return rulematch_find(c->re, m->subject);
	case RC_BODY:
		return rulematch_find(c->re, m->text);
	case RC_HEADER:
		for (unsigned i = 0; (h = msg_header_nth(m, c->header, i));
		    i++)
			if (rulematch_find(c->re, h))
				return true;
		return false;
	case RC_SOURCE:
		return name_in(c->names, in->source);
	case RC_CLIENT:
		cl = config_client_of(cfg, m->from.address);
		return cl && name_in(c->names, cl->name);
	case RC_ATTACHMENT:
		if (!c->re)
			return (m->attachments && m->attachments->len > 0) ==
			    c->flag;
		for (guint i = 0; m->attachments && i < m->attachments->len;
		    i++) {
			const struct pd_attachment *a = m->attachments->pdata[i];

			if (*a->filename && rulematch_find(c->re, a->filename))
				return true;
		}
		return false;
	case RC_SIZE:
		return (long long)in->size > c->size;
	case RC_AUTOMATED:
		return (in->automated != NULL) == c->flag;
	case RC_LANGUAGE:
		return strcmp(rulematch_language(m->subject, m->text),
		    c->language) == 0;
	}
	return false;
}

/* All conditions of g hold.  Every condition is checked when checks is
 * not NULL (for `rules test`), else up to the first that fails. */
static bool
group_holds(const struct pd_config *cfg, const struct rules_input *in,
    const GPtrArray *g, int group, GArray *checks)
{
	bool all = true;

	for (guint i = 0; i < g->len && (all || checks); i++) {
		struct rule_check ck = { .cond = g->pdata[i], .group = group };

		ck.matched = cond_holds(cfg, in, ck.cond);
		all = all && ck.matched;
		if (checks)
			g_array_append_val(checks, ck);
	}
	return all;
}

static bool
rule_holds(const struct pd_config *cfg, const struct rules_input *in,
    const struct pd_rule *r, GArray *checks)
{
	bool ok = group_holds(cfg, in, r->conds, -1, checks), one = false;

	if (!ok && !checks)
		return false;
	for (guint i = 0; i < r->any->len && (!one || checks); i++)
		one = group_holds(cfg, in, r->any->pdata[i], (int)i, checks) ||
		    one;
	return ok && (r->any->len == 0 || one);
}

static void
add_all(GPtrArray *to, const GPtrArray *from)
{
	for (guint i = 0; from && i < from->len; i++)
		g_ptr_array_add(to, from->pdata[i]);
}

static void
apply(struct rules_result *res, const struct pd_rule *r)
{
	g_ptr_array_add(res->fired, (gpointer)r);
	if (r->queue)
		res->queue = r->queue;
	if (r->priority)
		res->priority = r->priority;
	if (r->type)
		res->type = r->type;
	if (r->assign)
		res->assign = r->assign;
	add_all(res->tags, r->tags);
	add_all(res->notify, r->notify);
	if (r->note)
		g_ptr_array_add(res->notes, r->note);
	res->no_ack = res->no_ack || r->no_ack;
	if ((r->drop || r->hold || r->reject) && !res->why)
		res->why = r->name;
	res->drop = res->drop || r->drop;
	res->hold = res->hold || r->hold;
	if (r->reject)
		res->reject = r->reject;
}

static void
trace_clear(gpointer p)
{
	struct rule_trace *t = p;

	g_array_unref(t->checks);
}

unsigned
rules_eval(const struct pd_config *cfg, const struct rules_input *in,
    bool trace, struct rules_result *res)
{
	enum rule_on want = in->followup ? RULE_ON_FOLLOWUP : RULE_ON_NEW;
	bool stopped = false;

	memset(res, 0, sizeof *res);
	res->fired = g_ptr_array_new();
	res->tags = g_ptr_array_new();
	res->notify = g_ptr_array_new();
	res->notes = g_ptr_array_new();
	if (trace) {
		res->trace = g_array_new(FALSE, TRUE,
		    sizeof(struct rule_trace));
		g_array_set_clear_func(res->trace, trace_clear);
	}
	for (guint i = 0; cfg->rules && i < cfg->rules->len; i++) {
		const struct pd_rule *r = cfg->rules->pdata[i];
		struct rule_trace t = { .rule = r, .reached = !stopped,
			.applies = (r->on & want) != 0 };

		if (trace)
			t.checks = g_array_new(FALSE, FALSE,
			    sizeof(struct rule_check));
		if ((!stopped && t.applies) || trace)
			t.matched = rule_holds(cfg, in, r, t.checks) &&
			    t.applies && !stopped;
		if (t.matched) {
			apply(res, r);
			stopped = !r->cont;
		}
		if (trace)
			g_array_append_val(res->trace, t);
		else if (stopped)
			break;
	}
	return res->fired->len;
}

void
rules_result_clear(struct rules_result *res)
{
	if (res->fired)
		g_ptr_array_unref(res->fired);
	if (res->trace)
		g_array_unref(res->trace);
	if (res->tags)
		g_ptr_array_unref(res->tags);
	if (res->notify)
		g_ptr_array_unref(res->notify);
	if (res->notes)
		g_ptr_array_unref(res->notes);
	memset(res, 0, sizeof *res);
}
