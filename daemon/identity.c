/* identity.c: see identity.h. */
#include <string.h>
#include "authres.h"
#include "identity.h"
#include "log.h"
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

/* What the trusted Authentication-Results say of the agent's domain. */
enum ar_verdict {
	AR_NONE, /* no trusted verdict either way */
	AR_PASS, /* a trusted dkim=pass for the domain, no trusted failure */
	AR_FAIL, /* a trusted failure for the domain: nothing proves it */
};

/* Trusted Authentication-Results headers looked at, at most: a genuine
 * receiving server writes a handful. */
#define AR_MAX_TRUSTED 64

static bool
in_list(const GPtrArray *v, const char *s)
{
	for (guint i = 0; v && i < v->len; i++)
		if (g_ascii_strcasecmp(s, v->pdata[i]) == 0)
			return true;
	return false;
}

/* The next word of a Received value (RFC 5321 Stamp): white space and
 * comments skipped; "<...>", "[...]" and quoted strings as one word; NULL
 * at ';' (the date follows) or the end.  g_malloc'd. */
static char *
received_word(const char **pp)
{
	const char *p = *pp, *s;
	int depth = 0;

	for (; *p; p++) {
		if (*p == '(')
			depth++;
		else if (*p == ')' && depth > 0)
			depth--;
		else if (*p == '\\' && depth > 0 && p[1])
			p++;
		else if (depth == 0 && !g_ascii_isspace(*p))
			break;
	}
	s = p;
	if (*p == ';' || !*p || depth > 0) {
		*pp = p;
		return NULL;
	}
	if (*p == '<' || *p == '[' || *p == '"') {
		char close = *p == '<' ? '>' : *p == '[' ? ']' : '"';

		for (p++; *p && *p != close; p++)
			if (*p == '\\' && p[1])
				p++;
		if (*p)
			p++;
	} else {
		while (*p && !g_ascii_isspace(*p) && *p != '(' && *p != ';')
			p++;
	}
	*pp = p;
	return g_strndup(s, p - s);
}

/* The "by" host and "with" protocol of a Received value (either NULL when
 * missing; g_free both).  Clauses are read in turn, each keyword taking
 * the word after it, so a HELO name "by" is no by clause. */
static void
received_parse(const char *v, char **by_r, char **with_r)
{
	char *w;
	unsigned words = 0;

	*by_r = *with_r = NULL;
	while (words++ < 64 && (w = received_word(&v)) != NULL) {
		char **slot = NULL, *arg;

		if (g_ascii_strcasecmp(w, "by") == 0)
			slot = by_r;
		else if (g_ascii_strcasecmp(w, "with") == 0)
			slot = with_r;
		else if (g_ascii_strcasecmp(w, "from") != 0 &&
		    g_ascii_strcasecmp(w, "via") != 0 &&
		    g_ascii_strcasecmp(w, "id") != 0 &&
		    g_ascii_strcasecmp(w, "for") != 0) {
			g_free(w);
			continue;
		}
		g_free(w);
		if ((arg = received_word(&v)) == NULL)
			break;
		if (slot && *slot == NULL)
			*slot = arg;
		else
			g_free(arg);
	}
}

/* Does this Received header end the part of the header that our own
 * servers wrote (postdesk.conf(5), trusted_authserv)?  Not when its "by"
 * host is a trusted authserv-id or trusted relay, nor when it is the
 * first Received header and says "with LMTP" (the mailbox's own delivery,
 * such as Dovecot's, which only our servers can reach). */
static bool
ends_trusted_zone(const struct pd_config *cfg, const char *raw, bool first)
{
	char *by, *with;
	bool ours;

	received_parse(raw, &by, &with);
	ours = (by && (in_list(cfg->trusted_authserv, by) ||
	    in_list(cfg->trusted_relays, by))) ||
	    (first && with && g_ascii_strncasecmp(with, "lmtp", 4) == 0);
	g_free(by);
	g_free(with);
	return !ours;
}

/* A property naming the domain whose authenticity the result judges. */
static bool
judges(const struct authres_prop *p, const char *domain)
{
	static const char *const names[][2] = {
		{ "header", "d" }, { "header", "i" }, { "header", "from" },
		{ "smtp", "mailfrom" },
	};

	for (unsigned i = 0; i < G_N_ELEMENTS(names); i++)
		if (strcmp(p->ptype, names[i][0]) == 0 &&
		    strcmp(p->property, names[i][1]) == 0)
			return g_ascii_strcasecmp(authres_value_domain(p->value),
			    domain) == 0;
	return false;
}

/* A failure of DKIM, SPF or DMARC for domain.  SPF softfail counts (the
 * domain says the sender is probably not allowed); permerror, temperror,
 * neutral and policy do not (they say nothing about this mail). */
static bool
fails_for(const struct authres_result *r, const char *domain)
{
	bool fail = (strcmp(r->method, "dkim") == 0 &&
	    strcmp(r->result, "fail") == 0) ||
	    (strcmp(r->method, "spf") == 0 && (strcmp(r->result, "fail") == 0 ||
	    strcmp(r->result, "softfail") == 0)) ||
	    (strcmp(r->method, "dmarc") == 0 && strcmp(r->result, "fail") == 0);

	for (unsigned i = 0; fail && i < r->n_props; i++)
		if (judges(&r->props[i], domain))
			return true;
	return false;
}

