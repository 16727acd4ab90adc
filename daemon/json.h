/* json.h: a small JSON writer for the CLI's --json output (postdesk(1)).
 *
 * Values are appended to a GString; commas and nesting are tracked here,
 * so callers only say what comes next.  Every string is escaped: quotes,
 * backslashes, every control character (as \u00XX), U+2028/U+2029, and
 * bytes that are not valid UTF-8 (each becomes U+FFFD), so the output is
 * always valid JSON whatever a stranger's mail contained.  Nesting deeper
 * than JSON_MAX_DEPTH is a bug of the caller (asserted).
 *
 *   struct json j;  json_init(&j);
 *   json_obj(&j); json_key(&j, "n"); json_int(&j, 1); json_end(&j);
 *   fputs(json_finish(&j), stdout);   (the text, owned by j)
 *   json_free(&j);
 * A long document may be written out piece by piece: print j.s->str and
 * truncate j.s to 0 at any point; the writer never looks back. */
#ifndef PD_JSON_H
#define PD_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>
#include <sqlite3.h>

#define JSON_MAX_DEPTH 32

struct json {
	GString *s;
	int depth;
	bool comma[JSON_MAX_DEPTH + 1]; /* a value came before at depth */
	char close[JSON_MAX_DEPTH + 1];  /* what closes each level */
	bool after_key;
};

void json_init(struct json *j);
void json_free(struct json *j);
/* The text so far (a newline appended once all is closed); owned by j. */
const char *json_finish(struct json *j);

void json_obj(struct json *j);   /* { */
void json_arr(struct json *j);   /* [ */
void json_end(struct json *j);   /* } or ] */
void json_key(struct json *j, const char *key);
void json_str(struct json *j, const char *s);   /* NULL writes null */
void json_strn(struct json *j, const char *s, size_t len);
void json_int(struct json *j, int64_t v);
void json_double(struct json *j, double v);     /* NaN/inf write null */
void json_bool(struct json *j, bool v);
void json_null(struct json *j);

/* One row of st as an object keyed by the column names: integers and
 * reals as numbers, NULL as null, text as strings, a blob as its size.
 * Columns whose name starts with '_' are left out (text-only columns); a
 * name ending in ":bool" (AS "waiting:bool") makes an integer false/true
 * under the name before the colon. */
void json_row(struct json *j, sqlite3_stmt *st);
/* The same members without the braces, to add more to the object. */
void json_fields(struct json *j, sqlite3_stmt *st);

/* Appends s to out as a quoted, escaped JSON string. */
void json_escape(GString *out, const char *s, size_t len);

#endif
