/* stage.h: what the stages share (private to pipeline.c, stage.c and the
 * stage_*.c files).
 *
 * pipeline.c parses a message and asks classify() (classify.h) what it
 * is; stage_apply() (stage.c) looks the verdict up in its table of stages
 * and runs that stage, which writes.  The stages' helpers (storing the
 * message, its hash, may we answer) are stage_common.c.  Calls go one way:
 * pipeline -> stage.c -> stage_*.c -> stage_common.c, ticket, notify.
 *
 * One struct stage_ctx lives for one message inside one transaction. */
#ifndef PD_STAGE_H
#define PD_STAGE_H

#include <sqlite3.h>
#include "classify.h"
#include "config.h"
#include "msg.h"
#include "notify.h"
#include "pipeline.h"
#include "thread.h"

struct stage_ctx {
	sqlite3 *db;
	const struct pd_config *cfg;
	const struct pipe_origin *o;
	struct tx tx;
	const char *raw;
	size_t len;
	struct pd_msg *m;
	/* From the verdict (stage_apply sets them, borrowed from it): */
	const char *automated;    /* hygiene's reason, or NULL */
	const char *new_text;     /* m->text without quotes and signature */
	const struct pd_agent *agent; /* the sender is this (verified) agent,
	                               * or NULL */
	const char *queue;        /* never NULL */
	bool fresh;               /* agent proven by a fresh, strong proof
	                           * (identity.h): #cc, #client, #merge */
	const char *hold_reason;  /* why stage_hold holds, NULL: no proof
	                           * at all */
	char hash[65];
	unsigned long ticket;     /* where the message went, 0 when none */
	bool repeat;              /* filed as a near-identical repeat
	                           * (stage_flood.c): agents are not told */
	/* VERDICT_CONFIRM: the held mail the confirmation releases (set by
	 * stage_confirm; stage_apply runs it through the same path). */
	int64_t held_id;
	GBytes *held_raw;
	/* VERDICT_QUARANTINE: the message's whole size, and the row made. */
	size_t size;
	int64_t quarantine_id;
	/* From the verdict too (classify.h): */
	bool strong;              /* fresh by DKIM or a confirmed challenge,
	                           * not by a reply (agentcmd.h) */
	const char *norm;         /* a client's request, normalised, or NULL */
	const char *repeat_first; /* FOLLOWUP: the request it would repeat */
	unsigned long repeat_ticket; /* ... and its ticket, 0 when none */
	const struct rules_result *rules; /* the routing rules that fired
	                           * (rules.h), from the verdict */
	char *faq_note;           /* for the agents' copy: the FAQ entries
	                           * the ack offered, one per line
	                           * (faq_offer.h); g_malloc'd, freed by
	                           * stage_apply */
	bool faq_solved;          /* ... or the client's "solved" resolved
	                           * the ticket */
	const struct store_prepack *pre; /* store_prepack() of raw and m,
	                           * done ahead by a batch, or NULL */
};

/* ---- stage.c ---- */

/* Applies v to the message of c through the stage table, then tells the
 * ticket's agents about a client's message, and runs released held mail
 * through classify() and the table again.  0 or -1; the caller commits. */
int stage_apply(struct stage_ctx *c, const struct verdict *v);

/* ---- stage_common.c ---- */

/* Stores the message in ticket (0: outside any ticket) as kind, records
 * the UID.  Returns 0 or -1. */
int stage_store(struct stage_ctx *c, unsigned long ticket, const char *kind);
/* The same, keeping body as its text. */
int stage_store_body(struct stage_ctx *c, unsigned long ticket,
    const char *kind, const char *body);

/* Records the UID of the origin (nothing without one) as leading to
 * message or quarantine row (0 for none).  0 or -1. */
int stage_mark_uid(struct stage_ctx *c, int64_t message, int64_t quarantine);

/* Fills c->hash for c->raw and c->m (dedupe key). */
void stage_hash(struct stage_ctx *c);

/* True when the gateway may answer this sender automatically. */
bool stage_may_answer(const struct stage_ctx *c);

/* ---- the stages ---- */

/* Mail from a verified agent: commands, notes, answers (stage_agent.c). */
int stage_agent(struct stage_ctx *c, const struct thread_result *tr);

/* Mail from an agent's address without the proof it needs: held, the
 * agent asked to confirm (stage_agent.c). */
int stage_hold(struct stage_ctx *c, const struct thread_result *tr);

/* Held mail of agent left without a challenge (the challenge cap refused
 * it, floodguard.h) gets its own challenge now, oldest first, as long as
 * the cap lets them through: no held mail stays beyond the agent's reach.
 * Run for each later mail from the agent (verdict.hold_retry) and after a
 * challenge of stage_hold got through (stage_agent.c).  0 or -1. */
int stage_hold_retry(struct stage_ctx *c, const struct pd_agent *agent);

/* The agent's confirmation of held mail: stored outside any ticket; the
 * held mail answering challenge id is put in c->held_id, c->held_raw
 * (stage_agent.c). */
int stage_confirm(struct stage_ctx *c, const char *id);

/* A message that opens a ticket: participants, tasks, acknowledgement
 * (stage_new.c). */
int stage_new(struct stage_ctx *c, const struct thread_result *tr);

/* A follow-up to a ticket: reopen, rating, thanks, split, new ticket after
 * closing (stage_join.c). */
int stage_join(struct stage_ctx *c, const struct thread_result *tr);

/* A message naming several tickets: filed in none, sender asked to write
 * separately, agents told on each ticket (stage_multi.c). */
int stage_multi(struct stage_ctx *c, const struct thread_result *tr);

/* Flood guards (postdesk.conf(5) floods, stage_flood.c): a client's new request, noted for
 * repeats (norm: its normalised text, NULL when not compared); a
 * near-identical repeat of first's request, filed into ticket without an
 * acknowledgement; automated mail that answers no ticket, kept outside
 * any. */
int stage_flood_new(struct stage_ctx *c, const struct thread_result *tr,
    const char *norm);
int stage_repeat(struct stage_ctx *c, unsigned long ticket,
    const char *first, const char *norm); /* 1: ticket gone, nothing done */
int stage_unfiled(struct stage_ctx *c);

/* Not a message: kept raw in the quarantine, the admin told once
 * (stage_quarantine.c). */
int stage_quarantine(struct stage_ctx *c, const char *reason);

/* A delivery report on our mail (VERDICT_BOUNCE): filed on v->ticket,
 * the failed recipient recorded, a permanent failure marking the address
 * failing, the agents told once per failing period (stage_bounce.c). */
int stage_bounce(struct stage_ctx *c, const struct verdict *v);

/* A mail from an address marked failing proves mail to it works again:
 * the mark is cleared, and an event says so.  Run before the stage of any
 * mail that is not automated.  0 or -1. */
int stage_bounce_clear(struct stage_ctx *c);
/* Routing rules (stage_rules.c): every rule that fired is an event of
 * ticket num (0: none) with its name, and its actions (priority, type,
 * assign, tags, note, notify) apply to it.  0 or -1. */
int stage_rules_ticket(struct stage_ctx *c, unsigned long num);
/* True when a rule that fired says no_ack. */
bool stage_rules_no_ack(const struct stage_ctx *c);
/* VERDICT_DROP: kept raw outside any ticket, logged, nobody told;
 * VERDICT_REJECT: the same, and the sender gets the rule's template;
 * VERDICT_RULE_HOLD: kept in the quarantine for an admin. */
int stage_drop(struct stage_ctx *c);
int stage_reject(struct stage_ctx *c);
int stage_rule_hold(struct stage_ctx *c);

#endif
