/* store_faq.h: the FAQ's queries (faq.h): the faq_entries table of
 * schema v11 (db.c), the in-memory FTS5 index faq_rank builds for one
 * request, and the "faq_offered" events of the tickets whose
 * acknowledgement offered entries. */
#ifndef PD_STORE_FAQ_H
#define PD_STORE_FAQ_H

#include <stdint.h>
#include <glib.h>
#include <sqlite3.h>
#include "faq.h"

/* A new entry from an agent's answer on ticket.  0 with *id_r, or -1. */
int store_faq_add(sqlite3 *db, unsigned long ticket, const char *title,
    const char *language, const char *body, const char *author,
    int64_t *id_r);

/* Every row as struct faq_entry * appended to out.  0 or -1. */
int store_faq_load(sqlite3 *db, GPtrArray *out);

/* The rows for `postdesk faq list`: id, ticket, language, author,
 * created, title.  NULL on an error (logged). */
sqlite3_stmt *store_faq_list(sqlite3 *db);

/* Removes row id: 1 done, 0 no such row, -1 error. */
int store_faq_drop(sqlite3 *db, int64_t id);

/* The entries ticket's acknowledgement offered (event "faq_offered"):
 * 1 yes, 0 none, -1 error. */
int store_faq_was_offered(sqlite3 *db, unsigned long ticket);

/* An FTS5 table (trigram, like search_fts of schema v9) of entries in a
 * private in-memory database, row i + 1 for entries[i], columns title,
 * keywords, body.  0 with *mem_r (close with store_faq_index_free), or -1 with
 * *err_r. */
int store_faq_index(GPtrArray *entries, sqlite3 **mem_r, char **err_r);

/* Closes an index of store_faq_index (NULL: nothing). */
void store_faq_index_free(sqlite3 *mem);

/* -bm25() of each entry of the index for the FTS5 query match into
 * scores[i] (left as they are for entries that do not match).  0 or -1
 * with *err_r. */
int store_faq_bm25(sqlite3 *mem, const char *match, double *scores,
    guint n, char **err_r);

#endif
