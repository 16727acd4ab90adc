/* rfc2047.h: pre-parse repairs of raw header text for GMime 3.2.13.
 *
 * GMime 3.2.13 loses the text after a padded base64 encoded-word when another
 * one of the same charset follows (gmime#133, fixed in 3.2.14; notes §2.2).
 * Q-encoded words do not suffer from it, so every B-word is rewritten into the
 * equivalent Q-word before GMime sees it.
 *
 * GMime's loose decoder also looks for the "?=" of every "=?" to the end of
 * the value and, finding none, starts again two bytes further: 64 KB of
 * "=?a?B?A" took 0.4 s per header, a message of them minutes.  So in each
 * header (and in lines GMime may read as one) the "=?" of an
 * "=?charset?B?" or "=?charset?Q?" with no "?=" after it on its line is
 * kept 16 times; any further one becomes "= ?".  Only such junk changes. */
#ifndef PD_RFC2047_H
#define PD_RFC2047_H

#include <stdbool.h>
#include <stddef.h>
#include <glib.h>

/* Appends s[0..len), one header, to out with every "=?cs?B?...?="
 * rewritten as "=?cs?Q?=HH...?=", and unclosed starts past the 16th as
 * above.  Anything else is copied unchanged. */
void rfc2047_b_to_q_append(GString *out, const char *s, size_t len);

/* g_malloc'd, NUL-terminated rewrite of s (see above). */
char *rfc2047_b_to_q(const char *s, size_t len);

/* Repairs the header blocks of a whole raw message: the top-level header
 * and every block that starts after a MIME boundary line ("--...") or right
 * after another header block (an embedded message).  In those blocks B-words
 * become Q-words and one header longer than max_header bytes is cut there
 * (*cut_r is then set).  Body lines are kept as they are.
 *
 * No copy of a message that needs no repair (most of them): NULL, with
 * *len_r = len, when the output would be the input byte for byte; the
 * caller then uses raw as it is.  Else the repaired message, g_malloc'd
 * and NUL-terminated, *len_r bytes, which the caller frees.  Only header
 * blocks (and the lines GMime may read as one) are looked at line by
 * line; body lines are never copied one by one. */
char *rfc2047_repair_headers(const char *raw, size_t len, size_t max_header,
    size_t *len_r, bool *cut_r);

/* Whether line [p, eol) starts a header field: a field name of printable
 * ASCII without blanks, then ':' (RFC 5322 §2.2), blanks before the ':'
 * allowed (§4.5.3, obsolete syntax, which GMime reads too). */
bool rfc2047_is_field(const char *p, const char *eol);

/* Whether undeclared 8-bit Russian text reads better as KOI8-R than as
 * windows-1251: in running text lower case dominates, and KOI8-R puts its
 * lower-case letters where windows-1251 has its capitals.  Only for bytes
 * that are not valid UTF-8. */
bool looks_koi8r(const char *p, size_t n);

/* Whether undeclared 8-bit text reads as Western European: bytes above
 * 127 come alone or in pairs ("Formação"); Cyrillic and CJK words make
 * longer runs. */
bool looks_latin(const char *p, size_t n);

/* p as windows-1252 (else ISO-8859-1) in g_malloc'd UTF-8. */
char *latin_to_utf8(const char *p, size_t n);

#endif
