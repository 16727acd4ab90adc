/* postdesk.c: the command-line tool for admins and scripts (SPEC §13).
 *
 * Tables for people, --json for scripts.  JSON is produced by SQLite's own
 * json_object()/json_group_array(), so quoting is never done by hand. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <gmime/gmime.h>
#include "config.h"
#include "db.h"
#include "cli_mail.h"
#include "cli_ticket.h"
#include "inspect.h"
#include "mac.h"

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
	    "       postdesk inspect MESSAGE.eml [--json]\n");
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

/* Prints the single text value a JSON-producing query returns. */
static int
print_json(sqlite3 *db, sqlite3_stmt *st)
{
	int r = -1;

	if (st && sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *s = sqlite3_column_text(st, 0);

		if (s)
			printf("%s\n", (const char *)s);
		r = s ? 0 : 1;
	} else if (st)
		r = 1; /* no row: nothing to show */
	else
		fprintf(stderr, "postdesk: %s\n", sqlite3_errmsg(db));
	sqlite3_finalize(st);
	return r;
}

static const char *
when(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;

	strftime(buf, len, "%Y-%m-%d %H:%M", localtime(&tt));
	return buf;
}

static int
cmd_tickets(struct cli *c, const char *status)
{
	static const char cols[] = "t.number AS number, t.subject AS "
	    "subject, t.status AS status, t.requester AS requester, (SELECT "
	    "COUNT(*) FROM messages m WHERE m.ticket = t.number) AS messages, "
	    "t.created AS created, t.updated AS updated FROM tickets t WHERE "
	    "t.merged_into IS NULL AND (?1 IS NULL OR t.status = ?1)";
	char *sql, b1[32];
	sqlite3_stmt *st;

	if (c->json) {
		sql = g_strdup_printf("SELECT json_group_array(json_object("
		    "'number', number, 'subject', subject, 'status', status, "
		    "'requester', requester, 'messages', messages, 'created', "
		    "created, 'updated', updated)) FROM (SELECT %s ORDER BY "
		    "t.number)", cols);
		st = db_prep(c->db, sql, "t", status);
		g_free(sql);
		return print_json(c->db, st);
	}
	sql = g_strdup_printf("SELECT %s ORDER BY t.number", cols);
	st = db_prep(c->db, sql, "t", status);
	g_free(sql);
	printf("%-8s %-8s %-16s %-28s %4s  %s\n", "NUMBER", "STATUS",
	    "UPDATED", "REQUESTER", "MSGS", "SUBJECT");
	while (st && sqlite3_step(st) == SQLITE_ROW)
		printf("%-8lld %-8s %-16s %-28s %4lld  %s\n",
		    (long long)sqlite3_column_int64(st, 0),
		    sqlite3_column_text(st, 2), when(sqlite3_column_int64(st,
		    6), b1, sizeof b1), sqlite3_column_text(st, 3),
		    (long long)sqlite3_column_int64(st, 4),
		    sqlite3_column_text(st, 1));
	sqlite3_finalize(st);
	return 0;
}

