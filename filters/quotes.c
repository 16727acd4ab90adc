/* quotes.c: the new text of a reply (postdesk.conf(5) THREAT MODEL).
 *
 * A reply is cut at the first "history marker": an attribution line
 * ("On ... wrote:"), an Outlook header block, an "Original/Forwarded
 * message" separator, a signature separator or a mobile signature.
 * Top-posting is the norm, so everything from the marker down goes.  When
 * nothing new stands above the marker and the marker is an attribution
 * followed by '>' lines, the reply is bottom-posted (or interleaved): the
 * attribution and the '>' lines go and the search goes on below them. */
#include <string.h>

#include <glib.h>

#include "fregex.h"
#include "quotes.h"

/* Attributions longer than this are prose, not a client's header line;
 * the bound also keeps the regexes away from pathological lines. */
#define ATTRIB_MAX	400
/* Wrapped attributions span at most this many lines. */
#define ATTRIB_LINES	3
/* Lines after "From:" searched for the rest of an Outlook header block. */
#define HDR_LOOKAHEAD	4

enum marker {
	MK_NONE,
	MK_ATTRIB,	/* attribution; bottom-posting may follow */
	MK_CUT		/* separator, header block, signature: history */
};

static struct {
	GRegex	*attr_on;	/* On <date>, <name> wrote: */
	GRegex	*attr_dated;	/* <date>, <name> пишет: / wrote: */
	GRegex	*attr_addr;	/* пн, 23 нояб. 2026 г. в 10:00, Иван <a@b>: */
	GRegex	*attr_short;	/* Ivan Petrov wrote: */
	GRegex	*separator;	/* -----Original Message----- and kin */
	GRegex	*hdr_from;	/* From: / От: */
	GRegex	*hdr_other;	/* Sent: / To: / Тема: ... */
	GRegex	*underscores;	/* Outlook's ______ line */
	GRegex	*mobile;	/* Sent from my iPhone */
} re;

static GRegex *
compile(const char *pattern)
{
	return fregex_compile("quotes", pattern);
}

#define VERBS "(wrote|writes|schrieb|a écrit|escribió|ha scritto|escreveu|" \
	"schreef|пишет|писал|написал|написала|написал\\(а\\)|написали)"

/* The daemon strips quotes from several worker threads: compile once. */
static void
regex_init(void)
{
	static gsize once;

	if (!g_once_init_enter(&once))
		return;
	re.attr_on = compile("^(-{2,}\\s*)?(on|am|le|el|il|em|op)\\s.{4,}"
	    VERBS "\\s*:$");
	re.attr_dated = compile("^.*\\d.*\\s" VERBS "\\s*:$");
	re.attr_addr = compile("^.*\\d{1,2}:\\d{2}.*<[^<>\\s]+@[^<>\\s]+>\\s*:$");
	re.attr_short = compile("^[^.!?:;]{1,60}\\s" VERBS "\\s*:$");
	re.separator = compile("^\\s*(-{2,}\\s*(original message|"
	    "forwarded message|исходное сообщение|пересылаемое сообщение|"
	    "перенаправленное сообщение|переадресованное сообщение|"
	    "пересланное сообщение|message d'origine|message transféré|"
	    "ursprüngliche nachricht|weitergeleitete nachricht|"
	    "messaggio originale|messaggio inoltrato)\\s*(-{2,}\\s*)?|"
	    "(begin forwarded message|начало переадресованного сообщения|"
	    "начало пересылаемого сообщения|inizio messaggio inoltrato)"
	    "\\s*:\\s*)$");
	re.hdr_from = compile("^\\s*\\*?(from|от|de|von|da)\\s*:\\*?\\s*\\S");
	re.hdr_other = compile("^\\s*\\*?(sent|date|to|cc|subject|"
	    "отправлено|дата|кому|копия|тема|envoyé|à|objet|gesendet|an|"
	    "betreff|inviato|a|oggetto|data)\\s*:");
	re.underscores = compile("^\\s*_{10,}\\s*$");
	re.mobile = compile("^\\s*(sent from my \\S+(\\s+\\S+){0,3}|"
	    "sent (from|with|via) (outlook|yahoo mail|mail for windows|gmail|"
	    "samsung|sparrow|blackberry|android|iphone|ipad|proton|my)\\b.*|"
	    "get outlook for \\S+|"
	    "(отправлено|послано) (с|со|из|через) (моего|мобильн|iphone|ipad|"
	    "android|samsung|почты|приложения|яндекс|мобильной|устройства)"
	    ".*)\\s*$");
	g_once_init_leave(&once, 1);
}

