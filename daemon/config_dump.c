/* config_dump.c: the effective configuration, as `postdeskd -nn` prints it
 * (config.h config_dump; like postconf -n or doveconf -n, but every
 * setting, defaults included).  The output is itself a valid file.
 * Passwords are never written: an endpoint shows its password_file. */
#include <string.h>
#include "config.h"

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
		fputs("  }", out);
	}
	fputs("\n);\nplans = (", out);
	for (guint i = 0; i < cfg->plans->len; i++) {
		const struct pd_plan *p = cfg->plans->pdata[i];

		fputs(i ? ",\n  { name = " : "\n  { name = ", out);
		put_str(out, p->name);
		fprintf(out, "; hours = %g%s; }", p->hours,
		    p->hours == (double)(long long)p->hours ? ".0" : "");
	}
	fputs("\n);\n", out);
}

static void
queues(FILE *out, const struct pd_config *cfg)
{
	const char *in = "    ";

	fputs("queues = (", out);
	for (guint i = 0; i < cfg->queues->len; i++) {
		const struct pd_queue *q = cfg->queues->pdata[i];

		fputs(i ? ",\n  {\n" : "\n  {\n", out);
		kv_str(out, in, "name", q->name);
		kv_strv(out, in, "addresses", q->addresses);
		kv_str(out, in, "display_name", q->display_name);
		kv_str(out, in, "tag", q->tag);
		kv_str(out, in, "language", q->language);
		kv_str(out, in, "signature", q->signature);
		kv_strv(out, in, "agents", q->agents);
		kv_str(out, in, "lead", q->lead);
		fputs("  }", out);
	}
	fputs("\n);\n", out);
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
	fputs("};\nsla = {\n", out);
	kv_int(out, in, "low", cfg->sla_hours[0]);
	kv_int(out, in, "normal", cfg->sla_hours[1]);
	kv_int(out, in, "high", cfg->sla_hours[2]);
	kv_int(out, in, "urgent", cfg->sla_hours[3]);
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
	fputs("faq = {\n", out);
	kv_bool(out, in, "suggest", cfg->faq_suggest);
	fprintf(out, "%sthreshold = %.3f;\n", in, cfg->faq_threshold);
	fputs("};\n", out);
}
