/* outbox.c: see outbox.h. */
#include <stdbool.h>
#include <string.h>
#include <time.h>
#include "clock.h"
#include "compose.h"
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

/* Whether rcpt and env_from ("" allowed) may reach an SMTP command line;
 * logs a refusal. */
static bool
addresses_ok(unsigned long ticket, const char *kind, const char *env_from,
    const char *rcpt)
{
	if (!addr_is_valid(rcpt) || (*env_from && !addr_is_valid(env_from))) {
		log_warnx("ticket=%lu stage=notify event=refused reason="
		    "\"invalid address\" kind=%s", ticket, kind);
		return false;
	}
	return true;
}

int64_t
outbox_add(sqlite3 *db, unsigned long ticket, const char *kind,
    const char *msgid, const char *env_from, const char *rcpt,
    const char *data, size_t len)
{
	if (!addresses_ok(ticket, kind, env_from, rcpt))
		return 0;
	return store_outbox_insert(db, ticket, kind, msgid, env_from, rcpt,
	    data, len);
}

int64_t
outbox_add_recipe(sqlite3 *db, unsigned long ticket, const char *kind,
    const char *msgid, const char *env_from, const char *rcpt,
    GVariant *recipe, GPtrArray *atts)
{
	GPtrArray *hashes;
	int64_t row;

	if (!addresses_ok(ticket, kind, env_from, rcpt))
		return 0;
	hashes = compose_recipe_blobs(recipe);
	row = store_outbox_insert_recipe(db, ticket, kind, msgid, env_from,
	    rcpt, g_variant_get_data(recipe), g_variant_get_size(recipe), atts,
	    hashes);
	g_ptr_array_unref(hashes);
	return row;
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

static unsigned
held_count(const struct outbox_sender *s)
{
	return s->held.id ? 1 + (s->more ? s->more->len : 0) : 0;
}

/* Keeps o (taking its strings) among the unrecorded outcomes. */
static void
held_push(struct outbox_sender *s, struct outbox_outcome *o)
{
	if (!s->held.id)
		s->held = *o;
	else {
		if (!s->more)
			s->more = g_array_new(FALSE, FALSE, sizeof *o);
		g_array_append_val(s->more, *o);
	}
	memset(o, 0, sizeof *o);
}

static struct outbox_outcome *
held_at(struct outbox_sender *s, unsigned i)
{
	return i == 0 ? &s->held : &g_array_index(s->more,
	    struct outbox_outcome, i - 1);
}

static void
held_clear(struct outbox_sender *s, bool log_recorded)
{
	unsigned i, n = held_count(s);

	for (i = 0; i < n; i++) {
		struct outbox_outcome *o = held_at(s, i);

		if (log_recorded)
			log_info("ticket=%lld msg=<%s> stage=send "
			    "event=recorded", (long long)o->ticket, o->msgid);
		outcome_clear(o);
	}
	if (s->more)
		g_array_set_size(s->more, 0);
}

/* Writes every outcome kept in memory in one transaction.  Returns 0 when
 * none is left unrecorded, -1 when they still are (the sender stalls). */
static int
record_held(sqlite3 *db, struct outbox_sender *s, int64_t now)
{
	char *err = NULL;
	unsigned i, n = held_count(s);
	bool after_stall = s->backoff != 0;

	if (n == 0)
		return 0;
	if (db_begin(db) != 0) {
		err = g_strdup(sqlite3_errmsg(db));
		goto fail;
	}
	for (i = 0; i < n; i++)
		if (outcome_write(db, held_at(s, i), &err) != 0)
			goto fail;
	if (db_commit(db) != 0) {
		err = g_strdup(sqlite3_errmsg(db));
		goto fail;
	}
	held_clear(s, after_stall);
	return 0;
fail:
	db_rollback(db);
	stall(s, now, "the outcome of a sent mail", err);
	g_free(err);
	return -1;
}

/* The recipient's domain, lower case (g_malloc'd). */
static char *
rcpt_domain(const char *rcpt)
{
	const char *at = strrchr(rcpt, '@');

	return g_ascii_strdown(at ? at + 1 : rcpt, -1);
}

/* 1 when rows of domain never tried yet must wait (the domain failed
 * temporarily a moment ago), with the time in *until_r. */
static int
domain_slow(struct outbox_sender *s, const char *domain, int64_t now,
    int64_t *until_r)
{
	int64_t *u = s->slow ? g_hash_table_lookup(s->slow, domain) : NULL;

	if (!u)
		return 0;
	if (*u <= now) {
		g_hash_table_remove(s->slow, domain);
		return 0;
	}
	*until_r = *u;
	return 1;
}

static void
domain_mark_slow(struct outbox_sender *s, const char *domain, int64_t until)
{
	if (!s->slow)
		s->slow = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
		    g_free);
	g_hash_table_replace(s->slow, g_strdup(domain),
	    g_memdup2(&until, sizeof until));
}

