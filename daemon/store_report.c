/* store_report.c: the CLI's reports (see store_report.h).
 *
 * Tables for people, --json for scripts.  JSON is produced by SQLite's own
 * json_object()/json_group_array(), so quoting is never done by hand. */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <glib.h>
#include "db.h"
#include "store_report.h"







