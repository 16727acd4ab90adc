/* sdnotify.h: the service manager's notify protocol (sd_notify(3)), in a
 * few lines instead of libsystemd: Type=notify in postdesk.service.
 *
 * postdeskd says READY=1 once its workers run, RELOADING=1 and READY=1
 * around a SIGHUP reload, STOPPING=1 on SIGTERM. */
#ifndef PD_SDNOTIFY_H
#define PD_SDNOTIFY_H

/* Sends state ("READY=1", "STOPPING=1"...) as one datagram to the unix
 * socket $NOTIFY_SOCKET names (a leading '@' is an abstract name).
 * Returns 1 when sent, 0 when the variable is unset (not started by a
 * service manager), -1 on an error (the caller may log it; nothing
 * else depends on it). */
int sd_notify_state(const char *state);

#endif
