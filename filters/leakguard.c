/* leakguard.c: internal notes never reach a client (see leakguard.h).
 *
 * Text is reduced once (entities decoded, NFKC, case-folded) to words,
 * kept as spans into one buffer for the excerpt shown to the agent, and to
 * tokens (runs of anything but blank space, for rare words).  Each word and
 * token also has a key, its TR 39 skeleton without combining marks
 * (bare), and the keys are what is
 * compared.  Shingles are keys joined by single spaces, stored as strings
 * so that two different word sequences can never collide.  Keys hold no
 * spaces, so a short note's whole sequence (3 to 5 words) lives in the
 * same set as the 6-word shingles without ambiguity.  4-word pieces map to
 * the notes holding them, so that pieces are counted per note. */
#include <string.h>
#include <unicode/uspoof.h>
#include "leakguard.h"

/* Bounds the work on hostile or huge texts: far more than any mail. */
#define MAX_WORDS	1000000
/* Fewer words than this is a phrase anybody writes ("call him"). */
#define MIN_SHORT	3
/* Longest entity we decode, "&#x10FFFF;" and the named ones below. */
#define MAX_ENTITY	12

struct leakguard {
	GHashTable *set;	/* joined keys -> itself */
	unsigned shorts;	/* bit k set: a short note of k words */
	GHashTable *pieces;	/* 4 joined keys -> GArray of note numbers */
	GHashTable *rare;	/* rare token key -> itself */
	GHashTable *files;	/* attachment hash -> itself */
	GPtrArray *public;	/* what the client wrote (g_strdup'd): its
				 * rare tokens are no secret.  Tokenised only
				 * when a check meets a rare note token, which
				 * is seldom: most mails leave with no note in
				 * the guard at all. */
	guint notes;		/* notes added so far */
};

struct span {
	gsize off, len;		/* in words.buf: the word as written */
	gsize koff, klen;	/* in words.key: its skeleton */
};

struct token {
	gsize koff, klen;	/* in words.key */
	bool rare;
};

struct words {
	char *buf;		/* the folded text */
	GString *key;		/* skeletons of words and tokens */
	GArray *span;		/* of struct span */
	GArray *tok;		/* of struct token */
};

/* One checker for the process: ICU documents a USpoofChecker as safe for
 * concurrent use once configured, and getSkeleton does not change it. */
static const USpoofChecker *
checker(void)
{
	static gsize once;
	static USpoofChecker *sc;

	if (g_once_init_enter(&once)) {
		UErrorCode st = U_ZERO_ERROR;

		sc = uspoof_open(&st);
		if (U_FAILURE(st)) {
			uspoof_close(sc);
			sc = NULL;
		}
		g_once_init_leave(&once, 1);
	}
	return sc;
}

/* The TR 39 skeleton of folded (UTF-8, flen bytes, case-folded), itself
 * case-folded, appended to out.  Without ICU data the folded word itself.  The
 * skeleton is taken of the upper-case word: the confusables table maps
 * Cyrillic "К" to "K" but "к" to "ĸ", so only in upper case do look-alike
 * letters of either case meet. */
static void
skeleton(const char *folded, gsize flen, GString *out)
{
	const USpoofChecker *sc = checker();
	char small[256], *big = NULL, *sk = small, *f;
	char *s = g_utf8_strup(folded, (gssize)flen);
	gsize len = strlen(s);
	UErrorCode st = U_ZERO_ERROR;
	int32_t n = -1;

	if (sc && len < G_MAXINT32 / 8) {
		n = uspoof_getSkeletonUTF8(sc, 0, s, (int32_t)len, small,
		    sizeof small, &st);
		if (st == U_BUFFER_OVERFLOW_ERROR && n > 0) {
			st = U_ZERO_ERROR;
			big = g_malloc((gsize)n + 1);
			n = uspoof_getSkeletonUTF8(sc, 0, s, (int32_t)len, big,
			    n + 1, &st);
			sk = big;
		}
		if (U_FAILURE(st))
			n = -1;
	}
	if (n < 0) {
		g_string_append_len(out, folded, (gssize)flen);
		g_free(big);
		g_free(s);
		return;
	}
	f = g_utf8_casefold(sk, n);
	g_string_append(out, f);
	g_free(f);
	g_free(big);
	g_free(s);
}

