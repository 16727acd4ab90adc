/* cli_list.c: the read commands on tickets: tickets, show, search, stats,
 * export (postdesk(1)).  Each opens the database read-only (cli.h). */
#include <stdio.h>
#include <string.h>
#include "cli.h"
#include "cli_list.h"
#include "clock.h"
#include "db.h"
#include "json.h"
#include "store_cli.h"
#include "stem.h"
#include "store_report.h"
#include "ticket.h"

#define NONE { NULL, 0, 0, 0, NULL, NULL, NULL }

int
cli_tickets(struct cli *c, int argc, char **argv)
{
	struct store_ticket_filter f = { 0 };
	char *status = NULL, *queue = NULL, *client = NULL, *assignee = NULL,
	    *tag = NULL, *since = NULL;
	gboolean waiting = FALSE;
	GOptionEntry opts[] = {
		{ "status", 's', 0, G_OPTION_ARG_STRING, &status,
		  "only tickets with this status", "STATUS" },
		{ "queue", 'q', 0, G_OPTION_ARG_STRING, &queue,
		  "only tickets of this queue", "QUEUE" },
		{ "client", 0, 0, G_OPTION_ARG_STRING, &client,
		  "only this client (organisation, address or domain)",
		  "CLIENT" },
		{ "assignee", 'a', 0, G_OPTION_ARG_STRING, &assignee,
		  "only tickets assigned to this agent", "AGENT" },
		{ "waiting", 'w', 0, G_OPTION_ARG_NONE, &waiting,
		  "only tickets waiting for us (the client wrote last)", NULL },
		{ "since", 0, 0, G_OPTION_ARG_STRING, &since,
		  "only tickets updated since DATE", "DATE" },
		{ "tag", 't', 0, G_OPTION_ARG_STRING, &tag,
		  "only tickets with this tag", "TAG" },
		NONE };
	static const struct cli_col cols[] = {
		{ 0, "NUMBER", CF_NUM, false }, { 1, "STATUS", CF_TEXT, false },
		{ 2, "PRIO", CF_TEXT, false }, { 4, "QUEUE", CF_TEXT, false },
		{ 11, "UPDATED", CF_TIME, false },
		{ 5, "REQUESTER", CF_TEXT, false },
		{ 9, "MSGS", CF_NUM, false },
		{ 12, "SUBJECT", CF_TEXT, true } };
	int r;

	if ((r = cli_options(c, &argc, &argv, opts, CLI_JSON, 0, 0)) != 0 ||
	    (r = cli_date(c, since, &f.since)) != 0 ||
	    (r = cli_open(c, CLI_READ)) != 0)
		goto out;
	/* A value that cannot match is a mistake, not an empty list. */
	if (status && !ticket_status_valid(status)) {
		r = cli_fail(c, EX_USAGE, "'%s' is not a status (new, open, "
		    "waiting, resolved, closed)", status);
		goto out;
	}
	if (queue && !config_queue(c->cfg, queue) &&
	    store_cli_queue_used(c->db, queue) == 0) {
		r = cli_fail(c, EX_USAGE, "there is no queue '%s' in %s",
		    queue, c->cfg->file);
		goto out;
	}
	f.status = status;
	f.queue = queue;
	f.client = client;
	f.assignee = assignee;
	f.tag = tag;
	f.waiting = waiting;
	r = cli_table(c, store_cli_tickets(c->db, &f), cols,
	    G_N_ELEMENTS(cols));
out:
	g_free(status);
	g_free(queue);
	g_free(client);
	g_free(assignee);
	g_free(tag);
	g_free(since);
	return r;
}

/* Text of a stranger's mail for the terminal: invalid UTF-8 replaced,
 * control characters (escape sequences, C1 included) and bidirectional
 * controls shown as '?', except newlines and tabs (cli_safe). */
static char *
clean(const unsigned char *s)
{
	return cli_safe((const char *)s, '?', true);
}

static void
field(const char *name, sqlite3_stmt *st, int col, enum cli_fmt fmt)
{
	char b[32], *v;

	if (sqlite3_column_type(st, col) == SQLITE_NULL ||
	    (fmt == CF_TEXT && !*sqlite3_column_text(st, col)))
		return;
	if (fmt == CF_TIME)
		v = g_strdup(cli_time(sqlite3_column_int64(st, col), b,
		    sizeof b));
	else
		v = clean(sqlite3_column_text(st, col));
	printf("%-16s%s\n", name, v);
	g_free(v);
}

