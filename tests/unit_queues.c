/* unit_queues.c: queues with their own voice (config.h, postdesk.conf(5)
 * "QUEUES") on the fixture's in-memory gateway (tests/fixture.h): which
 * queue's voice a ticket speaks with, the queue mail to one of its
 * addresses files into, its From, envelope, tag, language and signature
 * on what notify.c queues, the agents told, threading by any queue's tag,
 * a client organisation's language, and without a `queues` list the
 * gateway's own identity as before. */
#include "fixture.h"
#include "agentmail.h"
#include "clock.h"
#include "notify.h"
#include "plans.h"
#include "tap.h"

#define QUEUES \
	"queues = (\n" \
	"  { name = \"support\"; addresses = \"support@example.test\";\n" \
	"    display_name = \"ACME Support\"; tag = \"ACME\";\n" \
	"    agents = [ \"John Smith\" ]; },\n" \
	"  { name = \"billing\"; addresses = [ \"billing@example.test\",\n" \
	"    \"invoices@example.test\" ]; display_name = \"ACME Billing\";\n" \
	"    tag = \"bill\"; language = \"ru\";\n" \
	"    signature = \"Отдел расчётов ACME\";\n" \
	"    agents = [ \"Olga Ivanova\" ]; lead = \"Olga Ivanova\"; }\n" \
	");\n" \
	"clients = ( { name = \"Ru\"; domains = \"ru.test\"; language = " \
	"\"ru\"; } );\n"

static char *
mail_to(const char *from, const char *to, const char *subject,
    const char *body)
{
	static unsigned n;

	return g_strdup_printf("From: %s\nTo: %s\nSubject: %s\nMessage-ID: "
	    "<q.%u.%u@client.test>\nDate: Mon, 30 Nov 2026 08:00:00 +0000\n\n"
	    "%s\n", from, to, subject, ++n, g_random_int(), body);
}

/* is_str on ticket num's queue. */
static void
queue_is(struct fixture *fx, unsigned long num, const char *want,
    const char *name)
{
	char *q = fx_ticket_col(fx, num, "queue");

	is_str(q, want, name);
	g_free(q);
}

static bool
has(const char *hay, const char *needle)
{
	return hay && strstr(hay, needle) != NULL;
}

static void
test_lookup(struct fixture *fx)
{
	const struct pd_config *cfg = fx->cfg;
	const struct pd_queue *b = config_queue(cfg, "billing");
	const struct pd_agent *olga = config_agent_by_address(cfg, FX_AGENT1);
	const struct pd_agent *john = config_agent_by_address(cfg, FX_AGENT2);
	char *note;

	ok(b && config_queue_voice(cfg, "billing") == b, "voice: billing's own");
	ok(strcmp(config_queue_voice(cfg, "gone")->name, "support") == 0 &&
	    strcmp(config_queue_voice(cfg, NULL)->name, "support") == 0,
	    "voice: an unknown queue or none speaks as the default queue");
	ok(config_queue_by_address(cfg, "Invoices+x@EXAMPLE.test") == b,
	    "by address: any address, case and +detail ignored");
	ok(config_queue_by_address(cfg, "billing@other.test") == NULL,
	    "by address: another domain is no queue's");
	ok(b && strcmp(b->tag, "BILL") == 0 && strcmp(config_queue_from(cfg,
	    b), "billing@example.test") == 0, "tag upper-cased, From the "
	    "first address");
	ok(config_queue_tag_known(cfg, "bill") &&
	    config_queue_tag_known(cfg, "ACME") &&
	    !config_queue_tag_known(cfg, "OTHER"), "tags: every queue's known");
	ok(b && config_queue_serves(b, olga) && !config_queue_serves(b, john),
	    "serves: billing's agents");
	note = b ? config_queue_note_address(cfg, b) : NULL;
	is_str(note, "billing+note@example.test", "note address of billing");
	ok(config_is_note_address(cfg, "invoices+note@example.test") &&
	    config_is_note_address(cfg, "support+note@example.test") &&
	    !config_is_note_address(cfg, "billing@example.test"),
	    "note addresses: local+note@domain of every queue address");
	g_free(note);
}

