/* replay.c: runs a fuzz target without libFuzzer, once per saved input
 * (see fuzz.h).  Built as tests/fuzz/replay_<name> next to fuzz_<name>.c,
 * so that make check (gcc, or the ASan build) replays every seed and every
 * input that once found a bug.
 *
 * usage: replay_<name> [FILE|DIR ...]
 * Without arguments: $top_srcdir/tests/fuzz/seeds/<name> and
 * .../regress/<name>, every file below them, in name order.  Prints TAP,
 * one test per input; a crash or a broken property aborts, and the "#
 * input" line above it names the culprit. */
#include "fuzz.h"

/* g_ptr_array_sort hands over pointers to the elements. */
static int
by_name(gconstpointer a, gconstpointer b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
collect(const char *path, GPtrArray *files)
{
	GDir *d;
	const char *n;
	GPtrArray *names;

	if (!g_file_test(path, G_FILE_TEST_IS_DIR)) {
		if (g_file_test(path, G_FILE_TEST_EXISTS))
			g_ptr_array_add(files, g_strdup(path));
		return;
	}
	if ((d = g_dir_open(path, 0, NULL)) == NULL)
		return;
	names = g_ptr_array_new_with_free_func(g_free);
	while ((n = g_dir_read_name(d)) != NULL)
		if (n[0] != '.')
			g_ptr_array_add(names, g_strdup(n));
	g_dir_close(d);
	g_ptr_array_sort(names, by_name);
	for (guint i = 0; i < names->len; i++) {
		char *p = g_build_filename(path, names->pdata[i], NULL);

		collect(p, files);
		g_free(p);
	}
	g_ptr_array_unref(names);
}

int
main(int argc, char **argv)
{
	GPtrArray *files = g_ptr_array_new_with_free_func(g_free);
	char *base = g_path_get_basename(argv[0]);
	const char *name = g_str_has_prefix(base, "replay_") ? base + 7 : base;
	const char *top = getenv("top_srcdir");
	int failed = 0;

	if (argc > 1)
		for (int i = 1; i < argc; i++)
			collect(argv[i], files);
	else
		for (int k = 0; k < 2; k++) {
			char *dir = g_build_filename(top ? top : ".", "tests",
			    "fuzz", k == 0 ? "seeds" : "regress", name, NULL);

			collect(dir, files);
			g_free(dir);
		}
	if (files->len == 0)
		printf("1..0 # SKIP no inputs for %s\n", name);
	else
		printf("1..%u\n", files->len);
	for (guint i = 0; i < files->len; i++) {
		const char *f = files->pdata[i];
		const char *shown = strstr(f, "tests/fuzz/");
		char *data = NULL;
		gsize len = 0;
		GError *err = NULL;

		printf("# input %s\n", f);
		fflush(stdout);
		if (!g_file_get_contents(f, &data, &len, &err)) {
			printf("not ok %u - %s: %s\n", i + 1, f, err->message);
			g_error_free(err);
			failed++;
			continue;
		}
		LLVMFuzzerTestOneInput((const uint8_t *)data, len);
		printf("ok %u - %s %s\n", i + 1, name, shown ? shown + 11 : f);
		fflush(stdout);
		g_free(data);
	}
	g_ptr_array_unref(files);
	g_free(base);
	return failed ? 1 : 0;
}
