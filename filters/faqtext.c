/* faqtext.c: see faqtext.h. */
#include <string.h>
#include "faqtext.h"
#include "stem.h"

/* Longest header line and body we read of one canned answer. */
#define MAX_HEADER_LINE 1024
#define MAX_TEXT (256 * 1024)

static bool
header_key(const char *line, const char *key, const char **value_r)
{
	size_t n = strlen(key);

	if (g_ascii_strncasecmp(line, key, n) != 0 || line[n] != ':')
		return false;
	*value_r = line + n + 1;
	return true;
}

void
faq_header_parse(const char *text, struct faq_header *h)
{
	static const char *const keys[] = { "title", "keywords", "language" };
	const char *p = text ? text : "";
	bool any = false;

	memset(h, 0, sizeof *h);
	for (;;) {
		const char *eol = strchr(p, '\n'), *value = NULL;
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		char *line, **slot = NULL;

		if (len > MAX_HEADER_LINE)
			break;
		line = g_strndup(p, len);
		g_strchomp(line);
		if (any && !*line) {
			g_free(line);
			p = eol ? eol + 1 : p + len;
			break;
		}
		for (size_t i = 0; i < G_N_ELEMENTS(keys) && !slot; i++)
			if (header_key(line, keys[i], &value))
				slot = i == 0 ? &h->title : i == 1 ?
				    &h->keywords : &h->language;
		if (!slot) {
			g_free(line);
			/* Not a header line: without one before it, there
			 * is no header block and all of it is body; after
			 * some, the body starts here. */
			if (!any)
				p = text ? text : "";
			break;
		}
		g_free(*slot);
		*slot = g_strstrip(g_strdup(value));
		g_free(line);
		any = true;
		if (!eol) {
			p += len;
			break;
		}
		p = eol + 1;
	}
	if (h->language) {
		char *l = g_ascii_strdown(h->language, -1);

		g_free(h->language);
		h->language = l;
	}
	h->body = g_strndup(p, strnlen(p, MAX_TEXT));
}

void
faq_header_clear(struct faq_header *h)
{
	g_free(h->title);
	g_free(h->keywords);
	g_free(h->language);
	g_free(h->body);
	memset(h, 0, sizeof *h);
}

/* Common words that say nothing about what the request is about, as
 * case-folded whole words: greetings, pronouns, auxiliaries, and the
 * words every request has ("problem", "помогите"). */
static const char *const stopwords[] = {
	"the", "and", "for", "with", "you", "your", "our", "are", "was",
	"were", "been", "this", "that", "these", "those", "have", "has",
	"had", "not", "but", "can", "cannot", "can't", "could", "would",
	"should", "will", "what", "when", "where", "which", "who", "why",
	"how", "there", "their", "them", "they", "from", "into", "about",
	"after", "before", "again", "still", "just", "also", "any", "all",
	"some", "now", "one", "out", "very", "too", "than", "then", "does",
	"did", "doing", "done", "get", "got", "its", "it's", "i'm", "dear",
	"hello", "hi", "hey", "please", "thanks", "thank", "regards",
	"best", "kind", "team", "support", "help", "problem", "issue",
	"question", "ticket", "anyone", "someone", "something", "know",
	"need", "want", "way", "tell", "yes", "today", "yesterday",
	"since", "while", "because", "here", "only", "even", "more",
	"most", "much", "many", "other", "same", "such", "each", "every",
	"again", "back", "she", "him", "her", "his", "hers", "mine",
	"ours", "don't", "doesn't", "didn't", "isn't", "won't", "wasn't",
	"как", "что", "это", "этот", "эта", "эти", "все", "всё", "так",
	"его", "она", "они", "оно", "мне", "меня", "мой", "моя", "мои",
	"моё", "мое", "нас", "нам", "наш", "наша", "наши", "вас", "вам",
	"ваш", "ваша", "ваши", "вы", "для", "при", "без", "после", "перед",
	"через", "над", "под", "про", "или", "если", "уже", "еще", "ещё",
	"там", "тут", "где", "когда", "чтобы", "чем", "тоже", "также",
	"только", "даже", "было", "был", "была", "были", "быть", "будет",
	"есть", "нет", "можно", "нельзя", "надо", "нужно", "очень",
	"здравствуйте", "добрый", "доброе", "день", "утро", "вечер",
	"привет", "спасибо", "пожалуйста", "уважением", "помогите",
	"подскажите", "скажите", "вопрос", "проблема", "проблемы",
	"проблему", "помощь", "поддержка", "поддержки", "заявка",
	"почему", "который", "которая", "которые", "какой", "какая",
	"какие", "этого", "этом", "тем", "том", "того", "сейчас",
	"сегодня", "вчера", "снова", "опять", "всего", "вообще", "просто",
	"может", "могу", "можете", "коллеги", "всем", "вот", "ещё",
	NULL };

