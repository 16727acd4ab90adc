/* unit_bounce.c: bounces of our own mail through classify() and the
 * stage table, on an in-memory database (tests/fixture.h): a DSN on our
 * acknowledgement is filed on its ticket (never answered, never
 * reopening), the failed recipient recorded, the address marked failing
 * for bounce_hold_days; automatic mail to it is held (logged, recorded),
 * an agent's answer still goes; the agents are told once per failing
 * period; real bounces of six MTAs (tests/mail/bounce-*) are filed; a
 * transient delay marks nothing; a forged MAC files nothing on the
 * ticket; a report naming another address than the one our mail went to
 * marks nobody; mail from the address, or a success report, ends the
 * hold, and so does time (a later bounce starts a new period, told
 * again); a notice goes out from a bounce address (VERP) and a report to
 * it that returns nothing of the mail is filed, a forged one is not; mail
 * from our own support addresses opens no ticket and gets no answer. */
#define _GNU_SOURCE
#include "fixture.h"
#include "notify.h"
#include "tap.h"

static unsigned long ticket;
static char *ack_id;

static char *
msgid_of(const struct fx_row *r)
{
	const char *p = r ? strcasestr(r->data, "\nMessage-ID: <") : NULL;
	const char *e = p ? strchr(p, '>') : NULL;

	return e ? g_strndup(p + 14, e - p - 14) : g_strdup("");
}

static enum verdict_kind
kind_of(struct fixture *fx, const char *raw, char **reasons_r)
{
	struct verdict v;
	enum verdict_kind k = (enum verdict_kind)-1;

	if (fx_classify(fx, raw, &v) == 0) {
		k = v.kind;
		if (reasons_r)
			*reasons_r = g_strdup(v.reasons->str);
		verdict_clear(&v);
	} else if (reasons_r)
		*reasons_r = g_strdup("classify failed");
	return k;
}

/* A Postfix-style DSN on the mail with Message-ID id, reporting rcpt
 * with status (action from it); the returned headers say it went to
 * sent_to. */
static char *
dsn(const char *id, const char *rcpt, const char *status,
    const char *sent_to)
{
	static unsigned n;

	return g_strdup_printf(
	    "Return-Path: <>\n"
	    "From: MAILER-DAEMON@mx.client.test (Mail Delivery System)\n"
	    "To: support@example.test\n"
	    "Subject: Undelivered Mail Returned to Sender\n"
	    "Auto-Submitted: auto-replied\n"
	    "Message-ID: <dsn.%u.%u@mx.client.test>\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/report; report-type=delivery-status;\n"
	    "\tboundary=\"BB\"\n\n"
	    "--BB\nContent-Type: text/plain\n\nYour mail could not be "
	    "delivered.\n\n"
	    "--BB\nContent-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; mx.client.test\n\n"
	    "Final-Recipient: rfc822; %s\nAction: %s\nStatus: %s\n"
	    "Diagnostic-Code: smtp; %c50 %s mailbox unavailable\n\n"
	    "--BB\nContent-Type: text/rfc822-headers\n\n"
	    "Message-ID: <%s>\nFrom: ACME Support <support@example.test>\n"
	    "To: %s\nSubject: [ACME#%lu] Printer\n\n--BB--\n", ++n,
	    g_random_int(), rcpt, status[0] == '5' ? "failed" : status[0] ==
	    '4' ? "delayed" : "delivered", status, status[0], status, id,
	    sent_to, ticket);
}

static int64_t
failing(struct fixture *fx, const char *addr)
{
	return fx_int(fx, "SELECT COUNT(*) FROM failing_addresses WHERE "
	    "address = '%s' AND until > strftime('%%s', 'now')", addr);
}

static int64_t
events(struct fixture *fx, const char *event)
{
	return fx_int(fx, "SELECT COUNT(*) FROM events WHERE ticket = %lu "
	    "AND event = '%s'", ticket, event);
}

