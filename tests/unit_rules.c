/* unit_rules.c: the ticket rules without Dovecot or an SMTP server (issue
 * 8, "What must be shown"; postdeskd(8) Threading; postdeskd(8) Tickets; postdesk.conf(5) THREAT MODEL, postdesk.conf(5)): messages built
 * from text are classified (classify.h: the verdict is asserted, and
 * nothing is written) and then go through the pipeline's per-message
 * function, classify() and the stage table, on an in-memory database
 * (tests/fixture.h); the assertions are made on the ticket rows and on
 * the outbox rows: recipient, template, subject token, and no note text in
 * any mail to a client.
 *
 * Threading: a signed id, a stored Message-ID, the subject token from the
 * requester, a participant, an agent and a stranger, several tickets.  One
 * task: several tasks acknowledged with ack_tasks, the "split" reply.
 * Reopen: within reopen_days, a new ticket after them or past
 * max_reopens, thanks and ratings.  Merge.  Agent commands: #take,
 * #assign, #status, #priority, all or nothing, #cc and #merge with and
 * without a fresh proof, the confirmed challenge.  Notes: #note, the note
 * address, a reply to a note notification, the leak guard. */
#include <time.h>
#include "fixture.h"
#include "tap.h"

#define FX_OLGA "Olga Ivanova <olga@example.test>"
#define FX_JOHN "John Smith <john@example.test>"
/* Added to the fixture's configuration: a client organisation (its Cc'd
 * colleagues follow a ticket), and no flood guards (a test sends many
 * similar mails from one address within a second). */
#define RULES_TOP \
	"clients = ( { name = \"Client Ltd\";\n" \
	"  domains = \"client.test\"; } );\n" \
	"floods = { address_per_hour = 0; address_per_day = 0;\n" \
	"  domain_per_hour = 0; domain_per_day = 0;\n" \
	"  challenges_per_hour = 0; challenges_per_day = 0;\n" \
	"  repeat_minutes = 0; };\n"

static unsigned long last_ticket; /* where the last delivery went */
static char *last_id;             /* Message-ID of the last mail() */

/* A message from `from`, with a copy to `to` (may be NULL; the fixture
 * writes To: the support address), extra header lines (each ending in
 * \n, may be NULL) and body.  Its Message-ID is new and kept in last_id.
 * g_malloc'd. */
static char *
mail(struct fixture *fx, const char *from, const char *to,
    const char *subject, const char *extra, const char *body)
{
	static unsigned seq;
	char *h, *raw;

	g_free(last_id);
	last_id = g_strdup_printf("r%u.%u@mua.test", ++seq, g_random_int());
	h = g_strdup_printf("From: %s\nSubject: %s\nMessage-ID: <%s>\n"
	    "%s%s%s%s", from, subject, last_id, to ? "Cc: " : "",
	    to ? to : "", to ? "\n" : "", extra ? extra : "");
	raw = fx_mail(h, body);
	g_free(h);
	return raw;
}

/* The verdict of the last delivery (classify() on the same bytes, before
 * the pipeline ran them), and how many classify() calls wrote to the
 * database (none may). */
static struct verdict v;
static bool have_v;
static unsigned classify_wrote;

/* The name of v's kind, "none" when classify failed. */
static const char *
vk(void)
{
	return have_v ? verdict_name(v.kind) : "none";
}

/* classify() of raw, kept in v; then raw runs through the pipeline (parse,
 * classify, the stage table, commit) and is freed; last_ticket is where
 * it went. */
static enum pipe_result
deliver(struct fixture *fx, char *raw)
{
	int64_t before = fx_int(fx, "SELECT total_changes()");
	enum pipe_result r;

	if (have_v)
		verdict_clear(&v);
	have_v = fx_classify(fx, raw, &v) == 0;
	if (fx_int(fx, "SELECT total_changes()") != before) {
		printf("# classify wrote to the database\n");
		classify_wrote++;
	}
	r = fx_deliver(fx, raw, &last_ticket);
	g_free(raw);
	return r;
}

#define HANA "Hana Novak <hana@client.test>"
#define HANA_A "hana@client.test"
#define PAVEL_A "pavel@client.test"
#define OLGA_A "olga@example.test"
#define JOHN_A "john@example.test"

/* In-Reply-To and References naming id.  g_malloc'd. */
static char *
irt(const char *id)
{
	return g_strdup_printf("In-Reply-To: <%s>\nReferences: <%s>\n", id,
	    id);
}

/* The Message-ID of the newest outbox row of kind to rcpt about ticket (0:
 * any ticket), or NULL.  g_malloc'd. */
static char *
sent_id(struct fixture *f, unsigned long ticket, const char *kind,
    const char *rcpt)
{
	return ticket ? fx_str(f, "SELECT message_id FROM outbox WHERE "
	    "ticket = %lld AND kind = %Q AND rcpt = %Q ORDER BY id DESC",
	    (long long)ticket, kind, rcpt) : fx_str(f, "SELECT message_id "
	    "FROM outbox WHERE kind = %Q AND rcpt = %Q ORDER BY id DESC",
	    kind, rcpt);
}

/* Delivers a mail answering id (may be NULL) with extra headers (may be
 * NULL). */
static enum pipe_result
send_reply(struct fixture *f, const char *from, const char *to,
    const char *subject, const char *id, const char *extra, const char *body)
{
	char *r = id ? irt(id) : g_strdup("");
	char *all = g_strconcat(extra ? extra : "", r, NULL);
	enum pipe_result res = deliver(f, mail(f, from, to, subject, all,
	    body));

	g_free(r);
	g_free(all);
	return res;
}

static unsigned long
open_ticket(struct fixture *f, const char *from, const char *extra,
    const char *subject, const char *body)
{
	if (deliver(f, mail(f, from, NULL, subject, extra, body)) !=
	    PIPE_STORED)
		return 0;
	return last_ticket;
}

static int64_t
tickets(struct fixture *f)
{
	return fx_int(f, "SELECT COUNT(*) FROM tickets");
}

