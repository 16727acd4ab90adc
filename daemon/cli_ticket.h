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

/* Runs argv (argv[0] is the command) with the shared machinery of cli.h:
 * each refusal names the ticket and what is wrong ("ticket 1234 does not
 * exist", "ticket 1001 is already resolved").  Returns the exit code. */
struct cli;
int cli_ticket_cmd(struct cli *c, int argc, char **argv);

#endif
