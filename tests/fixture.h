/* fixture.h: a gateway without servers, for unit tests of the ticket rules
 * (issue 8): a configuration and a database in a temporary directory, the
 * shipped templates, a MAC key, messages built from text and delivered
 * through the pipeline's per-message function, and the outbox rows they
 * queued, parsed back so tests can assert on recipient, template, subject
 * and decoded text.  Nothing is sent: rows stay pending.
 *
 *   struct fx f;
 *   fx_open(&f, "tickets = { max_reopens = 1; };\n");
 *   int64_t mark = fx_mark(&f);
 *   char *raw = fx_raw(&f, "Hana <hana@client.test>", NULL, "Printer", NULL,
 *       "It is broken.");
 *   fx_deliver(&f, raw);
 *   GPtrArray *rows = fx_rows(&f, mark);    (struct fx_row *)
 *   fx_find(rows, "ack", "hana@client.test");
 *   fx_close(&f);
 *
 * The configuration: support@example.test, tag ACME, first ticket 1000,
 * agents Olga (lead, olga@example.test) and John (john@example.test) in no
 * queue (they see every ticket), client organisation client.test,
 * mx.example.test trusted for DKIM, flood guards off (a test sends many
 * similar mails from one address within a second).  Needs TOP_SRCDIR. */
#ifndef PD_TEST_FIXTURE_H
#define PD_TEST_FIXTURE_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>
#include <gmime/gmime.h>
#include <sqlite3.h>
#include "daemon/config.h"
#include "db.h"
#include "mac.h"
#include "msg.h"
#include "pipeline.h"

#define FX_UNUSED __attribute__((unused))

/* A header that proves an agent of example.test (fresh, any ticket). */
#define FX_DKIM "Authentication-Results: mx.example.test; dkim=pass " \
	"header.d=example.test\r\n"
#define FX_OLGA "Olga Ivanova <olga@example.test>"
#define FX_JOHN "John Smith <john@example.test>"

struct fx {
	char *dir;
	struct pd_config *cfg;
	sqlite3 *db;
	unsigned seq;            /* for Message-IDs */
	char *last_id;           /* Message-ID of the last fx_raw, no <> */
	struct pipe_out out;     /* of the last fx_deliver */
};

/* One outbox row, with its mail parsed (subject and text decoded). */
struct fx_row {
	int64_t id;
	unsigned long ticket;
	char *kind;      /* template name, "answer" for a relayed answer */
	char *msgid;
	char *rcpt;
	char *data;      /* the mail as queued */
	char *subject;   /* decoded, "" when it did not parse */
	char *text;      /* decoded body text */
};

static FX_UNUSED void
fx_row_free(gpointer p)
{
	struct fx_row *r = p;

	g_free(r->kind);
	g_free(r->msgid);
	g_free(r->rcpt);
	g_free(r->data);
	g_free(r->subject);
	g_free(r->text);
	g_free(r);
}

/* Opens a fresh gateway; extra is appended to the configuration (top-level
 * groups such as "tickets = { ... };").  Returns 0, or -1 (printed as a
 * TAP comment). */
