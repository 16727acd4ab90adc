/* ticket.h: the ticket lifecycle (postdeskd(8) Threading; postdeskd(8) Tickets).
 *
 *   new -> open -> waiting -> resolved -> closed, and back to open on a
 *   reopen.
 * Every change is an event (who, when, why), and the requester is told of
 * the changes that matter through notify.h.  Like store.h, nothing here
 * begins or commits a transaction. */
#ifndef PD_TICKET_H
#define PD_TICKET_H

#include <stdbool.h>
#include <stdint.h>
#include "notify.h"

bool ticket_status_valid(const char *s);
bool ticket_priority_valid(const char *s);
bool ticket_type_valid(const char *s);

/* Sets the status of ticket num (after merges).  resolved sets
 * resolved_at, closed sets closed_at.  The requester is told of waiting,
 * resolved (with a request to rate 1-5) and closed.  Returns 0 when
 * changed, 1 when it already had that status or the ticket is unknown,
 * -1 on a database error. */
int ticket_set_status(struct tx *tx, unsigned long num, const char *status,
    const char *actor, const char *why);

/* Reopens (status open, one more reopen) and tells the requester. */
int ticket_reopen(struct tx *tx, unsigned long num, const char *actor,
    const char *why);

/* Sets priority or type (field "priority" or "type"); records an event. */
int ticket_set_field(struct tx *tx, unsigned long num, const char *field,
    const char *value, const char *actor);

/* Closes resolved tickets resolved at least autoclose_days before now
 * (a job of scheduler.c).  Returns how many, or -1. */
int ticket_autoclose(struct tx *tx, int64_t now);

/* Records that a and b are related (kind: "split", "followup", "merged"). */
int ticket_link(struct tx *tx, unsigned long a, unsigned long b,
    const char *kind);

/* Opens a ticket for requester (name may be ""), linked to parent when
 * parent != 0 with kind.  Subject and name are stored as one line
 * (hdrtext.h).  Returns 0 with *t filled (store_ticket_clear it),
 * or -1. */
int ticket_open(struct tx *tx, struct pd_ticket *t, const char *subject,
    const char *queue, const char *requester, const char *name,
    const char *language, unsigned long parent, const char *kind,
    const char *detail);

/* Merges ticket from into into: messages, participants and logged time
 * move to the survivor; from is closed and points to into, so later mail
 * to either number lands in into.  The requester of from is told.
 * Returns 0, 1 when not possible (same or unknown tickets), -1. */
int ticket_merge(struct tx *tx, unsigned long from, unsigned long into,
    const char *actor);

/* Moves message id into a new ticket (same requester, the message's
 * subject) linked to its old one.  Returns 0 with the new number in
 * *num_r, 1 when not possible (no such message in a ticket), -1 on a
 * database error. */
int ticket_split_message(struct tx *tx, int64_t id, const char *actor,
    unsigned long *num_r);

/* Splits the tasks found in t's request (postdeskd(8) Tickets): the first stays in t,
 * each other one gets a linked ticket, and the requester gets one mail
 * with all the numbers (threaded on m when not NULL).  Returns how many
 * tasks were pending (0 or 1: nothing to split), or -1. */
int ticket_split_tasks(struct tx *tx, const struct pd_ticket *t,
    const struct pd_msg *m);

/* Stores a 1-5 rating. */
int ticket_set_rating(struct tx *tx, unsigned long num, int rating,
    const char *actor);

/* The language a new ticket for m is answered in: the requester's client
 * organisation's `language`, else "ru" when m's subject or text (the new
 * text without quotes; may be NULL) holds a Cyrillic letter (U+0400 to
 * U+04FF), else the language of queue (NULL: the default queue;
 * postdesk.conf(5) "QUEUES").  Used by stage_new.c and by `postdesk faq
 * test` so both pick the same one.
 * Never NULL; the string belongs to cfg or is static. */
const char *ticket_language(const struct pd_config *cfg,
    const struct pd_msg *m, const char *text, const char *queue);

#endif
