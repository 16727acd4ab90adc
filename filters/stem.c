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

	g_free(w);
	for (const char *const *e = endings; *e; e++) {
		glong el = g_utf8_strlen(*e, -1);
		size_t bl = strlen(*e), nl = strlen(n);

		if (len - el >= MIN_STEM - 1 && len - el >= 3 && nl > bl &&
		    strcmp(n + nl - bl, *e) == 0) {
			n[nl - bl] = '\0';
			break;
		}
	}
	return n;
}
