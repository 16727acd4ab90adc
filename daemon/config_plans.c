/* config_plans.c: the settings of limit and deadline notices
 * (postdesk.conf(5) "plans", "sla", "business_hours", gateway.timezone):
 * the gateway's time zone, business hours with holidays, the SLA targets
 * by priority (first response and resolution, per plan too), a plan's
 * warn_at thresholds and a client's contacts.  The arithmetic is
 * bizhours.h; the notices are plans.c and sla.c. */
#include <string.h>
#include "bizhours.h"
#include "config_priv.h"

static const char *const prio_keys[] = { "low", "normal", "high", "urgent",
	NULL };

/* A group of hours by priority ({ urgent = 2; high = 4; }), 0-10000. */
static void
load_prio_hours(struct cctx *c, const config_setting_t *g, const char *name,
    unsigned out[4])
{
	config_setting_t *s = g ? config_setting_get_member(g, name) : NULL;

	if (!s)
		return;
	if (!config_setting_is_group(s)) {
		cerr(c, s, "'%s' must be a group: { urgent = 2; ... }", name);
		return;
	}
	check_known(c, s, prio_keys);
	for (int i = 0; i < 4; i++)
		out[i] = get_int(c, s, prio_keys[i], out[i], 0, 10000);
}

/* warn_at = [80, 100]: percents 1-1000, each once, kept ascending. */
static GArray *
load_warn_at(struct cctx *c, const config_setting_t *g)
{
	config_setting_t *s = g ? config_setting_get_member(g, "warn_at") :
	    NULL;
	GArray *v = g_array_new(FALSE, FALSE, sizeof(unsigned));
	unsigned def[] = { 80, 100 };

	if (!s) {
		g_array_append_vals(v, def, G_N_ELEMENTS(def));
		return v;
	}
	if (!config_setting_is_array(s) && !config_setting_is_list(s)) {
		cerr(c, s, "'warn_at' must be a list of percents: [80, 100]");
		return v;
	}
	for (int i = 0; i < config_setting_length(s); i++) {
		config_setting_t *e = config_setting_get_elem(s, i);
		long long p = config_setting_type(e) == CONFIG_TYPE_INT ?
		    config_setting_get_int(e) : -1;
		unsigned u = (unsigned)p;
		bool dup = false;

		if (p < 1 || p > 1000) {
			cerr(c, s, "'warn_at' must hold percents from 1 to "
			    "1000");
			continue;
		}
		for (guint j = 0; j < v->len; j++)
			dup = dup || g_array_index(v, unsigned, j) == u;
		if (dup) {
			cerr(c, s, "'warn_at' names %u twice", u);
			continue;
		}
		g_array_append_val(v, u);
	}
	for (guint i = 1; i < v->len; i++)
		for (guint j = i; j > 0 && g_array_index(v, unsigned, j - 1) >
		    g_array_index(v, unsigned, j); j--) {
			unsigned t = g_array_index(v, unsigned, j);

			g_array_index(v, unsigned, j) =
			    g_array_index(v, unsigned, j - 1);
			g_array_index(v, unsigned, j - 1) = t;
		}
	return v;
}

void
config_load_plan_extra(struct cctx *c, const config_setting_t *g,
    struct pd_plan *p)
{
	static const char *const sla_known[] = { "first_response",
		"resolution", NULL };
	config_setting_t *sla = g ? config_setting_get_member(g, "sla") : NULL;

	p->warn_at = load_warn_at(c, g);
	if (sla && !config_setting_is_group(sla)) {
		cerr(c, sla, "plan '%s': 'sla' must be a group", p->name);
		return;
	}
	check_known(c, sla, sla_known);
	load_prio_hours(c, sla, "first_response", p->sla_first);
	load_prio_hours(c, sla, "resolution", p->sla_resolution);
}

void
config_load_client_contacts(struct cctx *c, const config_setting_t *g,
    struct pd_client *cl)
{
	cl->contacts = get_strv(c, g, "contacts", 1);
	for (guint i = 0; i < cl->contacts->len; i++)
		if (!valid_address(cl->contacts->pdata[i]))
			cerr(c, config_setting_get_member(g, "contacts"),
			    "client '%s': invalid contact '%s'", cl->name,
			    (char *)cl->contacts->pdata[i]);
}

