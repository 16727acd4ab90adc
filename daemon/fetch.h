/* fetch.h: the per-source loop (docs/architecture.md): fetch new messages from one
 * IMAP source, hand each to the pipeline (pipeline.h), and move it only
 * after its transaction committed. */
#ifndef PD_FETCH_H
#define PD_FETCH_H

#include <stdint.h>
#include <sqlite3.h>
#include <glib.h>
#include "source.h"
#include "worker.h"

/* A batch holds at most this many messages (fetch.c). */
#define FETCH_BATCH_MAX 200

/* The state of one source's loop; tests (tests/unit_fetch_batch.c) fill
 * it with a fake driver and call fetch_drain. */
struct fetch {
	struct worker *w;		/* cfg, src, stop, outbox */
	const struct pd_source *src;
	const struct source_driver *drv;
	sqlite3 *db;
	struct source_conn *conn;
	uint32_t uidvalidity;
	sqlite3 *ckpt;		/* a second connection for WAL checkpoints
				 * on the source's thread, or NULL: the
				 * commits on db checkpoint (fetch.c) */
};

/* Everything waiting in the folder: lists it, acknowledges UIDs already
 * committed, then in batches fetches, files (one transaction each) and
 * acknowledges only what committed.  SRC_TEMP means reconnect.  While it
 * runs, f->db is lent to a filer thread batch by batch (fetch.c); when it
 * returns, no other thread uses f->db or f->conn. */
enum src_status fetch_drain(struct fetch *f);

/* Thread body of a fetch worker: arg is the struct worker * (worker.h)
 * with its source; wakes the outbox worker when mail was queued. */
gpointer fetch_main(gpointer arg);

#endif
