/* cli_faq.h: `postdesk faq list | show ID | drop ID | test MESSAGE.eml`
 * (postdesk(1)): the knowledge base of faq.h, and how one mail would be
 * answered from it. */
#ifndef PD_CLI_FAQ_H
#define PD_CLI_FAQ_H

#include "cli.h"

int cli_faq(struct cli *c, int argc, char **argv);

#endif
