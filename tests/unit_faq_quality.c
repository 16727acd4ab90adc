/* unit_faq_quality.c: the measured quality of the FAQ ranking (faq.h) on
 * the hand-keyed requests of tests/faq (README there): precision and
 * recall of the top suggestion and of the (up to) three offered, at the
 * default threshold, for the tuning batch and the blind batch apart.
 * Each number must be at least what tests/faq/README reports; with
 * FAQ_VERBOSE set, every request's ranking is printed. */
#include <stdlib.h>
#include <string.h>
#include "faq.h"
#include "tap.h"

/* What tests/faq/README reports, in percent (rounded down). */
#define FAQ_P1_TUNE 100
#define FAQ_R1_TUNE 90
#define FAQ_P3_TUNE 100
#define FAQ_R3_TUNE 90
#define FAQ_P1_BLIND 100
#define FAQ_R1_BLIND 100
#define FAQ_P3_BLIND 100
#define FAQ_R3_BLIND 100

struct req {
	char *key, *subject, *text;
};

static GPtrArray *
read_requests(const char *path)
{
	GPtrArray *out = g_ptr_array_new();
	char *data = NULL, **lines;
	struct req *r = NULL;
	GString *body = NULL;

	if (!g_file_get_contents(path, &data, NULL, NULL))
		return out;
	lines = g_strsplit(data, "\n", -1);
	g_free(data);
	for (char **l = lines; ; l++) {
		if (!*l || g_str_has_prefix(*l, "== ")) {
			if (r) {
				r->text = g_string_free(body, FALSE);
				g_ptr_array_add(out, r);
				r = NULL;
			}
			if (!*l)
				break;
			r = g_new0(struct req, 1);
			r->key = g_strstrip(g_strdup(*l + 3));
			body = g_string_new(NULL);
		} else if (r && !r->subject && g_str_has_prefix(*l,
		    "Subject: "))
			r->subject = g_strdup(*l + 9);
		else if (r)
			g_string_append_printf(body, "%s\n", *l);
	}
	g_strfreev(lines);
	return out;
}

static const char *
lang_of(const struct req *r)
{
	const char *texts[] = { r->subject, r->text };

	for (unsigned i = 0; i < 2; i++)
		for (const char *p = texts[i]; p && *p; p = g_utf8_next_char(p))
			if (g_utf8_get_char(p) >= 0x400 &&
			    g_utf8_get_char(p) <= 0x4ff)
				return "ru";
	return "en";
}

struct counts {
	unsigned n, answerable, offered, top_right, any_right, items,
	    items_right;
};

static void
measure(GPtrArray *all, GPtrArray *reqs, double threshold, bool verbose,
    struct counts *c)
{
	memset(c, 0, sizeof *c);
	for (guint i = 0; i < reqs->len; i++) {
		const struct req *r = reqs->pdata[i];
		GPtrArray *sel = faq_select(all, lang_of(r));
		GArray *hits = NULL;
		double best = 0;
		char *err = NULL;
		unsigned k = 0;
		bool none = strcmp(r->key, "none") == 0, top = false,
		    any = false;

		if (faq_rank(sel, r->subject, r->text, &hits, &best,
		    &err) != 0) {
			printf("# %s\n", err);
			g_free(err);
		} else
			k = faq_pick(hits, best, threshold, FAQ_MAX_OFFERED);
		c->n++;
		c->answerable += !none;
		c->offered += k > 0;
		c->items += k;
		for (unsigned j = 0; j < k; j++) {
			const struct faq_hit *h = &g_array_index(hits,
			    struct faq_hit, j);
			bool right = strcmp(h->e->name, r->key) == 0;

			c->items_right += right;
			any |= right;
			top |= right && j == 0;
		}
		c->top_right += top;
		c->any_right += any;
		if (verbose) {
			printf("# %-16s %s best=%.3f %s| %s\n", r->key,
			    k == 0 ? (none ? "ok  " : "MISS") : top ? "ok  " :
			    any ? "top3" : "BAD ", best, lang_of(r),
			    r->subject);
			for (guint j = 0; hits && j < hits->len && j < 3; j++) {
				const struct faq_hit *h = &g_array_index(hits,
				    struct faq_hit, j);

				printf("#     %-16s %.3f key=%.2f cov=%.2f "
				    "bm25=%.2f m=%u\n", h->e->name, h->score,
				    h->sig.key_cover, h->sig.cover,
				    h->sig.bm25, h->sig.matched);
			}
		}
		if (hits)
			g_array_unref(hits);
		g_ptr_array_unref(sel);
	}
}

