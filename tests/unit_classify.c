/* unit_classify.c: classify() decides without writing, and the stage
 * table applies its verdict; asserted on the outbox rows, on an in-memory
 * database, without Dovecot or SMTP (tests/fixture.h).  Tickets: a new
 * request, a follow-up by the token and by a reply, several tickets, a
 * stranger with a token, automated mail, an unproven agent (held, then
 * released through the same path), an agent's answer relayed, a note that
 * never reaches the client, a #merge a reply proof does not cover, a
 * repeat. */
#define _GNU_SOURCE
#include "fixture.h"
#include "tap.h"

/* classify() before ok() reads the verdict (arguments are evaluated in
 * no fixed order); a failure leaves an empty verdict of kind -1. */
static void
cl(struct fixture *fx, const char *raw, struct verdict *v)
{
	if (fx_classify(fx, raw, v) != 0) {
		verdict_clear(v);
		v->kind = (enum verdict_kind)-1;
		v->reasons = g_string_new("classify failed");
	}
}

static int64_t
count(struct fixture *fx, const char *sql)
{
	int64_t n = -1;

	db_int(fx->db, &n, sql, "");
	return n;
}

/* The signed Message-ID of the first row of kind in rows (g_malloc'd). */
static char *
msgid_of(const struct fx_row *r)
{
	const char *p = r ? strcasestr(r->data, "\nMessage-ID: <") : NULL;
	const char *e = p ? strchr(p, '>') : NULL;

	return e ? g_strndup(p + 14, e - p - 14) : g_strdup("");
}

static void
test_classify_writes_nothing(struct fixture *fx)
{
	struct verdict v;
	char *raw = fx_mail("From: Ann <ann@client.test>\nSubject: Printer\n",
	    "The printer is broken.");
	int64_t before = count(fx, "SELECT total_changes()");

	cl(fx, raw, &v);
	ok(v.kind == VERDICT_NEW,
	    "classify: a new request is new (%s; %s)", verdict_name(v.kind),
	    v.reasons->str);
	ok(strcmp(v.queue, PD_DEFAULT_QUEUE) == 0,
	    "classify: a source without a queue gets the default queue");
	ok(count(fx, "SELECT total_changes()") == before &&
	    count(fx, "SELECT COUNT(*) FROM tickets") == 0,
	    "classify: writes nothing");
	verdict_clear(&v);
	g_free(raw);
}

