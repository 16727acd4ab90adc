/* hdrtext.c: see hdrtext.h. */
#include <string.h>
#include "hdrtext.h"

static bool
breaks_line(gunichar c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 ||
	    c == 0x2029;
}

char *
hdrtext_line(const char *s)
{
	char *v = g_utf8_make_valid(s ? s : "", -1);
	GString *out = g_string_sized_new(strlen(v));
	bool in_run = false;

	for (const char *p = v; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (breaks_line(c)) {
			if (!in_run)
				g_string_append_c(out, ' ');
			in_run = true;
			continue;
		}
		in_run = false;
		g_string_append_len(out, p, g_utf8_next_char(p) - p);
	}
	g_free(v);
	return g_string_free(out, FALSE);
}

bool
hdrtext_is_line(const char *s)
{
	if (!g_utf8_validate(s, -1, NULL))
		return false;
	for (const char *p = s; *p; p = g_utf8_next_char(p))
		if (breaks_line(g_utf8_get_char(p)))
			return false;
	return true;
}
