/* cli_faq.c: see cli_faq.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "cli_faq.h"
#include "faq.h"
#include "hygiene.h"
#include "json.h"
#include "msg.h"
#include "quotes.h"
#include "store_faq.h"
#include "ticket.h"

/* Files and rows, in that order; owning. */
static int
load_all(struct cli *c, GPtrArray **all_r)
{
	GPtrArray *all = g_ptr_array_new_with_free_func(faq_entry_free);

	faq_load_files(c->cfg->answers_dir, all);
	if (faq_load_db(c->db, all) != 0) {
		g_ptr_array_unref(all);
		return cli_fail(c, EX_SOFTWARE, "cannot read the FAQ entries");
	}
	*all_r = all;
	return 0;
}

static void
entry_json(struct json *j, const struct faq_entry *e, bool body)
{
	char *key = faq_entry_key(e);

	json_obj(j);
	json_key(j, "key");
	json_str(j, key);
	json_key(j, "id");
	if (e->id)
		json_int(j, e->id);
	else
		json_null(j);
	json_key(j, "file");
	json_str(j, e->name);
	json_key(j, "ticket");
	if (e->ticket)
		json_int(j, (int64_t)e->ticket);
	else
		json_null(j);
	json_key(j, "language");
	json_str(j, e->language);
	json_key(j, "title");
	json_str(j, e->title);
	json_key(j, "keywords");
	json_str(j, e->keywords);
	if (body) {
		json_key(j, "body");
		json_str(j, e->body);
	}
	json_end(j);
	g_free(key);
}

static int
do_list(struct cli *c)
{
	GPtrArray *all;
	struct json j;
	int r;

	if ((r = cli_open(c, CLI_READ)) != 0 || (r = load_all(c, &all)) != 0)
		return r;
	if (c->json) {
		json_init(&j);
		json_arr(&j);
		for (guint i = 0; i < all->len; i++)
			entry_json(&j, all->pdata[i], false);
		json_end(&j);
		cli_print_json(&j);
	} else {
		printf("%-24s %-4s %-7s %s\n", "ENTRY", "LANG", "TICKET",
		    "TITLE");
		for (guint i = 0; i < all->len; i++) {
			const struct faq_entry *e = all->pdata[i];
			char *key = faq_entry_key(e), tk[24] = "-";
			char *title = cli_fit(e->title, c->columns > 40 ?
			    c->columns - 39 : 0);

			if (e->ticket)
				g_snprintf(tk, sizeof tk, "%lu", e->ticket);
			printf("%-24s %-4s %-7s %s\n", key, e->language ?
			    e->language : "-", tk, c->columns > 40 ? title :
			    e->title);
			g_free(title);
			g_free(key);
		}
	}
	g_ptr_array_unref(all);
	return EX_OK;
}

/* The entry named by s: "#3" or "3" a row, "file:ru/name", "ru/name" or
 * "name" a file; NULL when none. */
static const struct faq_entry *
find(GPtrArray *all, const char *s)
{
	int64_t id = 0;
	const char *n = g_str_has_prefix(s, "file:") ? s + 5 : s;

	if (*s == '#')
		s++;
	if (cli_id(s, &id)) {
		for (guint i = 0; i < all->len; i++)
			if (((const struct faq_entry *)all->pdata[i])->id == id)
				return all->pdata[i];
		return NULL;
	}
	for (guint i = 0; i < all->len; i++) {
		const struct faq_entry *e = all->pdata[i];
		char *key = faq_entry_key(e);
		bool hit = e->name && (strcmp(key + 5, n) == 0 ||
		    strcmp(e->name, n) == 0);

		g_free(key);
		if (hit)
			return e;
	}
	return NULL;
}

