/* notify.h: templates rendered and queued in the outbox (postdesk.conf(5) TEMPLATES), for
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
#include "compose.h"
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
	/* Mail to agents and team_copy (agentmail.c): */
	const char *from_name;      /* NULL: the gateway's name */
	const char *reply_to;       /* NULL: none */
	char kind;                  /* Message-ID kind (mac.h); 0 = 'm' */
	GPtrArray *attachments;     /* copied into the mail, or NULL */
	char **msgid_r;             /* gets the new Message-ID (g_malloc'd)
	                             * when it passed the hooks, or NULL */
	const char *html_tail;      /* HTML (a chart) after the rendered
	                             * text in an HTML alternative (the text
	                             * escaped, lines kept); NULL: text
	                             * only */
	const char *queue;          /* when t is NULL: the queue whose voice
	                             * (From, name, signature, language when
	                             * lang is NULL) a client notice about no
	                             * one ticket speaks with, e.g. a plan
	                             * warning or report to a client whose
	                             * tickets are billing's; NULL: the
	                             * gateway's */
};

/* Renders and queues; t may be NULL for gateway-wide notices (no ticket
 * placeholders, no References).  notify.c is the one writer of outgoing
 * mail: this, notify_answer and the outbox worker are all that touch the
 * outbox table, and both pass the leak guard (guard.h) for every outside
 * recipient; automatic mail passes the flood caps (floodguard.h).  Returns 0 (also when the template is missing or
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

/* notify_send to the `lead` of t's queue, or, when it names none (or t
 * is NULL), to every lead agent (in their language). */
int notify_leads(struct tx *tx, const struct pd_ticket *t,
    const char *name, GHashTable *vars);

/* notify_send to the admin address, when one is configured. */
int notify_admin(struct tx *tx, const char *name, GHashTable *vars);

/* An agent's answer composed as base (subject, body, attachments,
 * threading) to one client recipient of t: through the leak guard, not
 * capped, kind "answer".  0 (also when stopped, logged) or -1. */
int notify_answer(struct tx *tx, const struct pd_ticket *t,
    const struct compose_req *base, const char *rcpt, const char *rcpt_name);

/* Reports a flood guard hit (floodguard_record_hit) and tells the admin
 * once a day per key.  0 or -1. */
int notify_flood_hit(struct tx *tx, unsigned long ticket, const char *key,
    const char *what, const char *detail);

/* A new table for notify_mail.vars (keys static, values g_malloc'd). */
GHashTable *notify_vars_new(void);

/* notify_render of a notice about no ticket that speaks with the voice of
 * queue (notify_mail.queue; NULL: the gateway's), as notify_send renders
 * it: `postdesk report` prints what the client gets.  0, or -1 with
 * *error_r. */
int notify_render_queue(struct tx *tx, const char *queue, const char *name,
    const char *lang, GHashTable *vars, struct pd_rendered *r,
    char **error_r);

#endif
