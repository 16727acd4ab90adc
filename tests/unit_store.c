/* unit_store.c: the store layer (daemon/store.h) on an in-memory
 * database: tickets and merges, participants, messages and dedupe, tasks,
 * held mail, the quarantine, outbox bookkeeping, time, flood counters.
 * Each function's 0/1/-1 contract is checked where it has one. */
#include "fixture.h"
#include "tap.h"

static struct pd_msg *
msg(struct fixture *fx, const char *id)
{
	char *h = g_strdup_printf("From: Ann <Ann@Client.test>\nSubject: s\n"
	    "Message-ID: <%s>\n", id);
	char *raw = fx_mail(h, "body");
	struct pd_msg *m = fx_parse(fx, raw);

	g_free(h);
	g_free(raw);
	return m;
}

static void
test_tickets(struct fixture *fx)
{
	struct pd_ticket a = { .subject = g_strdup("A"), .queue =
		g_strdup("support"), .requester = g_strdup("ann@client.test"),
		.requester_name = g_strdup("Ann"), .language = g_strdup("en") };
	struct pd_ticket b = { .subject = g_strdup("B"), .queue =
		g_strdup("support"), .requester = g_strdup("bob@client.test"),
		.requester_name = g_strdup(""), .language = g_strdup("en") };
	struct pd_ticket t;
	int64_t closed = 1, reopens = 1, n = 0;
	bool finished = true;
	GPtrArray *texts, *who;

	ok(store_ticket_create(fx->db, &a, 1000, "example.test", "") == 0 &&
	    a.number == 1000, "ticket: the first is number first (%lu)",
	    a.number);
	ok(store_ticket_create(fx->db, &b, 1000, "example.test", "") == 0 &&
	    b.number == 1001, "ticket: then the next (%lu)", b.number);
	ok(store_ticket_get(fx->db, 1000, &t) == 1 && strcmp(t.status,
	    "new") == 0 && *t.root_id, "ticket: get finds it, status new");
	store_ticket_clear(&t);
	ok(store_ticket_get(fx->db, 4242, &t) == 0, "ticket: unknown is 0");
	store_ticket_clear(&t);
	ok(store_is_participant(fx->db, 1000, "ANN@client.test") == 1 &&
	    store_is_participant(fx->db, 1000, "bob@client.test") == 0,
	    "participants: the requester, case-insensitive; not another");
	ok(store_ticket_life(fx->db, 1000, &closed, &reopens, &finished) == 1 &&
	    closed == 0 && reopens == 0 && !finished,
	    "life: new ticket, never closed");
	ok(store_ticket_set_status(fx->db, 1000, "closed", 77) == 0 &&
	    store_ticket_life(fx->db, 1000, &closed, &reopens, &finished) ==
	    1 && closed == 77 && finished, "status closed sets closed_at");
	ok(store_ticket_count_reopen(fx->db, 1000) == 0 &&
	    store_ticket_life(fx->db, 1000, &closed, &reopens, &finished) ==
	    1 && closed == 0 && reopens == 1, "reopen counts, clears closed_at");
	ok(store_ticket_set_field(fx->db, 1000, "priority", "high") == 0,
	    "set_field: priority");
	ok(store_ticket_set_field(fx->db, 1000, "subject; DROP", "x") == -1,
	    "set_field: an unknown column is refused");
	ok(store_task_add(fx->db, 1000, 1, "one") == 0 &&
	    store_task_add(fx->db, 1000, 2, "two") == 0 &&
	    store_tasks_pending_count(fx->db, 1000, &n) == 0 && n == 2,
	    "tasks: two pending");
	texts = g_ptr_array_new_with_free_func(g_free);
	ok(store_task_split(fx->db, 1000, 1, 1000) == 0 &&
	    store_tasks_pending(fx->db, 1000, texts) == 0 && texts->len == 1 &&
	    strcmp(texts->pdata[0], "two") == 0, "tasks: one split, one left");
	g_ptr_array_unref(texts);
	ok(store_ticket_merge(fx->db, 1001, 1000) == 0 &&
	    store_ticket_survivor(fx->db, 1001) == 1000,
	    "merge: 1001 points to 1000");
	ok(store_ticket_get(fx->db, 1001, &t) == 1 && t.number == 1000,
	    "merge: get follows it");
	store_ticket_clear(&t);
	who = g_ptr_array_new_with_free_func(g_free);
	ok(store_participants(fx->db, 1000, who) == 0 && who->len == 4 &&
	    strcmp(who->pdata[0], "ann@client.test") == 0,
	    "merge: the other requester follows as cc, requester first");
	g_ptr_array_unref(who);
	store_ticket_clear(&a);
	store_ticket_clear(&b);
}