static FX_UNUSED int
fx_open(struct fx *f, const char *extra)
{
	GString *errors = g_string_new(NULL);
	char *path, *text, *err = NULL;
	static bool mime;

	memset(f, 0, sizeof *f);
	if (!mime) {
		g_mime_init();
		mime = true;
	}
	f->dir = g_dir_make_tmp("unit_fixture-XXXXXX", NULL);
	if (!f->dir)
		return -1;
	path = g_build_filename(f->dir, "postdesk.conf", NULL);
	text = g_strdup_printf(
	    "gateway = {\n"
	    "  name = \"ACME Support\";\n"
	    "  address = \"support@example.test\";\n"
	    "  tag = \"ACME\";\n"
	    "  first_ticket = 1000;\n"
	    "  key_file = \"mac.key\";\n"
	    "  templates = \"%s/conf/templates\";\n"
	    "  answers = \"%s/conf/answers\";\n"
	    "  trusted_authserv = [ \"mx.example.test\" ];\n"
	    "};\n"
	    "database = \"pd.db\";\n"
	    "smtp = { host = \"localhost\"; tls = \"none\"; };\n"
	    "agents = (\n"
	    "  { name = \"Olga Ivanova\"; addresses = \"olga@example.test\";\n"
	    "    role = \"lead\"; },\n"
	    "  { name = \"John Smith\"; addresses = \"john@example.test\"; }\n"
	    ");\n"
	    "clients = ( { name = \"Client Ltd\"; domains = \"client.test\"; }"
	    " );\n"
	    "floods = { address_per_hour = 0; address_per_day = 0;\n"
	    "  domain_per_hour = 0; domain_per_day = 0;\n"
	    "  challenges_per_hour = 0; challenges_per_day = 0;\n"
	    "  repeat_minutes = 0; };\n"
	    "%s", TOP_SRCDIR, TOP_SRCDIR, extra ? extra : "");
	g_file_set_contents(path, text, -1, NULL);
	g_free(text);
	if (config_load(path, &f->cfg, errors) != 0 ||
	    mac_init(f->cfg->key_file, &err) != 0 ||
	    db_open(f->cfg->database, &f->db, &err) != 0) {
		printf("# fixture: %s%s\n", errors->str, err ? err : "");
		g_free(err);
		g_free(path);
		g_string_free(errors, TRUE);
		return -1;
	}
	g_free(path);
	g_string_free(errors, TRUE);
	return 0;
}

static FX_UNUSED void
fx_close(struct fx *f)
{
	char *cmd;

	db_close(&f->db);
	config_free(&f->cfg);
	mac_reset();
	if (f->dir) {
		cmd = g_strdup_printf("rm -rf '%s'", f->dir);
		if (system(cmd) != 0)
			printf("# could not remove %s\n", f->dir);
		g_free(cmd);
	}
	g_free(f->dir);
	g_free(f->last_id);
	memset(f, 0, sizeof *f);
}

/* A message from `from` to `to` (NULL: the support address), with extra
 * header lines (each ending in \r\n, may be NULL) and body (\n becomes
 * \r\n).  Its Message-ID is new and kept in f->last_id.  g_malloc'd. */
static FX_UNUSED char *
fx_raw(struct fx *f, const char *from, const char *to, const char *subject,
    const char *headers, const char *body)
{
	GString *s = g_string_new(NULL);

	g_free(f->last_id);
	f->last_id = g_strdup_printf("m%u.%u@mua.test", ++f->seq,
	    g_random_int());
	g_string_append_printf(s, "%sFrom: %s\r\nTo: %s\r\nSubject: %s\r\n"
	    "Date: Mon, 30 Nov 2026 08:00:00 +0000\r\nMessage-ID: <%s>\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n\r\n",
	    headers ? headers : "", from, to ? to : "support@example.test",
	    subject, f->last_id);
	for (const char *p = body; *p; p++)
		if (*p == '\n')
			g_string_append(s, "\r\n");
		else
			g_string_append_c(s, *p);
	g_string_append(s, "\r\n");
	return g_string_free(s, FALSE);
}

/* Runs the pipeline on raw (pipe mode: no IMAP UID) and frees raw. */
static FX_UNUSED enum pipe_result
fx_deliver(struct fx *f, char *raw)
{
	struct pipe_origin o = { .source = "test", .folder = "INBOX",
		.queue = "support" };
	enum pipe_result r = pipeline_deliver(f->db, f->cfg, &o, raw,
	    strlen(raw), &f->out);

	g_free(raw);
	return r;
}

/* The first column of the first row of sql (sqlite3_mprintf format: %Q
 * quotes a string), 0 without a row, -1 on an error. */
static FX_UNUSED int64_t
fx_int(struct fx *f, const char *fmt, ...)
{
	va_list ap;
	char *sql;
	int64_t v = 0;
	int r;

	va_start(ap, fmt);
	sql = sqlite3_vmprintf(fmt, ap);
	va_end(ap);
	r = db_int(f->db, &v, sql, "");
	sqlite3_free(sql);
	return r < 0 ? -1 : v;
}

