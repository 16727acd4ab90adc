/* cli_admin.c: the admin's commands (postdesk(1)): status, outbox, held,
 * unfiled, backup, migrate, inspect. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include "cli.h"
#include "cli_admin.h"
#include "cli_ticket.h"
#include "clock.h"
#include "db.h"
#include "inspect.h"
#include "json.h"
#include "pipeline.h"
#include "store.h"
#include "store_cli.h"

#define NONE { NULL, 0, 0, 0, NULL, NULL, NULL }


/* `postdesk status` without arguments: the gateway's state. */
static int
gateway_status(struct cli *c)
{
	static const struct cli_col src_cols[] = {
		{ 0, "SOURCE", CF_TEXT, false },
		{ 1, "CONNECTED", CF_BOOL, false },
		{ 3, "LAST FETCH", CF_TIME, false },
		{ 4, "BACKLOG", CF_NUM, false },
		{ 6, "ERROR AT", CF_TIME, false },
		{ 5, "LAST ERROR", CF_TEXT, true } };
	static const struct cli_col err_cols[] = {
		{ 0, "AT", CF_TIME, false }, { 1, "SOURCE", CF_TEXT, false },
		{ 2, "ERROR", CF_TEXT, true } };
	struct store_counts n;
	struct json j;
	int r;

	if ((r = cli_open(c, CLI_READ)) != 0)
		return r;
	if (store_cli_counts(c->db, pd_now(), &n) != 0)
		return cli_fail(c, EX_SOFTWARE, "query failed");
	if (c->json) {
		json_init(&j);
		json_obj(&j);
		json_key(&j, "sources");
		r = cli_json_rows(c, &j, store_cli_sources(c->db));
		json_key(&j, "outbox");
		json_obj(&j);
		json_key(&j, "due");
		json_int(&j, n.due);
		json_key(&j, "later");
		json_int(&j, n.pending);
		json_key(&j, "failed");
		json_int(&j, n.failed);
		json_end(&j);
		json_key(&j, "held");
		json_int(&j, n.held);
		json_key(&j, "quarantine");
		json_int(&j, n.quarantine);
		json_key(&j, "errors");
		if (r == 0)
			r = cli_json_rows(c, &j, store_cli_errors(c->db, 10));
		json_key(&j, "never_seen");
		json_arr(&j);
		for (guint i = 0; i < c->cfg->sources->len; i++) {
			const struct pd_source *src = c->cfg->sources->pdata[i];

			if (store_cli_source_known(c->db, src->name) == 0)
				json_str(&j, src->name);
		}
		json_end(&j);
		json_end(&j);
		if (r == 0)
			cli_print_json(&j);
		json_free(&j);
		return r == 0 ? EX_OK : cli_fail(c, EX_SOFTWARE, "query "
		    "failed");
	}
	if ((r = cli_table(c, store_cli_sources(c->db), src_cols,
	    G_N_ELEMENTS(src_cols))) != EX_OK)
		return r;
	/* Configured, but the daemon never recorded it: not started since
	 * the source was added, or it runs an older version. */
	for (guint i = 0; i < c->cfg->sources->len; i++) {
		const struct pd_source *src = c->cfg->sources->pdata[i];

		if (store_cli_source_known(c->db, src->name) == 0)
			printf("%s: never seen by the daemon\n", src->name);
	}
	printf("\nOutbox:      %lld due, %lld later, %lld failed\n"
	    "Held mail:   %lld\nQuarantine:  %lld\n\nLast errors:\n",
	    (long long)n.due, (long long)n.pending, (long long)n.failed,
	    (long long)n.held, (long long)n.quarantine);
	return cli_table(c, store_cli_errors(c->db, 10), err_cols,
	    G_N_ELEMENTS(err_cols));
}

int
cli_status(struct cli *c, int argc, char **argv)
{
	int r;

	/* `status N STATUS` changes a ticket (cli_ticket.c); `status`
	 * alone shows the gateway. */
	if (argc > 1 && argv[1][0] != '-')
		return cli_ticket_cmd(c, argc, argv);
	for (int i = 1; i < argc; i++)
		if (argv[i][0] != '-')
			return cli_ticket_cmd(c, argc, argv);
	if ((r = cli_options(c, &argc, &argv, NULL, CLI_JSON, 0, 0)) != 0)
		return r;
	return gateway_status(c);
}

