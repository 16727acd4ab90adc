/* config_util.c: the helpers every config_*.c loader shares (config_priv.h). */
#include <stdarg.h>
#include <string.h>
#include "config_priv.h"

void
cerr(struct cctx *c, const config_setting_t *s, const char *fmt, ...)
{
	va_list ap;
	const char *f = s ? config_setting_source_file(s) : NULL;
	size_t start;

	g_string_append_printf(c->errors, "%s:%u: ", f ? f : c->file,
	    s ? config_setting_source_line(s) : 0);
	start = c->errors->len;
	va_start(ap, fmt);
	g_string_append_vprintf(c->errors, fmt, ap);
	va_end(ap);
	/* One error per line: a quoted value may span lines (libconfig
	 * strings can), and must not start a line of its own. */
	for (size_t i = start; i < c->errors->len; i++)
		if ((unsigned char)c->errors->str[i] < 0x20 ||
		    c->errors->str[i] == 0x7f)
			c->errors->str[i] = '?';
	g_string_append_c(c->errors, '\n');
	c->nerr++;
}

/* Where setting s is, for messages: "gateway", "sources[1]" (an element
 * of a list is named by the list and its index from 0, as libconfig's
 * paths do), "(top)" for the file itself.  g_malloc'd. */
char *
setting_path(const config_setting_t *s)
{
	const config_setting_t *parent = s ? config_setting_parent(s) : NULL;
	char *up, *r;

	if (!s || !parent)
		return g_strdup("(top)");
	if (config_setting_name(s) && !config_setting_parent(parent))
		return g_strdup(config_setting_name(s));
	up = setting_path(parent);
	if (config_setting_name(s))
		r = g_strdup_printf("%s.%s", up, config_setting_name(s));
	else
		r = g_strdup_printf("%s[%d]", up, config_setting_index(s));
	g_free(up);
	return r;
}

/* Reports members of group that are not in the NULL-terminated known list. */
/* The edit distance (insertions, deletions, substitutions, and swaps of
 * two neighbours) between a and b, case-insensitive; names are short, and
 * longer ones are cut at 64. */
static unsigned
distance(const char *a, const char *b)
{
	unsigned d[65][65];
	size_t la = MIN(strlen(a), 64), lb = MIN(strlen(b), 64);

	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++)
		for (size_t j = 1; j <= lb; j++) {
			unsigned cost = g_ascii_tolower(a[i - 1]) !=
			    g_ascii_tolower(b[j - 1]);
			unsigned v = MIN(d[i - 1][j] + 1, d[i][j - 1] + 1);

			v = MIN(v, d[i - 1][j - 1] + cost);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1])
				v = MIN(v, d[i - 2][j - 2] + 1);
			d[i][j] = v;
		}
	return d[la][lb];
}

/* The known name closest to name, when close enough to be a typo (at
 * most a third of its letters wrong, at least one), or NULL. */
static const char *
closest(const char *name, const char *const *known)
{
	const char *best = NULL;
	unsigned bd = ~0u, limit = MAX(1, strlen(name) / 3);

	for (const char *const *k = known; *k; k++) {
		unsigned d = distance(name, *k);

		if (d < bd)
			bd = d, best = *k;
	}
	return bd <= limit ? best : NULL;
}

const char *
config_closest(const char *name, const char *const *known)
{
	return closest(name, known);
}

/* Reports members of group that are not in the NULL-terminated known
 * list, with the closest known name as a suggestion. */
void
check_known(struct cctx *c, const config_setting_t *group,
    const char *const *known)
{
	char *where = group ? setting_path(group) : NULL;

	for (int i = 0; group && i < config_setting_length(group); i++) {
		config_setting_t *m = config_setting_get_elem(group, i);
		const char *name = config_setting_name(m);
		const char *hint = NULL;
		int found = 0;

		for (const char *const *k = known; *k && !found; k++)
			found = name && strcmp(name, *k) == 0;
		if (!found && name)
			hint = closest(name, known);
		if (!found && hint)
			cerr(c, m, "unknown setting '%s' in '%s': did you mean "
			    "'%s'?", name, where, hint);
		else if (!found)
			cerr(c, m, "unknown setting '%s' in '%s'",
			    name ? name : "?", where);
	}
	g_free(where);
}

char *
get_str(struct cctx *c, const config_setting_t *g, const char *name,
    const char *def, int required)
{
	config_setting_t *s = g ? config_setting_get_member(g, name) : NULL;

	if (!s) {
		if (required)
			cerr(c, g, "'%s' is required", name);
		return def ? g_strdup(def) : NULL;
	}
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		cerr(c, s, "'%s' must be a string", name);
		return def ? g_strdup(def) : NULL;
	}
	return g_strdup(config_setting_get_string(s));
}

long long
get_int(struct cctx *c, const config_setting_t *g, const char *name,
    long long def, long long min, long long max)
{
	config_setting_t *s = g ? config_setting_get_member(g, name) : NULL;
	long long v;

	if (!s)
		return def;
	if (config_setting_type(s) == CONFIG_TYPE_INT)
		v = config_setting_get_int(s);
	else if (config_setting_type(s) == CONFIG_TYPE_INT64)
		v = config_setting_get_int64(s);
	else {
		/* 0.5 is a number too: say which kind (postdesk.conf(5)
		 * gives each setting's type). */
		cerr(c, s, "'%s' must be an integer", name);
		return def;
	}
	if (v < min || v > max) {
		cerr(c, s, "'%s' must be between %lld and %lld", name, min, max);
		return def;
	}
	return v;
}

int
get_bool(struct cctx *c, const config_setting_t *g, const char *name, int def)
{
	config_setting_t *s = g ? config_setting_get_member(g, name) : NULL;

	if (!s)
		return def;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL) {
		cerr(c, s, "'%s' must be true or false", name);
		return def;
	}
	return config_setting_get_bool(s);
}

/* Strings of an array setting, or of a single string. */
GPtrArray *
get_strv(struct cctx *c, const config_setting_t *g, const char *name,
    int lower)
{
	config_setting_t *s = g ? config_setting_get_member(g, name) : NULL;
	GPtrArray *v = g_ptr_array_new_with_free_func(g_free);

	if (!s)
		return v;
	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		g_ptr_array_add(v, lower ? g_ascii_strdown(
		    config_setting_get_string(s), -1) :
		    g_strdup(config_setting_get_string(s)));
		return v;
	}
	if (!config_setting_is_array(s) && !config_setting_is_list(s)) {
		cerr(c, s, "'%s' must be a list of strings", name);
		return v;
	}
	for (int i = 0; i < config_setting_length(s); i++) {
		const char *e = config_setting_get_string_elem(s, i);

		if (!e)
			cerr(c, s, "'%s' must be a list of strings", name);
		else
			g_ptr_array_add(v, lower ? g_ascii_strdown(e, -1) :
			    g_strdup(e));
	}
	return v;
}

/* Paths in the config are relative to the config file's directory. */
char *
abs_path(struct cctx *c, char *p)
{
	char *dir, *r;

	if (!p || g_path_is_absolute(p))
		return p;
	dir = g_path_get_dirname(c->file);
	r = g_build_filename(dir, p, NULL);
	g_free(dir);
	g_free(p);
	return r;
}

int
valid_address(const char *a)
{
	const char *at = a ? strchr(a, '@') : NULL;

	return at && at != a && at[1] && !strchr(at + 1, '@') &&
	    !strpbrk(a, " \t\r\n<>()[],;:\"\\");
}

