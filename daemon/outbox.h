/* outbox.h: every outgoing mail is a row first (SPEC §2).
 *
 * The pipeline queues rows inside the transaction that stored what caused
 * them, so a crash either keeps both or neither.  The outbox worker drains
 * due rows through a sink driver: 2xx marks a row sent, 4xx and connection
 * failures retry with exponential backoff, 5xx fails it for good.  A crash
 * between the server's 250 and our UPDATE sends that one mail twice, with
 * the same Message-ID (mail clients fold such duplicates). */
#ifndef PD_OUTBOX_H
#define PD_OUTBOX_H

#include <stdint.h>
#include <sqlite3.h>
#include "config.h"
#include "sink.h"

/* Queues data for rcpt (validated here: an invalid address is refused and
 * logged).  env_from "" is the null reverse-path.  Returns the row id, 0
 * when refused, -1 on a database error. */
int64_t outbox_add(sqlite3 *db, unsigned long ticket, const char *kind,
    const char *msgid, const char *env_from, const char *rcpt,
    const char *data, size_t len);

/* Sends every due row once.  Returns the seconds until the next retry is
 * due (at most max_wait), or 0 when rows remain due now. */
int outbox_run(sqlite3 *db, const struct pd_config *cfg,
    const struct sink_driver *drv, int max_wait);

/* Seconds to wait before attempt number attempts + 1 (5 s doubling, at most
 * 10 min). */
int outbox_backoff(int attempts);

#endif
