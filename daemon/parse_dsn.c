/* parse_dsn.c: msg_dsn(), a bounce read by its grammar (see dsn.h).
 *
 * RFC 3464 §2: message/delivery-status is a block of per-message fields,
 * then one block of per-recipient fields per recipient, blocks separated
 * by blank lines, each field "Name: value" with header folding.  Each
 * block is handed to GMime's header parser; the values of the fields we
 * use are then read by their own grammar (address-type ";" address,
 * status-code, diagnostic-type ";" text). */
#include <string.h>
#include "dsn.h"
#include "parse_priv.h"

/* The parts looked at, and their nesting: a bounce has a handful. */
#define DSN_MAX_PARTS 64
#define DSN_MAX_DEPTH 8

struct walk {
	struct dsn_report *r;
	GMimeObject *report;    /* the delivery-status part, or NULL */
	GMimeObject *returned;  /* the returned message or its headers */
	unsigned parts;
	bool other_report;      /* a report of another type (a read
	                         * receipt): no bounce */
};

static void
rcpt_free(gpointer p)
{
	struct dsn_rcpt *x = p;

	g_free(x->final);
	g_free(x->original);
	g_free(x->action);
	g_free(x->status);
	g_free(x->diagnostic);
	g_free(x);
}

void
dsn_report_clear(struct dsn_report *r)
{
	if (r->rcpts)
		g_ptr_array_unref(r->rcpts);
	if (r->ids)
		g_ptr_array_unref(r->ids);
	if (r->sent_to)
		g_ptr_array_unref(r->sent_to);
	memset(r, 0, sizeof *r);
}

bool
dsn_rcpt_permanent(const struct dsn_rcpt *x)
{
	if (*x->status)
		return x->status[0] == '5';
	return strcmp(x->action, "failed") == 0;
}

bool
dsn_rcpt_failed(const struct dsn_rcpt *x)
{
	if (strcmp(x->action, "failed") == 0 ||
	    strcmp(x->action, "delayed") == 0)
		return true;
	if (*x->action)
		return false;
	return *x->status == '4' || *x->status == '5';
}

bool
dsn_rcpt_delivered(const struct dsn_rcpt *x)
{
	return strcmp(x->action, "delivered") == 0 ||
	    (!*x->action && *x->status == '2');
}

static bool
is_type(GMimeObject *obj, const char *type, const char *sub)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);

	return ct != NULL && g_mime_content_type_is_type(ct, type, sub);
}

/* A copy of s trimmed, on one line, at most DSN_MAX_FIELD bytes (cut on a
 * character boundary); *cut_r set when cut. */
static char *
field_text(const char *s, bool *cut_r)
{
	char *v = parse_utf8(s, DSN_MAX_FIELD, cut_r), *o = v;
	bool space = true;

	/* Controls become spaces, runs of spaces one (folding). */
	for (const char *p = v; *p; p++) {
		bool sp = (unsigned char)*p <= 0x20 || *p == 0x7f;

		if (!sp || !space)
			*o++ = sp ? ' ' : *p;
		space = sp;
	}
	*o = '\0';
	return g_strchomp(v);
}

/* The addr-spec of "rfc822; local@domain" (RFC 3464 §2.3.1, §2.3.2):
 * lower-cased, or "" when the type is another (x-unix, utf-8 of RFC
 * 6533 is read too) or the address does not parse as one mailbox. */
static char *
recipient_address(const char *v)
{
	const char *semi = v ? strchr(v, ';') : NULL;
	InternetAddressList *l;
	InternetAddress *ia;
	char *type, *out = NULL;

	if (semi == NULL || (size_t)(semi - v) > 32)
		return g_strdup("");
	type = g_strstrip(g_strndup(v, semi - v));
	if (g_ascii_strcasecmp(type, "rfc822") != 0 &&
	    g_ascii_strcasecmp(type, "utf-8") != 0) {
		g_free(type);
		return g_strdup("");
	}
	g_free(type);
	l = internet_address_list_parse(parse_options(), semi + 1);
	if (l != NULL && internet_address_list_length(l) == 1 &&
	    INTERNET_ADDRESS_IS_MAILBOX(ia = internet_address_list_get_address(
	    l, 0))) {
		const char *a = internet_address_mailbox_get_addr(
		    INTERNET_ADDRESS_MAILBOX(ia));

		if (a != NULL && strlen(a) <= 254 && strchr(a, '@') &&
		    !strpbrk(a, " \t\r\n<>\",;"))
			out = g_ascii_strdown(a, -1);
	}
	if (l != NULL)
		g_object_unref(l);
	return out ? out : g_strdup("");
}

