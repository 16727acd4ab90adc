/* textsniff.h: is an attachment text, whatever its declared type?
 * (postdesk.conf(5) THREAT MODEL: the note leak guard reads every file that holds text.)
 *
 * A file is text when it decodes to mostly printable characters: UTF-8
 * (with or without a BOM), UTF-16 or UTF-32 with a BOM, UTF-16 without
 * one (told by where its NUL bytes fall), or 8-bit text in a charset we
 * cannot know, which is then decoded as windows-1252, windows-1251 and
 * KOI8-R, one after the other (more text to compare is only safer).
 * Images, archives, PDFs and other binary files are not. */
#ifndef PD_TEXTSNIFF_H
#define PD_TEXTSNIFF_H

#include <stdbool.h>
#include <stddef.h>

/* The text of data (len bytes) as g_malloc'd UTF-8, or NULL when it is
 * binary.  charset: the declared one, or NULL; it is tried first.  Empty
 * data is "" (text). */
char *textsniff(const void *data, size_t len, const char *charset);

/* True when text (UTF-8) looks like HTML rather than plain text. */
bool textsniff_is_html(const char *text);

#endif
