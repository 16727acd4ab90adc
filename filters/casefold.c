/* casefold.c: see casefold.h. */
#include <string.h>
#include "casefold.h"

/* The next character of [p, end) when it is one of the fast path: its
 * length in *n and its case-folded form in *lower; 0 when it is not
 * (anything else, invalid UTF-8, cut by end).  The fast path is ASCII,
 * U+0080..U+02FF (Latin-1 and Latin Extended, for the NFC test only:
 * their folding has special cases) and Cyrillic U+0400..U+045F.  None of
 * these has a canonical combining class or may be the second character
 * of a canonical composition (Unicode's NFC_Quick_Check is Yes for each
 * and they all start a combining sequence), so a run of them is already
 * NFC; and g_utf8_casefold() maps U+0400..U+042F to lower case by the
 * offsets below, leaves U+0430..U+045F as they are and has no special
 * case for any of them. */
static int
fast_char(const unsigned char *p, const unsigned char *end,
    gunichar *c_r)
{
	if (p >= end || !*p)
		return 0;
	if (*p < 0x80) {
		*c_r = *p;
		return 1;
	}
	if (end - p < 2 || (p[1] & 0xc0) != 0x80)
		return 0;
	if (*p >= 0xc2 && *p <= 0xcb) {	/* U+0080..U+02FF */
		*c_r = ((gunichar)(*p & 0x1f) << 6) | (p[1] & 0x3f);
		return 2;
	}
	if (*p == 0xd0 || (*p == 0xd1 && p[1] <= 0x9f)) {
		*c_r = ((gunichar)(*p & 0x1f) << 6) | (p[1] & 0x3f);
		return 2;
	}
	return 0;
}

static const unsigned char *
end_of(const char *s, gssize len)
{
	return (const unsigned char *)(len < 0 ? s + strlen(s) :
	    s + strnlen(s, (size_t)len));
}

void
casefold_append(GString *out, const char *s, gssize len)
{
	const unsigned char *p = (const unsigned char *)s, *end = end_of(s,
	    len);
	gsize was = out->len;
	char *o;
	gunichar c;
	int n;

	/* Folding never makes a character of the fast path longer. */
	g_string_set_size(out, was + (gsize)(end - p));
	o = out->str + was;
	while ((n = fast_char(p, end, &c)) > 0) {
		if (c < 0x80)
			*o++ = g_ascii_tolower((char)c);
		else if (c >= 0x400 && c <= 0x45f) {
			if (c <= 0x40f)
				c += 0x50;
			else if (c <= 0x42f)
				c += 0x20;
			o += g_unichar_to_utf8(c, o);
		} else
			break;	/* Latin-1 and the like: GLib's tables */
		p += n;
	}
	if (p == end) {
		g_string_truncate(out, (gsize)(o - out->str));
		return;
	}
	g_string_truncate(out, was);
	o = g_utf8_casefold(s, len);
	g_string_append(out, o);
	g_free(o);
}

char *
casefold(const char *s, gssize len)
{
	GString *out = g_string_sized_new(len < 0 ? strlen(s) : (gsize)len);

	casefold_append(out, s, len);
	return g_string_free(out, FALSE);
}

char *
casefold_nfc(const char *s, gssize len)
{
	const unsigned char *p = (const unsigned char *)s, *end = end_of(s,
	    len);
	gunichar c;
	int n;

	while ((n = fast_char(p, end, &c)) > 0)
		p += n;
	if (p == end)
		return g_strndup(s, (size_t)(end - (const unsigned char *)s));
	return g_utf8_normalize(s, len, G_NORMALIZE_NFC);
}