/* status-code = class "." subject "." detail, class 2, 4 or 5, the others
 * 1-3 digits (RFC 3463 §2): "5.1.1", or "". */
static char *
status_code(const char *v)
{
	static GRegex *re;
	GMatchInfo *mi = NULL;
	char *out = NULL;

	if (g_once_init_enter(&re))
		g_once_init_leave(&re, g_regex_new(
		    "^\\s*([245]\\.[0-9]{1,3}\\.[0-9]{1,3})(?![0-9.])", 0, 0,
		    NULL));
	if (v && g_regex_match(re, v, 0, &mi))
		out = g_match_info_fetch(mi, 1);
	g_match_info_free(mi);
	return out ? out : g_strdup("");
}

/* The first word of an action-field, lower-cased (RFC 3464 §2.3.3). */
static char *
action_word(const char *v)
{
	size_t n = 0;

	while (v && g_ascii_isspace(*v))
		v++;
	while (v && n < 16 && g_ascii_isalpha(v[n]))
		n++;
	return v ? g_ascii_strdown(v, n) : g_strdup("");
}

/* diagnostic-type ";" text (RFC 3464 §2.3.6): the text. */
static char *
diagnostic(const char *v, bool *cut_r)
{
	const char *semi = v ? strchr(v, ';') : NULL;

	if (v == NULL)
		return g_strdup("");
	return field_text(semi && semi - v <= 32 ? semi + 1 : v, cut_r);
}

/* A GMime message made of the header block text (a field block of the
 * report, or returned headers); NULL when it has no header at all. */
static GMimeMessage *
header_block(const char *text, size_t len)
{
	GString *s = g_string_new_len(text, len);
	GMimeMessage *msg;

	g_string_append(s, "\n\n");
	msg = parse_construct(s->str, s->len);
	g_string_free(s, TRUE);
	return msg;
}

/* One block of the report: a recipient block is kept. */
static void
report_block(struct dsn_report *r, const char *text, size_t len)
{
	GMimeMessage *msg;
	GMimeObject *o;
	const char *fin, *orig;
	struct dsn_rcpt *x;
	bool cut = false;

	if (len == 0 || (msg = header_block(text, len)) == NULL)
		return;
	o = GMIME_OBJECT(msg);
	fin = g_mime_object_get_header(o, "Final-Recipient");
	orig = g_mime_object_get_header(o, "Original-Recipient");
	if (fin == NULL && orig == NULL) {
		g_object_unref(msg);
		return;
	}
	if (r->rcpts->len >= DSN_MAX_RCPTS) {
		r->truncated = true;
		g_object_unref(msg);
		return;
	}
	x = g_new0(struct dsn_rcpt, 1);
	x->final = recipient_address(fin);
	x->original = recipient_address(orig);
	x->action = action_word(g_mime_object_get_header(o, "Action"));
	x->status = status_code(g_mime_object_get_header(o, "Status"));
	x->diagnostic = diagnostic(g_mime_object_get_header(o,
	    "Diagnostic-Code"), &cut);
	r->truncated |= cut;
	g_ptr_array_add(r->rcpts, x);
	g_object_unref(msg);
}

