/* bench-seed: fills a postdesk database with COUNT new requests through the
 * real pipeline (pipeline_deliver, the code `postdesk deliver` runs), as
 * fast as one process can: small mails, and the seeding connection alone
 * runs with synchronous=OFF (a crash while seeding only spoils the
 * benchmark's scratch database).  Their acknowledgements are then marked
 * sent, as the outbox would have done, with the bodies dropped as the
 * outbox drops them (docs/storage.md).  Not installed; built by `make
 * bench` (contrib/bench/bench.py).
 *
 * usage: bench-seed CONFIG COUNT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>
#include <gmime/gmime.h>
#include "config.h"
#include "db.h"
#include "mac.h"
#include "pipeline.h"

static const char *const words[] = {
	"printer", "invoice", "password", "VPN", "mailbox", "license",
	"server", "backup", "принтер", "счёт", "пароль", "почта", "лицензия",
	"сервер", "резервная", "копия",
};

int
main(int argc, char **argv)
{
	struct pd_config *cfg = NULL;
	GString *errors = g_string_new(NULL), *raw = g_string_new(NULL);
	struct pipe_origin o = { .source = NULL };
	sqlite3 *db = NULL;
	char *err = NULL, *end;
	unsigned long count, i, stored = 0;
	gint64 t0;

	if (argc != 3 || (count = strtoul(argv[2], &end, 10)) == 0 || *end) {
		fprintf(stderr, "usage: bench-seed CONFIG COUNT\n");
		return 2;
	}
	g_mime_init();
	if (config_load(argv[1], &cfg, errors) != 0) {
		fputs(errors->str, stderr);
		return 1;
	}
	if (mac_init(cfg->key_file, &err) != 0 ||
	    db_open(cfg->database, &db, &err) != 0) {
		fprintf(stderr, "bench-seed: %s\n", err);
		return 1;
	}
	sqlite3_exec(db, "PRAGMA synchronous=OFF", NULL, NULL, NULL);
	t0 = g_get_monotonic_time();
	for (i = 0; i < count; i++) {
		struct pipe_out out = { 0 };
		const char *w = words[i % G_N_ELEMENTS(words)];

		g_string_printf(raw, "From: Seed Client %lu <seed%lu@s%lu.test>\n"
		    "To: support@example.test\nSubject: Seed request %lu: %s\n"
		    "Message-ID: <seed.%lu@bench.test>\n"
		    "Date: Mon, 30 Nov 2026 08:00:00 +0000\n"
		    "Content-Type: text/plain; charset=utf-8\n\n"
		    "Hello, the %s does not work since this morning (%lu).\n"
		    "Could you please have a look?\n\nSeed Client %lu\n", i,
		    i, i % 997, i, w, i, w, i, i);
		if (pipeline_deliver(db, cfg, &o, raw->str, raw->len, &out) ==
		    PIPE_STORED)
			stored++;
		if ((i + 1) % 50000 == 0)
			fprintf(stderr, "bench-seed: %lu of %lu, %.0f/s\n",
			    i + 1, count, (i + 1) / ((g_get_monotonic_time() -
			    t0) / 1e6));
	}
	/* As the outbox would have: sent, bodies dropped (store_outbox.c). */
	if (sqlite3_exec(db, "UPDATE outbox SET status = 'sent', sent_at = "
	    "created, data_hash = pd_sha256(data), data_size = length(data), "
	    "data = pd_headers(data) WHERE status = 'pending'", NULL, NULL,
	    NULL) != SQLITE_OK)
		fprintf(stderr, "bench-seed: %s\n", sqlite3_errmsg(db));
	sqlite3_exec(db, "PRAGMA wal_checkpoint(TRUNCATE)", NULL, NULL, NULL);
	printf("{\"seeded\": %lu, \"stored\": %lu, \"seconds\": %.2f}\n", count,
	    stored, (g_get_monotonic_time() - t0) / 1e6);
	db_close(&db);
	config_free(&cfg);
	g_string_free(errors, TRUE);
	g_string_free(raw, TRUE);
	return 0;
}
