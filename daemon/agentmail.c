/* agentmail.c: see agentmail.h. */
#include <string.h>
#include <time.h>
#include "clock.h"
#include "agentmail.h"
#include "bizhours.h"
#include "sla.h"
#include "guard.h"
#include "leaktext.h"
#include "log.h"
#include "plans.h"
#include "store.h"
#include "token.h"

/* Hours used by the client of t this month (a calendar month of
 * gateway.timezone, like the plan's notices, plans.h), against its
 * plan. */
static bool
ru(const char *lang)
{
	return lang && strcmp(lang, "ru") == 0;
}

static char *
plan_line(struct tx *tx, const struct pd_ticket *t, const char *lang)
{
	const struct pd_client *cl = config_client_of(tx->cfg, t->requester);
	const struct pd_plan *p = cl ? config_plan(tx->cfg, cl->plan) : NULL;
	struct bizhours *zone = bizhours_new_always(tx->cfg->timezone);
	int64_t used = 0, from = 0, to = 0;
	char month[8];

	if (zone)
		bizhours_month(zone, pd_now(), &from, &to, month);
	bizhours_free(zone);
	/* Best effort: an error shows the whole plan as left. */
	if (p)
		store_time_used_between(tx->db, cl->name, from, to, &used);
	if (!p)
		return g_strdup(cl ? cl->name : "-");
	{
		char *left = plans_hours_text(p->hours - used / 60.0, lang);
		char *all = plans_hours_text(p->hours, lang);
		char *s = g_strdup_printf(ru(lang) ? "%s, тариф «%s»: в этом "
		    "месяце осталось %s ч из %s" : "%s, plan %s: %s of %s h "
		    "left this month", cl->name, p->name, left, all);

		g_free(left);
		g_free(all);
		return s;
	}
}

/* The first-response due time in business hours (sla.h). */
static char *
sla_line(struct tx *tx, const struct pd_ticket *t, const char *lang)
{
	int64_t first = 0, due;
	unsigned hours = sla_target(tx->cfg, t->requester, t->priority, false);

	if (store_ticket_first_response_at(tx->db, t->number, &first) < 0 ||
	    first)
		return g_strdup(first ? ru(lang) ? "ответ дан" : "answered" :
		    "-");
	if (!hours)
		return g_strdup("-");
	due = bizhours_add(tx->cfg->bizhours, t->created, (int64_t)hours *
	    3600);
	if (due == INT64_MAX)
		return g_strdup("-");
	return bizhours_format(tx->cfg->bizhours, due, ru(lang) ?
	    "первый ответ до %Y-%m-%d %H:%M %Z" :
	    "first response due %Y-%m-%d %H:%M %Z");
}

static GHashTable *
state_vars(struct tx *tx, const struct pd_ticket *t, const char *text)
{
	GHashTable *v = notify_vars_new();

	g_hash_table_insert(v, "ticket.type", g_strdup(t->type));
	g_hash_table_insert(v, "ticket.assignee", g_strdup(*t->assignee ?
	    t->assignee : "-"));
	g_hash_table_insert(v, "message.text", g_strdup(text));
	return v;
}

/* The display name of t's queue (postdesk.conf(5) "QUEUES"). */
static const char *
voice_name(struct tx *tx, const struct pd_ticket *t)
{
	return config_queue_voice(tx->cfg, t ? t->queue : NULL)->display_name;
}

/* Whom a ticket's agent mail goes to: the assignee once assigned, else
 * every agent serving the queue (config_queue_serves). */