static void
test_messages(struct fixture *fx)
{
	struct pd_msg *m = msg(fx, "m1@client.test");
	struct pd_stored s = { .ticket = 1000, .direction = "in",
		.kind = "client", .hash = "h1", .raw = "raw", .raw_len = 3 };
	int64_t id, t = 0, found = 0;
	char *subject, *from, *name, *last;

	id = store_message_add(fx->db, m, &s);
	ok(id > 0, "message: stored (%lld)", (long long)id);
	ok(store_message_dup(fx->db, "m1@client.test", "h1") == id &&
	    store_message_dup(fx->db, "m1@client.test", "h2") == 0,
	    "dedupe: same id and hash only");
	ok(store_message_find(fx->db, "m1@client.test", "h1", &found) == 1 &&
	    found == id, "find: by id and hash");
	ok(store_message_ticket(fx->db, "m1@client.test", &t) == 1 &&
	    t == 1000 && store_ticket_by_msgid(fx->db, "m1@client.test") ==
	    1000 && store_ticket_by_msgid(fx->db, "nope@x") == 0,
	    "ticket of a Message-ID");
	ok(store_message_get(fx->db, id, &t, &subject, &from, &name) == 1 &&
	    strcmp(from, "ann@client.test") == 0, "get: sender lower-cased");
	g_free(subject);
	g_free(from);
	g_free(name);
	ok(store_message_get(fx->db, 999999, &t, &subject, &from, &name) ==
	    0, "get: unknown is 0");
	last = store_message_last_client(fx->db, 1000);
	ok(last && strcmp(last, "m1@client.test") == 0,
	    "last client message");
	g_free(last);
	ok(store_message_in_ticket(fx->db, id, 1000) == 1 &&
	    store_message_move(fx->db, id, 1001) == 0 &&
	    store_message_in_ticket(fx->db, id, 1000) == 0, "move");
	msg_free(&m);
}

static void
test_held_quarantine(struct fixture *fx)
{
	int64_t id = 0, q, size = 0;
	GBytes *raw = NULL;
	char *source = NULL;

	ok(store_held_add(fx->db, "John Smith", "h@x", "chal", "why", "RAW", 3,
	    "main") == 0, "held: added");
	ok(store_held_find(fx->db, "chal", "Olga Ivanova", &id, &raw) == 0,
	    "held: another agent's challenge finds nothing");
	ok(store_held_find(fx->db, "chal", "John Smith", &id, &raw) == 1 &&
	    g_bytes_get_size(raw) == 3, "held: found with its raw");
	g_bytes_unref(raw);
	ok(store_held_release(fx->db, id) == 0 && store_held_find(fx->db,
	    "chal", "John Smith", &id, &raw) == 0, "held: released once");
	q = store_quarantine_add(fx->db, "main", "bad", "abc", 3, 10);
	ok(q > 0 && store_quarantine_get(fx->db, q, &raw, &source, &size) ==
	    1 && raw && size == 10 && strcmp(source, "main") == 0,
	    "quarantine: kept with its size");
	g_bytes_unref(raw);
	g_free(source);
	ok(store_quarantine_set(fx->db, q, "dropped", true) == 1 &&
	    store_quarantine_set(fx->db, q, "dropped", true) == 0,
	    "quarantine: drop once (only held rows)");
	ok(store_uid_done(fx->db, "main", "INBOX", 1, 7) == 0 &&
	    store_uid_mark(fx->db, "main", "INBOX", 1, 7, 0, q) == 0 &&
	    store_uid_done(fx->db, "main", "INBOX", 1, 7) == 1,
	    "source UIDs: marked done");
}

