/* compose.c: see compose.h. */
#include <string.h>
#include <gmime/gmime.h>
#include <sodium.h>
#include "compose.h"
#include "hdrtext.h"
#include "mac.h"

/* Every header value written here is one line (hdrtext.h), whatever a
 * stored subject or name holds: GMime encodes unstructured text, but
 * copies the value of a header it sees as structured (In-Reply-To) as it
 * is, line breaks included. */
static void
set_header(GMimeObject *o, const char *name, const char *value)
{
	char *v = hdrtext_line(value);

	g_mime_object_set_header(o, name, v, NULL);
	g_free(v);
}

/* The longest id repeated: GMime folds between ids, never inside one, and
 * "In-Reply-To: <id>" must fit in a line of 998 octets (RFC 5322 §2.1.1),
 * or a server that refuses long lines refuses the whole mail. */
#define ID_MAX 900

/* A message id that fits between "<" and ">" on one line.  A parsed id
 * is decoded text (GMime decodes encoded-words even there), so one that
 * holds a blank, a control or a bracket is not repeated at all, nor one
 * longer than ID_MAX. */
static bool
id_ok(const char *id)
{
	if (strlen(id) > ID_MAX)
		return false;
	for (const char *p = id; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == '<' || *p == '>')
			return false;
	return hdrtext_is_line(id);
}

/* "<root> <refs...> <in-reply-to>", each once, root first, so every mail
 * client threads the whole ticket under one root. */
static char *
references(const struct compose_req *r)
{
	GString *s = g_string_new(NULL);
	GHashTable *seen = g_hash_table_new(g_str_hash, g_str_equal);
	const char *ids[64];
	unsigned n = 0;

	if (r->ticket)
		ids[n++] = r->ticket->root_id;
	/* The newest references matter most: keep the tail when long. */
	for (guint i = r->references && r->references->len > 60 ?
	    r->references->len - 60 : 0; r->references &&
	    i < r->references->len; i++)
		ids[n++] = r->references->pdata[i];
	if (r->in_reply_to && *r->in_reply_to)
		ids[n++] = r->in_reply_to;
	for (unsigned i = 0; i < n; i++) {
		if (!*ids[i] || !id_ok(ids[i]) ||
		    g_hash_table_contains(seen, ids[i]))
			continue;
		g_hash_table_add(seen, (gpointer)ids[i]);
		g_string_append_printf(s, "%s<%s>", s->len ? " " : "", ids[i]);
	}
	g_hash_table_unref(seen);
	return g_string_free(s, FALSE);
}

/* A mailbox with its name and address made one line each (set_header). */
static void
add_mailbox(InternetAddressList *l, const char *name, const char *address)
{
	char *n = hdrtext_line(name), *a = hdrtext_line(address);
	InternetAddress *ia = internet_address_mailbox_new(n, a);

	internet_address_set_charset(ia, "utf-8");
	internet_address_list_add(l, ia);
	g_object_unref(ia);
	g_free(n);
	g_free(a);
}

static void
set_addresses(GMimeMessage *msg, const struct compose_req *r)
{
	const struct pd_queue *q = r->voice;

	add_mailbox(g_mime_message_get_from(msg), r->from_name ? r->from_name :
	    q ? q->display_name : r->cfg->name, q && q->addresses->len ?
	    q->addresses->pdata[0] : r->cfg->address);
	if (r->reply_to)
		add_mailbox(g_mime_message_get_reply_to(msg), "", r->reply_to);
	add_mailbox(g_mime_message_get_addresses(msg, GMIME_ADDRESS_TYPE_TO),
	    r->rcpt_name ? r->rcpt_name : "", r->rcpt);
}

static void
set_headers(GMimeMessage *msg, const struct compose_req *r, const char *id)
{
	GMimeObject *o = GMIME_OBJECT(msg);
	GDateTime *now = g_date_time_new_now_local();
	char *refs = references(r), *tok, *subject = hdrtext_line(r->subject);

	g_mime_message_set_subject(msg, subject, "utf-8");
	g_free(subject);
	g_mime_message_set_date(msg, now);
	g_date_time_unref(now);
	g_mime_message_set_message_id(msg, id);
	if (r->in_reply_to && *r->in_reply_to && id_ok(r->in_reply_to)) {
		char *irt = g_strdup_printf("<%s>", r->in_reply_to);

		set_header(o, "In-Reply-To", irt);
		g_free(irt);
	}
	if (*refs)
		set_header(o, "References", refs);
	g_free(refs);
	set_header(o, "Auto-Submitted", r->auto_submitted ?
	    r->auto_submitted : "auto-generated");
	/* An agent's answer is a person's mail: the client's own
	 * auto-responder may answer it, and bulk would hide it. */
	if (!r->auto_submitted || strcmp(r->auto_submitted, "no") != 0) {
		set_header(o, "Precedence", "bulk");
		set_header(o, "X-Auto-Response-Suppress", "All");
	}
	set_header(o, "X-Loop", r->cfg->address);
	if (r->ticket) {
		tok = g_strdup_printf("%s#%lu", r->voice ? r->voice->tag :
		    r->cfg->tag, r->ticket->number);
		set_header(o, "X-Postdesk-Ticket", tok);
		g_free(tok);
	}
}

