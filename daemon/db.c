/* db.c: see db.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>
#include "db.h"
#include "fts_words.h"
#include "log.h"
#include "store.h"

/* Here sqlite3_finalize is SQLite's own (db.h maps it to db_finalize). */
#undef sqlite3_finalize

/* Schema v1.  Every message is kept raw, forever (docs/upgrade.md). */
static const char schema_v1[] =
"CREATE TABLE tickets ("
"  number INTEGER PRIMARY KEY,"
"  subject TEXT NOT NULL,"
"  status TEXT NOT NULL DEFAULT 'new',"
"  priority TEXT NOT NULL DEFAULT 'normal',"
"  type TEXT NOT NULL DEFAULT 'question',"
"  queue TEXT NOT NULL,"
"  client TEXT,"
"  requester TEXT NOT NULL,"
"  requester_name TEXT NOT NULL DEFAULT '',"
"  language TEXT NOT NULL DEFAULT 'en',"
"  assignee TEXT,"
"  root_id TEXT NOT NULL,"
"  merged_into INTEGER REFERENCES tickets(number),"
"  created INTEGER NOT NULL,"
"  updated INTEGER NOT NULL,"
"  first_response INTEGER,"
"  resolved_at INTEGER,"
"  closed_at INTEGER,"
"  reopens INTEGER NOT NULL DEFAULT 0,"
"  rating INTEGER"
") STRICT;"
"CREATE TABLE messages ("
"  id INTEGER PRIMARY KEY,"
"  ticket INTEGER REFERENCES tickets(number),"
"  direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),"
"  kind TEXT NOT NULL DEFAULT 'client',"
"  message_id TEXT NOT NULL,"
"  in_reply_to TEXT NOT NULL DEFAULT '',"
"  refs TEXT NOT NULL DEFAULT '',"
"  from_addr TEXT NOT NULL DEFAULT '',"
"  from_name TEXT NOT NULL DEFAULT '',"
"  to_addrs TEXT NOT NULL DEFAULT '',"
"  cc_addrs TEXT NOT NULL DEFAULT '',"
"  subject TEXT NOT NULL DEFAULT '',"
"  body TEXT NOT NULL DEFAULT '',"
"  automated TEXT,"
"  content_hash TEXT NOT NULL,"
"  source TEXT,"
"  raw BLOB NOT NULL,"
"  created INTEGER NOT NULL"
") STRICT;"
"CREATE UNIQUE INDEX messages_dedupe ON messages(message_id, content_hash);"
"CREATE INDEX messages_ticket ON messages(ticket);"
"CREATE TABLE attachments ("
"  id INTEGER PRIMARY KEY,"
"  message INTEGER NOT NULL REFERENCES messages(id),"
"  filename TEXT NOT NULL,"
"  content_type TEXT NOT NULL,"
"  size INTEGER NOT NULL,"
"  data BLOB"
") STRICT;"
"CREATE INDEX attachments_message ON attachments(message);"
"CREATE TABLE participants ("
"  ticket INTEGER NOT NULL REFERENCES tickets(number),"
"  address TEXT NOT NULL,"
"  name TEXT NOT NULL DEFAULT '',"
"  role TEXT NOT NULL,"
"  PRIMARY KEY (ticket, address)"
") STRICT;"
"CREATE TABLE events ("
"  id INTEGER PRIMARY KEY,"
"  ticket INTEGER REFERENCES tickets(number),"
"  at INTEGER NOT NULL,"
"  actor TEXT NOT NULL,"
"  event TEXT NOT NULL,"
"  detail TEXT NOT NULL DEFAULT ''"
") STRICT;"
"CREATE INDEX events_ticket ON events(ticket);"
"CREATE TABLE outbox ("
"  id INTEGER PRIMARY KEY,"
"  ticket INTEGER,"
"  kind TEXT NOT NULL,"
"  message_id TEXT NOT NULL,"
"  env_from TEXT NOT NULL,"
"  rcpt TEXT NOT NULL,"
"  data BLOB NOT NULL,"
"  status TEXT NOT NULL DEFAULT 'pending'"
"    CHECK (status IN ('pending', 'sent', 'failed')),"
"  attempts INTEGER NOT NULL DEFAULT 0,"
"  next_attempt INTEGER NOT NULL,"
"  last_error TEXT NOT NULL DEFAULT '',"
"  created INTEGER NOT NULL,"
"  sent_at INTEGER"
") STRICT;"
"CREATE INDEX outbox_due ON outbox(status, next_attempt);"
"CREATE TABLE source_uids ("
"  source TEXT NOT NULL,"
"  folder TEXT NOT NULL,"
"  uidvalidity INTEGER NOT NULL,"
"  uid INTEGER NOT NULL,"
"  message INTEGER,"
"  quarantine INTEGER,"
"  at INTEGER NOT NULL,"
"  PRIMARY KEY (source, folder, uidvalidity, uid)"
") STRICT;"
"CREATE TABLE quarantine ("
"  id INTEGER PRIMARY KEY,"
"  source TEXT NOT NULL,"
"  reason TEXT NOT NULL,"
"  size INTEGER NOT NULL,"
"  raw BLOB,"
"  status TEXT NOT NULL DEFAULT 'held',"
"  created INTEGER NOT NULL"
") STRICT;"
"CREATE VIRTUAL TABLE messages_fts USING fts5(subject, body,"
"  content='messages', content_rowid='id');"
"CREATE TRIGGER messages_fts_ins AFTER INSERT ON messages BEGIN"
"  INSERT INTO messages_fts(rowid, subject, body)"
"    VALUES (new.id, new.subject, new.body);"
"END;";

/* v2: the ticket lifecycle (postdeskd(8) Tickets): links between tickets (split,
 * follow-up after closing, merge, mention), the tasks found in a request
 * until the client answers "split", and logged time. */
static const char schema_v2[] =
"CREATE TABLE ticket_links ("
"  a INTEGER NOT NULL REFERENCES tickets(number),"
"  b INTEGER NOT NULL REFERENCES tickets(number),"
"  kind TEXT NOT NULL,"
"  at INTEGER NOT NULL,"
"  PRIMARY KEY (a, b, kind)"
") STRICT;"
"CREATE TABLE tasks ("
"  ticket INTEGER NOT NULL REFERENCES tickets(number),"
"  idx INTEGER NOT NULL,"
"  text TEXT NOT NULL,"
"  split_into INTEGER REFERENCES tickets(number),"
"  PRIMARY KEY (ticket, idx)"
") STRICT;"
"CREATE TABLE time_entries ("
"  id INTEGER PRIMARY KEY,"
"  ticket INTEGER NOT NULL REFERENCES tickets(number),"
"  agent TEXT NOT NULL,"
"  minutes INTEGER NOT NULL,"
"  billable INTEGER NOT NULL DEFAULT 1,"
"  at INTEGER NOT NULL"
") STRICT;"
"CREATE INDEX time_entries_ticket ON time_entries(ticket);"
"CREATE INDEX tickets_status ON tickets(status);";

