/* compose.c: see compose.h. */
#include <string.h>
#include <time.h>
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

/* The recipe as compose_render reads it: borrowed from the GVariant of
 * COMPOSE_RECIPE_TYPE (compose.h), in its order. */
struct recipe {
	guint32 version;
	gint64 date;
	gint32 offset;
	const char *msgid, *from_name, *from_addr;
	gboolean has_reply_to;
	const char *reply_to, *rcpt_name, *rcpt, *subject, *in_reply_to;
	const char *refs, *auto_submitted, *x_loop, *token, *body;
	gboolean has_html;
	const char *html, *bnd_alt, *bnd_mixed;
	GVariant *atts; /* a(ayayay): blob hash, filename, content type */
};

static void
set_addresses(GMimeMessage *msg, const struct recipe *rc)
{
	add_mailbox(g_mime_message_get_from(msg), rc->from_name,
	    rc->from_addr);
	if (rc->has_reply_to)
		add_mailbox(g_mime_message_get_reply_to(msg), "",
		    rc->reply_to);
	add_mailbox(g_mime_message_get_addresses(msg, GMIME_ADDRESS_TYPE_TO),
	    rc->rcpt_name, rc->rcpt);
}

static void
set_headers(GMimeMessage *msg, const struct recipe *rc)
{
	GMimeObject *o = GMIME_OBJECT(msg);
	/* The Date of the queueing, in its zone then (compose_resolve):
	 * every attempt writes the same bytes. */
	GTimeZone *tz = g_time_zone_new_offset(rc->offset);
	GDateTime *utc = g_date_time_new_from_unix_utc(rc->date);
	GDateTime *date = utc ? g_date_time_to_timezone(utc, tz) : NULL;
	char *subject = hdrtext_line(rc->subject);

	g_mime_message_set_subject(msg, subject, "utf-8");
	g_free(subject);
	if (date)
		g_mime_message_set_date(msg, date);
	if (date)
		g_date_time_unref(date);
	if (utc)
		g_date_time_unref(utc);
	g_time_zone_unref(tz);
	g_mime_message_set_message_id(msg, rc->msgid);
	if (*rc->in_reply_to) {
		char *irt = g_strdup_printf("<%s>", rc->in_reply_to);

		set_header(o, "In-Reply-To", irt);
		g_free(irt);
	}
	if (*rc->refs)
		set_header(o, "References", rc->refs);
	set_header(o, "Auto-Submitted", rc->auto_submitted);
	/* An agent's answer is a person's mail: the client's own
	 * auto-responder may answer it, and bulk would hide it. */
	if (strcmp(rc->auto_submitted, "no") != 0) {
		set_header(o, "Precedence", "bulk");
		set_header(o, "X-Auto-Response-Suppress", "All");
	}
	set_header(o, "X-Loop", rc->x_loop);
	if (*rc->token)
		set_header(o, "X-Postdesk-Ticket", rc->token);
}

/* One attachment of a recipe: its type, name and bytes (a blob). */
struct att {
	const char *hash, *filename, *content_type;
	GBytes *data; /* NULL: empty */
};

/* Whether attachment a goes out base64, and big enough for its text to
 * be left out of a queued mail (compose_req.blob_spans). */
static bool
spanned(const struct att *a)
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
attachment_part(const struct att *a, const char *marker)
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

	if (!p)
		p = "";
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
 * plainest first), and multipart/mixed with the attachments after it.
 * The boundaries are the recipe's (chosen by compose_resolve). */
