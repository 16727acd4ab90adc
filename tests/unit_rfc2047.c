/* unit_rfc2047.c: rfc2047_repair_headers() copies nothing of a message
 * that needs no repair and otherwise gives, byte for byte, what the eager
 * rewrite (a copy of every line, kept below as old_fix_headers()) gave:
 * over hand-made messages and every file of the shared corpus, the test
 * mails of tests/mail and the fuzz seeds of tests/fuzz.
 *
 * rfc2047.c is included whole: old_fix_headers() needs its static
 * helpers (header_line, step, rewrite...). */
#include "rfc2047.c" /* first: it defines _GNU_SOURCE */
#include <stdlib.h>
#include <string.h>
#include <glib.h>
#include "tap.h"

/* The header repair as it was before it became lazy: every line
 * (header, limbo, body) appended to one copy of the whole message. */
static char *
old_fix_headers(const char *raw, size_t len, size_t max_header,
    size_t *len_r, bool *cut_r)
{
	GString *out = g_string_sized_new(len + 1024);
	struct hdr_state st = { .in_block = true, .top = true };
	const char *p = raw, *end = raw + len, *eol, *nl_end;
	bool joined;

	*cut_r = false;
	st.hint = charset_hint(raw, len);
	scan_declared(raw, len, &st.decl, &st.sniffed);
	while (p < end) {
		eol = line_end(p, end, &nl_end);
		step(&st, p, eol);
		joined = st.in_block && st.top && p < eol && *p != ' ' &&
		    *p != '\t' && !rfc2047_is_field(p, eol) &&
		    header_goes_on(nl_end, end);
		if (st.in_block) {
			header_line(out, &st, p, eol, nl_end, max_header,
			    joined, cut_r);
		} else if (st.limbo) {
			if (p < eol && *p != ' ' && *p != '\t')
				st.starts = 0;
			rewrite(out, p, eol - p, false, &st.starts);
			g_string_append_len(out, eol, nl_end - eol);
		} else {
			g_string_append_len(out, p, nl_end - p);
		}
		p = nl_end;
	}
	g_free(st.hint);
	charset_declared_free(&st.decl);
	*len_r = out->len;
	return g_string_free(out, FALSE);
}

static const size_t maxes[] = { 0, 256, 998, 65536 };

/* Whether the lazy function gives what the old one gave
 * for raw at max_header; *changed_r: the old output differs from raw. */
static bool
same_at(const char *raw, size_t len, size_t max, bool *changed_r,
    GString *why)
{
	size_t olen, nlen = 12345;
	bool ocut, ncut = false, good = true;
	char *old = old_fix_headers(raw, len, max, &olen, &ocut);
	char *lazy = rfc2047_repair_headers(raw, len, max, &nlen, &ncut);
	bool changed = olen != len || memcmp(old, raw, len) != 0;
	const char *got = lazy ? lazy : raw;

	*changed_r = changed;
	if ((lazy != NULL) != changed) {
		g_string_append_printf(why, " max=%zu: %s", max, lazy ?
		    "a copy of an unchanged message" : "NULL for a change");
		good = false;
	}
	if (nlen != olen || memcmp(got, old, olen) != 0 || ncut != ocut) {
		g_string_append_printf(why, " max=%zu: output differs (%zu "
		    "bytes, old %zu; cut %d, old %d)", max, nlen, olen, ncut,
		    ocut);
		good = false;
	}
	if (lazy != NULL && lazy[nlen] != '\0') {
		g_string_append_printf(why, " max=%zu: not NUL-terminated",
		    max);
		good = false;
	}
	g_free(old);
	g_free(lazy);
	return good;
}

/* same_at() at every max of maxes[]; *changed_r: at any of them. */
static bool
same(const char *raw, size_t len, bool *changed_r, GString *why)
{
	bool good = true, changed;

	*changed_r = false;
	for (size_t i = 0; i < G_N_ELEMENTS(maxes); i++) {
		good &= same_at(raw, len, maxes[i], &changed, why);
		*changed_r |= changed;
	}
	return good;
}

/* \n -> \r\n, g_malloc'd. */
static char *
crlf(const char *s)
{
	GString *o = g_string_new(NULL);

	for (; *s; s++) {
		if (*s == '\n')
			g_string_append_c(o, '\r');
		g_string_append_c(o, *s);
	}
	return g_string_free(o, FALSE);
}

