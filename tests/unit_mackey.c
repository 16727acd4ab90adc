/* unit_mackey.c: a key is read aside and put in use only on request
 * (mac.h): loading the key of a new configuration, or failing to, leaves
 * the running key alone, so workers never sign with a zeroed or half-read
 * key during a reload (issue 7 §8). */
#include <string.h>
#include <sys/stat.h>
#include <glib.h>
#include <glib/gstdio.h>
#include "mac.h"
#include "tap.h"

static int
all_zero(const struct mac_key *k)
{
	for (size_t i = 0; i < sizeof k->k; i++)
		if (k->k[i])
			return 0;
	return 1;
}

int
main(void)
{
	char dir[] = "/tmp/unit_mackey.XXXXXX";
	char *k1, *k2, *bad, *missing, *err = NULL, *id1, *id2;
	struct mac_key k;
	unsigned long t = 0;
	struct stat sb;
	int r;

	if (!g_mkdtemp(dir))
		return 1;
	k1 = g_build_filename(dir, "k1", NULL);
	k2 = g_build_filename(dir, "sub", "k2", NULL);
	bad = g_build_filename(dir, "bad", NULL);
	missing = g_build_filename(dir, "missing", NULL);

	ok(mac_init(k1, &err) == 0, "mac_init creates and loads a key");
	ok(stat(k1, &sb) == 0 && (sb.st_mode & 0777) == 0600 &&
	    sb.st_size == 32, "mac_init's key file is 32 bytes, mode 0600");
	id1 = mac_msgid(1000, "a@b.test", "example.test");
	ok(mac_check(id1, &t, NULL) && t == 1000, "an id of the key checks");

	r = mac_key_load(k2, true, &k, &err);
	ok(r == 1 && !all_zero(&k), "mac_key_load creates and reads a new key");
	ok(stat(k2, &sb) == 0 && (sb.st_mode & 0777) == 0600,
	    "the new key file is mode 0600");
	{
		char *sub = g_path_get_dirname(k2);

		ok(stat(sub, &sb) == 0 && (sb.st_mode & 0777) == 0700,
		    "its missing directory is created mode 0700");
		g_free(sub);
	}
	{
		struct mac_key again;

		r = mac_key_load(k2, true, &again, &err);
		ok(r == 1 && memcmp(again.k, k.k, sizeof k.k) == 0,
		    "an existing key file is read, not replaced");
	}
	ok(mac_check(id1, &t, NULL), "loading a key leaves the running key "
	    "in use");

	g_file_set_contents(bad, "0123456789abcdef0123456789abcdef", 32,
	    NULL);
	g_chmod(bad, 0644);
	{
		struct mac_key b;

		r = mac_key_load(bad, true, &b, &err);
		ok(r == -1 && err && strstr(err, "mode 0600") && all_zero(&b),
		    "a key file readable by others is refused, nothing read");
		g_clear_pointer(&err, g_free);
	}
	ok(mac_check(id1, &t, NULL), "a refused key leaves the running key "
	    "in use");
	{
		struct mac_key m;

		r = mac_key_load(missing, false, &m, &err);
		ok(r == 0 && !g_file_test(missing, G_FILE_TEST_EXISTS),
		    "without create a missing key is no error and is not made");
	}

	mac_key_use(&k);
	ok(all_zero(&k), "mac_key_use wipes the caller's copy");
	ok(!mac_check(id1, &t, NULL), "after the swap ids of the old key fail");
	id2 = mac_msgid(1001, "a@b.test", "example.test");
	ok(mac_check(id2, &t, NULL) && t == 1001, "ids of the new key check");

	mac_reset();
	ok(!mac_check(id2, &t, NULL), "mac_reset forgets the key");
	g_free(id1);
	g_free(id2);
	g_unlink(k1);
	g_unlink(k2);
	g_unlink(bad);
	{
		char *sub = g_path_get_dirname(k2);

		g_rmdir(sub);
		g_free(sub);
	}
	g_rmdir(dir);
	g_free(k1);
	g_free(k2);
	g_free(bad);
	g_free(missing);
	return tap_done();
}
