/* identity.c: see identity.h. */
#include <string.h>
#include "identity.h"
#include "mac.h"

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
	if (identity_answers(m, *agent_r, 0, NULL)) {
		*how_r = "reply";
		return IDENT_AGENT;
	}
	for (unsigned i = 0; at && i < n; i++)
		if (dkim_pass(cfg, msg_header_nth(m, "Authentication-Results",
		    i), at + 1)) {
			*how_r = "dkim";
			return IDENT_AGENT;
		}
	return IDENT_UNVERIFIED;
}
