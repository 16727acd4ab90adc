/* digest.h: the agents' and leads' digests (postdesk.conf(5)
 * "DIGESTS AND REPORTS"), a timer job of scheduler.c.
 *
 * At each `digests.times` slot (in gateway.timezone) every agent gets the
 * tickets waiting for a support answer (status new or open) assigned to
 * them or unassigned in their queues, oldest first, with age and SLA
 * state; every lead gets the counts per agent and per queue.  Nothing is
 * sent when a digest would be empty.  Each digest is claimed by a
 * timer_notices key (agent, slot) in the transaction that queues it: a
 * restart neither repeats it nor skips the latest slot that came due
 * while the daemon was down (older missed slots are not caught up one by
 * one: the latest digest supersedes them). */
#ifndef PD_DIGEST_H
#define PD_DIGEST_H

#include <stdint.h>
#include "config.h"
#include "tx.h"

/* The latest digest slot at or before now (epoch seconds), or 0 when no
 * times are configured. */
int64_t digest_slot(const struct pd_config *cfg, int64_t now);

/* The job: digests of the latest slot not yet sent.  0 or -1. */
int digest_run(struct tx *tx, int64_t now);

/* A duration as people read it in lang: "2d 3h", "45m" ("2 д 3 ч").
 * g_malloc'd. */
char *digest_duration(int64_t secs, const char *lang);

/* Whether agent a serves queue (config.h struct pd_queue: its `agents`,
 * else the agent's own `queues`, none meaning all). */
bool digest_agent_serves(const struct pd_config *cfg,
    const struct pd_agent *a, const char *queue);

#endif
