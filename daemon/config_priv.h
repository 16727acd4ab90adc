/* config_priv.h: what the config loaders share (config.c and the
 * config_*.c files, one per group of settings; private to them).
 *
 * Each loader reads its settings from the libconfig tree into struct
 * pd_config and reports every problem with cerr() as "file:line: message"
 * (postdesk.conf(5)), going on after each so one pass finds them all. */
#ifndef PD_CONFIG_PRIV_H
#define PD_CONFIG_PRIV_H

#include <libconfig.h>
#include "config.h"
#include "log.h"

struct cctx {
	const char *file;
	GString *errors;
	int nerr;
	GPtrArray *unsafe; /* becomes pd_config.unsafe */
};

/* Appends "file:line: message" for setting s (NULL: the file itself). */
void cerr(struct cctx *c, const config_setting_t *s, const char *fmt, ...)
    PD_PRINTF(3, 4);
/* Where s is for a message: "gateway", "sources[1]", "(top)" (NULL or the
 * root).  g_malloc'd. */
char *setting_path(const config_setting_t *s);
/* Reports members of group that are not in the NULL-terminated list. */
void check_known(struct cctx *c, const config_setting_t *group,
    const char *const *known);
/* The name in the NULL-terminated known list closest to name (edit
 * distance), when close enough to be a typo of it; else NULL.  For "did
 * you mean" hints. */
const char *config_closest(const char *name, const char *const *known);
/* Typed getters: the setting name of group g (g may be NULL: absent), or
 * def when absent; a wrong type or range is reported and gives def.
 * Strings are g_malloc'd (NULL when absent without def). */
char *get_str(struct cctx *c, const config_setting_t *g, const char *name,
    const char *def, int required);
long long get_int(struct cctx *c, const config_setting_t *g,
    const char *name, long long def, long long min, long long max);
int get_bool(struct cctx *c, const config_setting_t *g, const char *name,
    int def);
/* Strings of an array setting, or of a single string; never NULL. */
GPtrArray *get_strv(struct cctx *c, const config_setting_t *g,
    const char *name, int lower);
/* p (taken) made absolute against the config file's directory. */
char *abs_path(struct cctx *c, char *p);
/* A plain addr-spec we may put on an SMTP command line. */
int valid_address(const char *a);

/* ---- the loaders of each group (called by config.c's load_all) ---- */

/* config_queues.c: `queues`; after gateway, agents and sources. */
void config_load_queues(struct cctx *c, config_t *lc, struct pd_config *cfg);
void config_free_queues(struct pd_config *cfg);

/* config_bounces.c: gateway.bounce_hold_days (postdesk.conf(5) BOUNCES).
 * Nothing to free. */
void config_load_bounces(struct cctx *c, config_t *lc, struct pd_config *cfg);
/* config_rules.c: `rules` (rules.h); after queues, agents, clients,
 * sources and the templates directory. */
void config_load_rules(struct cctx *c, config_t *lc, struct pd_config *cfg);
void config_free_rules(struct pd_config *cfg);
/* config_plans.c: gateway.timezone and `business_hours` (after gateway);
 * the extra settings of one plan (warn_at, sla), of one client
 * (contacts) and of the sla group (first_response, resolution,
 * warn_at), called by config.c's loaders of those groups. */
void config_load_plans(struct cctx *c, config_t *lc, struct pd_config *cfg);
void config_load_plan_extra(struct cctx *c, const config_setting_t *g,
    struct pd_plan *p);
void config_load_client_contacts(struct cctx *c, const config_setting_t *g,
    struct pd_client *cl);
void config_load_sla_extra(struct cctx *c, const config_setting_t *g,
    struct pd_config *cfg);
void config_free_plans(struct pd_config *cfg);
/* config_digests.c: gateway.templates (a directory or a list of them,
 * called from the gateway loader), gateway.timezone, `digests` and
 * `reports`; after gateway and agents. */
void config_load_templates(struct cctx *c, const config_setting_t *gw,
    struct pd_config *cfg);
void config_load_digests(struct cctx *c, config_t *lc, struct pd_config *cfg);
void config_free_digests(struct pd_config *cfg);

/* config_faq.c: the `faq` group (postdesk.conf(5) FAQ); and a client's
 * or queue's `suggest_faq` (true when absent): true when it turns the
 * suggestions off. */
void config_load_faq(struct cctx *c, config_t *lc, struct pd_config *cfg);
bool config_load_faq_switch(struct cctx *c, const config_setting_t *g);

#endif
