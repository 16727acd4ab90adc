/* unit_leakindex.c: the note leak guard's SQLite index (postdesk.conf(5) THREAT MODEL,
 * daemon/store_notes.h): a note of another ticket the agent can see is
 * found, one of a ticket it cannot see is not, notes stored before the
 * index are indexed on the first check, a note's file is found by hash. */
#include <glib/gstdio.h>
#include <string.h>
#include "db.h"
#include "store_notes.h"
#include "tap.h"

static sqlite3 *db;
/* Statements run that read a ticket's client messages (public text). */
static int client_reads;

static int
count_client_reads(unsigned type, void *ctx, void *p, void *x)
{
	const char *sql = sqlite3_sql(p);

	if (type == SQLITE_TRACE_STMT && sql != NULL &&
	    strstr(sql, "kind = 'client'") != NULL)
		client_reads++;
	return 0;
}

static void
ticket(unsigned long n, const char *queue, const char *assignee)
{
	db_exec(db, "INSERT INTO tickets (number, subject, queue, requester, "
	    "root_id, created, updated, assignee) VALUES (?, 's', ?, "
	    "'c@example.test', 'r', 0, 0, ?)", "utt", n, queue, assignee);
}

static int64_t
message(unsigned long t, const char *kind, const char *body)
{
	static int seq;
	char *id = g_strdup_printf("m%d@example.test", ++seq);

	db_exec(db, "INSERT INTO messages (ticket, direction, kind, message_id,"
	    " body, content_hash, raw, created) VALUES (?, 'in', ?, ?, ?, "
	    "'h', x'00', 0)", "uttt", t, kind, id, body);
	g_free(id);
	return sqlite3_last_insert_rowid(db);
}

/* What the guard says of text sent on ticket t by agent a. */
static char *
check(const struct pd_config *cfg, unsigned long t, const struct pd_agent *a,
    const char *text, GPtrArray *hashes, int *rc)
{
	struct leakguard *g = leakguard_new();
	char *hit = NULL;

	*rc = leakindex_guard(db, cfg, t, a, text, hashes, g);
	if (*rc == 0)
		hit = leakguard_check(g, text);
	for (guint i = 0; *rc == 0 && !hit && hashes && i < hashes->len; i++)
		hit = leakguard_check_file(g, hashes->pdata[i]);
	leakguard_free(&g);
	return hit;
}

static struct pd_agent *
agent(const char *name, const char *queue)
{
	struct pd_agent *a = g_new0(struct pd_agent, 1);

	a->name = g_strdup(name);
	a->addresses = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(a->addresses, g_strdup_printf("%s@example.test", name));
	a->queues = g_ptr_array_new_with_free_func(g_free);
	if (queue)
		g_ptr_array_add(a->queues, g_strdup(queue));
	return a;
}

static void
agent_free(struct pd_agent *a)
{
	g_free(a->name);
	g_ptr_array_unref(a->addresses);
	g_ptr_array_unref(a->queues);
	g_free(a);
}

