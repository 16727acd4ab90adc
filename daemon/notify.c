/* notify.c: see notify.h. */
#include <string.h>
#include "addr.h"
#include "clock.h"
#include "compose.h"
#include "floodguard.h"
#include "guard.h"
#include "log.h"
#include "notify.h"
#include "outbox.h"
#include "template.h"
#include "token.h"
#include "verp.h"

GHashTable *
notify_vars_new(void)
{
	return g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
}

static GHashTable *
ticket_vars(const struct pd_config *cfg, const struct pd_ticket *t,
    const char *queue, GHashTable *extra)
{
	GHashTable *v = notify_vars_new();
	GHashTableIter it;
	gpointer k, val;
	/* The ticket's queue speaks (postdesk.conf(5) "QUEUES"): its name
	 * and address are the "gateway" of every template about the
	 * ticket, so "write to {{gateway.address}}" names the address the
	 * client wrote to.  Gateway-wide notices speak as the gateway,
	 * unless they name a queue (notify_mail.queue). */
	const char *qn = t ? t->queue : queue;
	const struct pd_queue *q = config_queue_voice(cfg, qn);

	g_hash_table_insert(v, "gateway.name", g_strdup(qn ? q->display_name :
	    cfg->name));
	g_hash_table_insert(v, "gateway.address", g_strdup(qn ?
	    config_queue_from(cfg, q) : cfg->address));
	g_hash_table_insert(v, "queue.name", g_strdup(q->name));
	g_hash_table_insert(v, "queue.address",
	    g_strdup(config_queue_from(cfg, q)));
	g_hash_table_insert(v, "queue.tag", g_strdup(q->tag));
	if (!t)
		goto extra;
	g_hash_table_insert(v, "ticket.number", g_strdup_printf("%lu",
	    t->number));
	g_hash_table_insert(v, "ticket.token", token_format(q->tag,
	    t->number));
	g_hash_table_insert(v, "ticket.subject", g_strdup(t->subject));
	g_hash_table_insert(v, "ticket.status", g_strdup(t->status));
	g_hash_table_insert(v, "ticket.priority", g_strdup(t->priority));
	g_hash_table_insert(v, "client.name", g_strdup(*t->requester_name ?
	    t->requester_name : t->requester));
	g_hash_table_insert(v, "client.address", g_strdup(t->requester));
extra:
	if (extra) {
		g_hash_table_iter_init(&it, extra);
		while (g_hash_table_iter_next(&it, &k, &val))
			g_hash_table_insert(v, k, g_strdup(val));
	}
	return v;
}

/* The ticket's status, priority and type as a Russian reader says them,
 * in the words the agent commands accept (filters/commands.c): English
 * "urgent" in a Russian notice reads as an error. */
static const char *const ru_words[][2] = {
	{ "new", "новая" }, { "open", "открыта" }, { "waiting", "ожидание" },
	{ "resolved", "решена" }, { "closed", "закрыта" },
	{ "low", "низкий" }, { "normal", "обычный" }, { "high", "высокий" },
	{ "urgent", "срочный" },
	{ "question", "вопрос" }, { "bug", "ошибка" }, { "feature", "доработка" },
};

static void
words_ru(GHashTable *all)
{
	static const char *const keys[] = { "ticket.status", "ticket.priority",
		"ticket.type" };

	for (size_t k = 0; k < G_N_ELEMENTS(keys); k++) {
		const char *v = g_hash_table_lookup(all, keys[k]);

		for (size_t i = 0; v && i < G_N_ELEMENTS(ru_words); i++)
			if (strcmp(v, ru_words[i][0]) == 0) {
				g_hash_table_insert(all, (gpointer)keys[k],
				    g_strdup(ru_words[i][1]));
				break;
			}
	}
}

/* notify_render, speaking as queue when t is NULL (NULL: the
 * gateway). */
static int
render_as(struct tx *tx, const struct pd_ticket *t, const char *queue,
    const char *name, const char *lang, GHashTable *vars,
    struct pd_rendered *r, char **error_r)
{
	GHashTable *all = ticket_vars(tx->cfg, t, queue, vars);
	int rc;

