/* cli.h: the machinery every `postdesk` subcommand shares (postdesk(1)).
 *
 * HOW TO ADD A SUBCOMMAND (e.g. `plan`, `report`, `rules test`):
 *   1. Write `int cli_NAME(struct cli *c, int argc, char **argv)` in a
 *      daemon/cli_GROUP.c file; argv[0] is the subcommand's name.
 *   2. Parse its options first, with GOption entries of your own:
 *          static GOptionEntry opts[] = { { "since", 0, 0,
 *              G_OPTION_ARG_STRING, &since, "only after DATE", "DATE" },
 *              { NULL } };
 *          if ((r = cli_options(c, &argc, &argv, opts, CLI_JSON, 0, 1)))
 *              return r;
 *      This gives it --help/-h (exit 0, from the command table's args and
 *      summary), --json when CLI_JSON is passed (sets c->json), refuses
 *      unknown options, bad values and a wrong number of positional
 *      arguments with a message and EX_USAGE.  After it argv[1..argc-1]
 *      are the positional arguments.
 *   3. Then open what it needs: cli_open(c, CLI_READ) for a command that
 *      only reads (read-only connection, no migration, no file created;
 *      a missing or older database is an error that names `postdesk
 *      migrate`), CLI_WRITE for one that changes the database (refused
 *      as another user than the state directory's owner, EX_NOPERM; the
 *      MAC key loaded for signed mail).  It returns 0 or the exit code,
 *      the message already printed.
 *   4. Fail with `return cli_fail(c, EX_NOINPUT, "ticket %lu does not
 *      exist", n);` (prints "postdesk CMD: message" to stderr).
 *   5. Print listings with cli_table() (fits the terminal, --json from
 *      the same statement) or a struct json (json.h) of your own.
 *   6. Add a row to the command table in daemon/postdesk.c and the
 *      subcommand to man/postdesk.1.
 *
 * Exit codes are those of sysexits.h: EX_OK, EX_USAGE (64) wrong use,
 * EX_DATAERR (65) a value that makes no sense for the data (ticket already
 * resolved), EX_NOINPUT (66) no such ticket/row/file, EX_UNAVAILABLE (69)
 * the database cannot be used (older schema), EX_SOFTWARE (70) a query
 * failed, EX_CANTCREAT (73) an output file, EX_TEMPFAIL (75) deliver:
 * retry later, EX_NOPERM (77) wrong user, EX_CONFIG (78) bad
 * configuration. */
#ifndef PD_CLI_H
#define PD_CLI_H

#include <stdbool.h>
#include <sysexits.h>
#include <glib.h>
#include <sqlite3.h>
#include "config.h"

struct cli;

/* A row of the command table (postdesk.c). */
struct cli_cmd {
	const char *name;
	const char *args;     /* "NUMBER", "[list|retry ID]" for --help */
	const char *summary;  /* one line */
	int (*run)(struct cli *c, int argc, char **argv);
};

struct cli {
	const char *config_path;
	struct pd_config *cfg;
	sqlite3 *db;
	const struct cli_cmd *cmd;
	gboolean json;
	int columns;          /* the terminal's width, 0: no limit */
};

/* cli_options flags. */
#define CLI_JSON 1        /* the command has --json */

int cli_options(struct cli *c, int *argc, char ***argv,
    const GOptionEntry *entries, int flags, int min_args, int max_args);

enum cli_mode {
	CLI_READ,     /* read-only; never creates or migrates */
	CLI_WRITE,    /* changes an existing, current database */
	CLI_CREATE    /* deliver, migrate: creates and migrates */
};

/* Loads the configuration and opens the database for mode (above).
 * 0, or the exit code with its message printed. */
int cli_open(struct cli *c, enum cli_mode mode);

/* Refuses (EX_NOPERM, printed) when the state directory, the database or
 * the key belongs to another user than the effective one; 0 when not. */
int cli_owner_check(struct cli *c);

/* The configuration only (inspect, checks): 0 or EX_CONFIG. */
int cli_config(struct cli *c);

/* Prints "postdesk CMD: message" and returns code. */
int cli_fail(struct cli *c, int code, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

/* A ticket or row number: true when s is a positive decimal number. */
bool cli_number(const char *s, unsigned long *n_r);
bool cli_id(const char *s, int64_t *id_r);

/* A date for --since: YYYY-MM-DD (local midnight), YYYY-MM-DD HH:MM, an
 * epoch number, or Nd / Nh (that long ago).  0 or EX_USAGE (printed). */
int cli_date(struct cli *c, const char *s, int64_t *t_r);

/* "2026-11-30 11:08" in local time. */
const char *cli_time(int64_t t, char *buf, size_t len);

/* A column of cli_table: which column of the statement, its heading,
 * how it shows. */
enum cli_fmt { CF_TEXT, CF_NUM, CF_TIME, CF_MINUTES, CF_SECONDS, CF_BOOL };
struct cli_col {
	int col;
	const char *head;
	enum cli_fmt fmt;
	bool flex;            /* the one column that shrinks (the subject) */
};

/* Prints the rows of st as a table fitting c->columns (the flex column
 * truncated with an ellipsis by display width), or with c->json as a JSON
 * array of objects keyed by column names (json_row).  Finalizes st.
 * EX_OK, or EX_SOFTWARE when st is NULL or a step failed. */
int cli_table(struct cli *c, sqlite3_stmt *st, const struct cli_col *cols,
    int ncols);

/* Display width of the UTF-8 text s (wide characters count 2). */
int cli_width(const char *s);
/* s cut to at most width display columns, "…" marking a cut; g_malloc'd. */
char *cli_fit(const char *s, int width);

/* A stranger's text made safe for a terminal: invalid UTF-8 replaced;
 * every control character (C0, DEL and the C1 range, where U+009B is an
 * 8-bit CSI that xterm obeys) and every bidirectional control (U+202A..E,
 * U+2066..9, U+200E/F, U+061C: they reorder what follows on the screen)
 * becomes repl; newlines and tabs are kept when keep_lines.  g_malloc'd. */
char *cli_safe(const char *s, char repl, bool keep_lines);

/* Writes the JSON text of a finished struct json to stdout. */
struct json;
void cli_print_json(struct json *j);

/* Appends the rows of st to j as an array of objects (json_row);
 * finalizes st.  0, or -1 when st is NULL or a step failed. */
int cli_json_rows(struct cli *c, struct json *j, sqlite3_stmt *st);

/* For a command that reads its own arguments without a struct cli
 * (plan, report): prints "postdesk CMD: message" and the line
 * "Usage: postdesk CMD ARGS" to stderr; returns EX_USAGE. */
int cli_usage(const char *cmd, const char *args, const char *fmt, ...)
    G_GNUC_PRINTF(3, 4);

#endif
