/* floodguard.h: the flood guards (postdesk.conf(5) "floods").
 *
 * Caps on automatic mail: every template-generated mail to an outside
 * address (acknowledgements, notices, the "multi" reply, admin notices)
 * counts against its address and its domain over a sliding hour and a
 * sliding day; challenges count against the agent address they go to.
 * Agents' answers relayed to a client are not automatic and never capped;
 * neither are notifications to agents and team_copy (agent_*, lead_*,
 * guard_*, digest_* templates, and the timers' sla_*, due_warning,
 * due_missed and plan_warning_lead).  Challenges, transcripts and what a client gets are
 * capped whoever receives them: a stranger may write as team_copy.
 *
 * Counting and refusing happen in the caller's transaction, next to the
 * outbox row they guard, so a crash keeps both or neither.  Every hit is
 * logged (stage=flood), recorded as an event (on the ticket, or
 * gateway-wide), and the admin is told once per key (address, @domain)
 * and day, not once per hit. */
#ifndef PD_FLOODGUARD_H
#define PD_FLOODGUARD_H

#include <stdbool.h>
#include "tx.h"

/* A refusal to report: the key (address or "@domain") and a detail for
 * people, both g_malloc'd (floodguard_hit_clear). */
struct flood_hit {
	char *key;
	char *detail;
};

/* May an automatic mail of kind (template name) for ticket (0: none) go
 * to rcpt now?  Returns 1 and counts it (the caller then queues it), 0
 * when a cap refuses it (the attempt is counted as capped and *hit_r
 * filled: the caller reports it with notify_flood_hit), -1 on a database
 * error.  notify.c is the only caller: every automatic mail passes it. */
int floodguard_admit(struct tx *tx, unsigned long ticket, const char *kind,
    const char *rcpt, struct flood_hit *hit_r);
void floodguard_hit_clear(struct flood_hit *h);

/* Records a guard hit: one log line and an event on ticket (0:
 * gateway-wide).  what names the guard ("cap", "repeat"); detail is for
 * people.  Returns 1 when the admin is to be told (no notice for key in
 * the last day, and key is not the admin's own address; recorded as told),
 * 0 when not, -1.  notify_flood_hit() tells the admin. */
int floodguard_record_hit(struct tx *tx, unsigned long ticket,
    const char *key, const char *what, const char *detail);

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