static double
pct(unsigned a, unsigned b)
{
	return b ? 100.0 * a / b : 100.0;
}

/* Checks one batch against the numbers reported (percent, rounded
 * down). */
static void
check(const char *batch, const struct counts *c, double p1, double r1,
    double p3, double r3)
{
	double gp1 = pct(c->top_right, c->offered);
	double gr1 = pct(c->top_right, c->answerable);
	double gp3 = pct(c->any_right, c->offered);
	double gr3 = pct(c->any_right, c->answerable);

	printf("# %s: %u requests (%u answerable), offered for %u, %u "
	    "entries offered of which %u right\n", batch, c->n, c->answerable,
	    c->offered, c->items, c->items_right);
	printf("# %s: top-1 precision %.1f%% recall %.1f%%; top-3 "
	    "precision %.1f%% recall %.1f%%; per offered entry %.1f%%\n",
	    batch, gp1, gr1, gp3, gr3, pct(c->items_right, c->items));
	ok(gp1 >= p1, "%s: top-1 precision %.1f%% >= %.0f%%", batch, gp1, p1);
	ok(gr1 >= r1, "%s: top-1 recall %.1f%% >= %.0f%%", batch, gr1, r1);
	ok(gp3 >= p3, "%s: top-3 precision %.1f%% >= %.0f%%", batch, gp3, p3);
	ok(gr3 >= r3, "%s: top-3 recall %.1f%% >= %.0f%%", batch, gr3, r3);
}

int
main(void)
{
	const char *top = getenv("top_srcdir");
	const char *t = getenv("FAQ_THRESHOLD");
	double threshold = t ? atof(t) : FAQ_THRESHOLD_DEFAULT;
	bool verbose = getenv("FAQ_VERBOSE") != NULL;
	char *dir = g_build_filename(top ? top : ".", "tests", "faq", NULL);
	char *answers = g_build_filename(dir, "answers", NULL);
	char *p1 = g_build_filename(dir, "requests.txt", NULL);
	char *p2 = g_build_filename(dir, "blind.txt", NULL);
	GPtrArray *all = g_ptr_array_new_with_free_func(faq_entry_free);
	GPtrArray *tune, *blind;
	struct counts c;

	faq_load_files(answers, all);
	tune = read_requests(p1);
	blind = read_requests(p2);
	ok(all->len == 20, "20 entries (%u)", all->len);
	ok(tune->len == 60, "60 tuning requests (%u)", tune->len);
	ok(blind->len == 20, "20 blind requests (%u)", blind->len);
	printf("# threshold %.2f\n", threshold);
	measure(all, tune, threshold, verbose, &c);
	/* The numbers of tests/faq/README. */
	check("tuning", &c, FAQ_P1_TUNE, FAQ_R1_TUNE, FAQ_P3_TUNE,
	    FAQ_R3_TUNE);
	measure(all, blind, threshold, verbose, &c);
	check("blind", &c, FAQ_P1_BLIND, FAQ_R1_BLIND, FAQ_P3_BLIND,
	    FAQ_R3_BLIND);
	g_ptr_array_unref(all);
	g_free(dir);
	g_free(answers);
	g_free(p1);
	g_free(p2);
	return tap_done();
}
