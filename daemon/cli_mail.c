/* cli_mail.c: see cli_mail.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "cli.h"
#include "cli_mail.h"
#include "msg.h"
#include "pipeline.h"
#include "store.h"
#include "store_report.h"
#include "store_cli.h"

static const char *
opt(int argc, char **argv, const char *name)
{
	for (int i = 0; i + 1 < argc; i++)
		if (strcmp(argv[i], name) == 0)
			return argv[i + 1];
	return NULL;
}

/* What the quarantine keeps of a message over max_message_size read from
 * a pipe: enough to see who sent it and what it is (postdesk(1)). */
#define OVERSIZED_PREFIX (1024 * 1024)

/* Reads stdin, but no further than the first byte past max: *over_r tells
 * that the message is larger (the rest is left unread, postdesk(1)).
 * NULL on a read error. */
static GByteArray *
read_stdin(size_t max, bool *over_r)
{
	GByteArray *b = g_byte_array_new();
	guint8 buf[65536];
	ssize_t n = 0;

	*over_r = false;
	while (!*over_r && (n = read(STDIN_FILENO, buf, sizeof buf)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			break;
		g_byte_array_append(b, buf, n);
		*over_r = b->len > max;
	}
	if (n < 0) {
		g_byte_array_unref(b);
		return NULL;
	}
	return b;
}

/* The true size of stdin when it is a regular file (a shell redirect),
 * else 0: a pipe's size is known only by reading it all. */
static size_t
stdin_file_size(void)
{
	struct stat st;

	if (fstat(STDIN_FILENO, &st) != 0 || !S_ISREG(st.st_mode))
		return 0;
	return (size_t)st.st_size;
}

static const char *const results[] = { "stored", "duplicate", "quarantined",
	"tempfail" };

int
cli_deliver(sqlite3 *db, const struct pd_config *cfg, int argc, char **argv)
{
	const char *name = opt(argc, argv, "--source");
	const struct pd_source *src = config_source(cfg, name);
	struct pipe_origin o = { .source = name, .folder = "",
		.queue = src ? src->queue : NULL };
	struct pipe_out out;
	enum pipe_result r;
	GByteArray *raw;
	size_t size;
	bool over, exact;

	if (!src) {
		fprintf(stderr, "postdesk deliver: no source '%s' in the "
		    "configuration\n", name ? name : "");
		return EX_TEMPFAIL_CODE;
	}
	if (!(raw = read_stdin(cfg->limits.max_message_size, &over)))
		return EX_TEMPFAIL_CODE;
	/* Too large: quarantined with a bounded prefix, and exit 0 so the
	 * MTA does not try again and again (postdesk(1)). */
	if (over) {
		exact = (size = stdin_file_size()) >= raw->len;
		if (!exact)
			size = raw->len;
		r = pipeline_oversized_prefix(db, cfg, &o,
		    (const char *)raw->data, MIN(OVERSIZED_PREFIX, raw->len),
		    size, exact, &out);
	} else
		r = pipeline_deliver(db, cfg, &o, (const char *)raw->data,
		    raw->len, &out);
	g_byte_array_unref(raw);
	printf("%s", results[r]);
	if (out.ticket)
		printf(" ticket=%lu", out.ticket);
	printf("\n");
	return r == PIPE_TEMPFAIL ? EX_TEMPFAIL_CODE : 0;
}

/* The raw bytes and source of quarantine row id, with the size of the
 * whole message (more than the raw when only a prefix was kept), or NULL
 * when it keeps no bytes. */
static GBytes *
q_raw(sqlite3 *db, int64_t id, char **source_r, int64_t *size_r)
{
	GBytes *b = NULL;

	*source_r = NULL;
	if (store_quarantine_get(db, id, &b, source_r, size_r) == 1 && b)
		return b;
	g_free(*source_r);
	*source_r = NULL;
	return NULL;
}

static int
q_retry(sqlite3 *db, const struct pd_config *cfg, int64_t id)
{
	char *source = NULL, *err = NULL;
	int64_t size = 0;
	GBytes *raw = q_raw(db, id, &source, &size);
	const struct pd_source *src;
	struct pipe_origin o = { .folder = "", .released = true };
	struct pipe_out out;
	struct pd_msg *m = NULL;
	enum pipe_result r;
	gsize len;
	const char *data;

	if (!raw) {
		fprintf(stderr, "postdesk: quarantine %lld has no message to "
		    "retry\n", (long long)id);
		return 1;
	}
	data = g_bytes_get_data(raw, &len);
	if (size > (int64_t)len) {
		fprintf(stderr, "postdesk: quarantine %lld keeps only the "
		    "first %zu bytes of the message: nothing to retry\n",
		    (long long)id, (size_t)len);
		g_bytes_unref(raw);
		g_free(source);
		return 1;
	}
	/* Still unparseable: say why and keep it as it is. */
	if (msg_parse(data, len, &cfg->limits, &m, &err) != 0) {
		fprintf(stderr, "postdesk: still not a message: %s\n", err);
		g_free(err);
		r = PIPE_QUARANTINED;
	} else {
		msg_free(&m);
		src = config_source(cfg, source);
		o.source = source;
		o.queue = src ? src->queue : NULL;
		r = pipeline_deliver(db, cfg, &o, data, len, &out);
		if (r == PIPE_STORED || r == PIPE_DUPLICATE)
			store_quarantine_set(db, id, "retried", false);
		printf("%s", results[r]);
		if (out.ticket)
			printf(" ticket=%lu", out.ticket);
		printf("\n");
	}
	g_bytes_unref(raw);
	g_free(source);
	return r == PIPE_STORED || r == PIPE_DUPLICATE ? 0 : 1;
}


/* ---- the subcommands, with the machinery of cli.h ---- */

int
cli_deliver_cmd(struct cli *c, int argc, char **argv)
{
	char *source = NULL;
	GOptionEntry opts[] = { { "source", 0, 0, G_OPTION_ARG_STRING,
		&source, "the source (postdesk.conf(5)) the message came to",
		"NAME" }, { NULL, 0, 0, 0, NULL, NULL, NULL } };
	char *args[] = { argv[0], (char *)"--source", NULL, NULL };
	int r;

	/* Pipe mode: any failure but a wrong command line means "try again
	 * later" to the MTA, so the message is never lost. */
	if ((r = cli_options(c, &argc, &argv, opts, 0, 0, 0)) != 0)
		return r;
	if (!source) {
		r = cli_fail(c, EX_USAGE, "--source NAME is required");
		goto out;
	}
	if (cli_open(c, CLI_CREATE) != 0) {
		r = EX_TEMPFAIL;
		goto out;
	}
	args[2] = source;
	r = cli_deliver(c->db, c->cfg, 3, args);
out:
	g_free(source);
	return r;
}

static const struct cli_col q_cols[] = {
	{ 0, "ID", CF_NUM, false }, { 4, "STATUS", CF_TEXT, false },
	{ 5, "RECEIVED", CF_TIME, false }, { 3, "SIZE", CF_NUM, false },
	{ 1, "SOURCE", CF_TEXT, false }, { 2, "REASON", CF_TEXT, true } };

/* The raw bytes of what could not be read as mail, for a file or a pipe;
 * on a terminal, a stranger's escape sequences (and NUL bytes) are shown
 * as '?' instead (cli_safe), as less(1) would, and CRLF as a newline. */
static void
show_raw(GBytes *raw)
{
	gsize len;
	const char *data = g_bytes_get_data(raw, &len);
	char *copy, *safe;

	if (!isatty(STDOUT_FILENO)) {
		fwrite(data, 1, len, stdout);
		return;
	}
	copy = g_malloc(len + 1);
	for (gsize i = 0, j = 0; i <= len; i++) {
		if (i == len)
			copy[j] = '\0';
		else if (data[i] != '\r' || i + 1 == len || data[i + 1] != '\n')
			copy[j++] = data[i] ? data[i] : '?';
	}
	safe = cli_safe(copy, '?', true);
	fputs(safe, stdout);
	g_free(safe);
	g_free(copy);
}

int
cli_quarantine_cmd(struct cli *c, int argc, char **argv)
{
	gboolean all = FALSE;
	GOptionEntry opts[] = { { "all", 'a', 0, G_OPTION_ARG_NONE, &all,
		"list also the retried and dropped ones", NULL }, { NULL, 0, 0,
		0, NULL, NULL, NULL } };
	const char *sub;
	char *source = NULL;
	int64_t id = 0, size = 0;
	GBytes *raw = NULL;
	int r;

	if ((r = cli_options(c, &argc, &argv, opts, CLI_JSON, 0, 2)) != 0)
		return r;
	sub = argc > 1 ? argv[1] : "list";
	if (strcmp(sub, "list") == 0) {
		if (argc > 2)
			return cli_fail(c, EX_USAGE, "list takes no ID");
		if ((r = cli_open(c, CLI_READ)) != 0)
			return r;
		return cli_table(c, store_cli_quarantine(c->db, all), q_cols,
		    G_N_ELEMENTS(q_cols));
	}
	if (strcmp(sub, "show") != 0 && strcmp(sub, "retry") != 0 &&
	    strcmp(sub, "drop") != 0)
		return cli_fail(c, EX_USAGE, "unknown action '%s' (list, show, "
		    "retry, drop)", sub);
	if (argc < 3)
		return cli_fail(c, EX_USAGE, "%s needs a quarantine ID", sub);
	if (!cli_id(argv[2], &id))
		return cli_fail(c, EX_USAGE, "'%s' is not a quarantine ID",
		    argv[2]);
	if ((r = cli_open(c, strcmp(sub, "show") == 0 ? CLI_READ :
	    CLI_WRITE)) != 0)
		return r;
	r = store_quarantine_get(c->db, id, &raw, &source, &size);
	g_free(source);
	if (r < 0)
		return cli_fail(c, EX_SOFTWARE, "database error");
	if (r == 0)
		return cli_fail(c, EX_NOINPUT, "quarantine %lld does not exist",
		    (long long)id);
	if (strcmp(sub, "show") == 0) {
		if (!raw)
			return cli_fail(c, EX_NOINPUT, "quarantine %lld keeps "
			    "no bytes of its message", (long long)id);
		show_raw(raw);
		g_bytes_unref(raw);
		return EX_OK;
	}
	if (raw)
		g_bytes_unref(raw);
	if (strcmp(sub, "drop") == 0) {
		r = store_quarantine_set(c->db, id, "dropped", true);
		if (r < 0)
			return cli_fail(c, EX_SOFTWARE, "database error");
		return r == 1 ? EX_OK : cli_fail(c, EX_DATAERR, "quarantine "
		    "%lld is no longer held (retried or dropped before)",
		    (long long)id);
	}
	return q_retry(c->db, c->cfg, id) == 0 ? EX_OK : EX_DATAERR;
}