static GPtrArray *
ticket_agents(const struct pd_config *cfg, const struct pd_ticket *t,
    const struct pd_agent *except)
{
	GPtrArray *out = g_ptr_array_new();
	const struct pd_agent *as = *t->assignee ?
	    config_agent_by_name(cfg, t->assignee) : NULL;
	const struct pd_queue *q = config_queue(cfg, t->queue);

	for (guint i = 0; i < cfg->agents->len; i++) {
		const struct pd_agent *a = cfg->agents->pdata[i];
		bool serves = a->queues->len == 0;

		/* A queue the config no longer has: by the agents' own
		 * `queues`, as before. */
		for (guint j = 0; !q && j < a->queues->len && !serves; j++)
			serves = strcmp(a->queues->pdata[j], t->queue) == 0;
		if (q)
			serves = config_queue_serves(q, a);
		if (a != except && (as ? a == as : serves))
			g_ptr_array_add(out, (gpointer)a);
	}
	return out;
}

struct agent_mail {
	const char *name;       /* template */
	const char *from_name;
	const char *reply_to;
	char kind;
	const struct pd_msg *reply;
	GPtrArray *attachments;
	GHashTable *vars;
};

/* One mail to an agent or team_copy, through notify.c (the one writer). */
static int
send_internal(struct tx *tx, const struct pd_ticket *t, const char *rcpt,
    const char *rcpt_name, const char *lang, const struct agent_mail *am,
    char **msgid_r)
{
	struct notify_mail m = { .name = am->name, .rcpt = rcpt,
		.rcpt_name = rcpt_name, .lang = lang, .reply = am->reply,
		.vars = am->vars, .from_name = am->from_name,
		.reply_to = am->reply_to, .kind = am->kind,
		.attachments = am->attachments, .msgid_r = msgid_r };

	/* The plan and SLA lines in the reader's language (the mail's:
	 * lang, else the ticket's). */
	if (t && am->vars) {
		const char *l = lang ? lang : t->language;

		g_hash_table_insert(am->vars, "ticket.plan", plan_line(tx, t,
		    l));
		g_hash_table_insert(am->vars, "ticket.sla", sla_line(tx, t,
		    l));
	}
	/* Challenges (per agent address) and transcripts are capped like
	 * every automatic mail (floodguard.h), beneath notify_send. */
	return notify_send(tx, t, &m);
}

/* To the ticket's agents (less except) and team_copy. */
static int
send_team(struct tx *tx, const struct pd_ticket *t,
    const struct pd_agent *except, const struct agent_mail *am)
{
	GPtrArray *agents = ticket_agents(tx->cfg, t, except);
	int r = 0;

	for (guint i = 0; r == 0 && i < agents->len; i++) {
		const struct pd_agent *a = agents->pdata[i];

		r = send_internal(tx, t, a->addresses->pdata[0], a->name,
		    a->language, am, NULL);
	}
	if (r == 0 && tx->cfg->team_copy)
		r = send_internal(tx, t, tx->cfg->team_copy, voice_name(tx, t),
		    NULL,
		    am, NULL);
	g_ptr_array_unref(agents);
	return r;
}

int
agentmail_client_message(struct tx *tx, const struct pd_ticket *t,
    const struct pd_msg *m, const char *text)
{
	return agentmail_client_message_faq(tx, t, m, text, NULL, false);
}

/* agent_message's faq.note in lang (NULL: the ticket's): the block of
 * agent_faq_offered for the entries offered, or of agent_faq_solved, or
 * "" (faq_offer.h).  A template that fails is logged and shows nothing. */
static void
faq_note_var(struct tx *tx, const struct pd_ticket *t, const char *lang,
    const char *offered, bool solved, GHashTable *vars)
{
	const char *name = offered ? "agent_faq_offered" : "agent_faq_solved";
	GHashTable *v;
	struct pd_rendered rd;
	char *err = NULL;

	if (!offered && !solved) {
		g_hash_table_insert(vars, "faq.note", g_strdup(""));
		return;
	}
	v = notify_vars_new();
	if (offered)
		g_hash_table_insert(v, "faq.entries", g_strdup(offered));
	if (notify_render(tx, t, name, lang, v, &rd, &err) == 0) {
		g_hash_table_insert(vars, "faq.note", g_strdup(g_strstrip(
		    rd.body)));
		template_clear(&rd);
	} else {
		log_warnx("ticket=%lu stage=notify event=error template=%s "
		    "error=\"%s\"", t->number, name, err);
		g_free(err);
		g_hash_table_insert(vars, "faq.note", g_strdup(""));
	}
	g_hash_table_unref(v);
}