static const char show_json[] =
"SELECT json_object('number', t.number, 'subject', t.subject,"
" 'status', t.status, 'priority', t.priority, 'type', t.type,"
" 'queue', t.queue, 'requester', t.requester,"
" 'requester_name', t.requester_name, 'language', t.language,"
" 'assignee', t.assignee, 'root_id', t.root_id,"
" 'created', t.created, 'updated', t.updated,"
" 'resolved_at', t.resolved_at, 'closed_at', t.closed_at,"
" 'reopens', t.reopens, 'rating', t.rating, 'merged_into', t.merged_into,"
" 'first_response', t.first_response, 'due', t.due, 'client', t.client,"
" 'tags', (SELECT json_group_array(g.tag) FROM ticket_tags g"
"   WHERE g.ticket = t.number),"
" 'time', (SELECT json_group_array(json_object('agent', e.agent,"
"   'minutes', e.minutes, 'billable', json(CASE WHEN e.billable"
"   THEN 'true' ELSE 'false' END))) FROM time_entries e"
"   WHERE e.ticket = t.number),"
" 'links', (SELECT json_group_array(json_object('a', l.a, 'b', l.b,"
"   'kind', l.kind)) FROM ticket_links l WHERE l.a = t.number"
"   OR l.b = t.number),"
" 'tasks', (SELECT json_group_array(json_object('idx', k.idx,"
"   'text', k.text, 'split_into', k.split_into)) FROM (SELECT * FROM tasks"
"   WHERE ticket = t.number ORDER BY idx) k),"
" 'participants', (SELECT json_group_array(p.address) FROM participants p"
"   WHERE p.ticket = t.number),"
" 'messages', (SELECT json_group_array(json_object('id', m.id,"
"   'message_id', m.message_id, 'from', m.from_addr,"
"   'from_name', m.from_name, 'subject', m.subject,"
"   'direction', m.direction, 'kind', m.kind, 'text', m.body,"
"   'automated', json(CASE WHEN m.automated IS NULL THEN 'false'"
"     ELSE 'true' END), 'automated_reason', m.automated,"
"   'created', m.created,"
"   'attachments', (SELECT json_group_array(json_object("
"     'filename', a.filename, 'content_type', a.content_type,"
"     'size', a.size)) FROM attachments a WHERE a.message = m.id)))"
"   FROM (SELECT * FROM messages WHERE ticket = t.number ORDER BY id) m),"
" 'events', (SELECT json_group_array(json_object('at', e.at,"
"   'actor', e.actor, 'event', e.event, 'detail', e.detail))"
"   FROM (SELECT * FROM events WHERE ticket = t.number ORDER BY id) e))"
" FROM tickets t WHERE t.number = ?";

static int
cmd_show(struct cli *c, unsigned long n)
{
	sqlite3_stmt *st;
	char b[32];
	int found = 0;

	if (c->json) {
		if (print_json(c->db, db_prep(c->db, show_json, "u", n)) == 0)
			return 0;
		fprintf(stderr, "postdesk: no ticket %lu\n", n);
		return 1;
	}
	st = db_prep(c->db, "SELECT number, subject, status, priority, type, "
	    "queue, requester, COALESCE(assignee, '-'), created FROM tickets "
	    "WHERE number = ?", "u", n);
	if (st && sqlite3_step(st) == SQLITE_ROW) {
		found = 1;
		printf("Ticket:    %s#%lld\nSubject:   %s\nStatus:    %s\n"
		    "Priority:  %s\nType:      %s\nQueue:     %s\n"
		    "Requester: %s\nAssignee:  %s\nCreated:   %s\n",
		    c->cfg->tag, (long long)sqlite3_column_int64(st, 0),
		    sqlite3_column_text(st, 1), sqlite3_column_text(st, 2),
		    sqlite3_column_text(st, 3), sqlite3_column_text(st, 4),
		    sqlite3_column_text(st, 5), sqlite3_column_text(st, 6),
		    sqlite3_column_text(st, 7), when(sqlite3_column_int64(st,
		    8), b, sizeof b));
	}
	sqlite3_finalize(st);
	if (!found) {
		fprintf(stderr, "postdesk: no ticket %lu\n", n);
		return 1;
	}
	st = db_prep(c->db, "SELECT created, direction, from_addr, subject, "
	    "body, automated FROM messages WHERE ticket = ? ORDER BY id", "u",
	    n);
	while (st && sqlite3_step(st) == SQLITE_ROW)
		printf("\n--- %s %s %s%s%s\nSubject: %s\n\n%s\n",
		    when(sqlite3_column_int64(st, 0), b, sizeof b),
		    strcmp((const char *)sqlite3_column_text(st, 1), "in") ?
		    "to" : "from", sqlite3_column_text(st, 2),
		    sqlite3_column_text(st, 5) ? " (automated: " : "",
		    sqlite3_column_text(st, 5) ? (const char *)
		    sqlite3_column_text(st, 5) : "", sqlite3_column_text(st, 3),
		    sqlite3_column_text(st, 4));
	sqlite3_finalize(st);
	return 0;
}

