/* unit_mac.c: our signed Message-IDs (mac.h, postdeskd(8) Threading): ids of each kind
 * round-trip through mac_check_kind with their ticket, recipient tag and
 * kind; a changed character, a truncated MAC or another key fails; the
 * recipient tag ignores case; root ids are stable; the content hash is
 * BLAKE2b-256.  Key files and reloads: tests/unit_mackey.c. */
#include <stdio.h>
#include <string.h>
#include <glib.h>
#include <glib/gstdio.h>
#include "mac.h"
#include "tap.h"

static void
test_kinds(void)
{
	static const char kinds[] = { 'm', 'n', 'c' };
	char tag[MAC_RTAG_LEN + 1], want[MAC_RTAG_LEN + 1], kind = 0;
	unsigned long t = 0;

	mac_rcpt_tag("Jane@Example.COM", want);
	for (size_t i = 0; i < sizeof kinds; i++) {
		char *id = mac_msgid_kind(4242, "jane@example.com",
		    "desk.test", kinds[i]), *br;

		ok(g_str_has_prefix(id, "pd.4242.") &&
		    g_str_has_suffix(id, "@desk.test"),
		    "kind %c: pd.<ticket>...@<domain> (%s)", kinds[i], id);
		t = 0;
		kind = 0;
		memset(tag, 0, sizeof tag);
		ok(mac_check_kind(id, &t, tag, &kind) && t == 4242 &&
		    kind == kinds[i] && strcmp(tag, want) == 0,
		    "kind %c: round-trips ticket, tag and kind", kinds[i]);
		br = g_strdup_printf("<%s>", id);
		ok(mac_check_kind(br, &t, NULL, &kind) && kind == kinds[i],
		    "kind %c: checks with angle brackets", kinds[i]);
		g_free(br);
		g_free(id);
	}
	{
		char *a = mac_msgid(7, "a@b.test", "d.test");
		char *b = mac_msgid(7, "a@b.test", "d.test");

		ok(strcmp(a, b) != 0, "two ids of one ticket and recipient "
		    "differ (nonce)");
		ok(mac_check_kind(a, &t, NULL, &kind) && kind == 'm',
		    "mac_msgid is kind 'm'");
		ok(mac_check(b, &t, tag) && t == 7,
		    "mac_check without the kind");
		g_free(a);
		g_free(b);
	}
	{
		char *z = mac_msgid_kind(0, "olga@example.test", "d.test", 'c');

		ok(mac_check_kind(z, &t, NULL, &kind) && t == 0 && kind == 'c',
		    "ticket 0 (no ticket) round-trips");
		g_free(z);
	}
	{
		char *big = mac_msgid(4294967295UL, "a@b.test", "d.test");

		ok(mac_check(big, &t, NULL) && t == 4294967295UL,
		    "a large ticket number round-trips");
		g_free(big);
	}
}

static void
test_root(void)
{
	char *r1 = mac_root_id(99, "desk.test"), *r2 = mac_root_id(99,
	    "desk.test"), *r3 = mac_root_id(98, "desk.test");
	char tag[MAC_RTAG_LEN + 1], kind = 0;
	unsigned long t = 0;

	ok(strcmp(r1, r2) == 0, "root: the same id on every call");
	ok(strcmp(r1, r3) != 0, "root: another ticket, another id");
	ok(g_str_has_prefix(r1, "pd.99.root.") &&
	    g_str_has_suffix(r1, "@desk.test"), "root: pd.<ticket>.root.<mac>"
	    " (%s)", r1);
	ok(mac_check_kind(r1, &t, tag, &kind) && t == 99 && kind == 'r' &&
	    strcmp(tag, "root") == 0, "root: kind 'r', tag \"root\"");
	/* Moving the MAC of root 98 onto 99 fails. */
	{
		char *forged = g_strdup(r1);
		const char *mac98 = strchr(r3, '@') - 16;

		memcpy(strchr(forged, '@') - 16, mac98, 16);
		ok(!mac_check(forged, &t, NULL), "root: another ticket's MAC "
		    "fails");
		g_free(forged);
	}
	g_free(r1);
	g_free(r2);
	g_free(r3);
}

