/* verp.h: bounce addresses (VERP) for our mail (postdesk.conf(5)
 * "BOUNCES").
 *
 * A mail sent with a non-null envelope sender (notices, agents' answers;
 * acknowledgements keep the null sender RFC 3834 asks for) gets, instead
 * of the plain support address, local+bounce-<id>@domain, where <id> is
 * the local part of the mail's own signed Message-ID (mac.h).  A bounce
 * comes back to that address, which the report's To or Delivered-To then
 * names: the mail it reports on is known even when the report returns
 * none of it, and the MAC keeps anyone from forging one.  Pure string
 * work: no database, no configuration. */
#ifndef PD_VERP_H
#define PD_VERP_H

/* The envelope sender for the mail with Message-ID msgid (without <>)
 * from base: local+bounce-<msgid's local part>@base's domain; a copy of
 * base when base is "" (a null sender), has a +detail already, or the
 * local part would be longer than RFC 5321's 64 octets.  g_malloc'd. */
char *verp_sender(const char *base, const char *msgid);

/* The Message-ID (without <>, g_malloc'd) that the bounce address
 * address carries, its domain id_domain (our Message-IDs' domain), or
 * NULL when address is no bounce address.  The id still has to pass
 * mac_check(). */
char *verp_msgid(const char *address, const char *id_domain);

#endif