/* dkim=pass for domain: the signing domain header.d is the domain (every
 * header.d of the result, when several), or, without header.d, every
 * header.i is "[local-part]@domain". */
static bool
passes_for(const struct authres_result *r, const char *domain)
{
	unsigned d = 0, i = 0, good_d = 0, good_i = 0;

	if (strcmp(r->method, "dkim") != 0 || strcmp(r->result, "pass") != 0)
		return false;
	for (unsigned k = 0; k < r->n_props; k++) {
		const struct authres_prop *p = &r->props[k];

		if (strcmp(p->ptype, "header") != 0)
			continue;
		if (strcmp(p->property, "d") == 0) {
			d++;
			good_d += g_ascii_strcasecmp(p->value, domain) == 0;
		} else if (strcmp(p->property, "i") == 0) {
			i++;
			good_i += strchr(p->value, '@') != NULL &&
			    g_ascii_strcasecmp(authres_value_domain(p->value),
			    domain) == 0;
		}
	}
	return d ? good_d == d : i > 0 && good_i == i;
}

/* One pass over the headers, top down: the Authentication-Results of a
 * trusted authserv-id above the first Received header that is not ours
 * (ends_trusted_zone) are believed, all others ignored.  Within them any
 * failure for domain wins over every pass; a trusted header that does not
 * parse, or too many of them, count as a failure (they might hide one). */
static enum ar_verdict
ar_verdict(const struct pd_config *cfg, const struct pd_msg *m,
    const char *domain)
{
	const char *name, *raw;
	bool first_received = true, pass = false;
	unsigned trusted = 0;

	for (unsigned i = 0; msg_header_raw_at(m, i, &name, &raw); i++) {
		struct authres *ar;
		char *err = NULL, *id;

		if (g_ascii_strcasecmp(name, "Received") == 0) {
			if (ends_trusted_zone(cfg, raw, first_received))
				break;
			first_received = false;
			continue;
		}
		if (g_ascii_strcasecmp(name, "Authentication-Results") != 0)
			continue;
		if (authres_parse(raw, &ar, &err) != 0) {
			id = authres_authserv_id(raw);
			bool ours = id && in_list(cfg->trusted_authserv, id);

			if (ours)
				log_info("identity: trusted %s", err);
			g_free(id);
			g_free(err);
			if (ours)
				return AR_FAIL;
			continue;
		}
		if (!in_list(cfg->trusted_authserv, ar->authserv_id)) {
			authres_free(ar);
			continue;
		}
		if (++trusted > AR_MAX_TRUSTED) {
			authres_free(ar);
			return AR_FAIL;
		}
		for (unsigned k = 0; k < ar->n_results; k++) {
			if (fails_for(&ar->results[k], domain)) {
				log_info("identity: %s says %s=%s for %s",
				    ar->authserv_id, ar->results[k].method,
				    ar->results[k].result, domain);
				authres_free(ar);
				return AR_FAIL;
			}
			pass = pass || passes_for(&ar->results[k], domain);
		}
		authres_free(ar);
	}
	return pass ? AR_PASS : AR_NONE;
}

/* A DKIM pass covers the last instance of each signed field (RFC 6376
 * §5.4.2) while the gateway reads the first: with two of a field that may
 * appear only once (RFC 5322 §3.6), a stranger may have put his own above
 * those of a replayed mail signed by the agent's domain, so such a pass
 * proves nothing (postdesk.conf(5), trusted_authserv). */
static bool
fields_once(const struct pd_msg *m)
{
	static const char *const once[] = { "From", "Sender", "Reply-To",
		"To", "Cc", "Subject", "Message-ID", "In-Reply-To",
		"References" };

	for (unsigned i = 0; i < G_N_ELEMENTS(once); i++)
		if (msg_header_count(m, once[i]) > 1) {
			log_info("identity: %u %s fields: a DKIM pass "
			    "proves nothing", msg_header_count(m, once[i]),
			    once[i]);
			return false;
		}
	return true;
}

enum identity
identity_check(const struct pd_config *cfg, const struct pd_msg *m,
    const struct pd_agent **agent_r, const char **how_r)
{
	const char *at = strrchr(m->from.address, '@');
	enum ar_verdict ar;

	*how_r = "none";
	if (!(*agent_r = config_agent_by_address(cfg, m->from.address)))
		return IDENT_CLIENT;
	/* A trusted failure for the agent's domain overrides every proof,
	 * a reply to our signed id included (postdesk.conf(5)). */
	ar = at ? ar_verdict(cfg, m, at + 1) : AR_NONE;
	if (ar == AR_FAIL) {
		*how_r = "fail";
		return IDENT_UNVERIFIED;
	}
	if (ar == AR_PASS && fields_once(m)) {
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
	if (store_outbox_sent_at(db, id, &c.sent) < 0)
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
