/* sla.h: SLA targets in business hours and promised dates
 * (postdesk.conf(5) "sla", "business_hours"; #due in postdesk(1) agent
 * commands).
 *
 * First response: from the ticket's creation to the first agent answer
 * relayed to the client.  Resolution: from creation until resolved, less
 * the time spent in `waiting` and, for a reopened ticket, resolved or
 * closed (paused_seconds, paused_since).  Both count
 * business hours (bizhours.h).  The jobs compute what is due from the
 * database at now, so a deadline that passed while the daemon was down is
 * handled at its first run; each notice is claimed once
 * (store_notice_claim) in the transaction that queues it. */
#ifndef PD_SLA_H
#define PD_SLA_H

#include <stdint.h>
#include "tx.h"
#include "store.h"

/* Target hours (0: none) for priority of a ticket of requester: the
 * plan's own target, else the sla group's.  resolution picks the
 * resolution target, else the first response one. */
unsigned sla_target(const struct pd_config *cfg, const char *requester,
    const char *priority, bool resolution);

/* Sets "sla.promise" in vars: when the first answer is due for t (template
 * ack_sla, or ack_sla_none without a target).  0 or -1. */
int sla_ack_vars(struct tx *tx, const struct pd_ticket *t, GHashTable *vars);

/* Keeps the resolution clock of ticket num: it stops when the status
 * becomes "waiting", "resolved" or "closed" and runs again when it
 * becomes "new" or "open" (a reopen).  0 or -1. */
int sla_status_change(struct tx *tx, unsigned long num, const char *from,
    const char *to, int64_t now);

/* Timer jobs: SLA warnings (at sla.warn_at percent, to the assignee or
 * the queue's agents) and breaches (to the lead); promised dates (the
 * working day before, to the assignee or the queue's agents; missed, to
 * the lead).  0 or -1. */
int sla_job(struct tx *tx, int64_t now);
int sla_due_job(struct tx *tx, int64_t now);

/* The date n working days after now ("YYYY-MM-DD", g_malloc'd), or NULL
 * when there is none within ten years. */
char *sla_due_in_days(const struct pd_config *cfg, int64_t now, unsigned n);

#endif
