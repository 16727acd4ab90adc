/* flood.c: see flood.h. */
#include <string.h>
#include <glib.h>
#include "flood.h"

/* U+0400..U+045F: each is a letter (Unicode Lu or Ll). */
#define CYRILLIC_LETTER(c) ((c) >= 0x400 && (c) <= 0x45f)

/* Appends the word [p, end) to out, case-folded, or "#" when it is an
 * id: numbers and ids change from one automatic mail to the next.  An id
 * holds a digit, or is a run of 8 or more hex letters: a random hex id
 * ("faeaaacbeaaf") need not hold a digit, and no common word is one. */
static void
add_word(GString *out, const char *p, const char *end)
{
	bool digit = false, hex = end - p >= 8, ascii = true;
	char *fold;

	for (const char *q = p; q < end; q = g_utf8_next_char(q)) {
		gunichar c = (unsigned char)*q < 0x80 ? (unsigned char)*q :
		    g_utf8_get_char(q);

		if (c < 0x80 ? g_ascii_isdigit(c) : !CYRILLIC_LETTER(c) &&
		    g_unichar_isdigit(c))
			digit = true;
		if (!g_ascii_isxdigit(c))
			hex = false;
		if (c >= 0x80)
			ascii = false;
	}
	if (out->len)
		g_string_append_c(out, ' ');
	if (digit || hex) {
		g_string_append_c(out, '#');
		return;
	}
	/* An ASCII word folds to its lower case (Unicode's CaseFolding.txt
	 * maps A-Z to a-z and nothing else below U+0080): no copy. */
	if (ascii) {
		for (const char *q = p; q < end; q++)
			g_string_append_c(out, g_ascii_tolower(*q));
		return;
	}
	fold = g_utf8_casefold(p, end - p);
	g_string_append(out, fold);
	g_free(fold);
}

char *
flood_normalise(const char *text)
{
	GString *out = g_string_new(NULL);
	const char *p = text, *word = NULL;
	size_t n = 0;

	if (!text || !g_utf8_validate(text, -1, NULL))
		return g_string_free(out, FALSE);
	for (; *p && n < FLOOD_MAX_WORDS; p = g_utf8_next_char(p)) {
		gunichar c = (unsigned char)*p < 0x80 ? (unsigned char)*p :
		    g_utf8_get_char(p);

		/* ASCII and the Russian alphabet without GLib's tables: no
		 * mark, the same letters and digits. */
		if (c < 0x80 ? g_ascii_isalnum(c) : (CYRILLIC_LETTER(c) ||
		    g_unichar_isalnum(c) || g_unichar_ismark(c))) {
			if (!word)
				word = p;
			continue;
		}
		if (word) {
			add_word(out, word, p);
			n++;
			word = NULL;
		}
	}
	if (word && n < FLOOD_MAX_WORDS)
		add_word(out, word, p);
	return g_string_free(out, FALSE);
}

size_t
flood_words(const char *norm)
{
	size_t n = 0;

	for (const char *p = norm; p && *p; p++)
		if (p == norm || p[-1] == ' ')
			n++;
	return n;
}

/* The set of 3-word shingle hashes of a normalised text. */
static GHashTable *
shingles(const char *norm)
{
	GHashTable *set = g_hash_table_new(g_direct_hash, g_direct_equal);
	char **w = g_strsplit(norm, " ", -1);
	guint n = g_strv_length(w);

	for (guint i = 0; i + 2 < n; i++) {
		/* FNV-1a over "a b c"; a collision only adds similarity to
		 * one pair of shingles, never a whole text. */
		guint32 h = 2166136261u;

		for (guint k = i; k < i + 3; k++) {
			for (const char *p = w[k]; *p; p++)
				h = (h ^ (guchar)*p) * 16777619u;
			h = (h ^ ' ') * 16777619u;
		}
		g_hash_table_add(set, GUINT_TO_POINTER(h ? h : 1));
	}
	g_strfreev(w);
	return set;
}

