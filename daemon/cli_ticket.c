/* cli_ticket.c: see cli_ticket.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli_ticket.h"
#include "db.h"
#include "ticket.h"

#define ACTOR "postdesk(cli)"

static const char *const commands[] = { "status", "priority", "type",
	"merge", "split", NULL };

int
cli_ticket_handles(const char *cmd)
{
	for (const char *const *c = commands; *c; c++)
		if (strcmp(*c, cmd) == 0)
			return 1;
	return 0;
}

static unsigned long
number(const char *s)
{
	char *end;
	unsigned long n = s ? strtoul(s, &end, 10) : 0;

	return s && *s && !*end ? n : 0;
}

static const char *
why_of(int argc, char **argv)
{
	for (int i = 0; i + 1 < argc; i++)
		if (strcmp(argv[i], "--why") == 0)
			return argv[i + 1];
	return "";
}

/* 1 when message row id belongs to ticket num (after merges), 0 when
 * not, -1 on a database error. */
static int
message_of(struct tx *n, unsigned long num, int64_t id)
{
	struct pd_ticket t;
	int r;

	if ((r = store_ticket_get(n->db, num, &t)) != 1)
		return r;
	r = store_message_in_ticket(n->db, id, t.number);
	store_ticket_clear(&t);
	return r;
}

/* 0 changed, 1 refused, -1 database error. */
static int
apply(struct tx *n, int argc, char **argv)
{
	const char *cmd = argv[0];
	unsigned long num = number(argv[1]), other;
	int r;

	if (!num || argc < 3)
		return 1;
	if (strcmp(cmd, "status") == 0) {
		if (strcmp(argv[2], "open") == 0 || !ticket_status_valid(
		    argv[2]))
			return strcmp(argv[2], "open") == 0 ? ticket_reopen(n,
			    num, ACTOR, why_of(argc, argv)) : 1;
		return ticket_set_status(n, num, argv[2], ACTOR,
		    why_of(argc, argv));
	}
	if (strcmp(cmd, "priority") == 0 || strcmp(cmd, "type") == 0)
		return ticket_set_field(n, num, cmd, argv[2], ACTOR);
	if (strcmp(cmd, "merge") == 0)
		return (other = number(argv[2])) ? ticket_merge(n, num, other,
		    ACTOR) : 1;
	if ((r = message_of(n, num, strtoll(argv[2], NULL, 10))) != 1)
		return r < 0 ? -1 : 1;
	r = ticket_split_message(n, strtoll(argv[2], NULL, 10), ACTOR,
	    &other);
	if (r == 0)
		printf("%lu\n", other);
	return r;
}

int
cli_ticket_run(sqlite3 *db, const struct pd_config *cfg, int argc,
    char **argv)
{
	struct tx tx = { .db = db, .cfg = cfg };
	int r;

	if (db_begin(db) != 0)
		return 1;
	r = apply(&tx, argc, argv);
	if (r != 0 || db_commit(db) != 0) {
		db_rollback(db);
		if (r == 1)
			fprintf(stderr, "postdesk: %s: nothing changed (unknown "
			    "ticket, same value or invalid argument)\n",
			    argv[0]);
		return 1;
	}
	return 0;
}
