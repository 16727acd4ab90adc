/* fregex.h: what the text filters share: regular expressions (GLib's
 * GRegex, PCRE2) and small line tests.
 *
 * Patterns are fixed strings of ours, so a pattern that does not compile is
 * a bug: it aborts at the first use, in every test run.  No
 * G_REGEX_OPTIMIZE: PCRE2's JIT code trips valgrind, and the texts are
 * small. */
#ifndef PD_FREGEX_H
#define PD_FREGEX_H

#include <glib.h>

/* A caseless, Unicode-aware regex; owner names the filter in the abort
 * message.  The result lives for the process. */
GRegex *fregex_compile(const char *owner, const char *pattern);

/* The regex in *cache, compiled on first use (thread-safe: several
 * threads classify mail at once). */
GRegex *fregex_once(GRegex **cache, const char *owner, const char *pattern);

/* True when s holds only ASCII white space (or nothing). */
gboolean fregex_blank(const char *s);

/* text split into lines (a trailing CR dropped from each), made valid
 * UTF-8 first: GRegex needs it, and a broken message must not take a
 * worker down.  *n_r gets the count.  Free with g_strfreev. */
char **fregex_lines(const char *text, int *n_r);

#endif
