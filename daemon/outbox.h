/* outbox.h: every outgoing mail is a row first (docs/architecture.md).
 *
 * The pipeline queues rows inside the transaction that stored what caused
 * them, so a crash either keeps both or neither.  The outbox worker drains
 * due rows through a sink driver: 2xx marks a row sent, 4xx and connection
 * failures retry with exponential backoff, 5xx fails it for good.  A crash
 * between the server's 250 and our commit of the outcome sends those
 * mails twice, with the same Message-ID (mail clients fold such
 * duplicates): at most the mails accepted in the last OUTBOX_FLUSH_MS ms,
 * and never more than one batch (docs/guarantees.md).
 *
 * Due rows are taken a batch at a time and sent over one SMTP session
 * (the driver's send_pooled: RSET only after a failed mail, a new
 * session when the server closed the old one).  The batch's claims are
 * one transaction, and its outcomes are another, committed at the end of
 * the batch or OUTBOX_FLUSH_MS after the first unrecorded 250, whichever
 * comes first.
 * A temporary failure (4xx, a timeout) for a recipient domain defers the
 * rest of that domain's rows of the batch untried, and the domain's
 * untried rows of later batches until its backoff is over: a slow domain
 * costs the others at most one timeout per backoff period.  A failure to
 * set up the session (connect, TLS, AUTH) defers the rest of the batch.
 *
 * No row is handed to SMTP again while the outcome of its previous attempt
 * is unrecorded.  Before the handoff the attempt is committed (attempts + 1
 * and next_attempt moved past the backoff); after it the outcome is
 * written.  When either write fails (a full disk: SQLITE_FULL) the sender
 * stops sending, keeps the outcome in memory and retries only that write,
 * waiting 1 s doubling to 60 s, logging once per episode ("event=stalled"
 * then "event=resumed").  A crash in between resends that one row after its
 * backoff, as above. */
#ifndef PD_OUTBOX_H
#define PD_OUTBOX_H

#include <stdint.h>
#include <sqlite3.h>
#include "config.h"
#include <glib.h>
#include "sink.h"

/* Queues data for rcpt (validated here: an invalid address is refused and
 * logged).  env_from "" is the null reverse-path.  Returns the row id, 0
 * when refused, -1 on a database error. */
int64_t outbox_add(sqlite3 *db, unsigned long ticket, const char *kind,
    const char *msgid, const char *env_from, const char *rcpt,
    const char *data, size_t len);

/* outbox_add of a mail the sender composes: recipe is
 * compose_resolve()'s, atts the attachments it names (stored as blobs
 * here when they are not yet: store_outbox_insert_recipe). */
int64_t outbox_add_recipe(sqlite3 *db, unsigned long ticket,
    const char *kind, const char *msgid, const char *env_from,
    const char *rcpt, GVariant *recipe, GPtrArray *atts);

/* An attempt whose outcome is known but not yet in the database. */
struct outbox_outcome {
	int64_t id;              /* the row; 0 when none is held */
	int64_t ticket;
	char *msgid;             /* for the log */
	enum sink_status status;
	int64_t at;              /* when the server answered */
	int wait;                /* SINK_TEMP: seconds until the next try */
	int give_up;             /* SINK_TEMP past the give-up age: failed */
	char *error;             /* the server's reply, or NULL */
};

/* The memory of one sending thread; zero-initialise it, and release it with
 * outbox_sender_clear().  Never shared between threads. */
struct outbox_sender {
	struct outbox_outcome held; /* the unrecorded outcome, if any */
	int backoff;                /* seconds; 0 while state writes work */
	int64_t retry_at;           /* no write is tried before this time */
	int64_t stalled_since;
	unsigned stalls;            /* episodes so far */
	GArray *more;               /* further unrecorded outcomes (struct
	                             * outbox_outcome) beside held */
	struct sink_pool pool;      /* the SMTP session kept between mails */
	GHashTable *slow;           /* domain -> until (int64_t *): untried
	                             * rows wait; see the top of this file */
	const struct sink_driver *drv; /* the driver owning pool's session */
};

/* Outcomes are committed at least this often (and at the end of each
 * batch): the at-least-once window. */
#define OUTBOX_FLUSH_MS 200

/* Sends every due row once, unless the sender is stalled: then it first
 * retries the write it owes, and sends nothing until that succeeds.  Stops
 * at the first failed state write.  Returns the seconds until something is
 * due (at most max_wait), or 0 when rows remain due now. */
int outbox_send(sqlite3 *db, const struct pd_config *cfg,
    const struct sink_driver *drv, struct outbox_sender *s, int max_wait);

/* Logs the outcomes still unrecorded (they may be sent again after a
 * restart), closes the SMTP session and frees what s holds. */
void outbox_sender_clear(struct outbox_sender *s);

/* outbox_send with the calling thread's own sender (kept until the thread
 * ends). */
int outbox_run(sqlite3 *db, const struct pd_config *cfg,
    const struct sink_driver *drv, int max_wait);

/* Thread body of the outbox worker: arg is the struct worker *
 * (worker.h); drains due rows, woken when rows are queued. */
gpointer outbox_main(gpointer arg);

/* Seconds to wait before attempt number attempts + 1 (5 s doubling, at most
 * 10 min). */
int outbox_backoff(int attempts);

#endif
