/* fixture.h: a gateway without servers, for unit tests of the middle
 * layer (store, thread, ticket, classify and the stage table, notify).
 *
 * fx_open() writes a configuration into a temporary directory (the
 * templates and answers of the source tree, two agents, an admin) and
 * opens an in-memory database; fx_deliver() runs one raw message through
 * the pipeline (parse, classify, the stage table, one transaction), as
 * fetch.c does; fx_classify() only asks classify(); fx_outbox() lists the
 * outbox rows queued since the last call.  Everything is static: include
 * it in one test file.  Tests may read the database with SQL directly. */
#ifndef PD_TEST_FIXTURE_H
#define PD_TEST_FIXTURE_H

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
};

#define FX_AGENT1 "olga@example.test"   /* Olga Ivanova, lead */
#define FX_AGENT2 "john@example.test"   /* John Smith */
#define FX_ADMIN "admin@example.test"

static void
fx_row_free(gpointer p)
{
	struct fx_row *r = p;

	g_free(r->kind);
	g_free(r->rcpt);
	g_free(r->env_from);
	g_free(r->data);
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
	if (!src)
		src = "..";
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
	db_close(&fx->db);
	config_free(&fx->cfg);
	g_free(fx->dir);
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

/* The outbox rows queued since the last call (struct fx_row *, in
 * order). */
static G_GNUC_UNUSED GPtrArray *
fx_outbox(struct fixture *fx)
{
	GPtrArray *rows = g_ptr_array_new_with_free_func(fx_row_free);
	sqlite3_stmt *st = db_prep(fx->db, "SELECT id, COALESCE(ticket, 0), "
	    "kind, rcpt, env_from, data FROM outbox WHERE id > ? ORDER BY id",
	    "i", fx->seen);

	while (st && sqlite3_step(st) == SQLITE_ROW) {
		struct fx_row *r = g_new0(struct fx_row, 1);

		r->id = sqlite3_column_int64(st, 0);
		r->ticket = sqlite3_column_int64(st, 1);
		r->kind = db_col_str(st, 2);
		r->rcpt = db_col_str(st, 3);
		r->env_from = db_col_str(st, 4);
		r->data = g_strndup(sqlite3_column_blob(st, 5),
		    sqlite3_column_bytes(st, 5));
		fx->seen = r->id;
		g_ptr_array_add(rows, r);
	}
	sqlite3_finalize(st);
	return rows;
}

/* The row of kind to rcpt (NULL: anyone) in rows, or NULL. */
static G_GNUC_UNUSED const struct fx_row *
fx_find(GPtrArray *rows, const char *kind, const char *rcpt)
{
	for (guint i = 0; i < rows->len; i++) {
		const struct fx_row *r = rows->pdata[i];

		if (strcmp(r->kind, kind) == 0 && (!rcpt ||
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

#endif
