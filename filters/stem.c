/* stem.c: see stem.h. */
#include <string.h>
#include <glib.h>
#include "stem.h"

/* The endings stripped from a word typed into search, longest first:
 * what Russian and English add to a stem (case, number, verb forms).  The
 * trigram index (db.c, schema v9) then finds every form that contains
 * the stem, whatever its case. */
static const char *const endings[] = {
	"иями", "ями", "ами", "ией", "ием", "иях", "ого", "его", "ому",
	"ему", "ыми", "ими", "ться", "ешь", "ете", "ите", "ут", "ют", "ат",
	"ят", "ах", "ях", "ов", "ев", "ей", "ой", "ий", "ый", "ая", "яя",
	"ое", "ее", "ом", "ем", "ам", "ям", "ую", "юю", "ию", "ия", "ие",
	"ии", "ть", "ы", "и", "а", "я", "о", "е", "у", "ю", "ь", "й",
	"ings", "ing", "ies", "ed", "es", "s", NULL };

/* Words shorter than this (in characters) after stripping are kept
 * whole: the index needs three. */
#define MIN_STEM 4

char *
stem(const char *word)
{
	char *w = g_utf8_casefold(word, -1);
	char *n = g_utf8_normalize(w, -1, G_NORMALIZE_NFC);
	glong len = g_utf8_strlen(n, -1);
	size_t nl = strlen(n);

	g_free(w);
	for (const char *const *e = endings; *e; e++) {
		size_t bl = strlen(*e);
		glong el;

		/* The ending first: it rarely matches. */
		if (nl <= bl || memcmp(n + nl - bl, *e, bl) != 0)
			continue;
		el = g_utf8_strlen(*e, -1);
		if (len - el >= MIN_STEM - 1 && len - el >= 3) {
			n[nl - bl] = '\0';
			break;
		}
	}
	return n;
}

char *
stem_typed(const char *word)
{
	char *n = g_utf8_normalize(word, -1, G_NORMALIZE_NFC);
	glong len = g_utf8_strlen(n, -1);

	for (const char *const *e = endings; *e; e++) {
		glong el = g_utf8_strlen(*e, -1);
		char *tail, *low;

		if (len - el < MIN_STEM - 1 || len - el < 3)
			continue;
		tail = g_utf8_offset_to_pointer(n, len - el);
		low = g_utf8_strdown(tail, -1);
		if (strcmp(low, *e) == 0) {
			*tail = '\0';
			g_free(low);
			break;
		}
		g_free(low);
	}
	return n;
}
