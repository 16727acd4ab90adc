/* identity.h: is this mail really from the agent it claims? (postdesk.conf(5) THREAT MODEL)
 *
 * A From address is no proof.  Mail from an agent's address counts as the
 * agent's only when it carries Authentication-Results from a trusted
 * server (gateway.trusted_authserv) with dkim=pass for the agent's domain,
 * or answers a Message-ID we sent to that very agent (the recipient tag
 * inside our signed id must be the agent's) about the very ticket the
 * mail acts on, no older than gateway.id_max_age_days.  Otherwise the
 * caller holds it and asks the agent to confirm (the confirmation answers
 * a challenge id, so it proves itself).
 *
 * A signed id is a bearer token: whoever holds the mail holds it.  So it
 * is bound to its ticket (ids of no ticket, as transcripts, challenges and
 * notices carry, prove nothing about any ticket), and it expires.  Our ids
 * hold no time (mac.h): its age is the time the outbox row with that
 * Message-ID was sent (or queued), so an id we never queued proves
 * nothing, and ids made before this rule work unchanged.  What lets
 * another address see a ticket (#cc, #client, #merge) needs a fresh proof
 * besides: DKIM, a confirmed challenge, or a reply to an id of that very
 * ticket sent within gateway.id_fresh_hours.  The whole threat model is in
 * postdesk.conf(5), THREAT MODEL.
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

#include <stdint.h>
#include <sqlite3.h>
#include "config.h"
#include "msg.h"

enum identity {
	IDENT_CLIENT,     /* not from an agent's address */
	IDENT_AGENT,      /* proven */
	IDENT_UNVERIFIED, /* an agent's address, no proof */
};

/* *agent_r: the agent of the From address (also when unverified).
 * *how_r: "reply", "dkim" or "none" (static).  "reply" only says that m
 * answers some id we sent to the agent, of any ticket and any age:
 * identity_verify decides whether it proves anything. */
enum identity identity_check(const struct pd_config *cfg,
    const struct pd_msg *m, const struct pd_agent **agent_r,
    const char **how_r);

/* True when m answers one of our ids of kind ('n', 'c', ...) sent to
 * agent a; *id_r (may be NULL) then points to that id inside m. */
bool identity_answers(const struct pd_msg *m, const struct pd_agent *a,
    char kind, const char **id_r);

/* What proved the agent (identity_verify).  Pointers are static or point
 * into the mail: valid while it lives. */
struct identity_proof {
	const char *how;        /* "dkim", "reply", "challenge" or "none" */
	bool fresh;             /* a fresh, strong proof: "dkim", or "reply"
	                         * to an id that left within id_fresh_hours */
	const char *id;         /* "reply": the id of ours answered */
	unsigned long ticket;   /* "reply": that id's ticket, as signed */
	int64_t sent;           /* "reply": when that id left (unix time) */
	const char *challenge;  /* a challenge id ('c') to this agent that m
	                         * answers, younger than id_max_age_days, or
	                         * NULL (any how) */
	const char *why;        /* "none": why the ids m answers prove
	                         * nothing, for logs and the held reason, or
	                         * NULL when it answers none */
};

/* One id of ours sent to the agent that a mail answers, as the database
 * knows it. */
struct identity_cand {
	const char *id;
	char kind;              /* 'm', 'n', 'c' (mac.h) */
	unsigned long ticket;   /* as signed; 0: about no ticket */
	unsigned long survivor; /* that ticket after merges; 0 when unknown */
	int64_t sent;           /* when its outbox row was sent (else
	                         * queued); 0 when no row has it */
};

/* The reply proof the candidates give for a mail acting on ticket (after
 * threading and merges; 0 when it acts on none) at time now, with the
 * limits of cfg: the youngest id of that ticket within id_max_age_days.
 * Fills p (how "reply" or "none", challenge, why).  Pure. */
void identity_weigh(const struct pd_config *cfg,
    const struct identity_cand *cands, unsigned n, unsigned long ticket,
    int64_t now, struct identity_proof *p);

/* identity_check, with a reply proof bound to ticket (see identity_weigh;
 * the ids are looked up in the outbox, their tickets' merges followed).
 * When identity_check reports how "fail" (a trusted server's failure for
 * the agent's domain), no id helps.
 * Returns 0 with *who_r, *agent_r (as identity_check) and *p, or -1 on a
 * database error. */
int identity_verify(sqlite3 *db, const struct pd_config *cfg,
    const struct pd_msg *m, unsigned long ticket, int64_t now,
    enum identity *who_r, const struct pd_agent **agent_r,
    struct identity_proof *p);

#endif
