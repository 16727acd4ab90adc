/* onetask.c: "one task = one ticket" (postdeskd(8) Tickets).
 *
 * A mail holds several tasks when it carries a list (numbered, lettered or
 * bulleted) of at least two items of which nearly all read as requests:
 * "добавить экспорт в PDF", "can you fix the invoice date?".  Lists are
 * just as often the steps of one problem, its symptoms, or details (version,
 * browser), and a false split annoys a client more than a missed one, so a
 * list is rejected as soon as it looks like steps: introduced by "steps to
 * reproduce" / "шаги", made of UI actions ("нажимаю", "click"), or followed
 * by expected/actual result lines. */
#include <string.h>

#include <glib.h>

#include "fregex.h"
#include "onetask.h"

/* Lines above a list searched for its introduction ("Steps:"). */
#define INTRO_LINES	2
/* Lines below a list searched for "Expected result". */
#define AFTER_LINES	3
/* An item line this long without final punctuation was wrapped. */
#define WRAP_WIDTH	50
/* Longer lines are prose, never list items worth a ticket. */
#define ITEM_LINE_MAX	2000

struct item {
	GString	*text;
};

struct list {
	int		 first, last;	/* line numbers of the list */
	int		 indent;	/* of its items */
	gunichar	 kind;		/* bullet character, '1' or 'a' */
	GPtrArray	*items;		/* of struct item * */
};

static struct {
	GRegex	*item;		/* a list item line */
	GRegex	*request;	/* reads as a request */
	GRegex	*imperative;	/* starts with a request verb */
	GRegex	*action;	/* starts with a UI action: a step */
	GRegex	*steps;		/* introduces steps */
	GRegex	*result;	/* expected / actual result */
	GRegex	*wishes;	/* introduces a list of wishes */
	GRegex	*details;	/* introduces details, not wishes */
	GRegex	*one_verb;	/* an intro with its own verb: one request */
} re;

static GRegex *
compile(const char *pattern)
{
	return fregex_compile("onetask", pattern);
}

