/* unit_dberror.c: database errors are errors, never results (issue 7 §8).
 * thread_decide returns -1 (its callers roll back instead of committing a
 * new ticket), and a relayed answer whose first-response bookkeeping fails
 * returns -1, not 1 ("stopped by the guard", which its caller commits).
 * Errors are made with an authorizer that denies reading a table and with
 * TEMP triggers that abort a write.  A failing migration leaves the
 * schema the database had (docs/upgrade.md: all or nothing). */
#include <stdlib.h>
#include <string.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <gmime/gmime.h>
#include "agentmail.h"
#include "db.h"
#include "mac.h"
#include "msg.h"
#include "pdlimits.h"
#include "store.h"
#include "thread.h"
#include "tap.h"

static const char *deny_table; /* reads of it fail (SQLITE_AUTH) */

static int
deny(void *arg, int action, const char *a, const char *b, const char *c,
    const char *d)
{
	if (deny_table && action == SQLITE_READ && a &&
	    strcmp(a, deny_table) == 0)
		return SQLITE_DENY;
	return SQLITE_OK;
}

/* Denies reads of table from now on.  Setting the authorizer again
 * expires the prepared statements (sqlite3_set_authorizer(3)): db.c keeps
 * them prepared, and an authorizer is asked only when one is prepared. */
static void
deny_reads(sqlite3 *db, const char *table)
{
	deny_table = table;
	sqlite3_set_authorizer(db, deny, NULL);
}

static struct pd_msg *
mail(const char *from, const char *subject, const char *irt)
{
	const struct pd_limits lim = PD_LIMITS_DEFAULT;
	char *raw = g_strdup_printf("From: %s\nTo: support@example.test\n"
	    "Subject: %s\nMessage-ID: <new@client.test>\n%s%s%s\nHello\n",
	    from, subject, irt ? "In-Reply-To: <" : "", irt ? irt : "",
	    irt ? ">\n" : "");
	struct pd_msg *m = NULL;
	char *err = NULL;

	if (msg_parse(raw, strlen(raw), &lim, &m, &err) != 0) {
		printf("# %s\n", err);
		exit(1);
	}
	g_free(raw);
	return m;
}

static int
decide(sqlite3 *db, const struct pd_config *cfg, const char *from,
    const char *subject, const char *irt, struct thread_result *tr)
{
	struct pd_msg *m = mail(from, subject, irt);
	int r = thread_decide(db, cfg, m, tr);

	msg_free(&m);
	return r;
}

