/* faq.h: the knowledge base and its ranking (postdesk.conf(5) FAQ).
 *
 * Entries come from two places: the canned answers of answers_dir that
 * have a "Title:" header (faqtext.h), and the rows of the faq_entries
 * table (schema v11, db.c) that an agent's "#faq Title" made.  Both are
 * indexed together in an FTS5 table with the trigram tokenizer, like
 * `postdesk search`, and queried with the same word endings stripped
 * (stem.h).  Nothing here writes the database; faq_rank only reads what
 * it is given, so tests can measure it (tests/unit_faq_quality.c). */
#ifndef PD_FAQ_H
#define PD_FAQ_H

#include <stdint.h>
#include <glib.h>
#include <sqlite3.h>
#include "faqtext.h"

struct faq_entry {
	int64_t id;           /* faq_entries row, 0 for a file */
	char *name;           /* file name without ".txt", NULL for a row */
	char *title;
	char *keywords;       /* "" when none */
	char *language;       /* "en", "ru", or NULL: any */
	char *body;
	unsigned long ticket; /* the row's ticket, 0 for a file */
};
void faq_entry_free(gpointer e);

/* "file:NAME" or "#ID": how the CLI, the events and the agents name an
 * entry.  g_malloc'd. */
char *faq_entry_key(const struct faq_entry *e);

/* Adds the entries of the files of dir (NAME.txt, and LANG/NAME.txt for
 * LANG en and ru, whose language defaults to LANG) with a Title header
 * to out (of struct faq_entry *, owning).  A missing dir adds nothing.
 * Files that are not UTF-8 or larger than 256 KiB are skipped. */
void faq_load_files(const char *dir, GPtrArray *out);

/* Adds the faq_entries rows of db to out.  0 or -1 (logged). */
int faq_load_db(sqlite3 *db, GPtrArray *out);

/* The entries of all for a client speaking lang: those in lang or in
 * none, and of two files of one name, the one in lang.  Borrowed
 * pointers. */
GPtrArray *faq_select(GPtrArray *all, const char *lang);

struct faq_hit {
	const struct faq_entry *e; /* borrowed from the entries ranked */
	struct faq_signals sig;
	double score;              /* faq_score(); the first hit's after the
	                            * margin is faq_rank's *best_r */
};

/* Ranks entries against a request's subject and new text (quotes
 * stripped).  0 with *hits_r (struct faq_hit, best first, only entries
 * that share a word; free with g_array_unref) and *best_r (the first's
 * score after its margin over the second, 0 when none), or -1 with
 * *err_r (the index could not be built: SQLite without FTS5 or
 * trigram). */
int faq_rank(GPtrArray *entries, const char *subject, const char *text,
    GArray **hits_r, double *best_r, char **err_r);

/* How many of hits to offer at threshold: none when best is below it,
 * else the first and those after it up to max whose score reaches it. */
unsigned faq_pick(GArray *hits, double best, double threshold,
    unsigned max);

/* The default threshold (postdesk.conf(5) faq.threshold), measured on
 * tests/faq. */
#define FAQ_THRESHOLD_DEFAULT 0.5
#define FAQ_MAX_OFFERED 3

#endif
