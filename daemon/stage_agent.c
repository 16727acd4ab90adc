/* stage_agent.c: mail from agents (postdesk.conf(5) THREAT MODEL).
 *
 * A verified agent's mail runs its commands (all or none), then is an
 * internal note (#note, mail to the note address, or a reply to a note
 * notification) copied to agents only, or an answer relayed to the client.
 * Mail from an agent's address without proof is held and the agent asked
 * to confirm; it never changes a ticket and never reaches a client until
 * the agent's confirmation releases it. */
#include <string.h>
#include "agentcmd.h"
#include "agentmail.h"
#include "commands.h"
#include "db.h"
#include "store.h"
#include "identity.h"
#include "store_notes.h"
#include "log.h"
#include "quotes.h"
#include "stage.h"
#include "thread.h"

/* Is this mail a note?  Written to the note address, or answering a note
 * notification (so a reply to a note stays a note). */
static bool
to_note_channel(const struct stage_ctx *c)
{
	GPtrArray *lists[] = { c->m->to, c->m->cc };

	for (unsigned l = 0; l < G_N_ELEMENTS(lists); l++)
		for (guint i = 0; lists[l] && i < lists[l]->len; i++) {
			const struct pd_addr *a = lists[l]->pdata[i];

			if (config_is_note_address(c->cfg, a->address))
				return true;
		}
	return identity_answers(c->m, c->agent, 'n', NULL);
}

static int
transcript(struct stage_ctx *c, struct pd_ticket *t, GString *lines)
{
	GHashTable *vars = notify_vars_new();
	int r;

	g_hash_table_insert(vars, "transcript", g_strdup(lines->str));
	r = agentmail_to_agent(&c->tx, t, c->agent, "transcript", vars, c->m,
	    'm', NULL);
	g_hash_table_unref(vars);
	return r;
}

/* What the agent wrote for the ticket: the text after the commands, and
 * the canned answers asked for. */
static char *
answer_text(const char *rest, const GString *canned)
{
	char *all = g_strdup_printf("%s%s%s", rest, *rest && canned->len ?
	    "\n\n" : "", canned->str);

	return g_strstrip(all);
}

/* A note just stored goes into the leak guard's index (store_notes.h), in
 * the same transaction, before any mail that could leak it is checked. */
static int
index_note(struct stage_ctx *c, const char *text)
{
	int64_t id = 0;
	int r;

	if (c->automated)
		return 0;
	r = store_message_find(c->db, c->m->message_id, c->hash, &id);
	if (r < 0)
		return -1;
	return r == 1 ? leakindex_note(c->db, id, text, c->m->attachments) : 0;
}

/* The note this mail writes, when it is one (#note or the note channel),
 * for the guard to check the templates its commands send before the note
 * is stored (struct tx.pending_note); NULL when it is not a note. */
static char *
pending_note(const struct stage_ctx *c, const struct cmd_parse *p)
{
	GString *s = NULL;

	for (guint i = 0; i < p->cmds->len; i++) {
		const struct cmd *k = p->cmds->pdata[i];

		if (k->verb == CMD_NOTE && s == NULL)
			s = g_string_new(NULL);
		if (k->verb == CMD_NOTE)
			g_string_append_printf(s, "%s\n", k->arg);
	}
	if (s == NULL && !to_note_channel(c))
		return NULL;
	if (s == NULL)
		s = g_string_new(NULL);
	g_string_append(s, p->rest);
	return g_string_free(s, FALSE);
}

/* The commands ran (or there were none): act on the text. */
static int
deliver(struct stage_ctx *c, struct agentcmd *x, const char *rest)
{
	char *text = answer_text(rest, x->answer);
	bool note = x->note || to_note_channel(c);
	int r;

	const char *event = note ? "note" : *text && !x->opened ? "answer" :
	    "commands";

	r = stage_store_body(c, x->t->number, note ? "note" : "agent", text);
	if (r == 0 && note)
		r = index_note(c, text);
	if (r == 0 && note && *text)
		r = agentmail_note(&c->tx, x->t, c->agent, text,
		    c->m->attachments);
	else if (r == 0 && !x->opened && *text) {
		r = agentmail_relay(&c->tx, x->t, c->agent, text,
		    c->m->attachments, c->m);
		if (r == 1)
			event = "answer-stopped";
		r = r < 0 ? -1 : 0;
	}
	if (r == 0)
		log_info("ticket=%lu msg=<%s> stage=agent event=%s agent=\"%s\"",
		    x->t->number, c->m->message_id, event, c->agent->name);
	g_free(text);
	return r;
}

static int
run(struct stage_ctx *c, const struct thread_result *tr, struct agentcmd *x,
    struct cmd_parse *p)
{
	int r;

	if (db_savepoint(c->db) != 0)
		return -1;
	r = agentcmd_run(x, p->cmds);
	if (r != 0) {
		/* All or nothing: the mail is kept, nothing else changes. */
		db_savepoint_undo(c->db);
		if (r < 0)
			return -1;
		c->tx.queued = false;
		if (x->opened) {
			store_ticket_clear(x->t);
			g_free(x->t);
			x->t = NULL;
		}
		g_string_append(x->transcript, "\nNothing was changed and "
		    "nothing was sent to the client. Please correct the "
		    "commands and send the mail again.\n");
		if (stage_store(c, tr->how == THREAD_JOIN ? tr->ticket : 0,
		    "agent") != 0)
			return -1;
		return transcript(c, x->t, x->transcript);
	}
	if (db_savepoint_release(c->db) != 0)
		return -1;
	if (!x->t)
		/* Neither a reply nor #client: the agent writes as anyone. */
		return stage_new(c, tr);
	return deliver(c, x, p->rest);
}