/* v3: agents by mail (postdesk.conf(5) THREAT MODEL): tags, the promised date, the client
 * organisation, and agent mail held until the agent confirms it. */
static const char schema_v3[] =
"CREATE TABLE ticket_tags ("
"  ticket INTEGER NOT NULL REFERENCES tickets(number),"
"  tag TEXT NOT NULL,"
"  PRIMARY KEY (ticket, tag)"
") STRICT;"
"ALTER TABLE tickets ADD COLUMN due TEXT;"
"CREATE TABLE held ("
"  id INTEGER PRIMARY KEY,"
"  agent TEXT NOT NULL,"
"  message_id TEXT NOT NULL,"
"  challenge_id TEXT NOT NULL,"
"  reason TEXT NOT NULL,"
"  raw BLOB NOT NULL,"
"  source TEXT,"
"  status TEXT NOT NULL DEFAULT 'held',"
"  created INTEGER NOT NULL"
") STRICT;"
"CREATE INDEX held_challenge ON held(challenge_id);";

/* v4: an agent's reply proves the agent
 * only as long as the id it answers is young (postdesk.conf(5) THREAT
 * MODEL): identity.c finds when that id left in the outbox, by id. */
static const char schema_v4[] =
"CREATE INDEX outbox_message_id ON outbox(message_id);";

/* v5: the note leak guard's index (postdesk.conf(5) THREAT MODEL, store_notes.h): feature hashes
 * of each note's text (leakguard_features) and content hashes of its
 * attachments, looked up by hash when a client-bound mail is checked. */
static const char schema_v5[] =
"CREATE TABLE note_features ("
"  hash INTEGER NOT NULL,"
"  note INTEGER NOT NULL REFERENCES messages(id),"
"  PRIMARY KEY (hash, note)"
") STRICT, WITHOUT ROWID;"
"CREATE TABLE note_files ("
"  hash TEXT NOT NULL,"
"  note INTEGER NOT NULL REFERENCES messages(id),"
"  PRIMARY KEY (hash, note)"
") STRICT, WITHOUT ROWID;"
/* Notes stored before the index: indexed (and removed from here) by the
 * first checks after the upgrade, a bounded number at a time. */
"CREATE TABLE note_unindexed ("
"  note INTEGER PRIMARY KEY REFERENCES messages(id)"
") STRICT;"
"INSERT INTO note_unindexed SELECT id FROM messages WHERE kind = 'note';";

/* v6: flood guards (postdesk.conf(5) floods): every automatic mail queued or refused by a
 * cap (sliding windows per recipient and domain), recent new requests to
 * find near-identical ones, and when the admin was last told about a
 * guard hit for a key (once per key and day). */
static const char schema_v6[] =
"CREATE TABLE auto_mail ("
"  id INTEGER PRIMARY KEY,"
"  rcpt TEXT NOT NULL COLLATE NOCASE,"
"  domain TEXT NOT NULL COLLATE NOCASE,"
"  kind TEXT NOT NULL,"
"  ticket INTEGER,"
"  capped INTEGER NOT NULL DEFAULT 0,"
"  at INTEGER NOT NULL"
") STRICT;"
"CREATE INDEX auto_mail_rcpt ON auto_mail(rcpt, at);"
"CREATE INDEX auto_mail_domain ON auto_mail(domain, at);"
"CREATE INDEX auto_mail_at ON auto_mail(at);"
"CREATE TABLE recent_requests ("
"  id INTEGER PRIMARY KEY,"
"  sender TEXT NOT NULL COLLATE NOCASE,"
"  domain TEXT NOT NULL COLLATE NOCASE,"
"  ticket INTEGER NOT NULL,"
"  text TEXT NOT NULL,"
"  at INTEGER NOT NULL"
") STRICT;"
"CREATE INDEX recent_requests_domain ON recent_requests(domain, at);"
"CREATE INDEX recent_requests_at ON recent_requests(at);"
"CREATE TABLE guard_notices ("
"  key TEXT PRIMARY KEY,"
"  told_at INTEGER NOT NULL,"
"  hits INTEGER NOT NULL DEFAULT 0,"
"  last_at INTEGER NOT NULL"
") STRICT;";

/* Addresses our mail to fails permanently (postdesk.conf(5) BOUNCES): no
 * automatic mail goes to one until `until`; told is 1 once the ticket's
 * agents heard of this failing period. */
static const char schema_v7[] =
"CREATE TABLE failing_addresses ("
"  address TEXT PRIMARY KEY COLLATE NOCASE,"
"  since INTEGER NOT NULL,"
"  until INTEGER NOT NULL,"
"  reason TEXT NOT NULL,"
"  ticket INTEGER,"
"  told INTEGER NOT NULL DEFAULT 0"
") STRICT;";

/* v8: limit and
 * deadline notices (postdesk.conf(5) "plans", "sla").  notices_sent holds
 * one row per notice that may go out once (a plan threshold of a client in
 * a month, an SLA warning or breach of a ticket, a promised date's
 * warning or miss): the notice's outbox rows are queued only by the
 * transaction whose INSERT OR IGNORE added the row, so two time entries in
 * the same second, a job run twice or a restart never send it again.  The
 * resolution clock stops while a ticket waits for the client:
 * paused_seconds (business seconds) and paused_since (while waiting). */
static const char schema_v8[] =
"CREATE TABLE notices_sent ("
"  kind TEXT NOT NULL,"
"  subject TEXT NOT NULL,"
"  period TEXT NOT NULL,"
"  threshold INTEGER NOT NULL,"
"  at INTEGER NOT NULL,"
"  PRIMARY KEY (kind, subject, period, threshold)"
") STRICT, WITHOUT ROWID;"
"ALTER TABLE tickets ADD COLUMN paused_seconds INTEGER NOT NULL DEFAULT 0;"
"ALTER TABLE tickets ADD COLUMN paused_since INTEGER;"
"CREATE INDEX time_entries_at ON time_entries(at);";

