/* rulematch.c: see rulematch.h. */
#include <string.h>
#include "rulematch.h"

char *
rulematch_fold(const char *s)
{
	char *r = g_strdup(s ? s : "");

	/* ё is U+0451 (D1 91), е U+0435 (D0 B5); Ё U+0401 (D0 81), Е U+0415
	 * (D0 95): the same length, so the string is rewritten in place.
	 * D0 and D1 are lead bytes, never continuation bytes, so a pair
	 * found here is always one whole character of valid UTF-8. */
	for (unsigned char *p = (unsigned char *)r; p[0] && p[1]; p++) {
		if (p[0] == 0xd1 && p[1] == 0x91)
			p[0] = 0xd0, p[1] = 0xb5;
		else if (p[0] == 0xd0 && p[1] == 0x81)
			p[1] = 0x95;
	}
	return r;
}

GRegex *
rulematch_compile(const char *pattern, char **error_r)
{
	GError *err = NULL;
	char *folded;
	GRegex *re;

	if (!g_utf8_validate(pattern, -1, NULL)) {
		*error_r = g_strdup("not valid UTF-8");
		return NULL;
	}
	folded = rulematch_fold(pattern);
	re = g_regex_new(folded, G_REGEX_CASELESS | G_REGEX_OPTIMIZE, 0, &err);
	if (!re) {
		*error_r = g_strdup(err->message);
		g_error_free(err);
	} else {
		/* Compiled again under a lower backtracking limit
		 * (pcre2pattern(3), "Setting match resource limits"): GRegex
		 * keeps PCRE2's default of ten million, some 50 ms for a
		 * pattern that backtracks without end, per header and per
		 * rule, on text any stranger writes.  The first compile
		 * reports errors at the admin's own positions. */
		char *limited = g_strdup_printf("(*LIMIT_MATCH=%u)%s",
		    RULEMATCH_MATCH_LIMIT, folded);
		GRegex *l = g_regex_new(limited, G_REGEX_CASELESS |
		    G_REGEX_OPTIMIZE, 0, NULL);

		if (l) {
			g_regex_unref(re);
			re = l;
		}
		g_free(limited);
	}
	g_free(folded);
	return re;
}

bool
rulematch_find(const GRegex *re, const char *text)
{
	char *folded;
	bool r;

	if (!text)
		return false;
	folded = rulematch_fold(text);
	r = g_regex_match(re, folded, 0, NULL);
	g_free(folded);
	return r;
}

const char *
rulematch_language(const char *subject, const char *text)
{
	const char *texts[] = { subject, text };
	size_t cyr = 0, lat = 0;

	for (unsigned i = 0; i < G_N_ELEMENTS(texts); i++)
		for (const char *p = texts[i]; p && *p;
		    p = g_utf8_next_char(p)) {
			gunichar ch = g_utf8_get_char(p);

			if (ch >= 0x400 && ch <= 0x4ff)
				cyr++;
			else if (ch < 0x80 && g_ascii_isalpha(ch))
				lat++;
		}
	return cyr > lat ? "ru" : "en";
}
