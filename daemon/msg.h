/* msg.h: one parsed message, as every later stage of the pipeline sees it.
 *
 * The parser (parse.c) is the only place that touches MIME: it uses GMime and
 * libxml2, applies the workarounds for GMime 3.2.13's RFC 2047 bug, decodes
 * charsets with fallbacks, and bounds everything by struct pd_limits.
 * All strings here are valid UTF-8, NUL-terminated, owned by the message and
 * freed by msg_free(). */
#ifndef PD_MSG_H
#define PD_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <glib.h>
#include "pdlimits.h"

struct pd_hdr_index;

struct pd_addr {
	char *name;    /* decoded display name, one line (hdrtext.h), "" when
	                * none */
	char *address; /* addr-spec as written (case kept), "" when unparseable;
	                * parsed from the raw header, never from decoded
	                * text */
};

struct pd_attachment {
	char *filename;     /* decoded (RFC 2231 / 2047), "" when none;
	                     * never a control character, bidirectional
	                     * control, slash or backslash ('_') */
	char *content_type; /* lower-case "type/subtype" */
	size_t size;        /* decoded bytes */
	GBytes *data;       /* decoded content */
	char hash[65];      /* blob_hash() of data once attachment_hash()
	                     * worked it out (store.h), else "" */
};

struct pd_msg {
	char *subject;           /* decoded, unfolded, one line: every line
	                          * break or control becomes a space
	                          * (hdrtext.h); "" when absent */
	struct pd_addr from;     /* first From mailbox; fields "" when absent */
	GPtrArray *to;           /* of struct pd_addr *, at most max_recipients;
	                          * only mailboxes with an '@' (To, Cc, From,
	                          * Reply-To alike) */
	GPtrArray *cc;           /* of struct pd_addr * */
	struct pd_addr reply_to; /* first Reply-To mailbox; fields "" when absent */
	char *message_id;        /* without <>, "" when absent */
	char *in_reply_to;       /* first id of In-Reply-To, without <>, "" */
	GPtrArray *references;   /* of char *, without <>, in header order */
	char *text;              /* body text: text/plain preferred, else HTML
	                          * converted; inline text parts one after
	                          * the other joined in order; LF line ends;
	                          * may be "" */
	bool text_from_html;     /* text was converted from HTML */
	GPtrArray *attachments;  /* of struct pd_attachment * */
	bool is_dsn;             /* multipart/report; report-type=delivery-status
	                          * (or disposition-notification) */
	bool truncated;          /* a limit cut parts, recipients or text */
	void *mime;              /* GMimeMessage *, private to parse.c */
	struct pd_hdr_index *hdrs; /* the header index, private to
	                          * parse_hdrs.c */
	unsigned junk_lines;     /* lines before the first header that were
	                          * no header (a forwarding script's marker,
	                          * ">From "...), skipped */
	unsigned truncated_by;   /* enum pd_cut bits: the limits that set
	                          * truncated */
};

/* Which limit (postdesk.conf(5), group limits) cut a message. */
enum pd_cut {
	PD_CUT_MESSAGE_SIZE = 1 << 0,  /* only msg_parse_salvage() */
	PD_CUT_HEADERS = 1 << 1,       /* max_headers */
	PD_CUT_PARTS = 1 << 2,         /* max_parts */
	PD_CUT_DEPTH = 1 << 3,         /* max_depth */
	PD_CUT_HEADER_LENGTH = 1 << 4, /* max_header_length */
	PD_CUT_RECIPIENTS = 1 << 5,    /* max_recipients */
	PD_CUT_TEXT = 1 << 6,          /* max_text */
	PD_CUT_HTML = 1 << 7,          /* max_html */
};

/* The names of the settings behind m->truncated_by, ", "-separated
 * ("max_depth, max_text"); "" when none.  g_malloc'd. */
char *msg_truncated_reason(const struct pd_msg *m);