int
stage_agent(struct stage_ctx *c, const struct thread_result *tr)
{
	struct pd_ticket *t = NULL;
	struct cmd_parse p;
	struct agentcmd x = { .tx = &c->tx, .agent = c->agent, .m = c->m,
		.queue = c->queue,
		.transcript = g_string_new(NULL), .answer = g_string_new(NULL) };
	char *note;
	int r;

	if (tr->how == THREAD_JOIN) {
		t = g_new0(struct pd_ticket, 1);
		if (store_ticket_get(c->db, tr->ticket, t) != 1) {
			g_free(t);
			return -1;
		}
	}
	x.t = t;
	x.fresh = c->fresh;
	x.strong = c->strong;
	commands_parse(c->new_text, &p);
	x.rest = p.rest;
	note = pending_note(c, &p);
	c->tx.agent = c->agent;
	c->tx.pending_note = note;
	/* Commands that need a fresher or stronger proof were held by
	 * classify(). */
	r = run(c, tr, &x, &p);
	c->tx.pending_note = NULL;
	g_free(note);
	commands_free(&p);
	if (x.t) {
		store_ticket_clear(x.t);
		g_free(x.t);
	}
	g_string_free(x.transcript, TRUE);
	g_string_free(x.answer, TRUE);
	return r;
}

/* Asks agent to confirm the held mail m (text: its new text) with a
 * challenge; *id_r is its id, or NULL when the challenge cap refused it.
 * 0 or -1. */
static int
challenge(struct stage_ctx *c, const struct pd_agent *agent,
    const struct pd_msg *m, const char *text, const char *reason,
    char **id_r)
{
	GHashTable *vars = notify_vars_new();
	int r;

	*id_r = NULL;
	g_hash_table_insert(vars, "held.subject", g_strdup(m->subject));
	g_hash_table_insert(vars, "held.text", g_strdup(text));
	g_hash_table_insert(vars, "held.reason", g_strdup(reason));
	/* The challenge goes to the agent's configured address, whatever
	 * the mail claimed: only the real agent can answer it. */
	r = agentmail_to_agent(&c->tx, NULL, agent, "challenge", vars, m, 'c',
	    id_r);
	g_hash_table_unref(vars);
	return r;
}

int
stage_hold(struct stage_ctx *c, const struct thread_result *tr)
{
	const struct pd_agent *agent = config_agent_by_address(c->cfg,
	    c->m->from.address);
	char *id = NULL;
	int r;
	const char *reason = c->hold_reason ? c->hold_reason : "it answers "
	    "no recent mail the desk sent you about this ticket, and carries "
	    "no trusted DKIM signature";

	r = challenge(c, agent, c->m, c->new_text, reason, &id);
	if (r == 0)
		r = store_held_add(c->db, agent->name, c->m->message_id,
		    id ? id : "", reason, c->raw, c->len, c->o->source);
	/* The cap let this one through: older ones it refused go too. */
	if (r == 0 && id)
		r = stage_hold_retry(c, agent);
	/* Kept in held, not in messages: releasing it stores it there. */
	if (r == 0 && c->o->uid)
		r = store_uid_mark(c->db, c->o->source, c->o->folder,
		    c->o->uidvalidity, c->o->uid, 0, 0);
	if (r == 0)
		log_warnx("msg=<%s> stage=identity event=held agent=\"%s\" "
		    "reason=unverified detail=\"%s\"", c->m->message_id,
		    agent->name, reason);
	g_free(id);
	return r;
}

/* Held rows retried per mail, at most: the cap stops sooner. */
#define HOLD_RETRY_ROWS 16

int
stage_hold_retry(struct stage_ctx *c, const struct pd_agent *agent)
{
	GPtrArray *rows = g_ptr_array_new_with_free_func(store_held_row_free);
	int r = store_held_unchallenged(c->db, agent->name, HOLD_RETRY_ROWS,
	    rows);

	for (guint i = 0; r == 0 && i < rows->len; i++) {
		const struct store_held_row *x = rows->pdata[i];
		struct pd_msg *m = NULL;
		char *err = NULL, *text, *cid = NULL;
		gsize len;
		const char *raw = g_bytes_get_data(x->raw, &len);

		if (msg_parse(raw, len, &c->cfg->limits, &m, &err) != 0) {
			g_free(err);
			continue;
		}
		text = quotes_strip(m->text);
		r = challenge(c, agent, m, text, x->reason, &cid);
		if (r == 0 && cid)
			r = store_held_set_challenge(c->db, x->id, cid);
		if (r == 0 && cid)
			log_info("msg=<%s> stage=identity event=challenged "
			    "agent=\"%s\" detail=\"held earlier, its "
			    "challenge was capped\"", m->message_id,
			    agent->name);
		g_free(text);
		msg_free(&m);
		if (cid == NULL)
			i = rows->len; /* capped: the next mail tries again */
		g_free(cid);
	}
	g_ptr_array_unref(rows);
	return r;
}

int
stage_confirm(struct stage_ctx *c, const char *id)
{
	int r;

	if (store_held_find(c->db, id, c->agent->name, &c->held_id,
	    &c->held_raw) < 0)
		return -1;
	/* The confirmation itself is kept, outside any ticket; stage.c then
	 * runs the held mail (c->held_raw) as the agent's. */
	r = stage_store(c, 0, "confirm");
	return r;
}
