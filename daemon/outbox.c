/* outbox.c: see outbox.h. */
#include <string.h>
#include <time.h>
#include "clock.h"
#include "db.h"
#include "addr.h"
#include "log.h"
#include "outbox.h"
#include "store.h"
#include "worker.h"

/* A row still failing temporarily after this long is given up. */
#define OUTBOX_GIVE_UP (5 * 24 * 3600)
#define OUTBOX_BATCH 50
/* Waits of a sender that cannot write the state of its rows. */
#define OUTBOX_STALL_MIN 1
#define OUTBOX_STALL_MAX 60

int64_t
outbox_add(sqlite3 *db, unsigned long ticket, const char *kind,
    const char *msgid, const char *env_from, const char *rcpt,
    const char *data, size_t len)
{
	if (!addr_is_valid(rcpt) || (*env_from && !addr_is_valid(env_from))) {
		log_warnx("ticket=%lu stage=notify event=refused reason="
		    "\"invalid address\" kind=%s", ticket, kind);
		return 0;
	}
	return store_outbox_insert(db, ticket, kind, msgid, env_from, rcpt,
	    data, len);
}

int
outbox_backoff(int attempts)
{
	int s = 5;

	while (attempts-- > 1 && s < 600)
		s *= 2;
	return s > 600 ? 600 : s;
}

/* Writes the outcome of an attempt.  0, or -1 with *error_r. */
static int
outcome_write(sqlite3 *db, const struct outbox_outcome *o, char **error_r)
{
	const char *e = o->error ? o->error : "";

	if (o->status == SINK_OK)
		return store_outbox_sent(db, o->id, o->at, error_r);
	if (o->status == SINK_TEMP && !o->give_up)
		return store_outbox_retry(db, o->id, o->at + o->wait, e,
		    error_r);
	return store_outbox_failed(db, o->id, e, error_r);
}

static void
outcome_clear(struct outbox_outcome *o)
{
	g_free(o->msgid);
	g_free(o->error);
	memset(o, 0, sizeof *o);
}

/* A state write failed: stop sending and wait, doubling each time. */
static void
stall(struct outbox_sender *s, int64_t now, const char *what,
    const char *err)
{
	if (s->backoff == 0) {
		s->backoff = OUTBOX_STALL_MIN;
		s->stalls++;
		s->stalled_since = now;
		/* Once per episode: a full disk fails every retry alike. */
		log_warnx("stage=send event=stalled reason=\"cannot record %s; "
		    "sending stops until it can\" error=\"%s\" retry_in=%ds",
		    what, err ? err : "", s->backoff);
	} else if ((s->backoff *= 2) > OUTBOX_STALL_MAX)
		s->backoff = OUTBOX_STALL_MAX;
	s->retry_at = now + s->backoff;
}

static void
unstall(struct outbox_sender *s, int64_t now)
{
	if (s->backoff == 0)
		return;
	log_info("stage=send event=resumed stalled_for=%llds",
	    (long long)(now - s->stalled_since));
	s->backoff = 0;
	s->retry_at = 0;
}

/* Tries to write the outcome kept in memory.  Returns 0 when none is left
 * unrecorded, -1 when it still is (the sender stays stalled). */
static int
record_held(sqlite3 *db, struct outbox_sender *s, int64_t now)
{
	char *err = NULL;

	if (!s->held.id)
		return 0;
	if (outcome_write(db, &s->held, &err) != 0) {
		stall(s, now, "the outcome of a sent mail", err);
		g_free(err);
		return -1;
	}
	log_info("ticket=%lld msg=<%s> stage=send event=recorded",
	    (long long)s->held.ticket, s->held.msgid);
	outcome_clear(&s->held);
	return 0;
}

/* One attempt: claim the row (committed before the handoff, so a crash
 * cannot make the row due at once), hand it to SMTP, record the outcome.
 * Returns 0, or -1 when a state write failed and the sender must stop. */