/* Makes the outbox row with Message-ID id look sent `ago` seconds back. */
static void
backdate(struct fixture *f, const char *id, int64_t ago)
{
	int64_t t = (int64_t)time(NULL) - ago;

	db_exec(f->db, "UPDATE outbox SET created = ?, sent_at = ? WHERE "
	    "message_id = ?", "iit", t - 60, t, id);
}

/* Rows since mark, printed on failure. */
static GPtrArray *
rows_since(struct fixture *f, int64_t mark)
{
	GPtrArray *rows = fx_rows(f, mark);
	char *d = fx_describe(rows);

	printf("# outbox: %s\n", d);
	g_free(d);
	return rows;
}

static void
test_threading(void)
{
	struct fixture f;
	unsigned long t, t2;
	int64_t mark;
	GPtrArray *rows;
	const struct fx_row *r;
	char *ack, *first;

	if (!ok(fx_open(&f, FX_TRUST_MX, RULES_TOP) == 0,
	    "threading: fixture"))
		return;
	mark = fx_mark(&f);
	t = open_ticket(&f, HANA, "Cc: Pavel <pavel@client.test>, "
	    "eve@other.test\n", "Printer prints blank pages",
	    "The printer on floor 2 prints blank pages since Monday.");
	ok(have_v && v.kind == VERDICT_NEW && !v.agent && !v.automated &&
	    strcmp(v.queue, "support") == 0, "verdict: new (%s)", vk());
	first = g_strdup(last_id);
	ok(t == 1000, "new: a client's mail opens ticket 1000 (%lu)", t);
	ok(fx_int(&f, "SELECT COUNT(*) FROM tickets WHERE number = 1000 AND "
	    "requester = 'hana@client.test' AND status = 'new' AND queue = "
	    "'support'") == 1, "new: requester, status new, queue support");
	ok(fx_int(&f, "SELECT COUNT(*) FROM participants WHERE ticket = 1000 "
	    "AND address = 'pavel@client.test'") == 1 && fx_int(&f,
	    "SELECT COUNT(*) FROM participants WHERE address = "
	    "'eve@other.test'") == 0, "new: a Cc of the same organisation "
	    "follows, a Cc of another does not");
	rows = rows_since(&f, mark);
	r = fx_find(rows, "ack", HANA_A);
	ok(r && strstr(r->subject, "[ACME#1000]") && r->ticket == 1000,
	    "new: ack to the requester with [ACME#1000] (%s)",
	    r ? r->subject : "none");
	ok(fx_count(rows, "ack", NULL) == 1, "new: one ack, to the requester "
	    "only");
	ok(fx_find(rows, "agent_message", OLGA_A) &&
	    fx_find(rows, "agent_message", JOHN_A),
	    "new: both agents (no queues) are told");
	g_ptr_array_unref(rows);
	ack = sent_id(&f, 1000, "ack", HANA_A);

	/* A signed id: the reply threads whatever its subject. */
	mark = fx_mark(&f);
	ok(send_reply(&f, HANA, NULL, "totally different", ack, NULL,
	    "Also the scanner.") == PIPE_STORED && last_ticket == 1000 &&
	    tickets(&f) == 1, "signed id: joins 1000 without a token");
	ok(have_v && v.kind == VERDICT_FOLLOWUP && v.ticket == 1000 &&
	    strcmp(v.tr.by, "references") == 0, "verdict: follow-up of 1000 by "
	    "references (%s)", vk());
	rows = rows_since(&f, mark);
	ok(fx_count(rows, "ack", NULL) == 0 && fx_find(rows, "agent_message",
	    OLGA_A), "signed id: no ack, agents told");
	g_ptr_array_unref(rows);

	/* A stored Message-ID: a colleague answers the client's own mail. */
	ok(send_reply(&f, "Pavel <pavel@client.test>", NULL, "Re: printer",
	    first, NULL, "Same on floor 3.") == PIPE_STORED &&
	    last_ticket == 1000 && tickets(&f) == 1,
	    "stored Message-ID: joins 1000");
	ok(have_v && v.kind == VERDICT_FOLLOWUP && v.ticket == 1000 &&
	    strcmp(v.tr.by, "references") == 0, "verdict: follow-up by a "
	    "stored id (%s)", vk());

	/* A bounce of our ack: threaded by the id of the mail it carries
	 * back, kept, nobody answered. */
	{
		char *dsn = g_strdup_printf("From: Mail Delivery System "
		    "<MAILER-DAEMON@mx.client.test>\r\n"
		    "To: support@example.test\r\n"
		    "Subject: Undelivered Mail Returned to Sender\r\n"
		    "Message-ID: <bounce1@mx.client.test>\r\n"
		    "Auto-Submitted: auto-replied\r\n"
		    "MIME-Version: 1.0\r\n"
		    "Content-Type: multipart/report; "
		    "report-type=delivery-status; boundary=\"B\"\r\n\r\n"
		    "--B\r\nContent-Type: text/plain\r\n\r\n"
		    "Delivery failed.\r\n"
		    "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
		    "Reporting-MTA: dns; mx.client.test\r\n\r\n"
		    "Final-Recipient: rfc822; hana@client.test\r\n"
		    "Action: failed\r\nStatus: 5.1.1\r\n\r\n"
		    "--B\r\nContent-Type: message/rfc822\r\n\r\n"
		    "From: support@example.test\r\nTo: hana@client.test\r\n"
		    "Subject: whatever\r\nMessage-ID: <%s>\r\n\r\n"
		    "Hello\r\n--B--\r\n", ack);

		mark = fx_mark(&f);
		ok(deliver(&f, dsn) == PIPE_STORED && last_ticket == 1000 &&
		    tickets(&f) == 1, "bounce: threaded by the id it carries "
		    "back");
		/* Issue 9: a bounce of our mail is a bounce on its ticket
		 * (unit_bounce.c); only the agents hear of it. */
		ok(have_v && v.kind == VERDICT_BOUNCE && v.ticket == 1000 &&
		    v.automated, "verdict: a bounce on its ticket (%s)", vk());
		rows = rows_since(&f, mark);
		ok(rows->len == fx_count(rows, "bounce_notice", NULL) &&
		    !fx_find(rows, NULL, "hana@client.test"),
		    "bounce: nobody but the agents is mailed");
		g_ptr_array_unref(rows);
	}

	/* Subject tokens. */
	ok(send_reply(&f, HANA, NULL, "Re: [ACME#1000] printer", NULL, NULL,
	    "Any news?") == PIPE_STORED && last_ticket == 1000 &&
	    tickets(&f) == 1, "token from the requester: joins");
	ok(have_v && v.kind == VERDICT_FOLLOWUP && v.ticket == 1000 &&
	    strcmp(v.tr.by, "token") == 0, "verdict: follow-up by token (%s)",
	    vk());
	ok(send_reply(&f, "PAVEL@client.test", NULL, "[ACME#1000]", NULL, NULL,
	    "Still broken here.") == PIPE_STORED && last_ticket == 1000 &&
	    tickets(&f) == 1, "token from a participant (any case): joins");
	mark = fx_mark(&f);
	ok(send_reply(&f, FX_OLGA, NULL, "Re: [ACME#1000] printer", NULL,
	    FX_DKIM, "Please restart the printer.") == PIPE_STORED &&
	    last_ticket == 1000 && tickets(&f) == 1,
	    "token from a proven agent: joins");
	ok(have_v && v.kind == VERDICT_AGENT && v.agent &&
	    strcmp(v.agent->name, "Olga Ivanova") == 0 && v.fresh &&
	    v.tr.how == THREAD_JOIN && v.tr.ticket == 1000, "verdict: agent "
	    "mail of Olga on 1000, fresh by DKIM (%s)", vk());
	rows = rows_since(&f, mark);
	r = fx_find(rows, "answer", HANA_A);
	ok(r && strstr(r->subject, "[ACME#1000]") &&
	    strstr(r->text, "Please restart the printer."),
	    "agent: the answer is relayed to the requester with the token");
	ok(fx_find(rows, "answer", PAVEL_A) != NULL,
	    "agent: and to the participant");
	g_ptr_array_unref(rows);

	mark = fx_mark(&f);
	ok(send_reply(&f, "Eve <eve@other.test>", NULL, "Re: [ACME#1000] "
	    "printer", NULL, NULL, "Let me see that ticket.") == PIPE_STORED &&
	    last_ticket == 1001, "token from a stranger: a new ticket (%lu)",
	    last_ticket);
	ok(have_v && v.kind == VERDICT_NEW && v.tr.mentioned == 1000,
	    "verdict: new, mentioning 1000 (%s)", vk());
	t2 = last_ticket;
	ok(fx_int(&f, "SELECT COUNT(*) FROM events WHERE ticket = %lld AND "
	    "event = 'mentions' AND detail = 'mentions #1000'",
	    (long long)t2) == 1, "stranger: the new ticket mentions #1000 "
	    "for agents");
	rows = rows_since(&f, mark);
	r = fx_find(rows, "ack", "eve@other.test");
	ok(r && strstr(r->subject, "[ACME#1001]") &&
	    !strstr(r->subject, "1000") && !strstr(r->text, "1000"),
	    "stranger: acknowledged with the new token, never the old one");
	ok(fx_count(rows, NULL, HANA_A) == 0 && fx_count(rows, NULL,
	    PAVEL_A) == 0, "stranger: the old ticket's client is not told");
	g_ptr_array_unref(rows);
	ok(fx_int(&f, "SELECT COUNT(*) FROM messages WHERE ticket = 1000 AND "
	    "from_addr = 'eve@other.test'") == 0,
	    "stranger: nothing lands in 1000");

	ok(send_reply(&f, HANA, NULL, "[ACME#4242] hello", NULL, NULL,
	    "A token of no ticket.") == PIPE_STORED && last_ticket == 1002,
	    "token of no ticket: a new ticket");

	/* Ids of two tickets: filed in none, the sender asked to split. */
	{
		char *ack2 = sent_id(&f, 1002, "ack", HANA_A);
		char *h = g_strdup_printf("References: <%s> <%s>\n", ack,
		    ack2);
		int64_t before = tickets(&f);

		mark = fx_mark(&f);
		ok(deliver(&f, mail(&f, HANA, NULL, "both", h,
		    "About both.")) == PIPE_STORED && last_ticket == 0 &&
		    tickets(&f) == before,
		    "two tickets: joins none, opens none");
		ok(have_v && v.kind == VERDICT_MULTI && v.tr.nothers == 2,
		    "verdict: several tickets (%s)", vk());
		rows = rows_since(&f, mark);
		ok(fx_find(rows, "multi", HANA_A) != NULL,
		    "two tickets: the multi template to the sender");
		g_ptr_array_unref(rows);
		ok(fx_int(&f, "SELECT COUNT(*) FROM messages WHERE message_id "
		    "= %Q AND ticket IS NULL", last_id) == 1,
		    "two tickets: the mail is kept outside any ticket");
		g_free(h);
		g_free(ack2);
	}
	/* An automated new mail opens nothing and is not answered. */
	{
		int64_t before = tickets(&f);

		mark = fx_mark(&f);
		send_reply(&f, "MAILER-DAEMON@client.test", NULL, "Delivery "
		    "Status Notification", NULL, "Auto-Submitted: "
		    "auto-generated\n", "Your message could not be "
		    "delivered.");
		rows = rows_since(&f, mark);
		ok(tickets(&f) == before && rows->len == 0, "automated: no "
		    "ticket, no mail");
		ok(have_v && v.kind == VERDICT_UNFILED && v.automated,
		    "verdict: unfiled, automated (%s)", vk());
		g_ptr_array_unref(rows);
	}
	/* The same mail twice: stored once. */
	{
		char *raw = mail(&f, HANA, NULL, "dup", NULL, "Once.");
		char *copy = g_strdup(raw);
		int64_t n = fx_int(&f, "SELECT COUNT(*) FROM messages");

		ok(deliver(&f, raw) == PIPE_STORED &&
		    deliver(&f, copy) == PIPE_DUPLICATE &&
		    fx_int(&f, "SELECT COUNT(*) FROM messages") == n + 1,
		    "duplicate: stored once");
	}
	g_free(ack);
	g_free(first);
	fx_close(&f);
}

