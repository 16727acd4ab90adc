/* hdrtext.h: text that must stay on one line: subjects, display names,
 * every header value the gateway writes, and the text built from them.
 *
 * A decoded RFC 2047 encoded-word may hold any character (=0A is a line
 * feed), and so may a ticket stored before this check existed.  A line
 * break in a header value ends that header and starts the next one the
 * sender chose; in a template it starts a line the sender chose.  So
 * these characters never survive into one-line text (issue 7, §5). */
#ifndef PD_HDRTEXT_H
#define PD_HDRTEXT_H

#include <stdbool.h>
#include <glib.h>

/* A g_malloc'd copy of s (NULL gives "") in which every run of line
 * breaks and control characters becomes one space: CR, LF (alone or
 * together), VT, FF, NUL, TAB and every other C0 control, DEL, the C1
 * controls U+0080-U+009F (NEL among them), U+2028 LINE SEPARATOR and
 * U+2029 PARAGRAPH SEPARATOR.  Invalid UTF-8 is repaired first (U+FFFD);
 * everything else, spaces included, is kept as it is. */
char *hdrtext_line(const char *s);

/* Whether s (not NULL) is valid UTF-8 holding none of those characters,
 * that is, hdrtext_line() would return it unchanged. */
bool hdrtext_is_line(const char *s);

#endif
