/* fetch.c: the loop of one IMAP source (docs/architecture.md).
 *
 * connect -> list -> for each UID: fetch, run the pipeline, and only after
 * its transaction committed, acknowledge (move or flag) -> wait (IDLE or
 * poll) -> again.  Any connection trouble reconnects with exponential
 * backoff; nothing here ever exits the daemon.  A UID whose effects are
 * already committed (a crash between commit and acknowledgement) is only
 * acknowledged, never processed twice. */
#include <string.h>
#include "db.h"
#include "fetch.h"
#include "log.h"
#include "pipeline.h"
#include "source.h"
#include "store.h"
#include "worker.h"

#define BACKOFF_MAX 300   /* seconds between reconnects, at most */
/* The longest wait before the folder is listed again.  IDLE normally
 * wakes us at once; this bounds the rare case where libetpan drops the
 * EXISTS sent between our NOOP and "+ idling" (see source_imap.c). */
#define IDLE_SECONDS 60

struct fetch {
	struct worker *w;
	const struct pd_source *src;
	const struct source_driver *drv;
	sqlite3 *db;
	struct source_conn *conn;
	uint32_t uidvalidity;
	GByteArray *raw;
};

static enum src_status
ack(struct fetch *f, uint32_t uid, enum pipe_result r)
{
	const char *folder;
	char *err = NULL;
	enum src_status s;

	if (r == PIPE_QUARANTINED)
		folder = f->src->quarantine_folder;
	else
		folder = f->src->after == PD_AFTER_MOVE ?
		    f->src->processed_folder : NULL;
	s = f->drv->ack(f->conn, uid, folder, &err);
	if (s != SRC_OK) {
		log_warnx("source=%s uid=%u stage=fetch event=ack-failed "
		    "error=\"%s\"", f->src->name, uid, err ? err : "");
		g_free(err);
	}
	return s;
}

static enum src_status
process_uid(struct fetch *f, uint32_t uid)
{
	struct pipe_origin o = { .source = f->src->name,
		.folder = f->src->folder, .queue = f->src->queue,
		.uidvalidity = f->uidvalidity, .uid = uid };
	struct pipe_out out;
	enum pipe_result r;
	enum src_status s;
	size_t size = 0;
	char *err = NULL;

	if (pipeline_seen(f->db, &o))
		return ack(f, uid, PIPE_DUPLICATE);
	s = f->drv->fetch(f->conn, uid, f->w->cfg->limits.max_message_size,
	    f->raw, &size, &err);
	if (s != SRC_OK) {
		log_warnx("source=%s uid=%u stage=fetch event=fetch-failed "
		    "error=\"%s\"", f->src->name, uid, err ? err : "");
		g_free(err);
		return s == SRC_MSG_BAD ? SRC_OK : s;
	}
	if (f->raw->len == 0 && size > 0)
		r = pipeline_oversized(f->db, f->w->cfg, &o, NULL, size, &out);
	else
		r = pipeline_deliver(f->db, f->w->cfg, &o,
		    (const char *)f->raw->data, f->raw->len, &out);
	if (out.queued)
		worker_wake(f->w->outbox);
	if (r == PIPE_TEMPFAIL) {
		/* Left in the folder: the next round tries it again. */
		log_warnx("source=%s uid=%u stage=store event=tempfail",
		    f->src->name, uid);
		return SRC_OK;
	}
	return ack(f, uid, r);
}

/* Processes everything waiting.  SRC_TEMP means reconnect. */
static enum src_status
drain(struct fetch *f)
{
	GArray *uids = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	enum src_status s;
	char *err = NULL;

	s = f->drv->list(f->conn, &f->uidvalidity, uids, &err);
	/* For `postdesk status`: the backlog as listed, then what is left;
	 * two small writes per round, outside the messages' transactions. */
	if (s == SRC_OK)
		store_source_seen(f->db, f->src->name, -1, uids->len, NULL);
	for (guint i = 0; s == SRC_OK && i < uids->len &&
	    !atomic_load(&f->w->stop); i++)
		s = process_uid(f, g_array_index(uids, uint32_t, i));
	if (s != SRC_OK && err) {
		log_warnx("source=%s stage=fetch event=error error=\"%s\"",
		    f->src->name, err);
		store_source_seen(f->db, f->src->name, 0, -1, err);
	} else if (s == SRC_OK && uids->len > 0)
		store_source_seen(f->db, f->src->name, -1, 0, NULL);
	g_free(err);
	g_array_unref(uids);
	return s;
}

static void
session(struct fetch *f)
{
	char *err = NULL;

	while (!atomic_load(&f->w->stop)) {
		if (drain(f) != SRC_OK)
			return;
		if (f->drv->wait(f->conn, f->w->wake[0], IDLE_SECONDS,
		    &err) != SRC_OK) {
			log_warnx("source=%s stage=fetch event=disconnected "
			    "error=\"%s\"", f->src->name, err ? err : "");
			store_source_seen(f->db, f->src->name, 0, -1,
			    err ? err : "disconnected");
			g_free(err);
			return;
		}
		worker_drain(f->w);
	}
}

static void
run(struct fetch *f)
{
	unsigned backoff = 1;
	char *err = NULL;

	while (!atomic_load(&f->w->stop)) {
		if (f->drv->open(f->src, &f->conn, &err) != SRC_OK) {
			log_warnx("source=%s stage=fetch event=connect-failed "
			    "retry_in=%us error=\"%s\"", f->src->name, backoff,
			    err ? err : "");
			store_source_seen(f->db, f->src->name, 0, -1,
			    err ? err : "connection failed");
			g_clear_pointer(&err, g_free);
			if (worker_sleep(f->w, backoff * 1000))
				worker_drain(f->w);
			backoff = backoff * 2 > BACKOFF_MAX ? BACKOFF_MAX :
			    backoff * 2;
			continue;
		}
		log_info("source=%s stage=fetch event=connected",
		    f->src->name);
		store_source_seen(f->db, f->src->name, 1, -1, NULL);
		backoff = 1;
		session(f);
		f->drv->close(&f->conn);
	}
}

gpointer
fetch_main(gpointer arg)
{
	struct fetch f = { .w = arg, .drv = &source_imap };
	char *err = NULL;

	f.src = f.w->src;
	source_cut_use(&f.w->cut);
	if (db_open(f.w->cfg->database, &f.db, &err) != 0) {
		log_warnx("source=%s stage=fetch event=error error=\"%s\"",
		    f.src->name, err);
		g_free(err);
		return NULL;
	}
	f.raw = g_byte_array_new();
	run(&f);
	g_byte_array_unref(f.raw);
	db_close(&f.db);
	source_cut_use(NULL);
	return NULL;
}
