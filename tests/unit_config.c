/* unit_config.c: config_load (config.h, postdesk.conf(5)) on files written
 * to a temporary directory: the defaults of every section, every setting
 * the man page documents accepted, bad values and unknown settings
 * reported as "file:line: message" on the right line, all errors of a file
 * reported together, password files read and never echoed, and the
 * settings added with the hostile-mail work (floods, agent identity,
 * binary_attachments, limits); `postdeskd -nn` (config_dump) of a file
 * with every group, every rule condition and action, loading again to the
 * same dump. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <glib.h>
#include <glib/gstdio.h>
/* daemon/config.h, not the build's autoconf config.h found first on -I. */
#include "daemon/config.h"
#include "bizhours.h"
#include "tap.h"
#include "tmpdir.h"

#define SECRET "Pw-7f3Q9x-never-shown"

static char *dir;

/* Writes text to dir/name with mode. */
static char *
put(const char *name, const char *text, int mode)
{
	char *path = g_build_filename(dir, name, NULL);

	g_file_set_contents(path, text, -1, NULL);
	g_chmod(path, mode);
	return path;
}

/* Loads text as dir/t.conf; errors holds what config_load appended. */
static struct pd_config *
load(const char *text, GString *errors)
{
	struct pd_config *cfg = NULL;
	char *path = put("t.conf", text, 0600);

	g_string_truncate(errors, 0);
	if (config_load(path, &cfg, errors) != 0 && cfg)
		ok(0, "config_load failed but returned a config");
	g_free(path);
	return cfg;
}

/* The 1-based line of text holding needle, 0 when none. */
static unsigned
line_of(const char *text, const char *needle)
{
	const char *p = strstr(text, needle);
	unsigned n = 1;

	if (!p)
		return 0;
	for (const char *q = text; q < p; q++)
		n += *q == '\n';
	return n;
}

/* True when text has a line "<dir>/t.conf:<line>: ...<msg>...". */
static bool
has_error_in(const char *text, unsigned line, const char *msg)
{
	char *prefix = g_strdup_printf("%s/t.conf:%u: ", dir, line);
	char **lines = g_strsplit(text, "\n", -1);
	bool found = false;

	for (char **l = lines; *l && !found; l++)
		found = g_str_has_prefix(*l, prefix) && strstr(*l, msg);
	g_strfreev(lines);
	g_free(prefix);
	return found;
}

static bool
has_error(const GString *errors, unsigned line, const char *msg)
{
	return has_error_in(errors->str, line, msg);
}

/* A copy of errors on one line, for a TAP description; valid until the
 * next call.  A copy: the arguments of ok() are evaluated in no set
 * order. */
static const char *
oneline(const GString *errors)
{
	static char *last;

	g_free(last);
	last = g_strdup(errors->str);
	g_strchomp(last);
	return g_strdelimit(last, "\n", '|');
}

static unsigned
count_lines(const GString *errors)
{
	unsigned n = 0;

	for (const char *p = errors->str; *p; p++)
		n += *p == '\n';
	return n;
}

/* The smallest valid file: the two required groups. */
#define MINIMAL \
	"gateway = {\n" \
	"  address = \"Support@Example.test\";\n" \
	"};\n" \
	"smtp = { host = \"smtp.example.test\"; };\n"

static void
test_defaults(void)
{
	GString *e = g_string_new(NULL);
	struct pd_config *cfg = load(MINIMAL, e);
	const struct pd_limits def = PD_LIMITS_DEFAULT;

	if (!ok(cfg != NULL, "defaults: the minimal file loads (%s)",
	    oneline(e)))
		goto out;
	/* gateway */
	is_str(cfg->name, "Support", "defaults: gateway.name");
	is_str(cfg->address, "support@example.test",
	    "defaults: gateway.address lower-cased");
	is_str(cfg->domain, "example.test",
	    "defaults: gateway.domain from the address");
	is_str(cfg->tag, "TICKET", "defaults: gateway.tag");
	is_str(cfg->language, "en", "defaults: gateway.language");
	ok(cfg->first_ticket == 1, "defaults: gateway.first_ticket 1");
	ok(cfg->admin == NULL, "defaults: no gateway.admin");
	is_str(cfg->note_address, "support+note@example.test",
	    "defaults: gateway.note_address is the address +note");
	ok(cfg->team_copy == NULL, "defaults: no gateway.team_copy");
	ok(cfg->trusted_authserv && cfg->trusted_authserv->len == 0,
	    "defaults: no trusted_authserv");
	ok(cfg->trusted_relays && cfg->trusted_relays->len == 0,
	    "defaults: no trusted_relays");
	ok(cfg->id_max_age_days == 30, "defaults: id_max_age_days 30");
	ok(cfg->id_fresh_hours == 24, "defaults: id_fresh_hours 24");
	ok(!cfg->binary_hold, "defaults: binary_attachments relay");
	ok(cfg->bounce_hold_days == 7, "defaults: bounce_hold_days 7");
	ok(!cfg->allow_root, "defaults: allow_root false");
	ok(g_path_is_absolute(cfg->key_file) &&
	    g_str_has_suffix(cfg->key_file, "/lib/postdesk/mac.key"),
	    "defaults: key_file (%s)", cfg->key_file);
	ok(g_str_has_suffix(cfg->templates_dir, "/templates"),
	    "defaults: templates (%s)", cfg->templates_dir);
	ok(g_str_has_suffix(cfg->answers_dir, "/postdesk/answers"),
	    "defaults: answers (%s)", cfg->answers_dir);
	ok(g_str_has_suffix(cfg->database, "/lib/postdesk/postdesk.db"),
	    "defaults: database (%s)", cfg->database);
	/* limits */
	/* Field by field: the struct has padding, which memcmp would read. */
	ok(cfg->limits.max_message_size == def.max_message_size &&
	    cfg->limits.max_parts == def.max_parts &&
	    cfg->limits.max_depth == def.max_depth &&
	    cfg->limits.max_header_length == def.max_header_length &&
	    cfg->limits.max_recipients == def.max_recipients &&
	    cfg->limits.max_text == def.max_text &&
	    cfg->limits.max_headers == def.max_headers &&
	    cfg->limits.max_html == def.max_html,
	    "defaults: limits are PD_LIMITS_DEFAULT");
	ok(def.max_message_size == 26214400 && def.max_parts == 200 &&
	    def.max_depth == 16 && def.max_header_length == 65536 &&
	    def.max_recipients == 200 && def.max_text == 1048576 &&
	    def.max_headers == 1000 && def.max_html == 2097152,
	    "defaults: limits as postdesk.conf(5) says");
	/* lists */
	ok(cfg->sources->len == 0 && cfg->agents->len == 0 &&
	    cfg->clients->len == 0 && cfg->plans->len == 0,
	    "defaults: no sources, agents, clients, plans");
	/* smtp */
	ok(cfg->smtp.tls == PD_TLS_IMPLICIT && cfg->smtp.port == 465,
	    "defaults: smtp implicit TLS on 465");
	ok(cfg->smtp.tls_verify && cfg->smtp.timeout == 60 &&
	    !cfg->smtp.ca_file, "defaults: smtp tls_verify, timeout 60");
	ok(!cfg->smtp.user && !cfg->smtp.password && !cfg->smtp.auth,
	    "defaults: smtp without user: no authentication");
	is_str(cfg->smtp_helo, "example.test", "defaults: helo is the domain");
	/* tickets, sla, floods */
	ok(cfg->autoclose_days == 7 && cfg->reopen_days == 30 &&
	    cfg->max_reopens == 3, "defaults: tickets 7, 30, 3");
	ok(!cfg->sla_hours[0] && !cfg->sla_hours[1] && !cfg->sla_hours[2] &&
	    !cfg->sla_hours[3], "defaults: no sla");
	ok(cfg->cap_address.per_hour == 10 && cfg->cap_address.per_day == 40,
	    "defaults: floods address 10/h 40/d");
	ok(cfg->cap_domain.per_hour == 50 && cfg->cap_domain.per_day == 200,
	    "defaults: floods domain 50/h 200/d");
	ok(cfg->cap_challenge.per_hour == 3 &&
	    cfg->cap_challenge.per_day == 10,
	    "defaults: floods challenges 3/h 10/d");
	ok(cfg->repeat_window == 600 && cfg->repeat_similarity == 90,
	    "defaults: repeat 10 minutes (600 s), 90 %%");
	ok(cfg->unsafe && cfg->unsafe->len == 0, "defaults: nothing unsafe");
	config_free(&cfg);
	ok(cfg == NULL, "config_free clears the pointer");
	config_free(&cfg);

	/* smtp port without TLS, a source and an agent with defaults. */
	g_free(put("imap.pw", SECRET "\n", 0600));
	cfg = load("gateway = { address = \"support@example.test\"; };\n"
	    "smtp = { host = \"smtp\"; tls = \"none\"; };\n"
	    "sources = ( { host = \"imap\"; user = \"u\";\n"
	    "  password_file = \"imap.pw\"; } );\n"
	    "agents = ( { name = \"Olga\";\n"
	    "  addresses = \"OLGA@Example.test\"; } );\n",
	    e);
	if (!ok(cfg != NULL, "defaults: a source and an agent (%s)",
	    oneline(e)))
		goto out;
	ok(cfg->smtp.port == 25, "defaults: smtp without TLS on 25");
	{
		const struct pd_source *s = cfg->sources->pdata[0];

		is_str(s->name, "source1", "defaults: source name sourceN");
		ok(s->ep.port == 993 && s->ep.tls == PD_TLS_IMPLICIT,
		    "defaults: source on 993 implicit TLS");
		is_str(s->folder, "INBOX", "defaults: source folder");
		is_str(s->queue, "support", "defaults: source queue");
		ok(s->after == PD_AFTER_MOVE, "defaults: source after move");
		is_str(s->processed_folder, "Processed",
		    "defaults: processed_folder");
		is_str(s->quarantine_folder, "Quarantine",
		    "defaults: quarantine_folder");
		ok(s->poll_interval == 60 && s->idle,
		    "defaults: poll 60 s, idle");
		is_str(s->ep.auth, "login", "defaults: source auth login");
		is_str(s->ep.password, SECRET,
		    "password file read, its line end dropped");
		ok(config_source(cfg, "source1") == s &&
		    !config_source(cfg, "x"), "config_source by name");
	}
	{
		const struct pd_agent *a = cfg->agents->pdata[0];

		is_str(a->role, "agent", "defaults: agent role");
		is_str(a->language, "en", "defaults: agent language");
		ok(a->queues->len == 0, "defaults: agent in no queue (all)");
		is_str(a->addresses->pdata[0], "olga@example.test",
		    "agent: a single address string, lower-cased");
		ok(config_agent_by_address(cfg, "Olga@EXAMPLE.test") == a,
		    "config_agent_by_address ignores case");
		ok(config_agent_by_name(cfg, "olga") == a &&
		    config_agent_by_name(cfg, "olga@example.test") == a,
		    "config_agent_by_name by name or address");
	}
out:
	config_free(&cfg);
	g_string_free(e, TRUE);
}

