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

/* The ticket an id names: our signed id first, else a stored message
 * (after merges).  Returns 1 with *t_r, 0 when none, -1 on a database
 * error: an error must not read as "no ticket", which would open a new
 * one. */
static int
ticket_of_id(sqlite3 *db, const char *id, unsigned long *t_r)
{
	unsigned long t;
	int64_t stored = 0;
	struct pd_ticket tk;
	int r;

	if (mac_check(id, &t, NULL)) {
		/* Signed ids name the ticket directly; follow merges. */
		if ((r = store_ticket_get(db, t, &tk)) == 1) {
			*t_r = tk.number;
			store_ticket_clear(&tk);
		}
		return r;
	}
	if (!id || !*id)
		return 0;
	r = store_message_ticket(db, id, &stored);
	if (r != 1)
		return r;
	if ((r = store_ticket_get(db, stored, &tk)) == 1) {
		*t_r = tk.number;
		store_ticket_clear(&tk);
	}
	return r;
}

static int
by_references(sqlite3 *db, const struct pd_msg *m, struct thread_result *r)
{
	GPtrArray *ids = g_ptr_array_new_with_free_func(g_free);
	int e = 0;

	if (*m->in_reply_to)
		g_ptr_array_add(ids, g_strdup(m->in_reply_to));
	for (guint i = 0; i < m->references->len; i++)
		g_ptr_array_add(ids, g_strdup(m->references->pdata[i]));
	if (m->is_dsn)
		msg_embedded_ids(m, ids);
	for (guint i = 0; e >= 0 && i < ids->len; i++) {
		unsigned long t = 0;

		if ((e = ticket_of_id(db, ids->pdata[i], &t)) == 1)
			add_unique(r, t);
	}
	g_ptr_array_unref(ids);
	return e < 0 ? -1 : 0;
}

/* May address use a token of ticket t?  1 yes, 0 no, -1 database error. */
static int
token_allowed(sqlite3 *db, const struct pd_config *cfg, unsigned long t,
    const char *address)
{
	struct pd_ticket tk;
	int ok;

	if (config_agent_by_address(cfg, address))
		return 1;
	if ((ok = store_ticket_get(db, t, &tk)) != 1)
		return ok;
	if (g_ascii_strcasecmp(tk.requester, address) == 0)
		ok = 1;
	else
		ok = store_is_participant(db, tk.number, address);
	store_ticket_clear(&tk);
	return ok;
}

static int
by_token(sqlite3 *db, const struct pd_config *cfg, const struct pd_msg *m,
    struct thread_result *r)
{
	GArray *toks = g_array_new(FALSE, FALSE, sizeof(struct pd_token));
	struct pd_ticket tk;
	int e = 0;

	/* The tag of any queue names a ticket: numbers are one sequence
	 * (postdesk.conf(5) "QUEUES"). */
	token_find(m->subject, NULL, toks);
	for (guint i = 0; e >= 0 && i < toks->len; i++) {
		unsigned long n = g_array_index(toks, struct pd_token, i).num;

		if (!config_queue_tag_known(cfg,
		    g_array_index(toks, struct pd_token, i).tag))
			continue;

		if ((e = store_ticket_get(db, n, &tk)) != 1)
			continue;
		n = tk.number;
		store_ticket_clear(&tk);
		if ((e = token_allowed(db, cfg, n, m->from.address)) == 1)
			add_unique(r, n);
		else if (e == 0 && !r->mentioned)
			r->mentioned = n;
	}
	g_array_unref(toks);
	return e < 0 ? -1 : 0;
}

int
thread_decide(sqlite3 *db, const struct pd_config *cfg,
    const struct pd_msg *m, struct thread_result *r)
{
	memset(r, 0, sizeof *r);
	if (by_references(db, m, r) != 0)
		return -1;
	r->by = "references";
	if (r->nothers == 0) {
		if (by_token(db, cfg, m, r) != 0)
			return -1;
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
