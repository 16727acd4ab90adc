/* faq_offer.h: the FAQ entries offered in a new ticket's acknowledgement
 * (postdesk.conf(5) FAQ), and the client's "solved" reply to it.
 *
 * The ranking is faq.h's; this decides whether to offer at all (faq
 * group, suggest_faq of the client or the queue), renders the ack_faq
 * block and records what was offered as the ticket's "faq_offered"
 * event, in the caller's transaction. */
#ifndef PD_FAQ_OFFER_H
#define PD_FAQ_OFFER_H

#include <glib.h>
#include "notify.h"

/* Puts "faq.suggestions" into vars for t's acknowledgement: the
 * rendered ack_faq block, or "" when nothing reaches the threshold or
 * suggestions are off for t (the caller leaves automated mail out).
 * *offered_r gets the offered entries for the agents ("  - file:ru/x
 * Title  (0.61)" lines), or NULL.  0, or -1 on a database error (a
 * failing index or template is logged and offers nothing). */
int faq_offer(struct tx *tx, const struct pd_ticket *t, const char *subject,
    const char *text, GHashTable *vars, char **offered_r);

/* The client's reply text to ticket t is a "solved" (faq_is_solved), t's
 * acknowledgement offered entries, no agent has answered yet and t is
 * not done: t is resolved
 * with the reason "self-service" (the client gets status_resolved and
 * its rating question).  1 done, 0 not such a reply, -1 database
 * error. */
int faq_solved(struct tx *tx, const struct pd_ticket *t, const char *from,
    const char *text);

#endif
