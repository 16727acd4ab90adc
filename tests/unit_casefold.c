/* unit_casefold: casefold() and casefold_nfc() (filters/casefold.h) give
 * GLib's g_utf8_casefold() and g_utf8_normalize(NFC), byte for byte: every
 * character of the fast path, alone and in every pair (a pair is where a
 * composition would show), the characters around it, cut strings and
 * invalid UTF-8. */
#include <stdbool.h>
#include <glib.h>
#include "casefold.h"
#include "tap.h"

static bool
same(const char *s, gssize len)
{
	char *a = casefold(s, len), *b = g_utf8_casefold(s, len);
	char *c = casefold_nfc(s, len), *d = g_utf8_normalize(s, len,
	    G_NORMALIZE_NFC);
	bool r = strcmp(a, b) == 0 && g_strcmp0(c, d) == 0;

	g_free(a);
	g_free(b);
	g_free(c);
	g_free(d);
	return r;
}

static bool
fast(gunichar c)
{
	return (c > 0 && c < 0x300) || (c >= 0x400 && c < 0x460);
}

int
main(void)
{
	static const char *const odd[] = { "\xd0", "ab\xd0", "\xd1\xa0",
		"\xc0\x80", "\xc1\xbf", "a\xff" "b", "\xd0\xd0", "\xcb\x7f",
		"Straße", "İstanbul", "ΣΊΣΥΦΟΣ", "ﬁxed", "e\xcc\x81t\xc3\xa9",
		"Й\xcc\x86", "ПРИНТЕР Ёлка", "Ѐ Ѓ Ѷ ѷ", "", NULL };
	unsigned bad_one = 0, bad_pair = 0, bad_other = 0, bad_cut = 0;
	GArray *cs = g_array_new(FALSE, FALSE, sizeof(gunichar));

	for (gunichar c = 1; c < 0x3000; c++)
		if (fast(c))
			g_array_append_val(cs, c);
	for (guint i = 0; i < cs->len; i++) {
		char b[16];
		int k = g_unichar_to_utf8(g_array_index(cs, gunichar, i), b);

		b[k] = '\0';
		bad_one += !same(b, -1);
		for (guint j = 0; j < cs->len; j++) {
			int m = k + g_unichar_to_utf8(g_array_index(cs,
			    gunichar, j), b + k);

			b[m] = '\0';
			bad_pair += !same(b, -1);
		}
	}
	ok(bad_one == 0, "each character of the fast path (%u differ)",
	    bad_one);
	ok(bad_pair == 0, "each pair of them (%u differ)", bad_pair);
	for (gunichar c = 1; c < 0x30000; c++) {
		char b[8];
		int k;

		if (fast(c) || (c >= 0xd800 && c < 0xe000))
			continue;
		k = g_unichar_to_utf8(c, b);
		b[k] = '\0';
		bad_other += !same(b, -1);
		bad_cut += !same(b, k - 1);
	}
	ok(bad_other == 0, "the characters outside it (%u differ)",
	    bad_other);
	ok(bad_cut == 0, "a character cut by the length (%u differ)",
	    bad_cut);
	for (unsigned i = 0; odd[i]; i++)
		ok(same(odd[i], -1) && same(odd[i], 3),
		    "the same as GLib: odd string %u", i);
	g_array_unref(cs);
	return tap_done();
}
