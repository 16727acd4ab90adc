/* inspect.h: `postdesk inspect MESSAGE.eml [--json]` (SPEC §13).
 *
 * Shows how the gateway reads one message without touching the database:
 * subject, from, to, cc, ids, the text it would store, attachments, subject
 * tokens and the automated verdict. */
#ifndef PD_INSPECT_H
#define PD_INSPECT_H

/* argv[0] is "inspect".  Prints to stdout.  Returns the process exit code:
 * 0 whenever the file could be read (even when it is not a message), 1 when
 * it cannot be read, 2 on bad usage.  Never crashes on bad input. */
int cmd_inspect(int argc, char **argv);

#endif