static void
test_dsn_on_ack(struct fixture *fx)
{
	char *raw = fx_mail("From: Ann <ann@client.test>\nSubject: Printer\n",
	    "The printer is broken.");
	char *status, *reasons = NULL, *b;
	GPtrArray *rows;
	unsigned long t = 0;
	enum verdict_kind k;

	fx_deliver(fx, raw, &ticket);
	g_free(raw);
	rows = fx_outbox(fx);
	ack_id = msgid_of(fx_find(rows, "ack", "ann@client.test"));
	g_ptr_array_unref(rows);
	ok(ticket && *ack_id, "setup: ticket #%lu acknowledged <%s>", ticket,
	    ack_id);

	b = dsn(ack_id, "ann@client.test", "5.1.1", "ann@client.test");
	k = kind_of(fx, b, &reasons);
	ok(k == VERDICT_BOUNCE, "dsn: classify says bounce (%s)", reasons);
	g_free(reasons);
	ok(fx_deliver(fx, b, &t) == PIPE_STORED && t == ticket,
	    "dsn: filed on the ticket of the mail it reports on (#%lu)", t);
	ok(fx_int(fx, "SELECT COUNT(*) FROM messages WHERE ticket = %lu AND "
	    "kind = 'bounce'", ticket) == 1, "dsn: stored as a bounce");
	ok(fx_int(fx, "SELECT COUNT(*) FROM events WHERE ticket = %lu AND "
	    "event = 'bounce' AND detail LIKE '%%ann@client.test%%5.1.1%%'",
	    ticket) == 1, "dsn: an event names the recipient and the status");
	ok(failing(fx, "ann@client.test") == 1 &&
	    events(fx, "address-failing") == 1,
	    "dsn: 5.1.1 marks ann@client.test failing");
	ok(fx_int(fx, "SELECT until - since FROM failing_addresses WHERE "
	    "address = 'ann@client.test'") == 7 * 86400,
	    "dsn: for bounce_hold_days (7 by default)");
	status = fx_ticket_col(fx, ticket, "status");
	ok(strcmp(status, "open") == 0 || strcmp(status, "new") == 0,
	    "dsn: the ticket's status is unchanged (%s)", status);
	g_free(status);
	rows = fx_outbox(fx);
	ok(!fx_find(rows, NULL, "mailer-daemon@mx.client.test") &&
	    !fx_find(rows, NULL, "ann@client.test"),
	    "dsn: never answered");
	ok(fx_count(rows, "bounce_notice", FX_AGENT1) == 1 &&
	    fx_count(rows, "bounce_notice", FX_AGENT2) == 1 &&
	    fx_count(rows, "agent_message", NULL) == 0,
	    "dsn: the queue's agents are told (bounce_notice), not sent the "
	    "report");
	ok(fx_find(rows, "bounce_notice", FX_AGENT1) &&
	    strstr(fx_find(rows, "bounce_notice", FX_AGENT1)->text,
	    "Mail to ann@client.test is failing: 550 5.1.1 mailbox "
	    "unavailable") != NULL, "dsn: the notice says why");
	g_ptr_array_unref(rows);
	g_free(b);

	/* Another report in the same failing period: filed, not told. */
	b = dsn(ack_id, "ann@client.test", "5.2.2", "ann@client.test");
	fx_deliver(fx, b, NULL);
	rows = fx_outbox(fx);
	ok(fx_count(rows, "bounce_notice", NULL) == 0 &&
	    events(fx, "bounce") == 2,
	    "second bounce: filed, the agents not told again");
	g_ptr_array_unref(rows);
	g_free(b);
}

