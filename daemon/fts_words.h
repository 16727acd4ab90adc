/* fts_words.h: the FTS5 tokenizer "pd_words" of the search index
 * search_fts (db.c, schema v14; docs/storage.md).  It is FTS5's
 * unicode61 (remove_diacritics 2: case and accents folded, words split at
 * anything that is not a letter or digit) with two additions:
 * - each character of a run of Han, Hiragana, Katakana or Hangul is a
 *   token of its own, so a CJK word (written without spaces) typed into
 *   search is found as a phrase of its characters anywhere in a run;
 * - "ё" is folded to "е", as Russian text mostly writes it, so "счет"
 *   finds "счёт" and the other way round.
 * A connection that inserts messages (the trigger indexes them) or
 * searches needs the tokenizer: db_open, db_open_ro and db_create_at
 * register it.  The tokenizer takes no arguments.  No other state. */
#ifndef PD_FTS_WORDS_H
#define PD_FTS_WORDS_H

#include <sqlite3.h>

/* Registers "pd_words" on db.  0, or -1 when FTS5 or unicode61 is
 * missing (SQLite built without FTS5). */
int fts_words_register(sqlite3 *db);

#endif
