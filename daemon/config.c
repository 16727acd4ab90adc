/* config.c: reads the libconfig file into struct pd_config (see config.h).
 *
 * Every check appends "file:line: message" to the error buffer and goes on,
 * so the admin sees all mistakes of one edit at once (OpenSMTPD's parse.y
 * counts errors the same way).  Unknown settings are errors too: a typo in a
 * setting name must not silently fall back to a default. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <libconfig.h>
#include <sodium.h>
#include "config.h"
#include "config_priv.h"
#include "log.h"

/* The secret in the file setting name of g names; *path_r (may be NULL)
 * gets that file's path, the one thing -nn shows of a secret. */
static char *
read_secret(struct cctx *c, const config_setting_t *g, const char *name,
    char **path_r)
{
	char *path = abs_path(c, get_str(c, g, name, NULL, 1)), *data = NULL;
	GError *err = NULL;
	gsize len;

	if (!path)
		return NULL;
	if (!g_file_get_contents(path, &data, &len, &err)) {
		cerr(c, config_setting_get_member(g, name), "%s: %s", name,
		    err->message);
		g_error_free(err);
	} else {
		struct stat sb;
		const config_setting_t *s = config_setting_get_member(g, name);
		const char *f = config_setting_source_file(s);

		/* Others may read it: the daemon refuses to start, -n says
		 * so (postdeskd(8)).  Group access is allowed, for a
		 * root:postdesk 0640 file. */
		if (stat(path, &sb) == 0 && (sb.st_mode & 007))
			g_ptr_array_add(c->unsafe, g_strdup_printf("%s:%u: "
			    "%s %s is accessible by others (mode %04o); "
			    "chmod o-rwx it", f ? f : c->file,
			    config_setting_source_line(s), name, path,
			    (unsigned)(sb.st_mode & 07777)));
		/* One line: the trailing newline an editor adds is not part
		 * of the password. */
		data[strcspn(data, "\r\n")] = '\0';
	}
	if (path_r)
		*path_r = path;
	else
		g_free(path);
	return data;
}

static const char *const endpoint_keys[] = { "host", "port", "tls",
	"tls_verify", "ca_file", "user", "password_file", "auth", "timeout" };

static void
load_endpoint(struct cctx *c, const config_setting_t *g,
    struct pd_endpoint *ep, unsigned default_port_tls, unsigned default_port)
{
	char *tls = get_str(c, g, "tls", "implicit", 0);

	ep->host = get_str(c, g, "host", "localhost", 1);
	if (strcmp(tls, "implicit") == 0)
		ep->tls = PD_TLS_IMPLICIT;
	else if (strcmp(tls, "starttls") == 0)
		ep->tls = PD_TLS_STARTTLS;
	else if (strcmp(tls, "none") == 0)
		ep->tls = PD_TLS_NONE;
	else
		cerr(c, config_setting_get_member(g, "tls"),
		    "tls must be \"implicit\", \"starttls\" or \"none\"");
	g_free(tls);
	ep->port = get_int(c, g, "port", ep->tls == PD_TLS_IMPLICIT ?
	    default_port_tls : default_port, 1, 65535);
	ep->tls_verify = get_bool(c, g, "tls_verify", 1);
	ep->ca_file = abs_path(c, get_str(c, g, "ca_file", NULL, 0));
	ep->user = get_str(c, g, "user", NULL, 0);
	if (ep->user)
		ep->password = read_secret(c, g, "password_file",
		    &ep->password_file);
	ep->auth = get_str(c, g, "auth", "login", 0);
	ep->timeout = get_int(c, g, "timeout", 60, 1, 3600);
}

static const char *const source_keys[] = { "name", "folder", "queue",
	"after", "processed_folder", "quarantine_folder", "poll_interval",
	"idle", NULL };

