/* stem.h: the query side of the full-text indexes: a word's Russian or
 * English ending stripped, so that the word index of `postdesk search`
 * (db.c, schema v14), asked for the words beginning with the stem, and
 * the FAQ's trigram index (which matches substrings) find every form of
 * it, in any case.  Shared by
 * `postdesk search` (cli_list.c) and the FAQ ranking (faq.c), so both
 * read words the same way.  No I/O. */
#ifndef PD_STEM_H
#define PD_STEM_H

/* word (UTF-8) case-folded, NFC, with the longest known ending removed
 * when at least three characters remain.  g_malloc'd; never NULL. */
char *stem(const char *word);

/* The same ending stripped, but the word kept in the case it was typed
 * (g_malloc'd): for queries of an FTS5 index, which folds case
 * itself; folding here as well would differ from it (g_utf8_casefold
 * makes "Straße" "strasse" and "İ" two characters, which the index never
 * holds). */
char *stem_typed(const char *word);

#endif
