/* unit_ticket.c: the ticket lifecycle (daemon/ticket.h, postdeskd(8) Threading; postdeskd(8) Tickets) and
 * threading (daemon/thread.h) without servers: statuses and what the
 * requester is told, reopen, merge, split of a message and of tasks,
 * ratings, autoclose (a scheduler job) and which ticket a mail threads
 * into.  Assertions on outbox rows and tickets (tests/fixture.h). */
#include <time.h>
#include "fixture.h"
#include "scheduler.h"
#include "tap.h"
#include "thread.h"
#include "ticket.h"

static unsigned long
open_ticket(struct fixture *fx, struct tx *tx, const char *requester,
    const char *subject)
{
	struct pd_ticket t;
	unsigned long n = 0;

	if (ticket_open(tx, &t, subject, "support", requester, "", "en", 0,
	    NULL, "") == 0)
		n = t.number;
	store_ticket_clear(&t);
	return n;
}

static void
test_status(struct fixture *fx, struct tx *tx)
{
	unsigned long a = open_ticket(fx, tx, "ann@client.test", "Printer");
	GPtrArray *rows;
	char *s;

	ok(a >= 1000, "open: #%lu", a);
	ok(ticket_set_status(tx, a, "resolved", "agent", "done") == 0,
	    "status: resolved");
	ok(ticket_set_status(tx, a, "resolved", "agent", "") == 1,
	    "status: the same again is 1 (no change)");
	ok(ticket_set_status(tx, a, "bogus", "agent", "") == 1,
	    "status: an invalid status is 1");
	ok(ticket_set_status(tx, 99999, "open", "agent", "") == 1,
	    "status: an unknown ticket is 1");
	rows = fx_outbox(fx);
	ok(rows->len == 1 && fx_find(rows, "status_resolved",
	    "ann@client.test"), "status: the requester is told once");
	g_ptr_array_unref(rows);
	ok(tx->queued, "status: the tx knows mail was queued");
	ok(ticket_reopen(tx, a, "ann@client.test", "again") == 0,
	    "reopen: done");
	s = fx_ticket_col(fx, a, "reopens");
	ok(strcmp(s, "1") == 0, "reopen: counted (%s)", s);
	g_free(s);
	rows = fx_outbox(fx);
	ok(fx_find(rows, "status_reopened", "ann@client.test") != NULL,
	    "reopen: the requester is told");
	g_ptr_array_unref(rows);
	ok(ticket_set_rating(tx, a, 5, "ann@client.test") == 0, "rating");
	s = fx_ticket_col(fx, a, "rating");
	ok(strcmp(s, "5") == 0, "rating: stored (%s)", s);
	g_free(s);
	ok(ticket_set_field(tx, a, "priority", "urgent", "agent") == 0 &&
	    ticket_set_field(tx, a, "priority", "sky-high", "agent") == 1,
	    "field: valid priority set, invalid one refused");
}

static void
test_merge_split(struct fixture *fx, struct tx *tx)
{
	unsigned long a = open_ticket(fx, tx, "ann@client.test", "One");
	unsigned long b = open_ticket(fx, tx, "bob@client.test", "Two");
	unsigned long num = 0;
	GPtrArray *rows;
	char *raw, *s;
	struct pd_ticket t;
	int64_t id;

	g_ptr_array_unref(fx_outbox(fx));
	ok(ticket_merge(tx, a, a, "agent") == 1, "merge: into itself is 1");
	ok(ticket_merge(tx, b, a, "agent") == 0, "merge: #%lu into #%lu", b,
	    a);
	s = fx_ticket_col(fx, b, "merged_into");
	ok(strtoul(s, NULL, 10) == a, "merge: points to the survivor");
	g_free(s);
	rows = fx_outbox(fx);
	ok(fx_find(rows, "merged", "bob@client.test") != NULL,
	    "merge: the merged ticket's requester is told");
	g_ptr_array_unref(rows);
	ok(store_is_participant(fx->db, a, "bob@client.test") == 1,
	    "merge: its requester follows the survivor");

	/* Split: a message moves to a new ticket, linked. */
	raw = fx_mail("From: ann@client.test\nSubject: [ACME#1] another "
	    "thing\n", "text");
	{
		struct pd_msg *m = fx_parse(fx, raw);
		struct pd_stored st = { .ticket = a, .direction = "in",
			.kind = "client", .hash = "h", .raw = raw,
			.raw_len = strlen(raw) };

		id = store_message_add(fx->db, m, &st);
		msg_free(&m);
	}
	ok(ticket_split_message(tx, id, "agent", &num) == 0 && num > b,
	    "split: message moved to #%lu", num);
	ok(store_message_in_ticket(fx->db, id, num) == 1,
	    "split: the message is in the new ticket");
	ok(ticket_split_message(tx, 999999, "agent", &num) == 1,
	    "split: an unknown message is 1");
	rows = fx_outbox(fx);
	ok(fx_find(rows, "split_done", "ann@client.test") != NULL,
	    "split: the requester learns the new number");
	g_ptr_array_unref(rows);
	g_free(raw);

	/* Tasks: the first stays, each other gets a ticket. */
	store_task_add(fx->db, a, 1, "Fix the printer");
	store_task_add(fx->db, a, 2, "Reset my password");
	ok(store_ticket_get(fx->db, a, &t) == 1 &&
	    ticket_split_tasks(tx, &t, NULL) == 2, "tasks: two split");
	store_ticket_clear(&t);
	rows = fx_outbox(fx);
	ok(fx_find(rows, "split_done", "ann@client.test") != NULL,
	    "tasks: one mail with the numbers");
	g_ptr_array_unref(rows);
}