static const struct {
	const char *name;
	gunichar u;
} entities[] = {
	{ "amp", '&' }, { "lt", '<' }, { "gt", '>' }, { "quot", '"' },
	{ "apos", '\'' }, { "nbsp", 0xa0 }, { "shy", 0xad },
	{ "zwsp", 0x200b }, { "ZeroWidthSpace", 0x200b }, { "zwj", 0x200d },
	{ "zwnj", 0x200c }, { "ndash", 0x2013 }, { "mdash", 0x2014 },
};

/* The character of the entity at p ("&...;"), and its length in *len;
 * 0 when there is none. */
static gunichar
entity(const char *p, gsize *len)
{
	const char *end;
	gunichar u = 0;

	/* Never past the NUL: strnlen bounds the search. */
	end = memchr(p, ';', strnlen(p, MAX_ENTITY));
	if (end == NULL || end - p < 2)
		return 0;
	*len = (gsize)(end - p) + 1;
	if (p[1] == '#') {
		bool hex = p[2] == 'x' || p[2] == 'X';
		const char *d = p + (hex ? 3 : 2);

		if (d == end)
			return 0;
		for (; d < end; d++) {
			int v = hex ? g_ascii_xdigit_value(*d) :
			    g_ascii_digit_value(*d);

			if (v < 0)
				return 0;
			u = u * (hex ? 16 : 10) + (gunichar)v;
			if (u > 0x10ffff)
				return 0xfffd;
		}
		return g_unichar_validate(u) && u ? u : 0xfffd;
	}
	for (size_t i = 0; i < G_N_ELEMENTS(entities); i++)
		if (strlen(entities[i].name) == (gsize)(end - p - 1) &&
		    memcmp(entities[i].name, p + 1, (gsize)(end - p - 1)) == 0)
			return entities[i].u;
	return 0;
}

/* HTML entities, as a converted HTML part or a pasted source leaves them:
 * "&shy;" and "&#8203;" must not split a word, nor "&#99;" hide a "c". */
static char *
decode_entities(const char *s)
{
	GString *out = g_string_sized_new(strlen(s));

	while (*s) {
		gsize len = 0;
		gunichar u = *s == '&' ? entity(s, &len) : 0;

		if (u) {
			g_string_append_unichar(out, u);
			s += len;
		} else
			g_string_append_c(out, *s++);
	}
	return g_string_free(out, FALSE);
}

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

/* s (len bytes) decomposed (NFKD) without its combining marks, so that
 * an accent added to a letter ("cústomer"), written apart or precomposed,
 * and the dot case folding leaves on a Turkish "İ", do not change a key.
 * g_malloc'd. */
static char *
bare(const char *s, gsize len)
{
	char *d = g_utf8_normalize(s, (gssize)len, G_NORMALIZE_NFKD);
	GString *out = g_string_sized_new(len);

	for (const char *p = d ? d : ""; *p; p = g_utf8_next_char(p)) {
		GUnicodeType t = g_unichar_type(g_utf8_get_char(p));

		if (t != G_UNICODE_NON_SPACING_MARK &&
		    t != G_UNICODE_SPACING_MARK &&
		    t != G_UNICODE_ENCLOSING_MARK)
			g_string_append_len(out, p, g_utf8_next_char(p) - p);
	}
	g_free(d);
	return g_string_free(out, FALSE);
}

/* The key of the word at s (len bytes), from the cache or made now. */
static void
add_key(struct words *w, GHashTable *cache, const char *s, gsize len,
    gsize *koff, gsize *klen)
{
	char *word = g_strndup(s, len);
	const char *k = g_hash_table_lookup(cache, word);

	if (k == NULL) {
		GString *t = g_string_new(NULL);
		char *b = bare(s, len);

		/* A word of marks only keeps them: it is still a word. */
		if (*b)
			skeleton(b, strlen(b), t);
		else
			skeleton(s, len, t);
		g_free(b);
		k = g_string_free(t, FALSE);
		g_hash_table_insert(cache, word, (char *)k);
	} else
		g_free(word);
	*koff = w->key->len;
	*klen = strlen(k);
	g_string_append(w->key, k);
}

