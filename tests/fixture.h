/* fixture.h: a gateway without servers, for unit tests of the middle
 * layer (store, thread, ticket, classify and the stage table, notify).
 *
 * fx_open() writes a configuration into a temporary directory (the
 * templates and answers of the source tree, two agents, an admin) and
 * opens an in-memory database; fx_deliver() runs one raw message through
 * the pipeline (parse, classify, the stage table, one transaction), as
 * fetch.c does; fx_classify() only asks classify(); fx_outbox() lists the
 * outbox rows queued since the last call, fx_mark() and fx_rows() those
 * after a mark, with their subject and text decoded; fx_leaks() counts
 * mails to non-agents holding a text (a note must give 0).  Everything is
 * static: include it in one test file.  Tests may read the database with
 * SQL directly (fx_int, fx_str). */
#ifndef PD_TEST_FIXTURE_H
#define PD_TEST_FIXTURE_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <gmime/gmime.h>
#include "classify.h"
#include "config.h"
#include "db.h"
#include "mac.h"
#include "msg.h"
#include "pipeline.h"
#include "store.h"
#include "tx.h"

struct fixture {
	char *dir;                /* temporary directory (removed: no) */
	struct pd_config *cfg;
	sqlite3 *db;              /* ":memory:" */
	int64_t seen;             /* outbox rows already listed */
	unsigned uid;             /* the next IMAP UID fx_deliver uses */
};

/* One outbox row (fx_outbox). */
struct fx_row {
	int64_t id;
	unsigned long ticket;
	char *kind;
	char *rcpt;
	char *env_from;
	char *data;               /* the whole mail */
	char *subject;            /* decoded; "" when it does not parse */
	char *text;               /* decoded body text; "" likewise */
};

#define FX_AGENT1 "olga@example.test"   /* Olga Ivanova, lead */
#define FX_AGENT2 "john@example.test"   /* John Smith */
#define FX_ADMIN "admin@example.test"
/* A header that proves an agent of example.test (fresh, any ticket) when
 * the gateway trusts mx.example.test (FX_TRUST_MX in fx_open's extra). */
#define FX_DKIM "Authentication-Results: mx.example.test; dkim=pass " \
	"header.d=example.test\n"
#define FX_TRUST_MX "  trusted_authserv = [ \"mx.example.test\" ];\n"

static void
fx_row_free(gpointer p)
{
	struct fx_row *r = p;

	g_free(r->kind);
	g_free(r->rcpt);
	g_free(r->env_from);
	g_free(r->data);
	g_free(r->subject);
	g_free(r->text);
	g_free(r);
}

/* extra: more settings inside gateway = { ... } (may be ""); top: more
 * top-level settings (may be ""). */
static G_GNUC_UNUSED int
fx_open(struct fixture *fx, const char *extra, const char *top)
{
	const char *src = getenv("top_srcdir");
	char *conf, *text, *err = NULL, *key;
	GString *errors = g_string_new(NULL);
	char tmpl[] = "/tmp/pd-fixture.XXXXXX";

	memset(fx, 0, sizeof *fx);
	fx->uid = 1;
	/* Run by hand from a build directory inside the source tree: its
	 * parent (a relative path would be read from the config's own
	 * directory). */
	static char *up;

	if (!src && !up) {
		char *cwd = g_get_current_dir();

		up = g_path_get_dirname(cwd);
		g_free(cwd);
	}
	if (!src)
		src = up;
	if (!g_mkdtemp(tmpl))
		return -1;
	fx->dir = g_strdup(tmpl);
	conf = g_build_filename(fx->dir, "postdesk.conf", NULL);
	key = g_build_filename(fx->dir, "mac.key", NULL);
	text = g_strdup_printf(
	    "gateway = {\n"
	    "  name = \"ACME Support\";\n"
	    "  address = \"support@example.test\";\n"
	    "  tag = \"ACME\";\n"
	    "  first_ticket = 1000;\n"
	    "  admin = \"" FX_ADMIN "\";\n"
	    "  key_file = \"%s\";\n"
	    "  templates = \"%s/conf/templates\";\n"
	    "  answers = \"%s/conf/answers\";\n"
	    "%s"
	    "};\n"
	    "database = \"%s/unused.db\";\n"
	    "smtp = { host = \"localhost\"; tls = \"none\"; };\n"
	    "agents = (\n"
	    "  { name = \"Olga Ivanova\"; addresses = [ \"" FX_AGENT1 "\" ];"
	    " role = \"lead\"; },\n"
	    "  { name = \"John Smith\"; addresses = [ \"" FX_AGENT2 "\" ]; }\n"
	    ");\n%s", key, src, src, extra, fx->dir, top);
	g_file_set_contents(conf, text, -1, NULL);
	g_free(text);
	if (config_load(conf, &fx->cfg, errors) != 0) {
		printf("# config: %s\n", errors->str);
		g_string_free(errors, TRUE);
		return -1;
	}
	g_string_free(errors, TRUE);
	g_free(conf);
	if (mac_init(key, &err) != 0 || db_open(":memory:", &fx->db,
	    &err) != 0) {
		printf("# %s\n", err);
		g_free(err);
		g_free(key);
		return -1;
	}
	g_free(key);
	return 0;
}

