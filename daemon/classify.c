/* classify.c: see classify.h.  Every routing decision about one message
 * is made here, in this order: hygiene, threading, identity, then who may
 * do what; nothing is written. */
#include <string.h>
#include <time.h>
#include "clock.h"
#include "agentcmd.h"
#include "classify.h"
#include "commands.h"
#include "flood.h"
#include "floodguard.h"
#include "hygiene.h"
#include "log.h"
#include "quotes.h"
#include "rules.h"
#include "store.h"

static const char *const names[] = {
	[VERDICT_NEW] = "new", [VERDICT_FOLLOWUP] = "followup",
	[VERDICT_MULTI] = "multi", [VERDICT_REPEAT] = "repeat",
	[VERDICT_UNFILED] = "unfiled", [VERDICT_AGENT] = "agent",
	[VERDICT_CONFIRM] = "confirm", [VERDICT_HELD] = "held",
	[VERDICT_QUARANTINE] = "quarantine", [VERDICT_BOUNCE] = "bounce",
	[VERDICT_DROP] = "drop",
	[VERDICT_REJECT] = "reject", [VERDICT_RULE_HOLD] = "rule-hold",
};

const char *
verdict_name(enum verdict_kind k)
{
	return k < G_N_ELEMENTS(names) && names[k] ? names[k] : "?";
}

void
verdict_clear(struct verdict *v)
{
	g_free(v->new_text);
	g_free(v->hold_reason);
	g_free(v->norm);
	g_free(v->repeat_first);
	g_free(v->bounce_rcpt);
	g_free(v->bounce_status);
	g_free(v->bounce_diag);
	if (v->reasons)
		g_string_free(v->reasons, TRUE);
	rules_result_clear(&v->rules);
	memset(v, 0, sizeof *v);
}

