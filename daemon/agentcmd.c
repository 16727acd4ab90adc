/* agentcmd.c: see agentcmd.h. */
#include <string.h>
#include <time.h>
#include "agentcmd.h"
#include "bizhours.h"
#include "agentmail.h"
#include "clock.h"
#include "faqtext.h"
#include "store_faq.h"
#include "log.h"
#include "plans.h"
#include "sla.h"
#include "store.h"
#include "ticket.h"
#include "token.h"

typedef int (*cmd_fn)(struct agentcmd *, const struct cmd *, GString *);

/* Each returns 0 (ok, with an optional note in res), 1 (failed: res
 * says why) or -1 (database error). */

static int
fail(GString *res, const char *why)
{
	g_string_assign(res, why);
	return 1;
}

static int
set_assignee(struct agentcmd *x, const struct pd_agent *a, GString *res)
{
	GHashTable *vars = notify_vars_new();
	int r;

	if (store_ticket_set_field(x->tx->db, x->t->number, "assignee",
	    a->name) != 0 || store_event_add(x->tx->db, x->t->number,
	    x->agent->name, "assigned", a->name) != 0) {
		g_hash_table_unref(vars);
		return -1;
	}
	g_free(x->t->assignee);
	x->t->assignee = g_strdup(a->name);
	g_hash_table_insert(vars, "agent.name", g_strdup(a->name));
	r = notify_requester(x->tx, x->t, "taken", NULL, vars, false);
	if (r == 0 && a != x->agent)
		r = agentmail_to_agent(x->tx, x->t, a, "agent_assigned", vars,
		    NULL, 'm', NULL);
	g_hash_table_unref(vars);
	g_string_printf(res, "assigned to %s", a->name);
	return r;
}

static int
do_take(struct agentcmd *x, const struct cmd *c, GString *res)
{
	return set_assignee(x, x->agent, res);
}

static int
do_assign(struct agentcmd *x, const struct cmd *c, GString *res)
{
	const struct pd_agent *a = config_agent_by_name(x->tx->cfg, c->arg);

	return a ? set_assignee(x, a, res) : fail(res, "no such agent");
}

static int
set_status(struct agentcmd *x, const char *status, GString *res)
{
	int r;

	if (strcmp(status, "open") == 0 && (strcmp(x->t->status,
	    "resolved") == 0 || strcmp(x->t->status, "closed") == 0))
		r = ticket_reopen(x->tx, x->t->number, x->agent->name, "agent");
	else
		r = ticket_set_status(x->tx, x->t->number, status,
		    x->agent->name, "agent");
	if (r < 0)
		return -1;
	g_string_printf(res, r == 1 ? "already %s" : "now %s", status);
	g_free(x->t->status);
	x->t->status = g_strdup(status);
	return 0;
}

static int
do_status(struct agentcmd *x, const struct cmd *c, GString *res)
{
	return set_status(x, c->value, res);
}

static int
do_resolve(struct agentcmd *x, const struct cmd *c, GString *res)
{
	return set_status(x, c->verb == CMD_CLOSE ? "closed" : "resolved",
	    res);
}

static int
do_field(struct agentcmd *x, const struct cmd *c, GString *res)
{
	const char *field = c->verb == CMD_PRIORITY ? "priority" : "type";
	int r = ticket_set_field(x->tx, x->t->number, field, c->value,
	    x->agent->name);

	if (r == 0)
		g_string_printf(res, "%s %s", field, c->value);
	return r == 1 ? fail(res, "invalid value") : r;
}

static int
do_time(struct agentcmd *x, const struct cmd *c, GString *res)
{
	const struct pd_client *cl;
	const struct pd_plan *p;

	if (store_time_add(x->tx->db, x->t->number, x->agent->name,
	    c->minutes, c->billable) != 0)
		return -1;
	g_string_printf(res, "%u min logged%s", c->minutes, c->billable ? "" :
	    " (not billed)");
	if (store_event_add(x->tx->db, x->t->number, x->agent->name, "time",
	    res->str) != 0)
		return -1;
	/* The plan's notices go out with the entry that crossed a
	 * threshold, in its transaction (plans.h). */
	if (c->billable && (cl = plans_client_of(x->tx->cfg, x->t, &p)))
		return plans_check(x->tx, cl->name, pd_now());
	return 0;
}