static GMimeObject *
body_part(const struct recipe *rc, const struct att *atts, guint natts,
    const char *nonce)
{
	GMimeObject *text = GMIME_OBJECT(text_part("plain", rc->body));
	GMimeMultipart *mp;

	if (rc->has_html) {
		GMimeMultipart *alt = g_mime_multipart_new_with_subtype(
		    "alternative");
		GMimeTextPart *html = text_part("html", rc->html);

		g_mime_multipart_set_boundary(alt, rc->bnd_alt);
		g_mime_multipart_add(alt, text);
		g_mime_multipart_add(alt, GMIME_OBJECT(html));
		g_object_unref(text);
		g_object_unref(html);
		text = GMIME_OBJECT(alt);
	}
	if (natts == 0)
		return text;
	mp = g_mime_multipart_new_with_subtype("mixed");
	g_mime_multipart_set_boundary(mp, rc->bnd_mixed);
	g_mime_multipart_add(mp, text);
	g_object_unref(text);
	for (guint i = 0; i < natts; i++) {
		char *marker = nonce && spanned(&atts[i]) ?
		    g_strdup_printf("%s%u=", nonce, i) : NULL;
		GMimeObject *a = attachment_part(&atts[i], marker);

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
cut_markers(const struct att *atts, guint natts, const char *wire,
    const char *nonce, size_t *len_r, GArray *spans)
{
	GString *out = g_string_sized_new(strlen(wire));
	const char *from = wire;

	for (guint i = 0; i < natts; i++) {
		const struct att *a = &atts[i];
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
		/* The recipe's hash of these bytes (compose_resolve). */
		if (strlen(a->hash) == 64)
			memcpy(sp.blob, a->hash, 65);
		else
			blob_hash(d, n, sp.blob);
		g_array_append_val(spans, sp);
	}
	g_string_append(out, from);
	*len_r = out->len;
	return g_string_free(out, FALSE);
}

/* A boundary as GMime makes one when a multipart has none
 * (g_mime_multipart_set_boundary with NULL), chosen once. */
static char *
new_boundary(void)
{
	GMimeMultipart *m = g_mime_multipart_new();
	char *b;

	g_mime_multipart_set_boundary(m, NULL);
	b = g_strdup(g_mime_multipart_get_boundary(m));
	g_object_unref(m);
	return b;
}

/* A text for the recipe: NULL is "", as hdrtext_line() reads it. */
static const char *
nz(const char *s)
{
	return s ? s : "";
}

GVariant *
compose_resolve(const struct compose_req *r, char **msgid_r)
{
	const struct pd_queue *q = r->voice;
	/* The local time and its offset from libc: GLib 2.74's
	 * g_time_zone_new_local() reads and parses the zone file again on
	 * every call when TZ is unset. */
	time_t now = (time_t)(g_get_real_time() / G_USEC_PER_SEC);
	struct tm tm;
	char *id = mac_msgid_kind(r->ticket ? r->ticket->number : 0, r->rcpt,
	    r->cfg->domain, r->kind ? r->kind : 'm');
	char *refs = references(r), *tok = NULL, *alt = NULL, *mixed = NULL;
	const char *from_name = r->from_name ? r->from_name : q ?
	    q->display_name : r->cfg->name;
	const char *from_addr = q && q->addresses->len ?
	    q->addresses->pdata[0] : r->cfg->address;
	bool irt = r->in_reply_to && *r->in_reply_to && id_ok(r->in_reply_to);
	guint natts = r->attachments ? r->attachments->len : 0;
	GVariantBuilder ab;
	GVariant *v;

	if (r->ticket)
		tok = g_strdup_printf("%s#%lu", r->voice ? r->voice->tag :
		    r->cfg->tag, r->ticket->number);
	if (r->html)
		alt = new_boundary();
	if (natts)
		mixed = new_boundary();
	localtime_r(&now, &tm);
	g_variant_builder_init(&ab, G_VARIANT_TYPE("a(ayayay)"));
	for (guint i = 0; i < natts; i++) {
		struct pd_attachment *a = r->attachments->pdata[i];
		gsize n = 0;
		const void *d = a->data ? g_bytes_get_data(a->data, &n) : NULL;
		char h[65] = "";

		if (d && n)
			memcpy(h, attachment_hash(a), sizeof h);
		g_variant_builder_add(&ab, "(^ay^ay^ay)", h, nz(a->filename),
		    nz(a->content_type));
	}
	v = g_variant_new(COMPOSE_RECIPE_FORMAT, (guint32)COMPOSE_RECIPE_V,
	    (gint64)now, (gint32)tm.tm_gmtoff,
	    id, nz(from_name), nz(from_addr), (gboolean)(r->reply_to != NULL),
	    nz(r->reply_to), nz(r->rcpt_name), nz(r->rcpt), nz(r->subject),
	    irt ? r->in_reply_to : "", refs, r->auto_submitted ?
	    r->auto_submitted : "auto-generated", nz(r->cfg->address),
	    nz(tok), nz(r->body),
	    (gboolean)(r->html != NULL), r->html ? r->html : "",
	    alt ? alt : "", mixed ? mixed : "", g_variant_builder_end(&ab));
	g_variant_ref_sink(v);
	g_free(refs);
	g_free(tok);
	g_free(alt);
	g_free(mixed);
	*msgid_r = id;
	return v;
}

/* Whether v (an "ay") holds a byte string as g_variant_new_bytestring()
 * writes it: ended by its only NUL, at most max bytes before it. */
static bool
bytestring_ok(GVariant *v, gsize max)
{
	gsize n = g_variant_get_size(v);
	const char *d = g_variant_get_data(v);

	return n > 0 && n - 1 <= max && d && d[n - 1] == '\0' &&
	    memchr(d, '\0', n - 1) == NULL;
}

/* The children of a recipe (COMPOSE_RECIPE_TYPE) as compose_resolve()
 * writes them: see compose_recipe_load(). */
static bool
recipe_framed(GVariant *v)
{
	gsize n = g_variant_n_children(v);
	bool good = n == 22;

	for (gsize i = 0; good && i < n; i++) {
		GVariant *c = g_variant_get_child_value(v, i);

		if (g_variant_is_of_type(c, G_VARIANT_TYPE_BYTESTRING))
			good = bytestring_ok(c, COMPOSE_RECIPE_MAX);
		else if (i == 21) {
			GVariantIter it;
			GVariant *a;

			g_variant_iter_init(&it, c);
			while (good && (a = g_variant_iter_next_value(&it))) {
				GVariant *h = g_variant_get_child_value(a, 0);
				gsize hl = g_variant_get_size(h);

				good = g_variant_n_children(a) == 3 &&
				    bytestring_ok(h, 64) && (hl == 1 ||
				    hl == 65);
				for (gsize j = 1; good && j < 3; j++) {
					GVariant *f = g_variant_get_child_value(
					    a, j);

					good = bytestring_ok(f,
					    COMPOSE_RECIPE_MAX);
					g_variant_unref(f);
				}
				g_variant_unref(h);
				g_variant_unref(a);
			}
		}
		g_variant_unref(c);
	}
	return good;
}

GVariant *
compose_recipe_load(const void *data, size_t len, char **error_r)
{
	GBytes *b;
	GVariant *v;
	guint32 version = 0;

	if (len == 0 || len > COMPOSE_RECIPE_MAX) {
		*error_r = g_strdup_printf("recipe of %zu bytes", len);
		return NULL;
	}
	b = g_bytes_new(data, len);
	v = g_variant_new_from_bytes(G_VARIANT_TYPE(COMPOSE_RECIPE_TYPE), b,
	    FALSE);
	g_bytes_unref(b);
	g_variant_ref_sink(v);
	/* Read from untrusted bytes (trusted FALSE), GVariant's accessors
	 * never read outside them, whatever they hold.  What we wrote has
	 * every byte string ended by a NUL (the framing of a corrupt row
	 * gives empty or unended children) and every blob hash "" or 64
	 * characters.  Not g_variant_is_normal_form(): it visits every
	 * byte of an "ay" one by one, most of a sender's CPU per mail. */
	if (!recipe_framed(v)) {
		g_variant_unref(v);
		*error_r = g_strdup("recipe is not a well-formed GVariant");
		return NULL;
	}
	g_variant_get_child(v, 0, "u", &version);
	if (version != COMPOSE_RECIPE_V) {
		g_variant_unref(v);
		*error_r = g_strdup_printf("recipe version %u", version);
		return NULL;
	}
	return v;
}

GPtrArray *
compose_recipe_blobs(GVariant *recipe)
{
	GPtrArray *h = g_ptr_array_new_with_free_func(g_free);
	GVariant *atts = g_variant_get_child_value(recipe, 21);
	GVariantIter it;
	const char *hash, *fn, *ct;

	g_variant_iter_init(&it, atts);
	while (g_variant_iter_next(&it, "(^&ay^&ay^&ay)", &hash, &fn, &ct))
		g_ptr_array_add(h, g_strdup(hash));
	g_variant_unref(atts);
	return h;
}

char *
compose_render(GVariant *recipe, GPtrArray *blobs, GArray *blob_spans,
    size_t *len_r, char **error_r)
{
	struct recipe rc;
	GMimeMessage *msg;
	GMimeFormatOptions *fo;
	GMimeObject *body;
	struct att *atts;
	guint natts;
	GVariantIter it;
	char *wire, *nonce = NULL;

	g_variant_get(recipe, COMPOSE_RECIPE_READ, &rc.version, &rc.date,
	    &rc.offset, &rc.msgid, &rc.from_name, &rc.from_addr,
	    &rc.has_reply_to, &rc.reply_to, &rc.rcpt_name, &rc.rcpt,
	    &rc.subject, &rc.in_reply_to, &rc.refs, &rc.auto_submitted,
	    &rc.x_loop, &rc.token, &rc.body, &rc.has_html, &rc.html,
	    &rc.bnd_alt, &rc.bnd_mixed, &rc.atts);
	natts = g_variant_n_children(rc.atts);
	if (rc.version != COMPOSE_RECIPE_V || natts != (blobs ? blobs->len :
	    0) || (rc.has_html && !*rc.bnd_alt) || (natts && !*rc.bnd_mixed)) {
		*error_r = g_strdup("recipe does not fit its blobs");
		g_variant_unref(rc.atts);
		return NULL;
	}
	atts = g_new0(struct att, natts + 1);
	g_variant_iter_init(&it, rc.atts);
	for (guint i = 0; i < natts && g_variant_iter_next(&it,
	    "(^&ay^&ay^&ay)", &atts[i].hash, &atts[i].filename,
	    &atts[i].content_type); i++)
		atts[i].data = blobs->pdata[i];
	if (blob_spans) {
		/* "=" is never literal in the quoted-printable texts, and the
		 * random part makes the marker unguessable elsewhere. */
		unsigned char rnd[16];
		char hex[33];

		randombytes_buf(rnd, sizeof rnd);
		sodium_bin2hex(hex, sizeof hex, rnd, sizeof rnd);
		nonce = g_strdup_printf("=PD-SPAN=%s=", hex);
	}
	msg = g_mime_message_new(TRUE);
	fo = g_mime_format_options_new();
	set_addresses(msg, &rc);
	set_headers(msg, &rc);
	body = body_part(&rc, atts, natts, nonce);
	g_mime_message_set_mime_part(msg, body);
	g_object_unref(body);
	g_mime_format_options_set_newline_format(fo, GMIME_NEWLINE_FORMAT_DOS);
	wire = g_mime_object_to_string(GMIME_OBJECT(msg), fo);
	g_mime_format_options_free(fo);
	g_object_unref(msg);
	*len_r = strlen(wire);
	if (nonce) {
		char *cut = cut_markers(atts, natts, wire, nonce, len_r,
		    blob_spans);

		g_free(nonce);
		g_free(wire);
		if (!cut) {
			/* The mail whole, as without blob_spans. */
			g_array_set_size(blob_spans, 0);
			cut = compose_render(recipe, blobs, NULL, len_r,
			    error_r);
		}
		wire = cut;
	}
	g_free(atts);
	g_variant_unref(rc.atts);
	return wire;
}

char *
compose_mail(const struct compose_req *r, size_t *len_r, char **msgid_r)
{
	GVariant *recipe = compose_resolve(r, msgid_r);
	GPtrArray *blobs = g_ptr_array_new();
	char *err = NULL, *wire;

	for (guint i = 0; r->attachments && i < r->attachments->len; i++)
		g_ptr_array_add(blobs, ((struct pd_attachment *)
		    r->attachments->pdata[i])->data);
	wire = compose_render(recipe, blobs, r->blob_spans, len_r, &err);
	/* Cannot fail: the recipe and its blobs are the same request's. */
	g_assert(wire);
	g_ptr_array_unref(blobs);
	g_variant_unref(recipe);
	return wire;
}