int
main(void)
{
	struct pd_config cfg = { .tag = "ACME", .address =
		"support@example.test", .name = "ACME Support" };
	char dir[] = "/tmp/unit_dberror.XXXXXX";
	char *path, *key, *err = NULL, *signed_id;
	struct thread_result tr;
	sqlite3 *db = NULL;
	int r;

	g_mime_init();
	cfg.agents = g_ptr_array_new();
	cfg.clients = g_ptr_array_new();
	cfg.plans = g_ptr_array_new();
	/* The default queue with the gateway's voice, as config_load makes
	 * it (config.h: never empty). */
	struct pd_queue q = { .name = (char *)PD_DEFAULT_QUEUE, .tag = "ACME",
		.display_name = "ACME Support", .language = "en" };

	q.addresses = g_ptr_array_new();
	g_ptr_array_add(q.addresses, (char *)"support@example.test");
	q.agents = g_ptr_array_new();
	cfg.queues = g_ptr_array_new();
	g_ptr_array_add(cfg.queues, &q);
	cfg.rules = g_ptr_array_new();
	if (!g_mkdtemp(dir))
		return 1;
	path = g_build_filename(dir, "pd.db", NULL);
	key = g_build_filename(dir, "mac.key", NULL);
	if (mac_init(key, &err) != 0 || db_open(path, &db, &err) != 0) {
		printf("# %s\n", err);
		return 1;
	}
	sqlite3_set_authorizer(db, deny, NULL);
	db_exec(db, "INSERT INTO tickets (number, subject, queue, requester, "
	    "root_id, created, updated) VALUES (1000, 'Printer', 'support', "
	    "'client@client.test', 'root@x', 0, 0)", "");
	db_exec(db, "INSERT INTO messages (ticket, direction, message_id, "
	    "content_hash, raw, created) VALUES (1000, 'in', 'req@client.test', "
	    "'h', X'00', 0)", "");
	signed_id = mac_msgid(1000, "client@client.test", "example.test");

	/* Healthy database: the results stay what they were. */
	r = decide(db, &cfg, "client@client.test", "Re: hello",
	    "req@client.test", &tr);
	ok(r == 0 && tr.how == THREAD_JOIN && tr.ticket == 1000,
	    "healthy: a reply to a stored id joins its ticket");
	r = decide(db, &cfg, "client@client.test", "Re: [ACME#1000] hello",
	    NULL, &tr);
	ok(r == 0 && tr.how == THREAD_JOIN, "healthy: the requester's token "
	    "joins");
	r = decide(db, &cfg, "stranger@else.test", "Re: [ACME#1000] hello",
	    NULL, &tr);
	ok(r == 0 && tr.how == THREAD_NEW && tr.mentioned == 1000,
	    "healthy: a stranger's token opens a new ticket, mentioned");
	r = decide(db, &cfg, "client@client.test", "hello", "nobody@x", &tr);
	ok(r == 0 && tr.how == THREAD_NEW, "healthy: nothing known is new");

	/* Database errors: -1, whatever step meets them. */
	deny_reads(db, "messages");
	r = decide(db, &cfg, "client@client.test", "Re: hello",
	    "req@client.test", &tr);
	ok(r == -1, "error looking up a stored Message-ID: -1 (got %d)", r);
	deny_reads(db, "tickets");
	r = decide(db, &cfg, "client@client.test", "Re: hello", signed_id,
	    &tr);
	ok(r == -1, "error loading the ticket of a signed id: -1 (got %d)", r);
	r = decide(db, &cfg, "client@client.test", "Re: [ACME#1000] hello",
	    NULL, &tr);
	ok(r == -1, "error loading the ticket of a token: -1 (got %d)", r);
	deny_reads(db, "participants");
	r = decide(db, &cfg, "stranger@else.test", "Re: [ACME#1000] hello",
	    NULL, &tr);
	ok(r == -1, "error checking who may use a token: -1 (got %d)", r);
	deny_reads(db, NULL);

	/* The first answer of a new ticket opens it; when that write fails
	 * the relay reports an error, not "stopped by the guard". */
	{
		struct tx n = { .db = db, .cfg = &cfg };
		struct pd_agent a = { .name = "Olga Ivanova" };
		struct pd_ticket t;

		if (store_ticket_get(db, 1000, &t) != 1)
			return 1;
		sqlite3_exec(db, "CREATE TEMP TRIGGER full BEFORE UPDATE OF "
		    "status ON tickets BEGIN SELECT RAISE(ABORT, 'database or "
		    "disk is full'); END;", NULL, NULL, NULL);
		db_begin(db);
		r = agentmail_relay(&n, &t, &a, "We replaced the toner.", NULL,
		    NULL);
		ok(r == -1, "relay: a failed status write is an error, -1 "
		    "(got %d)", r);
		db_rollback(db);
		sqlite3_exec(db, "DROP TRIGGER full", NULL, NULL, NULL);
		db_begin(db);
		r = agentmail_relay(&n, &t, &a, "We replaced the toner.", NULL,
		    NULL);
		ok(r == 0, "relay: healthy, 0 (got %d)", r);
		db_rollback(db);
		store_ticket_clear(&t);
	}

	g_free(signed_id);
	db_close(&db);
	mac_reset();

	/* An upgrade is all or nothing: schema 17 with a table in the way of
	 * the 19th migration stays schema 17, not 18. */
	{
		char *old = g_build_filename(dir, "old.db", NULL);
		sqlite3 *odb = NULL;
		int64_t v = -1;

		ok(db_create_at(old, 17, &err) == 0, "a database of schema 17");
		g_clear_pointer(&err, g_free);
		sqlite3_open(old, &odb);
		sqlite3_exec(odb, "CREATE TABLE outbox_recipes (x)", NULL, NULL,
		    NULL);
		sqlite3_close(odb);
		odb = NULL;
		ok(db_open(old, &odb, &err) != 0 && err && strstr(err,
		    "migration to schema 19"), "the failed migration is "
		    "reported (%s)", err ? err : "opened");
		g_clear_pointer(&err, g_free);
		db_close(&odb);
		sqlite3_open(old, &odb);
		db_int(odb, &v, "PRAGMA user_version", "");
		sqlite3_close(odb);
		ok(v == 17, "and nothing of the upgrade stays (schema %lld)",
		    (long long)v);
		for (const char *const *e = (const char *const[]){ "", "-wal",
		    "-shm", NULL }; *e; e++) {
			char *p = g_strconcat(old, *e, NULL);

			g_unlink(p);
			g_free(p);
		}
		g_free(old);
	}
	for (const char *const *e = (const char *const[]){ "", "-wal", "-shm",
	    NULL }; *e; e++) {
		char *p = g_strconcat(path, *e, NULL);

		g_unlink(p);
		g_free(p);
	}
	g_unlink(key);
	g_rmdir(dir);
	g_free(path);
	g_free(key);
	g_ptr_array_unref(cfg.agents);
	g_ptr_array_unref(cfg.clients);
	g_ptr_array_unref(cfg.plans);
	g_ptr_array_unref(cfg.queues);
	g_ptr_array_unref(cfg.rules);
	g_ptr_array_unref(q.addresses);
	g_ptr_array_unref(q.agents);
	g_mime_shutdown();
	return tap_done();
}