int
agentmail_client_message_faq(struct tx *tx, const struct pd_ticket *t,
    const struct pd_msg *m, const char *text, const char *offered,
    bool solved)
{
	GHashTable *vars = state_vars(tx, t, text);
	/* A display name holding an "@" would show agents an address the
	 * sender never proved ("boss@acme.test via ..."): show the real one. */
	char *from = g_strdup_printf("%s via %s", *m->from.name &&
	    !strchr(m->from.name, '@') ? m->from.name : m->from.address,
	    voice_name(tx, t));
	struct agent_mail am = { .name = "agent_message", .from_name = from,
		.kind = 'm', .attachments = m->attachments, .vars = vars };
	int r;

	g_hash_table_insert(vars, "message.from", g_strdup(m->from.address));
	faq_note_var(tx, t, NULL, offered, solved, vars);
	if (!offered && !solved)
		r = send_team(tx, t, NULL, &am);
	else {
		/* send_team, with the FAQ line in each agent's language. */
		GPtrArray *agents = ticket_agents(tx->cfg, t, NULL);

		r = 0;
		for (guint i = 0; r == 0 && i < agents->len; i++) {
			const struct pd_agent *a = agents->pdata[i];

			faq_note_var(tx, t, a->language, offered, solved, vars);
			r = send_internal(tx, t, a->addresses->pdata[0],
			    a->name, a->language, &am, NULL);
		}
		faq_note_var(tx, t, NULL, offered, solved, vars);
		if (r == 0 && tx->cfg->team_copy)
			r = send_internal(tx, t, tx->cfg->team_copy,
			    voice_name(tx, t), NULL, &am, NULL);
		g_ptr_array_unref(agents);
	}
	g_free(from);
	g_hash_table_unref(vars);
	return r;
}

int
agentmail_note(struct tx *tx, const struct pd_ticket *t,
    const struct pd_agent *a, const char *text, GPtrArray *attachments)
{
	GHashTable *vars = state_vars(tx, t, text);
	char *from = g_strdup_printf("%s (INTERNAL) via %s", a->name,
	    voice_name(tx, t));
	char *note = config_queue_note_address(tx->cfg,
	    config_queue_voice(tx->cfg, t->queue));
	/* Replies go to the note channel twice over: Reply-To is the note
	 * address (of the ticket's queue), and the 'n' Message-ID marks a
	 * reply to it as a note. */
	struct agent_mail am = { .name = "agent_note", .from_name = from,
		.reply_to = note, .kind = 'n',
		.attachments = attachments, .vars = vars };
	int r;

	g_hash_table_insert(vars, "agent.name", g_strdup(a->name));
	r = send_team(tx, t, a, &am);
	g_free(note);
	g_free(from);
	g_hash_table_unref(vars);
	return r;
}

int
agentmail_to_agent(struct tx *tx, const struct pd_ticket *t,
    const struct pd_agent *a, const char *name, GHashTable *vars,
    const struct pd_msg *m, char kind, char **msgid_r)
{
	GHashTable *v = vars ? g_hash_table_ref(vars) : notify_vars_new();
	struct agent_mail am = { .name = name, .kind = kind, .reply = m,
		.vars = v };
	int r;

	g_hash_table_insert(v, "agent.name", g_strdup(a->name));
	r = send_internal(tx, t, a->addresses->pdata[0], a->name, a->language,
	    &am, msgid_r);
	g_hash_table_unref(v);
	return r;
}

/* The requester and every participant, each in a mail of their own (the
 * Message-ID names its recipient). */
