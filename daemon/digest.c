/* digest.c: see digest.h. */
#include <string.h>
#include "bizhours.h"
#include "digest.h"
#include "log.h"
#include "notify.h"
#include "sla.h"
#include "store_digest.h"
#include "token.h"

/* A digest lists at most this many tickets (the count says how many
 * wait in all): a mail, not a database dump. */
#define DIGEST_MAX_LINES 100
/* Tickets read per run: bounded like every loop over stored data. */
#define DIGEST_MAX_TICKETS 5000

static bool
ru(const char *lang)
{
	return lang && strcmp(lang, "ru") == 0;
}

int64_t
digest_slot(const struct pd_config *cfg, int64_t now)
{
	GTimeZone *tz;
	GDateTime *t, *day;
	int64_t best = 0;

	if (!cfg->digest_times || cfg->digest_times->len == 0)
		return 0;
	if (!(tz = g_time_zone_new_identifier(cfg->timezone)))
		tz = g_time_zone_new_utc();
	t = g_date_time_new_from_unix_utc(now);
	day = g_date_time_to_timezone(t, tz);
	/* Today's slots, else yesterday's last one. */
	for (int back = 0; back < 2 && best == 0; back++) {
		GDateTime *d = g_date_time_add_days(day, -back);

		for (guint i = 0; i < cfg->digest_times->len; i++) {
			int m = g_array_index(cfg->digest_times, int, i);
			GDateTime *s = g_date_time_new(tz,
			    g_date_time_get_year(d), g_date_time_get_month(d),
			    g_date_time_get_day_of_month(d), m / 60, m % 60, 0);
			int64_t at = s ? g_date_time_to_unix(s) : 0;

			if (s && at <= now && at > best)
				best = at;
			if (s)
				g_date_time_unref(s);
		}
		g_date_time_unref(d);
	}
	g_date_time_unref(day);
	g_date_time_unref(t);
	g_time_zone_unref(tz);
	return best;
}

char *
digest_duration(int64_t secs, const char *lang)
{
	int64_t d = secs / 86400, h = secs % 86400 / 3600,
	    m = secs % 3600 / 60;
	const char *ud = ru(lang) ? " д" : "d", *uh = ru(lang) ? " ч" : "h",
	    *um = ru(lang) ? " мин" : "m";

	if (secs < 0)
		secs = 0, d = h = m = 0;
	if (d)
		return g_strdup_printf("%lld%s %lld%s", (long long)d, ud,
		    (long long)h, uh);
	if (h)
		return g_strdup_printf("%lld%s %lld%s", (long long)h, uh,
		    (long long)m, um);
	return g_strdup_printf("%lld%s", (long long)m, um);
}

bool
digest_agent_serves(const struct pd_config *cfg, const struct pd_agent *a,
    const char *queue)
{
	const struct pd_queue *q = config_queue(cfg, queue);

	if (q && q->agents->len) {
		for (guint i = 0; i < q->agents->len; i++)
			if (config_agent_by_name(cfg, q->agents->pdata[i]) == a)
				return true;
		return false;
	}
	if (a->queues->len == 0)
		return true;
	for (guint i = 0; i < a->queues->len; i++)
		if (strcmp(a->queues->pdata[i], queue) == 0)
			return true;
	return false;
}

/* The first-response deadline of w, as sla.c counts it (sla_target: the
 * client plan's target, else the sla group's; in business hours), or 0
 * when none applies (no target, or answered already), so the digest
 * and the SLA notices agree on what is overdue. */
static int64_t
sla_due(const struct pd_config *cfg, const struct store_waiting *w)
{
	unsigned h = w->first_response ? 0 : sla_target(cfg, w->requester,
	    w->priority, false);
	int64_t due;

	if (!h)
		return 0;
	due = bizhours_add(cfg->bizhours, w->created, (int64_t)h * 3600);
	return due == INT64_MAX ? 0 : due;
}

/* "SLA overdue", "SLA: 3h left" in lang, or "" without a deadline. */
static char *
sla_state(const struct pd_config *cfg, const struct store_waiting *w,
    int64_t now, const char *lang, bool *overdue_r)
{
	int64_t due = sla_due(cfg, w);
	char *left, *s;

	*overdue_r = due && now > due;
	if (!due)
		return g_strdup("");
	if (*overdue_r)
		return g_strdup(ru(lang) ? ", срок по SLA истёк" :
		    ", SLA overdue");
	left = digest_duration(due - now, lang);
	s = g_strdup_printf(ru(lang) ? ", по SLA осталось %s" :
	    ", SLA: %s left", left);
	g_free(left);
	return s;
}

static bool
is_agent(const struct pd_config *cfg, const struct pd_agent *a,
    const char *assignee)
{
	return *assignee && config_agent_by_name(cfg, assignee) == a;
}

