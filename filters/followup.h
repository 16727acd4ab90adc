/* followup.h: what a client's follow-up to a ticket says (postdeskd(8) Tickets).
 *
 * All take the new text of the reply (quotes_strip already applied). */
#ifndef PD_FOLLOWUP_H
#define PD_FOLLOWUP_H

#include <stdbool.h>

/* 1-5 when the first non-empty line is a rating: "5", "4 - ok", "5/5",
 * "оценка 5", "Rating: 3", "5 — отлично"; else 0. */
int followup_rating(const char *text);

/* True for a short thank-you: at most 3 non-empty lines and ~300 bytes, a
 * thanks word ("спасибо", "благодарю", "thanks", "thank you", "thx",
 * "cheers"...), and no question ('?' or "не работает", "still", "again",
 * "снова", "опять", "but", "но " ...). */
bool followup_is_thanks(const char *text);

/* True when the first non-empty line is the word "split" or "разделить"
 * (any case, optional punctuation around it). */
bool followup_is_split(const char *text);

#endif
