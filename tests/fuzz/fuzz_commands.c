/* fuzz_commands.c: the top of an agent's mail through commands_parse, and
 * every line through commands_duration (filters/commands.h).
 *
 * Properties: no crash, leak or undefined behaviour; every string is
 * valid UTF-8 and a command line holds no line break; a command without
 * error has the value its verb promises, and a #cc / #client address
 * could go into an SMTP command line as it is. */
#include "fuzz.h"
#include "commands.h"

/* commands.c's bound on #time: a month of minutes. */
#define MAX_MINUTES	(24 * 60 * 31)

static void
check_utf8(const char *s)
{
	FUZZ_CHECK(s != NULL && g_utf8_validate(s, -1, NULL));
}

static bool
one_of(const char *v, const char *const *set)
{
	for (; *set; set++)
		if (strcmp(v, *set) == 0)
			return true;
	return false;
}

static void
check_cmd(const struct cmd *c)
{
	static const char *const status[] = { "new", "open", "waiting",
		"resolved", "closed", NULL };
	static const char *const prio[] = { "low", "normal", "high",
		"urgent", NULL };
	static const char *const type[] = { "question", "bug", "feature",
		NULL };

	check_utf8(c->word);
	check_utf8(c->arg);
	check_utf8(c->line);
	FUZZ_CHECK(strpbrk(c->line, "\n") == NULL);
	FUZZ_CHECK(*c->word != '\0');
	FUZZ_CHECK((c->verb == CMD_UNKNOWN) <= (c->error != NULL));
	if (c->value)
		check_utf8(c->value);
	if (c->error != NULL)
		return;
	switch (c->verb) {
	case CMD_STATUS:
		FUZZ_CHECK(c->value && one_of(c->value, status));
		break;
	case CMD_PRIORITY:
		FUZZ_CHECK(c->value && one_of(c->value, prio));
		break;
	case CMD_TYPE:
		FUZZ_CHECK(c->value && one_of(c->value, type));
		break;
	case CMD_ASSIGN:
	case CMD_ANSWER:
		FUZZ_CHECK(c->value && *c->value);
		break;
	case CMD_CC:
	case CMD_CLIENT:
		FUZZ_CHECK(c->value && strchr(c->value, '@'));
		for (const unsigned char *p = (const unsigned char *)c->value;
		    *p; p++)
			FUZZ_CHECK(*p > ' ' && *p != 0x7f &&
			    !strchr("<>()[]\\,;:\"", *p));
		break;
	case CMD_MERGE:
		FUZZ_CHECK(c->number > 0);
		break;
	case CMD_TIME:
		FUZZ_CHECK(c->minutes > 0 && c->minutes <= MAX_MINUTES);
		FUZZ_CHECK(c->billable == 0 || c->billable == 1);
		break;
	case CMD_DUE:
		/* A date, or working days from today ("#due 3d"). */
		if (c->value)
			FUZZ_CHECK(c->days == 0 && strlen(c->value) == 10 &&
			    c->value[4] == '-' && c->value[7] == '-');
		else
			FUZZ_CHECK(c->days > 0);
		break;
	case CMD_TAG:
		FUZZ_CHECK(c->tags_add && c->tags_del &&
		    c->tags_add->len + c->tags_del->len > 0);
		for (guint i = 0; i < c->tags_add->len; i++)
			check_utf8(c->tags_add->pdata[i]);
		for (guint i = 0; i < c->tags_del->len; i++)
			check_utf8(c->tags_del->pdata[i]);
		break;
	default:
		break;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_cstr(data, size);
	char **lines;
	struct cmd_parse cp = { 0 };

	commands_parse(text, &cp);
	FUZZ_CHECK(cp.cmds != NULL && cp.rest != NULL);
	check_utf8(cp.rest);
	for (guint i = 0; i < cp.cmds->len; i++)
		check_cmd(cp.cmds->pdata[i]);
	commands_free(&cp);
	FUZZ_CHECK(cp.cmds == NULL && cp.rest == NULL);
	/* The duration reader on its own, line by line (at most 64). */
	lines = g_strsplit(text, "\n", 65);
	for (char **l = lines; *l && l - lines < 64; l++) {
		int m = commands_duration(*l);

		FUZZ_CHECK(m == -1 || (m > 0 && m <= MAX_MINUTES));
	}
	g_strfreev(lines);
	g_free(text);
	return 0;
}
