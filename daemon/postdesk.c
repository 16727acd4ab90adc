/* postdesk.c: the command-line tool for admins and scripts (postdesk(1)).
 *
 * One binary, one subcommand per row of the table below; the machinery
 * they share (options, --help, --json, exit codes, read-only opening) is
 * cli.h.  Tables for people, --json for scripts. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <gmime/gmime.h>
#include "cli.h"
#include "cli_admin.h"
#include "cli_list.h"
#include "cli_mail.h"
#include "cli_plan.h"
#include "cli_report.h"
#include "cli_rules.h"
#include "cli_faq.h"
#include "cli_ticket.h"
#include "config.h"
#include "db.h"

#define DEFAULT_CONFIG SYSCONFDIR "/postdesk/postdesk.conf"

static int cli_rules_cmd(struct cli *c, int argc, char **argv);
static int cli_plan_cmd(struct cli *c, int argc, char **argv);
static int cli_report_cmd(struct cli *c, int argc, char **argv);

static const struct cli_cmd commands[] = {
	{ "tickets", "", "List tickets, with filters.", cli_tickets },
	{ "show", "NUMBER", "Show one ticket: its thread with internal notes "
	  "marked, tags, time and events.", cli_show },
	{ "search", "WORDS...", "Search subjects, texts and attachment names "
	  "(case and word endings do not matter), best first.", cli_search },
	{ "stats", "", "Opened, resolved, waiting, median first response and "
	  "ratings per queue and per agent.", cli_stats },
	{ "export", "", "Every ticket with its messages, notes and events as "
	  "JSON (needs --json).", cli_export },
	{ "status", "[NUMBER STATUS]", "Without arguments: the gateway's "
	  "sources, outbox, held mail, quarantine and last errors.  With "
	  "them: set a ticket's status (--why TEXT).", cli_status },
	{ "priority", "NUMBER PRIORITY", "Set a ticket's priority.",
	  cli_ticket_cmd },
	{ "type", "NUMBER TYPE", "Set a ticket's type.", cli_ticket_cmd },
	{ "merge", "NUMBER INTO-NUMBER", "Merge a ticket into another.",
	  cli_ticket_cmd },
	{ "split", "NUMBER MESSAGE-ID", "Move one message of a ticket into a "
	  "new ticket.", cli_ticket_cmd },
	{ "outbox", "[list | retry ID]", "Outgoing mail; retry a failed one "
	  "now.", cli_outbox },
	{ "held", "[list | release ID | drop ID]", "Agent mail held for a "
	  "confirmation; release it as the agent's, or drop it.", cli_held },
	{ "unfiled", "", "Messages kept outside any ticket.", cli_unfiled },
	{ "quarantine", "[list | show ID | retry ID | drop ID]", "What could "
	  "not be read as mail.", cli_quarantine_cmd },
	{ "deliver", "", "Read one message from standard input (pipe from an "
	  "MTA); exit 75 means try again.", cli_deliver_cmd },
	{ "backup", "FILE", "A consistent copy of the database while the "
	  "daemon runs, and the key as FILE.key.", cli_backup },
	{ "migrate", "", "Take a backup, then bring the database schema up to "
	  "date (or create the database).", cli_migrate },
	{ "inspect", "MESSAGE.eml", "How postdesk reads a message file (no "
	  "database).", cli_inspect },
	{ "rules", "test MESSAGE.eml [--source NAME]", "Which routing rules "
	  "match a message, and the verdict (no database, no mail).",
	  cli_rules_cmd },
	{ "plan", "CLIENT [--month YYYY-MM]", "A client's billable hours of a "
	  "month against its plan.", cli_plan_cmd },
	{ "report", "CLIENT [--month YYYY-MM] [--send]", "A client's monthly "
	  "report (last month by default); --send mails it to the client's "
	  "addresses.", cli_report_cmd },
	{ "faq", "[list | show ID | drop ID | test MESSAGE.eml]", "The FAQ "
	  "entries (answer files with a title, and #faq ones); which a mail "
	  "would be offered, with scores (read-only).", cli_faq },
};

/* --help or -h among a command's own arguments (commands that parse
 * their arguments themselves). */