/* Whether attachment a goes out base64, and big enough for its text to
 * be left out of a queued mail (compose_req.blob_spans). */
static bool
spanned(const struct pd_attachment *a)
{
	char *ct;
	bool message;

	if (!a->data || g_bytes_get_size(a->data) < RAW_SPAN_MIN)
		return false;
	/* attachment_part's test of a message part, on the same text. */
	ct = hdrtext_line(a->content_type);
	ct[strcspn(ct, "/")] = '\0';
	message = strcmp(ct, "message") == 0;
	g_free(ct);
	return !message;
}

/* a's part; with marker (spanned(a) only), its body is marker and a line
 * end instead of the base64 text, written as it is: GMime copies a
 * content already in the part's encoding without encoding it again
 * (g_mime_part's write_content), so the part is what it would be with
 * the text in place of that line. */
static GMimeObject *
attachment_part(const struct pd_attachment *a, const char *marker)
{
	/* One line, as every header value we write (a stored type is
	 * GMime's "type/subtype", but that is GMime's promise, not ours). */
	char *ct = hdrtext_line(*a->content_type ? a->content_type :
	    "application/octet-stream"), *slash = strchr(ct, '/');
	GMimePart *part;
	GMimeStream *data;
	GMimeDataWrapper *dw;
	gsize n = 0;
	const void *p = a->data ? g_bytes_get_data(a->data, &n) : "";

	if (slash)
		*slash++ = '\0';
	part = g_mime_part_new_with_type(ct, slash && *slash ? slash :
	    "octet-stream");
	if (*a->filename) {
		char *fn = hdrtext_line(a->filename);

		g_mime_part_set_filename(part, fn);
		g_free(fn);
	}
	if (marker) {
		char *line = g_strconcat(marker, "\n", NULL);

		data = g_mime_stream_mem_new_with_buffer(line, strlen(line));
		g_free(line);
		dw = g_mime_data_wrapper_new_with_stream(data,
		    GMIME_CONTENT_ENCODING_BASE64);
	} else {
		data = g_mime_stream_mem_new_with_buffer(p, n);
		dw = g_mime_data_wrapper_new_with_stream(data,
		    GMIME_CONTENT_ENCODING_DEFAULT);
	}
	g_object_unref(data);
	g_mime_part_set_content(part, dw);
	g_object_unref(dw);
	/* RFC 2046 5.2.1: a message part is never base64 or QP. */
	g_mime_part_set_content_encoding(part, strcmp(ct, "message") == 0 ?
	    GMIME_CONTENT_ENCODING_8BIT : GMIME_CONTENT_ENCODING_BASE64);
	g_free(ct);
	return GMIME_OBJECT(part);
}

/* The text's own UTF-8 bytes, labelled utf-8.  Not
 * g_mime_text_part_set_text(): it scans the whole text for the smallest
 * charset, and a text whose every character fits in ISO-8859-1 ("Grüße")
 * it converts to that, which the utf-8 label then misnamed. */
static GMimeTextPart *
text_part(const char *subtype, const char *text)
{
	GMimeTextPart *part = g_mime_text_part_new_with_subtype(subtype);
	GMimeStream *data = g_mime_stream_mem_new_with_buffer(text,
	    strlen(text));
	GMimeDataWrapper *dw = g_mime_data_wrapper_new_with_stream(data,
	    GMIME_CONTENT_ENCODING_DEFAULT);

	g_object_unref(data);
	g_mime_part_set_content(GMIME_PART(part), dw);
	g_object_unref(dw);
	g_mime_text_part_set_charset(part, "utf-8");
	g_mime_part_set_content_encoding(GMIME_PART(part),
	    GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE);
	return part;
}

/* text/plain alone, or with an HTML alternative (RFC 2046 5.1.4: the
 * plainest first), and multipart/mixed with the attachments after it. */
