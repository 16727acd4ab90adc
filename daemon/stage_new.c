/* stage_new.c: a message that opens a ticket (postdeskd(8) Threading; postdeskd(8) Tickets).
 *
 * The requester gets an acknowledgement with the ticket number; when the
 * request lists several independent tasks, the acknowledgement names them
 * and offers to split them ("split" reply, see stage_join.c). */
#include <string.h>
#include "clock.h"
#include "faq_offer.h"
#include "store.h"
#include "log.h"
#include "plans.h"
#include "sla.h"
#include "onetask.h"
#include "stage.h"
#include "ticket.h"
#include "token.h"

/* Cc'd (and co-addressed) contacts of the requester's organisation follow
 * the ticket's public mail. */
static int
add_participants(struct stage_ctx *c, const struct pd_ticket *t)
{
	GPtrArray *lists[] = { c->m->cc, c->m->to };

	for (unsigned l = 0; l < G_N_ELEMENTS(lists); l++)
		for (guint i = 0; lists[l] && i < lists[l]->len; i++) {
			const struct pd_addr *a = lists[l]->pdata[i];

			if (!*a->address || g_ascii_strcasecmp(a->address,
			    c->cfg->address) == 0 ||
			    config_queue_by_address(c->cfg, a->address) ||
			    config_agent_by_address(c->cfg, a->address) ||
			    !config_same_org(c->cfg, t->requester, a->address))
				continue;
			if (store_participant_add(c->db, t->number, a->address,
			    a->name, "cc") != 0)
				return -1;
		}
	return 0;
}

static int
store_tasks(struct stage_ctx *c, unsigned long num, GPtrArray *tasks,
    GString *list)
{
	for (guint i = 0; i < tasks->len; i++) {
		if (store_task_add(c->db, num, i + 1, tasks->pdata[i]) != 0)
			return -1;
		g_string_append_printf(list, "%u. %s\n", i + 1,
		    (char *)tasks->pdata[i]);
	}
	return 0;
}

static int
acknowledge(struct stage_ctx *c, const struct pd_ticket *t)
{
	GPtrArray *tasks = onetask_find(c->new_text);
	GHashTable *vars = notify_vars_new();
	bool several = tasks && tasks->len > 1;
	GString *list;
	int r;

	/* The expected first answer, and the over-limit notice of a client
	 * past its plan (sla.h, plans.h). */
	r = plans_ack_vars(&c->tx, t, pd_now(), vars);
	if (r == 0)
		r = sla_ack_vars(&c->tx, t, vars);
	if (r == 0 && several) {
		list = g_string_new(NULL);
		r = store_tasks(c, t->number, tasks, list);
		g_hash_table_insert(vars, "tasks", g_string_free(list, FALSE));
		g_hash_table_insert(vars, "tasks.count",
		    g_strdup_printf("%u", tasks->len));
		log_info("ticket=%lu msg=<%s> stage=policy event=tasks "
		    "count=%u", t->number, c->m->message_id, tasks->len);
	}
	/* Entries of the knowledge base that may answer it (faq_offer.h);
	 * never for automated mail. */
	if (r == 0 && !several && !c->automated) {
		char *offered = NULL;

		r = faq_offer(&c->tx, t, t->subject, c->new_text, vars,
		    &offered);
		if (offered) {
			g_free(c->faq_note);
			c->faq_note = offered;
		}
	}
	if (r == 0)
		r = notify_requester(&c->tx, t, several ? "ack_tasks" : "ack",
		    c->m, vars, true);
	g_hash_table_unref(vars);
	if (tasks)
		g_ptr_array_unref(tasks);
	return r;
}

int
stage_new(struct stage_ctx *c, const struct thread_result *tr)
{
	struct pd_ticket t;
	char *subject = config_queue_strip_tokens(c->cfg, c->m->subject);
	char *detail;
	int r;

	r = ticket_open(&c->tx, &t, g_strstrip(subject), c->queue,
	    *c->m->from.address ? c->m->from.address : "unknown",
	    c->m->from.name, ticket_language(c->cfg, c->m,
	    c->new_text, c->queue), 0, NULL, "");
	g_free(subject);
	if (r == 0 && tr->mentioned) {
		/* For agents only: the sender is never told. */
		detail = g_strdup_printf("mentions #%lu", tr->mentioned);
		r = store_event_add(c->db, t.number, t.requester, "mentions",
		    detail);
		g_free(detail);
	}
	if (r == 0)
		r = stage_store(c, t.number, c->agent ? "agent" : "client");
	if (r == 0)
		r = add_participants(c, &t);
	/* The routing rules' actions, before the acknowledgement (rules.h). */
	if (r == 0)
		r = stage_rules_ticket(c, t.number);
	if (r == 0)
		log_info("ticket=%lu msg=<%s> stage=thread event=created%s%s%s",
		    t.number, c->m->message_id, c->automated ?
		    " automated=\"" : "", c->automated ? c->automated : "",
		    c->automated ? "\"" : "");
	if (r == 0 && stage_may_answer(c) && !stage_rules_no_ack(c))
		r = acknowledge(c, &t);
	store_ticket_clear(&t);
	return r;
}
