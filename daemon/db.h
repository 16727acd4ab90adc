/* db.h: the SQLite database: opening, schema migrations, statements.
 *
 * One connection per thread (sessions of SQLite are not shared); WAL lets
 * the CLI read while the daemon writes.  The schema version lives in
 * PRAGMA user_version and only moves forward. */
#ifndef PD_DB_H
#define PD_DB_H

#include <stdint.h>
#include <sqlite3.h>

#define DB_SCHEMA_VERSION 6

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

/* Prepares sql and binds the arguments described by types, one letter per
 * placeholder: 'i' int64_t, 'u' unsigned long, 't' const char * (NULL binds
 * NULL), 'b' const void * then size_t (a blob).  Returns the statement
 * (caller finalizes), or NULL (logged). */
sqlite3_stmt *db_prep(sqlite3 *db, const char *sql, const char *types, ...);

/* db_prep, then steps until done.  Returns 0, or -1 (logged). */
int db_exec(sqlite3 *db, const char *sql, const char *types, ...);

/* db_prep, then one step: the first column of the first row as int64 in
 * *out.  Returns 1 with a row, 0 without, -1 on error (logged). */
int db_int(sqlite3 *db, int64_t *out, const char *sql, const char *types,
    ...);

/* The text of column col of stmt as a g_malloc'd string ("" for NULL). */
char *db_col_str(sqlite3_stmt *st, int col);

#endif
