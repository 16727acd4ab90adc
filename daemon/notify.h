/* notify.h: templates rendered and queued in the outbox (SPEC §8), for
 * the transaction tx (tx.h).
 *
 * Writes only outbox rows, inside the caller's transaction, so a
 * notification exists exactly when the change that caused it does. */
#ifndef PD_NOTIFY_H
#define PD_NOTIFY_H

#include <stdbool.h>
#include <sqlite3.h>
#include "config.h"
#include "msg.h"
#include "store.h"
#include "template.h"
#include "tx.h"

/* How a notification relates to the mail that caused it. */
struct notify_mail {
	const char *name;           /* template name: "ack", "status_resolved" */
	const char *rcpt;           /* address */
	const char *rcpt_name;      /* may be NULL */
	const char *lang;           /* NULL: the ticket's language */
	const struct pd_msg *reply; /* mail being answered (threading), or
	                             * NULL */
	GHashTable *vars;           /* extra placeholders, or NULL */
	bool auto_reply;            /* a direct answer to a client's mail:
	                             * Auto-Submitted: auto-replied and a null
	                             * envelope sender (RFC 3834) */
};

/* Renders and queues; t may be NULL for gateway-wide notices (no ticket
 * placeholders, no References).  Returns 0 (also when the template is missing or
 * the address invalid: logged, and the cause must not be lost for it), or
 * -1 on a database error. */
int notify_send(struct tx *tx, const struct pd_ticket *t,
    const struct notify_mail *m);

/* Renders template name for t (may be NULL) in lang (NULL: the ticket's,
 * else the gateway's) with the ticket's placeholders and vars (may be
 * NULL).  0, or -1 with *error_r. */
int notify_render(struct tx *tx, const struct pd_ticket *t,
    const char *name, const char *lang, GHashTable *vars,
    struct pd_rendered *r, char **error_r);

/* notify_send to the ticket's requester. */
int notify_requester(struct tx *tx, const struct pd_ticket *t,
    const char *name, const struct pd_msg *reply, GHashTable *vars,
    bool auto_reply);

/* notify_send to every lead agent (in their language). */
int notify_leads(struct tx *tx, const struct pd_ticket *t,
    const char *name, GHashTable *vars);

/* notify_send to the admin address, when one is configured. */
int notify_admin(struct tx *tx, const char *name, GHashTable *vars);

/* A new table for notify_mail.vars (keys static, values g_malloc'd). */
GHashTable *notify_vars_new(void);

#endif
