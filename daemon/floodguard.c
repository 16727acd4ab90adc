/* floodguard.c: see floodguard.h. */
#include <string.h>
#include <time.h>
#include "agentmail.h"
#include "db.h"
#include "flood.h"
#include "floodguard.h"
#include "log.h"
#include "sink.h"
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
count(struct notify *n, bool domain, bool challenge, const char *value,
    int64_t since, int64_t *out)
{
	int r = domain ? db_int(n->db, out, "SELECT COUNT(*) FROM auto_mail "
	    "WHERE domain = ? AND at > ? AND capped = 0", "ti", value, since) :
	    db_int(n->db, out, "SELECT COUNT(*) FROM auto_mail WHERE rcpt = ? "
	    "AND at > ? AND capped = 0 AND (kind = 'challenge') = ?", "tii",
	    value, since, (int64_t)challenge);

	return r < 0 ? -1 : 0;
}

/* Which window of limit l is full for rcpt or its domain: FLOOD_OK, or
 * FLOOD_HOUR/FLOOD_DAY, or -1 on error. */
static int
full(struct notify *n, const struct flood_limit *l, bool domain,
    bool challenge, const char *value, int64_t now)
{
	int64_t hour = 0, day = 0;

	if (!l->per_hour && !l->per_day)
		return FLOOD_OK;
	if (count(n, domain, challenge, value, now - 3600, &hour) != 0 ||
	    count(n, domain, challenge, value, now - DAY, &day) != 0)
		return -1;
	return flood_cap(l, (unsigned)hour, (unsigned)day);
}

/* domain: "" for agents and team_copy, whose mail counts for no domain. */
static int
record(struct notify *n, const char *rcpt, const char *domain,
    const char *kind, unsigned long ticket, bool capped, int64_t now)
{
	/* Older rows count for no window: forget them as we go. */
	if (db_exec(n->db, "DELETE FROM auto_mail WHERE at < ?", "i",
	    now - 2 * DAY) != 0)
		return -1;
	return db_exec(n->db, "INSERT INTO auto_mail (rcpt, domain, kind, "
	    "ticket, capped, at) VALUES (?, ?, ?, NULLIF(?, 0), ?, ?)",
	    "tttuii", rcpt, domain, kind, ticket, (int64_t)capped,
	    now);
}

/* Templates that tell the team about a ticket (agent_*, lead_*,
 * guard_*). */
static bool
team_kind(const char *kind)
{
	return g_str_has_prefix(kind, "agent_") ||
	    g_str_has_prefix(kind, "lead_") || g_str_has_prefix(kind, "guard_");
}

