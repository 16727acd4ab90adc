/* config_dump.c: the effective configuration, as `postdeskd -nn` prints it
 * (config.h config_dump; like postconf -n or doveconf -n, but every
 * setting, defaults included).  The output is itself a valid file.
 * Passwords are never written: an endpoint shows its password_file. */
#include <string.h>
#include "bizhours.h"
#include "config.h"
#include "rules.h"

/* A string as libconfig reads it back: quotes and backslashes escaped,
 * control characters as \xNN. */
static void
put_str(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *p = (const unsigned char *)s; p && *p; p++)
		if (*p == '"' || *p == '\\')
			fprintf(out, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(out, "\\x%02x", *p);
		else
			fputc(*p, out);
	fputc('"', out);
}

static void
kv_str(FILE *out, const char *ind, const char *k, const char *v)
{
	if (!v) {
		fprintf(out, "%s# %s: not set\n", ind, k);
		return;
	}
	fprintf(out, "%s%s = ", ind, k);
	put_str(out, v);
	fputs(";\n", out);
}

static void
kv_int(FILE *out, const char *ind, const char *k, unsigned long long v)
{
	fprintf(out, "%s%s = %llu%s;\n", ind, k, v, v > 2147483647ULL ?
	    "L" : "");
}

static void
kv_bool(FILE *out, const char *ind, const char *k, bool v)
{
	fprintf(out, "%s%s = %s;\n", ind, k, v ? "true" : "false");
}

static void
kv_strv(FILE *out, const char *ind, const char *k, const GPtrArray *v)
{
	fprintf(out, "%s%s = [", ind, k);
	for (guint i = 0; v && i < v->len; i++) {
		fputs(i ? ", " : " ", out);
		put_str(out, v->pdata[i]);
	}
	fputs(v && v->len ? " ];\n" : "];\n", out);
}

static const char *
tls_name(enum pd_tls t)
{
	return t == PD_TLS_IMPLICIT ? "implicit" : t == PD_TLS_STARTTLS ?
	    "starttls" : "none";
}

static void
endpoint(FILE *out, const char *ind, const struct pd_endpoint *ep)
{
	kv_str(out, ind, "host", ep->host);
	kv_int(out, ind, "port", ep->port);
	kv_str(out, ind, "tls", tls_name(ep->tls));
	kv_bool(out, ind, "tls_verify", ep->tls_verify);
	kv_str(out, ind, "ca_file", ep->ca_file);
	kv_str(out, ind, "user", ep->user);
	/* The secret itself stays in memory only. */
	kv_str(out, ind, "password_file", ep->password_file);
	kv_str(out, ind, "auth", ep->auth);
	kv_int(out, ind, "timeout", ep->timeout);
}

static void
gateway(FILE *out, const struct pd_config *cfg)
{
	const char *in = "  ";

	fputs("gateway = {\n", out);
	kv_str(out, in, "name", cfg->name);
	kv_str(out, in, "address", cfg->address);
	kv_str(out, in, "domain", cfg->domain);
	kv_str(out, in, "tag", cfg->tag);
	kv_str(out, in, "language", cfg->language);
	kv_int(out, in, "first_ticket", cfg->first_ticket);
	kv_str(out, in, "admin", cfg->admin);
	kv_str(out, in, "key_file", cfg->key_file);
	/* One directory as a string, several as the list they were (the
	 * shipped one last, as config_digests.c appends it). */
	if (cfg->templates_dirs && cfg->templates_dirs->len > 1)
		kv_strv(out, in, "templates", cfg->templates_dirs);
	else
		kv_str(out, in, "templates", cfg->templates_dir);
	kv_str(out, in, "answers", cfg->answers_dir);
	kv_str(out, in, "note_address", cfg->note_address);
	kv_str(out, in, "team_copy", cfg->team_copy);
	kv_strv(out, in, "trusted_authserv", cfg->trusted_authserv);
	kv_strv(out, in, "trusted_relays", cfg->trusted_relays);
	kv_int(out, in, "id_max_age_days", cfg->id_max_age_days);
	kv_int(out, in, "id_fresh_hours", cfg->id_fresh_hours);
	kv_str(out, in, "binary_attachments", cfg->binary_hold ? "hold" :
	    "relay");
	kv_bool(out, in, "allow_root", cfg->allow_root);
	kv_str(out, in, "user", cfg->user);
	kv_int(out, in, "bounce_hold_days", cfg->bounce_hold_days);
	kv_str(out, in, "timezone", cfg->timezone);
	fputs("};\n", out);
}

