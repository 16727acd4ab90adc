/* store.h: the store layer, every SQL statement of the daemon and the CLI
 * (docs/conventions.md).  One file per table family:
 *
 *   store_tickets.c   tickets, links, tags, tasks
 *   store_messages.c  messages and their attachments
 *   store_contacts.c  participants
 *   store_events.c    events
 *   store_outbox.c    outbox rows (the sender's bookkeeping too)
 *   store_notes.c     the leak guard's index of notes (store_notes.h)
 *   store_time.c      time entries
 *   store_held.c      agent mail held for a confirmation
 *   store_source.c    source UIDs and the quarantine
 *   store_flood.c     flood guard counters (auto_mail, guard_notices,
 *                     recent_requests)
 *   store_report.c    the CLI's reports (store_report.h)
 *   store_plans.c     once-only notices, plan usage, SLA clocks
 *   store_digest.c    timer notices sent once, the queries of digests
 *                     and monthly reports (store_digest.h)
 *   store_blobs.c     attachments stored once by SHA-256 (blobs), the
 *                     spans cut out of raw messages (docs/storage.md)
 *
 * Thin, typed operations over db.h.  None of them begins or commits a
 * transaction: the pipeline wraps all writes of one message in one
 * transaction (docs/architecture.md), so callers decide the boundaries.  Errors follow
 * db.h: -1 on a database error (already logged), 0/1 results, outputs in
 * _r parameters. */
#ifndef PD_STORE_H
#define PD_STORE_H

#include <stdint.h>
#include <stdbool.h>
#include <sqlite3.h>
#include <glib.h>
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

/* ---- store_tickets.c ---- */

/* The ticket number after following merges (number itself when not
 * merged or on an error). */
unsigned long store_ticket_survivor(sqlite3 *db, unsigned long number);

/* Loads ticket number into *t, following merges to the survivor.  Returns 1
 * when found, 0 when not, -1 on a database error.  Free the fields with store_ticket_clear(). */
int store_ticket_get(sqlite3 *db, unsigned long number, struct pd_ticket *t);
void store_ticket_clear(struct pd_ticket *t);

/* Creates a ticket from t's subject, queue, requester, requester_name and
 * language.  The number (the next after the highest, at least first), the
 * root id (mac_root_id for domain), status, priority, type and times are
 * assigned here and set in *t.  Adds the requester as a participant and a
 * "created" event with detail. */
int store_ticket_create(sqlite3 *db, struct pd_ticket *t,
    unsigned long first, const char *domain, const char *detail);

/* Marks ticket updated now. */
int store_ticket_touch(sqlite3 *db, unsigned long ticket);

/* Writes a new status, the updated time now, resolved_at or closed_at
 * for "resolved"/"closed".  0 or -1. */
int store_ticket_set_status(sqlite3 *db, unsigned long num,
    const char *status, int64_t now);

/* One more reopen; clears resolved_at and closed_at.  0 or -1. */
int store_ticket_count_reopen(sqlite3 *db, unsigned long num);

/* Sets one column of the ticket: field is "priority", "type", "assignee",
 * "due", "client" or "status" (plain write, no times); any other name is
 * refused with -1 (logged).  0 or -1. */
int store_ticket_set_field(sqlite3 *db, unsigned long num, const char *field,
    const char *value);

/* Stores a 1-5 rating.  0 or -1. */
int store_ticket_set_rating(sqlite3 *db, unsigned long num, int rating);

/* Records the first response at now unless one is recorded.  0 or -1. */
int store_ticket_first_response(sqlite3 *db, unsigned long num, int64_t now);

/* The time of the first response (0: none yet) in *at_r.  1 when the
 * ticket exists, 0 when not, -1. */
int store_ticket_first_response_at(sqlite3 *db, unsigned long num,
    int64_t *at_r);

/* What a follow-up decides on: closed_at (0 unless closed), the reopens so
 * far, and whether the ticket is resolved or closed.  1 when found, 0
 * when not, -1. */
int store_ticket_life(sqlite3 *db, unsigned long num, int64_t *closed_at_r,
    int64_t *reopens_r, bool *finished_r);

/* Appends the numbers (int64_t) of resolved, unmerged tickets resolved at
 * or before cutoff to out.  0 or -1. */
