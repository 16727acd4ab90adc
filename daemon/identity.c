/* identity.c: see identity.h. */
#include <string.h>
#include "db.h"
#include "identity.h"
#include "mac.h"
#include "store.h"

/* Was id sent by us to one of a's addresses, with that kind ('\0': any)? */
static bool
sent_to(const char *id, const struct pd_agent *a, char kind)
{
	char rtag[MAC_RTAG_LEN + 1], want[MAC_RTAG_LEN + 1], k;
	unsigned long t;

	if (!mac_check_kind(id, &t, rtag, &k) || k == 'r' ||
	    (kind && k != kind))
		return false;
	for (guint i = 0; i < a->addresses->len; i++) {
		mac_rcpt_tag(a->addresses->pdata[i], want);
		if (strcmp(rtag, want) == 0)
			return true;
	}
	return false;
}

bool
identity_answers(const struct pd_msg *m, const struct pd_agent *a, char kind,
    const char **id_r)
{
	if (*m->in_reply_to && sent_to(m->in_reply_to, a, kind)) {
		if (id_r)
			*id_r = m->in_reply_to;
		return true;
	}
	for (guint i = 0; i < m->references->len; i++)
		if (sent_to(m->references->pdata[i], a, kind)) {
			if (id_r)
				*id_r = m->references->pdata[i];
			return true;
		}
	return false;
}

/* want appears in s, ending where the value ends: "header.d=example.test"
 * must not match "header.d=example.test.evil". */
static bool
has_value(const char *s, const char *want)
{
	size_t n = strlen(want);

	for (const char *p = strstr(s, want); p; p = strstr(p + 1, want))
		if (!g_ascii_isalnum(p[n]) && p[n] != '.' && p[n] != '-')
			return true;
	return false;
}

/* "mx.example.test; dkim=pass header.d=example.test ..." from a trusted
 * authserv-id, passing DKIM for the agent's domain. */
static bool
dkim_pass(const struct pd_config *cfg, const char *ar, const char *domain)
{
	char *low, *id, *semi, *want_d, *want_i;
	bool trusted = false, ok;

	if (!ar || !(semi = strchr(ar, ';')))
		return false;
	id = g_strstrip(g_ascii_strdown(ar, semi - ar));
	for (guint i = 0; i < cfg->trusted_authserv->len && !trusted; i++)
		trusted = strcmp(id, cfg->trusted_authserv->pdata[i]) == 0;
	g_free(id);
	if (!trusted)
		return false;
	low = g_ascii_strdown(semi + 1, -1);
	want_d = g_strdup_printf("header.d=%s", domain);
	want_i = g_strdup_printf("header.i=@%s", domain);
	/* One result per ';': the pass and the domain must be the same
	 * result's, not "dkim=pass header.d=other; dkim=fail header.d=ours". */
	char **results = g_strsplit(low, ";", 64);
	ok = false;
	for (char **r = results; *r && !ok; r++)
		ok = has_value(*r, "dkim=pass") && (has_value(*r, want_d) ||
		    has_value(*r, want_i));
	g_strfreev(results);
	g_free(want_d);
	g_free(want_i);
	g_free(low);
	return ok;
}

enum identity
identity_check(const struct pd_config *cfg, const struct pd_msg *m,
    const struct pd_agent **agent_r, const char **how_r)
{
	const char *at = strrchr(m->from.address, '@');
	unsigned n = msg_header_count(m, "Authentication-Results");

	*how_r = "none";
	if (!(*agent_r = config_agent_by_address(cfg, m->from.address)))
		return IDENT_CLIENT;
	for (unsigned i = 0; at && i < n; i++)
		if (dkim_pass(cfg, msg_header_nth(m, "Authentication-Results",
		    i), at + 1)) {
			*how_r = "dkim";
			return IDENT_AGENT;
		}
	/* After DKIM: a reply is only a candidate (identity_verify). */
	if (identity_answers(m, *agent_r, 0, NULL)) {
		*how_r = "reply";
		return IDENT_AGENT;
	}
	return IDENT_UNVERIFIED;
}

