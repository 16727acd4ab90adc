/* db.h: the SQLite database: opening, schema migrations, statements.
 *
 * THE ERROR CONVENTION (every function of the daemon, docs/conventions.md):
 *   -1  an error.  Where the caller needs the text, a g_malloc'd message
 *       goes to an err_r (or the nearby established error_r) out-parameter;
 *       database errors are logged where they happen (db_prep, db_exec).
 *    0  done / no / not found;  1  yes / found / not possible (the
 *       function's contract says which).  Nothing else: no other negative
 *       values, no (unsigned long)-1, no counts mixed with errors except
 *       "n >= 0 or -1" where the contract says so.
 *   Results go to _r out-parameters (ticket_r, id_r), never squeezed into
 *   the return value.
 *   Never combine three-state results with || or && (a() || b() turns -1
 *   into 1): test each, r == 0 then the next.
 *   A function that may return 1 is called as  if ((r = f()) < 0)  for
 *   errors; a function that returns only 0/-1 as  if (f() != 0).
 *
 * One connection per thread (sessions of SQLite are not shared); WAL lets
 * the CLI read while the daemon writes.  The schema version lives in
 * PRAGMA user_version and only moves forward. */
#ifndef PD_DB_H
#define PD_DB_H

#include <stdint.h>
#include <sqlite3.h>

#define DB_SCHEMA_VERSION 19

/* Opens path (creating it and its schema when new; a new file is mode 0600,
 * and SQLite gives its -wal and -shm files that mode), in WAL mode with
 * foreign keys on and a busy timeout, and migrates an older schema.
 * Returns 0, or -1 with a g_malloc'd *error_r. */
int db_open(const char *path, sqlite3 **db_r, char **error_r);

/* Closes *db and sets it NULL; accepts NULL. */
void db_close(sqlite3 **db);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK.  0 or -1 (logged). */
int db_begin(sqlite3 *db);
int db_commit(sqlite3 *db);
void db_rollback(sqlite3 *db);

/* A savepoint inside the current transaction, for all-or-nothing work
 * (an agent's commands): undo rolls back to it and releases it, release
 * keeps what was done.  Not nested.  0 or -1 (logged); undo cannot fail
 * in a way the caller could act on. */
int db_savepoint(sqlite3 *db);
void db_savepoint_undo(sqlite3 *db);
int db_savepoint_release(sqlite3 *db);

/* Prepares sql and binds the arguments described by types, one letter per
 * placeholder: 'i' int64_t, 'u' unsigned long, 't' const char * (NULL binds
 * NULL), 'b' const void * then size_t (a blob), 'B' the same blob bound
 * without a copy (SQLITE_STATIC: only where the caller keeps it until the
 * statement is given back, as db_exec does).  Returns the statement
 * (caller finalizes), or NULL (logged).  Statements are prepared once per
 * connection and SQL text and kept (db.c): the caller's sqlite3_finalize
 * (db_finalize, below) gives the statement back. */
sqlite3_stmt *db_prep(sqlite3 *db, const char *sql, const char *types, ...);

/* db_prep, then steps until done.  Returns 0, or -1 (logged). */
int db_exec(sqlite3 *db, const char *sql, const char *types, ...);

/* db_prep, then one step: the first column of the first row as int64 in
 * *out.  Returns 1 with a row, 0 without, -1 on error (logged). */
int db_int(sqlite3 *db, int64_t *out, const char *sql, const char *types,
    ...);

/* The text of column col of stmt as a g_malloc'd string ("" for NULL). */
char *db_col_str(sqlite3_stmt *st, int col);

/* Ends a loop of sqlite3_step over st whose last result was step:
 * finalizes st and returns 0 when the rows ran out (SQLITE_DONE), or -1
 * (logged) when the loop stopped on an error. */
int db_rows_done(sqlite3 *db, sqlite3_stmt *st, int step);

/* Opens an existing database read-only for the CLI's read commands:
 * never creates the database, never migrates (postdesk(1)).  Returns 0
 * with *db_r; 1 when its schema (*version_r) is older than
 * DB_SCHEMA_VERSION (`postdesk migrate` is needed; *db_r is open all the
 * same, to take a backup, and the caller closes it); -1 with
 * a g_malloc'd *error_r (unreadable, or a newer schema). */
int db_open_ro(const char *path, sqlite3 **db_r, int64_t *version_r,
    char **error_r);

/* Copies db to a new file path (mode 0600; refused when path exists)
 * with SQLite's online backup API: a consistent snapshot while others
 * write.  0, or -1 with a g_malloc'd *error_r (path removed). */
int db_backup(sqlite3 *db, const char *path, char **error_r);
/* Ends the use of a statement: one of db_prep's cache is reset, its
 * bindings cleared and kept for the next db_prep of the same SQL; any
 * other is finalized.  Returns what sqlite3_finalize(3) would.  Every file
 * that includes db.h calls it for sqlite3_finalize, so the callers of
 * db_prep stay as they were. */
int db_finalize(sqlite3_stmt *st);

/* Creates a new database file at path (refused when it exists) with the
 * schema of version (0 to DB_SCHEMA_VERSION), as an older postdesk left
 * it: for the tests of migrations and of the CLI's refusal of an older
 * schema (tests/mkolddb.c).  0, or -1 with a g_malloc'd *error_r. */
int db_create_at(const char *path, int version, char **error_r);
#define sqlite3_finalize(st) db_finalize(st)

/* WAL checkpoints away from the connection that commits (fetch.c: the
 * source's thread checkpoints on a second connection while the filer
 * thread files a batch, instead of inside the filer's commits).
 * db_autocheckpoint: sqlite3_wal_autocheckpoint(3) (0: never; SQLite's
 * default is 1000 pages).  db_checkpoint: a PASSIVE checkpoint (never
 * waits for a writer or reader; copies what it can); *log_r and *done_r,
 * when not NULL, get the frames in the WAL and those copied.  0 or -1
 * (logged). */
void db_autocheckpoint(sqlite3 *db, int pages);
int db_checkpoint(sqlite3 *db, int *log_r, int *done_r);

#endif