	if (!lang)
		lang = t ? t->language : queue ? config_queue_voice(tx->cfg,
		    queue)->language : tx->cfg->language;
	if (lang && strcmp(lang, "ru") == 0)
		words_ru(all);
	rc = template_render_dirs(tx->cfg->templates_dirs, lang, name, all, r,
	    error_r);
	g_hash_table_unref(all);
	return rc;
}

int
notify_render(struct tx *tx, const struct pd_ticket *t, const char *name,
    const char *lang, GHashTable *vars, struct pd_rendered *r, char **error_r)
{
	return render_as(tx, t, NULL, name, lang, vars, r, error_r);
}

int
notify_render_queue(struct tx *tx, const char *queue, const char *name,
    const char *lang, GHashTable *vars, struct pd_rendered *r,
    char **error_r)
{
	return render_as(tx, NULL, queue, name, lang, vars, r, error_r);
}

/* The leak guard hook: internal text never reaches a client, whatever
 * template or answer carries it. */
static bool
leaks(struct tx *tx, const struct pd_ticket *t, const char *rcpt,
    const char *subject, const char *body, const char *kind)
{
	char *text, *hit;

	if (!t || guard_internal_rcpt(tx->cfg, rcpt))
		return false;
	text = g_strdup_printf("%s\n%s", subject, body);
	hit = guard_leak(tx, t->number, text);
	g_free(text);
	if (hit)
		log_warnx("ticket=%lu stage=guard event=stopped kind=%s",
		    t->number, kind);
	g_free(hit);
	return hit != NULL;
}

int
notify_flood_hit(struct tx *tx, unsigned long ticket, const char *key,
    const char *what, const char *detail)
{
	GHashTable *vars;
	int r;

	if ((r = floodguard_record_hit(tx, ticket, key, what, detail)) <= 0)
		return r;
	vars = notify_vars_new();
	g_hash_table_insert(vars, "guard.kind", g_strdup(what));
	g_hash_table_insert(vars, "guard.key", g_strdup(key));
	g_hash_table_insert(vars, "guard.detail", g_strdup(detail));
	g_hash_table_insert(vars, "guard.ticket", g_strdup_printf("%lu",
	    ticket));
	r = notify_admin(tx, "flood_guard", vars);
	g_hash_table_unref(vars);
	if (r == 0)
		log_info("ticket=%lu stage=flood event=admin-told key=\"%s\"",
		    ticket, key);
	return r;
}

/* The flood caps hook (floodguard.h): 1 admitted, 0 capped (reported),
 * -1. */
static int
admit(struct tx *tx, unsigned long ticket, const char *kind,
    const char *rcpt)
{
	struct flood_hit hit = { 0 };
	int r = floodguard_admit(tx, ticket, kind, rcpt, &hit);

	if (r == 0)
		r = notify_flood_hit(tx, ticket, hit.key, "cap", hit.detail) <
		    0 ? -1 : 0;
	floodguard_hit_clear(&hit);
	return r;
}

/* The bounce hold (postdesk.conf(5) BOUNCES): no automatic mail goes to
 * an address our mail to failed permanently, until its hold is over or
 * mail from it proves it works (stage_bounce.c).  Logged and recorded on
 * the ticket.  1 it may go, 0 held, -1. */
static int
not_failing(struct tx *tx, unsigned long ticket, const char *kind,
    const char *rcpt)
{
	char *why = NULL, *detail;
	int r;

	/* outbox_add refuses (and logs) an invalid address. */
	if (!addr_is_valid(rcpt))
		return 1;
	if ((r = store_failing_get(tx->db, rcpt, pd_now(), NULL, &why)) <= 0)
		return r < 0 ? -1 : 1;
	log_info("ticket=%lu stage=notify event=held-failing kind=%s rcpt=%s",
	    ticket, kind, rcpt);
	detail = g_strdup_printf("%s to %s not sent: the address is failing "
	    "(%s)", kind, rcpt, why);
	r = store_event_add(tx->db, ticket, "postdesk", "bounce-hold",
	    detail);
	g_free(detail);
	g_free(why);
	return r == 0 ? 0 : -1;
}

