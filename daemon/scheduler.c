/* scheduler.c: see scheduler.h.  The job table is at the top: a new timer
 * job is one function and one row. */
#include <stdlib.h>
#include <time.h>
#include "clock.h"
#include "db.h"
#include "digest.h"
#include "report.h"
#include "log.h"
#include "plans.h"
#include "scheduler.h"
#include "sla.h"
#include "store.h"
#include "ticket.h"
#include "worker.h"

/* Closes tickets resolved autoclose_days ago (postdeskd(8) Tickets). */
static int
autoclose(struct tx *tx, int64_t now)
{
	return ticket_autoclose(tx, now) < 0 ? -1 : 0;
}

/* Merges the search index while no mail has come for SEARCH_QUIET
 * seconds, SEARCH_PAGES leaves (4 KB each) a run: a run holds the write
 * lock for a fraction of a second, and a minute's runs outpace what a
 * busy desk adds to the index (docs/storage.md). */
#define SEARCH_QUIET 15
#define SEARCH_PAGES 500

static int
search_merge(struct tx *tx, int64_t now)
{
	return store_search_merge(tx->db, now - SEARCH_QUIET, SEARCH_PAGES) <
	    0 ? -1 : 0;
}

const struct sched_job scheduler_jobs[] = {
	{ "autoclose", 60, autoclose },
	{ "plans", 300, plans_job },
	{ "sla", 60, sla_job },
	{ "due", 60, sla_due_job },
	/* digest.h: the latest slot of digests.times not yet sent */
	{ "digest", 60, digest_run },
	/* report.h: last month's client reports not yet sent */
	{ "report", 60, report_run },
	{ "search-merge", 60, search_merge },
};
const unsigned scheduler_njobs = G_N_ELEMENTS(scheduler_jobs);

/* One job, one transaction.  0, or -1 (rolled back, logged). */
static int
run_job(sqlite3 *db, const struct pd_config *cfg, const struct sched_job *j,
    int64_t now, bool *queued_r)
{
	struct tx tx = { .db = db, .cfg = cfg };

	if (db_begin(db) != 0)
		return -1;
	if (j->run(&tx, now) != 0 || db_commit(db) != 0) {
		db_rollback(db);
		log_warnx("stage=timer event=error job=%s", j->name);
		return -1;
	}
	if (tx.queued)
		*queued_r = true;
#ifdef PD_TEST_HOOKS
	/* Under the test clock a test waits for this line, not for time. */
	if (getenv("POSTDESK_TEST_CLOCK"))
		log_info("stage=timer event=ran job=%s now=%lld", j->name,
		    (long long)now);
#endif
	return 0;
}

int
scheduler_tick(sqlite3 *db, const struct pd_config *cfg, int64_t *last,
    int64_t now, bool *queued_r)
{
	int64_t wait = INT32_MAX;

	for (unsigned i = 0; i < scheduler_njobs; i++) {
		const struct sched_job *j = &scheduler_jobs[i];

		/* A failed job is retried at its next period, not at once:
		 * a full disk fails every try alike. */
		if (last[i] == 0 || now - last[i] >= j->period) {
			run_job(db, cfg, j, now, queued_r);
			last[i] = now;
		}
		if (last[i] + j->period - now < wait)
			wait = last[i] + j->period - now;
	}
#ifdef PD_TEST_HOOKS
	/* The test clock (clock.h) jumps under a sleeping scheduler: look
	 * at it every second, so a test never waits for a period. */
	if (getenv("POSTDESK_TEST_CLOCK"))
		wait = 1;
#endif
	return wait < 1 ? 1 : (int)wait;
}

gpointer
scheduler_main(gpointer arg)
{
	struct worker *w = arg;
	int64_t *last = g_new0(int64_t, scheduler_njobs);
	sqlite3 *db = NULL;
	char *err = NULL;

	if (db_open(w->cfg->database, &db, &err) != 0) {
		log_warnx("stage=timer event=error error=\"%s\"", err);
		g_free(err);
		g_free(last);
		return NULL;
	}
	while (!atomic_load(&w->stop)) {
		bool queued = false;
		int wait = scheduler_tick(db, w->cfg, last,
		    pd_now(), &queued);

		if (queued)
			worker_wake(w->outbox);
		if (worker_sleep(w, wait * 1000))
			worker_drain(w);
	}
	db_close(&db);
	g_free(last);
	return NULL;
}
