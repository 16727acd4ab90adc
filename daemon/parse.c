/* parse.c: raw bytes to struct pd_msg: the message, its headers, addresses
 * and ids.  The body walk lives in parse_body.c. */
#include <string.h>
#include "hdrtext.h"
#include "log.h"
#include "parse_priv.h"
#include "rfc2047.h"

GMimeParserOptions *
parse_options(void)
{
	static const char *fallback[] = { "UTF-8", "windows-1251", "KOI8-R",
	    NULL };
	static GMimeParserOptions *po;

	if (g_once_init_enter(&po)) {
		GMimeParserOptions *o = g_mime_parser_options_new();

		g_mime_parser_options_set_fallback_charsets(o, fallback);
		g_mime_parser_options_set_rfc2047_compliance_mode(o,
		    GMIME_RFC_COMPLIANCE_LOOSE);
		g_mime_parser_options_set_address_compliance_mode(o,
		    GMIME_RFC_COMPLIANCE_LOOSE);
		g_mime_parser_options_set_parameter_compliance_mode(o,
		    GMIME_RFC_COMPLIANCE_LOOSE);
		g_once_init_leave(&po, o);
	}
	return po;
}

char *
parse_utf8(const char *s, size_t max, bool *cut_r)
{
	char *v = g_utf8_make_valid(s ? s : "", -1);
	const char *end;

	if (max > 0 && strlen(v) > max) {
		end = g_utf8_find_prev_char(v, v + max + 1);
		if (end == NULL)
			end = v;
		v[end - v] = '\0';
		if (cut_r)
			*cut_r = true;
	}
	return v;
}

/* The length of the line at raw when it holds only blanks, else 0. */
static size_t
blank_line(const char *raw, size_t len)
{
	size_t i = 0;

	while (i < len && (raw[i] == ' ' || raw[i] == '\t' || raw[i] == '\r'))
		i++;
	return i < len && raw[i] == '\n' ? i + 1 : 0;
}

/* The line at p: its end without "\r\n" or "\n", and *next_r the next. */
static const char *
eol_of(const char *p, const char *end, const char **next_r)
{
	const char *nl = memchr(p, '\n', end - p), *eol = nl ? nl : end;

	*next_r = nl ? nl + 1 : end;
	return eol > p && eol[-1] == '\r' ? eol - 1 : eol;
}

/* Junk before the first header: at most this many lines and bytes are
 * skipped; more is not a message. */
#define JUNK_LINES_MAX 32
#define JUNK_BYTES_MAX 4096

/* Whether a header starts at p: a field followed by another field or an
 * indented continuation (after junk, one line with a colon may be any
 * text). */
static bool
header_starts(const char *p, const char *end)
{
	const char *next, *eol = eol_of(p, end, &next), *eol2, *after;

	if (!rfc2047_is_field(p, eol) || next >= end)
		return false;
	eol2 = eol_of(next, end, &after);
	return eol2 > next && (*next == ' ' || *next == '\t' ||
	    rfc2047_is_field(next, eol2));
}

/* Skips what comes before the first header in files found in the wild:
 * blank lines, an mbox "From " separator, which is not a header, and
 * junk that a forwarding script or a mail client's export put there (a
 * marker line, ">From ...", "=== forwarded ==="): lines that are no
 * field (RFC 5322 §2.2), at most JUNK_LINES_MAX of them, before a
 * header of two lines or more.  *junk_r: the junk lines skipped. */
static const char *
skip_preamble(const char *raw, size_t *len, unsigned *junk_r)
{
	const char *nl, *p, *end, *next, *eol;
	size_t n;
	unsigned junk = 0;

	*junk_r = 0;
	while ((n = blank_line(raw, *len)) > 0) {
		raw += n;
		*len -= n;
	}
	if (*len >= 5 && memcmp(raw, "From ", 5) == 0 &&
	    (nl = memchr(raw, '\n', *len)) != NULL) {
		*len -= nl + 1 - raw;
		raw = nl + 1;
	}
	end = raw + *len;
	for (p = raw; p < end && junk <= JUNK_LINES_MAX &&
	    (size_t)(p - raw) <= JUNK_BYTES_MAX; p = next, junk++) {
		eol = eol_of(p, end, &next);
		if (junk == 0 ? rfc2047_is_field(p, eol) : header_starts(p,
		    end))
			break;
	}
	if (junk == 0 || p >= end || junk > JUNK_LINES_MAX ||
	    (size_t)(p - raw) > JUNK_BYTES_MAX)
		return raw;
	*junk_r = junk;
	*len -= p - raw;
	return p;
}

