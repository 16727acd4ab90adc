/* cli_report.c: see cli_report.h. */
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include "bizhours.h"
#include "clock.h"
#include "cli.h"
#include "cli_report.h"
#include "db.h"
#include "notify.h"
#include "report.h"

/* The usage line of `postdesk report` (cli_usage). */
static const char usage_args[] = "CLIENT [--month YYYY-MM] [--send] "
    "[--json]";

static int
print_text(struct tx *tx, const struct report *r)
{
	GHashTable *vars = report_vars(r);
	struct pd_rendered out;
	char *err = NULL;
	int rc = 0;

	if (notify_render_queue(tx, r->queue, "report_client", r->lang, vars,
	    &out, &err) != 0) {
		fprintf(stderr, "postdesk report: %s\n", err);
		g_free(err);
		rc = EX_CONFIG;
	} else {
		printf("Subject: %s\n\n%s", out.subject, out.body);
		template_clear(&out);
	}
	g_hash_table_unref(vars);
	return rc;
}

static int
send(struct tx *tx, const struct pd_client *cl, const struct report *r)
{
	static const char count[] = "SELECT COUNT(*) FROM outbox WHERE kind "
	    "= 'report_client'";
	int64_t before = 0, after = 0;

	if (report_recipients(cl)->len == 0) {
		fprintf(stderr, "postdesk report: client '%s' has no contacts "
		    "or addresses to send the report to\n", cl->name);
		return EX_DATAERR;
	}
	if (db_begin(tx->db) != 0)
		return EX_SOFTWARE;
	if (db_int(tx->db, &before, count, "") < 0 ||
	    report_send(tx, cl, r) != 0 ||
	    db_int(tx->db, &after, count, "") < 0 ||
	    db_commit(tx->db) != 0) {
		db_rollback(tx->db);
		fprintf(stderr, "postdesk report: the report could not be "
		    "queued: %s\n", sqlite3_errmsg(tx->db));
		return EX_SOFTWARE;
	}
	/* notify.c holds mail to a failing address and caps floods: say
	 * so rather than "queued" (the events and the log name each). */
	if (after == before) {
		fprintf(stderr, "postdesk report: nothing queued: every "
		    "recipient is held (a bounce) or capped (floods); see "
		    "the log and the events\n");
		return EX_TEMPFAIL;
	}
	fprintf(stderr, "postdesk report: queued for %lld of %u contact(s)\n",
	    (long long)(after - before), report_recipients(cl)->len);
	return 0;
}

int
cli_report(sqlite3 *db, const struct pd_config *cfg, int argc, char **argv)
{
	struct tx tx = { .db = db, .cfg = cfg };
	const struct pd_client *cl;
	const char *client = NULL, *month = NULL;
	bool json = false, do_send = false;
	int year, mon, rc;
	struct report r;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if (strcmp(argv[i], "--send") == 0)
			do_send = true;
		else if (strcmp(argv[i], "--month") == 0 && i + 1 < argc)
			month = argv[++i];
		else if (argv[i][0] != '-' && !client)
			client = argv[i];
		else
			return cli_usage("report", usage_args,
			    argv[i][0] == '-' ? "unknown option '%s'" :
			    "one CLIENT only: '%s' is one too many", argv[i]);
	}
	if (!client)
		return cli_usage("report", usage_args, "which CLIENT?");
	if (!(cl = config_client_named(cfg, client))) {
		fprintf(stderr, "postdesk report: no client '%s' in %s\n",
		    client, cfg->file);
		return EX_NOINPUT;
	}
	if (month && bizhours_month_label(month, &year, &mon) != 0)
		return cli_usage("report", usage_args,
		    "--month wants YYYY-MM, not '%s'", month);
	if (!month)
		report_last_month(cfg, pd_now(), &year, &mon);
	if (report_compute(db, cfg, cl, year, mon, &r) != 0) {
		report_clear(&r);
		fprintf(stderr, "postdesk report: %s\n", sqlite3_errmsg(db));
		return EX_SOFTWARE;
	}
	if (json) {
		char *j = report_json(db, &r);

		rc = j ? EX_OK : EX_SOFTWARE;
		if (j)
			printf("%s\n", j);
		g_free(j);
	} else
		rc = print_text(&tx, &r);
	if (rc == 0 && do_send)
		rc = send(&tx, cl, &r);
	report_clear(&r);
	return rc;
}