/* Client-bound mail of a ticket ends with its queue's signature (a
 * g_malloc'd body), or NULL when it gets none: mail to agents, team_copy
 * and the admin speaks to the team. */
static char *
signed_body(struct tx *tx, const struct pd_ticket *t, const char *queue,
    const char *rcpt, const char *body)
{
	const struct pd_queue *q;
	const char *qn = t ? t->queue : queue;

	if (!qn || !rcpt || guard_internal_rcpt(tx->cfg, rcpt) ||
	    (tx->cfg->admin && g_ascii_strcasecmp(rcpt, tx->cfg->admin) == 0))
		return NULL;
	q = config_queue_voice(tx->cfg, qn);
	if (!q->signature || !*q->signature)
		return NULL;
	return g_strdup_printf("%s%s-- \n%s\n", body, *body &&
	    body[strlen(body) - 1] != '\n' ? "\n\n" : "\n", q->signature);
}

/* The envelope sender of t's mail that may bounce: its queue's address,
 * where hygiene recognises the bounce. */
static const char *
env_sender(struct tx *tx, const struct pd_ticket *t, const char *queue)
{
	const char *qn = t ? t->queue : queue;

	return qn ? config_queue_from(tx->cfg, config_queue_voice(tx->cfg,
	    qn)) : tx->cfg->address;
}

/* The one writer of outgoing mail: every mail passes the leak guard (when
 * it goes to an outside address) and, when automatic, the flood caps;
 * then its recipe (compose_resolve) is queued in the outbox, to be
 * composed by the sender, and logged.  kind names the
 * row (template name, "answer").  Returns 0 (also when a hook stopped it:
 * logged), -1 on a database error.  *msgid_r (may be NULL) gets the new
 * Message-ID once the hooks let it through. */
static int
queue(struct tx *tx, const struct pd_ticket *t, const char *kind,
    const struct compose_req *q, const char *env_from, bool automatic,
    char **msgid_r, const char *voice)
{
	unsigned long num = t ? t->number : 0;
	char *id, *env;
	int64_t row;
	int r;
	struct compose_req voiced = *q;
	GVariant *recipe;

	if (leaks(tx, t, q->rcpt, q->subject, q->body, kind))
		return 0;
	if (automatic && (r = not_failing(tx, num, kind, q->rcpt)) != 1)
		return r;
	if (automatic && (r = admit(tx, num, kind, q->rcpt)) != 1)
		return r;
	/* Every mail of a ticket speaks with its queue's voice
	 * (postdesk.conf(5) "QUEUES"); gateway-wide notices with the
	 * gateway's, or the queue they name (notify_mail.queue). */
	voiced.voice = t ? config_queue_voice(tx->cfg, t->queue) : voice ?
	    config_queue_voice(tx->cfg, voice) : NULL;
	/* Everything the mail will be is decided here, in the
	 * transaction; its bytes are composed by the sender, out of it
	 * (compose.h, docs/storage.md).  The row references the
	 * attachments' blobs. */
	recipe = compose_resolve(&voiced, &id);
	/* Its bounce names the mail (verp.h). */
	env = verp_sender(env_from, id);
	row = outbox_add_recipe(tx->db, num, kind, id, env, q->rcpt, recipe,
	    q->attachments);
	g_variant_unref(recipe);
	g_free(env);
	if (row > 0) {
		tx->queued = true;
		log_info("ticket=%lu msg=<%s> stage=notify event=queued "
		    "kind=%s", num, id, kind);
	}
	if (msgid_r)
		*msgid_r = g_strdup(id);
	g_free(id);
	return row < 0 ? -1 : 0;
}

/* The HTML alternative of a rendered template: the same text, escaped,
 * its lines kept (white-space: pre-wrap), then tail.  The text is the
 * template's, so both parts say the same in every language. */
static char *
html_of(const char *subject, const char *body, const char *tail)
{
	char *t = g_markup_escape_text(subject, -1);
	char *b = g_markup_escape_text(body, -1);
	char *html = g_strdup_printf("<!DOCTYPE html>\n<html><head>"
	    "<meta charset=\"utf-8\"><title>%s</title></head>\n<body>\n"
	    "<div style=\"font-family:sans-serif;white-space:pre-wrap\">%s"
	    "</div>\n%s\n</body></html>\n", t, b, tail);

	g_free(t);
	g_free(b);
	return html;
}