/* How much of raw GMime is given (postdesk.conf(5), max_parts and
 * max_headers).  GMime builds an object for every MIME part and every
 * header field (hundreds of bytes to over a kilobyte each) before anything
 * here counts them: 2.8 MB of empty parts took 560 MB, 24 MB of "X: y"
 * lines 2 GB, only to be refused.  So they are counted first, on the raw
 * lines, as leniently as GMime reads them: a header block ends only at an
 * empty line, every line in it holding a ":" (and not continuing another)
 * is a field, and every "--" line of a body may be a boundary that starts
 * a part and its header block; a header block may follow another one
 * directly (an embedded message).  Then:
 *  - a top-level header of more than max_headers fields is refused
 *    (-1 and *error_r), as too_many_headers() would refuse it;
 *  - the message is cut (*cut_r) before the "--" line that would pass
 *    16 * max_parts + max_depth parts, which keeps every part that
 *    parse_body() may walk (max_parts leaves, their multiparts and the
 *    skipped alternatives);
 *  - and before the field that would pass 10 * max_headers fields in the
 *    headers of parts and embedded messages together.
 * Text that merely looks like a boundary or a field counts too, hence
 * the generous factors (a pasted log of timestamped lines after a "----"
 * line reads as a header): at the defaults a few megabytes of GMime
 * objects, and a text cut there is near max_text anyway.  Returns 0 and
 * *len_r. */
static int
bounded_prefix(const char *raw, size_t len, const struct pd_limits *lim,
    size_t *len_r, unsigned *cut_r, char **error_r)
{
	const char *p = raw, *end = raw + len, *nl, *eol;
	size_t parts = 0, fields = 0, top = 0;
	size_t max_parts = (size_t)lim->max_parts * 16 + lim->max_depth;
	size_t max_fields = (size_t)lim->max_headers * 10;
	bool in_top = true, in_head = false, after_head = false;

	*cut_r = 0;
	*len_r = len;
	for (; p < end; p = nl < end ? nl + 1 : end) {
		if ((nl = memchr(p, '\n', end - p)) == NULL)
			nl = end; /* the last line, unterminated */
		eol = nl > p && nl[-1] == '\r' ? nl - 1 : nl;
		if (in_top || in_head) {
			if (eol == p) {
				in_top = in_head = false;
				after_head = true;
				continue;
			}
		} else if (eol - p >= 3 && p[0] == '-' && p[1] == '-') {
			after_head = false;
			if (lim->max_parts && ++parts > max_parts) {
				*cut_r = PD_CUT_PARTS;
				break;
			}
			in_head = true;
			continue;
		} else if (after_head && memchr(p, ':', eol - p)) {
			in_head = true;
		}
		after_head = false;
		if (!(in_top || in_head) || *p == ' ' || *p == '\t' ||
		    !memchr(p, ':', eol - p))
			continue;
		if (in_top) {
			if (lim->max_headers && ++top > lim->max_headers) {
				*error_r = g_strdup_printf("message of more "
				    "than %u header fields exceeds "
				    "max_headers (%u)", lim->max_headers,
				    lim->max_headers);
				return -1;
			}
		} else if (lim->max_headers && ++fields > max_fields) {
			*cut_r = PD_CUT_HEADERS;
			break;
		}
	}
	if (p < end)
		*len_r = p - raw;
	return 0;
}