static const char *
banner(const char *kind, const char *direction)
{
	if (strcmp(kind, "note") == 0)
		return "INTERNAL NOTE by";
	if (strcmp(direction, "out") == 0)
		return "SENT by";
	if (strcmp(kind, "agent") == 0)
		return "AGENT MAIL from";
	if (strcmp(kind, "client") == 0)
		return "CLIENT MAIL from";
	if (strcmp(kind, "auto") == 0)
		return "AUTOMATED MAIL from";
	return "MAIL from";
}

/* A message's text, each line of it that starts like one of our banners
 * ("===") shifted by a space: a client's mail could otherwise show a
 * forged "=== INTERNAL NOTE by ..." or "=== END OF INTERNAL NOTE ===". */
static void
text(const char *body)
{
	for (const char *p = body, *nl; ; p = nl + 1) {
		nl = strchr(p, '\n');
		if (strncmp(p, "===", 3) == 0)
			putchar(' ');
		fwrite(p, 1, nl ? (size_t)(nl - p) : strlen(p), stdout);
		putchar('\n');
		if (!nl)
			break;
	}
}

static int
show_text(struct cli *c, unsigned long n)
{
	sqlite3_stmt *st = store_cli_ticket(c->db, n);
	GString *tags = g_string_new(NULL);
	int64_t minutes = 0;
	char b[32];
	int step;

	if (!st || sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		g_string_free(tags, TRUE);
		return cli_fail(c, EX_SOFTWARE, "ticket %lu: query failed", n);
	}
	printf("%-16s%s#%lu\n", "Ticket:", c->cfg->tag, n);
	field("Subject:", st, 1, CF_TEXT);
	field("Status:", st, 2, CF_TEXT);
	field("Priority:", st, 3, CF_TEXT);
	field("Type:", st, 4, CF_TEXT);
	field("Queue:", st, 5, CF_TEXT);
	field("Requester:", st, 6, CF_TEXT);
	field("Name:", st, 7, CF_TEXT);
	field("Client:", st, 8, CF_TEXT);
	field("Assignee:", st, 9, CF_TEXT);
	field("Created:", st, 10, CF_TIME);
	field("Updated:", st, 11, CF_TIME);
	field("First response:", st, 12, CF_TIME);
	field("Resolved:", st, 13, CF_TIME);
	field("Merged into:", st, 14, CF_NUM);
	field("Rating:", st, 15, CF_NUM);
	field("Due:", st, 16, CF_TEXT);
	sqlite3_finalize(st);
	st = store_cli_tags(c->db, n);
	while (st && sqlite3_step(st) == SQLITE_ROW)
		g_string_append_printf(tags, "%s%s", tags->len ? ", " : "",
		    sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	printf("%-16s%s\n", "Tags:", tags->len ? tags->str : "-");
	g_string_free(tags, TRUE);

	st = store_cli_messages(c->db, n);
	while (st && (step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *kind = (const char *)sqlite3_column_text(st, 3);
		char *from = clean(sqlite3_column_text(st, 4));
		char *name = clean(sqlite3_column_text(st, 5));
		char *subject = clean(sqlite3_column_text(st, 8));
		char *body = clean(sqlite3_column_text(st, 9));

		printf("\n=== %s %s%s%s%s, %s, message %lld ===\n",
		    banner(kind, (const char *)sqlite3_column_text(st, 2)),
		    *name ? name : from, *name ? " <" : "", *name ? from : "",
		    *name ? ">" : "", cli_time(sqlite3_column_int64(st, 1), b,
		    sizeof b), (long long)sqlite3_column_int64(st, 0));
		printf("Subject: %s\n", subject);
		if (sqlite3_column_type(st, 10) != SQLITE_NULL)
			printf("Automated: %s\n", sqlite3_column_text(st, 10));
		if (sqlite3_column_type(st, 11) != SQLITE_NULL) {
			char *files = clean(sqlite3_column_text(st, 11));

			printf("Attachments: %s\n", files);
			g_free(files);
		}
		putchar('\n');
		text(body);
		if (strcmp(kind, "note") == 0)
			printf("=== END OF INTERNAL NOTE ===\n");
		g_free(from);
		g_free(name);
		g_free(subject);
		g_free(body);
	}
	sqlite3_finalize(st);

	printf("\n=== TIME ===\n");
	st = store_cli_time(c->db, n);
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		int64_t m = sqlite3_column_int64(st, 2);
		char *agent = clean(sqlite3_column_text(st, 1));

		minutes += m;
		printf("%s  %-24s %lldh%02lld%s\n", cli_time(
		    sqlite3_column_int64(st, 0), b, sizeof b), agent,
		    (long long)m / 60, (long long)m % 60,
		    sqlite3_column_int(st, 3) ? "" : "  (not billable)");
		g_free(agent);
	}
	sqlite3_finalize(st);
	printf("Total: %lldh%02lld\n", (long long)minutes / 60,
	    (long long)minutes % 60);

	printf("\n=== EVENTS ===\n");
	st = store_cli_events(c->db, n);
	while (st && sqlite3_step(st) == SQLITE_ROW) {
		char *actor = clean(sqlite3_column_text(st, 1));
		char *ev = clean(sqlite3_column_text(st, 2));
		char *detail = clean(sqlite3_column_text(st, 3));

		printf("%s  %-10s %-20s %s\n", cli_time(sqlite3_column_int64(st,
		    0), b, sizeof b), ev, actor, detail);
		g_free(actor);
		g_free(ev);
		g_free(detail);
	}
	sqlite3_finalize(st);
	return EX_OK;
}

/* An array of the first column of each row of st (finalizes it). */
static int
json_column(struct cli *c, struct json *j, sqlite3_stmt *st)
{
	int step = SQLITE_ERROR;

	json_arr(j);
	while (st && (step = sqlite3_step(st)) == SQLITE_ROW)
		json_str(j, (const char *)sqlite3_column_text(st, 0));
	json_end(j);
	return st ? db_rows_done(c->db, st, step) : -1;
}

/* `show N --json` with our writer (json.h): the members postdesk(1)
 * lists, every string escaped whatever the mail held. */
static int
show_json(struct cli *c, unsigned long n)
{
	sqlite3_stmt *st = store_cli_show(c->db, n, SHOW_TICKET, 0);
	static const struct { const char *key; enum store_show part; } parts[] =
	    { { "time", SHOW_TIME }, { "links", SHOW_LINKS },
	      { "tasks", SHOW_TASKS } };
	struct json j;
	int r = 0, step = SQLITE_ERROR;

	if (!st || sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return cli_fail(c, EX_SOFTWARE, "ticket %lu: query failed", n);
	}
	json_init(&j);
	json_obj(&j);
	json_fields(&j, st);
	sqlite3_finalize(st);
	json_key(&j, "tags");
	r |= json_column(c, &j, store_cli_tags(c->db, n));
	for (size_t i = 0; i < G_N_ELEMENTS(parts); i++) {
		json_key(&j, parts[i].key);
		r |= cli_json_rows(c, &j, store_cli_show(c->db, n,
		    parts[i].part, 0));
	}
	json_key(&j, "participants");
	r |= json_column(c, &j, store_cli_show(c->db, n, SHOW_PARTICIPANTS,
	    0));
	json_key(&j, "messages");
	json_arr(&j);
	st = store_cli_show(c->db, n, SHOW_MESSAGES, 0);
	while (st && (step = sqlite3_step(st)) == SQLITE_ROW) {
		json_obj(&j);
		json_fields(&j, st);
		json_key(&j, "attachments");
		r |= cli_json_rows(c, &j, store_cli_show(c->db, n,
		    SHOW_ATTACHMENTS, sqlite3_column_int64(st, 0)));
		json_end(&j);
	}
	json_end(&j);
	r |= st ? db_rows_done(c->db, st, step) : -1;
	json_key(&j, "events");
	r |= cli_json_rows(c, &j, store_cli_events(c->db, n));
	json_end(&j);
	if (r == 0)
		cli_print_json(&j);
	json_free(&j);
	return r == 0 ? EX_OK : cli_fail(c, EX_SOFTWARE, "ticket %lu: query "
	    "failed", n);
}

int
cli_show(struct cli *c, int argc, char **argv)
{
	unsigned long n;
	int r;

	if ((r = cli_options(c, &argc, &argv, NULL, CLI_JSON, 1, 1)) != 0)
		return r;
	if (!cli_number(argv[1], &n))
		return cli_fail(c, EX_USAGE, "'%s' is not a ticket number",
		    argv[1]);
	if ((r = cli_open(c, CLI_READ)) != 0)
		return r;
	if ((r = store_cli_ticket_exists(c->db, n)) <= 0)
		return r < 0 ? cli_fail(c, EX_SOFTWARE, "database error") :
		    cli_fail(c, EX_NOINPUT, "ticket %lu does not exist", n);
	return c->json ? show_json(c, n) : show_text(c, n);
}

/* Whether c is Han, Hiragana, Katakana or Hangul: the characters the
 * index's tokenizer makes a token each (fts_words.h). */
static bool
cjk_char(gunichar c)
{
	GUnicodeScript s = g_unichar_get_script(c);

	return s == G_UNICODE_SCRIPT_HAN || s == G_UNICODE_SCRIPT_HIRAGANA ||
	    s == G_UNICODE_SCRIPT_KATAKANA || s == G_UNICODE_SCRIPT_HANGUL;
}

/* An FTS5 query of the words: each without the punctuation around it,
 * stemmed as typed (stem_typed, stem.h) when it is all letters, as a
 * quoted prefix query ("stem"*: every indexed word that begins with the
 * stem, so other endings and cases are found; a word with punctuation or
 * CJK characters inside is a phrase of its parts, the last one a
 * prefix), all of them required.  NULL when no word has three characters
 * or a CJK character (shorter prefixes match too much). */
static char *
fts_query(int argc, char **argv)
{
	GString *q = g_string_new(NULL);

	for (int i = 1; i < argc; i++) {
		char **words = g_strsplit_set(argv[i], " \t\n", -1);

		for (char **w = words; *w; w++) {
			bool letters = true, cjk = false;
			char *s, *word = *w, *end;

			if (!g_utf8_validate(word, -1, NULL))
				continue;
			/* Punctuation around a word is not part of it: a
			 * shell's stray quote, "(printer)", "printer,", or
			 * FTS5 syntax typed by habit ("^word", "word*"). */
			while (*word && !g_unichar_isalnum(g_utf8_get_char(
			    word)))
				word = g_utf8_next_char(word);
			end = word + strlen(word);
			while (end > word) {
				char *prev = g_utf8_prev_char(end);

				if (g_unichar_isalnum(g_utf8_get_char(prev)))
					break;
				end = prev;
			}
			*end = '\0';
			for (const char *p = word; *p; p = g_utf8_next_char(p)) {
				letters &= g_unichar_isalpha(
				    g_utf8_get_char(p));
				cjk |= cjk_char(g_utf8_get_char(p));
			}
			if (g_utf8_strlen(word, -1) < 3 && !cjk)
				continue;
			s = letters ? stem_typed(word) : g_strdup(word);
			g_string_append(q, q->len ? " \"" : "\"");
			for (const char *p = s; *p; p++) {
				if (*p == '"')
					g_string_append_c(q, '"');
				g_string_append_c(q, *p);
			}
			g_string_append(q, "\"*");
			g_free(s);
		}
		g_strfreev(words);
	}
	if (q->len == 0) {
		g_string_free(q, TRUE);
		return NULL;
	}
	return g_string_free(q, FALSE);
}

int
cli_search(struct cli *c, int argc, char **argv)
{
	gint limit = 20;
	GOptionEntry opts[] = { { "limit", 'n', 0, G_OPTION_ARG_INT, &limit,
		"at most N results (20)", "N" }, NONE };
	sqlite3_stmt *st;
	char *q;
	int r, step;
	struct json j;

	if ((r = cli_options(c, &argc, &argv, opts, CLI_JSON, 1, 64)) != 0)
		return r;
	if (limit < 1)
		return cli_fail(c, EX_USAGE, "--limit must be 1 or more");
	if (!(q = fts_query(argc, argv)))
		return cli_fail(c, EX_USAGE, "nothing to search: words need at "
		    "least three characters");
	if ((r = cli_open(c, CLI_READ)) != 0) {
		g_free(q);
		return r;
	}
	st = store_cli_search(c->db, q, limit);
	g_free(q);
	if (!st)
		return cli_fail(c, EX_SOFTWARE, "search failed");
	json_init(&j);
	json_arr(&j);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		char *subject, *snippet, *line, *fit;

		if (c->json) {
			json_row(&j, st);
			continue;
		}
		subject = clean(sqlite3_column_text(st, 4));
		snippet = clean(sqlite3_column_text(st, 6));
		for (char *p = snippet; *p; p++)
			if (*p == '\n' || *p == '\t')
				*p = ' ';
		for (char *p = subject; *p; p++)
			if (*p == '\n' || *p == '\t')
				*p = ' ';
		line = g_strdup_printf("%s#%lld  message %lld  %s  %s",
		    c->cfg->tag, (long long)sqlite3_column_int64(st, 0),
		    (long long)sqlite3_column_int64(st, 1),
		    sqlite3_column_text(st, 2), subject);
		fit = cli_fit(line, c->columns);
		puts(fit);
		g_free(fit);
		g_free(line);
		line = g_strdup_printf("    %s", snippet);
		fit = cli_fit(line, c->columns);
		puts(fit);
		g_free(fit);
		g_free(line);
		g_free(subject);
		g_free(snippet);
	}
	json_end(&j);
	r = db_rows_done(c->db, st, step) == 0 ? EX_OK : cli_fail(c,
	    EX_SOFTWARE, "search failed: %s", sqlite3_errmsg(c->db));
	if (r == EX_OK && c->json)
		cli_print_json(&j);
	json_free(&j);
	return r;
}


