/* fetch.c: the loop of one IMAP source (docs/architecture.md).
 *
 * connect -> list -> sizes of all pending UIDs in one command -> in batches
 * (BATCH_MSGS messages, BATCH_BYTES bytes): the bodies in one command, the
 * pipeline for all in one transaction (pipeline_deliver_batch), and only
 * after it committed, acknowledge them (move or flag) in one command ->
 * wait (IDLE or poll) -> again.  Any connection trouble reconnects with
 * exponential backoff; nothing here ever exits the daemon.  A UID whose
 * effects are already committed (a crash between commit and
 * acknowledgement) is only acknowledged, never processed twice. */
#include <string.h>
#include <time.h>
#include "clock.h"
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

/* A batch: at most this many messages in one transaction and one IMAP
 * command, and about this many bytes of bodies held at once. */
#define BATCH_MSGS FETCH_BATCH_MAX
#define BATCH_BYTES (4u << 20)
/* Sizes are asked for this many pending UIDs at a time. */
#define SIZES_MAX 5000

/* The processed folder for a message acknowledged now: processed_folder
 * with its strftime(3) conversions ("Processed/%Y-%m") expanded for
 * pd_now() in the daemon's local time zone (TZ), so the folder rolls over
 * and the server's cost per move does not grow forever
 * (postdesk.conf(5)).  g_malloc'd. */