/* The message GMime reads from st, which it takes. */
static GMimeMessage *
construct(GMimeStream *st)
{
	GMimeParser *p = g_mime_parser_new_with_stream(st);
	GMimeMessage *msg;

	g_object_unref(st);
	g_mime_parser_set_format(p, GMIME_FORMAT_MESSAGE);
	msg = g_mime_parser_construct_message(p, parse_options());
	g_object_unref(p);
	return msg;
}

GMimeMessage *
parse_construct(const char *raw, size_t len)
{
	return construct(g_mime_stream_mem_new_with_buffer(raw, len));
}

/* parse_construct() of buf (g_malloc'd, len bytes), which it takes: the
 * message's memory stream keeps buf itself, cut to len, instead of a copy.
 * GMime's own copy (g_mime_stream_mem_new_with_buffer) is rounded up to a
 * power of two and lives as long as the message; a batch holds the
 * parsed messages of two batches at once (fetch.c). */
static GMimeMessage *
parse_construct_take(char *buf, size_t len)
{
	GByteArray *ba = g_byte_array_new_take((guint8 *)g_realloc(buf, len),
	    len);
	/* The stream owns ba (and frees it with buf). */
	return construct(g_mime_stream_mem_new_with_byte_array(ba));
}

/* The weak reference of a borrowing stream: the array's struct goes with
 * the stream, its bytes stay the caller's. */
static void
forget_array(gpointer ba, GObject *gone)
{
	guint8 *bytes = g_byte_array_free(ba, FALSE);

	(void)gone;
	(void)bytes;
}

/* parse_construct() over raw itself, without any copy: raw must outlive
 * the message (msg_parse_borrowed). */
static GMimeMessage *
parse_construct_borrowed(const char *raw, size_t len)
{
	GByteArray *ba = g_byte_array_new_take((guint8 *)raw, len);
	GMimeStream *st = g_mime_stream_mem_new();

	/* Not the stream's: it never frees ba (nor writes to it). */
	g_mime_stream_mem_set_byte_array(GMIME_STREAM_MEM(st), ba);
	g_object_weak_ref(G_OBJECT(st), forget_array, ba);
	return construct(st);
}

/* A subject or display name as msg.h promises it: valid UTF-8, bounded,
 * one line (hdrtext.h), without blanks around.  g_malloc'd. */
static char *
one_line(const char *s, size_t max)
{
	char *v = parse_utf8(s, max, NULL), *line = hdrtext_line(v);

	g_free(v);
	return g_strstrip(line);
}

/* The address is GMime's addr-spec, parsed by the RFC 5322 grammar from
 * the raw header before any encoded-word is decoded; a decoded name that
 * reads like an address ("=?utf-8?q?boss=40acme.test?=") stays a name. */
static void
addr_set(struct pd_addr *a, InternetAddress *ia, const struct pd_limits *lim)
{
	const char *name = ia ? internet_address_get_name(ia) : NULL;
	const char *addr = NULL;

	if (ia && INTERNET_ADDRESS_IS_MAILBOX(ia))
		addr = internet_address_mailbox_get_addr(
		    INTERNET_ADDRESS_MAILBOX(ia));
	a->name = one_line(name, lim->max_header_length);
	a->address = parse_utf8(addr, lim->max_header_length, NULL);
	g_strstrip(a->address);
}

static void
addr_free(struct pd_addr *a)
{
	if (a == NULL)
		return;
	g_free(a->name);
	g_free(a->address);
}

static void
addr_free_ptr(gpointer p)
{
	addr_free(p);
	g_free(p);
}

/* Whether ia is a mailbox whose address has an '@'. */
static bool
has_at(InternetAddress *ia)
{
	const char *addr;

	if (!INTERNET_ADDRESS_IS_MAILBOX(ia))
		return false;
	addr = internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(ia));
	return addr != NULL && strchr(addr, '@') != NULL;
}

/* Appends the mailboxes of l that have an '@', groups flattened, up to
 * the recipient bound; depth stops groups inside groups from recursing
 * forever. */