int
cli_stats(struct cli *c, int argc, char **argv)
{
	char *since = NULL;
	GOptionEntry opts[] = { { "since", 0, 0, G_OPTION_ARG_STRING, &since,
		"count from DATE (default: everything)", "DATE" }, NONE };
	static const struct cli_col cols[] = {
		{ 0, "NAME", CF_TEXT, true }, { 1, "OPENED", CF_NUM, false },
		{ 2, "RESOLVED", CF_NUM, false },
		{ 3, "WAITING", CF_NUM, false },
		{ 4, "MEDIAN 1ST RESPONSE", CF_SECONDS, false },
		{ 5, "RATINGS", CF_NUM, false },
		{ 6, "AVG RATING", CF_TEXT, false } };
	int64_t from = 0;
	struct json j;
	int r;

	if ((r = cli_options(c, &argc, &argv, opts, CLI_JSON, 0, 0)) != 0 ||
	    (r = cli_date(c, since, &from)) != 0 ||
	    (r = cli_open(c, CLI_READ)) != 0)
		goto out;
	if (c->json) {
		json_init(&j);
		json_obj(&j);
		json_key(&j, "since");
		json_int(&j, from);
		json_key(&j, "queues");
		r = cli_json_rows(c, &j, store_cli_stats(c->db, false, from));
		json_key(&j, "agents");
		if (r == 0)
			r = cli_json_rows(c, &j, store_cli_stats(c->db, true,
			    from));
		json_end(&j);
		if (r == 0)
			cli_print_json(&j);
		json_free(&j);
		r = r == 0 ? EX_OK : cli_fail(c, EX_SOFTWARE, "query failed");
		goto out;
	}
	printf("BY QUEUE\n");
	if ((r = cli_table(c, store_cli_stats(c->db, false, from), cols,
	    G_N_ELEMENTS(cols))) != EX_OK)
		goto out;
	printf("\nBY AGENT\n");
	r = cli_table(c, store_cli_stats(c->db, true, from), cols,
	    G_N_ELEMENTS(cols));
out:
	g_free(since);
	return r;
}

