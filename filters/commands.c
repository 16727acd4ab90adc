/* commands.c: agent commands at the top of a mail (see commands.h).
 *
 * The parser only recognises and validates; it never fails.  A bad
 * argument sets cmd.error so the executor refuses the whole mail before
 * anything changes.  Words and values are compared NFKC-normalized and
 * case-folded, so "#ЗАМЕТКА", "#Взять" and "#STATUS Resolved" work. */
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include "commands.h"
#include "fregex.h"

/* More commands than this in one mail is not a person typing: the rest
 * is left as text and the executor sees what came before. */
#define MAX_CMDS	200
/* A month of work at most: anything longer is a typo. */
#define MAX_MINUTES	(24 * 60 * 31)
#define MAX_ADDRESS	254

struct word {
	const char *word;	/* already case-folded */
	int id;
};

static const struct word verbs[] = {
	{ "note", CMD_NOTE }, { "заметка", CMD_NOTE },
	{ "примечание", CMD_NOTE }, { "внутр", CMD_NOTE },
	{ "внутреннее", CMD_NOTE }, { "internal", CMD_NOTE },
	{ "take", CMD_TAKE }, { "взять", CMD_TAKE }, { "беру", CMD_TAKE },
	{ "взял", CMD_TAKE }, { "взяла", CMD_TAKE },
	{ "assign", CMD_ASSIGN }, { "назначить", CMD_ASSIGN },
	{ "передать", CMD_ASSIGN },
	{ "status", CMD_STATUS }, { "статус", CMD_STATUS },
	{ "resolve", CMD_RESOLVE }, { "resolved", CMD_RESOLVE },
	{ "решено", CMD_RESOLVE }, { "решить", CMD_RESOLVE },
	{ "решена", CMD_RESOLVE }, { "решен", CMD_RESOLVE },
	{ "решён", CMD_RESOLVE },
	{ "close", CMD_CLOSE }, { "closed", CMD_CLOSE },
	{ "закрыть", CMD_CLOSE }, { "закрыта", CMD_CLOSE },
	{ "закрыто", CMD_CLOSE },
	{ "priority", CMD_PRIORITY }, { "prio", CMD_PRIORITY },
	{ "приоритет", CMD_PRIORITY },
	{ "type", CMD_TYPE }, { "тип", CMD_TYPE },
	{ "time", CMD_TIME }, { "время", CMD_TIME },
	{ "трудозатраты", CMD_TIME }, { "затрачено", CMD_TIME },
	{ "tag", CMD_TAG }, { "tags", CMD_TAG }, { "метка", CMD_TAG },
	{ "метки", CMD_TAG }, { "тег", CMD_TAG }, { "теги", CMD_TAG },
	{ "cc", CMD_CC }, { "копия", CMD_CC },
	{ "split", CMD_SPLIT }, { "разделить", CMD_SPLIT },
	{ "merge", CMD_MERGE }, { "объединить", CMD_MERGE },
	{ "слить", CMD_MERGE },
	{ "answer", CMD_ANSWER }, { "ответ", CMD_ANSWER },
	{ "шаблон", CMD_ANSWER },
	{ "client", CMD_CLIENT }, { "клиент", CMD_CLIENT },
	{ "due", CMD_DUE }, { "срок", CMD_DUE },
	{ "queue", CMD_QUEUE }, { "очередь", CMD_QUEUE },
	{ "faq", CMD_FAQ }, { "база", CMD_FAQ }, { "чзв", CMD_FAQ },
};

/* Values: id is an index into the canonical names below. */
static const char *const canon[] = { "new", "open", "waiting", "resolved",
	"closed", "low", "normal", "high", "urgent", "question", "bug",
	"feature" };