/* Every single-character change before the '@' fails. */
static void
test_tamper(void)
{
	char *id = mac_msgid_kind(31, "jane@example.com", "desk.test", 'n');
	size_t at = strchr(id, '@') - id;
	unsigned passed = 0, tried = 0;
	unsigned long t;
	char kind;

	for (size_t i = 0; i < at; i++) {
		char *x = g_strdup(id);

		/* A hex digit stays a hex digit, a dot a dot of another
		 * place: the shape stays, only the content changes. */
		x[i] = x[i] == '0' ? '1' : x[i] == '.' ? '-' :
		    g_ascii_isdigit(x[i]) ? '0' : x[i] == 'a' ? 'b' : 'a';
		tried++;
		if (mac_check_kind(x, &t, NULL, &kind))
			passed++, printf("# accepted: %s\n", x);
		g_free(x);
	}
	ok(tried == at && passed == 0, "tamper: none of %u one-character "
	    "changes checks", tried);
	{
		char *x = g_strdup(id);

		/* 'n' (note) to 'm' (mail): a note reply must stay a note. */
		*strchr(strchr(strchr(x + 3, '.') + 1, '.') + 1, 'n') = 'm';
		ok(!mac_check(x, &t, NULL), "tamper: the kind n -> m fails");
		g_free(x);
	}
	{
		char *x = g_strdup(id);

		char *at = strchr(x, '@');

		/* the MAC's last character dropped */
		memmove(at - 1, at, strlen(at) + 1);
		ok(!mac_check(x, &t, NULL), "tamper: a truncated MAC fails");
		g_free(x);
	}
	{
		char *x = g_strdup_printf("pd.32%s", id + 5);

		ok(!mac_check(x, &t, NULL), "tamper: another ticket number "
		    "fails");
		g_free(x);
	}
	ok(!mac_check("", &t, NULL) && !mac_check("pd.", &t, NULL) &&
	    !mac_check("pd.1.root@x", &t, NULL) && !mac_check(NULL, &t, NULL)
	    && !mac_check("<1234@example.com>", &t, NULL),
	    "tamper: empty, short, unsigned and foreign ids fail");
	{
		GString *g = g_string_new("pd.");

		while (g->len < 400)
			g_string_append_c(g, '1');
		g_string_append(g, "@x");
		ok(!mac_check(g->str, &t, NULL),
		    "tamper: an overlong id fails");
		g_string_free(g, TRUE);
	}
	g_free(id);
}

static void
test_rtag(void)
{
	char a[MAC_RTAG_LEN + 1], b[MAC_RTAG_LEN + 1], c[MAC_RTAG_LEN + 1];

	mac_rcpt_tag("Olga@Example.Test", a);
	mac_rcpt_tag("olga@example.test", b);
	mac_rcpt_tag("olga2@example.test", c);
	ok(strlen(a) == MAC_RTAG_LEN && strspn(a, "0123456789abcdef") ==
	    MAC_RTAG_LEN, "rtag: %d hex characters", MAC_RTAG_LEN);
	ok(strcmp(a, b) == 0, "rtag: case-insensitive");
	ok(strcmp(a, c) != 0, "rtag: another address, another tag");
	{
		char *id = mac_msgid(5, "olga@example.test", "d.test");
		char tag[MAC_RTAG_LEN + 1];
		unsigned long t;

		ok(mac_check(id, &t, tag) && strcmp(tag, b) == 0 &&
		    strcmp(tag, c) != 0, "rtag: the id names its recipient "
		    "only");
		g_free(id);
	}
}

static void
test_hash(void)
{
	char h[65];

	mac_content_hash("", 0, h);
	is_str(h, "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cd"
	    "f12fe3a8", "hash: BLAKE2b-256 of nothing");
	mac_content_hash("abc", 3, h);
	is_str(h, "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c0"
	    "68d52319", "hash: BLAKE2b-256 of \"abc\"");
	mac_content_hash("hello\r\n\0x", 9, h);
	ok(strcmp(h, "03357219707092fda3b936ba5145a58c585252676c02a3a96e272a"
	    "0cd8606343") != 0, "hash: bytes after a NUL count");
}

int
main(void)
{
	char dir[] = "/tmp/unit_mac.XXXXXX";
	char *k1, *k2, *err = NULL, *id, *root;
	unsigned long t;

	if (!g_mkdtemp(dir))
		return 1;
	k1 = g_build_filename(dir, "k1", NULL);
	k2 = g_build_filename(dir, "k2", NULL);
	if (!ok(mac_init(k1, &err) == 0, "mac_init (%s)", err ? err : ""))
		return tap_done();
	test_kinds();
	test_root();
	test_tamper();
	test_rtag();
	/* The hash is not keyed: the same under any key. */
	test_hash();

	id = mac_msgid_kind(12, "a@b.test", "d.test", 'n');
	root = mac_root_id(12, "d.test");
	mac_reset();
	ok(!mac_check(id, &t, NULL), "no key: nothing checks");
	ok(mac_init(k2, &err) == 0, "another key");
	ok(!mac_check(id, &t, NULL) && !mac_check(root, &t, NULL),
	    "another key: ids and root ids of the first fail");
	{
		char *r2 = mac_root_id(12, "d.test");

		ok(strcmp(r2, root) != 0, "another key: another root id");
		g_free(r2);
	}
	mac_reset();
	ok(mac_init(k1, &err) == 0 && mac_check(id, &t, NULL) && t == 12,
	    "the first key again: its ids check");
	test_hash();
	g_free(id);
	g_free(root);
	g_unlink(k1);
	g_unlink(k2);
	g_rmdir(dir);
	g_free(k1);
	g_free(k2);
	return tap_done();
}
