/* mailcmp.h: comparing two composed mails byte for byte, apart from what
 * is random or dated in each (Message-ID, Date, multipart boundaries), and
 * test attachments; for unit_outbox_spans and unit_recipe.
 * Header-only. */
#ifndef PD_TEST_MAILCMP_H
#define PD_TEST_MAILCMP_H

#include <string.h>
#include <glib.h>
#include "msg.h"

/* n bytes of a fixed pattern (seed varies it), g_malloc'd. */
static inline guchar *
pattern(size_t n, unsigned seed)
{
	guchar *d = g_malloc(n ? n : 1);

	for (size_t i = 0; i < n; i++)
		d[i] = (guchar)((i * 2654435761u + seed) >> 13);
	return d;
}

/* A test attachment of n pattern bytes; free it with att_free. */
static inline struct pd_attachment *
att_new(const char *name, const char *type, size_t n, unsigned seed)
{
	struct pd_attachment *a = g_new0(struct pd_attachment, 1);

	a->filename = g_strdup(name);
	a->content_type = g_strdup(type);
	a->size = n;
	a->data = g_bytes_new_take(pattern(n, seed), n);
	return a;
}

/* A struct pd_attachment of a test, with all it holds (a GDestroyNotify
 * for GPtrArray). */
static inline void
att_free(gpointer p)
{
	struct pd_attachment *a = p;

	g_free(a->filename);
	g_free(a->content_type);
	g_bytes_unref(a->data);
	g_free(a);
}

/* The header line starting with name in mail (up to its line end),
 * g_malloc'd, or NULL. */
static inline char *
header_line(const char *mail, const char *name)
{
	const char *p = strstr(mail, name), *e;

	if (!p)
		return NULL;
	e = strstr(p, "\r\n");
	return g_strndup(p, e ? (size_t)(e - p) : strlen(p));
}

/* The i-th boundary="..." of mail, g_malloc'd, or NULL. */
static inline char *
boundary(const char *mail, int i)
{
	const char *p = mail;

	while ((p = strstr(p, "boundary=\"")) != NULL) {
		p += strlen("boundary=\"");
		if (i-- == 0)
			return g_strndup(p, strcspn(p, "\""));
	}
	return NULL;
}

/* Mail a (Message-ID a_id) with its Message-ID, Date and multipart
 * boundaries made those of b (b_id), so that the rest can be compared
 * byte for byte; g_malloc'd. */
static inline char *
same_randoms(const char *a, const char *a_id, const char *b,
    const char *b_id)
{
	GString *s = g_string_new(a);
	char *x, *y;

	g_string_replace(s, a_id, b_id, 0);
	x = header_line(a, "\r\nDate: ");
	y = header_line(b, "\r\nDate: ");
	if (x && y)
		g_string_replace(s, x, y, 1);
	g_free(x);
	g_free(y);
	for (int i = 0; i < 4; i++) {
		x = boundary(a, i);
		y = boundary(b, i);
		if (x && y)
			g_string_replace(s, x, y, 0);
		g_free(x);
		g_free(y);
	}
	return g_string_free(s, FALSE);
}

#endif
