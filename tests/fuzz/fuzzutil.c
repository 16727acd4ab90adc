/* fuzzutil.c: see fuzz.h. */
#include <errno.h>
#include <glib/gstdio.h>
#include "fuzz.h"
#include "../tmpdir.h"

static char *tmpdir;

/* A GLib critical is a g_return_if_fail() that caught a bad argument: a
 * bug of ours however the input looks, so it aborts like any crash.  By
 * abort(), not GLib's own fatal path (SIGTRAP), which libFuzzer does not
 * catch: no reproducer would be saved. */
static void
log_handler(const gchar *domain, GLogLevelFlags level, const gchar *msg,
    gpointer unused)
{
	g_log_default_handler(domain, level, msg, unused);
	if (level & (G_LOG_FLAG_FATAL | G_LOG_LEVEL_ERROR |
	    G_LOG_LEVEL_CRITICAL))
		abort();
}

__attribute__((constructor)) static void
fatal_criticals(void)
{
	g_log_set_default_handler(log_handler, NULL);
}

static void
rm_tmpdir(void)
{
	tmp_rm_tree(tmpdir);
}

const char *
fuzz_tmpdir(void)
{
	GError *err = NULL;

	if (tmpdir == NULL) {
		tmpdir = g_dir_make_tmp("pdfuzz-XXXXXX", &err);
		if (tmpdir == NULL) {
			fprintf(stderr, "fuzz: %s\n", err->message);
			abort();
		}
		atexit(rm_tmpdir);
	}
	return tmpdir;
}

void
fuzz_write(const char *dir, const char *name, const char *data, size_t len)
{
	char *path = g_build_filename(dir, name, NULL);
	FILE *fp;

	/* Plain stdio: g_file_set_contents may fsync on every call. */
	if (g_mkdir_with_parents(dir, 0700) != 0 ||
	    (fp = fopen(path, "wb")) == NULL ||
	    fwrite(data, 1, len, fp) != len || fclose(fp) != 0) {
		fprintf(stderr, "fuzz: %s: %s\n", path, g_strerror(errno));
		abort();
	}
	g_free(path);
}
