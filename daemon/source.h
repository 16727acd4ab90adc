/* source.h: the mail-source driver interface (docs/architecture.md).
 *
 * A driver is blocking and owned by one thread: the fetch loop (fetch.c)
 * calls it, and handles reconnects, backoff and the order "store, commit,
 * then acknowledge".  Every call is bounded by the endpoint's timeout. */
#ifndef PD_SOURCE_H
#define PD_SOURCE_H

#include <stdint.h>
#include <glib.h>
#include "config.h"

struct source_conn;

/* Result of a driver call: ok, temporary trouble (reconnect and retry after
 * backoff), or a permanent problem with this one message. */
enum src_status { SRC_OK = 0, SRC_TEMP = -1, SRC_MSG_BAD = -2 };

struct source_driver {
	const char *name;
	/* Connects, verifies TLS, logs in, creates the processed and
	 * quarantine folders when missing and selects the source folder.
	 * *conn_r is owned by the caller until close(). */
	enum src_status (*open)(const struct pd_source *src,
	    struct source_conn **conn_r, char **error_r);
	/* UIDVALIDITY of the selected folder and the UIDs present in it that
	 * are not yet acknowledged (for flag mode: not flagged $Postdesk),
	 * ascending, appended to uids (GArray of uint32_t). */
	enum src_status (*list)(struct source_conn *c, uint32_t *uidvalidity_r,
	    GArray *uids, char **error_r);
	/* The raw message uid into raw (replacing its contents), without
	 * setting \Seen.  When its size is over max_size only *size_r is set
	 * and raw is left empty; SRC_MSG_BAD when the UID is gone. */
	enum src_status (*fetch)(struct source_conn *c, uint32_t uid,
	    size_t max_size, GByteArray *raw, size_t *size_r, char **error_r);
	/* Acknowledges uid after its effects are committed: moves it to
	 * folder (MOVE, or COPY + flag \Deleted + UID EXPUNGE), or in flag
	 * mode sets \Seen and $Postdesk when folder is NULL. */
	enum src_status (*ack)(struct source_conn *c, uint32_t uid,
	    const char *folder, char **error_r);
	/* Waits for new mail: IDLE (re-issued before 29 min) when offered,
	 * else sleeps poll_interval.  Returns SRC_OK when there may be new
	 * mail, when timeout_s passed or when wake_fd became readable (the
	 * caller drains wake_fd); SRC_TEMP on a broken connection. */
	enum src_status (*wait)(struct source_conn *c, int wake_fd,
	    unsigned timeout_s, char **error_r);
	/* Logs out and frees *c; sets it NULL; accepts NULL. */
	void (*close)(struct source_conn **c);

	/* Batches (fetch.c): n UIDs at a time, ascending, each call one
	 * command whatever n is.
	 *
	 * The RFC822.SIZE of uids[i] into sizes[i] (UID FETCH <set>
	 * (RFC822.SIZE)); SIZE_MAX for a UID that is gone. */
	enum src_status (*sizes)(struct source_conn *c, const uint32_t *uids,
	    size_t n, size_t *sizes, char **error_r);
	/* The raw message uids[i] into raws[i] (replacing its contents, or
	 * the array: the driver may unref raws[i] and put another there;
	 * UID FETCH <set> BODY.PEEK[]<0.max_size+1>, never \Seen).  A UID
	 * that is gone leaves raws[i] empty and sizes[i] SIZE_MAX; one over
	 * max_size leaves raws[i] empty and sets sizes[i] to at least
	 * max_size + 1; else sizes[i] is the length. */
	enum src_status (*bodies)(struct source_conn *c, const uint32_t *uids,
	    size_t n, size_t max_size, GByteArray **raws, size_t *sizes,
	    char **error_r);
	/* ack() for n UIDs whose effects are committed, in one command
	 * (UID MOVE <set>, or COPY + STORE + UID EXPUNGE <set>, or STORE in
	 * flag mode when folder is NULL).  Creates folder first when this
	 * session has not seen it (a processed folder named by the month is
	 * new every month). */
	enum src_status (*ack_set)(struct source_conn *c, const uint32_t *uids,
	    size_t n, const char *folder, char **error_r);
};

extern const struct source_driver source_imap;

/* Cutting a source off, so a reload or a stop never waits for a server
 * that hangs (one slow source must not stall the others: postdesk.conf(5)
 * "QUEUES").  The fetch thread names its cut with source_cut_use(); the
 * driver keeps a duplicate of its connection's socket there.
 * source_cut_now(), from any thread, shuts that socket down, so a read or
 * TLS handshake blocked on it returns at once, and makes every later
 * connect of that thread fail until source_cut_init() again.  Without a
 * cut (source_cut_use(NULL), the default) nothing changes. */
struct source_cut {
	GMutex lock;
	int fd;   /* a dup of the connection's socket, or -1 */
	bool cut; /* source_cut_now was called */
};

void source_cut_init(struct source_cut *k);
/* Closes the kept socket; k may be cut again only after init. */
void source_cut_clear(struct source_cut *k);
void source_cut_now(struct source_cut *k);
/* The cut of the calling thread's connections (may be NULL). */
void source_cut_use(struct source_cut *k);

#endif
