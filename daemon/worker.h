/* worker.h: a daemon thread (one per IMAP source, one for the outbox, one
 * for timer jobs).  Their bodies are fetch_main (fetch.h), outbox_main
 * (outbox.h) and scheduler_main (scheduler.h).
 *
 * libetpan and SMTP calls block, so each runs on its own thread with its
 * own SQLite connection; the main thread only handles signals and timers.
 * A worker sleeps in poll() on its wake pipe, so stop and "new outbox row"
 * reach it at once. */
#ifndef PD_WORKER_H
#define PD_WORKER_H

#include <stdatomic.h>
#include <glib.h>
#include "config.h"
#include "source.h"

struct worker {
	const struct pd_config *cfg;  /* borrowed; outlives the thread */
	const struct pd_source *src;  /* fetch workers only */
	struct worker *outbox;        /* woken when rows are queued */
	int wake[2];                  /* pipe; [0] polled by the thread */
	atomic_int stop;
	GThread *thread;
	struct source_cut cut;        /* fetch workers: stopping shuts their
	                               * connection down (source.h), so a
	                               * server that hangs delays no reload */
};

/* Creates the wake pipe.  Returns 0 or -1. */
int worker_init(struct worker *w);
/* Wakes the thread (never blocks; safe from any thread). */
void worker_wake(struct worker *w);
/* Reads everything pending on the wake pipe. */
void worker_drain(struct worker *w);
/* Sleeps up to ms or until woken.  Returns 1 when woken. */
int worker_sleep(struct worker *w, int ms);
/* Closes the pipe. */
void worker_deinit(struct worker *w);

#endif
