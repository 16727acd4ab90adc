/* stage_rules.c: what the routing rules (rules.h, postdesk.conf(5)
 * "ROUTING RULES") do, applied from the verdict (classify.h) in the
 * message's transaction: on the ticket a message opened or joined (every
 * rule that fired is an event with its name), or instead of a ticket:
 * drop, reject, hold. */
#include <string.h>
#include "agentmail.h"
#include "log.h"
#include "rulematch.h"
#include "stage.h"
#include "store.h"
#include "ticket.h"

static bool
fired_any(const struct stage_ctx *c)
{
	return c->rules && c->rules->fired && c->rules->fired->len;
}

/* Records the rules that fired for ticket num (0: none) as events. */
static int
record(struct stage_ctx *c, unsigned long num)
{
	for (guint i = 0; fired_any(c) && i < c->rules->fired->len; i++) {
		const struct pd_rule *r = c->rules->fired->pdata[i];

		if (store_event_add(c->db, num, "rules", "rule", r->name) != 0)
			return -1;
		log_info("ticket=%lu msg=<%s> stage=rules event=fired "
		    "rule=\"%s\"", num, c->m->message_id, r->name);
	}
	return 0;
}

/* The rule's notify list: agents (by name) and addresses get the
 * client's message with the rule's name. */
static int
notify_extra(struct stage_ctx *c, const struct pd_rule *r,
    const struct pd_ticket *t)
{
	int rc = 0;

	for (guint i = 0; rc == 0 && i < r->notify->len; i++) {
		const char *who = r->notify->pdata[i];
		const struct pd_agent *a = config_agent_by_name(c->cfg, who);
		GHashTable *vars = notify_vars_new();

		g_hash_table_insert(vars, "rule.name", g_strdup(r->name));
		g_hash_table_insert(vars, "message.from",
		    g_strdup(c->m->from.address));
		g_hash_table_insert(vars, "message.text",
		    g_strdup(c->new_text ? c->new_text : c->m->text));
		if (a)
			rc = agentmail_to_agent(&c->tx, t, a, "rule_notify",
			    vars, NULL, 'm', NULL);
		else if (strchr(who, '@')) {
			struct notify_mail m = { .name = "rule_notify",
				.rcpt = who, .vars = vars };

			rc = notify_send(&c->tx, t, &m);
		}
		g_hash_table_unref(vars);
	}
	return rc;
}

/* One fired rule's actions on ticket num. */
static int
apply_rule(struct stage_ctx *c, const struct pd_rule *r, unsigned long num)
{
	char *actor = g_strdup_printf("rule:%s", r->name);
	const struct pd_agent *a;
	struct pd_ticket t;
	int rc = 0;

	if (r->priority && ticket_set_field(&c->tx, num, "priority",
	    r->priority, actor) < 0)
		rc = -1;
	if (rc == 0 && r->type && ticket_set_field(&c->tx, num, "type",
	    r->type, actor) < 0)
		rc = -1;
	if (rc == 0 && r->assign &&
	    (a = config_agent_by_name(c->cfg, r->assign))) {
		rc = store_ticket_set_field(c->db, num, "assignee", a->name);
		if (rc == 0)
			rc = store_event_add(c->db, num, actor, "assigned",
			    a->name);
	}
	for (guint i = 0; rc == 0 && i < r->tags->len; i++)
		rc = store_tag_add(c->db, num, r->tags->pdata[i]);
	if (rc == 0 && r->note)
		rc = store_event_add(c->db, num, actor, "note", r->note);
	if (rc == 0 && r->notify->len) {
		if ((rc = store_ticket_get(c->db, num, &t)) == 1) {
			rc = notify_extra(c, r, &t);
			store_ticket_clear(&t);
		} else
			rc = rc < 0 ? -1 : 0;
	}
	g_free(actor);
	return rc;
}

int
stage_rules_ticket(struct stage_ctx *c, unsigned long num)
{
	int r = 0;

	if (!fired_any(c) || !num)
		return 0;
	r = record(c, num);
	for (guint i = 0; r == 0 && i < c->rules->fired->len; i++)
		r = apply_rule(c, c->rules->fired->pdata[i], num);
	return r;
}

bool
stage_rules_no_ack(const struct stage_ctx *c)
{
	return c->rules && c->rules->no_ack;
}

/* Kept raw outside any ticket, with an event naming the rule. */
static int
keep(struct stage_ctx *c, const char *kind, const char *what)
{
	char *detail = g_strdup_printf("message <%s> from %s %s by rule '%s'",
	    c->m->message_id, c->m->from.address, what, c->rules->why);
	int r = stage_store(c, 0, kind);

	if (r == 0)
		r = record(c, 0);
	if (r == 0)
		r = store_event_add(c->db, 0, c->m->from.address, kind, detail);
	if (r == 0)
		log_info("msg=<%s> stage=rules event=%s rule=\"%s\" from=%s",
		    c->m->message_id, kind, c->rules->why, c->m->from.address);
	g_free(detail);
	return r;
}

int
stage_drop(struct stage_ctx *c)
{
	return keep(c, "dropped", "dropped");
}

/* The language of a reject: the client organisation's, else Russian for
 * a Russian text, else the queue's (as the ack's, stage_new.c). */
static const char *
reject_language(const struct stage_ctx *c)
{
	const struct pd_client *cl = config_client_of(c->cfg,
	    c->m->from.address);

	if (cl && cl->language)
		return cl->language;
	if (strcmp(rulematch_language(c->m->subject, c->new_text), "ru") == 0)
		return "ru";
	return config_queue_language(c->cfg, config_queue_voice(c->cfg,
	    c->queue), NULL);
}

/* The sender gets the rule's template, as an automatic answer (RFC 3834,
 * capped by notify.c like every automatic mail), in the voice of the
 * queue it wrote to; automated mail, our own addresses and agents get
 * nothing. */
int
stage_reject(struct stage_ctx *c)
{
	GHashTable *vars;
	struct notify_mail m = { .name = c->rules->reject,
		.rcpt = c->m->from.address, .rcpt_name = c->m->from.name,
		.reply = c->m, .auto_reply = true,
		.lang = reject_language(c), .queue = c->queue };
	int r = keep(c, "rejected", "rejected");

	if (r != 0 || !stage_may_answer(c))
		return r;
	vars = notify_vars_new();
	g_hash_table_insert(vars, "message.subject", g_strdup(c->m->subject));
	g_hash_table_insert(vars, "client.address",
	    g_strdup(c->m->from.address));
	g_hash_table_insert(vars, "client.name", g_strdup(*c->m->from.name ?
	    c->m->from.name : c->m->from.address));
	m.vars = vars;
	r = notify_send(&c->tx, NULL, &m);
	g_hash_table_unref(vars);
	return r;
}

int
stage_rule_hold(struct stage_ctx *c)
{
	char *reason = g_strdup_printf("held by rule '%s'", c->rules->why);
	int r;

	c->size = c->len;
	r = record(c, 0);
	if (r == 0)
		r = stage_quarantine(c, reason);
	if (r == 0)
		log_info("msg=<%s> stage=rules event=held rule=\"%s\" id=%lld",
		    c->m->message_id, c->rules->why,
		    (long long)c->quarantine_id);
	g_free(reason);
	return r;
}
