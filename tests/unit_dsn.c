/* unit_dsn.c: msg_dsn() (dsn.h) on real bounces of Postfix, Sendmail,
 * Exchange, Microsoft's hosted mail, Exim and qmail (tests/mail/bounce-*,
 * see bounce-SOURCES), an Exim-style plain bounce with the original
 * attached, a transient delay, a success report, a read receipt (not a
 * bounce), and hostile reports: huge, many recipients, fields missing or
 * malformed. */
#include <stdlib.h>
#include <string.h>
#include <gmime/gmime.h>
#include "dsn.h"
#include "mailfile.h"
#include "msg.h"
#include "tap.h"
#include "verp.h"

#define OURS "pd.1000.abcdef01.m1234.5678@example.test"

static const struct pd_limits lim = PD_LIMITS_DEFAULT;

static struct pd_msg *
parse_raw(const char *raw, size_t len)
{
	struct pd_msg *m = NULL;
	char *err = NULL;

	if (msg_parse(raw, len, &lim, &m, &err) != 0) {
		printf("# parse error: %s\n", err);
		g_free(err);
	}
	return m;
}

/* tests/mail/NAME with @@MSGID@@ replaced by OURS. */
static struct pd_msg *
parse_file(const char *name)
{
	char *raw = mail_file(name, NULL), **parts;
	struct pd_msg *m = NULL;

	if (raw) {
		parts = g_strsplit(raw, "@@MSGID@@", -1);
		g_free(raw);
		raw = g_strjoinv(OURS, parts);
		g_strfreev(parts);
		m = parse_raw(raw, strlen(raw));
	}
	g_free(raw);
	return m;
}

static const struct dsn_rcpt *
rcpt(const struct dsn_report *r, guint i)
{
	return i < r->rcpts->len ? r->rcpts->pdata[i] : NULL;
}

static bool
has_id(const struct dsn_report *r, const char *id)
{
	for (guint i = 0; i < r->ids->len; i++)
		if (strcmp(r->ids->pdata[i], id) == 0)
			return true;
	return false;
}

/* One real bounce: its form, first recipient, status, permanence, and
 * that our id is found. */
static void
check_file(const char *name, enum dsn_form form, const char *addr,
    const char *status, bool permanent, const char *diag_part)
{
	struct pd_msg *m = parse_file(name);
	struct dsn_report r;
	const struct dsn_rcpt *x;
	bool is;

	if (!ok(m != NULL, "%s: parses", name))
		return;
	is = msg_dsn(m, &r);
	x = rcpt(&r, 0);
	ok(is && r.form == form, "%s: a %s bounce", name,
	    form == DSN_REPORT ? "DSN" : "plain");
	ok(x && (strcmp(x->original, addr) == 0 || strcmp(x->final, addr) == 0),
	    "%s: recipient %s (final '%s', original '%s')", name, addr,
	    x ? x->final : "-", x ? x->original : "-");
	ok(x && strcmp(x->status, status) == 0, "%s: status %s ('%s')", name,
	    status, x ? x->status : "-");
	ok(x && dsn_rcpt_failed(x) && dsn_rcpt_permanent(x) == permanent,
	    "%s: %s", name, permanent ? "permanent" : "transient");
	ok(x && (!diag_part || strstr(x->diagnostic, diag_part)),
	    "%s: diagnostic ('%s')", name, x ? x->diagnostic : "-");
	ok(has_id(&r, OURS), "%s: the returned mail's Message-ID is found",
	    name);
	dsn_report_clear(&r);
	msg_free(&m);
}

static void
test_real(void)
{
	struct pd_msg *m;
	struct dsn_report r;

	check_file("bounce-postfix.eml", DSN_REPORT, "kijitora@example.org",
	    "5.1.1", true, "No such user");
	check_file("bounce-sendmail.eml", DSN_REPORT,
	    "userunknown@bouncehammer.jp", "5.1.1", true, "User Unknown");
	check_file("bounce-exchange.eml", DSN_REPORT,
	    "mikeneko@example.co.jp", "5.1.1", true, "RecipNotFound");
	check_file("bounce-office365.eml", DSN_REPORT, "kijitora@example.jp",
	    "5.2.2", true, "Mailbox Full");
	check_file("bounce-exim.eml", DSN_PLAIN, "kijitora@example.ed.jp",
	    "5.7.0", true, NULL);
	check_file("bounce-qmail.eml", DSN_PLAIN, "kijitora@example.ne.jp",
	    "5.5.0", true, NULL);
	/* Postfix: the original recipient before forwarding is kept apart. */
	m = parse_file("bounce-postfix.eml");
	msg_dsn(m, &r);
	ok(r.rcpts->len == 1 && strcmp(rcpt(&r, 0)->final,
	    "r@p351355.pool.example.ne.jp") == 0 &&
	    strcmp(rcpt(&r, 0)->original, "kijitora@example.org") == 0 && r.sent_to->len == 1 &&
	    strcmp(r.sent_to->pdata[0], "kijitora@example.org") == 0,
	    "postfix: final and original recipient, and whom the mail went to");
	dsn_report_clear(&r);
	msg_free(&m);
}

