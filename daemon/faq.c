/* faq.c: see faq.h. */
#include <string.h>
#include "faq.h"
#include "log.h"
#include "store_faq.h"

/* Bounds: a request's terms looked for, and a knowledge base's size. */
#define MAX_TERMS 48
#define MAX_FILES 1000
#define MAX_FILE (256 * 1024)

void
faq_entry_free(gpointer p)
{
	struct faq_entry *e = p;

	if (!e)
		return;
	g_free(e->name);
	g_free(e->title);
	g_free(e->keywords);
	g_free(e->language);
	g_free(e->body);
	g_free(e);
}

char *
faq_entry_key(const struct faq_entry *e)
{
	if (e->name)
		return g_strdup_printf("file:%s%s%s", e->language ?
		    e->language : "", e->language ? "/" : "", e->name);
	return g_strdup_printf("#%" G_GINT64_FORMAT, e->id);
}

static gint
by_name(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
load_dir(const char *dir, const char *lang, GPtrArray *out)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *f;
	GPtrArray *names = g_ptr_array_new_with_free_func(g_free);

	if (!d)
		return;
	while ((f = g_dir_read_name(d)) && names->len < MAX_FILES)
		if (g_str_has_suffix(f, ".txt") && f[0] != '.')
			g_ptr_array_add(names, g_strdup(f));
	g_dir_close(d);
	/* In name order: the same list, whatever the file system says. */
	g_ptr_array_sort(names, by_name);
	for (guint i = 0; i < names->len; i++) {
		char *p = g_build_filename(dir, names->pdata[i], NULL);
		char *data = NULL;
		gsize len = 0;
		struct faq_header h;
		struct faq_entry *e;

		if (!g_file_test(p, G_FILE_TEST_IS_REGULAR) ||
		    !g_file_get_contents(p, &data, &len, NULL) ||
		    len > MAX_FILE || !g_utf8_validate(data, len, NULL)) {
			g_free(data);
			g_free(p);
			continue;
		}
		g_free(p);
		faq_header_parse(data, &h);
		g_free(data);
		if (!h.title || !*h.title) {
			faq_header_clear(&h);
			continue;
		}
		e = g_new0(struct faq_entry, 1);
		e->name = g_strndup(names->pdata[i],
		    strlen(names->pdata[i]) - 4);
		e->title = h.title;
		e->keywords = h.keywords ? h.keywords : g_strdup("");
		e->language = h.language ? h.language : g_strdup(lang);
		e->body = g_strstrip(h.body);
		g_ptr_array_add(out, e);
	}
	g_ptr_array_unref(names);
}

void
faq_load_files(const char *dir, GPtrArray *out)
{
	static const char *const langs[] = { "en", "ru" };

	if (!dir)
		return;
	load_dir(dir, NULL, out);
	for (size_t i = 0; i < G_N_ELEMENTS(langs); i++) {
		char *sub = g_build_filename(dir, langs[i], NULL);

		load_dir(sub, langs[i], out);
		g_free(sub);
	}
}

int
faq_load_db(sqlite3 *db, GPtrArray *out)
{
	return store_faq_load(db, out);
}

GPtrArray *
faq_select(GPtrArray *all, const char *lang)
{
	GPtrArray *sel = g_ptr_array_new();

	for (guint i = 0; i < all->len; i++) {
		const struct faq_entry *e = all->pdata[i];
		bool shadowed = false;

		if (e->language && lang && strcmp(e->language, lang) != 0)
			continue;
		/* NAME.txt in no language gives way to LANG/NAME.txt. */
		for (guint j = 0; !e->language && e->name && j < all->len;
		    j++) {
			const struct faq_entry *o = all->pdata[j];

			shadowed |= o != e && o->name && o->language && lang &&
			    strcmp(o->language, lang) == 0 &&
			    strcmp(o->name, e->name) == 0;
		}
		if (!shadowed)
			g_ptr_array_add(sel, (gpointer)e);
	}
	return sel;
}

