/* leakguard.c: see leakguard.h. */
#include <string.h>
#include "leakguard.h"

/* Bounds the work on hostile or huge texts. */
#define MAX_WORDS 200000

struct leakguard {
	GHashTable *shingles; /* joined words -> NULL */
	GPtrArray *shorts;    /* short notes, as joined word strings */
};

/* Unicode words, case-folded and NFKC-normalised: punctuation, quote
 * markers and line breaks never hide an overlap. */
static GPtrArray *
words_of(const char *text)
{
	GPtrArray *w = g_ptr_array_new_with_free_func(g_free);
	char *norm, *fold;
	const char *p, *start = NULL;

	if (!text || !g_utf8_validate(text, -1, NULL))
		return w;
	norm = g_utf8_normalize(text, -1, G_NORMALIZE_NFKC);
	fold = g_utf8_casefold(norm ? norm : text, -1);
	g_free(norm);
	for (p = fold; w->len < MAX_WORDS; p = g_utf8_next_char(p)) {
		gunichar ch = g_utf8_get_char(p);

		if (ch && g_unichar_isalnum(ch)) {
			if (!start)
				start = p;
			continue;
		}
		if (start)
			g_ptr_array_add(w, g_strndup(start, p - start));
		start = NULL;
		if (!ch)
			break;
	}
	g_free(fold);
	return w;
}

static char *
join(GPtrArray *w, guint from, guint n)
{
	GString *s = g_string_new(NULL);

	for (guint i = from; i < from + n && i < w->len; i++)
		g_string_append_printf(s, "%s%s", i > from ? " " : "",
		    (char *)w->pdata[i]);
	return g_string_free(s, FALSE);
}

struct leakguard *
leakguard_new(void)
{
	struct leakguard *g = g_new0(struct leakguard, 1);

	g->shingles = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    NULL);
	g->shorts = g_ptr_array_new_with_free_func(g_free);
	return g;
}

void
leakguard_add_note(struct leakguard *g, const char *note)
{
	GPtrArray *w = words_of(note);

	if (w->len >= LEAKGUARD_WORDS)
		for (guint i = 0; i + LEAKGUARD_WORDS <= w->len; i++)
			g_hash_table_add(g->shingles, join(w, i,
			    LEAKGUARD_WORDS));
	else if (w->len >= 3)
		/* Two words ("call him") would stop half the mail. */
		g_ptr_array_add(g->shorts, join(w, 0, w->len));
	g_ptr_array_unref(w);
}

/* A short note matches as a whole word sequence of the text. */
static char *
check_shorts(const struct leakguard *g, const char *joined)
{
	for (guint i = 0; i < g->shorts->len; i++) {
		const char *n = g->shorts->pdata[i];
		size_t len = strlen(n);

		for (const char *p = strstr(joined, n); p;
		    p = strstr(p + 1, n))
			if ((p == joined || p[-1] == ' ') &&
			    (p[len] == '\0' || p[len] == ' '))
				return g_strdup(n);
	}
	return NULL;
}

char *
leakguard_check(const struct leakguard *g, const char *text)
{
	GPtrArray *w = words_of(text);
	char *hit = NULL, *all;

	for (guint i = 0; !hit && i + LEAKGUARD_WORDS <= w->len; i++) {
		char *s = join(w, i, LEAKGUARD_WORDS);

		if (g_hash_table_contains(g->shingles, s))
			hit = s;
		else
			g_free(s);
	}
	if (!hit && g->shorts->len) {
		all = join(w, 0, w->len);
		hit = check_shorts(g, all);
		g_free(all);
	}
	g_ptr_array_unref(w);
	return hit;
}

void
leakguard_free(struct leakguard **gp)
{
	struct leakguard *g = gp ? *gp : NULL;

	if (!g)
		return;
	g_hash_table_unref(g->shingles);
	g_ptr_array_unref(g->shorts);
	g_free(g);
	*gp = NULL;
}