static int
do_tag(struct agentcmd *x, const struct cmd *c, GString *res)
{
	for (guint i = 0; c->tags_add && i < c->tags_add->len; i++)
		if (store_tag_add(x->tx->db, x->t->number,
		    c->tags_add->pdata[i]) != 0)
			return -1;
	for (guint i = 0; c->tags_del && i < c->tags_del->len; i++)
		if (store_tag_del(x->tx->db, x->t->number,
		    c->tags_del->pdata[i]) != 0)
			return -1;
	g_string_assign(res, "tags updated");
	return store_event_add(x->tx->db, x->t->number, x->agent->name, "tags",
	    c->arg);
}

static int
do_cc(struct agentcmd *x, const struct cmd *c, GString *res)
{
	if (guard_internal_rcpt(x->tx->cfg, c->value) ||
	    g_ascii_strcasecmp(c->value, x->tx->cfg->address) == 0 ||
	    (x->tx->cfg->queues_listed &&
	    config_queue_by_address(x->tx->cfg, c->value)))
		return fail(res, "an agent or the gateway cannot be a "
		    "participant");
	if (store_participant_add(x->tx->db, x->t->number, c->value, "",
	    "cc") != 0)
		return -1;
	g_string_printf(res, "%s follows the ticket", c->value);
	return store_event_add(x->tx->db, x->t->number, x->agent->name, "cc",
	    c->value);
}

static int
do_split(struct agentcmd *x, const struct cmd *c, GString *res)
{
	int r = ticket_split_tasks(x->tx, x->t, NULL);

	if (r < 0)
		return -1;
	if (r < 2)
		return fail(res, "the request lists no separate tasks to split");
	g_string_printf(res, "split into %d tickets", r);
	return 0;
}

/* Would merging ticket from into ticket into let an address see a ticket
 * it does not follow yet?  Every address of from (requester,
 * participants) must follow into already.  1 yes, 0 no (also when into
 * does not exist: the merge then fails by itself), -1 on a database
 * error.  Reads only: classify() asks it too (agentcmd_needs_strong). */
static int
merge_exposes(sqlite3 *db, unsigned long from, unsigned long into)
{
	struct pd_ticket b;
	int64_t n = 0;
	int r;

	if ((r = store_ticket_get(db, into, &b)) != 1)
		return r < 0 ? -1 : 0;
	r = store_addresses_outside(db, from, b.number, &n);
	store_ticket_clear(&b);
	return r < 0 ? -1 : n > 0;
}

static int
do_merge(struct agentcmd *x, const struct cmd *c, GString *res)
{
	int r;

	/* agentcmd_needs_strong (classify()) holds such mail before it runs;
	 * this keeps the rule where the commands run, whoever calls. */
	if (!x->strong && (r = merge_exposes(x->tx->db, x->t->number,
	    c->number)) != 0)
		return r < 0 ? -1 : fail(res, "this ticket's addresses do not "
		    "follow that ticket: merging needs a trusted DKIM "
		    "signature or your confirmation");
	r = ticket_merge(x->tx, x->t->number, c->number, x->agent->name);

	if (r == 1)
		return fail(res, "cannot merge: unknown ticket or the same one");
	g_string_printf(res, "merged into #%lu", c->number);
	return r;
}

/* conf/answers/LANG/NAME.txt, else conf/answers/NAME.txt. */
static char *
load_answer(const struct pd_config *cfg, const char *lang, const char *name)
{
	char *file = g_strdup_printf("%s.txt", name), *data = NULL, *p;

	p = g_build_filename(cfg->answers_dir, lang, file, NULL);
	if (!g_file_get_contents(p, &data, NULL, NULL)) {
		g_free(p);
		p = g_build_filename(cfg->answers_dir, file, NULL);
		g_file_get_contents(p, &data, NULL, NULL);
	}
	g_free(p);
	g_free(file);
	if (data && !g_utf8_validate(data, -1, NULL))
		g_clear_pointer(&data, g_free);
	if (data) {
		/* A FAQ entry's header block (Title:, Keywords:, Language:)
		 * is for the knowledge base, not for the client (faqtext.h). */
		struct faq_header h;

		faq_header_parse(data, &h);
		g_free(data);
		data = g_strdup(h.body);
		faq_header_clear(&h);
	}
	return data;
}