static int
cmd_outbox(struct cli *c)
{
	sqlite3_stmt *st;

	if (c->json)
		return print_json(c->db, db_prep(c->db, "SELECT "
		    "json_group_array(json_object('id', id, 'ticket', ticket, "
		    "'kind', kind, 'message_id', message_id, 'rcpt', rcpt, "
		    "'status', status, 'attempts', attempts, 'next_attempt', "
		    "next_attempt, 'last_error', last_error)) FROM (SELECT * "
		    "FROM outbox ORDER BY id)", ""));
	st = db_prep(c->db, "SELECT id, COALESCE(ticket, 0), kind, rcpt, "
	    "status, attempts, last_error FROM outbox ORDER BY id", "");
	printf("%-6s %-8s %-10s %-8s %3s  %-28s %s\n", "ID", "TICKET", "KIND",
	    "STATUS", "TRY", "RCPT", "LAST ERROR");
	while (st && sqlite3_step(st) == SQLITE_ROW)
		printf("%-6lld %-8lld %-10s %-8s %3lld  %-28s %s\n",
		    (long long)sqlite3_column_int64(st, 0),
		    (long long)sqlite3_column_int64(st, 1),
		    sqlite3_column_text(st, 2), sqlite3_column_text(st, 4),
		    (long long)sqlite3_column_int64(st, 5),
		    sqlite3_column_text(st, 3), sqlite3_column_text(st, 6));
	sqlite3_finalize(st);
	return 0;
}

static int
cmd_held(struct cli *c)
{
	sqlite3_stmt *st;

	if (c->json)
		return print_json(c->db, db_prep(c->db, "SELECT "
		    "json_group_array(json_object('id', id, 'agent', agent, "
		    "'message_id', message_id, 'reason', reason, 'status', "
		    "status, 'created', created)) FROM (SELECT * FROM held "
		    "ORDER BY id)", ""));
	st = db_prep(c->db, "SELECT id, status, agent, message_id, reason FROM "
	    "held ORDER BY id", "");
	printf("%-6s %-9s %-20s %s\n", "ID", "STATUS", "AGENT", "MESSAGE-ID");
	while (st && sqlite3_step(st) == SQLITE_ROW)
		printf("%-6lld %-9s %-20s <%s> %s\n",
		    (long long)sqlite3_column_int64(st, 0),
		    sqlite3_column_text(st, 1), sqlite3_column_text(st, 2),
		    sqlite3_column_text(st, 3), sqlite3_column_text(st, 4));
	sqlite3_finalize(st);
	return 0;
}

/* Messages kept outside any ticket: automated mail that answers none
 * (postdesk.conf(5) "floods"), confirmations, multi-ticket mail. */
static int
cmd_unfiled(struct cli *c)
{
	sqlite3_stmt *st;

	if (c->json)
		return print_json(c->db, db_prep(c->db, "SELECT "
		    "json_group_array(json_object('id', id, 'kind', kind, "
		    "'message_id', message_id, 'from', from_addr, "
		    "'subject', subject, 'automated', automated, 'created', "
		    "created)) FROM "
		    "(SELECT * FROM messages WHERE ticket IS NULL AND "
		    "direction = 'in' ORDER BY id)", ""));
	st = db_prep(c->db, "SELECT id, kind, from_addr, subject FROM messages "
	    "WHERE ticket IS NULL AND direction = 'in' ORDER BY id", "");
	printf("%-6s %-8s %-28s %s\n", "ID", "KIND", "FROM", "SUBJECT");
	while (st && sqlite3_step(st) == SQLITE_ROW)
		printf("%-6lld %-8s %-28s %s\n",
		    (long long)sqlite3_column_int64(st, 0),
		    sqlite3_column_text(st, 1), sqlite3_column_text(st, 2),
		    sqlite3_column_text(st, 3));
	sqlite3_finalize(st);
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
	    !cli_ticket_handles(cmd))
		return usage();
	if (open_db(c) != 0)
		return 1;
	if (strcmp(cmd, "quarantine") == 0) {
		int r = cli_quarantine(c->db, c->cfg, argc, argv, c->json);

		return r == 2 ? usage() : r;
	}
	if (cli_ticket_handles(cmd))
		return cli_ticket_run(c->db, c->cfg, argc, argv);
	if (strcmp(cmd, "tickets") == 0)
		return cmd_tickets(c, opt_value(argc, argv, "--status"));
	if (strcmp(cmd, "outbox") == 0)
		return cmd_outbox(c);
	if (strcmp(cmd, "held") == 0)
		return cmd_held(c);
	if (strcmp(cmd, "unfiled") == 0)
		return cmd_unfiled(c);
	if (argc < 2 || (n = strtoul(argv[1], &end, 10)) == 0 || *end)
		return usage();
	return cmd_show(c, n);
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
