/* mac.c: see mac.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib.h>
#include <sodium.h>
#include "mac.h"

#define KEY_LEN ((int)sizeof(((struct mac_key *)0)->k))
#define MAC_HEX 16 /* hex characters of the truncated MAC */

static unsigned char mac_key[KEY_LEN];
static bool mac_ready;

static int
key_create(const char *path, char **error_r)
{
	unsigned char k[KEY_LEN];
	char *dir = g_path_get_dirname(path);
	int fd, r = -1;

	g_mkdir_with_parents(dir, 0700);
	g_free(dir);
	/* O_EXCL: two processes starting at once must not both write. */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		*error_r = g_strdup_printf("create %s: %s", path,
		    g_strerror(errno));
		return -1;
	}
	randombytes_buf(k, sizeof k);
	if (write(fd, k, sizeof k) == (ssize_t)sizeof k && fsync(fd) == 0)
		r = 0;
	else
		*error_r = g_strdup_printf("write %s: %s", path,
		    g_strerror(errno));
	close(fd);
	sodium_memzero(k, sizeof k);
	return r;
}

int
mac_key_load(const char *path, bool create, struct mac_key *key,
    char **error_r)
{
	struct stat sb;
	int fd;
	ssize_t n;

	sodium_memzero(key, sizeof *key);
	if (sodium_init() < 0) {
		*error_r = g_strdup("libsodium failed to initialise");
		return -1;
	}
	if (access(path, F_OK) != 0) {
		if (!create)
			return 0;
		if (key_create(path, error_r) != 0 && errno != EEXIST)
			return -1;
		/* Lost the race to another process: read its key. */
		g_clear_pointer(error_r, g_free);
	}
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &sb) != 0) {
		*error_r = g_strdup_printf("open %s: %s", path,
		    g_strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (sb.st_mode & 077) {
		*error_r = g_strdup_printf("%s: key file must be mode 0600",
		    path);
		close(fd);
		return -1;
	}
	n = read(fd, key->k, KEY_LEN);
	close(fd);
	if (n != KEY_LEN) {
		sodium_memzero(key, sizeof *key);
		*error_r = g_strdup_printf("%s: key file is damaged (%zd "
		    "bytes)", path, n);
		return -1;
	}
	return 1;
}

void
mac_key_use(struct mac_key *key)
{
	memcpy(mac_key, key->k, KEY_LEN);
	sodium_memzero(key, sizeof *key);
	mac_ready = true;
}

int
mac_init(const char *path, char **error_r)
{
	struct mac_key k;

	if (mac_key_load(path, true, &k, error_r) != 1)
		return -1;
	mac_key_use(&k);
	return 0;
}

void
mac_reset(void)
{
	sodium_memzero(mac_key, sizeof mac_key);
	mac_ready = false;
}

/* Keyed BLAKE2b of s, hex, truncated to hexlen characters.  The hash is
 * always computed at 16 bytes and then cut, so the output never depends on
 * the length asked for. */
static void
keyed_hex(const char *domain_sep, const char *s, char *out, size_t hexlen)
{
	unsigned char h[16];
	char hex[33];
	crypto_generichash_state st;

	g_assert(mac_ready);
	crypto_generichash_init(&st, mac_key, KEY_LEN, sizeof h);
	crypto_generichash_update(&st, (const unsigned char *)domain_sep,
	    strlen(domain_sep) + 1);
	crypto_generichash_update(&st, (const unsigned char *)s, strlen(s));
	crypto_generichash_final(&st, h, sizeof h);
	sodium_bin2hex(hex, sizeof hex, h, sizeof h);
	memcpy(out, hex, hexlen);
	out[hexlen] = '\0';
}

void
mac_rcpt_tag(const char *address, char *out)
{
	char *low = g_ascii_strdown(address ? address : "", -1);

	keyed_hex("rcpt", low, out, MAC_RTAG_LEN);
	g_free(low);
}

char *
mac_msgid_kind(unsigned long ticket, const char *rcpt, const char *domain,
    char kind)
{
	char rtag[MAC_RTAG_LEN + 1], mac[MAC_HEX + 1], *body, *id;
	uint32_t nonce = randombytes_random();

	mac_rcpt_tag(rcpt, rtag);
	body = g_strdup_printf("%lu.%s.%c%08x", ticket, rtag, kind, nonce);
	keyed_hex("msgid", body, mac, MAC_HEX);
	id = g_strdup_printf("pd.%s.%s@%s", body, mac, domain);
	g_free(body);
	return id;
}

char *
mac_msgid(unsigned long ticket, const char *rcpt, const char *domain)
{
	return mac_msgid_kind(ticket, rcpt, domain, 'm');
}

char *
mac_root_id(unsigned long ticket, const char *domain)
{
	char mac[MAC_HEX + 1], *body, *id;

	body = g_strdup_printf("%lu.root", ticket);
	keyed_hex("msgid", body, mac, MAC_HEX);
	id = g_strdup_printf("pd.%s.%s@%s", body, mac, domain);
	g_free(body);
	return id;
}

bool
mac_check(const char *id, unsigned long *ticket_r, char *rtag_r)
{
	char kind;

	return mac_check_kind(id, ticket_r, rtag_r, &kind);
}

bool
mac_check_kind(const char *id, unsigned long *ticket_r, char *rtag_r,
    char *kind_r)
{
	char buf[256], want[MAC_HEX + 1], *dot, *at, *end;
	unsigned long t;

	if (!mac_ready || !id)
		return false;
	if (*id == '<')
		id++;
	if (strncmp(id, "pd.", 3) != 0 || strlen(id) >= sizeof buf)
		return false;
	g_strlcpy(buf, id + 3, sizeof buf);
	if (!(at = strchr(buf, '@')))
		return false;
	*at = '\0';
	if (!(dot = strrchr(buf, '.')) || strlen(dot + 1) != MAC_HEX)
		return false;
	*dot = '\0';
	keyed_hex("msgid", buf, want, MAC_HEX);
	if (sodium_memcmp(want, dot + 1, MAC_HEX) != 0)
		return false;
	errno = 0;
	t = strtoul(buf, &end, 10);
	if (errno || end == buf || *end != '.')
		return false;
	*ticket_r = t;
	if (strncmp(end + 1, "root", 4) == 0) {
		*kind_r = 'r';
		if (rtag_r)
			g_strlcpy(rtag_r, "root", MAC_RTAG_LEN + 1);
		return true;
	}
	/* "<rtag>.<kind><nonce>" after the ticket number */
	dot = strchr(end + 1, '.');
	*kind_r = dot && dot[1] ? dot[1] : 'm';
	if (rtag_r)
		g_strlcpy(rtag_r, end + 1, MAC_RTAG_LEN + 1);
	return true;
}

void
mac_content_hash(const void *data, size_t len, char *out)
{
	unsigned char h[32];

	crypto_generichash(h, sizeof h, data, len, NULL, 0);
	sodium_bin2hex(out, 65, h, sizeof h);
}
