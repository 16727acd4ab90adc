/* ticket.c: see ticket.h. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "clock.h"
#include "hdrtext.h"
#include "log.h"
#include "msg.h"
#include "sla.h"
#include "ticket.h"
#include "token.h"

static const char *const statuses[] = { "new", "open", "waiting",
	"resolved", "closed", NULL };
static const char *const priorities[] = { "low", "normal", "high", "urgent",
	NULL };
static const char *const types[] = { "question", "bug", "feature", NULL };

static bool
in_list(const char *const *list, const char *s)
{
	for (; s && *list; list++)
		if (strcmp(*list, s) == 0)
			return true;
	return false;
}

bool
ticket_status_valid(const char *s)
{
	return in_list(statuses, s);
}

bool
ticket_priority_valid(const char *s)
{
	return in_list(priorities, s);
}

bool
ticket_type_valid(const char *s)
{
	return in_list(types, s);
}

/* The template telling the requester about a new status, or NULL. */
static const char *
status_template(const char *status)
{
	if (strcmp(status, "waiting") == 0)
		return "status_waiting";
	if (strcmp(status, "resolved") == 0)
		return "status_resolved";
	if (strcmp(status, "closed") == 0)
		return "status_closed";
	return NULL;
}

static int
write_status(struct tx *tx, struct pd_ticket *t, const char *status,
    const char *actor, const char *why, const char *event)
{
	int64_t now = pd_now();
	char *detail = g_strdup_printf("%s -> %s%s%s", t->status, status,
	    why && *why ? ": " : "", why ? why : "");
	int r;

	r = sla_status_change(tx, t->number, t->status, status, now);
	if (r == 0)
		r = store_ticket_set_status(tx->db, t->number, status, now);
	if (r == 0)
		r = store_event_add(tx->db, t->number, actor, event, detail);
	if (r == 0)
		log_info("ticket=%lu stage=ticket event=%s status=%s actor=%s",
		    t->number, event, status, actor);
	g_free(detail);
	g_free(t->status);
	t->status = g_strdup(status);
	return r;
}

int
ticket_set_status(struct tx *tx, unsigned long num, const char *status,
    const char *actor, const char *why)
{
	struct pd_ticket t;
	const char *tmpl;
	int r;

	if (!ticket_status_valid(status))
		return 1;
	if ((r = store_ticket_get(tx->db, num, &t)) != 1)
		return r < 0 ? -1 : 1;
	if (strcmp(t.status, status) == 0) {
		store_ticket_clear(&t);
		return 1;
	}
	r = write_status(tx, &t, status, actor, why, "status");
	if (r == 0 && (tmpl = status_template(status)))
		r = notify_requester(tx, &t, tmpl, NULL, NULL, false);
	store_ticket_clear(&t);
	return r;
}

int
ticket_reopen(struct tx *tx, unsigned long num, const char *actor,
    const char *why)
{
	struct pd_ticket t;
	int r;

	if ((r = store_ticket_get(tx->db, num, &t)) != 1)
		return r < 0 ? -1 : 1;
	r = store_ticket_count_reopen(tx->db, t.number);
	if (r == 0)
		r = write_status(tx, &t, "open", actor, why, "reopened");
	if (r == 0)
		r = notify_requester(tx, &t, "status_reopened", NULL, NULL,
		    false);
	store_ticket_clear(&t);
	return r;
}

int
ticket_set_field(struct tx *tx, unsigned long num, const char *field,
    const char *value, const char *actor)
{
	bool prio = strcmp(field, "priority") == 0;
	struct pd_ticket t;
	char *detail;
	int r;

	if (prio ? !ticket_priority_valid(value) : !ticket_type_valid(value))
		return 1;
	if ((r = store_ticket_get(tx->db, num, &t)) != 1)
		return r < 0 ? -1 : 1;
	num = t.number;
	store_ticket_clear(&t);
	r = store_ticket_set_field(tx->db, num, prio ? "priority" : "type",
	    value);
	detail = g_strdup_printf("%s = %s", field, value);
	if (r == 0)
		r = store_event_add(tx->db, num, actor, field, detail);
	g_free(detail);
	return r;
}

