/* rfc2047.c: see rfc2047.h. */
#include <string.h>
#include "rfc2047.h"

/* The end of the base64 text of an encoded word starting at p: the
 * first byte that base64 never holds.  Stopping there keeps a stray "=?"
 * from swallowing the rest of a header, and keeps the scan linear: looking
 * for "?=" first made every unclosed word read to the end of the line. */
static const char *
b64_text_end(const char *p, const char *end)
{
	while (p < end && (g_ascii_isalnum(*p) || *p == '+' || *p == '/' ||
	    *p == '='))
		p++;
	return p;
}

/* Tries to rewrite one encoded word starting at ew ("=?").  Returns the
 * position after it, or NULL when it is not a B-word. */
static const char *
one_word(GString *out, const char *ew, const char *end)
{
	const char *cs = ew + 2, *q1, *txt, *close;
	guchar *bin;
	gsize n = 0;
	char *b64;

	q1 = memchr(cs, '?', end - cs);
	if (q1 == NULL || q1 == cs || q1 - cs > 64 || end - q1 < 4 ||
	    (q1[1] != 'B' && q1[1] != 'b') || q1[2] != '?')
		return NULL;
	txt = q1 + 3;
	close = b64_text_end(txt, end);
	if (end - close < 2 || close[0] != '?' || close[1] != '=')
		return NULL;
	b64 = g_strndup(txt, close - txt);
	bin = g_base64_decode(b64, &n);
	g_string_append_len(out, ew, q1 - ew);
	g_string_append(out, "?Q?");
	for (gsize i = 0; i < n; i++)
		g_string_append_printf(out, "=%02X", bin[i]);
	g_string_append(out, "?=");
	g_free(bin);
	g_free(b64);
	return close + 2;
}

/* Whether ew starts "=?charset?B?" or "=?charset?Q?": what GMime takes
 * for an encoded word and looks for the end of. */
static bool
word_start(const char *ew, const char *end)
{
	const char *cs = ew + 2, *q1;

	q1 = memchr(cs, '?', MIN(end - cs, 65));
	return q1 != NULL && end - q1 >= 3 && strchr("BbQq", q1[1]) &&
	    q1[1] != '\0' && q1[2] == '?';
}

/* Unclosed encoded-word starts kept per header (rfc2047.h). */
#define UNCLOSED_MAX 16

/* rfc2047_b_to_q_append() for one line of a header, *starts counting the
 * unclosed starts of that header so far; only the rewrite of those when
 * b_words is false. */
static void
rewrite(GString *out, const char *s, size_t len, bool b_words,
    unsigned *starts)
{
	const char *p = s, *end = s + len, *ew, *next, *last = NULL;

	/* The last "?=": an "=?" from there on closes nowhere on this line. */
	for (const char *q = end; q - s >= 2 && last == NULL; q--)
		if (q[-2] == '?' && q[-1] == '=')
			last = q - 2;
	while (p < end) {
		ew = end - p >= 2 ? g_strstr_len(p, end - p, "=?") : NULL;
		if (ew == NULL) {
			g_string_append_len(out, p, end - p);
			break;
		}
		g_string_append_len(out, p, ew - p);
		if (b_words && (next = one_word(out, ew, end)) != NULL) {
			p = next;
			continue;
		}
		if ((last == NULL || ew + 2 > last) && word_start(ew, end) &&
		    ++*starts > UNCLOSED_MAX)
			g_string_append(out, "= ?");
		else
			g_string_append_len(out, ew, 2);
		p = ew + 2;
	}
}

void
rfc2047_b_to_q_append(GString *out, const char *s, size_t len)
{
	unsigned starts = 0;

	rewrite(out, s, len, true, &starts);
}

char *
rfc2047_b_to_q(const char *s, size_t len)
{
	GString *out = g_string_sized_new(len + len / 2 + 1);

	rfc2047_b_to_q_append(out, s, len);
	return g_string_free(out, FALSE);
}

/* "Name:" with a printable field name, as RFC 5322 §2.2 has it. */
static bool
is_header_line(const char *p, const char *eol)
{
	const char *q = p;

	while (q < eol && *q > ' ' && *q < 127 && *q != ':')
		q++;
	return q > p && q < eol && *q == ':';
}

static bool
is_blank_line(const char *p, const char *eol)
{
	return p == eol || (eol - p == 1 && *p == '\r');
}

