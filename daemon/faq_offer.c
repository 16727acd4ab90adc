/* faq_offer.c: see faq_offer.h. */
#include <string.h>
#include "faq.h"
#include "faq_offer.h"
#include "log.h"
#include "store_faq.h"
#include "ticket.h"

/* Lines of an entry's body shown under its title, and their width. */
#define FIRST_LINES 3
#define LINE_MAX_CHARS 200

static bool
turned_off(const struct pd_config *cfg, const struct pd_ticket *t)
{
	const struct pd_queue *q = config_queue(cfg, t->queue);
	const struct pd_client *cl = config_client_of(cfg, t->requester);

	return !cfg->faq_suggest || (q && q->faq_off) || (cl && cl->faq_off);
}

/* "1. Title\n   first lines\n" for each offered entry, a blank line
 * between two. */
static void
list_entry(GString *o, unsigned i, const struct faq_entry *e)
{
	char **lines = g_strsplit(e->body, "\n", -1);
	unsigned shown = 0;

	g_string_append_printf(o, "%s%u. %s\n", i > 1 ? "\n" : "", i,
	    e->title);
	for (char **l = lines; *l; l++) {
		char *s = g_strstrip(g_strdup(*l));

		if (*s && shown == FIRST_LINES) {
			/* The rest is in the entry: say so. */
			g_string_append(o, "   …\n");
			g_free(s);
			break;
		}
		if (*s) {
			if (g_utf8_strlen(s, -1) > LINE_MAX_CHARS) {
				char *cut = g_utf8_substring(s, 0,
				    LINE_MAX_CHARS);

				g_free(s);
				s = g_strconcat(cut, "…", NULL);
				g_free(cut);
			}
			g_string_append_printf(o, "   %s\n", s);
			shown++;
		}
		g_free(s);
	}
	g_strfreev(lines);
}

int
faq_offer(struct tx *tx, const struct pd_ticket *t, const char *subject,
    const char *text, GHashTable *vars, char **offered_r)
{
	GPtrArray *all, *sel;
	GArray *hits = NULL;
	GHashTable *v;
	GString *list, *offered;
	struct pd_rendered rd;
	double best = 0;
	char *err = NULL;
	unsigned k;
	int r;

	*offered_r = NULL;
	g_hash_table_insert(vars, "faq.suggestions", g_strdup(""));
	if (turned_off(tx->cfg, t))
		return 0;
	all = g_ptr_array_new_with_free_func(faq_entry_free);
	faq_load_files(tx->cfg->answers_dir, all);
	if (faq_load_db(tx->db, all) != 0) {
		g_ptr_array_unref(all);
		return -1;
	}
	sel = faq_select(all, t->language);
	if (faq_rank(sel, subject, text, &hits, &best, &err) != 0) {
		log_warnx("ticket=%lu stage=faq event=error error=\"%s\"",
		    t->number, err);
		g_free(err);
		g_ptr_array_unref(sel);
		g_ptr_array_unref(all);
		return 0;
	}
	k = faq_pick(hits, best, tx->cfg->faq_threshold, FAQ_MAX_OFFERED);
	list = g_string_new(NULL);
	offered = g_string_new(NULL);
	for (unsigned i = 0; i < k; i++) {
		const struct faq_hit *h = &g_array_index(hits, struct faq_hit,
		    i);
		char *key = faq_entry_key(h->e);

		list_entry(list, i + 1, h->e);
		g_string_append_printf(offered, "%s  - %s  %s  (%.2f)",
		    offered->len ? "\n" : "", key, h->e->title,
		    i ? h->score : best);
		g_free(key);
	}
	r = 0;
	if (k) {
		v = notify_vars_new();
		g_hash_table_insert(v, "faq.list", g_string_free(list, FALSE));
		list = NULL;
		if (notify_render(tx, t, "ack_faq", NULL, v, &rd, &err) != 0) {
			log_warnx("ticket=%lu stage=notify event=error "
			    "template=ack_faq error=\"%s\"", t->number, err);
			g_free(err);
		} else {
			g_hash_table_insert(vars, "faq.suggestions",
			    g_strdup_printf("\n%s\n", g_strstrip(rd.body)));
			template_clear(&rd);
			r = store_event_add(tx->db, t->number, "", "faq_offered",
			    offered->str);
			if (r == 0) {
				log_info("ticket=%lu stage=faq event=offered "
				    "count=%u best=%.2f", t->number, k, best);
				*offered_r = g_strdup(offered->str);
			}
		}
		g_hash_table_unref(v);
	}
	if (list)
		g_string_free(list, TRUE);
	g_string_free(offered, TRUE);
	g_array_unref(hits);
	g_ptr_array_unref(sel);
	g_ptr_array_unref(all);
	return r;
}

int
faq_solved(struct tx *tx, const struct pd_ticket *t, const char *from,
    const char *text)
{
	int64_t answered = 0;
	int r;

	if (!faq_is_solved(text) || strcmp(t->status, "resolved") == 0 ||
	    strcmp(t->status, "closed") == 0)
		return 0;
	if ((r = store_faq_was_offered(tx->db, t->number)) != 1)
		return r;
	/* Once an agent has answered, "solved" thanks the agent: the
	 * agents resolve the ticket themselves, as without the FAQ. */
	if ((r = store_ticket_first_response_at(tx->db, t->number,
	    &answered)) != 1)
		return r;
	if (answered)
		return 0;
	r = ticket_set_status(tx, t->number, "resolved", from,
	    "self-service");
	if (r < 0)
		return -1;
	if (store_event_add(tx->db, t->number, from, "self-service",
	    "the FAQ entries offered in the acknowledgement solved it") != 0)
		return -1;
	log_info("ticket=%lu stage=faq event=self-service", t->number);
	return 1;
}
