/* config.h: the one libconfig file (README.md; docs/architecture.md), loaded into our own structs.
 *
 * Everything is copied out of libconfig, so a struct pd_config lives on its
 * own.  Secrets (passwords) are read from the files the config names and are
 * kept only in the struct: never logged. */
#ifndef PD_CONFIG_H
#define PD_CONFIG_H

/* The queue of a source that names none, and of mail that comes by no
 * source (postdesk deliver without --source): the one place it is
 * written. */
#define PD_DEFAULT_QUEUE "support"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <glib.h>
#include "pdlimits.h"
#include "flood.h"

struct bizhours;

enum pd_tls { PD_TLS_NONE, PD_TLS_STARTTLS, PD_TLS_IMPLICIT };

/* Connection settings shared by IMAP sources and the SMTP relay. */
struct pd_endpoint {
	char *host;
	uint16_t port;
	enum pd_tls tls;
	bool tls_verify;  /* verify chain and host name (default true) */
	char *ca_file;    /* PEM bundle for private CAs; NULL = system store */
	char *user;       /* NULL = no authentication */
	char *password;   /* read from password_file; NULL when no user */
	char *auth;       /* "login" (IMAP LOGIN) or a SASL mechanism: "plain" */
	unsigned timeout; /* seconds for connect and every read (default 60) */
	char *password_file; /* where password came from (shown by -nn) */
};

enum pd_after { PD_AFTER_MOVE, PD_AFTER_FLAG };

struct pd_source {
	char *name;
	struct pd_endpoint ep;
	char *folder;           /* default "INBOX" */
	char *queue;            /* default PD_DEFAULT_QUEUE */
	enum pd_after after;    /* default move */
	char *processed_folder; /* default "Processed" */
	char *quarantine_folder;/* default "Quarantine" */
	unsigned poll_interval; /* seconds, when IDLE is unavailable (60) */
	bool idle;              /* use IDLE when offered (true) */
};

struct pd_agent {
	char *name;
	GPtrArray *addresses; /* of char *, lower-cased */
	char *role;           /* "agent" or "lead" */
	GPtrArray *queues;    /* of char * */
	char *language;       /* "en" or "ru" */
};

/* A support plan: included hours per month (postdesk.conf(5) plans). */
struct pd_plan {
	char *name;
	double hours;
	/* config_plans.c: */
	GArray *warn_at;        /* of unsigned percent, ascending: 80, 100 */
	unsigned sla_first[4];  /* first response hours by priority (low,
	                         * normal, high, urgent); 0: the sla group's */
	unsigned sla_resolution[4]; /* resolution hours; 0: the sla group's */
};

/* A client organisation: whose mail counts as that client's (postdesk.conf(5) clients). */
struct pd_client {
	char *name;
	char *plan;           /* plan name, or NULL */
	GPtrArray *domains;   /* of char *, lower-cased: "acme.test" */
	GPtrArray *addresses; /* of char *, lower-cased */
	char *language;       /* "en" or "ru" for its people, or NULL: the
	                       * queue's (config_queue_language) */
	GPtrArray *contacts;  /* of char *, lower-cased: who hears about the
	                       * plan (config_plans.c); empty: the people of
	                       * its tickets */
	bool faq_off;         /* suggest_faq = false (config_faq.c) */
};

/* A queue: a support line with its own voice (docs/architecture.md; postdesk.conf(5)
 * "QUEUES").  Mail to one of its addresses, or from a source naming it,
 * files into it; everything its tickets send goes out with its identity.
 * Without a `queues` list, one queue PD_DEFAULT_QUEUE has the gateway's
 * identity, and each other queue a source names gets the same. */
struct pd_queue {
	char *name;
	GPtrArray *addresses; /* of char *, lower-cased; [0] is the From
	                       * and envelope address of its mail */
	char *display_name;   /* From display name (gateway.name) */
	char *tag;            /* ticket tag, upper-cased (gateway.tag) */
	char *language;       /* "en" or "ru" (gateway.language) */
	char *signature;      /* appended to client mail, or NULL */
	GPtrArray *agents;    /* of char *: agent names serving it; empty:
	                       * the agents whose `queues` name it, or who
	                       * list none */
	char *lead;           /* agent name, or NULL: any lead */
	bool faq_off;         /* suggest_faq = false (config_faq.c) */
};