int store_tickets_resolved_before(sqlite3 *db, int64_t cutoff, GArray *out);

/* Records that a and b are related (kind: "split", "followup", "merged";
 * ignored when known).  0 or -1. */
int store_ticket_link(sqlite3 *db, unsigned long a, unsigned long b,
    const char *kind);

/* Moves messages, time entries and participants (the requester becomes a
 * cc) of from to into and marks from merged into into.  0 or -1. */
int store_ticket_merge(sqlite3 *db, unsigned long from, unsigned long into);

/* Tags (#tag): add ignores a present tag, del a missing one.  0 or -1. */
int store_tag_add(sqlite3 *db, unsigned long num, const char *tag);
int store_tag_del(sqlite3 *db, unsigned long num, const char *tag);

/* Tasks found in a request (postdeskd(8) Tickets), numbered from 1. */
int store_task_add(sqlite3 *db, unsigned long num, unsigned idx,
    const char *text);
/* Appends the texts (g_malloc'd) of the tasks not yet split, in order.
 * 0 or -1. */
int store_tasks_pending(sqlite3 *db, unsigned long num, GPtrArray *out);
/* How many tasks are not yet split, in *n_r.  0 or -1. */
int store_tasks_pending_count(sqlite3 *db, unsigned long num, int64_t *n_r);
/* Task idx of num now lives in ticket into.  0 or -1. */
int store_task_split(sqlite3 *db, unsigned long num, unsigned idx,
    unsigned long into);

/* ---- store_contacts.c ---- */

/* 1 when address (case-insensitive) is a participant of ticket, 0 when
 * not, -1 on a database error. */
int store_is_participant(sqlite3 *db, unsigned long ticket,
    const char *address);

/* Adds a participant (ignored when present).  role: "requester", "cc". */
int store_participant_add(sqlite3 *db, unsigned long ticket,
    const char *address, const char *name, const char *role);

/* Appends address, name, address, name... (g_malloc'd) of the
 * participants of ticket, the requester first.  0 or -1. */
int store_participants(sqlite3 *db, unsigned long ticket, GPtrArray *out);

/* How many addresses of ticket from (its requester and participants,
 * case-insensitive) do not follow ticket into, in *n_r.  0 or -1. */
int store_addresses_outside(sqlite3 *db, unsigned long from,
    unsigned long into, int64_t *n_r);

/* ---- store_messages.c ---- */

/* The ticket (after merges) holding a stored message with Message-ID id
 * (without <>), or 0 (also on a database error: see
 * store_message_ticket). */
unsigned long store_ticket_by_msgid(sqlite3 *db, const char *id);

/* The ticket (as stored, before merges) of the first message with
 * Message-ID id in a ticket: 1 with *ticket_r, 0 when none, -1. */
int store_message_ticket(sqlite3 *db, const char *id, int64_t *ticket_r);

/* The id of a stored message with this Message-ID and content hash, or 0.
 * Messages without a Message-ID dedupe on the hash alone. */
int64_t store_message_dup(sqlite3 *db, const char *message_id,
    const char *hash);

struct store_prepack;

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
	const struct store_prepack *pre; /* store_prepack() of this raw and
	                         * message, or NULL: worked out here */
};

/* Stores m (its raw source, decoded fields and attachments) as described
 * by s.  Returns the new message id, or -1. */
int64_t store_message_add(sqlite3 *db, const struct pd_msg *m,
    const struct pd_stored *s);

/* The newest stored message with this Message-ID and hash: 1 with *id_r,
 * 0 when none, -1. */
int store_message_find(sqlite3 *db, const char *message_id,
    const char *hash, int64_t *id_r);

/* Message id as filed in a ticket: 1 with *ticket_r, the subject, sender
 * address and name (g_malloc'd), 0 when no such message in a ticket,
 * -1. */
int store_message_get(sqlite3 *db, int64_t id, int64_t *ticket_r,
    char **subject_r, char **from_r, char **name_r);

/* 1 when message id is filed in ticket, 0 when not, -1. */
int store_message_in_ticket(sqlite3 *db, int64_t id, unsigned long ticket);

/* Files message id into ticket.  0 or -1. */
int store_message_move(sqlite3 *db, int64_t id, unsigned long ticket);