static void
addr_list(GPtrArray *out, InternetAddressList *l, const struct pd_limits *lim,
    bool *cut_r, int depth)
{
	int n = l ? internet_address_list_length(l) : 0;
	InternetAddress *ia;
	struct pd_addr *a;

	for (int i = 0; i < n && depth < 4; i++) {
		ia = internet_address_list_get_address(l, i);
		if (INTERNET_ADDRESS_IS_GROUP(ia)) {
			addr_list(out, internet_address_group_get_members(
			    INTERNET_ADDRESS_GROUP(ia)), lim, cut_r, depth + 1);
			continue;
		}
		/* A bare word ("To: undisclosed") is no mailbox. */
		if (!has_at(ia))
			continue;
		if (out->len >= lim->max_recipients) {
			*cut_r = true;
			return;
		}
		a = g_new0(struct pd_addr, 1);
		addr_set(a, ia, lim);
		/* An address cut at max_header_length may have lost its
		 * '@': no mailbox then (msg.h), and the cut is said. */
		if (strchr(a->address, '@') == NULL) {
			addr_free_ptr(a);
			*cut_r = true;
			continue;
		}
		g_ptr_array_add(out, a);
	}
}

/* The first mailbox of l (into groups), or empty fields. */
static void
addr_first(struct pd_addr *a, InternetAddressList *l,
    const struct pd_limits *lim)
{
	GPtrArray *all = g_ptr_array_new_with_free_func(addr_free_ptr);
	struct pd_limits one = *lim;
	bool cut = false;

	one.max_recipients = 1;
	addr_list(all, l, &one, &cut, 0);
	if (all->len > 0) {
		struct pd_addr *f = g_ptr_array_steal_index(all, 0);

		*a = *f;
		g_free(f);
	} else
		addr_set(a, NULL, lim);
	g_ptr_array_unref(all);
}

/* Message ids of a header, lenient ("<a> junk <b" gives a, b). */
static void
ids(GPtrArray *out, GMimeMessage *msg, const char *name,
    const struct pd_limits *lim)
{
	const char *v = g_mime_object_get_header(GMIME_OBJECT(msg), name);
	GMimeReferences *r;
	int n;

	if (v == NULL || (r = g_mime_references_parse(parse_options(), v)) ==
	    NULL)
		return;
	n = g_mime_references_length(r);
	for (int i = 0; i < n; i++)
		g_ptr_array_add(out, parse_utf8(
		    g_mime_references_get_message_id(r, i),
		    lim->max_header_length, NULL));
	g_mime_references_free(r);
}

static char *
first_id(GMimeMessage *msg, const char *name, const struct pd_limits *lim)
{
	GPtrArray *a = g_ptr_array_new_with_free_func(g_free);
	char *id;

	ids(a, msg, name, lim);
	id = a->len > 0 ? g_strdup(a->pdata[0]) : g_strdup("");
	g_ptr_array_unref(a);
	return id;
}

/* The address list of every header called name, each value rewritten by
 * parse_addr_repair() and parsed again, when any needed it; else NULL
 * (GMime's own list is right).  New reference. */
static InternetAddressList *
repaired_list(GMimeMessage *msg, const char *name,
    const struct pd_limits *lim)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(GMIME_OBJECT(msg));
	int n = g_mime_header_list_get_count(hl);
	InternetAddressList *all = NULL, *l;
	GPtrArray *vals = g_ptr_array_new_with_free_func(g_free);
	bool changed = false;
	char *v;

	for (int i = 0; i < n; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
		const char *raw = g_mime_header_get_raw_value(h);

		if (g_ascii_strcasecmp(g_mime_header_get_name(h), name) != 0 ||
		    raw == NULL)
			continue;
		v = parse_addr_repair(raw, lim->max_recipients);
		changed = changed || v != NULL;
		g_ptr_array_add(vals, v ? v : g_strdup(raw));
	}
	if (changed) {
		all = internet_address_list_new();
		for (guint i = 0; i < vals->len; i++) {
			l = internet_address_list_parse(parse_options(),
			    vals->pdata[i]);
			if (l == NULL)
				continue;
			internet_address_list_append(all, l);
			g_object_unref(l);
		}
	}
	g_ptr_array_unref(vals);
	return all;
}

