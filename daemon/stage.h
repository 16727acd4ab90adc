/* stage.h: what the pipeline's stages share (private to pipeline.c and
 * the stage_*.c files).
 *
 * One struct stage_ctx lives for one message inside one transaction. */
#ifndef PD_STAGE_H
#define PD_STAGE_H

#include <sqlite3.h>
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
	const char *automated;    /* hygiene's reason, or NULL */
	char *new_text;           /* m->text without quotes and signature */
	const struct pd_agent *agent; /* the sender is this (verified) agent,
	                               * or NULL */
	char hash[65];
	unsigned long ticket;     /* where the message went, 0 when none */
	bool fresh;               /* agent proven by a fresh, strong proof
	                           * (identity.h): #cc, #client, #merge */
	const char *hold_reason;  /* why stage_hold holds (static, or owned
	                           * by the caller), NULL: no proof at all */
	bool repeat;              /* filed as a near-identical repeat
	                           * (stage_flood.c): agents are not told */
};

/* Stores the message in ticket (0: outside any ticket) as kind, records
 * the UID.  Returns 0 or -1. */
int stage_store(struct stage_ctx *c, unsigned long ticket, const char *kind);
/* The same, keeping body as its text. */
int stage_store_body(struct stage_ctx *c, unsigned long ticket,
    const char *kind, const char *body);

/* Fills c->hash for c->raw and c->m (dedupe key). */
void stage_hash(struct stage_ctx *c);

/* Mail from a verified agent: commands, notes, answers (stage_agent.c). */
int stage_agent(struct stage_ctx *c, const struct thread_result *tr);

/* Mail from an agent's address without proof: held, the agent asked to
 * confirm. */
int stage_hold(struct stage_ctx *c, const struct thread_result *tr);

/* The agent's confirmation of held mail: the held mail is processed as
 * the agent's.  id is the challenge id it answers. */
int stage_release(struct stage_ctx *c, const char *id);

/* A message that opens a ticket: participants, tasks, acknowledgement. */
int stage_new(struct stage_ctx *c, const struct thread_result *tr);

/* A follow-up to a ticket: reopen, rating, thanks, split, new ticket after
 * closing. */
int stage_join(struct stage_ctx *c, const struct thread_result *tr);

/* A message naming several tickets: filed in none, sender asked to write
 * separately, agents told on each ticket. */
int stage_multi(struct stage_ctx *c, const struct thread_result *tr);

/* A message that joins no ticket, through the flood guards (SPEC §9):
 * automated mail is kept outside any ticket (mailing lists excepted), a
 * near-identical repeat of a recent request from the sender or its domain
 * is filed into that request's ticket without an acknowledgement, anything
 * else is stage_new. */
int stage_flood_new(struct stage_ctx *c, const struct thread_result *tr);

/* True when the gateway may answer this sender automatically. */
bool stage_may_answer(const struct stage_ctx *c);

#endif
