/* unit_faq.c: the FAQ's text side and ranking (faqtext.h, faq.h): the
 * header block of a canned answer, significant words, the "solved"
 * reply in English and Russian with quotes below it, the ranking and
 * its threshold. */
#include <stdlib.h>
#include <string.h>
#include "commands.h"
#include "faq.h"
#include "quotes.h"
#include "stem.h"
#include "tap.h"

static void
test_header(void)
{
	struct faq_header h;

	faq_header_parse("Title: Reset a password\nKeywords: password, "
	    "login\nLanguage: RU\n\nBody line 1\nline 2\n", &h);
	is_str(h.title, "Reset a password", "header: title");
	is_str(h.keywords, "password, login", "header: keywords");
	is_str(h.language, "ru", "header: language lower-cased");
	is_str(h.body, "Body line 1\nline 2\n", "header: body after the "
	    "blank line");
	faq_header_clear(&h);
	faq_header_parse("Please restart the application.\nTitle: no\n", &h);
	ok(!h.title && !h.keywords && !h.language, "no header: no fields");
	is_str(h.body, "Please restart the application.\nTitle: no\n",
	    "no header: the whole text is the body");
	faq_header_clear(&h);
	faq_header_parse("Title: only a title", &h);
	is_str(h.title, "only a title", "header without body: title");
	is_str(h.body, "", "header without body: empty body");
	faq_header_clear(&h);
}

static bool
has(GPtrArray *a, const char *s)
{
	for (guint i = 0; i < a->len; i++)
		if (strcmp(a->pdata[i], s) == 0)
			return true;
	return false;
}

static void
test_terms(void)
{
	GPtrArray *t = faq_terms("Здравствуйте! Не могу сбросить ПАРОЛЬ, "
	    "помогите пожалуйста. The printers are printing", 40);
	char *s = stem("пароля");

	ok(has(t, "парол") && has(t, "сброси"), "terms: Russian stems");
	ok(has(t, "printer") && has(t, "print"), "terms: English stems");
	ok(!has(t, "здравствуйте") && !has(t, "помогите") &&
	    !has(t, "the") && !has(t, "могу"), "terms: no common words");
	is_str(s, "парол", "stem: the shared one of `postdesk search`");
	g_free(s);
	g_ptr_array_unref(t);
	t = faq_terms("word word WORD words", 40);
	ok(t->len == 1, "terms: no duplicates");
	g_ptr_array_unref(t);
}

static void
test_solved(void)
{
	static const char *const yes[] = { "solved", "Solved!", "SOLVED.",
		"'solved'", "\"Solved\"", "решено", "Решено!", "«решено»",
		"помогло", "Помогло, спасибо!", "Вопрос решён, спасибо большое",
		"It's solved, thanks", "resolved\n\nJohn", "решено\n-- \nИван",
		"  решено  \n\n> Your request is registered\n> as ticket",
		"Помогло!\nОтправлено с iPhone" };
	static const char *const no[] = { "", "не помогло", "Не решено",
		"solved?", "решено?", "not solved", "It is not solved",
		"решено, но теперь другая ошибка при печати", "help",
		"решено\nно теперь касса не печатает чеки совсем никак",
		"solved solved", "the problem is solved but now the printer "
		"jams", "5", "спасибо" };

	for (size_t i = 0; i < G_N_ELEMENTS(yes); i++)
		ok(faq_is_solved(yes[i]), "solved: '%s'", yes[i]);
	for (size_t i = 0; i < G_N_ELEMENTS(no); i++)
		ok(!faq_is_solved(no[i]), "not solved: '%s'", no[i]);
}

/* The reply as a mail client quotes it: quotes_strip first, like the
 * pipeline (classify.c). */
static void
test_solved_quoted(void)
{
	char *t = quotes_strip("Решено\n\n30.11.2026 12:00, ACME Support "
	    "пишет:\n> Здравствуйте!\n> Возможно, вам поможет:\n> 1. "
	    "Как восстановить пароль\n");
	char *u = quotes_strip("Not what I asked.\n\nOn Mon, ACME wrote:\n"
	    "> If this solved it, reply 'solved'\n");

	ok(faq_is_solved(t), "solved above a quoted ack");
	ok(!faq_is_solved(u), "another reply above a quoted ack");
	g_free(t);
	g_free(u);
}

static struct faq_entry *
entry(const char *name, const char *title, const char *kw,
    const char *lang, const char *body)
{
	struct faq_entry *e = g_new0(struct faq_entry, 1);

	e->name = g_strdup(name);
	e->title = g_strdup(title);
	e->keywords = g_strdup(kw);
	e->language = lang ? g_strdup(lang) : NULL;
	e->body = g_strdup(body);
	return e;
}