/* Every setting, none at its default. */
static const char full[] =
	"gateway = {\n"
	"  name = \"ACME Support\";\n"
	"  address = \"help@acme.test\";\n"
	"  domain = \"ids.acme.test\";\n"
	"  tag = \"acme-1\";\n"
	"  language = \"ru\";\n"
	"  first_ticket = 1000;\n"
	"  admin = \"admin@acme.test\";\n"
	"  key_file = \"keys/mac.key\";\n"
	"  allow_root = true;\n"
	"  templates = \"/srv/templates\";\n"
	"  answers = \"answers\";\n"
	"  note_address = \"notes@acme.test\";\n"
	"  team_copy = \"team@acme.test\";\n"
	"  trusted_authserv = [ \"MX.acme.test\", \"mx2.acme.test\" ];\n"
	"  trusted_relays = \"Filter.acme.test\";\n"
	"  id_max_age_days = 7;\n"
	"  id_fresh_hours = 2;\n"
	"  binary_attachments = \"hold\";\n"
	"  user = \"postdesk\";\n"
	"  bounce_hold_days = 14;\n"
	"  timezone = \"Europe/Moscow\";\n"
	"};\n"
	"database = \"db/pd.db\";\n"
	"limits = {\n"
	"  max_message_size = 1073741824L;\n"
	"  max_parts = 20;\n"
	"  max_depth = 4;\n"
	"  max_header_length = 1000;\n"
	"  max_recipients = 10;\n"
	"  max_text = 20000;\n"
	"  max_headers = 60;\n"
	"  max_html = 30000;\n"
	"};\n"
	"sources = (\n"
	"  { name = \"main\"; host = \"imap.acme.test\"; port = 1143;\n"
	"    tls = \"starttls\"; tls_verify = false; ca_file = \"ca.pem\";\n"
	"    user = \"help\"; password_file = \"imap.pw\"; auth = \"plain\";\n"
	"    timeout = 30; folder = \"Support\"; queue = \"billing\";\n"
	"    after = \"flag\"; processed_folder = \"Done\";\n"
	"    quarantine_folder = \"Bad\"; poll_interval = 5; idle = false; }\n"
	");\n"
	"smtp = { host = \"smtp.acme.test\"; port = 587; tls = \"starttls\";\n"
	"  tls_verify = false; ca_file = \"/etc/ca.pem\"; user = \"help\";\n"
	"  password_file = \"smtp.pw\"; auth = \"plain\"; timeout = 5; };\n"
	"agents = (\n"
	"  { name = \"Olga\";\n"
	"    addresses = [ \"olga@acme.test\", \"o@acme.test\" ];\n"
	"    role = \"lead\"; queues = [ \"billing\", \"support\" ];\n"
	"    language = \"ru\"; }\n"
	");\n"
	"clients = (\n"
	"  { name = \"Example\"; domains = [ \"Example.com\" ];\n"
	"    addresses = \"jane@mail.example.net\"; plan = \"gold\";\n"
	"    language = \"en\";\n"
	"    contacts = [ \"Boss@Example.com\" ]; suggest_faq = false; }\n"
	");\n"
	"queues = (\n"
	"  { name = \"support\"; addresses = \"help@acme.test\";\n"
	"    display_name = \"ACME Support\"; tag = \"acme-1\"; },\n"
	"  { name = \"billing\";\n"
	"    addresses = [ \"Billing@acme.test\", \"invoices@acme.test\" ];\n"
	"    display_name = \"ACME Billing\"; tag = \"bill\";\n"
	"    language = \"en\"; signature = \"ACME Billing, +1 555 0100\";\n"
	"    agents = [ \"Olga\" ]; lead = \"Olga\"; suggest_faq = false; }\n"
	");\n"
	"plans = ( { name = \"gold\"; hours = 40.5; warn_at = [100, 50];\n"
	"    sla = { first_response = { urgent = 1; };\n"
	"      resolution = { high = 24; }; }; },\n"
	"  { name = \"basic\"; hours = 10; } );\n"
	"tickets = { autoclose_days = 3; reopen_days = 14;\n"
	"  max_reopens = 1; };\n"
	"sla = { low = 48; normal = 8; high = 4; urgent = 1;\n"
	"  first_response = { urgent = 1; };\n"
	"  resolution = { low = 80; normal = 40; high = 16; urgent = 8; };\n"
	"  warn_at = 75; };\n"
	"business_hours = { days = \"sun-thu\"; from = \"08:30\";\n"
	"  to = \"17:00\"; timezone = \"Asia/Jerusalem\";\n"
	"  holidays = [ \"2026-12-31\" ]; };\n"
	"floods = {\n"
	"  address_per_hour = 5; address_per_day = 20;\n"
	"  domain_per_hour = 0; domain_per_day = 100;\n"
	"  challenges_per_hour = 1; challenges_per_day = 2;\n"
	"  repeat_minutes = 0; repeat_similarity = 75;\n"
	"};\n"
	"rules = ( { name = \"urgent\"; subject = \"urgent\";\n"
	"  priority = \"urgent\"; } );\n"
	"digests = { times = [ \"09:00\", \"14:30\" ]; };\n"
	"reports = { monthly = false; };\n"
	"faq = { suggest = false; threshold = 0.7; };\n";

