/* unit_notify.c: notify.c is the one writer of outgoing mail, with the
 * leak guard and the flood caps as hooks beneath it (tests/fixture.h, no
 * servers): a template to a client that would carry a note's words is not
 * queued; the same mail to an agent is; automatic mail past the address
 * cap is not queued and the admin is told once; a relayed answer is never
 * capped; every row that is queued sets tx.queued. */
#include "fixture.h"
#include "notify.h"
#include "store_notes.h"
#include "tap.h"

static const char secret[] = "the router admin password is hunter2 "
    "and the vpn key sits in the blue drawer";

int
main(void)
{
	struct fixture fx;
	struct tx tx;
	struct pd_ticket t;
	struct pd_msg *m;
	GHashTable *vars;
	GPtrArray *rows;
	struct pd_stored st = { .direction = "in", .kind = "note",
		.hash = "n" };
	struct compose_req q = { 0 };
	char *raw;
	int64_t id;
	int r;

	g_mime_init();
	if (!ok(fx_open(&fx, "", "floods = { address_per_hour = 2; };\n") ==
	    0, "fixture opens"))
		return tap_done();
	tx = (struct tx){ .db = fx.db, .cfg = fx.cfg };
	memset(&t, 0, sizeof t);
	t.subject = g_strdup("Router");
	t.queue = g_strdup("support");
	t.requester = g_strdup("ann@client.test");
	t.requester_name = g_strdup("Ann");
	t.language = g_strdup("en");
	store_ticket_create(fx.db, &t, 1000, "example.test", "");

	/* A note on the ticket, indexed as stage_agent does. */
	raw = fx_mail("From: " FX_AGENT2 "\nSubject: note\n", secret);
	m = fx_parse(&fx, raw);
	st.ticket = t.number;
	st.body = secret;
	id = store_message_add(fx.db, m, &st);
	ok(id > 0 && leakindex_note(fx.db, id, secret, NULL) == 0,
	    "a note is stored and indexed");
	msg_free(&m);
	g_free(raw);

	/* Leak hook: "due" carries a value of our choosing into the mail. */
	vars = notify_vars_new();
	g_hash_table_insert(vars, "ticket.due", g_strdup(secret));
	r = notify_requester(&tx, &t, "due", NULL, vars, false);
	rows = fx_outbox(&fx);
	ok(r == 0 && rows->len == 0 && !tx.queued,
	    "leak hook: a template quoting the note is not queued for the "
	    "client (%u rows)", rows->len);
	g_ptr_array_unref(rows);
	{
		struct notify_mail nm = { .name = "due", .rcpt = FX_AGENT1,
			.rcpt_name = "Olga", .vars = vars };

		r = notify_send(&tx, &t, &nm);
	}
	rows = fx_outbox(&fx);
	ok(r == 0 && fx_find(rows, "due", FX_AGENT1) && tx.queued,
	    "leak hook: the same mail to an agent is queued");
	g_ptr_array_unref(rows);
	g_hash_table_unref(vars);

	/* Flood hook: address_per_hour = 2. */
	tx.queued = false;
	for (int i = 0; i < 3; i++)
		notify_requester(&tx, &t, "status_waiting", NULL, NULL, false);
	rows = fx_outbox(&fx);
	ok(rows->len == 3 && fx_find(rows, "flood_guard", FX_ADMIN),
	    "flood hook: two mails to the client, the third capped, the admin "
	    "told (%u rows)", rows->len);
	g_ptr_array_unref(rows);
	notify_requester(&tx, &t, "status_waiting", NULL, NULL, false);
	rows = fx_outbox(&fx);
	ok(rows->len == 0, "flood hook: the admin is told once a day");
	g_ptr_array_unref(rows);

	/* A relayed answer is an agent's own mail: never capped. */
	q.cfg = fx.cfg;
	q.ticket = &t;
	q.subject = "Re: Router";
	q.body = "Please restart it.";
	q.auto_submitted = "no";
	r = notify_answer(&tx, &t, &q, "ann@client.test", "Ann");
	rows = fx_outbox(&fx);
	ok(r == 0 && fx_find(rows, "answer", "ann@client.test"),
	    "answer: relayed past the cap");
	g_ptr_array_unref(rows);
	q.body = secret;
	r = notify_answer(&tx, &t, &q, "ann@client.test", "Ann");
	rows = fx_outbox(&fx);
	ok(r == 0 && rows->len == 0,
	    "answer: one quoting the note is stopped beneath notify too");
	g_ptr_array_unref(rows);
	store_ticket_clear(&t);
	fx_close(&fx);
	g_mime_shutdown();
	return tap_done();
}