/* v9: the CLI (postdesk(1)).
 * search_fts replaces messages_fts: subjects, texts AND attachment names,
 * with the trigram tokenizer (SQLite >= 3.34, Debian 12 has 3.40).  Why
 * trigrams rather than a stemming tokenizer: case folding (Cyrillic too)
 * comes with it, any substring matches (so "принтер" finds "принтера",
 * "ПРИНТЕРЫ", and "invoice" finds "invoice_2024.pdf"), and it needs no C
 * tokenizer of our own nor a new library (libstemmer); the query side
 * (store_search.c) strips the common Russian and English endings from
 * each word users type, which is all a stemmer would add for search.
 * The cost is an index about three times the text, and words shorter than
 * three letters cannot be searched.
 * source_status: what each fetch worker last saw (fetch.c, written
 * outside any message transaction), and recent_errors, the last errors,
 * for `postdesk status`. */
static const char schema_v9[] =
"DROP TRIGGER IF EXISTS messages_fts_ins;"
"DROP TABLE IF EXISTS messages_fts;"
"CREATE VIRTUAL TABLE search_fts USING fts5(subject, body, files,"
"  tokenize = 'trigram');"
"INSERT INTO search_fts(rowid, subject, body, files)"
"  SELECT m.id, m.subject, m.body, COALESCE((SELECT group_concat("
"    a.filename, ' ') FROM attachments a WHERE a.message = m.id), '')"
"  FROM messages m;"
"CREATE TRIGGER search_fts_msg AFTER INSERT ON messages BEGIN"
"  INSERT INTO search_fts(rowid, subject, body, files)"
"    VALUES (new.id, new.subject, new.body, '');"
"END;"
"CREATE TRIGGER search_fts_file AFTER INSERT ON attachments BEGIN"
"  UPDATE search_fts SET files = trim(files || ' ' || new.filename)"
"    WHERE rowid = new.message;"
"END;"
"CREATE TABLE source_status ("
"  source TEXT PRIMARY KEY,"
"  connected INTEGER NOT NULL DEFAULT 0,"
"  connected_at INTEGER,"
"  last_fetch INTEGER,"
"  backlog INTEGER NOT NULL DEFAULT 0,"
"  last_error TEXT NOT NULL DEFAULT '',"
"  last_error_at INTEGER,"
"  updated INTEGER NOT NULL"
") STRICT;"
"CREATE TABLE recent_errors ("
"  id INTEGER PRIMARY KEY,"
"  at INTEGER NOT NULL,"
"  source TEXT NOT NULL,"
"  error TEXT NOT NULL"
") STRICT;";

/* v10: timer notices sent once (digests per agent and slot, monthly
 * reports per client and month; scheduler.c): the key row commits in the
 * same transaction as the outbox rows, so a restart neither repeats nor
 * skips one.  A created index for the digests' query of waiting tickets
 * by status comes with v2 (tickets_status). */
static const char schema_v10[] =
"CREATE TABLE timer_notices ("
"  key TEXT PRIMARY KEY,"
"  at INTEGER NOT NULL"
") STRICT;"
"CREATE INDEX tickets_client ON tickets(client, created);"
"CREATE INDEX events_event ON events(event, at);";

/* v11: the FAQ entries agents make with "#faq Title" on an answer (faq.h;
 * the canned answer files are the other half of the knowledge base).
 * The full-text index of both is built per request in memory
 * (store_faq.c): a few hundred entries, and the files may change at any
 * time. */
static const char schema_v11[] =
"CREATE TABLE faq_entries ("
"  id INTEGER PRIMARY KEY,"
"  ticket INTEGER REFERENCES tickets(number),"
"  title TEXT NOT NULL,"
"  keywords TEXT NOT NULL DEFAULT '',"
"  language TEXT,"
"  body TEXT NOT NULL,"
"  author TEXT NOT NULL DEFAULT '',"
"  created INTEGER NOT NULL"
") STRICT;";

/* v12: one copy of each attachment (docs/storage.md).  Decoded
 * attachments move to blobs, keyed by their SHA-256 (pd_sha256, a
 * function of store_blobs.c registered by db_open); raw_spans says where
 * an attachment's encoded text was cut out of a stored raw message (new
 * messages only: the raw of older ones stays whole); raw_format 1 is a
 * raw stored deflated (store_blobs.c).  A sent outbox row
 * keeps its headers, the SHA-256 and the size of what was sent. */
static const char schema_v12[] =
"CREATE TABLE blobs ("
"  hash TEXT PRIMARY KEY,"
"  size INTEGER NOT NULL,"
"  data BLOB NOT NULL"
") STRICT;"
"ALTER TABLE attachments ADD COLUMN blob TEXT REFERENCES blobs(hash);"
"INSERT INTO blobs (hash, size, data)"
"  SELECT pd_sha256(data), length(data), data FROM attachments"
"  WHERE data IS NOT NULL ON CONFLICT (hash) DO NOTHING;"
"UPDATE attachments SET blob = pd_sha256(data), data = NULL"
"  WHERE data IS NOT NULL;"
"CREATE TABLE raw_spans ("
"  message INTEGER NOT NULL REFERENCES messages(id),"
"  offset INTEGER NOT NULL,"
"  blob TEXT NOT NULL REFERENCES blobs(hash),"
"  form INTEGER NOT NULL,"
"  PRIMARY KEY (message, offset)"
") STRICT, WITHOUT ROWID;"
"ALTER TABLE messages ADD COLUMN raw_format INTEGER NOT NULL DEFAULT 0;"
"ALTER TABLE outbox ADD COLUMN data_hash TEXT;"
"ALTER TABLE outbox ADD COLUMN data_size INTEGER;"
"UPDATE outbox SET data_hash = pd_sha256(data), data_size = length(data),"
"  data = pd_headers(data) WHERE status = 'sent';";