/* The claims of a batch, one transaction: rows of a slow domain never
 * tried are moved to the domain's time instead.  claimed[i] is set for
 * the rows that are ours to send.  0, or -1 (stalled). */
static int
claim_batch(sqlite3 *db, struct outbox_sender *sd, GPtrArray *rows,
    bool *claimed, int64_t now)
{
	char *werr = NULL;
	guint i;

	if (db_begin(db) != 0) {
		werr = g_strdup(sqlite3_errmsg(db));
		goto fail;
	}
	for (i = 0; i < rows->len; i++) {
		const struct store_outbox_row *r = rows->pdata[i];
		char *dom = rcpt_domain(r->rcpt);
		int64_t until = 0;
		int c;

		if (r->attempts == 0 && domain_slow(sd, dom, now, &until)) {
			g_free(dom);
			if (store_outbox_defer(db, r->id, until, &werr) != 0)
				goto fail;
			continue;
		}
		g_free(dom);
		if (r->error) {
			/* A recipe that cannot be composed never will be:
			 * that row fails, the others go on. */
			log_warnx("ticket=%lld msg=<%s> stage=send event=failed "
			    "error=\"%s\"", (long long)r->ticket, r->msgid,
			    r->error);
			if (store_outbox_failed(db, r->id, r->error, &werr) != 0)
				goto fail;
			continue;
		}
		c = store_outbox_claim(db, r->id, r->attempts, now +
		    outbox_backoff(r->attempts + 1), &werr);
		if (c < 0)
			goto fail;
		/* The hash of a mail queued with spans, now that it is
		 * whole (store_outbox_due), before it leaves. */
		if (c == 0 && r->data_hash && !r->composed &&
		    store_outbox_set_hash(db, r->id, r->data_hash, &werr) != 0)
			goto fail;
		/* A mail queued as a recipe, composed now (store_outbox_due):
		 * its headers, hash and size, before it leaves (schema 19). */
		if (c == 0 && r->data_hash && r->composed) {
			gsize n = 0;
			const void *d = g_bytes_get_data(r->data, &n);

			if (store_outbox_set_composed(db, r->id, d, n,
			    r->data_hash, &werr) != 0)
				goto fail;
		}
		claimed[i] = c == 0; /* 1: changed meanwhile, not ours */
	}
	if (db_commit(db) != 0) {
		werr = g_strdup(sqlite3_errmsg(db));
		goto fail;
	}
	return 0;
fail:
	db_rollback(db);
	memset(claimed, 0, rows->len * sizeof *claimed);
	stall(sd, now, "the start of an attempt", werr);
	g_free(werr);
	return -1;
}

static enum sink_status
deliver(const struct pd_config *cfg, const struct sink_driver *drv,
    struct outbox_sender *sd, const struct store_outbox_row *r, char **err)
{
	const char *rcpts[1] = { r->rcpt };
	gsize len;
	const char *data = g_bytes_get_data(r->data, &len);

	if (drv->send_pooled == NULL)
		return drv->send(&cfg->smtp, cfg->smtp_helo, r->env_from,
		    rcpts, 1, data, len, err);
	if (sd->drv != drv && sd->drv && sd->drv->pool_close)
		sd->drv->pool_close(&sd->pool);
	sd->drv = drv;
	return drv->send_pooled(&sd->pool, &cfg->smtp, cfg->smtp_helo,
	    r->env_from, rcpts, 1, data, len, err);
}

static void
outcome_log(const struct store_outbox_row *r, const struct outbox_outcome *o)
{
	const char *err = o->error ? o->error : "";

	if (o->status == SINK_OK)
		log_info("ticket=%lld msg=<%s> stage=send event=sent",
		    (long long)r->ticket, r->msgid);
	else if (o->status == SINK_TEMP && !o->give_up)
		log_warnx("ticket=%lld msg=<%s> stage=send event=deferred "
		    "retry_in=%ds error=\"%s\"", (long long)r->ticket,
		    r->msgid, o->wait, err);
	else
		log_warnx("ticket=%lld msg=<%s> stage=send event=failed "
		    "error=\"%s\"", (long long)r->ticket, r->msgid, err);
}

