/* fetch.c: the loop of one IMAP source (docs/architecture.md).
 *
 * connect -> list -> sizes of all pending UIDs in one command -> in batches
 * (BATCH_MSGS messages, BATCH_BYTES bytes): the bodies in commands of
 * about FETCH_CHUNK_BYTES, the pipeline for all in one transaction
 * (pipeline_batch_parse, pipeline_batch_file), and only
 * after it committed, acknowledge them (move or flag) in one command ->
 * wait (IDLE or poll) -> again.  Any connection trouble reconnects with
 * exponential backoff; nothing here ever exits the daemon.  A UID whose
 * effects are already committed (a crash between commit and
 * acknowledgement) is only acknowledged, never processed twice.
 *
 * Two threads per source while a backlog drains (process_pending): the
 * source's thread, and one filer thread per batch (g_thread_try_new, one
 * at a time, joined before the next starts).  What each owns:
 * - the source's thread: the IMAP connection f->conn (a libetpan session
 *   is not thread-safe; the cut, source.h, is this thread's), the UID
 *   lists, the bodies being fetched and their parsing
 *   (pipeline_batch_parse: GMime objects of that batch only), and the
 *   acknowledgements;
 * - the filer thread: f->db (with its statement cache, db.c) and the
 *   batch it files (items, parsed messages), from g_thread_try_new to
 *   g_thread_join, which order its memory with the source's thread.
 *   Between those two calls the source's thread touches neither f->db nor
 *   that batch: it only acknowledges the batch before (IMAP) and fetches
 *   and parses the next (IMAP, GMime on other objects).  Anything that
 *   writes to the database from the source's thread (a message retried
 *   alone, the source's status rows) runs with no filer thread alive.
 * So at most two batches' bodies are held at once (the one filed, the one
 * fetched), each bounded as below (BATCH_BYTES is smaller for that), with
 * their parsed form: the parse borrows the bodies (msg_parse_borrowed),
 * and a batch's memory is given back (malloc_trim(3)) once it is freed,
 * before the next is fetched (docs/performance.md).  GMime objects are never
 * shared between threads, only handed over (GMime's charset, iconv and utils
 * functions are thread-safe, its objects are not: its FAQ); lazily built
 * regexes and tables use g_once. */
#include <malloc.h>
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
 * acknowledgement, and about this many bytes of bodies; two batches are
 * held at once while a backlog drains (3 MB: peak RSS about 50 MB for
 * 3,000 queued requests, where 4 MB took 55 to 58 MB). */
#define BATCH_MSGS FETCH_BATCH_MAX
#define BATCH_BYTES (3u << 20)
/* Bodies are asked for in commands of about this many bytes
 * (bodies_chunked). */
#define FETCH_CHUNK_BYTES (1u << 20)
/* While a backlog drains, the WAL is copied into the database on the
 * source's thread (f->ckpt) while the filer files, not inside the filer's
 * commits, which then only append and sync the WAL; the WAL starts again
 * from its beginning only once wholly copied, so when it holds more than
 * this many frames (4 KB pages), the frames of the batch just filed are
 * copied too, before the next is filed (docs/performance.md). */
#define WAL_RESTART_FRAMES 4096
/* The last batch of a backlog is filed with nothing left to fetch and
 * parse beside it: what would be a last batch of more than TAIL_MIN bytes
 * gives its second half (at most TAIL_BYTES) to a batch after it, fetched
 * and parsed while the rest is filed, and that one again, so a backlog
 * ends on a batch of at most TAIL_MIN (batch_fetch). */
#define TAIL_BYTES (BATCH_BYTES / 4)
#define TAIL_MIN (256u << 10)
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

/* One batch on its way: its bodies, its items, its parsed messages
 * (pipeline_batch_parse) and, while a filer thread files it, that thread.
 * Owned by the source's thread except between filing_start and
 * filing_end, when the filer thread alone touches items, parsed and the
 * database (see the top of this file). */