static struct pd_source *
load_source(struct cctx *c, const config_setting_t *g, unsigned idx)
{
	struct pd_source *s = g_new0(struct pd_source, 1);
	char *after;
	const char *known[G_N_ELEMENTS(endpoint_keys) +
	    G_N_ELEMENTS(source_keys)];

	memcpy(known, endpoint_keys, sizeof endpoint_keys);
	memcpy(known + G_N_ELEMENTS(endpoint_keys), source_keys,
	    sizeof source_keys);
	check_known(c, g, known);
	s->name = get_str(c, g, "name", NULL, 0);
	if (!s->name)
		s->name = g_strdup_printf("source%u", idx + 1);
	load_endpoint(c, g, &s->ep, 993, 143);
	s->folder = get_str(c, g, "folder", "INBOX", 0);
	s->queue = get_str(c, g, "queue", PD_DEFAULT_QUEUE, 0);
	after = get_str(c, g, "after", "move", 0);
	if (strcmp(after, "move") == 0)
		s->after = PD_AFTER_MOVE;
	else if (strcmp(after, "flag") == 0)
		s->after = PD_AFTER_FLAG;
	else
		cerr(c, config_setting_get_member(g, "after"),
		    "after must be \"move\" or \"flag\"");
	g_free(after);
	s->processed_folder = get_str(c, g, "processed_folder", "Processed", 0);
	s->quarantine_folder = get_str(c, g, "quarantine_folder",
	    "Quarantine", 0);
	s->poll_interval = get_int(c, g, "poll_interval", 60, 1, 86400);
	s->idle = get_bool(c, g, "idle", 1);
	if (!s->ep.user)
		cerr(c, g, "source '%s': 'user' is required", s->name);
	return s;
}

static struct pd_agent *
load_agent(struct cctx *c, const config_setting_t *g)
{
	static const char *const known[] = { "name", "addresses", "role",
		"queues", "language", NULL };
	struct pd_agent *a = g_new0(struct pd_agent, 1);

	check_known(c, g, known);
	a->name = get_str(c, g, "name", "", 1);
	a->addresses = get_strv(c, g, "addresses", 1);
	if (a->addresses->len == 0)
		cerr(c, g, "agent '%s': 'addresses' is required", a->name);
	for (guint i = 0; i < a->addresses->len; i++)
		if (!valid_address(a->addresses->pdata[i]))
			cerr(c, g, "agent '%s': invalid address '%s'", a->name,
			    (char *)a->addresses->pdata[i]);
	a->role = get_str(c, g, "role", "agent", 0);
	if (strcmp(a->role, "agent") != 0 && strcmp(a->role, "lead") != 0)
		cerr(c, g, "agent '%s': role must be \"agent\" or \"lead\"",
		    a->name);
	a->queues = get_strv(c, g, "queues", 0);
	a->language = get_str(c, g, "language", "en", 0);
	if (strcmp(a->language, "en") != 0 && strcmp(a->language, "ru") != 0)
		cerr(c, g, "agent '%s': language must be \"en\" or \"ru\"",
		    a->name);
	return a;
}

static struct pd_client *
load_client(struct cctx *c, const config_setting_t *g)
{
	static const char *const known[] = { "name", "domains", "addresses",
		"plan", "language", "contacts", "suggest_faq", NULL };
	struct pd_client *cl = g_new0(struct pd_client, 1);

	check_known(c, g, known);
	cl->name = get_str(c, g, "name", "", 1);
	cl->plan = get_str(c, g, "plan", NULL, 0);
	cl->domains = get_strv(c, g, "domains", 1);
	cl->addresses = get_strv(c, g, "addresses", 1);
	if (cl->domains->len == 0 && cl->addresses->len == 0)
		cerr(c, g, "client '%s': 'domains' or 'addresses' is required",
		    cl->name);
	for (guint i = 0; i < cl->addresses->len; i++)
		if (!valid_address(cl->addresses->pdata[i]))
			cerr(c, g, "client '%s': invalid address '%s'",
			    cl->name, (char *)cl->addresses->pdata[i]);
	cl->language = get_str(c, g, "language", NULL, 0);
	if (cl->language && strcmp(cl->language, "en") != 0 &&
	    strcmp(cl->language, "ru") != 0)
		cerr(c, config_setting_get_member(g, "language"), "client "
		    "'%s': language must be \"en\" or \"ru\"", cl->name);
	config_load_client_contacts(c, g, cl);
	cl->faq_off = config_load_faq_switch(c, g);
	return cl;
}