static void
limits(FILE *out, const struct pd_limits *l)
{
	const char *in = "  ";

	fputs("limits = {\n", out);
	kv_int(out, in, "max_message_size", l->max_message_size);
	kv_int(out, in, "max_parts", l->max_parts);
	kv_int(out, in, "max_depth", l->max_depth);
	kv_int(out, in, "max_header_length", l->max_header_length);
	kv_int(out, in, "max_recipients", l->max_recipients);
	kv_int(out, in, "max_text", l->max_text);
	kv_int(out, in, "max_headers", l->max_headers);
	kv_int(out, in, "max_html", l->max_html);
	fputs("};\n", out);
}

static void
sources(FILE *out, const struct pd_config *cfg)
{
	const char *in = "    ";

	fputs("sources = (", out);
	for (guint i = 0; i < cfg->sources->len; i++) {
		const struct pd_source *s = cfg->sources->pdata[i];

		fputs(i ? ",\n  {\n" : "\n  {\n", out);
		kv_str(out, in, "name", s->name);
		endpoint(out, in, &s->ep);
		kv_str(out, in, "folder", s->folder);
		kv_str(out, in, "queue", s->queue);
		kv_str(out, in, "after", s->after == PD_AFTER_FLAG ? "flag" :
		    "move");
		kv_str(out, in, "processed_folder", s->processed_folder);
		kv_str(out, in, "quarantine_folder", s->quarantine_folder);
		kv_int(out, in, "poll_interval", s->poll_interval);
		kv_bool(out, in, "idle", s->idle);
		fputs("  }", out);
	}
	fputs("\n);\n", out);
}

static void
agents(FILE *out, const struct pd_config *cfg)
{
	const char *in = "    ";

	fputs("agents = (", out);
	for (guint i = 0; i < cfg->agents->len; i++) {
		const struct pd_agent *a = cfg->agents->pdata[i];

		fputs(i ? ",\n  {\n" : "\n  {\n", out);
		kv_str(out, in, "name", a->name);
		kv_strv(out, in, "addresses", a->addresses);
		kv_str(out, in, "role", a->role);
		kv_strv(out, in, "queues", a->queues);
		kv_str(out, in, "language", a->language);
		fputs("  }", out);
	}
	fputs("\n);\n", out);
}

/* A float libconfig reads back as a float, and as the same double: the
 * shortest of %.15g and %.17g that does, with a ".0" when it looks like
 * an integer. */
static void
put_float(FILE *out, double v)
{
	char buf[64];

	snprintf(buf, sizeof buf, "%.15g", v);
	if (g_ascii_strtod(buf, NULL) != v)
		snprintf(buf, sizeof buf, "%.17g", v);
	fputs(buf, out);
	if (!strpbrk(buf, ".eEn"))
		fputs(".0", out);
}

/* A group of hours by priority: name = { low = 0; ... }; */
static void
prio_hours(FILE *out, const char *ind, const char *name, const unsigned h[4])
{
	fprintf(out, "%s%s = { low = %u; normal = %u; high = %u; urgent = "
	    "%u; };\n", ind, name, h[0], h[1], h[2], h[3]);
}

static void
clients_plans(FILE *out, const struct pd_config *cfg)
{
	const char *in = "    ";

	fputs("clients = (", out);
	for (guint i = 0; i < cfg->clients->len; i++) {
		const struct pd_client *c = cfg->clients->pdata[i];

		fputs(i ? ",\n  {\n" : "\n  {\n", out);
		kv_str(out, in, "name", c->name);
		kv_strv(out, in, "domains", c->domains);
		kv_strv(out, in, "addresses", c->addresses);
		kv_str(out, in, "plan", c->plan);
		kv_str(out, in, "language", c->language);
		kv_strv(out, in, "contacts", c->contacts);
		fputs("  }", out);
	}
	fputs("\n);\nplans = (", out);
	for (guint i = 0; i < cfg->plans->len; i++) {
		const struct pd_plan *p = cfg->plans->pdata[i];

		fputs(i ? ",\n  {\n" : "\n  {\n", out);
		kv_str(out, in, "name", p->name);
		fprintf(out, "%shours = ", in);
		put_float(out, p->hours);
		fputs(";\n", out);
		fprintf(out, "%swarn_at = [", in);
		for (guint j = 0; p->warn_at && j < p->warn_at->len; j++)
			fprintf(out, "%s%u", j ? ", " : " ",
			    g_array_index(p->warn_at, unsigned, j));
		fputs(p->warn_at && p->warn_at->len ? " ];\n" : "];\n", out);
		/* 0: the sla group's hours (postdesk.conf(5) "plans"). */
		fprintf(out, "%ssla = {\n", in);
		prio_hours(out, "      ", "first_response", p->sla_first);
		prio_hours(out, "      ", "resolution", p->sla_resolution);
		fprintf(out, "%s};\n", in);
		fputs("  }", out);
	}
	fputs("\n);\n", out);
}

