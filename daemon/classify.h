/* classify.h: what a message is, decided before anything is written
 * (docs/architecture.md; postdeskd(8) Threading; postdeskd(8) Tickets; postdesk.conf(5) THREAT MODEL; postdesk.conf(5) floods).
 *
 * classify() reads the parsed message, where it came from, the
 * configuration and (read-only) the database: hygiene (automated mail),
 * threading (thread.h), the sender's identity (identity.h), commands that
 * need a fresher or stronger proof (agentcmd.h), near-identical repeats
 * (floodguard.h), also for a follow-up that may open a new ticket.  It writes nothing; the stage table (stage.c) then
 * applies the verdict in the message's transaction.  To add a rule that
 * routes mail somewhere new: a verdict kind here, the decision in
 * classify.c, and a row in stage.c's table. */
#ifndef PD_CLASSIFY_H
#define PD_CLASSIFY_H

#include <stdbool.h>
#include <sqlite3.h>
#include "config.h"
#include "identity.h"
#include "msg.h"
#include "pipeline.h"
#include "rules.h"
#include "thread.h"

enum verdict_kind {
	VERDICT_NEW,        /* opens a ticket (stage_new.c) */
	VERDICT_FOLLOWUP,   /* joins ticket (stage_join.c) */
	VERDICT_MULTI,      /* names several tickets: files in none
	                     * (stage_multi.c) */
	VERDICT_REPEAT,     /* near-identical to a recent request from the
	                     * sender or its domain: filed in ticket without
	                     * an acknowledgement (stage_flood.c) */
	VERDICT_UNFILED,    /* automated mail that answers no ticket, or an
	                     * agent address's automated mail without proof:
	                     * kept outside any ticket, never acted on */
	VERDICT_AGENT,      /* a proven agent's mail: commands, note or
	                     * answer (stage_agent.c) */
	VERDICT_CONFIRM,    /* a proven agent confirms held mail: the held
	                     * mail then runs this same path as the agent's */
	VERDICT_HELD,       /* from an agent's address without the proof it
	                     * needs: held, the agent asked to confirm */
	VERDICT_QUARANTINE, /* not a message (set by the pipeline from the
	                     * parser's error; classify never returns it) */
	VERDICT_BOUNCE,     /* a delivery report (dsn.h) on a mail we sent,
	                     * named by our signed Message-ID: filed on its
	                     * ticket, never answered, never reopens; a
	                     * permanent failure marks the address failing
	                     * (stage_bounce.c) */
	/* Routing rules (rules.h; stage_rules.c), for a new request or a
	 * follow-up the rules apply to: */
	VERDICT_DROP,       /* a rule drops it: kept raw, logged, no ticket,
	                     * no answer */
	VERDICT_REJECT,     /* a rule rejects it: kept raw, no ticket, the
	                     * sender gets the rule's template (capped; never
	                     * to automated mail) */
	VERDICT_RULE_HOLD,  /* a rule holds it: kept in the quarantine for
	                     * an admin, no ticket */
};