static void
test_full(void)
{
	GString *e = g_string_new(NULL);
	struct pd_config *cfg;
	char *want;

	g_free(put("imap.pw", "imap-" SECRET "\r\n", 0600));
	g_free(put("smtp.pw", "smtp-" SECRET, 0640));
	cfg = load(full, e);
	if (!ok(cfg != NULL, "full: every setting accepted (%s)", oneline(e)))
		goto out;
	is_str(cfg->name, "ACME Support", "full: gateway.name");
	is_str(cfg->domain, "ids.acme.test", "full: gateway.domain");
	is_str(cfg->tag, "ACME-1", "full: gateway.tag upper-cased");
	is_str(cfg->language, "ru", "full: gateway.language");
	ok(cfg->first_ticket == 1000, "full: first_ticket");
	is_str(cfg->admin, "admin@acme.test", "full: admin");
	want = g_build_filename(dir, "keys", "mac.key", NULL);
	is_str(cfg->key_file, want, "full: key_file relative to the file");
	g_free(want);
	ok(cfg->allow_root, "full: allow_root");
	is_str(cfg->templates_dir, "/srv/templates", "full: templates");
	want = g_build_filename(dir, "answers", NULL);
	is_str(cfg->answers_dir, want, "full: answers relative to the file");
	g_free(want);
	is_str(cfg->note_address, "notes@acme.test", "full: note_address");
	is_str(cfg->team_copy, "team@acme.test", "full: team_copy");
	ok(cfg->trusted_authserv->len == 2 &&
	    strcmp(cfg->trusted_authserv->pdata[0], "mx.acme.test") == 0,
	    "full: trusted_authserv, an array, lower-cased");
	ok(cfg->trusted_relays->len == 1 &&
	    strcmp(cfg->trusted_relays->pdata[0], "filter.acme.test") == 0,
	    "full: trusted_relays, a string, lower-cased");
	ok(cfg->id_max_age_days == 7 && cfg->id_fresh_hours == 2,
	    "full: id_max_age_days, id_fresh_hours");
	ok(cfg->binary_hold, "full: binary_attachments hold");
	ok(cfg->bounce_hold_days == 14, "full: bounce_hold_days 14");
	want = g_build_filename(dir, "db", "pd.db", NULL);
	is_str(cfg->database, want, "full: database relative to the file");
	g_free(want);
	ok(cfg->limits.max_message_size == (1U << 30), "full: limits "
	    "max_message_size as a 64-bit integer (L suffix)");
	ok(cfg->limits.max_parts == 20 && cfg->limits.max_depth == 4 &&
	    cfg->limits.max_header_length == 1000 &&
	    cfg->limits.max_recipients == 10 &&
	    cfg->limits.max_text == 20000 && cfg->limits.max_headers == 60 &&
	    cfg->limits.max_html == 30000, "full: every limit");
	if (ok(cfg->sources->len == 1, "full: one source")) {
		const struct pd_source *s = cfg->sources->pdata[0];

		ok(strcmp(s->name, "main") == 0 && s->ep.port == 1143 &&
		    s->ep.tls == PD_TLS_STARTTLS && !s->ep.tls_verify &&
		    g_str_has_suffix(s->ep.ca_file, "/ca.pem") &&
		    g_path_is_absolute(s->ep.ca_file) &&
		    strcmp(s->ep.user, "help") == 0 &&
		    strcmp(s->ep.auth, "plain") == 0 && s->ep.timeout == 30,
		    "full: source connection settings");
		is_str(s->ep.password, "imap-" SECRET,
		    "full: source password, CRLF dropped");
		ok(strcmp(s->folder, "Support") == 0 &&
		    strcmp(s->queue, "billing") == 0 &&
		    s->after == PD_AFTER_FLAG &&
		    strcmp(s->processed_folder, "Done") == 0 &&
		    strcmp(s->quarantine_folder, "Bad") == 0 &&
		    s->poll_interval == 5 && !s->idle,
		    "full: source settings");
	}
	ok(strcmp(cfg->smtp.host, "smtp.acme.test") == 0 &&
	    cfg->smtp.port == 587 && cfg->smtp.tls == PD_TLS_STARTTLS &&
	    !cfg->smtp.tls_verify && strcmp(cfg->smtp.ca_file,
	    "/etc/ca.pem") == 0 && strcmp(cfg->smtp.auth, "plain") == 0 &&
	    cfg->smtp.timeout == 5, "full: smtp settings");
	is_str(cfg->smtp.password, "smtp-" SECRET,
	    "full: smtp password (0640 allowed)");
	ok(cfg->unsafe->len == 0, "full: a 0640 password file is safe");
	if (ok(cfg->agents->len == 1, "full: one agent")) {
		const struct pd_agent *a = cfg->agents->pdata[0];

		ok(a->addresses->len == 2 && strcmp(a->role, "lead") == 0 &&
		    a->queues->len == 2 && strcmp(a->language, "ru") == 0,
		    "full: agent settings");
	}
	if (ok(cfg->clients->len == 1, "full: one client")) {
		const struct pd_client *c = cfg->clients->pdata[0];

		ok(strcmp(c->plan, "gold") == 0 &&
		    strcmp(c->domains->pdata[0], "example.com") == 0 &&
		    c->addresses->len == 1, "full: client settings");
		ok(config_client_of(cfg, "bob@EXAMPLE.com") == c &&
		    config_client_of(cfg, "jane@mail.example.net") == c &&
		    !config_client_of(cfg, "x@mail.example.net"),
		    "full: config_client_of by domain or address");
		ok(config_same_org(cfg, "bob@example.com",
		    "jane@mail.example.net") &&
		    !config_same_org(cfg, "a@other.test", "b@other.test"),
		    "full: config_same_org; a shared unknown domain is none");
	}
	ok(cfg->plans->len == 2 && config_plan(cfg, "gold")->hours == 40.5 &&
	    config_plan(cfg, "basic")->hours == 10 && !config_plan(cfg, "x"),
	    "full: plans, hours float or integer");
	ok(cfg->autoclose_days == 3 && cfg->reopen_days == 14 &&
	    cfg->max_reopens == 1, "full: tickets");
	ok(cfg->sla_hours[0] == 48 && cfg->sla_hours[1] == 8 &&
	    cfg->sla_hours[2] == 4 && cfg->sla_hours[3] == 1, "full: sla");
	ok(cfg->cap_address.per_hour == 5 && cfg->cap_address.per_day == 20 &&
	    cfg->cap_domain.per_hour == 0 && cfg->cap_domain.per_day == 100 &&
	    cfg->cap_challenge.per_hour == 1 &&
	    cfg->cap_challenge.per_day == 2, "full: flood caps, 0 unlimited");
	ok(cfg->repeat_window == 0 && cfg->repeat_similarity == 75,
	    "full: repeat_minutes 0 (off), repeat_similarity");
	ok(cfg->clients->len == 1 && strcmp(((struct pd_client *)
	    cfg->clients->pdata[0])->language, "en") == 0,
	    "full: client language");
	if (ok(cfg->queues_listed && cfg->queues->len == 2,
	    "full: two queues")) {
		const struct pd_queue *b = config_queue(cfg, "billing");

		ok(b && b->addresses->len == 2 &&
		    strcmp(b->addresses->pdata[0], "billing@acme.test") == 0 &&
		    strcmp(b->display_name, "ACME Billing") == 0 &&
		    strcmp(b->tag, "BILL") == 0 &&
		    strcmp(b->language, "en") == 0 &&
		    strcmp(b->signature, "ACME Billing, +1 555 0100") == 0 &&
		    b->agents->len == 1 && strcmp(b->lead, "Olga") == 0,
		    "full: queue settings, addresses lower-cased, tag "
		    "upper-cased");
		ok(config_queue_default(cfg) == config_queue(cfg, "support") &&
		    config_queue_voice(cfg, "gone") == config_queue_default(cfg),
		    "full: the first queue is the default voice");
		ok(config_queue_by_address(cfg, "INVOICES+x@acme.test") == b,
		    "full: config_queue_by_address");
	}
out:
	config_free(&cfg);
	g_string_free(e, TRUE);
}

/* Every ".It Ic name" of the man page's setting sections appears as a
 * setting of the full file above, so every documented setting is shown to
 * be accepted. */
static void
test_man_keys(void)
{
	char *path = g_build_filename(TOP_SRCDIR, "man", "postdesk.conf.5",
	    NULL), *text = NULL;
	char **lines;
	bool in = false;
	unsigned n = 0, missing = 0;

	if (!ok(g_file_get_contents(path, &text, NULL, NULL),
	    "man: postdesk.conf.5 read")) {
		g_free(path);
		return;
	}
	lines = g_strsplit(text, "\n", -1);
	for (char **l = lines; *l; l++) {
		if (g_str_has_prefix(*l, ".Ss Top level"))
			in = true;
		else if (g_str_has_prefix(*l, ".Sh "))
			in = false;
		if (!in || !g_str_has_prefix(*l, ".It Ic "))
			continue;
		/* ".It Ic low , normal , high , urgent Pq integer" */
		char **w = g_strsplit(*l + 7, " ", -1);

		for (char **k = w; *k && strcmp(*k, "Pq") != 0; k++) {
			char *re;

			if (!**k || strcmp(*k, ",") == 0)
				continue;
			re = g_strdup_printf("(^|[ {(;])%s = ", *k);
			n++;
			if (!g_regex_match_simple(re, full, G_REGEX_MULTILINE,
			    0)) {
				missing++;
				printf("# documented setting '%s' not in the "
				    "full file\n", *k);
			}
			g_free(re);
		}
		g_strfreev(w);
	}
	ok(n >= 80, "man: %u documented settings found", n);
	ok(missing == 0, "man: every documented setting is in the full "
	    "file that loads (%u missing)", missing);
	g_strfreev(lines);
	g_free(text);
	g_free(path);
}

/* The shipped sample loads once its paths point here. */
static void
test_sample(void)
{
	char *path = g_build_filename(TOP_SRCDIR, "conf",
	    "postdesk.conf.sample", NULL), *text = NULL, *d1, *d2;
	GString *e = g_string_new(NULL);
	struct pd_config *cfg;
	GString *t;

	if (!ok(g_file_get_contents(path, &text, NULL, NULL),
	    "sample: read")) {
		g_free(path);
		g_string_free(e, TRUE);
		return;
	}
	t = g_string_new(text);
	d1 = g_strconcat(dir, "/", NULL);
	d2 = g_strconcat(dir, "/", NULL);
	/* Its paths are placeholders the build fills in (Makefile.am). */
	g_string_replace(t, "@sysconfdir@/postdesk/", d1, 0);
	g_string_replace(t, "@localstatedir@/lib/postdesk/", d2, 0);
	g_string_replace(t, "@pkgdatadir@/templates", TOP_SRCDIR
	    "/conf/templates", 0);
	g_free(put("imap.password", "x\n", 0600));
	g_free(put("smtp.password", "y\n", 0600));
	cfg = load(t->str, e);
	ok(cfg != NULL, "sample: conf/postdesk.conf.sample loads (%s)",
	    oneline(e));
	ok(cfg && strcmp(cfg->tag, "ACME") == 0 && cfg->first_ticket == 1000 &&
	    cfg->agents->len == 2 && cfg->clients->len == 2 &&
	    cfg->plans->len == 2, "sample: its values");
	{
		GString *c = g_string_new(NULL);

		ok(cfg && config_check_files(cfg, c) == 0,
		    "sample: passes the file checks of -n (%s)", c->str);
		g_string_free(c, TRUE);
	}
	ok(cfg && cfg->rules->len == 6, "sample: its routing rules");
	config_free(&cfg);
	g_string_free(t, TRUE);
	g_free(d1);
	g_free(d2);
	g_free(text);
	g_free(path);
	g_string_free(e, TRUE);
}

/* One bad line: the message and its line.  The file is MINIMAL-like with
 * the bad setting in the group named. */
struct bad {
	const char *text;   /* whole file */
	const char *at;     /* text on the line the error must name */
	const char *msg;    /* part of the message */
};

#define GW(x) "gateway = {\n  address = \"support@example.test\";\n" x \
	"};\nsmtp = { host = \"smtp\"; };\n"
#define TOP(x) "gateway = {\n  address = \"support@example.test\";\n};\n" \
	"smtp = { host = \"smtp\"; };\n" x