/* The ack of a new request written to billing@ in English. */
static unsigned long
test_billing_ack(struct fixture *fx)
{
	char *raw = mail_to("Dan <dan@client.test>", "billing@example.test",
	    "Invoice charged twice", "My card was charged twice.");
	unsigned long n = 0;
	GPtrArray *rows;
	const struct fx_row *ack, *olga;

	ok(fx_deliver(fx, raw, &n) == PIPE_STORED && n == 1000,
	    "billing: a ticket");
	g_free(raw);
	queue_is(fx, n, "billing",
	    "billing: filed into billing by its address");
	rows = fx_outbox(fx);
	ack = fx_find(rows, "ack", "dan@client.test");
	olga = fx_find(rows, "agent_message", FX_AGENT1);
	if (ok(ack != NULL, "billing: ack queued")) {
		ok(has(ack->data, "From: ACME Billing <billing@example.test>"),
		    "billing: ack From billing@");
		ok(has(ack->subject, "[BILL#1000]"), "billing: ack tag BILL");
		ok(has(ack->data, "X-Postdesk-Ticket: BILL#1000"),
		    "billing: X-Postdesk-Ticket");
		ok(has(ack->text, "Спасибо") && has(ack->text,
		    "billing@example.test") && !has(ack->text,
		    "support@example.test"), "billing: ack in Russian, write "
		    "to billing@");
		ok(has(ack->text, "-- \nОтдел расчётов ACME"),
		    "billing: ack signed");
		is_str(ack->env_from, "", "billing: ack null envelope");
	}
	ok(olga && has(olga->data, "<billing@example.test>") &&
	    !has(olga->text, "Отдел расчётов"), "billing: Olga told from "
	    "billing@, unsigned");
	ok(!fx_find(rows, "agent_message", FX_AGENT2),
	    "billing: John (support) not told");
	g_ptr_array_unref(rows);
	return n;
}

static void
test_followups(struct fixture *fx, unsigned long n)
{
	char *raw = mail_to("Dan <dan@client.test>", "support@example.test",
	    "[BILL#1000] and another thing", "The PDF too, please.");
	unsigned long got = 0;
	struct tx tx = { .db = fx->db, .cfg = fx->cfg };
	struct pd_ticket t;
	struct compose_req q = { .cfg = fx->cfg, .subject = "Re: Invoice",
		.body = "Refunded.", .auto_submitted = "no" };
	GPtrArray *rows;
	const struct fx_row *r;

	ok(fx_deliver(fx, raw, &got) == PIPE_STORED && got == n,
	    "token: [BILL#N] threads into the ticket (%lu)", got);
	queue_is(fx, n, "billing",
	    "token: the ticket stays in billing");
	g_free(raw);
	g_ptr_array_unref(fx_outbox(fx));
	if (store_ticket_get(fx->db, n, &t) != 1) {
		ok(0, "answer: ticket read");
		return;
	}
	q.ticket = &t;
	ok(notify_answer(&tx, &t, &q, "dan@client.test", "Dan") == 0,
	    "answer: queued");
	rows = fx_outbox(fx);
	r = fx_find(rows, "answer", "dan@client.test");
	/* The queue's address, with the mail's id for its bounce
	 * (verp.h). */
	ok(r && g_str_has_prefix(r->env_from, "billing+bounce-") &&
	    g_str_has_suffix(r->env_from, "@example.test") &&
	    has(r->data, "<billing@example.test>") && has(r->text,
	    "Отдел расчётов"), "answer: from billing@, its envelope, signed");
	g_ptr_array_unref(rows);
	ok(agentmail_note(&tx, &t, config_agent_by_address(fx->cfg,
	    FX_AGENT2), "Refund approved by finance.", NULL) == 0,
	    "note: queued");
	rows = fx_outbox(fx);
	r = fx_find(rows, "agent_note", FX_AGENT1);
	ok(r && has(r->data, "Reply-To: billing+note@example.test"),
	    "note: Reply-To is billing's note address");
	g_ptr_array_unref(rows);
	ok(notify_leads(&tx, &t, "lead_reopen_limit", NULL) == 0,
	    "leads: queued");
	rows = fx_outbox(fx);
	ok(fx_find(rows, "lead_reopen_limit", FX_AGENT1) && rows->len == 1,
	    "leads: billing's lead");
	g_ptr_array_unref(rows);
	store_ticket_clear(&t);
}

