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

/* compose_mail in two steps, so that a queued mail is composed by the
 * sender, out of the transaction that queues it (docs/storage.md):
 *
 * compose_resolve() decides everything the mail will be from what needs
 * the configuration, the ticket, the voice, the MAC key and the clock:
 * From, Reply-To, To, Subject, the Date as of now (its UTC offset too),
 * the new Message-ID (*msgid_r, g_malloc'd, without <>), In-Reply-To,
 * References, Auto-Submitted, X-Loop, X-Postdesk-Ticket, the text and
 * HTML, the multipart boundaries, and each attachment by the SHA-256 of
 * its bytes (blob_hash, "" when empty), file name and type.  It returns
 * that "recipe" as a GVariant of COMPOSE_RECIPE_TYPE (a full reference;
 * g_variant_get_data() serialises it).  It reads no attachment's bytes
 * but to hash them.
 *
 * compose_render() writes the mail of a recipe and nothing else: blobs
 * holds one GBytes * per attachment of the recipe, in order (NULL for an
 * empty one), blob_spans is compose_req.blob_spans.  The same recipe and
 * blobs give the same bytes every time (the boundaries and Date are the
 * recipe's), and compose_mail(r) is exactly compose_render() of
 * compose_resolve(r) (tests/unit_recipe.c).  Returns the g_malloc'd
 * mail and *len_r, or NULL with *error_r when the recipe does not fit
 * (another version, or blobs of another count). */
GVariant *compose_resolve(const struct compose_req *r, char **msgid_r);
char *compose_render(GVariant *recipe, GPtrArray *blobs, GArray *blob_spans,
    size_t *len_r, char **error_r);

/* A stored recipe read back, checked: at most COMPOSE_RECIPE_MAX bytes,
 * read as COMPOSE_RECIPE_TYPE from untrusted bytes (GVariant's accessors
 * then stay inside them whatever they hold), every byte string framed as
 * g_variant_get_data() wrote it (ended by its only NUL; a blob hash "" or
 * 64 characters), of version COMPOSE_RECIPE_V: anything else is a
 * corrupt row.  A full reference (the bytes copied), or NULL with
 * *error_r. */
GVariant *compose_recipe_load(const void *data, size_t len, char **error_r);

/* The blob hashes of a recipe's attachments, in order (g_malloc'd
 * strings; "" for an empty attachment). */
GPtrArray *compose_recipe_blobs(GVariant *recipe);

/* Version, then date (unix seconds) and UTC offset (seconds), then
 * Message-ID, From name and address, whether Reply-To and its address,
 * To name and address, Subject, In-Reply-To id ("" none), References
 * ("" none), Auto-Submitted, X-Loop, X-Postdesk-Ticket ("" none), text,
 * whether HTML and it, the boundaries of multipart/alternative and
 * multipart/mixed ("" when none), and the attachments (blob hash, file
 * name, type).  Byte strings (ay), as a stored text may be any bytes. */
#define COMPOSE_RECIPE_TYPE "(uxiayayaybayayayayayayayayayaybayayaya(ayayay))"
#define COMPOSE_RECIPE_FORMAT "(uxi^ay^ay^ayb^ay^ay^ay^ay^ay^ay^ay^ay^ay" \
	"^ayb^ay^ay^ay@a(ayayay))"
#define COMPOSE_RECIPE_READ "(uxi^&ay^&ay^&ayb^&ay^&ay^&ay^&ay^&ay^&ay" \
	"^&ay^&ay^&ay^&ayb^&ay^&ay^&ay@a(ayayay))"
#define COMPOSE_RECIPE_V 1
/* Larger than any mail the limits let us compose: text, HTML and
 * headers are bounded by the message limits (config.h). */
#define COMPOSE_RECIPE_MAX (64u * 1024 * 1024)

#endif
