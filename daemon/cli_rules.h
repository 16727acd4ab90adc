/* cli_rules.h: `postdesk rules test MESSAGE.eml [--source NAME] [--json]`
 * (postdesk(1)): the routing rules (rules.h) of the configuration tried
 * on a message as a new request, each rule with whether it matched and
 * which condition failed, then the verdict they would give.  Reads the
 * config and the file only: no database, no mail. */
#ifndef PD_CLI_RULES_H
#define PD_CLI_RULES_H

/* argv[0] is "rules".  Exit status: 0, 1 (config or file unreadable), 2
 * (usage). */
int cli_rules(const char *config_path, int argc, char **argv);

#endif