static void
test_new_and_followups(struct fixture *fx)
{
	char *raw = fx_mail("From: Ann <ann@client.test>\nSubject: Printer\n",
	    "The printer is broken.");
	unsigned long t = 0, t2 = 0;
	GPtrArray *rows;
	const struct fx_row *ack;
	char *id, *status;
	struct verdict v;

	ok(fx_deliver(fx, raw, &t) == PIPE_STORED && t >= 1000,
	    "new: stored in a new ticket (#%lu)", t);
	rows = fx_outbox(fx);
	ack = fx_find(rows, "ack", "ann@client.test");
	ok(ack != NULL, "new: the requester gets an acknowledgement");
	ok(ack && *ack->env_from == '\0',
	    "new: the acknowledgement has a null envelope sender");
	ok(ack && strstr(ack->data, "[ACME#") != NULL,
	    "new: the acknowledgement names the ticket");
	ok(fx_find(rows, "agent_message", FX_AGENT1) &&
	    fx_find(rows, "agent_message", FX_AGENT2),
	    "new: both agents are told");
	id = msgid_of(ack);
	g_ptr_array_unref(rows);
	g_free(raw);

	/* A reply to the acknowledgement joins. */
	raw = g_strdup_printf("From: ann@client.test\nSubject: Re: Printer\n"
	    "In-Reply-To: <%s>\nTo: support@example.test\n"
	    "Message-ID: <f1@client.test>\n\nStill broken.\n", id);
	cl(fx, raw, &v);
	ok(v.kind == VERDICT_FOLLOWUP &&
	    v.ticket == t, "follow-up: classify says follow-up of #%lu (%s)",
	    t, v.reasons->str);
	verdict_clear(&v);
	ok(fx_deliver(fx, raw, &t2) == PIPE_STORED && t2 == t,
	    "follow-up: joins #%lu", t);
	rows = fx_outbox(fx);
	ok(!fx_find(rows, "ack", NULL), "follow-up: no acknowledgement");
	ok(fx_find(rows, "agent_message", FX_AGENT1) != NULL,
	    "follow-up: the agents are told");
	g_ptr_array_unref(rows);
	ok(fx_deliver(fx, raw, NULL) == PIPE_DUPLICATE,
	    "follow-up: the same mail again is a duplicate");
	g_free(raw);

	/* Resolved, then a follow-up reopens (postdeskd(8) Tickets). */
	db_exec(fx->db, "UPDATE tickets SET status = 'resolved', "
	    "resolved_at = strftime('%s') WHERE number = ?", "u", t);
	raw = g_strdup_printf("From: ann@client.test\nSubject: Re: [ACME#%lu] "
	    "Printer\nTo: support@example.test\nMessage-ID: <f2@client.test>"
	    "\n\nIt broke again today, the same error as before.\n", t);
	ok(fx_deliver(fx, raw, NULL) == PIPE_STORED, "reopen: stored");
	status = fx_ticket_col(fx, t, "status");
	ok(strcmp(status, "open") == 0, "reopen: the ticket is open (%s)",
	    status);
	g_free(status);
	rows = fx_outbox(fx);
	ok(fx_find(rows, "status_reopened", "ann@client.test") != NULL,
	    "reopen: the requester is told");
	g_ptr_array_unref(rows);
	g_free(raw);
	g_free(id);
}

static void
test_stranger_and_multi(struct fixture *fx)
{
	char *raw = fx_mail("From: eve@evil.test\nSubject: [ACME#1000] give "
	    "me the data\n", "Please send the files.");
	struct verdict v;
	unsigned long t = 0;
	GPtrArray *rows;
	char *h;

	cl(fx, raw, &v);
	ok(v.kind == VERDICT_NEW &&
	    v.tr.mentioned == 1000, "stranger's token: a new ticket that "
	    "mentions #1000 (%s)", v.reasons->str);
	verdict_clear(&v);
	ok(fx_deliver(fx, raw, &t) == PIPE_STORED && t != 1000,
	    "stranger's token: not filed in #1000");
	g_ptr_array_unref(fx_outbox(fx));
	g_free(raw);
	raw = fx_mail("From: ann@client.test\nSubject: Second thing\n",
	    "Another question entirely.");
	fx_deliver(fx, raw, &t);
	g_ptr_array_unref(fx_outbox(fx));
	g_free(raw);
	h = g_strdup_printf("From: ann@client.test\nSubject: [ACME#1000] and "
	    "[ACME#%lu]\n", t);
	raw = fx_mail(h, "About both.");
	g_free(h);
	cl(fx, raw, &v);
	ok(v.kind == VERDICT_MULTI,
	    "several tickets: classify says multi (%s)", v.reasons->str);
	verdict_clear(&v);
	ok(fx_deliver(fx, raw, &t) == PIPE_STORED && t == 0,
	    "several tickets: filed in none");
	rows = fx_outbox(fx);
	ok(fx_find(rows, "multi", "ann@client.test") != NULL,
	    "several tickets: the sender is asked to write separately");
	g_ptr_array_unref(rows);
	g_free(raw);
}

static void
test_automated(struct fixture *fx)
{
	char *raw = fx_mail("From: mailer@client.test\nSubject: Out of "
	    "office\nAuto-Submitted: auto-replied\n", "I am away.");
	struct verdict v;
	GPtrArray *rows;

	cl(fx, raw, &v);
	ok(v.kind == VERDICT_UNFILED &&
	    v.automated, "automated: unfiled (%s)", v.reasons->str);
	verdict_clear(&v);
	ok(fx_deliver(fx, raw, NULL) == PIPE_STORED, "automated: stored");
	rows = fx_outbox(fx);
	ok(rows->len == 0, "automated: nothing is sent (%u rows)", rows->len);
	g_ptr_array_unref(rows);
	g_free(raw);
}