static struct pd_plan *
load_plan(struct cctx *c, const config_setting_t *g)
{
	static const char *const known[] = { "name", "hours", "warn_at",
		"sla", NULL };
	struct pd_plan *p = g_new0(struct pd_plan, 1);
	config_setting_t *h = config_setting_get_member(g, "hours");

	check_known(c, g, known);
	p->name = get_str(c, g, "name", "", 1);
	if (h && config_setting_type(h) == CONFIG_TYPE_FLOAT)
		p->hours = config_setting_get_float(h);
	else
		p->hours = get_int(c, g, "hours", 0, 0, 100000);
	if (!h)
		cerr(c, g, "plan '%s': 'hours' is required", p->name);
	config_load_plan_extra(c, g, p);
	return p;
}

static void
load_sla(struct cctx *c, config_setting_t *g, struct pd_config *cfg)
{
	static const char *const known[] = { "low", "normal", "high",
		"urgent", "first_response", "resolution", "warn_at", NULL };

	check_known(c, g, known);
	for (int i = 0; i < 4; i++)
		cfg->sla_hours[i] = get_int(c, g, known[i], 0, 0, 10000);
	config_load_sla_extra(c, g, cfg);
}

static void
check_client_plans(struct cctx *c, config_t *lc, struct pd_config *cfg)
{
	for (guint i = 0; i < cfg->clients->len; i++) {
		const struct pd_client *cl = cfg->clients->pdata[i];

		if (cl->plan && !config_plan(cfg, cl->plan))
			cerr(c, config_setting_get_elem(config_lookup(lc,
			    "clients"), i), "client '%s': no plan '%s'",
			    cl->name, cl->plan);
	}
}

static void
load_tickets(struct cctx *c, config_setting_t *g, struct pd_config *cfg)
{
	static const char *const known[] = { "autoclose_days", "reopen_days",
		"max_reopens", NULL };

	check_known(c, g, known);
	cfg->autoclose_days = get_int(c, g, "autoclose_days", 7, 0, 3650);
	cfg->reopen_days = get_int(c, g, "reopen_days", 30, 0, 3650);
	cfg->max_reopens = get_int(c, g, "max_reopens", 3, 0, 1000);
}

/* What the note leak guard does with an answer's files it cannot read
 * (postdesk.conf(5) THREAT MODEL, postdesk.conf(5) "INTERNAL NOTES"). */
static void
load_binary_attachments(struct cctx *c, config_setting_t *g,
    struct pd_config *cfg)
{
	char *s = get_str(c, g, "binary_attachments", "relay", 0);

	if (strcmp(s, "hold") == 0)
		cfg->binary_hold = true;
	else if (strcmp(s, "relay") != 0)
		cerr(c, config_setting_get_member(g, "binary_attachments"),
		    "binary_attachments must be \"relay\" or \"hold\"");
	g_free(s);
}

/* A domain cap below the address cap would make the address cap moot. */
static void
check_domain_cap(struct cctx *c, config_setting_t *g, const char *name,
    unsigned domain, unsigned address)
{
	if (!address || !domain || domain >= address)
		return;
	cerr(c, config_setting_get_member(g, name) ?
	    config_setting_get_member(g, name) : g, "'%s' must be 0 "
	    "(unlimited) or at least the address cap (%u)", name, address);
}

/* Flood guards (postdesk.conf(5) floods): caps on automatic mail per recipient, per
 * domain and on challenges per agent address, over sliding windows of an
 * hour and a day; near-identical new requests filed together.  The
 * defaults follow OTRS (PostmasterMaxEmailsPerAddress: 40 a day) and
 * Zammad (a sliding window per recipient). */
