/* fuzz_quotes.c: a reply's body through quotes_strip (filters/quotes.h).
 *
 * Properties: no crash, leak or undefined behaviour; never NULL; valid
 * UTF-8 even from broken input; it only removes (never longer than the
 * input made valid); no trailing blank line, no line with trailing blanks.
 * Stripping twice may remove more (a reply may quote a reply), so
 * idempotence is not a property. */
#include "fuzz.h"
#include "quotes.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *body = fuzz_cstr(data, size);
	char *valid = g_utf8_make_valid(body, -1);
	char *r = quotes_strip(body);
	size_t n;

	FUZZ_CHECK(r != NULL);
	FUZZ_CHECK(g_utf8_validate(r, -1, NULL));
	n = strlen(r);
	FUZZ_CHECK(n <= strlen(valid));
	FUZZ_CHECK(n == 0 || (r[n - 1] != '\n' && r[n - 1] != ' ' &&
	    r[n - 1] != '\t'));
	FUZZ_CHECK(strstr(r, " \n") == NULL && strstr(r, "\t\n") == NULL);
	g_free(r);
	g_free(valid);
	g_free(body);
	return 0;
}
