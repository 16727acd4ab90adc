/* parse_body.c: the MIME walk: which parts make the text, which are
 * attachments, and how their bytes become UTF-8. */
#include <string.h>
#include "parse_priv.h"
#include "parse_charset.h"
#include "html2text.h"
#include "rfc2047.h"

struct walk {
	struct pd_msg *m;
	const struct pd_limits *lim;
	GString *text;
	unsigned leaves;
	bool stop; /* a bound was hit: walk no further */
	bool other_rendering; /* inside an alternative that is not the text */
};

static void walk_obj(struct walk *, GMimeObject *, unsigned, bool);

/* GMime 3.2.13 stops a base64 body at the first padding when each line is
 * padded on its own (gmime#150); GLib's decoder reads through it. */
static bool
chunked_base64(const guint8 *p, size_t n)
{
	size_t i = 0;

	while (i < n && p[i] != '=')
		i++;
	for (; i < n; i++)
		if (p[i] != '=' && !g_ascii_isspace(p[i]))
			return true;
	return false;
}

static GByteArray *
raw_content(GMimeDataWrapper *dw)
{
	GMimeStream *src = g_mime_data_wrapper_get_stream(dw);
	GMimeStream *mem = g_mime_stream_mem_new();
	GByteArray *ba;

	g_mime_stream_reset(src);
	g_mime_stream_write_to_stream(src, mem);
	g_mime_stream_reset(src);
	ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE);
	g_object_unref(mem);
	return ba;
}

static GByteArray *
glib_base64(GByteArray *enc)
{
	GByteArray *out = g_byte_array_sized_new(enc->len * 3 / 4 + 3);
	gint state = 0;
	guint save = 0;
	gsize n;

	g_byte_array_set_size(out, enc->len * 3 / 4 + 3);
	n = g_base64_decode_step((const char *)enc->data, enc->len,
	    out->data, &state, &save);
	g_byte_array_set_size(out, n);
	return out;
}

GByteArray *
parse_part_bytes(GMimePart *part)
{
	GMimeDataWrapper *dw = g_mime_part_get_content(part);
	GMimeStream *mem;
	GByteArray *ba;

	if (dw == NULL)
		return g_byte_array_new();
	if (g_mime_data_wrapper_get_encoding(dw) ==
	    GMIME_CONTENT_ENCODING_BASE64) {
		ba = raw_content(dw);
		if (chunked_base64(ba->data, ba->len)) {
			GByteArray *dec = glib_base64(ba);

			g_byte_array_unref(ba);
			return dec;
		}
		g_byte_array_unref(ba);
	}
	mem = g_mime_stream_mem_new();
	g_mime_data_wrapper_write_to_stream(dw, mem);
	ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	g_mime_stream_mem_set_owner(GMIME_STREAM_MEM(mem), FALSE);
	g_object_unref(mem);
	return ba;
}

/* Like chunked_base64(), reading the encoded stream in pieces. */
static bool
chunked_base64_stream(GMimeStream *src)
{
	char buf[8192];
	ssize_t n;
	bool padded = false;

	g_mime_stream_reset(src);
	while ((n = g_mime_stream_read(src, buf, sizeof buf)) > 0)
		for (ssize_t i = 0; i < n; i++) {
			if (!padded)
				padded = buf[i] == '=';
			else if (buf[i] != '=' && !g_ascii_isspace(buf[i])) {
				g_mime_stream_reset(src);
				return true;
			}
		}
	g_mime_stream_reset(src);
	return false;
}

/* Appends what fits of b (n bytes) to ba; false (and *cut_r) when the
 * bound max was reached, so the caller reads no further. */
static bool
append_max(GByteArray *ba, const void *b, size_t n, size_t max, bool *cut_r)
{
	if (n > max - ba->len) {
		g_byte_array_append(ba, b, max - ba->len);
		*cut_r = true;
		return false;
	}
	g_byte_array_append(ba, b, n);
	return true;
}

/* Chunked base64 through GLib's decoder, piece by piece. */
static void
glib_base64_max(GMimeStream *src, GByteArray *out, size_t max, bool *cut_r)
{
	char buf[8192];
	guint8 dec[sizeof buf * 3 / 4 + 3];
	gint state = 0;
	guint save = 0;
	ssize_t n;

	g_mime_stream_reset(src);
	while ((n = g_mime_stream_read(src, buf, sizeof buf)) > 0)
		if (!append_max(out, dec, g_base64_decode_step(buf, n, dec,
		    &state, &save), max, cut_r))
			break;
	g_mime_stream_reset(src);
}