static GMimeObject *
body_part(const struct compose_req *r, const char *nonce)
{
	GMimeObject *text = GMIME_OBJECT(text_part("plain", r->body));
	GMimeMultipart *mp;

	if (r->html) {
		GMimeMultipart *alt = g_mime_multipart_new_with_subtype(
		    "alternative");
		GMimeTextPart *html = text_part("html", r->html);

		g_mime_multipart_add(alt, text);
		g_mime_multipart_add(alt, GMIME_OBJECT(html));
		g_object_unref(text);
		g_object_unref(html);
		text = GMIME_OBJECT(alt);
	}
	if (!r->attachments || r->attachments->len == 0)
		return text;
	mp = g_mime_multipart_new_with_subtype("mixed");
	g_mime_multipart_add(mp, text);
	g_object_unref(text);
	for (guint i = 0; i < r->attachments->len; i++) {
		const struct pd_attachment *att = r->attachments->pdata[i];
		char *marker = nonce && spanned(att) ?
		    g_strdup_printf("%s%u=", nonce, i) : NULL;
		GMimeObject *a = attachment_part(att, marker);

		g_mime_multipart_add(mp, a);
		g_object_unref(a);
		g_free(marker);
	}
	return GMIME_OBJECT(mp);
}

/* wire composed with the markers of nonce: each marker line cut out, a
 * span (raw_span) for it appended to spans.  Returns the shortened mail
 * (g_malloc'd, *len_r), or NULL when a marker is missing (cannot happen:
 * GMime writes the part's content as it is). */
static char *
cut_markers(const struct compose_req *r, const char *wire, const char *nonce,
    size_t *len_r, GArray *spans)
{
	GString *out = g_string_sized_new(strlen(wire));
	const char *from = wire;

	for (guint i = 0; r->attachments && i < r->attachments->len; i++) {
		const struct pd_attachment *a = r->attachments->pdata[i];
		char *marker;
		const char *p;
		struct raw_span sp = { .form = RAW_SPAN_B64_CRLF };
		gsize n = 0;
		const void *d;

		if (!spanned(a))
			continue;
		marker = g_strdup_printf("%s%u=\r\n", nonce, i);
		p = strstr(from, marker);
		if (!p) {
			g_free(marker);
			g_string_free(out, TRUE);
			return NULL;
		}
		g_string_append_len(out, from, p - from);
		from = p + strlen(marker);
		g_free(marker);
		d = g_bytes_get_data(a->data, &n);
		sp.at = out->len;
		sp.len = store_span_b64_len(n);
		blob_hash(d, n, sp.blob);
		g_array_append_val(spans, sp);
	}
	g_string_append(out, from);
	*len_r = out->len;
	return g_string_free(out, FALSE);
}

char *
compose_mail(const struct compose_req *r, size_t *len_r, char **msgid_r)
{
	GMimeMessage *msg = g_mime_message_new(TRUE);
	GMimeFormatOptions *fo = g_mime_format_options_new();
	GMimeObject *body;
	char *id = mac_msgid_kind(r->ticket ? r->ticket->number : 0, r->rcpt,
	    r->cfg->domain, r->kind ? r->kind : 'm');
	char *wire, *nonce = NULL;

	if (r->blob_spans) {
		/* "=" is never literal in the quoted-printable texts, and the
		 * random part makes the marker unguessable elsewhere. */
		unsigned char rnd[16];
		char hex[33];

		randombytes_buf(rnd, sizeof rnd);
		sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
		nonce = g_strdup_printf("=PD-SPAN=%s=", hex);
	}
	set_addresses(msg, r);
	set_headers(msg, r, id);
	body = body_part(r, nonce);
	g_mime_message_set_mime_part(msg, body);
	g_object_unref(body);
	g_mime_format_options_set_newline_format(fo, GMIME_NEWLINE_FORMAT_DOS);
	wire = g_mime_object_to_string(GMIME_OBJECT(msg), fo);
	g_mime_format_options_free(fo);
	g_object_unref(msg);
	*len_r = strlen(wire);
	if (nonce) {
		char *cut = cut_markers(r, wire, nonce, len_r, r->blob_spans);

		g_free(nonce);
		g_free(wire);
		if (!cut) {
			/* The mail whole, as without blob_spans. */
			struct compose_req whole = *r;

			whole.blob_spans = NULL;
			g_array_set_size(r->blob_spans, 0);
			g_free(id);
			return compose_mail(&whole, len_r, msgid_r);
		}
		wire = cut;
	}
	*msgid_r = id;
	return wire;
}
