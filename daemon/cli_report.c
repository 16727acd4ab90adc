/* cli_report.c: see cli_report.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "clock.h"
#include "cli_report.h"
#include "db.h"
#include "notify.h"
#include "report.h"

static const struct pd_client *
client_named(const struct pd_config *cfg, const char *name)
{
	for (guint i = 0; i < cfg->clients->len; i++) {
		const struct pd_client *cl = cfg->clients->pdata[i];

		if (g_ascii_strcasecmp(cl->name, name) == 0)
			return cl;
	}
	return NULL;
}

/* "YYYY-MM" into year and month: 0, or -1 when malformed. */
static int
parse_month(const char *s, int *year_r, int *month_r)
{
	char *end;
	long y, m;

	if (strlen(s) != 7 || s[4] != '-')
		return -1;
	y = strtol(s, &end, 10);
	if (end != s + 4 || y < 1970 || y > 9999)
		return -1;
	m = strtol(s + 5, &end, 10);
	if (*end || m < 1 || m > 12)
		return -1;
	*year_r = (int)y;
	*month_r = (int)m;
	return 0;
}

static int
print_text(struct tx *tx, const struct report *r)
{
	GHashTable *vars = report_vars(r);
	struct pd_rendered out;
	char *err = NULL;
	int rc = 0;

	if (notify_render(tx, NULL, "report_client", r->lang, vars, &out,
	    &err) != 0) {
		fprintf(stderr, "postdesk: %s\n", err);
		g_free(err);
		rc = 1;
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
	if (cl->addresses->len == 0) {
		fprintf(stderr, "postdesk: client '%s' has no addresses to "
		    "send the report to\n", cl->name);
		return 1;
	}
	if (db_begin(tx->db) != 0)
		return 1;
	if (report_send(tx, cl, r) != 0 || db_commit(tx->db) != 0) {
		db_rollback(tx->db);
		fprintf(stderr, "postdesk: the report could not be queued\n");
		return 1;
	}
	fprintf(stderr, "postdesk: report queued for %u contact(s)\n",
	    cl->addresses->len);
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
			return 2;
	}
	if (!client)
		return 2;
	if (!(cl = client_named(cfg, client))) {
		fprintf(stderr, "postdesk: no client '%s' in the "
		    "configuration\n", client);
		return 1;
	}
	if (month && parse_month(month, &year, &mon) != 0) {
		fprintf(stderr, "postdesk: --month wants YYYY-MM\n");
		return 2;
	}
	if (!month)
		report_last_month(cfg, pd_now(), &year, &mon);
	if (report_compute(db, cfg, cl, year, mon, &r) != 0) {
		report_clear(&r);
		fprintf(stderr, "postdesk: %s\n", sqlite3_errmsg(db));
		return 1;
	}
	if (json) {
		char *j = report_json(db, &r);

		rc = j ? 0 : 1;
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