/* While failing: automatic mail held, an agent's answer goes. */
static void
test_hold(struct fixture *fx)
{
	GPtrArray *rows = fx_outbox(fx);
	char *id = msgid_of(fx_find(rows, "bounce_notice", FX_AGENT2));
	char *answer;

	g_ptr_array_unref(rows);
	rows = fx_outbox(fx);
	g_ptr_array_unref(rows);
	/* The notice is threaded: John replies to the ack's thread. */
	answer = g_strdup_printf("From: John Smith <" FX_AGENT2 ">\n"
	    "Subject: Re: [ACME#%lu] Printer\nTo: support@example.test\n"
	    "Message-ID: <hold.a1@example.test>\n" FX_DKIM "\n"
	    "#take\nPlease check the cable.\n", ticket);
	ok(fx_deliver(fx, answer, NULL) == PIPE_STORED, "hold: agent mail "
	    "stored");
	rows = fx_outbox(fx);
	ok(fx_find(rows, "answer", "ann@client.test") != NULL,
	    "hold: the agent's answer still goes to the failing address");
	ok(!fx_find(rows, "taken", "ann@client.test"),
	    "hold: the automatic notice (taken) is not sent");
	ok(fx_int(fx, "SELECT COUNT(*) FROM events WHERE ticket = %lu AND "
	    "event = 'bounce-hold' AND detail LIKE 'taken to ann@client.test"
	    "%%'", ticket) == 1, "hold: recorded on the ticket");
	g_ptr_array_unref(rows);
	g_free(answer);
	g_free(id);
}

/* Six MTAs' real bounces (tests/mail/bounce-*, bounce-SOURCES) on mail
 * of the ticket to their recipients. */
static void
test_real(struct fixture *fx)
{
	static const struct {
		const char *file, *rcpt;
	} b[] = {
		{ "bounce-postfix.eml", "kijitora@example.org" },
		{ "bounce-sendmail.eml", "userunknown@bouncehammer.jp" },
		{ "bounce-exchange.eml", "mikeneko@example.co.jp" },
		{ "bounce-office365.eml", "kijitora@example.jp" },
		{ "bounce-exim.eml", "kijitora@example.ed.jp" },
		{ "bounce-qmail.eml", "kijitora@example.ne.jp" },
	};
	const char *top = getenv("top_srcdir");

	for (size_t i = 0; i < G_N_ELEMENTS(b); i++) {
		char *path = g_strdup_printf("%s/tests/mail/%s", top ? top :
		    "..", b[i].file), *raw = NULL, *id, **parts, *filled;
		unsigned long t = 0;

		if (!g_file_get_contents(path, &raw, NULL, NULL)) {
			ok(0, "%s: read", path);
			g_free(path);
			continue;
		}
		id = mac_msgid(ticket, b[i].rcpt, "example.test");
		parts = g_strsplit(raw, "@@MSGID@@", -1);
		filled = g_strjoinv(id, parts);
		ok(fx_deliver(fx, filled, &t) == PIPE_STORED && t == ticket &&
		    failing(fx, b[i].rcpt) == 1,
		    "%s: filed on #%lu, %s failing", b[i].file, t, b[i].rcpt);
		g_strfreev(parts);
		g_free(filled);
		g_free(id);
		g_free(raw);
		g_free(path);
	}
	g_ptr_array_unref(fx_outbox(fx));
}

static void
test_not_marked(struct fixture *fx)
{
	char *id = mac_msgid(ticket, "bob@client.test", "example.test");
	char *forged = g_strdup(ack_id), *b, *reasons = NULL;
	char *eve = mac_msgid(ticket, "eve@evil.test", "example.test");
	size_t n = strcspn(forged, "@");
	unsigned long t = 0;
	enum verdict_kind k;

	/* A transient delay: filed, nothing marked. */
	b = dsn(id, "bob@client.test", "4.4.1", "bob@client.test");
	ok(fx_deliver(fx, b, &t) == PIPE_STORED && t == ticket &&
	    failing(fx, "bob@client.test") == 0,
	    "delay 4.4.1: filed on the ticket, the address not failing");
	g_free(b);

	/* Our id with a wrong MAC: not ours, not filed on the ticket. */
	forged[n - 1] = forged[n - 1] == '0' ? '1' : '0';
	b = dsn(forged, "carl@client.test", "5.1.1", "carl@client.test");
	k = kind_of(fx, b, &reasons);
	ok(k != VERDICT_BOUNCE, "forged MAC: no bounce (%s)", reasons);
	ok(fx_deliver(fx, b, &t) == PIPE_STORED && t != ticket &&
	    failing(fx, "carl@client.test") == 0,
	    "forged MAC: not filed on the ticket, nothing marked");
	g_free(reasons);
	g_free(b);

	/* Eve got a mail from us and forges a report naming someone else. */
	b = dsn(eve, "victim@client.test", "5.1.1", "victim@client.test");
	ok(fx_deliver(fx, b, &t) == PIPE_STORED && t == ticket &&
	    failing(fx, "victim@client.test") == 0 &&
	    failing(fx, "eve@evil.test") == 0,
	    "a report naming another address than our mail went to: filed, "
	    "nobody marked");
	g_free(b);
	g_ptr_array_unref(fx_outbox(fx));
	g_free(id);
	g_free(eve);
	g_free(forged);
}

