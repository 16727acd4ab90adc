/* unit_cli.c: the CLI's JSON writer (daemon/json.h) and its table
 * helpers (daemon/cli.h): escaping of quotes, control characters and
 * invalid UTF-8, nesting and commas, rows of a statement, display widths
 * and cutting with an ellipsis, terminal-safe text (cli_safe); what the fetch workers record for
 * `postdesk status` (store_source_seen), and the search index of schema
 * v14 (words: case, endings by prefix, attachment names, CJK words, ё; the
 * migration from the trigram index of v13). */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include "cli.h"
#include "db.h"
#include "json.h"
#include "log.h"
#include "store.h"
#include "store_cli.h"
#include "tap.h"
#include "tmpdir.h"

static void
escapes(void)
{
	GString *s = g_string_new(NULL);

	json_escape(s, "a\"b\\c\n\t\x01\x7f", 9);
	is_str(s->str, "\"a\\\"b\\\\c\\n\\t\\u0001\\u007f\"",
	    "quotes, backslashes and control characters escaped");
	g_string_truncate(s, 0);
	json_escape(s, "ok\xff\xc3(end", 8);
	is_str(s->str, "\"ok\\ufffd\\ufffd(end\"",
	    "invalid UTF-8: one U+FFFD per byte");
	g_string_truncate(s, 0);
	json_escape(s, "принтер \xe2\x80\xa8", 18);
	is_str(s->str, "\"принтер \\u2028\"",
	    "Cyrillic kept, U+2028 escaped");
	g_string_truncate(s, 0);
	json_escape(s, "a\0b", 3);
	is_str(s->str, "\"a\\u0000b\"", "NUL escaped, length honoured");
	g_string_free(s, TRUE);
}

static void
nesting(void)
{
	struct json j;

	json_init(&j);
	json_arr(&j);
	json_obj(&j);
	json_key(&j, "n");
	json_int(&j, -5);
	json_key(&j, "list");
	json_arr(&j);
	json_str(&j, "x");
	json_null(&j);
	json_bool(&j, true);
	json_end(&j);
	json_key(&j, "empty");
	json_obj(&j);
	json_end(&j);
	json_end(&j);
	json_obj(&j);
	json_end(&j);
	json_end(&j);
	is_str(json_finish(&j), "[{\"n\":-5,\"list\":[\"x\",null,true],"
	    "\"empty\":{}},{}]\n", "commas and nesting");
	json_free(&j);
}

static void
rows(void)
{
	sqlite3 *db;
	sqlite3_stmt *st;
	struct json j;

	sqlite3_open(":memory:", &db);
	sqlite3_prepare_v2(db, "SELECT 1 AS n, 'a\"' AS s, NULL AS z, 2.5 AS "
	    "f, 0 AS \"b:bool\", 'hidden' AS _t, x'0102' AS blob", -1, &st,
	    NULL);
	json_init(&j);
	sqlite3_step(st);
	json_row(&j, st);
	is_str(json_finish(&j), "{\"n\":1,\"s\":\"a\\\"\",\"z\":null,"
	    "\"f\":2.5,\"b\":false,\"blob\":2}\n",
	    "a row: numbers, strings, null, bool, _hidden left out, blob size");
	json_free(&j);
	sqlite3_finalize(st);
	sqlite3_close(db);
}

static void
widths(void)
{
	char *s;

	ok(cli_width("abc") == 3, "width of ASCII");
	ok(cli_width("принтер") == 7, "width of Cyrillic: one per letter");
	ok(cli_width("日本") == 4, "width of wide characters: two each");
	s = cli_fit("Не печатает принтер", 8);
	is_str(s, "Не печа…", "cut by display width with an ellipsis");
	ok(cli_width(s) == 8, "the cut fits");
	g_free(s);
	s = cli_fit("日本語テキスト", 5);
	ok(cli_width(s) <= 5, "a wide character is never split");
	g_free(s);
	s = cli_fit("short", 10);
	is_str(s, "short", "short text is kept");
	g_free(s);
}

/* A stranger's text on the terminal: no escape sequence in any form (ESC,
 * the 8-bit CSI U+009B that xterm obeys in UTF-8), no bidirectional
 * override reordering the line; Cyrillic and CJK untouched. */