static void
test_onetask(void)
{
	struct fixture f;
	unsigned long t;
	int64_t mark;
	GPtrArray *rows;
	const struct fx_row *r;
	char *ack;

	if (!ok(fx_open(&f, FX_TRUST_MX, RULES_TOP) == 0,
	    "onetask: fixture"))
		return;
	mark = fx_mark(&f);
	t = open_ticket(&f, HANA, NULL, "Several wishes",
	    "Hello,\n\n1. Please add an export of all invoices to PDF.\n"
	    "2. Please fix the date on the invoice.\n"
	    "3. Please change the logo in the portal.\n");
	rows = rows_since(&f, mark);
	r = fx_find(rows, "ack_tasks", HANA_A);
	ok(t == 1000 && r && fx_count(rows, "ack", NULL) == 0,
	    "several tasks: ack_tasks, not ack");
	ok(r && strstr(r->text, "export of all invoices") &&
	    strstr(r->text, "change the logo"), "several tasks: listed");
	ok(fx_int(&f, "SELECT COUNT(*) FROM tasks WHERE ticket = 1000") == 3,
	    "several tasks: three task rows");
	g_ptr_array_unref(rows);
	ack = sent_id(&f, 1000, "ack_tasks", HANA_A);

	/* A stranger's "split" (a reply to the signed id) splits nothing. */
	send_reply(&f, "mallory@other.test", NULL, "Re: wishes", ack, NULL,
	    "split");
	ok(tickets(&f) == 1, "split: not by someone outside the ticket");

	mark = fx_mark(&f);
	ok(send_reply(&f, HANA, NULL, "Re: [ACME#1000] Several wishes", ack,
	    NULL, "Split\n\n> quoted ack") == PIPE_STORED && tickets(&f) == 3,
	    "split: the requester's reply splits into 3 tickets (%lld)",
	    (long long)tickets(&f));
	ok(fx_int(&f, "SELECT COUNT(*) FROM ticket_links WHERE a = 1000 AND "
	    "kind = 'split'") + fx_int(&f, "SELECT COUNT(*) FROM ticket_links "
	    "WHERE b = 1000 AND kind = 'split'") == 2,
	    "split: two tickets linked to 1000");
	ok(fx_int(&f, "SELECT COUNT(*) FROM tasks WHERE ticket = 1000 AND "
	    "split_into IS NOT NULL") >= 2, "split: tasks point to their "
	    "tickets");
	rows = rows_since(&f, mark);
	r = fx_find(rows, "split_done", HANA_A);
	ok(r && strstr(r->text, "ACME#1001") && strstr(r->text, "ACME#1002"),
	    "split: one split_done mail names the new tickets");
	ok(fx_count(rows, NULL, HANA_A) == 1, "split: and no other mail to "
	    "the requester (%u)", fx_count(rows, NULL, HANA_A));
	g_ptr_array_unref(rows);
	send_reply(&f, HANA, NULL, "Re: wishes", ack, NULL, "split");
	ok(tickets(&f) == 3, "split: a second split changes nothing");

	mark = fx_mark(&f);
	t = open_ticket(&f, "Bob <bob@client.test>", NULL, "One thing",
	    "Hello,\n\nthe invoice of March shows the wrong date.\n");
	rows = rows_since(&f, mark);
	ok(fx_find(rows, "ack", "bob@client.test") &&
	    !fx_find(rows, "ack_tasks", NULL) && fx_int(&f, "SELECT COUNT(*) "
	    "FROM tasks WHERE ticket = %lld", (long long)t) == 0,
	    "one task: ack, no task rows");
	g_ptr_array_unref(rows);

	/* An agent's #split on a ticket listing tasks. */
	t = open_ticket(&f, HANA, NULL, "More wishes",
	    "Hi,\n- please add dark mode\n- can you fix the export?\n");
	{
		int64_t before = tickets(&f);
		char *h = g_strdup_printf("%s", FX_DKIM);
		char *subj = g_strdup_printf("Re: [ACME#%lu]", t);

		send_reply(&f, FX_OLGA, NULL, subj, NULL, h, "#split");
		ok(tickets(&f) == before + 1, "agent #split: the second task "
		    "gets its ticket");
		g_free(h);
		g_free(subj);
	}
	g_free(ack);
	fx_close(&f);
}

