/* rfc2047.c: see rfc2047.h. */
#define _GNU_SOURCE /* memmem */
#include <string.h>
#include <gmime/gmime.h>
#include "parse_charset.h"
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

/* The UTF-8 text of an encoded word labelled with a CJK charset that
 * iconv cannot read as labelled: the vendor extensions (NEC circled
 * digits and Roman numerals in ISO-2022-JP, Shift_JIS or EUC-JP, the
 * extra Hangul of CP949 under "euc-kr"...), or Shift_JIS / EUC-JP bytes
 * labelled ISO-2022-JP (parse_charset.h).  NULL for any other label, or
 * when the word reads as labelled (GMime then decodes it as it always
 * has). */
static char *
cjk_word(const char *cs, size_t cslen, const guchar *b, size_t n)
{
	char *label = g_strndup(cs, cslen), *star, *v = NULL;
	const char *ic;

	if ((star = strchr(label, '*')) != NULL) /* RFC 2231 language */
		*star = '\0';
	if (charset_is_cjk(label)) {
		ic = charset_is_iso2022jp(label) ? "ISO-2022-JP" :
		    g_mime_charset_iconv_name(label);
		v = charset_strict(ic, (const char *)b, n);
		if (v != NULL) {
			g_free(v);
			v = NULL;
		} else
			v = charset_decode_declared(label, (const char *)b, n);
	}
	g_free(label);
	return v;
}

/* Appends "=?UTF-8?Q?...?=" holding the bytes of v. */
static void
utf8_word(GString *out, const char *v)
{
	g_string_append(out, "=?UTF-8?Q?");
	for (const guchar *u = (const guchar *)v; *u; u++)
		g_string_append_printf(out, "=%02X", *u);
	g_string_append(out, "?=");
}

/* The end of the text of a Q-encoded word: its closing "?=", or NULL. */
static const char *
q_text_end(const char *p, const char *end)
{
	while (p < end && *p != '?' && *p > ' ' && *p < 127)
		p++;
	return end - p >= 2 && p[0] == '?' && p[1] == '=' ? p : NULL;
}

/* The bytes of the Q-encoded text [p, close) (RFC 2047 §4.2). */
static GByteArray *
q_decode(const char *p, const char *close)
{
	GByteArray *b = g_byte_array_new();
	guint8 c;

	for (; p < close; p++) {
		if (*p == '=' && close - p >= 3 && g_ascii_isxdigit(p[1]) &&
		    g_ascii_isxdigit(p[2])) {
			c = g_ascii_xdigit_value(p[1]) * 16 +
			    g_ascii_xdigit_value(p[2]);
			p += 2;
		} else
			c = *p == '_' ? ' ' : *p;
		g_byte_array_append(b, &c, 1);
	}
	return b;
}

/* A Q-word labelled with a CJK charset that iconv cannot read as labelled
 * (cjk_word()) is rewritten as a UTF-8 one; every other Q-word is left to
 * GMime. */
static const char *
one_q_word(GString *out, const char *ew, const char *q1, const char *end)
{
	const char *close = q_text_end(q1 + 3, end);
	GByteArray *b;
	char *v;

	if (close == NULL)
		return NULL;
	b = q_decode(q1 + 3, close);
	v = cjk_word(ew + 2, q1 - ew - 2, b->data, b->len);
	g_byte_array_unref(b);
	if (v == NULL)
		return NULL;
	utf8_word(out, v);
	g_free(v);
	return close + 2;
}

/* Tries to rewrite one encoded word starting at ew ("=?").  Returns the
 * position after it, or NULL when it is not a B-word (nor a Q-word that
 * one_q_word() repairs). */