static int
do_answer(struct agentcmd *x, const struct cmd *c, GString *res)
{
	char *text;

	/* A name, never a path. */
	if (!g_regex_match_simple("^[A-Za-z0-9_-]{1,64}$", c->arg, 0, 0))
		return fail(res, "answer names are letters, digits, - and _");
	if (!(text = load_answer(x->tx->cfg, x->t->language, c->arg)))
		return fail(res, "no such canned answer");
	g_string_append_printf(x->answer, "%s%s", x->answer->len ? "\n" : "",
	    text);
	g_free(text);
	g_string_printf(res, "answer '%s' added", c->arg);
	return 0;
}

static int
do_due(struct agentcmd *x, const struct cmd *c, GString *res)
{
	GHashTable *vars;
	char *date, *today;
	int r;

	/* A promise on a finished ticket would never be checked (sla.h:
	 * only open tickets' dates are), and one in the past would tell the
	 * client a date already missed and the lead at once. */
	if (strcmp(x->t->status, "resolved") == 0 ||
	    strcmp(x->t->status, "closed") == 0)
		return fail(res, "the ticket is resolved: reopen it (#status "
		    "open) before promising a date");
	today = bizhours_format(x->tx->cfg->bizhours, pd_now(), "%Y-%m-%d");
	if (!c->days && strcmp(c->value, today) < 0) {
		g_string_printf(res, "%s is in the past (today is %s)",
		    c->value, today);
		g_free(today);
		return 1;
	}
	g_free(today);
	date = c->days ? sla_due_in_days(x->tx->cfg, pd_now(), c->days) :
	    g_strdup(c->value);
	if (!date)
		return fail(res, "no working day within that many days");
	vars = notify_vars_new();
	if (store_ticket_set_field(x->tx->db, x->t->number, "due",
	    date) != 0 || store_event_add(x->tx->db,
	    x->t->number, x->agent->name, "due", date) != 0) {
		g_hash_table_unref(vars);
		g_free(date);
		return -1;
	}
	g_hash_table_insert(vars, "ticket.due", g_strdup(date));
	r = notify_requester(x->tx, x->t, "due", NULL, vars, false);
	g_hash_table_unref(vars);
	g_string_printf(res, "due %s, the client is told", date);
	g_free(date);
	return r;
}

/* The queue called name, case-insensitive, or NULL. */
static const struct pd_queue *
queue_named(const struct pd_config *cfg, const char *name)
{
	for (guint i = 0; i < cfg->queues->len; i++) {
		const struct pd_queue *q = cfg->queues->pdata[i];

		if (g_ascii_strcasecmp(q->name, name) == 0)
			return q;
	}
	return NULL;
}

/* The #queue of this mail, or NULL. */
static const struct cmd *
queue_cmd(const struct agentcmd *x)
{
	for (guint i = 0; x->cmds && i < x->cmds->len; i++) {
		const struct cmd *c = x->cmds->pdata[i];

		if (c->verb == CMD_QUEUE && !c->error)
			return c;
	}
	return NULL;
}

/* A ticket opened on a client's behalf (a request by phone), in the queue
 * the mail's #queue names, else the queue the mail came to. */
static int
do_client(struct agentcmd *x, const struct cmd *c, GString *res)
{
	const struct cmd *qc = queue_cmd(x);
	const struct pd_queue *q = qc ? queue_named(x->tx->cfg, qc->value) :
	    config_queue_voice(x->tx->cfg, x->queue);
	struct pd_ticket *t;
	char *subject;
	int r;

	if (x->t)
		return fail(res, "#client opens a new ticket: send it as a new "
		    "mail, not as a reply");
	if (guard_internal_rcpt(x->tx->cfg, c->value))
		return fail(res, "the client cannot be an agent");
	if (x->tx->cfg->queues_listed &&
	    config_queue_by_address(x->tx->cfg, c->value))
		return fail(res, "the client cannot be a queue's address");
	if (!q)
		return fail(res, "no such queue");
	t = g_new0(struct pd_ticket, 1);
	subject = config_queue_strip_tokens(x->tx->cfg, x->m->subject);
	r = ticket_open(x->tx, t, g_strstrip(subject), qc ? q->name : x->queue,
	    c->value, "", config_queue_language(x->tx->cfg, q, c->value), 0,
	    NULL, x->agent->name);
	g_free(subject);
	if (r == 0) {
		GHashTable *vars = notify_vars_new();

		r = plans_ack_vars(x->tx, t, pd_now(), vars);
		if (r == 0)
			r = sla_ack_vars(x->tx, t, vars);
		if (r == 0)
			r = notify_requester(x->tx, t, "ack", NULL, vars,
			    true);
		g_hash_table_unref(vars);
	}
	x->t = t;
	x->opened = true;
	g_string_printf(res, "opened #%lu for %s", t->number, c->value);
	return r;
}

