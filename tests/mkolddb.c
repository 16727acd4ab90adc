/* mkolddb: creates PATH as a database of schema VERSION, as an older
 * postdesk left it (db_create_at, db.h), for integration tests of the
 * refusal of an older schema and of `postdesk migrate` (tests/it_cli.py).
 * Usage: mkolddb PATH VERSION.  Exit 0, or 1 with the error. */
#include <stdio.h>
#include <stdlib.h>
#include <glib.h>
#include "db.h"

int
main(int argc, char **argv)
{
	char *err = NULL;

	if (argc != 3) {
		fprintf(stderr, "usage: mkolddb PATH VERSION\n");
		return 2;
	}
	if (db_create_at(argv[1], atoi(argv[2]), &err) != 0) {
		fprintf(stderr, "mkolddb: %s\n", err);
		g_free(err);
		return 1;
	}
	return 0;
}