/* Compiled once; the daemon looks at requests from several threads. */
static void
regex_init(void)
{
	static gsize once;

	if (!g_once_init_enter(&once))
		return;
	/* Em dashes are left out: in Russian they open dialogue lines. */
	re.item = compile("^(\\s*)(?:(\\d{1,2})[.)]|([a-zа-яё])\\)|"
	    "([-*•–·▪●◦]))\\s+(\\S.*)$");
	re.request = compile("\\?|\\b(please|pls|plz|need|needs|needed|"
	    "would like|we'd like|i'd like|could you|can you|could we|"
	    "can we|can i|could i|is it possible|is there a way|want|wants|"
	    "wish|why|how (do|can|to|should)|should be able|allow|enable|"
	    "implement|not working|doesn't work|does not work|"
	    "прошу|просьба|просим|нужно|нужна|нужен|нужны|необходимо|надо|"
	    "хотим|хочу|хотелось бы|хотелось|хотели бы|можно ли|нельзя ли|"
	    "возможно ли|не работает|не работают|перестал\\w* работать|"
	    "почему|как (сделать|настроить|можно|добавить|изменить|убрать)|"
	    "добавить|добавьте|сделать|сделайте|исправить|исправьте|"
	    "изменить|измените|убрать|уберите|удалить|удалите|настроить|"
	    "настройте|поправить|поправьте|заменить|замените|поменять|"
	    "поменяйте|обновить|обновите|подключить|подключите|перенести|"
	    "перенесите|реализовать|доработать|доработайте|вывести|"
	    "выведите|разрешить|разрешите|дать доступ|дайте доступ)\\b");
	/* "Support: +7 495 ..." in a signature is not an imperative. */
	re.imperative = compile("^(please\\s+)?(add|make|fix|change|remove|"
	    "delete|allow|support|implement|enable|disable|update|rename|"
	    "move|show|hide|increase|decrease|replace|set up|create|provide|"
	    "include|integrate|improve|correct|let)\\b(?!\\s*:)");
	re.action = compile("^((then|and|next|after that|затем|потом|далее|"
	    "после этого|и|сначала|first)\\s+)?(open|opens|opening|opened|"
	    "click|clicks|clicking|clicked|go to|goes to|went to|navigate|"
	    "select|selected|choose|chose|enter|entered|type|typed|press|"
	    "pressed|log in|logged in|login|log into|sign in|signed in|fill|"
	    "filled|tap|tapped|scroll|submit|submitted|upload|uploaded|run|"
	    "launch|wait|switch to|drag|paste|try to|tried to|visit|"
	    "открыть|открываю|открыл|открыла|открываем|откройте|нажать|"
	    "нажимаю|нажал|нажала|нажимаем|нажмите|перейти|перехожу|"
	    "перешел|перешёл|перешла|переходим|перейдите|выбрать|выбираю|"
	    "выбрал|выбрала|выбираем|выберите|ввести|ввожу|ввел|ввёл|"
	    "ввела|вводим|введите|зайти|захожу|зашел|зашёл|зашла|заходим|"
	    "зайдите|кликнуть|кликаю|кликнул|кликнула|щелкнуть|щёлкнуть|"
	    "щелкаю|щёлкаю|авторизоваться|авторизуюсь|залогиниться|"
	    "заполнить|заполняю|заполнил|заполнила|сохраняю|загружаю|"
	    "запускаю|запустить|жду|подождать|указываю|добавляю|"
	    "пытаюсь|вставляю|копирую)\\b");
	re.steps = compile("\\b(steps?|to reproduce|reproduc\\w*|how to|"
	    "scenario|what i did|procedure|instructions?|шаг\\w*|"
	    "воспроизв\\w*|как повторить|повторить|инструкци\\w*|"
	    "порядок действий|что делал\\w*|что я делал\\w*|что делаю|"
	    "делаю так|действия|сценари\\w*|алгоритм)\\b");
	re.result = compile("^\\W*(expected|actual|result|ожидаем\\w*|"
	    "ожидалось|фактическ\\w*|результат|а должно|должно быть)\\b");
	re.wishes = compile("(хотелось бы|хотим|хочу|хотели бы|пожелани|"
	    "предложени|доработ|прошу|просьба|просим|нужно|необходимо|надо|"
	    "please|would like|we'd like|i'd like|wish|feature requests?|"
	    "suggestions|we need|could you|can you|задач|tasks|todo|"
	    "to do|вопрос(ы|ов)|questions)[^:]*:\\s*$");
	re.details = compile("(symptom|симптом|details|детал|подробност|"
	    "environment|окружени|верси|configuration|конфигурац|see|find|"
	    "note|check|below|ниже|прилага|вложени|attached|following "
	    "information|информаци|вариант|options|alternatives)");
	/* "Прошу добавить в форму поля:" + "- ИНН" "- КПП" is one request
	 * whose items are its objects; "Хотелось бы:" + items are wishes. */
	re.one_verb = compile("\\b(добавить|добавьте|сделать|сделайте|"
	    "исправить|исправьте|изменить|измените|убрать|уберите|вывести|"
	    "выведите|настроить|настройте|указать|укажите|add|make|fix|"
	    "change|remove|include|show|display|list)\\b");
	g_once_init_leave(&once, 1);
}

static gboolean
matches(GRegex *r, const char *s)
{
	return g_regex_match(r, s, 0, NULL);
}

static int
indent_of(const char *s)
{
	int n = 0;

	for (; *s == ' ' || *s == '\t'; s++)
		n += *s == '\t' ? 8 : 1;
	return n;
}

static void
item_free(gpointer p)
{
	struct item *it = p;

	g_string_free(it->text, TRUE);
	g_free(it);
}

/* The pre-filter of re.item: after white space (what \s may match with
 * PCRE2_UCP, and no more than white space), an item starts with a digit
 * (\d is Unicode Nd), a bullet, or any character followed by ')' (the
 * letter of "a)").  Lines that fail it cannot match, so most lines of a
 * mail skip the regex. */
