/* cli_admin.h: `postdesk status`, `outbox`, `held`, `unfiled`, `backup`,
 * `migrate`, `inspect` (postdesk(1)), with the machinery of cli.h.  Each
 * returns its exit code.  `status N STATUS` goes on to cli_ticket.h. */
#ifndef PD_CLI_ADMIN_H
#define PD_CLI_ADMIN_H

struct cli;
int cli_status(struct cli *c, int argc, char **argv);
int cli_outbox(struct cli *c, int argc, char **argv);
int cli_held(struct cli *c, int argc, char **argv);
int cli_unfiled(struct cli *c, int argc, char **argv);
int cli_backup(struct cli *c, int argc, char **argv);
int cli_migrate(struct cli *c, int argc, char **argv);
int cli_inspect(struct cli *c, int argc, char **argv);

#endif