struct batch {
	GByteArray **raws;	/* nwant bodies */
	size_t nwant;
	struct pipe_item *items;
	size_t nitems;
	struct pipe_batch *parsed;	/* freed here, after filing too */
	sqlite3 *db;		/* the filer's database: the source's */
	GThread *filer;		/* while it files on another thread */
	int filed;		/* pipeline_batch_file's result */
};

static void
batch_free(struct batch *b)
{
	if (b == NULL)
		return;
	pipeline_batch_free(b->parsed);
	for (size_t i = 0; i < b->nwant; i++)
		g_byte_array_unref(b->raws[i]);
	g_free(b->raws);
	g_free(b->items);
	g_free(b);
}

/* True when some item of a filed batch must be retried alone. */
static bool
batch_has_alone(const struct batch *b)
{
	for (size_t i = 0; i < b->nitems; i++)
		if (b->items[i].r == PIPE_TEMPFAIL)
			return true;
	return false;
}

/* Acknowledges the committed items of a batch: one command per
 * destination (processed or flagged, quarantine).  IMAP only, no
 * database: it may run while the next batch is filed. */
static enum src_status
ack_sets(struct fetch *f, const struct batch *b)
{
	GArray *done = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	GArray *quar = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	enum src_status s;

	for (size_t i = 0; i < b->nitems; i++) {
		if (b->items[i].r == PIPE_QUARANTINED)
			g_array_append_val(quar, b->items[i].o.uid);
		else if (b->items[i].r != PIPE_TEMPFAIL)
			g_array_append_val(done, b->items[i].o.uid);
	}
	s = ack(f, (uint32_t *)done->data, done->len, PIPE_STORED);
	if (s == SRC_OK)
		s = ack(f, (uint32_t *)quar->data, quar->len,
		    PIPE_QUARANTINED);
	g_array_unref(done);
	g_array_unref(quar);
	return s;
}

/* ack_sets, then the failed ones, one by one in their own transactions
 * (the database: never while a filer thread runs). */
static enum src_status
ack_batch(struct fetch *f, const struct batch *b)
{
	enum src_status s = ack_sets(f, b);

	for (size_t i = 0; s == SRC_OK && i < b->nitems; i++)
		if (b->items[i].r == PIPE_TEMPFAIL)
			s = process_alone(f, &b->items[i]);
	return s;
}

/* The bodies of want[0..n) (RFC822.SIZE wsize[i]) into raws and got as
 * drv->bodies puts them, in commands of about FETCH_CHUNK_BYTES each: the
 * IMAP library holds a command's whole response twice (its read buffer,
 * kept at its largest, and the parsed bodies) while we copy it, so one
 * command for a whole batch would add about three batches' bytes to the
 * peak memory while another batch is filed. */
static enum src_status
bodies_chunked(struct fetch *f, const uint32_t *want, const size_t *wsize,
    size_t n, size_t max, GByteArray **raws, size_t *got, char **err_r)
{
	enum src_status s = SRC_OK;
	size_t i = 0;

	while (s == SRC_OK && i < n) {
		size_t j = i, bytes = 0;

		while (j < n && (j == i ||
		    bytes + wsize[j] <= FETCH_CHUNK_BYTES))
			bytes += wsize[j++];
		s = f->drv->bodies(f->conn, want + i, j - i, max, raws + i,
		    got + i, err_r);
		i = j;
	}
	return s;
}

/* The bytes of a message of RFC822.SIZE size that a batch fetches: none
 * over max (it is quarantined by its size, unread). */
static size_t
fetched_bytes(size_t size, size_t max)
{
	return size <= max ? size : 0;
}

/* The next batch of the pending UIDs from *next: at most BATCH_MSGS
 * messages and BATCH_BYTES bytes (by RFC822.SIZE), so the bytes held at
 * once stay bounded; a message alone over BATCH_BYTES is a batch of its
 * own; the last one is split (TAIL_BYTES).  Its bodies in commands of
 * FETCH_CHUNK_BYTES (those over max_message_size are not fetched), then
 * parsed.  *b_r is NULL when nothing is left, when the
 * source is stopping, or on an error (returned). */
