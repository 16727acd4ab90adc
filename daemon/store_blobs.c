/* store_blobs.c: attachments stored once, by content (docs/storage.md;
 * see store.h).
 *
 * A blob is the decoded content of an attachment, keyed by the hex
 * SHA-256 of its bytes (libsodium crypto_hash_sha256).  The attachments
 * table names the blob of each file.  The raw message keeps every byte,
 * but where an attachment's base64 text in it is exactly what we would
 * write for the blob (76 columns, CRLF or LF line ends: what mail clients
 * and GMime write), that span is cut out of the stored raw and a raw_spans
 * row says where it goes back; store_message_raw() puts it back, so the
 * raw message we return is byte for byte the one we received.  An
 * attachment encoded any other way stays in the raw as it came.  What is
 * left of the raw is stored deflated (zlib, messages.raw_format 1) when
 * that makes it smaller: mail text compresses about threefold. */
#define _GNU_SOURCE /* memmem */
#include <string.h>
#include <gio/gio.h>
#include <gnutls/crypto.h>
#include <sodium.h>
#include "db.h"
#include "store.h"

/* Attachments smaller than this stay inside the raw message (store.h). */
#define SPAN_MIN RAW_SPAN_MIN

/* Forms of an encoded span (raw_spans.form). */
enum { FORM_B64_CRLF = 1, FORM_B64_LF = 2 };

/* GnuTLS's SHA-256 (nettle) uses the CPU's SHA instructions where there
 * are some, about five times libsodium's speed on a 100 KB attachment;
 * the same digest.  libsodium's if GnuTLS refuses (a FIPS mode without
 * it, say). */
void
blob_hash(const void *data, size_t len, char out[65])
{
	unsigned char h[crypto_hash_sha256_BYTES];
	const void *d = data ? data : (const void *)"";

	if (gnutls_hash_fast(GNUTLS_DIG_SHA256, d, len, h) != 0)
		crypto_hash_sha256(h, d, len);
	sodium_bin2hex(out, 65, h, sizeof h);
}

const char *
attachment_hash(struct pd_attachment *a)
{
	if (a->hash[0] == '\0') {
		gsize n = 0;
		const void *d = a->data ? g_bytes_get_data(a->data, &n) : NULL;

		blob_hash(d, n, a->hash);
	}
	return a->hash;
}

int
store_blob_put_hashed(sqlite3 *db, const void *data, size_t len,
    const char hash[65])
{
	return db_exec(db, "INSERT INTO blobs (hash, size, data) VALUES (?, ?, "
	    "?) ON CONFLICT (hash) DO NOTHING", "tiB", hash, (int64_t)len,
	    data, len);
}

GBytes *
store_blob_get(sqlite3 *db, const char *hash)
{
	sqlite3_stmt *st = db_prep(db, "SELECT data FROM blobs WHERE hash = ?",
	    "t", hash);
	GBytes *b = NULL;

	if (st && sqlite3_step(st) == SQLITE_ROW)
		b = g_bytes_new(sqlite3_column_blob(st, 0),
		    sqlite3_column_bytes(st, 0));
	sqlite3_finalize(st);
	return b;
}

/* base64 of data as MIME writes it (RFC 2045 6.8): lines of 76
 * characters, each ended by eol, the last one too. */
static GString *
b64_lines(const guchar *data, size_t len, const char *eol)
{
	GString *s = g_string_sized_new(len / 57 * (76 + 2) + 80);

	for (size_t i = 0; i < len; i += 57) {
		/* What g_base64_encode() does, without its allocation. */
		gchar l[80];
		gint state = 0, save = 0;
		gsize n = g_base64_encode_step(data + i, MIN(57, len - i),
		    FALSE, l, &state, &save);

		n += g_base64_encode_close(FALSE, l + n, &state, &save);
		g_string_append_len(s, l, (gssize)n);
		g_string_append(s, eol);
	}
	return s;
}

/* memmem(hay, hlen, needle, nlen) for a long needle (nlen > 0): its
 * first line looked for (glibc's fast search of short needles), the rest
 * compared only where that matched.  The same first match. */