static const char *
one_word(GString *out, const char *ew, const char *end)
{
	const char *cs = ew + 2, *q1, *txt, *close;
	guchar *bin;
	gsize n = 0;
	char *b64, *v;

	q1 = memchr(cs, '?', end - cs);
	if (q1 == NULL || q1 == cs || q1 - cs > 64 || end - q1 < 4 ||
	    q1[2] != '?')
		return NULL;
	if (q1[1] == 'Q' || q1[1] == 'q')
		return one_q_word(out, ew, q1, end);
	if (q1[1] != 'B' && q1[1] != 'b')
		return NULL;
	txt = q1 + 3;
	close = b64_text_end(txt, end);
	if (end - close < 2 || close[0] != '?' || close[1] != '=')
		return NULL;
	b64 = g_strndup(txt, close - txt);
	bin = g_base64_decode(b64, &n);
	if ((v = cjk_word(cs, q1 - cs, bin, n)) != NULL) {
		utf8_word(out, v);
		g_free(v);
	} else {
		g_string_append_len(out, ew, q1 - ew);
		g_string_append(out, "?Q?");
		for (gsize i = 0; i < n; i++)
			g_string_append_printf(out, "=%02X", bin[i]);
		g_string_append(out, "?=");
	}
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

/* g_strstr_len(p, n, "=?"): the first "=?" before any NUL byte, found by
 * memchr and memmem rather than GLib's byte-by-byte loop (every header
 * line of every mail is searched). */
static const char *
find_ew(const char *p, size_t n)
{
	const char *nul = memchr(p, '\0', n);

	return memmem(p, nul ? (size_t)(nul - p) : n, "=?", 2);
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
		ew = end - p >= 2 ? find_ew(p, (size_t)(end - p)) : NULL;
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

bool
rfc2047_is_field(const char *p, const char *eol)
{
	const char *q = p;

	while (q < eol && *q > ' ' && *q < 127 && *q != ':')
		q++;
	if (q == p)
		return false;
	/* RFC 5322 §4.5.3 (obsolete syntax): blanks before the colon. */
	while (q < eol && (*q == ' ' || *q == '\t'))
		q++;
	return q < eol && *q == ':';
}

static bool
is_blank_line(const char *p, const char *eol)
{
	return p == eol || (eol - p == 1 && *p == '\r');
}

/* Raw UTF-8 with a few broken bytes (a name cut in the middle of a
 * character) would otherwise go to the windows-1251 fallback whole. */
static bool
mostly_utf8(const char *p, size_t n)
{
	size_t good, bad;

	charset_utf8_count(p, n, &good, &bad);
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
	struct pd_declared decl; /* charsets of the text parts */
	const char *sniffed; /* the CJK charset that another header of the
	                      * message read best in, or NULL */
};

/* The old guess for undeclared 8-bit text, kept as it was for the
 * Cyrillic and Western mail it has always read right: the first charset=
 * of the file, else Western European when it looks like it, else KOI8-R
 * when it looks like it; NULL leaves the bytes to GMime's fallbacks
 * (UTF-8, windows-1251, KOI8-R). */
static char *
old_guess(const char *p, size_t n, const char *hint)
{
	char *v = NULL;

	if (hint != NULL)
		v = g_convert(p, n, "UTF-8", hint, NULL, NULL, NULL);
	else if (looks_latin(p, n))
		v = latin_to_utf8(p, n);
	if (v == NULL && looks_koi8r(p, n))
		v = g_convert(p, n, "UTF-8", "KOI8-R", NULL, NULL, NULL);
	return v;
}

/* Undeclared 8-bit text that is not UTF-8, one header line: a multibyte
 * CJK charset that the message's own text parts declare, when every byte
 * is valid in it; then, unless the bytes read as Cyrillic or Western
 * (old_guess() keeps those exactly as before), the CJK charset that reads
 * best (charset_guess_cjk()); then old_guess(). */
static char *
guess_8bit(const char *p, size_t n, const struct pd_declared *decl,
    const char *hint, const char *sniffed)
{
	bool cyr = charset_cyrillic_shaped(p, n), latin = looks_latin(p, n);
	char *v;

	/* Text that reads as Cyrillic or Western is CJK only in the very
	 * charset declared (not its vendor superset, in which nearly any
	 * pair of such bytes is valid), as old_guess() had it. */
	for (unsigned i = 0; i < decl->n; i++)
		if (charset_is_cjk(decl->cs[i]) && (v = cyr || latin ?
		    charset_decode_exact(decl->cs[i], p, n) :
		    charset_decode_declared(decl->cs[i], p, n)) != NULL)
			return v;
	/* A short name ("鈴木 花子" in EUC-JP) may read as Cyrillic too; the
	 * charset the message's other headers are in decides. */
	if (sniffed != NULL &&
	    (v = charset_decode_exact(sniffed, p, n)) != NULL)
		return v;
	if (!cyr && !latin && (v = charset_guess_cjk(p, n, NULL)) != NULL)
		return v;
	return old_guess(p, n, hint);
}

/* Whether p[0..n) is 8-bit text for guess_8bit(): not UTF-8, not even
 * nearly, and no ISO-2022-JP. */
static bool
needs_guess(const char *p, size_t n)
{
	return memchr(p, 0x1b, n) == NULL && !g_utf8_validate(p, n, NULL) &&
	    !mostly_utf8(p, n);
}

/* One line of header text: raw ISO-2022-JP (Becky! and old Japanese
 * mailers wrote it unencoded) decoded with its vendor extensions; UTF-8
 * (even a little broken) kept; other 8-bit text guessed (guess_8bit()).
 * Then B-words become Q-words (rfc2047.h). */
static void
header_text(GString *out, const char *p, size_t n,
    const struct hdr_state *st, unsigned *starts)
{
	char *v = NULL;

	if (memchr(p, 0x1b, n) != NULL && charset_has_iso2022(p, n))
		v = charset_decode_declared("ISO-2022-JP", p, n);
	else if (g_utf8_validate(p, n, NULL)) {
		rewrite(out, p, n, true, starts);
		return;
	} else if (mostly_utf8(p, n))
		v = g_utf8_make_valid(p, n);
	else
		v = guess_8bit(p, n, &st->decl, st->hint, st->sniffed);
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
	    g_ascii_strcasecmp(cs, "us-ascii") == 0 || !charset_iconv_knows(cs)) {
		g_free(cs);
		return NULL;
	}
	return cs;
}


/* Handles one header-block line [p, eol) (eol excludes '\n'); joined: a
 * line that continues the field before it without being indented, which
 * gets its blank here. */
static void
header_line(GString *out, struct hdr_state *st, const char *p,
    const char *eol, const char *nl_end, size_t max, bool joined,
    bool *cut_r)
{
	bool cont = joined || *p == ' ' || *p == '\t';

	if (!cont) {
		st->cur = 0;
		st->starts = 0;
		st->dropping = false;
	}
	st->cur += nl_end - p + joined;
	if (st->dropping)
		return;
	if (joined)
		g_string_append_c(out, ' ');
	if (max > 0 && st->cur > max) {
		size_t before = st->cur - (nl_end - p), keep;

		/* Keep what fits of the line that crosses the limit. */
		keep = max > before ? max - before : 0;
		if (keep > (size_t)(eol - p))
			keep = eol - p;
		if (keep > 0) {
			header_text(out, p, keep, st, &st->starts);
			g_string_append_c(out, '\n');
		}
		st->dropping = true;
		*cut_r = true;
		return;
	}
	header_text(out, p, eol - p, st, &st->starts);
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

/* The end of the line at p (before any "\r\n" or "\n") and, in *nl_end_r,
 * where the next one starts. */
static const char *
line_end(const char *p, const char *end, const char **nl_end_r)
{
	const char *nl = memchr(p, '\n', end - p), *eol = nl ? nl : end;

	*nl_end_r = nl ? nl + 1 : end;
	return eol > p && eol[-1] == '\r' ? eol - 1 : eol;
}

/* Steps st over line [p, eol) as rfc2047_repair_headers() does. */
static void
step(struct hdr_state *st, const char *p, const char *eol)
{
	if (st->in_block || st->after_block || st->after_bound)
		classify(st, p, eol);
	else
		st->after_bound = eol - p >= 3 && p[0] == '-' && p[1] == '-';
	if (st->limbo && is_blank_line(p, eol))
		st->limbo = false;
}

/* A Content-Type field of at most this many bytes is read for its
 * charset; longer ones are junk. */
#define CTYPE_MAX 1024
/* Header lines longer than this are not read for the message's CJK
 * charset (a subject or a name is far shorter). */
#define SNIFF_MAX 4096

/* The charsets the text parts of the message declare (parse_charset.h),
 * from the Content-Type fields of every header block, in one pass over
 * the lines as rfc2047_repair_headers() sees them. */
static void
scan_declared(const char *raw, size_t len, struct pd_declared *d,
    const char **sniffed_r)
{
	struct hdr_state st = { .in_block = true, .top = true };
	const char *p = raw, *end = raw + len, *eol, *nl_end;
	GString *ct = NULL;
	char *v;

	*sniffed_r = NULL;
	for (; p < end && d->n < PD_DECLARED_MAX; p = nl_end) {
		eol = line_end(p, end, &nl_end);
		step(&st, p, eol);
		/* The first line of the message's own header that reads as
		 * CJK on its own (sniffed, see guess_8bit()). */
		if (st.in_block && st.top && *sniffed_r == NULL &&
		    eol - p <= SNIFF_MAX && needs_guess(p, eol - p) &&
		    !charset_cyrillic_shaped(p, eol - p) &&
		    !looks_latin(p, eol - p) &&
		    (v = charset_guess_cjk(p, eol - p, sniffed_r)) != NULL)
			g_free(v);
		if (ct != NULL && (!st.in_block || (p < eol && *p != ' ' &&
		    *p != '\t'))) {
			if (ct->len <= CTYPE_MAX)
				charset_declared_add(d, ct->str);
			g_string_free(ct, TRUE);
			ct = NULL;
		}
		if (!st.in_block)
			continue;
		if (ct != NULL) {
			if (ct->len <= CTYPE_MAX)
				g_string_append_len(ct, p, eol - p);
		} else if (eol - p > 13 &&
		    g_ascii_strncasecmp(p, "Content-Type:", 13) == 0)
			ct = g_string_new_len(p + 13, MIN(eol - p - 13,
			    CTYPE_MAX + 1));
	}
	if (ct != NULL) {
		if (ct->len <= CTYPE_MAX)
			charset_declared_add(d, ct->str);
		g_string_free(ct, TRUE);
	}
}

/* Whether the line after nl_end goes on with the header: a field or an
 * indented continuation. */
static bool
header_goes_on(const char *nl_end, const char *end)
{
	const char *next, *eol;

	if (nl_end >= end)
		return false;
	eol = line_end(nl_end, end, &next);
	return eol > nl_end && (*nl_end == ' ' || *nl_end == '\t' ||
	    rfc2047_is_field(nl_end, eol));
}

/* The output of rfc2047_repair_headers(), made only from the first line
 * that changes: until then out is NULL; from is where the input not yet
 * copied to out starts (lines that come out as they went in are copied in
 * one piece with the next change, or at the end). */
struct lazy_out {
	GString *out;
	const char *from;
	size_t len; /* of the whole input, to size out */
};

/* Line [p, nl_end) of the input came out as line->str: nothing to do when
 * it is the same, else the untouched input before it and then its new
 * text go to out. */
static void
lazy_line(struct lazy_out *lo, const char *p, const char *nl_end,
    const GString *line)
{
	if (line->len == (size_t)(nl_end - p) &&
	    memcmp(line->str, p, line->len) == 0)
		return;
	if (lo->out == NULL)
		lo->out = g_string_sized_new(lo->len + 1024);
	g_string_append_len(lo->out, lo->from, p - lo->from);
	g_string_append_len(lo->out, line->str, line->len);
	lo->from = nl_end;
}

char *
rfc2047_repair_headers(const char *raw, size_t len, size_t max_header,
    size_t *len_r, bool *cut_r)
{
	struct hdr_state st = { .in_block = true, .top = true };
	struct lazy_out lo = { .out = NULL, .from = raw, .len = len };
	const char *p = raw, *end = raw + len, *eol, *nl_end;
	GString *line = g_string_sized_new(256);
	bool joined;

	*cut_r = false;
	*len_r = len;
	st.hint = charset_hint(raw, len);
	scan_declared(raw, len, &st.decl, &st.sniffed);
	while (p < end) {
		eol = line_end(p, end, &nl_end);
		step(&st, p, eol);
		/* A line of the message's own header that is no field, with
		 * more of the header after it, is a continuation that lost
		 * its indent (a mailer that folded by hand): GMime would drop
		 * it. */
		joined = st.in_block && st.top && p < eol && *p != ' ' &&
		    *p != '\t' && !rfc2047_is_field(p, eol) &&
		    header_goes_on(nl_end, end);
		if (st.in_block) {
			g_string_truncate(line, 0);
			header_line(line, &st, p, eol, nl_end, max_header,
			    joined, cut_r);
			lazy_line(&lo, p, nl_end, line);
		} else if (st.limbo) {
			/* Only the unclosed starts GMime would choke on. */
			if (p < eol && *p != ' ' && *p != '\t')
				st.starts = 0;
			/* A line without '?' holds no "=?": rewrite() would
			 * give it back as it is, and a part's base64 body
			 * (limbo up to its first empty line) is all such
			 * lines. */
			if (memchr(p, '?', eol - p) != NULL) {
				g_string_truncate(line, 0);
				rewrite(line, p, eol - p, false, &st.starts);
				g_string_append_len(line, eol, nl_end - eol);
				lazy_line(&lo, p, nl_end, line);
			}
		}
		/* Body lines come out as they are: never copied here. */
		p = nl_end;
	}
	g_string_free(line, TRUE);
	g_free(st.hint);
	charset_declared_free(&st.decl);
	if (lo.out == NULL)
		return NULL;
	g_string_append_len(lo.out, lo.from, end - lo.from);
	/* Lines that changed may still add up to the input (in theory: a
	 * cut line and a grown one): "unchanged" means the bytes. */
	if (lo.out->len == len && memcmp(lo.out->str, raw, len) == 0) {
		g_string_free(lo.out, TRUE);
		return NULL;
	}
	*len_r = lo.out->len;
	return g_string_free(lo.out, FALSE);
}