static int
send_row(sqlite3 *db, const struct pd_config *cfg,
    const struct sink_driver *drv, struct outbox_sender *sd,
    const struct store_outbox_row *r,
    int64_t now)
{
	const char *rcpts[1] = { r->rcpt };
	char *err = NULL, *werr = NULL;
	gsize len;
	const char *data = g_bytes_get_data(r->data, &len);
	struct outbox_outcome o = { .id = r->id, .ticket = r->ticket };
	int c;

	/* The claim: counts the attempt and moves next_attempt past the
	 * handoff.  If the daemon dies before the outcome is written, the row
	 * is sent again only after that backoff ("at least once", outbox.h). */
	o.wait = outbox_backoff(r->attempts + 1);
	c = store_outbox_claim(db, r->id, r->attempts, now + o.wait, &werr);
	if (c < 0) {
		stall(sd, now, "the start of an attempt", werr);
		g_free(werr);
		return -1;
	}
	if (c > 0)
		return 0; /* changed meanwhile (e.g. by the CLI): not ours */
	o.status = drv->send(&cfg->smtp, cfg->smtp_helo, r->env_from, rcpts,
	    1, data, len, &err);
	o.at = pd_now();
	o.error = err;
	o.give_up = o.status == SINK_TEMP && now - r->created >=
	    OUTBOX_GIVE_UP;
	if (o.status == SINK_OK)
		log_info("ticket=%lld msg=<%s> stage=send event=sent",
		    (long long)r->ticket, r->msgid);
	else if (o.status == SINK_TEMP && !o.give_up)
		log_warnx("ticket=%lld msg=<%s> stage=send event=deferred "
		    "retry_in=%ds error=\"%s\"", (long long)r->ticket,
		    r->msgid, o.wait, err ? err : "");
	else
		log_warnx("ticket=%lld msg=<%s> stage=send event=failed "
		    "error=\"%s\"", (long long)r->ticket, r->msgid,
		    err ? err : "");
	if (outcome_write(db, &o, &werr) == 0) {
		g_free(err);
		return 0;
	}
	/* Kept in memory: nothing is handed to SMTP until it is written. */
	o.msgid = g_strdup(r->msgid);
	sd->held = o;
	stall(sd, o.at, "the outcome of a sent mail", werr);
	g_free(werr);
	return -1;
}

void
outbox_sender_clear(struct outbox_sender *s)
{
	if (s->held.id)
		log_warnx("ticket=%lld msg=<%s> stage=send event=unrecorded "
		    "reason=\"stopping with the outcome unrecorded; the mail "
		    "may be sent again after a restart\"",
		    (long long)s->held.ticket, s->held.msgid);
	outcome_clear(&s->held);
	memset(s, 0, sizeof *s);
}

int
outbox_send(sqlite3 *db, const struct pd_config *cfg,
    const struct sink_driver *drv, struct outbox_sender *s, int max_wait)
{
	int64_t now = pd_now(), next = 0;
	GPtrArray *rows;
	guint n, i;

	if (s->backoff) {
		if (now < s->retry_at)
			return s->retry_at - now < max_wait ?
			    (int)(s->retry_at - now) : max_wait;
		if (record_held(db, s, now) != 0)
			return s->backoff < max_wait ? s->backoff : max_wait;
	}
	rows = store_outbox_due(db, now, OUTBOX_BATCH);
	n = rows->len;
	for (i = 0; i < rows->len; i++)
		if (send_row(db, cfg, drv, s, rows->pdata[i], pd_now()) != 0)
			break;
	g_ptr_array_unref(rows);
	if (i < n)
		return s->backoff < max_wait ? s->backoff : max_wait;
	unstall(s, pd_now());
	if (n == OUTBOX_BATCH)
		return 0;
	if (store_outbox_next_due(db, &next) != 1 || next == 0)
		return max_wait;
	now = pd_now();
	return next <= now ? 0 : next - now < max_wait ? next - now : max_wait;
}

int
outbox_run(sqlite3 *db, const struct pd_config *cfg,
    const struct sink_driver *drv, int max_wait)
{
	/* One sender per thread: its memory of an unrecorded outcome must
	 * outlive the call. */
	static _Thread_local struct outbox_sender s;

	return outbox_send(db, cfg, drv, &s, max_wait);
}

gpointer
outbox_main(gpointer arg)
{
	struct worker *w = arg;
	struct outbox_sender sender = { 0 };
	sqlite3 *db = NULL;
	char *err = NULL;

	if (db_open(w->cfg->database, &db, &err) != 0) {
		log_warnx("stage=send event=error error=\"%s\"", err);
		g_free(err);
		return NULL;
	}
	while (!atomic_load(&w->stop)) {
		/* Rows queued by the CLI wake nobody: look every few seconds. */
		int wait = outbox_send(db, w->cfg, &sink_smtp, &sender, 5);

		if (wait > 0 && worker_sleep(w, wait * 1000))
			worker_drain(w);
	}
	outbox_sender_clear(&sender);
	db_close(&db);
	return NULL;
}
