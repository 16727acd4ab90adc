/* config_check.c: what a loaded configuration needs of the file system
 * (config.h config_check_files; postdeskd(8) -n). */
#include <pwd.h>
#include <string.h>
#include <unistd.h>
#include "config.h"

/* The templates every mail path needs, in each language clients and
 * agents may have (conf/templates/{en,ru}).  Without them every ack and
 * agent mail would be dropped at run time with a warning each. */
static const char *const needed_templates[] = { "ack", NULL };
static const char *const languages[] = { "en", "ru", NULL };

static int
check_templates(const struct pd_config *cfg, GString *errors)
{
	int bad = 0;

	if (!g_file_test(cfg->templates_dir, G_FILE_TEST_IS_DIR)) {
		g_string_append_printf(errors, "%s: templates directory %s "
		    "does not exist\n", cfg->templates_at, cfg->templates_dir);
		return 1;
	}
	for (const char *const *l = languages; *l; l++)
		for (const char *const *t = needed_templates; *t; t++) {
			char *name = g_strconcat(*t, ".txt", NULL);
			char *p = g_build_filename(cfg->templates_dir, *l, name,
			    NULL);

			if (access(p, R_OK) != 0) {
				g_string_append_printf(errors, "%s: templates "
				    "directory %s has no readable template "
				    "%s/%s\n", cfg->templates_at,
				    cfg->templates_dir, *l, name);
				bad++;
			}
			g_free(p);
			g_free(name);
		}
	return bad;
}

int
config_check_files(const struct pd_config *cfg, GString *errors)
{
	int bad = 0;

	for (guint i = 0; cfg->unsafe && i < cfg->unsafe->len; i++, bad++)
		g_string_append_printf(errors, "%s\n",
		    (char *)cfg->unsafe->pdata[i]);
	bad += check_templates(cfg, errors);
	if (cfg->user && !getpwnam(cfg->user)) {
		g_string_append_printf(errors, "%s: user '%s' does not exist\n",
		    cfg->user_at, cfg->user);
		bad++;
	}
	return bad;
}