/* The stop words as a set, made once: every word of every request is
 * looked up. */
static bool
is_stopword(const char *w)
{
	static gsize once;
	static GHashTable *set;

	if (g_once_init_enter(&once)) {
		GHashTable *h = g_hash_table_new(g_str_hash, g_str_equal);

		for (const char *const *s = stopwords; *s; s++)
			g_hash_table_add(h, (gpointer)*s);
		set = h;
		g_once_init_leave(&once, 1);
	}
	return g_hash_table_contains(set, w);
}

/* Whether the character at p (valid UTF-8) is a letter. */
static bool
alpha_at(const char *p)
{
	if ((unsigned char)*p < 0x80)
		return g_ascii_isalpha(*p);
	return g_unichar_isalpha(g_utf8_get_char(p));
}

/* Calls word(p, len, curly, data) for each word of text (letters and
 * digits; an apostrophe inside a word is kept) as it stands in text,
 * curly when it holds a U+2019, until word returns false.  ASCII is
 * tested without GLib's tables (the same classes). */
static void
each_span(const char *text, bool (*word)(const char *, size_t, bool,
    void *), void *data)
{
	const char *p = text, *start = NULL;
	bool curly = false;

	for (;;) {
		unsigned char b = (unsigned char)*p;
		gunichar ch = b < 0x80 ? b : g_utf8_get_char(p);
		bool in;

		if (b < 0x80)
			in = b && (g_ascii_isalnum(b) || (b == '\'' && start &&
			    alpha_at(p + 1)));
		else
			in = g_unichar_isalnum(ch) || (ch == 0x2019 && start &&
			    alpha_at(g_utf8_next_char(p)));
		if (in) {
			if (!start)
				start = p;
			curly |= ch == 0x2019;
		} else if (start) {
			if (!word(start, (size_t)(p - start), curly, data))
				return;
			start = NULL;
			curly = false;
		}
		if (!ch)
			break;
		p = g_utf8_next_char(p);
	}
}

/* The word [p, p + len) case-folded, a U+2019 in it made an ASCII
 * apostrophe.  g_malloc'd. */
static char *
fold_word(const char *p, size_t len, bool curly)
{
	GString *w;
	char *f;

	if (!curly)
		return g_utf8_casefold(p, (gssize)len);
	w = g_string_sized_new(len);
	for (const char *q = p; q < p + len; q = g_utf8_next_char(q)) {
		gunichar ch = g_utf8_get_char(q);

		g_string_append_unichar(w, ch == 0x2019 ? '\'' : ch);
	}
	f = g_utf8_casefold(w->str, -1);
	g_string_free(w, TRUE);
	return f;
}

struct each_word {
	void (*add)(const char *, void *);
	void *data;
};

static bool
each_word_span(const char *p, size_t len, bool curly, void *data)
{
	struct each_word *ew = data;
	char *f = fold_word(p, len, curly);

	ew->add(f, ew->data);
	g_free(f);
	return true;
}

/* Calls add for each word of text (letters and digits; an apostrophe
 * inside a word is kept), case-folded. */
static void
each_word(const char *text, void (*add)(const char *, void *), void *data)
{
	struct each_word ew = { add, data };

	each_span(text, each_word_span, &ew);
}

struct terms {
	GPtrArray *out;
	unsigned max;
	/* The words met so far, as written: a word's fate is the same
	 * each time (kept once, or left out), so a repeat is skipped
	 * before folding. */
	GHashTable *seen;
	GString *scratch;
};

static void
add_term(const char *w, void *data)
{
	struct terms *t = data;
	char *s;

	if (t->out->len >= t->max || g_utf8_strlen(w, -1) < 3 ||
	    is_stopword(w))
		return;
	s = stem(w);
	/* "it's" and its like: the index sees no apostrophes in words. */
	if (strchr(s, '\'') || g_utf8_strlen(s, -1) < 3) {
		g_free(s);
		return;
	}
	for (guint i = 0; i < t->out->len; i++)
		if (strcmp(t->out->pdata[i], s) == 0) {
			g_free(s);
			return;
		}
	g_ptr_array_add(t->out, s);
}

/* add_term for a word as written, once per distinct word; false (stop)
 * once max terms are found: no later word can be added. */
