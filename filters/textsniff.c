/* textsniff.c: see textsniff.h. */
#include <string.h>
#include <glib.h>
#include "textsniff.h"

/* At most this share of a text's characters may be control characters
 * other than blank space (binary files have many, text almost none). */
#define MAX_CONTROL_PERCENT	2
/* UTF-16 without a BOM: at least this share of the code units has a
 * high byte of 0 to 5 (Latin, Greek, Cyrillic) or a space, and at most
 * MAX_UTF16_LOW_PERCENT a low byte like that (zero-filled binary has both).
 * Text in other scripts needs its BOM (man/postdesk.conf.5, "INTERNAL
 * NOTES"). */
#define MIN_UTF16_PERCENT	60
#define MAX_UTF16_LOW_PERCENT	40

/* Mostly printable: few control characters besides blank space. */
static bool
printable(const char *u)
{
	gsize chars = 0, bad = 0;

	for (const char *p = u; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		chars++;
		if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r' &&
		    c != '\f' && c != 0x1b) || (c >= 0x7f && c < 0xa0) ||
		    c == 0xfffd || g_unichar_type(c) == G_UNICODE_UNASSIGNED ||
		    g_unichar_type(c) == G_UNICODE_PRIVATE_USE)
			bad++;
	}
	return bad * 100 <= chars * MAX_CONTROL_PERCENT;
}

/* data converted from charset, when it converts and reads as text (a
 * U+0000 in it is binary). */
static char *
convert(const char *data, size_t len, const char *charset)
{
	gsize n = 0;
	char *u = g_convert(data, (gssize)len, "UTF-8", charset, NULL, &n,
	    NULL);

	if (u && (strlen(u) == 0 || strlen(u) != n || !printable(u)))
		g_clear_pointer(&u, g_free);
	return u;
}

/* UTF-16 without a BOM: one byte of each pair is mostly 0 (Latin) or a
 * small block number (Cyrillic 0x04, Greek 0x03...), the other is not. */
static const char *
utf16_guess(const unsigned char *d, size_t len)
{
	size_t pairs = len / 2, lo[2] = { 0, 0 };

	if (len < 4 || len % 2)
		return NULL;
	for (size_t i = 0; i + 1 < len; i += 2)
		for (int k = 0; k < 2; k++)
			lo[k] += d[i + k] <= 0x05 || d[i + k] == 0x20;
	if (lo[1] * 100 >= pairs * MIN_UTF16_PERCENT &&
	    lo[0] * 100 <= pairs * MAX_UTF16_LOW_PERCENT)
		return "UTF-16LE";
	if (lo[0] * 100 >= pairs * MIN_UTF16_PERCENT &&
	    lo[1] * 100 <= pairs * MAX_UTF16_LOW_PERCENT)
		return "UTF-16BE";
	return NULL;
}

char *
textsniff(const void *data, size_t len, const char *charset)
{
	static const char *const eight[] = { "WINDOWS-1252", "WINDOWS-1251",
		"KOI8-R" };
	const unsigned char *d = data;
	const char *c = data;
	const char *guess;
	GString *all;
	char *u;

	if (len == 0)
		return g_strdup("");
	if (len >= 4 && ((d[0] == 0xff && d[1] == 0xfe && !d[2] && !d[3]) ||
	    (!d[0] && !d[1] && d[2] == 0xfe && d[3] == 0xff)))
		return convert(c, len, "UTF-32");
	if (len >= 2 && ((d[0] == 0xff && d[1] == 0xfe) ||
	    (d[0] == 0xfe && d[1] == 0xff)))
		return convert(c, len, "UTF-16");
	if (len >= 3 && d[0] == 0xef && d[1] == 0xbb && d[2] == 0xbf) {
		c += 3;
		len -= 3;
	}
	if ((guess = utf16_guess((const unsigned char *)c, len)) != NULL &&
	    (u = convert(c, len, guess)) != NULL)
		return u;
	if (memchr(c, '\0', len))
		return NULL;
	if (charset && *charset && (u = convert(c, len, charset)) != NULL)
		return u;
	if (g_utf8_validate(c, (gssize)len, NULL)) {
		u = g_strndup(c, len);
		if (printable(u))
			return u;
		g_free(u);
		return NULL;
	}
	all = g_string_new(NULL);
	for (size_t i = 0; i < G_N_ELEMENTS(eight); i++)
		if ((u = convert(c, len, eight[i])) != NULL) {
			g_string_append_printf(all, "%s\n", u);
			g_free(u);
		}
	if (all->len == 0) {
		g_string_free(all, TRUE);
		return NULL;
	}
	return g_string_free(all, FALSE);
}

bool
textsniff_is_html(const char *text)
{
	static const char *const tags[] = { "<html", "<body", "<!doctype html",
		"<div", "<p>", "<p ", "<br", "<table", "<span" };
	char *head = g_ascii_strdown(text, MIN(strlen(text), 4096));
	bool html = false;

	for (size_t i = 0; i < G_N_ELEMENTS(tags) && !html; i++)
		html = strstr(head, tags[i]) != NULL;
	g_free(head);
	return html;
}
