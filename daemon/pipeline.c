/* pipeline.c: see pipeline.h.  The stages themselves are stage_*.c. */
#include <string.h>
#include <time.h>
#include "db.h"
#include "agentmail.h"
#include "hygiene.h"
#include "identity.h"
#include "log.h"
#include "mac.h"
#include "quotes.h"
#include "stage.h"
#include "store.h"

bool
pipeline_seen(sqlite3 *db, const struct pipe_origin *o)
{
	return o->uid && store_uid_done(db, o->source, o->folder,
	    o->uidvalidity, o->uid) == 1;
}

static int
mark_uid(struct stage_ctx *c, int64_t message, int64_t quarantine)
{
	if (!c->o->uid)
		return 0;
	return store_uid_mark(c->db, c->o->source, c->o->folder,
	    c->o->uidvalidity, c->o->uid, message, quarantine);
}

int
stage_store(struct stage_ctx *c, unsigned long ticket, const char *kind)
{
	return stage_store_body(c, ticket, kind, NULL);
}

int
stage_store_body(struct stage_ctx *c, unsigned long ticket, const char *kind,
    const char *body)
{
	struct pd_stored s = { .ticket = ticket, .direction = "in",
		.kind = c->automated ? "auto" : kind,
		.automated = c->automated, .source = c->o->source,
		.hash = c->hash, .raw = c->raw, .raw_len = c->len,
		.body = body };
	int64_t id = store_message_add(c->db, c->m, &s);

	c->ticket = ticket;
	return id < 0 || mark_uid(c, id, 0) != 0 ? -1 : 0;
}

bool
stage_may_answer(const struct stage_ctx *c)
{
	const char *from = c->m->from.address;

	return !c->automated && *from && !c->agent &&
	    g_ascii_strcasecmp(from, c->cfg->address) != 0;
}

/* Once per quarantined message, never on retries of the same UID: the
 * notice is queued in the transaction that records the quarantine. */
static int
tell_admin(struct stage_ctx *c, int64_t id, const char *reason, size_t size)
{
	GHashTable *vars = notify_vars_new();
	int r;

	g_hash_table_insert(vars, "quarantine.id", g_strdup_printf("%lld",
	    (long long)id));
	g_hash_table_insert(vars, "quarantine.reason", g_strdup(reason));
	g_hash_table_insert(vars, "quarantine.source", g_strdup(c->o->source ?
	    c->o->source : "deliver"));
	g_hash_table_insert(vars, "quarantine.size", g_strdup_printf("%zu",
	    size));
	r = notify_admin(&c->tx, "quarantine", vars);
	g_hash_table_unref(vars);
	return r;
}

static enum pipe_result
quarantine(struct stage_ctx *c, const char *reason, size_t size)
{
	int64_t q = store_quarantine_add(c->db, c->o->source, reason, c->raw,
	    c->len, size);

	if (q < 0 || mark_uid(c, 0, q) != 0 || store_event_add(c->db, 0,
	    c->o->source, "quarantined", reason) != 0 ||
	    tell_admin(c, q, reason, size) != 0 || db_commit(c->db) != 0) {
		db_rollback(c->db);
		return PIPE_TEMPFAIL;
	}
	log_warnx("stage=parse event=quarantined id=%lld source=%s "
	    "reason=\"%s\"", (long long)q, c->o->source, reason);
	return PIPE_QUARANTINED;
}

/* With a Message-ID, the hash covers the body only, so the same mail
 * reaching two support mailboxes (different Received: lines) is stored
 * once; without one, the whole message counts. */
void
stage_hash(struct stage_ctx *c)
{
	const char *body = NULL;

	if (*c->m->message_id) {
		const char *crlf = g_strstr_len(c->raw, c->len, "\r\n\r\n");
		const char *lf = g_strstr_len(c->raw, c->len, "\n\n");

		body = crlf && (!lf || crlf < lf) ? crlf + 4 : lf ? lf + 2 :
		    NULL;
	}
	if (body)
		mac_content_hash(body, c->raw + c->len - body, c->hash);
	else
		mac_content_hash(c->raw, c->len, c->hash);
}

/* A client's message reaches the agents of its ticket (SPEC §7). */
static int
tell_agents(struct stage_ctx *c)
{
	struct pd_ticket t;
	int r;

	if (!c->ticket || c->automated || c->agent || c->repeat)
		return 0;
	if ((r = store_ticket_get(c->db, c->ticket, &t)) != 1)
		return r;
	r = agentmail_client_message(&c->tx, &t, c->m, c->new_text);
	store_ticket_clear(&t);
	return r;
}

static enum pipe_result
classify_and_file(struct stage_ctx *c)
{
	struct thread_result tr;
	int r;

	const struct pd_agent *agent;
	struct identity_proof proof;
	enum identity who;

	if (!hygiene_is_automated(c->m, c->cfg->address, &c->automated))
		c->automated = NULL;
	c->new_text = quotes_strip(c->m->text);
	if (thread_decide(c->db, c->cfg, c->m, &tr) != 0)
		return PIPE_TEMPFAIL;
	/* After threading: a reply proves the agent only for the ticket it
	 * was signed for, and the mail acts on this one. */
	if (identity_verify(c->db, c->cfg, c->m, tr.how == THREAD_JOIN ?
	    tr.ticket : 0, (int64_t)time(NULL), &who, &agent, &proof) != 0)
		return PIPE_TEMPFAIL;
	if (who == IDENT_AGENT)
		c->agent = agent;
	c->fresh = who == IDENT_AGENT && proof.fresh;
	if (who == IDENT_UNVERIFIED && proof.why) {
		c->hold_reason = proof.why;
		log_info("msg=<%s> stage=identity event=unproven agent=\"%s\" "
		    "reason=\"%s\"", c->m->message_id, agent->name, proof.why);
	}
	if (who == IDENT_UNVERIFIED && !c->automated)
		r = stage_hold(c, &tr);
	else if (c->agent && !c->automated && proof.challenge)
		r = stage_release(c, proof.challenge);
	else if (c->agent && !c->automated)
		r = stage_agent(c, &tr);
	else if (who == IDENT_UNVERIFIED)
		/* An agent's auto-reply without proof: kept, never acted on. */
		r = stage_store(c, 0, "auto");
	else {
		if (tr.how == THREAD_JOIN)
			r = stage_join(c, &tr);
		else if (tr.how == THREAD_MULTI)
			r = stage_multi(c, &tr);
		else
			r = stage_flood_new(c, &tr);
		if (r == 0)
			r = tell_agents(c);
	}
	if (r != 0 || db_commit(c->db) != 0)
		return PIPE_TEMPFAIL;
	return PIPE_STORED;
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
		if (mark_uid(c, 0, 0) != 0 || db_commit(c->db) != 0)
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
	g_free(c.new_text);
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
	enum pipe_result r;

	memset(out, 0, sizeof *out);
	if (db_begin(db) != 0) {
		g_free(reason);
		return PIPE_TEMPFAIL;
	}
	r = quarantine(&c, reason, size);
	out->queued = c.tx.queued;
	g_free(reason);
	return r;
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
	enum pipe_result r;

	memset(out, 0, sizeof *out);
	if (db_begin(db) != 0) {
		g_free(reason);
		return PIPE_TEMPFAIL;
	}
	r = quarantine(&c, reason, size);
	out->queued = c.tx.queued;
	g_free(reason);
	return r;
}
