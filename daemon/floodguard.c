/* floodguard.c: see floodguard.h. */
#include <string.h>
#include <time.h>
#include "clock.h"
#include "flood.h"
#include "floodguard.h"
#include "guard.h"
#include "log.h"
#include "addr.h"
#include "store.h"

#define DAY (24 * 3600)
/* Recent requests compared with a new one, newest first: bounds the work a
 * flood can cause per message. */
#define REPEAT_ROWS 50
/* A match with another address of the same domain needs this many words:
 * two people may well both write "Thanks" or "Help". */
#define REPEAT_DOMAIN_WORDS 8

/* Mail in the window ending now for rcpt (domain: for its domain);
 * challenges and other mail are counted apart, each against its own cap. */
static int
count(struct tx *tx, bool domain, bool challenge, const char *value,
    int64_t since, int64_t *out)
{
	return store_flood_count(tx->db, domain, challenge, value, since, out);
}

/* Which window of limit l is full for rcpt or its domain: FLOOD_OK, or
 * FLOOD_HOUR/FLOOD_DAY, or -1 on error. */
static int
full(struct tx *tx, const struct flood_limit *l, bool domain,
    bool challenge, const char *value, int64_t now)
{
	int64_t hour = 0, day = 0;

	if (!l->per_hour && !l->per_day)
		return FLOOD_OK;
	if (count(tx, domain, challenge, value, now - 3600, &hour) != 0 ||
	    count(tx, domain, challenge, value, now - DAY, &day) != 0)
		return -1;
	return flood_cap(l, (unsigned)hour, (unsigned)day);
}

/* domain: "" for agents and team_copy, whose mail counts for no domain. */
static int
record(struct tx *tx, const char *rcpt, const char *domain,
    const char *kind, unsigned long ticket, bool capped, int64_t now)
{
	/* Older rows count for no window: forget them as we go. */
	return store_flood_record(tx->db, rcpt, domain, kind, ticket, capped,
	    now, now - 2 * DAY);
}

/* Templates that tell the team about a ticket (agent_*, lead_*,
 * guard_*), the digests (digest_*: a few a day at configured times,
 * which no stranger can trigger), and the timers' warnings to the team
 * (sla_*, due_warning, due_missed, plan_warning_lead: each claimed once
 * in notices_sent before it is queued, so a capped one would be lost for
 * good, never retried; sla.h, plans.h). */
static bool
team_kind(const char *kind)
{
	return g_str_has_prefix(kind, "agent_") ||
	    g_str_has_prefix(kind, "lead_") || g_str_has_prefix(kind, "guard_") ||
	    g_str_has_prefix(kind, "digest_") || g_str_has_prefix(kind, "sla_") ||
	    strcmp(kind, "due_warning") == 0 || strcmp(kind, "due_missed") == 0 ||
	    strcmp(kind, "plan_warning_lead") == 0;
}

int
floodguard_admit(struct tx *tx, unsigned long ticket, const char *kind,
    const char *rcpt, struct flood_hit *hit_r)
{
	const struct pd_config *cfg = tx->cfg;
	bool challenge = strcmp(kind, "challenge") == 0;
	bool internal;
	int64_t now = pd_now();
	const char *scope = "address", *domain;
	char *detail, *key, *box;
	int w;

	/* outbox_add refuses (and logs) an invalid address: nobody to
	 * count, and nothing unchecked reaches our log lines. */
	if (!addr_is_valid(rcpt))
		return 1;
	internal = guard_internal_rcpt(cfg, rcpt);
	/* Agents and team_copy get what the team needs to see; only the
	 * mail a stranger can trigger at will is capped for them: challenges,
	 * transcripts, and what a client gets (acknowledgements, notices),
	 * for anyone can write with team_copy's address as the client's. */
	if (internal && team_kind(kind))
		return 1;
	/* One mailbox, however it is spelt (flood.h). */
	box = flood_canonical(rcpt);
	domain = flood_org_domain(flood_domain(box));
	w = full(tx, challenge ? &cfg->cap_challenge : &cfg->cap_address,
	    false, challenge, box, now);
	if (w == FLOOD_OK && !internal && *domain) {
		scope = "domain";
		w = full(tx, &cfg->cap_domain, true, false, domain, now);
	}
	if (w < 0 || w == FLOOD_OK) {
		w = w < 0 ? -1 : record(tx, box, internal ? "" : domain, kind,
		    ticket, false, now) == 0 ? 1 : -1;
		g_free(box);
		return w;
	}
	detail = g_strdup_printf("%s to %s not sent: %s cap per %s reached "
	    "(%u an hour, %u a day)", kind, rcpt, scope, flood_window_name(w),
	    strcmp(scope, "domain") == 0 ? cfg->cap_domain.per_hour :
	    challenge ? cfg->cap_challenge.per_hour : cfg->cap_address.per_hour,
	    strcmp(scope, "domain") == 0 ? cfg->cap_domain.per_day :
	    challenge ? cfg->cap_challenge.per_day : cfg->cap_address.per_day);
	key = strcmp(scope, "domain") == 0 ? g_strdup_printf("@%s", domain) :
	    g_strdup(box);
	w = record(tx, box, internal ? "" : domain, kind, ticket, true, now);
	g_free(box);
	if (w != 0) {
		g_free(key);
		g_free(detail);
		return -1;
	}
	hit_r->key = key;
	hit_r->detail = detail;
	return 0;
}

