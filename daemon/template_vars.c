/* template_vars.c: see template_vars.h.  A new notice is a template in
 * conf/templates/{en,ru} and a row here. */
#include <string.h>
#include "template.h"
#include "template_vars.h"

const struct template_spec template_specs[] = {
	{ "ack", "sla.promise plan.notice faq.suggestions" },
	{ "ack_tasks", "tasks tasks.count sla.promise plan.notice" },
	{ "agent_answer_copy", "agent.name message.text" },
	{ "agent_assigned", "" },
	{ "agent_message", "message.text message.from faq.note" },
	{ "agent_note", "agent.name message.text" },
	{ "challenge", "held.reason held.subject held.text" },
	{ "due", "" },
	{ "flood_guard", "guard.kind guard.key guard.detail guard.ticket" },
	{ "followup_new", "old.token old.number" },
	{ "guard_held", "guard.file message.text" },
	{ "guard_stopped", "guard.overlap message.text" },
	{ "lead_reopen_limit", "old.token old.number" },
	{ "merged", "other.token other.number" },
	{ "multi", "mail.subject tickets" },
	{ "quarantine", "quarantine.id quarantine.reason quarantine.size "
	    "quarantine.source" },
	{ "split_done", "tickets" },
	{ "status_closed", "" },
	{ "status_reopened", "" },
	{ "status_resolved", "" },
	{ "status_waiting", "" },
	{ "taken", "agent.name" },
	{ "transcript", "transcript" },
	/* digests and the monthly report (scheduler.c, report.c) */
	{ "digest_agent", "agent.name digest.time digest.count "
	    "digest.overdue digest.tickets" },
	{ "digest_lead", "agent.name digest.time digest.count "
	    "digest.overdue digest.agents digest.queues" },
	{ "report_client", "report.client report.month report.opened "
	    "report.resolved report.resolved_12m report.hours "
	    "report.first_response report.ratings_count "
	    "report.ratings_average report.chart" },
	/* queues (agentcmd.c #queue) */
	{ "agent_queue", "agent.by queue.from" },
	/* bounces of our mail (stage_bounce.c) */
	{ "bounce_notice", "bounce.address bounce.days bounce.diagnostic "
	    "bounce.status bounce.until" },
	/* routing rules (stage_rules.c); a rule's own reject template is
	 * checked by config_rules.c */
	{ "reject", "message.subject" },
	{ "rule_notify", "message.from message.text rule.name" },
	/* plans, SLA, promised dates (plans.c, sla.c): the ack's blocks,
	 * then the notices */
	{ "ack_over_limit", "plan.client plan.hours plan.month plan.name "
	    "plan.used" },
	{ "ack_sla", "sla.first_response" },
	{ "ack_sla_none", "" },
	{ "plan_warning", "plan.client plan.hours plan.left plan.month "
	    "plan.name plan.percent plan.used" },
	{ "plan_warning_lead", "plan.client plan.hours plan.month plan.name "
	    "plan.percent plan.threshold plan.used" },
	{ "sla_first_warning", "sla.deadline sla.hours" },
	{ "sla_first_breach", "sla.deadline sla.hours" },
	{ "sla_resolution_warning", "sla.deadline sla.hours" },
	{ "sla_resolution_breach", "sla.deadline sla.hours" },
	{ "due_warning", "" },
	{ "due_missed", "" },
	/* the FAQ in the acknowledgement (faq_offer.c): its block, and the
	 * agents' line in agent_message (agentmail.c) */
	{ "ack_faq", "faq.list" },
	{ "agent_faq_offered", "faq.entries" },
	{ "agent_faq_solved", "" },
};
const unsigned template_nspecs = G_N_ELEMENTS(template_specs);

const char *const template_langs[] = { "en", "ru", NULL };

/* Every notice has them: the gateway's (or the ticket's queue's) voice
 * and the client (notify.c, config_queues.c). */
static const char *const common[] = { "gateway.name", "gateway.address",
	"client.name", "client.address", "queue.name", "queue.address",
	"queue.tag", NULL };

/* The ticket's fields a notice may show (notify.c, agentmail.c,
 * agentcmd.c #due, sla.c): a name, not any "ticket." prefix, so that
 * {{ticket.asignee}} is a config error, not an empty gap. */
static const char *const ticket_vars[] = { "ticket.number",
	"ticket.token", "ticket.subject", "ticket.status", "ticket.priority",
	"ticket.type", "ticket.assignee", "ticket.plan", "ticket.sla",
	"ticket.due", NULL };

bool
template_var_allowed(const char *name, const char *var)
{
	const struct template_spec *spec = NULL;
	size_t n = strlen(var);

	for (unsigned i = 0; i < template_nspecs && !spec; i++)
		if (strcmp(template_specs[i].name, name) == 0)
			spec = &template_specs[i];
	if (!spec)
		return false;
	for (const char *const *c = ticket_vars; *c; c++)
		if (strcmp(*c, var) == 0)
			return true;
	for (const char *const *c = common; *c; c++)
		if (strcmp(*c, var) == 0)
			return true;
	for (const char *p = spec->vars; (p = strstr(p, var)); p += n)
		if ((p == spec->vars || p[-1] == ' ') && (p[n] == ' ' ||
		    p[n] == '\0'))
			return true;
	return false;
}

/* Every "{{...}}" of the file at path that name may not use, as
 * "path:line: message" lines.  Returns the number of problems. */
static int
check_file(const char *path, const char *name, GString *errors)
{
	char *data = NULL;
	const char *p, *open, *close;
	unsigned line = 1;
	int bad = 0;

	if (!g_file_get_contents(path, &data, NULL, NULL)) {
		g_string_append_printf(errors, "%s:0: cannot read template "
		    "'%s'\n", path, name);
		return 1;
	}
	if (!g_utf8_validate(data, -1, NULL)) {
		g_string_append_printf(errors, "%s:0: template '%s' is not "
		    "UTF-8\n", path, name);
		g_free(data);
		return 1;
	}
	for (p = data; (open = strstr(p, "{{")) &&
	    (close = strstr(open + 2, "}}")); p = close + 2) {
		char *key = g_strstrip(g_strndup(open + 2, close - open - 2));

		for (const char *q = p; q < open; q++)
			line += *q == '\n';
		if (!template_var_allowed(name, key)) {
			char *shown = g_strescape(key, NULL);

			g_string_append_printf(errors, "%s:%u: unknown "
			    "placeholder {{%s}} in template '%s'\n", path, line,
			    shown, name);
			g_free(shown);
			bad++;
		}
		for (const char *q = open; q < close; q++)
			line += *q == '\n';
		g_free(key);
	}
	g_free(data);
	return bad;
}

int
template_check(GPtrArray *dirs, const char *conf_file, unsigned conf_line,
    GString *errors)
{
	int bad = 0;

	for (unsigned i = 0; i < template_nspecs; i++)
		for (const char *const *l = template_langs; *l; l++) {
			const char *name = template_specs[i].name;
			char *path = template_find(dirs, *l, name);

			if (!path) {
				g_string_append_printf(errors, "%s:%u: missing "
				    "template %s/%s.txt in the templates "
				    "directories\n", conf_file, conf_line, *l,
				    name);
				bad++;
				continue;
			}
			bad += check_file(path, name, errors);
			g_free(path);
		}
	return bad;
}