static bool
iconv_knows(const char *cs)
{
	GIConv cd = g_iconv_open("UTF-8", cs);

	if (cd == (GIConv)-1)
		return false;
	g_iconv_close(cd);
	return true;
}

/* Raw UTF-8 with a few broken bytes (a name cut in the middle of a
 * character) would otherwise go to the windows-1251 fallback whole. */
static bool
mostly_utf8(const char *p, size_t n)
{
	const char *end = p + n;
	unsigned good = 0, bad = 0;
	gunichar c;

	while (p < end) {
		if ((unsigned char)*p < 0x80) {
			p++;
			continue;
		}
		c = g_utf8_get_char_validated(p, end - p);
		if (c == (gunichar)-1 || c == (gunichar)-2) {
			bad++;
			p++;
			continue;
		}
		good++;
		p = g_utf8_next_char(p);
	}
	return bad > 0 && good >= 3 && good >= 2 * bad;
}

bool
looks_latin(const char *p, size_t n)
{
	size_t run = 0;
	bool high = false;

	for (size_t i = 0; i < n; i++) {
		if ((unsigned char)p[i] < 0x80) {
			run = 0;
			continue;
		}
		if (++run > 2)
			return false;
		high = true;
	}
	return high;
}

char *
latin_to_utf8(const char *p, size_t n)
{
	char *v = g_convert(p, n, "UTF-8", "WINDOWS-1252", NULL, NULL, NULL);

	return v ? v : g_convert(p, n, "UTF-8", "ISO-8859-1", NULL, NULL, NULL);
}

bool
looks_koi8r(const char *p, size_t n)
{
	size_t hi = 0, lo = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[i];

		if (c >= 0xc0 && c <= 0xdf)
			hi++;
		else if (c >= 0xe0)
			lo++;
	}
	return hi >= 3 && hi > 2 * lo;
}

/* Undeclared 8-bit header text: UTF-8 (even a little broken), else the
 * charset the message declares for its text, else KOI8-R when it looks
 * like it; GMime's fallbacks (UTF-8, windows-1251, KOI8-R) do the rest. */
static void
header_text(GString *out, const char *p, size_t n, const char *hint,
    unsigned *starts)
{
	char *v = NULL;

	if (g_utf8_validate(p, n, NULL)) {
		rewrite(out, p, n, true, starts);
		return;
	}
	if (mostly_utf8(p, n))
		v = g_utf8_make_valid(p, n);
	else if (hint != NULL)
		v = g_convert(p, n, "UTF-8", hint, NULL, NULL, NULL);
	else if (looks_latin(p, n))
		v = latin_to_utf8(p, n);
	if (v == NULL && looks_koi8r(p, n))
		v = g_convert(p, n, "UTF-8", "KOI8-R", NULL, NULL, NULL);
	if (v == NULL) {
		rewrite(out, p, n, true, starts);
		return;
	}
	rewrite(out, v, strlen(v), true, starts);
	g_free(v);
}

/* The first charset= of the message (the text's charset in practice), when
 * it is an 8-bit one that iconv knows: the best guess for raw 8-bit
 * headers, as mail clients do. */
static char *
charset_hint(const char *raw, size_t len)
{
	const char *p = raw, *end, *q;
	char *cs;

	/* Empty input (an empty stdin) has no hint, and GLib refuses a NULL
	 * haystack. */
	if (raw == NULL || len == 0)
		return NULL;
	end = raw + len;
	while ((p = g_strstr_len(p, end - p, "harset=")) != NULL) {
		if (p > raw && g_ascii_tolower(p[-1]) == 'c')
			break;
		p += 7;
	}
	if (p == NULL)
		return NULL;
	p += strlen("harset=");
	if (p < end && *p == '"')
		p++;
	for (q = p; q < end && q - p < 40 && (g_ascii_isalnum(*q) ||
	    *q == '-' || *q == '_' || *q == '.' || *q == ':'); q++)
		;
	cs = g_strndup(p, q - p);
	if (*cs == '\0' || g_ascii_strncasecmp(cs, "utf", 3) == 0 ||
	    g_ascii_strcasecmp(cs, "us-ascii") == 0 || !iconv_knows(cs)) {
		g_free(cs);
		return NULL;
	}
	return cs;
}