static int
relay_all(struct tx *tx, const struct pd_ticket *t,
    const struct compose_req *q)
{
	GPtrArray *to = g_ptr_array_new_with_free_func(g_free);
	int r = store_participants(tx->db, t->number, to);

	for (guint i = 0; r == 0 && i + 1 < to->len; i += 2)
		if (!guard_internal_rcpt(tx->cfg, to->pdata[i]))
			r = notify_answer(tx, t, q, to->pdata[i],
			    to->pdata[i + 1]);
	g_ptr_array_unref(to);
	return r;
}

static int
first_response(struct tx *tx, const struct pd_ticket *t,
    const struct pd_agent *a)
{
	if (store_ticket_first_response(tx->db, t->number,
	    pd_now()) != 0)
		return -1;
	if (strcmp(t->status, "new") != 0)
		return 0;
	/* -1, not 1: the relay's caller reads 1 as "stopped by the guard"
	 * and would commit. */
	if (store_ticket_set_field(tx->db, t->number, "status", "open") != 0 ||
	    store_event_add(tx->db, t->number, a->name, "status",
	    "new -> open: first answer") != 0)
		return -1;
	return 0;
}

/* file: NULL for a leak, else the file binary_attachments = "hold"
 * holds (leak is then unused). */
static int
stopped(struct tx *tx, const struct pd_ticket *t, const struct pd_agent *a,
    const char *text, const char *leak, const struct pd_msg *m,
    const char *file)
{
	GHashTable *vars = notify_vars_new();
	int r;

	g_hash_table_insert(vars, file ? "guard.file" : "guard.overlap",
	    g_strdup(file ? file : leak));
	g_hash_table_insert(vars, "message.text", g_strdup(text));
	log_warnx("ticket=%lu msg=<%s> stage=guard event=%s agent=\"%s\"",
	    t->number, m ? m->message_id : "", file ? "held" : "stopped",
	    a->name);
	r = agentmail_to_agent(tx, t, a, file ? "guard_held" : "guard_stopped",
	    vars, m, 'm', NULL);
	if (r == 0)
		r = store_event_add(tx->db, t->number, a->name, "guard", file ?
		    "an answer with a file that cannot be checked was held" :
		    "an answer quoting an internal note was stopped");
	g_hash_table_unref(vars);
	return r == 0 ? 1 : -1;
}

/* Is m a reply to a guard_held mail of t sent to a?  Then the agent has
 * seen that the files cannot be checked and confirms them (postdesk.conf(5)
 * binary_attachments).  1 yes, 0 no, -1 on a database error. */
static int
held_confirmed(struct tx *tx, const struct pd_ticket *t,
    const struct pd_agent *a, const struct pd_msg *m)
{
	if (m == NULL || *m->in_reply_to == '\0')
		return 0;
	return store_outbox_has(tx->db, "guard_held", t->number,
	    m->in_reply_to, a->addresses->pdata[0]);
}