void
config_load_sla_extra(struct cctx *c, const config_setting_t *g,
    struct pd_config *cfg)
{
	/* first_response = { ... } refines the plain keys (the first
	 * response hours of older files). */
	load_prio_hours(c, g, "first_response", cfg->sla_hours);
	load_prio_hours(c, g, "resolution", cfg->sla_resolution);
	cfg->sla_warn_at = get_int(c, g, "warn_at", 80, 1, 99);
}

/* holidays = ["2026-12-31", ...]. */
static void
load_holidays(struct cctx *c, const config_setting_t *g, struct bizhours *bh)
{
	GPtrArray *days = get_strv(c, g, "holidays", 0);

	for (guint i = 0; i < days->len; i++)
		if (bizhours_add_holiday(bh, days->pdata[i]) != 0)
			cerr(c, config_setting_get_member(g, "holidays"),
			    "holiday '%s' is not a date YYYY-MM-DD",
			    (char *)days->pdata[i]);
	g_ptr_array_unref(days);
}

static struct bizhours *
load_business_hours(struct cctx *c, const config_setting_t *g,
    const char *gateway_tz)
{
	static const char *const known[] = { "days", "from", "to",
		"timezone", "holidays", NULL };
	char *days = get_str(c, g, "days", "mon-fri", 0);
	char *from = get_str(c, g, "from", "09:00", 0);
	char *to = get_str(c, g, "to", "18:00", 0);
	char *tz = get_str(c, g, "timezone", gateway_tz, 0);
	struct bizhours *bh;
	unsigned mask = 0x1f;
	int f = 9 * 60, t = 18 * 60;

	check_known(c, g, known);
	if (bizhours_parse_days(days, &mask) != 0) {
		cerr(c, config_setting_get_member(g, "days"), "days must be "
		    "like \"mon-fri\" or \"mon,wed,fri\"");
		mask = 0x1f;
	}
	if (bizhours_parse_hhmm(from, &f) != 0)
		cerr(c, config_setting_get_member(g, "from"), "from must be "
		    "a time HH:MM");
	if (bizhours_parse_hhmm(to, &t) != 0)
		cerr(c, config_setting_get_member(g, "to"), "to must be a "
		    "time HH:MM");
	if (f >= t) {
		cerr(c, g, "business_hours: 'from' must be before 'to'");
		f = 0;
		t = 1440;
	}
	if (!(bh = bizhours_new(tz, mask, f, t))) {
		cerr(c, config_setting_get_member(g, "timezone"), "unknown "
		    "time zone '%s'", tz);
		bh = bizhours_new(NULL, mask, f, t);
	}
	load_holidays(c, g, bh);
	g_free(days);
	g_free(from);
	g_free(to);
	g_free(tz);
	return bh;
}

void
config_load_plans(struct cctx *c, config_t *lc, struct pd_config *cfg)
{
	config_setting_t *gw = config_lookup(lc, "gateway");
	config_setting_t *bh = config_lookup(lc, "business_hours");

	cfg->timezone = get_str(c, gw, "timezone", "UTC", 0);
	if (!bizhours_tz_valid(cfg->timezone)) {
		cerr(c, config_setting_get_member(gw, "timezone"),
		    "unknown time zone '%s' (an IANA name such as "
		    "\"Europe/Berlin\")", cfg->timezone);
		g_free(cfg->timezone);
		cfg->timezone = g_strdup("UTC");
	}
	if (bh && !config_setting_is_group(bh)) {
		cerr(c, bh, "'business_hours' must be a group: { ... }");
		bh = NULL;
	}
	cfg->bizhours = bh ? load_business_hours(c, bh, cfg->timezone) :
	    bizhours_new_always(cfg->timezone);
}

void
config_free_plans(struct pd_config *cfg)
{
	g_free(cfg->timezone);
	bizhours_free(cfg->bizhours);
}
