/* unit_notices.c: the seams between the two halves of the timer notices
 * (plans.h, sla.h, digest.h, report.h) and the rest of the gateway, on
 * the fixture's in-memory gateway (tests/fixture.h) with two queues:
 * - a plan warning to a contact with no ticket speaks with the voice of
 *   the client's queue (From, signature) in that queue's language;
 * - the monthly report goes to the client's contacts (a client known by
 *   its domain has no addresses), from its queue, in the client's
 *   configured language rather than its newest ticket's;
 * - SLA breaches to the lead are not eaten by the per-address flood cap
 *   (they are claimed once and never retried);
 * - the digest's SLA state counts business hours like the SLA notices:
 *   a ticket of Friday evening is not "overdue" on Saturday;
 * - #due refuses a date in the past and a resolved ticket;
 * - the plan and SLA lines of agent mail read in the mail's language, and
 *   so do the ticket's status and priority in a Russian notice;
 * - a ticket reopened weeks after it was resolved does not breach its
 *   resolution target at once: resolved time does not count. */
#include "fixture.h"
#include "clock.h"
#include "digest.h"
#include "notify.h"
#include "plans.h"
#include "report.h"
#include "sla.h"
#include "ticket.h"
#include "tap.h"

/* Mondays to Fridays 09:00-18:00 UTC; 2026-11-23 is a Monday. */
#define MON_0900 1795424400
#define MON_1400 1795442400
#define FRI_1700 1795798800
#define SAT_1000 1795860000
#define MON_1000 1795428000
#define DEC07_0900 1796634000
#define DEC07_1000 1796637600

#define GW FX_TRUST_MX "  timezone = \"UTC\";\n" \
	"  team_copy = \"team@example.test\";\n"
#define TOP \
	"queues = (\n" \
	"  { name = \"support\"; addresses = \"support@example.test\";\n" \
	"    display_name = \"ACME Support\"; tag = \"ACME\";\n" \
	"    agents = [ \"John Smith\" ]; },\n" \
	"  { name = \"billing\"; addresses = \"billing@example.test\";\n" \
	"    display_name = \"ACME Billing\"; tag = \"bill\";\n" \
	"    language = \"ru\"; signature = \"Отдел расчётов ACME\";\n" \
	"    agents = [ \"Olga Ivanova\" ]; }\n" \
	");\n" \
	"clients = (\n" \
	"  { name = \"Globex\"; domains = \"globex.test\"; plan = \"small\";\n" \
	"    contacts = [ \"boss@globex.test\" ]; },\n" \
	"  { name = \"Initech\"; domains = \"initech.test\"; plan = \"small\";\n" \
	"    language = \"en\"; contacts = [ \"cfo@initech.test\" ]; },\n" \
	"  { name = \"Tom & Jerry <script>x</script>\"; domains = \"tj.test\";\n" \
	"    contacts = [ \"tj@tj.test\" ]; }\n" \
	");\n" \
	"plans = ( { name = \"small\"; hours = 10; } );\n" \
	"sla = { normal = 8; urgent = 4; resolution = { normal = 16; }; };\n" \
	"business_hours = { days = \"mon-fri\"; from = \"09:00\";\n" \
	"  to = \"18:00\"; };\n" \
	"digests = { times = [ \"10:00\" ]; };\n" \
	"floods = { address_per_hour = 1; address_per_day = 1; };\n"

static char *clock_file;

static void
set_clock(int64_t t)
{
	char *s = g_strdup_printf("%lld\n", (long long)t);

	g_file_set_contents(clock_file, s, -1, NULL);
	g_free(s);
}

static unsigned long
deliver(struct fixture *fx, const char *from, const char *to,
    const char *subject, const char *extra, const char *body)
{
	static unsigned n;
	unsigned long num = 0;
	char *raw = g_strdup_printf("From: %s\nTo: %s\nSubject: %s\n"
	    "Message-ID: <n.%u.%u@client.test>\n%s"
	    "Date: Mon, 23 Nov 2026 08:00:00 +0000\n\n%s\n", from, to, subject,
	    ++n, g_random_int(), extra ? extra : "", body);

	fx_deliver(fx, raw, &num);
	g_free(raw);
	return num;
}

/* Runs job (plans_check and the like need a transaction). */
static int
in_tx(struct fixture *fx, int (*job)(struct tx *, int64_t), int64_t now)
{
	struct tx tx = { .db = fx->db, .cfg = fx->cfg };
	int r;

	if (db_begin(fx->db) != 0)
		return -1;
	r = job(&tx, now);
	if (r == 0)
		return db_commit(fx->db);
	db_rollback(fx->db);
	return r;
}

