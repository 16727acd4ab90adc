/* stage.c: the table of stages (see stage.h).  A verdict kind
 * (classify.h) maps to the stage that applies it, the way agentcmd.c maps
 * commands to their functions.  To add a rule action: a verdict kind, a
 * stage function, a row here. */
#include <string.h>
#include "agentmail.h"
#include "log.h"
#include "stage.h"
#include "store.h"

static int
apply_new(struct stage_ctx *c, const struct verdict *v)
{
	return stage_flood_new(c, &v->tr, v->norm);
}

static int
apply_followup(struct stage_ctx *c, const struct verdict *v)
{
	int r = stage_join(c, &v->tr);

	/* Rules with on = followup or both (rules.h). */
	return r == 0 && !c->repeat ? stage_rules_ticket(c, c->ticket) : r;
}

static int
apply_multi(struct stage_ctx *c, const struct verdict *v)
{
	return stage_multi(c, &v->tr);
}

static int
apply_repeat(struct stage_ctx *c, const struct verdict *v)
{
	int r = stage_repeat(c, v->ticket, v->repeat_first, v->norm);

	/* The ticket it repeats is gone: a new request after all. */
	return r == 1 ? stage_flood_new(c, &v->tr, v->norm) : r;
}

static int
apply_unfiled(struct stage_ctx *c, const struct verdict *v)
{
	/* An agent address's auto-reply without proof: kept, no event. */
	if (v->who == IDENT_UNVERIFIED)
		return stage_store(c, 0, "auto");
	return stage_unfiled(c);
}

static int
apply_agent(struct stage_ctx *c, const struct verdict *v)
{
	return stage_agent(c, &v->tr);
}

static int
apply_confirm(struct stage_ctx *c, const struct verdict *v)
{
	return stage_confirm(c, v->challenge);
}

static int
apply_held(struct stage_ctx *c, const struct verdict *v)
{
	return stage_hold(c, &v->tr);
}

static int
apply_quarantine(struct stage_ctx *c, const struct verdict *v)
{
	return stage_quarantine(c, v->reasons->str);
}

static int
apply_bounce(struct stage_ctx *c, const struct verdict *v)
{
	return stage_bounce(c, v);
}

static int
apply_drop(struct stage_ctx *c, const struct verdict *v)
{
	(void)v;
	return stage_drop(c);
}

static int
apply_reject(struct stage_ctx *c, const struct verdict *v)
{
	(void)v;
	return stage_reject(c);
}

static int
apply_rule_hold(struct stage_ctx *c, const struct verdict *v)
{
	(void)v;
	return stage_rule_hold(c);
}

static const struct {
	enum verdict_kind kind;
	int (*apply)(struct stage_ctx *, const struct verdict *);
	bool tell_agents;   /* a client's message reaches the ticket's
	                     * agents afterwards */
} table[] = {
	{ VERDICT_NEW, apply_new, true },
	{ VERDICT_FOLLOWUP, apply_followup, true },
	{ VERDICT_MULTI, apply_multi, true },
	{ VERDICT_REPEAT, apply_repeat, true },
	{ VERDICT_UNFILED, apply_unfiled, false },
	{ VERDICT_AGENT, apply_agent, false },
	{ VERDICT_CONFIRM, apply_confirm, false },
	{ VERDICT_HELD, apply_held, false },
	{ VERDICT_QUARANTINE, apply_quarantine, false },
	{ VERDICT_BOUNCE, apply_bounce, false },
	{ VERDICT_DROP, apply_drop, false },
	{ VERDICT_REJECT, apply_reject, false },
	{ VERDICT_RULE_HOLD, apply_rule_hold, false },
};

/* A client's message reaches the agents of its ticket (postdesk.conf(5) THREAT MODEL). */
static int
tell_agents(struct stage_ctx *c)
{
	struct pd_ticket t;
	int r;

	if (!c->ticket || c->automated || c->agent || c->repeat)
		return 0;
	if ((r = store_ticket_get(c->db, c->ticket, &t)) != 1)
		return r;
	r = agentmail_client_message_faq(&c->tx, &t, c->m, c->new_text,
	    c->faq_note, c->faq_solved);
	store_ticket_clear(&t);
	return r;
}

/* Held mail the agent confirmed: the same path as any mail, as the
 * agent's, with a fresh proof (identity.h); then marked released.  Mail
 * that no longer parses stays held. */
static int
release(struct stage_ctx *c)
{
	struct pipe_origin o = { .source = c->o->source, .folder = "",
		.queue = c->o->queue, .size = g_bytes_get_size(c->held_raw) };
	struct stage_ctx h = { .db = c->db, .cfg = c->cfg, .o = &o,
		.tx = { .db = c->db, .cfg = c->cfg } };
	struct verdict v;
	char *err = NULL;
	gsize len;
	int r = -1;

	h.raw = g_bytes_get_data(c->held_raw, &len);
	h.len = len;
	if (msg_parse(h.raw, h.len, &c->cfg->limits, &h.m, &err) != 0) {
		g_free(err);
		return 0;
	}
	stage_hash(&h);
	if (classify(c->db, c->cfg, &o, h.m, c->agent, &v) == 0 &&
	    stage_apply(&h, &v) == 0)
		r = store_held_release(c->db, c->held_id);
	c->tx.queued |= h.tx.queued;
	log_info("msg=<%s> stage=identity event=released agent=\"%s\"",
	    h.m->message_id, c->agent->name);
	verdict_clear(&v);
	msg_free(&h.m);
	return r;
}

int
stage_apply(struct stage_ctx *c, const struct verdict *v)
{
	int r = -1;

	c->automated = v->automated;
	c->new_text = v->new_text;
	c->agent = v->agent;
	c->fresh = v->fresh;
	c->strong = v->strong;
	c->norm = v->norm;
	c->repeat_first = v->repeat_first;
	c->repeat_ticket = v->repeat_ticket;
	c->hold_reason = v->hold_reason;
	c->queue = v->queue;
	/* Mail from an address marked failing: it works again, and what
	 * this mail causes may go to it (stage_bounce.c). */
	if (!v->automated && v->kind != VERDICT_QUARANTINE &&
	    stage_bounce_clear(c) != 0)
		return -1;
	c->rules = &v->rules;
	for (size_t i = 0; i < G_N_ELEMENTS(table); i++) {
		if (table[i].kind != v->kind)
			continue;
		r = table[i].apply(c, v);
		if (r == 0 && table[i].tell_agents)
			r = tell_agents(c);
		break;
	}
	g_clear_pointer(&c->faq_note, g_free);
	if (r == 0 && c->held_raw)
		r = release(c);
	g_clear_pointer(&c->held_raw, g_bytes_unref);
	/* A later mail from the agent: held mail whose challenge the cap
	 * refused is challenged now. */
	if (r == 0 && v->hold_retry)
		r = stage_hold_retry(c, v->agent);
	return r;
}