/* addr_list() over the repaired list of name, else GMime's own. */
static void
addr_field(GPtrArray *out, struct pd_addr *first, GMimeMessage *msg,
    const char *name, InternetAddressList *own, const struct pd_limits *lim,
    bool *cut_r)
{
	InternetAddressList *l = repaired_list(msg, name, lim);

	if (first != NULL)
		addr_first(first, l ? l : own, lim);
	else
		addr_list(out, l ? l : own, lim, cut_r, 0);
	if (l != NULL)
		g_object_unref(l);
}

static void
fill_headers(struct pd_msg *m, GMimeMessage *msg, const struct pd_limits *lim)
{
	const char *mid;
	bool cut = false;

	m->subject = one_line(g_mime_message_get_subject(msg),
	    lim->max_header_length);
	addr_field(NULL, &m->from, msg, "From", g_mime_message_get_from(msg),
	    lim, NULL);
	addr_field(NULL, &m->reply_to, msg, "Reply-To",
	    g_mime_message_get_reply_to(msg), lim, NULL);
	addr_field(m->to, NULL, msg, "To", g_mime_message_get_to(msg), lim,
	    &cut);
	addr_field(m->cc, NULL, msg, "Cc", g_mime_message_get_cc(msg), lim,
	    &cut);
	if (cut) {
		m->truncated = true;
		m->truncated_by |= PD_CUT_RECIPIENTS;
	}
	/* GMime's own Message-ID reader gives up on junk; the lenient
	 * references parser finds "<id>" or a bare id in most of it. */
	m->message_id = first_id(msg, "Message-ID", lim);
	if (*m->message_id == '\0' &&
	    (mid = g_mime_message_get_message_id(msg)) != NULL) {
		g_free(m->message_id);
		m->message_id = parse_utf8(mid, lim->max_header_length, NULL);
	}
	m->in_reply_to = first_id(msg, "In-Reply-To", lim);
	ids(m->references, msg, "References", lim);
}

static struct pd_msg *
msg_new(void)
{
	struct pd_msg *m = g_new0(struct pd_msg, 1);

	m->to = g_ptr_array_new_with_free_func(addr_free_ptr);
	m->cc = g_ptr_array_new_with_free_func(addr_free_ptr);
	m->references = g_ptr_array_new_with_free_func(g_free);
	m->attachments = g_ptr_array_new();
	return m;
}

/* GMime makes a message of nearly anything; bytes without a single header
 * are not mail. */
static bool
has_headers(GMimeMessage *msg)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(GMIME_OBJECT(msg));

	return hl != NULL && g_mime_header_list_get_count(hl) > 0;
}

/* Headers that could steer the gateway are ours to write, never to read
 * (postdesk.conf(5) THREAT MODEL): whatever a sender put in X-Postdesk-* is dropped here, so no
 * later stage can ever see it. */
static void
strip_steering(GMimeMessage *msg)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(GMIME_OBJECT(msg));

	for (int i = g_mime_header_list_get_count(hl) - 1; i >= 0; i--) {
		GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);

		if (g_ascii_strncasecmp(g_mime_header_get_name(h),
		    "X-Postdesk-", 11) == 0)
			g_mime_header_list_remove_at(hl, i);
	}
}

/* More header fields than max_headers (0: no bound): the message is
 * quarantined, as an oversized one is (postdesk.conf(5)). */
static bool
too_many_headers(GMimeMessage *msg, const struct pd_limits *lim,
    char **error_r)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(GMIME_OBJECT(msg));
	int n = g_mime_header_list_get_count(hl);

	if (lim->max_headers == 0 || n <= 0 || (unsigned)n <= lim->max_headers)
		return false;
	*error_r = g_strdup_printf("message of %d header fields exceeds "
	    "max_headers (%u)", n, lim->max_headers);
	return true;
}

/* msg_parse() without the size check; borrow: GMime may read raw itself
 * (msg_parse_borrowed). */