static void
test_rank(void)
{
	GPtrArray *all = g_ptr_array_new_with_free_func(faq_entry_free);
	GPtrArray *sel;
	GArray *hits = NULL;
	double best = 0;
	char *err = NULL;
	const struct faq_hit *h;

	g_ptr_array_add(all, entry("pw", "Как восстановить забытый пароль",
	    "пароль, вход, логин", "ru", "Нажмите «Забыли пароль?» на "
	    "странице входа."));
	g_ptr_array_add(all, entry("printer", "Принтер чеков не печатает",
	    "принтер, чек, бумага", "ru", "Проверьте бумагу и крышку "
	    "принтера."));
	g_ptr_array_add(all, entry("pw", "Resetting a forgotten password",
	    "password, login", "en", "Click Forgot password."));
	g_ptr_array_add(all, entry("x", "Untagged entry about scales",
	    "scales, weight", NULL, "Weighing scales setup."));
	sel = faq_select(all, "ru");
	ok(sel->len == 3, "select: the Russian ones and the untagged one");
	g_ptr_array_unref(sel);
	g_ptr_array_add(all, entry("printer", "Printer (any language)", "",
	    NULL, "x"));
	sel = faq_select(all, "ru");
	ok(sel->len == 3, "select: NAME.txt gives way to ru/NAME.txt");
	g_ptr_array_unref(sel);
	sel = faq_select(all, "en");
	ok(sel->len == 3, "select: ... but serves English (%u)", sel->len);
	g_ptr_array_unref(sel);
	g_ptr_array_remove_index(all, all->len - 1);
	sel = faq_select(all, "ru");
	ok(faq_rank(sel, "Забыл пароль", "Не могу войти, забыл пароль от "
	    "кабинета, как восстановить?", &hits, &best, &err) == 0,
	    "rank: ok");
	h = hits && hits->len ? &g_array_index(hits, struct faq_hit, 0) :
	    NULL;
	ok(h && strcmp(h->e->title, "Как восстановить забытый пароль") == 0,
	    "rank: the password entry first (Russian word forms)");
	ok(h && h->sig.bm25 > 0 && h->sig.key_cover > 0.3,
	    "rank: bm25 and title coverage both count");
	ok(best >= FAQ_THRESHOLD_DEFAULT && faq_pick(hits, best,
	    FAQ_THRESHOLD_DEFAULT, 3) >= 1, "rank: above the threshold");
	ok(faq_pick(hits, best, 2.0, 3) == 0, "pick: nothing above a "
	    "threshold nobody reaches");
	g_array_unref(hits);
	ok(faq_rank(sel, "Вопрос по скидкам", "Как настроить скидку для "
	    "постоянных покупателей?", &hits, &best, &err) == 0 &&
	    faq_pick(hits, best, FAQ_THRESHOLD_DEFAULT, 3) == 0,
	    "rank: an unrelated request gets nothing");
	g_array_unref(hits);
	ok(faq_rank(sel, "", "", &hits, &best, &err) == 0 && hits->len == 0 &&
	    best == 0, "rank: an empty request ranks nothing");
	g_array_unref(hits);
	g_ptr_array_unref(sel);
	sel = faq_select(all, "en");
	ok(faq_rank(sel, "password", "I forgot my password and cannot "
	    "login", &hits, &best, &err) == 0 && hits->len >= 1 &&
	    strcmp(g_array_index(hits, struct faq_hit, 0).e->language,
	    "en") == 0, "rank: an English client gets the English entry");
	g_array_unref(hits);
	g_ptr_array_unref(sel);
	ok(faq_margin_score(0.8, 0.79) < faq_margin_score(0.8, 0.1),
	    "margin: a near tie scores lower than a clear lead");
	g_ptr_array_unref(all);
}

/* "#faq Title" and its Russian aliases (commands.h). */
static void
test_command(void)
{
	static const char *const words[] = { "#faq", "#FAQ", "#база",
		"#чзв" };
	struct cmd_parse p;

	for (size_t i = 0; i < G_N_ELEMENTS(words); i++) {
		char *text = g_strdup_printf("%s Как сбросить пароль\n\nОткройте "
		    "страницу входа.", words[i]);
		const struct cmd *c;

		commands_parse(text, &p);
		c = p.cmds->len == 1 ? p.cmds->pdata[0] : NULL;
		ok(c && c->verb == CMD_FAQ && !c->error && c->value &&
		    strcmp(c->value, "Как сбросить пароль") == 0 &&
		    strcmp(p.rest, "Откройте страницу входа.") == 0,
		    "command: %s Title, the answer below", words[i]);
		commands_free(&p);
		g_free(text);
	}
	commands_parse("#faq\n\ntext", &p);
	ok(p.cmds->len == 1 && ((const struct cmd *)p.cmds->pdata[0])->error,
	    "command: #faq without a title is an error");
	commands_free(&p);
}

/* The shipped canned answers have no Title: they stay answers, not
 * entries; the test base has its 20. */
static void
test_files(void)
{
	const char *top = getenv("top_srcdir");
	char *conf = g_build_filename(top ? top : ".", "conf", "answers",
	    NULL);
	char *mine = g_build_filename(top ? top : ".", "tests", "faq",
	    "answers", NULL);
	GPtrArray *a = g_ptr_array_new_with_free_func(faq_entry_free);
	const struct faq_entry *e = NULL;

	faq_load_files(conf, a);
	ok(a->len == 0, "files: answers without a Title are no entries");
	faq_load_files(mine, a);
	for (guint i = 0; i < a->len; i++)
		if (strcmp(((struct faq_entry *)a->pdata[i])->name,
		    "shift-24h") == 0 && strcmp(((struct faq_entry *)
		    a->pdata[i])->language, "ru") == 0)
			e = a->pdata[i];
	ok(a->len == 20 && e && g_str_has_prefix(e->title, "«Смена") &&
	    strstr(e->keywords, "z-отчёт") && g_str_has_prefix(e->body,
	    "Фискальная смена"), "files: title, keywords, language, body");
	faq_load_files("/nonexistent/answers", a);
	ok(a->len == 20, "files: a missing directory adds nothing");
	g_ptr_array_unref(a);
	g_free(conf);
	g_free(mine);
}

int
main(void)
{
	test_header();
	test_terms();
	test_solved();
	test_solved_quoted();
	test_rank();
	test_command();
	test_files();
	return tap_done();
}