static int
do_show(struct cli *c, const char *which)
{
	const struct faq_entry *e;
	GPtrArray *all;
	struct json j;
	int r;

	if ((r = cli_open(c, CLI_READ)) != 0 || (r = load_all(c, &all)) != 0)
		return r;
	if (!(e = find(all, which))) {
		g_ptr_array_unref(all);
		return cli_fail(c, EX_NOINPUT, "no FAQ entry '%s'", which);
	}
	if (c->json) {
		json_init(&j);
		entry_json(&j, e, true);
		cli_print_json(&j);
	} else {
		char *key = faq_entry_key(e);

		printf("Entry:    %s\nTitle:    %s\nKeywords: %s\nLanguage: "
		    "%s\n", key, e->title, e->keywords, e->language ?
		    e->language : "any");
		if (e->ticket)
			printf("Ticket:   %lu\n", e->ticket);
		printf("\n%s\n", e->body);
		g_free(key);
	}
	g_ptr_array_unref(all);
	return EX_OK;
}

static int
do_drop(struct cli *c, const char *which)
{
	int64_t id = 0;
	int r;

	if (*which == '#')
		which++;
	if (!cli_id(which, &id))
		return cli_fail(c, EX_USAGE, "'%s' is not an entry number (the "
		    "files of %s are removed as files)", which,
		    "the answers directory");
	if ((r = cli_open(c, CLI_WRITE)) != 0)
		return r;
	r = store_faq_drop(c->db, id);
	if (r < 0)
		return cli_fail(c, EX_SOFTWARE, "database error");
	if (r == 0)
		return cli_fail(c, EX_NOINPUT, "no FAQ entry #%" G_GINT64_FORMAT,
		    id);
	printf("FAQ entry #%" G_GINT64_FORMAT " dropped\n", id);
	return EX_OK;
}

static void
print_test(struct cli *c, const struct pd_msg *m, const char *lang,
    const char *automated, const char *off, GArray *hits, double best,
    unsigned k)
{
	struct json j;

	if (!c->json) {
		printf("message:   <%s> from %s\nsubject:   %s\nlanguage:  %s\n"
		    "threshold: %.2f\nbest:      %.3f (after the margin over "
		    "the second)\n", m->message_id, *m->from.address ?
		    m->from.address : "(none)", m->subject, lang,
		    c->cfg->faq_threshold, best);
		if (automated)
			printf("automated: %s (nothing is offered)\n",
			    automated);
		if (off)
			printf("off:       %s (nothing is offered)\n", off);
		printf("offered:   %u\n\n%-3s %-24s %6s %5s %5s %6s %3s  %s\n",
		    automated || off ? 0 : k, "", "ENTRY", "SCORE", "KEYS",
		    "COVER", "BM25", "WRD", "TITLE");
		for (guint i = 0; i < hits->len; i++) {
			const struct faq_hit *h = &g_array_index(hits,
			    struct faq_hit, i);
			char *key = faq_entry_key(h->e);

			printf("%-3s %-24s %6.3f %5.2f %5.2f %6.2f %3u  %s\n",
			    i < k && !automated && !off ? "->" : "", key,
			    h->score, h->sig.key_cover, h->sig.cover,
			    h->sig.bm25, h->sig.matched, h->e->title);
			g_free(key);
		}
		return;
	}
	json_init(&j);
	json_obj(&j);
	json_key(&j, "message_id");
	json_str(&j, m->message_id);
	json_key(&j, "language");
	json_str(&j, lang);
	json_key(&j, "automated");
	json_str(&j, automated);
	json_key(&j, "off");
	json_str(&j, off);
	json_key(&j, "threshold");
	json_double(&j, c->cfg->faq_threshold);
	json_key(&j, "best");
	json_double(&j, best);
	json_key(&j, "offered");
	json_int(&j, automated || off ? 0 : k);
	json_key(&j, "ranked");
	json_arr(&j);
	for (guint i = 0; i < hits->len; i++) {
		const struct faq_hit *h = &g_array_index(hits, struct faq_hit,
		    i);
		char *key = faq_entry_key(h->e);

		json_obj(&j);
		json_key(&j, "key");
		json_str(&j, key);
		json_key(&j, "title");
		json_str(&j, h->e->title);
		json_key(&j, "score");
		json_double(&j, h->score);
		json_key(&j, "key_cover");
		json_double(&j, h->sig.key_cover);
		json_key(&j, "cover");
		json_double(&j, h->sig.cover);
		json_key(&j, "bm25");
		json_double(&j, h->sig.bm25);
		json_key(&j, "words");
		json_int(&j, h->sig.matched);
		json_key(&j, "offered");
		json_bool(&j, i < k && !automated && !off);
		json_end(&j);
		g_free(key);
	}
	json_end(&j);
	json_end(&j);
	cli_print_json(&j);
}