static int
parse_bounded_as(const char *raw, size_t len, const struct pd_limits *lim,
    struct pd_msg **msg_r, char **error_r, bool borrow)
{
	GMimeMessage *msg;
	struct pd_msg *m;
	char *fixed;
	size_t flen;
	bool cut;
	unsigned cut_parts, junk;

	*msg_r = NULL;
	raw = skip_preamble(raw, &len, &junk);
	if (raw == NULL || len == 0) {
		*error_r = g_strdup("not a message: empty");
		return -1;
	}
	if (bounded_prefix(raw, len, lim, &len, &cut_parts, error_r) != 0)
		return -1;
	fixed = rfc2047_repair_headers(raw, len, lim->max_header_length,
	    &flen, &cut);
	if (fixed == NULL && borrow) {
		/* The header needed no repair: GMime reads the caller's
		 * bytes, no copy of them lives as long as the message. */
		msg = parse_construct_borrowed(raw, len);
	} else if (fixed == NULL)
		msg = parse_construct_take(g_memdup2(raw, len), len);
	else if (flen > 0)
		msg = parse_construct_take(fixed, flen);
	else {
		g_free(fixed);
		msg = NULL;
	}
	if (msg == NULL || !has_headers(msg)) {
		if (msg != NULL)
			g_object_unref(msg);
		*error_r = g_strdup("not a message: no header found");
		return -1;
	}
	/* Before anything walks the headers: a flood is refused whole. */
	if (too_many_headers(msg, lim, error_r)) {
		g_object_unref(msg);
		return -1;
	}
	if (junk > 0)
		log_info("stage=parse event=junk-skipped lines=%u "
		    "(skipped %u junk lines before the first header)", junk,
		    junk);
	strip_steering(msg);
	m = msg_new();
	m->mime = msg;
	m->hdrs = parse_hdr_index(GMIME_OBJECT(msg));
	m->junk_lines = junk;
	m->truncated = cut || cut_parts != 0;
	m->truncated_by = cut_parts | (cut ? PD_CUT_HEADER_LENGTH : 0);
	fill_headers(m, msg, lim);
	parse_body(m, msg, lim);
	*msg_r = m;
	return 0;
}

static int
parse_bounded(const char *raw, size_t len, const struct pd_limits *lim,
    struct pd_msg **msg_r, char **error_r)
{
	return parse_bounded_as(raw, len, lim, msg_r, error_r, false);
}

static int
parse_checked(const char *raw, size_t len, const struct pd_limits *lim,
    struct pd_msg **msg_r, char **error_r, bool borrow)
{
	*msg_r = NULL;
	if (lim->max_message_size > 0 && len > lim->max_message_size) {
		*error_r = g_strdup_printf("message of %zu bytes exceeds "
		    "max_message_size", len);
		return -1;
	}
	return parse_bounded_as(raw, len, lim, msg_r, error_r, borrow);
}

int
msg_parse(const char *raw, size_t len, const struct pd_limits *lim,
    struct pd_msg **msg_r, char **error_r)
{
	return parse_checked(raw, len, lim, msg_r, error_r, false);
}

int
msg_parse_borrowed(const char *raw, size_t len, const struct pd_limits *lim,
    struct pd_msg **msg_r, char **error_r)
{
	return parse_checked(raw, len, lim, msg_r, error_r, true);
}

/* raw with its top-level header cut to its first max fields (the rest of
 * the header dropped, the body kept).  g_malloc'd, *len_r. */
static char *
first_fields(const char *raw, size_t len, unsigned max, size_t *len_r)
{
	const char *p = raw, *end = raw + len, *next, *eol;
	GString *out = g_string_sized_new(MIN(len, 1 << 20));
	unsigned fields = 0;

	for (; p < end; p = next) {
		eol = eol_of(p, end, &next);
		if (eol == p) /* the end of the header */
			break;
		if (*p != ' ' && *p != '\t')
			fields++;
		if (fields <= max)
			g_string_append_len(out, p, next - p);
	}
	g_string_append_len(out, p, end - p);
	*len_r = out->len;
	return g_string_free(out, FALSE);
}

