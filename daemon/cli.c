/* cli.c: see cli.h. */
#define _XOPEN_SOURCE 700
#define _DEFAULT_SOURCE
#include <errno.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include "cli.h"
#include "db.h"
#include "json.h"
#include "clock.h"
#include "mac.h"

int
cli_fail(struct cli *c, int code, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "postdesk%s%s: ", c && c->cmd ? " " : "",
	    c && c->cmd ? c->cmd->name : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return code;
}

int
cli_options(struct cli *c, int *argc, char ***argv,
    const GOptionEntry *entries, int flags, int min_args, int max_args)
{
	GOptionEntry json[] = { { "json", 0, 0, G_OPTION_ARG_NONE, &c->json,
		"print JSON instead of text", NULL }, { NULL, 0, 0, 0, NULL,
		NULL, NULL } };
	char *params = g_strdup_printf("%s%s%s", c->cmd->name,
	    *c->cmd->args ? " " : "", c->cmd->args);
	GOptionContext *ctx = g_option_context_new(params);
	GError *err = NULL;
	int n, r = 0;

	g_set_prgname("postdesk");
	g_option_context_set_summary(ctx, c->cmd->summary);
	g_option_context_set_description(ctx, "See postdesk(1).");
	if (entries)
		g_option_context_add_main_entries(ctx, entries, NULL);
	if (flags & CLI_JSON)
		g_option_context_add_main_entries(ctx, json, NULL);
	if (!g_option_context_parse(ctx, argc, argv, &err)) {
		r = cli_fail(c, EX_USAGE, "%s (see postdesk %s --help)",
		    err->message, c->cmd->name);
		g_error_free(err);
	} else if ((n = *argc - 1) < min_args || n > max_args) {
		r = cli_fail(c, EX_USAGE, "%s: usage: postdesk %s",
		    n < min_args ? "missing arguments" : "too many arguments",
		    params);
	}
	g_option_context_free(ctx);
	g_free(params);
	return r;
}

int
cli_config(struct cli *c)
{
	GString *errors;

	if (c->cfg)
		return 0;
	errors = g_string_new(NULL);
	if (config_load(c->config_path, &c->cfg, errors) != 0) {
		fputs(errors->str, stderr);
		g_string_free(errors, TRUE);
		return EX_CONFIG;
	}
	g_string_free(errors, TRUE);
	return 0;
}

static const char *
user_name(uid_t uid, char *buf, size_t len)
{
	struct passwd *pw = getpwuid(uid);

	if (pw)
		g_strlcpy(buf, pw->pw_name, len);
	else
		g_snprintf(buf, len, "uid %u", (unsigned)uid);
	return buf;
}

/* Write commands create files (the database, its -wal and -shm, the
 * key) with the identity of whoever runs them.  Run as another user than
 * the owner of the state directory (typically root on the postdesk
 * user's directory) they would leave files the daemon cannot open.  We
 * refuse rather than switch users: a silent change of identity surprises
 * scripts, and `sudo -u postdesk postdesk ...` says what it does
 * (postdesk(1), FILES). */
int
cli_owner_check(struct cli *c)
{
	const char *paths[3] = { NULL, c->cfg->database, c->cfg->key_file };
	char *dir = g_path_get_dirname(c->cfg->database);
	char a[64], b[64];
	struct stat st;
	int r = 0;

	paths[0] = dir;
	for (size_t i = 0; i < G_N_ELEMENTS(paths) && r == 0; i++) {
		if (!paths[i] || stat(paths[i], &st) != 0 ||
		    st.st_uid == geteuid())
			continue;
		r = cli_fail(c, EX_NOPERM, "%s belongs to %s, but this runs "
		    "as %s: files it creates would not be the daemon's; run "
		    "it as %s (sudo -u %s postdesk ...)", paths[i],
		    user_name(st.st_uid, a, sizeof a),
		    user_name(geteuid(), b, sizeof b), a, a);
	}
	g_free(dir);
	return r;
}

static int
missing(struct cli *c)
{
	return cli_fail(c, EX_NOINPUT, "the database %s does not exist: "
	    "`postdesk migrate` creates it (and postdeskd does when it "
	    "starts)", c->cfg->database);
}

int
cli_open(struct cli *c, enum cli_mode mode)
{
	struct stat st;
	int64_t version = 0;
	char *err = NULL;
	int r;

	if ((r = cli_config(c)) != 0)
		return r;
	if (mode != CLI_CREATE) {
		if (stat(c->cfg->database, &st) != 0)
			return missing(c);
		r = db_open_ro(c->cfg->database, &c->db, &version, &err);
		if (r < 0) {
			r = cli_fail(c, EX_UNAVAILABLE, "%s", err);
			g_free(err);
			return r;
		}
		if (r == 1)
			db_close(&c->db);
		if (r == 1)
			return cli_fail(c, EX_UNAVAILABLE, "the database %s "
			    "has schema %lld, older than this postdesk's %d: "
			    "run `postdesk migrate` (it takes a backup first)",
			    c->cfg->database, (long long)version,
			    DB_SCHEMA_VERSION);
		if (mode == CLI_READ)
			return 0;
		db_close(&c->db);
	}
	if ((r = cli_owner_check(c)) != 0)
		return r;
	/* Commands that change tickets compose mail with signed ids. */
	if (mac_init(c->cfg->key_file, &err) != 0 ||
	    db_open(c->cfg->database, &c->db, &err) != 0) {
		r = cli_fail(c, mode == CLI_CREATE ? EX_CANTCREAT :
		    EX_UNAVAILABLE, "%s", err);
		g_free(err);
		return r;
	}
	return 0;
}