int
ticket_autoclose(struct tx *tx, int64_t now)
{
	int64_t cutoff = now - (int64_t)tx->cfg->autoclose_days * 86400;
	GArray *due = g_array_new(FALSE, FALSE, sizeof(int64_t));
	int r = store_tickets_resolved_before(tx->db, cutoff, due);

	for (guint i = 0; r >= 0 && i < due->len; i++)
		if (ticket_set_status(tx, g_array_index(due, int64_t, i),
		    "closed", "postdesk", "autoclose") < 0)
			r = -1;
	if (r == 0)
		r = due->len;
	g_array_unref(due);
	return r;
}

int
ticket_link(struct tx *tx, unsigned long a, unsigned long b,
    const char *kind)
{
	return store_ticket_link(tx->db, a, b, kind);
}

int
ticket_open(struct tx *tx, struct pd_ticket *t, const char *subject,
    const char *queue, const char *requester, const char *name,
    const char *language, unsigned long parent, const char *kind,
    const char *detail)
{
	memset(t, 0, sizeof *t);
	/* Every way a ticket opens (a request, a split task, #client) stores
	 * its subject and name as one line (hdrtext.h). */
	t->subject = g_strstrip(hdrtext_line(subject));
	t->queue = g_strdup(queue);
	t->requester = g_ascii_strdown(requester, -1);
	t->requester_name = g_strstrip(hdrtext_line(name));
	t->language = g_strdup(language);
	const struct pd_client *cl;

	if (store_ticket_create(tx->db, t, tx->cfg->first_ticket,
	    tx->cfg->domain, detail) != 0)
		return -1;
	if ((cl = config_client_of(tx->cfg, t->requester)) &&
	    store_ticket_set_field(tx->db, t->number, "client", cl->name) != 0)
		return -1;
	if (parent && ticket_link(tx, parent, t->number, kind) != 0)
		return -1;
	log_info("ticket=%lu stage=ticket event=opened%s%s parent=%lu",
	    t->number, kind ? " link=" : "", kind ? kind : "", parent);
	return 0;
}

int
ticket_merge(struct tx *tx, unsigned long from, unsigned long into,
    const char *actor)
{
	struct pd_ticket a, b;
	GHashTable *vars;
	char *detail;
	int r = 1;

	if (store_ticket_get(tx->db, from, &a) != 1)
		return 1;
	if (store_ticket_get(tx->db, into, &b) != 1)
		goto out;
	if (a.number == b.number) {
		store_ticket_clear(&b);
		goto out;
	}
	detail = g_strdup_printf("#%lu merged into #%lu", a.number, b.number);
	r = store_ticket_merge(tx->db, a.number, b.number);
	if (r == 0)
		r = write_status(tx, &a, "closed", actor, detail, "merged");
	if (r == 0)
		r = store_event_add(tx->db, b.number, actor, "merged", detail);
	if (r == 0)
		r = ticket_link(tx, a.number, b.number, "merged");
	g_free(detail);
	if (r == 0) {
		vars = notify_vars_new();
		g_hash_table_insert(vars, "other.token",
		    token_format(config_queue_voice(tx->cfg,
		    b.queue)->tag, b.number));
		g_hash_table_insert(vars, "other.number",
		    g_strdup_printf("%lu", b.number));
		r = notify_requester(tx, &a, "merged", NULL, vars, false);
		g_hash_table_unref(vars);
	}
	store_ticket_clear(&b);
out:
	store_ticket_clear(&a);
	return r;
}

/* The requester learns the new number (postdesk.conf(5) TEMPLATES: split done). */
static int
tell_split(struct tx *tx, const struct pd_ticket *old, unsigned long num,
    const char *subject)
{
	GHashTable *vars = notify_vars_new();
	char *tok = token_format(config_queue_voice(tx->cfg,
	    old->queue)->tag, num);
	int r;

	g_hash_table_insert(vars, "tickets", g_strdup_printf("%s %s\n", tok,
	    subject));
	r = notify_requester(tx, old, "split_done", NULL, vars, false);
	g_free(tok);
	g_hash_table_unref(vars);
	return r;
}

