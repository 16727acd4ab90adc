/* html2text.c: see html2text.h. */
#include <stdbool.h>
#include <string.h>
#include <glib.h>
#include <libxml/HTMLparser.h>
#include "html2text.h"

/* libxml2 refuses deeper documents anyway; this bounds our recursion. */
#define HTML_MAX_DEPTH 256

struct h2t {
	GString *out;
	bool pre;   /* inside <pre>: keep spaces and newlines */
	bool space; /* a collapsed space is pending */
};

static bool
name_in(const xmlChar *name, const char *const *list)
{
	for (; *list; list++)
		if (g_ascii_strcasecmp((const char *)name, *list) == 0)
			return true;
	return false;
}

static void
newline(struct h2t *h, unsigned want)
{
	unsigned have = 0;
	GString *o = h->out;

	h->space = false;
	if (o->len == 0)
		return;
	while (have < o->len && o->str[o->len - 1 - have] == '\n')
		have++;
	for (; have < want; have++)
		g_string_append_c(o, '\n');
}

static void
text(struct h2t *h, const char *s)
{
	for (; *s; s++) {
		if (h->pre) {
			if (*s != '\r')
				g_string_append_c(h->out, *s);
			continue;
		}
		/* &nbsp; (U+00A0) lays out text, it is not content. */
		if ((unsigned char)s[0] == 0xc2 && (unsigned char)s[1] == 0xa0) {
			h->space = true;
			s++;
			continue;
		}
		if (g_ascii_isspace(*s)) {
			h->space = true;
			continue;
		}
		if (h->space && h->out->len > 0 &&
		    h->out->str[h->out->len - 1] != '\n')
			g_string_append_c(h->out, ' ');
		h->space = false;
		g_string_append_c(h->out, *s);
	}
}

static void walk(struct h2t *, xmlNode *, int);

static void
element(struct h2t *h, xmlNode *n, int depth)
{
	static const char *const skip[] = { "script", "style", "head",
	    "title", "noscript", "template", NULL };
	static const char *const para[] = { "p", "h1", "h2", "h3", "h4",
	    "h5", "h6", "blockquote", "table", "ul", "ol", "pre", "dl", NULL };
	static const char *const line[] = { "div", "tr", "li", "dt", "dd",
	    "hr", "section", "article", "header", "footer", "address",
	    "center", "form", "fieldset", NULL };
	bool was_pre = h->pre;

	if (name_in(n->name, skip))
		return;
	if (g_ascii_strcasecmp((const char *)n->name, "br") == 0) {
		g_string_append_c(h->out, '\n');
		h->space = false;
		return;
	}
	if (name_in(n->name, para))
		newline(h, 2);
	else if (name_in(n->name, line))
		newline(h, 1);
	else if (name_in(n->name, (const char *const[]){ "td", "th", NULL }))
		h->space = true;
	if (g_ascii_strcasecmp((const char *)n->name, "li") == 0)
		g_string_append(h->out, "- ");
	if (g_ascii_strcasecmp((const char *)n->name, "pre") == 0)
		h->pre = true;
	walk(h, n->children, depth + 1);
	h->pre = was_pre;
	if (name_in(n->name, para))
		newline(h, 2);
	else if (name_in(n->name, line))
		newline(h, 1);
}

static void
walk(struct h2t *h, xmlNode *n, int depth)
{
	if (depth > HTML_MAX_DEPTH)
		return;
	for (; n != NULL; n = n->next) {
		if ((n->type == XML_TEXT_NODE ||
		    n->type == XML_CDATA_SECTION_NODE) && n->content != NULL)
			text(h, (const char *)n->content);
		else if (n->type == XML_ELEMENT_NODE)
			element(h, n, depth);
	}
}

/* Drops trailing blanks on each line, keeps at most one empty line in a row
 * and trims the whole text. */
static char *
tidy(const char *s)
{
	GString *o = g_string_sized_new(strlen(s) + 1);
	unsigned nl = 0;

	for (; *s; s++) {
		if (*s == '\n') {
			while (o->len > 0 && (o->str[o->len - 1] == ' ' ||
			    o->str[o->len - 1] == '\t'))
				g_string_truncate(o, o->len - 1);
			if (o->len > 0 && ++nl <= 2)
				g_string_append_c(o, '\n');
			continue;
		}
		nl = 0;
		g_string_append_c(o, *s);
	}
	while (o->len > 0 && g_ascii_isspace(o->str[o->len - 1]))
		g_string_truncate(o, o->len - 1);
	if (o->len > 0)
		g_string_append_c(o, '\n');
	return g_string_free(o, FALSE);
}

char *
html_to_text(const char *html, size_t len)
{
	struct h2t h = { .out = g_string_new(NULL) };
	htmlDocPtr doc;
	char *res;

	static gsize inited;

	if (g_once_init_enter(&inited)) {
		xmlInitParser();
		g_once_init_leave(&inited, 1);
	}
	if (len > 0 && len <= G_MAXINT) {
		doc = htmlReadMemory(html, (int)len, NULL, "UTF-8",
		    HTML_PARSE_RECOVER | HTML_PARSE_NOERROR |
		    HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
		if (doc != NULL) {
			walk(&h, xmlDocGetRootElement(doc), 0);
			xmlFreeDoc(doc);
		}
	}
	res = tidy(h.out->str);
	g_string_free(h.out, TRUE);
	return res;
}