GByteArray *
parse_part_bytes_max(GMimePart *part, size_t max, bool *cut_r)
{
	GMimeDataWrapper *dw = g_mime_part_get_content(part);
	GMimeContentEncoding enc;
	GMimeStream *src, *fs;
	GMimeFilter *f;
	GByteArray *ba;
	char buf[8192];
	ssize_t n;

	*cut_r = false;
	if (max == 0)
		return parse_part_bytes(part);
	ba = g_byte_array_new();
	if (dw == NULL || (src = g_mime_data_wrapper_get_stream(dw)) == NULL)
		return ba;
	enc = g_mime_data_wrapper_get_encoding(dw);
	if (enc == GMIME_CONTENT_ENCODING_BASE64 &&
	    chunked_base64_stream(src)) {
		glib_base64_max(src, ba, max, cut_r);
		return ba;
	}
	/* What g_mime_data_wrapper_write_to_stream() does, read in pieces
	 * and stopped at the bound. */
	g_mime_stream_reset(src);
	fs = g_mime_stream_filter_new(src);
	if (enc == GMIME_CONTENT_ENCODING_BASE64 ||
	    enc == GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE ||
	    enc == GMIME_CONTENT_ENCODING_UUENCODE) {
		f = g_mime_filter_basic_new(enc, FALSE);
		g_mime_stream_filter_add(GMIME_STREAM_FILTER(fs), f);
		g_object_unref(f);
	}
	while ((n = g_mime_stream_read(fs, buf, sizeof buf)) > 0)
		if (!append_max(ba, buf, n, max, cut_r))
			break;
	g_object_unref(fs);
	g_mime_stream_reset(src);
	return ba;
}

static bool
utf8_family(const char *cs)
{
	static const char *const names[] = { "UTF-8", "UTF8", "US-ASCII",
	    "ASCII", "ANSI_X3.4-1968", "unicode-1-1-utf-8", NULL };
	const char *ic = g_mime_charset_iconv_name(cs);

	for (const char *const *n = names; *n; n++)
		if (g_ascii_strcasecmp(cs, *n) == 0 ||
		    (ic && g_ascii_strcasecmp(ic, *n) == 0))
			return true;
	return false;
}

/* Through GMime's charset filter, which drops the bytes invalid in cs
 * rather than failing: the declared charset still wins. */
static char *
lossy(const char *cs, const char *b, size_t n)
{
	GMimeFilter *f = g_mime_filter_charset_new(cs, "UTF-8");
	GMimeStream *mem, *fs;
	GByteArray *ba;
	char *out;

	if (f == NULL)
		return NULL;
	mem = g_mime_stream_mem_new();
	fs = g_mime_stream_filter_new(mem);
	g_mime_stream_filter_add(GMIME_STREAM_FILTER(fs), f);
	g_object_unref(f);
	g_mime_stream_write(fs, b, n);
	g_mime_stream_flush(fs);
	g_object_unref(fs);
	ba = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem));
	out = g_strndup((const char *)ba->data, ba->len);
	g_object_unref(mem);
	return out;
}

/* Undeclared 8-bit: UTF-8 if it is, else Western European when the 8-bit
 * bytes stand alone, else a CJK charset when the text is not Cyrillic in
 * shape and one reads well (parse_charset.h), else KOI8-R when it looks
 * like it, else GMime's fallback list (UTF-8, windows-1251, KOI8-R). */
static char *
decode_8bit(const char *b, size_t n)
{
	char *out;

	if (g_utf8_validate(b, n, NULL))
		return g_strndup(b, n);
	if (looks_latin(b, n) && (out = latin_to_utf8(b, n)) != NULL)
		return out;
	/* CJK text with no charset (old webmail): read as the charset that
	 * fits best; Cyrillic keeps the guesses it always had. */
	if (!charset_cyrillic_shaped(b, n) &&
	    (out = charset_guess_cjk(b, n, NULL)) != NULL)
		return out;
	if (looks_koi8r(b, n) &&
	    (out = g_convert(b, n, "UTF-8", "KOI8-R", NULL, NULL, NULL)))
		return out;
	return g_mime_utils_decode_8bit(parse_options(), b, n);
}