static void
reason(struct verdict *v, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

static void
reason(struct verdict *v, const char *fmt, ...)
{
	va_list ap;

	if (v->reasons->len)
		g_string_append_c(v->reasons, ' ');
	va_start(ap, fmt);
	g_string_append_vprintf(v->reasons, fmt, ap);
	va_end(ap);
}

/* A proven agent's mail: held when a command needs a fresher or stronger
 * proof than the one it carries (postdesk.conf(5), THREAT MODEL);
 * confirming the challenge then applies the mail as written.  0 or -1. */
static int
agent_mail(sqlite3 *db, const struct pd_config *cfg, struct verdict *v)
{
	struct cmd_parse p;
	const struct cmd *fc;
	int r = 0;

	v->kind = VERDICT_AGENT;
	if (v->strong)
		return 0;
	commands_parse(v->new_text, &p);
	if (!v->fresh && (fc = agentcmd_needs_fresh(p.cmds))) {
		v->kind = VERDICT_HELD;
		v->hold_reason = cfg->id_fresh_hours ? g_strdup_printf("#%s "
		    "lets another address see the ticket and needs a fresh "
		    "proof: a trusted DKIM signature, or a reply to a mail of "
		    "this ticket the desk sent you within %u hours", fc->word,
		    cfg->id_fresh_hours) : g_strdup_printf("#%s lets another "
		    "address see the ticket and needs a fresh proof: a "
		    "trusted DKIM signature, or your confirmation", fc->word);
		reason(v, "needs-fresh=#%s", fc->word);
	} else if ((r = agentcmd_needs_strong(db, v->tr.how == THREAD_JOIN ?
	    v->tr.ticket : 0, p.cmds, &fc)) == 1) {
		v->kind = VERDICT_HELD;
		v->hold_reason = g_strdup("#merge would let the addresses of "
		    "this ticket follow a ticket they do not follow yet, and a "
		    "reply proves you only for this ticket: it needs a trusted "
		    "DKIM signature or your confirmation");
		reason(v, "needs-strong=#%s", fc->word);
	}
	commands_free(&p);
	/* Held: stage_hold retries the capped ones itself, once its own
	 * challenge is through; a second round here would only hit the cap
	 * again. */
	if (v->kind == VERDICT_HELD)
		v->hold_retry = false;
	return r < 0 ? -1 : 0;
}

/* The routing rules (rules.h) for a new request or a follow-up: their
 * effects go into v; a rule that drops, rejects or holds decides the kind
 * (true).  Mail an admin released from a rule's hold (`postdesk
 * quarantine retry`) is not held again. */
static bool
route(const struct pd_config *cfg, const struct pipe_origin *o,
    const struct pd_msg *m, bool followup, struct verdict *v)
{
	struct rules_input in = { .m = m, .source = o->source,
		.automated = v->automated, .size = o->size,
		.followup = followup };

	rules_eval(cfg, &in, false, &v->rules);
	for (guint i = 0; i < v->rules.fired->len; i++)
		reason(v, "rule=\"%s\"", ((const struct pd_rule *)
		    v->rules.fired->pdata[i])->name);
	if (v->rules.queue && !followup)
		v->queue = v->rules.queue;
	if (v->rules.drop)
		v->kind = VERDICT_DROP;
	else if (v->rules.reject)
		v->kind = VERDICT_REJECT;
	else if (v->rules.hold && !o->released)
		v->kind = VERDICT_RULE_HOLD;
	else
		return false;
	return true;
}

/* The comparable form of a client's request (subject and new text), for
 * the repeat guard. */
static char *
norm_of(const struct pd_msg *m, const char *new_text)
{
	char *text = g_strdup_printf("%s\n%s", m->subject ? m->subject : "",
	    new_text ? new_text : "");
	char *norm = flood_normalise(text);

	g_free(text);
	return norm;
}

/* The comparable form, worked out ahead when p has it. */
static char *
request_norm(const struct pd_msg *m, const struct verdict *v,
    struct classify_pre *p)
{
	if (p != NULL && p->norm != NULL)
		return g_steal_pointer(&p->norm);
	return norm_of(m, v->new_text);
}

/* A client's follow-up to a resolved or closed ticket may open a new
 * ticket (past the reopen limit, stage_join.c): a new request as much as
 * any, so a bot that keeps answering with an old ticket's token is a
 * repeating sender.  The repeat it would be is found here; stage_join
 * decides whether a new ticket is opened, and files it.  0 or -1. */
static int
followup(sqlite3 *db, const struct pd_config *cfg,
    const struct pipe_origin *o, const struct pd_msg *m, struct verdict *v,
    struct classify_pre *p)
{
	struct tx tx = { .db = db, .cfg = cfg };
	int64_t closed_at = 0, reopens = 0;
	bool finished = false;
	int r;

	v->kind = VERDICT_FOLLOWUP;
	v->ticket = v->tr.ticket;
	if (route(cfg, o, m, true, v))
		return 0;
	if (v->automated || v->agent || !*m->from.address)
		return 0;
	if ((r = store_ticket_life(db, v->ticket, &closed_at, &reopens,
	    &finished)) != 1)
		return r < 0 ? -1 : 0;
	if (!finished)
		return 0;
	v->norm = request_norm(m, v, p);
	/* Read-only: the window is moved by the stage that files it. */
	r = floodguard_repeat_find(&tx, m->from.address, v->norm,
	    &v->repeat_ticket, &v->repeat_first);
	if (r == 1)
		reason(v, "repeat-if-new=%lu", v->repeat_ticket);
	return r < 0 ? -1 : 0;
}

/* A message that joins no ticket, through the flood guards (postdesk.conf(5) floods):
 * automated mail is kept outside any ticket (mailing lists excepted), a
 * near-identical repeat of a recent request from the sender or its domain
 * is filed into that request's ticket, anything else opens a ticket. */
static int
new_request(sqlite3 *db, const struct pd_config *cfg,
    const struct pipe_origin *o, const struct pd_msg *m, struct verdict *v,
    struct classify_pre *p)
{
	struct tx tx = { .db = db, .cfg = cfg };
	const char *from = m->from.address;
	unsigned long num = 0;
	int r;

	v->kind = VERDICT_NEW;
	if (route(cfg, o, m, false, v))
		return 0;
	if (v->automated && !flood_automated_opens_ticket(v->automated)) {
		v->kind = VERDICT_UNFILED;
		return 0;
	}
	if (v->automated || v->agent || !*from)
		return 0;
	v->norm = request_norm(m, v, p);
	/* Read-only: the window is moved by the stage that files it. */
	r = floodguard_repeat_find(&tx, from, v->norm, &num, &v->repeat_first);
	if (r == 1) {
		v->kind = VERDICT_REPEAT;
		v->ticket = num;
		reason(v, "repeat-of=%lu", num);
	}
	return r < 0 ? -1 : 0;
}

/* One of our own support addresses: the gateway's, the note address, or
 * any queue's, with any +detail (postdesk.conf(5) BOUNCES).  Mail from
 * them is our own mail come back (a loop, or a forgery), never a
 * request. */
static bool
own_address(const struct pd_config *cfg, const char *a)
{
	return *a && (config_same_mailbox(a, cfg->address) ||
	    (cfg->note_address && g_ascii_strcasecmp(a,
	    cfg->note_address) == 0) || config_queue_by_address(cfg, a));
}

/* The queue a message files into (postdesk.conf(5) "QUEUES"): with a
 * `queues` list, the first queue one of whose addresses the mail is
 * written To, else Cc; else the queue of the source it came by, else the
 * default queue. */
static const char *
queue_of(const struct pd_config *cfg, const struct pipe_origin *o,
    const struct pd_msg *m)
{
	GPtrArray *lists[] = { m->to, m->cc };

	for (unsigned l = 0; cfg->queues_listed && l < G_N_ELEMENTS(lists);
	    l++)
		for (guint i = 0; lists[l] && i < lists[l]->len; i++) {
			const struct pd_addr *a = lists[l]->pdata[i];
			const struct pd_queue *q = *a->address ?
			    config_queue_by_address(cfg, a->address) : NULL;

			if (q)
				return q->name;
		}
	return o->queue ? o->queue : config_queue_default(cfg)->name;
}

int
classify(sqlite3 *db, const struct pd_config *cfg, const struct pipe_origin *o,
    const struct pd_msg *m, const struct pd_agent *confirmed,
    struct verdict *v)
{
	return classify_with(db, cfg, o, m, confirmed, NULL, v);
}

void
classify_prepare(const struct pd_msg *m, struct classify_pre *p)
{
	p->new_text = quotes_strip(m->text);
	p->norm = norm_of(m, p->new_text);
}

void
classify_pre_clear(struct classify_pre *p)
{
	g_clear_pointer(&p->new_text, g_free);
	g_clear_pointer(&p->norm, g_free);
}

int
classify_with(sqlite3 *db, const struct pd_config *cfg,
    const struct pipe_origin *o, const struct pd_msg *m,
    const struct pd_agent *confirmed, struct classify_pre *p,
    struct verdict *v)
{
	const struct pd_agent *agent = NULL;

	memset(v, 0, sizeof *v);
	v->reasons = g_string_new(NULL);
	v->queue = queue_of(cfg, o, m);
	if (!confirmed && hygiene_is_automated(m, cfg->address, &v->automated))
		reason(v, "automated=\"%s\"", v->automated);
	else
		v->automated = NULL;
	v->new_text = p != NULL && p->new_text != NULL ?
	    g_steal_pointer(&p->new_text) : quotes_strip(m->text);
	/* Our own mail come back (hygiene.h sees only the X-Loop header):
	 * kept outside any ticket, never answered. */
	if (!confirmed && own_address(cfg, m->from.address)) {
		if (!v->automated)
			v->automated = "our own mail (from a support address)";
		v->kind = VERDICT_UNFILED;
		reason(v, "own-address");
		return 0;
	}
	if (v->automated) {
		int b = classify_bounce(db, cfg, m, v);

		if (b != 0)
			return b < 0 ? -1 : 0;
	}
	if (thread_decide(db, cfg, m, &v->tr) != 0)
		return -1;
	reason(v, "thread=%s", v->tr.how == THREAD_JOIN ? "join" :
	    v->tr.how == THREAD_MULTI ? "multi" : "new");
	if (confirmed) {
		/* A confirmed challenge is a fresh proof (identity.h). */
		v->who = IDENT_AGENT;
		v->agent = confirmed;
		v->fresh = true;
		v->strong = true;
		reason(v, "identity=confirmed");
		v->kind = VERDICT_AGENT;
		return 0;
	}
	/* After threading: a reply proves the agent only for the ticket it
	 * was signed for, and the mail acts on this one. */
	if (identity_verify(db, cfg, m, v->tr.how == THREAD_JOIN ?
	    v->tr.ticket : 0, pd_now(), &v->who, &agent,
	    &v->proof) != 0)
		return -1;
	if (v->who == IDENT_AGENT)
		v->agent = agent;
	v->fresh = v->who == IDENT_AGENT && v->proof.fresh;
	/* A reply proves the agent for its own ticket only. */
	v->strong = v->fresh && strcmp(v->proof.how, "reply") != 0;
	/* Held mail whose challenge the cap refused is challenged by a later
	 * mail from the agent (stage_hold_retry). */
	v->hold_retry = v->who == IDENT_AGENT && !v->automated;
	reason(v, "identity=%s", v->who == IDENT_AGENT ? v->proof.how :
	    v->who == IDENT_UNVERIFIED ? "unproven" : "client");
	if (v->who == IDENT_UNVERIFIED && v->proof.why) {
		v->hold_reason = g_strdup(v->proof.why);
		log_info("msg=<%s> stage=identity event=unproven agent=\"%s\" "
		    "reason=\"%s\"", m->message_id, agent->name, v->proof.why);
	}
	if (v->who == IDENT_UNVERIFIED && !v->automated)
		v->kind = VERDICT_HELD;
	else if (v->agent && !v->automated && v->proof.challenge) {
		v->kind = VERDICT_CONFIRM;
		v->challenge = v->proof.challenge;
	} else if (v->agent && !v->automated)
		return agent_mail(db, cfg, v);
	else if (v->who == IDENT_UNVERIFIED)
		/* An agent's auto-reply without proof: kept, never acted on. */
		v->kind = VERDICT_UNFILED;
	else if (v->tr.how == THREAD_JOIN)
		return followup(db, cfg, o, m, v, p);
	else if (v->tr.how == THREAD_MULTI)
		v->kind = VERDICT_MULTI;
	else
		return new_request(db, cfg, o, m, v, p);
	return 0;
}

const char *
classify_queue(const struct pd_config *cfg, const struct pipe_origin *o,
    const struct pd_msg *m)
{
	return queue_of(cfg, o, m);
}