static void
load_floods(struct cctx *c, config_setting_t *g, struct pd_config *cfg)
{
	static const char *const known[] = { "address_per_hour",
		"address_per_day", "domain_per_hour", "domain_per_day",
		"challenges_per_hour", "challenges_per_day", "repeat_minutes",
		"repeat_similarity", NULL };

	check_known(c, g, known);
	cfg->cap_address.per_hour = get_int(c, g, "address_per_hour", 10, 0,
	    100000);
	cfg->cap_address.per_day = get_int(c, g, "address_per_day", 40, 0,
	    1000000);
	cfg->cap_domain.per_hour = get_int(c, g, "domain_per_hour", 50, 0,
	    100000);
	cfg->cap_domain.per_day = get_int(c, g, "domain_per_day", 200, 0,
	    1000000);
	cfg->cap_challenge.per_hour = get_int(c, g, "challenges_per_hour", 3,
	    0, 100000);
	cfg->cap_challenge.per_day = get_int(c, g, "challenges_per_day", 10,
	    0, 1000000);
	cfg->repeat_window = get_int(c, g, "repeat_minutes", 10, 0,
	    24 * 60) * 60;
	cfg->repeat_similarity = get_int(c, g, "repeat_similarity", 90, 50,
	    100);
	if (g) {
		check_domain_cap(c, g, "domain_per_hour",
		    cfg->cap_domain.per_hour, cfg->cap_address.per_hour);
		check_domain_cap(c, g, "domain_per_day",
		    cfg->cap_domain.per_day, cfg->cap_address.per_day);
	}
}

/* The addresses and proofs of agent mail (postdesk.conf(5) THREAT MODEL). */
static void
load_agent_mail(struct cctx *c, config_setting_t *g, struct pd_config *cfg)
{
	const char *at = strchr(cfg->address, '@');
	char *def = at ? g_strdup_printf("%.*s+note%s", (int)(at -
	    cfg->address), cfg->address, at) : g_strdup("");

	cfg->note_address = get_str(c, g, "note_address", def, 0);
	g_free(def);
	cfg->team_copy = get_str(c, g, "team_copy", NULL, 0);
	if (g && !valid_address(cfg->note_address))
		cerr(c, config_setting_get_member(g, "note_address"),
		    "invalid note_address '%s'", cfg->note_address);
	if (cfg->team_copy && !valid_address(cfg->team_copy))
		cerr(c, config_setting_get_member(g, "team_copy"),
		    "invalid team_copy address '%s'", cfg->team_copy);
	cfg->trusted_authserv = get_strv(c, g, "trusted_authserv", 1);
	cfg->trusted_relays = get_strv(c, g, "trusted_relays", 1);
	cfg->id_max_age_days = get_int(c, g, "id_max_age_days", 30, 1, 3650);
	cfg->id_fresh_hours = get_int(c, g, "id_fresh_hours", 24, 0, 8760);
	load_binary_attachments(c, g, cfg);
}

/* "file:line" of setting name of g, else of g, else the file: where a
 * check made after loading (config_check_files) points. */
static char *
where(struct cctx *c, const config_setting_t *g, const char *name)
{
	const config_setting_t *s = g ? config_setting_get_member(g, name) :
	    NULL;
	const char *f;

	if (!s)
		s = g;
	f = s ? config_setting_source_file(s) : NULL;
	return g_strdup_printf("%s:%u", f ? f : c->file,
	    s ? config_setting_source_line(s) : 0);
}

