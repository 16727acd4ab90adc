/* config_digests.c: where templates come from (gateway.templates), the
 * gateway's time zone, `digests` and `reports` (postdesk.conf(5)
 * "TEMPLATES", "DIGESTS AND REPORTS"). */
#include <string.h>
#include "config_priv.h"

/* gateway.templates: one directory or a list of them, first match wins
 * per file; the shipped directory always comes last, so an admin's
 * directory need only hold the templates it changes. */
void
config_load_templates(struct cctx *c, const config_setting_t *gw,
    struct pd_config *cfg)
{
	config_setting_t *s = gw ? config_setting_get_member(gw, "templates") :
	    NULL;
	GPtrArray *v = get_strv(c, gw, "templates", 0);
	const char *shipped = PKGDATADIR "/templates";
	bool has_shipped = false;

	cfg->templates_dirs = g_ptr_array_new_with_free_func(g_free);
	cfg->templates_line = s ? config_setting_source_line(s) : 0;
	if (s && v->len == 0)
		cerr(c, s, "'templates' names no directory");
	for (guint i = 0; i < v->len; i++) {
		char *d = abs_path(c, g_strdup(v->pdata[i]));

		has_shipped = has_shipped || strcmp(d, shipped) == 0;
		g_ptr_array_add(cfg->templates_dirs, d);
	}
	if (!has_shipped)
		g_ptr_array_add(cfg->templates_dirs, g_strdup(shipped));
	cfg->templates_dir = g_strdup(cfg->templates_dirs->pdata[0]);
	g_ptr_array_unref(v);
}

/* "HH:MM", 00:00 to 23:59: minutes after midnight, or -1. */
static int
parse_hhmm(const char *s)
{
	if (strlen(s) != 5 || !g_ascii_isdigit(s[0]) ||
	    !g_ascii_isdigit(s[1]) || s[2] != ':' || !g_ascii_isdigit(s[3]) ||
	    !g_ascii_isdigit(s[4]))
		return -1;
	int h = (s[0] - '0') * 10 + s[1] - '0';
	int m = (s[3] - '0') * 10 + s[4] - '0';

	return h < 24 && m < 60 ? h * 60 + m : -1;
}

static gint
cmp_int(gconstpointer a, gconstpointer b)
{
	return *(const int *)a - *(const int *)b;
}

static void
load_digests(struct cctx *c, const config_setting_t *g,
    struct pd_config *cfg)
{
	static const char *const known[] = { "times", NULL };
	config_setting_t *ts = g ? config_setting_get_member(g, "times") :
	    NULL;
	GPtrArray *v = get_strv(c, g, "times", 0);

	check_known(c, g, known);
	cfg->digest_times = g_array_new(FALSE, FALSE, sizeof(int));
	for (guint i = 0; i < v->len; i++) {
		int m = parse_hhmm(v->pdata[i]);

		if (m < 0) {
			cerr(c, ts, "digests: time '%s' must be HH:MM (00:00 "
			    "to 23:59)", (char *)v->pdata[i]);
			continue;
		}
		for (guint j = 0; j < cfg->digest_times->len; j++)
			if (g_array_index(cfg->digest_times, int, j) == m) {
				cerr(c, ts, "digests: time '%s' given twice",
				    (char *)v->pdata[i]);
				m = -1;
				break;
			}
		if (m >= 0)
			g_array_append_val(cfg->digest_times, m);
	}
	g_array_sort(cfg->digest_times, cmp_int);
	g_ptr_array_unref(v);
}

void
config_load_digests(struct cctx *c, config_t *lc, struct pd_config *cfg)
{
	static const char *const report_keys[] = { "monthly", NULL };
	config_setting_t *r = config_lookup(lc, "reports");

	/* gateway.timezone is config_plans.c's (cfg->timezone). */
	load_digests(c, config_lookup(lc, "digests"), cfg);
	check_known(c, r, report_keys);
	cfg->report_monthly = get_bool(c, r, "monthly", 1);
}

void
config_free_digests(struct pd_config *cfg)
{
	g_clear_pointer(&cfg->templates_dirs, g_ptr_array_unref);
	g_clear_pointer(&cfg->digest_times, g_array_unref);
}
