/* fuzz.h: what the libFuzzer targets in tests/fuzz share (ISSUE 7 §9).
 *
 * Each fuzz_<name>.c defines LLVMFuzzerTestOneInput.  It links either
 * with libFuzzer (./configure CC=clang --enable-fuzzers; contrib/fuzz.sh
 * runs it) or with replay.c, a plain main that feeds it the files under
 * tests/fuzz/seeds/<name> and tests/fuzz/regress/<name> once (make check).
 * A target reports a broken property with FUZZ_CHECK, which aborts: to
 * libFuzzer that is a crash, and it saves the input as a reproducer.  So
 * is a GLib critical (fuzzutil.c makes them fatal). */
#ifndef PD_FUZZ_H
#define PD_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <glib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond) do { \
	if (!(cond)) { \
		fprintf(stderr, "%s:%d: property failed: %s\n", __FILE__, \
		    __LINE__, #cond); \
		abort(); \
	} \
} while (0)

/* The input as a C string, cut at its first NUL: the APIs under test take
 * C strings.  g_malloc'd. */
static inline char *
fuzz_cstr(const uint8_t *data, size_t size)
{
	return g_strndup((const char *)data, size);
}

/* The next NUL-separated field of the input at *pos (advanced past it),
 * g_malloc'd; "" once the input is used up.  Lets one input carry several
 * strings: "template\0subject\0name". */
static inline char *
fuzz_field(const uint8_t *data, size_t size, size_t *pos)
{
	const uint8_t *p = data + *pos, *nul;
	size_t n;

	if (*pos >= size)
		return g_strdup("");
	nul = memchr(p, '\0', size - *pos);
	n = nul ? (size_t)(nul - p) : size - *pos;
	*pos += n + (nul != NULL);
	return g_strndup((const char *)p, n);
}

/* A private directory for the process, created on first use and removed
 * at exit (libFuzzer runs one target per process). */
const char *fuzz_tmpdir(void);

/* Writes len bytes to dir/name (replacing it); aborts on I/O errors,
 * which are the machine's, not the input's. */
void fuzz_write(const char *dir, const char *name, const char *data,
    size_t len);

#endif