static const struct bad bads[] = {
	/* unknown settings, in each group */
	{ TOP("colour = \"red\";\n"), "colour", "unknown setting 'colour'" },
	{ GW("  adress = \"a@b.test\";\n"), "adress",
	    "unknown setting 'adress' in 'gateway'" },
	{ TOP("limits = { max_partz = 3; };\n"), "max_partz",
	    "unknown setting 'max_partz'" },
	{ TOP("tickets = { reopen = 3; };\n"), "reopen =",
	    "unknown setting 'reopen'" },
	{ TOP("sla = { medium = 3; };\n"), "medium", "unknown setting" },
	{ TOP("floods = { per_hour = 3; };\n"), "per_hour",
	    "unknown setting 'per_hour' in 'floods'" },
	{ "gateway = {\n  address = \"support@example.test\";\n};\n"
	    "smtp = { host = \"smtp\";\n  helo = \"x\"; };\n", "helo",
	    "unknown setting 'helo' in 'smtp'" },
	{ TOP("sources = ( { host = \"h\"; user = \"u\";\n"
	    "  password_file = \"imap.pw\";\n  mailbox = \"x\"; } );\n"),
	    "mailbox", "unknown setting 'mailbox' in 'sources[0]'" },
	{ TOP("sources = ( { name = \"a\"; host = \"h\"; user = \"u\";\n"
	    "  password_file = \"imap.pw\"; },\n"
	    "  { name = \"b\"; host = \"h\"; user = \"u\";\n"
	    "  password_file = \"imap.pw\";\n  mailbox = \"x\"; } );\n"),
	    "mailbox", "unknown setting 'mailbox' in 'sources[1]'" },
	{ TOP("agents = ( { name = \"A\"; addresses = \"a@b.test\";\n"
	    "  email = \"x\"; } );\n"), "email",
	    "unknown setting 'email' in 'agents[0]'" },
	{ TOP("agents = ( { name = \"A\"; addresses = \"a@x.test\"; },\n"
	    "  { name = \"B\";\n"
	    "    addresses = [ \"b@x.test\", \"A@X.test\" ]; } );\n"),
	    "addresses = [", "address 'a@x.test' is on two agents: 'A' "
	    "(line 5) and 'B'" },
	{ TOP("clients = ( { name = \"C\"; domains = \"c.test\";\n"
	    "  hours = 3; } );\n"), "hours",
	    "unknown setting 'hours' in 'clients[0]'" },
	{ TOP("plans = ( { name = \"p\"; hours = 3;\n  price = 3; } );\n"),
	    "price", "unknown setting 'price'" },
	/* wrong types and ranges */
	{ GW("  first_ticket = 0;\n"), "first_ticket", "between 1 and" },
	{ GW("  first_ticket = \"one\";\n"), "first_ticket",
	    "'first_ticket' must be an integer" },
	{ GW("  name = 3;\n"), "name", "'name' must be a string" },
	{ GW("  allow_root = \"yes\";\n"), "allow_root",
	    "must be true or false" },
	{ GW("  tag = \"A B\";\n"), "tag", "tag must be 1-32" },
	{ GW("  language = \"de\";\n"), "language", "language must be" },
	{ GW("  admin = \"nobody\";\n"), "admin", "invalid admin address" },
	{ GW("  note_address = \"a@b@c\";\n"), "note_address",
	    "invalid note_address" },
	{ GW("  team_copy = \"<t@x.test>\";\n"), "team_copy",
	    "invalid team_copy" },
	{ GW("  trusted_authserv = [ 1 ];\n"), "trusted_authserv",
	    "must be a list of strings" },
	{ GW("  trusted_relays = 3;\n"), "trusted_relays",
	    "must be a list of strings" },
	{ GW("  id_max_age_days = 0;\n"), "id_max_age_days",
	    "between 1 and 3650" },
	{ GW("  id_fresh_hours = 8761;\n"), "id_fresh_hours",
	    "between 0 and 8760" },
	{ GW("  binary_attachments = \"drop\";\n"), "binary_attachments",
	    "binary_attachments must be \"relay\" or \"hold\"" },
	{ GW("  bounce_hold_days = 366;\n"), "bounce_hold_days",
	    "between 0 and 365" },
	{ "gateway = {\n  address = \"not-an-address\";\n};\n"
	    "smtp = { host = \"smtp\"; };\n", "not-an-address",
	    "invalid support address" },
	{ TOP("database = 5;\n"), "database", "must be a string" },
	{ TOP("limits = {\n  max_message_size = 100;\n};\n"),
	    "max_message_size", "between 1024 and" },
	{ TOP("limits = {\n  max_parts = 0;\n};\n"), "max_parts",
	    "between 1 and 100000" },
	{ TOP("limits = {\n  max_depth = 1001;\n};\n"), "max_depth",
	    "between 1 and 1000" },
	{ TOP("limits = {\n  max_header_length = 255;\n};\n"),
	    "max_header_length", "between 256 and" },
	{ TOP("limits = {\n  max_recipients = 0;\n};\n"), "max_recipients",
	    "between 1 and" },
	{ TOP("limits = {\n  max_text = 1023;\n};\n"), "max_text",
	    "between 1024 and" },
	{ TOP("limits = {\n  max_headers = 49;\n};\n"), "max_headers",
	    "between 50 and" },
	{ TOP("limits = {\n  max_html = 10;\n};\n"), "max_html",
	    "between 1024 and" },
	{ TOP("tickets = {\n  autoclose_days = -1;\n};\n"), "autoclose_days",
	    "between 0 and 3650" },
	{ TOP("tickets = {\n  reopen_days = 4000;\n};\n"), "reopen_days",
	    "between 0 and 3650" },
	{ TOP("tickets = {\n  max_reopens = \"3\";\n};\n"), "max_reopens",
	    "'max_reopens' must be an integer" },
	{ TOP("sla = {\n  urgent = 0.5;\n};\n"), "urgent",
	    "'urgent' must be an integer" },
	{ GW("  user = \"\";\n"), "user =", "user must be a user name" },
	{ TOP("sla = {\n  urgent = 10001;\n};\n"), "urgent",
	    "between 0 and 10000" },
	{ TOP("floods = {\n  address_per_hour = -1;\n};\n"),
	    "address_per_hour", "between 0 and" },
	{ TOP("floods = {\n  domain_per_hour = 5;\n};\n"), "domain_per_hour",
	    "at least the address cap (10)" },
	{ TOP("floods = {\n  address_per_day = 100;\n  domain_per_day = 50;\n"
	    "};\n"), "domain_per_day", "at least the address cap (100)" },
	{ TOP("floods = {\n  repeat_minutes = 1441;\n};\n"), "repeat_minutes",
	    "between 0 and 1440" },
	{ TOP("floods = {\n  repeat_similarity = 49;\n};\n"),
	    "repeat_similarity", "between 50 and 100" },
	{ "gateway = {\n  address = \"support@example.test\";\n};\n"
	    "smtp = { host = \"smtp\";\n  tls = \"ssl\"; };\n", "tls = \"ssl\"",
	    "tls must be \"implicit\", \"starttls\" or \"none\"" },
	{ "gateway = {\n  address = \"support@example.test\";\n};\n"
	    "smtp = { host = \"smtp\";\n  port = 0; };\n", "port = 0",
	    "between 1 and 65535" },
	{ "gateway = {\n  address = \"support@example.test\";\n};\n"
	    "smtp = { host = \"smtp\";\n  timeout = 3601; };\n", "timeout",
	    "between 1 and 3600" },
	{ "gateway = {\n  address = \"support@example.test\";\n};\n"
	    "smtp = { host = \"smtp\";\n  tls_verify = 0; };\n", "tls_verify",
	    "must be true or false" },
	{ TOP("sources = ( { host = \"h\"; user = \"u\";\n"
	    "  password_file = \"imap.pw\";\n  after = \"delete\"; } );\n"),
	    "after", "after must be \"move\" or \"flag\"" },
	{ TOP("sources = ( { host = \"h\"; user = \"u\";\n"
	    "  password_file = \"imap.pw\";\n  poll_interval = 0; } );\n"),
	    "poll_interval", "between 1 and 86400" },
	{ TOP("sources = ( { name = \"s\"; host = \"h\"; } );\n"),
	    "sources", "source 's': 'user' is required" },
	{ TOP("sources = ( { name = \"s\"; host = \"h\"; user = \"u\";\n"
	    "  password_file = \"imap.pw\"; },\n"
	    "  { name = \"s\"; host = \"h\"; user = \"u\";\n"
	    "  password_file = \"imap.pw\"; } );\n"),
	    "  { name = \"s\"", "duplicate source name 's' (first at line 5)" },
	{ TOP("sources = { host = \"h\"; };\n"), "sources",
	    "'sources' must be a list" },
	{ TOP("agents = ( { name = \"A\"; } );\n"), "agents",
	    "agent 'A': 'addresses' is required" },
	{ TOP("agents = ( { name = \"A\"; addresses = \"a b@x.test\"; } );\n"),
	    "agents", "agent 'A': invalid address 'a b@x.test'" },
	{ TOP("agents = ( { name = \"A\"; addresses = \"a@x.test\";\n"
	    "  role = \"boss\"; } );\n"), "agents", "role must be" },
	{ TOP("agents = ( { name = \"A\"; addresses = \"a@x.test\";\n"
	    "  language = \"fr\"; } );\n"), "agents", "language must be" },
	{ TOP("clients = ( { name = \"C\"; } );\n"), "clients",
	    "client 'C': 'domains' or 'addresses' is required" },
	{ TOP("clients = ( { name = \"C\"; domains = \"c.test\";\n"
	    "  plan = \"none\"; } );\n"), "clients",
	    "client 'C': no plan 'none'" },
	{ TOP("plans = ( { name = \"p\"; } );\n"), "plans",
	    "plan 'p': 'hours' is required" },
	{ TOP("plans = ( { name = \"p\"; hours = -2; } );\n"), "plans",
	    "between 0 and" },
	/* queues (postdesk.conf(5) "QUEUES") */
	{ TOP("queues = (\n  { name = \"q\"; addresses = \"q@x.test\"; },\n"
	    "  { name = \"q\"; addresses = \"r@x.test\"; } );\n"),
	    "r@x.test", "duplicate queue name 'q'" },
	{ TOP("queues = (\n  { name = \"q\"; addresses = \"q@x.test\"; },\n"
	    "  { name = \"r\"; addresses = [ \"Q+a@x.test\" ]; } );\n"),
	    "Q+a@x.test", "address 'q+a@x.test' is in queues 'q' and 'r'" },
	{ TOP("agents = ( { name = \"A\"; addresses = \"a@x.test\"; } );\n"
	    "queues = (\n  { name = \"q\"; addresses = \"q@x.test\";\n"
	    "    agents = [ \"A\", \"Bob\" ]; } );\n"), "\"Bob\"",
	    "queue 'q': no agent 'Bob'" },
	{ TOP("queues = (\n  { name = \"q\"; addresses = \"q@x.test\";\n"
	    "    lead = \"Bob\"; } );\n"), "lead =",
	    "queue 'q': lead 'Bob' is not an agent" },
	{ TOP("agents = ( { name = \"A\"; addresses = \"a@x.test\";\n"
	    "  queues = [ \"q\", \"sales\" ]; } );\n"
	    "queues = ( { name = \"q\"; addresses = \"q@x.test\"; } );\n"),
	    "\"sales\"", "agent 'A': no queue 'sales'" },
	{ TOP("sources = ( { user = \"u\"; password_file = \"imap.pw\";\n"
	    "  queue = \"sales\"; } );\n"
	    "queues = ( { name = \"q\"; addresses = \"q@x.test\"; } );\n"),
	    "\"sales\"", "source 'source1': no queue 'sales'" },
	{ TOP("queues = ( { name = \"q\";\n  addresses = [];\n} );\n"),
	    "{ name = \"q\"", "queue 'q': 'addresses' needs at least one" },
	{ TOP("queues = ( { name = \"q\"; addresses = \"q@x.test\";\n"
	    "  language = \"de\"; } );\n"), "\"de\"",
	    "queue 'q': language must be" },
	{ TOP("queues = ( { name = \"q\"; addresses = \"q@x.test\";\n"
	    "  colour = 1; } );\n"), "colour", "unknown setting 'colour'" },
	{ TOP("clients = ( { name = \"C\"; domains = \"c.test\";\n"
	    "  language = \"fr\"; } );\n"), "\"fr\"",
	    "client 'C': language must be" },
	/* libconfig's own parse errors */
	{ TOP("tickets = {\n  reopen_days = = 3;\n};\n"), "reopen_days",
	    "syntax error" },
};

