/* config_queues.c: the `queues` list (config.h struct pd_queue;
 * postdesk.conf(5) "QUEUES"). */
#include <string.h>
#include "config_priv.h"
#include "token.h"

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
		"lead", "suggest_faq", NULL };
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
	if (q->addresses->len == 0)
		cerr(c, g, "queue '%s': 'addresses' needs at least one address",
		    q->name);
	q->signature = get_str(c, g, "signature", NULL, 0);
	g_ptr_array_unref(q->agents);
	q->agents = get_strv(c, g, "agents", 0);
	q->lead = get_str(c, g, "lead", NULL, 0);
	q->faq_off = config_load_faq_switch(c, g);
	return q;
}

/* Are two addresses one mailbox?  Case-insensitive, a +detail ignored
 * (config_queue_by_address). */
static bool
same_mailbox(const char *a, const char *b)
{
	const char *aa = strrchr(a, '@'), *ba = strrchr(b, '@');
	const char *ap, *bp;
	size_t al, bl;

	if (!aa || !ba)
		return g_ascii_strcasecmp(a, b) == 0;
	ap = memchr(a, '+', (size_t)(aa - a));
	bp = memchr(b, '+', (size_t)(ba - b));
	al = (size_t)((ap ? ap : aa) - a);
	bl = (size_t)((bp ? bp : ba) - b);
	return al == bl && g_ascii_strncasecmp(a, b, al) == 0 &&
	    g_ascii_strcasecmp(aa, ba) == 0;
}

/* Duplicate names and addresses; each queue's agents and lead are agents
 * (postdesk.conf(5) "QUEUES"). */
static void
check_queues(struct cctx *c, config_setting_t *l, struct pd_config *cfg)
{
	for (guint i = 0; i < cfg->queues->len; i++) {
		const struct pd_queue *q = cfg->queues->pdata[i];
		config_setting_t *g = config_setting_get_elem(l, i);
		config_setting_t *m;

		for (guint j = 0; j < i; j++)
			if (strcmp(q->name, ((struct pd_queue *)
			    cfg->queues->pdata[j])->name) == 0) {
				cerr(c, g, "duplicate queue name '%s'",
				    q->name);
				break;
			}
		for (guint k = 0; k < q->addresses->len; k++)
			for (guint j = 0; j < i; j++) {
				const struct pd_queue *o =
				    cfg->queues->pdata[j];

				for (guint n = 0; n < o->addresses->len; n++)
					if (same_mailbox(q->addresses->pdata[k],
					    o->addresses->pdata[n]))
						cerr(c, config_setting_get_member(
						    g, "addresses"), "address "
						    "'%s' is in queues '%s' and "
						    "'%s'",
						    (char *)q->addresses->pdata[k],
						    o->name, q->name);
			}
		m = config_setting_get_member(g, "agents");
		for (guint k = 0; k < q->agents->len; k++)
			if (!config_agent_by_name(cfg, q->agents->pdata[k]))
				cerr(c, m, "queue '%s': no agent '%s'",
				    q->name, (char *)q->agents->pdata[k]);
		if (q->lead && !config_agent_by_name(cfg, q->lead))
			cerr(c, config_setting_get_member(g, "lead"),
			    "queue '%s': lead '%s' is not an agent", q->name,
			    q->lead);
	}
}

/* With a queues list, every queue an agent or a source names is in it; a
 * source that names none feeds the first. */
