/* unit_commands.c: parsing agent commands. */
#include <string.h>
#include "commands.h"
#include "tap.h"

struct want {
	const char *text;
	unsigned ncmds;
	enum cmd_verb verb;   /* of the first command */
	const char *error;    /* of the first command, NULL = none */
	const char *value;    /* of the first command, NULL = not checked */
	const char *rest;
};

static const struct want cases[] = {
	{ "#take\nThanks, looking.", 1, CMD_TAKE, NULL, NULL,
	    "Thanks, looking." },
	{ "#взять", 1, CMD_TAKE, NULL, NULL, "" },
	{ "#ВЗЯТЬ", 1, CMD_TAKE, NULL, NULL, "" },
	{ "#note\nInternal stuff", 1, CMD_NOTE, NULL, NULL,
	    "Internal stuff" },
	{ "#заметка\nВнутреннее", 1, CMD_NOTE, NULL, NULL, "Внутреннее" },
	{ "#status waiting", 1, CMD_STATUS, NULL, "waiting", "" },
	{ "#статус ожидание", 1, CMD_STATUS, NULL, "waiting", "" },
	{ "#status sleeping", 1, CMD_STATUS, "unknown status", NULL, "" },
	{ "#status", 1, CMD_STATUS, "missing argument", NULL, "" },
	{ "#resolve", 1, CMD_RESOLVE, NULL, NULL, "" },
	{ "#решено", 1, CMD_RESOLVE, NULL, NULL, "" },
	{ "#close", 1, CMD_CLOSE, NULL, NULL, "" },
	{ "#закрыть", 1, CMD_CLOSE, NULL, NULL, "" },
	{ "#priority urgent", 1, CMD_PRIORITY, NULL, "urgent", "" },
	{ "#приоритет срочный", 1, CMD_PRIORITY, NULL, "urgent", "" },
	{ "#priority extreme", 1, CMD_PRIORITY, "unknown priority", NULL,
	    "" },
	{ "#type bug", 1, CMD_TYPE, NULL, "bug", "" },
	{ "#тип доработка", 1, CMD_TYPE, NULL, "feature", "" },
	{ "#assign John Smith", 1, CMD_ASSIGN, NULL, "John Smith", "" },
	{ "#назначить Ольга Иванова", 1, CMD_ASSIGN, NULL, "Ольга Иванова",
	    "" },
	{ "#cc Anna <anna@acme.test>", 1, CMD_CC, NULL, "anna@acme.test",
	    "" },
	{ "#копия ANNA@acme.test", 1, CMD_CC, NULL, "anna@acme.test", "" },
	{ "#cc not an address", 1, CMD_CC, "bad address", NULL, "" },
	{ "#merge [ACME#1042]", 1, CMD_MERGE, NULL, NULL, "" },
	{ "#объединить #1042", 1, CMD_MERGE, NULL, NULL, "" },
	{ "#merge soon", 1, CMD_MERGE, "bad ticket number", NULL, "" },
	{ "#answer restart", 1, CMD_ANSWER, NULL, "restart", "" },
	{ "#client ivan@x.test\nCalled by phone.", 1, CMD_CLIENT, NULL,
	    "ivan@x.test", "Called by phone." },
	{ "#due 2026-12-01", 1, CMD_DUE, NULL, "2026-12-01", "" },
	{ "#срок 01.12.2026", 1, CMD_DUE, NULL, "2026-12-01", "" },
	{ "#due 2026-02-30", 1, CMD_DUE, "bad date", NULL, "" },
	{ "#split", 1, CMD_SPLIT, NULL, NULL, "" },
	{ "#разделить", 1, CMD_SPLIT, NULL, NULL, "" },
	{ "#tag +vip -old", 1, CMD_TAG, NULL, NULL, "" },
	{ "#frobnicate now", 1, CMD_UNKNOWN, "unknown command", NULL, "" },
	{ "#take\n\n#priority high\n\nHello", 2, CMD_TAKE, NULL, NULL,
	    "Hello" },
	{ "Hello\n#take", 0, CMD_UNKNOWN, NULL, NULL, "Hello\n#take" },
	{ "#1042 is broken", 0, CMD_UNKNOWN, NULL, NULL, "#1042 is broken" },
	{ "# heading\ntext", 0, CMD_UNKNOWN, NULL, NULL, "# heading\ntext" },
	{ "", 0, CMD_UNKNOWN, NULL, NULL, "" },
	{ "\n\n#close\n", 1, CMD_CLOSE, NULL, NULL, "" },
};

static void
check(const struct want *w)
{
	struct cmd_parse p;
	const struct cmd *c;

	commands_parse(w->text, &p);
	ok(p.cmds->len == w->ncmds, "case %u: %u commands", (unsigned)(w - cases), w->ncmds);
	c = p.cmds->len ? p.cmds->pdata[0] : NULL;
	if (c) {
		ok(c->verb == w->verb, "case %u: verb", (unsigned)(w - cases));
		ok(w->error ? c->error && strcmp(c->error, w->error) == 0 :
		    c->error == NULL, "case %u: error %s",
		    (unsigned)(w - cases), w->error ? w->error : "none");
		if (w->value)
			is_str(c->value, w->value, "value");
	}
	is_str(p.rest, w->rest, "rest");
	commands_free(&p);
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
		{ "0", -1 }, { "soon", -1 }, { "", -1 }, { "800h", -1 } };
	struct cmd_parse p;

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
		check(&cases[i]);
	for (size_t i = 0; i < G_N_ELEMENTS(durations); i++)
		ok(commands_duration(durations[i].s) == durations[i].minutes,
		    "duration '%s' = %d", durations[i].s,
		    durations[i].minutes);
	commands_parse("#time 1h30m nobill", &p);
	ok(p.cmds->len == 1 && ((struct cmd *)p.cmds->pdata[0])->minutes ==
	    90 && !((struct cmd *)p.cmds->pdata[0])->billable,
	    "#time 1h30m nobill");
	commands_free(&p);
	commands_parse("#время 45 бесплатно", &p);
	ok(p.cmds->len == 1 && ((struct cmd *)p.cmds->pdata[0])->minutes ==
	    45 && !((struct cmd *)p.cmds->pdata[0])->billable,
	    "#время 45 бесплатно");
	commands_free(&p);
	commands_parse("#merge [ACME#1042]", &p);
	ok(((struct cmd *)p.cmds->pdata[0])->number == 1042, "merge number");
	commands_free(&p);
	return tap_done();
}