/* The report part's bytes, split into blocks at blank lines. */
static void
read_report(struct dsn_report *r, GMimeObject *part)
{
	GByteArray *ba;
	const char *s, *end, *line, *nl, *block;
	bool cut = false, blank;

	if (!GMIME_IS_PART(part))
		return;
	ba = parse_part_bytes_max(GMIME_PART(part), DSN_MAX_REPORT, &cut);
	r->truncated |= cut;
	if (ba->len == 0 || ba->data == NULL) {
		g_byte_array_unref(ba);
		return;
	}
	s = (const char *)ba->data;
	end = s + ba->len;
	block = s;
	for (line = s; line < end; line = nl) {
		nl = memchr(line, '\n', end - line);
		nl = nl ? nl + 1 : end;
		blank = true;
		for (const char *p = line; p < nl; p++)
			if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
				blank = false;
		if (blank) {
			report_block(r, block, line - block);
			block = nl;
		}
	}
	if (block < end)
		report_block(r, block, end - block);
	g_byte_array_unref(ba);
}

static void
add_addresses(struct dsn_report *r, InternetAddressList *l)
{
	int n = l ? internet_address_list_length(l) : 0;

	for (int i = 0; i < n && r->sent_to->len < DSN_MAX_RCPTS; i++) {
		InternetAddress *ia = internet_address_list_get_address(l, i);
		const char *a;

		if (!INTERNET_ADDRESS_IS_MAILBOX(ia))
			continue;
		a = internet_address_mailbox_get_addr(
		    INTERNET_ADDRESS_MAILBOX(ia));
		if (a && *a && strlen(a) <= 254)
			g_ptr_array_add(r->sent_to, g_ascii_strdown(a, -1));
	}
}

/* The returned mail: its Message-ID and whom it went to. */
static void
read_returned(struct dsn_report *r, GMimeMessage *msg)
{
	const char *id = g_mime_message_get_message_id(msg);

	if (id && *id && strlen(id) <= DSN_MAX_FIELD &&
	    r->ids->len < DSN_MAX_IDS)
		g_ptr_array_add(r->ids, g_strdup(id));
	add_addresses(r, g_mime_message_get_addresses(msg,
	    GMIME_ADDRESS_TYPE_TO));
	add_addresses(r, g_mime_message_get_addresses(msg,
	    GMIME_ADDRESS_TYPE_CC));
}

/* The returned mail of a message/rfc822 part, or of a headers part. */
static void
returned_part(struct dsn_report *r, GMimeObject *obj)
{
	GMimeMessage *inner;
	GByteArray *ba;
	bool cut = false;

	if (GMIME_IS_MESSAGE_PART(obj)) {
		inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(
		    obj));
		if (inner)
			read_returned(r, inner);
		return;
	}
	if (!GMIME_IS_PART(obj))
		return;
	ba = parse_part_bytes_max(GMIME_PART(obj), DSN_MAX_REPORT, &cut);
	if (ba->len && (inner = header_block((const char *)ba->data,
	    ba->len)) != NULL) {
		read_returned(r, inner);
		g_object_unref(inner);
	}
	g_byte_array_unref(ba);
}

static bool
is_returned(GMimeObject *obj)
{
	return GMIME_IS_MESSAGE_PART(obj) ||
	    is_type(obj, "text", "rfc822-headers") ||
	    is_type(obj, "message", "rfc822-headers");
}

static bool
delivery_report(GMimeObject *obj)
{
	const char *rt;

	if (!is_type(obj, "multipart", "report"))
		return false;
	rt = g_mime_object_get_content_type_parameter(obj, "report-type");
	return rt != NULL && (g_ascii_strcasecmp(rt, "delivery-status") == 0 ||
	    g_ascii_strcasecmp(rt, "global-delivery-status") == 0);
}

/* Finds the report part and the returned mail, the first of each, in one
 * bounded pass over the tree.  A message/rfc822 is not entered: the
 * returned mail's own parts are not the report's. */
static void
walk(struct walk *w, GMimeObject *obj, unsigned depth, bool in_report)
{
	GMimeMultipart *mp;

	if (obj == NULL || depth > DSN_MAX_DEPTH ||
	    ++w->parts > DSN_MAX_PARTS)
		return;
	if (GMIME_IS_MULTIPART(obj)) {
		mp = GMIME_MULTIPART(obj);
		if (delivery_report(obj)) {
			w->r->form = DSN_REPORT;
			in_report = true;
		} else if (is_type(obj, "multipart", "report"))
			w->other_report = true;
		for (int i = 0; i < g_mime_multipart_get_count(mp); i++)
			walk(w, g_mime_multipart_get_part(mp, i), depth + 1,
			    in_report);
		return;
	}
	if (in_report && !w->report &&
	    (is_type(obj, "message", "delivery-status") ||
	    is_type(obj, "message", "global-delivery-status")))
		w->report = obj;
	else if (!w->returned && is_returned(obj))
		w->returned = obj;
}