/* Moves the ticket to another queue and tells that queue's agents; with
 * #client, the new ticket was filed there already (do_client). */
static int
do_queue(struct agentcmd *x, const struct cmd *c, GString *res)
{
	const struct pd_queue *q = queue_named(x->tx->cfg, c->value);
	char *detail, *from;
	int r;

	if (!q)
		return fail(res, "no such queue");
	for (guint i = 0; !x->t && x->cmds && i < x->cmds->len; i++)
		if (((const struct cmd *)x->cmds->pdata[i])->verb ==
		    CMD_CLIENT) {
			g_string_printf(res, "#client files into queue %s",
			    q->name);
			return 0;
		}
	if (!x->t)
		return fail(res, "no ticket: reply to a mail of the ticket, or "
		    "give #client");
	if (strcmp(x->t->queue, q->name) == 0) {
		g_string_printf(res, "%s queue %s", x->opened ? "filed in" :
		    "already in", q->name);
		return 0;
	}
	detail = g_strdup_printf("%s -> %s", x->t->queue, q->name);
	if (store_ticket_set_field(x->tx->db, x->t->number, "queue",
	    q->name) != 0 || store_event_add(x->tx->db, x->t->number,
	    x->agent->name, "queue", detail) != 0) {
		g_free(detail);
		return -1;
	}
	g_free(detail);
	from = x->t->queue;
	x->t->queue = g_strdup(q->name);
	r = agentmail_queue_moved(x->tx, x->t, x->agent, from);
	g_free(from);
	g_string_printf(res, "moved to queue %s", q->name);
	return r;
}

static int
do_note(struct agentcmd *x, const struct cmd *c, GString *res)
{
	x->note = true;
	/* "#note the customer is angry": the words are the note's too. */
	if (*c->arg)
		g_string_append_printf(x->answer, "%s%s", x->answer->len ?
		    "\n" : "", c->arg);
	g_string_assign(res, "internal note");
	return 0;
}

/* "#faq Title": the answer of this mail (its text after the commands and
 * the canned answers added so far) becomes a FAQ entry linked to the
 * ticket, in the ticket's language (faq.h). */
static int
do_faq(struct agentcmd *x, const struct cmd *c, GString *res)
{
	char *text = g_strstrip(g_strdup_printf("%s%s%s", x->rest ? x->rest :
	    "", x->rest && *x->rest && x->answer->len ? "\n\n" : "",
	    x->answer->str));
	char *detail;
	int64_t id = 0;
	int r;

	/* Entries are shown to other clients: never an internal note
	 * (#note or the note address; stage_agent.c sets pending_note). */
	if (x->tx->pending_note) {
		g_free(text);
		return fail(res, "an internal note cannot become a FAQ entry: "
		    "other clients would read it");
	}
	if (!*text || g_utf8_strlen(c->value, -1) > 200) {
		g_free(text);
		return fail(res, *text ? "the title is longer than 200 "
		    "characters" : "#faq needs an answer below the commands");
	}
	r = store_faq_add(x->tx->db, x->t->number, c->value, x->t->language,
	    text, x->agent->name, &id);
	g_free(text);
	if (r != 0)
		return -1;
	detail = g_strdup_printf("#%" G_GINT64_FORMAT " %s", id, c->value);
	r = store_event_add(x->tx->db, x->t->number, x->agent->name, "faq",
	    detail);
	g_free(detail);
	g_string_printf(res, "FAQ entry #%" G_GINT64_FORMAT " '%s' added", id,
	    c->value);
	return r;
}

