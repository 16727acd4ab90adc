/* floodguard.h: the flood guards (SPEC §9, postdesk.conf(5) "floods").
 *
 * Caps on automatic mail: every template-generated mail to an outside
 * address (acknowledgements, notices, the "multi" reply, admin notices)
 * counts against its address and its domain over a sliding hour and a
 * sliding day; challenges count against the agent address they go to.
 * Agents' answers relayed to a client are not automatic and never capped;
 * neither are notifications to agents and team_copy, except challenges
 * and transcripts.
 *
 * Counting and refusing happen in the caller's transaction, next to the
 * outbox row they guard, so a crash keeps both or neither.  Every hit is
 * logged (stage=flood), recorded as an event (on the ticket, or
 * gateway-wide), and the admin is told once per key (address, @domain)
 * and day, not once per hit. */
#ifndef PD_FLOODGUARD_H
#define PD_FLOODGUARD_H

#include <stdbool.h>
#include "notify.h"

/* May an automatic mail of kind (template name) for ticket (0: none) go
 * to rcpt now?  Returns 1 and counts it (the caller then queues it), 0
 * when a cap refuses it (logged, recorded, admin told), -1 on a database
 * error. */
int floodguard_admit(struct tx *tx, unsigned long ticket, const char *kind,
    const char *rcpt);

/* Records a guard hit: one log line, an event on ticket (0: gateway-wide),
 * and a notice to the admin unless one for key went out in the last day.
 * what names the guard ("cap", "repeat"); detail is for people.  0 or -1. */
int floodguard_hit(struct tx *tx, unsigned long ticket, const char *key,
    const char *what, const char *detail);

/* Near-identical new requests (flood.h): the ticket of a request from
 * sender, or from another address of its domain, whose normalised text
 * norm matches within repeat_minutes.  Returns 1 with *ticket_r and
 * *first_r (that request's sender, g_malloc'd), 0 when none, -1 on a
 * database error. */
int floodguard_repeat_find(struct tx *tx, const char *sender,
    const char *norm, unsigned long *ticket_r, char **first_r);

/* Remembers a new request of sender filed in ticket, for
 * floodguard_repeat_find; forgets those older than the window.  0 or -1. */
int floodguard_repeat_note(struct tx *tx, const char *sender,
    unsigned long ticket, const char *norm);

#endif
