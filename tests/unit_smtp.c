/* unit_smtp: addr_is_valid, and the SMTP sink's refusals that need no
 * server (bad addresses never connect; nothing listening is temporary). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>
#include <string.h>
#include <time.h>
#include <glib.h>
#include "sink.h"
#include "tap.h"

static const struct {
	const char *addr;
	int valid;
} table[] = {
	{ "alice@example.test", 1 },
	{ "a@b", 1 },
	{ "first.last+tag@sub.example.test", 1 },
	{ "иван@пример.рф", 1 },
	{ "", 0 },
	{ "alice", 0 },
	{ "@example.test", 0 },
	{ "alice@", 0 },
	{ "a@b@c", 0 },
	{ "alice@example.test\r\nRCPT TO:<x@y>", 0 },
	{ "alice@exa\nmple.test", 0 },
	{ "al ice@example.test", 0 },
	{ "alice@example.test>", 0 },
	{ "<alice@example.test", 0 },
	{ "al\tice@example.test", 0 },
	{ "al\x7f" "ice@example.test", 0 },
	{ "al\x01ice@example.test", 0 },
};

static void
test_table(void)
{
	char big[300];
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(table); i++)
		ok(addr_is_valid(table[i].addr) == table[i].valid,
		    "addr %zu is %svalid", i, table[i].valid ? "" : "in");
	ok(!addr_is_valid(NULL), "NULL is invalid");
	memset(big, 'a', sizeof big);
	memcpy(big + 240, "@example.t", 10);
	big[254] = '\0';
	ok(addr_is_valid(big), "254 bytes is valid");
	big[254] = 'x';
	big[255] = '\0';
	ok(!addr_is_valid(big), "255 bytes is invalid");
}

static void
test_send(void)
{
	struct pd_endpoint ep = { .host = "127.0.0.1", .port = 1,
	    .tls = PD_TLS_NONE, .timeout = 5 };
	const char *bad[] = { "x@example.test\r\nDATA" };
	const char *good[] = { "x@example.test" };
	char *err = NULL;
	time_t t0;

	ok(sink_smtp.send(&ep, "h", "a@b", bad, 1, "x\n", 2, &err) ==
	    SINK_PERM, "CRLF recipient is permanent");
	is_str(err, "invalid recipient #1", "error names the recipient");
	g_free(err);
	ok(sink_smtp.send(&ep, "h", "a@b\n", good, 1, "x\n", 2, &err) ==
	    SINK_PERM, "CRLF sender is permanent");
	g_free(err);
	ok(sink_smtp.send(&ep, "h", "a@b", good, 0, "x\n", 2, &err) ==
	    SINK_PERM, "no recipient is permanent");
	g_free(err);
	t0 = time(NULL);
	ok(sink_smtp.send(&ep, "h", "", good, 1, "x\n", 2, &err) ==
	    SINK_TEMP && time(NULL) - t0 < 5, "nothing listening: temporary");
	printf("# %s\n", err ? err : "(no error)");
	g_free(err);
}

/* A listener that never accepts: the kernel completes the handshake and
 * the greeting never comes.  The session timeout must still apply to
 * plaintext reads (libetpan's own connect would wait 300 s). */
static void
test_silent(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t sl = sizeof sa;
	struct pd_endpoint ep = { .host = "127.0.0.1", .tls = PD_TLS_NONE,
	    .timeout = 2 };
	const char *good[] = { "x@example.test" };
	enum sink_status st;
	char *err = NULL;
	time_t t0;
	int s;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0 || bind(s, (struct sockaddr *)&sa, sizeof sa) != 0 ||
	    listen(s, 4) != 0 ||
	    getsockname(s, (struct sockaddr *)&sa, &sl) != 0) {
		ok(0, "silent listener");
		return;
	}
	ep.port = ntohs(sa.sin_port);
	t0 = time(NULL);
	st = sink_smtp.send(&ep, "h", "a@b", good, 1, "x\n", 2, &err);
	t0 = time(NULL) - t0;
	ok(st == SINK_TEMP && t0 >= 1 && t0 < 10,
	    "silent server: SINK_TEMP after %ld s", (long)t0);
	printf("# %s\n", err ? err : "(no error)");
	g_free(err);
	close(s);
}

int
main(void)
{
	signal(SIGPIPE, SIG_IGN);
	test_table();
	test_send();
	test_silent();
	return tap_done();
}