/* The pre-filter: what a line must
 * hold for a regex to have a chance, checked in one pass without PCRE.
 * Each test only rules out lines on which the regex cannot match, so the
 * results are the regexes' own:
 * - every attribution and header regex ends in, or holds, a literal ':';
 * - re.separator needs ':' or "--";
 * - re.underscores needs ten '_' in a row;
 * - re.mobile is anchored after white space at a word that starts with
 *   s (or the long s U+017F, its caseless twin), g, о or п. */
struct hints {
	gboolean colon;		/* holds ':' */
	gboolean dashes;	/* holds "--" */
	gboolean underscores;	/* holds "__________" */
	gboolean mobile;	/* re.mobile's first letter comes first */
};

/* Skips what \s may match with PCRE2_UCP (White_Space: ASCII space and
 * controls, Z categories, NEL); skipping more is harmless, as none of it
 * can start a match of re.mobile's words. */
static const char *
skip_space(const char *s)
{
	while (*s != '\0') {
		gunichar c = g_utf8_get_char(s);

		if (!g_unichar_isspace(c) && c != 0x0b && c != 0x85)
			break;
		s = g_utf8_next_char(s);
	}
	return s;
}

/* True when s ends in ':', maybe followed by what PCRE2 takes for the
 * newline before the end that '$' may skip: the attribution regexes all
 * end in "\s*:$". */
static gboolean
ends_colon(const char *s)
{
	const char *p = strrchr(s, ':');

	if (p == NULL)
		return FALSE;
	for (p++; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (c != '\n' && c != '\r' && c != 0x0b && c != 0x0c &&
		    c != 0x85 && c != 0x2028 && c != 0x2029)
			return FALSE;
	}
	return TRUE;
}

static void
hints_of(const char *s, struct hints *h)
{
	gunichar c = g_utf8_get_char(skip_space(s));

	h->colon = strchr(s, ':') != NULL;
	h->dashes = strstr(s, "--") != NULL;
	h->underscores = strstr(s, "__________") != NULL;
	h->mobile = c == 's' || c == 'S' || c == 0x17f || c == 'g' ||
	    c == 'G' || c == 0x43e || c == 0x41e || c == 0x43f || c == 0x41f;
}

static gboolean
is_quote(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return *s == '>';
}

static gboolean
matches(GRegex *r, const char *s)
{
	return g_regex_match(r, s, 0, NULL);
}

/* The index of the next non-blank line at or after i, or n. */
static int
next_text(char **lines, int i, int n)
{
	while (i < n && fregex_blank(lines[i]))
		i++;
	return i;
}

/* "пн," "вт," ...: two Cyrillic letters and a comma. */
static gboolean
ru_weekday(const char *s)
{
	gunichar c;
	int k;

	for (k = 0; k < 2; k++, s = g_utf8_next_char(s)) {
		c = g_utf8_get_char(s);
		if (c < 0x430 || c > 0x44f)
			return FALSE;
	}
	return *s == ',';
}

/* A wrapped attribution starts with "On", a dash, a digit (a date) or a
 * Russian weekday ("пн, 23 нояб."), and its first line does not end a
 * sentence: "Hi," above "23.11.2026, Иван пишет:" must survive. */
static gboolean
attrib_head(const char *s)
{
	gsize len = strlen(s);

	while (len > 0 && g_ascii_isspace(s[len - 1]))
		len--;
	if (len == 0 || strchr(".!?;:", s[len - 1]) != NULL)
		return FALSE;
	while (g_ascii_isspace(*s))
		s++;
	return g_ascii_isdigit(*s) || *s == '-' ||
	    g_ascii_strncasecmp(s, "on ", 3) == 0 || ru_weekday(s);
}

/* The number of lines (1..ATTRIB_LINES) forming an attribution at i. */
static int
attribution(char **lines, int i, int n)
{
	GString *j;
	int k, found = 0, after;

	j = g_string_new(NULL);
	for (k = 0; k < ATTRIB_LINES && i + k < n && found == 0; k++) {
		const char *l = lines[i + k];

		if (fregex_blank(l) || is_quote(l))
			break;
		if (k > 0 && !attrib_head(lines[i]))
			break;
		if (k > 0)
			g_string_append_c(j, ' ');
		g_string_append(j, l);
		g_strstrip(j->str);
		j->len = strlen(j->str);
		if (j->len > ATTRIB_MAX)
			break;
		/* All four end in ':' (the pre-filter above). */
		if (!ends_colon(j->str))
			continue;
		if (matches(re.attr_on, j->str) ||
		    matches(re.attr_dated, j->str) ||
		    matches(re.attr_addr, j->str))
			found = k + 1;
		else if (matches(re.attr_short, j->str)) {
			/* "Ivan wrote:" is an attribution only when a quote
			 * follows; otherwise it is a sentence. */
			after = next_text(lines, i + k + 1, n);
			if (after < n && is_quote(lines[after]))
				found = k + 1;
		}
	}
	g_string_free(j, TRUE);
	return found;
}

