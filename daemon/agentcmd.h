/* agentcmd.h: runs the commands at the top of an agent's mail (postdesk.conf(5) THREAT MODEL).
 *
 * The caller wraps agentcmd_run in a savepoint: when any command fails
 * or is unknown, it rolls everything back, so a mail either applies all of
 * its commands or none, and the agent gets the transcript. */
#ifndef PD_AGENTCMD_H
#define PD_AGENTCMD_H

#include <stdbool.h>
#include "commands.h"
#include "notify.h"

struct agentcmd {
	struct tx *tx;
	const struct pd_agent *agent;
	const struct pd_msg *m;   /* the agent's mail */
	const char *queue;        /* of the source it came in by (#client);
	                           * never NULL (classify.h) */
	struct pd_ticket *t;      /* the ticket it answers; NULL for a new
	                           * mail (then only #client and #note make
	                           * sense); #client fills it */
	GString *transcript;      /* "#take: ok" lines, appended */
	bool note;                /* #note was given */
	bool opened;              /* #client opened t */
	GString *answer;          /* canned answers (#answer), appended */
	bool fresh;               /* the agent is proven by a fresh, strong
	                           * proof (identity.h); without it the
	                           * commands of agentcmd_needs_fresh fail */
	bool strong;              /* ... by DKIM or a confirmed challenge, not
	                           * by a reply, which proves the agent for its
	                           * own ticket only; without it the commands
	                           * of agentcmd_needs_strong fail */
	GPtrArray *cmds;          /* the mail's commands while agentcmd_run
	                           * runs them (#client reads its #queue) */
	const char *rest;         /* the text after the commands (#faq), or
	                           * NULL */
};

/* The first command of cmds that lets another address see a ticket's
 * content (#cc, #client, #merge, anything that changes the requester),
 * which needs a fresh proof of the agent's identity (postdesk.conf(5),
 * THREAT MODEL), or NULL.  Borrowed from cmds. */
const struct cmd *agentcmd_needs_fresh(GPtrArray *cmds);

/* The first #merge of cmds that a reply proof does not cover, in *c_r:
 * one that would let an address of ticket (its requester or a
 * participant; 0: the mail answers none, nothing to merge) see a ticket
 * it does not follow yet.  A reply proves the agent for the ticket it
 * answers, not for the other one (postdesk.conf(5), THREAT MODEL).  Reads
 * only (classify.h).  1 with *c_r, 0 when none, -1 on a database error. */
int agentcmd_needs_strong(sqlite3 *db, unsigned long ticket, GPtrArray *cmds,
    const struct cmd **c_r);

/* Runs cmds (struct cmd *) in order, stopping at the first failure.
 * Returns 0 when all succeeded, 1 when one failed or was unknown, -1 on a
 * database error. */
int agentcmd_run(struct agentcmd *x, GPtrArray *cmds);

#endif
