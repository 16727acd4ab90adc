/* pipeline.c: see pipeline.h.  One message: parse, dedupe, classify()
 * (classify.c), then the stage table (stage.c) applies the verdict; one
 * transaction around all but the parse.  A batch: every message parsed
 * first, then one transaction with a savepoint per message, and the
 * search index written once at its end. */
#include <string.h>
#include "db.h"
#include "classify.h"
#include "log.h"
#include "stage.h"
#include "store.h"

bool
pipeline_seen(sqlite3 *db, const struct pipe_origin *o)
{
	return o->uid && store_uid_done(db, o->source, o->folder,
	    o->uidvalidity, o->uid) == 1;
}

/* Keeps raw in the quarantine (stage_quarantine.c) inside the open
 * transaction; commits nothing. */
static enum pipe_result
quarantine(struct stage_ctx *c, const char *reason, size_t size)
{
	struct verdict v = { .kind = VERDICT_QUARANTINE,
		.reasons = g_string_new(reason) };
	enum pipe_result r = PIPE_QUARANTINED;

	c->size = size;
	if (stage_apply(c, &v) != 0)
		r = PIPE_TEMPFAIL;
	verdict_clear(&v);
	return r;
}

/* Files the message of c inside the open transaction, commits nothing:
 * perr (why it did not parse, c->m NULL) sends it to the quarantine as a
 * message of size bytes;
 * a message already stored is only marked; else classify, then the stage
 * table.  PIPE_TEMPFAIL when a stage failed: the caller rolls back. */
static enum pipe_result
file_msg(struct stage_ctx *c, const char *perr, size_t size,
    struct classify_pre *pre)
{
	struct pipe_origin o = *c->o;
	struct verdict v;
	int r;
	enum pipe_result res = PIPE_STORED;

	if (perr != NULL)
		return quarantine(c, perr, size);
	/* A batch hashed it while parsing (pipeline_batch_parse). */
	if (c->hash[0] == '\0')
		stage_hash(c);
	if (store_message_dup(c->db, c->m->message_id, c->hash) > 0)
		return stage_mark_uid(c, 0, 0) != 0 ? PIPE_TEMPFAIL :
		    PIPE_DUPLICATE;
	/* The rules' size_over sees the whole message (rules.h). */
	o.size = c->len;
	r = classify_with(c->db, c->cfg, &o, c->m, NULL, pre, &v);
	if (r == 0)
		r = stage_apply(c, &v);
	/* Held by a rule: in the quarantine, and so in its folder. */
	if (v.kind == VERDICT_RULE_HOLD)
		res = PIPE_QUARANTINED;
	verdict_clear(&v);
	return r != 0 ? PIPE_TEMPFAIL : res;
}

/* The log line of a committed result. */
static void
log_filed(const struct stage_ctx *c, enum pipe_result r, const char *why)
{
	if (r == PIPE_QUARANTINED)
		log_warnx("stage=parse event=quarantined id=%lld source=%s "
		    "reason=\"%s\"", (long long)c->quarantine_id,
		    c->o->source, why);
	else if (r == PIPE_DUPLICATE && c->m != NULL)
		log_info("msg=<%s> stage=store event=duplicate",
		    c->m->message_id);
}

enum pipe_result
pipeline_deliver(sqlite3 *db, const struct pd_config *cfg,
    const struct pipe_origin *o, const char *raw, size_t len,
    struct pipe_out *out)
{
	struct stage_ctx c = { .db = db, .cfg = cfg, .o = o, .raw = raw,
		.len = len, .tx = { .db = db, .cfg = cfg } };
	enum pipe_result r;
	char *perr = NULL;

	memset(out, 0, sizeof *out);
	/* Parsing needs no lock: it happens before BEGIN IMMEDIATE. */
	if (msg_parse(raw, len, &cfg->limits, &c.m, &perr) != 0)
		c.m = NULL;
	if (db_begin(db) != 0)
		r = PIPE_TEMPFAIL;
	else if (pipeline_seen(db, o)) {
		db_rollback(db);
		r = PIPE_DUPLICATE;
	} else if ((r = file_msg(&c, perr, len, NULL)) == PIPE_TEMPFAIL ||
	    db_commit(db) != 0) {
		db_rollback(db);
		r = PIPE_TEMPFAIL;
	} else {
		log_filed(&c, r, perr);
		out->ticket = c.ticket;
		out->queued = c.tx.queued;
	}
	g_free(perr);
	msg_free(&c.m);
	return r;
}

/* One message of pipeline_deliver_batch, while it runs. */
struct batch_msg {
	struct stage_ctx c;
	char *why;	/* why it goes to the quarantine, or NULL */
	struct classify_pre pre;	/* classify()'s pure part, done ahead */
	struct store_prepack pack;	/* store_message_add()'s, done ahead */
};

#define BATCH_SAVEPOINT "pd_batch_msg"