/* The Message-ID of the newest client message of ticket (g_malloc'd), or
 * NULL when none (or on an error: it only threads a reply). */
char *store_message_last_client(sqlite3 *db, unsigned long ticket);

/* ---- store_events.c ---- */

/* Appends an event; ticket 0 for gateway-wide events. */
int store_event_add(sqlite3 *db, unsigned long ticket, const char *actor,
    const char *event, const char *detail);

/* ---- store_source.c ---- */

/* Source bookkeeping (UID + UIDVALIDITY per folder, docs/architecture.md). */
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

/* Quarantine row id: 1 with its raw bytes (NULL when none were kept), its
 * source (g_malloc'd) and the size of the whole message, 0 when no such
 * row, -1. */
int store_quarantine_get(sqlite3 *db, int64_t id, GBytes **raw_r,
    char **source_r, int64_t *size_r);

/* Sets the status of quarantine row id ("retried", "dropped"); with
 * only_held, only a row still 'held'.  1 when a row changed, 0 when none,
 * -1. */
int store_quarantine_set(sqlite3 *db, int64_t id, const char *status,
    bool only_held);

/* ---- store_held.c ---- */

/* Keeps agent mail held until the agent confirms challenge_id.  0 or -1. */
int store_held_add(sqlite3 *db, const char *agent, const char *message_id,
    const char *challenge_id, const char *reason, const char *raw,
    size_t len, const char *source);

/* The mail agent holds under challenge_id, still held: 1 with *id_r and
 * *raw_r (unref it), 0 when none, -1. */
int store_held_find(sqlite3 *db, const char *challenge_id,
    const char *agent, int64_t *id_r, GBytes **raw_r);

/* Marks held row id released.  0 or -1. */
int store_held_release(sqlite3 *db, int64_t id);

/* A held mail without a challenge (the challenge cap refused it). */
struct store_held_row {
	int64_t id;
	GBytes *raw;
	char *reason;
};

/* Appends (struct store_held_row *, free with store_held_row_free) up to
 * limit of agent's held mail still without a challenge, oldest first.
 * 0 or -1. */
int store_held_unchallenged(sqlite3 *db, const char *agent, int limit,
    GPtrArray *out);
void store_held_row_free(gpointer p);

/* Held row id now waits for challenge challenge_id.  0 or -1. */
int store_held_set_challenge(sqlite3 *db, int64_t id,
    const char *challenge_id);

/* ---- store_time.c ---- */

/* Logs minutes of agent's work on ticket.  0 or -1. */
int store_time_add(sqlite3 *db, unsigned long ticket, const char *agent,
    unsigned minutes, bool billable);

/* Billable minutes logged since since on the tickets of client, in
 * *minutes_r.  0 or -1. */
int store_time_used(sqlite3 *db, const char *client, int64_t since,
    int64_t *minutes_r);

/* ---- store_outbox.c ---- */

/* Inserts an outbox row (pending, due now): the row with the header
 * section, SHA-256 and size of data, and data whole in outbox_bodies
 * (docs/storage.md), both or neither.  Returns the row id or -1. */
int64_t store_outbox_insert(sqlite3 *db, unsigned long ticket,
    const char *kind, const char *msgid, const char *env_from,
    const char *rcpt, const char *data, size_t len);

struct store_outbox_row {
	int64_t id, ticket, attempts, created;
	char *msgid, *env_from, *rcpt;
	GBytes *data;
	char *data_hash; /* the SHA-256 of data, computed here when the row
	                  * has none yet (queued with spans,
	                  * store_outbox_insert_split), else NULL: the claim
	                  * records it (store_outbox_set_hash) */
	bool composed;   /* composed here from the row's recipe (schema 19,
	                  * compose.h): the claim records data's headers,
	                  * hash and size (store_outbox_set_composed) */
	char *error;     /* the recipe could not be composed (a corrupt
	                  * row): data is empty, the row must fail */
};

/* The pending rows due at now, oldest first, at most limit (struct
 * store_outbox_row *, freed with the array; data is the whole mail);
 * empty on an error. */
GPtrArray *store_outbox_due(sqlite3 *db, int64_t now, int limit);

