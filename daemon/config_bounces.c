/* config_bounces.c: the settings of bounces of our own mail
 * (postdesk.conf(5) "BOUNCES"): gateway.bounce_hold_days. */
#include "config_priv.h"

void
config_load_bounces(struct cctx *c, config_t *lc, struct pd_config *cfg)
{
	cfg->bounce_hold_days = (unsigned)get_int(c, config_lookup(lc,
	    "gateway"), "bounce_hold_days", 7, 0, 365);
}
