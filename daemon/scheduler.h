/* scheduler.h: time-driven work, on a worker thread of its own.
 *
 * A job is a row of the table in scheduler.c: {name, period, run}.  Each
 * due job runs in a transaction of its own (struct tx, tx.h) and commits
 * or rolls back alone; mail it queues wakes the outbox worker after the
 * commit.  Jobs run once at start, then every period seconds.  To add one
 * (a limit warning, an SLA reminder, a digest), write its run function and
 * add a row. */
#ifndef PD_SCHEDULER_H
#define PD_SCHEDULER_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include "tx.h"

struct sched_job {
	const char *name;   /* for the log: stage=timer job=NAME */
	int period;         /* seconds between runs */
	/* Does the job's work inside tx at time now.  0, or -1 to roll the
	 * job's transaction back (logged by the scheduler). */
	int (*run)(struct tx *tx, int64_t now);
};

/* The jobs, and how many (for scheduler_tick's last[]). */
extern const struct sched_job scheduler_jobs[];
extern const unsigned scheduler_njobs;

/* Runs every job due at now (never run: last[i] == 0), each in its own
 * transaction, and records when it ran in last[0..scheduler_njobs-1].
 * Returns the seconds until the next job is due (at least 1), and sets
 * *queued_r when outbox rows were committed. */
int scheduler_tick(sqlite3 *db, const struct pd_config *cfg, int64_t *last,
    int64_t now, bool *queued_r);

/* Thread body: arg is the struct worker * (worker.h) whose outbox is
 * woken when a job queued mail. */
gpointer scheduler_main(gpointer arg);

#endif
