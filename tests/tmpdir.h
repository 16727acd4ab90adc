/* tmpdir.h: removing a test's temporary directory with all it holds, for
 * the unit tests and the fuzz targets that write files (unit_config,
 * unit_rules_match, unit_template, tests/fuzz/fuzzutil.c).  Header-only. */
#ifndef PD_TEST_TMPDIR_H
#define PD_TEST_TMPDIR_H

#include <glib.h>
#include <glib/gstdio.h>

/* Removes path and everything below it, at any depth; a symbolic link is
 * removed, never followed.  Errors are ignored: a test cleans up as far
 * as it can. */
static inline void
tmp_rm_tree(const char *path)
{
	GDir *d = g_dir_open(path, 0, NULL);
	const char *n;

	while (d && (n = g_dir_read_name(d)) != NULL) {
		char *p = g_build_filename(path, n, NULL);

		if (g_file_test(p, G_FILE_TEST_IS_DIR) &&
		    !g_file_test(p, G_FILE_TEST_IS_SYMLINK))
			tmp_rm_tree(p);
		else
			g_unlink(p);
		g_free(p);
	}
	if (d)
		g_dir_close(d);
	g_rmdir(path);
}

#endif
