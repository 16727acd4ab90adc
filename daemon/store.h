/* store.h: tickets, messages, participants, events and source bookkeeping.
 *
 * Thin, typed operations over db.h.  None of them begins or commits a
 * transaction: the pipeline wraps all writes of one message in one
 * transaction (SPEC §12), so callers decide the boundaries.  Every function
 * returning int returns -1 on a database error (already logged). */
#ifndef PD_STORE_H
#define PD_STORE_H

#include <stdint.h>
#include <sqlite3.h>
#include "msg.h"

struct pd_ticket {
	unsigned long number;
	char *subject;
	char *status;
	char *priority;
	char *type;
	char *queue;
	char *requester;      /* lower-cased address */
	char *requester_name;
	char *language;
	char *assignee;       /* "" when none */
	char *root_id;        /* without <> */
	int64_t created, updated;
};

/* Loads ticket number into *t, following merges to the survivor.  Returns 1
 * when found, 0 when not.  Free the fields with store_ticket_clear(). */
int store_ticket_get(sqlite3 *db, unsigned long number, struct pd_ticket *t);
void store_ticket_clear(struct pd_ticket *t);

/* Creates a ticket from t's subject, queue, requester, requester_name and
 * language.  The number (the next after the highest, at least first), the
 * root id (mac_root_id for domain), status, priority, type and times are
 * assigned here and set in *t.  Adds the requester as a participant and a
 * "created" event with detail. */
int store_ticket_create(sqlite3 *db, struct pd_ticket *t,
    unsigned long first, const char *domain, const char *detail);

/* The ticket (after merges) holding a stored message with Message-ID id
 * (without <>), or 0. */
unsigned long store_ticket_by_msgid(sqlite3 *db, const char *id);

/* 1 when address (case-insensitive) is a participant of ticket, 0 when
 * not, -1 on a database error. */
int store_is_participant(sqlite3 *db, unsigned long ticket,
    const char *address);

/* Adds a participant (ignored when present).  role: "requester", "cc". */
int store_participant_add(sqlite3 *db, unsigned long ticket,
    const char *address, const char *name, const char *role);

/* The id of a stored message with this Message-ID and content hash, or 0.
 * Messages without a Message-ID dedupe on the hash alone. */
int64_t store_message_dup(sqlite3 *db, const char *message_id,
    const char *hash);

struct pd_stored {
	unsigned long ticket;   /* 0: kept outside any ticket */
	const char *direction;  /* "in" or "out" */
	const char *kind;       /* "client", "agent", "note", "auto", "ack" */
	const char *automated;  /* reason, or NULL */
	const char *source;     /* source name, or NULL */
	const char *hash;       /* content hash (mac_content_hash) */
	const char *raw;
	size_t raw_len;
	const char *body;       /* text to keep, NULL: m->text (a note keeps
	                         * only its own words, not what it quotes) */
};

/* Stores m (its raw source, decoded fields and attachments) as described
 * by s.  Returns the new message id, or -1. */
int64_t store_message_add(sqlite3 *db, const struct pd_msg *m,
    const struct pd_stored *s);

/* Appends an event; ticket 0 for gateway-wide events. */
int store_event_add(sqlite3 *db, unsigned long ticket, const char *actor,
    const char *event, const char *detail);

/* Marks ticket updated now. */
int store_ticket_touch(sqlite3 *db, unsigned long ticket);

/* Source bookkeeping (UID + UIDVALIDITY per folder, SPEC §3). */
/* 1 when this UID's effects are already committed, 0 when not. */
int store_uid_done(sqlite3 *db, const char *source, const char *folder,
    uint32_t uidvalidity, uint32_t uid);
/* Records that the UID's effects are committed (message id or quarantine
 * id; pass 0 for the other). */
int store_uid_mark(sqlite3 *db, const char *source, const char *folder,
    uint32_t uidvalidity, uint32_t uid, int64_t message, int64_t quarantine);

/* Keeps raw (may be NULL when too large to fetch) in the quarantine.
 * Returns the quarantine id, or -1. */
int64_t store_quarantine_add(sqlite3 *db, const char *source,
    const char *reason, const char *raw, size_t len, size_t size);

#endif