int
notify_send(struct tx *tx, const struct pd_ticket *t,
    const struct notify_mail *m)
{
	struct pd_rendered r;
	struct compose_req q = { .cfg = tx->cfg, .ticket = t, .rcpt = m->rcpt,
		.rcpt_name = m->rcpt_name, .from_name = m->from_name,
		.reply_to = m->reply_to, .kind = m->kind,
		.attachments = m->attachments, .auto_submitted = m->auto_reply ?
		"auto-replied" : "auto-generated" };
	char *err = NULL, *sig, *html = NULL;
	int rc;

	if (m->reply) {
		q.in_reply_to = m->reply->message_id;
		q.references = m->reply->references;
	}
	if (render_as(tx, t, m->queue, m->name, m->lang, m->vars, &r, &err) !=
	    0) {
		log_warnx("ticket=%lu stage=notify event=error template=%s "
		    "error=\"%s\"", t ? t->number : 0, m->name, err);
		g_free(err);
		return 0;
	}
	q.subject = r.subject;
	q.body = r.body;
	sig = signed_body(tx, t, m->queue, m->rcpt, r.body);
	if (sig)
		q.body = sig;
	if (m->html_tail)
		q.html = html = html_of(r.subject, q.body, m->html_tail);
	/* Bounces of our notifications come back to the queue's address,
	 * where hygiene recognises them; auto-replies carry none at all. */
	rc = queue(tx, t, m->name, &q, m->auto_reply ? "" : env_sender(tx, t,
	    m->queue), true, m->msgid_r, m->queue);
	g_free(sig);
	template_clear(&r);
	g_free(html);
	return rc;
}

int
notify_answer(struct tx *tx, const struct pd_ticket *t,
    const struct compose_req *base, const char *rcpt, const char *rcpt_name)
{
	struct compose_req q = *base;
	char *sig = signed_body(tx, t, NULL, rcpt, base->body ? base->body :
	    "");
	int rc;

	q.rcpt = rcpt;
	q.rcpt_name = rcpt_name;
	if (sig)
		q.body = sig;
	/* An agent's own words: not automatic, never capped (floodguard.h). */
	rc = queue(tx, t, "answer", &q, env_sender(tx, t, NULL), false, NULL,
	    NULL);
	g_free(sig);
	return rc;
}

int
notify_requester(struct tx *tx, const struct pd_ticket *t,
    const char *name, const struct pd_msg *reply, GHashTable *vars,
    bool auto_reply)
{
	struct notify_mail m = { .name = name, .rcpt = t->requester,
		.rcpt_name = t->requester_name, .reply = reply, .vars = vars,
		.auto_reply = auto_reply };

	return notify_send(tx, t, &m);
}

int
notify_leads(struct tx *tx, const struct pd_ticket *t, const char *name,
    GHashTable *vars)
{
	/* A queue with a `lead` tells that agent; else every lead. */
	const struct pd_queue *q = t ? config_queue(tx->cfg, t->queue) : NULL;
	const struct pd_agent *lead = q && q->lead ?
	    config_agent_by_name(tx->cfg, q->lead) : NULL;

	for (guint i = 0; i < tx->cfg->agents->len; i++) {
		const struct pd_agent *a = tx->cfg->agents->pdata[i];
		struct notify_mail m = { .name = name,
			.rcpt = a->addresses->pdata[0], .rcpt_name = a->name,
			.lang = a->language, .vars = vars };

		if ((lead ? a == lead : strcmp(a->role, "lead") == 0) &&
		    notify_send(tx, t, &m) != 0)
			return -1;
	}
	return 0;
}

int
notify_admin(struct tx *tx, const char *name, GHashTable *vars)
{
	struct notify_mail m = { .name = name, .rcpt = tx->cfg->admin,
		.vars = vars };

	return tx->cfg->admin ? notify_send(tx, NULL, &m) : 0;
}
