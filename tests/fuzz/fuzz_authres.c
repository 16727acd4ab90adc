/* fuzz_authres.c: one Authentication-Results header value (RFC 8601)
 * through authres_parse (daemon/authres.h).
 *
 * Not built yet: daemon/authres.c comes from the identity work (ISSUE 7
 * §1).  Once it is in libpostdesk.a, add "authres" to FUZZ_NAMES in
 * contrib/fuzz.sh and the two programs to tests/fuzz/fuzz.am (the lines
 * are there, commented out).
 * Properties: no crash, leak or undefined behaviour; 0 comes with a
 * result and no error, -1 with a g_malloc'd error; the parse is
 * deterministic. */
#include "fuzz.h"
#include "authres.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *value = fuzz_cstr(data, size);
	struct authres *ar = NULL, *again = NULL;
	char *err = NULL, *err2 = NULL;
	int rc = authres_parse(value, &ar, &err);

	FUZZ_CHECK(rc == 0 || rc == -1);
	FUZZ_CHECK((rc == 0) == (err == NULL));
	FUZZ_CHECK(authres_parse(value, &again, &err2) == rc);
	if (rc == 0) {
		authres_free(ar);
		authres_free(again);
	}
	g_free(err);
	g_free(err2);
	g_free(value);
	return 0;
}