static void
test_bad(void)
{
	GString *e = g_string_new(NULL);

	g_free(put("imap.pw", "p\n", 0600));
	for (size_t i = 0; i < G_N_ELEMENTS(bads); i++) {
		const struct bad *b = &bads[i];
		struct pd_config *cfg = load(b->text, e);
		unsigned line = line_of(b->text, b->at);

		ok(!cfg && line && has_error(e, line, b->msg),
		    "bad %zu: '%s' at line %u", i, b->msg, line);
		if (cfg || !has_error(e, line, b->msg))
			printf("#   errors: %s\n", oneline(e));
		config_free(&cfg);
	}
	g_string_free(e, TRUE);
}

/* All errors of one edit at once, each on its own line. */
static void
test_several(void)
{
	static const char text[] =
	    "gateway = {\n"
	    "  address = \"support@example.test\";\n"
	    "  tag = \"no spaces\";\n"
	    "  colour = 1;\n"
	    "};\n"
	    "smtp = { host = \"smtp\"; port = 99999; };\n"
	    "tickets = {\n"
	    "  reopen_days = -3;\n"
	    "};\n"
	    "floods = { repeat_similarity = 10; };\n";
	GString *e = g_string_new(NULL);
	struct pd_config *cfg = load(text, e);

	ok(!cfg, "several: the file is refused");
	ok(count_lines(e) == 5, "several: five errors reported (%u)",
	    count_lines(e));
	ok(has_error(e, 3, "tag must be"), "several: line 3 tag");
	ok(has_error(e, 4, "unknown setting 'colour'"),
	    "several: line 4 unknown setting");
	ok(has_error(e, 6, "'port' must be between"), "several: line 6 port");
	ok(has_error(e, 8, "'reopen_days' must be between"),
	    "several: line 8 reopen_days");
	ok(has_error(e, 10, "repeat_similarity"),
	    "several: line 10 repeat_similarity");
	config_free(&cfg);

	/* Missing required groups and settings. */
	cfg = load("database = \"x.db\";\n", e);
	ok(!cfg && strstr(e->str, "the 'gateway' group is required") &&
	    strstr(e->str, "the 'smtp' group is required"),
	    "required: gateway and smtp groups");
	cfg = load("gateway = { name = \"x\"; };\n"
	    "smtp = { port = 25; };\n", e);
	ok(!cfg && has_error(e, 1, "'address' is required") &&
	    has_error(e, 2, "'host' is required"),
	    "required: gateway.address and smtp.host, on their groups' lines");
	config_free(&cfg);

	/* An @include'd file names its own file and line. */
	{
		char *inc = put("inc.conf", "\n\ntickets = { max_reopens = "
		    "-1; };\n", 0600);
		/* libconfig names it as the @include wrote it. */
		char *want = g_strdup_printf("inc.conf:3: ");

		cfg = load(TOP("@include \"inc.conf\"\n"), e);
		ok(!cfg && (g_str_has_prefix(e->str, want) ||
		    g_str_has_prefix(e->str, inc)) && strstr(e->str, ":3: ") &&
		    strstr(e->str, "max_reopens"),
		    "include: an error in an included file names it (%s)",
		    oneline(e));
		g_free(want);
		g_free(inc);
	}
	{
		char *want = g_strdup_printf("%s/t.conf:", dir);

		cfg = load("gateway = {\n", e);
		ok(!cfg && g_str_has_prefix(e->str, want),
		    "a syntax error is reported as file:line (%s)", oneline(e));
		g_free(want);
	}
	{
		struct pd_config *c2 = NULL;
		char *nofile = g_build_filename(dir, "none.conf", NULL);

		int r;

		g_string_truncate(e, 0);
		r = config_load(nofile, &c2, e);
		ok(r == -1 && !c2 &&
		    strstr(e->str, "none.conf") &&
		    strstr(e->str, "No such file"),
		    "a missing file is an error naming it (%s)", oneline(e));
		g_free(nofile);
	}
	g_string_free(e, TRUE);
}

/* Passwords: read from their files, never in an error or unsafe message. */
static void
test_passwords(void)
{
	GString *e = g_string_new(NULL);
	struct pd_config *cfg;
	char *pw = put("open.pw", SECRET "\nsecond line\n", 0644);
	static const char text_ok[] =
	    "gateway = { address = \"support@example.test\"; };\n"
	    "smtp = { host = \"smtp\"; user = \"u\";\n"
	    "  password_file = \"open.pw\"; };\n";
	static const char text_bad[] =
	    "gateway = { address = \"support@example.test\"; };\n"
	    "smtp = { host = \"smtp\"; user = \"u\";\n"
	    "  password_file = \"open.pw\"; port = -1; };\n"
	    "sources = ( { host = \"h\"; user = \"u\";\n"
	    "  password_file = \"missing.pw\"; } );\n";

	cfg = load(text_ok, e);
	if (ok(cfg != NULL, "password: loads with a 0644 password file")) {
		is_str(cfg->smtp.password, SECRET,
		    "password: only the first line");
		ok(cfg->unsafe->len == 1 && has_error_in(
		    cfg->unsafe->pdata[0], 3,
		    "accessible by others (mode 0644)"),
		    "password: a file others may read is unsafe, at its line "
		    "(%s)", cfg->unsafe->len ?
		    (char *)cfg->unsafe->pdata[0] : "");
		ok(cfg->unsafe->len == 1 &&
		    !strstr(cfg->unsafe->pdata[0], SECRET),
		    "password: not in the unsafe message");
	}
	config_free(&cfg);
	cfg = load(text_bad, e);
	ok(!cfg && has_error(e, 3, "'port' must be between"),
	    "password: another error in the same group is reported");
	ok(has_error(e, 5, "password_file") && strstr(e->str, "missing.pw"),
	    "password: a missing password file at its line (%s)", oneline(e));
	ok(!strstr(e->str, SECRET), "password: never in the errors");
	config_free(&cfg);

	/* A password file given to a required setting of the wrong type. */
	cfg = load("gateway = { address = \"support@example.test\"; };\n"
	    "smtp = { host = \"smtp\"; user = \"u\"; password_file = 3; };\n",
	    e);
	ok(!cfg && has_error(e, 2, "'password_file' must be a string"),
	    "password: password_file must be a string");
	cfg = load("gateway = { address = \"support@example.test\"; };\n"
	    "smtp = { host = \"smtp\"; user = \"u\"; };\n", e);
	ok(!cfg && has_error(e, 2, "'password_file' is required"),
	    "password: user without password_file");
	/* Included as configuration, a password file's text must not show. */
	cfg = load("gateway = { address = \"support@example.test\"; };\n"
	    "smtp = { host = \"smtp\"; };\n@include \"open.pw\"\n", e);
	ok(!cfg && !strstr(e->str, SECRET),
	    "password: a password file @included by mistake is not echoed "
	    "(%s)", oneline(e));
	g_unlink(pw);
	g_free(pw);
	g_string_free(e, TRUE);
}

/* What postdeskd -n checks beyond the file itself (config_check_files):
 * the templates, password files others may read, gateway.user; each at
 * its line, all in one pass, also when the file has other errors. */