static gboolean
item_start(const char *s)
{
	gunichar c;

	for (; *s != '\0'; s = g_utf8_next_char(s)) {
		c = g_utf8_get_char(s);
		if (!g_unichar_isspace(c) && c != 0x0b && c != 0x85)
			break;
	}
	if (*s == '\0')
		return FALSE;
	c = g_utf8_get_char(s);
	return g_unichar_isdigit(c) || *g_utf8_next_char(s) == ')' ||
	    c == '-' || c == '*' || c == 0x2022 || c == 0x2013 ||
	    c == 0xb7 || c == 0x25aa || c == 0x25cf || c == 0x25e6;
}

/* Parses a list item line: its kind, indent and text (g_malloc'd). */
static gboolean
parse_item(const char *line, gunichar *kind, int *indent, char **text)
{
	GMatchInfo *mi;
	char *s;

	if (!item_start(line))
		return FALSE;
	if (!g_regex_match(re.item, line, 0, &mi)) {
		g_match_info_free(mi);
		return FALSE;
	}
	*indent = indent_of(line);
	if ((s = g_match_info_fetch(mi, 2)) != NULL && *s != '\0')
		*kind = '1';
	else {
		g_free(s);
		if ((s = g_match_info_fetch(mi, 3)) != NULL && *s != '\0')
			*kind = 'a';
		else {
			g_free(s);
			s = g_match_info_fetch(mi, 4);
			*kind = s != NULL ? g_utf8_get_char(s) : '-';
		}
	}
	g_free(s);
	*text = g_strstrip(g_match_info_fetch(mi, 5));
	g_match_info_free(mi);
	return TRUE;
}

/* A line under an item continues it when indented, when it starts in
 * lowercase, or when the item line was wrapped mid-sentence. */
static gboolean
continues(const char *prev, const char *line)
{
	gsize plen = strlen(prev);
	gunichar c;

	if (indent_of(line) > 0)
		return TRUE;
	c = g_utf8_get_char(line);
	if (g_unichar_islower(c))
		return TRUE;
	while (plen > 0 && g_ascii_isspace(prev[plen - 1]))
		plen--;
	return g_utf8_strlen(prev, plen) >= WRAP_WIDTH &&
	    strchr(".!?:;", prev[plen - 1]) == NULL;
}

/* Does any of the n non-blank lines from i in direction dir match r? */
static gboolean
near(char **lines, int nlines, int i, int dir, int n, GRegex *r)
{
	for (; i >= 0 && i < nlines && n > 0; i += dir) {
		if (fregex_blank(lines[i]))
			continue;
		if (matches(r, lines[i]))
			return TRUE;
		n--;
	}
	return FALSE;
}

/* The lowercased text of an item, for matching. */
static char *
folded(const struct item *it)
{
	return g_utf8_strdown(it->text->str, it->text->len);
}

static gboolean
has_arrow(const char *s)
{
	return strstr(s, "->") != NULL || strstr(s, "→") != NULL ||
	    strstr(s, "=>") != NULL;
}

/* The sentence that introduces a list: "Хотим сменить тариф.
 * Рассматриваем варианты:" introduces options, not wishes. */
static const char *
last_sentence(const char *line)
{
	const char *p, *start = line;

	for (p = line; *p != '\0'; p++)
		if (strchr(".!?", *p) != NULL && p[1] == ' ')
			start = p + 1;
	return start;
}