/* Mail from the address proves it works; so does a success report. */
static void
test_clear(struct fixture *fx)
{
	char *raw = fx_mail("From: Ann <ann@client.test>\nSubject: Scanner "
	    "too\n", "Now the scanner is broken as well.");
	char *id = mac_msgid(ticket, "kijitora@example.org", "example.test");
	char *b = dsn(id, "kijitora@example.org", "2.0.0",
	    "kijitora@example.org");
	GPtrArray *rows;

	fx_deliver(fx, raw, NULL);
	rows = fx_outbox(fx);
	ok(failing(fx, "ann@client.test") == 0 &&
	    fx_int(fx, "SELECT COUNT(*) FROM events WHERE event = "
	    "'address-works'") == 1,
	    "mail from the failing address clears it (recorded)");
	ok(fx_find(rows, "ack", "ann@client.test") != NULL,
	    "... and that mail is acknowledged again");
	g_ptr_array_unref(rows);
	ok(fx_deliver(fx, b, NULL) == PIPE_STORED &&
	    failing(fx, "kijitora@example.org") == 0,
	    "a success report (2.0.0) clears the address");
	g_free(raw);
	g_free(b);
	g_free(id);
}

/* The hold ends after bounce_hold_days. */
static void
test_expiry(struct fixture *fx)
{
	char *clock = g_build_filename(fx->dir, "clock", NULL);
	char *now = g_strdup_printf("%lld", (long long)time(NULL) +
	    8 * 86400);
	struct tx tx = { .db = fx->db, .cfg = fx->cfg };
	struct pd_ticket t;
	GPtrArray *rows;
	int64_t fails = failing(fx, "userunknown@bouncehammer.jp");
	char *id, *b;

	g_file_set_contents(clock, now, -1, NULL);
	g_setenv("POSTDESK_TEST_CLOCK", clock, TRUE);
	store_ticket_get(fx->db, ticket, &t);
	g_free(t.requester);
	t.requester = g_strdup("userunknown@bouncehammer.jp");
	notify_requester(&tx, &t, "status_waiting", NULL, NULL, false);
	rows = fx_outbox(fx);
	ok(fails == 1 && fx_find(rows, "status_waiting",
	    "userunknown@bouncehammer.jp") != NULL,
	    "after bounce_hold_days automatic mail goes again");
	g_ptr_array_unref(rows);
	/* It bounces again: a new failing period, the agents told again. */
	id = mac_msgid(ticket, "userunknown@bouncehammer.jp", "example.test");
	b = dsn(id, "userunknown@bouncehammer.jp", "5.1.1",
	    "userunknown@bouncehammer.jp");
	fx_deliver(fx, b, NULL);
	rows = fx_outbox(fx);
	ok(fx_count(rows, "bounce_notice", NULL) > 0 && fx_int(fx, "SELECT "
	    "since FROM failing_addresses WHERE address = "
	    "'userunknown@bouncehammer.jp'") == g_ascii_strtoll(now, NULL, 10),
	    "a bounce after the hold: a new failing period, told again");
	g_ptr_array_unref(rows);
	g_free(b);
	g_free(id);
	g_unsetenv("POSTDESK_TEST_CLOCK");
	g_unlink(clock);
	store_ticket_clear(&t);
	g_free(clock);
	g_free(now);
}

/* A report that returns nothing of our mail, sent to the bounce address
 * (verp.h) the mail went out with. */
