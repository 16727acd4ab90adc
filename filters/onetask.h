/* onetask.h: "one task = one ticket" (postdeskd(8) Tickets).
 *
 * Finds independent requests listed in one mail: numbered or bulleted
 * items that each read as a request ("add export to PDF", "please fix the
 * invoice date", "можно ли добавить ..."), but not the steps of one problem
 * (steps to reproduce, instructions, symptoms of one bug). */
#ifndef PD_ONETASK_H
#define PD_ONETASK_H

#include <glib.h>

/* The tasks found in text (the new text of a request, quotes already
 * stripped): a GPtrArray of g_malloc'd one-line task texts (list markers
 * removed), or NULL when text holds fewer than two independent tasks.
 * Caller unrefs. */
GPtrArray *onetask_find(const char *text);

#endif