/* One ticket as export writes it: its fields, tags, time, events and
 * every message with a summary of its headers, its text, the names of
 * its attachments, and whether it is internal (a note). */
static int
export_ticket(struct cli *c, struct json *j, unsigned long n)
{
	sqlite3_stmt *st = store_cli_ticket(c->db, n);
	int step, r = 0;

	if (!st || sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return -1;
	}
	json_obj(j);
	json_fields(j, st);
	sqlite3_finalize(st);
	json_key(j, "tags");
	json_arr(j);
	st = store_cli_tags(c->db, n);
	while (st && (step = sqlite3_step(st)) == SQLITE_ROW)
		json_str(j, (const char *)sqlite3_column_text(st, 0));
	json_end(j);
	if (!st || db_rows_done(c->db, st, step) != 0)
		r = -1;
	json_key(j, "time");
	if (cli_json_rows(c, j, store_cli_time(c->db, n)) != 0)
		r = -1;
	json_key(j, "events");
	if (cli_json_rows(c, j, store_cli_events(c->db, n)) != 0)
		r = -1;
	json_key(j, "messages");
	json_arr(j);
	st = store_cli_messages(c->db, n);
	while (st && (step = sqlite3_step(st)) == SQLITE_ROW) {
		const char *kind = (const char *)sqlite3_column_text(st, 3);

		json_obj(j);
		json_key(j, "id");
		json_int(j, sqlite3_column_int64(st, 0));
		json_key(j, "date");
		json_int(j, sqlite3_column_int64(st, 1));
		json_key(j, "direction");
		json_str(j, (const char *)sqlite3_column_text(st, 2));
		json_key(j, "kind");
		json_str(j, kind);
		json_key(j, "internal");
		json_bool(j, strcmp(kind, "note") == 0);
		json_key(j, "headers");
		json_obj(j);
		json_key(j, "message_id");
		json_str(j, (const char *)sqlite3_column_text(st, 12));
		json_key(j, "in_reply_to");
		json_str(j, (const char *)sqlite3_column_text(st, 13));
		json_key(j, "from");
		json_str(j, (const char *)sqlite3_column_text(st, 4));
		json_key(j, "from_name");
		json_str(j, (const char *)sqlite3_column_text(st, 5));
		json_key(j, "to");
		json_str(j, (const char *)sqlite3_column_text(st, 6));
		json_key(j, "cc");
		json_str(j, (const char *)sqlite3_column_text(st, 7));
		json_key(j, "subject");
		json_str(j, (const char *)sqlite3_column_text(st, 8));
		json_end(j);
		json_key(j, "automated");
		json_str(j, (const char *)sqlite3_column_text(st, 10));
		json_key(j, "text");
		json_str(j, (const char *)sqlite3_column_text(st, 9));
		json_key(j, "attachments");
		if (cli_json_rows(c, j, store_cli_files(c->db,
		    sqlite3_column_int64(st, 0))) != 0)
			r = -1;
		json_end(j);
	}
	json_end(j);
	if (!st || db_rows_done(c->db, st, step) != 0)
		r = -1;
	json_end(j);
	return r;
}

