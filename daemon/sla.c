/* sla.c: see sla.h. */
#include <stdio.h>
#include <string.h>
#include "agentmail.h"
#include "bizhours.h"
#include "log.h"
#include "notify.h"
#include "sla.h"

static const char *const prio_names[] = { "low", "normal", "high",
	"urgent" };

/* How a deadline is shown: the wall clock of business_hours' zone. */
#define WHEN_FORMAT "%Y-%m-%d %H:%M %Z"

unsigned
sla_target(const struct pd_config *cfg, const char *requester,
    const char *priority, bool resolution)
{
	const struct pd_client *cl = config_client_of(cfg, requester);
	const struct pd_plan *p = cl ? config_plan(cfg, cl->plan) : NULL;

	for (unsigned i = 0; i < G_N_ELEMENTS(prio_names); i++) {
		if (strcmp(priority, prio_names[i]) != 0)
			continue;
		if (resolution)
			return p && p->sla_resolution[i] ?
			    p->sla_resolution[i] : cfg->sla_resolution[i];
		return p && p->sla_first[i] ? p->sla_first[i] :
		    cfg->sla_hours[i];
	}
	return 0;
}

int
sla_ack_vars(struct tx *tx, const struct pd_ticket *t, GHashTable *vars)
{
	unsigned h = sla_target(tx->cfg, t->requester, t->priority, false);
	GHashTable *v = notify_vars_new();
	struct pd_rendered rd;
	char *err = NULL;
	int r;

	if (h) {
		int64_t due = bizhours_add(tx->cfg->bizhours, t->created,
		    (int64_t)h * 3600);

		g_hash_table_insert(v, "sla.first_response", due == INT64_MAX ?
		    g_strdup("-") : bizhours_format(tx->cfg->bizhours, due,
		    WHEN_FORMAT));
		g_hash_table_insert(v, "sla.hours", g_strdup_printf("%u", h));
	}
	r = notify_render(tx, t, h ? "ack_sla" : "ack_sla_none", NULL, v, &rd,
	    &err);
	g_hash_table_unref(v);
	if (r != 0) {
		log_warnx("ticket=%lu stage=notify event=error template=%s "
		    "error=\"%s\"", t->number, h ? "ack_sla" : "ack_sla_none",
		    err);
		g_free(err);
		g_hash_table_insert(vars, "sla.promise", g_strdup(""));
		return 0;
	}
	g_hash_table_insert(vars, "sla.promise", g_strdup(g_strstrip(
	    rd.body)));
	template_clear(&rd);
	return 0;
}

/* The statuses in which the resolution clock stands still: waiting for
 * the client, and finished (a reopened ticket's clock goes on from where
 * it stopped, not from the weeks it was resolved). */
static bool
paused(const char *status)
{
	return strcmp(status, "waiting") == 0 ||
	    strcmp(status, "resolved") == 0 || strcmp(status, "closed") == 0;
}

int
sla_status_change(struct tx *tx, unsigned long num, const char *from,
    const char *to, int64_t now)
{
	int64_t since = 0;
	int r;

	if (strcmp(from, to) == 0)
		return 0;
	/* From one pause to another (waiting -> resolved) it stays paused
	 * since the first (store_sla_pause keeps paused_since). */
	if (paused(to))
		return store_sla_pause(tx->db, num, now);
	if (!paused(from))
		return 0;
	if ((r = store_sla_paused_since(tx->db, num, &since)) != 1)
		return r < 0 ? -1 : 0;
	return store_sla_resume(tx->db, num, bizhours_between(
	    tx->cfg->bizhours, since, now));
}

/* The ticket of row, loaded once per row for the notices. */
struct row_ctx {
	struct tx *tx;
	const struct store_sla_row *row;
	struct pd_ticket t;
	bool loaded;
	char subject[24];
};

static int
load(struct row_ctx *x)
{
	int r;

	if (x->loaded)
		return 1;
	if ((r = store_ticket_get(x->tx->db, x->row->number, &x->t)) != 1)
		return r;
	x->loaded = true;
	return 1;
}

/* Claims notice kind of the row's ticket (period: the priority or the
 * promised date) and, when this call claimed it and send is set, queues template
 * kind to the agents (to_lead false) or the lead.  0 or -1. */
static int
once(struct row_ctx *x, const char *kind, const char *period,
    int64_t threshold, int64_t now, bool send, bool to_lead,
    GHashTable *vars)
{
	int r = store_notice_claim(x->tx->db, kind, x->subject, period,
	    threshold, now);

	if (r != 1 || !send)
		return r < 0 ? -1 : 0;
	if ((r = load(x)) != 1)
		return r < 0 ? -1 : 0;
	log_info("ticket=%lu stage=timer event=%s", x->t.number, kind);
	g_hash_table_insert(vars, "ticket.assignee", g_strdup(*x->t.assignee ?
	    x->t.assignee : "-"));
	r = to_lead ? agentmail_to_lead(x->tx, &x->t, kind, vars) :
	    agentmail_to_agents(x->tx, &x->t, kind, vars);
	if (r == 0)
		r = store_event_add(x->tx->db, x->t.number, "postdesk", kind,
		    period);
	return r;
}

static GHashTable *
window_vars(const struct bizhours *bh, unsigned hours, int64_t deadline)
{
	GHashTable *v = notify_vars_new();

	g_hash_table_insert(v, "sla.hours", g_strdup_printf("%u", hours));
	g_hash_table_insert(v, "sla.deadline", deadline == INT64_MAX ?
	    g_strdup("-") : bizhours_format(bh, deadline, WHEN_FORMAT));
	return v;
}