static void
test_reopen(void)
{
	struct fixture f;
	int64_t mark;
	GPtrArray *rows;
	const struct fx_row *r;
	char *id;

	if (!ok(fx_open(&f, FX_TRUST_MX, RULES_TOP) == 0,
	    "reopen: fixture"))
		return;
	open_ticket(&f, HANA, NULL, "VPN drops",
	    "The VPN drops every ten minutes.");
	/* The agent answers her notification and resolves. */
	id = sent_id(&f, 1000, "agent_message", OLGA_A);
	mark = fx_mark(&f);
	ok(send_reply(&f, FX_OLGA, NULL, "Re: [ACME#1000] VPN drops", id, NULL,
	    "#status resolved\n\nPlease update the client to 5.2.") ==
	    PIPE_STORED, "reopen: the agent resolves by reply");
	g_free(id);
	ok(fx_int(&f, "SELECT COUNT(*) FROM tickets WHERE number = 1000 AND "
	    "status = 'resolved' AND resolved_at IS NOT NULL") == 1,
	    "reopen: status resolved");
	rows = rows_since(&f, mark);
	ok(fx_find(rows, "status_resolved", HANA_A) &&
	    fx_find(rows, "answer", HANA_A), "reopen: the client gets the "
	    "answer and status_resolved");
	g_ptr_array_unref(rows);

	/* Thanks and a rating change nothing. */
	id = sent_id(&f, 1000, "status_resolved", HANA_A);
	send_reply(&f, HANA, NULL, "Re: [ACME#1000]", id, NULL, "Thank you!");
	ok(fx_int(&f, "SELECT COUNT(*) FROM tickets WHERE number = 1000 AND "
	    "status = 'resolved' AND reopens = 0") == 1 && fx_int(&f,
	    "SELECT COUNT(*) FROM events WHERE ticket = 1000 AND event = "
	    "'thanks'") == 1, "thanks: stored, the ticket stays resolved");
	send_reply(&f, HANA, NULL, "Re: [ACME#1000]", id, NULL, "5");
	ok(fx_int(&f, "SELECT rating FROM tickets WHERE number = 1000") == 5 &&
	    fx_int(&f, "SELECT COUNT(*) FROM tickets WHERE status = "
	    "'resolved'") == 1, "rating: 5 stored, still resolved");

	/* An auto-reply is kept and changes nothing. */
	mark = fx_mark(&f);
	send_reply(&f, HANA, NULL, "Out of office: [ACME#1000] VPN drops", id,
	    "Auto-Submitted: auto-replied\n", "I am away until Monday.");
	ok(fx_int(&f, "SELECT COUNT(*) FROM tickets WHERE number = 1000 AND "
	    "status = 'resolved' AND reopens = 0") == 1 && tickets(&f) == 1,
	    "auto-reply: the resolved ticket is not reopened");
	ok(have_v && v.kind == VERDICT_FOLLOWUP && v.automated,
	    "verdict: an automated follow-up (%s)", vk());
	ok(fx_int(&f, "SELECT COUNT(*) FROM messages WHERE ticket = 1000 AND "
	    "kind = 'auto'") == 1, "auto-reply: kept as automated");
	rows = rows_since(&f, mark);
	ok(rows->len == 0, "auto-reply: nobody is mailed");
	g_ptr_array_unref(rows);

	mark = fx_mark(&f);
	ok(send_reply(&f, HANA, NULL, "Re: [ACME#1000] VPN drops", id, NULL,
	    "It still drops after the update.") == PIPE_STORED &&
	    last_ticket == 1000 && tickets(&f) == 1,
	    "within reopen_days: the follow-up joins 1000");
	g_free(id);
	ok(fx_int(&f, "SELECT COUNT(*) FROM tickets WHERE number = 1000 AND "
	    "status = 'open' AND reopens = 1") == 1, "reopened: open, one "
	    "reopen");
	rows = rows_since(&f, mark);
	ok(fx_find(rows, "status_reopened", HANA_A) != NULL,
	    "reopened: the client is told");
	g_ptr_array_unref(rows);

	/* Closed 29 days ago: still reopens (reopen_days 30). */
	send_reply(&f, FX_OLGA, NULL, "[ACME#1000]", NULL, FX_DKIM,
	    "#close");
	db_exec(f.db, "UPDATE tickets SET closed_at = ? WHERE number = 1000",
	    "i", (int64_t)time(NULL) - 29 * 86400);
	send_reply(&f, HANA, NULL, "Re: [ACME#1000] VPN drops", NULL, NULL,
	    "Dropped again this morning.");
	ok(last_ticket == 1000 && fx_int(&f, "SELECT reopens FROM tickets "
	    "WHERE number = 1000 AND status = 'open'") == 2,
	    "closed 29 days ago: reopens (2 reopens)");

	/* Closed 31 days ago: a new ticket, linked, the client told. */
	send_reply(&f, FX_OLGA, NULL, "[ACME#1000]", NULL, FX_DKIM,
	    "#status closed");
	db_exec(f.db, "UPDATE tickets SET closed_at = ? WHERE number = 1000",
	    "i", (int64_t)time(NULL) - 31 * 86400);
	mark = fx_mark(&f);
	ok(send_reply(&f, HANA, NULL, "Re: [ACME#1000] VPN drops", NULL, NULL,
	    "And once more.") == PIPE_STORED && last_ticket == 1001,
	    "closed 31 days ago: a new ticket 1001 (%lu)", last_ticket);
	ok(have_v && v.kind == VERDICT_FOLLOWUP && v.ticket == 1000,
	    "verdict: a follow-up of 1000; the stage opens anew (%s)", vk());
	ok(fx_int(&f, "SELECT COUNT(*) FROM tickets WHERE number = 1000 AND "
	    "status = 'closed'") == 1, "the old ticket stays closed");
	ok(fx_int(&f, "SELECT COUNT(*) FROM ticket_links WHERE kind = "
	    "'followup' AND ((a = 1000 AND b = 1001) OR (a = 1001 AND b = "
	    "1000))") == 1, "new ticket: linked as a follow-up of 1000");
	rows = rows_since(&f, mark);
	r = fx_find(rows, "followup_new", HANA_A);
	ok(r && strstr(r->subject, "[ACME#1001]") &&
	    strstr(r->text, "ACME#1000"), "new ticket: followup_new with the "
	    "new token, naming the old one");
	ok(!fx_find(rows, "lead_reopen_limit", NULL),
	    "new ticket: not a reopen limit, leads not told");
	ok(fx_count(rows, "ack", NULL) == 0, "new ticket: no second ack");
	g_ptr_array_unref(rows);
	fx_close(&f);

	/* max_reopens 1: the second follow-up opens anew, leads told. */
	if (!ok(fx_open(&f, FX_TRUST_MX, RULES_TOP "tickets = { "
	    "max_reopens = 1; };\n") == 0,
	    "max_reopens: fixture"))
		return;
	open_ticket(&f, HANA, NULL, "Mail quota", "My mailbox is full.");
	send_reply(&f, FX_OLGA, NULL, "[ACME#1000]", NULL, FX_DKIM,
	    "#resolve\n\nQuota raised.");
	send_reply(&f, HANA, NULL, "Re: [ACME#1000]", NULL, NULL,
	    "Full again.");
	ok(fx_int(&f, "SELECT reopens FROM tickets WHERE number = 1000") == 1,
	    "max_reopens: the first follow-up reopens");
	send_reply(&f, FX_OLGA, NULL, "[ACME#1000]", NULL, FX_DKIM,
	    "#resolve\n\nQuota raised more.");
	mark = fx_mark(&f);
	ok(send_reply(&f, HANA, NULL, "Re: [ACME#1000]", NULL, NULL,
	    "Full once more.") == PIPE_STORED && last_ticket == 1001,
	    "max_reopens: the next one opens 1001");
	ok(fx_int(&f, "SELECT COUNT(*) FROM tickets WHERE number = 1000 AND "
	    "status = 'resolved' AND reopens = 1") == 1,
	    "max_reopens: 1000 stays resolved");
	rows = rows_since(&f, mark);
	ok(fx_find(rows, "followup_new", HANA_A) != NULL,
	    "max_reopens: followup_new to the client");
	ok(fx_find(rows, "lead_reopen_limit", OLGA_A) &&
	    !fx_find(rows, "lead_reopen_limit", JOHN_A),
	    "max_reopens: lead_reopen_limit to the lead only");
	g_ptr_array_unref(rows);
	fx_close(&f);
}