/* Version 13 (issue 13, docs/storage.md): search_fts keeps no copy of
 * the text.  It becomes an external-content FTS5 table over the view
 * search_src (the subject and body of messages, and the names of their
 * attachments in id order), so snippet() reads the text from messages;
 * only the trigram index is stored (detail=full stays: with the trigram
 * tokenizer a word is a phrase of trigrams, and SQLite 3.40 refuses
 * phrase queries on detail=column or none).  The triggers keep the index
 * in step: a new message is indexed with no file names; a new attachment
 * takes the message's row out of the index with exactly the values it
 * was indexed with (the view's names but the new one) and puts it back
 * from the view.  Messages are never deleted and their subject and body
 * never change; a merge changes only messages.ticket.
 * automerge 16 (FTS5's default is 4): the index is merged in levels of 16
 * segments instead of 4, so each trigram is rewritten about half as
 * often as the index grows; FTS5's merge work per insert is proportional
 * to the number of levels: indexing 2,000 messages in 118 transactions
 * took 0.4 to 0.9 s beside 200,000 messages with 4, 0.14 to 0.21 s with
 * 8 or 16, and 0.09 s in an empty table (README Performance).  A search
 * reads a few more segments.
 * (The timer jobs need no new index: they read the tickets not resolved
 * or closed by status, through tickets_status of v2.) */
static const char schema_v13[] =
"DROP TRIGGER IF EXISTS search_fts_msg;"
"DROP TRIGGER IF EXISTS search_fts_file;"
"DROP TABLE IF EXISTS search_fts;"
"CREATE VIEW search_src AS SELECT m.id AS id, m.subject AS subject,"
"  m.body AS body, COALESCE((SELECT group_concat(f.filename, ' ') FROM"
"  (SELECT a.filename FROM attachments a WHERE a.message = m.id"
"  ORDER BY a.id) f), '') AS files FROM messages m;"
"CREATE VIRTUAL TABLE search_fts USING fts5(subject, body, files,"
"  tokenize = 'trigram', content = 'search_src', content_rowid = 'id');"
"INSERT INTO search_fts(search_fts) VALUES ('rebuild');"
"INSERT INTO search_fts(search_fts, rank) VALUES ('automerge', 16);"
"CREATE TRIGGER search_fts_msg AFTER INSERT ON messages BEGIN"
"  INSERT INTO search_fts(rowid, subject, body, files)"
"    VALUES (new.id, new.subject, new.body, '');"
"END;"
"CREATE TRIGGER search_fts_file AFTER INSERT ON attachments BEGIN"
"  INSERT INTO search_fts(search_fts, rowid, subject, body, files)"
"    SELECT 'delete', m.id, m.subject, m.body, COALESCE((SELECT"
"    group_concat(f.filename, ' ') FROM (SELECT a.filename FROM"
"    attachments a WHERE a.message = m.id AND a.id <> new.id"
"    ORDER BY a.id) f), '') FROM messages m WHERE m.id = new.message;"
"  INSERT INTO search_fts(rowid, subject, body, files)"
"    SELECT id, subject, body, files FROM search_src"
"    WHERE id = new.message;"
"END;";

/* Version 14 (issue 13, docs/storage.md): search_fts indexes words, not
 * trigrams.  The tokenizer pd_words (fts_words.h: unicode61 with
 * remove_diacritics 2, each CJK character a token, "ё" read as "е") is
 * registered on every connection by db_open, db_open_ro and
 * db_create_at.  The query side (cli_list.c) strips the typed word's
 * ending (stem.h) and asks for every word that begins with the stem
 * ("stem"*), which finds the other forms of a Russian or English word as
 * the trigrams did, and a CJK word as a phrase of its characters; a part
 * inside a word ("straße" in "Hauptstraße") is no longer found.  On the
 * benchmark's mix the index is 3.8 KB per message instead of 18.7 KB, and
 * ingest writes each word once instead of about one trigram per
 * character.  detail=full stays: phrases (CJK words, a word typed with a
 * hyphen or a dot inside) need positions, and bm25() and snippet() read
 * them from the index; with detail=column or none FTS5 tokenizes every
 * matching message again to rank it (7 times slower on the benchmark's
 * database) for 2.0 or 2.8 KB per message less.  No prefix= index: one
 * for prefixes of 2 and 3 characters more than doubles the index, and a
 * stem's prefix query is fast without it.  The view and the triggers
 * of v13 stay (a trigger names the index only in its body, so it follows
 * the new table of the same name); 'rebuild' indexes the stored messages
 * again from the view.  automerge 0 and crisismerge 64 (FTS5 keeps both
 * in the index):
 * FTS5 writes a segment at every savepoint, one per message, and with
 * automerge each segment paid merge work in proportion to the index's
 * levels, which grow with the database (at a million tickets 909
 * messages wrote 31,154 index blocks against 6,028 in an empty
 * database).  The search-merge timer job merges while no mail comes
 * (store_search.c); a desk never quiet gets FTS5's crisis merges, of 64
 * segments of one level at once (docs/storage.md). */
static const char schema_v14[] =
"DROP TABLE IF EXISTS search_fts;"
"CREATE VIRTUAL TABLE search_fts USING fts5(subject, body, files,"
"  tokenize = 'pd_words', content = 'search_src', content_rowid = 'id');"
"INSERT INTO search_fts(search_fts) VALUES ('rebuild');"
"INSERT INTO search_fts(search_fts, rank) VALUES ('automerge', 0);"
"INSERT INTO search_fts(search_fts, rank) VALUES ('crisismerge', 64);";

/* Version 15 (issue 13, docs/storage.md): the whole mail of an outbox
 * row lives in outbox_bodies until it is sent; outbox.data holds only
 * its header section, and data_hash and data_size (the SHA-256 and the
 * size of the whole mail) are set when the row is queued.  Before, a
 * row was queued with the whole mail in outbox.data and shrank to its
 * headers when sent: SQLite merges a b-tree page only when it is more
 * than two thirds empty, so the outbox's pages stayed mostly empty (3.2
 * of its 4.75 MB on the benchmark's database).  Now outbox rows never
 * shrink, and a sent mail's body row is deleted, which frees whole
 * pages that the next bodies reuse (store_outbox.c).  Pending and failed
 * rows (`postdesk outbox retry` may send a failed one again) move their
 * mail here; sent rows hold their headers already (v12). */
static const char schema_v15[] =
"CREATE TABLE outbox_bodies ("
"  id INTEGER PRIMARY KEY REFERENCES outbox(id),"
"  data BLOB NOT NULL"
") STRICT;"
"INSERT INTO outbox_bodies (id, data)"
"  SELECT id, data FROM outbox WHERE status <> 'sent';"
"UPDATE outbox SET data_hash = pd_sha256(data), data_size = length(data),"
"  data = pd_headers(data) WHERE status <> 'sent';";

