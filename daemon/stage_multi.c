/* stage_multi.c: a message naming several tickets (postdeskd(8) Tickets).
 *
 * It joins none (which one would it belong to?): it is kept outside any
 * ticket for agents, each named ticket records that it arrived, and the
 * sender is asked to write about each request separately. */
#include <string.h>
#include "log.h"
#include "stage.h"
#include "store.h"
#include "token.h"

int
stage_multi(struct stage_ctx *c, const struct thread_result *tr)
{
	GString *tokens = g_string_new(NULL);
	struct pd_ticket t;
	GHashTable *vars;
	char *detail;
	int r = stage_store(c, 0, "multi");

	for (unsigned i = 0; i < tr->nothers; i++) {
		char *tok = token_format(config_queue_voice(c->cfg,
		    c->queue)->tag, tr->others[i]);

		g_string_append_printf(tokens, "%s%s", i ? ", " : "", tok);
		g_free(tok);
	}
	detail = g_strdup_printf("message <%s> from %s names %s; filed in "
	    "none", c->m->message_id, c->m->from.address, tokens->str);
	for (unsigned i = 0; r == 0 && i < tr->nothers; i++)
		r = store_event_add(c->db, tr->others[i], c->m->from.address,
		    "multi", detail);
	g_free(detail);
	log_info("msg=<%s> stage=policy event=multi tickets=\"%s\"",
	    c->m->message_id, tokens->str);
	if (r == 0 && stage_may_answer(c) &&
	    store_ticket_get(c->db, tr->others[0], &t) == 1) {
		vars = notify_vars_new();
		g_hash_table_insert(vars, "tickets", g_strdup(tokens->str));
		g_hash_table_insert(vars, "mail.subject",
		    g_strdup(c->m->subject));
		/* Reply in the sender's thread, in the ticket's language. */
		struct notify_mail m = { .name = "multi",
			.rcpt = c->m->from.address, .rcpt_name = c->m->from.name,
			.reply = c->m, .vars = vars, .auto_reply = true };
		r = notify_send(&c->tx, &t, &m);
		g_hash_table_unref(vars);
		store_ticket_clear(&t);
	}
	g_string_free(tokens, TRUE);
	return r;
}
