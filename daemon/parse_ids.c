/* parse_ids.c: msg_embedded_ids(), the Message-IDs a bounce carries back
 * inside its embedded message or headers part. */
#include <string.h>
#include "parse_priv.h"

/* Bounds for this scan: a bounce has a few parts and a few ids. */
#define EMBEDDED_MAX_IDS 256

struct scan {
	GPtrArray *out;
	GHashTable *seen;
	GRegex *re;
	unsigned parts;
	const struct pd_limits *lim;
};

static void
scan_text(struct scan *s, const char *text, size_t len)
{
	GMatchInfo *mi = NULL;
	char *id, *v;

	/* An empty part's bytes may be NULL (found by tests/fuzz/fuzz_msg). */
	if (text == NULL || len == 0)
		return;
	v = g_utf8_make_valid(text, len);
	g_regex_match(s->re, v, 0, &mi);
	while (g_match_info_matches(mi) &&
	    g_hash_table_size(s->seen) < EMBEDDED_MAX_IDS) {
		id = g_match_info_fetch(mi, 1);
		if (g_hash_table_add(s->seen, id))
			g_ptr_array_add(s->out, g_strdup(id));
		g_match_info_next(mi, NULL);
	}
	g_match_info_free(mi);
	g_free(v);
}

static void scan_obj(struct scan *, GMimeObject *, unsigned);

static void
scan_leaf(struct scan *s, GMimeObject *obj)
{
	GMimeContentType *ct = g_mime_object_get_content_type(obj);
	GByteArray *ba;

	if (ct == NULL || !GMIME_IS_PART(obj) ||
	    (!g_mime_content_type_is_type(ct, "text", "rfc822-headers") &&
	    !g_mime_content_type_is_type(ct, "message", "rfc822-headers")))
		return;
	ba = parse_part_bytes(GMIME_PART(obj));
	scan_text(s, (const char *)ba->data, ba->len);
	g_byte_array_unref(ba);
}

static void
scan_obj(struct scan *s, GMimeObject *obj, unsigned depth)
{
	GMimeMultipart *mp;
	GMimeMessage *inner;
	char *str;

	if (obj == NULL || depth > s->lim->max_depth ||
	    ++s->parts > s->lim->max_parts)
		return;
	if (GMIME_IS_MULTIPART(obj)) {
		mp = GMIME_MULTIPART(obj);
		for (int i = 0; i < g_mime_multipart_get_count(mp); i++)
			scan_obj(s, g_mime_multipart_get_part(mp, i),
			    depth + 1);
	} else if (GMIME_IS_MESSAGE_PART(obj)) {
		inner = g_mime_message_part_get_message(
		    GMIME_MESSAGE_PART(obj));
		if (inner == NULL)
			return;
		str = g_mime_object_to_string(GMIME_OBJECT(inner), NULL);
		scan_text(s, str, strlen(str));
		g_free(str);
	} else
		scan_leaf(s, obj);
}

void
msg_embedded_ids(const struct pd_msg *m, GPtrArray *out)
{
	static const struct pd_limits lim = PD_LIMITS_DEFAULT;
	struct scan s = { .out = out, .lim = &lim };

	if (m == NULL || m->mime == NULL)
		return;
	s.seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	s.re = g_regex_new("<([^<>\\s\"@]{1,250}@[^<>\\s\"]{1,250})>", 0, 0,
	    NULL);
	scan_obj(&s, g_mime_message_get_mime_part(m->mime), 0);
	g_regex_unref(s.re);
	g_hash_table_destroy(s.seen);
}
