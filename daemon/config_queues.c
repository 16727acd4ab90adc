/* config_queues.c: the `queues` list (config.h struct pd_queue;
 * postdesk.conf(5) "QUEUES"). */
#include <string.h>
#include "config_priv.h"

static struct pd_queue *
queue_new(const struct pd_config *cfg, const char *name)
{
	struct pd_queue *q = g_new0(struct pd_queue, 1);

	q->name = g_strdup(name);
	q->addresses = g_ptr_array_new_with_free_func(g_free);
	q->display_name = g_strdup(cfg->name);
	q->tag = g_strdup(cfg->tag);
	q->language = g_strdup(cfg->language);
	q->agents = g_ptr_array_new_with_free_func(g_free);
	return q;
}

static void
queue_free(gpointer p)
{
	struct pd_queue *q = p;

	g_free(q->name);
	g_ptr_array_unref(q->addresses);
	g_free(q->display_name);
	g_free(q->tag);
	g_free(q->language);
	g_free(q->signature);
	g_ptr_array_unref(q->agents);
	g_free(q->lead);
	g_free(q);
}

static struct pd_queue *
load_queue(struct cctx *c, const config_setting_t *g,
    const struct pd_config *cfg)
{
	static const char *const known[] = { "name", "addresses",
		"display_name", "tag", "language", "signature", "agents",
		"lead", NULL };
	char *name = get_str(c, g, "name", "", 1), *s;
	struct pd_queue *q = queue_new(cfg, name);

	g_free(name);
	check_known(c, g, known);
	g_ptr_array_unref(q->addresses);
	q->addresses = get_strv(c, g, "addresses", 1);
	for (guint i = 0; i < q->addresses->len; i++)
		if (!valid_address(q->addresses->pdata[i]))
			cerr(c, config_setting_get_member(g, "addresses"),
			    "queue '%s': invalid address '%s'", q->name,
			    (char *)q->addresses->pdata[i]);
	if ((s = get_str(c, g, "display_name", NULL, 0)))
		g_free(q->display_name), q->display_name = s;
	if ((s = get_str(c, g, "tag", NULL, 0))) {
		g_free(q->tag);
		q->tag = g_ascii_strup(s, -1);
		g_free(s);
		if (!g_regex_match_simple("^[A-Z0-9_-]{1,32}$", q->tag, 0, 0))
			cerr(c, config_setting_get_member(g, "tag"), "queue "
			    "'%s': tag must be 1-32 letters, digits, '-' or "
			    "'_'", q->name);
	}
	if ((s = get_str(c, g, "language", NULL, 0))) {
		g_free(q->language), q->language = s;
		if (strcmp(s, "en") != 0 && strcmp(s, "ru") != 0)
			cerr(c, config_setting_get_member(g, "language"),
			    "queue '%s': language must be \"en\" or \"ru\"",
			    q->name);
	}
	q->signature = get_str(c, g, "signature", NULL, 0);
	g_ptr_array_unref(q->agents);
	q->agents = get_strv(c, g, "agents", 0);
	q->lead = get_str(c, g, "lead", NULL, 0);
	return q;
}

void
config_load_queues(struct cctx *c, config_t *lc, struct pd_config *cfg)
{
	config_setting_t *l = config_lookup(lc, "queues");

	cfg->queues = g_ptr_array_new_with_free_func(queue_free);
	if (l && !config_setting_is_list(l))
		cerr(c, l, "'queues' must be a list: ( { ... }, ... )");
	for (int i = 0; l && config_setting_is_list(l) &&
	    i < config_setting_length(l); i++)
		g_ptr_array_add(cfg->queues,
		    load_queue(c, config_setting_get_elem(l, i), cfg));
	if (cfg->queues->len == 0) {
		/* No list: the gateway's own identity, for the default queue
		 * and every queue a source names. */
		struct pd_queue *q = queue_new(cfg, PD_DEFAULT_QUEUE);

		g_ptr_array_add(q->addresses, g_strdup(cfg->address));
		g_ptr_array_add(cfg->queues, q);
		for (guint i = 0; i < cfg->sources->len; i++) {
			const struct pd_source *s = cfg->sources->pdata[i];

			if (!config_queue(cfg, s->queue))
				g_ptr_array_add(cfg->queues,
				    queue_new(cfg, s->queue));
		}
	}
}

void
config_free_queues(struct pd_config *cfg)
{
	g_clear_pointer(&cfg->queues, g_ptr_array_unref);
}

const struct pd_queue *
config_queue(const struct pd_config *cfg, const char *name)
{
	for (guint i = 0; name && cfg->queues && i < cfg->queues->len; i++) {
		const struct pd_queue *q = cfg->queues->pdata[i];

		if (strcmp(q->name, name) == 0)
			return q;
	}
	return NULL;
}

const struct pd_queue *
config_queue_voice(const struct pd_config *cfg, const char *name)
{
	const struct pd_queue *q = config_queue(cfg, name);

	return q ? q : cfg->queues->pdata[0];
}

const struct pd_queue *
config_queue_by_address(const struct pd_config *cfg, const char *address)
{
	const char *at = address ? strrchr(address, '@') : NULL;
	const char *plus;
	size_t local;

	if (!at)
		return NULL;
	plus = memchr(address, '+', (size_t)(at - address));
	local = (size_t)((plus ? plus : at) - address);
	for (guint i = 0; i < cfg->queues->len; i++) {
		const struct pd_queue *q = cfg->queues->pdata[i];

		for (guint j = 0; j < q->addresses->len; j++) {
			const char *a = q->addresses->pdata[j];
			const char *qa = strrchr(a, '@');

			if (qa && (size_t)(qa - a) == local &&
			    g_ascii_strncasecmp(a, address, local) == 0 &&
			    g_ascii_strcasecmp(qa, at) == 0)
				return q;
		}
	}
	return NULL;
}
