/* postdesk.c: the command-line tool (placeholder until the CLI lands). */
#include <stdio.h>
#include <string.h>
#include <gmime/gmime.h>
#include "inspect.h"

int
main(int argc, char **argv)
{
	int r;

	if (argc < 2) {
		fprintf(stderr, "usage: postdesk inspect MESSAGE.eml [--json]\n");
		return 2;
	}
	g_mime_init();
	r = strcmp(argv[1], "inspect") == 0 ? cmd_inspect(argc - 1, argv + 1) : 2;
	g_mime_shutdown();
	return r;
}
