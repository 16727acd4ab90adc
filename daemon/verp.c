/* verp.c: see verp.h. */
#include <stdbool.h>
#include <string.h>
#include <glib.h>
#include "verp.h"

#define VERP_TAG "+bounce-"
#define LOCAL_MAX 64 /* RFC 5321 §4.5.3.1.1 */

/* Only what our ids are made of (mac.h): lower-case letters, digits,
 * dots, not at either end nor doubled, so the address is a dot-atom. */
static bool
id_local(const char *s, size_t n)
{
	if (n == 0 || s[0] == '.' || s[n - 1] == '.')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!g_ascii_isalnum(s[i]) &&
		    (s[i] != '.' || s[i + 1] == '.'))
			return false;
	return true;
}

char *
verp_sender(const char *base, const char *msgid)
{
	const char *at = base ? strrchr(base, '@') : NULL;
	const char *idat = msgid ? strchr(msgid, '@') : NULL;

	if (!at || !idat || memchr(base, '+', at - base) ||
	    !id_local(msgid, idat - msgid) ||
	    (size_t)(at - base) + strlen(VERP_TAG) + (idat - msgid) > LOCAL_MAX)
		return g_strdup(base ? base : "");
	return g_strdup_printf("%.*s" VERP_TAG "%.*s%s", (int)(at - base), base,
	    (int)(idat - msgid), msgid, at);
}

char *
verp_msgid(const char *address, const char *id_domain)
{
	const char *at, *tag, *id;

	while (address && (*address == ' ' || *address == '<'))
		address++;
	if (!address || !id_domain || !(at = strrchr(address, '@')))
		return NULL;
	for (tag = address; tag < at; tag++)
		if (g_ascii_strncasecmp(tag, VERP_TAG, strlen(VERP_TAG)) == 0)
			break;
	if (tag >= at)
		return NULL;
	id = tag + strlen(VERP_TAG);
	if (at - id > LOCAL_MAX || !id_local(id, at - id))
		return NULL;
	return g_strdup_printf("%.*s@%s", (int)(at - id), id, id_domain);
}