bool
cli_number(const char *s, unsigned long *n_r)
{
	char *end;
	unsigned long n;

	if (!s || !g_ascii_isdigit(*s))
		return false;
	errno = 0;
	n = strtoul(s, &end, 10);
	if (*end || errno || n == 0)
		return false;
	*n_r = n;
	return true;
}

bool
cli_id(const char *s, int64_t *id_r)
{
	unsigned long n;

	if (!cli_number(s, &n) || n > INT64_MAX)
		return false;
	*id_r = (int64_t)n;
	return true;
}

int
cli_date(struct cli *c, const char *s, int64_t *t_r)
{
	struct tm tm = { 0 };
	char *end;
	long long n;

	if (!s)
		return 0;
	if (g_ascii_isdigit(*s)) {
		int64_t now = pd_now(), unit = 0;

		errno = 0;
		n = strtoll(s, &end, 10);
		if (errno == ERANGE)
			return cli_fail(c, EX_USAGE, "'%s' is not a date: too "
			    "large", s);
		if ((*end == 'd' || *end == 'h') && !end[1])
			unit = *end == 'd' ? 86400 : 3600;
		/* More days than since the Epoch is "since ever", not a
		 * signed overflow (it wrapped to the future). */
		if (unit) {
			*t_r = n > now / unit ? 0 : now - n * unit;
			return 0;
		}
		if (!*end && n > 99999999) {
			*t_r = n;
			return 0;
		}
	}
	end = strptime(s, "%Y-%m-%d", &tm);
	if (end && *end)
		end = strptime(end, " %H:%M", &tm);
	if (!end || *end)
		return cli_fail(c, EX_USAGE, "'%s' is not a date: use "
		    "YYYY-MM-DD, \"YYYY-MM-DD HH:MM\", Nd or Nh", s);
	tm.tm_isdst = -1;
	*t_r = (int64_t)mktime(&tm);
	return 0;
}

const char *
cli_time(int64_t t, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0) {
		g_strlcpy(buf, "-", len);
		return buf;
	}
	strftime(buf, len, "%Y-%m-%d %H:%M", localtime_r(&tt, &tm));
	return buf;
}

static int
char_width(gunichar u)
{
	if (g_unichar_iszerowidth(u))
		return 0;
	return g_unichar_iswide(u) ? 2 : 1;
}

int
cli_width(const char *s)
{
	int w = 0;

	for (const char *p = s; *p; p = g_utf8_next_char(p))
		w += char_width(g_utf8_get_char(p));
	return w;
}

static bool
unsafe(gunichar u)
{
	return u < 0x20 || (u >= 0x7f && u <= 0x9f) || u == 0x061c ||
	    u == 0x200e || u == 0x200f || (u >= 0x202a && u <= 0x202e) ||
	    (u >= 0x2066 && u <= 0x2069);
}

char *
cli_safe(const char *s, char repl, bool keep_lines)
{
	char *v = g_utf8_make_valid(s ? s : "", -1);
	GString *out = g_string_sized_new(strlen(v));

	for (const char *p = v; *p; p = g_utf8_next_char(p)) {
		gunichar u = g_utf8_get_char(p);

		if (unsafe(u) && !(keep_lines && (u == '\n' || u == '\t')))
			g_string_append_c(out, repl);
		else
			g_string_append_len(out, p, g_utf8_next_char(p) - p);
	}
	g_free(v);
	return g_string_free(out, FALSE);
}

/* Text for a table cell: control characters (a tab or newline in a
 * subject, an escape sequence) shown as spaces. */
static char *
cell(const char *s)
{
	return cli_safe(s, ' ', false);
}

char *
cli_fit(const char *s, int width)
{
	GString *out;
	int w = 0, cw;

	if (width <= 0 || cli_width(s) <= width)
		return g_strdup(s);
	out = g_string_new(NULL);
	for (const char *p = s; *p; p = g_utf8_next_char(p)) {
		gunichar u = g_utf8_get_char(p);

		cw = char_width(u);
		if (w + cw > width - 1)
			break;
		g_string_append_unichar(out, u);
		w += cw;
	}
	g_string_append(out, "\u2026");
	return g_string_free(out, FALSE);
}

void
cli_print_json(struct json *j)
{
	fputs(json_finish(j), stdout);
}