struct hdr_state {
	bool in_block;    /* inside a header block */
	bool after_block; /* the previous line ended a header block */
	bool after_bound; /* the previous line was a boundary */
	size_t cur;       /* bytes of the current header so far */
	bool dropping;    /* the current header is over the limit */
	unsigned starts;  /* unclosed encoded-word starts of the current
	                   * header (rfc2047.h) */
	bool top;         /* in the message's own header, before its end */
	bool limbo;       /* lines GMime may read as a header, up to the next
	                   * empty line, that we do not rewrite as one: a
	                   * header block that a line that is no field ended
	                   * or started (or a body's first paragraph) */
	char *hint;       /* charset for raw 8-bit header text, or NULL */
};

/* Handles one header-block line [p, eol) (eol excludes '\n'). */
static void
header_line(GString *out, struct hdr_state *st, const char *p,
    const char *eol, const char *nl_end, size_t max, bool *cut_r)
{
	bool cont = *p == ' ' || *p == '\t';

	if (!cont) {
		st->cur = 0;
		st->starts = 0;
		st->dropping = false;
	}
	st->cur += nl_end - p;
	if (st->dropping)
		return;
	if (max > 0 && st->cur > max) {
		size_t before = st->cur - (nl_end - p), keep;

		/* Keep what fits of the line that crosses the limit. */
		keep = max > before ? max - before : 0;
		if (keep > (size_t)(eol - p))
			keep = eol - p;
		if (keep > 0) {
			header_text(out, p, keep, st->hint, &st->starts);
			g_string_append_c(out, '\n');
		}
		st->dropping = true;
		*cut_r = true;
		return;
	}
	header_text(out, p, eol - p, st->hint, &st->starts);
	g_string_append_len(out, eol, nl_end - eol);
}

/* Decides whether line [p, eol) starts, continues or ends a header block. */
static void
classify(struct hdr_state *st, const char *p, const char *eol)
{
	bool cont = p < eol && (*p == ' ' || *p == '\t');

	if (st->in_block) {
		if (is_blank_line(p, eol)) {
			st->in_block = false;
			st->after_block = true;
			st->top = false;
			return;
		}
		/* GMime ends a header only at an empty line, so the message's
		 * own header ends there too.  A part's may be body text after
		 * a "--" line: it ends at a line that is no field, and what
		 * follows until an empty line is in limbo. */
		if (!cont && !is_header_line(p, eol) && !st->top) {
			st->in_block = false;
			st->limbo = true;
		}
		return;
	}
	if ((st->after_block || st->after_bound) && is_header_line(p, eol)) {
		st->in_block = true;
		st->after_block = st->after_bound = false;
		return;
	}
	/* A header that GMime may read (a part's, an embedded message's)
	 * but that starts with a line that is no field, or a body. */
	if ((st->after_block || st->after_bound) && !is_blank_line(p, eol))
		st->limbo = true;
	st->after_block = false;
	st->after_bound = eol - p >= 3 && p[0] == '-' && p[1] == '-';
}

char *
rfc2047_fix_headers(const char *raw, size_t len, size_t max_header,
    size_t *len_r, bool *cut_r)
{
	GString *out = g_string_sized_new(len + 1024);
	struct hdr_state st = { .in_block = true, .top = true };
	const char *p = raw, *end = raw + len, *nl, *eol, *nl_end;

	*cut_r = false;
	st.hint = charset_hint(raw, len);
	while (p < end) {
		nl = memchr(p, '\n', end - p);
		nl_end = nl ? nl + 1 : end;
		eol = nl ? nl : end;
		if (eol > p && eol[-1] == '\r')
			eol--;
		if (st.in_block || st.after_block || st.after_bound)
			classify(&st, p, eol);
		else
			st.after_bound = eol - p >= 3 && p[0] == '-' &&
			    p[1] == '-';
		if (st.limbo && is_blank_line(p, eol))
			st.limbo = false;
		if (st.in_block) {
			header_line(out, &st, p, eol, nl_end, max_header,
			    cut_r);
		} else if (st.limbo) {
			/* Only the unclosed starts GMime would choke on. */
			if (p < eol && *p != ' ' && *p != '\t')
				st.starts = 0;
			rewrite(out, p, eol - p, false, &st.starts);
			g_string_append_len(out, eol, nl_end - eol);
		} else {
			g_string_append_len(out, p, nl_end - p);
		}
		p = nl_end;
	}
	g_free(st.hint);
	*len_r = out->len;
	return g_string_free(out, FALSE);
}