static enum src_status
batch_fetch(struct fetch *f, const uint32_t *uids, const size_t *sizes,
    size_t n, size_t *next, struct batch **b_r)
{
	size_t max = f->w->cfg->limits.max_message_size;
	size_t i = *next, j = i, bytes = 0, k = 0;
	struct batch *b;
	uint32_t *want;
	size_t *got, *wsize;
	enum src_status s;
	char *err = NULL;

	*b_r = NULL;
	if (i >= n || atomic_load(&f->w->stop))
		return SRC_OK;
	while (j < n && j - i < BATCH_MSGS) {
		size_t add = fetched_bytes(sizes[j], max);

		if (j > i && bytes + add > BATCH_BYTES)
			break;
		bytes += add;
		j++;
	}
	if (j == n && j - i > 1 && bytes > TAIL_MIN) {
		size_t tail = 0, keep = MIN(TAIL_BYTES, bytes / 2);

		while (j - 1 > i) {
			size_t add = fetched_bytes(sizes[j - 1], max);

			if (tail + add > keep)
				break;
			tail += add;
			j--;
		}
	}
	*next = j;
	uids += i;
	sizes += i;
	n = j - i;
	b = g_new0(struct batch, 1);
	b->items = g_new0(struct pipe_item, n);
	b->raws = g_new(GByteArray *, n);
	want = g_new(uint32_t, n);
	wsize = g_new(size_t, n);
	got = g_new(size_t, n);
	for (i = 0; i < n; i++)
		if (sizes[i] <= max) {
			b->raws[b->nwant] = g_byte_array_new();
			wsize[b->nwant] = sizes[i];
			want[b->nwant++] = uids[i];
		}
	s = bodies_chunked(f, want, wsize, b->nwant, max, b->raws, got, &err);
	if (s != SRC_OK) {
		log_warnx("source=%s stage=fetch event=fetch-failed "
		    "error=\"%s\"", f->src->name, err ? err : "");
		batch_free(b);
		b = NULL;
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct pipe_item *it = &b->items[b->nitems];
		bool fetched = sizes[i] <= max;
		size_t size = fetched ? got[k] : sizes[i];
		GByteArray *raw = fetched ? b->raws[k++] : NULL;

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
		b->nitems++;
	}
	/* Pure work, on this thread: the filer may be busy with the batch
	 * before. */
	b->parsed = pipeline_batch_parse(f->w->cfg, b->items, b->nitems);
out:
	*b_r = b;
	g_free(err);
	g_free(want);
	g_free(wsize);
	g_free(got);
	return s;
}

static gpointer
filer_main(gpointer arg)
{
	struct batch *b = arg;

	b->filed = pipeline_batch_file(b->db, b->parsed);
	return NULL;
}

/* Files b in one transaction: on a filer thread when the caller has
 * other work to overlap with it (background), else (or when no thread
 * can be made) here. */
static void
filing_start(struct fetch *f, struct batch *b, bool background)
{
	GError *gerr = NULL;

	b->db = f->db;
	if (background) {
		b->filer = g_thread_try_new("pd-file", filer_main, b, &gerr);
		if (b->filer != NULL)
			return;
		log_warnx("source=%s stage=fetch event=error error=\"no "
		    "filer thread: %s\"", f->src->name, gerr->message);
		g_error_free(gerr);
	}
	filer_main(b);
}

/* Waits for b to be filed; the database is the caller's again.  True
 * when it committed (its acknowledgements are due). */
static bool
filing_end(struct fetch *f, struct batch *b)
{
	bool queued = false;

	if (b->filer != NULL)
		g_thread_join(g_steal_pointer(&b->filer));
	if (b->filed != 0) {
		/* Nothing committed, nothing acknowledged: the next round
		 * tries them again. */
		log_warnx("source=%s uid=%u count=%zu stage=store "
		    "event=tempfail", f->src->name, b->nitems ?
		    b->items[0].o.uid : 0, b->nitems);
		return false;
	}
	for (size_t i = 0; i < b->nitems; i++)
		queued |= b->items[i].out.queued;
	if (queued)
		worker_wake(f->w->outbox);
	return true;
}