static void
words_scan(struct words *w, GHashTable *cache)
{
	GString *out = g_string_new(NULL);
	struct span s = { 0, 0, 0, 0 };
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
	for (guint i = 0; i < w->span->len; i++) {
		struct span *sp = &g_array_index(w->span, struct span, i);

		add_key(w, cache, w->buf + sp->off, sp->len, &sp->koff,
		    &sp->klen);
	}
}

/* A reference to a ticket ("ACME#123") or an address or a link is shared
 * with clients on purpose, whatever it looks like. */
static bool
public_token(const char *t, gsize len)
{
	const char *hash = memchr(t, '#', len);
	char *s = g_strndup(t, len);
	bool pub = strchr(s, '@') || strstr(s, "://") ||
	    g_str_has_prefix(s, "www.");

	g_free(s);
	if (!pub && hash && hash > t && hash + 1 < t + len) {
		pub = true;
		for (const char *p = t; p < t + len && pub; p++)
			pub = p < hash ? g_ascii_isalpha(*p) || *p == '-' ||
			    *p == '_' : p == hash || g_ascii_isdigit(*p);
	}
	return pub;
}

/* Password-like: see leakguard.h.  t is NFKC, not yet case-folded.  The
 * joiners of ordinary words and numbers (- ' . _) are not symbols here,
 * so "Jean-Pierre", "McDonald's", "2.3.1-rc1" and "INV-2024-0042" are
 * not secrets, while "Tr0ub4dor&3" and "s3cr3t9x" (letters and digits
 * alternating LEAKGUARD_SWITCHES times) are. */
static bool
rare_token(const char *t, gsize len)
{
	bool upper = false, lower = false, digit = false, sym = false;
	glong chars = 0;
	unsigned switches = 0;
	int last = 0;	/* 1 letter, 2 digit */

	for (const char *p = t; p < t + len; p = g_utf8_next_char(p)) {
		gunichar u = g_utf8_get_char(p);
		int now = 0;

		chars++;
		if (g_unichar_isupper(u))
			upper = true, now = 1;
		else if (g_unichar_isalpha(u))
			lower = true, now = 1;
		else if (g_unichar_isdigit(u))
			digit = true, now = 2;
		else if (char_class(u) != 0 && !strchr("-'._", (int)u) &&
		    u != 0x2019)
			sym = true;
		if (now && last && now != last)
			switches++;
		if (now)
			last = now;
	}
	if (public_token(t, len))
		return false;
	return (chars >= LEAKGUARD_RARE_LEN && (upper + lower + digit + sym >=
	    3 || switches >= LEAKGUARD_SWITCHES)) ||
	    (chars >= LEAKGUARD_LONG_LEN && (upper || lower) && digit);
}

/* Characters that join a label to a value: "password:S", "pin=S". */
#define TOKEN_SEPARATORS ":=,;/\\|\"'()<>[]{}"

/* The token [b, e), less punctuation at either end, into w->tok. */
static void
add_token(struct words *w, GHashTable *cache, const char *b, const char *e)
{
	struct token k = { 0, 0, false };
	char *f;

	while (b < e && g_unichar_ispunct(g_utf8_get_char(b)))
		b = g_utf8_next_char(b);
	while (e > b && g_unichar_ispunct(g_utf8_get_char(g_utf8_prev_char(e))))
		e = g_utf8_prev_char(e);
	if (e <= b || w->tok->len >= MAX_WORDS)
		return;
	k.rare = rare_token(b, (gsize)(e - b));
	f = g_utf8_casefold(b, e - b);
	add_key(w, cache, f, strlen(f), &k.koff, &k.klen);
	g_free(f);
	g_array_append_val(w->tok, k);
}

/* Tokens: runs of anything but blank space, less punctuation at either
 * end (quote markers, a full stop), and the parts of a token between
 * TOKEN_SEPARATORS, so that "password:S" holds S; invisible characters are
 * dropped. */
