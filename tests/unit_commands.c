/* unit_commands.c: parsing agent commands (postdesk.conf(5) THREAT MODEL). */
#include <stdbool.h>
#include <string.h>
#include "commands.h"
#include "tap.h"

/* Checks the first command; unset fields are not checked (rest NULL,
 * value NULL, number/minutes 0, billable -1 via .bill). */
struct tcase {
	const char *name, *text;
	unsigned n;
	enum cmd_verb verb;
	const char *error, *value, *rest, *word, *arg;
	unsigned long number;
	unsigned minutes;
	int bill;	/* 0 unchecked, 1 billable, 2 not billable */
	unsigned days;	/* DUE in working days; 0 unchecked */
};

static const struct tcase cases[] = {
	/* Verbs, English and Russian, any case. */
	{ .name = "take", .text = "#take\nThanks, looking.", .n = 1,
	    .verb = CMD_TAKE, .rest = "Thanks, looking." },
	{ .name = "взять", .text = "#взять", .n = 1, .verb = CMD_TAKE,
	    .rest = "", .word = "взять", .arg = "" },
	{ .name = "Взять mixed case", .text = "#Взять", .n = 1,
	    .verb = CMD_TAKE, .word = "Взять" },
	{ .name = "беру", .text = "#беру", .n = 1, .verb = CMD_TAKE },
	{ .name = "TAKE upper", .text = "#TAKE", .n = 1, .verb = CMD_TAKE },
	{ .name = "note", .text = "#note\nInternal stuff", .n = 1,
	    .verb = CMD_NOTE, .rest = "Internal stuff" },
	{ .name = "ЗАМЕТКА upper", .text = "#ЗАМЕТКА\nВнутреннее", .n = 1,
	    .verb = CMD_NOTE, .rest = "Внутреннее" },
	{ .name = "примечание", .text = "#примечание", .n = 1,
	    .verb = CMD_NOTE },
	{ .name = "внутр", .text = "#внутр", .n = 1, .verb = CMD_NOTE },
	{ .name = "assign with spaces", .text = "#assign Olga Ivanova", .n = 1,
	    .verb = CMD_ASSIGN, .value = "Olga Ivanova",
	    .arg = "Olga Ivanova" },
	{ .name = "назначить", .text = "#назначить Ольга Иванова ", .n = 1,
	    .verb = CMD_ASSIGN, .value = "Ольга Иванова" },
	{ .name = "assign without name", .text = "#assign", .n = 1,
	    .verb = CMD_ASSIGN, .error = "missing argument" },
	{ .name = "status waiting", .text = "#status waiting", .n = 1,
	    .verb = CMD_STATUS, .value = "waiting", .rest = "" },
	{ .name = "status Resolved (case)", .text = "#Status Resolved",
	    .n = 1, .verb = CMD_STATUS, .value = "resolved" },
	{ .name = "status: open (colon)", .text = "#status: open", .n = 1,
	    .verb = CMD_STATUS, .value = "open" },
	{ .name = "статус ожидание", .text = "#статус ожидание", .n = 1,
	    .verb = CMD_STATUS, .value = "waiting" },
	{ .name = "статус Закрыта", .text = "#статус Закрыта", .n = 1,
	    .verb = CMD_STATUS, .value = "closed" },
	{ .name = "статус новая", .text = "#статус новая", .n = 1,
	    .verb = CMD_STATUS, .value = "new" },
	{ .name = "status unknown", .text = "#status sleeping", .n = 1,
	    .verb = CMD_STATUS, .error = "unknown status" },
	{ .name = "status missing", .text = "#status", .n = 1,
	    .verb = CMD_STATUS, .error = "missing argument" },
	{ .name = "resolve", .text = "#resolve", .n = 1, .verb = CMD_RESOLVE },
	{ .name = "решено", .text = "#решено", .n = 1, .verb = CMD_RESOLVE },
	{ .name = "решить", .text = "#решить", .n = 1, .verb = CMD_RESOLVE },
	{ .name = "решена", .text = "#решена", .n = 1, .verb = CMD_RESOLVE },
	{ .name = "close", .text = "#close", .n = 1, .verb = CMD_CLOSE },
	{ .name = "закрыть", .text = "#закрыть", .n = 1, .verb = CMD_CLOSE },
	{ .name = "закрыта", .text = "#закрыта", .n = 1, .verb = CMD_CLOSE },
	{ .name = "priority urgent", .text = "#priority urgent", .n = 1,
	    .verb = CMD_PRIORITY, .value = "urgent" },
	{ .name = "приоритет срочный", .text = "#приоритет срочный", .n = 1,
	    .verb = CMD_PRIORITY, .value = "urgent" },
	{ .name = "приоритет Низкий", .text = "#приоритет Низкий", .n = 1,
	    .verb = CMD_PRIORITY, .value = "low" },
	{ .name = "priority unknown", .text = "#priority extreme", .n = 1,
	    .verb = CMD_PRIORITY, .error = "unknown priority" },
	{ .name = "type bug", .text = "#type bug", .n = 1, .verb = CMD_TYPE,
	    .value = "bug" },
	{ .name = "тип доработка", .text = "#тип доработка", .n = 1,
	    .verb = CMD_TYPE, .value = "feature" },
	{ .name = "тип вопрос", .text = "#тип вопрос", .n = 1,
	    .verb = CMD_TYPE, .value = "question" },
	{ .name = "type unknown", .text = "#type rant", .n = 1,
	    .verb = CMD_TYPE, .error = "unknown type" },
	/* #time */
	{ .name = "time 1h30m", .text = "#time 1h30m", .n = 1,
	    .verb = CMD_TIME, .minutes = 90, .bill = 1 },
	{ .name = "time nobill", .text = "#time 1h 30m nobill", .n = 1,
	    .verb = CMD_TIME, .minutes = 90, .bill = 2 },
	{ .name = "time no-bill", .text = "#time 45m No-Bill", .n = 1,
	    .verb = CMD_TIME, .minutes = 45, .bill = 2 },
	{ .name = "время бесплатно", .text = "#время 1ч30м бесплатно", .n = 1,
	    .verb = CMD_TIME, .minutes = 90, .bill = 2 },
	{ .name = "трудозатраты не оплачивается",
	    .text = "#трудозатраты 2ч не оплачивается", .n = 1,
	    .verb = CMD_TIME, .minutes = 120, .bill = 2 },
	{ .name = "время 30 мин", .text = "#время 30 мин", .n = 1,
	    .verb = CMD_TIME, .minutes = 30, .bill = 1 },
	{ .name = "time zero", .text = "#time 0", .n = 1, .verb = CMD_TIME,
	    .error = "bad duration" },
	{ .name = "time too long", .text = "#time 745h", .n = 1,
	    .verb = CMD_TIME, .error = "bad duration" },
	{ .name = "time words", .text = "#time a while", .n = 1,
	    .verb = CMD_TIME, .error = "bad duration" },
	{ .name = "time only nobill", .text = "#time nobill", .n = 1,
	    .verb = CMD_TIME, .error = "missing argument" },
	/* #tag */
	{ .name = "tag +vip -old", .text = "#tag +vip -old", .n = 1,
	    .verb = CMD_TAG },
	{ .name = "tag empty sign", .text = "#tag + -", .n = 1,
	    .verb = CMD_TAG, .error = "bad tag" },
	{ .name = "tag missing", .text = "#метка", .n = 1, .verb = CMD_TAG,
	    .error = "missing argument" },
	/* #cc, #client */
	{ .name = "cc Name <addr>", .text = "#cc Anna <anna@acme.test>",
	    .n = 1, .verb = CMD_CC, .value = "anna@acme.test" },
	{ .name = "копия upper", .text = "#копия ANNA@acme.test", .n = 1,
	    .verb = CMD_CC, .value = "anna@acme.test" },
	{ .name = "cc <addr>", .text = "#cc <b@x.test>", .n = 1,
	    .verb = CMD_CC, .value = "b@x.test" },
	{ .name = "cc not an address", .text = "#cc not an address", .n = 1,
	    .verb = CMD_CC, .error = "bad address" },
	{ .name = "cc two @", .text = "#cc a@b@x.test", .n = 1,
	    .verb = CMD_CC, .error = "bad address" },
	{ .name = "cc two addresses", .text = "#cc a@x.test, b@x.test",
	    .n = 1, .verb = CMD_CC, .error = "bad address" },
	{ .name = "cc header injection", .text = "#cc a@x.test>\tBcc: b@y",
	    .n = 1, .verb = CMD_CC, .error = "bad address" },
	{ .name = "cc missing", .text = "#cc", .n = 1, .verb = CMD_CC,
	    .error = "missing argument" },
	{ .name = "client", .text = "#client ivan@x.test\nCalled by phone.",
	    .n = 1, .verb = CMD_CLIENT, .value = "ivan@x.test",
	    .rest = "Called by phone." },
	{ .name = "клиент", .text = "#клиент Иван <Ivan@X.test>", .n = 1,
	    .verb = CMD_CLIENT, .value = "ivan@x.test" },
	{ .name = "client no domain", .text = "#client ivan@", .n = 1,
	    .verb = CMD_CLIENT, .error = "bad address" },
	/* #merge */
	{ .name = "merge [ACME#1042]", .text = "#merge [ACME#1042]", .n = 1,
	    .verb = CMD_MERGE, .number = 1042 },
	{ .name = "объединить #1042", .text = "#объединить #1042", .n = 1,
	    .verb = CMD_MERGE, .number = 1042 },
	{ .name = "merge 7", .text = "#merge 7", .n = 1, .verb = CMD_MERGE,
	    .number = 7 },
	{ .name = "merge [Other Tag#55]", .text = "#merge [Other Tag#55]",
	    .n = 1, .verb = CMD_MERGE, .number = 55 },
	{ .name = "merge soon", .text = "#merge soon", .n = 1,
	    .verb = CMD_MERGE, .error = "bad ticket number" },
	{ .name = "merge 0", .text = "#merge 0", .n = 1, .verb = CMD_MERGE,
	    .error = "bad ticket number" },
	{ .name = "merge huge", .text = "#merge 99999999999999999999999",
	    .n = 1, .verb = CMD_MERGE, .error = "bad ticket number" },
	/* #answer, #split, #due */
	{ .name = "answer", .text = "#answer restart", .n = 1,
	    .verb = CMD_ANSWER, .value = "restart" },
	{ .name = "шаблон", .text = "#шаблон перезапуск сервера", .n = 1,
	    .verb = CMD_ANSWER, .value = "перезапуск сервера" },
	{ .name = "ответ missing", .text = "#ответ", .n = 1,
	    .verb = CMD_ANSWER, .error = "missing argument" },
	{ .name = "split", .text = "#split", .n = 1, .verb = CMD_SPLIT },
	{ .name = "разделить", .text = "#разделить", .n = 1,
	    .verb = CMD_SPLIT },
	{ .name = "due iso", .text = "#due 2026-12-01", .n = 1,
	    .verb = CMD_DUE, .value = "2026-12-01" },
	{ .name = "срок dd.mm.yyyy", .text = "#срок 1.12.2026", .n = 1,
	    .verb = CMD_DUE, .value = "2026-12-01" },
	{ .name = "due Feb 30", .text = "#due 2026-02-30", .n = 1,
	    .verb = CMD_DUE, .error = "bad date" },
	{ .name = "due month 13", .text = "#due 01.13.2026", .n = 1,
	    .verb = CMD_DUE, .error = "bad date" },
	{ .name = "due tomorrow", .text = "#due tomorrow", .n = 1,
	    .verb = CMD_DUE, .error = "bad date" },
	{ .name = "queue", .text = "#queue billing", .n = 1,
	    .verb = CMD_QUEUE, .value = "billing" },
	{ .name = "очередь", .text = "#Очередь: billing", .n = 1,
	    .verb = CMD_QUEUE, .value = "billing" },
	{ .name = "queue missing", .text = "#queue", .n = 1,
	    .verb = CMD_QUEUE, .error = "missing argument" },
	{ .name = "due 3d", .text = "#due 3d", .n = 1, .verb = CMD_DUE,
	    .days = 3 },
	{ .name = "due 10 days", .text = "#due 10 Days", .n = 1,
	    .verb = CMD_DUE, .days = 10 },
	{ .name = "срок 5 дней", .text = "#срок 5 дней", .n = 1,
	    .verb = CMD_DUE, .days = 5 },
	{ .name = "срок 2д", .text = "#срок 2Д", .n = 1, .verb = CMD_DUE,
	    .days = 2 },
	{ .name = "due 0d", .text = "#due 0d", .n = 1, .verb = CMD_DUE,
	    .error = "bad date" },
	{ .name = "due 400d", .text = "#due 400d", .n = 1, .verb = CMD_DUE,
	    .error = "bad date" },
	/* Unknown, block shape, text. */
	{ .name = "unknown word", .text = "#frobnicate now", .n = 1,
	    .verb = CMD_UNKNOWN, .error = "unknown command",
	    .word = "frobnicate", .arg = "now", .rest = "" },
	{ .name = "blank lines between", .text = "#take\n\n#priority high\n"
	    "\n\nHello\n\nBye", .n = 2, .verb = CMD_TAKE,
	    .rest = "Hello\n\nBye" },
	{ .name = "block ended by text", .text = "#take\nHello\n#close\n",
	    .n = 1, .verb = CMD_TAKE, .rest = "Hello\n#close\n" },
	{ .name = "text first", .text = "Hello\n#take", .n = 0,
	    .rest = "Hello\n#take" },
	{ .name = "#digit is text", .text = "#1042 is broken", .n = 0,
	    .rest = "#1042 is broken" },
	{ .name = "# heading is text", .text = "# heading\ntext", .n = 0,
	    .rest = "# heading\ntext" },
	{ .name = "[TAG#N] line is text", .text = "[ACME#5] again\n#take",
	    .n = 0, .rest = "[ACME#5] again\n#take" },
	{ .name = "empty", .text = "", .n = 0, .rest = "" },
	{ .name = "only blanks", .text = "\n \n\t\n", .n = 0, .rest = "" },
	{ .name = "only commands", .text = "\n\n#close\n#tag vip\n", .n = 2,
	    .verb = CMD_CLOSE, .rest = "" },
	{ .name = "text only, leading blanks", .text = "\n\nHi there\n",
	    .n = 0, .rest = "Hi there\n" },
	{ .name = "CRLF tolerated", .text = "#status open\r\n\r\nHi\r\n",
	    .n = 1, .verb = CMD_STATUS, .value = "open", .rest = "Hi\r\n" },
	{ .name = "indented command", .text = "  #take\nok", .n = 1,
	    .verb = CMD_TAKE, .rest = "ok" },
};