struct crafted {
	const char *name;
	const char *raw;
	size_t max;    /* for the changed/unchanged expectation */
	bool changed;  /* whether the old rewrite changed it at max */
};

static void
test_crafted(void)
{
	char *junk, *big, *cut;
	GString *s;

	/* Seventeen unclosed starts in a part's limbo, the last line without
	 * its newline: the 17th becomes "= ?" (rfc2047.h). */
	s = g_string_new("From: a@b.test\nContent-Type: multipart/mixed; "
	    "boundary=b\n\n--b\nnot a field\n");
	for (int i = 0; i < 17; i++)
		g_string_append(s, "=?a?B?A ");
	junk = g_string_free(s, FALSE);
	/* A Subject of 40 folded lines: cut at 256. */
	s = g_string_new("From: a@b.test\nSubject: start\n");
	for (int i = 0; i < 40; i++)
		g_string_append(s, " continued text of a long subject\n");
	g_string_append(s, "To: c@d.test\n\nbody\n");
	big = g_string_free(s, FALSE);
	/* One header line of 400 bytes: the line itself is cut. */
	s = g_string_new("From: a@b.test\nSubject: ");
	for (int i = 0; i < 40; i++)
		g_string_append(s, "0123456789");
	g_string_append(s, "\nTo: c@d.test\n\nbody\n");
	cut = g_string_free(s, FALSE);

	const struct crafted cases[] = {
		{ "empty", "", 0, false },
		{ "no repair needed (a B-word in the body stays)",
		    "From: a@b.test\nSubject: hi\n\nbody =?UTF-8?B?0JA=?= "
		    "=?UTF-8?B?0JE=?=\nmore\n", 998, false },
		{ "no repair needed, no final newline",
		    "From: a@b.test\nSubject: hi\n\nbody", 998, false },
		{ "header only, unchanged", "From: a@b.test\n", 998, false },
		{ "one line without a newline, unchanged",
		    "Subject: x", 998, false },
		{ "change on the first line",
		    "Subject: =?UTF-8?B?0JA=?=\nFrom: a@b.test\n\nbody\n",
		    998, true },
		{ "change on the only line, no newline",
		    "Subject: =?UTF-8?B?0JA=?=", 998, true },
		{ "change on the last line, final newline",
		    "From: a@b.test\nSubject: =?UTF-8?B?0JA=?=\n", 998, true },
		{ "change on the last line, no final newline",
		    "From: a@b.test\nSubject: =?UTF-8?B?0JA=?=", 998, true },
		{ "several changes, unchanged runs between",
		    "From: =?UTF-8?B?0JA=?= <a@b.test>\nTo: c@d.test\n"
		    "Subject: =?UTF-8?B?0JE=?= =?UTF-8?B?0JI=?=\n"
		    "Content-Type: multipart/mixed; boundary=b\n\n"
		    "preamble\n--b\nContent-Type: text/plain\n"
		    "Content-Disposition: attachment; filename="
		    "\"=?UTF-8?B?0JA=?=\"\n\nbody =?UTF-8?B?0JA=?=\nline\n"
		    "--b\nContent-Type: message/rfc822\n\n"
		    "Subject: =?UTF-8?B?0JM=?=\nFrom: x@y.test\n\ninner\n"
		    "--b--\nepilogue\n", 998, true },
		{ "dropped continuation lines", big, 256, true },
		{ "a cut line", cut, 256, true },
		{ "a joined continuation",
		    "From: a@b.test\nSubject: one\ntwo\nTo: c@d.test\n\n"
		    "body\n", 998, true },
		{ "raw KOI8-R subject",
		    "From: a@b.test\nSubject: \xf0\xd2\xc9\xd7\xc5\xd4 "
		    "\xcd\xc9\xd2\n\n\xf0\xd2\xc9\xd7\xc5\xd4\n", 998, true },
		{ "limbo junk, last line without newline", junk, 998, true },
		{ "limbo with '?' that stays (a body's first paragraph)",
		    "From: a@b.test\n\nIs =?x?B?A ok? Yes?\nplain\n\n"
		    "more\n", 998, false },
		{ "a part's base64 body in limbo",
		    "From: a@b.test\nContent-Type: multipart/mixed; "
		    "boundary=b\n\n--b\nContent-Type: application/x\n"
		    "Content-Transfer-Encoding: base64\n\nQUJD\nREVG\n"
		    "--b--\n", 998, false },
		{ "unclosed starts over indented limbo lines, some without "
		    "'?'", "From: a@b.test\n\n=?a?B?A =?a?B?A\n plain\n"
		    " =?a?B?A =?a?B?A =?a?B?A =?a?B?A =?a?B?A\n no mark\n"
		    " =?a?B?A =?a?B?A =?a?B?A =?a?B?A =?a?B?A\n\tend\n"
		    " =?a?B?A =?a?B?A =?a?B?A =?a?B?A =?a?B?A\nx =?a?B?A\n",
		    998, true },
		{ "Q-word left alone",
		    "Subject: =?UTF-8?Q?=D0=90?=\n\nbody\n", 998, false },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		for (int c = 0; c < 2; c++) {
			char *raw = c ? crlf(cases[i].raw) :
			    g_strdup(cases[i].raw);
			size_t len = strlen(raw), olen, nlen;
			GString *why = g_string_new(NULL);
			bool changed, ocut, ncut;
			char *old, *lazy;

			ok(same(raw, len, &changed, why), "%s (%s) as "
			    "before%s", cases[i].name, c ? "CRLF" : "LF",
			    why->str);
			old = old_fix_headers(raw, len, cases[i].max, &olen,
			    &ocut);
			lazy = rfc2047_repair_headers(raw, len, cases[i].max,
			    &nlen, &ncut);
			ok((olen != len || memcmp(old, raw, len) != 0) ==
			    cases[i].changed && (lazy != NULL) ==
			    cases[i].changed && (lazy != NULL || nlen == len),
			    "%s (%s): %s", cases[i].name, c ? "CRLF" : "LF",
			    cases[i].changed ? "a copy, changed" :
			    "NULL, unchanged");
			g_free(old);
			g_free(lazy);
			g_string_free(why, TRUE);
			g_free(raw);
		}
	}
	g_free(junk);
	g_free(big);
	g_free(cut);
}