int
agentmail_relay(struct tx *tx, const struct pd_ticket *t,
    const struct pd_agent *a, const char *text, GPtrArray *attachments,
    const struct pd_msg *m)
{
	char *tok = token_format(config_queue_voice(tx->cfg, t->queue)->tag,
	    t->number);
	char *subject = g_strdup_printf("Re: %s %s", tok, t->subject);
	char *from = g_strdup_printf("%s (%s)", a->name, voice_name(tx, t));
	GString *check = g_string_new(NULL);
	struct leaktext lt;
	char *leak = NULL, *irt, *held = NULL;
	struct compose_req q = { .cfg = tx->cfg, .ticket = t,
		.subject = subject,
		.body = text, .auto_submitted = "no",
		.from_name = from, .attachments = attachments };
	struct agent_mail copy = { .name = "agent_answer_copy",
		.from_name = from, .attachments = attachments };
	int r, gr = 0;

	g_string_printf(check, "%s\n%s", subject, text);
	leaktext_init(&lt);
	lt.names = true;
	leaktext_add(&lt, attachments);
	if (lt.unreadable)
		leak = g_strdup("(an attached message could not be read, so it "
		    "could not be checked)");
	else if ((gr = guard_check(tx, t->number, a, check->str, &lt, &leak)) ==
	    0 && leak == NULL && lt.binary->len && tx->cfg->binary_hold &&
	    (gr = held_confirmed(tx, t, a, m)) == 0) {
		held = g_strdup(lt.binary->pdata[0]);
		leak = g_strdup(held);
	}
	leaktext_clear(&lt);
	irt = leak || gr < 0 ? NULL : store_message_last_client(tx->db,
	    t->number);
	q.in_reply_to = irt;
	if (gr < 0)
		r = -1;
	else if (leak)
		r = stopped(tx, t, a, text, leak, m, held);
	else if ((r = relay_all(tx, t, &q)) == 0 &&
	    (r = first_response(tx, t, a)) == 0 && tx->cfg->team_copy) {
		copy.vars = state_vars(tx, t, text);
		g_hash_table_insert(copy.vars, "agent.name",
		    g_strdup(a->name));
		r = send_internal(tx, t, tx->cfg->team_copy, voice_name(tx, t),
		    NULL,
		    &copy, NULL);
		g_hash_table_unref(copy.vars);
	}
	g_free(tok);
	g_free(subject);
	g_free(from);
	g_string_free(check, TRUE);
	g_free(leak);
	g_free(held);
	g_free(irt);
	return r;
}

int
agentmail_team(struct tx *tx, const struct pd_ticket *t, const char *name,
    GHashTable *vars)
{
	GHashTable *v = state_vars(tx, t, "");
	struct agent_mail am = { .name = name, .kind = 'm', .vars = v };
	GHashTableIter it;
	gpointer k, val;
	int r;

	if (vars) {
		g_hash_table_iter_init(&it, vars);
		while (g_hash_table_iter_next(&it, &k, &val))
			g_hash_table_insert(v, k, g_strdup(val));
	}
	r = send_team(tx, t, NULL, &am);
	g_hash_table_unref(v);
	return r;
}

int
agentmail_queue_moved(struct tx *tx, const struct pd_ticket *t,
    const struct pd_agent *by, const char *from_queue)
{
	const struct pd_queue *q = config_queue(tx->cfg, t->queue);
	GHashTable *vars;
	int r = 0;

	if (!q)
		return 0;
	vars = state_vars(tx, t, "");
	g_hash_table_insert(vars, "queue.from", g_strdup(from_queue));
	g_hash_table_insert(vars, "agent.by", g_strdup(by->name));
	for (guint i = 0; r == 0 && i < tx->cfg->agents->len; i++) {
		const struct pd_agent *a = tx->cfg->agents->pdata[i];

		if (a != by && config_queue_serves(q, a))
			r = agentmail_to_agent(tx, t, a, "agent_queue", vars,
			    NULL, 'm', NULL);
	}
	g_hash_table_unref(vars);
	return r;
}

int
agentmail_to_agents(struct tx *tx, const struct pd_ticket *t,
    const char *name, GHashTable *vars)
{
	GPtrArray *agents = ticket_agents(tx->cfg, t, NULL);
	int r = 0;

	for (guint i = 0; r == 0 && i < agents->len; i++)
		r = agentmail_to_agent(tx, t, agents->pdata[i], name, vars,
		    NULL, 'm', NULL);
	g_ptr_array_unref(agents);
	return r;
}

int
agentmail_to_lead(struct tx *tx, const struct pd_ticket *t,
    const char *name, GHashTable *vars)
{
	const struct pd_queue *q = config_queue(tx->cfg, t->queue);
	const struct pd_agent *lead = q && q->lead ?
	    config_agent_by_name(tx->cfg, q->lead) : NULL;

	if (lead)
		return agentmail_to_agent(tx, t, lead, name, vars, NULL, 'm',
		    NULL);
	return notify_leads(tx, t, name, vars);
}