static const struct word statuses[] = {
	{ "new", 0 }, { "новая", 0 }, { "новый", 0 }, { "новое", 0 },
	{ "open", 1 }, { "opened", 1 }, { "reopen", 1 }, { "открыта", 1 },
	{ "открыт", 1 }, { "открыто", 1 }, { "открыть", 1 },
	{ "в работе", 1 },
	{ "waiting", 2 }, { "pending", 2 }, { "ожидание", 2 },
	{ "ожидает", 2 }, { "ждём", 2 }, { "ждем", 2 },
	{ "resolved", 3 }, { "решена", 3 }, { "решено", 3 }, { "решён", 3 },
	{ "решен", 3 },
	{ "closed", 4 }, { "закрыта", 4 }, { "закрыто", 4 }, { "закрыт", 4 },
};

static const struct word priorities[] = {
	{ "low", 5 }, { "низкий", 5 }, { "низкая", 5 },
	{ "normal", 6 }, { "обычный", 6 }, { "обычная", 6 },
	{ "нормальный", 6 }, { "средний", 6 },
	{ "high", 7 }, { "высокий", 7 }, { "высокая", 7 },
	{ "urgent", 8 }, { "срочный", 8 }, { "срочно", 8 },
	{ "срочная", 8 }, { "критический", 8 },
};

static const struct word types[] = {
	{ "question", 9 }, { "вопрос", 9 },
	{ "bug", 10 }, { "ошибка", 10 }, { "баг", 10 }, { "сбой", 10 },
	{ "feature", 11 }, { "доработка", 11 }, { "пожелание", 11 },
};

/* NFKC then case fold: one spelling for comparisons.  The input was made
 * valid UTF-8 by commands_parse, but stay safe if it is not. */
static char *
fold(const char *s)
{
	char *n = g_utf8_normalize(s, -1, G_NORMALIZE_NFKC), *f;

	if (n == NULL)
		return g_strdup("");
	f = g_utf8_casefold(n, -1);
	g_free(n);
	return f;
}

static int
lookup(const struct word *t, size_t n, const char *s)
{
	char *f = fold(s);
	int id = -1;

	for (size_t i = 0; i < n && id < 0; i++)
		if (strcmp(t[i].word, f) == 0)
			id = t[i].id;
	g_free(f);
	return id;
}

static GRegex *
regex_once(GRegex **cache, const char *pattern)
{
	return fregex_once(cache, "commands", pattern);
}

/* A match group as a number; digits only, bounded by the pattern. */
static unsigned long
group_num(const GMatchInfo *mi, int n)
{
	char *s = g_match_info_fetch(mi, n);
	unsigned long v = s && *s ? strtoul(s, NULL, 10) : 0;

	g_free(s);
	return v;
}

static bool
group_set(const GMatchInfo *mi, int n)
{
	int a = -1, b = -1;

	return g_match_info_fetch_pos(mi, n, &a, &b) && a >= 0 && b > a;
}

/* "1.5" hours as minutes, rounded: the fraction is at most 3 digits. */
static long
hours_minutes(const GMatchInfo *mi)
{
	char *f = g_match_info_fetch(mi, 2);
	long m = (long)group_num(mi, 1) * 60, frac = 0, scale = 1;

	for (const char *p = f; p && *p; p++) {
		frac = frac * 10 + (*p - '0');
		scale *= 10;
	}
	g_free(f);
	return m + (frac * 60 + scale / 2) / scale;
}

/* "1:30", an hours-and-minutes clock form. */
static int
clock_duration(const char *s)
{
	static GRegex *re;
	GMatchInfo *mi = NULL;
	long m = -1;

	if (g_regex_match(regex_once(&re, "^([0-9]{1,3}):([0-5][0-9])$"), s,
	    0, &mi))
		m = (long)group_num(mi, 1) * 60 + (long)group_num(mi, 2);
	g_clear_pointer(&mi, g_match_info_free);
	return m > 0 && m <= MAX_MINUTES ? (int)m : -1;
}

