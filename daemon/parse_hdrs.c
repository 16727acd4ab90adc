/* parse_hdrs.c: the header index of a parsed message (see msg.h).
 *
 * msg_parse() walks the top-level header block once and builds two views
 * of it: every (name, value) in order, and, per name (case-insensitive),
 * the values in order.  Every accessor of msg.h is then O(1), so code that
 * loops over all headers of one name stays linear however many a stranger
 * sent (issue 7 §7: 100,000 X-Loop headers made the old per-call rescan
 * quadratic).  max_headers (postdesk.conf(5)) bounds the count before the
 * index is built. */
#include <string.h>
#include "parse_priv.h"

struct hdr {
	const char *name;  /* borrowed from GMime, or owned_name */
	const char *value; /* borrowed from GMime, or owned_value */
	char *owned_name;  /* a valid UTF-8 copy when GMime's was not */
	char *owned_value;
	const char *raw;   /* undecoded, as received; borrowed from GMime */
};

struct pd_hdr_index {
	struct hdr *all;      /* n entries, in header order */
	unsigned n;
	GHashTable *by_name;  /* name (case-insensitive) -> GPtrArray of
	                       * const char * values, in order; borrowed */
};

/* ASCII case-insensitive hash and equality: header names are compared
 * without case (RFC 5322 §1.2.2), and lookups need no lower-cased copy. */
static guint
name_hash(gconstpointer p)
{
	const unsigned char *s = p;
	guint h = 5381;

	for (; *s; s++)
		h = h * 33 + g_ascii_tolower(*s);
	return h;
}

static gboolean
name_equal(gconstpointer a, gconstpointer b)
{
	return g_ascii_strcasecmp(a, b) == 0;
}

static const char *
valid(const char *s, char **owned_r)
{
	*owned_r = NULL;
	if (s == NULL || g_utf8_validate(s, -1, NULL))
		return s;
	*owned_r = g_utf8_make_valid(s, -1);
	return *owned_r;
}

struct pd_hdr_index *
parse_hdr_index(GMimeObject *obj)
{
	GMimeHeaderList *hl = g_mime_object_get_header_list(obj);
	int count = hl ? g_mime_header_list_get_count(hl) : 0;
	struct pd_hdr_index *x = g_new0(struct pd_hdr_index, 1);
	GPtrArray *vals;

	x->all = g_new0(struct hdr, count > 0 ? count : 1);
	x->by_name = g_hash_table_new_full(name_hash, name_equal, NULL,
	    (GDestroyNotify)g_ptr_array_unref);
	for (int i = 0; i < count; i++) {
		GMimeHeader *h = g_mime_header_list_get_header_at(hl, i);
		struct hdr *e = &x->all[x->n];

		e->name = valid(g_mime_header_get_name(h), &e->owned_name);
		if (e->name == NULL)
			continue;
		e->value = valid(g_mime_header_get_value(h), &e->owned_value);
		if (e->value == NULL)
			e->value = "";
		if ((e->raw = g_mime_header_get_raw_value(h)) == NULL)
			e->raw = "";
		x->n++;
		if ((vals = g_hash_table_lookup(x->by_name, e->name)) == NULL) {
			vals = g_ptr_array_new();
			g_hash_table_insert(x->by_name, (gpointer)e->name,
			    vals);
		}
		g_ptr_array_add(vals, (gpointer)e->value);
	}
	return x;
}

void
parse_hdr_index_free(struct pd_hdr_index *x)
{
	if (x == NULL)
		return;
	g_hash_table_unref(x->by_name);
	for (unsigned i = 0; i < x->n; i++) {
		g_free(x->all[i].owned_name);
		g_free(x->all[i].owned_value);
	}
	g_free(x->all);
	g_free(x);
}

const char *
msg_header_nth(const struct pd_msg *m, const char *name, unsigned n)
{
	GPtrArray *vals;

	if (m == NULL || m->hdrs == NULL || name == NULL ||
	    (vals = g_hash_table_lookup(m->hdrs->by_name, name)) == NULL ||
	    n >= vals->len)
		return NULL;
	return vals->pdata[n];
}

const char *
msg_header(const struct pd_msg *m, const char *name)
{
	return msg_header_nth(m, name, 0);
}

unsigned
msg_header_count(const struct pd_msg *m, const char *name)
{
	GPtrArray *vals;

	if (m == NULL || m->hdrs == NULL || name == NULL ||
	    (vals = g_hash_table_lookup(m->hdrs->by_name, name)) == NULL)
		return 0;
	return vals->len;
}

unsigned
msg_header_total(const struct pd_msg *m)
{
	return m != NULL && m->hdrs != NULL ? m->hdrs->n : 0;
}

const char *
msg_header_at(const struct pd_msg *m, unsigned i, const char **name_r)
{
	if (name_r != NULL)
		*name_r = NULL;
	if (m == NULL || m->hdrs == NULL || i >= m->hdrs->n)
		return NULL;
	if (name_r != NULL)
		*name_r = m->hdrs->all[i].name;
	return m->hdrs->all[i].value;
}

bool
msg_header_raw_at(const struct pd_msg *m, unsigned i, const char **name_r,
    const char **raw_r)
{
	if (m == NULL || m->hdrs == NULL || i >= m->hdrs->n)
		return false;
	*name_r = m->hdrs->all[i].name;
	*raw_r = m->hdrs->all[i].raw;
	return true;
}