/* The admin hears of a key at most once a day: 1 when this hit is the
 * first since then (and is now recorded as told), 0 when not, -1. */
static int
first_hit(struct tx *tx, const char *key, int64_t now)
{
	return store_flood_notice(tx->db, key, now, now - DAY);
}

int
floodguard_record_hit(struct tx *tx, unsigned long ticket, const char *key,
    const char *what, const char *detail)
{
	char *adm;
	int r;

	log_warnx("ticket=%lu stage=flood event=%s key=\"%s\" detail=\"%s\"",
	    ticket, what, key, detail);
	if (store_event_add(tx->db, ticket, "postdesk", what[0] == 'c' ?
	    "flood-cap" : "flood-repeat", detail) != 0)
		return -1;
	if ((r = first_hit(tx, key, pd_now())) <= 0)
		return r;
	/* Never about the admin's own address: its notice would be capped
	 * in turn, and told about again. */
	if (!tx->cfg->admin)
		return 0;
	adm = flood_canonical(tx->cfg->admin);
	r = g_ascii_strcasecmp(key, tx->cfg->admin) == 0 ||
	    strcmp(key, adm) == 0;
	g_free(adm);
	return r ? 0 : 1;
}

void
floodguard_hit_clear(struct flood_hit *h)
{
	g_free(h->key);
	g_free(h->detail);
	h->key = h->detail = NULL;
}

int
floodguard_repeat_find(struct tx *tx, const char *sender,
    const char *norm, unsigned long *ticket_r, char **first_r)
{
	const struct pd_config *cfg = tx->cfg;
	int64_t since = pd_now() - cfg->repeat_window;
	bool long_enough = flood_words(norm) >= REPEAT_DOMAIN_WORDS;
	GPtrArray *rows;
	int r;
	/* One mailbox, however it is spelt (flood.h). */
	char *box = flood_canonical(sender);

	*ticket_r = 0;
	*first_r = NULL;
	if (!cfg->repeat_window || !*flood_domain(box)) {
		g_free(box);
		return 0;
	}
	rows = g_ptr_array_new_with_free_func(store_recent_free);
	r = store_flood_recent(tx->db, flood_org_domain(flood_domain(box)),
	    since, REPEAT_ROWS, rows);
	for (guint i = 0; r == 0 && i < rows->len; i++) {
		const struct store_recent *x = rows->pdata[i];
		bool same = g_ascii_strcasecmp(x->sender, box) == 0;

		if (!same && !long_enough)
			continue;
		if (flood_similarity(norm, x->text) >= cfg->repeat_similarity) {
			*ticket_r = x->ticket;
			*first_r = g_strdup(x->sender);
			r = 1;
		}
	}
	g_ptr_array_unref(rows);
	g_free(box);
	return r;
}

int
floodguard_repeat_note(struct tx *tx, const char *sender,
    unsigned long ticket, const char *norm)
{
	int64_t now = pd_now();
	char *box = flood_canonical(sender);
	int r = 0;

	if (tx->cfg->repeat_window && *flood_domain(box) && ticket)
		r = store_flood_recent_add(tx->db, box,
		    flood_org_domain(flood_domain(box)), ticket, norm, now,
		    now - tx->cfg->repeat_window);
	g_free(box);
	return r;
}
