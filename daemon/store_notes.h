/* store_notes.h: the store of notes for the leak guard (store_notes.c;
 * the functions keep their leakindex_ prefix): the notes the leak guard
 * compares a client-bound mail with, found through an index in SQLite
 * (postdesk.conf(5) THREAT MODEL, schema v5).
 *
 * When a note is stored, the feature hashes of its text (body and every
 * readable attachment, see leaktext.h and leakguard_features) and the
 * content hashes of its attachments are written to note_features and
 * note_files.  A mail to a client is then compared with every note of its
 * own ticket and with every note, of any ticket the sending agent can see,
 * that shares a feature or a file with it: a note of ticket A pasted into
 * an answer on ticket B is found without reading all notes. */
#ifndef PD_STORE_NOTES_H
#define PD_STORE_NOTES_H

#include <sqlite3.h>
#include "config.h"
#include "leakguard.h"

/* Indexes the note stored as messages.id note, whose text is body and
 * whose files are attachments (of struct pd_attachment *, may be NULL).
 * 0, or -1 on a database error (logged). */
int leakindex_note(sqlite3 *db, int64_t note, const char *body,
    GPtrArray *attachments);

/* Adds to g the notes text (with files hashes, of char *, may be NULL)
 * must be compared with: those of ticket (0: none) and the indexed notes
 * sharing a feature or file with it on tickets agent can see (agent NULL:
 * none); and, when g then holds a note (those, or one the caller added
 * before), the client messages of ticket as public text.  Notes stored
 * before the index (note_unindexed) are indexed first, a bounded number
 * per call.  An agent sees the tickets of its queues (all without queues)
 * and those assigned to it.  0, or -1 on a database error (logged). */
int leakindex_guard(sqlite3 *db, const struct pd_config *cfg,
    unsigned long ticket, const struct pd_agent *agent, const char *text,
    GPtrArray *hashes, struct leakguard *g);

#endif