/* A checkpoint of the connection db on its way (process_pending): wal
 * gets the frames in the WAL. */
struct ckpt {
	sqlite3 *db;
	int wal;
};

static gpointer
ckpt_main(gpointer arg)
{
	struct ckpt *ck = arg;

	db_checkpoint(ck->db, &ck->wal, NULL);
	return NULL;
}

/* Processes the pending UIDs in batches, two at a time on two threads:
 * while the filer thread files batch k, this thread acknowledges batch
 * k-1 (committed) and fetches and parses batch k+1.  A batch is
 * acknowledged only after its own commit; a batch fetched but not yet
 * filed when an error or a stop ends the loop is dropped: its messages
 * stay in the folder for the next round. */
static enum src_status
process_pending(struct fetch *f, const uint32_t *uids, const size_t *sizes,
    size_t n)
{
	struct batch *cur = NULL, *done = NULL, *next;
	struct ckpt ck = { .db = f->ckpt };
	GThread *ckpt = NULL;
	size_t i = 0;
	enum src_status s;

	if (f->ckpt != NULL)
		db_autocheckpoint(f->db, 0);
	s = batch_fetch(f, uids, sizes, n, &i, &cur);
	while (cur != NULL) {
		/* A message to retry alone writes to the database: finish
		 * that batch before the filer takes the database. */
		if (done != NULL && batch_has_alone(done)) {
			s = ack_batch(f, done);
			g_clear_pointer(&done, batch_free);
		}
		if (s != SRC_OK || atomic_load(&f->w->stop)) {
			g_clear_pointer(&cur, batch_free);
			break;
		}
		filing_start(f, cur, done != NULL || i < n);
		/* What is committed (batch k-1 and before) is copied while
		 * batch k is filed: a PASSIVE checkpoint never waits for the
		 * writer.  Mostly writes and syncs: on a thread of its own,
		 * beside this thread's IMAP and parsing. */
		if (f->ckpt != NULL)
			ckpt = g_thread_try_new("pd-ckpt", ckpt_main, &ck,
			    NULL);
		if (done != NULL) {
			s = ack_sets(f, done);
			g_clear_pointer(&done, batch_free);
			/* Its pages back before the next batch is fetched: two
			 * threads' arenas otherwise keep the peak of both. */
			malloc_trim(0);
		}
		next = NULL;
		if (s == SRC_OK)
			s = batch_fetch(f, uids, sizes, n, &i, &next);
		if (ckpt != NULL)
			g_thread_join(g_steal_pointer(&ckpt));
		else if (f->ckpt != NULL)
			ckpt_main(&ck);
		if (filing_end(f, cur))
			done = cur;
		else
			batch_free(cur);
		if (f->ckpt != NULL && ck.wal > WAL_RESTART_FRAMES) {
			db_checkpoint(f->ckpt, NULL, NULL);
			ck.wal = 0;
		}
		cur = next;
	}
	if (done != NULL) {
		if (s == SRC_OK)
			s = ack_batch(f, done);
		batch_free(done);
	}
	if (f->ckpt != NULL) {
		db_autocheckpoint(f->db, 1000);	/* SQLite default */
		db_checkpoint(f->ckpt, NULL, NULL);
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
	if (db_open(f.w->cfg->database, &f.ckpt, &err) != 0) {
		/* Only slower: the commits checkpoint as before. */
		log_warnx("source=%s stage=fetch event=error error=\"%s\"",
		    f.src->name, err);
		g_clear_pointer(&err, g_free);
	}
	run(&f);
	db_close(&f.ckpt);
	db_close(&f.db);
	source_cut_use(NULL);
	return NULL;
}
