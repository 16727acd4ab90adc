/* template_vars.h: the registry of notification templates (postdesk.conf(5)
 * "TEMPLATES"): every template the code renders and the
 * placeholders it may use.
 *
 * `postdeskd -n`, the start and every reload check the configured template
 * directories against it, so a missing file (in any language) or a typo in
 * a placeholder is a config error with the template's file and line, not
 * an empty gap in a mail to a client. */
#ifndef PD_TEMPLATE_VARS_H
#define PD_TEMPLATE_VARS_H

#include <stdbool.h>
#include <glib.h>

struct template_spec {
	const char *name; /* conf/templates/LANG/NAME.txt */
	const char *vars; /* the placeholders only it knows, blank-separated;
	                   * every template also knows the common ones
	                   * (template_var_allowed) */
};

/* The registry, and how many rows. */
extern const struct template_spec template_specs[];
extern const unsigned template_nspecs;

/* The languages every template exists in. */
extern const char *const template_langs[];

/* Whether template name may use placeholder var: the common placeholders
 * (gateway.name, gateway.address, client.name, client.address, queue.name,
 * queue.address, queue.tag and the ticket's fields: ticket.number, token,
 * subject, status, priority, type, assignee, plan, sla, due) and the
 * template's own.  False for a template not in the
 * registry. */
bool template_var_allowed(const char *name, const char *var);

/* Checks every registered template in every language in dirs (first
 * match wins, template.h).  Appends one line per problem to errors: a
 * missing file as "conf_file:conf_line: message" (the `templates`
 * setting; conf_line 0 when unset), anything wrong inside a file as
 * "template-file:line: message".  Returns the number of problems. */
int template_check(GPtrArray *dirs, const char *conf_file,
    unsigned conf_line, GString *errors);

#endif