unsigned
flood_similarity(const char *a, const char *b)
{
	GHashTable *sa, *sb;
	GHashTableIter it;
	gpointer k;
	guint common = 0, all;

	if (!a || !b)
		return 0;
	if (flood_words(a) < 3 || flood_words(b) < 3)
		return strcmp(a, b) == 0 ? 100 : 0;
	sa = shingles(a);
	sb = shingles(b);
	g_hash_table_iter_init(&it, sa);
	while (g_hash_table_iter_next(&it, &k, NULL))
		common += g_hash_table_contains(sb, k);
	all = g_hash_table_size(sa) + g_hash_table_size(sb) - common;
	g_hash_table_unref(sa);
	g_hash_table_unref(sb);
	return all ? (unsigned)((100ull * common) / all) : 100;
}

const char *
flood_domain(const char *address)
{
	const char *at = address ? strrchr(address, '@') : NULL;

	return at ? at + 1 : "";
}

char *
flood_canonical(const char *address)
{
	const char *at = address ? strrchr(address, '@') : NULL;
	GString *local = g_string_new(NULL);
	char *valid, *fold, *dom, *out;
	gsize n;

	if (at == NULL) {
		valid = g_utf8_make_valid(address ? address : "", -1);
		fold = g_utf8_casefold(valid, -1);
		g_free(valid);
		g_string_free(local, TRUE);
		return fold;
	}
	for (const char *p = address; p < at; p++) {
		if (*p == '"')
			continue;
		if (*p == '\\' && p + 1 < at)
			p++;
		g_string_append_c(local, *p);
	}
	/* "+" first would leave no mailbox: kept as it is. */
	if ((n = strcspn(local->str, "+")) > 0)
		g_string_truncate(local, n);
	valid = g_utf8_make_valid(local->str, -1);
	fold = g_utf8_casefold(valid, -1);
	g_free(valid);
	g_string_free(local, TRUE);
	valid = g_utf8_make_valid(at + 1, -1);
	if ((dom = g_hostname_to_ascii(valid)) == NULL)
		dom = g_utf8_casefold(valid, -1);
	g_free(valid);
	n = strlen(dom);
	if (n > 1 && dom[n - 1] == '.')
		dom[n - 1] = '\0';
	for (char *q = dom; *q; q++)
		*q = g_ascii_tolower(*q);
	out = g_strdup_printf("%s@%s", fold, dom);
	g_free(fold);
	g_free(dom);
	return out;
}

const char *
flood_org_domain(const char *domain)
{
	const char *dot[3] = { NULL, NULL, NULL }; /* last, 2nd, 3rd last */
	size_t tld, second;

	if (domain == NULL || *domain == '[')
		return domain ? domain : "";
	for (const char *p = domain; *p; p++)
		if (*p == '.') {
			dot[2] = dot[1];
			dot[1] = dot[0];
			dot[0] = p;
		}
	if (dot[1] == NULL)
		return domain;
	tld = strlen(dot[0] + 1);
	second = (size_t)(dot[0] - dot[1] - 1);
	if (tld == 2 && second <= 3)
		return dot[2] ? dot[2] + 1 : domain;
	return dot[1] + 1;
}

enum flood_window
flood_cap(const struct flood_limit *l, unsigned in_hour, unsigned in_day)
{
	if (l->per_hour && in_hour >= l->per_hour)
		return FLOOD_HOUR;
	if (l->per_day && in_day >= l->per_day)
		return FLOOD_DAY;
	return FLOOD_OK;
}

const char *
flood_window_name(enum flood_window w)
{
	return w == FLOOD_HOUR ? "hour" : w == FLOOD_DAY ? "day" : "";
}

bool
flood_automated_opens_ticket(const char *reason)
{
	return reason && (strncmp(reason, "list-", 5) == 0 ||
	    strcmp(reason, "precedence: list") == 0 ||
	    strcmp(reason, "mailing-list header") == 0);
}