/* Parses raw bytes (headers, blank line, body; LF or CRLF; an mbox "From "
 * first line is skipped, and so are up to 32 lines (4 KB) of junk that are
 * no header before a header of two fields or more: junk_lines, logged).
 * Returns 0 and *msg_r on success.  Returns -1 and a
 * g_malloc'd *error_r when the bytes are not a message at all, or when they
 * break max_message_size or max_headers (the caller quarantines them).
 * Damaged but recognisable mail parses with best effort: it never crashes
 * and never returns -1 for a mere oddity. */
int msg_parse(const char *raw, size_t len, const struct pd_limits *lim,
    struct pd_msg **msg_r, char **error_r);

/* msg_parse() that may keep reading raw instead of a copy of it: raw
 * must stay valid and unchanged until msg_free(*msg_r).  The same
 * message; a batch of mail uses it (pipeline.c), whose bytes outlive
 * their parsed form, so that a batch's bytes are held once. */
int msg_parse_borrowed(const char *raw, size_t len,
    const struct pd_limits *lim, struct pd_msg **msg_r, char **error_r);

/* msg_parse() for a reader that wants whatever can be read (postdesk
 * inspect): returns what msg_parse() returns, with the same *error_r, but
 * on -1 still sets *msg_r to what could be recovered: a message over
 * max_message_size or max_headers parsed within those bounds (truncated,
 * truncated_by saying which), bytes with no header as text only.  *msg_r
 * is NULL only for empty input. */
int msg_parse_salvage(const char *raw, size_t len,
    const struct pd_limits *lim, struct pd_msg **msg_r, char **error_r);

/* Frees *m and sets it to NULL.  Accepts NULL and *m == NULL. */
void msg_free(struct pd_msg **m);

/* Header access.  msg_parse() indexes the top-level header block once (at
 * most max_headers fields), so each call below is O(1) and a loop over all
 * headers, or all headers of one name, is linear.  Values are decoded,
 * unfolded, valid UTF-8; names are as written (case kept).  Everything is
 * borrowed: valid until msg_free().  X-Postdesk-* headers are never seen
 * (parse.c drops them). */

/* The decoded, unfolded value of the first header called name (case-
 * insensitive), or NULL.  Borrowed: valid until msg_free(). */
const char *msg_header(const struct pd_msg *m, const char *name);

/* The decoded, unfolded value of the n-th (from 0) header called name, or
 * NULL when there are not that many.  Borrowed, like msg_header(). */
const char *msg_header_nth(const struct pd_msg *m, const char *name,
    unsigned n);

/* The number of headers called name. */
unsigned msg_header_count(const struct pd_msg *m, const char *name);

/* The number of header fields, all names together. */
unsigned msg_header_total(const struct pd_msg *m);

/* The i-th (from 0, top-down, as received: the header the last MTA added
 * comes first) header field: returns its value and sets *name_r (when not
 * NULL) to its name; NULL and *name_r NULL when i >= msg_header_total(m).
 * For checks that must walk headers in order, e.g. to trust only the
 * Authentication-Results above the first foreign Received header. */
const char *msg_header_at(const struct pd_msg *m, unsigned i,
    const char **name_r);

/* Every Message-ID-like token in the whole raw source inside embedded
 * message/rfc822 or text/rfc822-headers parts (for bounces that carry our
 * mail back).  Appends g_malloc'd ids without <> to out. */
void msg_embedded_ids(const struct pd_msg *m, GPtrArray *out);

/* The i-th (from 0, top down) header field of m: its name and its raw
 * value, undecoded as the message has it (folded, maybe not UTF-8).  For
 * one in-order pass over all headers (identity.c: Received and
 * Authentication-Results).  Borrowed, valid until msg_free().  Returns
 * false when there are not that many. */
bool msg_header_raw_at(const struct pd_msg *m, unsigned i,
    const char **name_r, const char **raw_r);

/* Whether v (a Return-Path value; NULL: false) is the null reverse-path:
 * "<>", or empty, after leading blanks, as a bounce or an RFC 3834 reply
 * has it.  Used by the automated-mail filter (hygiene.c) and the bounce
 * reader (parse_dsn.c). */
bool msg_null_path(const char *v);

#endif