/* Version 16 (issue 13, docs/storage.md): a message's text deflated in
 * messages.body_z (zlib level 3, store_text_pack), body '' then; short
 * texts, and every message stored before, keep body as it is and body_z
 * NULL.  The text was the biggest part of a stored message (8.4 KB of
 * 12.7 on the benchmark's mix, against 3.4 KB for the whole raw
 * deflated).  Every reader goes through pd_body(body, body_z)
 * (store_sql_functions): the view the search index reads and its
 * triggers are made again with it; the index itself holds the same
 * words, so it is not rebuilt.  No row is rewritten. */
static const char schema_v16[] =
"ALTER TABLE messages ADD COLUMN body_z BLOB;"
"DROP TRIGGER IF EXISTS search_fts_msg;"
"DROP TRIGGER IF EXISTS search_fts_file;"
"DROP VIEW IF EXISTS search_src;"
"CREATE VIEW search_src AS SELECT m.id AS id, m.subject AS subject,"
"  pd_body(m.body, m.body_z) AS body, COALESCE((SELECT"
"  group_concat(f.filename, ' ') FROM (SELECT a.filename FROM attachments"
"  a WHERE a.message = m.id ORDER BY a.id) f), '') AS files FROM messages m;"
"CREATE TRIGGER search_fts_msg AFTER INSERT ON messages BEGIN"
"  INSERT INTO search_fts(rowid, subject, body, files)"
"    VALUES (new.id, new.subject, pd_body(new.body, new.body_z), '');"
"END;"
"CREATE TRIGGER search_fts_file AFTER INSERT ON attachments BEGIN"
"  INSERT INTO search_fts(search_fts, rowid, subject, body, files)"
"    SELECT 'delete', m.id, m.subject, pd_body(m.body, m.body_z),"
"    COALESCE((SELECT group_concat(f.filename, ' ') FROM (SELECT"
"    a.filename FROM attachments a WHERE a.message = m.id AND a.id <>"
"    new.id ORDER BY a.id) f), '') FROM messages m WHERE m.id ="
"    new.message;"
"  INSERT INTO search_fts(rowid, subject, body, files)"
"    SELECT id, subject, body, files FROM search_src"
"    WHERE id = new.message;"
"END;";

/* Version 17 (issue 13, docs/storage.md "One segment per batch"): the
 * triggers of v16 index a message only when pd_fts_now(its id) says so
 * (store_search.c, registered on every connection by
 * store_sql_functions).  Group commit (pipeline_deliver_batch) files its
 * messages each in a savepoint, and FTS5 writes its pending terms as a
 * new segment at every savepoint: 200 small segments for a batch of 200.
 * While a batch runs, pd_fts_now is 0 for the messages it adds, and the
 * batch indexes them with one INSERT from search_src before its commit:
 * one segment, in the same transaction.  Every other path (a single
 * message, the CLI, a migration) and every message stored before finds
 * pd_fts_now 1 and is indexed by the triggers as before.  Why a guard and
 * not the triggers dropped and the indexing in store_message_add's
 * callers: the triggers stay the one place that knows what a message's
 * index row holds for every writer (a test that inserts rows, a future
 * path), and a batch turns them off only for the rows it will index
 * itself.  The sqlite3 shell, which lacks the function as it lacks
 * pd_body and pd_words, still reads the database; inserting messages
 * needed those already.  The index is not rebuilt. */
static const char schema_v17[] =
"DROP TRIGGER IF EXISTS search_fts_msg;"
"DROP TRIGGER IF EXISTS search_fts_file;"
"CREATE TRIGGER search_fts_msg AFTER INSERT ON messages"
"  WHEN pd_fts_now(new.id) BEGIN"
"  INSERT INTO search_fts(rowid, subject, body, files)"
"    VALUES (new.id, new.subject, pd_body(new.body, new.body_z), '');"
"END;"
"CREATE TRIGGER search_fts_file AFTER INSERT ON attachments"
"  WHEN pd_fts_now(new.message) BEGIN"
"  INSERT INTO search_fts(search_fts, rowid, subject, body, files)"
"    SELECT 'delete', m.id, m.subject, pd_body(m.body, m.body_z),"
"    COALESCE((SELECT group_concat(f.filename, ' ') FROM (SELECT"
"    a.filename FROM attachments a WHERE a.message = m.id AND a.id <>"
"    new.id ORDER BY a.id) f), '') FROM messages m WHERE m.id ="
"    new.message;"
"  INSERT INTO search_fts(rowid, subject, body, files)"
"    SELECT id, subject, body, files FROM search_src"
"    WHERE id = new.message;"
"END;";

/* Version 18 (issue 13, docs/storage.md): a queued mail references the
 * blobs of its attachments instead of holding their base64 text.
 * outbox_bodies.data of such a row lacks that text; outbox_spans says
 * where each blob's text goes back (as raw_spans for messages), and the
 * sender puts it back (store_outbox_due), so the attachments are
 * encoded outside the transaction that queues the mail.  The rows go
 * with the body once the mail is sent.  Their foreign key keeps every
 * blob a pending or failed row needs.  data_hash of such a row is set
 * when the sender first has the whole mail (its claim).  Rows queued
 * before keep their whole mail. */
static const char schema_v18[] =
"CREATE TABLE outbox_spans ("
"  outbox INTEGER NOT NULL REFERENCES outbox(id),"
"  offset INTEGER NOT NULL,"
"  blob TEXT NOT NULL REFERENCES blobs(hash),"
"  form INTEGER NOT NULL,"
"  PRIMARY KEY (outbox, offset)"
") STRICT, WITHOUT ROWID;";

/* Version 19 (issue 13, docs/storage.md): a mail is composed by the
 * sender, not in the transaction that queues it.  A row queued since
 * holds its recipe (compose.h: everything the mail will be, decided at
 * queue time, a GVariant) in outbox_recipes instead of a body in
 * outbox_bodies, and outbox_recipe_blobs names each blob its attachments
 * are, so that the foreign key keeps them.  Until the first claim
 * composes it, such a row's outbox.data is empty and data_hash and
 * data_size are NULL; the claim sets the header section, the SHA-256
 * and the size (store_outbox_set_composed).  Both rows go once the mail
 * is sent.  Rows queued before keep their whole mail. */
static const char schema_v19[] =
"CREATE TABLE outbox_recipes ("
"  id INTEGER PRIMARY KEY REFERENCES outbox(id),"
"  recipe BLOB NOT NULL"
") STRICT;"
"CREATE TABLE outbox_recipe_blobs ("
"  outbox INTEGER NOT NULL REFERENCES outbox(id),"
"  blob TEXT NOT NULL REFERENCES blobs(hash),"
"  PRIMARY KEY (outbox, blob)"
") STRICT, WITHOUT ROWID;";

