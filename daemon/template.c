/* template.c: see template.h. */
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <glib/gstdio.h>
#include "hdrtext.h"
#include "template.h"

/* The first of dirs holding lang/name.txt (a regular file), with what
 * stat(2) said of it in *st. */
static char *
find_stat(GPtrArray *dirs, const char *lang, const char *name,
    GStatBuf *st)
{
	char *file = g_strdup_printf("%s.txt", name), *path = NULL;

	for (guint i = 0; dirs && i < dirs->len && !path; i++) {
		path = g_build_filename(dirs->pdata[i], lang, file, NULL);
		if (g_stat(path, st) != 0 || !S_ISREG(st->st_mode))
			g_clear_pointer(&path, g_free);
	}
	g_free(file);
	return path;
}

/* The first of dirs holding lang/name.txt: a directory an admin puts
 * first overrides the shipped templates file by file (postdesk.conf(5)
 * "templates"). */
char *
template_find(GPtrArray *dirs, const char *lang, const char *name)
{
	GStatBuf st;

	return find_stat(dirs, lang, name, &st);
}

/* The text of each template file read, valid UTF-8, by path: every mail
 * renders one or two templates, and reading the same small files again
 * cost more than filling them in.  An entry serves only while stat(2)
 * says the file is the one read (device, inode, size, change and
 * modification times), so an edited template is read again at its next
 * use, as before.  At most one entry per template file found; renders
 * run in several threads, hence the lock. */
struct cached_text {
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime, ctime;
	char *data;
};

static GMutex cache_lock;
static GHashTable *cache; /* path -> struct cached_text */

static void
cached_free(gpointer p)
{
	struct cached_text *c = p;

	g_free(c->data);
	g_free(c);
}

static bool
same_file(const struct cached_text *c, const GStatBuf *st)
{
	return c->dev == st->st_dev && c->ino == st->st_ino &&
	    c->size == st->st_size &&
	    c->mtime.tv_sec == st->st_mtim.tv_sec &&
	    c->mtime.tv_nsec == st->st_mtim.tv_nsec &&
	    c->ctime.tv_sec == st->st_ctim.tv_sec &&
	    c->ctime.tv_nsec == st->st_ctim.tv_nsec;
}

/* A copy of path's text from the cache, or NULL. */
static char *
cache_get(const char *path, const GStatBuf *st)
{
	struct cached_text *c;
	char *data = NULL;

	g_mutex_lock(&cache_lock);
	c = cache ? g_hash_table_lookup(cache, path) : NULL;
	if (c && same_file(c, st))
		data = g_strdup(c->data);
	g_mutex_unlock(&cache_lock);
	return data;
}

static void
cache_put(const char *path, const GStatBuf *st, const char *data)
{
	struct cached_text *c = g_new0(struct cached_text, 1);

	c->dev = st->st_dev;
	c->ino = st->st_ino;
	c->size = st->st_size;
	c->mtime = st->st_mtim;
	c->ctime = st->st_ctim;
	c->data = g_strdup(data);
	g_mutex_lock(&cache_lock);
	if (!cache)
		cache = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
		    cached_free);
	g_hash_table_replace(cache, g_strdup(path), c);
	g_mutex_unlock(&cache_lock);
}

/* lang/name.txt from the first directory holding it, else en/name.txt
 * from the first holding that. */
static char *
load(GPtrArray *dirs, const char *lang, const char *name, char **error_r)
{
	GStatBuf st, st2;
	char *path = find_stat(dirs, lang, name, &st), *data = NULL;
	GError *err = NULL;
	gsize len = 0;

	if (!path)
		path = find_stat(dirs, "en", name, &st);
	if (!path) {
		*error_r = g_strdup_printf("no template %s/%s.txt", lang,
		    name);
		return NULL;
	}
	if ((data = cache_get(path, &st)) != NULL) {
		g_free(path);
		return data;
	}
	if (!g_file_get_contents(path, &data, &len, &err)) {
		*error_r = g_strdup(err->message);
		g_error_free(err);
	}
	if (data && !g_utf8_validate(data, -1, NULL)) {
		*error_r = g_strdup_printf("%s: not UTF-8", path);
		g_clear_pointer(&data, g_free);
	}
	/* Kept only when the file did not change while it was read, and
	 * only once its modification time is older than the file system's
	 * clock step can hide: a file's times tick in steps of up to a few
	 * milliseconds (stat(2)), so a same-size rewrite right after a read
	 * may keep them.  This compares with the file system's own clock,
	 * not the ticket clock of clock.h. */
	if (data && g_stat(path, &st2) == 0 && (gsize)st2.st_size == len) {
		struct cached_text now = { .dev = st.st_dev, .ino = st.st_ino,
			.size = st.st_size, .mtime = st.st_mtim,
			.ctime = st.st_ctim };
		struct timespec wall;

		clock_gettime(CLOCK_REALTIME, &wall);
		if (same_file(&now, &st2) && st2.st_mtim.tv_sec + 2 <
		    wall.tv_sec)
			cache_put(path, &st2, data);
	}
	g_free(path);
	return data;
}

