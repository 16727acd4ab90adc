/* parse_priv.h: shared between parse.c (headers) and parse_body.c (parts).
 * Not for other stages: they see struct pd_msg only. */
#ifndef PD_PARSE_PRIV_H
#define PD_PARSE_PRIV_H

#include <gmime/gmime.h>
#include "msg.h"

/* Parser options with the fallback charsets (UTF-8, windows-1251, KOI8-R)
 * and loose RFC 2047 mode.  Created once, shared, never freed. */
GMimeParserOptions *parse_options(void);

/* GMime's message of raw[0..len) (copied: raw may go at once) read with
 * parse_options(), or NULL when it has no header at all.  The caller
 * unrefs it.  parse.c's whole message and parse_dsn.c's header blocks. */
GMimeMessage *parse_construct(const char *raw, size_t len);

/* A g_malloc'd valid UTF-8 copy of s (NULL gives ""), at most max bytes
 * (0: no bound), cut on a character boundary; *cut_r set when cut. */
char *parse_utf8(const char *s, size_t max, bool *cut_r);

/* Fills m->text, m->text_from_html, m->attachments, m->is_dsn and may set
 * m->truncated, walking the MIME tree of msg. */
void parse_body(struct pd_msg *m, GMimeMessage *msg,
    const struct pd_limits *lim);

/* Decoded bytes of a leaf part's content (transfer encoding undone). */
GByteArray *parse_part_bytes(GMimePart *part);

/* Decoded content of a text part as UTF-8 with LF line ends: the declared
 * charset wins; undeclared or wrongly declared 8-bit falls back through
 * UTF-8, windows-1251, KOI8-R.  g_malloc'd, never NULL. */
char *parse_part_text(GMimePart *part);

/* parse_part_bytes() and parse_part_text(), decoding at most max bytes of
 * the part (0: all) as a stream, so a huge part is never decoded whole;
 * *cut_r is set when the part holds more. */
GByteArray *parse_part_bytes_max(GMimePart *part, size_t max, bool *cut_r);
char *parse_part_text_max(GMimePart *part, size_t max, bool *cut_r);

/* The header index of obj's header block (see parse_hdrs.c), built in
 * one pass; the values borrow from obj's GMime headers, so obj must not
 * change and must outlive it.  Never NULL. */
struct pd_hdr_index *parse_hdr_index(GMimeObject *obj);

/* Frees x.  Accepts NULL. */
void parse_hdr_index_free(struct pd_hdr_index *x);

/* An address-list header value (raw: undecoded, maybe folded) rewritten
 * so that GMime keeps every mailbox that has an addr-spec: a display name
 * holding special characters is quoted, an address written only in a
 * comment ("Name (a@x)") is put in angle brackets.  At most max + 1 elements are looked
 * at.  g_malloc'd, or NULL when nothing needed rewriting (parse_addr.c). */
char *parse_addr_repair(const char *raw, unsigned max);

#endif