/* The sender's state writes: quiet (no log line per failure, the sender
 * logs once per episode), -1 with a g_malloc'd *err_r.
 * claim: counts an attempt of row id (still at attempts) and moves
 * next_attempt to next; 0 claimed, 1 changed meanwhile (not ours). */
int store_outbox_claim(sqlite3 *db, int64_t id, int64_t attempts,
    int64_t next, char **err_r);
/* Records the outcome: sent at at (its outbox_bodies row deleted with
 * it); retry at next with error; failed with error (the body stays).
 * 0 or -1 with *err_r. */
int store_outbox_sent(sqlite3 *db, int64_t id, int64_t at, char **err_r);
int store_outbox_retry(sqlite3 *db, int64_t id, int64_t next,
    const char *error, char **err_r);
int store_outbox_failed(sqlite3 *db, int64_t id, const char *error,
    char **err_r);
/* Moves a row not tried yet to next (never earlier), attempts unchanged:
 * its domain is failing temporarily (outbox.h).  0 or -1 with *err_r. */
int store_outbox_defer(sqlite3 *db, int64_t id, int64_t next, char **err_r);

/* The earliest next_attempt of a pending row: 1 with *next_r (0 when
 * none is pending), 0 without a row, -1. */
int store_outbox_next_due(sqlite3 *db, int64_t *next_r);

/* When the mail with Message-ID msgid (without <>) was sent (its creation
 * when not yet sent) in *at_r; 0 when we never queued it.  0 or -1. */
int store_outbox_sent_at(sqlite3 *db, const char *msgid, int64_t *at_r);

/* 1 when a mail of kind about ticket with Message-ID msgid went to rcpt,
 * 0 when not, -1. */
int store_outbox_has(sqlite3 *db, const char *kind, unsigned long ticket,
    const char *msgid, const char *rcpt);

/* store_outbox_insert of a mail whose attachments' encoded text is left
 * out: data (len bytes) is the mail without them and spans (struct
 * raw_span, RAW_SPAN_B64_CRLF, in offset order; compose.h blob_spans)
 * say where each blob's text goes back.  The row references the blobs
 * (outbox_spans, schema 18, docs/storage.md) until it is sent, and
 * store_outbox_due() puts the text back.  A blob missing from the
 * database is stored first, from the attachment of atts (struct
 * pd_attachment *) with its hash.  data_size is the whole mail's;
 * data_hash waits for the sender (store_outbox_row.data_hash).  NULL or
 * empty spans: store_outbox_insert.  The row id or -1. */
int64_t store_outbox_insert_split(sqlite3 *db, unsigned long ticket,
    const char *kind, const char *msgid, const char *env_from,
    const char *rcpt, const char *data, size_t len, GArray *spans,
    GPtrArray *atts);

/* The mail of outbox row id as the sender reads it: its body with the
 * spans put back; its headers alone once sent; NULL when there is no
 * such row or on an error.  Every reader of an outbox row's mail other
 * than the sender goes through this. */
GBytes *store_outbox_mail(sqlite3 *db, int64_t id);

/* Records hash as row id's data_hash where it has none.  0 or -1 with
 * *err_r (quiet, as the sender's other writes). */
int store_outbox_set_hash(sqlite3 *db, int64_t id, const char *hash,
    char **err_r);

/* ---- store_flood.c ---- */

/* Automatic mail counted since since (exclusive) and not capped: to
 * domain (domain true), or to rcpt value, challenges apart.  0 with *n_r,
 * or -1. */
int store_flood_count(sqlite3 *db, bool domain, bool challenge,
    const char *value, int64_t since, int64_t *n_r);

/* Records a mail (or a capped attempt) at now; forgets rows older than
 * forget_before.  0 or -1. */
int store_flood_record(sqlite3 *db, const char *rcpt, const char *domain,
    const char *kind, unsigned long ticket, bool capped, int64_t now,
    int64_t forget_before);

/* The admin notice for key: 1 when none went out since told_after (now
 * recorded as told at now), 0 when one did (the hit is counted), -1. */
int store_flood_notice(sqlite3 *db, const char *key, int64_t now,
    int64_t told_after);

struct store_recent {
	char *sender;
	unsigned long ticket;
	char *text;
};