static bool
str_eq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

static void
check_cmd(const struct tcase *t, const struct cmd *c)
{
	bool good = c->verb == t->verb &&
	    (t->error ? str_eq(c->error, t->error) : c->error == NULL) &&
	    (t->value == NULL || str_eq(c->value, t->value)) &&
	    (t->word == NULL || str_eq(c->word, t->word)) &&
	    (t->arg == NULL || str_eq(c->arg, t->arg)) &&
	    (t->number == 0 || c->number == t->number) &&
	    (t->minutes == 0 || c->minutes == t->minutes) &&
	    (t->days == 0 || (c->days == t->days && c->value == NULL)) &&
	    (t->bill == 0 || c->billable == (t->bill == 1));

	if (!ok(good, "%s: command", t->name))
		printf("#   verb %d error '%s' value '%s' number %lu minutes %u"
		    " billable %d\n", c->verb, c->error ? c->error : "",
		    c->value ? c->value : "", c->number, c->minutes,
		    c->billable);
}

static void
check(const struct tcase *t)
{
	struct cmd_parse p;

	commands_parse(t->text, &p);
	if (!ok(p.cmds->len == t->n, "%s: %u commands", t->name, t->n))
		printf("#   got %u\n", p.cmds->len);
	if (p.cmds->len > 0 && t->n > 0)
		check_cmd(t, p.cmds->pdata[0]);
	if (t->rest)
		is_str(p.rest, t->rest, "  rest");
	commands_free(&p);
}

