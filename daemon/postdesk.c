/* postdesk.c: the command-line tool for admins and scripts (postdesk(1)).
 *
 * Tables for people, --json for scripts.  JSON is produced by SQLite's own
 * json_object()/json_group_array(), so quoting is never done by hand. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <gmime/gmime.h>
#include "config.h"
#include "db.h"
#include "cli_mail.h"
#include "cli_rules.h"
#include "cli_plan.h"
#include "cli_ticket.h"
#include "inspect.h"
#include "mac.h"
#include "store_report.h"

#define DEFAULT_CONFIG SYSCONFDIR "/postdesk/postdesk.conf"

struct cli {
	const char *config_path;
	struct pd_config *cfg;
	sqlite3 *db;
	int json;
};

static int
usage(void)
{
	fprintf(stderr,
	    "usage: postdesk [-c file] tickets [--json] [--status S]\n"
	    "       postdesk [-c file] show NUMBER [--json]\n"
	    "       postdesk [-c file] outbox [--json]\n"
	    "       postdesk [-c file] held [--json]\n"
	    "       postdesk [-c file] unfiled [--json]\n"
	    "       postdesk [-c file] status NUMBER STATUS [--why TEXT]\n"
	    "       postdesk [-c file] priority|type NUMBER VALUE\n"
	    "       postdesk [-c file] merge NUMBER INTO-NUMBER\n"
	    "       postdesk [-c file] split NUMBER MESSAGE-ROW-ID\n"
	    "       postdesk [-c file] deliver --source NAME < MESSAGE\n"
	    "       postdesk [-c file] quarantine list [--all] [--json]\n"
	    "       postdesk [-c file] quarantine show|retry|drop ID\n"
	    "       postdesk inspect MESSAGE.eml [--json]\n"
	    "       postdesk [-c file] rules test MESSAGE.eml [--source NAME] "
	    "[--json]\n"
	    "       postdesk [-c file] plan CLIENT [--month YYYY-MM] "
	    "[--json]\n");
	return 2;
}

static int
open_db(struct cli *c)
{
	GString *errors = g_string_new(NULL);
	char *err = NULL;

	if (config_load(c->config_path, &c->cfg, errors) != 0) {
		fputs(errors->str, stderr);
		g_string_free(errors, TRUE);
		return -1;
	}
	g_string_free(errors, TRUE);
	/* Commands that change tickets compose mail with signed ids. */
	if (mac_init(c->cfg->key_file, &err) != 0 ||
	    db_open(c->cfg->database, &c->db, &err) != 0) {
		fprintf(stderr, "postdesk: %s\n", err);
		g_free(err);
		return -1;
	}
	return 0;
}

static int
has_flag(int argc, char **argv, const char *flag)
{
	for (int i = 0; i < argc; i++)
		if (strcmp(argv[i], flag) == 0)
			return 1;
	return 0;
}

static const char *
opt_value(int argc, char **argv, const char *opt)
{
	for (int i = 0; i + 1 < argc; i++)
		if (strcmp(argv[i], opt) == 0)
			return argv[i + 1];
	return NULL;
}

static int
dispatch(struct cli *c, int argc, char **argv)
{
	const char *cmd = argv[0];
	char *end;
	unsigned long n;

	c->json = has_flag(argc, argv, "--json");
	if (strcmp(cmd, "inspect") == 0)
		return cmd_inspect(argc, argv);
	/* Config and file only: no database, no mail (cli_rules.h). */
	if (strcmp(cmd, "rules") == 0)
		return cli_rules(c->config_path, argc, argv);
	if (strcmp(cmd, "deliver") == 0) {
		/* Pipe mode: any failure means "try again later" to the MTA,
		 * so the message is never lost. */
		if (open_db(c) != 0)
			return EX_TEMPFAIL_CODE;
		return cli_deliver(c->db, c->cfg, argc, argv);
	}
	if (strcmp(cmd, "tickets") != 0 && strcmp(cmd, "show") != 0 &&
	    strcmp(cmd, "outbox") != 0 && strcmp(cmd, "quarantine") != 0 &&
	    strcmp(cmd, "held") != 0 && strcmp(cmd, "unfiled") != 0 &&
	    strcmp(cmd, "plan") != 0 && !cli_ticket_handles(cmd))
		return usage();
	if (open_db(c) != 0)
		return 1;
	if (strcmp(cmd, "quarantine") == 0) {
		int r = cli_quarantine(c->db, c->cfg, argc, argv, c->json);

		return r == 2 ? usage() : r;
	}
	if (cli_ticket_handles(cmd))
		return cli_ticket_run(c->db, c->cfg, argc, argv);
	if (strcmp(cmd, "plan") == 0) {
		int r = cli_plan(c->db, c->cfg, argc, argv, c->json);

		return r == 2 ? usage() : r;
	}
	if (strcmp(cmd, "tickets") == 0)
		return report_tickets(c->db, opt_value(argc, argv, "--status"),
		    c->json);
	if (strcmp(cmd, "outbox") == 0)
		return report_outbox(c->db, c->json);
	if (strcmp(cmd, "held") == 0)
		return report_held(c->db, c->json);
	if (strcmp(cmd, "unfiled") == 0)
		return report_unfiled(c->db, c->json);
	if (argc < 2 || (n = strtoul(argv[1], &end, 10)) == 0 || *end)
		return usage();
	return report_show(c->db, c->cfg->tag, n, c->json);
}

int
main(int argc, char **argv)
{
	struct cli c = { .config_path = DEFAULT_CONFIG };
	int ch, r;

	while ((ch = getopt(argc, argv, "+c:")) != -1) {
		if (ch != 'c')
			return usage();
		c.config_path = optarg;
	}
	if (optind >= argc)
		return usage();
	g_mime_init();
	r = dispatch(&c, argc - optind, argv + optind);
	db_close(&c.db);
	config_free(&c.cfg);
	g_mime_shutdown();
	return r;
}