static void
load_gateway(struct cctx *c, config_setting_t *g, struct pd_config *cfg)
{
	static const char *const known[] = { "name", "address", "domain",
		"tag", "language", "first_ticket", "admin", "key_file",
		"templates", "note_address", "team_copy", "trusted_authserv",
		"answers", "allow_root", "trusted_relays", "id_max_age_days",
		"id_fresh_hours", "binary_attachments", "user",
		"bounce_hold_days", "timezone", NULL };
	char *s;

	if (!g) {
		cerr(c, NULL, "the 'gateway' group is required");
		g = NULL;
	}
	check_known(c, g, known);
	cfg->name = get_str(c, g, "name", "Support", 0);
	s = get_str(c, g, "address", "", 1);
	cfg->address = g_ascii_strdown(s, -1);
	g_free(s);
	if (g && !valid_address(cfg->address))
		cerr(c, config_setting_get_member(g, "address"),
		    "invalid support address '%s'", cfg->address);
	cfg->domain = get_str(c, g, "domain", strchr(cfg->address, '@') ?
	    strchr(cfg->address, '@') + 1 : "localhost", 0);
	s = get_str(c, g, "tag", "TICKET", 0);
	cfg->tag = g_ascii_strup(s, -1);
	g_free(s);
	if (!g_regex_match_simple("^[A-Z0-9_-]{1,32}$", cfg->tag, 0, 0))
		cerr(c, config_setting_get_member(g, "tag"),
		    "tag must be 1-32 letters, digits, '-' or '_'");
	cfg->language = get_str(c, g, "language", "en", 0);
	if (strcmp(cfg->language, "en") != 0 && strcmp(cfg->language, "ru"))
		cerr(c, config_setting_get_member(g, "language"),
		    "language must be \"en\" or \"ru\"");
	cfg->first_ticket = get_int(c, g, "first_ticket", 1, 1, 1000000000);
	cfg->admin = get_str(c, g, "admin", NULL, 0);
	if (cfg->admin && !valid_address(cfg->admin))
		cerr(c, config_setting_get_member(g, "admin"),
		    "invalid admin address '%s'", cfg->admin);
	cfg->key_file = abs_path(c, get_str(c, g, "key_file",
	    LOCALSTATEDIR "/lib/postdesk/mac.key", 0));
	config_load_templates(c, g, cfg);
	cfg->templates_at = where(c, g, "templates");
	cfg->answers_dir = abs_path(c, get_str(c, g, "answers",
	    SYSCONFDIR "/postdesk/answers", 0));
	load_agent_mail(c, g, cfg);
	cfg->allow_root = get_bool(c, g, "allow_root", 0);
	cfg->user = get_str(c, g, "user", NULL, 0);
	cfg->user_at = where(c, g, "user");
	if (cfg->user && (!*cfg->user || strchr(cfg->user, ':')))
		cerr(c, config_setting_get_member(g, "user"),
		    "user must be a user name");
}

static void
load_limits(struct cctx *c, config_setting_t *g, struct pd_limits *l)
{
	static const char *const known[] = { "max_message_size", "max_parts",
		"max_depth", "max_header_length", "max_recipients", "max_text",
		"max_headers", "max_html", NULL };

	check_known(c, g, known);
	l->max_message_size = get_int(c, g, "max_message_size",
	    l->max_message_size, 1024, 1LL << 30);
	l->max_parts = get_int(c, g, "max_parts", l->max_parts, 1, 100000);
	l->max_depth = get_int(c, g, "max_depth", l->max_depth, 1, 1000);
	l->max_header_length = get_int(c, g, "max_header_length",
	    l->max_header_length, 256, 1 << 24);
	l->max_recipients = get_int(c, g, "max_recipients",
	    l->max_recipients, 1, 100000);
	l->max_text = get_int(c, g, "max_text", l->max_text, 1024, 1 << 28);
	l->max_headers = get_int(c, g, "max_headers", l->max_headers, 50,
	    1000000);
	l->max_html = get_int(c, g, "max_html", l->max_html, 1024, 1 << 28);
}

/* One address, one agent: mail from it would be read as the first agent's
 * only, and a challenge would go to whoever comes first (postdesk.conf(5)
 * "agents").  Reported on the later agent, naming both. */
static void
check_agent_addresses(struct cctx *c, const config_setting_t *list,
    const struct pd_config *cfg)
{
	for (guint i = 0; i < cfg->agents->len; i++) {
		const struct pd_agent *a = cfg->agents->pdata[i];
		const config_setting_t *e = config_setting_get_elem(list, i);
		const config_setting_t *at = e ?
		    config_setting_get_member(e, "addresses") : NULL;

		for (guint k = 0; k < a->addresses->len; k++)
			for (guint j = 0; j < i; j++) {
				const struct pd_agent *b = cfg->agents->pdata[j];

				for (guint m = 0; m < b->addresses->len; m++)
					if (strcmp(a->addresses->pdata[k],
					    b->addresses->pdata[m]) == 0)
						cerr(c, at ? at : e, "address "
						    "'%s' is on two agents: "
						    "'%s' (line %u) and '%s'",
						    (char *)a->addresses->pdata[k],
						    b->name,
						    config_setting_source_line(
						    config_setting_get_elem(list,
						    j)), a->name);
			}
	}
}