static const guchar *
find_text(const guchar *hay, size_t hlen, const guchar *needle,
    size_t nlen)
{
	size_t head = MIN(nlen, 80);
	const guchar *p = hay, *end = hay + hlen;

	while ((size_t)(end - p) >= nlen) {
		const guchar *q = memmem(p, (size_t)(end - p) - (nlen - head),
		    needle, head);

		if (!q)
			return NULL;
		if (memcmp(q + head, needle + head, nlen - head) == 0)
			return q;
		p = q + 1;
	}
	return NULL;
}

GByteArray *
store_raw_split(const void *raw, size_t len, GPtrArray *atts,
    GArray *spans)
{
	GByteArray *out = g_byte_array_new();
	const guchar *r = raw;
	size_t done = 0;
	GArray *found = g_array_new(FALSE, FALSE, sizeof(struct raw_span));

	/* Find each attachment's text in the raw message. */
	for (guint i = 0; atts && i < atts->len; i++) {
		struct pd_attachment *a = atts->pdata[i];
		gsize n = 0;
		const guchar *d = a->data ? g_bytes_get_data(a->data, &n) :
		    NULL;

		if (!d || n < SPAN_MIN)
			continue;
		for (int form = FORM_B64_CRLF; form <= FORM_B64_LF; form++) {
			GString *enc = b64_lines(d, n, form == FORM_B64_CRLF ?
			    "\r\n" : "\n");
			const guchar *p = find_text(r, len,
			    (const guchar *)enc->str, enc->len);
			struct raw_span sp = { .form = form };
			bool overlap = false;

			if (p) {
				sp.at = p - r;
				sp.len = enc->len;
				for (guint j = 0; j < found->len; j++) {
					struct raw_span *o = &g_array_index(
					    found, struct raw_span, j);

					overlap |= sp.at < o->at + o->len &&
					    o->at < sp.at + sp.len;
				}
			}
			g_string_free(enc, TRUE);
			if (p && !overlap) {
				memcpy(sp.blob, attachment_hash(a),
				    sizeof sp.blob);
				g_array_append_val(found, sp);
				break;
			}
		}
	}
	/* Cut them out in the order they appear; a span's offset is where
	 * it goes back in the stored (shortened) raw. */
	for (guint i = 0; i < found->len; i++)
		for (guint j = i + 1; j < found->len; j++) {
			struct raw_span *x = &g_array_index(found,
			    struct raw_span, i);
			struct raw_span *y = &g_array_index(found,
			    struct raw_span, j);

			if (y->at < x->at) {
				struct raw_span t = *x;

				*x = *y;
				*y = t;
			}
		}
	for (guint i = 0; i < found->len; i++) {
		struct raw_span sp = g_array_index(found, struct raw_span, i);

		g_byte_array_append(out, r + done, sp.at - done);
		done = sp.at + sp.len;
		sp.at = out->len;
		g_array_append_val(spans, sp);
	}
	g_byte_array_append(out, r + done, len - done);
	g_array_unref(found);
	return out;
}

/* data run through conv to its end (g_malloc'd, *n_r bytes), or NULL when
 * the converter fails (corrupt input). */
static guchar *
convert_all(GConverter *conv, const guchar *in, size_t len, size_t *n_r)
{
	size_t cap = len + len / 8 + 256, done = 0;
	guchar *out = g_malloc(cap);

	for (;;) {
		gsize r = 0, w = 0;
		GError *e = NULL;
		GConverterResult res = g_converter_convert(conv, in, len,
		    out + done, cap - done, G_CONVERTER_INPUT_AT_END, &r, &w,
		    &e);

		in += r;
		len -= r;
		done += w;
		if (res == G_CONVERTER_FINISHED)
			break;
		if (res == G_CONVERTER_ERROR && !g_error_matches(e,
		    G_IO_ERROR, G_IO_ERROR_NO_SPACE)) {
			g_error_free(e);
			g_free(out);
			return NULL;
		}
		if (e)
			g_error_free(e);
		if (cap - done < 4096 || res == G_CONVERTER_ERROR)
			out = g_realloc(out, cap *= 2);
	}
	*n_r = done;
	return out;
}

