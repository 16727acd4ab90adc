/* addr.c: the one check every address passes before it reaches an SMTP
 * command line.  libetpan formats commands with snprintf and no CR/LF
 * check, so this is what stands between a hostile header and command
 * injection. */
#include <string.h>
#include "addr.h"

#define ADDR_MAX 254	/* RFC 5321 path limit minus the angle brackets */

static int
addr_byte_ok(unsigned char c)
{
	/* Bytes >= 0x80 are allowed: UTF-8 addresses (SMTPUTF8). */
	if (c <= 0x20 || c == 0x7f)
		return 0;
	return c != '<' && c != '>';
}

int
addr_is_valid(const char *address)
{
	const char *at;
	size_t len, i;

	if (address == NULL)
		return 0;
	len = strnlen(address, ADDR_MAX + 1);
	if (len == 0 || len > ADDR_MAX)
		return 0;
	at = strchr(address, '@');
	if (at == NULL || at == address || at[1] == '\0' ||
	    strchr(at + 1, '@') != NULL)
		return 0;
	for (i = 0; i < len; i++)
		if (!addr_byte_ok((unsigned char)address[i]))
			return 0;
	return 1;
}