struct pd_config {
	char *file;          /* path it was read from */
	/* gateway */
	char *name;          /* shown in From: "ACME Support" */
	char *address;       /* support address, lower-cased */
	char *domain;        /* right-hand side for our Message-IDs */
	char *tag;           /* ticket tag, upper-cased: "ACME" */
	char *language;      /* default language for clients: "en" or "ru" */
	unsigned long first_ticket;
	char *admin;         /* admin address, may be NULL */
	char *note_address;  /* mail to it is an internal note: default
	                      * local+note@domain of the support address */
	char *team_copy;     /* copy of all client and agent mail, or NULL */
	GPtrArray *trusted_authserv; /* authserv-ids whose
	                              * Authentication-Results we believe */
	char *answers_dir;   /* canned answers for #answer NAME */
	char *key_file;      /* MAC key, created 0600 on first start */
	char *templates_dir; /* conf/templates */
	char *database;      /* SQLite path */
	struct pd_limits limits;
	GPtrArray *sources;  /* of struct pd_source * */
	struct pd_endpoint smtp;
	char *smtp_helo;     /* name for EHLO, default the domain */
	GPtrArray *agents;   /* of struct pd_agent * */
	GPtrArray *clients;  /* of struct pd_client * */
	GPtrArray *plans;    /* of struct pd_plan * */
	unsigned sla_hours[4]; /* first response window by priority: low,
	                        * normal, high, urgent; 0 = none */
	/* ticket lifecycle (postdeskd(8) Tickets) */
	unsigned autoclose_days; /* resolved -> closed after this (7) */
	unsigned reopen_days;    /* a follow-up within this reopens (30) */
	unsigned max_reopens;    /* beyond this a follow-up opens anew (3) */
	/* file safety (postdeskd(8)) */
	bool allow_root;     /* gateway.allow_root: may run as root (false) */
	GPtrArray *unsafe;   /* of char *: "file:line: message" for each
	                      * password file others may access; the daemon
	                      * refuses to start with any */
	GPtrArray *trusted_relays; /* lower-cased "by" hosts of Received
	                            * headers our own servers write, between
	                            * the trusted_authserv and the mailbox */
	/* agent identity (postdesk.conf(5) THREAT MODEL) */
	unsigned id_max_age_days; /* a reply to one of our ids proves the
	                           * agent for this long after we sent it
	                           * (30) */
	unsigned id_fresh_hours;  /* ... and is a fresh proof (#cc, #client,
	                           * #merge) for this long (24; 0: never) */
	bool binary_hold;        /* gateway.binary_attachments = "hold": an
	                          * answer with a file the note guard cannot
	                          * read goes back to its agent */
	/* flood guards (postdesk.conf(5) "floods") */
	struct flood_limit cap_address;   /* automatic mail per address */
	struct flood_limit cap_domain;    /* ... per domain (>= address) */
	struct flood_limit cap_challenge; /* challenges per agent address */
	unsigned repeat_window;     /* seconds: near-identical new requests
	                             * within it join the first; 0 = off */
	unsigned repeat_similarity; /* percent of shared shingles (90) */
	/* queues (config_queues.c) */
	GPtrArray *queues;   /* of struct pd_queue *; never empty, [0] is the
	                      * default queue */
	/* deployment (postdeskd(8)) */
	char *templates_at;  /* "file:line" of gateway.templates (or of the
	                      * gateway group): config_check_files names it */
	char *user;          /* gateway.user: the daemon started as root
	                      * drops to it; NULL: none */
	char *user_at;       /* "file:line" of gateway.user */
	/* bounces (config_bounces.c) */
	unsigned bounce_hold_days; /* a permanent failure holds automatic
	                            * mail to the address this long (7; 0:
	                            * bounces are filed, nothing held) */
	bool queues_listed;  /* the file has a `queues` list: mail to a
	                      * queue's address files into it */
	/* routing rules (config_rules.c, rules.h) */
	GPtrArray *rules;    /* of struct pd_rule *, in order; never NULL
	                      * after config_load; compiled regexes live
	                      * here and go with config_free */
	/* plans, SLA in business hours, promised dates (config_plans.c) */
	char *timezone;      /* gateway.timezone, IANA name ("UTC") */
	struct bizhours *bizhours; /* business_hours (bizhours.h); every
	                            * second counts without the group.
	                            * Never NULL after a load. */
	unsigned sla_resolution[4]; /* sla.resolution hours by priority; 0 =
	                             * none */
	unsigned sla_warn_at;        /* sla.warn_at: percent of a window at
	                              * which the agents are warned (80) */
	/* templates, digests, reports (config_digests.c) */
	GPtrArray *templates_dirs; /* of char *: the `templates` setting's
	                            * directories, then the shipped one;
	                            * first match wins per file
	                            * (template.h); [0] is templates_dir */
	unsigned templates_line;   /* line of `templates`, 0 when unset */
	GArray *digest_times;      /* of int: minutes after midnight in the
	                            * gateway's time zone, sorted; empty: no
	                            * digests */
	bool report_monthly;       /* reports.monthly (true) */
	/* the FAQ in the acknowledgement (config_faq.c, faq.h) */
	bool faq_suggest;          /* faq.suggest (true) */
	double faq_threshold;      /* faq.threshold, 0..1 (0.5) */
};