static void
test_autoclose(struct fixture *fx)
{
	struct tx tx = { .db = fx->db, .cfg = fx->cfg };
	unsigned long a = open_ticket(fx, &tx, "carl@client.test", "Old");
	int64_t *last = g_new0(int64_t, scheduler_njobs);
	int64_t now = (int64_t)time(NULL);
	bool queued = false;
	GPtrArray *rows;
	char *s;

	ticket_set_status(&tx, a, "resolved", "agent", "");
	g_ptr_array_unref(fx_outbox(fx));
	ok(ticket_autoclose(&tx, now) == 0, "autoclose: not yet");
	ok(scheduler_tick(fx->db, fx->cfg, last, now + (int64_t)
	    fx->cfg->autoclose_days * 86400 + 1, &queued) >= 1 && queued,
	    "autoclose: the scheduler's job closes it, in its own "
	    "transaction");
	s = fx_ticket_col(fx, a, "status");
	ok(strcmp(s, "closed") == 0, "autoclose: closed (%s)", s);
	g_free(s);
	rows = fx_outbox(fx);
	ok(fx_find(rows, "status_closed", "carl@client.test") != NULL,
	    "autoclose: the requester is told");
	g_ptr_array_unref(rows);
	g_free(last);
}

static void
test_thread(struct fixture *fx, struct tx *tx)
{
	unsigned long a = open_ticket(fx, tx, "dora@client.test", "Mail");
	struct thread_result tr;
	char *raw, *h;
	struct pd_msg *m;

	h = g_strdup_printf("From: dora@client.test\nSubject: Re: [ACME#%lu] "
	    "Mail\n", a);
	raw = fx_mail(h, "x");
	m = fx_parse(fx, raw);
	ok(thread_decide(fx->db, fx->cfg, m, &tr) == 0 &&
	    tr.how == THREAD_JOIN && tr.ticket == a && strcmp(tr.by,
	    "token") == 0, "thread: the requester's token joins");
	msg_free(&m);
	g_free(raw);
	g_free(h);
	h = g_strdup_printf("From: eve@evil.test\nSubject: [ACME#%lu]\n", a);
	raw = fx_mail(h, "x");
	m = fx_parse(fx, raw);
	ok(thread_decide(fx->db, fx->cfg, m, &tr) == 0 &&
	    tr.how == THREAD_NEW && tr.mentioned == a,
	    "thread: a stranger's token opens a new ticket, mentioned");
	msg_free(&m);
	g_free(raw);
	g_free(h);
	raw = fx_mail("From: dora@client.test\nSubject: hello\n", "x");
	m = fx_parse(fx, raw);
	ok(thread_decide(fx->db, fx->cfg, m, &tr) == 0 &&
	    tr.how == THREAD_NEW && tr.mentioned == 0,
	    "thread: nothing known is new");
	msg_free(&m);
	g_free(raw);
}

int
main(void)
{
	struct fixture fx;
	struct tx tx;

	g_mime_init();
	if (!ok(fx_open(&fx, "", "") == 0, "fixture opens"))
		return tap_done();
	tx = (struct tx){ .db = fx.db, .cfg = fx.cfg };
	test_status(&fx, &tx);
	test_merge_split(&fx, &tx);
	test_autoclose(&fx);
	test_thread(&fx, &tx);
	fx_close(&fx);
	g_mime_shutdown();
	return tap_done();
}