GBytes *
store_raw_pack(GByteArray *raw, int *format_r)
{
	/* Level 3: most of level 6's gain for 60 % of its CPU
	 * (docs/storage.md). */
	GZlibCompressor *z = g_zlib_compressor_new(
	    G_ZLIB_COMPRESSOR_FORMAT_ZLIB, 3);
	size_t n = 0;
	guchar *p = convert_all(G_CONVERTER(z), raw->data, raw->len, &n);

	g_object_unref(z);
	if (p && n < raw->len) {
		*format_r = 1;
		return g_bytes_new_take(p, n);
	}
	g_free(p);
	*format_r = 0;
	return g_bytes_new(raw->data, raw->len);
}

int
store_raw_spans_add(sqlite3 *db, int64_t message, GArray *spans)
{
	for (guint i = 0; i < spans->len; i++) {
		const struct raw_span *sp = &g_array_index(spans,
		    struct raw_span, i);

		if (db_exec(db, "INSERT INTO raw_spans (message, offset, blob, "
		    "form) VALUES (?, ?, ?, ?)", "iiti", message,
		    (int64_t)sp->at, sp->blob, (int64_t)sp->form) != 0)
			return -1;
	}
	return 0;
}

GBytes *
store_message_raw(sqlite3 *db, int64_t id)
{
	sqlite3_stmt *st = db_prep(db, "SELECT raw, raw_format FROM messages "
	    "WHERE id = ?", "i", id);
	GByteArray *out = NULL;
	const guchar *raw;
	guchar *plain = NULL;
	size_t len;
	int r;

	if (!st || sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return NULL;
	}
	raw = sqlite3_column_blob(st, 0);
	len = sqlite3_column_bytes(st, 0);
	if (sqlite3_column_int(st, 1) == 1) {
		GZlibDecompressor *z = g_zlib_decompressor_new(
		    G_ZLIB_COMPRESSOR_FORMAT_ZLIB);

		plain = convert_all(G_CONVERTER(z), raw, len, &len);
		g_object_unref(z);
		if (!plain) {
			sqlite3_finalize(st);
			return NULL;
		}
		raw = plain;
	}
	out = g_byte_array_sized_new(len);
	{
		sqlite3_stmt *sp = db_prep(db, "SELECT s.offset, s.form, b.data "
		    "FROM raw_spans s JOIN blobs b ON b.hash = s.blob WHERE "
		    "s.message = ? ORDER BY s.offset", "i", id);

		r = store_spans_put_back(sp, raw, len, out);
		sqlite3_finalize(sp);
		if (r != 0) {
			sqlite3_finalize(st);
			g_byte_array_unref(out);
			g_free(plain);
			return NULL;
		}
	}
	sqlite3_finalize(st);
	g_free(plain);
	return g_byte_array_free_to_bytes(out);
}

int
store_spans_put_back(sqlite3_stmt *sp, const void *raw, size_t len,
    GByteArray *out)
{
	const guchar *r = raw;
	size_t done = 0;
	int rc = SQLITE_ERROR;

	while (sp && (rc = sqlite3_step(sp)) == SQLITE_ROW) {
		size_t at = sqlite3_column_int64(sp, 0);
		GString *enc;

		if (at < done || at > len)
			return -1; /* cannot happen: we wrote them */
		g_byte_array_append(out, r + done, at - done);
		done = at;
		enc = b64_lines(sqlite3_column_blob(sp, 2),
		    sqlite3_column_bytes(sp, 2),
		    sqlite3_column_int(sp, 1) == FORM_B64_CRLF ? "\r\n" :
		    "\n");
		g_byte_array_append(out, (guchar *)enc->str, enc->len);
		g_string_free(enc, TRUE);
	}
	if (rc != SQLITE_DONE)
		return -1;
	g_byte_array_append(out, r + done, len - done);
	return 0;
}

size_t
store_span_b64_len(size_t n)
{
	/* b64_lines: 57 bytes a line of 76 characters, CRLF after each. */
	return n / 57 * 78 + (n % 57 ? (n % 57 + 2) / 3 * 4 + 2 : 0);
}

/* pd_sha256(x): blob_hash of a blob or text, NULL for NULL. */
static void
sql_sha256(sqlite3_context *c, int argc, sqlite3_value **v)
{
	char h[65];

	if (sqlite3_value_type(v[0]) == SQLITE_NULL) {
		sqlite3_result_null(c);
		return;
	}
	blob_hash(sqlite3_value_blob(v[0]), sqlite3_value_bytes(v[0]), h);
	sqlite3_result_text(c, h, 64, SQLITE_TRANSIENT);
}