static char *
to_utf8(const char *cs, const char *b, size_t n)
{
	char *out;

	if (n == 0)
		return g_strdup("");
	if (cs == NULL || *cs == '\0' || utf8_family(cs))
		return decode_8bit(b, n);
	out = g_convert(b, n, "UTF-8", g_mime_charset_iconv_name(cs), NULL,
	    NULL, NULL);
	if (out != NULL)
		return out;
	/* ISO-2022-JP with its vendor extensions (NEC circled digits...):
	 * 7-bit, it would pass for UTF-8 below, escapes and all. */
	if (charset_is_iso2022jp(cs) &&
	    (out = charset_decode_declared(cs, b, n)) != NULL)
		return out;
	if (g_utf8_validate(b, n, NULL))
		return g_strndup(b, n);
	/* The vendor supersets of CJK charsets (GBK in "gb2312"...). */
	if ((out = charset_decode_declared(cs, b, n)) != NULL)
		return out;
	if ((out = lossy(cs, b, n)) != NULL)
		return out;
	return decode_8bit(b, n);
}

/* UTF-16 and UTF-32 text is full of NULs; everything else loses them, as
 * they would end the C string early. */
static void
drop_nuls(const char *cs, GByteArray *ba)
{
	const char *ic = cs ? g_mime_charset_iconv_name(cs) : NULL;
	guint j = 0;

	if (ic && (g_ascii_strncasecmp(ic, "UTF-16", 6) == 0 ||
	    g_ascii_strncasecmp(ic, "UTF-32", 6) == 0 ||
	    g_ascii_strncasecmp(ic, "UCS", 3) == 0))
		return;
	for (guint i = 0; i < ba->len; i++)
		if (ba->data[i] != '\0')
			ba->data[j++] = ba->data[i];
	g_byte_array_set_size(ba, j);
}

/* CRLF and lone CR become LF, in place. */
static void
normalise_eol(char *s)
{
	char *d = s;

	for (; *s; s++) {
		if (*s == '\r') {
			if (s[1] != '\n')
				*d++ = '\n';
			continue;
		}
		*d++ = *s;
	}
	*d = '\0';
}

/* Drops an incomplete UTF-8 sequence that a cut left at the end, so a cut
 * UTF-8 text still validates as UTF-8. */
static void
trim_partial_utf8(GByteArray *ba)
{
	guint i = ba->len, back = 0;
	unsigned need;

	while (i > 0 && back < 4 && (ba->data[i - 1] & 0xc0) == 0x80) {
		i--;
		back++;
	}
	if (i == 0 || ba->data[i - 1] < 0xc0)
		return;
	need = ba->data[i - 1] >= 0xf0 ? 3 : ba->data[i - 1] >= 0xe0 ? 2 : 1;
	if (back < need)
		g_byte_array_set_size(ba, i - 1);
}

char *
parse_part_text(GMimePart *part)
{
	bool cut;

	return parse_part_text_max(part, 0, &cut);
}

char *
parse_part_text_max(GMimePart *part, size_t max, bool *cut_r)
{
	GByteArray *ba = parse_part_bytes_max(part, max, cut_r);
	const char *cs;
	char *t, *v;

	cs = g_mime_object_get_content_type_parameter(GMIME_OBJECT(part),
	    "charset");
	if (*cut_r && (cs == NULL || *cs == '\0' || utf8_family(cs)))
		trim_partial_utf8(ba);
	drop_nuls(cs, ba);
	t = to_utf8(cs, (const char *)ba->data, ba->len);
	g_byte_array_unref(ba);
	v = parse_utf8(t, 0, NULL);
	g_free(t);
	normalise_eol(v);
	return v;
}

static bool
is_type(GMimeObject *obj, const char *type, const char *sub)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);

	return ct != NULL && g_mime_content_type_is_type(ct, type, sub);
}

/* A leaf that reads as body text rather than a file. */
static bool
is_body_text(GMimeObject *obj)
{
	GMimeContentDisposition *cd;
	const char *fn;

	if (!GMIME_IS_PART(obj))
		return false;
	/* filename="" (some webmail writes it) names no file. */
	fn = g_mime_part_get_filename(GMIME_PART(obj));
	while (fn != NULL && (*fn == ' ' || *fn == '\t'))
		fn++;
	if (fn != NULL && *fn != '\0')
		return false;
	if (!is_type(obj, "text", "plain") && !is_type(obj, "text", "html"))
		return false;
	cd = g_mime_object_get_content_disposition(obj);
	return cd == NULL || !g_mime_content_disposition_is_attachment(cd);
}