/* Without a `queues` list the queues are derived (config_queues.c): the
 * default one and each a source names, all with the gateway's voice.
 * They are shown as comments: written out as a list they would be a
 * different configuration (mail to a listed queue's address files into
 * it), and one that does not load (one address in several queues). */
static void
queues(FILE *out, const struct pd_config *cfg)
{
	const char *c = cfg->queues_listed ? "" : "# ";
	const char *in = cfg->queues_listed ? "    " : "#     ";

	if (!cfg->queues_listed)
		fputs("# queues: not set; the queues it implies, each with the "
		    "gateway's voice:\n", out);
	fprintf(out, "%squeues = (", c);
	for (guint i = 0; i < cfg->queues->len; i++) {
		const struct pd_queue *q = cfg->queues->pdata[i];

		fprintf(out, "%s%s  {\n", i ? ",\n" : "\n", c);
		kv_str(out, in, "name", q->name);
		kv_strv(out, in, "addresses", q->addresses);
		kv_str(out, in, "display_name", q->display_name);
		kv_str(out, in, "tag", q->tag);
		kv_str(out, in, "language", q->language);
		kv_str(out, in, "signature", q->signature);
		kv_strv(out, in, "agents", q->agents);
		kv_str(out, in, "lead", q->lead);
		fprintf(out, "%s  }", c);
	}
	fprintf(out, "\n%s);\n", c);
}

/* One condition of a rule, as written (the regex text, not the compiled
 * one). */
static void
rule_cond(FILE *out, const char *ind, const struct rule_cond *rc)
{
	switch (rc->kind) {
	case RC_FROM: case RC_TO: case RC_CC: case RC_SUBJECT: case RC_BODY:
		kv_str(out, ind, rc->key, rc->text);
		break;
	case RC_HEADER:
		/* text is "Name: regex" (config_rules.c). */
		fprintf(out, "%sheader = [ ", ind);
		put_str(out, rc->header);
		fputs(", ", out);
		put_str(out, rc->text + strlen(rc->header) + 2);
		fputs(" ];\n", out);
		break;
	case RC_SOURCE: case RC_CLIENT:
		kv_strv(out, ind, rc->key, rc->names);
		break;
	case RC_ATTACHMENT:
		if (rc->re)
			kv_str(out, ind, rc->key, rc->text);
		else
			kv_bool(out, ind, rc->key, rc->flag);
		break;
	case RC_SIZE:
		kv_int(out, ind, rc->key, (unsigned long long)rc->size);
		break;
	case RC_AUTOMATED:
		kv_bool(out, ind, rc->key, rc->flag);
		break;
	case RC_LANGUAGE:
		kv_str(out, ind, rc->key, rc->language);
		break;
	}
}

static void
rules(FILE *out, const struct pd_config *cfg)
{
	const char *in = "    ";

	fputs("rules = (", out);
	for (guint i = 0; i < cfg->rules->len; i++) {
		const struct pd_rule *r = cfg->rules->pdata[i];

		fputs(i ? ",\n  {\n" : "\n  {\n", out);
		kv_str(out, in, "name", r->name);
		kv_str(out, in, "on", rules_on_name(r->on));
		kv_bool(out, in, "continue", r->cont);
		for (guint j = 0; j < r->conds->len; j++)
			rule_cond(out, in, r->conds->pdata[j]);
		if (r->any->len)
			fprintf(out, "%sany = (", in);
		for (guint j = 0; j < r->any->len; j++) {
			const GPtrArray *g = r->any->pdata[j];

			fprintf(out, "%s%s  {\n", j ? ",\n" : "\n", in);
			for (guint k = 0; k < g->len; k++)
				rule_cond(out, "        ", g->pdata[k]);
			fprintf(out, "%s  }", in);
		}
		if (r->any->len)
			fprintf(out, "\n%s);\n", in);
		kv_str(out, in, "queue", r->queue);
		kv_str(out, in, "priority", r->priority);
		kv_str(out, in, "type", r->type);
		kv_str(out, in, "assign", r->assign);
		kv_strv(out, in, "tags", r->tags);
		kv_strv(out, in, "notify", r->notify);
		kv_bool(out, in, "no_ack", r->no_ack);
		kv_bool(out, in, "drop", r->drop);
		kv_str(out, in, "reject", r->reject);
		kv_bool(out, in, "hold", r->hold);
		kv_str(out, in, "note", r->note);
		fputs("  }", out);
	}
	fputs("\n);\n", out);
}

