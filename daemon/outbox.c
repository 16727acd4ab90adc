/* outbox.c: see outbox.h. */
#include <string.h>
#include <time.h>
#include "db.h"
#include "log.h"
#include "outbox.h"
#include "ticket.h"
#include "worker.h"

/* A row still failing temporarily after this long is given up. */
#define OUTBOX_GIVE_UP (5 * 24 * 3600)
#define OUTBOX_BATCH 50

int64_t
outbox_add(sqlite3 *db, unsigned long ticket, const char *kind,
    const char *msgid, const char *env_from, const char *rcpt,
    const char *data, size_t len)
{
	time_t now = time(NULL);

	if (!addr_is_valid(rcpt) || (*env_from && !addr_is_valid(env_from))) {
		log_warnx("ticket=%lu stage=notify event=refused reason="
		    "\"invalid address\" kind=%s", ticket, kind);
		return 0;
	}
	if (db_exec(db, "INSERT INTO outbox (ticket, kind, message_id, "
	    "env_from, rcpt, data, next_attempt, created) VALUES "
	    "(NULLIF(?, 0), ?, ?, ?, ?, ?, ?, ?)", "utttt" "bii", ticket, kind,
	    msgid, env_from, rcpt, data, len, (int64_t)now,
	    (int64_t)now) != 0)
		return -1;
	return sqlite3_last_insert_rowid(db);
}

int
outbox_backoff(int attempts)
{
	int s = 5;

	while (attempts-- > 1 && s < 600)
		s *= 2;
	return s > 600 ? 600 : s;
}

struct row {
	int64_t id, ticket, attempts, created;
	char *msgid, *env_from, *rcpt;
	GBytes *data;
};

static void
row_free(gpointer p)
{
	struct row *r = p;

	g_free(r->msgid);
	g_free(r->env_from);
	g_free(r->rcpt);
	g_bytes_unref(r->data);
	g_free(r);
}

static GPtrArray *
due_rows(sqlite3 *db, int64_t now)
{
	GPtrArray *rows = g_ptr_array_new_with_free_func(row_free);
	sqlite3_stmt *st = db_prep(db, "SELECT id, COALESCE(ticket, 0), "
	    "attempts, created, message_id, env_from, rcpt, data FROM outbox "
	    "WHERE status = 'pending' AND next_attempt <= ? ORDER BY id "
	    "LIMIT ?", "ii", now, (int64_t)OUTBOX_BATCH);

	while (st && sqlite3_step(st) == SQLITE_ROW) {
		struct row *r = g_new0(struct row, 1);

		r->id = sqlite3_column_int64(st, 0);
		r->ticket = sqlite3_column_int64(st, 1);
		r->attempts = sqlite3_column_int64(st, 2);
		r->created = sqlite3_column_int64(st, 3);
		r->msgid = db_col_str(st, 4);
		r->env_from = db_col_str(st, 5);
		r->rcpt = db_col_str(st, 6);
		r->data = g_bytes_new(sqlite3_column_blob(st, 7),
		    sqlite3_column_bytes(st, 7));
		g_ptr_array_add(rows, r);
	}
	sqlite3_finalize(st);
	return rows;
}

static void
send_row(sqlite3 *db, const struct pd_config *cfg,
    const struct sink_driver *drv, struct row *r, int64_t now)
{
	const char *rcpts[1] = { r->rcpt };
	char *err = NULL;
	gsize len;
	const char *data = g_bytes_get_data(r->data, &len);
	enum sink_status s;

	s = drv->send(&cfg->smtp, cfg->smtp_helo, r->env_from, rcpts, 1, data,
	    len, &err);
	if (s == SINK_OK) {
		db_exec(db, "UPDATE outbox SET status = 'sent', attempts = "
		    "attempts + 1, sent_at = ?, last_error = '' WHERE id = ?",
		    "ii", now, r->id);
		log_info("ticket=%lld msg=<%s> stage=send event=sent",
		    (long long)r->ticket, r->msgid);
	} else if (s == SINK_TEMP && now - r->created < OUTBOX_GIVE_UP) {
		int wait = outbox_backoff(r->attempts + 1);

		db_exec(db, "UPDATE outbox SET attempts = attempts + 1, "
		    "next_attempt = ?, last_error = ? WHERE id = ?", "iti",
		    now + wait, err ? err : "", r->id);
		log_warnx("ticket=%lld msg=<%s> stage=send event=deferred "
		    "retry_in=%ds error=\"%s\"", (long long)r->ticket,
		    r->msgid, wait, err ? err : "");
	} else {
		db_exec(db, "UPDATE outbox SET status = 'failed', attempts = "
		    "attempts + 1, last_error = ? WHERE id = ?", "ti",
		    err ? err : "", r->id);
		log_warnx("ticket=%lld msg=<%s> stage=send event=failed "
		    "error=\"%s\"", (long long)r->ticket, r->msgid,
		    err ? err : "");
	}
	g_free(err);
}

int
outbox_run(sqlite3 *db, const struct pd_config *cfg,
    const struct sink_driver *drv, int max_wait)
{
	int64_t now = time(NULL), next = 0;
	GPtrArray *rows = due_rows(db, now);
	guint n = rows->len;

	for (guint i = 0; i < rows->len; i++)
		send_row(db, cfg, drv, rows->pdata[i], time(NULL));
	g_ptr_array_unref(rows);
	if (n == OUTBOX_BATCH)
		return 0;
	if (db_int(db, &next, "SELECT MIN(next_attempt) FROM outbox WHERE "
	    "status = 'pending'", "") != 1 || next == 0)
		return max_wait;
	now = time(NULL);
	return next <= now ? 0 : next - now < max_wait ? next - now : max_wait;
}

/* Time-driven changes, at most once a minute: autoclose. */
static void
timers_run(sqlite3 *db, const struct pd_config *cfg, struct worker *w)
{
	static _Thread_local time_t last;
	struct notify n = { .db = db, .cfg = cfg };
	time_t now = time(NULL);

	if (now - last < 60)
		return;
	last = now;
	if (db_begin(db) != 0)
		return;
	if (ticket_autoclose(&n) < 0 || db_commit(db) != 0)
		db_rollback(db);
	else if (n.queued)
		worker_wake(w);
}

gpointer
outbox_main(gpointer arg)
{
	struct worker *w = arg;
	sqlite3 *db = NULL;
	char *err = NULL;

	if (db_open(w->cfg->database, &db, &err) != 0) {
		log_warnx("stage=send event=error error=\"%s\"", err);
		g_free(err);
		return NULL;
	}
	while (!atomic_load(&w->stop)) {
		/* Rows queued by the CLI wake nobody: look every few seconds. */
		int wait = outbox_run(db, w->cfg, &sink_smtp, 5);

		timers_run(db, w->cfg, w);

		if (wait > 0 && worker_sleep(w, wait * 1000))
			worker_drain(w);
	}
	db_close(&db);
	return NULL;
}
