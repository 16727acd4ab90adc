/* cli_report.h: `postdesk report CLIENT [--month YYYY-MM] [--json]
 * [--send]` (postdesk(1)): the monthly client report (report.h). */
#ifndef PD_CLI_REPORT_H
#define PD_CLI_REPORT_H

#include <sqlite3.h>
#include "config.h"

/* argv[0] is "report".  Prints the report (the mail's text, or JSON), and
 * with --send queues it to the client's contacts (report_recipients).
 * Returns the exit status (sysexits.h, cli.h), the message printed:
 * EX_OK, EX_USAGE, EX_NOINPUT (no such client), EX_DATAERR (no one to
 * send it to), EX_TEMPFAIL (every recipient held by a bounce or a flood
 * cap: nothing queued), EX_SOFTWARE (a query failed). */
int cli_report(sqlite3 *db, const struct pd_config *cfg, int argc,
    char **argv);

#endif
