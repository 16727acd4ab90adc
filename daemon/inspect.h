/* inspect.h: `postdesk inspect MESSAGE.eml [--json]` (postdesk(1)).
 *
 * Shows how the gateway reads one message without touching the database:
 * subject, from, to, cc, ids, the text it would store, attachments, subject
 * tokens and the automated verdict. */
#ifndef PD_INSPECT_H
#define PD_INSPECT_H

#include <stddef.h>
#include <stdio.h>

/* argv[0] is "inspect".  Prints to stdout.  Returns the process exit code:
 * 0 whenever the file could be read (even when it is not a message), 1 when
 * it cannot be read, 2 on bad usage.  Never crashes on bad input. */
int cmd_inspect(int argc, char **argv);

/* What `inspect --json` prints for the len bytes at raw: parses them with
 * the default limits and writes one JSON object and a newline to fp (with
 * an "error" member when they are not a message, beside the fields that
 * could still be recovered: msg_parse_salvage()), "truncated" and, when
 * true, "truncated_reason" (the limits that cut it).  Returns msg_parse's
 * result, 0 or -1.  The fuzz target tests/fuzz/fuzz_msg.c checks it. */
int inspect_json(FILE *fp, const char *raw, size_t len);

#endif