/* pd_headers(x): the header section of a mail (through the first empty
 * line), all of it when there is none. */
static void
sql_headers(sqlite3_context *c, int argc, sqlite3_value **v)
{
	const char *p = sqlite3_value_blob(v[0]);
	size_t n = sqlite3_value_bytes(v[0]), i;

	if (sqlite3_value_type(v[0]) == SQLITE_NULL) {
		sqlite3_result_null(c);
		return;
	}
	for (i = 0; p && i < n; i++)
		if (p[i] == '\n' && ((i + 1 < n && p[i + 1] == '\n') ||
		    (i + 2 < n && p[i + 1] == '\r' && p[i + 2] == '\n'))) {
			n = i + 1 + (p[i + 1] == '\r' ? 2 : 1);
			break;
		}
	sqlite3_result_blob(c, p ? p : "", (int)n, SQLITE_TRANSIENT);
}

/* pd_body(body, body_z): a message's text, from body_z (deflated,
 * store_text_pack) when it is not NULL, else body as it is (messages
 * stored before schema 16, and texts too short to gain). */
static void
sql_body(sqlite3_context *c, int argc, sqlite3_value **v)
{
	GZlibDecompressor *z;
	guchar *plain;
	size_t n = 0;

	if (sqlite3_value_type(v[1]) == SQLITE_NULL) {
		sqlite3_result_value(c, v[0]);
		return;
	}
	z = g_zlib_decompressor_new(G_ZLIB_COMPRESSOR_FORMAT_ZLIB);
	plain = convert_all(G_CONVERTER(z), sqlite3_value_blob(v[1]),
	    sqlite3_value_bytes(v[1]), &n);
	g_object_unref(z);
	if (!plain) {
		sqlite3_result_error(c, "pd_body: a damaged text", -1);
		return;
	}
	sqlite3_result_text(c, (const char *)plain, (int)n, g_free);
}

GBytes *
store_text_pack(const char *text)
{
	size_t len = strlen(text), n = 0;
	GZlibCompressor *z;
	guchar *p;

	if (len < 128)
		return NULL;
	z = g_zlib_compressor_new(G_ZLIB_COMPRESSOR_FORMAT_ZLIB, 3);
	p = convert_all(G_CONVERTER(z), (const guchar *)text, len, &n);
	g_object_unref(z);
	if (!p || n >= len) {
		g_free(p);
		return NULL;
	}
	return g_bytes_new_take(p, n);
}

int
store_sql_functions(sqlite3 *db)
{
	if (sodium_init() < 0)
		return -1;
	if (sqlite3_create_function(db, "pd_sha256", 1, SQLITE_UTF8 |
	    SQLITE_DETERMINISTIC, NULL, sql_sha256, NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function(db, "pd_headers", 1, SQLITE_UTF8 |
	    SQLITE_DETERMINISTIC, NULL, sql_headers, NULL, NULL) != SQLITE_OK ||
	    sqlite3_create_function(db, "pd_body", 2, SQLITE_UTF8 |
	    SQLITE_DETERMINISTIC, NULL, sql_body, NULL, NULL) != SQLITE_OK ||
	    store_search_functions(db) != 0)
		return -1;
	return 0;
}

void
store_span_b64_append(GByteArray *out, const void *data, size_t len)
{
	/* b64_lines with CRLF, written in place: no copy of the text. */
	const guchar *d = data;
	guint at = out->len, want = at + store_span_b64_len(len);
	gchar *p;

	/* g_base64_encode_step may want a few bytes beyond what it
	 * writes: room for them, cut off below. */
	g_byte_array_set_size(out, want + 8);
	p = (gchar *)out->data + at;
	for (size_t i = 0; i < len; i += 57) {
		gint state = 0, save = 0;
		gsize n = g_base64_encode_step(d + i, MIN(57, len - i), FALSE,
		    p, &state, &save);

		n += g_base64_encode_close(FALSE, p + n, &state, &save);
		p += n;
		*p++ = '\r';
		*p++ = '\n';
	}
	g_byte_array_set_size(out, want);
}
