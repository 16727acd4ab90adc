/* tx.h: the context of one transaction.
 *
 * One message through the pipeline, one timer job, one CLI command: the
 * caller begins a database transaction (db_begin), hands a struct tx to
 * the lifecycle code (ticket.h, agentmail.h, agentcmd.h, notify.h,
 * floodguard.h), and commits or rolls back when it returns.  Nothing
 * below begins or commits.  Zero-initialise it with .db and .cfg set; it
 * owns nothing. */
#ifndef PD_TX_H
#define PD_TX_H

#include <stdbool.h>
#include <sqlite3.h>
#include "config.h"

struct tx {
	sqlite3 *db;                  /* the connection of this thread */
	const struct pd_config *cfg;  /* borrowed; outlives the tx */
	bool queued;                  /* outbox rows were added: wake the
	                               * sender after the commit */
	/* The note leak guard (postdesk.conf(5) THREAT MODEL): the agent whose mail is being
	 * handled, or NULL (its visible tickets' notes are checked too), and
	 * the note that mail writes, or NULL, checked before it is stored. */
	const struct pd_agent *agent;
	const char *pending_note;
};

#endif
