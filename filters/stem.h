/* stem.h: the query side of the trigram full-text index (db.c, schema
 * v9): a word's Russian or English ending stripped, so the index (which
 * matches substrings, any case) finds every form of it.  Shared by
 * `postdesk search` (cli_list.c) and the FAQ ranking (faq.c), so both
 * read words the same way.  No I/O. */
#ifndef PD_STEM_H
#define PD_STEM_H

/* word (UTF-8) case-folded, NFC, with the longest known ending removed
 * when at least three characters remain.  g_malloc'd; never NULL. */
char *stem(const char *word);

#endif