static void
check_tags(void)
{
	struct cmd_parse p;
	const struct cmd *c;

	commands_parse("#тег +VIP -Old, printer", &p);
	c = p.cmds->pdata[0];
	ok(c->tags_add->len == 2 && c->tags_del->len == 1 &&
	    str_eq(c->tags_add->pdata[0], "vip") &&
	    str_eq(c->tags_add->pdata[1], "printer") &&
	    str_eq(c->tags_del->pdata[0], "old"), "tags split and folded");
	commands_free(&p);
}

static void
check_order(void)
{
	struct cmd_parse p;

	commands_parse("#take\n#status waiting\n#time 15\n#копия a@b.test\n"
	    "text", &p);
	ok(p.cmds->len == 4 &&
	    ((struct cmd *)p.cmds->pdata[1])->verb == CMD_STATUS &&
	    ((struct cmd *)p.cmds->pdata[2])->minutes == 15 &&
	    str_eq(((struct cmd *)p.cmds->pdata[3])->line, "#копия a@b.test"),
	    "four commands in order, line kept");
	commands_free(&p);
}

/* Odd input must not crash and must leave a usable result. */
static void
check_hostile(void)
{
	static const char *const in[] = { "#\xff\xfe\n#take", "#",
	    "#tag", "#time \xd1", "#cc <", "#cc >", "#merge [", "#due ..",
	    "#a\n#b\n#c", "#take\0hidden" };
	GString *big = g_string_new(NULL);
	struct cmd_parse p;

	for (size_t i = 0; i < G_N_ELEMENTS(in); i++) {
		commands_parse(in[i], &p);
		ok(p.cmds != NULL && p.rest != NULL, "hostile input %zu", i);
		commands_free(&p);
	}
	commands_parse(NULL, &p);
	ok(p.cmds->len == 0 && str_eq(p.rest, ""), "NULL input");
	commands_free(&p);
	for (int i = 0; i < 5000; i++)
		g_string_append(big, "#take\n");
	commands_parse(big->str, &p);
	ok(p.cmds->len > 0 && p.cmds->len < 5000 && *p.rest == '#',
	    "command count is bounded (%u)", p.cmds->len);
	commands_free(&p);
	g_string_free(big, TRUE);
}

