/* compose.h: builds the RFC 5322 bytes of a mail the gateway sends.
 *
 * GMime does all encoding: RFC 2047 for headers, quoted-printable UTF-8 for
 * the body, CRLF line ends.  Every mail gets a signed Message-ID naming its
 * ticket and recipient, References that start with the ticket's root id, and
 * the loop-protection headers of postdesk.conf(5) TEMPLATES.  Every header value, names and
 * addresses included, is written as one line (hdrtext.h), and a stored
 * message id that does not fit between "<>" on one line is left out. */
#ifndef PD_COMPOSE_H
#define PD_COMPOSE_H

#include <stddef.h>
#include <glib.h>
#include "config.h"
#include "msg.h"
#include "store.h"

struct compose_req {
	const struct pd_config *cfg;
	const struct pd_ticket *ticket; /* NULL for gateway-wide notices */
	const char *rcpt;           /* address */
	const char *rcpt_name;      /* display name, may be "" or NULL */
	const char *subject;        /* UTF-8 */
	const char *body;           /* UTF-8, LF */
	const char *in_reply_to;    /* without <>, NULL or "" for none */
	GPtrArray *references;      /* char * without <>, may be NULL */
	const char *auto_submitted; /* "auto-replied", "auto-generated", or
	                             * "no" for an agent's own answer */
	const char *from_name;      /* NULL: the gateway's name */
	const char *reply_to;       /* NULL: none (replies go to From) */
	char kind;                  /* Message-ID kind (mac.h); 0 = 'm' */
	GPtrArray *attachments;     /* of struct pd_attachment *, or NULL */
	const struct pd_queue *voice; /* whose From and tag (config.h); NULL:
	                             * the gateway's.  notify.c sets it to
	                             * the ticket's queue. */
	const char *html;           /* UTF-8 HTML document: the body becomes
	                             * multipart/alternative of body (text)
	                             * and this; NULL: text only */
	GArray *blob_spans;         /* NULL: the mail whole.  Else (struct
	                             * raw_span, empty) the base64 text of
	                             * each attachment of RAW_SPAN_MIN bytes
	                             * or more is neither encoded nor written:
	                             * the mail returned lacks it, and a span
	                             * (offset, blob hash, form CRLF) appended
	                             * here says where it goes back
	                             * (store_outbox_insert_split); put back,
	                             * the mail is byte for byte the whole
	                             * one (tests/unit_blobs.c). */
};

/* Returns the g_malloc'd message and its length in *len_r, and the new
 * Message-ID (without <>, g_malloc'd) in *msgid_r. */
char *compose_mail(const struct compose_req *r, size_t *len_r,
    char **msgid_r);

#endif