static char *
dsn_bare(const char *to, const char *rcpt)
{
	return g_strdup_printf(
	    "Return-Path: <>\n"
	    "From: MAILER-DAEMON@mx.client.test\n"
	    "To: %s\n"
	    "Subject: failure notice\n"
	    "Message-ID: <bare.%u@mx.client.test>\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/report; report-type=delivery-status; "
	    "boundary=\"C\"\n\n"
	    "--C\nContent-Type: text/plain\n\nFailed.\n\n"
	    "--C\nContent-Type: message/delivery-status\n\n"
	    "Reporting-MTA: dns; mx.client.test\n\n"
	    "Final-Recipient: rfc822; %s\nAction: failed\nStatus: 5.1.1\n\n"
	    "--C--\n", to, g_random_int(), rcpt);
}

static void
test_verp(struct fixture *fx)
{
	struct tx tx = { .db = fx->db, .cfg = fx->cfg };
	struct pd_ticket t;
	const struct fx_row *w;
	GPtrArray *rows;
	char *env = NULL, *b, *forged;
	unsigned long num = 0;

	store_ticket_get(fx->db, ticket, &t);
	notify_requester(&tx, &t, "status_waiting", NULL, NULL, false);
	store_ticket_clear(&t);
	rows = fx_outbox(fx);
	w = fx_find(rows, "status_waiting", "ann@client.test");
	ok(w && g_str_has_prefix(w->env_from, "support+bounce-pd.") &&
	    g_str_has_suffix(w->env_from, "@example.test"),
	    "verp: a notice's envelope sender names the mail (%s)",
	    w ? w->env_from : "-");
	env = g_strdup(w ? w->env_from : "");
	g_ptr_array_unref(rows);

	b = dsn_bare(env, "ann@client.test");
	ok(fx_deliver(fx, b, &num) == PIPE_STORED && num == ticket &&
	    failing(fx, "ann@client.test") == 1,
	    "verp: a report returning nothing of our mail, sent to the "
	    "bounce address, is filed and marks the address");
	g_free(b);
	forged = g_strdup(env);
	forged[strcspn(forged, "@") - 1] ^= 1;
	b = dsn_bare(forged, "bob@client.test");
	ok(fx_deliver(fx, b, &num) == PIPE_STORED && num != ticket &&
	    failing(fx, "bob@client.test") == 0,
	    "verp: a forged bounce address files nothing on the ticket");
	g_ptr_array_unref(fx_outbox(fx));
	g_free(b);
	g_free(forged);
	g_free(env);
}

/* Our own support addresses are never a request (no loop header). */
static void
test_own(struct fixture *fx)
{
	static const char *const own[] = { "support@example.test",
		"Support@Example.Test", "support+note@example.test" };

	for (size_t i = 0; i < G_N_ELEMENTS(own); i++) {
		char *h = g_strdup_printf("From: ACME Support <%s>\n"
		    "Subject: Please help\n", own[i]);
		char *raw = fx_mail(h, "I need help with my account.");
		char *reasons = NULL;
		unsigned long t = 1;
		int64_t before = fx_int(fx, "SELECT COUNT(*) FROM tickets");
		GPtrArray *rows;

		enum verdict_kind k = kind_of(fx, raw, &reasons);

		ok(k == VERDICT_UNFILED, "own %s: unfiled (%s)", own[i],
		    reasons);
		ok(fx_deliver(fx, raw, &t) == PIPE_STORED && t == 0 &&
		    fx_int(fx, "SELECT COUNT(*) FROM tickets") == before,
		    "own %s: no ticket", own[i]);
		rows = fx_outbox(fx);
		ok(rows->len == 0, "own %s: nothing sent", own[i]);
		g_ptr_array_unref(rows);
		g_free(reasons);
		g_free(raw);
		g_free(h);
	}
}

int
main(void)
{
	struct fixture fx;

	g_mime_init();
	if (fx_open(&fx, FX_TRUST_MX, "") != 0) {
		ok(0, "fixture");
		return tap_done();
	}
	test_dsn_on_ack(&fx);
	test_hold(&fx);
	test_real(&fx);
	test_not_marked(&fx);
	test_clear(&fx);
	test_expiry(&fx);
	test_verp(&fx);
	test_own(&fx);
	fx_close(&fx);
	g_free(ack_id);
	g_mime_shutdown();
	return tap_done();
}
