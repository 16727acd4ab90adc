/* template.h: notification templates (postdesk.conf(5) TEMPLATES).
 *
 * A template is conf/templates/LANG/NAME.txt: header lines, a blank line,
 * the body; placeholders like {{ticket.number}} are replaced from a table of
 * variables.  Admins may override them file by file: the directories of
 * `templates` are searched in order, the shipped one last
 * (template_render_dirs); a missing language falls back to English.  The
 * registry of templates and their placeholders is template_vars.h.
 *
 * The template is split into headers and body before any placeholder is
 * filled in, and a value is never scanned for placeholders again, so a
 * value (a client's subject or name) can neither add a header nor put
 * text above the body.  In a header every value becomes one line
 * (hdrtext.h); so does a value in the body whose placeholder shares its
 * line with other text ("Hello {{client.name}},").  Only a placeholder
 * alone on its line (blanks aside) may expand to several lines
 * ({{message.text}}). */
#ifndef PD_TEMPLATE_H
#define PD_TEMPLATE_H

#include <glib.h>

struct pd_rendered {
	char *subject; /* the Subject: header's value, one line (hdrtext.h) */
	char *body;    /* UTF-8, LF line ends */
};

/* Renders dir/lang/name.txt with vars (char * -> char *; a placeholder
 * with no variable becomes ""). Returns 0 with out filled (free with
 * template_clear), or -1 with a g_malloc'd *error_r. */
int template_render(const char *dir, const char *lang, const char *name,
    GHashTable *vars, struct pd_rendered *out, char **error_r);
void template_clear(struct pd_rendered *r);

/* template_render from a list of directories (char *), first match wins
 * per file: lang/name.txt from the first directory holding it, else
 * en/name.txt likewise (postdesk.conf(5) "templates"). */
int template_render_dirs(GPtrArray *dirs, const char *lang,
    const char *name, GHashTable *vars, struct pd_rendered *out,
    char **error_r);

/* The path of lang/name.txt in the first of dirs that holds it (no
 * fallback to another language), g_malloc'd, or NULL. */
char *template_find(GPtrArray *dirs, const char *lang, const char *name);

#endif
