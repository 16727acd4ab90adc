/* leaktext.h: what the note leak guard reads in a mail's attachments
 * (postdesk.conf(5) THREAT MODEL, man/postdesk.conf.5 "INTERNAL NOTES").
 *
 * Every attachment whose content is text, whatever its declared type, is
 * read (filters/textsniff.h: BOM, UTF-16, 8-bit charsets), HTML turned
 * into text, and attached messages opened (their subject, text and
 * attachments, three levels deep), also a saved mail sent under another
 * type.  File names are read too when names is set.  Every
 * attachment's content hash is kept to compare with the notes' own
 * attachments. */
#ifndef PD_LEAKTEXT_H
#define PD_LEAKTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <glib.h>

struct leaktext {
	GString *text;      /* the text of every readable attachment */
	GPtrArray *hashes;  /* of char *: mac_content_hash of each file */
	GPtrArray *binary;  /* of char *: names of the files that are not
	                     * text (images, archives, PDFs...) */
	bool unreadable;    /* an attached message could not be parsed */
	bool names;         /* read file names as text too: set it for mail
	                     * to a client, who sees them (false after
	                     * leaktext_init: a note's files are often the
	                     * client's own, names included) */
};

void leaktext_init(struct leaktext *l);
/* Reads attachments (of struct pd_attachment *; NULL is none). */
void leaktext_add(struct leaktext *l, GPtrArray *attachments);
/* Reads one file of type content_type (lower-case, may be "") named
 * filename. */
void leaktext_add_file(struct leaktext *l, const char *filename,
    const char *content_type, const void *data, size_t len);
void leaktext_clear(struct leaktext *l);

#endif