static const char dsn_head[] =
	"From: MAILER-DAEMON@mx.example.net\n"
	"To: support@example.test\n"
	"Subject: Delivery Status Notification\n"
	"Message-ID: <dsn.%u@mx.example.net>\n"
	"MIME-Version: 1.0\n"
	"Content-Type: multipart/report; report-type=%s; boundary=\"B\"\n\n"
	"--B\nContent-Type: text/plain\n\nNotice.\n\n"
	"--B\nContent-Type: message/%s\n\n"
	"Reporting-MTA: dns; mx.example.net\n\n";

static const char dsn_tail[] =
	"\n--B\nContent-Type: text/rfc822-headers\n\n"
	"Message-ID: <" OURS ">\nTo: ann@client.test\nSubject: x\n\n"
	"--B--\n";

/* A report with blocks as the per-recipient part. */
static struct pd_msg *
report(const char *type, const char *blocks)
{
	static unsigned n;
	char *head = g_strdup_printf(dsn_head, ++n, type,
	    strcmp(type, "disposition-notification") == 0 ?
	    "disposition-notification" : "delivery-status");
	char *raw = g_strconcat(head, blocks, dsn_tail, NULL);
	struct pd_msg *m = parse_raw(raw, strlen(raw));

	g_free(head);
	g_free(raw);
	return m;
}

static void
test_kinds(void)
{
	struct dsn_report r;
	struct pd_msg *m;
	const struct dsn_rcpt *x = NULL;

	m = report("delivery-status", "Final-Recipient: rfc822; "
	    "ann@client.test\nAction: delayed\nStatus: 4.4.1\n"
	    "Diagnostic-Code: smtp; 451 4.4.1 try again later\n"
	    "Will-Retry-Until: Tue, 1 Dec 2026 08:00:00 +0000\n");
	ok(msg_dsn(m, &r) && (x = rcpt(&r, 0)) && dsn_rcpt_failed(x) &&
	    !dsn_rcpt_permanent(x) && strcmp(x->status, "4.4.1") == 0 &&
	    strcmp(x->action, "delayed") == 0 &&
	    strcmp(x->diagnostic, "451 4.4.1 try again later") == 0,
	    "delay 4.4.1: transient, not permanent");
	ok(has_id(&r, OURS) && r.sent_to->len == 1,
	    "text/rfc822-headers: our id and its recipient");
	dsn_report_clear(&r);
	msg_free(&m);

	m = report("delivery-status", "Final-Recipient: rfc822; "
	    "Ann@Client.Test\nAction: delivered\nStatus: 2.0.0\n");
	ok(msg_dsn(m, &r) && (x = rcpt(&r, 0)) && dsn_rcpt_delivered(x) &&
	    !dsn_rcpt_failed(x) && strcmp(x->final, "ann@client.test") == 0,
	    "success report: delivered, address lower-cased");
	dsn_report_clear(&r);
	msg_free(&m);

	m = report("disposition-notification", "Final-Recipient: rfc822; "
	    "ann@client.test\nDisposition: manual-action/MDN-sent-manually; "
	    "displayed\n");
	ok(!msg_dsn(m, &r) && r.form == DSN_NONE,
	    "a read receipt is no delivery report");
	dsn_report_clear(&r);
	msg_free(&m);

	/* Folded fields, odd case, angle brackets, a multi-line diagnostic. */
	m = report("delivery-status", "final-recipient: RFC822;\n"
	    "   <Bob@Client.Test>\nACTION: Failed\nstatus: 5.7.1 (denied)\n"
	    "Diagnostic-Code: smtp; 550 5.7.1 relaying\n  denied\n");
	msg_dsn(m, &r);
	x = rcpt(&r, 0);
	ok(x && strcmp(x->final, "bob@client.test") == 0 &&
	    strcmp(x->action, "failed") == 0 &&
	    strcmp(x->status, "5.7.1") == 0 && dsn_rcpt_permanent(x) &&
	    strcmp(x->diagnostic, "550 5.7.1 relaying denied") == 0,
	    "folded and oddly cased fields read by their grammar ('%s')",
	    x ? x->diagnostic : "-");
	dsn_report_clear(&r);
	msg_free(&m);
}