static void
test_agent(struct fixture *fx)
{
	char *raw = fx_mail("From: Bob <bob@client.test>\nSubject: VPN\n",
	    "The VPN does not connect.");
	char *note, *answer, *id, *held, *challenge;
	unsigned long t = 0;
	int64_t before;
	GPtrArray *rows;
	struct verdict v;

	fx_deliver(fx, raw, &t);
	rows = fx_outbox(fx);
	id = msgid_of(fx_find(rows, "agent_message", FX_AGENT2));
	g_ptr_array_unref(rows);
	g_free(raw);

	/* John answers the notification: a proven agent. */
	answer = g_strdup_printf("From: John Smith <" FX_AGENT2 ">\n"
	    "Subject: Re: VPN\nIn-Reply-To: <%s>\nTo: support@example.test\n"
	    "Message-ID: <a1@example.test>\n\n#take\nPlease restart the "
	    "client.\n", id);
	cl(fx, answer, &v);
	ok(v.kind == VERDICT_AGENT,
	    "agent: a reply to our id is the agent's (%s)", v.reasons->str);
	ok(v.hold_retry && !v.strong,
	    "agent: a reply retries capped held mail, and is not strong");
	verdict_clear(&v);
	ok(fx_deliver(fx, answer, NULL) == PIPE_STORED, "agent: stored");
	rows = fx_outbox(fx);
	ok(fx_find(rows, "answer", "bob@client.test") != NULL,
	    "agent: the answer is relayed to the client");
	ok(fx_find(rows, "taken", "bob@client.test") != NULL,
	    "agent: #take tells the client");
	g_ptr_array_unref(rows);
	note = fx_ticket_col(fx, t, "assignee");
	ok(strcmp(note, "John Smith") == 0, "agent: #take assigns (%s)",
	    note);
	g_free(note);

	/* A note never reaches the client, nor an answer quoting it. */
	note = g_strdup_printf("From: " FX_AGENT2 "\nSubject: Re: VPN\n"
	    "In-Reply-To: <%s>\nTo: support@example.test\nMessage-ID: "
	    "<n1@example.test>\n\n#note the customer runs firmware "
	    "gamma-seven on the old router\n", id);
	ok(fx_deliver(fx, note, NULL) == PIPE_STORED, "note: stored");
	g_free(note);
	rows = fx_outbox(fx);
	ok(!fx_find(rows, "answer", "bob@client.test") && count(fx, "SELECT "
	    "COUNT(*) FROM messages WHERE kind = 'note'") == 1,
	    "note: stored as a note, nothing to the client");
	g_ptr_array_unref(rows);
	g_free(answer);
	answer = g_strdup_printf("From: " FX_AGENT2 "\nSubject: Re: VPN\n"
	    "In-Reply-To: <%s>\nTo: support@example.test\nMessage-ID: "
	    "<a2@example.test>\n\nFYI: the customer runs firmware gamma-seven "
	    "on the old router\n", id);
	fx_deliver(fx, answer, NULL);
	rows = fx_outbox(fx);
	ok(!fx_find(rows, "answer", "bob@client.test") &&
	    fx_find(rows, "guard_stopped", FX_AGENT2),
	    "guard: an answer quoting the note is stopped and returned");
	g_ptr_array_unref(rows);

	/* From John's address without proof: held, challenge; confirming
	 * it releases the mail through classify and the stage table. */
	held = fx_mail("From: " FX_AGENT2 "\nSubject: Re: [ACME#1000] x\n",
	    "#priority high");
	cl(fx, held, &v);
	ok(v.kind == VERDICT_HELD,
	    "held: no proof (%s)", v.reasons->str);
	verdict_clear(&v);
	fx_deliver(fx, held, NULL);
	rows = fx_outbox(fx);
	ok(fx_find(rows, "challenge", FX_AGENT2) != NULL,
	    "held: the agent is asked to confirm");
	challenge = msgid_of(fx_find(rows, "challenge", FX_AGENT2));
	g_ptr_array_unref(rows);
	ok(count(fx, "SELECT COUNT(*) FROM held WHERE status = 'held'") == 1,
	    "held: kept in held");
	g_free(answer);
	answer = g_strdup_printf("From: " FX_AGENT2 "\nSubject: Re: confirm\n"
	    "In-Reply-To: <%s>\nTo: support@example.test\nMessage-ID: "
	    "<c1@example.test>\n\nyes\n", challenge);
	cl(fx, answer, &v);
	ok(v.kind == VERDICT_CONFIRM,
	    "confirm: classify says confirm (%s)", v.reasons->str);
	verdict_clear(&v);
	ok(fx_deliver(fx, answer, NULL) == PIPE_STORED, "confirm: stored");
	note = fx_ticket_col(fx, 1000, "priority");
	ok(count(fx, "SELECT COUNT(*) FROM held WHERE status = 'released'") ==
	    1 && strcmp(note, "high") == 0,
	    "confirm: released and applied (priority %s)", note);
	g_free(note);
	g_ptr_array_unref(fx_outbox(fx));
	g_free(challenge);
	g_free(held);
	g_free(answer);

	/* A reply proves John for Bob's ticket only: a #merge that would
	 * let Bob follow #1000 is held, and classify still writes nothing. */
	answer = g_strdup_printf("From: " FX_AGENT2 "\nSubject: Re: VPN\n"
	    "In-Reply-To: <%s>\nTo: support@example.test\nMessage-ID: "
	    "<m1@example.test>\n\n#merge 1000\n", id);
	before = count(fx, "SELECT total_changes()");
	cl(fx, answer, &v);
	ok(t != 1000 && v.kind == VERDICT_HELD && v.hold_reason &&
	    strstr(v.reasons->str, "needs-strong=#merge") &&
	    count(fx, "SELECT total_changes()") == before,
	    "merge: a reply proof does not cover #merge into another "
	    "ticket: held, nothing written (%s)", v.reasons->str);
	verdict_clear(&v);
	g_free(answer);
	g_free(id);
}

