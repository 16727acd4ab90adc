/* guard.h: the note leak guard as notify.c and agentmail.c call it
 * (postdesk.conf(5) THREAT MODEL; the comparison itself is filters/leakguard.c, the notes come
 * from store_notes.c).
 *
 * Every mail to an outside address passes notify.c, which asks guard_leak
 * before it queues anything; agentmail_relay checks an agent's answer
 * with its attachments first (guard_check), to return it to the agent. */
#ifndef PD_GUARD_H
#define PD_GUARD_H

#include <stdbool.h>
#include "leaktext.h"
#include "tx.h"

/* True when address is an agent or team_copy: mail to it may hold
 * internal text. */
bool guard_internal_rcpt(const struct pd_config *cfg, const char *address);

/* text and the files of lt (may be NULL) against the notes agent a (may
 * be NULL) can see, those of ticket and tx->pending_note (store_notes.h):
 * 0 with *hit_r the overlap (g_malloc'd) or NULL when clean, -1 on a
 * database error (*hit_r NULL). */
int guard_check(struct tx *tx, unsigned long ticket, const struct pd_agent *a,
    const char *text, const struct leaktext *lt, char **hit_r);

/* The note text that text, a mail to a client about ticket, would leak,
 * as a g_malloc'd excerpt, or NULL when clean: the notes of ticket, those
 * tx->agent can see and tx->pending_note.  When the notes cannot be read,
 * a reason: unchecked is not clean. */
char *guard_leak(struct tx *tx, unsigned long ticket, const char *text);

#endif
