/* clock.h: the one clock of the gateway's own time (docs/conventions.md).
 *
 * Every timestamp the daemon stores or compares (tickets, events, time
 * entries, deadlines, caps, timer jobs) comes from pd_now(), so tests can
 * move time instead of sleeping.  Builds configured with
 * --enable-test-hooks (make check only) read the time from the file named
 * by the POSTDESK_TEST_CLOCK environment variable when it is set: one
 * integer, seconds since the epoch, re-read on every call so a test can
 * advance it under a running daemon.  Other builds ignore the variable.
 * Network timeouts and the outbox's retry pacing use real time. */
#ifndef PD_CLOCK_H
#define PD_CLOCK_H

#include <stdint.h>

/* Seconds since the epoch.  Never fails: an unreadable test clock file
 * falls back to the real time. */
int64_t pd_now(void);

#endif