int
commands_duration(const char *s)
{
	static GRegex *re;
	GMatchInfo *mi = NULL;
	char *f;
	long m = -1;

	if (s == NULL || !g_utf8_validate(s, -1, NULL))
		return -1;
	f = g_strstrip(fold(s));
	if (strchr(f, ':')) {
		m = clock_duration(f);
		g_free(f);
		return (int)m;
	}
	/* Hours (a fraction allowed), then minutes (a bare number after
	 * hours, or alone, is minutes). */
	if (g_regex_match(regex_once(&re, "^(?:([0-9]{1,6})(?:[.,]([0-9]{1,3}"
	    "))?\\s*(?:h|hr|hrs|hour|hours|ч|час|часа|часов)\\.?)?\\s*"
	    "(?:([0-9]{1,6})\\s*(?:m|min|mins|minute|minutes|м|мин|минута|"
	    "минуты|минут)?\\.?)?$"), f, 0, &mi) &&
	    (group_set(mi, 1) || group_set(mi, 3))) {
		m = group_set(mi, 1) ? hours_minutes(mi) : 0;
		m += (long)group_num(mi, 3);
	}
	g_clear_pointer(&mi, g_match_info_free);
	g_free(f);
	return m > 0 && m <= MAX_MINUTES ? (int)m : -1;
}

static void
parse_choice(struct cmd *c, const struct word *t, size_t n,
    const char *unknown)
{
	int id;

	if (*c->arg == '\0')
		c->error = "missing argument";
	else if ((id = lookup(t, n, c->arg)) < 0)
		c->error = unknown;
	else
		c->value = g_strdup(canon[id]);
}

static void
parse_status(struct cmd *c)
{
	parse_choice(c, statuses, G_N_ELEMENTS(statuses), "unknown status");
}

static void
parse_priority(struct cmd *c)
{
	parse_choice(c, priorities, G_N_ELEMENTS(priorities),
	    "unknown priority");
}

static void
parse_type(struct cmd *c)
{
	parse_choice(c, types, G_N_ELEMENTS(types), "unknown type");
}

/* Drops a trailing "nobill" marker from the folded words; true if found. */
static bool
strip_nobill(GPtrArray *w)
{
	const char *last = w->len ? w->pdata[w->len - 1] : "";

	if (strcmp(last, "nobill") == 0 || strcmp(last, "no-bill") == 0 ||
	    strcmp(last, "бесплатно") == 0 || strcmp(last, "free") == 0) {
		g_ptr_array_set_size(w, w->len - 1);
		return true;
	}
	if (w->len >= 2 && strcmp(last, "оплачивается") == 0 &&
	    strcmp(w->pdata[w->len - 2], "не") == 0) {
		g_ptr_array_set_size(w, w->len - 2);
		return true;
	}
	return false;
}

static void
parse_time(struct cmd *c)
{
	char *f = fold(c->arg), *joined;
	char **v = g_strsplit_set(f, " \t", -1);
	GPtrArray *w = g_ptr_array_new();
	int m;

	for (char **p = v; *p; p++)
		if (**p)
			g_ptr_array_add(w, *p);
	c->billable = !strip_nobill(w);
	g_ptr_array_add(w, NULL);
	joined = g_strjoinv(" ", (char **)w->pdata);
	if (*joined == '\0')
		c->error = "missing argument";
	else if ((m = commands_duration(joined)) < 0)
		c->error = "bad duration";
	else
		c->minutes = (unsigned)m;
	g_free(joined);
	g_ptr_array_free(w, TRUE);
	g_strfreev(v);
	g_free(f);
}

/* A plain addr-spec: the daemon puts it in headers, so nothing that could
 * break a header or add a recipient gets through. */
static bool
address_ok(const char *a)
{
	const char *at = strchr(a, '@'), *dot;
	size_t n = strlen(a);

	if (n == 0 || n > MAX_ADDRESS || at == NULL || at == a ||
	    strchr(at + 1, '@') != NULL || at[1] == '\0')
		return false;
	for (const unsigned char *p = (const unsigned char *)a; *p; p++)
		if (*p <= ' ' || *p == 0x7f || strchr("<>()[]\\,;:\"", *p))
			return false;
	dot = strchr(at + 1, '.');
	return dot != NULL && at[1] != '.' && a[n - 1] != '.' &&
	    strstr(a, "..") == NULL && a[0] != '.' && at[-1] != '.';
}

