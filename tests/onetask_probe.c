/* onetask_probe: prints what onetask_find sees in the text on stdin.
 *
 * Not a test: tests/onetask_measure.py feeds it the sample requests and
 * the corpus.  The text is quote-stripped first, as the pipeline does.
 * Output: the number of tasks (0 for none), then one task per line. */
#include <stdio.h>
#include <stdlib.h>

#include <glib.h>

#include "onetask.h"
#include "quotes.h"

int
main(void)
{
	GString *in;
	GPtrArray *tasks;
	char buf[8192], *text;
	size_t n;
	guint i;

	in = g_string_new(NULL);
	while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0)
		g_string_append_len(in, buf, n);
	text = quotes_strip(in->str);
	tasks = onetask_find(text);
	printf("%u\n", tasks != NULL ? tasks->len : 0);
	for (i = 0; tasks != NULL && i < tasks->len; i++)
		printf("%s\n", (char *)g_ptr_array_index(tasks, i));
	if (tasks != NULL)
		g_ptr_array_unref(tasks);
	g_free(text);
	g_string_free(in, TRUE);
	return 0;
}