void
identity_weigh(const struct pd_config *cfg,
    const struct identity_cand *cands, unsigned n, unsigned long ticket,
    int64_t now, struct identity_proof *p)
{
	int64_t max_age = (int64_t)cfg->id_max_age_days * 86400;
	int64_t fresh = (int64_t)cfg->id_fresh_hours * 3600;
	int64_t csent = 0;

	memset(p, 0, sizeof *p);
	p->how = "none";
	for (unsigned i = 0; i < n; i++) {
		const struct identity_cand *c = &cands[i];
		/* A row from the future (clock set back) counts as new. */
		int64_t age = now > c->sent ? now - c->sent : 0;

		if (c->sent <= 0) {
			p->why = "it answers a mail the desk never sent";
			continue;
		}
		if (age > max_age) {
			p->why = "it answers a mail the desk sent "
			    "longer ago than id_max_age_days";
			continue;
		}
		if (c->kind == 'c') {
			if (!p->challenge || c->sent > csent) {
				p->challenge = c->id;
				csent = c->sent;
			}
			continue;
		}
		if (c->ticket == 0) {
			p->why = "it answers a mail about no ticket";
			continue;
		}
		if (ticket == 0 || c->survivor != ticket) {
			p->why = "it answers a mail about another "
			    "ticket";
			continue;
		}
		if (!p->id || c->sent > p->sent) {
			p->id = c->id;
			p->ticket = c->ticket;
			p->sent = c->sent;
		}
	}
	if (p->id) {
		p->how = "reply";
		p->why = NULL;
		p->fresh = fresh > 0 && now - p->sent <= fresh;
	}
}

/* A signed id of m (In-Reply-To, then References) sent to a, with its
 * outbox time and its ticket's survivor, into cands.  0 or -1. */
static int
add_cand(sqlite3 *db, const char *id, const struct pd_agent *a,
    GArray *cands)
{
	struct identity_cand c = { .id = id };
	char rtag[MAC_RTAG_LEN + 1];
	struct pd_ticket t;
	int r;

	if (!sent_to(id, a, 0) || !mac_check_kind(id, &c.ticket, rtag,
	    &c.kind))
		return 0;
	/* Our ids are stored without <>, as the parser gives them. */
	if (db_int(db, &c.sent, "SELECT COALESCE(sent_at, created) FROM "
	    "outbox WHERE message_id = ? ORDER BY id LIMIT 1", "t", id) < 0)
		return -1;
	if (c.ticket && (r = store_ticket_get(db, c.ticket, &t)) != 0) {
		if (r < 0)
			return -1;
		c.survivor = t.number;
		store_ticket_clear(&t);
	}
	g_array_append_val(cands, c);
	return 0;
}

int
identity_verify(sqlite3 *db, const struct pd_config *cfg,
    const struct pd_msg *m, unsigned long ticket, int64_t now,
    enum identity *who_r, const struct pd_agent **agent_r,
    struct identity_proof *p)
{
	GArray *cands;
	struct identity_proof rp;
	const char *how;
	int r = 0;

	memset(p, 0, sizeof *p);
	*who_r = identity_check(cfg, m, agent_r, &how);
	p->how = how;
	if (*who_r == IDENT_CLIENT)
		return 0;
	cands = g_array_new(FALSE, TRUE, sizeof(struct identity_cand));
	if (*m->in_reply_to)
		r = add_cand(db, m->in_reply_to, *agent_r, cands);
	for (guint i = 0; r == 0 && i < m->references->len; i++)
		r = add_cand(db, m->references->pdata[i], *agent_r, cands);
	if (r == 0) {
		identity_weigh(cfg, (const struct identity_cand *)cands->data,
		    cands->len, ticket, now, &rp);
		if (strcmp(how, "fail") == 0) {
			/* A trusted failure for the agent's domain overrides
			 * every id (postdesk.conf(5), THREAT MODEL). */
			*who_r = IDENT_UNVERIFIED;
			p->why = "a trusted server reports a failure for "
			    "your domain";
		} else if (*who_r == IDENT_AGENT && strcmp(how, "reply") != 0) {
			p->fresh = true;
			p->challenge = rp.challenge;
		} else if (rp.id) {
			*p = rp;
			*who_r = IDENT_AGENT;
		} else if (rp.challenge) {
			*p = rp;
			p->how = "challenge";
			*who_r = IDENT_AGENT;
		} else {
			*p = rp;
			*who_r = IDENT_UNVERIFIED;
		}
	}
	g_array_unref(cands);
	return r;
}