/* `outbox` and `held` share their shape: [list | ACTION ID]. */
static int
action_id(struct cli *c, int argc, char **argv, const char *const *actions,
    const char **action_r, int64_t *id_r)
{
	*action_r = argc > 1 ? argv[1] : "list";
	if (strcmp(*action_r, "list") == 0)
		return argc > 2 ? cli_fail(c, EX_USAGE, "list takes no ID") :
		    EX_OK;
	for (; *actions; actions++)
		if (strcmp(*actions, *action_r) == 0)
			break;
	if (!*actions)
		return cli_fail(c, EX_USAGE, "unknown action '%s' (see "
		    "postdesk %s --help)", *action_r, c->cmd->name);
	if (argc < 3)
		return cli_fail(c, EX_USAGE, "%s needs an ID", *action_r);
	if (!cli_id(argv[2], id_r))
		return cli_fail(c, EX_USAGE, "'%s' is not an ID", argv[2]);
	return EX_OK;
}

/* The common start of `outbox` and `held`: options (--json), the action
 * and its ID (action_id).  `list` prints the table of list(c->db) with
 * cols, read-only, and sets *action_r to NULL: the command is done.  Any
 * other action opens the database for writing.  Returns the exit code:
 * EX_OK (go on with *action_r unless NULL) or an error already printed. */
static int
action_open(struct cli *c, int argc, char **argv, const char *const *actions,
    sqlite3_stmt *(*list)(sqlite3 *), const struct cli_col *cols,
    int ncols, const char **action_r, int64_t *id_r)
{
	int r;

	if ((r = cli_options(c, &argc, &argv, NULL, CLI_JSON, 0, 2)) != 0 ||
	    (r = action_id(c, argc, argv, actions, action_r, id_r)) != 0)
		return r;
	if (strcmp(*action_r, "list") == 0) {
		*action_r = NULL;
		if ((r = cli_open(c, CLI_READ)) != 0)
			return r;
		return cli_table(c, list(c->db), cols, ncols);
	}
	return cli_open(c, CLI_WRITE);
}

int
cli_outbox(struct cli *c, int argc, char **argv)
{
	static const char *const actions[] = { "retry", NULL };
	static const struct cli_col cols[] = {
		{ 0, "ID", CF_NUM, false }, { 1, "TICKET", CF_NUM, false },
		{ 2, "KIND", CF_TEXT, false }, { 5, "STATUS", CF_TEXT, false },
		{ 6, "TRY", CF_NUM, false }, { 7, "NEXT", CF_TIME, false },
		{ 4, "RCPT", CF_TEXT, false },
		{ 8, "LAST ERROR", CF_TEXT, true } };
	const char *action;
	char *status = NULL;
	int64_t id = 0;
	int r;

	if ((r = action_open(c, argc, argv, actions, store_cli_outbox, cols,
	    G_N_ELEMENTS(cols), &action, &id)) != 0 || action == NULL)
		return r;
	r = store_cli_outbox_status(c->db, id, &status);
	if (r == 0)
		r = cli_fail(c, EX_NOINPUT, "outbox mail %lld does not exist",
		    (long long)id);
	else if (r == 1 && strcmp(status, "sent") == 0)
		r = cli_fail(c, EX_DATAERR, "outbox mail %lld was already "
		    "sent", (long long)id);
	else if (r == 1 && (r = store_cli_outbox_retry(c->db, id,
	    pd_now())) == 1) {
		printf("outbox mail %lld is due now\n", (long long)id);
		r = EX_OK;
	} else
		r = r == 0 ? cli_fail(c, EX_DATAERR, "outbox mail %lld was "
		    "sent meanwhile", (long long)id) : cli_fail(c, EX_SOFTWARE,
		    "database error");
	g_free(status);
	return r;
}

