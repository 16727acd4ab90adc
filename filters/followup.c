/* followup.c: what a client's follow-up to a ticket says (postdeskd(8) Tickets).
 *
 * A follow-up to a resolved ticket is either a rating ("5", "оценка 4"),
 * a bare thank-you (which must not reopen the ticket), the word "split"
 * (the answer to a one-task-per-ticket acknowledgement) or real news. */
#include <string.h>

#include <glib.h>

#include "fregex.h"
#include "followup.h"

/* A thank-you is short: a note, not a new report. */
#define THANKS_MAX_LINES	3
#define THANKS_MAX_BYTES	300

static struct {
	GRegex	*rating;
	GRegex	*thanks;
	GRegex	*doubt;
	GRegex	*split;
} re;

static GRegex *
compile(const char *pattern)
{
	return fregex_compile("followup", pattern);
}

/* Compiled once; the daemon classifies mail from several threads. */
static void
regex_init(void)
{
	static gsize once;

	if (!g_once_init_enter(&once))
		return;
	/* The digit must stand alone: "10", "5 minutes", "2 вопроса" and
	 * "5. Also..." are not ratings, "4 - ok" and "5/5" are. */
	re.rating = compile("^(?:(?:моя\\s+)?оценка|rating|rate|score|"
	    "ставлю|mark|grade)?\\s*[:=\\-—–]?\\s*([1-5])"
	    "(?:\\s*(?:/\\s*5|из\\s+5|out\\s+of\\s+5|\\+|\\*|★|stars?|"
	    "звезд\\w*|балл\\w*))?"
	    "\\s*(?:[.!)]*$|[-—–:,!]\\s*\\S.*$)");
	re.thanks = compile("спасиб|благодар|\\bthanks?\\b|\\bthank\\s+you|"
	    "\\bthx\\b|\\bcheers\\b|\\bty\\b|\\bmerci\\b|\\bdanke\\b|"
	    "\\bпасиб|\\bсенкс|\\bсэнкс");
	/* A question or a complaint next to the thanks means the matter is
	 * not over: "спасибо, но ещё не работает". */
	re.doubt = compile("\\?|не\\s+работа|не\\s+получа|не\\s+помог|"
	    "не\\s+исправ|не\\s+открыва|\\bstill\\b|\\bagain\\b|"
	    "\\bbut\\b|\\bhowever\\b|\\bdoesn'?t\\b|\\bdoes\\s+not\\b|"
	    "\\bdon'?t\\b|\\bnot\\s+work|\\bbroken\\b|"
	    "\\bснова\\b|\\bопять\\b|\\bно\\b|\\bоднако\\b|\\bещ[её]\\s+не\\b|"
	    "\\bвсё\\s+ещё\\b|\\bвсе\\s+еще\\b");
	re.split = compile("^[\\s\\p{P}]*(split|разделить|раздели|"
	    "разделите)[\\s\\p{P}]*$");
	g_once_init_leave(&once, 1);
}

/* The first non-empty line of text, trimmed, g_malloc'd; NULL if none. */
static char *
first_line(const char *text)
{
	const char *p, *e;
	char *l;

	for (p = text; p != NULL && *p != '\0'; p = e + (*e != '\0')) {
		e = strchr(p, '\n');
		if (e == NULL)
			e = p + strlen(p);
		l = g_strstrip(g_strndup(p, e - p));
		if (*l != '\0')
			return l;
		g_free(l);
	}
	return NULL;
}

/* Text as valid UTF-8 (GRegex needs it), or NULL for no text. */
static char *
valid(const char *text)
{
	if (text == NULL)
		return NULL;
	regex_init();
	return g_utf8_make_valid(text, -1);
}

int
followup_rating(const char *text)
{
	GMatchInfo *mi = NULL;
	char *v, *l, *d;
	int r = 0;

	v = valid(text);
	l = first_line(v);
	if (l != NULL && strlen(l) <= 200 &&
	    g_regex_match(re.rating, l, 0, &mi)) {
		d = g_match_info_fetch(mi, 1);
		r = d != NULL ? d[0] - '0' : 0;
		g_free(d);
	}
	g_match_info_free(mi);
	g_free(l);
	g_free(v);
	return r;
}

static int
count_lines(const char *s)
{
	char **lines;
	int i, n = 0;

	lines = g_strsplit(s, "\n", -1);
	for (i = 0; lines[i] != NULL; i++)
		if (*g_strstrip(lines[i]) != '\0')
			n++;
	g_strfreev(lines);
	return n;
}

bool
followup_is_thanks(const char *text)
{
	char *v;
	bool r = false;

	v = valid(text);
	if (v == NULL)
		return false;
	g_strstrip(v);
	if (strlen(v) <= THANKS_MAX_BYTES &&
	    count_lines(v) <= THANKS_MAX_LINES &&
	    g_regex_match(re.thanks, v, 0, NULL) &&
	    !g_regex_match(re.doubt, v, 0, NULL))
		r = true;
	g_free(v);
	return r;
}

bool
followup_is_split(const char *text)
{
	char *v, *l;
	bool r = false;

	v = valid(text);
	l = first_line(v);
	if (l != NULL && strlen(l) <= 64)
		r = g_regex_match(re.split, l, 0, NULL);
	g_free(l);
	g_free(v);
	return r;
}
