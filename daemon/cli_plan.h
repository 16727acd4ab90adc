/* cli_plan.h: `postdesk plan CLIENT [--month YYYY-MM] [--json]`
 * (postdesk(1)): a client's billable hours of a month against its plan,
 * and the month's time entries. */
#ifndef PD_CLI_PLAN_H
#define PD_CLI_PLAN_H

#include <sqlite3.h>
#include "config.h"

/* argv[0] is "plan".  Returns the exit status (sysexits.h, cli.h), the
 * message printed: EX_OK, EX_USAGE (a missing or extra argument, an
 * unknown option, a bad --month), EX_NOINPUT (no such client),
 * EX_SOFTWARE (a query failed). */
int cli_plan(sqlite3 *db, const struct pd_config *cfg, int argc,
    char **argv, int json);

#endif