static int
held_release(struct cli *c, int64_t id)
{
	char *agent_name = NULL, *source = NULL;
	const struct pd_agent *agent;
	struct pipe_out out;
	GBytes *raw = NULL;
	enum pipe_result pr;
	gsize len;
	int r;

	r = store_cli_held_get(c->db, id, &agent_name, &raw, &source);
	if (r < 0)
		return cli_fail(c, EX_SOFTWARE, "database error");
	agent = config_agent_by_name(c->cfg, agent_name);
	if (!agent)
		r = cli_fail(c, EX_DATAERR, "held mail %lld is from '%s', who "
		    "is no agent in %s any more", (long long)id, agent_name,
		    c->cfg->file);
	else {
		const char *data = g_bytes_get_data(raw, &len);

		pr = pipeline_release_held(c->db, c->cfg, id, agent, data, len,
		    source, &out);
		if (pr == PIPE_STORED) {
			printf("released");
			if (out.ticket)
				printf(" ticket=%lu", out.ticket);
			printf("\n");
			r = EX_OK;
		} else if (pr == PIPE_QUARANTINED)
			r = cli_fail(c, EX_DATAERR, "held mail %lld is not a "
			    "message any more: it stays held", (long long)id);
		else
			r = cli_fail(c, EX_TEMPFAIL, "held mail %lld: database "
			    "error, nothing changed", (long long)id);
	}
	g_free(agent_name);
	g_free(source);
	if (raw)
		g_bytes_unref(raw);
	return r;
}

int
cli_held(struct cli *c, int argc, char **argv)
{
	static const char *const actions[] = { "release", "drop", NULL };
	static const struct cli_col cols[] = {
		{ 0, "ID", CF_NUM, false }, { 1, "STATUS", CF_TEXT, false },
		{ 5, "HELD SINCE", CF_TIME, false },
		{ 2, "AGENT", CF_TEXT, false },
		{ 4, "REASON", CF_TEXT, true } };
	const char *action;
	char *status = NULL;
	int64_t id = 0;
	int r;

	if ((r = action_open(c, argc, argv, actions, store_cli_held, cols,
	    G_N_ELEMENTS(cols), &action, &id)) != 0 || action == NULL)
		return r;
	r = store_cli_held_status(c->db, id, &status);
	if (r == 0)
		r = cli_fail(c, EX_NOINPUT, "held mail %lld does not exist",
		    (long long)id);
	else if (r == 1 && strcmp(status, "held") != 0)
		r = cli_fail(c, EX_DATAERR, "held mail %lld is already %s",
		    (long long)id, status);
	else if (r == 1 && strcmp(action, "release") == 0)
		r = held_release(c, id);
	else if (r == 1)
		r = store_cli_held_drop(c->db, id) == 1 ? EX_OK : cli_fail(c,
		    EX_DATAERR, "held mail %lld changed meanwhile",
		    (long long)id);
	else
		r = cli_fail(c, EX_SOFTWARE, "database error");
	g_free(status);
	return r;
}

int
cli_unfiled(struct cli *c, int argc, char **argv)
{
	int r;

	static const struct cli_col cols[] = {
		{ 0, "ID", CF_NUM, false }, { 1, "KIND", CF_TEXT, false },
		{ 6, "RECEIVED", CF_TIME, false },
		{ 3, "FROM", CF_TEXT, false },
		{ 4, "SUBJECT", CF_TEXT, true } };

	if ((r = cli_options(c, &argc, &argv, NULL, CLI_JSON, 0, 0)) != 0 ||
	    (r = cli_open(c, CLI_READ)) != 0)
		return r;
	return cli_table(c, store_cli_unfiled(c->db), cols,
	    G_N_ELEMENTS(cols));
}