/* An FTS5 query: any of the terms, each a quoted string. */
static char *
match_of(GPtrArray *terms)
{
	GString *q = g_string_new(NULL);

	for (guint i = 0; i < terms->len; i++) {
		if (q->len)
			g_string_append(q, " OR ");
		g_string_append_c(q, '"');
		for (const char *p = terms->pdata[i]; *p; p++) {
			if (*p == '"')
				g_string_append_c(q, '"');
			g_string_append_c(q, *p);
		}
		g_string_append_c(q, '"');
	}
	return g_string_free(q, FALSE);
}

static char *
folded_text(const struct faq_entry *e)
{
	char *all = g_strdup_printf("%s\n%s\n%s", e->title, e->keywords ?
	    e->keywords : "", e->body);
	char *f = g_utf8_casefold(all, -1);
	char *n = g_utf8_normalize(f, -1, G_NORMALIZE_NFC);

	g_free(all);
	g_free(f);
	return n;
}

/* The FAQ index and folded texts of the entries last ranked, kept while
 * the entries stay the same: every new request is ranked against the
 * same entries, and building the index took most of the time.  A few
 * sets, one per language the clients write in (faq_select); rebuilt
 * from scratch when an entry changes (a file edited, `postdesk faq`),
 * so the scores are those of a fresh index.  For the process, under one
 * lock: the sources' threads rank at once. */
#define CACHE_SETS 4
struct cached_set {
	GString *key;   /* entries_key() of the entries held; NULL: none */
	sqlite3 *mem;   /* their index; NULL until one is wanted */
	guint n;
	char **texts;   /* folded_text() of each */
	GPtrArray **keys; /* the terms of each one's title and keywords */
	guint64 used;   /* when last used (use_clock) */
};
static GMutex cache_lock;
static struct cached_set cache_sets[CACHE_SETS];
static guint64 use_clock;

/* What the index and the folded texts are made of, unambiguously: the
 * title, keywords and body of each entry in order, each after its
 * length. */
static GString *
entries_key(GPtrArray *entries)
{
	GString *k = g_string_new(NULL);

	for (guint i = 0; i < entries->len; i++) {
		const struct faq_entry *e = entries->pdata[i];
		const char *f[3] = { e->title, e->keywords ? e->keywords : "",
		    e->body };

		for (int j = 0; j < 3; j++) {
			g_string_append_printf(k, "%zu:", strlen(f[j]));
			g_string_append(k, f[j]);
		}
	}
	return k;
}

/* The set of the cache that holds entries, made from them when none
 * does (in place of the one least recently used); with cache_lock
 * held. */
static struct cached_set *
cache_for(GPtrArray *entries)
{
	GString *k = entries_key(entries);
	struct cached_set *c = &cache_sets[0];

	for (int i = 0; i < CACHE_SETS; i++) {
		struct cached_set *x = &cache_sets[i];

		if (x->key && x->key->len == k->len && memcmp(x->key->str,
		    k->str, k->len) == 0) {
			g_string_free(k, TRUE);
			x->used = ++use_clock;
			return x;
		}
		if (x->used < c->used)
			c = x;
	}
	store_faq_index_free(c->mem);
	c->mem = NULL;
	for (guint i = 0; i < c->n; i++) {
		g_free(c->texts[i]);
		g_ptr_array_unref(c->keys[i]);
	}
	g_free(c->texts);
	g_free(c->keys);
	if (c->key)
		g_string_free(c->key, TRUE);
	c->key = k;
	c->used = ++use_clock;
	c->n = entries->len;
	c->texts = g_new0(char *, c->n + 1);
	c->keys = g_new0(GPtrArray *, c->n + 1);
	for (guint i = 0; i < c->n; i++) {
		const struct faq_entry *e = entries->pdata[i];
		char *kt = g_strdup_printf("%s %s", e->title, e->keywords ?
		    e->keywords : "");

		c->texts[i] = folded_text(e);
		c->keys[i] = faq_terms(kt, MAX_TERMS);
		g_free(kt);
	}
	return c;
}

