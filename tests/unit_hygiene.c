/* unit_hygiene.c: automated mail is recognised, people's mail is not. */
#include <string.h>
#include <gmime/gmime.h>
#include "hygiene.h"
#include "tap.h"

#define PLAIN "From: Ivan <ivan@example.test>\nTo: support@example.test\n"

static void
check(const char *raw, bool want, const char *want_reason, const char *name)
{
	const struct pd_limits lim = PD_LIMITS_DEFAULT;
	struct pd_msg *m = NULL;
	const char *reason = "unset";
	char *err = NULL;
	bool is;

	if (msg_parse(raw, strlen(raw), &lim, &m, &err) != 0) {
		ok(0, "%s: parse error %s", name, err);
		g_free(err);
		return;
	}
	is = hygiene_is_automated(m, "support@example.test", &reason);
	ok(is == want && (want_reason == NULL ? reason == NULL :
	    reason != NULL && strcmp(reason, want_reason) == 0),
	    "%s (%s)", name, reason ? reason : "not automated");
	msg_free(&m);
}

/* Without a loop address, X-Loop proves nothing. */
static void
null_loop(void)
{
	const struct pd_limits lim = PD_LIMITS_DEFAULT;
	const char *raw = PLAIN "Subject: x\nX-Loop: support@example.test\n\n";
	struct pd_msg *m = NULL;
	const char *reason = "unset";
	char *err = NULL;

	if (msg_parse(raw, strlen(raw), &lim, &m, &err) != 0)
		g_free(err);
	ok(m && !hygiene_is_automated(m, NULL, &reason), "NULL loop address");
	is_str(reason == NULL ? "null" : reason, "null", "reason NULL when not "
	    "automated");
	msg_free(&m);
}

int
main(void)
{
	g_mime_init();
	check(PLAIN "Subject: Printer broken\n\nHelp!\n", false, NULL,
	    "normal mail");
	check(PLAIN "Subject: Re: [ACME#5] out of paper again\n"
	    "Auto-Submitted: no\nPrecedence: normal\n\nhi\n", false, NULL,
	    "Auto-Submitted: no is a person");
	check(PLAIN "Subject: Re: x\nAuto-Submitted: auto-replied\n\nbye\n",
	    true, "auto-submitted: auto-replied", "RFC 3834 auto-reply");
	check(PLAIN "Subject: Report\nAuto-Submitted: auto-generated; x=y\n\n",
	    true, "auto-submitted: auto-generated", "auto-generated");
	check(PLAIN "Subject: Automatic reply: Printer broken\n\nAway\n", true,
	    "vacation subject", "Exchange automatic reply");
	check(PLAIN "Subject: Out of Office: Printer broken\n\nAway\n", true,
	    "vacation subject", "Out of Office");
	check(PLAIN "Subject: =?utf-8?B?0JDQstGC0L7QvtGC0LLQtdGCOiDQv9GA0LjQvdGC"
	    "0LXRgA==?=\n\nx\n", true, "vacation subject", "Автоответ");
	check(PLAIN "Subject: =?koi8-r?B?7sXUIM7BIM3F09TFOiB4?=\n\nx\n", true,
	    "vacation subject", "Нет на месте (koi8-r)");
	check(PLAIN "Subject: В отпуске: Иван Петров\n\nx\n", true,
	    "vacation subject", "в отпуске: (marker with colon)");
	/* People write about vacations too: without other signs, a person. */
	check(PLAIN "Subject: Я в отпуске до 10 марта\n\nx\n", false, NULL,
	    "в отпуске in a sentence is a person");
	check(PLAIN "Subject: Как оформить сотрудника в отпуске?\n\nx\n",
	    false, NULL, "a question about vacations is a person");
	check(PLAIN "Subject: Re: x\nX-Autoreply: yes\n\n", true, "x-autoreply",
	    "X-Autoreply");
	check(PLAIN "Subject: Re: x\nX-Autorespond: yes\n\n", true,
	    "x-autorespond", "X-Autorespond");
	check(PLAIN "Subject: x\nX-Auto-Response-Suppress: All\n\n", true,
	    "x-auto-response-suppress: all", "Exchange suppress All");
	check(PLAIN "Subject: Meeting\nX-Auto-Response-Suppress: OOF\n\n", false,
	    NULL, "suppress OOF alone is a person");
	check(PLAIN "Subject: news\nPrecedence: bulk\n\n", true,
	    "precedence: bulk", "Precedence bulk");
	check(PLAIN "Subject: [list] x\nList-Id: <dev.lists.example.test>\n\n",
	    true, "list-id", "mailing list");
	check(PLAIN "Subject: x\nList-Unsubscribe: <mailto:u@x>\n\n", true,
	    "list-unsubscribe", "List-Unsubscribe");
	check("From: MAILER-DAEMON@mx.example.test\nSubject: Undelivered Mail\n"
	    "\nfailed\n", true, "from mailer-daemon", "MAILER-DAEMON bounce");
	check(PLAIN "Return-Path: <>\nSubject: x\n\n", true, "null return-path",
	    "null Return-Path");
	check("From: postmaster@mx.test\nSubject: Delivery Status Notification\n"
	    "Content-Type: multipart/report; report-type=delivery-status; "
	    "boundary=B\n\n--B\nContent-Type: text/plain\n\nfailed\n--B--\n",
	    true, "bounce or receipt (multipart/report)", "DSN");
	check(PLAIN "Subject: Read: x\nContent-Type: multipart/report; "
	    "report-type=disposition-notification; boundary=B\n\n--B\n"
	    "Content-Type: text/plain\n\nread\n--B--\n", true,
	    "bounce or receipt (multipart/report)", "MDN");
	check(PLAIN "Subject: x\nX-Loop: other@example.test\n"
	    "X-Loop: Support@Example.test\n\n", true, "our own mail (x-loop)",
	    "our own X-Loop");
	check(PLAIN "Subject: x\nX-Loop: other@example.test\n\n", false, NULL,
	    "someone else's X-Loop");
	check(PLAIN "Subject: x\nX-Mailer: Vacation autoresponder 1.0\n\n", true,
	    "x-mailer: autoresponder", "vacation X-Mailer");
	check(PLAIN "Subject: Re: printer still out of paper\n\n", false, NULL,
	    "ordinary reply with 'out of'");
	null_loop();
	g_mime_shutdown();
	return tap_done();
}