static void
test_checks(void)
{
	GString *e = g_string_new(NULL), *c = g_string_new(NULL);
	struct pd_config *cfg;
	char *pw = put("open.pw", SECRET "\n", 0644), *text, *tdir;
	int n;

	/* The source tree's templates: nothing to say. */
	text = g_strdup_printf("gateway = {\n  address = \"s@example.test\";\n"
	    "  templates = \"%s/conf/templates\";\n};\n"
	    "smtp = { host = \"smtp\"; };\n", TOP_SRCDIR);
	cfg = load(text, e);
	n = cfg ? config_check_files(cfg, c) : -1;
	ok(n == 0 && c->len == 0, "check: the shipped templates are fine (%s)",
	    c->str);
	config_free(&cfg);
	g_free(text);

	/* A wrong templates path, an unknown user, a 0644 password file. */
	g_string_truncate(c, 0);
	text = g_strdup("gateway = {\n  address = \"s@example.test\";\n"
	    "  templates = \"no-such-dir\";\n"
	    "  user = \"no-such-user-pd\";\n};\n"
	    "smtp = { host = \"smtp\"; user = \"u\";\n"
	    "  password_file = \"open.pw\"; };\n");
	cfg = load(text, e);
	n = cfg ? config_check_files(cfg, c) : -1;
	ok(n == 3, "check: three problems (%d)", n);
	ok(has_error_in(c->str, 3, "templates directory") &&
	    strstr(c->str, "no-such-dir does not exist"),
	    "check: a missing templates directory at its line (%s)",
	    oneline(c));
	ok(has_error_in(c->str, 4, "user 'no-such-user-pd' does not exist"),
	    "check: an unknown gateway.user at its line");
	ok(has_error_in(c->str, 7, "accessible by others (mode 0644)"),
	    "check: a password file others may read at its line");
	ok(!strstr(c->str, SECRET), "check: the password is not shown");
	config_free(&cfg);
	g_free(text);

	/* A templates directory without the Russian ack. */
	g_string_truncate(c, 0);
	tdir = g_build_filename(dir, "tpl", "en", NULL);
	g_mkdir_with_parents(tdir, 0700);
	g_free(tdir);
	tdir = g_build_filename(dir, "tpl", "ru", NULL);
	g_mkdir_with_parents(tdir, 0700);
	g_free(tdir);
	g_free(put("tpl/en/ack.txt", "Subject: x\n\ny\n", 0600));
	cfg = load("gateway = {\n  address = \"s@example.test\";\n\n"
	    "  templates = \"tpl\";\n};\nsmtp = { host = \"smtp\"; };\n", e);
	n = cfg ? config_check_files(cfg, c) : -1;
	ok(n == 1 && has_error_in(c->str, 4, "no readable template ru/ack.txt"),
	    "check: a missing template named, at the templates line (%s)",
	    oneline(c));
	config_free(&cfg);

	/* One pass: the unsafe password file shows with the other errors. */
	cfg = load("gateway = {\n  address = \"s@example.test\";\n"
	    "  first_ticket = 0;\n};\n"
	    "smtp = { host = \"smtp\"; user = \"u\";\n"
	    "  password_file = \"open.pw\"; };\n", e);
	ok(!cfg && has_error(e, 3, "first_ticket") &&
	    has_error(e, 6, "accessible by others"),
	    "one pass: an unsafe password file is reported with other errors "
	    "(%s)", oneline(e));
	g_unlink(pw);
	g_free(pw);
	g_string_free(c, TRUE);
	g_string_free(e, TRUE);
}

/* config_dump of cfg, malloc'd. */
static char *
dump_of(const struct pd_config *cfg)
{
	char *out = NULL;
	size_t len;
	FILE *f = open_memstream(&out, &len);

	config_dump(cfg, f);
	fclose(f);
	return out;
}

/* Loads text, dumps it, loads the dump and dumps that: the two dumps must
 * be the same text past their first line (the file's name).  Returns the
 * first dump (malloc'd) or NULL. */
static char *
round_trip(const char *text, const char *what)
{
	GString *e = g_string_new(NULL);
	struct pd_config *cfg = load(text, e), *again;
	char *out = NULL, *out2 = NULL;

	if (!ok(cfg != NULL, "dump %s: loads (%s)", what, oneline(e)))
		goto out;
	out = dump_of(cfg);
	again = load(out, e);
	if (ok(again != NULL, "dump %s: the dump loads again (%s)", what,
	    oneline(e))) {
		out2 = dump_of(again);
		if (!ok(strcmp(strchr(out, '\n'), strchr(out2, '\n')) == 0,
		    "dump %s: the dump of the dump is the same text", what))
			printf("# first:\n%s# second:\n%s", out, out2);
	}
	config_free(&again);
out:
	config_free(&cfg);
	free(out2);
	g_string_free(e, TRUE);
	return out;
}

/* Every group, every condition and action of the rules, the templates a
 * list: for the dump's round trip.  Templates in dir/tpl. */
static const char every_group[] =
	"gateway = { name = \"ACME\"; address = \"help@acme.test\";\n"
	"  templates = [ \"tpl\", \"/srv/templates\" ];\n"
	"  timezone = \"Europe/Moscow\"; bounce_hold_days = 0; };\n"
	"sources = ( { name = \"main\"; host = \"imap\"; user = \"u\";\n"
	"  password_file = \"imap.pw\"; queue = \"billing\"; } );\n"
	"smtp = { host = \"smtp\"; };\n"
	"agents = ( { name = \"Olga\"; addresses = \"olga@acme.test\"; } );\n"
	"clients = ( { name = \"Example\"; domains = \"example.com\";\n"
	"  plan = \"gold\"; language = \"ru\";\n"
	"  contacts = [ \"boss@example.com\", \"cfo@example.com\" ]; },\n"
	"  { name = \"Other\"; addresses = \"x@other.test\"; } );\n"
	"queues = ( { name = \"support\"; addresses = \"help@acme.test\"; },\n"
	"  { name = \"billing\"; addresses = \"billing@acme.test\";\n"
	"    signature = \"Billing \\\"team\\\"\"; lead = \"Olga\"; } );\n"
	"plans = ( { name = \"gold\"; hours = 12.345678901; warn_at = [ 50, 90,\n"
	"  100 ]; sla = { resolution = { urgent = 4; }; }; } );\n"
	"sla = { first_response = { low = 24; urgent = 1; };\n"
	"  resolution = { normal = 40; }; warn_at = 60; };\n"
	"business_hours = { days = \"mon-fri,sun\"; from = \"08:00\";\n"
	"  to = \"24:00\"; holidays = [ \"2027-01-07\", \"2026-12-31\" ]; };\n"
	"rules = (\n"
	"  { name = \"spam\"; on = \"both\"; continue = true;\n"
	"    from = \"^bad@.*\\\\.test$\"; to = \"billing@\"; cc = \"c\\\\d+\";\n"
	"    subject = \"(?i)срочно\"; body = \"x{2,5}\";\n"
	"    header = [ \"X-Spam\", \"^yes\" ]; source = \"main\";\n"
	"    client = [ \"Example\", \"Other\" ]; has_attachment = \"\\\\.exe$\";\n"
	"    size_over = \"5M\"; automated = false; language = \"ru\";\n"
	"    tags = [ \"Spam\", \"x.y\" ]; notify = [ \"Olga\", \"a@b.test\" ];\n"
	"    note = \"line\\none\"; hold = true; },\n"
	"  { name = \"alt\"; on = \"followup\";\n"
	"    any = ( { subject = \"a\"; has_attachment = true; },\n"
	"      { size_over = 3000000000L; } );\n"
	"    queue = \"billing\"; priority = \"high\"; type = \"bug\";\n"
	"    assign = \"Olga\"; no_ack = true; },\n"
	"  { name = \"refuse\"; subject = \"refuse\"; reject = \"refuse\"; },\n"
	"  { name = \"drop\"; subject = \"drop\"; drop = true; }\n"
	");\n"
	"digests = { times = [ \"17:45\", \"09:00\" ]; };\n"
	"reports = { monthly = false; };\n";

/* postdeskd -nn: every setting, defaults included, in a file that loads
 * again to the same; passwords never, their files' paths instead. */
