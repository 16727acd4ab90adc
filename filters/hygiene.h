/* hygiene.h: recognises automated mail (postdeskd(8) Automated mail, RFC 3834).
 *
 * Automated mail is stored like any other but never answered and never
 * reopens a ticket.  The checks are those of the big help desks: Auto-Submitted
 * other than "no", Precedence bulk/junk/list, List-Id / List-Unsubscribe,
 * null or MAILER-DAEMON Return-Path / From, DSN and MDN reports,
 * X-Autoreply / X-Autorespond / X-Auto-Response-Suppress from Exchange
 * (when it says OOF or All and the subject says so), vacation subjects
 * ("Out of office", "Автоответ", ...), and our own loop header coming back. */
#ifndef PD_HYGIENE_H
#define PD_HYGIENE_H

#include <stdbool.h>
#include "../daemon/msg.h"

/* Returns true when m is automated; *reason_r then points to a static
 * human-readable reason ("auto-submitted: auto-replied", "bounce (DSN)",
 * "list-id", ...).  loop_address is the gateway's own address, matched
 * case-insensitively against X-Loop; may be NULL. */
bool hygiene_is_automated(const struct pd_msg *m, const char *loop_address,
    const char **reason_r);

#endif