static char *
slot_time(const struct pd_config *cfg, int64_t slot)
{
	GTimeZone *tz = g_time_zone_new_identifier(cfg->timezone);
	GDateTime *u = g_date_time_new_from_unix_utc(slot), *l;
	char *s;

	if (!tz)
		tz = g_time_zone_new_utc();
	l = g_date_time_to_timezone(u, tz);
	s = g_date_time_format(l, "%Y-%m-%d %H:%M");
	g_date_time_unref(l);
	g_date_time_unref(u);
	g_time_zone_unref(tz);
	return s;
}

static int
send_digest(struct tx *tx, const struct pd_agent *a, const char *name,
    GHashTable *vars)
{
	struct notify_mail m = { .name = name, .rcpt = a->addresses->pdata[0],
		.rcpt_name = a->name, .lang = a->language, .vars = vars };

	return notify_send(tx, NULL, &m);
}

/* The digest of agent a: 0 (also when empty: nothing sent) or -1. */
static int
agent_digest(struct tx *tx, const struct pd_agent *a, GPtrArray *waiting,
    int64_t now, const char *when)
{
	GString *lines = g_string_new(NULL);
	GHashTable *vars;
	unsigned n = 0, overdue = 0;
	int r;

	for (guint i = 0; i < waiting->len; i++) {
		const struct store_waiting *w = waiting->pdata[i];
		char *tok, *age, *sla;
		bool late;

		if (*w->assignee ? !is_agent(tx->cfg, a, w->assignee) :
		    !digest_agent_serves(tx->cfg, a, w->queue))
			continue;
		sla = sla_state(tx->cfg, w, now, a->language, &late);
		overdue += late;
		if (++n > DIGEST_MAX_LINES) {
			g_free(sla);
			continue;
		}
		tok = token_format(config_queue_voice(tx->cfg,
		    w->queue)->tag, w->number);
		age = digest_duration(now - w->created, a->language);
		/* The token carries its brackets (token.h). */
		g_string_append_printf(lines, "- %s %s (%s%s%s)\n", tok,
		    w->subject, age, *w->assignee ? "" : ru(a->language) ?
		    ", без исполнителя" :
		    ", unassigned", sla);
		g_free(tok);
		g_free(age);
		g_free(sla);
	}
	if (n == 0) {
		g_string_free(lines, TRUE);
		return 0;
	}
	if (n > DIGEST_MAX_LINES)
		g_string_append_printf(lines, ru(a->language) ? "- ... и ещё "
		    "%u\n" : "- ... and %u more\n", n - DIGEST_MAX_LINES);
	vars = notify_vars_new();
	g_hash_table_insert(vars, "agent.name", g_strdup(a->name));
	g_hash_table_insert(vars, "digest.time", g_strdup(when));
	g_hash_table_insert(vars, "digest.count", g_strdup_printf("%u", n));
	g_hash_table_insert(vars, "digest.overdue", g_strdup_printf("%u",
	    overdue));
	g_strchomp(lines->str);
	g_hash_table_insert(vars, "digest.tickets", g_string_free(lines,
	    FALSE));
	r = send_digest(tx, a, "digest_agent", vars);
	g_hash_table_unref(vars);
	if (r == 0)
		log_info("stage=timer event=digest agent=\"%s\" tickets=%u",
		    a->name, n);
	return r;
}

struct count {
	unsigned n, overdue;
};

static void
count_add(GHashTable *h, const char *key, bool late)
{
	struct count *c = g_hash_table_lookup(h, key);

	if (!c)
		g_hash_table_insert(h, g_strdup(key), (c = g_new0(struct
		    count, 1)));
	c->n++;
	c->overdue += late;
}

static void
count_line(GString *s, const char *name, const struct count *c,
    const char *lang)
{
	g_string_append_printf(s, "- %s: %u", name, c->n);
	if (c->overdue)
		g_string_append_printf(s, ru(lang) ? " (просрочено: %u)" :
		    " (%u overdue)", c->overdue);
	g_string_append_c(s, '\n');
}

/* The lead digest to lead l: counts per agent (assignee; the unassigned
 * apart) and per queue, in the config's order.  0 or -1. */
