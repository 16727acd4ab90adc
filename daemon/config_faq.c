/* config_faq.c: the FAQ in the acknowledgement (postdesk.conf(5) "FAQ"):
 * the `faq` group (suggest, threshold) and the `suggest_faq` switch of
 * a client or a queue, read by config.c's and config_queues.c's loaders
 * through config_load_faq_switch. */
#include "config_priv.h"
#include "faq.h"

void
config_load_faq(struct cctx *c, config_t *lc, struct pd_config *cfg)
{
	static const char *const known[] = { "suggest", "threshold", NULL };
	config_setting_t *g = config_lookup(lc, "faq"), *t;

	cfg->faq_suggest = true;
	cfg->faq_threshold = FAQ_THRESHOLD_DEFAULT;
	if (!g)
		return;
	if (!config_setting_is_group(g)) {
		cerr(c, g, "'faq' must be a group: faq = { ... }");
		return;
	}
	check_known(c, g, known);
	cfg->faq_suggest = get_bool(c, g, "suggest", 1);
	if (!(t = config_setting_get_member(g, "threshold")))
		return;
	if (config_setting_type(t) == CONFIG_TYPE_FLOAT)
		cfg->faq_threshold = config_setting_get_float(t);
	else if (config_setting_type(t) == CONFIG_TYPE_INT)
		cfg->faq_threshold = config_setting_get_int(t);
	else
		cerr(c, t, "faq.threshold must be a number from 0 to 1");
	if (cfg->faq_threshold < 0 || cfg->faq_threshold > 1) {
		cerr(c, t, "faq.threshold must be a number from 0 to 1");
		cfg->faq_threshold = FAQ_THRESHOLD_DEFAULT;
	}
}

bool
config_load_faq_switch(struct cctx *c, const config_setting_t *g)
{
	return !get_bool(c, g, "suggest_faq", 1);
}