static int
check_globex(struct tx *tx, int64_t now)
{
	return plans_check(tx, "Globex", now);
}

static bool
has(const char *hay, const char *needle)
{
	return hay && strstr(hay, needle) != NULL;
}

static bool
cyrillic(const char *s)
{
	return s && g_regex_match_simple("[а-яА-ЯёЁ]", s, 0, 0);
}

static void
test_sla_not_capped(struct fixture *fx, unsigned long a, unsigned long b)
{
	GPtrArray *rows;

	db_exec(fx->db, "UPDATE tickets SET priority = 'urgent'", "");
	g_ptr_array_unref(fx_outbox(fx));
	set_clock(MON_1400);
	ok(in_tx(fx, sla_job, MON_1400) == 0, "sla_job runs");
	rows = fx_outbox(fx);
	ok(fx_count(rows, "sla_first_breach", FX_AGENT1) == 2, "two urgent "
	    "tickets past 4 business hours: two breach notices to the lead, "
	    "neither capped (%u)", fx_count(rows, "sla_first_breach",
	    FX_AGENT1));
	ok(fx_int(fx, "SELECT COUNT(*) FROM notices_sent WHERE kind = "
	    "'sla_first_breach' AND subject IN ('%lu', '%lu')", a, b) == 2,
	    "both claimed");
	g_ptr_array_unref(rows);
}

static void
test_plan_voice(struct fixture *fx, unsigned long t)
{
	GPtrArray *rows;
	const struct fx_row *r;

	db_exec(fx->db, "INSERT INTO time_entries (ticket, agent, minutes, "
	    "billable, at) VALUES (?, 'Olga Ivanova', 480, 1, ?)", "ui", t,
	    (int64_t)MON_1400);
	ok(in_tx(fx, check_globex, MON_1400) == 0, "plans_check runs");
	rows = fx_outbox(fx);
	r = fx_find(rows, "plan_warning", "boss@globex.test");
	ok(r != NULL, "80 %%: the contact is told");
	ok(r && has(r->data, "billing@example.test") &&
	    g_str_has_prefix(r->env_from, "billing"), "... From and envelope "
	    "of billing, the queue of the client's ticket (%s)", r ?
	    r->env_from : "-");
	ok(r && has(r->text, "Отдел расчётов ACME"), "... with billing's "
	    "signature");
	ok(r && cyrillic(r->text), "... in billing's language: the contact "
	    "has no ticket and the client no language");
	g_ptr_array_unref(rows);
}

static void
test_report(struct fixture *fx, unsigned long t)
{
	const struct pd_client *cl = config_client(fx->cfg, "Initech");
	struct tx tx = { .db = fx->db, .cfg = fx->cfg };
	struct report rep;
	GPtrArray *rows;
	const struct fx_row *r;

	/* A ticket of before the client got its `language`. */
	db_exec(fx->db, "UPDATE tickets SET language = 'ru' WHERE number = ?",
	    "u", t);
	ok(cl && report_compute(fx->db, fx->cfg, cl, 2026, 11, &rep) == 0,
	    "report computed");
	if (!cl)
		return;
	is_str(rep.lang, "en", "report: the client's configured language "
	    "first");
	db_begin(fx->db);
	ok(report_send(&tx, cl, &rep) == 0 && db_commit(fx->db) == 0,
	    "report queued");
	rows = fx_outbox(fx);
	r = fx_find(rows, "report_client", "cfo@initech.test");
	ok(r != NULL, "report: to the client's contact (it has no addresses, "
	    "only a domain)");
	ok(r && has(r->data, "billing@example.test") && has(r->text,
	    "Отдел расчётов ACME"), "report: from billing, its queue, with "
	    "its signature");
	ok(r && has(r->subject, "ACME Billing"), "report: the queue's name "
	    "in the subject (%s)", r ? r->subject : "-");
	{
		/* What `postdesk report` prints is what the client gets. */
		GHashTable *v = report_vars(&rep);
		struct pd_rendered out;
		char *err = NULL;

		ok(notify_render_queue(&tx, rep.queue, "report_client",
		    rep.lang, v, &out, &err) == 0 && r &&
		    strcmp(out.subject, r->subject) == 0, "report: printed "
		    "with the subject it is sent with");
		if (!err)
			template_clear(&out);
		g_free(err);
		g_hash_table_unref(v);
	}
	report_clear(&rep);
	g_ptr_array_unref(rows);
}

