/* pipeline.h: one message, one way (docs/architecture.md):
 * parse -> classify (hygiene) -> thread -> store -> notify (outbox).
 *
 * All effects of one message, including the UID bookkeeping and the
 * outbox rows it causes, are written in one SQLite transaction; only after
 * it commits may the caller acknowledge the message to the IMAP server.
 * A message that cannot be parsed is kept raw in the quarantine, never
 * dropped. */
#ifndef PD_PIPELINE_H
#define PD_PIPELINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sqlite3.h>
#include "config.h"

enum pipe_result {
	PIPE_STORED,      /* committed; acknowledge (move to processed) */
	PIPE_DUPLICATE,   /* already stored before; acknowledge */
	PIPE_QUARANTINED, /* committed to the quarantine; move there */
	PIPE_TEMPFAIL,    /* nothing committed; leave it and retry later */
};

/* Where a message came from: uid 0 when not from IMAP (pipe mode). */
struct pipe_origin {
	const char *source;
	const char *folder;
	const char *queue;
	uint32_t uidvalidity;
	uint32_t uid;
	/* For the routing rules (rules.h): */
	size_t size;       /* of the raw message (pipeline_deliver sets it) */
	bool released;     /* an admin retries it from the quarantine: a
	                    * rule's hold does not hold it again */
};

struct pipe_out {
	unsigned long ticket; /* the ticket it went to, 0 when none */
	bool queued;          /* outbox rows were added: wake the sender */
};

enum pipe_result pipeline_deliver(sqlite3 *db, const struct pd_config *cfg,
    const struct pipe_origin *o, const char *raw, size_t len,
    struct pipe_out *out);

/* For a message over max_message_size: records it in the quarantine.  raw
 * may be NULL when it was not even fetched (it then stays in the server's
 * quarantine folder); pipe mode passes the bytes it read, so they are
 * kept. */
enum pipe_result pipeline_oversized(sqlite3 *db, const struct pd_config *cfg,
    const struct pipe_origin *o, const char *raw, size_t size,
    struct pipe_out *out);

/* True when the UID's effects are already committed. */
bool pipeline_seen(sqlite3 *db, const struct pipe_origin *o);

/* pipeline_oversized() keeping only a prefix: the first prefix_len bytes of
 * a message of size bytes (exact: size is the true size; else size bytes
 * were read and more followed unread).  The quarantine row's size is size,
 * larger than its raw, so `postdesk quarantine retry` refuses it. */
enum pipe_result pipeline_oversized_prefix(sqlite3 *db,
    const struct pd_config *cfg, const struct pipe_origin *o,
    const char *prefix, size_t prefix_len, size_t size, bool exact,
    struct pipe_out *out);

/* Held agent mail (row id of the held table, its raw bytes and source)
 * released by the admin (`postdesk held release ID`): filed as agent's
 * with a fresh proof, as a confirmed challenge does, and marked released,
 * in one transaction.  PIPE_STORED; PIPE_QUARANTINED when it no longer
 * parses (it stays held); PIPE_TEMPFAIL on a database error. */
struct pd_agent;
enum pipe_result pipeline_release_held(sqlite3 *db,
    const struct pd_config *cfg, int64_t id, const struct pd_agent *agent,
    const char *raw, size_t len, const char *source, struct pipe_out *out);
/* One message of a batch (pipeline_deliver_batch). */
struct pipe_item {
	struct pipe_origin o;  /* in: where it came from */
	const char *raw;       /* in: the message, borrowed; NULL when it is
	                        * over max_message_size and was not fetched */
	size_t len;            /* in: bytes at raw */
	size_t size;           /* in: the whole size when raw is NULL */
	enum pipe_result r;    /* out */
	struct pipe_out out;   /* out */
};

/* Group commit: parses every message of items first, then files them all
 * in one transaction (BEGIN IMMEDIATE ... COMMIT, one sync), each in its
 * own savepoint, the way pipeline_deliver (or pipeline_oversized when raw
 * is NULL) files one.  A message whose stages fail is rolled back alone and
 * gets PIPE_TEMPFAIL while the others commit: the caller retries it alone
 * with pipeline_deliver, its own error path.  Messages see the effects of
 * those before them (a follow-up to a request earlier in the batch).
 * Returns 0 when the transaction committed (every r set), or -1 when
 * nothing was committed (every r is PIPE_TEMPFAIL). */
int pipeline_deliver_batch(sqlite3 *db, const struct pd_config *cfg,
    struct pipe_item *items, size_t n);

/* pipeline_deliver_batch in its two halves, so that they may run on two
 * threads (fetch.c: the next batch is parsed while this one is filed).
 * pipeline_batch_parse is pure: it parses and hashes every item and works
 * out classify()'s pure part (classify_prepare); it touches no database
 * and no shared state but GMime's thread-safe internals (charsets,
 * iconv) and lazily compiled regexes (g_once); it sets every item's r to
 * PIPE_TEMPFAIL.  The batch borrows items (and their raw bytes) until it
 * is freed; its parsed messages belong to whichever one thread holds it.
 * pipeline_batch_file files it on db as pipeline_deliver_batch does (same
 * result, same contract); pipeline_batch_free then frees it (also one
 * never filed; NULL is fine): apart, so that a caller on two threads
 * frees the parsed messages off the thread that holds the write lock. */
struct pipe_batch;
struct pipe_batch *pipeline_batch_parse(const struct pd_config *cfg,
    struct pipe_item *items, size_t n);
int pipeline_batch_file(sqlite3 *db, struct pipe_batch *pb);
void pipeline_batch_free(struct pipe_batch *pb);

#endif
