/* pipeline.c: see pipeline.h.  One message: parse, dedupe, classify()
 * (classify.c), then the stage table (stage.c) applies the verdict; one
 * transaction around all of it. */
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

/* Keeps raw in the quarantine (stage_quarantine.c) and commits. */
static enum pipe_result
quarantine(struct stage_ctx *c, const char *reason, size_t size)
{
	struct verdict v = { .kind = VERDICT_QUARANTINE,
		.reasons = g_string_new(reason) };
	enum pipe_result r = PIPE_QUARANTINED;

	c->size = size;
	if (stage_apply(c, &v) != 0 || db_commit(c->db) != 0) {
		db_rollback(c->db);
		r = PIPE_TEMPFAIL;
	} else
		log_warnx("stage=parse event=quarantined id=%lld source=%s "
		    "reason=\"%s\"", (long long)c->quarantine_id, c->o->source,
		    reason);
	verdict_clear(&v);
	return r;
}

/* classify, then the stage table; commits. */
static enum pipe_result
classify_and_file(struct stage_ctx *c)
{
	struct pipe_origin o = *c->o;
	struct verdict v;
	int r;
	enum pipe_result res = PIPE_STORED;

	o.size = c->len;
	r = classify(c->db, c->cfg, &o, c->m, NULL, &v);
	if (r == 0)
		r = stage_apply(c, &v);
	/* Held by a rule: in the quarantine, and so in its folder. */
	if (v.kind == VERDICT_RULE_HOLD)
		res = PIPE_QUARANTINED;
	verdict_clear(&v);
	if (r != 0 || db_commit(c->db) != 0)
		return PIPE_TEMPFAIL;
	return res;
}

static enum pipe_result
process(struct stage_ctx *c)
{
	char *err = NULL;

	if (msg_parse(c->raw, c->len, &c->cfg->limits, &c->m, &err) != 0) {
		enum pipe_result q = quarantine(c, err, c->len);

		g_free(err);
		return q;
	}
	stage_hash(c);
	if (store_message_dup(c->db, c->m->message_id, c->hash) > 0) {
		if (stage_mark_uid(c, 0, 0) != 0 || db_commit(c->db) != 0)
			return PIPE_TEMPFAIL;
		log_info("msg=<%s> stage=store event=duplicate",
		    c->m->message_id);
		return PIPE_DUPLICATE;
	}
	return classify_and_file(c);
}

enum pipe_result
pipeline_deliver(sqlite3 *db, const struct pd_config *cfg,
    const struct pipe_origin *o, const char *raw, size_t len,
    struct pipe_out *out)
{
	struct stage_ctx c = { .db = db, .cfg = cfg, .o = o, .raw = raw,
		.len = len, .tx = { .db = db, .cfg = cfg } };
	enum pipe_result r;

	memset(out, 0, sizeof *out);
	if (db_begin(db) != 0)
		return PIPE_TEMPFAIL;
	if (pipeline_seen(db, o)) {
		db_rollback(db);
		return PIPE_DUPLICATE;
	}
	r = process(&c);
	if (r == PIPE_TEMPFAIL)
		db_rollback(db);
	else {
		out->ticket = c.ticket;
		out->queued = c.tx.queued;
	}
	msg_free(&c.m);
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