/* The text/html part of the mail data, g_malloc'd, or NULL. */
static char *
html_part(const char *data)
{
	GMimeStream *st = g_mime_stream_mem_new_with_buffer(data,
	    strlen(data));
	GMimeParser *p = g_mime_parser_new_with_stream(st);
	GMimeMessage *m = g_mime_parser_construct_message(p, NULL);
	GMimeObject *top = m ? g_mime_message_get_mime_part(m) : NULL;
	char *html = NULL;

	if (top && GMIME_IS_MULTIPART(top))
		for (int i = 0; i < g_mime_multipart_get_count(
		    GMIME_MULTIPART(top)) && !html; i++) {
			GMimeObject *o = g_mime_multipart_get_part(
			    GMIME_MULTIPART(top), i);

			if (GMIME_IS_TEXT_PART(o) && g_mime_content_type_is_type(
			    g_mime_object_get_content_type(o), "text", "html"))
				html = g_mime_text_part_get_text(
				    GMIME_TEXT_PART(o));
		}
	if (m)
		g_object_unref(m);
	g_object_unref(p);
	g_object_unref(st);
	return html;
}

static void
test_report_html(struct fixture *fx)
{
	const struct pd_client *cl = config_client(fx->cfg,
	    "Tom & Jerry <script>x</script>");
	struct tx tx = { .db = fx->db, .cfg = fx->cfg };
	struct report rep;
	GHashTable *v;
	GPtrArray *rows;
	const struct fx_row *r;
	char *html;

	if (!ok(cl && report_compute(fx->db, fx->cfg, cl, 2026, 11, &rep) ==
	    0, "report of a client with markup in its name"))
		return;
	rep.opened12 = 3;
	rep.resolved12 = 2;
	v = report_vars(&rep);
	is_str(g_hash_table_lookup(v, "report.resolved_12m"), "67%",
	    "2 of 3 resolved: 67%, rounded as by hand");
	g_hash_table_unref(v);
	db_begin(fx->db);
	ok(report_send(&tx, cl, &rep) == 0 && db_commit(fx->db) == 0,
	    "queued");
	rows = fx_outbox(fx);
	r = fx_find(rows, "report_client", "tj@tj.test");
	html = r ? html_part(r->data) : NULL;
	ok(html && has(html, "Tom &amp; Jerry &lt;script&gt;x&lt;/script&gt;")
	    && !has(html, "<script") && has(html, "</html>"), "html: the "
	    "name escaped, no script element");
	ok(r && has(r->text, "Tom & Jerry <script>x</script>"), "text: the "
	    "name as it is");
	g_free(html);
	report_clear(&rep);
	g_ptr_array_unref(rows);
}

static void
test_digest(struct fixture *fx)
{
	GPtrArray *rows;
	const struct fx_row *r;
	unsigned long t;

	set_clock(FRI_1700);
	t = deliver(fx, "carl@other.test", "support@example.test",
	    "Weekend outage", NULL, "Down since noon.");
	db_exec(fx->db, "UPDATE tickets SET priority = 'urgent' WHERE number "
	    "= ?", "u", t);
	g_ptr_array_unref(fx_outbox(fx));
	set_clock(SAT_1000);
	ok(in_tx(fx, digest_run, SAT_1000) == 0, "digest_run runs");
	rows = fx_outbox(fx);
	r = fx_find(rows, "digest_agent", FX_AGENT2);
	ok(r && has(r->text, "Weekend outage"), "digest: John's queue's "
	    "ticket listed");
	ok(r && has(r->text, "\n- [ACME#1002] Weekend outage"), "digest: the "
	    "ticket's token once, in its own brackets");
	ok(r && has(r->text, "Weekend outage (17h 0m, unassigned, SLA: 2d 2h "
	    "left)"), "digest: 1 of 4 business hours used on Friday, due "
	    "Monday 12:00: not overdue on Saturday");
	g_ptr_array_unref(rows);
}