static char *
cell_text(sqlite3_stmt *st, const struct cli_col *col)
{
	char buf[32];
	int64_t v;

	if (sqlite3_column_type(st, col->col) == SQLITE_NULL)
		return g_strdup("-");
	v = sqlite3_column_int64(st, col->col);
	switch (col->fmt) {
	case CF_TIME:
		return g_strdup(cli_time(v, buf, sizeof buf));
	case CF_MINUTES:
		return g_strdup_printf("%lldh%02lld", (long long)v / 60,
		    (long long)v % 60);
	case CF_BOOL:
		return g_strdup(v ? "yes" : "no");
	case CF_SECONDS:
		return g_strdup_printf("%lldh%02lldm", (long long)v / 3600,
		    (long long)v % 3600 / 60);
	case CF_NUM:
		return g_strdup_printf("%lld", (long long)v);
	default:
		return cell((const char *)sqlite3_column_text(st, col->col));
	}
}

static void
pad(GString *line, const char *s, int width, bool right)
{
	int w = cli_width(s);

	if (right)
		for (int i = w; i < width; i++)
			g_string_append_c(line, ' ');
	g_string_append(line, s);
	if (!right)
		for (int i = w; i < width; i++)
			g_string_append_c(line, ' ');
}

int
cli_table(struct cli *c, sqlite3_stmt *st, const struct cli_col *cols,
    int ncols)
{
	GPtrArray *rows = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)g_strfreev);
	int *width = g_new0(int, ncols), step, total = 0, flex = -1;
	struct json j;

	if (!st) {
		g_free(width);
		g_ptr_array_unref(rows);
		return cli_fail(c, EX_SOFTWARE, "query failed");
	}
	json_init(&j);
	json_arr(&j);
	while ((step = sqlite3_step(st)) == SQLITE_ROW) {
		char **r = g_new0(char *, ncols + 1);

		if (c->json) {
			json_row(&j, st);
			g_free(r);
			continue;
		}
		for (int i = 0; i < ncols; i++) {
			r[i] = cell_text(st, &cols[i]);
			width[i] = MAX(width[i], cli_width(r[i]));
		}
		g_ptr_array_add(rows, r);
	}
	json_end(&j);
	sqlite3_finalize(st);
	if (step != SQLITE_DONE) {
		json_free(&j);
		g_free(width);
		g_ptr_array_unref(rows);
		return cli_fail(c, EX_SOFTWARE, "query failed: %s",
		    sqlite3_errmsg(c->db));
	}
	if (c->json) {
		cli_print_json(&j);
		json_free(&j);
		g_free(width);
		g_ptr_array_unref(rows);
		return EX_OK;
	}
	json_free(&j);
	for (int i = 0; i < ncols; i++) {
		width[i] = MAX(width[i], cli_width(cols[i].head));
		total += width[i] + (i ? 2 : 0);
		if (cols[i].flex)
			flex = i;
	}
	/* Too wide: the flexible column gives what it can, down to 10;
	 * then the widest text columns, one character at a time, down to 8;
	 * a line still too long is cut at the edge. */
	if (c->columns > 0 && total > c->columns && flex >= 0) {
		int was = width[flex];

		width[flex] = MAX(MIN(width[flex], 10), width[flex] -
		    (total - c->columns));
		total -= was - width[flex];
	}
	while (c->columns > 0 && total > c->columns) {
		int widest = -1;

		for (int i = 0; i < ncols; i++)
			if (cols[i].fmt == CF_TEXT && width[i] > 8 &&
			    (widest < 0 || width[i] > width[widest]))
				widest = i;
		if (widest < 0)
			break;
		width[widest]--;
		total--;
	}
	for (guint k = 0; k <= rows->len; k++) {
		GString *line = g_string_new(NULL);

		for (int i = 0; i < ncols; i++) {
			const char *s = k == 0 ? cols[i].head :
			    ((char **)rows->pdata[k - 1])[i];
			char *fit = cli_fit(s, width[i]);

			if (i)
				g_string_append(line, "  ");
			/* The last column is not padded: no trailing blanks. */
			if (i == ncols - 1 && cols[i].fmt == CF_TEXT)
				g_string_append(line, fit);
			else
				pad(line, fit, width[i], cols[i].fmt ==
				    CF_NUM);
			g_free(fit);
		}
		if (c->columns > 0 && cli_width(line->str) > c->columns) {
			char *cut = cli_fit(line->str, c->columns);

			puts(cut);
			g_free(cut);
		} else
			puts(line->str);
		g_string_free(line, TRUE);
	}
	g_free(width);
	g_ptr_array_unref(rows);
	return EX_OK;
}

int
cli_json_rows(struct cli *c, struct json *j, sqlite3_stmt *st)
{
	int step = SQLITE_ERROR;

	json_arr(j);
	while (st && (step = sqlite3_step(st)) == SQLITE_ROW)
		json_row(j, st);
	json_end(j);
	if (!st)
		return -1;
	return db_rows_done(c->db, st, step);
}

int
cli_usage(const char *cmd, const char *args, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "postdesk %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nUsage: postdesk %s %s\n", cmd, args);
	return EX_USAGE;
}