static void
test_dump(void)
{
	GString *e = g_string_new(NULL);
	struct pd_config *cfg, *again;
	char *out = NULL, *out2 = NULL, *path;
	size_t len;
	FILE *f;

	g_free(put("imap.pw", SECRET "\n", 0600));
	g_free(put("smtp.pw", SECRET "\n", 0600));
	cfg = load(full, e);
	if (!ok(cfg != NULL, "dump: the full file loads (%s)", oneline(e)))
		goto out;
	f = open_memstream(&out, &len);
	config_dump(cfg, f);
	fclose(f);
	ok(!strstr(out, SECRET), "dump: no password");
	path = g_strdup_printf("password_file = \"%s/imap.pw\";", dir);
	ok(strstr(out, path) != NULL, "dump: the password file's path");
	g_free(path);
	ok(strstr(out, "max_message_size = 1073741824;") &&
	    strstr(out, "repeat_minutes = 0;") &&
	    strstr(out, "user = \"postdesk\";") &&
	    strstr(out, "binary_attachments = \"hold\";"),
	    "dump: values as set");
	ok(strstr(out, "timezone = \"Europe/Moscow\";") &&
	    strstr(out, "contacts = [ \"boss@example.com\" ];") &&
	    strstr(out, "warn_at = [ 50, 100 ];") &&
	    strstr(out, "resolution = { low = 0; normal = 0; high = 24; "
	    "urgent = 0; };") &&
	    strstr(out, "resolution = { low = 80; normal = 40; high = 16; "
	    "urgent = 8; };") && strstr(out, "warn_at = 75;") &&
	    strstr(out, "times = [ \"09:00\", \"14:30\" ];") &&
	    strstr(out, "monthly = false;"), "dump: the settings of plans, "
	    "SLA, digests and reports");
	again = load(out, e);
	ok(again != NULL, "dump: the output loads again (%s)", oneline(e));
	if (again) {
		f = open_memstream(&out2, &len);
		config_dump(again, f);
		fclose(f);
		/* Only the first line (the file's name) may differ. */
		ok(strcmp(strchr(out, '\n'), strchr(out2, '\n')) == 0,
		    "dump: loading the dump gives the same configuration");
	}
	config_free(&again);
	config_free(&cfg);
	/* Defaults are shown too. */
	cfg = load(MINIMAL, e);
	g_free(out);
	out = NULL;
	f = open_memstream(&out, &len);
	if (cfg)
		config_dump(cfg, f);
	fclose(f);
	ok(cfg && strstr(out, "autoclose_days = 7;") &&
	    strstr(out, "address_per_day = 40;") &&
	    strstr(out, "max_parts = 200;") && strstr(out, "port = 465;") &&
	    strstr(out, "tag = \"TICKET\";"), "dump: defaults included");
	/* Every group, the rules' every condition and action. */
	{
		char *t = g_build_filename(dir, "tpl", "en", NULL);

		g_mkdir_with_parents(t, 0700);
		g_free(t);
		t = g_build_filename(dir, "tpl", "ru", NULL);
		g_mkdir_with_parents(t, 0700);
		g_free(t);
		g_free(put("tpl/en/refuse.txt", "Subject: no\n\nno\n", 0600));
		g_free(put("tpl/ru/refuse.txt", "Subject: нет\n\nнет\n",
		    0600));
	}
	free(out);
	out = round_trip(every_group, "of every group");
	ok(out && strstr(out, "timezone = \"Europe/Moscow\";") &&
	    strstr(out, "bounce_hold_days = 0;") &&
	    strstr(out, "templates = [ \"") &&
	    strstr(out, "/tpl\", \"/srv/templates\", \"" PKGDATADIR
	    "/templates\" ];"),
	    "dump: gateway.timezone, bounce_hold_days, templates as a list");
	ok(out && strstr(out, "language = \"ru\";\n    contacts = [ "
	    "\"boss@example.com\", \"cfo@example.com\" ];") &&
	    strstr(out, "contacts = [];"),
	    "dump: a client's language and contacts");
	ok(out && strstr(out, "hours = 12.345678901;") &&
	    strstr(out, "warn_at = [ 50, 90, 100 ];") &&
	    strstr(out, "resolution = { low = 0; normal = 0; high = 0; "
	    "urgent = 4; };"), "dump: a plan's hours, warn_at and sla");
	ok(out && strstr(out, "first_response = { low = 24; normal = 0; "
	    "high = 0; urgent = 1; };") && strstr(out, "resolution = { "
	    "low = 0; normal = 40; high = 0; urgent = 0; };\n  warn_at = 60;"),
	    "dump: sla first_response, resolution, warn_at");
	ok(out && strstr(out, "days = \"mon,tue,wed,thu,fri,sun\";") &&
	    strstr(out, "from = \"08:00\";") && strstr(out, "to = \"24:00\";")
	    && strstr(out, "business_hours = {\n") &&
	    strstr(out, "holidays = [ \"2026-12-31\", \"2027-01-07\" ];"),
	    "dump: business_hours");
	ok(out && strstr(out, "name = \"billing\";") &&
	    strstr(out, "signature = \"Billing \\\"team\\\"\";") &&
	    strstr(out, "display_name = \"ACME\";") &&
	    !strstr(out, "# queues: not set"),
	    "dump: queues with the gateway's defaults");
	ok(out && strstr(out, "from = \"^bad@.*\\\\.test$\";") &&
	    strstr(out, "subject = \"(?i)срочно\";") &&
	    strstr(out, "header = [ \"X-Spam\", \"^yes\" ];") &&
	    strstr(out, "client = [ \"Example\", \"Other\" ];") &&
	    strstr(out, "has_attachment = \"\\\\.exe$\";") &&
	    strstr(out, "has_attachment = true;") &&
	    strstr(out, "size_over = 5242880;") &&
	    strstr(out, "size_over = 3000000000L;") &&
	    strstr(out, "on = \"followup\";") && strstr(out, "any = (") &&
	    strstr(out, "continue = true;") &&
	    strstr(out, "tags = [ \"spam\", \"x.y\" ];") &&
	    strstr(out, "note = \"line\\x0aone\";") &&
	    strstr(out, "reject = \"refuse\";") &&
	    strstr(out, "drop = true;") && strstr(out, "hold = true;") &&
	    strstr(out, "no_ack = true;") && strstr(out, "type = \"bug\";"),
	    "dump: rules, every condition as written and every action");
	ok(out && strstr(out, "times = [ \"09:00\", \"17:45\" ];") &&
	    strstr(out, "monthly = false;"), "dump: digests and reports");
	free(out);
	/* Without a queues list, the derived queues are comments: a list
	 * would be another configuration (and one that does not load). */
	out = round_trip(MINIMAL "sources = ( { name = \"m\"; host = \"i\"; "
	    "user = \"u\";\n  password_file = \"imap.pw\"; queue = "
	    "\"sales\"; } );\n", "without queues");
	ok(out && strstr(out, "# queues: not set") &&
	    strstr(out, "#     name = \"sales\";") &&
	    strstr(out, "# business_hours: not set") &&
	    strstr(out, "rules = (\n);") &&
	    strstr(out, "templates = \"" PKGDATADIR "/templates\";") &&
	    strstr(out, "times = [];") && strstr(out, "monthly = true;") &&
	    strstr(out, "timezone = \"UTC\";") &&
	    strstr(out, "warn_at = 80;"),
	    "dump: the defaults of the new groups, derived queues commented");
out:
	config_free(&cfg);
	free(out);
	free(out2);
	g_string_free(e, TRUE);
}

/* Routing rules (postdesk.conf(5) "ROUTING RULES"): every kind of error
 * `postdeskd -n` reports, on its line; templates are looked up in dir/tpl
 * (en and ru). */
#define RULES(x) "gateway = {\n  address = \"support@example.test\";\n" \
	"  templates = \"tpl\";\n};\nsmtp = { host = \"smtp\"; };\n" \
	"agents = ( { name = \"Alice\"; addresses = \"alice@example.test\"; } );\n" \
	"clients = ( { name = \"VIP\"; domains = \"vip.test\"; } );\n" \
	"rules = (\n" x "\n);\n"

static const struct bad rule_bads[] = {
	{ RULES("  { name = \"a\";\n    subjet = \"x\"; priority = \"high\"; }"),
	    "subjet", "unknown setting 'subjet' in 'rules[0]': did you mean "
	    "'subject'?" },
	{ RULES("  { name = \"a\"; subject = \"x\";\n    prio = \"high\"; }"),
	    "prio", "unknown setting 'prio' in 'rules[0]'" },
	{ RULES("  { name = \"a\"; priority = \"high\";\n"
	    "    any = ( { subject = \"x\"; },\n      { bdy = \"y\"; } ); }"),
	    "bdy", "did you mean 'body'?" },
	{ TOP("rulez = ( );\n"), "rulez", "did you mean 'rules'?" },
	{ GW("  adress = \"x@example.test\";\n"), "adress",
	    "unknown setting 'adress' in 'gateway': did you mean 'address'?" },
	{ RULES("  { name = \"a\"; priority = \"high\";\n"
	    "    subject = \"(urgent\"; }"), "(urgent",
	    "rule 'a': bad regex in 'subject': Error while compiling regular "
	    "expression" },
	{ RULES("  { name = \"a\"; priority = \"high\";\n"
	    "    body = \"x[\"; }"), "x[", "at char 2" },
	{ RULES("  { name = \"a\";\n    queue = \"nowhere\"; }"), "nowhere",
	    "rule 'a': unknown queue 'nowhere'" },
	{ RULES("  { name = \"a\";\n    assign = \"Bob\"; }"), "Bob",
	    "rule 'a': unknown agent 'Bob'" },
	{ RULES("  { name = \"a\";\n    assign = \"Alise\"; }"), "Alise",
	    "rule 'a': unknown agent 'Alise' (did you mean 'Alice'?)" },
	{ RULES("  { name = \"a\";\n    queue = \"suport\"; }"), "suport",
	    "rule 'a': unknown queue 'suport' (did you mean 'support'?)" },
	{ RULES("  { name = \"a\";\n    notify = [\"Alice\", \"Carol\"]; }"),
	    "Carol", "rule 'a': unknown agent 'Carol'" },
	{ RULES("  { name = \"a\";\n    reject = \"nope\"; }"), "nope",
	    "rule 'a': unknown template 'nope'" },
	{ RULES("  { name = \"a\";\n    reject = \"only_en\"; }"), "only_en",
	    "/tpl/ru/only_en.txt is missing" },
	{ RULES("  { name = \"a\"; subject = \"x\"; drop = true; },\n"
	    "  { name = \"a\"; subject = \"y\"; hold = true; }"),
	    "\"y\"", "duplicate rule name 'a': lines 9 and 10" },
	{ RULES("  { name = \"all\"; tags = [\"seen\"]; },\n"
	    "  { name = \"urgent\"; subject = \"x\"; priority = \"urgent\"; }"),
	    "\"urgent\"", "rule 'urgent' can never match: rule 'all' (line 9)" },
	{ RULES("  { name = \"idle\";\n    subject = \"x\"; }"), "idle",
	    "rule 'idle' has no action" },
	{ RULES("  { name = \"a\"; tags = [\"t\"];\n    source = \"imap9\"; }"),
	    "imap9", "rule 'a': unknown source 'imap9'" },
	{ RULES("  { name = \"a\"; tags = [\"t\"];\n    client = \"Nobody\"; }"),
	    "Nobody", "rule 'a': unknown client 'Nobody'" },
	{ RULES("  { name = \"a\"; tags = [\"t\"];\n    on = \"always\"; }"),
	    "always", "'on' must be \"new\", \"followup\" or \"both\"" },
	{ RULES("  { name = \"a\"; subject = \"x\";\n    drop = true; "
	    "hold = true; }"), "name = \"a\"",
	    "drop, reject and hold exclude each other" },
	{ RULES("  { name = \"a\"; tags = [\"t\"];\n    header = \"X-Spam\"; }"),
	    "X-Spam", "'header' must be [\"Name\", \"regex\"]" },
	{ RULES("  { name = \"a\"; tags = [\"t\"];\n    size_over = \"lots\"; }"),
	    "lots", "'size_over' must be a number of bytes" },
	{ RULES("  { name = \"a\"; tags = [\"t\"];\n    priority = \"asap\"; }"),
	    "asap", "priority must be low, normal, high or urgent" },
	{ RULES("  { name = \"a\"; tags = [\"t\"];\n    language = \"de\"; }"),
	    "\"de\"", "'language' must be \"en\" or \"ru\"" },
	{ RULES("  { subject = \"x\";\n    tags = [\"t\"]; }"), "subject",
	    "'name' is required" },
};

