/* flood.h: the pure part of the flood guards (postdesk.conf(5) floods, postdesk.conf(5)
 * "floods"): near-duplicate text and the cap arithmetic.  No I/O, no
 * database, no config: daemon/guard.c feeds it.
 *
 * Near-identical means: the same words once case, punctuation, white space
 * and every word holding a digit (ticket numbers, ids, dates, "7f3a") are
 * ignored, compared as sets of 3-word shingles.  An auto-responder that
 * quotes our acknowledgement with a new ticket number each time, or adds a
 * fresh reference, stays near-identical to its previous answer. */
#ifndef PD_FLOOD_H
#define PD_FLOOD_H

#include <stdbool.h>
#include <stddef.h>

/* At most this many words of a text are compared. */
#define FLOOD_MAX_WORDS 1500

/* The comparable form of text (may be NULL): case-folded words separated
 * by one blank, each id (a word with a digit, or of 8 or more hex
 * letters) replaced by "#", at most
 * FLOOD_MAX_WORDS words.  g_malloc'd, never NULL. */
char *flood_normalise(const char *text);

/* Number of words of a normalised text. */
size_t flood_words(const char *norm);

/* Similarity of two normalised texts in percent (0-100): Jaccard index of
 * their 3-word shingles; texts of fewer than 3 words are 100 when equal,
 * else 0. */
unsigned flood_similarity(const char *a, const char *b);

/* The domain of address (after the last '@'), or "" when it has none.
 * Borrowed from address. */
const char *flood_domain(const char *address);

/* The mailbox address names, as the caps and the repeat guard count it,
 * however it is spelt: the domain in IDNA ASCII form, lower case, without
 * a final dot ("BÜCHER.test", "bücher.test" and "xn--bcher-kva.test" are
 * one); the local part unquoted ("\"bot\"@" is "bot@"), case-folded, and
 * without a "+tag" subaddress ("bot+7@" is "bot@").  Several spellings of
 * one mailbox would otherwise each get a full cap.  An address without
 * '@' is only case-folded.  g_malloc'd, never NULL. */
char *flood_canonical(const char *address);

/* The organisation's domain of a domain, as the domain caps and the
 * repeat guard count it: its last two labels ("a7.bot.test" is
 * "bot.test"), or three under a two-letter top-level domain whose second
 * label has at most three letters ("mail.acme.co.uk" is "acme.co.uk").
 * A sender rotating subdomains is one sender.  An address literal
 * ("[192.0.2.1]") is itself.  Borrowed from domain. */
const char *flood_org_domain(const char *domain);

/* Limits of one sliding-window cap; 0 means unlimited. */
struct flood_limit {
	unsigned per_hour;
	unsigned per_day;
};

enum flood_window { FLOOD_OK = 0, FLOOD_HOUR, FLOOD_DAY };

/* Given how many automatic mails already went out in the last hour and the
 * last 24 hours, may one more go?  FLOOD_OK, or the window that is full
 * (the hour is named first). */
enum flood_window flood_cap(const struct flood_limit *l, unsigned in_hour,
    unsigned in_day);

/* Does automated mail with this hygiene reason (filters/hygiene.h) still
 * open a ticket when it joins none?  Only mailing-list mail does: a list
 * or group alias may carry a person's request.  Auto-replies, bounces,
 * bulk mail and our own mail coming back answer something and open
 * nothing useful. */
bool flood_automated_opens_ticket(const char *reason);

/* "hour" or "day" ("" for FLOOD_OK). */
const char *flood_window_name(enum flood_window w);

#endif