/* Copies the key file to path, 0600, never over an existing file. */
static int
copy_key(struct cli *c, const char *key, const char *path)
{
	GError *gerr = NULL;
	char *data = NULL;
	gsize len = 0;
	ssize_t w;
	int fd, r = EX_OK;

	if (!g_file_get_contents(key, &data, &len, &gerr)) {
		r = cli_fail(c, gerr->code == G_FILE_ERROR_NOENT ? EX_NOINPUT :
		    EX_NOPERM, "the key: %s", gerr->message);
		g_error_free(gerr);
		return r;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		r = cli_fail(c, EX_CANTCREAT, "%s: %s", path,
		    g_strerror(errno));
	else {
		w = write(fd, data, len);
		if (w != (ssize_t)len || fsync(fd) != 0)
			r = cli_fail(c, EX_CANTCREAT, "%s: write failed", path);
		close(fd);
		if (r != EX_OK)
			unlink(path);
	}
	memset(data, 0, len);
	g_free(data);
	return r;
}

int
cli_backup(struct cli *c, int argc, char **argv)
{
	char *err = NULL, *key;
	int r;

	if ((r = cli_options(c, &argc, &argv, NULL, 0, 1, 1)) != 0 ||
	    (r = cli_open(c, CLI_READ)) != 0)
		return r;
	key = g_strconcat(argv[1], ".key", NULL);
	if (g_file_test(key, G_FILE_TEST_EXISTS)) {
		r = cli_fail(c, EX_CANTCREAT, "%s exists: not overwritten",
		    key);
		g_free(key);
		return r;
	}
	if (db_backup(c->db, argv[1], &err) != 0) {
		r = cli_fail(c, EX_CANTCREAT, "%s", err);
		g_free(err);
		g_free(key);
		return r;
	}
	r = copy_key(c, c->cfg->key_file, key);
	if (r == EX_OK)
		printf("%s\n%s\n", argv[1], key);
	g_free(key);
	return r;
}

int
cli_migrate(struct cli *c, int argc, char **argv)
{
	gboolean no_backup = FALSE;
	GOptionEntry opts[] = { { "no-backup", 0, 0, G_OPTION_ARG_NONE,
		&no_backup, "do not copy the database first", NULL }, NONE };
	char *err = NULL, *copy = NULL, stamp[32];
	int64_t version = 0;
	struct stat st;
	time_t now;
	int r;

	if ((r = cli_options(c, &argc, &argv, opts, 0, 0, 0)) != 0 ||
	    (r = cli_config(c)) != 0 || (r = cli_owner_check(c)) != 0)
		return r;
	if (stat(c->cfg->database, &st) == 0) {
		r = db_open_ro(c->cfg->database, &c->db, &version, &err);
		if (r < 0) {
			r = cli_fail(c, EX_UNAVAILABLE, "%s", err);
			g_free(err);
			return r;
		}
		if (r == 0) {
			printf("%s: schema %lld is current\n",
			    c->cfg->database, (long long)version);
			return EX_OK;
		}
		if (!no_backup) {
			now = time(NULL);
			strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S",
			    localtime(&now));
			copy = g_strdup_printf("%s.schema%lld-%s.bak",
			    c->cfg->database, (long long)version, stamp);
			if (db_backup(c->db, copy, &err) != 0) {
				r = cli_fail(c, EX_CANTCREAT, "no backup, no "
				    "migration: %s", err);
				g_free(err);
				g_free(copy);
				return r;
			}
			printf("backup: %s\n", copy);
			g_free(copy);
		}
		db_close(&c->db);
	}
	if ((r = cli_open(c, CLI_CREATE)) != 0)
		return r;
	printf("%s: schema %lld -> %d\n", c->cfg->database,
	    (long long)version, DB_SCHEMA_VERSION);
	return EX_OK;
}

int
cli_inspect(struct cli *c, int argc, char **argv)
{
	char *args[] = { argv[0], NULL, (char *)"--json", NULL };
	int r;

	if ((r = cli_options(c, &argc, &argv, NULL, CLI_JSON, 1, 1)) != 0)
		return r;
	args[1] = argv[1];
	if (!g_file_test(argv[1], G_FILE_TEST_EXISTS))
		return cli_fail(c, EX_NOINPUT, "%s does not exist", argv[1]);
	return cmd_inspect(c->json ? 3 : 2, args) == 0 ? EX_OK : EX_DATAERR;
}
