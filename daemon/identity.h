/* identity.h: is this mail really from the agent it claims? (SPEC §7)
 *
 * A From address is no proof.  Mail from an agent's address counts as the
 * agent's only when it answers a Message-ID we sent to that very agent
 * (the recipient tag inside our signed id must be the agent's), or carries
 * Authentication-Results from a trusted server (gateway.trusted_authserv)
 * with dkim=pass for the agent's domain.  Otherwise the caller holds it
 * and asks the agent to confirm (the confirmation is itself an answer to
 * a signed id, so it proves itself).
 *
 * Authentication-Results are parsed by authres.c and believed only above
 * the first Received header our own servers did not write; a DKIM, SPF or
 * DMARC failure for the agent's domain among them overrides every proof,
 * a reply to our id included.  A DKIM pass proves nothing for a mail
 * with two of a field that may appear once (From, Subject, ...): DKIM
 * covers the last of them, we read the first.  postdesk.conf(5),
 * trusted_authserv and trusted_relays, has the rules and their reasons. */
#ifndef PD_IDENTITY_H
#define PD_IDENTITY_H

#include "config.h"
#include "msg.h"

enum identity {
	IDENT_CLIENT,     /* not from an agent's address */
	IDENT_AGENT,      /* proven */
	IDENT_UNVERIFIED, /* an agent's address, no proof */
};

/* *agent_r: the agent of the From address (also when unverified).
 * *how_r: "reply", "dkim" or "none" (static). */
enum identity identity_check(const struct pd_config *cfg,
    const struct pd_msg *m, const struct pd_agent **agent_r,
    const char **how_r);

/* True when m answers one of our ids of kind ('n', 'c', ...) sent to
 * agent a; *id_r (may be NULL) then points to that id inside m. */
bool identity_answers(const struct pd_msg *m, const struct pd_agent *a,
    char kind, const char **id_r);

#endif
