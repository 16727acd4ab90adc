/* thread.h: which ticket a message belongs to (postdeskd(8) Threading).
 *
 * In this order: (1) In-Reply-To/References naming one of our signed
 * Message-IDs, or a stored Message-ID of a ticket (bounces: also the ids of
 * the mail they carry back); (2) the subject token, accepted only from the
 * ticket's requester, a participant or an agent.  A stranger quoting a
 * token gets a new ticket that mentions the old one to agents only. */
#ifndef PD_THREAD_H
#define PD_THREAD_H

#include <sqlite3.h>
#include "config.h"
#include "msg.h"

enum thread_how {
	THREAD_NEW,   /* open a new ticket */
	THREAD_JOIN,  /* join ticket */
	THREAD_MULTI, /* references several tickets: join none */
};

struct thread_result {
	enum thread_how how;
	unsigned long ticket;    /* THREAD_JOIN: the ticket (after merges) */
	const char *by;          /* "references" or "token" (static) */
	unsigned long mentioned; /* THREAD_NEW: a token the sender may not
	                          * use, 0 when none */
	unsigned long others[8]; /* THREAD_MULTI: the tickets named */
	unsigned nothers;
};

/* Decides for m.  Returns 0, or -1 on a database error. */
int thread_decide(sqlite3 *db, const struct pd_config *cfg,
    const struct pd_msg *m, struct thread_result *r);

#endif