static void
test_hostile(void)
{
	struct dsn_report r;
	struct pd_msg *m;
	const struct dsn_rcpt *x = NULL;
	GString *s = g_string_new(NULL);

	/* Many recipients: bounded. */
	for (unsigned i = 0; i < 5000; i++)
		g_string_append_printf(s, "Final-Recipient: rfc822; "
		    "u%u@client.test\nAction: failed\nStatus: 5.1.1\n\n", i);
	m = report("delivery-status", s->str);
	msg_dsn(m, &r);
	ok(r.form == DSN_REPORT && r.rcpts->len == DSN_MAX_RCPTS &&
	    r.truncated, "5000 recipient blocks: %u kept, truncated",
	    r.rcpts->len);
	dsn_report_clear(&r);
	msg_free(&m);

	/* A huge diagnostic: cut to DSN_MAX_FIELD bytes. */
	g_string_assign(s, "Final-Recipient: rfc822; ann@client.test\n"
	    "Action: failed\nStatus: 5.0.0\nDiagnostic-Code: smtp; ");
	for (unsigned i = 0; i < 20000; i++)
		g_string_append(s, "ошибка ");
	g_string_append_c(s, '\n');
	m = report("delivery-status", s->str);
	ok(m && msg_dsn(m, &r) && (x = rcpt(&r, 0)) &&
	    strlen(x->diagnostic) <= DSN_MAX_FIELD &&
	    g_utf8_validate(x->diagnostic, -1, NULL) && r.truncated,
	    "huge diagnostic: cut to %u bytes on a character boundary",
	    DSN_MAX_FIELD);
	dsn_report_clear(&r);
	msg_free(&m);

	/* Missing and malformed fields. */
	m = report("delivery-status", "Final-Recipient: x-unix; neko\n"
	    "Status: 5.1\n\nOriginal-Recipient: rfc822; not an address\n"
	    "Status: 9.9.9\nAction: \n\nAction: failed\nStatus: 5.1.1\n\n"
	    "Final-Recipient: rfc822; a@b.test, c@d.test\n");
	msg_dsn(m, &r);
	ok(r.rcpts->len == 3,
	    "blocks without a recipient field are skipped (%u)",
	    r.rcpts->len);
	ok((x = rcpt(&r, 0)) && !*x->final && !*x->status && !*x->action &&
	    !dsn_rcpt_failed(x), "x-unix recipient, status 5.1: not read");
	ok((x = rcpt(&r, 1)) && !*x->original && !*x->status,
	    "not an address, status 9.9.9: not read");
	ok((x = rcpt(&r, 2)) && !*x->final,
	    "two addresses in one recipient field: none");
	dsn_report_clear(&r);
	msg_free(&m);

	/* A huge plain bounce: the notice read up to its bound, the copy
	 * still found. */
	g_string_assign(s, "Return-Path: <>\nFrom: MAILER-DAEMON@mx.test\n"
	    "To: support@example.test\nSubject: failure notice\n"
	    "Message-ID: <huge@mx.test>\n\n<ann@client.test>:\n");
	for (unsigned i = 0; i < 20000; i++)
		g_string_append(s, "A permanent error; ошибка.\n");
	g_string_append(s, "--- Below this line is a copy of the message.\n\n"
	    "Message-ID: <" OURS ">\nTo: ann@client.test\n\nHi\n");
	m = parse_raw(s->str, s->len);
	msg_dsn(m, &r);
	x = rcpt(&r, 0);
	ok(r.form == DSN_PLAIN && has_id(&r, OURS) && x &&
	    strcmp(x->final, "ann@client.test") == 0 && dsn_rcpt_permanent(x),
	    "an 800 KB plain bounce: read within its bounds");
	dsn_report_clear(&r);
	msg_free(&m);

	/* A report part of another size than it claims, an empty one. */
	m = report("delivery-status", "");
	ok(m && msg_dsn(m, &r) && r.rcpts->len == 0 && has_id(&r, OURS),
	    "an empty report: no recipient, the returned id still found");
	dsn_report_clear(&r);
	msg_free(&m);
	g_string_free(s, TRUE);
}