static void
load_lists(struct cctx *c, config_t *lc, struct pd_config *cfg)
{
	config_setting_t *s = config_lookup(lc, "sources");
	config_setting_t *a = config_lookup(lc, "agents");
	config_setting_t *cl = config_lookup(lc, "clients");

	cfg->sources = g_ptr_array_new();
	cfg->agents = g_ptr_array_new();
	config_setting_t *pl = config_lookup(lc, "plans");

	cfg->clients = g_ptr_array_new();
	cfg->plans = g_ptr_array_new();
	for (int i = 0; pl && config_setting_is_list(pl) &&
	    i < config_setting_length(pl); i++)
		g_ptr_array_add(cfg->plans,
		    load_plan(c, config_setting_get_elem(pl, i)));
	if (pl && !config_setting_is_list(pl))
		cerr(c, pl, "'plans' must be a list: ( { ... }, ... )");
	if (cl && !config_setting_is_list(cl))
		cerr(c, cl, "'clients' must be a list: ( { ... }, ... )");
	for (int i = 0; cl && config_setting_is_list(cl) &&
	    i < config_setting_length(cl); i++)
		g_ptr_array_add(cfg->clients,
		    load_client(c, config_setting_get_elem(cl, i)));
	if (s && !config_setting_is_list(s))
		cerr(c, s, "'sources' must be a list: ( { ... }, ... )");
	for (int i = 0; s && config_setting_is_list(s) &&
	    i < config_setting_length(s); i++)
		g_ptr_array_add(cfg->sources,
		    load_source(c, config_setting_get_elem(s, i), i));
	for (guint i = 0; i < cfg->sources->len; i++)
		for (guint j = 0; j < i; j++)
			if (strcmp(((struct pd_source *)cfg->sources->pdata[i])
			    ->name, ((struct pd_source *)cfg->sources->pdata[j])
			    ->name) == 0)
				cerr(c, config_setting_get_elem(s, i),
				    "duplicate source name '%s' (first at line "
				    "%u)", ((struct pd_source *)cfg->sources
				    ->pdata[i])->name, config_setting_source_line(
				    config_setting_get_elem(s, j)));
	if (a && !config_setting_is_list(a))
		cerr(c, a, "'agents' must be a list: ( { ... }, ... )");
	for (int i = 0; a && config_setting_is_list(a) &&
	    i < config_setting_length(a); i++)
		g_ptr_array_add(cfg->agents,
		    load_agent(c, config_setting_get_elem(a, i)));
	check_agent_addresses(c, a, cfg);
}

static void
load_all(struct cctx *c, config_t *lc, struct pd_config *cfg)
{
	static const char *const top[] = { "gateway", "database", "limits",
		"sources", "smtp", "agents", "clients", "tickets", "plans", "sla",
		"floods", "queues", "rules", "business_hours", "digests",
		"reports", "faq", NULL };
	static const char *const smtp_keys[] = { "host", "port", "tls",
		"tls_verify", "ca_file", "user", "password_file", "auth",
		"timeout", NULL };
	const struct pd_limits deflim = PD_LIMITS_DEFAULT;
	config_setting_t *smtp = config_lookup(lc, "smtp");

	check_known(c, config_root_setting(lc), top);
	load_gateway(c, config_lookup(lc, "gateway"), cfg);
	cfg->database = abs_path(c, get_str(c, config_root_setting(lc),
	    "database", LOCALSTATEDIR "/lib/postdesk/postdesk.db", 0));
	cfg->limits = deflim;
	load_limits(c, config_lookup(lc, "limits"), &cfg->limits);
	load_lists(c, lc, cfg);
	load_tickets(c, config_lookup(lc, "tickets"), cfg);
	load_sla(c, config_lookup(lc, "sla"), cfg);
	load_floods(c, config_lookup(lc, "floods"), cfg);
	check_client_plans(c, lc, cfg);
	config_load_queues(c, lc, cfg);
	config_load_bounces(c, lc, cfg);
	config_load_plans(c, lc, cfg);
	config_load_digests(c, lc, cfg);
	config_load_faq(c, lc, cfg);
	if (!smtp)
		cerr(c, NULL, "the 'smtp' group is required");
	check_known(c, smtp, smtp_keys);
	load_endpoint(c, smtp, &cfg->smtp, 465, 25);
	if (!cfg->smtp.user)
		g_free(cfg->smtp.auth), cfg->smtp.auth = NULL;
	/* libetpan 1.9.4 cannot send a chosen EHLO name (only LHLO takes
	 * one): the driver sends an address literal of our own end. */
	cfg->smtp_helo = g_strdup(cfg->domain);
	config_load_rules(c, lc, cfg);
}