/* The recent requests of domain since since (exclusive), newest first, at
 * most limit, appended to out (struct store_recent *; free with
 * store_recent_free).  0 or -1. */
int store_flood_recent(sqlite3 *db, const char *domain, int64_t since,
    int limit, GPtrArray *out);
void store_recent_free(gpointer p);

/* Remembers a request; forgets those at or before forget_upto.  0 or
 * -1. */
int store_flood_recent_add(sqlite3 *db, const char *sender,
    const char *domain, unsigned long ticket, const char *text, int64_t now,
    int64_t forget_upto);

/* ---- store_bounces.c: failing addresses (postdesk.conf(5) BOUNCES) ---- */

/* Is address failing at now (its hold not over)?  1 with *since_r and
 * *reason_r (g_malloc'd; each may be NULL), 0 when not, -1. */
int store_failing_get(sqlite3 *db, const char *address, int64_t now,
    int64_t *since_r, char **reason_r);

/* Marks address failing from now until until for reason, found on
 * ticket (0: none).  An address already failing keeps its since and
 * told, its until and reason move; one whose hold was over starts a new
 * period.  Returns 1 when the agents are still to be told of this period
 * (and records them as told), 0 when they were told, -1. */
int store_failing_mark(sqlite3 *db, const char *address, int64_t now,
    int64_t until, const char *reason, unsigned long ticket);

/* Forgets that address was failing.  1 when it was (hold not over at
 * now), 0 when not, -1. */
int store_failing_clear(sqlite3 *db, const char *address, int64_t now);
/* ---- store_plans.c ---- */

/* Claims the once-only notice (kind, subject, period, threshold) at now:
 * 1 when this call recorded it (the caller queues the notice in the same
 * transaction), 0 when it was recorded before (send nothing), -1. */
int store_notice_claim(sqlite3 *db, const char *kind, const char *subject,
    const char *period, int64_t threshold, int64_t now);

/* Billable minutes logged in [from, to) on the tickets of client, in
 * *minutes_r.  0 or -1. */
int store_time_used_between(sqlite3 *db, const char *client, int64_t from,
    int64_t to, int64_t *minutes_r);

/* Appends the names (g_malloc'd) of the clients with billable time logged
 * in [from, to).  0 or -1. */
int store_time_clients(sqlite3 *db, int64_t from, int64_t to, GPtrArray *out);

/* Appends address, name, language (g_malloc'd) of each requester and
 * participant of client's tickets created or updated at or after since,
 * at most limit addresses.  0 or -1. */
int store_client_contacts(sqlite3 *db, const char *client, int64_t since,
    int limit, GPtrArray *out);

/* The language of the newest ticket address takes part in: 1 with *lang_r
 * (g_malloc'd), 0 when none, -1. */
int store_contact_language(sqlite3 *db, const char *address, char **lang_r);

/* The queue of client's newest ticket, whose voice its plan notices and
 * reports speak with: 1 with *queue_r (g_malloc'd), 0 when it has no
 * ticket, -1. */
int store_client_queue(sqlite3 *db, const char *client, char **queue_r);

/* A ticket whose SLA clocks still run (not resolved, closed or merged). */
struct store_sla_row {
	unsigned long number;
	int64_t created;
	int64_t first_response; /* 0: none yet */
	int64_t paused_seconds; /* business seconds spent waiting */
	int64_t paused_since;   /* 0: not waiting now */
	char *status, *priority;
	char *due;              /* "YYYY-MM-DD" or "" */
};

/* Appends (struct store_sla_row *, free with store_sla_row_free) every
 * ticket whose clocks run, by number.  0 or -1. */
int store_sla_open(sqlite3 *db, GPtrArray *out);
void store_sla_row_free(gpointer p);

/* The resolution clock of num stops at now (kept when stopped).  0 or
 * -1. */
int store_sla_pause(sqlite3 *db, unsigned long num, int64_t now);
/* Since when num's clock is stopped: 1 with *since_r, 0 when it runs,
 * -1. */
int store_sla_paused_since(sqlite3 *db, unsigned long num, int64_t *since_r);
/* The clock of num runs again; add business seconds count as paused.
 * 0 or -1. */
int store_sla_resume(sqlite3 *db, unsigned long num, int64_t add);
/* ---- store_source.c: what `postdesk status` shows ---- */

