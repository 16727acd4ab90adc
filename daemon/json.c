/* json.c: see json.h. */
#include <math.h>
#include <string.h>
#include "json.h"

void
json_init(struct json *j)
{
	memset(j, 0, sizeof *j);
	j->s = g_string_new(NULL);
}

void
json_free(struct json *j)
{
	if (j->s)
		g_string_free(j->s, TRUE);
	j->s = NULL;
}

const char *
json_finish(struct json *j)
{
	if (j->depth == 0 && j->s->len > 0 &&
	    j->s->str[j->s->len - 1] != '\n')
		g_string_append_c(j->s, '\n');
	return j->s->str;
}

/* Before any value: the comma that separates it from the one before. */
static void
value(struct json *j)
{
	if (j->after_key) {
		j->after_key = false;
		return;
	}
	if (j->comma[j->depth])
		g_string_append_c(j->s, ',');
	j->comma[j->depth] = true;
}

static void
open_level(struct json *j, char c)
{
	value(j);
	g_assert(j->depth < JSON_MAX_DEPTH);
	g_string_append_c(j->s, c);
	j->comma[++j->depth] = false;
	j->close[j->depth] = c == '{' ? '}' : ']';
}

void
json_obj(struct json *j)
{
	open_level(j, '{');
}

void
json_arr(struct json *j)
{
	open_level(j, '[');
}

void
json_end(struct json *j)
{
	g_assert(j->depth > 0);
	g_string_append_c(j->s, j->close[j->depth--]);
}

void
json_key(struct json *j, const char *key)
{
	value(j);
	json_escape(j->s, key, strlen(key));
	g_string_append_c(j->s, ':');
	j->after_key = true;
}

void
json_escape(GString *out, const char *s, size_t len)
{
	const char *p = s, *end = s + len;

	g_string_append_c(out, '"');
	while (p < end) {
		unsigned char c = (unsigned char)*p;
		const gchar *next;
		gunichar u;

		if (c < 0x80) {
			switch (c) {
			case '"': g_string_append(out, "\\\""); break;
			case '\\': g_string_append(out, "\\\\"); break;
			case '\n': g_string_append(out, "\\n"); break;
			case '\r': g_string_append(out, "\\r"); break;
			case '\t': g_string_append(out, "\\t"); break;
			default:
				if (c < 0x20 || c == 0x7f)
					g_string_append_printf(out, "\\u%04x",
					    c);
				else
					g_string_append_c(out, (char)c);
			}
			p++;
			continue;
		}
		u = g_utf8_get_char_validated(p, end - p);
		if (u == (gunichar)-1 || u == (gunichar)-2) {
			/* Not UTF-8: one replacement character per byte. */
			g_string_append(out, "\\ufffd");
			p++;
			continue;
		}
		next = g_utf8_next_char(p);
		if (u == 0x2028 || u == 0x2029 || (u >= 0x80 && u < 0xa0))
			g_string_append_printf(out, "\\u%04x", u);
		else
			g_string_append_len(out, p, next - p);
		p = next;
	}
	g_string_append_c(out, '"');
}

void
json_strn(struct json *j, const char *s, size_t len)
{
	value(j);
	if (!s)
		g_string_append(j->s, "null");
	else
		json_escape(j->s, s, len);
}

void
json_str(struct json *j, const char *s)
{
	json_strn(j, s, s ? strlen(s) : 0);
}

void
json_int(struct json *j, int64_t v)
{
	value(j);
	g_string_append_printf(j->s, "%lld", (long long)v);
}

void
json_double(struct json *j, double v)
{
	value(j);
	if (isnan(v) || isinf(v))
		g_string_append(j->s, "null");
	else
		g_string_append_printf(j->s, "%.17g", v);
}

void
json_bool(struct json *j, bool v)
{
	value(j);
	g_string_append(j->s, v ? "true" : "false");
}

void
json_null(struct json *j)
{
	value(j);
	g_string_append(j->s, "null");
}

void
json_row(struct json *j, sqlite3_stmt *st)
{
	json_obj(j);
	json_fields(j, st);
	json_end(j);
}

void
json_fields(struct json *j, sqlite3_stmt *st)
{
	for (int i = 0; i < sqlite3_column_count(st); i++) {
		const char *name = sqlite3_column_name(st, i);
		const char *colon = strchr(name, ':');
		char *key;

		if (name[0] == '_')
			continue;
		key = g_strndup(name, colon ? (size_t)(colon - name) :
		    strlen(name));
		json_key(j, key);
		g_free(key);
		if (colon && strcmp(colon, ":bool") == 0 &&
		    sqlite3_column_type(st, i) != SQLITE_NULL) {
			json_bool(j, sqlite3_column_int64(st, i) != 0);
			continue;
		}
		switch (sqlite3_column_type(st, i)) {
		case SQLITE_INTEGER:
			json_int(j, sqlite3_column_int64(st, i));
			break;
		case SQLITE_FLOAT:
			json_double(j, sqlite3_column_double(st, i));
			break;
		case SQLITE_NULL:
			json_null(j);
			break;
		case SQLITE_BLOB:
			json_int(j, sqlite3_column_bytes(st, i));
			break;
		default:
			json_strn(j, (const char *)sqlite3_column_text(st, i),
			    sqlite3_column_bytes(st, i));
		}
	}
}