static void
tokens_scan(struct words *w, const char *text, GHashTable *cache)
{
	GString *t = g_string_new(NULL);
	const char *p = text;

	while (w->tok->len < MAX_WORDS) {
		gunichar u = *p ? g_utf8_get_char(p) : 0;

		if (u && !g_unichar_isspace(u)) {
			if (char_class(u) != 0)
				g_string_append_unichar(t, u);
			p = g_utf8_next_char(p);
			continue;
		}
		if (t->len) {
			const char *b = t->str, *e = t->str + t->len;
			const char *q = b;

			add_token(w, cache, b, e);
			/* A link's or an address's parts are as public
			 * as the whole. */
			if (strpbrk(t->str, TOKEN_SEPARATORS) &&
			    !public_token(t->str, t->len))
				for (const char *s = b; s <= e; s++)
					if (s == e || strchr(TOKEN_SEPARATORS,
					    *s)) {
						add_token(w, cache, q, s);
						q = s + 1;
					}
			g_string_truncate(t, 0);
		}
		if (!u)
			break;
		p = g_utf8_next_char(p);
	}
	g_string_free(t, TRUE);
}

/* Any input, even invalid UTF-8: a stray byte must not blind the guard. */
static void
words_init(struct words *w, const char *text)
{
	char *valid = g_utf8_make_valid(text ? text : "", -1);
	char *dec = decode_entities(valid);
	char *norm = g_utf8_normalize(dec, -1, G_NORMALIZE_NFKC);
	GHashTable *cache = g_hash_table_new_full(g_str_hash, g_str_equal,
	    g_free, g_free);

	w->buf = g_utf8_casefold(norm ? norm : dec, -1);
	w->key = g_string_new(NULL);
	w->span = g_array_new(FALSE, FALSE, sizeof(struct span));
	w->tok = g_array_new(FALSE, FALSE, sizeof(struct token));
	words_scan(w, cache);
	tokens_scan(w, norm ? norm : dec, cache);
	g_hash_table_unref(cache);
	g_free(norm);
	g_free(dec);
	g_free(valid);
}

static void
words_clear(struct words *w)
{
	g_free(w->buf);
	g_string_free(w->key, TRUE);
	g_array_free(w->span, TRUE);
	g_array_free(w->tok, TRUE);
}

/* Words [i, i + n) joined by spaces, into s: their keys, or as written. */
static const char *
join(const struct words *w, guint i, guint n, GString *s, bool shown)
{
	g_string_truncate(s, 0);
	for (guint j = i; j < i + n; j++) {
		const struct span *sp = &g_array_index(w->span, struct span, j);

		if (j > i)
			g_string_append_c(s, ' ');
		if (shown)
			g_string_append_len(s, w->buf + sp->off,
			    (gssize)sp->len);
		else
			g_string_append_len(s, w->key->str + sp->koff,
			    (gssize)sp->klen);
	}
	return s->str;
}

static char *
tok_key(const struct words *w, guint i)
{
	const struct token *k = &g_array_index(w->tok, struct token, i);

	return g_strndup(w->key->str + k->koff, k->klen);
}

struct leakguard *
leakguard_new(void)
{
	struct leakguard *g = g_new0(struct leakguard, 1);

	g->set = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g->pieces = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    (GDestroyNotify)g_array_unref);
	g->rare = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	g->files = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    NULL);
	g->public = g_ptr_array_new_with_free_func(g_free);
	return g;
}

static void
add_piece(struct leakguard *g, const char *key, guint note)
{
	GArray *a = g_hash_table_lookup(g->pieces, key);

	if (a == NULL) {
		a = g_array_new(FALSE, FALSE, sizeof(guint));
		g_hash_table_insert(g->pieces, g_strdup(key), a);
	}
	if (a->len == 0 || g_array_index(a, guint, a->len - 1) != note)
		g_array_append_val(a, note);
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
			    LEAKGUARD_WORDS, s, false)));
	else if (n >= MIN_SHORT) {
		g_hash_table_add(g->set, g_strdup(join(&w, 0, n, s, false)));
		g->shorts |= 1u << n;
	}
	for (guint i = 0; i + LEAKGUARD_PIECE <= n; i++)
		add_piece(g, join(&w, i, LEAKGUARD_PIECE, s, false), g->notes);
	for (guint i = 0; i < w.tok->len; i++)
		if (g_array_index(w.tok, struct token, i).rare)
			g_hash_table_add(g->rare, tok_key(&w, i));
	g->notes++;
	g_string_free(s, TRUE);
	words_clear(&w);
}

