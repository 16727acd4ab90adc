/* pipeline.c: see pipeline.h. */
#include <string.h>
#include "compose.h"
#include "db.h"
#include "hygiene.h"
#include "log.h"
#include "mac.h"
#include "msg.h"
#include "outbox.h"
#include "pipeline.h"
#include "store.h"
#include "template.h"
#include "thread.h"
#include "token.h"

struct ctx {
	sqlite3 *db;
	const struct pd_config *cfg;
	const struct pipe_origin *o;
	struct pipe_out *out;
	const char *raw;
	size_t len;
	struct pd_msg *m;
	const char *automated; /* reason, or NULL */
	char hash[65];
};

bool
pipeline_seen(sqlite3 *db, const struct pipe_origin *o)
{
	return o->uid && store_uid_done(db, o->source, o->folder,
	    o->uidvalidity, o->uid) == 1;
}

static int
mark_uid(struct ctx *c, int64_t message, int64_t quarantine)
{
	if (!c->o->uid)
		return 0;
	return store_uid_mark(c->db, c->o->source, c->o->folder,
	    c->o->uidvalidity, c->o->uid, message, quarantine);
}

/* Clients who write in Russian get Russian mail, whatever the default. */
static const char *
language_of(const struct pd_config *cfg, const struct pd_msg *m)
{
	const char *texts[] = { m->subject, m->text };

	for (unsigned i = 0; i < G_N_ELEMENTS(texts); i++)
		for (const char *p = texts[i]; p && *p; p = g_utf8_next_char(p))
			if (g_utf8_get_char(p) >= 0x400 &&
			    g_utf8_get_char(p) <= 0x4ff)
				return "ru";
	return cfg->language;
}

/* Whom the gateway must never answer automatically. */
static bool
no_ack(const struct ctx *c)
{
	const char *from = c->m->from.address;

	return c->automated || !*from ||
	    g_ascii_strcasecmp(from, c->cfg->address) == 0 ||
	    config_agent_by_address(c->cfg, from) != NULL;
}

static GHashTable *
ticket_vars(const struct pd_config *cfg, const struct pd_ticket *t)
{
	GHashTable *v = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
	    g_free);

	g_hash_table_insert(v, "ticket.number", g_strdup_printf("%lu",
	    t->number));
	g_hash_table_insert(v, "ticket.token", token_format(cfg->tag,
	    t->number));
	g_hash_table_insert(v, "ticket.subject", g_strdup(t->subject));
	g_hash_table_insert(v, "ticket.priority", g_strdup(t->priority));
	g_hash_table_insert(v, "client.name", g_strdup(*t->requester_name ?
	    t->requester_name : t->requester));
	g_hash_table_insert(v, "client.address", g_strdup(t->requester));
	g_hash_table_insert(v, "gateway.name", g_strdup(cfg->name));
	g_hash_table_insert(v, "gateway.address", g_strdup(cfg->address));
	return v;
}

/* Renders template name for the ticket's requester and queues it. */
static int
notify_requester(struct ctx *c, const struct pd_ticket *t, const char *name,
    const char *auto_submitted)
{
	GHashTable *vars = ticket_vars(c->cfg, t);
	struct pd_rendered r;
	struct compose_req q = { .cfg = c->cfg, .ticket = t,
		.rcpt = t->requester, .rcpt_name = t->requester_name,
		.in_reply_to = c->m->message_id,
		.references = c->m->references,
		.auto_submitted = auto_submitted };
	char *err = NULL, *data, *id;
	size_t len;
	int64_t row;

	if (template_render(c->cfg->templates_dir, t->language, name, vars,
	    &r, &err) != 0) {
		log_warnx("ticket=%lu stage=notify event=error template=%s "
		    "error=\"%s\"", t->number, name, err);
		g_free(err);
		g_hash_table_unref(vars);
		return 0; /* a missing template must not lose the request */
	}
	q.subject = r.subject;
	q.body = r.body;
	data = compose_mail(&q, &len, &id);
	/* Auto-replies go out with a null envelope sender (RFC 3834). */
	row = outbox_add(c->db, t->number, name, id, "", t->requester, data,
	    len);
	if (row > 0) {
		c->out->queued = true;
		log_info("ticket=%lu msg=<%s> stage=notify event=queued "
		    "kind=%s", t->number, id, name);
	}
	g_free(data);
	g_free(id);
	template_clear(&r);
	g_hash_table_unref(vars);
	return row < 0 ? -1 : 0;
}

static int
open_ticket(struct ctx *c, const struct thread_result *tr,
    struct pd_ticket *t)
{
	char *subject = token_strip(c->m->subject, c->cfg->tag);
	char *detail;
	int r;

	memset(t, 0, sizeof *t);
	t->subject = g_strstrip(subject);
	t->queue = g_strdup(c->o->queue ? c->o->queue : "support");
	t->requester = g_ascii_strdown(*c->m->from.address ?
	    c->m->from.address : "unknown", -1);
	t->requester_name = g_strdup(c->m->from.name);
	t->language = g_strdup(language_of(c->cfg, c->m));
	/* The root id depends only on the number, which is not known yet:
	 * store a placeholder and set it right after. */
	t->root_id = g_strdup("");
	if (store_ticket_create(c->db, t, c->cfg->first_ticket) != 0)
		return -1;
	g_free(t->root_id);
	t->root_id = mac_root_id(t->number, c->cfg->domain);
	t->status = g_strdup("new");
	t->priority = g_strdup("normal");
	t->type = g_strdup("question");
	t->assignee = g_strdup("");
	r = db_exec(c->db, "UPDATE tickets SET root_id = ? WHERE number = ?",
	    "tu", t->root_id, t->number);
	if (r == 0 && tr->mentioned) {
		/* For agents only: the stranger is never told. */
		detail = g_strdup_printf("mentions #%lu", tr->mentioned);
		r = store_event_add(c->db, t->number, t->requester,
		    "mentions", detail);
		g_free(detail);
	}
	return r;
}