/* ---- plain-text bounces (Exim, qmail) ---- */

/* The signs of a bounce without a report: a null sender, MAILER-DAEMON
 * or postmaster, or Exim's X-Failed-Recipients. */
static bool
bounce_sender(const struct pd_msg *m)
{
	const char *a = m->from.address, *at = strchr(a, '@');
	size_t n = at ? (size_t)(at - a) : strlen(a);

	if (msg_null_path(msg_header(m, "Return-Path")) ||
	    msg_header(m, "X-Failed-Recipients") != NULL)
		return true;
	return (n == 13 && g_ascii_strncasecmp(a, "mailer-daemon", 13) == 0) ||
	    (n == 10 && g_ascii_strncasecmp(a, "postmaster", 10) == 0);
}

/* Where the copy of the original starts in an Exim or qmail bounce's
 * text (after the line "------ This is a copy of the message, including
 * all the headers. ------" or "--- Below this line is a copy of the
 * message."), or NULL; *notice_len_r: the length of the notice before
 * it. */
static const char *
inline_copy(const char *text, size_t *notice_len_r)
{
	static GRegex *re;
	GMatchInfo *mi = NULL;
	const char *at = NULL;
	int end = 0, start = 0;

	if (g_once_init_enter(&re))
		g_once_init_leave(&re, g_regex_new("^[ \\t]*-{2,}[^\\n]{0,80}"
		    "\\bcopy of (the|your) (original )?message\\b[^\\n]*\\n",
		    G_REGEX_CASELESS | G_REGEX_MULTILINE, 0, NULL));
	if (g_regex_match(re, text, 0, &mi) &&
	    g_match_info_fetch_pos(mi, 0, &start, &end)) {
		at = text + end;
		*notice_len_r = start;
	}
	g_match_info_free(mi);
	while (at && (*at == '\n' || *at == '\r'))
		at++;
	return at;
}

static void
plain_rcpt(struct dsn_report *r, const char *addr, const char *status,
    const char *diag)
{
	struct dsn_rcpt *x;

	if (r->rcpts->len >= DSN_MAX_RCPTS) {
		r->truncated = true;
		return;
	}
	for (guint i = 0; i < r->rcpts->len; i++)
		if (strcmp(((struct dsn_rcpt *)r->rcpts->pdata[i])->final,
		    addr) == 0)
			return;
	x = g_new0(struct dsn_rcpt, 1);
	x->final = g_strdup(addr);
	x->original = g_strdup("");
	x->status = g_strdup(status);
	x->action = g_strdup(*status == '5' ? "failed" : "delayed");
	x->diagnostic = field_text(diag, &r->truncated);
	g_ptr_array_add(r->rcpts, x);
}

/* The failed recipients a plain bounce names: X-Failed-Recipients (Exim),
 * else qmail's "<address>:" lines, else the returned mail's one
 * recipient; the status is the first enhanced
 * status code of the notice, else 5.0.0 when it says "permanent error",
 * else 4.0.0 (a delay warning). */
