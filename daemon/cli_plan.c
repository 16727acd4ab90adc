/* cli_plan.c: see cli_plan.h. */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include "bizhours.h"
#include "clock.h"
#include "cli.h"
#include "cli_plan.h"
#include "plans.h"
#include "store.h"
#include "store_report.h"

/* The usage line of `postdesk plan` (cli_usage). */
static const char usage_args[] = "CLIENT [--month YYYY-MM] [--json]";

int
cli_plan(sqlite3 *db, const struct pd_config *cfg, int argc, char **argv,
    int json)
{
	const char *name = NULL, *month = NULL;
	const struct pd_client *cl;
	const struct pd_plan *p;
	struct report_plan_req q = { 0 };
	struct bizhours *bh;
	char label[8];
	int64_t used = 0;
	int r;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			continue;
		if (strcmp(argv[i], "--month") == 0 && i + 1 < argc)
			month = argv[++i];
		else if (argv[i][0] == '-' || name)
			return cli_usage("plan", usage_args,
			    argv[i][0] == '-' ? "unknown option '%s'" :
			    "one CLIENT only: '%s' is one too many", argv[i]);
		else
			name = argv[i];
	}
	if (!name)
		return cli_usage("plan", usage_args, "which CLIENT?");
	/* The name in any case, like `postdesk report`. */
	if (!(cl = config_client_named(cfg, name))) {
		fprintf(stderr, "postdesk plan: no client '%s' in %s\n", name,
		    cfg->file);
		return EX_NOINPUT;
	}
	p = config_plan(cfg, cl->plan);
	/* Months of gateway.timezone, like the notices (plans.h). */
	bh = bizhours_new_always(cfg->timezone);
	if (month) {
		if (bizhours_month_parse(bh, month, &q.from, &q.to) != 0) {
			bizhours_free(bh);
			return cli_usage("plan", usage_args,
			    "--month wants YYYY-MM, not '%s'", month);
		}
		g_strlcpy(label, month, sizeof label);
	} else
		bizhours_month(bh, pd_now(), &q.from, &q.to, label);
	if (store_time_used_between(db, cl->name, q.from, q.to, &used) != 0) {
		fprintf(stderr, "postdesk plan: %s\n", sqlite3_errmsg(db));
		bizhours_free(bh);
		return EX_SOFTWARE;
	}
	q.client = cl->name;
	q.plan = p ? p->name : NULL;
	q.month = label;
	q.hours = p ? p->hours : 0;
	q.used_minutes = used;
	q.percent = p ? plans_percent(used, p->hours) : 0;
	q.zone = bh;
	r = report_plan(db, &q, json);
	bizhours_free(bh);
	if (r != 0)
		fprintf(stderr, "postdesk plan: %s\n", sqlite3_errmsg(db));
	return r ? EX_SOFTWARE : EX_OK;
}