static void
test_repeat(struct fixture *fx)
{
	const char *text = "Our invoice portal shows error 500 when we open "
	    "the March invoices, please have a look at it soon.";
	char *a = fx_mail("From: dan@corp.test\nSubject: Portal error\n", text);
	char *b = fx_mail("From: dan@corp.test\nSubject: Portal error\n", text);
	unsigned long ta = 0, tb = 0;
	struct verdict v;
	GPtrArray *rows;

	fx_deliver(fx, a, &ta);
	g_ptr_array_unref(fx_outbox(fx));
	cl(fx, b, &v);
	ok(v.kind == VERDICT_REPEAT &&
	    v.ticket == ta, "repeat: classify finds #%lu (%s)", ta,
	    v.reasons->str);
	verdict_clear(&v);
	ok(fx_deliver(fx, b, &tb) == PIPE_STORED && tb == ta,
	    "repeat: filed in the first one's ticket");
	rows = fx_outbox(fx);
	ok(!fx_find(rows, "ack", NULL), "repeat: no acknowledgement");
	g_ptr_array_unref(rows);
	g_free(a);
	g_free(b);
}

int
main(void)
{
	struct fixture fx;

	g_mime_init();
	if (!ok(fx_open(&fx, "", "") == 0, "fixture opens"))
		return tap_done();
	test_classify_writes_nothing(&fx);
	test_new_and_followups(&fx);
	test_stranger_and_multi(&fx);
	test_automated(&fx);
	test_agent(&fx);
	test_repeat(&fx);
	fx_close(&fx);
	g_mime_shutdown();
	return tap_done();
}