/* Index i holds the SQL that takes the schema from version i to i + 1. */
static const char *const migrations[] = { schema_v1, schema_v2, schema_v3,
	schema_v4, schema_v5, schema_v6, schema_v7, schema_v8, schema_v9,
	schema_v10, schema_v11, schema_v12, schema_v13, schema_v14,
	schema_v15, schema_v16, schema_v17, schema_v18, schema_v19 };

/* Runs the migrations from the version in force up to target in one
 * transaction, unless another process already did: the daemon and the
 * CLI may both open a new database at the same moment, so the version is
 * read again inside the write lock.  One transaction, so one sync: a new
 * database is made in one commit instead of one per version (about 40 ms
 * of a daemon's first start), and an upgrade is all or nothing.  Returns
 * the version now in force, or -1. */
static int64_t
migrate_step(sqlite3 *db, int64_t target, char **error_r)
{
	int64_t v = 0;
	char *err = NULL, *sql;

	if (db_begin(db) != 0 || db_int(db, &v, "PRAGMA user_version", "") < 0)
		goto fail;
	if (v >= target) {
		db_rollback(db);
		return v;
	}
	for (; v < target; v++) {
		sql = g_strdup_printf("%s PRAGMA user_version = %lld;",
		    migrations[v], (long long)v + 1);
		if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
			*error_r = g_strdup_printf("migration to schema %lld: "
			    "%s", (long long)v + 1, err ? err :
			    sqlite3_errmsg(db));
			sqlite3_free(err);
			g_free(sql);
			db_rollback(db);
			return -1;
		}
		g_free(sql);
	}
	if (db_commit(db) != 0) {
		*error_r = g_strdup_printf("migration to schema %lld: %s",
		    (long long)target, sqlite3_errmsg(db));
		db_rollback(db);
		return -1;
	}
	return v;
fail:
	*error_r = g_strdup(sqlite3_errmsg(db));
	db_rollback(db);
	return -1;
}

static int
migrate(sqlite3 *db, int64_t target, char **error_r)
{
	int64_t v = 0;

	if (db_int(db, &v, "PRAGMA user_version", "") < 0) {
		*error_r = g_strdup(sqlite3_errmsg(db));
		return -1;
	}
	if (v > DB_SCHEMA_VERSION) {
		*error_r = g_strdup_printf("database schema %lld is newer "
		    "than this postdesk (%d)", (long long)v,
		    DB_SCHEMA_VERSION);
		return -1;
	}
	while (v >= 0 && v < target)
		v = migrate_step(db, target, error_r);
	return v < 0 ? -1 : 0;
}

int
db_create_at(const char *path, int version, char **error_r)
{
	sqlite3 *db = NULL;
	int fd;

	*error_r = NULL;
	if (version < 0 || version > DB_SCHEMA_VERSION) {
		*error_r = g_strdup_printf("no schema %d", version);
		return -1;
	}
	if ((fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
	    0600)) < 0) {
		*error_r = g_strdup_printf("%s: %s", path, g_strerror(errno));
		return -1;
	}
	close(fd);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) !=
	    SQLITE_OK || store_sql_functions(db) != 0 ||
	    fts_words_register(db) != 0 ||
	    sqlite3_exec(db, "PRAGMA journal_mode=WAL;", NULL,
	    NULL, NULL) != SQLITE_OK || migrate(db, version, error_r) != 0) {
		if (!*error_r)
			*error_r = g_strdup_printf("%s: %s", path, db ?
			    sqlite3_errmsg(db) : "out of memory");
		db_close(&db);
		return -1;
	}
	db_close(&db);
	return 0;
}


/* The statement cache of db_prep, db_exec and db_int: per connection,
 * keyed by the SQL text, prepared once with SQLITE_PREPARE_PERSISTENT,
 * reset and its bindings cleared after each use (so it holds no read
 * snapshot and no copy of a bound blob).  A statement of db_prep goes
 * back to the cache when its caller "finalizes" it: db.h maps
 * sqlite3_finalize to db_finalize.  A statement still in use when the
 * same SQL is asked for again (a loop over rows calling a function that
 * runs the same query) is prepared afresh and finalized after, as before.
 * SQLite re-prepares a cached statement itself after a schema change
 * (sqlite3_prepare_v3(3)).  The map from connection to cache is shared by
 * all threads, under a lock; each cache is used only by the thread that
 * owns its connection.  SQL built at run time could make the cache grow
 * without end: past CACHE_MAX statements the rest are not cached. */
#define CACHE_MAX 512

struct cached {
	sqlite3_stmt *st;
	bool busy;		/* handed out, not yet given back */
};

static GMutex cache_lock;
static GHashTable *caches;	/* sqlite3 * -> GHashTable (sql -> cached) */

static void
cached_free(gpointer p)
{
	struct cached *c = p;

	sqlite3_finalize(c->st);
	g_free(c);
}

static GHashTable *
cache_of(sqlite3 *db, bool create)
{
	GHashTable *c;

	g_mutex_lock(&cache_lock);
	if (caches == NULL)
		caches = g_hash_table_new(g_direct_hash, g_direct_equal);
	if ((c = g_hash_table_lookup(caches, db)) == NULL && create) {
		c = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
		    cached_free);
		g_hash_table_insert(caches, db, c);
	}
	g_mutex_unlock(&cache_lock);
	return c;
}

static void
cache_drop(sqlite3 *db)
{
	GHashTable *c = NULL;

	g_mutex_lock(&cache_lock);
	if (caches != NULL && (c = g_hash_table_lookup(caches, db)) != NULL)
		g_hash_table_remove(caches, db);
	g_mutex_unlock(&cache_lock);
	if (c != NULL)
		g_hash_table_destroy(c);
}

/* The cache entry st came from, or NULL when st is not cached. */
static struct cached *
cached_of(sqlite3_stmt *st)
{
	GHashTable *c;
	struct cached *e;

	if (st == NULL || (c = cache_of(sqlite3_db_handle(st), false)) ==
	    NULL)
		return NULL;
	e = g_hash_table_lookup(c, sqlite3_sql(st));
	return e != NULL && e->st == st ? e : NULL;
}

