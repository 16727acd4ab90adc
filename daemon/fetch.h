/* fetch.h: the per-source loop (docs/architecture.md): fetch new messages from one
 * IMAP source, hand each to the pipeline (pipeline.h), and move it only
 * after its transaction committed. */
#ifndef PD_FETCH_H
#define PD_FETCH_H

#include <glib.h>

/* Thread body of a fetch worker: arg is the struct worker * (worker.h)
 * with its source; wakes the outbox worker when mail was queued. */
gpointer fetch_main(gpointer arg);

#endif
