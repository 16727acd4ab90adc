/* cli_report.h: `postdesk report CLIENT [--month YYYY-MM] [--json]
 * [--send]` (postdesk(1)): the monthly client report (report.h). */
#ifndef PD_CLI_REPORT_H
#define PD_CLI_REPORT_H

#include <sqlite3.h>
#include "config.h"

/* argv[0] is "report".  Prints the report (the mail's text, or JSON), and
 * with --send queues it to the client's contacts.  Returns the exit
 * status: 0, 1 on an error, 2 on a usage error. */
int cli_report(sqlite3 *db, const struct pd_config *cfg, int argc,
    char **argv);

#endif
