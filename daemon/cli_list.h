/* cli_list.h: `postdesk tickets`, `show`, `search`, `stats`, `export`
 * (postdesk(1)): read-only commands on tickets, with the machinery of
 * cli.h.  Each returns its exit code. */
#ifndef PD_CLI_LIST_H
#define PD_CLI_LIST_H

struct cli;
int cli_tickets(struct cli *c, int argc, char **argv);
int cli_show(struct cli *c, int argc, char **argv);
int cli_search(struct cli *c, int argc, char **argv);
int cli_stats(struct cli *c, int argc, char **argv);
int cli_export(struct cli *c, int argc, char **argv);

#endif
