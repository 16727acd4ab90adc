/* template.h: notification templates (SPEC §8).
 *
 * A template is conf/templates/LANG/NAME.txt: header lines, a blank line,
 * the body; placeholders like {{ticket.number}} are replaced from a table of
 * variables.  Admins may override them; a missing language falls back to
 * English. */
#ifndef PD_TEMPLATE_H
#define PD_TEMPLATE_H

#include <glib.h>

struct pd_rendered {
	char *subject; /* the Subject: header line's value */
	char *body;    /* UTF-8, LF line ends */
};

/* Renders dir/lang/name.txt with vars (char * -> char *; a placeholder
 * with no variable becomes ""). Returns 0 with out filled (free with
 * template_clear), or -1 with a g_malloc'd *error_r. */
int template_render(const char *dir, const char *lang, const char *name,
    GHashTable *vars, struct pd_rendered *out, char **error_r);
void template_clear(struct pd_rendered *r);

#endif
