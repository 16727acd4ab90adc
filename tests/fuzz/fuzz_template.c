/* fuzz_template.c: template rendering (daemon/template.h) with hostile
 * variables.
 *
 * Input: the template file's text, then NUL-separated values for the
 * variables a stranger controls (ticket.subject, client.name,
 * client.address, the tail of a body), made valid UTF-8 as msg_parse
 * hands them over.  The template goes to <tmp>/en/fuzz.txt and is
 * rendered for language "ru", so the fallback to English runs too.
 * Properties: no crash, leak or undefined behaviour; -1 comes with an
 * error and only for a template that is not UTF-8; on success the subject
 * is one line (no control or Unicode line separator) and subject and body are valid UTF-8. */
#include "fuzz.h"
#include "hdrtext.h"
#include "template.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "ticket.subject", "client.name",
		"client.address", "text" };
	const char *dir = fuzz_tmpdir();
	char *endir = g_build_filename(dir, "en", NULL);
	size_t pos = 0;
	char *tmpl = fuzz_field(data, size, &pos), *err = NULL;
	GHashTable *vars = g_hash_table_new_full(g_str_hash, g_str_equal,
	    NULL, g_free);
	struct pd_rendered r;
	int rc;

	fuzz_write(endir, "fuzz.txt", tmpl, strlen(tmpl));
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		char *v = fuzz_field(data, size, &pos);

		g_hash_table_insert(vars, (char *)names[i],
		    g_utf8_make_valid(v, -1));
		g_free(v);
	}
	g_hash_table_insert(vars, "ticket.token", g_strdup("[ACME#1042]"));
	g_hash_table_insert(vars, "gateway.name", g_strdup("ACME Support"));
	rc = template_render(dir, "ru", "fuzz", vars, &r, &err);
	if (rc != 0) {
		FUZZ_CHECK(rc == -1 && err != NULL);
		FUZZ_CHECK(!g_utf8_validate(tmpl, -1, NULL));
		g_free(err);
	} else {
		FUZZ_CHECK(err == NULL);
		FUZZ_CHECK(r.subject != NULL && r.body != NULL);
		FUZZ_CHECK(g_utf8_validate(r.subject, -1, NULL));
		FUZZ_CHECK(g_utf8_validate(r.body, -1, NULL));
		FUZZ_CHECK(strchr(r.subject, '\n') == NULL);
		/* No control or line separator of any kind (issue 7 §5). */
		FUZZ_CHECK(hdrtext_is_line(r.subject));
		template_clear(&r);
		FUZZ_CHECK(r.subject == NULL && r.body == NULL);
	}
	/* A template that does not exist at all is an error, not a crash. */
	rc = template_render(dir, "ru", "missing", vars, &r, &err);
	FUZZ_CHECK(rc == -1 && err != NULL);
	g_free(err);
	g_hash_table_unref(vars);
	g_free(tmpl);
	g_free(endir);
	return 0;
}
