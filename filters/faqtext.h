/* faqtext.h: the text side of the FAQ (postdesk.conf(5) FAQ): the header
 * block of a canned answer, the significant words of a request, the
 * score that combines what the full-text index and the word overlap say,
 * and the client's "solved" reply.  No I/O, no database: faq.c does
 * those and calls these. */
#ifndef PD_FAQTEXT_H
#define PD_FAQTEXT_H

#include <stdbool.h>
#include <glib.h>

/* A canned answer file: an optional header block ("Title:", "Keywords:",
 * "Language:", one per line, any case, ended by a blank line) then the
 * body.  Without a first line naming one of those keys, the whole text
 * is the body (the files of before keep working).  Fields g_malloc'd,
 * NULL when absent; body never NULL. */
struct faq_header {
	char *title;
	char *keywords;
	char *language;  /* "en", "ru" as written, lower-cased */
	char *body;
};
void faq_header_parse(const char *text, struct faq_header *h);
void faq_header_clear(struct faq_header *h);

/* The significant words of text: letters and digits, at least three
 * characters, not a common word of English or Russian (greetings, "the",
 * "не", "проблема"), each stem()med (stem.h), without duplicates, at
 * most max.  GPtrArray of g_malloc'd char *, never NULL. */
GPtrArray *faq_terms(const char *text, unsigned max);

/* What the ranking knows of one entry for one request (faq.c). */
struct faq_signals {
	double bm25;      /* -bm25() of the trigram index: larger is better,
	                   * 0 when the entry did not match at all */
	double cover;     /* idf-weighted fraction of the request's terms
	                   * (those any entry knows) found in the entry */
	double key_cover; /* fraction of the entry's title and keyword terms
	                   * found in the request */
	unsigned matched; /* how many request terms the entry holds */
};

/* The relevance of an entry, 0..1, before the margin. */
double faq_score(const struct faq_signals *s);

/* The best score after the margin over the second best (0 when none):
 * an entry barely ahead of another is a guess. */
double faq_margin_score(double best, double second);

/* True when a client's reply (its new text, quotes stripped) is only
 * "solved", "resolved", "решено", "помогло", "вопрос решён"... alone on
 * its line, any case, with punctuation or quotation marks around and an
 * optional "thanks" after it; at most a short sign-off below; no
 * question mark and no negation ("не помогло"). */
bool faq_is_solved(const char *text);

#endif