static void
test_merge(void)
{
	struct fixture f;
	int64_t mark;
	GPtrArray *rows;
	char *id;

	if (!ok(fx_open(&f, FX_TRUST_MX, RULES_TOP) == 0,
	    "merge: fixture"))
		return;
	open_ticket(&f, HANA, NULL, "Login fails", "I cannot log in.");
	open_ticket(&f, HANA, NULL, "Password reset", "The reset mail never "
	    "comes.");
	open_ticket(&f, HANA, NULL, "Account locked", "My account is "
	    "locked.");
	mark = fx_mark(&f);
	ok(send_reply(&f, FX_OLGA, NULL, "Re: [ACME#1001]", NULL, FX_DKIM,
	    "#merge 1000") == PIPE_STORED, "merge: DKIM-proven #merge");
	ok(fx_int(&f, "SELECT COUNT(*) FROM tickets WHERE number = 1001 AND "
	    "merged_into = 1000 AND status = 'closed'") == 1,
	    "merge: 1001 closed, points to 1000");
	ok(fx_int(&f, "SELECT COUNT(*) FROM messages WHERE ticket = 1001 AND "
	    "kind = 'client'") == 0 && fx_int(&f, "SELECT COUNT(*) FROM "
	    "messages WHERE ticket = 1000 AND subject = 'Password reset'") == 1,
	    "merge: the client's mail moved to 1000");
	/* The #merge mail itself is filed in the ticket it was written on
	 * (tests/it_agent_commands.py expects that too). */
	ok(fx_int(&f, "SELECT COUNT(*) FROM messages WHERE ticket = 1001 AND "
	    "kind = 'agent'") == 1, "merge: the #merge mail stays on 1001");
	rows = rows_since(&f, mark);
	ok(fx_find(rows, "merged", HANA_A) != NULL,
	    "merge: the requester is told");
	g_ptr_array_unref(rows);
	ok(send_reply(&f, HANA, NULL, "Re: [ACME#1001] Password reset", NULL,
	    NULL, "Still no mail.") == PIPE_STORED && last_ticket == 1000,
	    "merge: later mail with the old token lands in 1000");
	id = sent_id(&f, 1001, "ack", HANA_A);
	ok(send_reply(&f, HANA, NULL, "Re: x", id, NULL, "Hello?") ==
	    PIPE_STORED && last_ticket == 1000,
	    "merge: a reply to the old ticket's signed id lands in 1000");
	g_free(id);

	/* Without a fresh proof: held and challenged, then confirmed. */
	id = sent_id(&f, 1002, "agent_message", OLGA_A);
	backdate(&f, id, 25 * 3600);
	mark = fx_mark(&f);
	ok(send_reply(&f, FX_OLGA, NULL, "Re: [ACME#1002]", id, NULL,
	    "#merge 1000") == PIPE_STORED, "merge unfresh: delivered");
	g_free(id);
	ok(fx_int(&f, "SELECT COUNT(*) FROM tickets WHERE number = 1002 AND "
	    "merged_into IS NULL AND status = 'new'") == 1,
	    "merge unfresh: a 25 h old reply does not merge");
	ok(have_v && v.kind == VERDICT_HELD && v.hold_reason &&
	    strstr(v.hold_reason, "#merge") && !v.fresh, "verdict: held, "
	    "#merge needs a fresh proof (%s)", vk());
	ok(fx_int(&f, "SELECT COUNT(*) FROM held WHERE status = 'held'") == 1,
	    "merge unfresh: the mail is held");
	rows = rows_since(&f, mark);
	ok(fx_find(rows, "challenge", OLGA_A) && rows->len == 1,
	    "merge unfresh: only a challenge, to the agent");
	g_ptr_array_unref(rows);
	id = sent_id(&f, 0, "challenge", OLGA_A);
	mark = fx_mark(&f);
	ok(send_reply(&f, FX_OLGA, NULL, "Re: confirm", id, NULL, "Yes, "
	    "that was me.") == PIPE_STORED && fx_int(&f, "SELECT COUNT(*) FROM "
	    "tickets WHERE number = 1002 AND merged_into = 1000") == 1,
	    "merge unfresh: confirming the challenge merges");
	ok(have_v && v.kind == VERDICT_CONFIRM && v.challenge,
	    "verdict: a confirmation (%s)", vk());
	g_free(id);
	ok(fx_int(&f, "SELECT COUNT(*) FROM held WHERE status = 'released'") ==
	    1, "merge unfresh: the held mail is released");
	rows = rows_since(&f, mark);
	ok(fx_find(rows, "merged", HANA_A) != NULL,
	    "merge unfresh: now the requester is told");
	g_ptr_array_unref(rows);
	fx_close(&f);
}