static void
test_rules(void)
{
	static const char good[] = RULES(
	    "  { name = \"tag-all\"; tags = [\"seen\"]; continue = true; },\n"
	    "  { name = \"fu-all\"; on = \"followup\"; tags = [\"fu\"]; },\n"
	    "  { name = \"urgent\"; subject = \"urgent|срочн\"; priority = \"urgent\"; },\n"
	    "  { name = \"vip\"; client = \"VIP\"; assign = \"Alice\";\n"
	    "    any = ( { from = \"@vip\\\\.test$\"; }, { size_over = \"5M\"; } );\n"
	    "    notify = [\"Alice\", \"boss@example.test\"]; },\n"
	    "  { name = \"spam\"; header = [\"X-Spam-Flag\", \"^yes\"]; reject = \"reject\"; },\n"
	    "  { name = \"files\"; has_attachment = \"\\\\.exe$\"; hold = true; },\n"
	    "  { name = \"auto\"; automated = true; drop = true; }");
	static const char several[] = RULES(
	    "  { name = \"a\"; subjct = \"x\"; priority = \"high\"; },\n"
	    "  { name = \"b\"; subject = \"(\"; queue = \"nowhere\"; },\n"
	    "  { name = \"a\"; subject = \"y\"; }");
	GString *e = g_string_new(NULL);
	struct pd_config *cfg;
	char *tdir = g_build_filename(dir, "tpl", NULL);
	char *en = g_build_filename(tdir, "en", NULL);
	char *ru = g_build_filename(tdir, "ru", NULL);

	g_mkdir_with_parents(en, 0700);
	g_mkdir_with_parents(ru, 0700);
	g_free(put("tpl/en/reject.txt", "Subject: x\n\nx\n", 0600));
	g_free(put("tpl/ru/reject.txt", "Subject: x\n\nx\n", 0600));
	g_free(put("tpl/en/only_en.txt", "Subject: x\n\nx\n", 0600));
	for (size_t i = 0; i < G_N_ELEMENTS(rule_bads); i++) {
		const struct bad *b = &rule_bads[i];
		unsigned line = line_of(b->text, b->at);

		cfg = load(b->text, e);
		ok(!cfg && line && has_error(e, line, b->msg),
		    "rules bad %zu: '%s' at line %u", i, b->msg, line);
		if (cfg || !has_error(e, line, b->msg))
			printf("#   errors: %s\n", oneline(e));
		config_free(&cfg);
	}
	cfg = load(good, e);
	ok(cfg && cfg->rules->len == 7, "rules: a realistic list loads (%s)",
	    oneline(e));
	config_free(&cfg);
	cfg = load(several, e);
	ok(!cfg && count_lines(e) == 5 &&
	    has_error(e, 9, "did you mean 'subject'?") &&
	    has_error(e, 10, "bad regex in 'subject'") &&
	    has_error(e, 10, "unknown queue 'nowhere'") &&
	    has_error(e, 11, "duplicate rule name 'a': lines 9 and 11") &&
	    has_error(e, 11, "rule 'a' has no action"),
	    "rules: every error of the list in one pass (%s)", oneline(e));
	config_free(&cfg);
	g_free(tdir);
	g_free(en);
	g_free(ru);
	g_string_free(e, TRUE);
}

/* Plans, SLA and business hours (config_plans.c): the values of the full
 * file, the defaults, an older sla group, and each bad value on its
 * line. */
static void
test_plans_sla(void)
{
	GString *e = g_string_new(NULL);
	struct pd_config *cfg;
	const struct pd_plan *gold;
	const struct pd_client *cl;
	static const char bad[] = MINIMAL
	    "business_hours = { days = \"mon-xyz\";\n"          /* 5 */
	    "  from = \"18:00\"; to = \"9:00\";\n"              /* 6 */
	    "  holidays = [ \"2026-02-30\" ];\n"                 /* 7 */
	    "  timezone = \"Mars/Olympus\"; };\n"               /* 8 */
	    "plans = ( { name = \"p\"; hours = 1;\n"            /* 9 */
	    "  warn_at = [ 80, 0, 80 ]; } );\n"                 /* 10 */
	    "clients = ( { name = \"c\"; domains = \"c.test\";\n" /* 11 */
	    "  contacts = \"not an address\"; } );\n"          /* 12 */
	    "sla = { warn_at = 100;\n"                          /* 13 */
	    "  resolution = { soon = 1; }; };\n";               /* 14 */

	g_free(put("imap.pw", "x", 0600));
	g_free(put("smtp.pw", "y", 0600));
	cfg = load(full, e);
	if (ok(cfg != NULL, "plans: the full file loads (%s)", oneline(e))) {
		is_str(cfg->timezone, "Europe/Moscow", "plans: timezone");
		gold = config_plan(cfg, "gold");
		ok(gold && gold->warn_at->len == 2 &&
		    g_array_index(gold->warn_at, unsigned, 0) == 50 &&
		    g_array_index(gold->warn_at, unsigned, 1) == 100,
		    "plans: warn_at sorted");
		ok(gold && gold->sla_first[3] == 1 && gold->sla_first[2] == 0 &&
		    gold->sla_resolution[2] == 24, "plans: a plan's sla");
		cl = config_client(cfg, "Example");
		ok(cl && cl->contacts->len == 1 && strcmp(cl->contacts->pdata[0],
		    "boss@example.com") == 0, "clients: contacts lower-cased");
		ok(cfg->sla_hours[0] == 48 && cfg->sla_hours[3] == 1 &&
		    cfg->sla_resolution[1] == 40 && cfg->sla_warn_at == 75,
		    "sla: first_response, resolution, warn_at");
		ok(cfg->bizhours && !cfg->bizhours->always &&
		    cfg->bizhours->days == 0x4f && cfg->bizhours->from == 510 &&
		    cfg->bizhours->to == 1020 &&
		    cfg->bizhours->holidays->len == 1,
		    "business_hours: days, hours, holidays");
	}
	config_free(&cfg);
	cfg = load(MINIMAL "plans = ( { name = \"p\"; hours = 1; } );\n"
	    "sla = { normal = 8; high = 5;\n"
	    "  first_response = { high = 3; }; };\n", e);
	if (ok(cfg != NULL, "plans: defaults load (%s)", oneline(e))) {
		is_str(cfg->timezone, "UTC", "defaults: timezone UTC");
		ok(cfg->bizhours && cfg->bizhours->always,
		    "defaults: without business_hours every hour counts");
		ok(cfg->sla_hours[1] == 8 && cfg->sla_resolution[1] == 0 &&
		    cfg->sla_warn_at == 80, "defaults: an older sla group");
		ok(cfg->sla_hours[2] == 3, "sla: first_response replaces a "
		    "plain key");
		gold = config_plan(cfg, "p");
		ok(gold && gold->warn_at->len == 2 &&
		    g_array_index(gold->warn_at, unsigned, 0) == 80,
		    "defaults: warn_at 80, 100");
	}
	config_free(&cfg);
	cfg = load(bad, e);
	ok(cfg == NULL, "plans: bad values refused");
	ok(has_error(e, 5, "days must be"), "bad: days");
	ok(has_error(e, 6, "to must be a time"), "bad: to");
	ok(has_error(e, 7, "holiday '2026-02-30'"), "bad: holiday");
	ok(has_error(e, 8, "unknown time zone 'Mars/Olympus'"), "bad: zone");
	ok(has_error(e, 10, "warn_at") && has_error(e, 10, "twice"),
	    "bad: warn_at range and duplicate");
	ok(has_error(e, 12, "invalid contact"), "bad: contact");
	ok(has_error(e, 13, "'warn_at' must be between 1 and 99"),
	    "bad: sla.warn_at");
	ok(has_error(e, 14, "unknown setting 'soon'"), "bad: a priority");
	config_free(&cfg);
	cfg = load("gateway = { address = \"s@x.test\";\n"
	    "  timezone = \"Nowhere/City\"; };\n"
	    "smtp = { host = \"h\"; };\n", e);
	ok(cfg == NULL && has_error(e, 2, "unknown time zone 'Nowhere/City'"),
	    "bad: gateway.timezone");
	config_free(&cfg);
	g_string_free(e, TRUE);
}

/* The FAQ in the acknowledgement (postdesk.conf(5) faq, FAQ): defaults,
 * the full file's values, a client's and a queue's suggest_faq, bad
 * values as file:line errors. */
static void
test_faq(void)
{
	GString *e = g_string_new(NULL);
	struct pd_config *cfg = load(MINIMAL, e);
	static const char bad[] = MINIMAL
	    "faq = { suggest = \"yes\"; threshold = 1.5; colour = 1; };\n";
	char *want;

	ok(cfg && cfg->faq_suggest && cfg->faq_threshold == 0.5,
	    "faq: defaults suggest = true, threshold = 0.5");
	config_free(&cfg);
	cfg = load(full, e);
	ok(cfg && !cfg->faq_suggest && cfg->faq_threshold == 0.7,
	    "faq: the full file's suggest and threshold");
	ok(cfg && ((struct pd_client *)cfg->clients->pdata[0])->faq_off &&
	    config_queue(cfg, "billing")->faq_off &&
	    !config_queue(cfg, "support")->faq_off,
	    "faq: suggest_faq = false of a client and a queue");
	config_free(&cfg);
	cfg = load(MINIMAL "faq = { threshold = 1; };\n", e);
	ok(cfg && cfg->faq_threshold == 1.0, "faq: an integer threshold");
	config_free(&cfg);
	cfg = load(bad, e);
	want = g_strdup_printf("t.conf:%u: faq.threshold must be a number "
	    "from 0 to 1", line_of(bad, "faq ="));
	ok(!cfg && strstr(e->str, want) && strstr(e->str, "colour") &&
	    count_lines(e) == 3, "faq: bad values, one error each (%s)",
	    oneline(e));
	g_free(want);
	config_free(&cfg);
	g_string_free(e, TRUE);
}

int
main(void)
{
	char tmpl[] = "/tmp/unit_config.XXXXXX";

	if (!(dir = g_mkdtemp(tmpl)))
		return 1;
	test_defaults();
	test_full();
	test_man_keys();
	test_sample();
	test_bad();
	test_several();
	test_passwords();
	test_checks();
	test_dump();
	test_rules();
	test_plans_sla();
	test_faq();
	tmp_rm_tree(dir);
	return tap_done();
}