/* Every regular file under dir, recursively, through same(). */
static void
walk(const char *dir, unsigned *files, unsigned *changed_n)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;

	if (d == NULL)
		return;
	while ((name = g_dir_read_name(d)) != NULL) {
		char *path = g_build_filename(dir, name, NULL), *raw;
		gsize len;
		GString *why;
		bool changed;

		if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
			walk(path, files, changed_n);
		} else if (g_file_get_contents(path, &raw, &len, NULL)) {
			why = g_string_new(NULL);
			ok(same(raw, len, &changed, why), "%s as before%s",
			    path, why->str);
			(*files)++;
			*changed_n += changed;
			g_string_free(why, TRUE);
			g_free(raw);
		}
		g_free(path);
	}
	g_dir_close(d);
}

int
main(void)
{
	const char *top = getenv("top_srcdir");
	char *corpus, *dir;
	unsigned files = 0, changed = 0;

	g_mime_init(); /* charset_declared_add() reads Content-Type */
	if (top == NULL)
		top = ".";
	test_crafted();
	/* The shared corpus as tests/corpus_inspect.py finds it. */
	corpus = g_build_filename(top, "..", "shared", "corpus", NULL);
	if (!g_file_test(corpus, G_FILE_TEST_IS_DIR)) {
		g_free(corpus);
		corpus = g_strdup("/work/shared/corpus");
	}
	if (g_file_test(corpus, G_FILE_TEST_IS_DIR))
		walk(corpus, &files, &changed);
	else
		printf("# corpus not found: only the repository's mails\n");
	g_free(corpus);
	dir = g_build_filename(top, "tests", "mail", NULL);
	walk(dir, &files, &changed);
	g_free(dir);
	dir = g_build_filename(top, "tests", "fuzz", "seeds", "msg", NULL);
	walk(dir, &files, &changed);
	g_free(dir);
	dir = g_build_filename(top, "tests", "fuzz", "regress", "msg", NULL);
	walk(dir, &files, &changed);
	g_free(dir);
	printf("# %u files, %u changed at some max_header\n", files, changed);
	ok(files > 0 && changed > 0 && changed < files,
	    "files read: some changed, some not");
	g_mime_shutdown();
	return tap_done();
}
