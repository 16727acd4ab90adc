/* mailfile.h: the test mails of tests/mail/ for the parser's unit tests
 * (unit_parse, unit_dsn), read the same way by both.  Header-only. */
#ifndef PD_TEST_MAILFILE_H
#define PD_TEST_MAILFILE_H

#include <stdio.h>
#include <stdlib.h>
#include <glib.h>

/* tests/mail/NAME under $top_srcdir (else the current directory), read
 * whole: g_malloc'd and NUL-terminated, its length in *len_r (may be
 * NULL).  NULL, with a "# cannot read" TAP comment, when it cannot be
 * read. */
static inline char *
mail_file(const char *name, gsize *len_r)
{
	const char *top = getenv("top_srcdir");
	char *path = g_strdup_printf("%s/tests/mail/%s", top ? top : ".", name);
	char *raw = NULL;

	if (!g_file_get_contents(path, &raw, len_r, NULL)) {
		printf("# cannot read %s\n", path);
		raw = NULL;
	}
	g_free(path);
	return raw;
}

#endif
