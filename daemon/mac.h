/* mac.h: our Message-IDs, signed with a keyed MAC (postdeskd(8) Threading).
 *
 * Every mail the gateway sends carries a Message-ID that names the ticket,
 * a tag of the recipient's address, the kind of mail and a MAC over all of
 * them, so a reply that quotes it in In-Reply-To/References threads without
 * any lookup and cannot be forged to land in another ticket or channel:
 *     pd.<ticket>.<rcpt-tag>.<kind><nonce>.<mac>@<domain>
 * kind is one letter: 'm' ordinary mail, 'n' an internal-note notification
 * (a reply to it stays a note), 'c' a challenge to confirm held agent mail.
 * The ticket's root id, which every References header starts with, is
 *     pd.<ticket>.root.<mac>@<domain>
 * The key is 32 random bytes kept in a 0600 file created on first start.
 *
 * An id holds no time.  A reply to it proves an agent only for a while
 * (identity.h): its age is that of the outbox row that sent it, looked up
 * by Message-ID.  So the format stays as it is, ids made before that rule
 * keep working, and a valid MAC on an id we never queued proves nothing.
 * A ticket of 0 means the mail was about no ticket (challenges,
 * transcripts of mail outside a ticket): such ids prove nothing about any
 * ticket. */
#ifndef PD_MAC_H
#define PD_MAC_H

#include <stdbool.h>

#define MAC_RTAG_LEN 8 /* hex characters of the recipient tag */

/* Loads the key from path, creating it (mode 0600, parent directory 0700)
 * when missing.  A key file readable by group or others is refused.  Returns
 * 0, or -1 with a g_malloc'd *error_r.  Not thread-safe: call at startup. */
int mac_init(const char *path, char **error_r);

/* A key read from its file but not in use yet: the daemon loads the key of
 * a new configuration while workers still sign with the old one, and puts
 * it in use only once they have stopped (postdeskd(8), SIGHUP). */
struct mac_key {
	unsigned char k[32];
};

/* Reads the key at path into *key, checking it as mac_init does.  A missing
 * file is created first when create is true; when false it is no error and
 * 0 is returned (nothing to read yet; for postdeskd -n).  Returns 1 when
 * read, 0 when missing, -1 with a g_malloc'd *error_r.  Touches no state:
 * thread-safe. */
int mac_key_load(const char *path, bool create, struct mac_key *key,
    char **error_r);

/* Puts *key in use and wipes *key.  Not thread-safe: call only while no
 * other thread uses this module (postdeskd: with the workers stopped). */
void mac_key_use(struct mac_key *key);

/* Forgets the key (wiped).  For tests and reloads. */
void mac_reset(void);

/* A new Message-ID (without <>) for a mail of kind ('m', 'n', 'c') about
 * ticket sent to rcpt.  g_malloc'd. */
char *mac_msgid_kind(unsigned long ticket, const char *rcpt,
    const char *domain, char kind);
/* mac_msgid_kind(..., 'm'). */
char *mac_msgid(unsigned long ticket, const char *rcpt, const char *domain);

/* The ticket's root Message-ID (without <>); the same on every call.
 * g_malloc'd. */
char *mac_root_id(unsigned long ticket, const char *domain);

/* Checks id (with or without <>).  Returns true when it is one of ours with
 * a valid MAC; then *ticket_r is its ticket and rtag_r (MAC_RTAG_LEN + 1
 * bytes, may be NULL) its recipient tag, or "root" for a root id. */
bool mac_check(const char *id, unsigned long *ticket_r, char *rtag_r);

/* mac_check, also giving the kind ('m', 'n', 'c'; 'r' for a root id). */
bool mac_check_kind(const char *id, unsigned long *ticket_r, char *rtag_r,
    char *kind_r);

/* The recipient tag of address (case-insensitive) into out
 * (MAC_RTAG_LEN + 1 bytes). */
void mac_rcpt_tag(const char *address, char *out);

/* BLAKE2b-256 of data as 64 hex characters into out (65 bytes): the
 * content hash used for deduplication (not keyed). */
void mac_content_hash(const void *data, size_t len, char *out);

#endif
