/* addr.h: the one check every address passes before it reaches an SMTP
 * command line (addr.c). */
#ifndef PD_ADDR_H
#define PD_ADDR_H

/* True when address is a plain addr-spec safe for an SMTP command: 1-254
 * bytes, one '@' with non-empty sides, no CR, LF, NUL, space, '<', '>' or
 * other control characters. */
int addr_is_valid(const char *address);

#endif
