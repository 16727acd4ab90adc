/* leaktext.c: see leaktext.h. */
#include <string.h>
#include "html2text.h"
#include "leaktext.h"
#include "mac.h"
#include "msg.h"
#include "textsniff.h"

/* Nesting of attached messages we open; deeper is unreadable. */
#define MAX_DEPTH	3
/* Bytes of one file we read as text, and of all text together: a mail
 * bigger than max_message_size never gets here, these bound the copies. */
#define MAX_FILE	(8 * 1024 * 1024)
#define MAX_TEXT	(32 * 1024 * 1024)

void
leaktext_init(struct leaktext *l)
{
	l->text = g_string_new(NULL);
	l->hashes = g_ptr_array_new_with_free_func(g_free);
	l->binary = g_ptr_array_new_with_free_func(g_free);
	l->unreadable = false;
	l->names = false;
}

void
leaktext_clear(struct leaktext *l)
{
	g_string_free(l->text, TRUE);
	g_ptr_array_unref(l->hashes);
	g_ptr_array_unref(l->binary);
}

static void add_list(struct leaktext *l, GPtrArray *atts, int depth);

/* An attached message: its subject, text and attachments.  declared: it
 * was sent as message/...; one that does not parse is then unreadable,
 * while a text file that merely looks like a mail is read as text. */
static void
add_message(struct leaktext *l, const char *p, size_t len, int depth,
    bool declared)
{
	const struct pd_limits lim = PD_LIMITS_DEFAULT;
	struct pd_msg *m = NULL;
	char *err = NULL;

	if (depth >= MAX_DEPTH || msg_parse(p, len, &lim, &m, &err) != 0) {
		g_free(err);
		l->unreadable |= declared;
		return;
	}
	g_string_append_printf(l->text, "\n%s\n%s\n", m->subject, m->text);
	add_list(l, m->attachments, depth + 1);
	msg_free(&m);
}

/* Does text start like a saved mail (a header field, then a blank line
 * somewhere)?  Its encoded parts (base64, quoted-printable) are then
 * decoded like those of an attached message, whatever its declared type. */
static bool
looks_like_message(const char *text)
{
	const char *p = text;

	while (*p > ' ' && *p < 127 && *p != ':')
		p++;
	return p > text && *p == ':' && (strstr(text, "\n\n") ||
	    strstr(text, "\r\n\r\n"));
}

static void
add_file(struct leaktext *l, const char *filename, const char *type,
    const void *data, size_t len, int depth)
{
	char hash[65], *text;

	mac_content_hash(data ? data : "", len, hash);
	g_ptr_array_add(l->hashes, g_strdup(hash));
	/* The client sees the file's name too: as written, and with the
	 * dots and underscores that join its words ("pw_S.txt") as blanks. */
	if (l->names && *filename && l->text->len < MAX_TEXT) {
		char *words = g_strdelimit(g_strdup(filename), "._", ' ');

		g_string_append_printf(l->text, "\n%s\n%s\n", filename,
		    words);
		g_free(words);
	}
	if (g_str_has_prefix(type, "message/")) {
		add_message(l, data, len, depth, true);
		return;
	}
	text = textsniff(data, MIN(len, MAX_FILE), NULL);
	if (text == NULL) {
		g_ptr_array_add(l->binary, g_strdup(*filename ? filename :
		    type));
		return;
	}
	if (looks_like_message(text))
		add_message(l, data, MIN(len, MAX_FILE), depth, false);
	if (strcmp(type, "text/html") == 0 || textsniff_is_html(text)) {
		char *plain = html_to_text(text, strlen(text));

		g_free(text);
		text = plain;
	}
	if (l->text->len < MAX_TEXT)
		g_string_append_printf(l->text, "\n%s\n", text);
	g_free(text);
}

static void
add_list(struct leaktext *l, GPtrArray *atts, int depth)
{
	for (guint i = 0; atts && i < atts->len; i++) {
		const struct pd_attachment *a = atts->pdata[i];
		gsize len = 0;
		const void *p = a->data ? g_bytes_get_data(a->data, &len) :
		    NULL;

		add_file(l, a->filename ? a->filename : "", a->content_type ?
		    a->content_type : "", p, len, depth);
	}
}

void
leaktext_add(struct leaktext *l, GPtrArray *attachments)
{
	add_list(l, attachments, 0);
}

void
leaktext_add_file(struct leaktext *l, const char *filename,
    const char *content_type, const void *data, size_t len)
{
	add_file(l, filename ? filename : "", content_type ? content_type :
	    "", data, len, 0);
}
