/* casefold.h: g_utf8_casefold() and g_utf8_normalize(NFC) with a fast
 * path for the text most mail is made of (ASCII and the Russian
 * alphabet), where the answer needs no Unicode tables.  The result is
 * the same, byte for byte, as GLib's (tests/unit_casefold checks every
 * character of the fast path against it); anything else goes to GLib.
 * The filters fold every word of every request (faqtext.c, flood.c,
 * stem.c): GLib's way allocates per character and decomposes and
 * recomposes the whole text.  No I/O. */
#ifndef PD_CASEFOLD_H
#define PD_CASEFOLD_H

#include <glib.h>

/* g_utf8_casefold(s, len): up to len bytes (len < 0: to the NUL), never
 * past a NUL.  g_malloc'd, never NULL. */
char *casefold(const char *s, gssize len);

/* casefold(s, len) appended to out. */
void casefold_append(GString *out, const char *s, gssize len);

/* g_utf8_normalize(s, len, G_NORMALIZE_NFC): g_malloc'd, NULL when s is
 * not valid UTF-8 (as GLib's). */
char *casefold_nfc(const char *s, gssize len);

#endif