static int
store_new(struct ctx *c, const struct thread_result *tr)
{
	struct pd_ticket t;
	struct pd_stored s = { .direction = "in", .kind = c->automated ?
		"auto" : "client", .automated = c->automated,
		.source = c->o->source, .hash = c->hash, .raw = c->raw,
		.raw_len = c->len };
	int64_t id;
	int r = -1;

	if (open_ticket(c, tr, &t) != 0)
		goto out;
	s.ticket = t.number;
	if ((id = store_message_add(c->db, c->m, &s)) < 0 ||
	    mark_uid(c, id, 0) != 0)
		goto out;
	log_info("ticket=%lu msg=<%s> stage=thread event=created%s%s",
	    t.number, c->m->message_id, c->automated ? " automated=" : "",
	    c->automated ? c->automated : "");
	c->out->ticket = t.number;
	r = no_ack(c) ? 0 : notify_requester(c, &t, "ack", "auto-replied");
out:
	store_ticket_clear(&t);
	return r;
}

static int
store_join(struct ctx *c, const struct thread_result *tr)
{
	struct pd_stored s = { .ticket = tr->ticket, .direction = "in",
		.kind = c->automated ? "auto" : "client",
		.automated = c->automated, .source = c->o->source,
		.hash = c->hash, .raw = c->raw, .raw_len = c->len };
	int64_t id;

	if ((id = store_message_add(c->db, c->m, &s)) < 0 ||
	    mark_uid(c, id, 0) != 0 || store_event_add(c->db, tr->ticket,
	    c->m->from.address, "message", tr->by) != 0)
		return -1;
	log_info("ticket=%lu msg=<%s> stage=thread event=joined by=%s",
	    tr->ticket, c->m->message_id, tr->by);
	c->out->ticket = tr->ticket;
	return 0;
}

static enum pipe_result
quarantine(struct ctx *c, const char *reason, size_t size)
{
	int64_t q = store_quarantine_add(c->db, c->o->source, reason, c->raw,
	    c->len, size);

	if (q < 0 || mark_uid(c, 0, q) != 0 || store_event_add(c->db, 0,
	    c->o->source, "quarantined", reason) != 0 ||
	    db_commit(c->db) != 0) {
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
static void
content_hash(struct ctx *c)
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

static enum pipe_result
process(struct ctx *c)
{
	struct thread_result tr;
	char *err = NULL;
	int r;

	if (msg_parse(c->raw, c->len, &c->cfg->limits, &c->m, &err) != 0) {
		enum pipe_result q = quarantine(c, err, c->len);

		g_free(err);
		return q;
	}
	content_hash(c);
	if (store_message_dup(c->db, c->m->message_id, c->hash) > 0) {
		if (mark_uid(c, 0, 0) != 0 || db_commit(c->db) != 0)
			return PIPE_TEMPFAIL;
		log_info("msg=<%s> stage=store event=duplicate",
		    c->m->message_id);
		return PIPE_DUPLICATE;
	}
	if (!hygiene_is_automated(c->m, c->cfg->address, &c->automated))
		c->automated = NULL;
	if (thread_decide(c->db, c->cfg, c->m, &tr) != 0)
		return PIPE_TEMPFAIL;
	r = tr.how == THREAD_JOIN ? store_join(c, &tr) : store_new(c, &tr);
	if (r != 0 || db_commit(c->db) != 0)
		return PIPE_TEMPFAIL;
	return PIPE_STORED;
}

enum pipe_result
pipeline_deliver(sqlite3 *db, const struct pd_config *cfg,
    const struct pipe_origin *o, const char *raw, size_t len,
    struct pipe_out *out)
{
	struct ctx c = { .db = db, .cfg = cfg, .o = o, .out = out,
		.raw = raw, .len = len };
	enum pipe_result r;

	memset(out, 0, sizeof *out);
	if (db_begin(db) != 0)
		return PIPE_TEMPFAIL;
	if (pipeline_seen(db, o)) {
		db_rollback(db);
		return PIPE_DUPLICATE;
	}
	r = process(&c);
	if (r == PIPE_TEMPFAIL) {
		db_rollback(db);
		out->queued = false;
	}
	msg_free(&c.m);
	return r;
}

enum pipe_result
pipeline_oversized(sqlite3 *db, const struct pd_config *cfg,
    const struct pipe_origin *o, size_t size, struct pipe_out *out)
{
	struct ctx c = { .db = db, .cfg = cfg, .o = o, .out = out };
	char *reason = g_strdup_printf("message of %zu bytes is over "
	    "max_message_size", size);
	enum pipe_result r;

	memset(out, 0, sizeof *out);
	if (db_begin(db) != 0) {
		g_free(reason);
		return PIPE_TEMPFAIL;
	}
	r = quarantine(&c, reason, size);
	g_free(reason);
	return r;
}