static G_GNUC_UNUSED void
fx_close(struct fixture *fx)
{
	static const char *const files[] = { "postdesk.conf", "mac.key",
		NULL };

	db_close(&fx->db);
	config_free(&fx->cfg);
	mac_reset();
	for (const char *const *f = files; fx->dir && *f; f++) {
		char *p = g_build_filename(fx->dir, *f, NULL);

		g_unlink(p);
		g_free(p);
	}
	if (fx->dir)
		g_rmdir(fx->dir);
	g_free(fx->dir);
	fx->dir = NULL;
}

/* A raw message from headers and a body: "From: a@b\nSubject: x\n", "Hi".
 * A Message-ID is added unless the headers carry one. */
static G_GNUC_UNUSED char *
fx_mail(const char *headers, const char *body)
{
	static unsigned n;
	char *id = strstr(headers, "Message-ID:") ? g_strdup("") :
	    g_strdup_printf("Message-ID: <fx.%u.%u@client.test>\n", ++n,
	    g_random_int());
	char *raw = g_strdup_printf("%s%sTo: support@example.test\n"
	    "Date: Mon, 30 Nov 2026 08:00:00 +0000\n\n%s\n", headers, id,
	    body);

	g_free(id);
	return raw;
}

/* Parses raw (NULL when it is no message: the reason is printed). */
static G_GNUC_UNUSED struct pd_msg *
fx_parse(const struct fixture *fx, const char *raw)
{
	struct pd_msg *m = NULL;
	char *err = NULL;

	if (msg_parse(raw, strlen(raw), &fx->cfg->limits, &m, &err) != 0) {
		printf("# parse: %s\n", err);
		g_free(err);
		return NULL;
	}
	return m;
}

/* classify() alone: nothing is written.  0 with *v (verdict_clear it),
 * or -1. */
static G_GNUC_UNUSED int
fx_classify(struct fixture *fx, const char *raw, struct verdict *v)
{
	struct pipe_origin o = { .source = "main", .folder = "INBOX" };
	struct pd_msg *m = fx_parse(fx, raw);
	int r;

	if (!m)
		return -1;
	r = classify(fx->db, fx->cfg, &o, m, NULL, v);
	msg_free(&m);
	return r;
}

/* One message through the pipeline, as from the IMAP source "main":
 * parse, classify, the stage table, commit.  Returns the pipe_result;
 * *ticket_r (may be NULL) gets the ticket it went to. */
static G_GNUC_UNUSED enum pipe_result
fx_deliver(struct fixture *fx, const char *raw, unsigned long *ticket_r)
{
	struct pipe_origin o = { .source = "main", .folder = "INBOX",
		.uidvalidity = 1, .uid = fx->uid++ };
	struct pipe_out out;
	enum pipe_result r = pipeline_deliver(fx->db, fx->cfg, &o, raw,
	    strlen(raw), &out);

	if (ticket_r)
		*ticket_r = out.ticket;
	return r;
}