static bool
wants_help(struct cli *c, int argc, char **argv)
{
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 ||
		    strcmp(argv[i], "-h") == 0) {
			printf("Usage: postdesk %s %s [--json]\n\n%s\n",
			    c->cmd->name, c->cmd->args, c->cmd->summary);
			return true;
		}
	return false;
}

/* `rules test` reads the configuration and the file only (cli_rules.h);
 * its 2 is a usage error, 1 a file or configuration it cannot use. */
static int
cli_rules_cmd(struct cli *c, int argc, char **argv)
{
	int r;

	if (wants_help(c, argc, argv))
		return EX_OK;
	r = cli_rules(c->config_path, argc, argv);
	return r == 2 ? EX_USAGE : r == 1 ? EX_DATAERR : r;
}

/* `plan` (cli_plan.h): its exit status, sysexits.h. */
static int
cli_plan_cmd(struct cli *c, int argc, char **argv)
{
	bool json = false;
	int r;

	if (wants_help(c, argc, argv))
		return EX_OK;
	for (int i = 1; i < argc; i++)
		json |= strcmp(argv[i], "--json") == 0;
	if ((r = cli_open(c, CLI_READ)) != 0)
		return r;
	return cli_plan(c->db, c->cfg, argc, argv, json);
}

/* `report` (cli_report.h): --send queues mail, so it writes; its exit
 * status, sysexits.h. */
static int
cli_report_cmd(struct cli *c, int argc, char **argv)
{
	bool send = false;
	int r;

	if (wants_help(c, argc, argv))
		return EX_OK;
	for (int i = 1; i < argc; i++)
		send |= strcmp(argv[i], "--send") == 0;
	if ((r = cli_open(c, send ? CLI_WRITE : CLI_READ)) != 0)
		return r;
	return cli_report(c->db, c->cfg, argc, argv);
}

static void
help(FILE *fp)
{
	fprintf(fp, "Usage: postdesk [-c FILE] COMMAND [OPTIONS] "
	    "[ARGUMENTS]\n\n"
	    "  -c, --config FILE  the configuration (%s)\n"
	    "  -h, --help         this help; COMMAND --help for a command's\n"
	    "  -V, --version      the version\n\nCommands:\n",
	    DEFAULT_CONFIG);
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
		fprintf(fp, "  %-11s %s\n", commands[i].name,
		    commands[i].args);
	fprintf(fp, "\nSee postdesk(1).\n");
}

/* Tables fit the terminal: $COLUMNS when set, else the width of the
 * terminal on stdout, else (a pipe, a file) no limit. */
static int
columns(void)
{
	const char *env = getenv("COLUMNS");
	struct winsize ws;

	if (env && atoi(env) > 0)
		return atoi(env);
	if (isatty(STDOUT_FILENO) && ioctl(STDOUT_FILENO, TIOCGWINSZ,
	    &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 } };
	struct cli c = { .config_path = DEFAULT_CONFIG };
	int ch, r = EX_USAGE;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, "+c:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			c.config_path = optarg;
			break;
		case 'h':
			help(stdout);
			return EX_OK;
		case 'V':
			printf("postdesk %s (database schema %d)\n",
			    PD_VERSION, DB_SCHEMA_VERSION);
			return EX_OK;
		default:
			fprintf(stderr, "postdesk: unknown option '%s' "
			    "(see postdesk --help)\n", argv[optind - 1]);
			return EX_USAGE;
		}
	}
	if (optind >= argc) {
		help(stderr);
		return EX_USAGE;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(commands); i++)
		if (strcmp(commands[i].name, argv[optind]) == 0)
			c.cmd = &commands[i];
	if (!c.cmd) {
		fprintf(stderr, "postdesk: unknown command '%s' (see postdesk "
		    "--help)\n", argv[optind]);
		return EX_USAGE;
	}
	c.columns = columns();
	g_mime_init();
	r = c.cmd->run(&c, argc - optind, argv + optind);
	db_close(&c.db);
	config_free(&c.cfg);
	g_mime_shutdown();
	return r;
}