int
ticket_split_message(struct tx *tx, int64_t id, const char *actor,
    unsigned long *num_r)
{
	struct pd_ticket old, t;
	char *stored = NULL, *subject, *from = NULL, *name = NULL, *detail;
	int64_t num = 0;
	int r;

	*num_r = 0;
	r = store_message_get(tx->db, id, &num, &stored, &from, &name);
	if (r != 1)
		return r < 0 ? -1 : 1;
	subject = config_queue_strip_tokens(tx->cfg, stored);
	g_free(stored);
	if ((r = store_ticket_get(tx->db, num, &old)) == 1) {
		detail = g_strdup_printf("split from #%lu", old.number);
		r = ticket_open(tx, &t, g_strstrip(subject), old.queue,
		    *from ? from : old.requester, name, old.language,
		    old.number, "split", detail);
		if (r == 0)
			r = store_message_move(tx->db, id, t.number);
		g_free(detail);
		detail = g_strdup_printf("message %lld split into #%lu",
		    (long long)id, t.number);
		if (r == 0)
			r = store_event_add(tx->db, old.number, actor, "split",
			    detail);
		g_free(detail);
		if (r == 0)
			r = tell_split(tx, &old, t.number, subject);
		if (r == 0)
			*num_r = t.number;
		store_ticket_clear(&t);
		store_ticket_clear(&old);
	} else if (r == 0)
		r = 1;
	g_free(subject);
	g_free(from);
	g_free(name);
	return r < 0 ? -1 : r;
}

int
ticket_set_rating(struct tx *tx, unsigned long num, int rating,
    const char *actor)
{
	char detail[16];

	snprintf(detail, sizeof detail, "%d", rating);
	if (store_ticket_set_rating(tx->db, num, rating) != 0)
		return -1;
	log_info("ticket=%lu stage=ticket event=rated rating=%d", num,
	    rating);
	return store_event_add(tx->db, num, actor, "rated", detail);
}

/* "split": one ticket per task found in the request.  The first task
 * stays in the ticket the client already knows. */
int
ticket_split_tasks(struct tx *tx, const struct pd_ticket *t,
    const struct pd_msg *m)
{
	GString *list = g_string_new(NULL);
	GPtrArray *texts = g_ptr_array_new_with_free_func(g_free);
	GHashTable *vars;
	int r = store_tasks_pending(tx->db, t->number, texts);

	for (guint i = 0; r == 0 && i < texts->len; i++) {
		struct pd_ticket nt;
		unsigned long num = t->number;
		char *tok;

		if (i > 0 && (r = ticket_open(tx, &nt, texts->pdata[i],
		    t->queue, t->requester, t->requester_name, t->language,
		    t->number, "split", texts->pdata[i])) == 0) {
			num = nt.number;
			store_ticket_clear(&nt);
		}
		if (r == 0)
			r = store_task_split(tx->db, t->number, i + 1, num);
		tok = token_format(config_queue_voice(tx->cfg,
		    t->queue)->tag, num);
		g_string_append_printf(list, "%s %s\n", tok,
		    (char *)texts->pdata[i]);
		g_free(tok);
	}
	vars = notify_vars_new();
	g_hash_table_insert(vars, "tickets", g_string_free(list, FALSE));
	if (r == 0 && texts->len > 1)
		r = notify_requester(tx, t, "split_done", m, vars, true);
	if (r == 0)
		log_info("ticket=%lu msg=<%s> stage=policy event=split "
		    "tickets=%u", t->number, m ? m->message_id : "", texts->len);
	g_hash_table_unref(vars);
	r = r == 0 ? (int)texts->len : -1;
	g_ptr_array_unref(texts);
	return r;
}

const char *
ticket_language(const struct pd_config *cfg, const struct pd_msg *m,
    const char *text, const char *queue)
{
	const char *texts[] = { m->subject, text };
	const struct pd_client *cl = config_client_of(cfg, m->from.address);

	if (cl && cl->language)
		return cl->language;
	for (unsigned i = 0; i < G_N_ELEMENTS(texts); i++) {
		/* In valid UTF-8, U+0400..U+04FF are the characters that
		 * start with a byte 0xD0..0xD3, and such a byte starts
		 * nothing else: a scan of bytes. */
		if (texts[i] && g_utf8_validate(texts[i], -1, NULL)) {
			for (const guchar *p = (const guchar *)texts[i]; *p;
			    p++)
				if (*p >= 0xd0 && *p <= 0xd3)
					return "ru";
			continue;
		}
		for (const char *p = texts[i]; p && *p; p = g_utf8_next_char(p))
			if (g_utf8_get_char(p) >= 0x400 &&
			    g_utf8_get_char(p) <= 0x4ff)
				return "ru";
	}
	return config_queue_language(cfg, config_queue_voice(cfg, queue),
	    NULL);
}
