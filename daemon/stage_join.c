/* stage_join.c: a follow-up to a ticket (postdeskd(8) Tickets).
 *
 * Automated mail is stored and changes nothing.  A client's follow-up to a
 * waiting ticket moves it back to open.  To a resolved or closed ticket: a
 * rating is stored, a short thank-you is only stored, anything else
 * reopens it within reopen_days and max_reopens, or else opens a new
 * ticket linked to the old one, and the client is told the new number.
 * A "split" reply to an acknowledgement that listed tasks splits them. */
#include <string.h>
#include <time.h>
#include "clock.h"
#include "store.h"
#include "faq_offer.h"
#include "followup.h"
#include "log.h"
#include "floodguard.h"
#include "stage.h"
#include "ticket.h"
#include "token.h"

struct life {
	int64_t closed_at;  /* 0 unless closed */
	int64_t reopens;
	bool finished;      /* resolved or closed */
};

/* 0, or -1 on a database error or an unknown ticket. */
static int
life_get(struct stage_ctx *c, unsigned long num, struct life *l)
{
	return store_ticket_life(c->db, num, &l->closed_at, &l->reopens,
	    &l->finished) == 1 ? 0 : -1;
}

/* A new ticket for a follow-up that may not reopen the old one. */
static int
followup_new(struct stage_ctx *c, const struct pd_ticket *old, bool limit)
{
	struct pd_ticket t;
	char *subject = config_queue_strip_tokens(c->cfg, c->m->subject);
	char *detail = g_strdup_printf("follow-up to #%lu", old->number);
	GHashTable *vars;
	int r;

	/* A new ticket as much as a new request is: a bot that keeps
	 * answering with an old ticket's token is a repeating sender
	 * (classify.c found the request it repeats). */
	if (c->repeat_ticket && (r = stage_repeat(c, c->repeat_ticket,
	    c->repeat_first, c->norm)) != 1) {
		g_free(subject);
		g_free(detail);
		return r;
	}
	vars = notify_vars_new();
	r = ticket_open(&c->tx, &t, g_strstrip(subject), old->queue,
	    c->m->from.address, c->m->from.name, old->language, old->number,
	    "followup", detail);
	g_free(subject);
	g_free(detail);
	if (r == 0)
		r = stage_store(c, t.number, "client");
	/* The window slides from here (stage_flood_new). */
	if (r == 0 && c->norm)
		r = floodguard_repeat_note(&c->tx, c->m->from.address,
		    t.number, c->norm);
	g_hash_table_insert(vars, "old.token", token_format(
	    config_queue_voice(c->cfg, old->queue)->tag, old->number));
	g_hash_table_insert(vars, "old.number", g_strdup_printf("%lu",
	    old->number));
	if (r == 0)
		r = notify_requester(&c->tx, &t, "followup_new", c->m, vars,
		    true);
	if (r == 0 && limit)
		r = notify_leads(&c->tx, &t, "lead_reopen_limit", vars);
	if (r == 0)
		log_info("ticket=%lu msg=<%s> stage=policy event=followup-new "
		    "old=%lu", t.number, c->m->message_id, old->number);
	g_hash_table_unref(vars);
	store_ticket_clear(&t);
	return r;
}

/* The client's follow-up to a resolved or closed ticket. */
static int
finished(struct stage_ctx *c, const struct pd_ticket *t,
    const struct life *l)
{
	int rating = followup_rating(c->new_text);
	bool limit = l->reopens >= c->cfg->max_reopens;
	bool late = l->closed_at && pd_now() - l->closed_at >
	    (int64_t)c->cfg->reopen_days * 86400;
	int r;

	if (rating || followup_is_thanks(c->new_text) || !(late || limit)) {
		if ((r = stage_store(c, t->number, "client")) != 0)
			return r;
	}
	if (rating)
		return ticket_set_rating(&c->tx, t->number, rating,
		    c->m->from.address);
	if (followup_is_thanks(c->new_text))
		return store_event_add(c->db, t->number, c->m->from.address,
		    "thanks", "");
	if (late || limit)
		return followup_new(c, t, limit);
	return ticket_reopen(&c->tx, t->number, c->m->from.address,
	    "follow-up from the client") < 0 ? -1 : 0;
}

/* 1 when this is the requester's (or a participant's) "split" reply and
 * tasks are pending, 0 when not, -1 on a database error. */
static int
may_split(struct stage_ctx *c, const struct pd_ticket *t)
{
	int64_t n = 0;
	int r;

	if (c->automated || !followup_is_split(c->new_text))
		return 0;
	if (g_ascii_strcasecmp(c->m->from.address, t->requester) != 0 &&
	    (r = store_is_participant(c->db, t->number,
	    c->m->from.address)) != 1)
		return r;
	if (store_tasks_pending_count(c->db, t->number, &n) != 0)
		return -1;
	return n > 1;
}

static int
join(struct stage_ctx *c, const struct pd_ticket *t, const char *by)
{
	struct life l;
	int r;

	if (c->automated || c->agent)
		return stage_store(c, t->number, c->agent ? "agent" : "auto");
	if ((r = may_split(c, t)) < 0)
		return -1;
	if (r == 1) {
		if (stage_store(c, t->number, "client") != 0)
			return -1;
		return ticket_split_tasks(&c->tx, t, c->m) < 0 ? -1 : 0;
	}
	if (life_get(c, t->number, &l) != 0)
		return -1;
	if (l.finished)
		return finished(c, t, &l);
	if (stage_store(c, t->number, "client") != 0)
		return -1;
	/* "solved" to an ack that offered FAQ entries (faq_offer.h). */
	if ((r = faq_solved(&c->tx, t, c->m->from.address,
	    c->new_text)) != 0) {
		c->faq_solved = r > 0;
		return r < 0 ? -1 : 0;
	}
	if (strcmp(t->status, "waiting") == 0)
		return ticket_set_status(&c->tx, t->number, "open",
		    c->m->from.address, "the client answered") < 0 ? -1 : 0;
	return store_event_add(c->db, t->number, c->m->from.address,
	    "message", by);
}

int
stage_join(struct stage_ctx *c, const struct thread_result *tr)
{
	struct pd_ticket t;
	int r;

	if ((r = store_ticket_get(c->db, tr->ticket, &t)) != 1)
		return -1;
	r = join(c, &t, tr->by);
	if (r == 0)
		log_info("ticket=%lu msg=<%s> stage=thread event=joined by=%s%s",
		    c->ticket, c->m->message_id, tr->by, c->ticket != t.number ?
		    " (follow-up ticket)" : "");
	store_ticket_clear(&t);
	return r;
}
