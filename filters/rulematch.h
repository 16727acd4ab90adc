/* rulematch.h: the text side of the routing rules (daemon/rules.h,
 * postdesk.conf(5) "ROUTING RULES"): an admin's regular expression,
 * compiled once, matched against the decoded text of a message.
 *
 * Free of the configuration and the database: it sees patterns and UTF-8
 * strings only.  Patterns are GLib's GRegex (PCRE2), caseless and
 * Unicode-aware; the letter ё is read as е on both sides (pattern and
 * text, upper and lower case), because Russian writers use the two
 * interchangeably: `счёт` must find "СЧЕТ" and `счет` must find "Счёт". */
#ifndef PD_RULEMATCH_H
#define PD_RULEMATCH_H

#include <stdbool.h>
#include <glib.h>

/* The backtracking steps one match may take from one starting point
 * before PCRE2 gives up (no match): an ordinary pattern needs a few
 * hundred (a repeated single character, `.*`, costs none); one that
 * backtracks without end (`(a+)+$`) stops after half a millisecond
 * instead of PCRE2's default 40 ms, times every header and rule. */
#define RULEMATCH_MATCH_LIMIT 50000u

/* Compiles pattern (ё folded to е, caseless, UTF-8, optimised, matched
 * under RULEMATCH_MATCH_LIMIT).  Returns
 * the regex, or NULL with a g_malloc'd *error_r that says where the
 * pattern is broken ("... at char 4: missing )"). */
GRegex *rulematch_compile(const char *pattern, char **error_r);

/* s with ё/Ё replaced by е/Е (g_malloc'd); s must be valid UTF-8. */
char *rulematch_fold(const char *s);

/* True when re finds a match in text (NULL: no text, no match).  text is
 * folded first; a match that PCRE2 gives up on (its match limit) is no
 * match. */
bool rulematch_find(const GRegex *re, const char *text);

/* The language of a message's text: "ru" when it has more Cyrillic than
 * Latin letters, else "en".  subject and text may be NULL.  Static
 * string. */
const char *rulematch_language(const char *subject, const char *text);

#endif