/* The same for a text column: g_malloc'd, NULL without a row. */
static FX_UNUSED char *
fx_str(struct fx *f, const char *fmt, ...)
{
	va_list ap;
	char *sql, *v = NULL;
	sqlite3_stmt *st;

	va_start(ap, fmt);
	sql = sqlite3_vmprintf(fmt, ap);
	va_end(ap);
	st = db_prep(f->db, sql, "");
	if (st && sqlite3_step(st) == SQLITE_ROW)
		v = db_col_str(st, 0);
	sqlite3_finalize(st);
	sqlite3_free(sql);
	return v;
}

/* The last outbox row id: rows queued later have larger ids. */
static FX_UNUSED int64_t
fx_mark(struct fx *f)
{
	return fx_int(f, "SELECT COALESCE(MAX(id), 0) FROM outbox");
}

/* Outbox rows with id > after, in order. */
static FX_UNUSED GPtrArray *
fx_rows(struct fx *f, int64_t after)
{
	GPtrArray *rows = g_ptr_array_new_with_free_func(fx_row_free);
	sqlite3_stmt *st = db_prep(f->db, "SELECT id, COALESCE(ticket, 0), "
	    "kind, message_id, rcpt, data FROM outbox WHERE id > ? ORDER BY "
	    "id", "i", after);

	while (st && sqlite3_step(st) == SQLITE_ROW) {
		struct fx_row *r = g_new0(struct fx_row, 1);
		struct pd_msg *m = NULL;
		char *err = NULL;

		r->id = sqlite3_column_int64(st, 0);
		r->ticket = sqlite3_column_int64(st, 1);
		r->kind = db_col_str(st, 2);
		r->msgid = db_col_str(st, 3);
		r->rcpt = db_col_str(st, 4);
		r->data = g_strndup(sqlite3_column_blob(st, 5),
		    sqlite3_column_bytes(st, 5));
		if (msg_parse(r->data, strlen(r->data), &f->cfg->limits, &m,
		    &err) == 0) {
			r->subject = g_strdup(m->subject);
			r->text = g_strdup(m->text);
			msg_free(&m);
		} else {
			r->subject = g_strdup("");
			r->text = g_strdup("");
			g_free(err);
		}
		g_ptr_array_add(rows, r);
	}
	sqlite3_finalize(st);
	return rows;
}

/* The first row of kind (NULL: any) to rcpt (NULL: any), or NULL. */
static FX_UNUSED const struct fx_row *
fx_find(GPtrArray *rows, const char *kind, const char *rcpt)
{
	for (guint i = 0; i < rows->len; i++) {
		const struct fx_row *r = rows->pdata[i];

		if ((!kind || strcmp(r->kind, kind) == 0) &&
		    (!rcpt || g_ascii_strcasecmp(r->rcpt, rcpt) == 0))
			return r;
	}
	return NULL;
}

/* How many rows of kind (NULL: any) to rcpt (NULL: any). */
static FX_UNUSED unsigned
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

/* Kinds and recipients of rows, "kind>rcpt kind>rcpt", for diagnostics.
 * g_malloc'd. */
static FX_UNUSED char *
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
static FX_UNUSED bool
fx_internal(struct fx *f, const char *rcpt)
{
	return config_agent_by_address(f->cfg, rcpt) ||
	    (f->cfg->team_copy &&
	    g_ascii_strcasecmp(f->cfg->team_copy, rcpt) == 0);
}

/* The number of outbox rows, of all time, to anyone not internal whose
 * mail holds needle (as queued, or decoded).  0 is what a note needs. */
static FX_UNUSED unsigned
fx_leaks(struct fx *f, const char *needle)
{
	GPtrArray *rows = fx_rows(f, 0);
	unsigned n = 0;

	for (guint i = 0; i < rows->len; i++) {
		const struct fx_row *r = rows->pdata[i];

		if (!fx_internal(f, r->rcpt) && (strstr(r->data, needle) ||
		    strstr(r->subject, needle) || strstr(r->text, needle))) {
			printf("# leak: %s to %s\n", r->kind, r->rcpt);
			n++;
		}
	}
	g_ptr_array_unref(rows);
	return n;
}

#endif