/* Files b in its own savepoint; a failing message is rolled back alone.
 * Returns 0, or -1 when the whole transaction is gone (SQLite rolls back
 * everything on some errors, such as a full disk). */
static int
batch_one(struct batch_msg *b, struct pipe_item *it)
{
	sqlite3 *db = b->c.db;

	if (db_exec(db, "SAVEPOINT " BATCH_SAVEPOINT, "") != 0) {
		it->r = PIPE_TEMPFAIL;
		return sqlite3_get_autocommit(db) ? -1 : 0;
	}
	if (pipeline_seen(db, &it->o))
		it->r = PIPE_DUPLICATE;
	else
		it->r = file_msg(&b->c, b->why, it->raw ? it->len :
		    it->size, &b->pre);
	if (it->r != PIPE_TEMPFAIL &&
	    db_exec(db, "RELEASE " BATCH_SAVEPOINT, "") == 0)
		return 0;
	it->r = PIPE_TEMPFAIL;
	if (sqlite3_get_autocommit(db))
		return -1;
	db_exec(db, "ROLLBACK TO " BATCH_SAVEPOINT, "");
	db_exec(db, "RELEASE " BATCH_SAVEPOINT, "");
	return sqlite3_get_autocommit(db) ? -1 : 0;
}

/* The parsed half of a batch (pipeline_batch_parse). */
struct pipe_batch {
	const struct pd_config *cfg;
	struct pipe_item *items;
	size_t n;
	struct batch_msg *b;
};

/* The messages i = from, from + step, ... < pb->n of a batch parsed, with
 * classify()'s and store_message_add()'s pure parts done ahead; no
 * database. */
static void
parse_some(struct pipe_batch *pb, size_t from, size_t step)
{
	for (size_t i = from; i < pb->n; i += step) {
		struct pipe_item *it = &pb->items[i];
		struct batch_msg *b = &pb->b[i];
		struct stage_ctx *c = &b->c;

		memset(&it->out, 0, sizeof it->out);
		it->r = PIPE_TEMPFAIL;
		c->cfg = pb->cfg;
		c->o = &it->o;
		c->raw = it->raw;
		c->len = it->raw ? it->len : 0;
		c->tx.cfg = pb->cfg;
		if (it->raw == NULL)
			b->why = g_strdup_printf("message of %zu bytes is "
			    "over max_message_size", it->size);
		else if (msg_parse_borrowed(it->raw, it->len,
		    &pb->cfg->limits, &c->m, &b->why) != 0)
			c->m = NULL;
		else {
			stage_hash(c);
			classify_prepare(c->m, &b->pre);
			store_prepack(&b->pack, c->m, c->raw, c->len);
			c->pre = &b->pack;
		}
	}
}

/* The odd messages of a batch, on a thread of their own. */
static gpointer
parse_odd(gpointer pb)
{
	parse_some(pb, 1, 2);
	return NULL;
}

/* A batch at least this long is parsed on two threads. */
#define PARSE_SPLIT_MIN 8

struct pipe_batch *
pipeline_batch_parse(const struct pd_config *cfg, struct pipe_item *items,
    size_t n)
{
	struct pipe_batch *pb = g_new0(struct pipe_batch, 1);
	GThread *odd = NULL;

	pb->cfg = cfg;
	pb->items = items;
	pb->n = n;
	pb->b = g_new0(struct batch_msg, n);
	/* Parsing is most of the source thread's work while a backlog
	 * drains, and each message's is its own (no database, no shared
	 * GMime object; lazily built tables use g_once): the odd messages
	 * go to a second thread, joined here, so the batch is handed over
	 * whole (docs/architecture.md). */
	if (n >= PARSE_SPLIT_MIN)
		odd = g_thread_try_new("pd-parse", parse_odd, pb, NULL);
	parse_some(pb, 0, odd ? 2 : 1);
	if (odd != NULL)
		g_thread_join(odd);
	return pb;
}

void
pipeline_batch_free(struct pipe_batch *pb)
{
	if (pb == NULL)
		return;
	for (size_t i = 0; i < pb->n; i++) {
		g_free(pb->b[i].why);
		classify_pre_clear(&pb->b[i].pre);
		store_prepack_clear(&pb->b[i].pack);
		msg_free(&pb->b[i].c.m);
	}
	g_free(pb->b);
	g_free(pb);
}