static void
terminal(void)
{
	char *s = cli_safe("a\x1b[2Jb\xc2\x9b" "31mc\xe2\x80\xae" "fdp.exe",
	    '?', false);

	is_str(s, "a?[2Jb?31mc?fdp.exe", "ESC, C1 CSI and U+202E replaced");
	g_free(s);
	s = cli_safe("x\xe2\x81\xa6y\xe2\x80\x8fz\xd8\x9c", ' ', false);
	is_str(s, "x y z ", "isolates, RLM and ALM replaced");
	g_free(s);
	s = cli_safe("Привет\n\t日本\r\xff", '?', true);
	is_str(s, "Привет\n\t日本?\xef\xbf\xbd",
	    "lines kept when asked, CR replaced, invalid UTF-8 made U+FFFD");
	g_free(s);
	s = cli_safe("a\nb", ' ', false);
	is_str(s, "a b", "a newline in a cell is a space");
	g_free(s);
}

/* --since: a count of days beyond the Epoch means since ever (it
 * overflowed into the future: an empty list), digits past int64 are an
 * error, not the largest time. */
static void
dates(void)
{
	struct cli c = { 0 };
	int64_t t = -1;

	ok(cli_date(&c, "999999999999999d", &t) == 0 && t == 0,
	    "999999999999999d: since the Epoch, no overflow");
	t = -1;
	ok(cli_date(&c, "99999999999999999999h", &t) == EX_USAGE,
	    "a count past int64: usage error");
	ok(cli_date(&c, "99999999999999999999", &t) == EX_USAGE,
	    "seconds past int64: usage error");
	ok(cli_date(&c, "2d", &t) == 0 && t > 0 && t < (int64_t)time(NULL),
	    "2d: two days ago");
}

/* A log line carries no control character from a stranger's value: not
 * ESC, not the C1 CSI, not a newline that would forge a line (log.c). */
static void
log_line(void)
{
	char *path = g_build_filename(g_get_tmp_dir(), "unit_cli-log-XXXXXX",
	    NULL), *text = NULL;
	int fd = g_mkstemp(path), saved = dup(2);

	log_init("unit_cli", 0);
	fflush(stderr);
	dup2(fd, 2);
	log_info("msg=<a\x1b[2Jb\xc2\x9b" "31m@x> next\nforged=1 \xd0\x96");
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(fd);
	g_file_get_contents(path, &text, NULL, NULL);
	ok(text && strstr(text, "msg=<a?[2Jb??31m@x> next forged=1 \xd0\x96\n")
	    && strchr(text, '\n') == text + strlen(text) - 1,
	    "log: ESC and C1 shown as ?, one line, Cyrillic kept");
	if (text)
		printf("# %s", text);
	g_unlink(path);
	g_free(text);
	g_free(path);
}

static int64_t
num(sqlite3 *db, const char *sql)
{
	int64_t v = -1;

	db_int(db, &v, sql, "");
	return v;
}

static void
source_status(sqlite3 *db)
{
	sqlite3_stmt *st;

	store_source_seen(db, "main", 1, -1, NULL);
	ok(num(db, "SELECT connected FROM source_status WHERE source = "
	    "'main'") == 1, "connect recorded");
	ok(num(db, "SELECT last_fetch IS NULL FROM source_status") == 1,
	    "no fetch yet");
	store_source_seen(db, "main", -1, 7, NULL);
	ok(num(db, "SELECT backlog FROM source_status") == 7 &&
	    num(db, "SELECT last_fetch IS NOT NULL AND connected FROM "
	    "source_status") == 1, "a listing: backlog and time, still "
	    "connected");
	store_source_seen(db, "main", 0, -1, "connection reset");
	ok(num(db, "SELECT connected = 0 AND backlog = 7 AND last_error = "
	    "'connection reset' FROM source_status") == 1,
	    "an error: disconnected, backlog kept, error kept");
	for (int i = 0; i < 150; i++)
		store_source_seen(db, "other", 0, -1, "refused");
	ok(num(db, "SELECT COUNT(*) FROM recent_errors") == 100,
	    "only the last 100 errors are kept");
	st = store_cli_sources(db);
	ok(st && sqlite3_step(st) == SQLITE_ROW && strcmp(
	    sqlite3_column_name(st, 1), "connected:bool") == 0,
	    "status lists sources with connected as a bool");
	sqlite3_finalize(st);
}

/* How many messages the FTS5 query match finds; -1 on an error. */
static int
hits(sqlite3 *db, const char *match)
{
	sqlite3_stmt *st = store_cli_search(db, match, 100);
	int n = 0, step;

	while (st && (step = sqlite3_step(st)) == SQLITE_ROW)
		n++;
	if (!st || step != SQLITE_DONE)
		n = -1;
	sqlite3_finalize(st);
	return n;
}

