/* plans.c: see plans.h. */
#include <string.h>
#include "bizhours.h"
#include "guard.h"
#include "log.h"
#include "notify.h"
#include "plans.h"

/* Contacts told about a plan when the client names none: at most this
 * many people of its tickets this month. */
#define MAX_CONTACTS 50

static int64_t
plan_minutes(double hours)
{
	return hours > 0 ? (int64_t)(hours * 60 + 0.5) : 0;
}

int64_t
plans_percent(int64_t minutes, double hours)
{
	int64_t pm = plan_minutes(hours);

	return pm > 0 ? minutes * 100 / pm : 0;
}

bool
plans_reached(int64_t minutes, double hours, unsigned threshold)
{
	return minutes > 0 && minutes * 100 >= plan_minutes(hours) *
	    (int64_t)threshold;
}

const struct pd_client *
plans_client_of(const struct pd_config *cfg, const struct pd_ticket *t,
    const struct pd_plan **plan_r)
{
	const struct pd_client *cl = config_client_of(cfg, t->requester);

	*plan_r = cl ? config_plan(cfg, cl->plan) : NULL;
	return *plan_r ? cl : NULL;
}

/* The month of now in gateway.timezone. */
static void
month_of(const struct pd_config *cfg, int64_t now, int64_t *from_r,
    int64_t *to_r, char label[8])
{
	struct bizhours *bh = bizhours_new_always(cfg->timezone);

	bizhours_month(bh, now, from_r, to_r, label);
	bizhours_free(bh);
}

static GHashTable *
plan_vars(const struct pd_client *cl, const struct pd_plan *p,
    const char *month, int64_t used, unsigned threshold)
{
	GHashTable *v = notify_vars_new();
	double left = p->hours - used / 60.0;

	g_hash_table_insert(v, "plan.client", g_strdup(cl->name));
	g_hash_table_insert(v, "plan.name", g_strdup(p->name));
	g_hash_table_insert(v, "plan.month", g_strdup(month));
	g_hash_table_insert(v, "plan.hours", g_strdup_printf("%g", p->hours));
	g_hash_table_insert(v, "plan.used", g_strdup_printf("%.2f",
	    used / 60.0));
	g_hash_table_insert(v, "plan.left", g_strdup_printf("%.2f",
	    left > 0 ? left : 0));
	g_hash_table_insert(v, "plan.percent", g_strdup_printf("%lld",
	    (long long)plans_percent(used, p->hours)));
	g_hash_table_insert(v, "plan.threshold", g_strdup_printf("%u",
	    threshold));
	return v;
}

/* One notice to one contact of client cl, with the voice of queue (the
 * queue of the client's newest ticket; NULL: the gateway's), in the
 * client's configured language, else the language of the contact's
 * newest ticket, else the queue's (notify.h). */
static int
tell_contact(struct tx *tx, const struct pd_client *cl, const char *queue,
    const char *addr, const char *name, const char *lang, GHashTable *vars)
{
	struct notify_mail m = { .name = "plan_warning", .rcpt = addr,
		.rcpt_name = name && *name ? name : NULL, .lang = cl->language ?
		cl->language : lang && *lang ? lang : NULL, .vars = vars,
		.queue = queue };

	if (guard_internal_rcpt(tx->cfg, addr))
		return 0;
	return notify_send(tx, NULL, &m);
}

static int
tell_contacts(struct tx *tx, const struct pd_client *cl, int64_t since,
    GHashTable *vars)
{
	GPtrArray *who = g_ptr_array_new_with_free_func(g_free);
	char *queue = NULL;
	int r = store_client_queue(tx->db, cl->name, &queue) < 0 ? -1 : 0;

	if (r == 0 && cl->contacts && cl->contacts->len) {
		for (guint i = 0; r == 0 && i < cl->contacts->len; i++) {
			char *lang = NULL;

			r = store_contact_language(tx->db,
			    cl->contacts->pdata[i], &lang) < 0 ? -1 : 0;
			if (r == 0)
				r = tell_contact(tx, cl, queue,
				    cl->contacts->pdata[i], NULL, lang, vars);
			g_free(lang);
		}
	} else if (r == 0) {
		r = store_client_contacts(tx->db, cl->name, since,
		    MAX_CONTACTS, who);
		for (guint i = 0; r == 0 && i + 2 < who->len; i += 3)
			r = tell_contact(tx, cl, queue, who->pdata[i],
			    who->pdata[i + 1], who->pdata[i + 2], vars);
	}
	g_free(queue);
	g_ptr_array_unref(who);
	return r;
}