static int
do_test(struct cli *c, const char *path)
{
	const struct pd_client *cl;
	const char *automated = NULL, *off = NULL, *lang;
	struct pd_msg *m = NULL;
	GPtrArray *all, *sel;
	GArray *hits = NULL;
	GError *gerr = NULL;
	char *raw = NULL, *err = NULL, *text, *subject;
	double best = 0;
	gsize len;
	int r;

	/* Read-only: nothing is stored, sent or recorded. */
	if ((r = cli_open(c, CLI_READ)) != 0)
		return r;
	if (!g_file_get_contents(path, &raw, &len, &gerr)) {
		r = cli_fail(c, EX_NOINPUT, "%s", gerr->message);
		g_error_free(gerr);
		return r;
	}
	if (msg_parse(raw, len, &c->cfg->limits, &m, &err) != 0) {
		r = cli_fail(c, EX_DATAERR, "%s: not a message: %s", path, err);
		g_free(err);
		g_free(raw);
		return r;
	}
	g_free(raw);
	if ((r = load_all(c, &all)) != 0) {
		msg_free(&m);
		return r;
	}
	if (!hygiene_is_automated(m, c->cfg->address, &automated))
		automated = NULL;
	cl = config_client_of(c->cfg, m->from.address);
	if (!c->cfg->faq_suggest)
		off = "faq.suggest is false";
	else if (cl && cl->faq_off)
		off = "the client's suggest_faq is false";
	else if (config_queue_voice(c->cfg, NULL)->faq_off)
		off = "the default queue's suggest_faq is false";
	text = quotes_strip(m->text);
	subject = config_queue_strip_tokens(c->cfg, m->subject);
	lang = ticket_language(c->cfg, m, text, NULL);
	sel = faq_select(all, lang);
	if (faq_rank(sel, g_strstrip(subject), text, &hits, &best, &err) !=
	    0) {
		r = cli_fail(c, EX_SOFTWARE, "%s", err);
		g_free(err);
	} else {
		print_test(c, m, lang, automated, off, hits, best,
		    faq_pick(hits, best, c->cfg->faq_threshold,
		    FAQ_MAX_OFFERED));
		g_array_unref(hits);
		r = EX_OK;
	}
	g_free(subject);
	g_free(text);
	g_ptr_array_unref(sel);
	g_ptr_array_unref(all);
	msg_free(&m);
	return r;
}

int
cli_faq(struct cli *c, int argc, char **argv)
{
	const char *sub;
	int r;

	if ((r = cli_options(c, &argc, &argv, NULL, CLI_JSON, 0, 2)) != 0)
		return r;
	sub = argc > 1 ? argv[1] : "list";
	if (strcmp(sub, "list") == 0 && argc <= 2)
		return do_list(c);
	if (argc != 3)
		return cli_fail(c, EX_USAGE, "usage: faq list | show ID | drop "
		    "ID | test MESSAGE.eml");
	if (strcmp(sub, "show") == 0)
		return do_show(c, argv[2]);
	if (strcmp(sub, "drop") == 0)
		return do_drop(c, argv[2]);
	if (strcmp(sub, "test") == 0)
		return do_test(c, argv[2]);
	return cli_fail(c, EX_USAGE, "unknown faq command '%s'", sub);
}