/* Records what the fetch worker of source saw, each part only when given:
 * connected 1/0 (-1: unchanged), backlog the messages waiting in its
 * folder at the last listing (-1: no listing now), error the last error
 * (NULL: none now; also kept among the last 100 errors).  One small
 * statement outside any message's transaction (fetch.c).  0 or -1. */
int store_source_seen(sqlite3 *db, const char *source, int connected,
    int64_t backlog, const char *error);

/* ---- store_blobs.c (docs/storage.md) ---- */

/* The hex SHA-256 of data (libsodium crypto_hash_sha256) into out. */
void blob_hash(const void *data, size_t len, char out[65]);
/* blob_hash() of a's data, worked out once and kept in a->hash: a
 * message's attachments are named by hash where the raw is split, where
 * they are stored and in each mail that carries them (compose_resolve),
 * 100 KB files among them.  Owned by a; the same thread as a's other
 * users. */
const char *attachment_hash(struct pd_attachment *a);

/* Stores data once under hash (blob_hash of data: attachment_hash for
 * an attachment), keeping the row that is already there.  0 or -1. */
int store_blob_put_hashed(sqlite3 *db, const void *data, size_t len,
    const char hash[65]);

/* The blob with hash, or NULL when there is none (or on an error). */
GBytes *store_blob_get(sqlite3 *db, const char *hash);

/* Where an attachment's encoded text was cut out of a raw message. */
struct raw_span {
	size_t at;       /* in the raw without the span (shortened) */
	size_t len;      /* of the encoded text cut out */
	int form;        /* how to encode the blob again */
	char blob[65];   /* its hash */
};

/* The raw message with the text of each attachment of atts (struct
 * pd_attachment *) that we can write again byte for byte cut out, the
 * spans appended to spans (struct raw_span), in order.  Pure: writes
 * nothing.  The attachments must be stored as blobs for the spans to be
 * read back. */
GByteArray *store_raw_split(const void *raw, size_t len, GPtrArray *atts,
    GArray *spans);

/* What store_raw_split left, as stored: deflated (*format_r 1) when that
 * is smaller, else as it is (*format_r 0).  Never NULL. */
GBytes *store_raw_pack(GByteArray *raw, int *format_r);

/* Records the spans of message.  0 or -1. */
int store_raw_spans_add(sqlite3 *db, int64_t message, GArray *spans);

/* Attachments smaller than this stay inside a stored raw message or
 * queued mail: the span row would cost about as much as it saves. */
#define RAW_SPAN_MIN 2048

/* The length of the text a span of form RAW_SPAN_B64_CRLF puts back for
 * a blob of n bytes (lines of 76 characters and CRLF, the last too). */
#define RAW_SPAN_B64_CRLF 1
size_t store_span_b64_len(size_t n);

/* Appends raw (len bytes, a stored raw or queued mail without its spans)
 * to out with the spans put back.  spans is a statement whose rows are
 * (offset, form, blob data) in offset order; it is stepped to its end,
 * not finalized.  0, or -1 on a database error or a span out of place
 * (out then holds part of the text). */
int store_spans_put_back(sqlite3_stmt *spans, const void *raw, size_t len,
    GByteArray *out);

/* The raw message id as it was received (its spans put back), or NULL
 * when there is none or on an error.  Every reader of messages.raw goes
 * through this. */
GBytes *store_message_raw(sqlite3 *db, int64_t id);

/* A message's text as messages.body_z stores it (schema 16): deflated
 * (zlib, level 3), or NULL when that gains nothing (short texts), and then
 * the text goes in messages.body as it is.  The caller unrefs. */
GBytes *store_text_pack(const char *text);

/* Registers the SQL functions pd_sha256(x) (hex SHA-256), pd_headers(x)
 * (the header section of a mail), which the migrations and the outbox
 * use, and pd_body(body, body_z) (a message's text, whichever way it is
 * stored: every reader of messages' text goes through it) on db, and
 * those of store_search_functions (the triggers of search_fts ask one).
 * 0 or -1. */
int store_sql_functions(sqlite3 *db);

