/* fts_words.c: see fts_words.h.  The FTS5 tokenizer API is described in
 * SQLite's documentation of FTS5 ("Custom Tokenizers"): a tokenizer
 * reports each token with the byte range of the original text it came
 * from, which snippet() uses to mark hits. */
#include <stdbool.h>
#include <string.h>
#include <glib.h>
#include "fts_words.h"

/* One instance: unicode61, which does the folding and the word split. */
struct words {
	fts5_tokenizer base;
	Fts5Tokenizer *inner;
};

/* The state of one xTokenize call, handed to the callback of unicode61. */
struct pass {
	void *ctx;
	int (*token)(void *, int, const char *, int, int, int);
	const char *text;
};

static bool
cjk(gunichar c)
{
	switch (g_unichar_get_script(c)) {
	case G_UNICODE_SCRIPT_HAN:
	case G_UNICODE_SCRIPT_HIRAGANA:
	case G_UNICODE_SCRIPT_KATAKANA:
	case G_UNICODE_SCRIPT_HANGUL:
		return true;
	default:
		return false;
	}
}

/* A folded token t of n bytes (from text[start, end)) with CJK
 * characters: the text around them as tokens, each of them a token.
 * unicode61 leaves CJK characters as they are, so each is found again in
 * the original text for its byte range; were one not found, every part
 * gets the whole token's range. */
static int
split(struct pass *p, int flags, const char *t, int n, int start, int end)
{
	const char *q = t, *run = t, *o = p->text + start;
	const char *oend = p->text + end;
	bool lost = false;
	int r = SQLITE_OK;

	while (q < t + n && r == SQLITE_OK) {
		const char *next = g_utf8_next_char(q);
		size_t len = (size_t)(next - q);
		const char *found;
		int os, oe;

		if (next > t + n || !cjk(g_utf8_get_char(q))) {
			q = next;
			continue;
		}
		found = NULL;
		for (const char *s = o; !lost && s + len <= oend; s++)
			if (memcmp(s, q, len) == 0) {
				found = s;
				break;
			}
		lost |= found == NULL;
		if (run < q) {
			os = lost ? start : (int)(o - p->text);
			oe = lost ? end : (int)(found - p->text);
			r = p->token(p->ctx, flags, run, (int)(q - run), os, oe);
			flags = 0;
		}
		if (r == SQLITE_OK) {
			os = lost ? start : (int)(found - p->text);
			oe = lost ? end : os + (int)len;
			r = p->token(p->ctx, flags, q, (int)len, os, oe);
			flags = 0;
		}
		if (!lost)
			o = found + len;
		q = run = next;
	}
	if (r == SQLITE_OK && run < t + n)
		r = p->token(p->ctx, flags, run, (int)(t + n - run),
		    lost ? start : (int)(o - p->text), end);
	return r;
}

/* The callback given to unicode61: tokens of ASCII and two-byte
 * characters (Latin, Cyrillic) without "ё" pass as they are; the
 * first byte of every CJK character is 0xE1 or more. */
static int
on_token(void *pp, int flags, const char *t, int n, int start, int end)
{
	struct pass *p = pp;
	bool wide = false, yo = false;
	char small[256], *copy = NULL;
	int r;

	for (int i = 0; i < n; i++) {
		unsigned char b = (unsigned char)t[i];

		wide |= b >= 0xE1;
		yo |= b == 0xD1 && i + 1 < n && (unsigned char)t[i + 1] == 0x91;
	}
	if (!wide && !yo)
		return p->token(p->ctx, flags, t, n, start, end);
	if (yo) {
		/* ё (U+0451, D1 91) to е (U+0435, D0 B5): same length. */
		copy = (size_t)n <= sizeof small ? small : g_malloc((size_t)n);
		memcpy(copy, t, (size_t)n);
		for (int i = 0; i + 1 < n; i++)
			if ((unsigned char)copy[i] == 0xD1 &&
			    (unsigned char)copy[i + 1] == 0x91) {
				copy[i] = (char)0xD0;
				copy[i + 1] = (char)0xB5;
				i++;
			}
		t = copy;
	}
	r = wide ? split(p, flags, t, n, start, end) :
	    p->token(p->ctx, flags, t, n, start, end);
	if (copy != small)
		g_free(copy);
	return r;
}

static fts5_api *
api_of(sqlite3 *db)
{
	fts5_api *api = NULL;
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(db, "SELECT fts5(?1)", -1, &st, NULL) ==
	    SQLITE_OK) {
		sqlite3_bind_pointer(st, 1, &api, "fts5_api_ptr", NULL);
		sqlite3_step(st);
	}
	sqlite3_finalize(st);
	return api;
}

static int
words_create(void *user, const char **argv, int argc, Fts5Tokenizer **out)
{
	fts5_api *api = user;
	static const char *const args[] = { "remove_diacritics", "2" };
	struct words *w = g_new0(struct words, 1);
	void *inner_user = NULL;
	int r;

	(void)argv;
	(void)argc;
	r = api->xFindTokenizer(api, "unicode61", &inner_user, &w->base);
	if (r == SQLITE_OK)
		r = w->base.xCreate(inner_user, (const char **)args, 2,
		    &w->inner);
	if (r != SQLITE_OK) {
		g_free(w);
		return r;
	}
	*out = (Fts5Tokenizer *)w;
	return SQLITE_OK;
}

static void
words_delete(Fts5Tokenizer *tok)
{
	struct words *w = (struct words *)tok;

	w->base.xDelete(w->inner);
	g_free(w);
}

static int
words_tokenize(Fts5Tokenizer *tok, void *ctx, int flags, const char *text,
    int n, int (*token)(void *, int, const char *, int, int, int))
{
	struct words *w = (struct words *)tok;
	struct pass p = { ctx, token, text };

	return w->base.xTokenize(w->inner, &p, flags, text, n, on_token);
}

int
fts_words_register(sqlite3 *db)
{
	static fts5_tokenizer methods = { words_create, words_delete,
		words_tokenize };
	fts5_api *api = api_of(db);

	if (api == NULL || api->iVersion < 2)
		return -1;
	return api->xCreateTokenizer(api, "pd_words", api, &methods, NULL) ==
	    SQLITE_OK ? 0 : -1;
}