int
db_finalize(sqlite3_stmt *st)
{
	struct cached *e = cached_of(st);
	int r;

	if (e == NULL)
		return sqlite3_finalize(st);
	r = sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	e->busy = false;
	return r;
}

int
db_open(const char *path, sqlite3 **db_r, char **error_r)
{
	sqlite3 *db = NULL;
	char *dir = g_path_get_dirname(path);

	*error_r = NULL;
	g_mkdir_with_parents(dir, 0750);
	g_free(dir);
	/* SQLite would create a new database 0644, and it gives the -wal and
	 * -shm files the mode of the database file: create it 0600 first
	 * (postdesk.conf(5), database).  An empty file is a new database. */
	if (strcmp(path, ":memory:") != 0 && strncmp(path, "file:", 5) != 0) {
		int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC,
		    0600);

		if (fd >= 0)
			close(fd);
	}
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		*error_r = g_strdup_printf("%s: %s", path, db ?
		    sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return -1;
	}
	sqlite3_busy_timeout(db, 30000);
	if (store_sql_functions(db) != 0 || fts_words_register(db) != 0) {
		*error_r = g_strdup_printf("%s: cannot register SQL functions",
		    path);
		sqlite3_close(db);
		return -1;
	}
	/* synchronous=FULL: in WAL mode NORMAL may lose the last commits on
	 * a power loss, after the IMAP server was told the message is ours
	 * ("persist before acknowledging", docs/guarantees.md).  FULL syncs
	 * the WAL at every commit; group commit (pipeline.h) pays it once per
	 * batch.
	 * secure_delete=FAST: Debian builds SQLite with SECURE_DELETE on,
	 * which reads every page a delete frees, zeroes it and writes it to
	 * the WAL.  The search index frees whole runs of pages at each of its
	 * merges, and with a million tickets that doubled the time to store
	 * a message (README Performance).  FAST still zeroes deleted rows on
	 * the pages that are written anyway; a freed page keeps its old bytes
	 * until it is reused, inside the same 0600 file that keeps every
	 * message forever (docs/storage.md). */
	if (sqlite3_exec(db, "PRAGMA journal_mode=WAL; PRAGMA "
	    "foreign_keys=ON; PRAGMA synchronous=FULL; "
	    "PRAGMA secure_delete=FAST;", NULL, NULL,
	    NULL) != SQLITE_OK || migrate(db, DB_SCHEMA_VERSION, error_r) != 0) {
		if (!*error_r)
			*error_r = g_strdup_printf("%s: %s", path,
			    sqlite3_errmsg(db));
		sqlite3_close(db);
		return -1;
	}
	*db_r = db;
	return 0;
}

void
db_close(sqlite3 **db)
{
	if (db && *db) {
		cache_drop(*db);
		sqlite3_close(*db);
		*db = NULL;
	}
}

int
db_begin(sqlite3 *db)
{
	return db_exec(db, "BEGIN IMMEDIATE", "");
}

int
db_commit(sqlite3 *db)
{
	return db_exec(db, "COMMIT", "");
}