/* business_hours: absent, every second counts (bizhours.h "always"). */
static void
business_hours(FILE *out, const struct pd_config *cfg)
{
	static const char *const day[] = { "mon", "tue", "wed", "thu", "fri",
		"sat", "sun" };
	const struct bizhours *bh = cfg->bizhours;
	const char *in = "  ";
	GString *days = g_string_new(NULL);
	GPtrArray *hol = g_ptr_array_new_with_free_func(g_free);
	char hhmm[16];

	if (!bh || bh->always) {
		fputs("# business_hours: not set (every second counts)\n", out);
		g_string_free(days, TRUE);
		g_ptr_array_unref(hol);
		return;
	}
	for (int i = 0; i < 7; i++)
		if (bh->days & (1u << i))
			g_string_append_printf(days, "%s%s", days->len ? "," :
			    "", day[i]);
	fputs("business_hours = {\n", out);
	kv_str(out, in, "days", days->str);
	snprintf(hhmm, sizeof hhmm, "%02d:%02d", bh->from / 60, bh->from % 60);
	kv_str(out, in, "from", hhmm);
	snprintf(hhmm, sizeof hhmm, "%02d:%02d", bh->to / 60, bh->to % 60);
	kv_str(out, in, "to", hhmm);
	kv_str(out, in, "timezone", g_time_zone_get_identifier(bh->tz));
	for (guint i = 0; bh->holidays && i < bh->holidays->len; i++) {
		guint32 d = g_array_index(bh->holidays, guint32, i);

		g_ptr_array_add(hol, g_strdup_printf("%04u-%02u-%02u",
		    d / 10000, d / 100 % 100, d % 100));
	}
	kv_strv(out, in, "holidays", hol);
	fputs("};\n", out);
	g_string_free(days, TRUE);
	g_ptr_array_unref(hol);
}

/* digests and reports (config_digests.c). */
static void
digests_reports(FILE *out, const struct pd_config *cfg)
{
	GPtrArray *t = g_ptr_array_new_with_free_func(g_free);

	for (guint i = 0; cfg->digest_times && i < cfg->digest_times->len;
	    i++) {
		int m = g_array_index(cfg->digest_times, int, i);

		g_ptr_array_add(t, g_strdup_printf("%02d:%02d", m / 60,
		    m % 60));
	}
	fputs("digests = {\n", out);
	kv_strv(out, "  ", "times", t);
	fputs("};\nreports = {\n", out);
	kv_bool(out, "  ", "monthly", cfg->report_monthly);
	fputs("};\n", out);
	g_ptr_array_unref(t);
}

void
config_dump(const struct pd_config *cfg, FILE *out)
{
	const char *in = "  ";

	fputs("# effective configuration of ", out);
	fputs(cfg->file, out);
	fputs(" (postdeskd -nn)\n", out);
	gateway(out, cfg);
	kv_str(out, "", "database", cfg->database);
	limits(out, &cfg->limits);
	sources(out, cfg);
	fputs("smtp = {\n", out);
	endpoint(out, in, &cfg->smtp);
	fputs("};\n", out);
	agents(out, cfg);
	clients_plans(out, cfg);
	fputs("tickets = {\n", out);
	kv_int(out, in, "autoclose_days", cfg->autoclose_days);
	kv_int(out, in, "reopen_days", cfg->reopen_days);
	kv_int(out, in, "max_reopens", cfg->max_reopens);
	/* first_response holds what the plain keys low ... urgent of older
	 * files set (config_plans.c): shown once, in the newer form. */
	fputs("};\nsla = {\n", out);
	prio_hours(out, in, "first_response", cfg->sla_hours);
	prio_hours(out, in, "resolution", cfg->sla_resolution);
	kv_int(out, in, "warn_at", cfg->sla_warn_at);
	fputs("};\nfloods = {\n", out);
	kv_int(out, in, "address_per_hour", cfg->cap_address.per_hour);
	kv_int(out, in, "address_per_day", cfg->cap_address.per_day);
	kv_int(out, in, "domain_per_hour", cfg->cap_domain.per_hour);
	kv_int(out, in, "domain_per_day", cfg->cap_domain.per_day);
	kv_int(out, in, "challenges_per_hour", cfg->cap_challenge.per_hour);
	kv_int(out, in, "challenges_per_day", cfg->cap_challenge.per_day);
	kv_int(out, in, "repeat_minutes", cfg->repeat_window / 60);
	kv_int(out, in, "repeat_similarity", cfg->repeat_similarity);
	fputs("};\n", out);
	queues(out, cfg);
	business_hours(out, cfg);
	rules(out, cfg);
	digests_reports(out, cfg);
	fputs("faq = {\n", out);
	kv_bool(out, in, "suggest", cfg->faq_suggest);
	fprintf(out, "%sthreshold = %.3f;\n", in, cfg->faq_threshold);
	fputs("};\n", out);
}