static void
test_commands(void)
{
	struct fixture f;
	int64_t mark;
	GPtrArray *rows;
	const struct fx_row *r;
	char *id;

	if (!ok(fx_open(&f, FX_TRUST_MX, RULES_TOP) == 0,
	    "commands: fixture"))
		return;
	open_ticket(&f, HANA, NULL, "Backup failed", "Last night's backup "
	    "failed.");

	/* Mail from an agent's address without proof changes nothing. */
	mark = fx_mark(&f);
	send_reply(&f, FX_OLGA, NULL, "Re: [ACME#1000]", NULL, NULL,
	    "#take\n\nI will look.");
	ok(fx_int(&f, "SELECT COUNT(*) FROM tickets WHERE assignee IS NULL")
	    == 1, "no proof: #take is not applied");
	ok(have_v && v.kind == VERDICT_HELD && v.who == IDENT_UNVERIFIED &&
	    !v.agent, "verdict: held, unverified (%s)", vk());
	rows = rows_since(&f, mark);
	ok(rows->len == 1 && fx_find(rows, "challenge", OLGA_A),
	    "no proof: the agent is challenged, nobody else mailed");
	g_ptr_array_unref(rows);

	id = sent_id(&f, 1000, "agent_message", OLGA_A);
	mark = fx_mark(&f);
	send_reply(&f, FX_OLGA, NULL, "Re: [ACME#1000]", id, NULL, "#take");
	g_free(id);
	ok(fx_int(&f, "SELECT COUNT(*) FROM tickets WHERE assignee = "
	    "'Olga Ivanova'") == 1, "#take: assigned to the agent");
	ok(have_v && v.kind == VERDICT_AGENT && v.fresh &&
	    strcmp(v.proof.how, "reply") == 0, "verdict: agent, a fresh reply "
	    "(%s)", vk());
	rows = rows_since(&f, mark);
	r = fx_find(rows, "taken", HANA_A);
	ok(r && strstr(r->subject, "[ACME#1000]"), "#take: taken to the "
	    "client with the token");
	ok(!fx_find(rows, "agent_assigned", NULL) && !fx_find(rows, "answer",
	    NULL), "#take: no assignment notice to oneself, no answer");
	g_ptr_array_unref(rows);

	mark = fx_mark(&f);
	send_reply(&f, FX_OLGA, NULL, "[ACME#1000]", NULL, FX_DKIM,
	    "#assign John Smith");
	rows = rows_since(&f, mark);
	ok(fx_int(&f, "SELECT COUNT(*) FROM tickets WHERE assignee = "
	    "'John Smith'") == 1 && fx_find(rows, "agent_assigned", JOHN_A),
	    "#assign: John assigned and told");
	g_ptr_array_unref(rows);

	mark = fx_mark(&f);
	send_reply(&f, FX_OLGA, NULL, "[ACME#1000]", NULL, FX_DKIM,
	    "#status waiting\n#priority high\n\nWhich version do you run?");
	ok(fx_int(&f, "SELECT COUNT(*) FROM tickets WHERE status = 'waiting' "
	    "AND priority = 'high'") == 1, "#status waiting, #priority high");
	rows = rows_since(&f, mark);
	ok(fx_find(rows, "status_waiting", HANA_A) &&
	    fx_find(rows, "answer", HANA_A), "#status waiting: the client "
	    "gets status_waiting and the answer");
	g_ptr_array_unref(rows);
	send_reply(&f, HANA, NULL, "Re: [ACME#1000]", NULL, NULL,
	    "Version 4.1.");
	ok(fx_int(&f, "SELECT COUNT(*) FROM tickets WHERE status = 'open'") ==
	    1, "waiting: the client's answer moves it back to open");

	/* All or nothing. */
	mark = fx_mark(&f);
	send_reply(&f, FX_OLGA, NULL, "[ACME#1000]", NULL, FX_DKIM,
	    "#priority urgent\n#frobnicate\n\nDear client, done.");
	ok(fx_int(&f, "SELECT COUNT(*) FROM tickets WHERE priority = 'high'")
	    == 1, "unknown command: the other commands are rolled back");
	rows = rows_since(&f, mark);
	r = fx_find(rows, "transcript", OLGA_A);
	ok(r && rows->len == 1, "unknown command: only a transcript, to the "
	    "agent");
	ok(r && strstr(r->text, "frobnicate"), "unknown command: named in "
	    "the transcript");
	g_ptr_array_unref(rows);

	/* #cc with a fresh proof: a reply to a mail sent just now. */
	send_reply(&f, HANA, NULL, "Re: [ACME#1000]", NULL, NULL,
	    "Any progress?");
	id = sent_id(&f, 1000, "agent_message", JOHN_A);
	ok(id != NULL, "#cc: John (assignee) was told");
	mark = fx_mark(&f);
	send_reply(&f, FX_JOHN, NULL, "Re: [ACME#1000]", id, NULL,
	    "#cc bob@partner.test\n\nBob from our partner will help.");
	g_free(id);
	ok(fx_int(&f, "SELECT COUNT(*) FROM participants WHERE ticket = 1000 "
	    "AND address = 'bob@partner.test'") == 1,
	    "#cc fresh: the participant is added");
	ok(have_v && v.kind == VERDICT_AGENT && v.fresh, "verdict: agent, "
	    "fresh (%s)", vk());
	rows = rows_since(&f, mark);
	ok(fx_find(rows, "answer", HANA_A) && fx_find(rows, "answer",
	    "bob@partner.test"), "#cc fresh: the answer reaches the client "
	    "and the new participant");
	g_ptr_array_unref(rows);

	/* #cc with a reply older than id_fresh_hours: held. */
	id = sent_id(&f, 1000, "agent_message", JOHN_A);
	backdate(&f, id, 25 * 3600);
	mark = fx_mark(&f);
	send_reply(&f, FX_JOHN, NULL, "Re: [ACME#1000]", id, NULL,
	    "#cc spy@attacker.test\n\nFor your information.");
	g_free(id);
	ok(fx_int(&f, "SELECT COUNT(*) FROM participants WHERE address = "
	    "'spy@attacker.test'") == 0, "#cc unfresh: nobody added");
	ok(have_v && v.kind == VERDICT_HELD && v.hold_reason &&
	    strstr(v.hold_reason, "#cc"), "verdict: held, #cc needs a fresh "
	    "proof (%s)", vk());
	rows = rows_since(&f, mark);
	ok(rows->len == 1 && fx_find(rows, "challenge", JOHN_A),
	    "#cc unfresh: only a challenge to the agent, nothing to the "
	    "client");
	g_ptr_array_unref(rows);
	id = sent_id(&f, 0, "challenge", JOHN_A);
	mark = fx_mark(&f);
	send_reply(&f, FX_JOHN, NULL, "Re: confirm", id, NULL, "Confirmed.");
	g_free(id);
	ok(fx_int(&f, "SELECT COUNT(*) FROM participants WHERE address = "
	    "'spy@attacker.test'") == 1, "#cc confirmed: applied as written");
	ok(have_v && v.kind == VERDICT_CONFIRM, "verdict: a confirmation "
	    "(%s)", vk());
	rows = rows_since(&f, mark);
	ok(fx_find(rows, "answer", "spy@attacker.test") != NULL,
	    "#cc confirmed: its text is relayed too");
	g_ptr_array_unref(rows);

	/* An agent is no participant. */
	send_reply(&f, FX_OLGA, NULL, "[ACME#1000]", NULL, FX_DKIM,
	    "#cc john@example.test");
	ok(fx_int(&f, "SELECT COUNT(*) FROM participants WHERE address = "
	    "'john@example.test'") == 0, "#cc an agent: refused");
	fx_close(&f);
}

