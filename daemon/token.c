/* token.c: subject tokens "[TAG#N]" (see token.h). */
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include "token.h"

/* Tag, '#', number, each with optional blanks; a trailing blank is part of
 * the match so token_strip() removes it too. */
static GRegex *
token_re(void)
{
	static GRegex *re;

	if (g_once_init_enter(&re)) {
		GRegex *r = g_regex_new(
		    "\\[\\s*([A-Za-z0-9_-]{1,32})\\s*#\\s*([0-9]{1,19})\\s*\\]"
		    "[ \\t]?", G_REGEX_CASELESS, 0, NULL);

		g_once_init_leave(&re, r);
	}
	return re;
}

/* Fills t from a match; false when the number overflows or the tag is not
 * the one asked for. */
static bool
token_of(GMatchInfo *mi, const char *tag, struct pd_token *t)
{
	char *tg = g_match_info_fetch(mi, 1), *num = g_match_info_fetch(mi, 2);
	guint64 n = 0;
	bool good;

	good = g_ascii_string_to_unsigned(num, 10, 0, G_MAXULONG, &n, NULL) &&
	    (tag == NULL || g_ascii_strcasecmp(tag, tg) == 0);
	if (good) {
		memset(t, 0, sizeof *t);
		for (size_t i = 0; tg[i] && i < sizeof t->tag - 1; i++)
			t->tag[i] = g_ascii_toupper(tg[i]);
		t->num = (unsigned long)n;
	}
	g_free(tg);
	g_free(num);
	return good;
}

static bool
seen(const GArray *out, guint from, const struct pd_token *t)
{
	for (guint i = from; i < out->len; i++) {
		const struct pd_token *o = &g_array_index(out, struct pd_token,
		    i);

		if (o->num == t->num && strcmp(o->tag, t->tag) == 0)
			return true;
	}
	return false;
}

unsigned
token_find(const char *subject, const char *tag, GArray *out)
{
	GMatchInfo *mi = NULL;
	struct pd_token t;
	guint start = out->len;
	char *s;

	if (subject == NULL)
		return 0;
	s = g_utf8_make_valid(subject, -1);
	g_regex_match(token_re(), s, 0, &mi);
	for (; g_match_info_matches(mi); g_match_info_next(mi, NULL))
		if (token_of(mi, tag, &t) && !seen(out, start, &t))
			g_array_append_val(out, t);
	g_match_info_free(mi);
	g_free(s);
	return out->len - start;
}

char *
token_format(const char *tag, unsigned long num)
{
	return g_strdup_printf("[%s#%lu]", tag, num);
}

static gboolean
strip_cb(const GMatchInfo *mi, GString *res, gpointer data)
{
	const char *tag = data;
	struct pd_token t;
	char *all;

	if (!token_of((GMatchInfo *)mi, tag, &t)) {
		all = g_match_info_fetch(mi, 0);
		g_string_append(res, all);
		g_free(all);
	}
	return FALSE;
}

char *
token_strip(const char *subject, const char *tag)
{
	char *s, *r;

	if (subject == NULL)
		return g_strdup("");
	s = g_utf8_make_valid(subject, -1);
	r = g_regex_replace_eval(token_re(), s, -1, 0, 0, strip_cb,
	    (gpointer)tag, NULL);
	g_free(s);
	return r ? r : g_strdup("");
}