unsigned
leakguard_notes(const struct leakguard *g)
{
	return g ? g->notes : 0;
}

void
leakguard_add_public(struct leakguard *g, const char *text)
{
	if (g == NULL || text == NULL)
		return;
	g_ptr_array_add(g->public, g_strdup(text));
}

/* The rare token keys of the public texts of g, -> themselves. */
static GHashTable *
public_set(const struct leakguard *g)
{
	GHashTable *set = g_hash_table_new_full(g_str_hash, g_str_equal,
	    g_free, NULL);
	struct words w;

	for (guint j = 0; j < g->public->len; j++) {
		words_init(&w, g->public->pdata[j]);
		for (guint i = 0; i < w.tok->len; i++)
			if (g_array_index(w.tok, struct token, i).rare)
				g_hash_table_add(set, tok_key(&w, i));
		words_clear(&w);
	}
	return set;
}

void
leakguard_add_note_file(struct leakguard *g, const char *hash)
{
	if (g && hash && *hash)
		g_hash_table_add(g->files, g_strdup(hash));
}

/* At word i: a shingle, or a short note's whole sequence, starting here. */
static bool
hit_at(const struct leakguard *g, const struct words *w, guint i,
    GString *s)
{
	guint n = w->span->len;

	if (i + LEAKGUARD_WORDS <= n &&
	    g_hash_table_contains(g->set, join(w, i, LEAKGUARD_WORDS, s,
	    false))) {
		join(w, i, LEAKGUARD_WORDS, s, true);
		return true;
	}
	for (guint k = MIN_SHORT; k < LEAKGUARD_WORDS; k++)
		if ((g->shorts & (1u << k)) && i + k <= n &&
		    g_hash_table_contains(g->set, join(w, i, k, s, false))) {
			join(w, i, k, s, true);
			return true;
		}
	return false;
}

/* The words of one note found so far in pieces. */
struct cover {
	guint end;		/* first text word after the last piece */
	guint words;		/* text words covered */
	GString *shown;		/* the pieces, as written */
	GHashTable *seen;	/* pieces counted: a phrase repeated in the
				 * text ("550 5.1.1") counts once */
};

static void
cover_free(gpointer p)
{
	struct cover *c = p;

	g_string_free(c->shown, TRUE);
	g_hash_table_unref(c->seen);
	g_free(c);
}

/* Adds the piece key at text word i to the note's cover; true when the
 * note is now covered enough to be a leak. */
static bool
cover_add(GHashTable *covers, guint note, const struct words *w, guint i,
    const char *key)
{
	struct cover *c = g_hash_table_lookup(covers, GUINT_TO_POINTER(note));
	guint from;

	if (c == NULL) {
		c = g_new0(struct cover, 1);
		c->shown = g_string_new(NULL);
		c->seen = g_hash_table_new_full(g_str_hash, g_str_equal,
		    g_free, NULL);
		g_hash_table_insert(covers, GUINT_TO_POINTER(note), c);
	}
	if (i + LEAKGUARD_PIECE <= c->end ||
	    !g_hash_table_add(c->seen, g_strdup(key)))
		return false;
	from = i < c->end ? c->end : i;
	if (from == i && c->shown->len)
		g_string_append(c->shown, " / ");
	for (guint j = from; j < i + LEAKGUARD_PIECE; j++) {
		const struct span *sp = &g_array_index(w->span, struct span, j);

		if (j > i || from != i)
			g_string_append_c(c->shown, ' ');
		g_string_append_len(c->shown, w->buf + sp->off,
		    (gssize)sp->len);
	}
	c->words += i + LEAKGUARD_PIECE - from;
	c->end = i + LEAKGUARD_PIECE;
	return c->words >= LEAKGUARD_PIECE_WORDS;
}

