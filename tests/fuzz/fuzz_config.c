/* fuzz_config.c: a config file through config_load (daemon/config.h).
 *
 * The input is written to <tmp>/postdesk.conf, next to a password file
 * "secret".  Properties: no crash, leak or undefined behaviour; success
 * means no error text and settings that hold what config.c checks;
 * failure means no config and every error line reads "file:line: text".
 *
 * config_load opens the files a config names (@include, password_file).
 * So that the fuzzer cannot make it read /dev/zero or /dev/stdin, an input
 * that mentions either has every '/' and '\' turned into '_' (no path, no
 * escape that could spell one): the names it opens stay in <tmp>. */
#include "fuzz.h"
#include "../../daemon/config.h"

static void
confine(char *text)
{
	char *lower = g_ascii_strdown(text, -1);

	if (strstr(lower, "include") || strstr(lower, "password_file"))
		g_strdelimit(text, "/\\", '_');
	g_free(lower);
}

/* "file:line: message" */
static bool
error_lines_ok(const char *errors)
{
	static GRegex *re;

	if (re == NULL)
		re = g_regex_new("\\A(?:[^\\n]+:[0-9]+: [^\\n]*\\n)+\\z",
		    G_REGEX_RAW, 0, NULL);
	FUZZ_CHECK(re != NULL);
	return g_regex_match(re, errors, 0, NULL);
}

static void
check_config(const struct pd_config *cfg)
{
	FUZZ_CHECK(cfg->file && cfg->address && cfg->domain && cfg->tag &&
	    cfg->language && cfg->note_address && cfg->database &&
	    cfg->key_file && cfg->templates_dir && cfg->answers_dir);
	FUZZ_CHECK(strchr(cfg->address, '@') != NULL);
	FUZZ_CHECK(*cfg->tag != '\0' && strlen(cfg->tag) <= 32);
	FUZZ_CHECK(strcmp(cfg->language, "en") == 0 ||
	    strcmp(cfg->language, "ru") == 0);
	FUZZ_CHECK(cfg->sources && cfg->agents && cfg->clients && cfg->plans);
	for (guint i = 0; i < cfg->sources->len; i++) {
		const struct pd_source *s = cfg->sources->pdata[i];

		FUZZ_CHECK(s->name && s->ep.host && s->ep.user &&
		    s->ep.port > 0);
		FUZZ_CHECK(config_source(cfg, s->name) != NULL);
	}
	for (guint i = 0; i < cfg->agents->len; i++) {
		const struct pd_agent *a = cfg->agents->pdata[i];

		FUZZ_CHECK(a->addresses->len > 0);
		FUZZ_CHECK(config_agent_by_address(cfg,
		    a->addresses->pdata[0]) != NULL);
		FUZZ_CHECK(config_agent_by_name(cfg, a->name) != NULL);
	}
	for (guint i = 0; i < cfg->clients->len; i++) {
		const struct pd_client *c = cfg->clients->pdata[i];

		FUZZ_CHECK(c->plan == NULL || config_plan(cfg, c->plan));
		if (c->addresses->len > 0)
			FUZZ_CHECK(config_client_of(cfg,
			    c->addresses->pdata[0]) != NULL);
	}
	(void)config_same_org(cfg, "a@example.test", "b@example.test");
	(void)config_client_of(cfg, "no-at-sign");
	FUZZ_CHECK(cfg->limits.max_parts > 0 && cfg->limits.max_depth > 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *dir = fuzz_tmpdir();
	char *text = fuzz_cstr(data, size);
	char *path = g_build_filename(dir, "postdesk.conf", NULL);
	GString *errors = g_string_new(NULL);
	struct pd_config *cfg = NULL;
	static bool init;

	confine(text);
	if (!init) {
		fuzz_write(dir, "secret", "pw\n", 3);
		init = true;
	}
	fuzz_write(dir, "postdesk.conf", text, strlen(text));
	if (config_load(path, &cfg, errors) == 0) {
		FUZZ_CHECK(cfg != NULL && errors->len == 0);
		check_config(cfg);
		config_free(&cfg);
		FUZZ_CHECK(cfg == NULL);
	} else {
		FUZZ_CHECK(cfg == NULL);
		if (!error_lines_ok(errors->str)) {
			fprintf(stderr, "errors: %s\n", errors->str);
			FUZZ_CHECK(!"every error reads file:line: message");
		}
	}
	g_string_free(errors, TRUE);
	g_free(path);
	g_free(text);
	return 0;
}