int
main(void)
{
	static const struct {
		const char *s;
		int minutes;
	} durations[] = { { "1h30m", 90 }, { "1h 30m", 90 }, { "90m", 90 },
		{ "90", 90 }, { "1.5h", 90 }, { "1,5h", 90 }, { "2ч", 120 },
		{ "1ч30м", 90 }, { "30 мин", 30 }, { "1:30", 90 },
		{ "2h", 120 }, { "45", 45 }, { "1,5ч", 90 }, { "1H30M", 90 },
		{ "2 hours 15 minutes", 135 }, { "1h30", 90 }, { "0.25h", 15 },
		{ "1 час 5 мин.", 65 }, { "744h", 44640 },
		{ "0", -1 }, { "0h0m", -1 }, { "soon", -1 }, { "", -1 },
		{ "800h", -1 }, { "1.5", -1 }, { "30m 1h", -1 }, { "1:75", -1 },
		{ "h", -1 }, { "-5", -1 }, { "99999999999", -1 },
		{ "1h30m extra", -1 } };

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
		check(&cases[i]);
	for (size_t i = 0; i < G_N_ELEMENTS(durations); i++)
		ok(commands_duration(durations[i].s) == durations[i].minutes,
		    "duration '%s' = %d", durations[i].s,
		    durations[i].minutes);
	ok(commands_duration(NULL) == -1, "duration NULL");
	check_tags();
	check_order();
	check_hostile();
	return tap_done();
}