int
main(void)
{
	static const char note_a[] = "The vendor admitted the firmware bug "
	    "but we must not tell the client before the audit ends.";
	static const char note_b[] = "Billing owes them a refund of two "
	    "hundred euros, finance approves it next Tuesday only.";
	static const char old_note[] = "Legacy cluster in Berlin has no "
	    "backups at all since the migration last spring.";
	char *dir = g_dir_make_tmp("pd-leakindex-XXXXXX", NULL);
	char *path = g_build_filename(dir, "pd.db", NULL);
	struct pd_config cfg = { 0 };
	struct pd_agent *olga = agent("olga", "support"), *any = agent("any",
	    NULL), *ivan = agent("ivan", "billing");
	GPtrArray *hashes = g_ptr_array_new();
	char *err = NULL, *hit;
	int64_t n1, n2, n3, left = -1;
	int rc;

	if (!ok(db_open(path, &db, &err) == 0, "database opens (schema v5)")) {
		printf("# %s\n", err);
		return tap_done();
	}
	ticket(1, "support", NULL);
	ticket(2, "support", NULL);
	ticket(3, "billing", NULL);
	ticket(4, "billing", "olga");
	n1 = message(1, "note", note_a);
	n2 = message(3, "note", note_b);
	ok(leakindex_note(db, n1, note_a, NULL) == 0 && leakindex_note(db, n2,
	    note_b, NULL) == 0, "notes indexed");

	hit = check(&cfg, 2, olga, "Hello! The vendor admitted the firmware "
	    "bug yesterday.", NULL, &rc);
	ok(rc == 0 && hit != NULL, "a note of another ticket of the agent's "
	    "queue is found");
	g_free(hit);
	hit = check(&cfg, 2, olga, "A refund of two hundred euros, finance "
	    "approves it", NULL, &rc);
	ok(rc == 0 && hit == NULL, "a note of a queue the agent does not "
	    "serve is not (the agent never saw it)");
	g_free(hit);
	hit = check(&cfg, 2, any, "A refund of two hundred euros, finance "
	    "approves it", NULL, &rc);
	ok(rc == 0 && hit != NULL, "an agent without queues sees every "
	    "ticket");
	g_free(hit);
	hit = check(&cfg, 1, ivan, "The vendor admitted the firmware bug",
	    NULL, &rc);
	ok(rc == 0 && hit != NULL, "the ticket's own notes, whoever sends");
	g_free(hit);
	hit = check(&cfg, 2, NULL, "The vendor admitted the firmware bug",
	    NULL, &rc);
	ok(rc == 0 && hit == NULL, "no agent: the ticket's own notes only");
	g_free(hit);

	/* A note assigned to the agent in another queue. */
	n3 = message(4, "note", "Client 4 threatens to cancel the whole "
	    "contract, keep it friendly.");
	leakindex_note(db, n3, "Client 4 threatens to cancel the whole "
	    "contract, keep it friendly.", NULL);
	hit = check(&cfg, 2, olga, "they threatens to cancel the whole "
	    "contract", NULL, &rc);
	ok(rc == 0 && hit != NULL, "a ticket assigned to the agent is seen");
	g_free(hit);

	/* Stored before the index: listed in note_unindexed. */
	n3 = message(1, "note", old_note);
	db_exec(db, "INSERT INTO note_unindexed VALUES (?)", "i", n3);
	db_exec(db, "INSERT INTO attachments (message, filename, content_type,"
	    " size, data) VALUES (?, 'a.bin', 'application/octet-stream', 4, "
	    "x'00ff00ff')", "i", n3);
	hit = check(&cfg, 2, olga, "Legacy cluster in Berlin has no backups "
	    "at all", NULL, &rc);
	ok(rc == 0 && hit != NULL, "a note older than the index is found");
	g_free(hit);
	db_int(db, &left, "SELECT COUNT(*) FROM note_unindexed", "");
	ok(left == 0, "and indexed once");
	/* The file's hash (BLAKE2b of 00 ff 00 ff, as leaktext computes). */
	{
		int64_t files = 0;
		sqlite3_stmt *st = db_prep(db, "SELECT hash FROM note_files "
		    "WHERE note = ?", "i", n3);

		if (st && sqlite3_step(st) == SQLITE_ROW) {
			g_ptr_array_add(hashes, db_col_str(st, 0));
			files = 1;
		}
		sqlite3_finalize(st);
		ok(files == 1, "its file is indexed by hash");
	}
	hit = check(&cfg, 2, olga, "See the attached file.", hashes, &rc);
	ok(rc == 0 && hit != NULL, "the note's file re-attached on another "
	    "ticket is found");
	g_free(hit);
	hit = check(&cfg, 2, olga, "Thank you, we will look into it today.",
	    NULL, &rc);
	ok(rc == 0 && hit == NULL, "a clean answer passes");
	g_free(hit);

	/* Fast with many notes: 2000 notes of 30 words, a 20000-word mail. */
	{
		GRand *r = g_rand_new_with_seed(7);
		GString *s = g_string_new(NULL);
		gint64 t0;

		db_exec(db, "BEGIN", "");
		ticket(5, "support", NULL);
		for (int i = 0; i < 2000; i++) {
			g_string_truncate(s, 0);
			for (int k = 0; k < 30; k++)
				g_string_append_printf(s, "w%d ",
				    g_rand_int_range(r, 0, 5000));
			leakindex_note(db, message(5, "note", s->str), s->str,
			    NULL);
		}
		db_exec(db, "COMMIT", "");
		g_string_truncate(s, 0);
		for (int k = 0; k < 20000; k++)
			g_string_append_printf(s, "x%d ", g_rand_int_range(r, 0,
			    5000));
		t0 = g_get_monotonic_time();
		hit = check(&cfg, 2, olga, s->str, NULL, &rc);
		ok(rc == 0 && hit == NULL, "20000 words against 2000 notes: "
		    "clean");
		ok(g_get_monotonic_time() - t0 < 20 * G_USEC_PER_SEC,
		    "and fast (%.2f s)", (g_get_monotonic_time() - t0) / 1e6);
		g_free(hit);
		g_string_free(s, TRUE);
		g_rand_free(r);
	}

	/* Public text: read only when a note is there to compare with. */
	{
		struct leakguard *g = leakguard_new();

		ticket(6, "support", NULL);
		message(6, "client", "Hello, my order ORD-88A7B2 did not "
		    "arrive.");
		sqlite3_trace_v2(db, SQLITE_TRACE_STMT, count_client_reads,
		    NULL);
		hit = check(&cfg, 6, NULL, "Your order ORD-88A7B2 ships today.",
		    NULL, &rc);
		ok(rc == 0 && hit == NULL && client_reads == 0, "a ticket "
		    "without notes: its client messages are not read (%d)",
		    client_reads);
		g_free(hit);
		/* guard_check's order: the note not yet stored, then the
		 * index. */
		leakguard_add_note(g, "client says order ORD-88A7B2 never "
		    "came, hold it");
		rc = leakindex_guard(db, &cfg, 6, NULL, "x", NULL, g);
		hit = rc == 0 ? leakguard_check(g, "Your order ORD-88A7B2 "
		    "ships today.") : NULL;
		ok(rc == 0 && hit == NULL && client_reads == 1, "a note not "
		    "yet stored: the client's own order number is no secret "
		    "(%d read)", client_reads);
		g_free(hit);
		leakguard_free(&g);
		message(6, "note", "client says order ORD-88A7B2 never came, "
		    "hold it");
		hit = check(&cfg, 6, NULL, "Your order ORD-88A7B2 ships today.",
		    NULL, &rc);
		ok(rc == 0 && hit == NULL && client_reads == 2, "a stored "
		    "note: the same (%d reads)", client_reads);
		g_free(hit);
		sqlite3_trace_v2(db, 0, NULL, NULL);
	}

	g_ptr_array_set_free_func(hashes, g_free);
	g_ptr_array_unref(hashes);
	agent_free(olga);
	agent_free(any);
	agent_free(ivan);
	db_close(&db);
	for (const char *const *s = (const char *const[]){ "", "-wal", "-shm",
	    NULL }; *s; s++) {
		char *f = g_strdup_printf("%s%s", path, *s);

		g_unlink(f);
		g_free(f);
	}
	g_rmdir(dir);
	g_free(path);
	g_free(dir);
	return tap_done();
}