static void
test_support_and_client(struct fixture *fx)
{
	char *raw = mail_to("Ann <ann@client.test>", "support@example.test",
	    "Printer", "It is offline.");
	unsigned long n = 0;
	GPtrArray *rows;
	const struct fx_row *ack;

	ok(fx_deliver(fx, raw, &n) == PIPE_STORED, "support: a ticket");
	g_free(raw);
	queue_is(fx, n, "support", "support: in support");
	rows = fx_outbox(fx);
	ack = fx_find(rows, "ack", "ann@client.test");
	ok(ack && has(ack->data, "From: ACME Support <support@example.test>") &&
	    has(ack->subject, "[ACME#") && has(ack->text, "Thank you") &&
	    !has(ack->text, "Отдел"), "support: ack in support's voice");
	ok(fx_find(rows, "agent_message", FX_AGENT2) &&
	    !fx_find(rows, "agent_message", FX_AGENT1),
	    "support: John told, not Olga");
	g_ptr_array_unref(rows);

	raw = mail_to("Ivan <ivan@ru.test>", "support@example.test", "Printer",
	    "It is offline.");
	ok(fx_deliver(fx, raw, &n) == PIPE_STORED, "client language: ticket");
	g_free(raw);
	rows = fx_outbox(fx);
	ack = fx_find(rows, "ack", "ivan@ru.test");
	ok(ack && has(ack->text, "Спасибо"),
	    "client language: an English mail of a Russian client, ack in "
	    "Russian");
	g_ptr_array_unref(rows);
}

/* Without a `queues` list: the gateway's identity, as before. */
static void
test_no_list(void)
{
	struct fixture fx;
	const struct pd_queue *q;

	if (!ok(fx_open(&fx, "", "") == 0, "no list: fixture opens"))
		return;
	q = config_queue_voice(fx.cfg, "support");
	ok(!fx.cfg->queues_listed && q == config_queue_voice(fx.cfg, "sales") &&
	    strcmp(q->display_name, "ACME Support") == 0 &&
	    strcmp(config_queue_from(fx.cfg, q), "support@example.test") == 0 &&
	    strcmp(q->tag, "ACME") == 0 && !q->signature,
	    "no list: one default queue with the gateway's identity");
	fx_close(&fx);
}

/* A rule's reject of mail to billing@ answers as billing: its From and
 * address in the text, never support@'s; its signature. */
static void
test_reject_voice(void)
{
	struct fixture fx;
	char *raw;
	unsigned long n = 0;
	GPtrArray *rows;
	const struct fx_row *rej;

	if (!ok(fx_open(&fx, "", QUEUES "rules = ( { name = \"promo\"; "
	    "from = \"@promo\\\\.test$\"; reject = \"reject\"; } );\n") == 0,
	    "reject: fixture with a reject rule opens"))
		return;
	raw = mail_to("Pete <pete@promo.test>", "billing@example.test",
	    "Cheap invoices", "Buy our invoicing software.");
	ok(fx_deliver(&fx, raw, &n) == PIPE_STORED && n == 0,
	    "reject: no ticket");
	g_free(raw);
	rows = fx_outbox(&fx);
	rej = fx_find(rows, "reject", "pete@promo.test");
	if (ok(rej != NULL, "reject: answered")) {
		ok(has(rej->data, "From: ACME Billing <billing@example.test>"),
		    "reject: From billing@");
		ok(has(rej->text, "billing@example.test") &&
		    !has(rej->text, "support@example.test") &&
		    !has(rej->text, "ACME Support"),
		    "reject: the text names billing, not support");
		ok(has(rej->text, "-- \nОтдел расчётов ACME"),
		    "reject: billing's signature");
		is_str(rej->env_from, "", "reject: null envelope");
	}
	g_ptr_array_unref(rows);
	raw = mail_to("Pete <pete@promo.test>", "support@example.test",
	    "Cheap printers", "Buy our printers.");
	ok(fx_deliver(&fx, raw, &n) == PIPE_STORED, "reject: to support@");
	g_free(raw);
	rows = fx_outbox(&fx);
	rej = fx_find(rows, "reject", "pete@promo.test");
	ok(rej && has(rej->data, "From: ACME Support <support@example.test>")
	    && !has(rej->text, "billing@") && !has(rej->text, "Отдел"),
	    "reject: mail to support@ answered as support");
	g_ptr_array_unref(rows);
	fx_close(&fx);
}

/* A queue whose address has a +detail (one mailbox, plus-addressed):
 * mail written to it files into it, and mail from it is our own, never a
 * request that is acknowledged back to ourselves. */
