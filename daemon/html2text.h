/* html2text.h: readable plain text from HTML, with libxml2's forgiving HTML
 * parser (postdesk.conf(5) limits: no regexes). */
#ifndef PD_HTML2TEXT_H
#define PD_HTML2TEXT_H

#include <stddef.h>

/* html is UTF-8 (len bytes, need not be NUL-terminated).  libxml2's tree
 * takes many times len in memory (a 20 MB part of tiny elements took near
 * 1 GB): callers cut what they pass at max_html (postdesk.conf(5)), as
 * parse_body.c does.  Returns g_malloc'd
 * UTF-8 text with LF line ends: script, style and head are dropped, entities
 * decoded, block elements and <br> become line breaks, list items get "- ",
 * runs of blank space collapse.  Never NULL (garbage gives ""). */
char *html_to_text(const char *html, size_t len);

#endif