/* One row of "SELECT id, COALESCE(ticket, 0), kind, rcpt, env_from, data
 * FROM outbox", its mail parsed back (the data: the whole mail from
 * outbox_bodies while there is one, else the headers kept once sent). */
static G_GNUC_UNUSED struct fx_row *
fx_row_read(const struct fixture *fx, sqlite3_stmt *st)
{
	struct fx_row *r = g_new0(struct fx_row, 1);
	struct pd_msg *m = NULL;
	char *err = NULL;

	r->id = sqlite3_column_int64(st, 0);
	r->ticket = sqlite3_column_int64(st, 1);
	r->kind = db_col_str(st, 2);
	r->rcpt = db_col_str(st, 3);
	r->env_from = db_col_str(st, 4);
	r->data = g_strndup(sqlite3_column_blob(st, 5),
	    sqlite3_column_bytes(st, 5));
	{
		/* The whole mail: an attachment's text put back
		 * (outbox_spans, docs/storage.md). */
		GBytes *whole = store_outbox_mail(fx->db, r->id);
		gsize n = 0;
		const char *d = whole ? g_bytes_get_data(whole, &n) : NULL;

		if (d) {
			g_free(r->data);
			r->data = g_strndup(d, n);
		}
		if (whole)
			g_bytes_unref(whole);
	}
	if (msg_parse(r->data, strlen(r->data), &fx->cfg->limits, &m,
	    &err) == 0) {
		r->subject = g_strdup(m->subject);
		r->text = g_strdup(m->text);
		msg_free(&m);
	} else {
		g_free(err);
		r->subject = g_strdup("");
		r->text = g_strdup("");
	}
	return r;
}

/* The outbox rows queued since the last call (struct fx_row *, in
 * order). */
static G_GNUC_UNUSED GPtrArray *
fx_outbox(struct fixture *fx)
{
	GPtrArray *rows = g_ptr_array_new_with_free_func(fx_row_free);
	sqlite3_stmt *st = db_prep(fx->db, "SELECT id, COALESCE(ticket, 0), "
	    "kind, rcpt, env_from, COALESCE((SELECT b.data FROM outbox_bodies "
	    "b WHERE b.id = outbox.id), data) FROM outbox WHERE id > ? ORDER "
	    "BY id",
	    "i", fx->seen);

	while (st && sqlite3_step(st) == SQLITE_ROW) {
		struct fx_row *r = fx_row_read(fx, st);

		fx->seen = r->id;
		g_ptr_array_add(rows, r);
	}
	sqlite3_finalize(st);
	return rows;
}

/* The row of kind (NULL: any) to rcpt (NULL: anyone) in rows, or NULL. */
static G_GNUC_UNUSED const struct fx_row *
fx_find(GPtrArray *rows, const char *kind, const char *rcpt)
{
	for (guint i = 0; i < rows->len; i++) {
		const struct fx_row *r = rows->pdata[i];

		if ((!kind || strcmp(r->kind, kind) == 0) && (!rcpt ||
		    g_ascii_strcasecmp(r->rcpt, rcpt) == 0))
			return r;
	}
	return NULL;
}

/* A column of ticket num as text (g_malloc'd; "" when NULL). */
static G_GNUC_UNUSED char *
fx_ticket_col(struct fixture *fx, unsigned long num, const char *col)
{
	char *sql = g_strdup_printf("SELECT %s FROM tickets WHERE number = ?",
	    col);
	sqlite3_stmt *st = db_prep(fx->db, sql, "u", num);
	char *v = NULL;

	if (st && sqlite3_step(st) == SQLITE_ROW)
		v = db_col_str(st, 0);
	sqlite3_finalize(st);
	g_free(sql);
	return v ? v : g_strdup("");
}

/* The first column of the first row of sql (sqlite3_mprintf format: %Q
 * quotes a string), 0 without a row, -1 on an error. */
static G_GNUC_UNUSED int64_t
fx_int(struct fixture *fx, const char *fmt, ...)
{
	va_list ap;
	char *sql;
	int64_t v = 0;
	int r;

	va_start(ap, fmt);
	sql = sqlite3_vmprintf(fmt, ap);
	va_end(ap);
	r = db_int(fx->db, &v, sql, "");
	sqlite3_free(sql);
	return r < 0 ? -1 : v;
}

