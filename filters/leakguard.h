/* leakguard.h: internal notes never reach a client (postdesk.conf(5) THREAT MODEL).
 *
 * Before any client-bound mail leaves, its text is compared with internal
 * notes.  Both are normalised the same way: HTML entities decoded, soft
 * hyphens and other invisible characters dropped, Unicode NFKC, case
 * folded, accents and other combining marks dropped, and every word
 * reduced to its Unicode TR 39 confusable skeleton (ICU), so a Latin "o"
 * inside a Cyrillic word (or a digit "0" for an "O") does not hide it.
 * Then the text leaks a note when any of these holds:
 *
 *   - it shares one run of LEAKGUARD_WORDS consecutive words with a note
 *     (a short note of 3 to 5 words: its whole word sequence);
 *   - it holds a rare token of a note (a password-like word: at least
 *     LEAKGUARD_RARE_LEN characters mixing three of upper case, lower case,
 *     digits and symbols other than - ' . _, or switching between letters
 *     and digits LEAKGUARD_SWITCHES times; or LEAKGUARD_LONG_LEN characters
 *     with letters and digits), whatever the words around it.  Addresses,
 *     links and ticket references ("ACME#12") are never rare;
 *   - pieces of LEAKGUARD_PIECE consecutive words of one note, wherever
 *     they are in the text, together cover LEAKGUARD_PIECE_WORDS words of
 *     that note (a note cut into 4- or 5-word pieces; a piece repeated
 *     counts once).  One or two shared 4- or 5-word phrases ("the
 *     customer is on the") are what anyone writes and pass; the third
 *     stops the mail.  Measured: of the 1722 pairs of different requests
 *     in tests/requests (one as the note, one as the answer), none is
 *     stopped; see man/postdesk.conf.5, "INTERNAL NOTES".
 *
 * Attachments are compared by content hash with the notes' attachments
 * (leakguard_add_note_file, leakguard_check_file).
 *
 * leakguard_features gives the 64-bit hashes the daemon indexes in SQLite
 * to find, among all notes, the few a text may leak (the comparison above
 * is then made on the notes themselves, so a hash collision costs time,
 * never a wrong answer). */
#ifndef PD_LEAKGUARD_H
#define PD_LEAKGUARD_H

#include <stdbool.h>
#include <glib.h>

#define LEAKGUARD_WORDS 6
#define LEAKGUARD_PIECE 4
#define LEAKGUARD_PIECE_WORDS 12
#define LEAKGUARD_RARE_LEN 8
#define LEAKGUARD_LONG_LEN 20
#define LEAKGUARD_SWITCHES 3

struct leakguard;

/* An empty guard; add every note, then check. */
struct leakguard *leakguard_new(void);
void leakguard_add_note(struct leakguard *g, const char *note);
/* text the client already has (its own messages): a rare token in it is
 * no secret of the notes (an order number the client wrote). */
void leakguard_add_public(struct leakguard *g, const char *text);
/* How many notes g holds (leakguard_add_note): with none, no text can
 * leak and public text is never read. */
unsigned leakguard_notes(const struct leakguard *g);
/* hash: the content hash (any string) of a note's attachment. */
void leakguard_add_note_file(struct leakguard *g, const char *hash);
/* NULL when text is clean; otherwise the first overlapping words, as a
 * g_malloc'd string for the reason sent to the agent (a rare token is
 * shown by its first two characters only). */
char *leakguard_check(const struct leakguard *g, const char *text);
/* NULL, or a g_malloc'd reason when hash is a note attachment's. */
char *leakguard_check_file(const struct leakguard *g, const char *hash);
/* Frees *g, sets NULL; accepts NULL. */
void leakguard_free(struct leakguard **g);

/* The feature hashes of text (a GArray of guint64, caller frees), at most
 * one per word and kind.  For a note (note true): its 4-word shingles, the
 * sequence of a 3-word note and its rare tokens.  For a text to check: its
 * 4-word shingles, 3-word sequences and every token.  A text that leaks a
 * note shares at least one feature with it. */
GArray *leakguard_features(const char *text, bool note);

#endif