static bool
term_span(const char *p, size_t len, bool curly, void *data)
{
	struct terms *t = data;
	char *f;

	g_string_truncate(t->scratch, 0);
	g_string_append_len(t->scratch, p, (gssize)len);
	if (g_hash_table_contains(t->seen, t->scratch->str))
		return true;
	g_hash_table_add(t->seen, g_strdup(t->scratch->str));
	f = fold_word(p, len, curly);
	add_term(f, t);
	g_free(f);
	return t->out->len < t->max;
}

GPtrArray *
faq_terms(const char *text, unsigned max)
{
	struct terms t = { g_ptr_array_new_with_free_func(g_free), max,
	    NULL, NULL };

	if (text && max && g_utf8_validate(text, -1, NULL)) {
		t.seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
		    NULL);
		t.scratch = g_string_new(NULL);
		each_span(text, term_span, &t);
		g_hash_table_unref(t.seen);
		g_string_free(t.scratch, TRUE);
	}
	return t.out;
}

/* The weights were chosen on tests/faq (the tuning batch; its README
 * has the numbers).  Coverage of the entry's own title and keywords says
 * most: an entry whose title words the client used is about the same
 * thing; bm25 alone ranks whatever shares a frequent word. */
#define W_KEY   0.45
#define W_COVER 0.35
#define W_BM25  0.20
#define BM25_HALF 4.0  /* the bm25 that counts half */

double
faq_score(const struct faq_signals *s)
{
	double b = s->bm25 > 0 ? s->bm25 / (s->bm25 + BM25_HALF) : 0;
	double v;

	if (s->matched == 0)
		return 0;
	v = W_KEY * s->key_cover + W_COVER * s->cover + W_BM25 * b;
	/* One shared word is a coincidence more often than not. */
	if (s->matched < 2)
		v *= 0.6;
	return v;
}

double
faq_margin_score(double best, double second)
{
	double lead;

	if (best <= 0)
		return 0;
	lead = (best - second) / (0.25 * best);
	if (lead > 1)
		lead = 1;
	if (lead < 0)
		lead = 0;
	return best * (0.75 + 0.25 * lead);
}

/* ---- "solved" ---- */

static const char *const solved_core[] = { "solved", "resolved", "fixed",
	"решено", "решён", "решен", "решена", "помогло", "помогли",
	"помогла", NULL };
/* Words that may stand around the core word: "it's solved, thanks",
 * "вопрос решён, спасибо большое". */
static const char *const solved_extra[] = { "it", "it's", "s", "is", "has",
	"been", "all", "problem", "issue", "question", "yes", "ok", "okay",
	"thanks", "thank", "you", "many", "a", "lot", "much", "very",
	"вопрос", "проблема", "всё", "все", "да", "ок", "спасибо",
	"большое", "огромное", "благодарю", "это", NULL };

static bool
in_list(const char *const *l, const char *w)
{
	for (; *l; l++)
		if (strcmp(*l, w) == 0)
			return true;
	return false;
}

struct solved_scan {
	unsigned core, other;
};

static void
solved_word(const char *w, void *data)
{
	struct solved_scan *s = data;

	if (in_list(solved_core, w))
		s->core++;
	else if (!in_list(solved_extra, w))
		s->other++;
}

static unsigned
spaces(const char *s)
{
	unsigned n = 0;

	for (; *s; s++)
		n += *s == ' ';
	return n;
}

bool
faq_is_solved(const char *text)
{
	char **lines;
	unsigned seen = 0, below = 0;
	bool ok = false, bad = false;

	if (!text || !g_utf8_validate(text, -1, NULL) ||
	    strlen(text) > 4096)
		return false;
	lines = g_strsplit(text, "\n", -1);
	for (char **l = lines; *l && !bad; l++) {
		char *s = g_strstrip(g_strdup(*l));

		if (!*s || *s == '>') {
			g_free(s);
			continue;
		}
		if (strchr(s, '?'))
			bad = true;
		else if (seen++ == 0) {
			char *n = g_utf8_normalize(s, -1, G_NORMALIZE_NFKC);
			struct solved_scan sc = { 0, 0 };

			each_word(n ? n : "", solved_word, &sc);
			g_free(n);
			ok = sc.core == 1 && sc.other == 0;
		} else if (strlen(s) > 40 || spaces(s) > 2 || ++below > 3)
			/* More than a sign-off: a message of its own. */
			bad = true;
		g_free(s);
	}
	g_strfreev(lines);
	return ok && !bad;
}
