/* cli_ticket.h: `postdesk` commands that change tickets (postdesk(1)).
 *
 * status N STATUS [--why TEXT], priority N P, type N T, merge N INTO,
 * split N MESSAGE-ID.  Each runs in one transaction; the notifications it
 * causes are queued in the outbox, which the running daemon sends within
 * seconds. */
#ifndef PD_CLI_TICKET_H
#define PD_CLI_TICKET_H

#include <sqlite3.h>
#include "config.h"

/* True when argv[0] names one of these commands. */
int cli_ticket_handles(const char *cmd);

/* Runs argv (argv[0] is the command).  Returns the exit code. */
int cli_ticket_run(sqlite3 *db, const struct pd_config *cfg, int argc,
    char **argv);

#endif
