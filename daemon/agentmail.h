/* agentmail.h: mail between the gateway and its agents (postdesk.conf(5) THREAT MODEL).
 *
 * Client messages reach the ticket's agents (only the assignee once there
 * is one) and team_copy as notifications with the ticket's state on top
 * and "Reply" coming back to the gateway; internal notes reach agents only,
 * marked INTERNAL, with replies going to the note channel; an agent's
 * answer is relayed to the requester and participants from the support
 * address.  Every client-bound mail passes the note leak guard first.
 * Like notify.h, everything here only queues outbox rows. */
#ifndef PD_AGENTMAIL_H
#define PD_AGENTMAIL_H

#include "guard.h"
#include "notify.h"

/* Tells the agents of t about client message m (text: its new text). */
int agentmail_client_message(struct tx *tx, const struct pd_ticket *t,
    const struct pd_msg *m, const char *text);
/* The same with what the FAQ did (faq_offer.h), shown in each agent's
 * language: offered, the entries the acknowledgement offered (one per
 * line; NULL: none), or solved, the client's "solved" resolved it. */
int agentmail_client_message_faq(struct tx *tx, const struct pd_ticket *t,
    const struct pd_msg *m, const char *text, const char *offered,
    bool solved);

/* Copies internal note text by agent a to the other agents of t and
 * team_copy. */
int agentmail_note(struct tx *tx, const struct pd_ticket *t,
    const struct pd_agent *a, const char *text, GPtrArray *attachments);

/* Relays agent a's answer to the requester and participants of t, copies
 * it to team_copy, and records the first response.  When the guard finds
 * note text in it, nothing is sent to the client and the answer goes back
 * to the agent with the reason.  Returns 0 when relayed, 1 when stopped,
 * -1 on a database error. */
int agentmail_relay(struct tx *tx, const struct pd_ticket *t,
    const struct pd_agent *a, const char *text, GPtrArray *attachments,
    const struct pd_msg *m);

/* A mail to agent a alone (transcripts, challenges, guard returns):
 * template name, threaded on m when not NULL, Message-ID kind. */
int agentmail_to_agent(struct tx *tx, const struct pd_ticket *t,
    const struct pd_agent *a, const char *name, GHashTable *vars,
    const struct pd_msg *m, char kind, char **msgid_r);

/* Template name with vars (may be NULL) to the ticket's agents (the
 * assignee, else the queue's agents) and team_copy: notices about the
 * ticket that come from no client message (bounce_notice). */
int agentmail_team(struct tx *tx, const struct pd_ticket *t,
    const char *name, GHashTable *vars);
/* Tells the agents serving t's queue (t->queue, already moved), less by,
 * that by moved t there from from_queue: template agent_queue.  0 or
 * -1. */
int agentmail_queue_moved(struct tx *tx, const struct pd_ticket *t,
    const struct pd_agent *by, const char *from_queue);
/* A mail (template name) to the agents of t: its assignee, else the
 * agents of its queue (no team_copy).  0 or -1. */
int agentmail_to_agents(struct tx *tx, const struct pd_ticket *t,
    const char *name, GHashTable *vars);

/* A mail (template name) to the lead of t's queue, else to every lead.
 * 0 or -1. */
int agentmail_to_lead(struct tx *tx, const struct pd_ticket *t,
    const char *name, GHashTable *vars);

#endif