struct verdict {
	enum verdict_kind kind;
	unsigned long ticket;         /* FOLLOWUP, REPEAT: the ticket (after
	                               * merges); else 0 */
	struct thread_result tr;      /* the threading decision */
	const char *queue;            /* of a queue address the mail is
	                               * written to (with a `queues` list),
	                               * else of the origin, else the default
	                               * queue (config_queue_default); never
	                               * NULL */
	const char *automated;        /* hygiene's reason, or NULL (static) */
	char *new_text;               /* the text without quotes and
	                               * signature (owned) */
	/* Identity (identity.h): the proven agent, or NULL; with an agent's
	 * address but no proof, who is IDENT_UNVERIFIED. */
	enum identity who;
	const struct pd_agent *agent;
	struct identity_proof proof;  /* points into the message */
	bool fresh;                   /* a fresh, strong proof (#cc...) */
	bool strong;                  /* fresh by DKIM or a confirmed
	                               * challenge, not by a reply, which
	                               * proves the agent for its own ticket
	                               * only (agentcmd_needs_strong) */
	bool hold_retry;              /* a proven agent's own mail (not
	                               * automated, not itself held: see
	                               * stage_hold): its held mail whose
	                               * challenge the cap refused is
	                               * challenged now (stage_hold_retry) */
	const char *challenge;        /* CONFIRM: the challenge id answered */
	char *hold_reason;            /* HELD: why, for the agent (owned) */
	/* Repeats (floodguard.h): the normalised text of a client's new
	 * request (owned; NULL when not compared), and for REPEAT whose
	 * request it repeats (owned).  A client's FOLLOWUP to a resolved or
	 * closed ticket has norm too, and, when it repeats a recent request,
	 * repeat_first and repeat_ticket: should it open a new ticket (past
	 * the reopen limit, stage_join.c), it is that request's repeat. */
	char *norm;
	char *repeat_first;
	unsigned long repeat_ticket;
	GString *reasons;             /* "thread=join by=token ..." for logs
	                               * and tests */
	/* BOUNCE: the address our mail to failed (lower-cased), only when
	 * the report names it unambiguously and it is the one the returned
	 * mail's signed id was made for (mac.h recipient tag), else NULL;
	 * its status ("5.1.1") and diagnostic (owned, "" when none). */
	char *bounce_rcpt;
	char *bounce_status;
	char *bounce_diag;
	bool bounce_permanent;        /* 5.x.x: the address is failing */
	bool bounce_delivered;        /* a successful delivery report */
	/* The routing rules that fired and their effects (rules.h), for
	 * NEW, REPEAT, UNFILED, FOLLOWUP and the rule kinds; empty (fired
	 * NULL) otherwise.  queue above is already the rules' queue. */
	struct rules_result rules;
};

/* Decides for m from origin o.  confirmed: the agent whose confirmed
 * challenge releases m (held mail): m is then that agent's, with a fresh
 * proof, whatever it carries; NULL otherwise.  Returns 0 with *v filled
 * (verdict_clear it), or -1 on a database error. */
int classify(sqlite3 *db, const struct pd_config *cfg,
    const struct pipe_origin *o, const struct pd_msg *m,
    const struct pd_agent *confirmed, struct verdict *v);

void verdict_clear(struct verdict *v);

/* For classify() only (classify_bounce.c): a delivery report (dsn.h) on a
 * mail we sent, named by our signed id: the returned mail's Message-ID,
 * else the bounce address the report came to (verp.h), else the report's
 * In-Reply-To or References; of a ticket that exists.  Returns 1 with v
 * filled as VERDICT_BOUNCE, 0 when m is no such report (v untouched but
 * its reasons), -1 on a database error. */
int classify_bounce(sqlite3 *db, const struct pd_config *cfg,
    const struct pd_msg *m, struct verdict *v);

/* The name of a kind, for logs and tests: "new", "followup"... */
const char *verdict_name(enum verdict_kind k);

/* The queue a message from origin o files into before any rule moves it
 * (postdesk.conf(5) "QUEUES"): the queue it is addressed To (else Cc),
 * else the source's, else the default queue.  Borrowed from cfg or o.
 * classify() uses it; so does `postdesk rules test`, so that it shows
 * the queue the daemon would pick. */
const char *classify_queue(const struct pd_config *cfg,
    const struct pipe_origin *o, const struct pd_msg *m);

/* The pure part of classify(), worked out ahead: a batch does it while it
 * parses, on the thread that fetches, not on the one that holds the write
 * transaction (pipeline.h, fetch.c).  Reads m only (filters, no database,
 * no configuration). */
struct classify_pre {
	char *new_text;	/* quotes_strip(m->text) */
	char *norm;	/* the request's normalised form (floodguard.h) */
};

void classify_prepare(const struct pd_msg *m, struct classify_pre *p);
void classify_pre_clear(struct classify_pre *p);

/* classify() with p from classify_prepare(m) (or NULL: as classify()):
 * the same verdict, without working its pure part out again; it takes
 * what it uses from p (those fields become NULL). */
int classify_with(sqlite3 *db, const struct pd_config *cfg,
    const struct pipe_origin *o, const struct pd_msg *m,
    const struct pd_agent *confirmed, struct classify_pre *p,
    struct verdict *v);

#endif