static void
test_plus_address(void)
{
	struct fixture fx;
	char *raw;
	unsigned long n = 0;
	GPtrArray *rows;

	if (!ok(fx_open(&fx, "", "queues = ( { name = \"support\"; "
	    "addresses = \"support@example.test\"; },\n  { name = "
	    "\"billing\"; addresses = \"desk+billing@example.test\"; "
	    "tag = \"BILL\"; } );\n") == 0, "plus address: fixture opens"))
		return;
	ok(config_queue_by_address(fx.cfg, "Desk+Billing@example.test") ==
	    config_queue(fx.cfg, "billing"), "plus address: found by it");
	raw = mail_to("Dan <dan@client.test>", "desk+billing@example.test",
	    "Charged twice", "My card.");
	ok(fx_deliver(&fx, raw, &n) == PIPE_STORED && n, "plus address: "
	    "a ticket");
	g_free(raw);
	queue_is(&fx, n, "billing", "plus address: filed into billing");
	g_ptr_array_unref(fx_outbox(&fx));
	raw = mail_to("desk+billing@example.test", "support@example.test",
	    "Your ticket", "Looping back.");
	n = 0;
	ok(fx_deliver(&fx, raw, &n) == PIPE_STORED && n == 0,
	    "plus address: mail from it opens no ticket");
	g_free(raw);
	rows = fx_outbox(&fx);
	ok(!fx_find(rows, "ack", "desk+billing@example.test"),
	    "plus address: no ack to our own address");
	g_ptr_array_unref(rows);
	fx_close(&fx);
	/* The gateway's own address in no queue: still ours, +detail and
	 * all. */
	if (!ok(fx_open(&fx, "", "queues = ( { name = \"help\"; addresses "
	    "= \"help@example.test\"; } );\n") == 0,
	    "gateway address: fixture opens"))
		return;
	raw = mail_to("support+x@example.test", "help@example.test",
	    "Your ticket", "Looping back.");
	n = 0;
	ok(fx_deliver(&fx, raw, &n) == PIPE_STORED && n == 0,
	    "gateway address: mail from support+x@ opens no ticket");
	g_free(raw);
	rows = fx_outbox(&fx);
	ok(rows->len == 0, "gateway address: nothing sent");
	g_ptr_array_unref(rows);
	fx_close(&fx);
}

/* A client organisation whose requests go to billing@ hears of its plan
 * from billing@, not from the gateway's support@. */
static void
test_plan_voice(void)
{
	struct fixture fx;
	struct tx tx;
	char *raw;
	unsigned long n = 0;
	GPtrArray *rows;
	const struct fx_row *w;

	if (!ok(fx_open(&fx, "", "queues = (\n"
	    "  { name = \"support\"; addresses = \"support@example.test\";\n"
	    "    display_name = \"ACME Support\"; },\n"
	    "  { name = \"billing\"; addresses = \"billing@example.test\";\n"
	    "    display_name = \"ACME Billing\"; tag = \"BILL\"; } );\n"
	    "plans = ( { name = \"P\"; hours = 1; warn_at = [ 50 ]; } );\n"
	    "clients = ( { name = \"Acme\"; domains = \"acme.test\"; "
	    "plan = \"P\"; } );\n") == 0, "plan: fixture opens"))
		return;
	raw = mail_to("Dan <dan@acme.test>", "billing@example.test",
	    "Invoice", "Charged twice.");
	ok(fx_deliver(&fx, raw, &n) == PIPE_STORED && n, "plan: a ticket");
	g_free(raw);
	queue_is(&fx, n, "billing", "plan: in billing");
	g_ptr_array_unref(fx_outbox(&fx));
	tx = (struct tx){ .db = fx.db, .cfg = fx.cfg };
	ok(store_time_add(fx.db, n, "Olga Ivanova", 40, true) == 0 &&
	    plans_check(&tx, "Acme", pd_now()) == 0, "plan: 40 of 60 "
	    "minutes used, checked");
	rows = fx_outbox(&fx);
	w = fx_find(rows, "plan_warning", "dan@acme.test");
	ok(w && has(w->data, "From: ACME Billing <billing@example.test>") &&
	    !has(w->text, "support@example.test") &&
	    !has(w->text, "ACME Support") && has(w->text, "ACME Billing") &&
	    !has(w->subject, "ACME Support"),
	    "plan: the warning comes from billing@");
	g_ptr_array_unref(rows);
	fx_close(&fx);
}

int
main(void)
{
	struct fixture fx;
	unsigned long n;

	g_mime_init();
	test_no_list();
	test_reject_voice();
	test_plus_address();
	test_plan_voice();
	if (!ok(fx_open(&fx, "", QUEUES) == 0, "fixture with queues opens"))
		return tap_done();
	test_lookup(&fx);
	n = test_billing_ack(&fx);
	if (n)
		test_followups(&fx, n);
	test_support_and_client(&fx);
	fx_close(&fx);
	g_mime_shutdown();
	return tap_done();
}
