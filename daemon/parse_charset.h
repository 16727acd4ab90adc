/* parse_charset.h: 8-bit text whose charset is undeclared or wrong, and
 * the vendor extensions of the CJK charsets (postdeskd(8), "Parse it").
 *
 * Used by the header repair (rfc2047.c) and the body walk (parse_body.c).
 * Everything returns g_malloc'd valid UTF-8, or NULL when the bytes do not
 * convert: nothing here ever drops or replaces a byte silently. */
#ifndef PD_PARSE_CHARSET_H
#define PD_PARSE_CHARSET_H

#include <stdbool.h>
#include <stddef.h>
#include <glib.h>

/* The charsets one message declares on its own text parts (text/...;
 * charset=...), in order, without duplicates, UTF-8 and US-ASCII left
 * out: the best candidates for its undeclared 8-bit header text. */
#define PD_DECLARED_MAX 8
struct pd_declared {
	char *cs[PD_DECLARED_MAX]; /* g_malloc'd names as declared */
	unsigned n;
};

/* Adds the charset of a Content-Type field value (raw, unfolded or not)
 * when it is a text/... type with a charset parameter worth keeping. */
void charset_declared_add(struct pd_declared *d, const char *ctype);

void charset_declared_free(struct pd_declared *d);

/* p[0..n) converted from cs to UTF-8 with every byte valid in cs, trying
 * the vendor superset that mail labelled cs really uses (Shift_JIS as
 * CP932, EUC-JP as EUC-JP-MS, GB2312/GBK as GB18030, Big5 as Big5-HKSCS,
 * EUC-KR as CP949; ISO-2022-JP with the NEC and IBM extensions as
 * CP50220/CP50221 do).  NULL when none converts every byte. */
char *charset_decode_declared(const char *cs, const char *p, size_t n);

/* charset_decode_declared() without the vendor supersets: cs exactly as
 * iconv knows it (ISO-2022-JP still with its extensions). */
char *charset_decode_exact(const char *cs, const char *p, size_t n);

/* p[0..n) from cs (an iconv name) to UTF-8, NULL unless every byte is
 * valid in cs; NUL and the C1 controls (which glibc's EUC decoders let a
 * stray byte 0x80-0x9F become) never come out. */
char *charset_strict(const char *cs, const char *p, size_t n);

/* Whether cs names a multibyte CJK charset (one with a superset above,
 * or ISO-2022-JP). */
bool charset_is_cjk(const char *cs);

/* Whether cs names ISO-2022-JP (any of its variants). */
bool charset_is_iso2022jp(const char *cs);

/* ISO-2022-JP text (escape sequences, 7-bit) with the NEC special
 * characters (row 13: circled digits, Roman numerals), the NEC-selected
 * and IBM extensions (rows 89-92), JIS X 0201 katakana (ESC ( I, SO/SI)
 * and JIS X 0212 (ESC $ ( D) to UTF-8, as Windows' CP50220/CP50221 read
 * it.  NULL when a byte has no place in it. */
char *charset_iso2022jp(const char *p, size_t n);

/* Whether p[0..n) holds an ISO-2022-JP escape into a double-byte set. */
bool charset_has_iso2022(const char *p, size_t n);

/* Whether the bytes above 127 are nearly all Cyrillic letters in
 * windows-1251 or KOI8-R/U (both put the letters at 0xC0-0xFF): such text
 * keeps the Cyrillic guess it has always had. */
bool charset_cyrillic_shaped(const char *p, size_t n);

/* Undeclared multibyte text: the CJK charset (Shift_JIS/CP932, EUC-JP,
 * GB18030, Big5, EUC-KR) in which every byte is valid and which reads
 * best by the frequency of common characters (kana, the most common
 * Hanzi/Kanji, Hangul).  NULL when none reads as text.  *cs_r (when not
 * NULL) is set to the iconv name chosen (a static string). */
char *charset_guess_cjk(const char *p, size_t n, const char **cs_r);

/* Whether iconv (g_iconv_open) converts from cs to UTF-8. */
bool charset_iconv_knows(const char *cs);

/* Counts the 8-bit sequences of p[0..n): *good_r the valid UTF-8
 * characters, *bad_r the bytes that start none (each counted once; ASCII
 * counts as neither).  Callers judge "mostly UTF-8" by their own measure. */
void charset_utf8_count(const char *p, size_t n, size_t *good_r,
    size_t *bad_r);

#endif