int
floodguard_admit(struct notify *n, unsigned long ticket, const char *kind,
    const char *rcpt)
{
	const struct pd_config *cfg = n->cfg;
	bool challenge = strcmp(kind, "challenge") == 0;
	bool internal;
	int64_t now = time(NULL);
	const char *scope = "address", *domain;
	char *detail, *key, *box;
	int w;

	/* outbox_add refuses (and logs) an invalid address: nobody to
	 * count, and nothing unchecked reaches our log lines. */
	if (!addr_is_valid(rcpt))
		return 1;
	internal = agentmail_internal_rcpt(cfg, rcpt);
	/* Agents and team_copy get what the team needs to see; only the
	 * mail a stranger can trigger at will is capped for them: challenges,
	 * transcripts, and what a client gets (acknowledgements, notices),
	 * for anyone can write with team_copy's address as the client's. */
	if (internal && team_kind(kind))
		return 1;
	/* One mailbox, however it is spelt (flood.h). */
	box = flood_canonical(rcpt);
	domain = flood_org_domain(flood_domain(box));
	w = full(n, challenge ? &cfg->cap_challenge : &cfg->cap_address,
	    false, challenge, box, now);
	if (w == FLOOD_OK && !internal && *domain) {
		scope = "domain";
		w = full(n, &cfg->cap_domain, true, false, domain, now);
	}
	if (w < 0 || w == FLOOD_OK) {
		w = w < 0 ? -1 : record(n, box, internal ? "" : domain, kind,
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
	w = record(n, box, internal ? "" : domain, kind, ticket, true,
	    now) != 0 ||
	    floodguard_hit(n, ticket, key, "cap", detail) != 0 ? -1 : 0;
	g_free(key);
	g_free(detail);
	g_free(box);
	return w;
}

/* The admin hears of a key at most once a day: 1 when this hit is the
 * first since then (and is now recorded as told), 0 when not, -1. */
static int
first_hit(struct notify *n, const char *key, int64_t now)
{
	int64_t told = 0;
	int r = db_int(n->db, &told, "SELECT told_at FROM guard_notices "
	    "WHERE key = ?", "t", key);

	if (r < 0)
		return -1;
	if (r == 1 && told > now - DAY)
		return db_exec(n->db, "UPDATE guard_notices SET hits = hits + "
		    "1, last_at = ? WHERE key = ?", "it", now, key) == 0 ? 0 :
		    -1;
	return db_exec(n->db, "INSERT INTO guard_notices (key, told_at, hits, "
	    "last_at) VALUES (?, ?, 1, ?) ON CONFLICT (key) DO UPDATE SET "
	    "told_at = excluded.told_at, hits = 1, last_at = excluded.last_at",
	    "tii", key, now, now) == 0 ? 1 : -1;
}

int
floodguard_hit(struct notify *n, unsigned long ticket, const char *key,
    const char *what, const char *detail)
{
	GHashTable *vars;
	char *adm;
	int r;

	log_warnx("ticket=%lu stage=flood event=%s key=\"%s\" detail=\"%s\"",
	    ticket, what, key, detail);
	if (store_event_add(n->db, ticket, "postdesk", what[0] == 'c' ?
	    "flood-cap" : "flood-repeat", detail) != 0)
		return -1;
	if ((r = first_hit(n, key, time(NULL))) <= 0)
		return r;
	/* Never about the admin's own address: its notice would be capped
	 * in turn, and told about again. */
	if (!n->cfg->admin)
		return 0;
	adm = flood_canonical(n->cfg->admin);
	r = g_ascii_strcasecmp(key, n->cfg->admin) == 0 ||
	    strcmp(key, adm) == 0;
	g_free(adm);
	if (r)
		return 0;
	vars = notify_vars_new();
	g_hash_table_insert(vars, "guard.kind", g_strdup(what));
	g_hash_table_insert(vars, "guard.key", g_strdup(key));
	g_hash_table_insert(vars, "guard.detail", g_strdup(detail));
	g_hash_table_insert(vars, "guard.ticket", g_strdup_printf("%lu",
	    ticket));
	r = notify_admin(n, "flood_guard", vars);
	g_hash_table_unref(vars);
	if (r == 0)
		log_info("ticket=%lu stage=flood event=admin-told key=\"%s\"",
		    ticket, key);
	return r;
}

int
floodguard_repeat_find(struct notify *n, const char *sender,
    const char *norm, unsigned long *ticket_r, char **first_r)
{
	const struct pd_config *cfg = n->cfg;
	int64_t since = (int64_t)time(NULL) - cfg->repeat_window;
	bool long_enough = flood_words(norm) >= REPEAT_DOMAIN_WORDS;
	sqlite3_stmt *st;
	int r = 0, step;
	/* One mailbox, however it is spelt (flood.h). */
	char *box = flood_canonical(sender);

	*ticket_r = 0;
	*first_r = NULL;
	if (!cfg->repeat_window || !*flood_domain(box)) {
		g_free(box);
		return 0;
	}
	st = db_prep(n->db, "SELECT sender, ticket, text FROM recent_requests "
	    "WHERE domain = ? AND at > ? ORDER BY id DESC LIMIT ?", "tii",
	    flood_org_domain(flood_domain(box)), since,
	    (int64_t)REPEAT_ROWS);
	if (!st) {
		g_free(box);
		return -1;
	}
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *who = (const char *)sqlite3_column_text(st, 0);
		const char *text = (const char *)sqlite3_column_text(st, 2);
		bool same = who && g_ascii_strcasecmp(who, box) == 0;

		if (!same && !long_enough)
			continue;
		if (flood_similarity(norm, text ? text : "") >=
		    cfg->repeat_similarity) {
			*ticket_r = sqlite3_column_int64(st, 1);
			*first_r = g_strdup(who ? who : "");
			r = 1;
			break;
		}
	}
	if (r == 0 && step != SQLITE_DONE) {
		log_warnx("stage=db event=error error=\"%s\"",
		    sqlite3_errmsg(n->db));
		r = -1;
	}
	sqlite3_finalize(st);
	g_free(box);
	return r;
}

int
floodguard_repeat_note(struct notify *n, const char *sender,
    unsigned long ticket, const char *norm)
{
	int64_t now = time(NULL);
	char *box = flood_canonical(sender);
	int r;

	if (!n->cfg->repeat_window || !*flood_domain(box) || !ticket)
		r = 0;
	else if (db_exec(n->db, "DELETE FROM recent_requests WHERE at <= ?",
	    "i", now - n->cfg->repeat_window) != 0)
		r = -1;
	else
		r = db_exec(n->db, "INSERT INTO recent_requests (sender, "
		    "domain, ticket, text, at) VALUES (?, ?, ?, ?, ?)", "ttuti",
		    box, flood_org_domain(flood_domain(box)), ticket, norm,
		    now);
	g_free(box);
	return r;
}
