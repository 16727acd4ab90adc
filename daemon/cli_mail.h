/* cli_mail.h: `postdesk` commands that feed mail in (docs/architecture.md).
 *
 *   deliver --source NAME < MESSAGE
 *       runs the daemon's pipeline on one message, for MTA delivery
 *       (pipe mode).  Exit 0 when stored (or already stored, or
 *       quarantined: kept either way), 75 (EX_TEMPFAIL) when it could not
 *       be stored and the MTA must retry.
 *   quarantine list [--all] [--json] | show ID | retry ID | drop ID
 *       the quarantine: list what is held, print one raw message, run one
 *       through the pipeline again, or mark it handled (kept all the
 *       same). */
#ifndef PD_CLI_MAIL_H
#define PD_CLI_MAIL_H

#include <sqlite3.h>
#include "config.h"

#define EX_TEMPFAIL_CODE 75

int cli_deliver(sqlite3 *db, const struct pd_config *cfg, int argc,
    char **argv);

/* The same as subcommands with options, --help and exit codes (cli.h):
 * deliver exits 75 for anything but a wrong command line (64). */
struct cli;
int cli_deliver_cmd(struct cli *c, int argc, char **argv);
int cli_quarantine_cmd(struct cli *c, int argc, char **argv);

#endif
