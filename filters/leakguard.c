/* leakguard.c: internal notes never reach a client (see leakguard.h).
 *
 * Text is reduced to words once (NFKC, case-folded), kept as spans into
 * one buffer; shingles are the words joined by single spaces, stored as
 * strings so that two different word sequences can never collide.  Words
 * hold no spaces, so a short note's whole sequence (3 to 5 words) lives in
 * the same set as the 6-word shingles without ambiguity. */
#include <stdbool.h>
#include <string.h>
#include "leakguard.h"

/* Bounds the work on hostile or huge texts: far more than any mail. */
#define MAX_WORDS	1000000
/* Fewer words than this is a phrase anybody writes ("call him"). */
#define MIN_SHORT	3

struct leakguard {
	GHashTable *set;	/* joined words -> itself */
	unsigned shorts;	/* bit k set: a short note of k words */
};

struct words {
	char *buf;		/* the folded text */
	GArray *span;		/* of struct span */
};

struct span {
	gsize off, len;
};

/* Invisible characters (soft hyphen, zero-width space and joiners) and
 * combining marks neither split a word nor count: they could otherwise be
 * used, or appear by accident, to hide a quoted note. */
static int
char_class(gunichar u)
{
	switch (g_unichar_type(u)) {
	case G_UNICODE_FORMAT:
		return 0;
	case G_UNICODE_NON_SPACING_MARK:
	case G_UNICODE_SPACING_MARK:
	case G_UNICODE_ENCLOSING_MARK:
		return 1;
	default:
		return g_unichar_isalnum(u) ? 1 : -1;
	}
}

static void
words_scan(struct words *w)
{
	GString *out = g_string_new(NULL);
	struct span s = { 0, 0 };
	bool in = false;

	for (const char *p = w->buf; *p && w->span->len < MAX_WORDS;
	    p = g_utf8_next_char(p)) {
		int k = char_class(g_utf8_get_char(p));

		if (k > 0 && !in) {
			s.off = out->len;
			in = true;
		}
		if (k > 0)
			g_string_append_len(out, p, g_utf8_next_char(p) - p);
		else if (k < 0 && in) {
			s.len = out->len - s.off;
			g_array_append_val(w->span, s);
			in = false;
		}
	}
	if (in && w->span->len < MAX_WORDS) {
		s.len = out->len - s.off;
		g_array_append_val(w->span, s);
	}
	g_free(w->buf);
	w->buf = g_string_free(out, FALSE);
}

/* Any input, even invalid UTF-8: a stray byte must not blind the guard. */
static void
words_init(struct words *w, const char *text)
{
	char *valid = g_utf8_make_valid(text ? text : "", -1);
	char *norm = g_utf8_normalize(valid, -1, G_NORMALIZE_NFKC);

	w->buf = g_utf8_casefold(norm ? norm : valid, -1);
	w->span = g_array_new(FALSE, FALSE, sizeof(struct span));
	g_free(norm);
	g_free(valid);
	words_scan(w);
}

static void
words_clear(struct words *w)
{
	g_free(w->buf);
	g_array_free(w->span, TRUE);
}

/* Words [i, i + n) joined by spaces, into s. */
static const char *
join(const struct words *w, guint i, guint n, GString *s)
{
	g_string_truncate(s, 0);
	for (guint j = i; j < i + n; j++) {
		const struct span *sp = &g_array_index(w->span, struct span, j);

		if (j > i)
			g_string_append_c(s, ' ');
		g_string_append_len(s, w->buf + sp->off, (gssize)sp->len);
	}
	return s->str;
}

struct leakguard *
leakguard_new(void)
{
	struct leakguard *g = g_new0(struct leakguard, 1);

	g->set = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	return g;
}

void
leakguard_add_note(struct leakguard *g, const char *note)
{
	struct words w;
	GString *s;
	guint n;

	if (g == NULL || note == NULL)
		return;
	words_init(&w, note);
	s = g_string_new(NULL);
	n = w.span->len;
	if (n >= LEAKGUARD_WORDS)
		for (guint i = 0; i + LEAKGUARD_WORDS <= n; i++)
			g_hash_table_add(g->set, g_strdup(join(&w, i,
			    LEAKGUARD_WORDS, s)));
	else if (n >= MIN_SHORT) {
		g_hash_table_add(g->set, g_strdup(join(&w, 0, n, s)));
		g->shorts |= 1u << n;
	}
	g_string_free(s, TRUE);
	words_clear(&w);
}

/* At word i: a shingle, or a short note's whole sequence, starting here. */
static bool
hit_at(const struct leakguard *g, const struct words *w, guint i,
    GString *s)
{
	guint n = w->span->len;

	if (i + LEAKGUARD_WORDS <= n &&
	    g_hash_table_contains(g->set, join(w, i, LEAKGUARD_WORDS, s)))
		return true;
	for (guint k = MIN_SHORT; k < LEAKGUARD_WORDS; k++)
		if ((g->shorts & (1u << k)) && i + k <= n &&
		    g_hash_table_contains(g->set, join(w, i, k, s)))
			return true;
	return false;
}

char *
leakguard_check(const struct leakguard *g, const char *text)
{
	struct words w;
	GString *s;
	char *hit = NULL;

	if (g == NULL || text == NULL || g_hash_table_size(g->set) == 0)
		return NULL;
	words_init(&w, text);
	s = g_string_new(NULL);
	for (guint i = 0; i < w.span->len && hit == NULL; i++)
		if (hit_at(g, &w, i, s))
			hit = g_strdup(s->str);
	g_string_free(s, TRUE);
	words_clear(&w);
	return hit;
}

void
leakguard_free(struct leakguard **gp)
{
	if (gp == NULL || *gp == NULL)
		return;
	g_hash_table_unref((*gp)->set);
	g_free(*gp);
	*gp = NULL;
}