/* Whether a list is a set of independent tasks (see the top comment). */
static gboolean
is_task_list(struct list *l, char **lines, int nlines)
{
	guint n = l->items->len, i, actions = 0, requests = 0, need;
	gboolean wishes = FALSE;
	const char *intro = NULL;
	char *t;
	int k;

	if (n < 2)
		return FALSE;
	if (near(lines, nlines, l->first - 1, -1, INTRO_LINES, re.steps) ||
	    near(lines, nlines, l->last + 1, 1, AFTER_LINES, re.result))
		return FALSE;
	for (k = l->first - 1; k >= 0 && intro == NULL; k--)
		if (!fregex_blank(lines[k]))
			intro = last_sentence(lines[k]);
	if (intro != NULL && matches(re.wishes, intro) &&
	    !matches(re.details, intro) && !matches(re.one_verb, intro))
		wishes = TRUE;
	for (i = 0; i < n; i++) {
		t = folded(g_ptr_array_index(l->items, i));
		if (matches(re.result, t)) {
			g_free(t);
			return FALSE;
		}
		if (matches(re.action, t) || has_arrow(t))
			actions++;
		else if (wishes || matches(re.request, t) ||
		    matches(re.imperative, t))
			requests++;
		g_free(t);
	}
	if (actions * 2 >= n)
		return FALSE;
	/* All items of a short list, all but about a quarter of a long one. */
	need = n <= 2 ? n : n - MAX(1, n / 4);
	return requests >= need;
}

static void
close_list(struct list *l, char **lines, int nlines, GPtrArray *tasks)
{
	struct item *it;
	guint i;

	if (l->items == NULL)
		return;
	if (is_task_list(l, lines, nlines))
		for (i = 0; i < l->items->len; i++) {
			it = g_ptr_array_index(l->items, i);
			g_ptr_array_add(tasks, g_strdup(it->text->str));
		}
	g_ptr_array_unref(l->items);
	l->items = NULL;
}

static void
add_item(struct list *l, int line, int indent, gunichar kind, char *text)
{
	struct item *it;

	if (l->items == NULL) {
		l->items = g_ptr_array_new_with_free_func(item_free);
		l->first = line;
		l->indent = indent;
		l->kind = kind;
	}
	it = g_new0(struct item, 1);
	it->text = g_string_new(text);
	g_ptr_array_add(l->items, it);
	l->last = line;
}

/* Appends a wrapped line to the last item of l. */
static void
extend(struct list *l, int line, const char *text)
{
	struct item *it = g_ptr_array_index(l->items, l->items->len - 1);
	char *s = g_strstrip(g_strdup(text));

	g_string_append_c(it->text, ' ');
	g_string_append(it->text, s);
	g_free(s);
	l->last = line;
}

static void
scan(char **lines, int n, GPtrArray *tasks)
{
	struct list l = { 0 };
	gunichar kind;
	int i, indent, blanks = 0;
	char *text;

	for (i = 0; i < n; i++) {
		if (fregex_blank(lines[i])) {
			/* One blank line may separate items; two end a list. */
			if (++blanks >= 2)
				close_list(&l, lines, n, tasks);
			continue;
		}
		if (strlen(lines[i]) <= ITEM_LINE_MAX &&
		    parse_item(lines[i], &kind, &indent, &text)) {
			if (l.items != NULL && indent > l.indent + 1 &&
			    blanks == 0) {
				/* A nested item is a detail of its parent. */
				l.last = i;
			} else {
				if (l.items != NULL &&
				    (kind != l.kind || indent != l.indent))
					close_list(&l, lines, n, tasks);
				add_item(&l, i, indent, kind, text);
			}
			g_free(text);
		} else if (l.items != NULL && blanks == 0 && l.last == i - 1 &&
		    continues(lines[i - 1], lines[i]))
			extend(&l, i, lines[i]);
		else
			close_list(&l, lines, n, tasks);
		blanks = 0;
	}
	close_list(&l, lines, n, tasks);
}

GPtrArray *
onetask_find(const char *text)
{
	GPtrArray *tasks;
	char **lines;
	int n;

	if (text == NULL)
		return NULL;
	regex_init();
	lines = fregex_lines(text, &n);
	tasks = g_ptr_array_new_with_free_func(g_free);
	scan(lines, n, tasks);
	g_strfreev(lines);
	if (tasks->len < 2) {
		g_ptr_array_unref(tasks);
		return NULL;
	}
	return tasks;
}