static void
test_due(struct fixture *fx, unsigned long t)
{
	char *subj = g_strdup_printf("Re: [BILL#%lu] Invoice", t), *due;
	GPtrArray *rows;

	set_clock(MON_1400);
	g_ptr_array_unref(fx_outbox(fx));
	deliver(fx, FX_AGENT1, "billing@example.test", subj, FX_DKIM,
	    "#due 2026-11-20");
	rows = fx_outbox(fx);
	due = fx_ticket_col(fx, t, "due");
	ok(!*due && !fx_find(rows, "due", NULL), "#due in the past: no date "
	    "set, the client not told (%s)", due);
	g_free(due);
	g_ptr_array_unref(rows);
	deliver(fx, FX_AGENT1, "billing@example.test", subj, FX_DKIM,
	    "#due 2026-11-23");
	due = fx_ticket_col(fx, t, "due");
	is_str(due, "2026-11-23", "#due today is accepted");
	g_free(due);
	deliver(fx, FX_AGENT1, "billing@example.test", subj, FX_DKIM,
	    "#resolve");
	deliver(fx, FX_AGENT1, "billing@example.test", subj, FX_DKIM,
	    "#due 2026-12-01");
	due = fx_ticket_col(fx, t, "due");
	is_str(due, "2026-11-23", "#due on a resolved ticket is refused");
	g_free(due);
	g_free(subj);
}

static int
resolve_dave(struct tx *tx, int64_t now)
{
	return ticket_set_status(tx, 1003, "resolved", "test", "fixed") < 0 ?
	    -1 : 0;
}

static int
reopen_dave(struct tx *tx, int64_t now)
{
	return ticket_reopen(tx, 1003, "test", "broken again") < 0 ? -1 : 0;
}

static void
test_reopen(struct fixture *fx)
{
	unsigned long t;
	GPtrArray *rows;

	set_clock(MON_0900);
	t = deliver(fx, "dave@other.test", "support@example.test",
	    "Printer", NULL, "It jams.");
	ok(t == 1003, "a normal ticket (16 business hours to resolve)");
	set_clock(MON_1000);
	ok(in_tx(fx, resolve_dave, MON_1000) == 0, "resolved after an hour");
	set_clock(DEC07_0900);
	ok(in_tx(fx, reopen_dave, DEC07_0900) == 0, "reopened two weeks later");
	set_clock(DEC07_1000);
	g_ptr_array_unref(fx_outbox(fx));
	ok(in_tx(fx, sla_job, DEC07_1000) == 0, "sla_job runs");
	rows = fx_outbox(fx);
	ok(fx_count(rows, "sla_resolution_breach", NULL) == 0 &&
	    fx_count(rows, "sla_resolution_warning", NULL) == 0 &&
	    fx_int(fx, "SELECT COUNT(*) FROM notices_sent WHERE subject = "
	    "'%lu' AND kind LIKE 'sla_resolution%%'", t) == 0, "2 of 16 "
	    "business hours used: no resolution notice (the resolved weeks "
	    "do not count)");
	g_ptr_array_unref(rows);
}

int
main(void)
{
	struct fixture fx;
	unsigned long globex, initech;
	char *dir = g_dir_make_tmp("unit_notices-XXXXXX", NULL);

	g_mime_init();
	clock_file = g_build_filename(dir, "clock", NULL);
	g_setenv("POSTDESK_TEST_CLOCK", clock_file, TRUE);
	set_clock(MON_0900);
	if (!ok(fx_open(&fx, GW, TOP) == 0, "fixture"))
		return tap_done();
	globex = deliver(&fx, "bob@globex.test", "billing@example.test",
	    "Invoice", NULL, "Where is the invoice?");
	initech = deliver(&fx, "ann@initech.test", "billing@example.test",
	    "Invoice too", NULL, "And ours?");
	ok(globex && initech && globex != initech, "two billing tickets");
	{
		GPtrArray *rows = fx_outbox(&fx);
		const struct fx_row *r = fx_find(rows, "agent_message",
		    "team@example.test");

		ok(r && has(r->text, "Globex, тариф «small»: в этом месяце "
		    "осталось 10,0 ч из 10,0") && has(r->text, "первый ответ "
		    "до 2026-11-23 17:00 UTC"), "agent mail of a Russian "
		    "ticket: plan and SLA lines in Russian");
		ok(r && has(r->text, "статус новая, приоритет обычный"),
		    "... and its status and priority in Russian words");
		if (r && !has(r->text, "первый ответ"))
			printf("# %s\n", r->text);
		g_ptr_array_unref(rows);
	}
	test_sla_not_capped(&fx, globex, initech);
	test_plan_voice(&fx, globex);
	test_report(&fx, initech);
	test_report_html(&fx);
	test_digest(&fx);
	test_due(&fx, globex);
	test_reopen(&fx);
	fx_close(&fx);
	g_unsetenv("POSTDESK_TEST_CLOCK");
	g_unlink(clock_file);
	g_rmdir(dir);
	g_free(clock_file);
	g_free(dir);
	g_mime_shutdown();
	return tap_done();
}