static gint
by_score(gconstpointer a, gconstpointer b)
{
	const struct faq_hit *x = a, *y = b;

	if (x->score != y->score)
		return x->score < y->score ? 1 : -1;
	return x->sig.bm25 < y->sig.bm25 ? 1 : x->sig.bm25 > y->sig.bm25 ?
	    -1 : 0;
}

int
faq_rank(GPtrArray *entries, const char *subject, const char *text,
    GArray **hits_r, double *best_r, char **err_r)
{
	char *req = g_strdup_printf("%s\n%s", subject ? subject : "",
	    text ? text : "");
	char *rf, *reqf;
	GPtrArray *terms;
	guint n = entries->len;
	double *bm, *idf, idf_sum = 0;
	char **texts;
	GArray *hits = g_array_new(FALSE, TRUE, sizeof(struct faq_hit));
	struct cached_set *c;
	char *match;
	int r = 0;

	*best_r = 0;
	if (n == 0) {
		/* Nothing to rank: no hit, whatever the request says. */
		g_free(req);
		*hits_r = hits;
		return 0;
	}
	rf = g_utf8_casefold(req, -1);
	reqf = g_utf8_normalize(rf, -1, G_NORMALIZE_NFC);
	terms = faq_terms(req, MAX_TERMS);
	bm = g_new0(double, n);
	idf = g_new0(double, terms->len ? terms->len : 1);
	g_free(rf);
	g_mutex_lock(&cache_lock);
	c = cache_for(entries);
	texts = c->texts;
	if (terms->len && n) {
		match = match_of(terms);
		if (!c->mem)
			r = store_faq_index(entries, &c->mem, err_r);
		if (r == 0)
			r = store_faq_bm25(c->mem, match, bm, n, err_r);
		g_free(match);
	}
	/* Rare words tell more: an inverse document frequency over the
	 * entries at hand (1 / (1 + df), without libm). */
	for (guint t = 0; r == 0 && t < terms->len; t++) {
		unsigned df = 0;

		for (guint i = 0; i < n; i++)
			df += strstr(texts[i], terms->pdata[t]) != NULL;
		idf[t] = df ? 1.0 / (1.0 + df) : 0;
		idf_sum += idf[t];
	}
	for (guint i = 0; r == 0 && i < n; i++) {
		const struct faq_entry *e = entries->pdata[i];
		struct faq_hit h = { .e = e };
		GPtrArray *keys = c->keys[i];
		double got = 0;
		unsigned kin = 0;

		for (guint t = 0; t < terms->len; t++)
			if (idf[t] > 0 && strstr(texts[i], terms->pdata[t])) {
				got += idf[t];
				h.sig.matched++;
			}
		for (guint k = 0; k < keys->len; k++)
			kin += strstr(reqf, keys->pdata[k]) != NULL;
		h.sig.bm25 = bm[i];
		h.sig.cover = idf_sum > 0 ? got / idf_sum : 0;
		h.sig.key_cover = keys->len ? (double)kin / keys->len : 0;
		h.score = faq_score(&h.sig);
		if (h.sig.matched)
			g_array_append_val(hits, h);
	}
	g_mutex_unlock(&cache_lock);
	g_array_sort(hits, by_score);
	if (hits->len)
		*best_r = faq_margin_score(g_array_index(hits, struct faq_hit,
		    0).score, hits->len > 1 ? g_array_index(hits,
		    struct faq_hit, 1).score : 0);
	g_free(bm);
	g_free(idf);
	g_free(req);
	g_free(reqf);
	g_ptr_array_unref(terms);
	if (r != 0) {
		g_array_unref(hits);
		*hits_r = NULL;
		return -1;
	}
	*hits_r = hits;
	return 0;
}

unsigned
faq_pick(GArray *hits, double best, double threshold, unsigned max)
{
	unsigned k = 0;

	if (!hits || !hits->len || best < threshold)
		return 0;
	while (k < hits->len && k < max && (k == 0 || g_array_index(hits,
	    struct faq_hit, k).score >= threshold))
		k++;
	return k;
}