/* The same for a text column: g_malloc'd, NULL without a row. */
static G_GNUC_UNUSED char *
fx_str(struct fixture *fx, const char *fmt, ...)
{
	va_list ap;
	char *sql, *v = NULL;
	sqlite3_stmt *st;

	va_start(ap, fmt);
	sql = sqlite3_vmprintf(fmt, ap);
	va_end(ap);
	st = db_prep(fx->db, sql, "");
	if (st && sqlite3_step(st) == SQLITE_ROW)
		v = db_col_str(st, 0);
	sqlite3_finalize(st);
	sqlite3_free(sql);
	return v;
}

/* The last outbox row id: rows queued later have larger ids. */
static G_GNUC_UNUSED int64_t
fx_mark(struct fixture *fx)
{
	return fx_int(fx, "SELECT COALESCE(MAX(id), 0) FROM outbox");
}

/* Outbox rows with id > after, in order (fx_outbox's list is not
 * touched). */
static G_GNUC_UNUSED GPtrArray *
fx_rows(struct fixture *fx, int64_t after)
{
	GPtrArray *rows = g_ptr_array_new_with_free_func(fx_row_free);
	sqlite3_stmt *st = db_prep(fx->db, "SELECT id, COALESCE(ticket, 0), "
	    "kind, rcpt, env_from, COALESCE((SELECT b.data FROM outbox_bodies "
	    "b WHERE b.id = outbox.id), data) FROM outbox WHERE id > ? ORDER "
	    "BY id",
	    "i", after);

	while (st && sqlite3_step(st) == SQLITE_ROW)
		g_ptr_array_add(rows, fx_row_read(fx, st));
	sqlite3_finalize(st);
	return rows;
}

/* How many rows of kind (NULL: any) to rcpt (NULL: any). */
static G_GNUC_UNUSED unsigned
fx_count(GPtrArray *rows, const char *kind, const char *rcpt)
{
	unsigned n = 0;

	for (guint i = 0; i < rows->len; i++) {
		const struct fx_row *r = rows->pdata[i];

		n += (!kind || strcmp(r->kind, kind) == 0) &&
		    (!rcpt || g_ascii_strcasecmp(r->rcpt, rcpt) == 0);
	}
	return n;
}

/* "kind>rcpt kind>rcpt" of rows, for diagnostics.  g_malloc'd. */
static G_GNUC_UNUSED char *
fx_describe(GPtrArray *rows)
{
	GString *s = g_string_new(NULL);

	for (guint i = 0; i < rows->len; i++) {
		const struct fx_row *r = rows->pdata[i];

		g_string_append_printf(s, "%s%s>%s", i ? " " : "", r->kind,
		    r->rcpt);
	}
	return g_string_free(s, FALSE);
}

/* Is a mail to rcpt internal (an agent or team_copy)? */
static G_GNUC_UNUSED bool
fx_internal(const struct fixture *fx, const char *rcpt)
{
	return config_agent_by_address(fx->cfg, rcpt) ||
	    (fx->cfg->team_copy &&
	    g_ascii_strcasecmp(fx->cfg->team_copy, rcpt) == 0);
}

/* The outbox rows, of all time, to anyone not internal (the admin
 * included) whose mail holds needle, as queued or decoded.  A note's text
 * must give 0. */
static G_GNUC_UNUSED unsigned
fx_leaks(struct fixture *fx, const char *needle)
{
	GPtrArray *rows = fx_rows(fx, 0);
	unsigned n = 0;

	for (guint i = 0; i < rows->len; i++) {
		const struct fx_row *r = rows->pdata[i];

		if (!fx_internal(fx, r->rcpt) && (strstr(r->data, needle) ||
		    strstr(r->subject, needle) || strstr(r->text, needle))) {
			printf("# leak: %s to %s\n", r->kind, r->rcpt);
			n++;
		}
	}
	g_ptr_array_unref(rows);
	return n;
}

#endif
