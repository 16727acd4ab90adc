/* thread.c: see thread.h. */
#include <string.h>
#include "log.h"
#include "mac.h"
#include "store.h"
#include "thread.h"
#include "token.h"

static void
add_unique(struct thread_result *r, unsigned long t)
{
	for (unsigned i = 0; i < r->nothers; i++)
		if (r->others[i] == t)
			return;
	if (r->nothers < G_N_ELEMENTS(r->others))
		r->others[r->nothers++] = t;
}

/* The ticket an id names: our signed id first, else a stored message. */
static unsigned long
ticket_of_id(sqlite3 *db, const char *id)
{
	unsigned long t;
	struct pd_ticket tk;

	if (mac_check(id, &t, NULL)) {
		/* Signed ids name the ticket directly; follow merges. */
		if (store_ticket_get(db, t, &tk) == 1) {
			t = tk.number;
			store_ticket_clear(&tk);
			return t;
		}
		return 0;
	}
	return store_ticket_by_msgid(db, id);
}

static void
by_references(sqlite3 *db, const struct pd_msg *m, struct thread_result *r)
{
	GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);

	if (*m->in_reply_to)
		g_ptr_array_add(ids, g_strdup(m->in_reply_to));
	for (guint i = 0; i < m->references->len; i++)
		g_ptr_array_add(ids, g_strdup(m->references->pdata[i]));
	if (m->is_dsn)
		msg_embedded_ids(m, ids);
	for (guint i = 0; i < ids->len; i++) {
		unsigned long t = ticket_of_id(db, ids->pdata[i]);

		if (t)
			add_unique(r, t);
	}
	g_ptr_array_unref(ids);
}

/* May address use a token of ticket t? */
static int
token_allowed(sqlite3 *db, const struct pd_config *cfg, unsigned long t,
    const char *address)
{
	struct pd_ticket tk;
	int ok;

	if (config_agent_by_address(cfg, address))
		return 1;
	if (store_ticket_get(db, t, &tk) != 1)
		return 0;
	ok = g_ascii_strcasecmp(tk.requester, address) == 0 ||
	    store_is_participant(db, tk.number, address);
	store_ticket_clear(&tk);
	return ok;
}

static void
by_token(sqlite3 *db, const struct pd_config *cfg, const struct pd_msg *m,
    struct thread_result *r)
{
	GArray *toks = g_array_new(FALSE, FALSE, sizeof(struct pd_token));
	struct pd_ticket tk;

	token_find(m->subject, cfg->tag, toks);
	for (guint i = 0; i < toks->len; i++) {
		unsigned long n = g_array_index(toks, struct pd_token, i).num;

		if (store_ticket_get(db, n, &tk) != 1)
			continue;
		n = tk.number;
		store_ticket_clear(&tk);
		if (token_allowed(db, cfg, n, m->from.address))
			add_unique(r, n);
		else if (!r->mentioned)
			r->mentioned = n;
	}
	g_array_unref(toks);
}

int
thread_decide(sqlite3 *db, const struct pd_config *cfg,
    const struct pd_msg *m, struct thread_result *r)
{
	memset(r, 0, sizeof *r);
	by_references(db, m, r);
	r->by = "references";
	if (r->nothers == 0) {
		by_token(db, cfg, m, r);
		r->by = "token";
	}
	if (r->nothers == 1) {
		r->how = THREAD_JOIN;
		r->ticket = r->others[0];
		r->mentioned = 0;
	} else if (r->nothers > 1)
		r->how = THREAD_MULTI;
	else
		r->how = THREAD_NEW;
	return 0;
}