int
pipeline_batch_file(sqlite3 *db, struct pipe_batch *pb)
{
	struct pipe_item *items = pb->items;
	struct batch_msg *b = pb->b;
	size_t n = pb->n, i;
	int ret = 0;

	for (i = 0; i < n; i++) {
		b[i].c.db = db;
		b[i].c.tx.db = db;
	}
	/* The search index waits for the end of the batch: FTS5 writes its
	 * pending terms as a segment at every savepoint, so indexing each
	 * message as it is filed wrote one small segment per message;
	 * store_search_catch_up indexes what is left of the batch in one
	 * INSERT before the commit (store.h, docs/storage.md "One segment
	 * per batch"). */
	if (n > 0 && (db_begin(db) != 0 || store_search_defer(db) != 0))
		ret = -1;
	for (i = 0; ret == 0 && i < n; i++)
		ret = batch_one(&b[i], &items[i]);
	if (ret == 0 && n > 0 && (store_search_catch_up(db) != 0 ||
	    db_commit(db) != 0))
		ret = -1;
	if (ret != 0) {
		db_rollback(db);
		store_search_live(db);
	}
	for (i = 0; i < n; i++) {
		struct pipe_item *it = &items[i];

		if (ret != 0)
			it->r = PIPE_TEMPFAIL;
		else if (it->r != PIPE_TEMPFAIL) {
			log_filed(&b[i].c, it->r, b[i].why);
			it->out.ticket = b[i].c.ticket;
			it->out.queued = b[i].c.tx.queued;
		}
	}
	return ret;
}

int
pipeline_deliver_batch(sqlite3 *db, const struct pd_config *cfg,
    struct pipe_item *items, size_t n)
{
	struct pipe_batch *pb = pipeline_batch_parse(cfg, items, n);
	int r = pipeline_batch_file(db, pb);

	pipeline_batch_free(pb);
	return r;
}

/* Quarantines the (prefix of an) oversized message of c in its own
 * transaction, for reason (freed here). */
static enum pipe_result
oversized(struct stage_ctx *c, char *reason, size_t size,
    struct pipe_out *out)
{
	enum pipe_result r;

	memset(out, 0, sizeof *out);
	if (db_begin(c->db) != 0) {
		g_free(reason);
		return PIPE_TEMPFAIL;
	}
	r = quarantine(c, reason, size);
	if (r == PIPE_TEMPFAIL || db_commit(c->db) != 0) {
		db_rollback(c->db);
		r = PIPE_TEMPFAIL;
	} else
		log_filed(c, r, reason);
	out->queued = r == PIPE_QUARANTINED && c->tx.queued;
	g_free(reason);
	return r;
}

enum pipe_result
pipeline_oversized(sqlite3 *db, const struct pd_config *cfg,
    const struct pipe_origin *o, const char *raw, size_t size,
    struct pipe_out *out)
{
	struct stage_ctx c = { .db = db, .cfg = cfg, .o = o, .raw = raw,
		.len = raw ? size : 0,
		.tx = { .db = db, .cfg = cfg } };
	char *reason = g_strdup_printf("message of %zu bytes is over "
	    "max_message_size", size);

	return oversized(&c, reason, size, out);
}

enum pipe_result
pipeline_oversized_prefix(sqlite3 *db, const struct pd_config *cfg,
    const struct pipe_origin *o, const char *prefix, size_t prefix_len,
    size_t size, bool exact, struct pipe_out *out)
{
	struct stage_ctx c = { .db = db, .cfg = cfg, .o = o, .raw = prefix,
		.len = prefix ? MIN(prefix_len, size) : 0,
		.tx = { .db = db, .cfg = cfg } };
	char *reason = g_strdup_printf("message of %s%zu bytes is over "
	    "max_message_size; the first %zu bytes are kept",
	    exact ? "" : "at least ", size, c.len);

	return oversized(&c, reason, size, out);
}

enum pipe_result
pipeline_release_held(sqlite3 *db, const struct pd_config *cfg, int64_t id,
    const struct pd_agent *agent, const char *raw, size_t len,
    const char *source, struct pipe_out *out)
{
	const struct pd_source *src = config_source(cfg, source);
	struct pipe_origin o = { .source = source, .folder = "",
		.queue = src ? src->queue : NULL };
	struct stage_ctx c = { .db = db, .cfg = cfg, .o = &o,
		.tx = { .db = db, .cfg = cfg }, .raw = raw, .len = len };
	struct verdict v;
	char *err = NULL;
	int r = -1;

	memset(out, 0, sizeof *out);
	if (msg_parse(raw, len, &cfg->limits, &c.m, &err) != 0) {
		g_free(err);
		return PIPE_QUARANTINED;
	}
	stage_hash(&c);
	if (db_begin(db) != 0) {
		msg_free(&c.m);
		return PIPE_TEMPFAIL;
	}
	/* As a confirmed challenge does (stage.c): the agent's, with a
	 * fresh proof; the admin vouches for it instead of the agent. */
	if (classify(db, cfg, &o, c.m, agent, &v) == 0) {
		r = stage_apply(&c, &v);
		verdict_clear(&v);
	}
	if (r == 0)
		r = store_held_release(db, id);
	if (r != 0 || db_commit(db) != 0) {
		db_rollback(db);
		msg_free(&c.m);
		return PIPE_TEMPFAIL;
	}
	log_info("msg=<%s> stage=identity event=released-by-admin "
	    "agent=\"%s\" held=%lld", c.m->message_id, agent->name,
	    (long long)id);
	out->ticket = c.ticket;
	out->queued = c.tx.queued;
	msg_free(&c.m);
	return PIPE_STORED;
}