/* Whether the placeholder [open, after) stands alone on its line of
 * text (blanks aside); text starts at start. */
static bool
alone(const char *start, const char *open, const char *after)
{
	const char *p = open;

	while (p > start && (p[-1] == ' ' || p[-1] == '\t'))
		p--;
	if (p > start && p[-1] != '\n')
		return false;
	for (p = after; *p == ' ' || *p == '\t'; p++)
		;
	return *p == '\0' || *p == '\n';
}

/* text with its placeholders filled in, in one pass over text: a value
 * is never scanned for placeholders itself.  A value stays on one line
 * (hdrtext.h) unless blocks is set and its placeholder stands alone on
 * its line (template.h). */
static char *
expand(const char *text, GHashTable *vars, bool blocks)
{
	GString *out = g_string_new(NULL);
	const char *p = text, *open, *close;

	while ((open = strstr(p, "{{")) && (close = strstr(open + 2, "}}"))) {
		char *key = g_strstrip(g_strndup(open + 2, close - open - 2));
		const char *v = vars ? g_hash_table_lookup(vars, key) : NULL;

		g_string_append_len(out, p, open - p);
		if (blocks && alone(text, open, close + 2))
			g_string_append(out, v ? v : "");
		else {
			char *line = hdrtext_line(v);

			g_string_append(out, line);
			g_free(line);
		}
		g_free(key);
		p = close + 2;
	}
	g_string_append(out, p);
	return g_string_free(out, FALSE);
}

/* The unfolded value of the first header called name in the header block
 * head (lines ending in LF; a line starting with a blank continues the
 * one above), or NULL.  g_malloc'd. */
static char *
header_value(const char *head, const char *name)
{
	char **lines = g_strsplit(head, "\n", -1);
	GString *v = NULL;
	size_t n = strlen(name);

	for (char **l = lines; *l; l++) {
		bool cont = **l == ' ' || **l == '\t';

		if (v && !cont)
			break;
		if (v)
			g_string_append(v, *l);
		else if (!cont && g_ascii_strncasecmp(*l, name, n) == 0 &&
		    (*l)[n] == ':')
			v = g_string_new(*l + n + 1);
	}
	g_strfreev(lines);
	return v ? g_string_free(v, FALSE) : NULL;
}

/* Where the body of template text starts: after the first empty line, or
 * at the end when there is none. */
static size_t
body_start(const char *text)
{
	size_t i;

	if (*text == '\n')
		return 1;
	for (i = 0; text[i] && !(text[i] == '\n' && text[i + 1] == '\n'); i++)
		;
	return text[i] ? i + 2 : i;
}

/* The header block is split off before anything is filled in, so no
 * value can add a header, end the block or put text above the body. */
int
template_render(const char *dir, const char *lang, const char *name,
    GHashTable *vars, struct pd_rendered *out, char **error_r)
{
	GPtrArray *dirs = g_ptr_array_new();
	int r;

	g_ptr_array_add(dirs, (gpointer)dir);
	r = template_render_dirs(dirs, lang, name, vars, out, error_r);
	g_ptr_array_unref(dirs);
	return r;
}

int
template_render_dirs(GPtrArray *dirs, const char *lang, const char *name,
    GHashTable *vars, struct pd_rendered *out, char **error_r)
{
	char *raw = load(dirs, lang, name, error_r), *subject, *text;
	size_t body;

	memset(out, 0, sizeof *out);
	if (!raw)
		return -1;
	body = body_start(raw);
	out->body = expand(raw + body, vars, true);
	raw[body > 0 ? body - 1 : 0] = '\0';
	subject = header_value(raw, "Subject");
	text = expand(subject ? subject : "", vars, false);
	out->subject = g_strstrip(hdrtext_line(text));
	g_free(text);
	g_free(subject);
	g_free(raw);
	return 0;
}

void
template_clear(struct pd_rendered *r)
{
	g_free(r->subject);
	g_free(r->body);
	memset(r, 0, sizeof *r);
}