static void
plain_rcpts(struct dsn_report *r, const struct pd_msg *m, const char *notice)
{
	static GRegex *code_re, *qmail_re;
	GMatchInfo *mi = NULL;
	const char *xf = msg_header(m, "X-Failed-Recipients");
	char *status = NULL, *diag = NULL, *rcpt;
	InternetAddressList *l;

	if (g_once_init_enter(&code_re))
		g_once_init_leave(&code_re, g_regex_new("^.*?(?<![0-9.])"
		    "([245]\\.[0-9]{1,3}\\.[0-9]{1,3})(?![0-9.]).*$",
		    G_REGEX_MULTILINE, 0, NULL));
	if (g_once_init_enter(&qmail_re))
		g_once_init_leave(&qmail_re, g_regex_new("^<([^<>\\s\"]{1,200}"
		    "@[^<>\\s\"]{1,200})>:[ \\t]*$", G_REGEX_MULTILINE, 0,
		    NULL));
	if (g_regex_match(code_re, notice, 0, &mi)) {
		status = g_match_info_fetch(mi, 1);
		diag = g_match_info_fetch(mi, 0);
	}
	g_match_info_free(mi);
	mi = NULL;
	if (status == NULL)
		status = g_strdup(strstr(notice, "permanent error") ||
		    strstr(notice, "permanent failure") ? "5.0.0" : "4.0.0");
	if (xf && (l = internet_address_list_parse(parse_options(), xf))) {
		for (int i = 0; i < internet_address_list_length(l); i++) {
			InternetAddress *ia = internet_address_list_get_address(
			    l, i);
			const char *a = INTERNET_ADDRESS_IS_MAILBOX(ia) ?
			    internet_address_mailbox_get_addr(
			    INTERNET_ADDRESS_MAILBOX(ia)) : NULL;

			if (a && strchr(a, '@') && strlen(a) <= 254) {
				rcpt = g_ascii_strdown(a, -1);
				plain_rcpt(r, rcpt, status, diag ? diag : "");
				g_free(rcpt);
			}
		}
		g_object_unref(l);
	}
	if (r->rcpts->len == 0 && g_regex_match(qmail_re, notice, 0, &mi)) {
		while (g_match_info_matches(mi)) {
			char *a = g_match_info_fetch(mi, 1);

			rcpt = g_ascii_strdown(a, -1);
			plain_rcpt(r, rcpt, status, diag ? diag : "");
			g_free(rcpt);
			g_free(a);
			g_match_info_next(mi, NULL);
		}
	}
	g_match_info_free(mi);
	/* Neither: the one address the returned mail went to, when it went
	 * to one only. */
	if (r->rcpts->len == 0 && r->sent_to->len == 1)
		plain_rcpt(r, r->sent_to->pdata[0], status, diag ? diag : "");
	g_free(status);
	g_free(diag);
}

/* The length of s, at most max bytes, cut on a character boundary (s is
 * valid UTF-8: msg.h). */
static size_t
utf8_len_max(const char *s, size_t len, size_t max)
{
	const char *end;

	if (len <= max)
		return len;
	end = g_utf8_find_prev_char(s, s + max + 1);
	return end ? (size_t)(end - s) : 0;
}

/* The notice and the copy are read up to DSN_MAX_REPORT bytes each: the
 * copy's headers come first. */
static void
read_plain(struct dsn_report *r, const struct pd_msg *m, GMimeObject *ret)
{
	size_t notice_len = strlen(m->text);
	const char *copy = inline_copy(m->text, &notice_len);
	char *notice;
	GMimeMessage *inner;

	notice_len = utf8_len_max(m->text, notice_len, DSN_MAX_REPORT);
	if (ret)
		returned_part(r, ret);
	else if (copy && (inner = header_block(copy, utf8_len_max(copy,
	    strlen(copy), DSN_MAX_REPORT)))) {
		read_returned(r, inner);
		g_object_unref(inner);
	}
	if (r->ids->len == 0)
		return;
	r->form = DSN_PLAIN;
	notice = g_strndup(m->text, notice_len);
	plain_rcpts(r, m, notice);
	g_free(notice);
}

bool
msg_dsn(const struct pd_msg *m, struct dsn_report *r)
{
	struct walk w = { .r = r };

	memset(r, 0, sizeof *r);
	r->rcpts = g_ptr_array_new_with_free_func(rcpt_free);
	r->ids = g_ptr_array_new_with_free_func(g_free);
	r->sent_to = g_ptr_array_new_with_free_func(g_free);
	if (m == NULL || m->mime == NULL)
		return false;
	walk(&w, g_mime_message_get_mime_part(m->mime), 0, false);
	if (r->form == DSN_REPORT) {
		if (w.report)
			read_report(r, w.report);
		if (w.returned)
			returned_part(r, w.returned);
	} else if (!w.other_report && bounce_sender(m))
		read_plain(r, m, w.returned);
	return r->form != DSN_NONE;
}
