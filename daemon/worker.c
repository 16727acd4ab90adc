/* worker.c: see worker.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <unistd.h>
#include "log.h"
#include "worker.h"

int
worker_init(struct worker *w)
{
	if (pipe2(w->wake, O_CLOEXEC | O_NONBLOCK) != 0)
		return -1;
	atomic_store(&w->stop, 0);
	source_cut_init(&w->cut);
	return 0;
}

void
worker_wake(struct worker *w)
{
	char c = 1;

	if (w && write(w->wake[1], &c, 1) < 0 && errno != EAGAIN)
		log_warnx("stage=daemon event=wake error=\"%s\"",
		    g_strerror(errno));
}

void
worker_drain(struct worker *w)
{
	char buf[64];

	while (read(w->wake[0], buf, sizeof buf) > 0)
		;
}

int
worker_sleep(struct worker *w, int ms)
{
	struct pollfd p = { .fd = w->wake[0], .events = POLLIN };

	return poll(&p, 1, ms) > 0;
}

void
worker_deinit(struct worker *w)
{
	close(w->wake[0]);
	close(w->wake[1]);
	source_cut_clear(&w->cut);
}