static void
search_index(sqlite3 *db)
{
	sqlite3_stmt *st;
	int n = 0;

	db_exec(db, "INSERT INTO messages (id, direction, message_id, "
	    "subject, body, content_hash, raw, created) VALUES (1, 'in', "
	    "'a@b', 'Не печатает', 'ПРИНТЕРА в бухгалтерии', 'h', x'', 0)",
	    "");
	db_exec(db, "INSERT INTO attachments (message, filename, "
	    "content_type, size) VALUES (1, 'schema-podklyucheniya.pdf', "
	    "'application/pdf', 1)", "");
	st = store_cli_search(db, "\"принтер\"*", 10);
	while (st && sqlite3_step(st) == SQLITE_ROW)
		n++;
	sqlite3_finalize(st);
	ok(n == 1, "the word index folds Cyrillic case, a prefix finds the "
	    "other endings");
	ok(hits(db, "\"принтер\"") == 0, "words, not substrings: "
	    "ПРИНТЕРА is not the word принтер");
	n = 0;
	st = store_cli_search(db, "\"podklyuch\"*", 10);
	while (st && sqlite3_step(st) == SQLITE_ROW)
		n += sqlite3_column_int64(st, 1) == 1;
	sqlite3_finalize(st);
	ok(n == 1, "attachment names are indexed");
	/* Schema 13 (docs/storage.md): the index keeps no copy of the text,
	 * and a second attachment re-indexes the message with exactly what
	 * it was indexed with (FTS5's integrity-check compares the index
	 * with the view it reads). */
	ok(num(db, "SELECT COUNT(*) FROM sqlite_master WHERE name = "
	    "'search_fts_content'") == 0, "the search index keeps no copy "
	    "of the text");
	db_exec(db, "INSERT INTO attachments (message, filename, "
	    "content_type, size) VALUES (1, 'invoice-2024.pdf', "
	    "'application/pdf', 1)", "");
	n = 0;
	st = store_cli_search(db, "\"podklyuch\"* \"invoice\"*", 10);
	while (st && sqlite3_step(st) == SQLITE_ROW)
		n += sqlite3_column_int64(st, 1) == 1;
	sqlite3_finalize(st);
	ok(n == 1 && db_exec(db, "INSERT INTO search_fts(search_fts) "
	    "VALUES ('integrity-check')", "") == 0, "a second attachment: "
	    "both names found, the index matches the text");
	/* The tokenizer pd_words (fts_words.h): ё read as е both ways; a
	 * CJK word found as a phrase of its characters inside a run; its
	 * snippet marks the characters of the original text. */
	db_exec(db, "INSERT INTO messages (id, direction, message_id, "
	    "subject, body, content_hash, raw, created) VALUES (2, 'in', "
	    "'c@d', 'Счёт за ЁЛКУ', 'プリンターが動きません。東京都の事務所', "
	    "'h', x'', 0)", "");
	ok(hits(db, "\"счет\"*") == 1 && hits(db, "\"елк\"*") == 1 &&
	    hits(db, "\"ёлк\"*") == 1, "ё and е are the same letter");
	ok(hits(db, "\"京都\"*") == 1 && hits(db, "\"プリンター\"*") == 1 &&
	    hits(db, "\"動き\"*") == 1, "a CJK word inside a run is found");
	ok(hits(db, "\"京東\"*") == 0, "CJK characters in another order "
	    "are not the word");
	st = store_cli_search(db, "\"東京\"*", 10);
	ok(st && sqlite3_step(st) == SQLITE_ROW && strstr((const char *)
	    sqlite3_column_text(st, 6), "。[東京]都の") != NULL,
	    "the snippet marks the CJK characters found (%s)", st ?
	    (const char *)sqlite3_column_text(st, 6) : "");
	sqlite3_finalize(st);
	ok(db_exec(db, "INSERT INTO search_fts(search_fts) VALUES "
	    "('integrity-check')", "") == 0, "the index matches the text");
}

/* A database of schema 8 (before the search index of v9, db_create_at)
 * with a message and an attachment, as an older postdesk left it: the
 * migration indexes them for search. */
