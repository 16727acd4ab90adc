/* fuzz_authres.c: one Authentication-Results header value (RFC 8601)
 * through authres_parse (daemon/authres.h).
 *
 * Properties: no crash, leak or undefined behaviour; 0 comes with a
 * result and no error, -1 with a g_malloc'd error; the parse is
 * deterministic; every count stays within its bound and every name is
 * lower case; a value that parses names the same authserv-id as
 * authres_authserv_id() reads alone. */
#include <string.h>
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
		char *id = authres_authserv_id(value);

		FUZZ_CHECK(ar != NULL && ar->authserv_id != NULL);
		FUZZ_CHECK(id != NULL && strcmp(id, ar->authserv_id) == 0);
		FUZZ_CHECK(ar->n_results <= AUTHRES_MAX_RESULTS);
		for (unsigned i = 0; i < ar->n_results; i++) {
			const struct authres_result *r = &ar->results[i];

			FUZZ_CHECK(r->method && r->result);
			FUZZ_CHECK(r->n_props <= AUTHRES_MAX_PROPS);
			for (const char *c = r->method; *c; c++)
				FUZZ_CHECK(!g_ascii_isupper(*c));
			for (unsigned j = 0; j < r->n_props; j++)
				FUZZ_CHECK(r->props[j].value != NULL &&
				    authres_value_domain(r->props[j].value));
		}
		g_free(id);
		authres_free(ar);
		authres_free(again);
	}
	g_free(err);
	g_free(err2);
	g_free(value);
	return 0;
}