#define SECRET1 "Tr0ub4dor&3x-kernel"
#define SECRET2 "legacy plan Zeta-9"
#define SECRET3 "vendor Omicron"

static void
test_notes(void)
{
	struct fixture f;
	int64_t mark;
	GPtrArray *rows;
	const struct fx_row *r;
	char *id;

	if (!ok(fx_open(&f, FX_TRUST_MX, RULES_TOP) == 0,
	    "notes: fixture"))
		return;
	open_ticket(&f, HANA, "Cc: pavel@client.test\n", "Server down",
	    "Our server does not boot.");
	id = sent_id(&f, 1000, "agent_message", OLGA_A);
	mark = fx_mark(&f);
	send_reply(&f, FX_OLGA, NULL, "Re: [ACME#1000] Server down", id, NULL,
	    "#note\n\nThe admin password is " SECRET1 " and the root cause "
	    "is a failing disk controller in rack four.");
	g_free(id);
	ok(fx_int(&f, "SELECT COUNT(*) FROM messages WHERE ticket = 1000 AND "
	    "kind = 'note'") == 1, "#note: stored as a note");
	ok(have_v && v.kind == VERDICT_AGENT, "verdict: agent (%s)", vk());
	rows = rows_since(&f, mark);
	r = fx_find(rows, "agent_note", JOHN_A);
	ok(r && strstr(r->text, SECRET1) && strstr(r->subject, "INTERNAL"),
	    "#note: copied to the other agent, marked INTERNAL");
	ok(!fx_find(rows, NULL, HANA_A) && !fx_find(rows, NULL, PAVEL_A),
	    "#note: nothing to the client or participant");
	g_ptr_array_unref(rows);

	mark = fx_mark(&f);
	send_reply(&f, FX_JOHN, "support+note@example.test",
	    "[ACME#1000] remark", NULL, FX_DKIM, "The customer is on the "
	    SECRET2 " contract.");
	ok(fx_int(&f, "SELECT COUNT(*) FROM messages WHERE ticket = 1000 AND "
	    "kind = 'note'") == 2, "note address: stored as a note");
	ok(have_v && v.kind == VERDICT_AGENT, "verdict: agent (%s)", vk());
	rows = rows_since(&f, mark);
	ok(fx_find(rows, "agent_note", OLGA_A) && !fx_find(rows, NULL,
	    HANA_A), "note address: to the other agent only");
	g_ptr_array_unref(rows);

	id = sent_id(&f, 1000, "agent_note", OLGA_A);
	mark = fx_mark(&f);
	send_reply(&f, FX_OLGA, NULL, "Re: [ACME#1000] INTERNAL", id, NULL,
	    "Agreed, escalate to " SECRET3 " today.");
	g_free(id);
	ok(fx_int(&f, "SELECT COUNT(*) FROM messages WHERE ticket = 1000 AND "
	    "kind = 'note'") == 3, "reply to a note: stays a note");
	ok(have_v && v.kind == VERDICT_AGENT && strcmp(v.proof.how, "reply")
	    == 0, "verdict: agent by a reply (%s)", vk());
	rows = rows_since(&f, mark);
	ok(!fx_find(rows, NULL, HANA_A) && !fx_find(rows, "answer", NULL),
	    "reply to a note: nothing to the client");
	g_ptr_array_unref(rows);

	/* An answer quoting a note is stopped. */
	mark = fx_mark(&f);
	send_reply(&f, FX_OLGA, NULL, "[ACME#1000] Server down", NULL, FX_DKIM,
	    "Hello, the admin password is " SECRET1 " for now.");
	rows = rows_since(&f, mark);
	ok(!fx_find(rows, "answer", HANA_A) && fx_find(rows, "guard_stopped",
	    OLGA_A), "leak: the answer goes back to the agent, not the "
	    "client");
	g_ptr_array_unref(rows);

	/* A clean answer goes out, and the client's reply reaches agents. */
	mark = fx_mark(&f);
	send_reply(&f, FX_OLGA, NULL, "[ACME#1000] Server down", NULL, FX_DKIM,
	    "Hello, we are replacing a part; the server is back tomorrow.");
	send_reply(&f, HANA, NULL, "Re: [ACME#1000] Server down", NULL, NULL,
	    "Thanks for the update, we wait.");
	rows = rows_since(&f, mark);
	ok(fx_find(rows, "answer", HANA_A) && fx_find(rows, "answer",
	    PAVEL_A), "clean answer: relayed");
	g_ptr_array_unref(rows);
	ok(fx_leaks(&f, SECRET1) == 0 && fx_leaks(&f, "rack four") == 0,
	    "notes: no mail to a client holds the #note text");
	ok(fx_leaks(&f, SECRET2) == 0, "notes: nor the note address's text");
	ok(fx_leaks(&f, SECRET3) == 0, "notes: nor the reply to a note");
	ok(fx_int(&f, "SELECT COUNT(*) FROM outbox WHERE rcpt IN "
	    "('hana@client.test', 'pavel@client.test') AND kind LIKE "
	    "'%%note%%'") == 0, "notes: no note template to a client");
	fx_close(&f);
}

int
main(void)
{
	g_mime_init();
	test_threading();
	test_onetask();
	test_reopen();
	test_merge();
	test_commands();
	test_notes();
	ok(classify_wrote == 0, "classify() wrote nothing, on every message");
	if (have_v)
		verdict_clear(&v);
	g_free(last_id);
	return tap_done();
}