static void
check_references(struct cctx *c, config_t *lc, struct pd_config *cfg)
{
	config_setting_t *al = config_lookup(lc, "agents");
	config_setting_t *sl = config_lookup(lc, "sources");
	const struct pd_queue *def = cfg->queues->pdata[0];

	for (guint i = 0; al && config_setting_is_list(al) &&
	    i < cfg->agents->len; i++) {
		const struct pd_agent *a = cfg->agents->pdata[i];
		config_setting_t *g = config_setting_get_elem(al, i);

		for (guint k = 0; k < a->queues->len; k++)
			if (!config_queue(cfg, a->queues->pdata[k]))
				cerr(c, config_setting_get_member(g, "queues"),
				    "agent '%s': no queue '%s'", a->name,
				    (char *)a->queues->pdata[k]);
	}
	for (guint i = 0; sl && config_setting_is_list(sl) &&
	    i < cfg->sources->len; i++) {
		struct pd_source *s = cfg->sources->pdata[i];
		config_setting_t *g = config_setting_get_elem(sl, i);
		config_setting_t *m = config_setting_get_member(g, "queue");

		if (!m) {
			g_free(s->queue);
			s->queue = g_strdup(def->name);
		} else if (!config_queue(cfg, s->queue))
			cerr(c, m, "source '%s': no queue '%s'", s->name,
			    s->queue);
	}
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
	cfg->queues_listed = cfg->queues->len > 0;
	if (cfg->queues_listed) {
		check_queues(c, l, cfg);
		check_references(c, lc, cfg);
	} else {
		/* No list: the gateway's own identity, for the default queue
		 * and every queue a source names. */
		struct pd_queue *q = queue_new(cfg, PD_DEFAULT_QUEUE);

		g_ptr_array_add(q->addresses, g_strdup(cfg->address));
		g_ptr_array_add(cfg->queues, q);
		for (guint i = 0; i < cfg->sources->len; i++) {
			const struct pd_source *s = cfg->sources->pdata[i];

			if (!config_queue(cfg, s->queue)) {
				q = queue_new(cfg, s->queue);
				g_ptr_array_add(q->addresses,
				    g_strdup(cfg->address));
				g_ptr_array_add(cfg->queues, q);
			}
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
	if (!address || !strchr(address, '@'))
		return NULL;
	/* The +detail of the queue's own address is ignored too: a queue
	 * at desk+billing@ gets the mail written to it, and mail from it is
	 * our own (check_queues already reads both as one mailbox). */
	for (guint i = 0; i < cfg->queues->len; i++) {
		const struct pd_queue *q = cfg->queues->pdata[i];

		for (guint j = 0; j < q->addresses->len; j++)
			if (same_mailbox(q->addresses->pdata[j], address))
				return q;
	}
	return NULL;
}

const struct pd_queue *
config_queue_default(const struct pd_config *cfg)
{
	return cfg->queues->pdata[0];
}

const char *
config_queue_from(const struct pd_config *cfg, const struct pd_queue *q)
{
	return q->addresses->len ? q->addresses->pdata[0] : cfg->address;
}

bool
config_queue_serves(const struct pd_queue *q, const struct pd_agent *a)
{
	bool named = false;

	for (guint i = 0; i < q->agents->len && !named; i++)
		named = g_ascii_strcasecmp(q->agents->pdata[i], a->name) == 0;
	for (guint i = 0; i < a->queues->len && !named; i++)
		named = strcmp(a->queues->pdata[i], q->name) == 0;
	/* An agent who lists no queue serves every queue that names none. */
	return named || (a->queues->len == 0 && q->agents->len == 0);
}

bool
config_queue_tag_known(const struct pd_config *cfg, const char *tag)
{
	if (g_ascii_strcasecmp(tag, cfg->tag) == 0)
		return true;
	for (guint i = 0; i < cfg->queues->len; i++)
		if (g_ascii_strcasecmp(tag, ((const struct pd_queue *)
		    cfg->queues->pdata[i])->tag) == 0)
			return true;
	return false;
}

char *
config_queue_strip_tokens(const struct pd_config *cfg, const char *subject)
{
	char *s = token_strip(subject, cfg->tag), *n;

	for (guint i = 0; i < cfg->queues->len; i++) {
		const struct pd_queue *q = cfg->queues->pdata[i];

		if (g_ascii_strcasecmp(q->tag, cfg->tag) == 0)
			continue;
		n = token_strip(s, q->tag);
		g_free(s);
		s = n;
	}
	return s;
}

/* local+note@domain of address. */
static char *
note_of(const char *address)
{
	const char *at = strrchr(address, '@');

	return at ? g_strdup_printf("%.*s+note%s", (int)(at - address),
	    address, at) : g_strdup(address);
}

char *
config_queue_note_address(const struct pd_config *cfg,
    const struct pd_queue *q)
{
	const char *from = config_queue_from(cfg, q);

	/* The gateway's own address keeps gateway.note_address, which may
	 * be set to anything. */
	if (g_ascii_strcasecmp(from, cfg->address) == 0)
		return g_strdup(cfg->note_address);
	return note_of(from);
}

bool
config_is_note_address(const struct pd_config *cfg, const char *address)
{
	if (!address || !*address)
		return false;
	if (g_ascii_strcasecmp(address, cfg->note_address) == 0)
		return true;
	for (guint i = 0; cfg->queues_listed && i < cfg->queues->len; i++) {
		const struct pd_queue *q = cfg->queues->pdata[i];

		for (guint j = 0; j < q->addresses->len; j++) {
			char *n = note_of(q->addresses->pdata[j]);
			bool hit = g_ascii_strcasecmp(n, address) == 0;

			g_free(n);
			if (hit)
				return true;
		}
	}
	return false;
}

const char *
config_queue_language(const struct pd_config *cfg, const struct pd_queue *q,
    const char *requester)
{
	const struct pd_client *cl = requester ? config_client_of(cfg,
	    requester) : NULL;

	if (cl && cl->language)
		return cl->language;
	return q ? q->language : cfg->language;
}

bool
config_same_mailbox(const char *a, const char *b)
{
	return a && b && same_mailbox(a, b);
}
