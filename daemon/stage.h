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
	struct notify n;
	const char *raw;
	size_t len;
	struct pd_msg *m;
	const char *automated;    /* hygiene's reason, or NULL */
	char *new_text;           /* m->text without quotes and signature */
	const struct pd_agent *agent; /* the sender is this agent, or NULL */
	char hash[65];
	unsigned long ticket;     /* where the message went, 0 when none */
};

/* Stores the message in ticket (0: outside any ticket) as kind, records
 * the UID.  Returns 0 or -1. */
int stage_store(struct stage_ctx *c, unsigned long ticket, const char *kind);

/* A message that opens a ticket: participants, tasks, acknowledgement. */
int stage_new(struct stage_ctx *c, const struct thread_result *tr);

/* A follow-up to a ticket: reopen, rating, thanks, split, new ticket after
 * closing. */
int stage_join(struct stage_ctx *c, const struct thread_result *tr);

/* A message naming several tickets: filed in none, sender asked to write
 * separately, agents told on each ticket. */
int stage_multi(struct stage_ctx *c, const struct thread_result *tr);

/* True when the gateway may answer this sender automatically. */
bool stage_may_answer(const struct stage_ctx *c);

#endif