static void
test_outbox_flood_time(struct fixture *fx)
{
	int64_t id = store_outbox_insert(fx->db, 1000, "ack", "x@y",
	    "", "ann@client.test", "DATA", 4);
	int64_t next = 0, at = -1, n = 0;
	GPtrArray *due;
	char *err = NULL;

	ok(id > 0, "outbox: row inserted");
	due = store_outbox_due(fx->db, G_MAXINT32, 50);
	ok(due->len == 1, "outbox: due");
	g_ptr_array_unref(due);
	ok(store_outbox_claim(fx->db, id, 0, 100, &err) == 0 &&
	    store_outbox_claim(fx->db, id, 0, 100, &err) == 1,
	    "outbox: a claim works once");
	ok(store_outbox_next_due(fx->db, &next) == 1 && next == 100,
	    "outbox: next due");
	ok(store_outbox_sent(fx->db, id, 50, &err) == 0 &&
	    store_outbox_sent_at(fx->db, "x@y", &at) == 0 && at == 50,
	    "outbox: sent at");
	ok(store_outbox_has(fx->db, "ack", 1000, "x@y", "ann@client.test") ==
	    1 && store_outbox_has(fx->db, "ack", 1000, "x@y", "b@c") == 0,
	    "outbox: has");
	ok(store_flood_record(fx->db, "a@d.test", "d.test", "ack", 0, false,
	    100, 0) == 0 && store_flood_record(fx->db, "a@d.test", "d.test",
	    "challenge", 0, false, 100, 0) == 0 && store_flood_count(fx->db,
	    false, false, "a@d.test", 50, &n) == 0 && n == 1,
	    "flood: challenges counted apart");
	ok(store_flood_count(fx->db, true, false, "d.test", 50, &n) == 0 &&
	    n == 2, "flood: per domain");
	ok(store_flood_notice(fx->db, "k", 100, 0) == 1 &&
	    store_flood_notice(fx->db, "k", 101, 0) == 0,
	    "flood: the admin is told once");
	ok(store_time_add(fx->db, 1000, "John Smith", 30, true) == 0 &&
	    store_time_add(fx->db, 1000, "John Smith", 15, false) == 0,
	    "time: logged");
	ok(store_ticket_set_field(fx->db, 1000, "client", "Client Ltd") == 0 &&
	    store_time_used(fx->db, "Client Ltd", 0, &n) == 0 && n == 30,
	    "time: billable minutes of the client (%lld)", (long long)n);
}

/* store_plans.c: once-only notices, a month's usage, contacts and the
 * resolution clock's pause (after test_outbox_flood_time: ticket 1000 of
 * "Client Ltd" with 30 billable minutes). */