void
db_rollback(sqlite3 *db)
{
	if (!sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}

int
db_savepoint(sqlite3 *db)
{
	return db_exec(db, "SAVEPOINT pd_all_or_none", "");
}

void
db_savepoint_undo(sqlite3 *db)
{
	db_exec(db, "ROLLBACK TO pd_all_or_none", "");
	db_exec(db, "RELEASE pd_all_or_none", "");
}

int
db_savepoint_release(sqlite3 *db)
{
	return db_exec(db, "RELEASE pd_all_or_none", "");
}

/* Prepares sql, from the cache of db when there is a free one, and binds
 * the arguments.  The caller ends with db_finalize. */
static sqlite3_stmt *
db_vprep(sqlite3 *db, const char *sql, const char *types, va_list ap)
{
	GHashTable *cache = cache_of(db, true);
	struct cached *e = g_hash_table_lookup(cache, sql);
	sqlite3_stmt *st = NULL;
	bool keep = e == NULL && g_hash_table_size(cache) < CACHE_MAX;
	int i = 1;

	if (e != NULL && !e->busy)
		st = e->st;
	else if (sqlite3_prepare_v3(db, sql, -1, keep ?
	    SQLITE_PREPARE_PERSISTENT : 0, &st, NULL) != SQLITE_OK) {
		log_warnx("stage=db event=error sql=\"%.60s\" error=\"%s\"",
		    sql, sqlite3_errmsg(db));
		sqlite3_finalize(st);
		return NULL;
	} else if (st != NULL && keep) {
		/* Keyed by SQLite's copy of the text: it lives as long as
		 * the statement. */
		e = g_new0(struct cached, 1);
		e->st = st;
		g_hash_table_replace(cache, (gpointer)sqlite3_sql(st), e);
	}
	if (st == NULL) {
		/* Only white space or a comment: nothing to run. */
		log_warnx("stage=db event=bug sql=\"%.60s\" empty", sql);
		return NULL;
	}
	if (e != NULL && e->st == st)
		e->busy = true;
	/* A type string that does not match the placeholders would read
	 * arguments that were never passed: refuse it, loudly. */
	if ((int)strlen(types) != sqlite3_bind_parameter_count(st)) {
		log_warnx("stage=db event=bug sql=\"%.60s\" types=%s "
		    "placeholders=%d", sql, types,
		    sqlite3_bind_parameter_count(st));
		db_finalize(st);
		return NULL;
	}
	for (const char *t = types; *t; t++, i++) {
		if (*t == 'i')
			sqlite3_bind_int64(st, i, va_arg(ap, int64_t));
		else if (*t == 'u')
			sqlite3_bind_int64(st, i, va_arg(ap, unsigned long));
		else if (*t == 't')
			sqlite3_bind_text(st, i, va_arg(ap, const char *), -1,
			    SQLITE_TRANSIENT);
		else if (*t == 'b') {
			const void *p = va_arg(ap, const void *);
			size_t n = va_arg(ap, size_t);

			sqlite3_bind_blob64(st, i, p ? p : "", n,
			    SQLITE_TRANSIENT);
		} else if (*t == 'B') {
			/* A mail of up to megabytes: no copy of it per
			 * statement (db.h). */
			const void *p = va_arg(ap, const void *);
			size_t n = va_arg(ap, size_t);

			sqlite3_bind_blob64(st, i, p ? p : "", n,
			    SQLITE_STATIC);
		}
	}
	return st;
}

sqlite3_stmt *
db_prep(sqlite3 *db, const char *sql, const char *types, ...)
{
	va_list ap;
	sqlite3_stmt *st;

	va_start(ap, types);
	st = db_vprep(db, sql, types, ap);
	va_end(ap);
	return st;
}

static int
step_error(sqlite3 *db, sqlite3_stmt *st)
{
	log_warnx("stage=db event=error sql=\"%.60s\" error=\"%s\"",
	    sqlite3_sql(st), sqlite3_errmsg(db));
	db_finalize(st);
	return -1;
}

int
db_exec(sqlite3 *db, const char *sql, const char *types, ...)
{
	va_list ap;
	sqlite3_stmt *st;
	int r;

	va_start(ap, types);
	st = db_vprep(db, sql, types, ap);
	va_end(ap);
	if (!st)
		return -1;
	while ((r = sqlite3_step(st)) == SQLITE_ROW)
		;
	if (r != SQLITE_DONE)
		return step_error(db, st);
	db_finalize(st);
	return 0;
}

int
db_int(sqlite3 *db, int64_t *out, const char *sql, const char *types, ...)
{
	va_list ap;
	sqlite3_stmt *st;
	int r;

	va_start(ap, types);
	st = db_vprep(db, sql, types, ap);
	va_end(ap);
	if (!st)
		return -1;
	r = sqlite3_step(st);
	if (r == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
		db_finalize(st);
		return 1;
	}
	if (r != SQLITE_DONE)
		return step_error(db, st);
	db_finalize(st);
	return 0;
}

char *
db_col_str(sqlite3_stmt *st, int col)
{
	const unsigned char *s = sqlite3_column_text(st, col);

	return g_strdup(s ? (const char *)s : "");
}

int
db_rows_done(sqlite3 *db, sqlite3_stmt *st, int step)
{
	if (step != SQLITE_DONE)
		log_warnx("stage=db event=error error=\"%s\"",
		    sqlite3_errmsg(db));
	db_finalize(st);
	return step == SQLITE_DONE ? 0 : -1;
}

int
db_open_ro(const char *path, sqlite3 **db_r, int64_t *version_r,
    char **error_r)
{
	static const int flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_URI |
	    SQLITE_OPEN_NOMUTEX;
	char *esc = g_uri_escape_string(path, "/", FALSE);
	char *uri = g_strdup_printf("file:%s?readonly_shm=1", esc);
	sqlite3 *db = NULL;
	int64_t v = 0;
	int r;

	*db_r = NULL;
	*error_r = NULL;
	/* While the daemon runs its -shm file exists and is only read;
	 * without it (daemon stopped) SQLite must make its -wal and -shm
	 * files, which it gives the database's owner when run as root. */
	r = sqlite3_open_v2(uri, &db, flags, NULL);
	if (r == SQLITE_OK && sqlite3_exec(db, "SELECT 1 FROM "
	    "sqlite_schema LIMIT 1", NULL, NULL, NULL) != SQLITE_OK) {
		sqlite3_close(db);
		db = NULL;
		g_free(uri);
		uri = g_strdup_printf("file:%s?mode=ro", esc);
		r = sqlite3_open_v2(uri, &db, flags, NULL);
	}
	g_free(uri);
	g_free(esc);
	if (r != SQLITE_OK) {
		*error_r = g_strdup_printf("%s: %s", path, db ?
		    sqlite3_errmsg(db) : "out of memory");
		sqlite3_close(db);
		return -1;
	}
	sqlite3_busy_timeout(db, 30000);
	/* Searching reads the query with the index's tokenizer; texts are
	 * read through pd_body(). */
	if (store_sql_functions(db) != 0 || fts_words_register(db) != 0 ||
	    sqlite3_exec(db,
	    "PRAGMA query_only = ON", NULL, NULL, NULL) !=
	    SQLITE_OK || db_int(db, &v, "PRAGMA user_version", "") < 0) {
		*error_r = g_strdup_printf("%s: %s", path, sqlite3_errmsg(db));
		sqlite3_close(db);
		return -1;
	}
	*version_r = v;
	if (v > DB_SCHEMA_VERSION) {
		*error_r = g_strdup_printf("%s: database schema %lld is newer "
		    "than this postdesk (%d)", path, (long long)v,
		    DB_SCHEMA_VERSION);
		sqlite3_close(db);
		return -1;
	}
	*db_r = db;
	return v < DB_SCHEMA_VERSION ? 1 : 0;
}

int
db_backup(sqlite3 *db, const char *path, char **error_r)
{
	sqlite3 *to = NULL;
	sqlite3_backup *b;
	int fd, r;

	/* Created 0600 by us, never over an existing file. */
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		*error_r = g_strdup_printf("%s: %s", path, g_strerror(errno));
		return -1;
	}
	close(fd);
	if (sqlite3_open_v2(path, &to, SQLITE_OPEN_READWRITE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		*error_r = g_strdup_printf("%s: %s", path, to ?
		    sqlite3_errmsg(to) : "out of memory");
		sqlite3_close(to);
		unlink(path);
		return -1;
	}
	/* One step over all pages: one read transaction, so the copy is the
	 * database at one instant while the daemon goes on writing (WAL). */
	b = sqlite3_backup_init(to, "main", db, "main");
	r = b ? sqlite3_backup_step(b, -1) : SQLITE_ERROR;
	if (b)
		sqlite3_backup_finish(b);
	if (r != SQLITE_DONE) {
		*error_r = g_strdup_printf("backup to %s: %s", path,
		    sqlite3_errmsg(b ? to : to));
		sqlite3_close(to);
		unlink(path);
		return -1;
	}
	/* A copy that stands alone: no -wal file beside it. */
	sqlite3_exec(to, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL);
	sqlite3_close(to);
	return 0;
}

void
db_autocheckpoint(sqlite3 *db, int pages)
{
	sqlite3_wal_autocheckpoint(db, pages);
}

int
db_checkpoint(sqlite3 *db, int *log_r, int *done_r)
{
	int nlog = 0, ndone = 0;
	int rc = sqlite3_wal_checkpoint_v2(db, NULL, SQLITE_CHECKPOINT_PASSIVE,
	    &nlog, &ndone);

	if (log_r)
		*log_r = nlog;
	if (done_r)
		*done_r = ndone;
	if (rc != SQLITE_OK && rc != SQLITE_BUSY) {
		log_warnx("stage=store event=checkpoint-failed error=\"%s\"",
		    sqlite3_errmsg(db));
		return -1;
	}
	return 0;
}
