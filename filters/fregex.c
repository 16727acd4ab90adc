/* fregex.c: see fregex.h. */
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
