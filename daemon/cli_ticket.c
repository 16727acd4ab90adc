/* cli_ticket.c: see cli_ticket.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli.h"
#include "cli_ticket.h"
#include "db.h"
#include "store.h"
#include "ticket.h"

#define ACTOR "postdesk(cli)"

static const char *const commands[] = { "status", "priority", "type",
	"merge", "split", NULL };
static const char *const statuses[] = { "new", "open", "waiting",
	"resolved", "closed", NULL };
static const char *const priorities[] = { "low", "normal", "high", "urgent",
	NULL };
static const char *const types[] = { "question", "bug", "feature", NULL };

int
cli_ticket_handles(const char *cmd)
{
	for (const char *const *c = commands; *c; c++)
		if (strcmp(*c, cmd) == 0)
			return 1;
	return 0;
}

static char *
one_of(const char *const *list)
{
	GString *s = g_string_new(NULL);

	for (; *list; list++)
		g_string_append_printf(s, "%s%s", s->len ? ", " : "", *list);
	return g_string_free(s, FALSE);
}

static int
bad_value(struct cli *c, const char *what, const char *v,
    const char *const *list)
{
	char *l = one_of(list);
	int r = cli_fail(c, EX_USAGE, "'%s' is not a %s (one of: %s)", v,
	    what, l);

	g_free(l);
	return r;
}

/* Loads ticket n for the checks below: EX_OK with *t, or the exit code
 * with its message. */
static int
load(struct cli *c, unsigned long n, struct pd_ticket *t)
{
	int r = store_ticket_get(c->db, n, t);

	if (r < 0)
		return cli_fail(c, EX_SOFTWARE, "ticket %lu: database error",
		    n);
	if (r == 0)
		return cli_fail(c, EX_NOINPUT, "ticket %lu does not exist", n);
	return EX_OK;
}

/* Why the command cannot run, said before anything is changed: EX_OK when
 * it can. */
static int
check(struct cli *c, const char *cmd, unsigned long n, const char *arg)
{
	struct pd_ticket t = { 0 };
	unsigned long other = 0;
	int64_t id = 0;
	int r;

	if (strcmp(cmd, "status") == 0 && !ticket_status_valid(arg))
		return bad_value(c, "status", arg, statuses);
	if (strcmp(cmd, "priority") == 0 && !ticket_priority_valid(arg))
		return bad_value(c, "priority", arg, priorities);
	if (strcmp(cmd, "type") == 0 && !ticket_type_valid(arg))
		return bad_value(c, "type", arg, types);
	if (strcmp(cmd, "merge") == 0 && !cli_number(arg, &other))
		return cli_fail(c, EX_USAGE, "'%s' is not a ticket number",
		    arg);
	if (strcmp(cmd, "split") == 0 && !cli_id(arg, &id))
		return cli_fail(c, EX_USAGE, "'%s' is not a message id (the "
		    "id column of `postdesk show %lu --json`)", arg, n);
	if ((r = load(c, n, &t)) != EX_OK)
		return r;
	if (t.number != n && strcmp(cmd, "merge") == 0)
		r = cli_fail(c, EX_DATAERR, "ticket %lu was already merged "
		    "into %lu", n, t.number);
	else if (strcmp(cmd, "status") == 0 && strcmp(t.status, arg) == 0)
		r = cli_fail(c, EX_DATAERR, "ticket %lu is already %s", n, arg);
	else if (strcmp(cmd, "priority") == 0 && strcmp(t.priority, arg) == 0)
		r = cli_fail(c, EX_DATAERR, "ticket %lu already has priority "
		    "%s", n, arg);
	else if (strcmp(cmd, "type") == 0 && strcmp(t.type, arg) == 0)
		r = cli_fail(c, EX_DATAERR, "ticket %lu is already of type %s",
		    n, arg);
	store_ticket_clear(&t);
	if (r != EX_OK)
		return r;
	if (strcmp(cmd, "merge") == 0) {
		struct pd_ticket o = { 0 };

		if ((r = load(c, other, &o)) != EX_OK)
			return r;
		if (o.number == n)
			r = cli_fail(c, EX_DATAERR, "ticket %lu cannot be "
			    "merged into itself%s", n, other != n ? " (the other "
			    "was merged into it)" : "");
		store_ticket_clear(&o);
		return r;
	}
	if (strcmp(cmd, "split") == 0) {
		r = store_message_in_ticket(c->db, id, n);
		if (r < 0)
			return cli_fail(c, EX_SOFTWARE, "database error");
		if (r == 0)
			return cli_fail(c, EX_NOINPUT, "message %lld is not in "
			    "ticket %lu", (long long)id, n);
	}
	return EX_OK;
}

/* 0 changed, 1 refused, -1 database error. */
static int
apply(struct tx *n, const char *cmd, unsigned long num, const char *arg,
    const char *why)
{
	unsigned long other = 0;
	int64_t id = 0;
	int r;

	if (strcmp(cmd, "status") == 0)
		return strcmp(arg, "open") == 0 ? ticket_reopen(n, num, ACTOR,
		    why) : ticket_set_status(n, num, arg, ACTOR, why);
	if (strcmp(cmd, "priority") == 0 || strcmp(cmd, "type") == 0)
		return ticket_set_field(n, num, cmd, arg, ACTOR);
	if (strcmp(cmd, "merge") == 0)
		return cli_number(arg, &other) ? ticket_merge(n, num, other,
		    ACTOR) : 1;
	if (!cli_id(arg, &id))
		return 1;
	r = ticket_split_message(n, id, ACTOR, &other);
	if (r == 0)
		printf("%lu\n", other);
	return r;
}

int
cli_ticket_cmd(struct cli *c, int argc, char **argv)
{
	char *why = NULL;
	GOptionEntry why_opt[] = { { "why", 0, 0, G_OPTION_ARG_STRING, &why,
		"the reason, kept in the ticket's events", "TEXT" }, { NULL, 0,
		0, 0, NULL, NULL, NULL } };
	const char *cmd = argv[0];
	struct tx tx = { 0 };
	unsigned long num;
	int r;

	if ((r = cli_options(c, &argc, &argv, strcmp(cmd, "status") == 0 ?
	    why_opt : NULL, 0, 2, 2)) != 0)
		goto out;
	if (!cli_number(argv[1], &num)) {
		r = cli_fail(c, EX_USAGE, "'%s' is not a ticket number",
		    argv[1]);
		goto out;
	}
	if ((r = cli_open(c, CLI_WRITE)) != 0)
		goto out;
	if ((r = check(c, cmd, num, argv[2])) != EX_OK)
		goto out;
	tx.db = c->db;
	tx.cfg = c->cfg;
	if (db_begin(c->db) != 0) {
		r = cli_fail(c, EX_TEMPFAIL, "the database is busy");
		goto out;
	}
	r = apply(&tx, cmd, num, argv[2], why ? why : "");
	if (r != 0 || db_commit(c->db) != 0) {
		db_rollback(c->db);
		r = r == 1 ? cli_fail(c, EX_DATAERR, "ticket %lu: nothing "
		    "changed (%s %s is not possible now)", num, cmd, argv[2]) :
		    cli_fail(c, EX_SOFTWARE, "ticket %lu: database error",
		    num);
		goto out;
	}
	r = EX_OK;
out:
	g_free(why);
	return r;
}