static const struct {
	enum cmd_verb verb;
	cmd_fn fn;
	bool needs_ticket;
} table[] = {
	{ CMD_NOTE, do_note, false },
	{ CMD_TAKE, do_take, true },
	{ CMD_ASSIGN, do_assign, true },
	{ CMD_STATUS, do_status, true },
	{ CMD_RESOLVE, do_resolve, true },
	{ CMD_CLOSE, do_resolve, true },
	{ CMD_PRIORITY, do_field, true },
	{ CMD_TYPE, do_field, true },
	{ CMD_TIME, do_time, true },
	{ CMD_TAG, do_tag, true },
	{ CMD_CC, do_cc, true },
	{ CMD_SPLIT, do_split, true },
	{ CMD_MERGE, do_merge, true },
	{ CMD_ANSWER, do_answer, true },
	{ CMD_CLIENT, do_client, false },
	{ CMD_DUE, do_due, true },
	{ CMD_QUEUE, do_queue, false },
	{ CMD_FAQ, do_faq, true },
};

/* The verbs that let another address see a ticket's content. */
static const enum cmd_verb fresh_verbs[] = { CMD_CC, CMD_CLIENT, CMD_MERGE };

static bool
needs_fresh(enum cmd_verb v)
{
	for (size_t i = 0; i < G_N_ELEMENTS(fresh_verbs); i++)
		if (fresh_verbs[i] == v)
			return true;
	return false;
}

const struct cmd *
agentcmd_needs_fresh(GPtrArray *cmds)
{
	for (guint i = 0; i < cmds->len; i++) {
		const struct cmd *c = cmds->pdata[i];

		if (!c->error && needs_fresh(c->verb))
			return c;
	}
	return NULL;
}

int
agentcmd_needs_strong(sqlite3 *db, unsigned long ticket, GPtrArray *cmds,
    const struct cmd **c_r)
{
	*c_r = NULL;
	for (guint i = 0; ticket && i < cmds->len; i++) {
		const struct cmd *c = cmds->pdata[i];
		int r;

		if (c->error || c->verb != CMD_MERGE)
			continue;
		if ((r = merge_exposes(db, ticket, c->number)) != 0) {
			*c_r = c;
			return r;
		}
	}
	return 0;
}

static int
run_one(struct agentcmd *x, const struct cmd *c, GString *res)
{
	if (c->error)
		return fail(res, c->error);
	/* stage_agent holds such mail before running it; this keeps the
	 * rule where the commands run, whoever calls. */
	if (needs_fresh(c->verb) && !x->fresh)
		return fail(res, "this command lets another address see the "
		    "ticket and needs a fresh proof that you sent it");
	for (size_t i = 0; i < G_N_ELEMENTS(table); i++) {
		if (table[i].verb != c->verb)
			continue;
		if (table[i].needs_ticket && !x->t)
			return fail(res, "no ticket: reply to a mail of the "
			    "ticket");
		return table[i].fn(x, c, res);
	}
	return fail(res, "unknown command");
}

int
agentcmd_run(struct agentcmd *x, GPtrArray *cmds)
{
	GString *res = g_string_new(NULL);
	int r = 0;

	x->cmds = cmds;
	for (guint i = 0; i < cmds->len; i++) {
		const struct cmd *c = cmds->pdata[i];

		g_string_truncate(res, 0);
		r = run_one(x, c, res);
		g_string_append_printf(x->transcript, "%s\n    -> %s: %s\n",
		    c->line, r == 0 ? "ok" : r > 0 ? "FAILED" : "error",
		    res->len ? res->str : "done");
		log_info("ticket=%lu stage=commands event=%s command=%s "
		    "agent=\"%s\"", x->t ? x->t->number : 0, r == 0 ? "ok" :
		    "failed", c->word, x->agent->name);
		if (r != 0) {
			for (guint j = i + 1; j < cmds->len; j++)
				g_string_append_printf(x->transcript,
				    "%s\n    -> not run\n",
				    ((const struct cmd *)cmds->pdata[j])->line);
			break;
		}
	}
	g_string_free(res, TRUE);
	x->cmds = NULL;
	return r;
}