static char *
pieces_hit(const struct leakguard *g, const struct words *w, GString *s)
{
	GHashTable *covers = g_hash_table_new_full(NULL, NULL, NULL,
	    cover_free);
	char *hit = NULL;

	for (guint i = 0; i + LEAKGUARD_PIECE <= w->span->len && !hit; i++) {
		GArray *a = g_hash_table_lookup(g->pieces, join(w, i,
		    LEAKGUARD_PIECE, s, false));

		for (guint j = 0; a && j < a->len && !hit; j++) {
			guint note = g_array_index(a, guint, j);

			if (cover_add(covers, note, w, i, s->str)) {
				struct cover *c = g_hash_table_lookup(covers,
				    GUINT_TO_POINTER(note));

				hit = g_strdup(c->shown->str);
			}
		}
	}
	g_hash_table_unref(covers);
	return hit;
}

char *
leakguard_check(const struct leakguard *g, const char *text)
{
	GHashTable *public = NULL;
	struct words w;
	GString *s;
	char *hit = NULL;

	if (g == NULL || text == NULL || g->notes == 0)
		return NULL;
	words_init(&w, text);
	s = g_string_new(NULL);
	for (guint i = 0; i < w.span->len && hit == NULL; i++)
		if (hit_at(g, &w, i, s))
			hit = g_strdup(s->str);
	for (guint i = 0; i < w.tok->len && hit == NULL; i++) {
		char *k = tok_key(&w, i);

		/* Never the secret itself: the reason goes into a mail. */
		if (g_hash_table_contains(g->rare, k) && public == NULL)
			public = public_set(g);
		if (g_hash_table_contains(g->rare, k) &&
		    !g_hash_table_contains(public, k))
			hit = g_strdup_printf("a password-like word of a note "
			    "(%.*s...)", (int)(g_utf8_offset_to_pointer(k,
			    MIN(2, g_utf8_strlen(k, -1))) - k), k);
		g_free(k);
	}
	if (hit == NULL)
		hit = pieces_hit(g, &w, s);
	if (public != NULL)
		g_hash_table_unref(public);
	g_string_free(s, TRUE);
	words_clear(&w);
	return hit;
}

char *
leakguard_check_file(const struct leakguard *g, const char *hash)
{
	if (g == NULL || hash == NULL || !g_hash_table_contains(g->files, hash))
		return NULL;
	return g_strdup("an attachment of an internal note");
}

void
leakguard_free(struct leakguard **gp)
{
	if (gp == NULL || *gp == NULL)
		return;
	g_hash_table_unref((*gp)->set);
	g_hash_table_unref((*gp)->pieces);
	g_hash_table_unref((*gp)->rare);
	g_hash_table_unref((*gp)->files);
	g_ptr_array_unref((*gp)->public);
	g_free(*gp);
	*gp = NULL;
}

/* FNV-1a, 64 bits, of a kind letter and s: a key for the SQLite index,
 * where a collision only makes a note a candidate for nothing. */
static guint64
fhash(char kind, const char *s)
{
	guint64 h = 0xcbf29ce484222325ULL;

	h = (h ^ (guchar)kind) * 0x100000001b3ULL;
	for (; *s; s++)
		h = (h ^ (guchar)*s) * 0x100000001b3ULL;
	return h;
}

GArray *
leakguard_features(const char *text, bool note)
{
	GArray *out = g_array_new(FALSE, FALSE, sizeof(guint64));
	struct words w;
	GString *s = g_string_new(NULL);
	guint n;
	guint64 h;

	words_init(&w, text);
	n = w.span->len;
	for (guint i = 0; i + LEAKGUARD_PIECE <= n; i++) {
		h = fhash('4', join(&w, i, LEAKGUARD_PIECE, s, false));
		g_array_append_val(out, h);
	}
	for (guint i = 0; i + MIN_SHORT <= n && (!note || n == MIN_SHORT);
	    i++) {
		h = fhash('3', join(&w, i, MIN_SHORT, s, false));
		g_array_append_val(out, h);
	}
	for (guint i = 0; i < w.tok->len; i++)
		if (!note || g_array_index(w.tok, struct token, i).rare) {
			char *k = tok_key(&w, i);

			h = fhash('r', k);
			g_array_append_val(out, h);
			g_free(k);
		}
	g_string_free(s, TRUE);
	words_clear(&w);
	return out;
}