/* Warning at warn_at percent, breach at 100 %, of a window of hours
 * business hours of which elapsed seconds passed; deadline is when it
 * ends.  A warning first claimed after the breach is not sent.  The
 * notices are once per ticket and priority: a ticket made urgent gets the
 * urgent window's notices too. */
static int
check_window(struct row_ctx *x, const char *warn_kind,
    const char *breach_kind, unsigned hours, int64_t elapsed,
    int64_t deadline, int64_t now)
{
	int64_t window = (int64_t)hours * 3600;
	unsigned pct = x->tx->cfg->sla_warn_at;
	bool breached = elapsed >= window;
	GHashTable *v;
	int r = 0;

	if (elapsed * 100 < window * pct)
		return 0;
	v = window_vars(x->tx->cfg->bizhours, hours, deadline);
	r = once(x, warn_kind, x->row->priority, pct, now, !breached, false,
	    v);
	if (r == 0 && breached)
		r = once(x, breach_kind, x->row->priority, 100, now, true, true,
		    v);
	g_hash_table_unref(v);
	return r;
}

static int
check_row(struct tx *tx, const struct store_sla_row *row, int64_t now)
{
	const struct bizhours *bh = tx->cfg->bizhours;
	struct row_ctx x = { .tx = tx, .row = row };
	unsigned h;
	int r = 0;

	g_snprintf(x.subject, sizeof x.subject, "%lu", row->number);
	/* First response: the first agent answer relayed to the client. */
	if (!row->first_response) {
		if ((r = load(&x)) != 1)
			goto out;
		r = 0;
		h = sla_target(tx->cfg, x.t.requester, row->priority, false);
		if (h)
			r = check_window(&x, "sla_first_warning",
			    "sla_first_breach", h, bizhours_between(bh,
			    row->created, now), bizhours_add(bh, row->created,
			    (int64_t)h * 3600), now);
	}
	if (r != 0)
		goto out;
	/* Resolution: time in `waiting` does not count. */
	if ((r = load(&x)) != 1)
		goto out;
	r = 0;
	h = sla_target(tx->cfg, x.t.requester, row->priority, true);
	if (h) {
		int64_t paused = row->paused_seconds + (row->paused_since ?
		    bizhours_between(bh, row->paused_since, now) : 0);

		r = check_window(&x, "sla_resolution_warning",
		    "sla_resolution_breach", h, bizhours_between(bh,
		    row->created, now) - paused, bizhours_add(bh, row->created,
		    (int64_t)h * 3600 + paused), now);
	}
out:
	if (x.loaded)
		store_ticket_clear(&x.t);
	return r < 0 ? -1 : 0;
}

int
sla_job(struct tx *tx, int64_t now)
{
	GPtrArray *rows = g_ptr_array_new_with_free_func(store_sla_row_free);
	int r = store_sla_open(tx->db, rows);

	for (guint i = 0; r == 0 && i < rows->len; i++)
		r = check_row(tx, rows->pdata[i], now);
	g_ptr_array_unref(rows);
	return r;
}

static int
check_due(struct tx *tx, const struct store_sla_row *row, int64_t now)
{
	const struct bizhours *bh = tx->cfg->bizhours;
	struct row_ctx x = { .tx = tx, .row = row };
	unsigned y, m, d;
	int64_t warn, missed;
	GDate next;
	GHashTable *v;
	int r = 0;

	if (sscanf(row->due, "%4u-%2u-%2u", &y, &m, &d) != 3 ||
	    !g_date_valid_dmy(d, m, y))
		return 0;
	g_snprintf(x.subject, sizeof x.subject, "%lu", row->number);
	warn = bizhours_workday_before(bh, y, m, d);
	/* Missed: not resolved when the promised day is over (the next
	 * local midnight). */
	g_date_clear(&next, 1);
	g_date_set_dmy(&next, d, m, y);
	g_date_add_days(&next, 1);
	missed = bizhours_midnight(bh, g_date_get_year(&next),
	    g_date_get_month(&next), g_date_get_day(&next));
	if (now < warn && now < missed)
		return 0;
	v = notify_vars_new();
	g_hash_table_insert(v, "ticket.due", g_strdup(row->due));
	if (now >= warn)
		r = once(&x, "due_warning", row->due, 0, now, now < missed,
		    false, v);
	if (r == 0 && now >= missed)
		r = once(&x, "due_missed", row->due, 0, now, true, true, v);
	g_hash_table_unref(v);
	if (x.loaded)
		store_ticket_clear(&x.t);
	return r;
}

int
sla_due_job(struct tx *tx, int64_t now)
{
	GPtrArray *rows = g_ptr_array_new_with_free_func(store_sla_row_free);
	int r = store_sla_open(tx->db, rows);

	for (guint i = 0; r == 0 && i < rows->len; i++)
		if (*((struct store_sla_row *)rows->pdata[i])->due)
			r = check_due(tx, rows->pdata[i], now);
	g_ptr_array_unref(rows);
	return r;
}

char *
sla_due_in_days(const struct pd_config *cfg, int64_t now, unsigned n)
{
	int y, m, d;

	if (bizhours_add_workdays(cfg->bizhours, now, (int)n, &y, &m, &d) != 0)
		return NULL;
	return g_strdup_printf("%04d-%02d-%02d", y, m, d);
}
