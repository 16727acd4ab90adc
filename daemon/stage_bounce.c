/* stage_bounce.c: a delivery report on a mail we sent (classify.c
 * VERDICT_BOUNCE; postdesk.conf(5) "BOUNCES").
 *
 * The report is filed on its ticket as a "bounce" message: never
 * answered, never reopens, the ticket's agents are not sent the report
 * itself.  An event names the failed recipient and its status.  A
 * permanent failure (5.x.x) marks the address failing for
 * gateway.bounce_hold_days: notify.c then sends it no automatic mail, and
 * the ticket's agents (the assignee, else the queue's agents) hear of it
 * once per failing period (template bounce_notice).  A successful
 * delivery report for the address ends the hold; so does any mail from it
 * (stage_bounce_clear). */
#include <string.h>
#include "agentmail.h"
#include "clock.h"
#include "log.h"
#include "stage.h"
#include "store.h"

#define DAY (24 * 3600)

static int
tell(struct stage_ctx *c, unsigned long num, const struct verdict *v,
    int64_t until)
{
	struct pd_ticket t;
	GHashTable *vars;
	GDateTime *d;
	int r;

	if ((r = store_ticket_get(c->db, num, &t)) != 1)
		return r;
	vars = notify_vars_new();
	d = g_date_time_new_from_unix_utc(until);
	g_hash_table_insert(vars, "bounce.address", g_strdup(v->bounce_rcpt));
	g_hash_table_insert(vars, "bounce.status", g_strdup(v->bounce_status));
	g_hash_table_insert(vars, "bounce.diagnostic", g_strdup(
	    *v->bounce_diag ? v->bounce_diag : v->bounce_status));
	g_hash_table_insert(vars, "bounce.until", g_date_time_format(d,
	    "%Y-%m-%d %H:%M UTC"));
	g_hash_table_insert(vars, "bounce.days", g_strdup_printf("%u",
	    c->cfg->bounce_hold_days));
	g_date_time_unref(d);
	r = agentmail_team(&c->tx, &t, "bounce_notice", vars);
	g_hash_table_unref(vars);
	store_ticket_clear(&t);
	return r;
}

/* A permanent failure: the address is failing from now on. */
static int
mark(struct stage_ctx *c, const struct verdict *v)
{
	int64_t now = pd_now(), until = now +
	    (int64_t)c->cfg->bounce_hold_days * DAY;
	char *why = g_strdup_printf("%s %s", v->bounce_status, v->bounce_diag);
	char *detail;
	int r;

	g_strstrip(why);
	r = store_failing_mark(c->db, v->bounce_rcpt, now, until, why,
	    v->ticket);
	detail = g_strdup_printf("%s is failing: no automatic mail to it for "
	    "%u days (%s)", v->bounce_rcpt, c->cfg->bounce_hold_days, why);
	if (r >= 0 && store_event_add(c->db, v->ticket, "postdesk",
	    "address-failing", detail) != 0)
		r = -1;
	if (r >= 0)
		log_info("ticket=%lu msg=<%s> stage=bounce event=failing "
		    "rcpt=%s status=%s new=%d", v->ticket, c->m->message_id,
		    v->bounce_rcpt, v->bounce_status, r);
	if (r == 1)
		r = tell(c, v->ticket, v, until);
	g_free(detail);
	g_free(why);
	return r < 0 ? -1 : 0;
}

/* Stored in ticket as kind "bounce" (stage_store would call it "auto"),
 * with hygiene's reason kept.  0 or -1. */
static int
store(struct stage_ctx *c, unsigned long ticket)
{
	struct pd_stored s = { .ticket = ticket, .direction = "in",
		.kind = "bounce", .automated = c->automated,
		.source = c->o->source, .hash = c->hash, .raw = c->raw,
		.raw_len = c->len };
	int64_t id = store_message_add(c->db, c->m, &s);

	c->ticket = ticket;
	if (id < 0)
		return -1;
	return stage_mark_uid(c, id, 0);
}

int
stage_bounce(struct stage_ctx *c, const struct verdict *v)
{
	const char *what = v->bounce_delivered ? "delivered" :
	    v->bounce_permanent ? "failed" : "delayed or unclear";
	char *detail;
	int r;

	if ((r = store(c, v->ticket)) != 0)
		return r;
	detail = v->bounce_rcpt ? g_strdup_printf("mail to %s %s: %s%s%s",
	    v->bounce_rcpt, what, *v->bounce_status ? v->bounce_status : "-",
	    *v->bounce_diag ? " " : "", v->bounce_diag) :
	    g_strdup_printf("delivery report <%s>: the failed recipient is "
	    "not named unambiguously", c->m->message_id);
	r = store_event_add(c->db, v->ticket, c->m->from.address, "bounce",
	    detail);
	g_free(detail);
	if (r != 0)
		return -1;
	log_info("ticket=%lu msg=<%s> stage=bounce event=filed rcpt=%s "
	    "status=%s", v->ticket, c->m->message_id, v->bounce_rcpt ?
	    v->bounce_rcpt : "-", *v->bounce_status ? v->bounce_status : "-");
	if (v->bounce_rcpt && v->bounce_permanent &&
	    c->cfg->bounce_hold_days)
		return mark(c, v);
	if (v->bounce_rcpt && v->bounce_delivered &&
	    (r = store_failing_clear(c->db, v->bounce_rcpt, pd_now())) == 1) {
		log_info("ticket=%lu stage=bounce event=cleared rcpt=%s "
		    "by=delivery-report", v->ticket, v->bounce_rcpt);
		r = store_event_add(c->db, v->ticket, "postdesk",
		    "address-works", "a delivery report says mail reaches it "
		    "again") == 0 ? 0 : -1;
	}
	return r < 0 ? -1 : 0;
}

int
stage_bounce_clear(struct stage_ctx *c)
{
	const char *from = c->m->from.address;
	char *detail;
	int r;

	if (!*from || (r = store_failing_clear(c->db, from, pd_now())) == 0)
		return 0;
	if (r < 0)
		return -1;
	log_info("msg=<%s> stage=bounce event=cleared rcpt=%s by=mail",
	    c->m->message_id, from);
	detail = g_strdup_printf("%s wrote to us: mail to it works again, "
	    "automatic mail resumes", from);
	r = store_event_add(c->db, 0, from, "address-works", detail);
	g_free(detail);
	return r;
}