/* An Outlook header block: From: and at least two more header lines, at
 * the start of a paragraph (a bounce quoting "Date:" then "From:" is a
 * report, not history). */
static gboolean
header_block(char **lines, int i, int n)
{
	int k, others = 0;
	struct hints h;

	if (strchr(lines[i], ':') == NULL || !matches(re.hdr_from, lines[i]))
		return FALSE;
	if (i > 0 && !fregex_blank(lines[i - 1])) {
		hints_of(lines[i - 1], &h);
		if (!(h.underscores && matches(re.underscores, lines[i - 1]))
		    && !((h.colon || h.dashes) &&
		    matches(re.separator, lines[i - 1])))
			return FALSE;
	}
	for (k = i + 1; k < n && k <= i + HDR_LOOKAHEAD; k++) {
		if (fregex_blank(lines[k]))
			break;
		if (strchr(lines[k], ':') != NULL &&
		    matches(re.hdr_other, lines[k]))
			others++;
	}
	return others >= 2;
}

static gboolean
sig_dashes(const char *s)
{
	return strcmp(s, "-- ") == 0 || strcmp(s, "--") == 0;
}

/* The kind of marker at line i; *span is the lines an attribution takes. */
static enum marker
marker_at(char **lines, int i, int n, int *span)
{
	const char *l = lines[i];
	struct hints h;
	int k;

	if (fregex_blank(l) || is_quote(l))
		return MK_NONE;
	if (sig_dashes(l))
		return MK_CUT;
	if (strlen(l) > ATTRIB_MAX)
		return MK_NONE;
	if ((*span = attribution(lines, i, n)) > 0)
		return MK_ATTRIB;
	hints_of(l, &h);
	if (((h.colon || h.dashes) && matches(re.separator, l)) ||
	    (h.mobile && matches(re.mobile, l)) ||
	    (h.colon && header_block(lines, i, n)))
		return MK_CUT;
	if (h.underscores && matches(re.underscores, l)) {
		k = next_text(lines, i + 1, n);
		if (k < n && k <= i + 3 && header_block(lines, k, n))
			return MK_CUT;
	}
	return MK_NONE;
}

/* Appends the non-quote lines [from, to) to out; TRUE if any had text. */
static gboolean
keep(char **lines, int from, int to, GString *out)
{
	gboolean text = FALSE;
	int i;

	for (i = from; i < to; i++) {
		if (is_quote(lines[i]))
			continue;
		if (!fregex_blank(lines[i]))
			text = TRUE;
		g_string_append(out, lines[i]);
		g_string_append_c(out, '\n');
	}
	return text;
}

/* Drops trailing blanks of each line, leading and trailing blank lines. */
static char *
tidy(GString *s)
{
	char **lines, *r;
	int i, first, last;
	GString *out;

	lines = g_strsplit(s->str, "\n", -1);
	out = g_string_new(NULL);
	first = -1;
	last = -1;
	for (i = 0; lines[i] != NULL; i++) {
		g_strchomp(lines[i]);
		if (lines[i][0] != '\0') {
			if (first < 0)
				first = i;
			last = i;
		}
	}
	for (i = first; first >= 0 && i <= last; i++) {
		g_string_append(out, lines[i]);
		if (i < last)
			g_string_append_c(out, '\n');
	}
	g_strfreev(lines);
	r = g_string_free(out, FALSE);
	return r;
}

char *
quotes_strip(const char *body)
{
	char **lines, *r;
	GString *out;
	enum marker mk = MK_NONE;
	int n, i, from, span = 0, after;

	if (body == NULL)
		return g_strdup("");
	regex_init();
	lines = fregex_lines(body, &n);
	out = g_string_new(NULL);
	from = 0;
	while (from < n) {
		for (i = from; i < n; i++)
			if ((mk = marker_at(lines, i, n, &span)) != MK_NONE)
				break;
		if (keep(lines, from, i, out) || i == n)
			break;
		/* Nothing new above the marker: a bottom-posted reply goes on
		 * below the quote that follows its attribution. */
		after = next_text(lines, i + span, n);
		if (mk != MK_ATTRIB || after == n || !is_quote(lines[after]))
			break;
		g_string_truncate(out, 0);
		from = i + span;
	}
	g_strfreev(lines);
	r = tidy(out);
	g_string_free(out, TRUE);
	return r;
}