static void
migration(void)
{
	char *dir = g_dir_make_tmp("unit_cli-XXXXXX", NULL);
	char *path = g_build_filename(dir, "pd.db", NULL), *err = NULL;
	sqlite3 *db = NULL;
	sqlite3_stmt *st;
	int64_t version = 0;
	int n = 0;

	ok(db_create_at(path, 8, &err) == 0, "a database of schema 8 (%s)",
	    err ? err : "");
	sqlite3_open(path, &db);
	sqlite3_exec(db, "INSERT INTO messages (id, direction, message_id, "
	    "subject, body, content_hash, raw, created) VALUES (7, 'in', "
	    "'old@x', 'Счёт', 'Принтеры сломались', 'h', x'', 0); INSERT INTO "
	    "attachments (message, filename, content_type, size) VALUES (7, "
	    "'akt-sverki.pdf', 'application/pdf', 1);", NULL, NULL, NULL);
	sqlite3_close(db);
	db = NULL;
	ok(db_open_ro(path, &db, &version, &err) == 1 && version == 8,
	    "read-only open of schema 8: older, says which");
	db_close(&db);
	ok(db_open(path, &db, &err) == 0, "migrates from schema 8");
	ok(num(db, "PRAGMA user_version") == DB_SCHEMA_VERSION,
	    "now schema %d", DB_SCHEMA_VERSION);
	st = store_cli_search(db, "\"принтер\"* \"sverki\"*", 10);
	while (st && sqlite3_step(st) == SQLITE_ROW)
		n += sqlite3_column_int64(st, 1) == 7;
	sqlite3_finalize(st);
	ok(n == 1, "an old message and its attachment are searchable");
	db_close(&db);
	ok(db_open_ro(path, &db, &version, &err) == 0 && version ==
	    DB_SCHEMA_VERSION, "read-only open of the current schema");
	db_close(&db);
	g_free(err);
	tmp_rm_tree(dir);
	g_free(path);
	g_free(dir);
}

/* A database of schema 13 (the trigram index) with a message and two
 * attachments indexed by its triggers: the migration to 14 indexes
 * them again by words ('rebuild' over the view). */
static void
migration_v13(void)
{
	char *dir = g_dir_make_tmp("unit_cli-XXXXXX", NULL);
	char *path = g_build_filename(dir, "pd.db", NULL), *err = NULL;
	sqlite3 *db = NULL;

	ok(db_create_at(path, 13, &err) == 0, "a database of schema 13 (%s)",
	    err ? err : "");
	sqlite3_open(path, &db);
	sqlite3_exec(db, "INSERT INTO messages (id, direction, message_id, "
	    "subject, body, content_hash, raw, created) VALUES (3, 'in', "
	    "'v13@x', 'Счёт не пришёл', 'Бухгалтерии нужен акт', 'h', x'', 0);"
	    "INSERT INTO attachments (message, filename, content_type, size) "
	    "VALUES (3, 'akt-sverki.pdf', 'application/pdf', 1);"
	    "INSERT INTO attachments (message, filename, content_type, size) "
	    "VALUES (3, 'invoice_2024.pdf', 'application/pdf', 1);", NULL, NULL,
	    NULL);
	ok(num(db, "SELECT COUNT(*) FROM search_fts WHERE search_fts MATCH "
	    "'\"галтер\"'") == 1, "schema 13 finds substrings (trigrams)");
	sqlite3_close(db);
	db = NULL;
	ok(db_open(path, &db, &err) == 0 && num(db, "PRAGMA user_version") ==
	    DB_SCHEMA_VERSION, "migrates from schema 13 to %d",
	    DB_SCHEMA_VERSION);
	ok(hits(db, "\"бухгалтер\"* \"sverki\"* \"invoice\"* \"счет\"*") ==
	    1 && hits(db, "\"галтер\"*") == 0, "the old message, its text "
	    "and both attachments are indexed by words");
	ok(db_exec(db, "INSERT INTO search_fts(search_fts) VALUES "
	    "('integrity-check')", "") == 0 && num(db, "SELECT COUNT(*) FROM "
	    "sqlite_master WHERE sql LIKE '%trigram%'") == 0,
	    "no trigram index is left, the index matches the text");
	db_close(&db);
	g_free(err);
	tmp_rm_tree(dir);
	g_free(path);
	g_free(dir);
}

int
main(void)
{
	sqlite3 *db = NULL;
	char *err = NULL;

	escapes();
	nesting();
	rows();
	widths();
	terminal();
	dates();
	log_line();
	if (!ok(db_open(":memory:", &db, &err) == 0, "schema %d",
	    DB_SCHEMA_VERSION))
		printf("# %s\n", err);
	else {
		source_status(db);
		search_index(db);
	}
	db_close(&db);
	migration();
	migration_v13();
	return tap_done();
}
