/* notify.c: see notify.h. */
#include <string.h>
#include "agentmail.h"
#include "compose.h"
#include "floodguard.h"
#include "log.h"
#include "notify.h"
#include "outbox.h"
#include "template.h"
#include "token.h"

GHashTable *
notify_vars_new(void)
{
	return g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);
}

static GHashTable *
ticket_vars(const struct pd_config *cfg, const struct pd_ticket *t,
    GHashTable *extra)
{
	GHashTable *v = notify_vars_new();
	GHashTableIter it;
	gpointer k, val;

	g_hash_table_insert(v, "gateway.name", g_strdup(cfg->name));
	g_hash_table_insert(v, "gateway.address", g_strdup(cfg->address));
	if (!t)
		goto extra;
	g_hash_table_insert(v, "ticket.number", g_strdup_printf("%lu",
	    t->number));
	g_hash_table_insert(v, "ticket.token", token_format(cfg->tag,
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

int
notify_render(struct tx *tx, const struct pd_ticket *t, const char *name,
    const char *lang, GHashTable *vars, struct pd_rendered *r, char **error_r)
{
	GHashTable *all = ticket_vars(tx->cfg, t, vars);
	int rc;

	rc = template_render(tx->cfg->templates_dir, lang ? lang : t ?
	    t->language : tx->cfg->language, name, all, r, error_r);
	g_hash_table_unref(all);
	return rc;
}

/* Internal text never reaches a client, whatever template carries it. */
static bool
leaks(struct tx *tx, const struct pd_ticket *t, const char *rcpt,
    const struct pd_rendered *r, const char *name)
{
	char *text, *hit;

	if (!t || agentmail_internal_rcpt(tx->cfg, rcpt))
		return false;
	text = g_strdup_printf("%s\n%s", r->subject, r->body);
	hit = agentmail_leak(tx, t->number, text);
	g_free(text);
	if (hit)
		log_warnx("ticket=%lu stage=guard event=stopped kind=%s",
		    t->number, name);
	g_free(hit);
	return hit != NULL;
}

int
notify_send(struct tx *tx, const struct pd_ticket *t,
    const struct notify_mail *m)
{
	struct pd_rendered r;
	struct compose_req q = { .cfg = tx->cfg, .ticket = t, .rcpt = m->rcpt,
		.rcpt_name = m->rcpt_name, .auto_submitted = m->auto_reply ?
		"auto-replied" : "auto-generated" };
	char *err = NULL, *data, *id;
	unsigned long num = t ? t->number : 0;
	size_t len;
	int64_t row;
	int admit;

	if (m->reply) {
		q.in_reply_to = m->reply->message_id;
		q.references = m->reply->references;
	}
	if (notify_render(tx, t, m->name, m->lang, m->vars, &r, &err) != 0) {
		log_warnx("ticket=%lu stage=notify event=error template=%s "
		    "error=\"%s\"", num, m->name, err);
		g_free(err);
		return 0;
	}
	if (leaks(tx, t, m->rcpt, &r, m->name)) {
		template_clear(&r);
		return 0;
	}
	/* Every automatic mail passes the flood caps here (floodguard.h). */
	if ((admit = floodguard_admit(tx, num, m->name, m->rcpt)) != 1) {
		template_clear(&r);
		return admit;
	}
	q.subject = r.subject;
	q.body = r.body;
	data = compose_mail(&q, &len, &id);
	/* Bounces of our notifications come back to the support address,
	 * where hygiene recognises them; auto-replies carry none at all. */
	row = outbox_add(tx->db, num, m->name, id, m->auto_reply ? "" :
	    tx->cfg->address, m->rcpt, data, len);
	if (row > 0) {
		tx->queued = true;
		log_info("ticket=%lu msg=<%s> stage=notify event=queued "
		    "kind=%s", num, id, m->name);
	}
	g_free(data);
	g_free(id);
	template_clear(&r);
	return row < 0 ? -1 : 0;
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
	for (guint i = 0; i < tx->cfg->agents->len; i++) {
		const struct pd_agent *a = tx->cfg->agents->pdata[i];
		struct notify_mail m = { .name = name,
			.rcpt = a->addresses->pdata[0], .rcpt_name = a->name,
			.lang = a->language, .vars = vars };

		if (strcmp(a->role, "lead") == 0 && notify_send(tx, t, &m) != 0)
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