int
plans_check(struct tx *tx, const char *client, int64_t now)
{
	const struct pd_client *cl = config_client(tx->cfg, client);
	const struct pd_plan *p = cl ? config_plan(tx->cfg, cl->plan) : NULL;
	int64_t from, to, used = 0;
	unsigned top = 0;
	char month[8];
	GHashTable *vars;
	int r;

	if (!p)
		return 0;
	month_of(tx->cfg, now, &from, &to, month);
	if (store_time_used_between(tx->db, cl->name, from, to, &used) != 0)
		return -1;
	/* Every threshold reached is claimed; one jump over several sends
	 * only the highest, once. */
	for (guint i = 0; i < p->warn_at->len; i++) {
		unsigned th = g_array_index(p->warn_at, unsigned, i);

		if (!plans_reached(used, p->hours, th))
			break;
		if ((r = store_notice_claim(tx->db, "plan", cl->name, month,
		    th, now)) < 0)
			return -1;
		if (r == 1)
			top = th;
	}
	if (!top)
		return 0;
	log_info("stage=plans event=threshold client=\"%s\" month=%s "
	    "percent=%u used_minutes=%lld", cl->name, month, top,
	    (long long)used);
	vars = plan_vars(cl, p, month, used, top);
	r = tell_contacts(tx, cl, from, vars);
	if (r == 0)
		r = notify_leads(tx, NULL, "plan_warning_lead", vars);
	if (r == 0) {
		char *detail = g_strdup_printf("%s %s: %u%% of %g h reached",
		    cl->name, month, top, p->hours);

		r = store_event_add(tx->db, 0, "postdesk", "plan", detail);
		g_free(detail);
	}
	g_hash_table_unref(vars);
	return r;
}

int
plans_job(struct tx *tx, int64_t now)
{
	GPtrArray *clients = g_ptr_array_new_with_free_func(g_free);
	int64_t from, to;
	char month[8];
	int r;

	month_of(tx->cfg, now, &from, &to, month);
	r = store_time_clients(tx->db, from, to, clients);
	for (guint i = 0; r == 0 && i < clients->len; i++)
		r = plans_check(tx, clients->pdata[i], now);
	g_ptr_array_unref(clients);
	return r;
}

int
plans_ack_vars(struct tx *tx, const struct pd_ticket *t, int64_t now,
    GHashTable *vars)
{
	const struct pd_plan *p;
	const struct pd_client *cl = plans_client_of(tx->cfg, t, &p);
	int64_t from, to, used = 0;
	struct pd_rendered rd;
	GHashTable *pv;
	char month[8], *err = NULL;
	int r;

	g_hash_table_insert(vars, "plan.notice", g_strdup(""));
	if (!cl)
		return 0;
	month_of(tx->cfg, now, &from, &to, month);
	if (store_time_used_between(tx->db, cl->name, from, to, &used) != 0)
		return -1;
	if (!plans_reached(used, p->hours, 100))
		return 0;
	pv = plan_vars(cl, p, month, used, 100);
	r = notify_render(tx, t, "ack_over_limit", NULL, pv, &rd, &err);
	g_hash_table_unref(pv);
	if (r != 0) {
		log_warnx("ticket=%lu stage=notify event=error "
		    "template=ack_over_limit error=\"%s\"", t->number, err);
		g_free(err);
		return 0;
	}
	/* Alone on its line between two paragraphs of the ack: a blank
	 * line on either side when there is a notice, one when not. */
	g_strstrip(rd.body);
	g_hash_table_insert(vars, "plan.notice", g_strdup_printf("\n%s\n",
	    rd.body));
	template_clear(&rd);
	return 0;
}

char *
plans_hours_text(double h, const char *lang)
{
	char *s = g_strdup_printf("%.1f", h);

	if (lang && strcmp(lang, "ru") == 0)
		g_strdelimit(s, ".", ',');
	return s;
}