int
config_load(const char *path, struct pd_config **cfg_r, GString *errors)
{
	struct cctx c = { .file = path, .errors = errors,
		.unsafe = g_ptr_array_new_with_free_func(g_free) };
	struct pd_config *cfg;
	config_t lc;
	char *dir;

	*cfg_r = NULL;
	config_init(&lc);
	/* Without this, @include is relative to the working directory. */
	dir = g_path_get_dirname(path);
	config_set_include_dir(&lc, dir);
	g_free(dir);
	if (config_read_file(&lc, path) != CONFIG_TRUE) {
		g_string_append_printf(errors, "%s:%d: %s\n",
		    config_error_file(&lc) ? config_error_file(&lc) : path,
		    config_error_line(&lc), config_error_type(&lc) ==
		    CONFIG_ERR_FILE_IO ? g_strerror(errno) :
		    config_error_text(&lc));
		config_destroy(&lc);
		g_ptr_array_unref(c.unsafe);
		return -1;
	}
	cfg = g_new0(struct pd_config, 1);
	cfg->file = g_strdup(path);
	cfg->unsafe = c.unsafe;
	load_all(&c, &lc, cfg);
	config_destroy(&lc);
	if (c.nerr) {
		/* One pass shows everything: the unsafe password files too,
		 * which a loaded config reports through config_check_files. */
		for (guint i = 0; i < cfg->unsafe->len; i++)
			g_string_append_printf(errors, "%s\n",
			    (char *)cfg->unsafe->pdata[i]);
		config_free(&cfg);
		return -1;
	}
	*cfg_r = cfg;
	return 0;
}

static void
wipe_free(char *s)
{
	if (s) {
		sodium_memzero(s, strlen(s));
		g_free(s);
	}
}

static void
endpoint_free(struct pd_endpoint *ep)
{
	g_free(ep->host);
	g_free(ep->ca_file);
	g_free(ep->user);
	wipe_free(ep->password);
	g_free(ep->auth);
	g_free(ep->password_file);
}

static void
source_free(gpointer p, gpointer unused)
{
	struct pd_source *s = p;

	endpoint_free(&s->ep);
	g_free(s->name);
	g_free(s->folder);
	g_free(s->queue);
	g_free(s->processed_folder);
	g_free(s->quarantine_folder);
	g_free(s);
}

static void
agent_free(gpointer p, gpointer unused)
{
	struct pd_agent *a = p;

	g_free(a->name);
	g_ptr_array_unref(a->addresses);
	g_free(a->role);
	g_ptr_array_unref(a->queues);
	g_free(a->language);
	g_free(a);
}

static void
client_free(gpointer p, gpointer unused)
{
	struct pd_client *cl = p;

	g_free(cl->name);
	g_free(cl->plan);
	g_ptr_array_unref(cl->domains);
	g_ptr_array_unref(cl->addresses);
	g_free(cl->language);
	if (cl->contacts)
		g_ptr_array_unref(cl->contacts);
	g_free(cl);
}

void
config_free(struct pd_config **cfgp)
{
	struct pd_config *cfg = cfgp ? *cfgp : NULL;

	if (!cfg)
		return;
	if (cfg->sources)
		g_ptr_array_foreach(cfg->sources, source_free, NULL);
	if (cfg->agents)
		g_ptr_array_foreach(cfg->agents, agent_free, NULL);
	if (cfg->clients)
		g_ptr_array_foreach(cfg->clients, client_free, NULL);
	g_clear_pointer(&cfg->clients, g_ptr_array_unref);
	for (guint i = 0; cfg->plans && i < cfg->plans->len; i++) {
		struct pd_plan *p = cfg->plans->pdata[i];

		g_free(p->name);
		if (p->warn_at)
			g_array_unref(p->warn_at);
		g_free(p);
	}
	g_clear_pointer(&cfg->plans, g_ptr_array_unref);
	g_clear_pointer(&cfg->trusted_authserv, g_ptr_array_unref);
	g_clear_pointer(&cfg->trusted_relays, g_ptr_array_unref);
	g_free(cfg->note_address);
	g_free(cfg->team_copy);
	g_free(cfg->answers_dir);
	g_clear_pointer(&cfg->sources, g_ptr_array_unref);
	g_clear_pointer(&cfg->agents, g_ptr_array_unref);
	endpoint_free(&cfg->smtp);
	g_free(cfg->file);
	g_free(cfg->name);
	g_free(cfg->address);
	g_free(cfg->domain);
	g_free(cfg->tag);
	g_free(cfg->language);
	g_free(cfg->admin);
	g_free(cfg->key_file);
	g_free(cfg->templates_dir);
	g_free(cfg->database);
	g_free(cfg->smtp_helo);
	g_clear_pointer(&cfg->unsafe, g_ptr_array_unref);
	config_free_queues(cfg);
	g_free(cfg->templates_at);
	g_free(cfg->user);
	g_free(cfg->user_at);
	config_free_rules(cfg);
	config_free_plans(cfg);
	config_free_digests(cfg);
	g_free(cfg);
	*cfgp = NULL;
}