/* "addr", "<addr>" or "Name <addr>": the address, or NULL. */
static char *
extract_address(const char *arg)
{
	const char *lt = strrchr(arg, '<');
	size_t n = strlen(arg);

	if (lt == NULL)
		return g_strdup(arg);
	if (n == 0 || arg[n - 1] != '>')
		return NULL;
	return g_strndup(lt + 1, (size_t)(arg + n - 1 - (lt + 1)));
}

static void
parse_address(struct cmd *c)
{
	char *a;

	if (*c->arg == '\0') {
		c->error = "missing argument";
		return;
	}
	a = extract_address(c->arg);
	if (a == NULL || !address_ok(a))
		c->error = "bad address";
	else
		c->value = g_utf8_strdown(a, -1);
	g_free(a);
}

static void
parse_merge(struct cmd *c)
{
	static GRegex *re;
	GMatchInfo *mi = NULL;

	if (*c->arg == '\0') {
		c->error = "missing argument";
		return;
	}
	/* "[ACME#1042]" (any tag), "#1042" or "1042". */
	if (g_regex_match(regex_once(&re, "^(?:\\[[^\\]#]*#\\s*([0-9]{1,18})"
	    "\\]|#?([0-9]{1,18}))$"), c->arg, 0, &mi))
		c->number = group_num(mi, group_set(mi, 1) ? 1 : 2);
	g_clear_pointer(&mi, g_match_info_free);
	if (c->number == 0)
		c->error = "bad ticket number";
}

static void
parse_due(struct cmd *c)
{
	static GRegex *iso, *ru, *rel;
	GMatchInfo *mi = NULL;
	unsigned long y = 0, m = 0, d = 0;

	if (*c->arg == '\0') {
		c->error = "missing argument";
		return;
	}
	if (g_regex_match(regex_once(&iso, "^([0-9]{4})-([0-9]{1,2})-"
	    "([0-9]{1,2})$"), c->arg, 0, &mi)) {
		y = group_num(mi, 1);
		m = group_num(mi, 2);
		d = group_num(mi, 3);
	}
	g_clear_pointer(&mi, g_match_info_free);
	if (y == 0 && g_regex_match(regex_once(&ru, "^([0-9]{1,2})\\."
	    "([0-9]{1,2})\\.([0-9]{4})$"), c->arg, 0, &mi)) {
		d = group_num(mi, 1);
		m = group_num(mi, 2);
		y = group_num(mi, 3);
	}
	g_clear_pointer(&mi, g_match_info_free);
	/* "3d", "3 days", "3д", "3 дня", "5 дней": working days. */
	if (y == 0 && g_regex_match(regex_once(&rel, "(?i)^([0-9]{1,3})\\s*(?:d|"
	    "day|days|д|дн|день|дня|дней)$"), c->arg, 0, &mi))
		c->days = group_num(mi, 1);
	g_clear_pointer(&mi, g_match_info_free);
	if (c->days > 0 && c->days <= 366)
		return;
	c->days = 0;
	if (y > 0 && m <= 12 && g_date_valid_dmy((GDateDay)d,
	    (GDateMonth)m, (GDateYear)y))
		c->value = g_strdup_printf("%04lu-%02lu-%02lu", y, m, d);
	else
		c->error = "bad date";
}

static void
parse_tag(struct cmd *c)
{
	char *f = fold(c->arg);
	char **v = g_strsplit_set(f, " \t,", -1);

	c->tags_add = g_ptr_array_new_with_free_func(g_free);
	c->tags_del = g_ptr_array_new_with_free_func(g_free);
	for (char **p = v; *p && c->error == NULL; p++) {
		const char *t = *p + (**p == '+' || **p == '-');

		if (**p == '\0')
			continue;
		if (*t == '\0')
			c->error = "bad tag";
		else
			g_ptr_array_add(**p == '-' ? c->tags_del : c->tags_add,
			    g_strdup(t));
	}
	if (c->error == NULL && c->tags_add->len + c->tags_del->len == 0)
		c->error = "missing argument";
	g_strfreev(v);
	g_free(f);
}