/* Exim's "Mail delivery failed" with the original attached, not inline;
 * an auto-reply that attaches a message is no bounce. */
static void
test_plain_attached(void)
{
	static const char raw[] =
	    "Return-Path: <>\n"
	    "From: Mail Delivery System <Mailer-Daemon@mx.client.test>\n"
	    "To: support@example.test\n"
	    "Subject: Mail delivery failed: returning message to sender\n"
	    "Message-ID: <E1x@mx.client.test>\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=\"X\"\n\n"
	    "--X\nContent-Type: text/plain\n\n"
	    "This message was created automatically by mail delivery "
	    "software.\n\nA message that you sent could not be delivered to "
	    "one or more of its\nrecipients. This is a permanent error. The "
	    "following address(es) failed:\n\n  ann@client.test\n    mailbox "
	    "is full\n\n"
	    "--X\nContent-Type: message/rfc822\n\n"
	    "Message-ID: <" OURS ">\nFrom: support@example.test\n"
	    "To: Ann <ann@client.test>\nSubject: Re: help\n\nThanks.\n"
	    "--X--\n";
	static const char oof[] =
	    "From: Ann <ann@client.test>\n"
	    "To: support@example.test\n"
	    "Subject: Out of office\n"
	    "Message-ID: <oof@client.test>\n"
	    "MIME-Version: 1.0\n"
	    "Content-Type: multipart/mixed; boundary=\"X\"\n\n"
	    "--X\nContent-Type: text/plain\n\nAway.\n\n"
	    "--X\nContent-Type: message/rfc822\n\n"
	    "Message-ID: <" OURS ">\nTo: ann@client.test\n\nx\n--X--\n";
	struct pd_msg *m = parse_raw(raw, strlen(raw));
	struct dsn_report r;
	const struct dsn_rcpt *x;

	ok(m && msg_dsn(m, &r) && r.form == DSN_PLAIN && has_id(&r, OURS) &&
	    r.sent_to->len == 1 && strcmp(r.sent_to->pdata[0],
	    "ann@client.test") == 0,
	    "Exim with the original attached: a plain bounce, our id, whom "
	    "it went to");
	ok((x = rcpt(&r, 0)) && r.rcpts->len == 1 &&
	    strcmp(x->final, "ann@client.test") == 0 &&
	    dsn_rcpt_permanent(x), "... its one recipient failed for good "
	    "(\"permanent error\")");
	dsn_report_clear(&r);
	msg_free(&m);
	m = parse_raw(oof, strlen(oof));
	ok(m && !msg_dsn(m, &r), "an auto-reply attaching our mail is no "
	    "bounce");
	dsn_report_clear(&r);
	msg_free(&m);
}

/* Bounce addresses (verp.h): made from our id, read back, refused when
 * they would not fit or are not ours in form. */
static void
test_verp(void)
{
	char *s = verp_sender("support@example.test", OURS);
	char *id = verp_msgid(s, "example.test");
	char *longer = verp_sender("a-rather-long-support-address-name@example"
	    ".test", OURS);
	char *null = verp_sender("", OURS), *none;

	is_str(s, "support+bounce-pd.1000.abcdef01.m1234.5678@example.test",
	    "verp: local+bounce-<id>@domain");
	is_str(id, OURS, "verp: the id read back from it");
	g_free(id);
	id = verp_msgid("<SUPPORT+Bounce-pd.1000.abcdef01.m1234.5678@Example"
	    ".Test>", "example.test");
	is_str(id, OURS, "verp: read back case-insensitively, brackets too");
	is_str(longer, "a-rather-long-support-address-name@example.test",
	    "verp: not when the local part would pass 64 octets");
	is_str(null, "", "verp: a null sender stays null");
	none = verp_msgid("support@example.test", "example.test");
	ok(none == NULL, "verp: a plain address carries no id");
	g_free(id);
	id = verp_msgid("support+bounce-pd..1@example.test", "example.test");
	ok(id == NULL && !verp_msgid("support+bounce-x\"y@example.test",
	    "example.test") && !verp_msgid("support+bounce-@example.test",
	    "example.test"), "verp: nothing but an id's characters");
	g_free(id);
	g_free(s);
	g_free(longer);
	g_free(null);
}

int
main(void)
{
	g_mime_init();
	test_real();
	test_kinds();
	test_hostile();
	test_plain_attached();
	test_verp();
	g_mime_shutdown();
	return tap_done();
}