/* Bytes with no header, as text: valid UTF-8 (else guessed as a body of
 * undeclared charset would be), bounded by max_text. */
static struct pd_msg *
text_only(const char *raw, size_t len, const struct pd_limits *lim)
{
	struct pd_msg *m = msg_new();
	char *v = g_strndup(raw, MIN(len, lim->max_text ? lim->max_text * 2 :
	    len));

	m->subject = g_strdup("");
	addr_set(&m->from, NULL, lim);
	addr_set(&m->reply_to, NULL, lim);
	m->message_id = g_strdup("");
	m->in_reply_to = g_strdup("");
	m->text = parse_utf8(v, lim->max_text, &m->truncated);
	if (m->truncated)
		m->truncated_by |= PD_CUT_TEXT;
	g_free(v);
	return m;
}

int
msg_parse_salvage(const char *raw, size_t len, const struct pd_limits *lim,
    struct pd_msg **msg_r, char **error_r)
{
	struct pd_limits big = *lim;
	char *again = NULL, *cut;
	size_t clen;
	unsigned why = 0;
	int rc = msg_parse(raw, len, lim, msg_r, error_r);

	if (rc == 0 || len == 0)
		return rc;
	if (lim->max_message_size > 0 && len > lim->max_message_size) {
		len = lim->max_message_size;
		why = PD_CUT_MESSAGE_SIZE;
	}
	if (parse_bounded(raw, len, lim, msg_r, &again) == 0)
		goto done;
	g_free(again);
	again = NULL;
	if (lim->max_headers > 0) {
		/* A header flood: its first max_headers fields. */
		cut = first_fields(raw, len, lim->max_headers, &clen);
		big.max_headers = 0;
		if (clen < len && parse_bounded(cut, clen, &big, msg_r,
		    &again) == 0) {
			why |= PD_CUT_HEADERS;
			g_free(cut);
			goto done;
		}
		g_free(cut);
		g_free(again);
	}
	*msg_r = text_only(raw, len, lim);
done:
	if (why != 0) {
		(*msg_r)->truncated = true;
		(*msg_r)->truncated_by |= why;
	}
	return rc;
}

char *
msg_truncated_reason(const struct pd_msg *m)
{
	static const char *const names[] = { "max_message_size",
	    "max_headers", "max_parts", "max_depth", "max_header_length",
	    "max_recipients", "max_text", "max_html" };
	GString *out = g_string_new(NULL);

	for (size_t i = 0; m != NULL && i < G_N_ELEMENTS(names); i++)
		if (m->truncated_by & (1u << i))
			g_string_append_printf(out, "%s%s", out->len ? ", " :
			    "", names[i]);
	return g_string_free(out, FALSE);
}

static void
attachment_free(struct pd_attachment *a)
{
	g_free(a->filename);
	g_free(a->content_type);
	if (a->data != NULL)
		g_bytes_unref(a->data);
	g_free(a);
}

void
msg_free(struct pd_msg **mp)
{
	struct pd_msg *m;

	if (mp == NULL || (m = *mp) == NULL)
		return;
	g_free(m->subject);
	addr_free(&m->from);
	addr_free(&m->reply_to);
	g_ptr_array_unref(m->to);
	g_ptr_array_unref(m->cc);
	g_free(m->message_id);
	g_free(m->in_reply_to);
	g_ptr_array_unref(m->references);
	g_free(m->text);
	for (guint i = 0; i < m->attachments->len; i++)
		attachment_free(m->attachments->pdata[i]);
	g_ptr_array_unref(m->attachments);
	parse_hdr_index_free(m->hdrs);
	if (m->mime != NULL)
		g_object_unref(m->mime);
	g_free(m);
	*mp = NULL;
}

bool
msg_null_path(const char *v)
{
	while (v && g_ascii_isspace(*v))
		v++;
	return v != NULL && (*v == '\0' || strncmp(v, "<>", 2) == 0);
}