static int
lead_digest(struct tx *tx, const struct pd_agent *l, GPtrArray *waiting,
    int64_t now, const char *when)
{
	GHashTable *per_agent = g_hash_table_new_full(g_str_hash, g_str_equal,
	    g_free, g_free);
	GHashTable *per_queue = g_hash_table_new_full(g_str_hash, g_str_equal,
	    g_free, g_free);
	GString *agents = g_string_new(NULL), *queues = g_string_new(NULL);
	GHashTable *vars;
	GList *keys;
	unsigned overdue = 0;
	int r;

	if (waiting->len == 0) {
		r = 0;
		goto out;
	}
	for (guint i = 0; i < waiting->len; i++) {
		const struct store_waiting *w = waiting->pdata[i];
		const struct pd_agent *a = *w->assignee ?
		    config_agent_by_name(tx->cfg, w->assignee) : NULL;
		int64_t due = sla_due(tx->cfg, w);
		bool late = due && now > due;

		overdue += late;
		count_add(per_agent, a ? a->name : *w->assignee ? w->assignee :
		    "", late);
		count_add(per_queue, w->queue, late);
	}
	for (guint i = 0; i < tx->cfg->agents->len; i++) {
		const struct pd_agent *a = tx->cfg->agents->pdata[i];
		struct count *c = g_hash_table_lookup(per_agent, a->name);

		if (c)
			count_line(agents, a->name, c, l->language);
		g_hash_table_remove(per_agent, a->name);
	}
	/* Assignees the config no longer has, then the unassigned. */
	keys = g_list_sort(g_hash_table_get_keys(per_agent),
	    (GCompareFunc)strcmp);
	for (GList *k = keys; k; k = k->next)
		if (*(char *)k->data)
			count_line(agents, k->data, g_hash_table_lookup(
			    per_agent, k->data), l->language);
	g_list_free(keys);
	if (g_hash_table_lookup(per_agent, ""))
		count_line(agents, ru(l->language) ? "без исполнителя" :
		    "unassigned", g_hash_table_lookup(per_agent, ""),
		    l->language);
	keys = g_list_sort(g_hash_table_get_keys(per_queue),
	    (GCompareFunc)strcmp);
	for (GList *k = keys; k; k = k->next)
		count_line(queues, k->data, g_hash_table_lookup(per_queue,
		    k->data), l->language);
	g_list_free(keys);
	vars = notify_vars_new();
	g_hash_table_insert(vars, "agent.name", g_strdup(l->name));
	g_hash_table_insert(vars, "digest.time", g_strdup(when));
	g_hash_table_insert(vars, "digest.count", g_strdup_printf("%u",
	    waiting->len));
	g_hash_table_insert(vars, "digest.overdue", g_strdup_printf("%u",
	    overdue));
	g_hash_table_insert(vars, "digest.agents", g_strdup(g_strchomp(
	    agents->str)));
	g_hash_table_insert(vars, "digest.queues", g_strdup(g_strchomp(
	    queues->str)));
	r = send_digest(tx, l, "digest_lead", vars);
	g_hash_table_unref(vars);
	if (r == 0)
		log_info("stage=timer event=digest lead=\"%s\" tickets=%u",
		    l->name, waiting->len);
out:
	g_string_free(agents, TRUE);
	g_string_free(queues, TRUE);
	g_hash_table_unref(per_agent);
	g_hash_table_unref(per_queue);
	return r;
}

int
digest_run(struct tx *tx, int64_t now)
{
	int64_t slot = digest_slot(tx->cfg, now);
	GPtrArray *waiting;
	char *when, *key;
	int r = 0;

	if (slot == 0)
		return 0;
	/* The slot as a whole first: the job runs every minute, and only
	 * its first run in a slot reads the tickets. */
	key = g_strdup_printf("digests %lld", (long long)slot);
	r = store_timer_claim(tx->db, key, now);
	g_free(key);
	if (r != 1)
		return r;
	r = 0;
	waiting = g_ptr_array_new_with_free_func(store_waiting_free);
	if (store_digest_waiting(tx->db, DIGEST_MAX_TICKETS, waiting) != 0) {
		g_ptr_array_unref(waiting);
		return -1;
	}
	when = slot_time(tx->cfg, slot);
	for (guint i = 0; r == 0 && i < tx->cfg->agents->len; i++) {
		const struct pd_agent *a = tx->cfg->agents->pdata[i];

		key = g_strdup_printf("digest %s %lld", a->name,
		    (long long)slot);
		/* Claimed also when empty: a ticket arriving later waits for
		 * the next slot, not a late digest of this one. */
		if ((r = store_timer_claim(tx->db, key, now)) == 1)
			r = agent_digest(tx, a, waiting, now, when);
		g_free(key);
		if (r != 0 || strcmp(a->role, "lead") != 0)
			continue;
		key = g_strdup_printf("digest-lead %s %lld", a->name,
		    (long long)slot);
		if ((r = store_timer_claim(tx->db, key, now)) == 1)
			r = lead_digest(tx, a, waiting, now, when);
		g_free(key);
	}
	g_free(when);
	g_ptr_array_unref(waiting);
	return r < 0 ? -1 : 0;
}