static void
test_plans(struct fixture *fx)
{
	GPtrArray *v = g_ptr_array_new_with_free_func(g_free);
	GPtrArray *rows = g_ptr_array_new_with_free_func(store_sla_row_free);
	int64_t n = -1, since = -1;
	char *lang = NULL;

	ok(store_notice_claim(fx->db, "plan", "Client Ltd", "2026-11", 80,
	    10) == 1, "notice: the first claim sends");
	ok(store_notice_claim(fx->db, "plan", "Client Ltd", "2026-11", 80,
	    11) == 0, "notice: the second claim does not");
	ok(store_notice_claim(fx->db, "plan", "Client Ltd", "2026-11", 100,
	    12) == 1 && store_notice_claim(fx->db, "plan", "Client Ltd",
	    "2026-12", 80, 13) == 1 && store_notice_claim(fx->db, "sla",
	    "Client Ltd", "2026-11", 80, 14) == 1,
	    "notice: another threshold, period or kind is another notice");
	ok(store_time_used_between(fx->db, "Client Ltd", 0, INT64_MAX, &n) ==
	    0 && n == 30, "plan: billable minutes in a month");
	ok(store_time_used_between(fx->db, "Client Ltd", 0, 1000, &n) == 0 &&
	    n == 0, "plan: none before");
	ok(store_time_clients(fx->db, 0, INT64_MAX, v) == 0 && v->len == 1 &&
	    strcmp(v->pdata[0], "Client Ltd") == 0, "plan: clients with time");
	g_ptr_array_set_size(v, 0);
	ok(store_client_contacts(fx->db, "Client Ltd", 0, 50, v) == 0 &&
	    v->len >= 3 && v->len % 3 == 0 && strchr(v->pdata[0], '@'),
	    "plan: contacts of the client's tickets (address, name, language)");
	ok(v->len >= 3 && store_contact_language(fx->db, v->pdata[0], &lang) ==
	    1 && lang && strcmp(lang, v->pdata[2]) == 0,
	    "plan: a contact's language");
	g_free(lang);
	ok(store_sla_pause(fx->db, 1000, 100) == 0 && store_sla_pause(fx->db,
	    1000, 200) == 0 && store_sla_paused_since(fx->db, 1000, &since) ==
	    1 && since == 100, "sla: paused since the first pause");
	ok(store_sla_resume(fx->db, 1000, 50) == 0 && store_sla_paused_since(
	    fx->db, 1000, &since) == 0, "sla: resumed");
	ok(store_sla_open(fx->db, rows) == 0, "sla: open tickets listed");
	for (guint i = 0; i < rows->len; i++) {
		const struct store_sla_row *r = rows->pdata[i];

		if (r->number == 1000)
			ok(r->paused_seconds == 50 && r->paused_since == 0,
			    "sla: paused seconds kept");
	}
	g_ptr_array_unref(rows);
	g_ptr_array_unref(v);
}

/* store_search_merge: waits for a quiet desk, then merges the search
 * index's segments (one per message stored in its own transaction). */
static void
test_search_merge(struct fixture *fx)
{
	int64_t segs = 0;
	int r1, r2, r3;

	for (int i = 0; i < 6; i++)
		db_exec(fx->db, "INSERT INTO messages (direction, message_id, "
		    "subject, body, content_hash, raw, created) VALUES ('in', "
		    "'merge' || ? || '@client.test', 'printer', 'the printer "
		    "stops', 'h', x'00', ?)", "ii", (int64_t)i,
		    (int64_t)(1000 + i));
	r1 = store_search_merge(fx->db, 1005, 100);
	r2 = store_search_merge(fx->db, 1006, 100);
	r3 = store_search_merge(fx->db, 1006, 100);
	ok(r1 == 0, "search merge: waits while mail comes (%d)", r1);
	ok(r2 == 1 && r3 == 0, "search merge: merges once the desk is quiet, "
	    "then has nothing to do (%d, %d)", r2, r3);
	db_int(fx->db, &segs, "SELECT COUNT(*) FROM search_fts "
	    "WHERE search_fts MATCH 'printer'", "");
	ok(segs == 6, "search merge: every message still found (%lld)",
	    (long long)segs);
}

/* db_open's connection settings: secure_delete=FAST (1 is Debian's
 * default, which zeroes and writes every freed page: the search index's
 * merges made ingest twice as slow with a million tickets). */
static void
test_pragmas(struct fixture *fx)
{
	int64_t v = -1;
	int r = db_int(fx->db, &v, "PRAGMA secure_delete", "");

	ok(r == 1 && v == 2, "db_open: secure_delete is FAST (%lld)",
	    (long long)v);
}

int
main(void)
{
	struct fixture fx;

	g_mime_init();
	if (!ok(fx_open(&fx, "", "") == 0, "fixture opens"))
		return tap_done();
	test_tickets(&fx);
	test_messages(&fx);
	test_held_quarantine(&fx);
	test_outbox_flood_time(&fx);
	test_plans(&fx);
	test_pragmas(&fx);
	test_search_merge(&fx);
	fx_close(&fx);
	g_mime_shutdown();
	return tap_done();
}
