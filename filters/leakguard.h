/* leakguard.h: internal notes never reach a client (SPEC §7).
 *
 * Before any client-bound mail leaves, its text is compared with every
 * internal note of the ticket.  Both are reduced to words (Unicode-aware,
 * case-folded, punctuation and quote markers ignored) and compared as
 * shingles of LEAKGUARD_WORDS consecutive words: one shared shingle is a
 * substantial overlap.  Short notes (fewer words than a shingle) are
 * compared as a whole word sequence. */
#ifndef PD_LEAKGUARD_H
#define PD_LEAKGUARD_H

#include <glib.h>

#define LEAKGUARD_WORDS 6

struct leakguard;

/* An empty guard; add every note of the ticket, then check. */
struct leakguard *leakguard_new(void);
void leakguard_add_note(struct leakguard *g, const char *note);
/* NULL when text is clean; otherwise the first overlapping words, as a
 * g_malloc'd string for the reason sent to the agent. */
char *leakguard_check(const struct leakguard *g, const char *text);
/* Frees *g, sets NULL; accepts NULL. */
void leakguard_free(struct leakguard **g);

#endif