/* Bytes of a text part worth decoding while room bytes of text are left:
 * four per byte of text (UTF-32 takes four for one ASCII character), a
 * multiple of four so UTF-16 and UTF-32 are never cut inside a unit. */
static size_t
text_cap(size_t room)
{
	return room < (G_MAXSIZE - 8) / 4 ? (room + 1) * 4 : G_MAXSIZE - 3;
}

static void
add_text(struct walk *w, GMimePart *part)
{
	bool html = is_type(GMIME_OBJECT(part), "text", "html"), cut = false;
	/* libxml2 needs many times the size of its input: HTML is cut at
	 * max_html (postdesk.conf(5)), plain text where max_text would cut
	 * it anyway; the rest of the part is never decoded. */
	char *t = parse_part_text_max(part, html ? w->lim->max_html :
	    text_cap(w->lim->max_text - w->text->len), &cut), *h;

	if (cut) {
		w->m->truncated = true;
		w->m->truncated_by |= html ? PD_CUT_HTML : PD_CUT_TEXT;
	}
	if (html) {
		h = html_to_text(t, strlen(t));
		g_free(t);
		t = h;
		w->m->text_from_html = true;
	}
	if (w->text->len > 0 && w->text->str[w->text->len - 1] != '\n')
		g_string_append_c(w->text, '\n');
	if (w->text->len > 0 && *t != '\0')
		g_string_append_c(w->text, '\n');
	g_string_append(w->text, t);
	g_free(t);
}

/* A file name as msg.h promises it: valid UTF-8, bounded, without
 * control characters.  Raw ISO-2022-JP that reached it (an RFC 2231
 * value or a quoted name that iconv could not read: the NEC extensions)
 * is decoded first; every other control character becomes '_'. */
static char *
file_name(const char *fn, size_t max)
{
	char *v = NULL, *u;
	GString *out;

	if (fn != NULL && strchr(fn, 0x1b) != NULL &&
	    charset_has_iso2022(fn, strlen(fn)))
		v = charset_iso2022jp(fn, strlen(fn));
	u = parse_utf8(v ? v : fn, max, NULL);
	g_free(v);
	out = g_string_sized_new(strlen(u));
	for (const char *p = u; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 ||
		    c == 0x2029)
			g_string_append_c(out, '_');
		else
			g_string_append_len(out, p, g_utf8_next_char(p) - p);
	}
	g_free(u);
	return g_string_free(out, FALSE);
}

static void
add_attachment(struct walk *w, GMimeObject *obj, const char *filename,
    GByteArray *ba)
{
	struct pd_attachment *a = g_new0(struct pd_attachment, 1);
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	char *mt = ct ? g_mime_content_type_get_mime_type(ct) : NULL;

	a->filename = file_name(filename, w->lim->max_header_length);
	a->content_type = g_ascii_strdown(mt ? mt :
	    "application/octet-stream", -1);
	g_free(mt);
	a->size = ba->len;
	a->data = g_byte_array_free_to_bytes(ba);
	g_ptr_array_add(w->m->attachments, a);
}

static bool
count_leaf(struct walk *w)
{
	if (++w->leaves > w->lim->max_parts) {
		w->m->truncated = true;
		w->m->truncated_by |= PD_CUT_PARTS;
		w->stop = true;
		return false;
	}
	return true;
}

/* An embedded message is kept whole, as one attachment. */
static void
walk_message_part(struct walk *w, GMimeMessagePart *mp)
{
	GMimeObject *obj = GMIME_OBJECT(mp);
	GMimeMessage *inner = g_mime_message_part_get_message(mp);
	const char *fn;
	char *s = inner ? g_mime_object_to_string(GMIME_OBJECT(inner), NULL) :
	    NULL;
	GByteArray *ba = g_byte_array_new();

	if (!count_leaf(w)) {
		g_free(s);
		g_byte_array_unref(ba);
		return;
	}
	if (s != NULL)
		g_byte_array_append(ba, (const guint8 *)s, strlen(s));
	g_free(s);
	fn = g_mime_object_get_content_disposition_parameter(obj, "filename");
	if (fn == NULL)
		fn = g_mime_object_get_content_type_parameter(obj, "name");
	add_attachment(w, obj, fn ? fn : "", ba);
}