/* ASSIGN, ANSWER and QUEUE: a name, possibly with spaces. */
static void
parse_name(struct cmd *c)
{
	if (*c->arg == '\0')
		c->error = "missing argument";
	else
		c->value = g_strdup(c->arg);
}

static void
parse_args(struct cmd *c)
{
	static void (*const fn[])(struct cmd *) = {
		[CMD_ASSIGN] = parse_name, [CMD_ANSWER] = parse_name,
		[CMD_STATUS] = parse_status, [CMD_PRIORITY] = parse_priority,
		[CMD_TYPE] = parse_type, [CMD_TIME] = parse_time,
		[CMD_TAG] = parse_tag, [CMD_CC] = parse_address,
		[CMD_CLIENT] = parse_address, [CMD_MERGE] = parse_merge,
		[CMD_DUE] = parse_due, [CMD_QUEUE] = parse_name,
		[CMD_FAQ] = parse_name,
	};

	c->billable = 1;
	if ((size_t)c->verb < G_N_ELEMENTS(fn) && fn[c->verb] != NULL)
		fn[c->verb](c);
}

/* The start of the command word if line is "#word ...", else NULL.
 * "#1042" and "# heading" are text. */
static const char *
command_word(const char *line)
{
	while (*line == ' ' || *line == '\t')
		line++;
	if (*line != '#' || !g_unichar_isalpha(g_utf8_get_char(line + 1)))
		return NULL;
	return line + 1;
}

static bool
word_char(gunichar u)
{
	return g_unichar_isalnum(u) || u == '-' || u == '_';
}

static struct cmd *
cmd_new(const char *line, const char *w)
{
	struct cmd *c = g_new0(struct cmd, 1);
	const char *e = w;
	int id;

	while (*e && word_char(g_utf8_get_char(e)))
		e = g_utf8_next_char(e);
	c->line = g_strdup(line);
	c->word = g_strndup(w, (size_t)(e - w));
	/* "#status: open" reads naturally too. */
	if (*e == ':')
		e++;
	c->arg = g_strstrip(g_strdup(e));
	id = lookup(verbs, G_N_ELEMENTS(verbs), c->word);
	c->verb = id < 0 ? CMD_UNKNOWN : (enum cmd_verb)id;
	if (c->verb == CMD_UNKNOWN)
		c->error = "unknown command";
	parse_args(c);
	return c;
}

static void
cmd_free(gpointer p)
{
	struct cmd *c = p;

	g_free(c->word);
	g_free(c->arg);
	g_free(c->line);
	g_free(c->value);
	if (c->tags_add)
		g_ptr_array_free(c->tags_add, TRUE);
	if (c->tags_del)
		g_ptr_array_free(c->tags_del, TRUE);
	g_free(c);
}

static bool
blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!g_ascii_isspace(s[i]))
			return false;
	return true;
}

void
commands_parse(const char *text, struct cmd_parse *out)
{
	char *t = g_utf8_make_valid(text ? text : "", -1);
	const char *p = t, *rest = NULL;

	out->cmds = g_ptr_array_new_with_free_func(cmd_free);
	while (*p && rest == NULL) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char *line;
		const char *w;

		if (blank(p, n)) {
			p += n + (nl != NULL);
			continue;
		}
		/* A stray CR (a CRLF mail) is not part of the line. */
		line = g_strndup(p, n > 0 && p[n - 1] == '\r' ? n - 1 : n);
		if ((w = command_word(line)) != NULL &&
		    out->cmds->len < MAX_CMDS) {
			g_ptr_array_add(out->cmds, cmd_new(line, w));
			p += n + (nl != NULL);
		} else
			rest = p;
		g_free(line);
	}
	out->rest = g_strdup(rest ? rest : "");
	g_free(t);
}

void
commands_free(struct cmd_parse *p)
{
	if (p == NULL)
		return;
	if (p->cmds)
		g_ptr_array_free(p->cmds, TRUE);
	p->cmds = NULL;
	g_clear_pointer(&p->rest, g_free);
}
