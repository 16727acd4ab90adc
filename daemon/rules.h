/* rules.h: the routing rules (postdesk.conf(5) "ROUTING RULES"): an
 * ordered list in the config; the first rule whose conditions all hold
 * fires and stops, unless it says `continue = true`.
 *
 * The rules are a pure step of classify() (classify.h): rules_eval()
 * reads the parsed message and where it came from, and returns the
 * effects; it writes nothing and opens nothing, so `postdesk rules test`
 * runs it without a database.  The stage table (stage.c, stage_rules.c)
 * applies the effects.  The rules are loaded, checked and compiled once
 * by config_rules.c and live (regexes included) in struct pd_config, so a
 * reload (SIGHUP) swaps them with the rest of the config between two
 * messages. */
#ifndef PD_RULES_H
#define PD_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <glib.h>
#include "config.h"
#include "msg.h"

/* Which mail a rule applies to (`on`). */
enum rule_on {
	RULE_ON_NEW = 1,      /* new requests (the default) */
	RULE_ON_FOLLOWUP = 2, /* follow-ups to a ticket */
	RULE_ON_BOTH = 3,
};

enum rule_cond_kind {
	RC_FROM, RC_TO, RC_CC, RC_SUBJECT, RC_BODY, RC_HEADER, RC_SOURCE,
	RC_CLIENT, RC_ATTACHMENT, RC_SIZE, RC_AUTOMATED, RC_LANGUAGE,
};

/* One condition of a rule. */
struct rule_cond {
	enum rule_cond_kind kind;
	const char *key;    /* its setting: "subject" (static) */
	char *text;         /* as written, for `rules test` */
	GRegex *re;         /* from, to, cc, subject, body, header,
	                     * has_attachment with a file-name regex; else
	                     * NULL */
	char *header;       /* RC_HEADER: the header's name */
	GPtrArray *names;   /* RC_SOURCE, RC_CLIENT: of char * */
	bool flag;          /* RC_ATTACHMENT without re, RC_AUTOMATED */
	long long size;     /* RC_SIZE: bytes */
	char *language;     /* RC_LANGUAGE: "en" or "ru" */
};

struct pd_rule {
	char *name;
	unsigned line;      /* of its group in the config file */
	enum rule_on on;
	bool cont;          /* continue = true: later rules are tried too */
	GPtrArray *conds;   /* of struct rule_cond *: all must hold */
	GPtrArray *any;     /* of GPtrArray * of struct rule_cond *: when
	                     * not empty, one of the groups must hold too */
	/* actions */
	char *queue, *priority, *type, *assign;
	GPtrArray *tags;    /* of char * */
	GPtrArray *notify;  /* of char *: agent names or addresses */
	bool no_ack, drop, hold;
	char *reject;       /* template name, or NULL */
	char *note;         /* internal note text, or NULL */
};

/* What rules_eval looks at besides the message. */
struct rules_input {
	const struct pd_msg *m;
	const char *source;    /* source name, or NULL */
	const char *automated; /* hygiene's reason, or NULL */
	size_t size;           /* of the raw message, bytes */
	bool followup;         /* a follow-up to a ticket, not a new request */
};

/* One condition as checked, for `rules test`. */
struct rule_check {
	const struct rule_cond *cond;
	int group;             /* -1: the rule's own; else the index of its
	                        * `any` group */
	bool matched;
};

/* One rule as tried (rules_eval with trace). */
struct rule_trace {
	const struct pd_rule *rule;
	bool reached;   /* false: an earlier rule fired and stopped */
	bool applies;   /* its `on` covers this mail */
	bool matched;   /* it fired */
	GArray *checks; /* of struct rule_check, every condition */
};

/* The effects of the rules that fired.  Strings are borrowed from the
 * config the rules came from.  Later rules (after a `continue`) override
 * queue, priority, type, assign and reject; tags, notify and notes add
 * up; no_ack, drop and hold stay once set. */
struct rules_result {
	GPtrArray *fired;   /* of const struct pd_rule *, in order; NULL
	                     * until rules_eval */
	GArray *trace;      /* of struct rule_trace, one per rule, when asked
	                     * for; else NULL */
	const char *queue, *priority, *type, *assign;
	const char *reject; /* template name */
	GPtrArray *tags, *notify, *notes; /* of const char * */
	bool no_ack, drop, hold;
	const char *why;    /* the name of the rule that dropped, rejected
	                     * or held, or NULL */
};

/* Tries cfg->rules on in; fills *res (rules_result_clear it).  With trace,
 * res->trace tells every rule and every condition.  Returns how many
 * rules fired. */
unsigned rules_eval(const struct pd_config *cfg, const struct rules_input *in,
    bool trace, struct rules_result *res);

void rules_result_clear(struct rules_result *res);

/* True when the rule has no condition at all (always fires). */
bool rules_unconditional(const struct pd_rule *r);

/* Frees a rule of config_rules.c (GDestroyNotify). */
void rules_free(gpointer rule);

/* The names of a rule's `on`: "new", "followup", "both". */
const char *rules_on_name(enum rule_on on);

#endif