static char *
processed_folder(const char *pattern)
{
	char buf[512];
	time_t t = (time_t)pd_now();
	struct tm tm;
	size_t n;

	if (strchr(pattern, '%') == NULL || localtime_r(&t, &tm) == NULL)
		return g_strdup(pattern);
	/* The pattern is the admin's setting, the point of it. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
	n = strftime(buf, sizeof buf, pattern, &tm);
#pragma GCC diagnostic pop
	return n > 0 ? g_strdup(buf) : g_strdup(pattern);
}

/* Acknowledges n committed UIDs that all had result r, in one command. */
static enum src_status
ack(struct fetch *f, const uint32_t *uids, size_t n, enum pipe_result r)
{
	char *folder = NULL, *err = NULL;
	enum src_status s;

	if (n == 0)
		return SRC_OK;
	if (r == PIPE_QUARANTINED)
		folder = g_strdup(f->src->quarantine_folder);
	else if (f->src->after == PD_AFTER_MOVE)
		folder = processed_folder(f->src->processed_folder);
	s = f->drv->ack_set(f->conn, uids, n, folder, &err);
	if (s != SRC_OK) {
		log_warnx("source=%s uid=%u count=%zu stage=fetch "
		    "event=ack-failed error=\"%s\"", f->src->name, uids[0], n,
		    err ? err : "");
		g_free(err);
	}
	g_free(folder);
	return s;
}

/* One message alone, in its own transaction: a message whose stages
 * failed inside a batch (pipeline_deliver_batch) takes the path of a
 * single message, which quarantines or leaves it as before. */
static enum src_status
process_alone(struct fetch *f, const struct pipe_item *it)
{
	struct pipe_out out;
	enum pipe_result r;

	if (it->raw == NULL)
		r = pipeline_oversized(f->db, f->w->cfg, &it->o, NULL,
		    it->size, &out);
	else
		r = pipeline_deliver(f->db, f->w->cfg, &it->o, it->raw,
		    it->len, &out);
	if (out.queued)
		worker_wake(f->w->outbox);
	if (r == PIPE_TEMPFAIL) {
		/* Left in the folder: the next round tries it again. */
		log_warnx("source=%s uid=%u stage=store event=tempfail",
		    f->src->name, it->o.uid);
		return SRC_OK;
	}
	return ack(f, &it->o.uid, 1, r);
}

/* Acknowledges the committed items of a batch: one command per
 * destination (processed or flagged, quarantine); then the failed ones,
 * one by one. */
static enum src_status
ack_batch(struct fetch *f, struct pipe_item *items, size_t n)
{
	GArray *done = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	GArray *quar = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	enum src_status s;

	for (size_t i = 0; i < n; i++) {
		if (items[i].r == PIPE_QUARANTINED)
			g_array_append_val(quar, items[i].o.uid);
		else if (items[i].r != PIPE_TEMPFAIL)
			g_array_append_val(done, items[i].o.uid);
	}
	s = ack(f, (uint32_t *)done->data, done->len, PIPE_STORED);
	if (s == SRC_OK)
		s = ack(f, (uint32_t *)quar->data, quar->len,
		    PIPE_QUARANTINED);
	for (size_t i = 0; s == SRC_OK && i < n; i++)
		if (items[i].r == PIPE_TEMPFAIL)
			s = process_alone(f, &items[i]);
	g_array_unref(done);
	g_array_unref(quar);
	return s;
}

/* One batch: n UIDs of known sizes (SIZE_MAX: gone).  Bodies in one
 * command (those over max_message_size are not fetched), one transaction
 * for all, then the acknowledgements. */
static enum src_status
process_batch(struct fetch *f, const uint32_t *uids, const size_t *sizes,
    size_t n)
{
	size_t max = f->w->cfg->limits.max_message_size;
	struct pipe_item *items = g_new0(struct pipe_item, n);
	uint32_t *want = g_new(uint32_t, n);
	size_t *got = g_new(size_t, n);
	size_t nwant = 0, nitems = 0, k = 0;
	bool queued = false;
	enum src_status s;
	char *err = NULL;

	for (size_t i = 0; i < n; i++)
		if (sizes[i] <= max)
			want[nwant++] = uids[i];
	s = f->drv->bodies(f->conn, want, nwant, max, f->raws, got, &err);
	if (s != SRC_OK) {
		log_warnx("source=%s stage=fetch event=fetch-failed "
		    "error=\"%s\"", f->src->name, err ? err : "");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		struct pipe_item *it = &items[nitems];
		bool fetched = sizes[i] <= max;
		size_t size = fetched ? got[k] : sizes[i];
		GByteArray *raw = fetched ? f->raws[k++] : NULL;

		if (size == SIZE_MAX) {
			/* Gone (expunged by someone else): nothing to do. */
			log_warnx("source=%s uid=%u stage=fetch "
			    "event=fetch-failed error=\"uid is gone\"",
			    f->src->name, uids[i]);
			continue;
		}
		it->o = (struct pipe_origin){ .source = f->src->name,
			.folder = f->src->folder, .queue = f->src->queue,
			.uidvalidity = f->uidvalidity, .uid = uids[i] };
		if (raw != NULL && size <= max) {
			/* An empty message too: the parser quarantines it. */
			it->raw = raw->len ? (const char *)raw->data : "";
			it->len = raw->len;
		}
		it->size = size;
		nitems++;
	}
	if (pipeline_deliver_batch(f->db, f->w->cfg, items, nitems) != 0) {
		/* Nothing committed, nothing acknowledged: the next round
		 * tries them again. */
		log_warnx("source=%s uid=%u count=%zu stage=store "
		    "event=tempfail", f->src->name, nitems ? items[0].o.uid :
		    0, nitems);
		goto out;
	}
	for (size_t i = 0; i < nitems; i++)
		queued |= items[i].out.queued;
	if (queued)
		worker_wake(f->w->outbox);
	s = ack_batch(f, items, nitems);
out:
	/* A GByteArray keeps its largest size: give the batch's bytes back
	 * now rather than hold the biggest message of each slot forever. */
	for (size_t i = 0; i < nwant; i++) {
		g_byte_array_unref(f->raws[i]);
		f->raws[i] = g_byte_array_new();
	}
	g_free(err);
	g_free(items);
	g_free(want);
	g_free(got);
	return s;
}

/* Processes the pending UIDs in batches of at most BATCH_MSGS messages
 * and BATCH_BYTES bytes (by RFC822.SIZE): the bytes held at once stay
 * bounded.  A message alone over BATCH_BYTES is a batch of its own. */
static enum src_status
process_pending(struct fetch *f, const uint32_t *uids, const size_t *sizes,
    size_t n)
{
	size_t max = f->w->cfg->limits.max_message_size;
	enum src_status s = SRC_OK;
	size_t i = 0;

	while (s == SRC_OK && i < n && !atomic_load(&f->w->stop)) {
		size_t j = i, bytes = 0;

		while (j < n && j - i < BATCH_MSGS) {
			size_t add = sizes[j] <= max ? sizes[j] : 0;

			if (j > i && bytes + add > BATCH_BYTES)
				break;
			bytes += add;
			j++;
		}
		s = process_batch(f, uids + i, sizes + i, j - i);
		i = j;
	}
	return s;
}

enum src_status
fetch_drain(struct fetch *f)
{
	GArray *uids = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	GArray *todo = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	GArray *seen = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	size_t *sizes = NULL;
	enum src_status s;
	char *err = NULL;

	s = f->drv->list(f->conn, &f->uidvalidity, uids, &err);
	/* For `postdesk status`: the backlog as listed, then what is left;
	 * two small writes per round, outside the messages' transactions. */
	if (s == SRC_OK)
		store_source_seen(f->db, f->src->name, -1, uids->len, NULL);
	/* UIDs whose effects are already committed (a crash between the
	 * commit and the acknowledgement) are only acknowledged. */
	for (guint i = 0; s == SRC_OK && i < uids->len; i++) {
		uint32_t uid = g_array_index(uids, uint32_t, i);
		struct pipe_origin o = { .source = f->src->name,
			.folder = f->src->folder, .uidvalidity =
			f->uidvalidity, .uid = uid };

		g_array_append_val(pipeline_seen(f->db, &o) ? seen : todo,
		    uid);
	}
	if (s == SRC_OK)
		s = ack(f, (uint32_t *)seen->data, seen->len, PIPE_DUPLICATE);
	for (guint i = 0; s == SRC_OK && i < todo->len &&
	    !atomic_load(&f->w->stop); i += SIZES_MAX) {
		size_t n = MIN(todo->len - i, SIZES_MAX);
		const uint32_t *part = (uint32_t *)todo->data + i;

		sizes = g_renew(size_t, sizes, n);
		s = f->drv->sizes(f->conn, part, n, sizes, &err);
		if (s == SRC_OK)
			s = process_pending(f, part, sizes, n);
	}
	if (s != SRC_OK && err) {
		log_warnx("source=%s stage=fetch event=error error=\"%s\"",
		    f->src->name, err);
		store_source_seen(f->db, f->src->name, 0, -1, err);
	} else if (s == SRC_OK && uids->len > 0)
		store_source_seen(f->db, f->src->name, -1, 0, NULL);
	g_free(err);
	g_free(sizes);
	g_array_unref(uids);
	g_array_unref(todo);
	g_array_unref(seen);
	return s;
}

static void
session(struct fetch *f)
{
	char *err = NULL;

	while (!atomic_load(&f->w->stop)) {
		if (fetch_drain(f) != SRC_OK)
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

void
fetch_init(struct fetch *f)
{
	for (size_t i = 0; i < G_N_ELEMENTS(f->raws); i++)
		f->raws[i] = g_byte_array_new();
}

void
fetch_deinit(struct fetch *f)
{
	for (size_t i = 0; i < G_N_ELEMENTS(f->raws); i++)
		g_clear_pointer(&f->raws[i], g_byte_array_unref);
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
	fetch_init(&f);
	run(&f);
	fetch_deinit(&f);
	db_close(&f.db);
	source_cut_use(NULL);
	return NULL;
}