const struct pd_agent *
config_agent_by_address(const struct pd_config *cfg, const char *address)
{
	for (guint i = 0; address && i < cfg->agents->len; i++) {
		const struct pd_agent *a = cfg->agents->pdata[i];

		for (guint j = 0; j < a->addresses->len; j++)
			if (g_ascii_strcasecmp(a->addresses->pdata[j],
			    address) == 0)
				return a;
	}
	return NULL;
}

const struct pd_source *
config_source(const struct pd_config *cfg, const char *name)
{
	for (guint i = 0; name && i < cfg->sources->len; i++) {
		const struct pd_source *s = cfg->sources->pdata[i];

		if (strcmp(s->name, name) == 0)
			return s;
	}
	return NULL;
}

const struct pd_client *
config_client_of(const struct pd_config *cfg, const char *address)
{
	const char *at = address ? strrchr(address, '@') : NULL;

	for (guint i = 0; at && i < cfg->clients->len; i++) {
		const struct pd_client *cl = cfg->clients->pdata[i];

		for (guint j = 0; j < cl->addresses->len; j++)
			if (g_ascii_strcasecmp(cl->addresses->pdata[j],
			    address) == 0)
				return cl;
		for (guint j = 0; j < cl->domains->len; j++)
			if (g_ascii_strcasecmp(cl->domains->pdata[j],
			    at + 1) == 0)
				return cl;
	}
	return NULL;
}

bool
config_same_org(const struct pd_config *cfg, const char *a, const char *b)
{
	const struct pd_client *ca = config_client_of(cfg, a);

	return ca && ca == config_client_of(cfg, b);
}

const struct pd_plan *
config_plan(const struct pd_config *cfg, const char *name)
{
	for (guint i = 0; name && i < cfg->plans->len; i++) {
		const struct pd_plan *p = cfg->plans->pdata[i];

		if (strcmp(p->name, name) == 0)
			return p;
	}
	return NULL;
}

const struct pd_agent *
config_agent_by_name(const struct pd_config *cfg, const char *name)
{
	for (guint i = 0; name && i < cfg->agents->len; i++) {
		const struct pd_agent *a = cfg->agents->pdata[i];

		char *x = g_utf8_casefold(a->name, -1);
		char *y = g_utf8_casefold(name, -1);
		int same = strcmp(x, y) == 0;

		g_free(x);
		g_free(y);
		if (same)
			return a;
	}
	return config_agent_by_address(cfg, name);
}

const struct pd_client *
config_client(const struct pd_config *cfg, const char *name)
{
	for (guint i = 0; name && i < cfg->clients->len; i++) {
		const struct pd_client *cl = cfg->clients->pdata[i];

		if (strcmp(cl->name, name) == 0)
			return cl;
	}
	return NULL;
}

const struct pd_client *
config_client_named(const struct pd_config *cfg, const char *name)
{
	const struct pd_client *cl = config_client(cfg, name);

	for (guint i = 0; !cl && name && i < cfg->clients->len; i++)
		if (g_ascii_strcasecmp(((const struct pd_client *)
		    cfg->clients->pdata[i])->name, name) == 0)
			cl = cfg->clients->pdata[i];
	return cl;
}