static void
walk_leaf(struct walk *w, GMimeObject *obj, bool want_text)
{
	if (!GMIME_IS_PART(obj) || !count_leaf(w))
		return;
	if (want_text && is_body_text(obj)) {
		if (w->text->len <= w->lim->max_text)
			add_text(w, GMIME_PART(obj));
		else {
			w->m->truncated = true;
			w->m->truncated_by |= PD_CUT_TEXT;
		}
		return;
	}
	/* Another rendering of the text, inside an alternative not chosen
	 * (the HTML of alternative[plain, related[html, images]]): not a
	 * file, as the alternative's own text children are not. */
	if (w->other_rendering && is_body_text(obj))
		return;
	add_attachment(w, obj, g_mime_part_get_filename(GMIME_PART(obj)),
	    parse_part_bytes(GMIME_PART(obj)));
}

static bool
blank_text(GMimeObject *obj, const struct pd_limits *lim)
{
	bool cut;
	char *t = parse_part_text_max(GMIME_PART(obj), text_cap(lim->max_text),
	    &cut);
	bool blank = *g_strstrip(t) == '\0';

	g_free(t);
	return blank;
}

/* A text part beside the root of a multipart/related that no Content-ID
 * names as a resource: more of the text, shown after it (a mislabelled
 * multipart/mixed of text parts). */
static bool
inline_text(GMimeObject *obj)
{
	return is_body_text(obj) && g_mime_object_get_content_id(obj) == NULL;
}

/* The child of a multipart/alternative that gives the text: non-empty
 * text/plain, else text/html, else the first container (related...). */
static int
pick_alternative(GMimeMultipart *mp, const struct pd_limits *lim)
{
	int n = g_mime_multipart_get_count(mp), html = -1, box = -1;
	GMimeObject *c;

	for (int i = 0; i < n; i++) {
		c = g_mime_multipart_get_part(mp, i);
		if (is_body_text(c) && is_type(c, "text", "plain") &&
		    !blank_text(c, lim))
			return i;
		if (html < 0 && is_body_text(c) && is_type(c, "text", "html"))
			html = i;
		if (box < 0 && GMIME_IS_MULTIPART(c))
			box = i;
	}
	return html >= 0 ? html : box;
}

static void
walk_multipart(struct walk *w, GMimeMultipart *mp, unsigned depth,
    bool want_text)
{
	GMimeObject *obj = GMIME_OBJECT(mp), *c;
	const char *rt;
	int n = g_mime_multipart_get_count(mp), pick = -1;
	bool alt = is_type(obj, "multipart", "alternative");

	if (is_type(obj, "multipart", "report") &&
	    (rt = g_mime_object_get_content_type_parameter(obj,
	    "report-type")) != NULL &&
	    (g_ascii_strcasecmp(rt, "delivery-status") == 0 ||
	    g_ascii_strcasecmp(rt, "disposition-notification") == 0))
		w->m->is_dsn = true;
	if (want_text && alt)
		pick = pick_alternative(mp, w->lim);
	else if (want_text && is_type(obj, "multipart", "related"))
		pick = 0;
	for (int i = 0; i < n && !w->stop; i++) {
		bool other = w->other_rendering;

		c = g_mime_multipart_get_part(mp, i);
		/* The other renderings of the text are not files. */
		if (alt && i != pick && is_body_text(c))
			continue;
		if (alt && want_text && pick >= 0 && i != pick)
			w->other_rendering = true;
		walk_obj(w, c, depth + 1, want_text && (pick < 0 ||
		    i == pick || (!alt && inline_text(c))));
		w->other_rendering = other;
	}
}

static void
walk_obj(struct walk *w, GMimeObject *obj, unsigned depth, bool want_text)
{
	if (obj == NULL || w->stop)
		return;
	if (depth > w->lim->max_depth) {
		w->m->truncated = true;
		w->m->truncated_by |= PD_CUT_DEPTH;
		return;
	}
	if (GMIME_IS_MULTIPART(obj))
		walk_multipart(w, GMIME_MULTIPART(obj), depth, want_text);
	else if (GMIME_IS_MESSAGE_PART(obj))
		walk_message_part(w, GMIME_MESSAGE_PART(obj));
	else
		walk_leaf(w, obj, want_text);
}

void
parse_body(struct pd_msg *m, GMimeMessage *msg, const struct pd_limits *lim)
{
	struct walk w = { .m = m, .lim = lim, .text = g_string_new(NULL) };
	bool cut = false;

	walk_obj(&w, g_mime_message_get_mime_part(msg), 0, true);
	m->text = parse_utf8(w.text->str, lim->max_text, &cut);
	if (cut) {
		m->truncated = true;
		m->truncated_by |= PD_CUT_TEXT;
	}
	g_string_free(w.text, TRUE);
}