/* One batch: claim (committed before any handoff, so a crash cannot make
 * a row due at once), send over the kept session, record the outcomes.
 * Returns 0, or -1 when a state write failed and the sender must stop. */
static int
send_batch(sqlite3 *db, const struct pd_config *cfg,
    const struct sink_driver *drv, struct outbox_sender *sd, GPtrArray *rows)
{
	bool *claimed = g_new0(bool, rows->len ? rows->len : 1);
	GHashTable *failed = g_hash_table_new_full(g_str_hash, g_str_equal,
	    g_free, NULL);
	char *setup_err = NULL;
	int64_t first = 0; /* monotonic time of the first unrecorded 250 */
	int rc = 0;
	guint i;

	if (claim_batch(db, sd, rows, claimed, pd_now()) != 0) {
		rc = -1;
		goto out;
	}
	for (i = 0; i < rows->len; i++) {
		const struct store_outbox_row *r = rows->pdata[i];
		struct outbox_outcome o = { .id = r->id, .ticket = r->ticket };
		char *dom, *err = NULL;
		int64_t now = pd_now();

		if (!claimed[i])
			continue;
		dom = rcpt_domain(r->rcpt);
		o.wait = outbox_backoff(r->attempts + 1);
		if (setup_err || g_hash_table_contains(failed, dom)) {
			/* Not tried: the relay or this domain failed just
			 * now; the claim already moved it past its wait. */
			o.status = SINK_TEMP;
			err = g_strdup_printf("not tried: %s", setup_err ?
			    setup_err : "its domain failed temporarily in "
			    "this batch");
			o.at = now;
		} else {
			o.status = deliver(cfg, drv, sd, r, &err);
			o.at = pd_now();
			o.give_up = o.status == SINK_TEMP && now - r->created >=
			    OUTBOX_GIVE_UP;
		}
		o.error = err;
		outcome_log(r, &o);
		if (o.status == SINK_TEMP && !setup_err &&
		    !g_hash_table_contains(failed, dom)) {
			if (drv->send_pooled && sd->pool.setup_failed)
				setup_err = g_strdup(err ? err : "no session");
			else {
				domain_mark_slow(sd, dom, o.at + o.wait);
				g_hash_table_add(failed, g_strdup(dom));
			}
		}
		g_free(dom);
		if (o.status == SINK_OK && first == 0)
			first = g_get_monotonic_time();
		o.msgid = g_strdup(r->msgid);
		held_push(sd, &o);
		if (first && g_get_monotonic_time() - first >=
		    OUTBOX_FLUSH_MS * 1000) {
			if (record_held(db, sd, pd_now()) != 0) {
				rc = -1;
				goto out;
			}
			first = 0;
		}
	}
	if (record_held(db, sd, pd_now()) != 0)
		rc = -1;
out:
	g_free(claimed);
	g_free(setup_err);
	g_hash_table_unref(failed);
	return rc;
}

void
outbox_sender_clear(struct outbox_sender *s)
{
	unsigned i, n = held_count(s);

	for (i = 0; i < n; i++)
		log_warnx("ticket=%lld msg=<%s> stage=send event=unrecorded "
		    "reason=\"stopping with the outcome unrecorded; the mail "
		    "may be sent again after a restart\"",
		    (long long)held_at(s, i)->ticket, held_at(s, i)->msgid);
	held_clear(s, false);
	if (s->more)
		g_array_unref(s->more);
	if (s->slow)
		g_hash_table_unref(s->slow);
	if (s->drv && s->drv->pool_close)
		s->drv->pool_close(&s->pool);
	memset(s, 0, sizeof *s);
}

int
outbox_send(sqlite3 *db, const struct pd_config *cfg,
    const struct sink_driver *drv, struct outbox_sender *s, int max_wait)
{
	int64_t now = pd_now(), next = 0;
	GPtrArray *rows;
	guint n;
	int r;

	if (s->backoff) {
		if (now < s->retry_at)
			return s->retry_at - now < max_wait ?
			    (int)(s->retry_at - now) : max_wait;
		if (record_held(db, s, now) != 0)
			return s->backoff < max_wait ? s->backoff : max_wait;
	}
	rows = store_outbox_due(db, now, OUTBOX_BATCH);
	n = rows->len;
	r = n ? send_batch(db, cfg, drv, s, rows) : 0;
	g_ptr_array_unref(rows);
	if (r != 0)
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