/* Merges the search index (search_fts) by at most about pages leaves,
 * unless a message was stored at quiet_since or later.  FTS5's own
 * automerge does this work inside the transaction of every message
 * stored, the more of it the bigger the index; with automerge off
 * (docs/storage.md) it waits here for a quiet desk.  Returns 1 when it merged, 0 when there was nothing to do
 * or the desk was busy, -1 on an error (logged). */
int store_search_merge(sqlite3 *db, int64_t quiet_since, int64_t pages);

/* store_message_add()'s pure work on a message, done ahead: the raw split
 * and deflated, the text deflated, each attachment's hash (kept on the
 * attachment: attachment_hash).  A batch does
 * it while it parses, on the thread that fetches, not on the one that
 * holds the write transaction (pipeline.h, docs/architecture.md).  Reads
 * only raw and m (no database); store_message_add uses what matches what
 * it stores (the same raw, m->text as the body) and
 * works out the rest, so the rows are the same either way. */
struct store_prepack {
	const void *raw;        /* what it was made of (borrowed) */
	size_t raw_len;
	const char *text;       /* the text packed: m->text (borrowed) */
	GBytes *packed;         /* store_raw_pack() of the split raw */
	int format;
	GArray *spans;          /* struct raw_span, from store_raw_split() */
	GBytes *text_z;         /* store_text_pack(text) (may be NULL) */
};

void store_prepack(struct store_prepack *p, const struct pd_msg *m,
    const void *raw, size_t len);
/* Frees what p holds (a zeroed p too). */
void store_prepack_clear(struct store_prepack *p);

/* Registers on db the SQL functions of a batch's deferred indexing:
 * pd_fts_now(id), which the triggers of search_fts ask whether to index
 * message id now (schema 17), and pd_fts_batch(floor), which the
 * functions below set (docs/storage.md, "One segment per batch").  Called
 * by store_sql_functions.  0 or -1. */
int store_search_functions(sqlite3 *db);

/* Group commit's indexing (pipeline_deliver_batch): inside the open
 * transaction, the triggers stop indexing the messages added after this
 * call (and their attachments); store_search_catch_up then indexes them
 * all with one INSERT before the commit, so FTS5 writes one segment for
 * the batch instead of one at every savepoint, and what commits is
 * indexed exactly (a message rolled back to its savepoint is not there to
 * be indexed).  Messages stored before keep their live triggers.  Not
 * nested.  Every path that calls store_search_defer must end with
 * store_search_catch_up before its commit, or store_search_live after its
 * rollback: until then every message this connection adds goes
 * unindexed.  store_search_defer and store_search_catch_up return 0 or -1
 * (logged); after a -1 of either the caller rolls back and calls
 * store_search_live. */
int store_search_defer(sqlite3 *db);
int store_search_catch_up(sqlite3 *db);
void store_search_live(sqlite3 *db);

/* ---- store_outbox.c: queued recipes (schema 19, docs/storage.md) ---- */

/* Inserts an outbox row (pending, due now) whose mail the sender
 * composes: recipe (rlen bytes, compose_resolve's GVariant serialised)
 * in outbox_recipes, and each attachment of atts (struct pd_attachment
 * *, in the recipe's order; hashes are compose_recipe_blobs() of the
 * recipe) stored as a blob unless it is one already, and referenced in
 * outbox_recipe_blobs.  outbox.data is empty and data_hash and data_size
 * NULL until the first claim (store_outbox_set_composed).  All or
 * nothing.  The row id or -1. */
int64_t store_outbox_insert_recipe(sqlite3 *db, unsigned long ticket,
    const char *kind, const char *msgid, const char *env_from,
    const char *rcpt, const void *recipe, size_t rlen, GPtrArray *atts,
    GPtrArray *hashes);

/* Records the mail (len bytes) composed from row id's recipe: its header
 * section as outbox.data, its SHA-256 (hash) and size, where the row has
 * no hash yet.  0 or -1 with *err_r (quiet, as the sender's writes). */
int store_outbox_set_composed(sqlite3 *db, int64_t id, const void *data,
    size_t len, const char *hash, char **err_r);

/* Appends the text a span of form RAW_SPAN_B64_CRLF puts back for the
 * len bytes of data to out (store_span_b64_len(len) bytes). */
void store_span_b64_append(GByteArray *out, const void *data, size_t len);

#endif
