/* fregex.c: see fregex.h. */
#include <string.h>
#include "fregex.h"

GRegex *
fregex_compile(const char *owner, const char *pattern)
{
	GError *err = NULL;
	GRegex *r = g_regex_new(pattern, G_REGEX_CASELESS, 0, &err);

	if (r == NULL)
		g_error("%s: bad regex %s: %s", owner, pattern, err->message);
	return r;
}

GRegex *
fregex_once(GRegex **cache, const char *owner, const char *pattern)
{
	if (g_once_init_enter(cache))
		g_once_init_leave(cache, fregex_compile(owner, pattern));
	return *cache;
}

gboolean
fregex_blank(const char *s)
{
	for (; *s != '\0'; s++)
		if (!g_ascii_isspace(*s))
			return FALSE;
	return TRUE;
}

char **
fregex_lines(const char *text, int *n_r)
{
	/* A parsed text is UTF-8 already: split it as it is, without the
	 * copy g_utf8_make_valid() makes of every text. */
	char *valid = g_utf8_validate(text, -1, NULL) ? NULL :
	    g_utf8_make_valid(text, -1);
	char **lines = g_strsplit(valid ? valid : text, "\n", -1);
	int n = g_strv_length(lines);

	g_free(valid);
	for (int i = 0; i < n; i++) {
		size_t len = strlen(lines[i]);

		if (len > 0 && lines[i][len - 1] == '\r')
			lines[i][len - 1] = '\0';
	}
	*n_r = n;
	return lines;
}