int
cli_export(struct cli *c, int argc, char **argv)
{
	char *since = NULL;
	GOptionEntry opts[] = { { "since", 0, 0, G_OPTION_ARG_STRING, &since,
		"only tickets updated since DATE", "DATE" }, NONE };
	sqlite3_stmt *st;
	int64_t from = 0;
	struct json j;
	int r, step = SQLITE_ERROR;

	if ((r = cli_options(c, &argc, &argv, opts, CLI_JSON, 0, 0)) != 0 ||
	    (r = cli_date(c, since, &from)) != 0)
		goto out;
	if (!c->json) {
		r = cli_fail(c, EX_USAGE, "export writes JSON only: say "
		    "--json");
		goto out;
	}
	if ((r = cli_open(c, CLI_READ)) != 0)
		goto out;
	/* One read transaction: the export is the database at one
	 * instant, while the daemon goes on. */
	sqlite3_exec(c->db, "BEGIN", NULL, NULL, NULL);
	json_init(&j);
	json_arr(&j);
	st = store_cli_export_tickets(c->db, from);
	r = 0;
	/* Written ticket by ticket: memory stays bounded by the largest
	 * ticket, whatever the size of the database. */
	while (st && r == 0 && (step = sqlite3_step(st)) == SQLITE_ROW) {
		r = export_ticket(c, &j, (unsigned long)sqlite3_column_int64(st,
		    0));
		fputs(j.s->str, stdout);
		g_string_truncate(j.s, 0);
	}
	json_end(&j);
	if (r == 0 && (!st || db_rows_done(c->db, st, step) != 0))
		r = -1;
	else if (r != 0)
		sqlite3_finalize(st);
	sqlite3_exec(c->db, "COMMIT", NULL, NULL, NULL);
	if (r == 0)
		cli_print_json(&j);
	json_free(&j);
	r = r == 0 ? EX_OK : cli_fail(c, EX_SOFTWARE, "export failed: %s",
	    sqlite3_errmsg(c->db));
out:
	g_free(since);
	return r;
}