/* Reads and checks path.  On success returns 0 and *cfg_r.  On failure
 * returns -1 and appends one "file:line: message" line per error to errors
 * (every error found, not just the first). */
int config_load(const char *path, struct pd_config **cfg_r, GString *errors);

/* What a loaded configuration needs of the file system, checked by
 * `postdeskd -n` and before the daemon starts or reloads: password files
 * others may read (cfg->unsafe), a templates directory without the
 * templates every mail needs, a gateway.user that does not exist.
 * Appends one "file:line: message" line per problem to errors and returns
 * how many there are (0: fine). */
int config_check_files(const struct pd_config *cfg, GString *errors);

/* Writes the effective configuration to out in the file's own syntax,
 * every setting with its value, defaults included (`postdeskd -nn`).
 * Secrets are never read out: a password shows as its password_file. */
void config_dump(const struct pd_config *cfg, FILE *out);

/* Frees *cfg (wiping passwords) and sets it to NULL; accepts NULL. */
void config_free(struct pd_config **cfg);

/* The agent owning address (case-insensitive), or NULL.  Borrowed. */
const struct pd_agent *config_agent_by_address(const struct pd_config *cfg,
    const char *address);

/* The plan called name, or NULL.  Borrowed. */
const struct pd_plan *config_plan(const struct pd_config *cfg,
    const char *name);

/* The agent called name (case-insensitive), or owning that address, or
 * NULL.  Borrowed. */
const struct pd_agent *config_agent_by_name(const struct pd_config *cfg,
    const char *name);

/* The client organisation of address, or NULL.  Borrowed. */
const struct pd_client *config_client_of(const struct pd_config *cfg,
    const char *address);

/* True when a and b belong to the same configured client organisation.
 * Addresses no client claims belong to no organisation: sharing a mail
 * domain proves nothing. */
bool config_same_org(const struct pd_config *cfg, const char *a,
    const char *b);

/* The client organisation called name, or NULL.  Borrowed. */
const struct pd_client *config_client(const struct pd_config *cfg,
    const char *name);

/* The source called name, or NULL.  Borrowed. */
const struct pd_source *config_source(const struct pd_config *cfg,
    const char *name);

/* The queue called name, or NULL.  Borrowed. */
const struct pd_queue *config_queue(const struct pd_config *cfg,
    const char *name);

/* The identity to use for mail of queue name: that queue, else (a queue
 * the config no longer has, or NULL) the default queue.  Never NULL. */
const struct pd_queue *config_queue_voice(const struct pd_config *cfg,
    const char *name);

/* The queue one of whose addresses is address (case-insensitive, ignoring
 * a +detail of either), or NULL.  Borrowed. */
const struct pd_queue *config_queue_by_address(const struct pd_config *cfg,
    const char *address);

/* The default queue: the first of the `queues` list, or PD_DEFAULT_QUEUE
 * without one.  Never NULL. */
const struct pd_queue *config_queue_default(const struct pd_config *cfg);

/* The From and envelope address of q's mail: its first address. */
const char *config_queue_from(const struct pd_config *cfg,
    const struct pd_queue *q);

/* Does agent a serve queue q?  Named in q's `agents`, or naming q in its
 * own `queues`; an agent who lists no queue serves every queue whose
 * `agents` is empty (postdesk.conf(5) "QUEUES"). */
bool config_queue_serves(const struct pd_queue *q, const struct pd_agent *a);

/* Is tag (case-insensitive) the gateway's or a queue's ticket tag? */
bool config_queue_tag_known(const struct pd_config *cfg, const char *tag);

/* subject without the tokens of every known tag (token_strip), g_malloc'd. */
char *config_queue_strip_tokens(const struct pd_config *cfg,
    const char *subject);

/* The note address of q (g_malloc'd): gateway.note_address for the
 * gateway's own address, else local+note@domain of q's first address. */
char *config_queue_note_address(const struct pd_config *cfg,
    const struct pd_queue *q);

/* Is address (case-insensitive) gateway.note_address, or local+note@domain
 * of an address of a listed queue? */
bool config_is_note_address(const struct pd_config *cfg, const char *address);

/* The language of mail to requester in queue q (may be NULL: the
 * gateway's): the requester's client organisation's `language`, else
 * q's.  Borrowed. */
const char *config_queue_language(const struct pd_config *cfg,
    const struct pd_queue *q, const char *requester);

/* Are a and b one mailbox: case-insensitive, a +detail of either ignored
 * (as config_queue_by_address compares)? */
bool config_same_mailbox(const char *a, const char *b);

/* The client organisation a person typed (`postdesk plan`, `postdesk
 * report`): called name exactly (config_client), else the first whose
 * name matches in any ASCII case; NULL when none.  Borrowed. */
const struct pd_client *config_client_named(const struct pd_config *cfg,
    const char *name);

#endif
