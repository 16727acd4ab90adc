/* template.c: see template.h. */
#include <string.h>
#include "template.h"

static char *
load(const char *dir, const char *lang, const char *name, char **error_r)
{
	char *file = g_strdup_printf("%s.txt", name), *path, *data = NULL;
	GError *err = NULL;

	path = g_build_filename(dir, lang, file, NULL);
	if (!g_file_get_contents(path, &data, NULL, NULL)) {
		g_free(path);
		path = g_build_filename(dir, "en", file, NULL);
		if (!g_file_get_contents(path, &data, NULL, &err)) {
			*error_r = g_strdup(err->message);
			g_error_free(err);
		}
	}
	if (data && !g_utf8_validate(data, -1, NULL)) {
		*error_r = g_strdup_printf("%s: not UTF-8", path);
		g_clear_pointer(&data, g_free);
	}
	g_free(path);
	g_free(file);
	return data;
}

static char *
expand(const char *text, GHashTable *vars)
{
	GString *out = g_string_new(NULL);
	const char *p = text, *open, *close;

	while ((open = strstr(p, "{{")) && (close = strstr(open + 2, "}}"))) {
		char *key = g_strstrip(g_strndup(open + 2, close - open - 2));
		const char *v = vars ? g_hash_table_lookup(vars, key) : NULL;

		g_string_append_len(out, p, open - p);
		g_string_append(out, v ? v : "");
		g_free(key);
		p = close + 2;
	}
	g_string_append(out, p);
	return g_string_free(out, FALSE);
}

int
template_render(const char *dir, const char *lang, const char *name,
    GHashTable *vars, struct pd_rendered *out, char **error_r)
{
	char *raw = load(dir, lang, name, error_r), *text, *body, **lines;

	memset(out, 0, sizeof *out);
	if (!raw)
		return -1;
	text = expand(raw, vars);
	g_free(raw);
	body = strstr(text, "\n\n");
	out->body = g_strdup(body ? body + 2 : "");
	if (body)
		*body = '\0';
	lines = g_strsplit(text, "\n", -1);
	for (char **l = lines; *l; l++)
		if (g_ascii_strncasecmp(*l, "Subject:", 8) == 0) {
			/* The last Subject line wins; free the one before. */
			g_free(out->subject);
			out->subject = g_strstrip(g_strdup(*l + 8));
		}
	g_strfreev(lines);
	g_free(text);
	if (!out->subject)
		out->subject = g_strdup("");
	return 0;
}

void
template_clear(struct pd_rendered *r)
{
	g_free(r->subject);
	g_free(r->body);
	memset(r, 0, sizeof *r);
}
