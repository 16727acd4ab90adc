/* stage_common.c: the helpers every stage uses (see stage.h). */
#define _GNU_SOURCE /* memmem */
#include <string.h>
#include "mac.h"
#include "stage.h"
#include "store.h"

int
stage_mark_uid(struct stage_ctx *c, int64_t message, int64_t quarantine)
{
	if (!c->o->uid)
		return 0;
	return store_uid_mark(c->db, c->o->source, c->o->folder,
	    c->o->uidvalidity, c->o->uid, message, quarantine);
}

int
stage_store(struct stage_ctx *c, unsigned long ticket, const char *kind)
{
	return stage_store_body(c, ticket, kind, NULL);
}

int
stage_store_body(struct stage_ctx *c, unsigned long ticket, const char *kind,
    const char *body)
{
	struct pd_stored s = { .ticket = ticket, .direction = "in",
		.kind = c->automated ? "auto" : kind,
		.automated = c->automated, .source = c->o->source,
		.hash = c->hash, .raw = c->raw, .raw_len = c->len,
		.body = body, .pre = c->pre };
	int64_t id = store_message_add(c->db, c->m, &s);

	c->ticket = ticket;
	if (id < 0)
		return -1;
	return stage_mark_uid(c, id, 0);
}

bool
stage_may_answer(const struct stage_ctx *c)
{
	const char *from = c->m->from.address;

	/* Nor mail from a queue's own address (postdesk.conf(5)
	 * "QUEUES"). */
	return !c->automated && *from && !c->agent &&
	    !config_same_mailbox(from, c->cfg->address) &&
	    !(c->cfg->queues_listed && config_queue_by_address(c->cfg, from));
}

/* g_strstr_len(h, len, needle) by memchr and memmem: the first match
 * before any NUL byte, without GLib's byte-by-byte loop. */
static const char *
find_text(const char *h, size_t len, const char *needle)
{
	const char *nul = memchr(h, '\0', len);

	return memmem(h, nul ? (size_t)(nul - h) : len, needle,
	    strlen(needle));
}

/* With a Message-ID, the hash covers the body only, so the same mail
 * reaching two support mailboxes (different Received: lines) is stored
 * once; without one, the whole message counts. */
void
stage_hash(struct stage_ctx *c)
{
	const char *body = NULL;

	if (*c->m->message_id) {
		const char *crlf = find_text(c->raw, c->len, "\r\n\r\n");
		/* Only a "\n\n" before crlf matters: an IMAP message (CRLF)
		 * is not scanned to its end for one. */
		const char *lf = find_text(c->raw, crlf ? (size_t)(crlf -
		    c->raw + 1) : c->len, "\n\n");

		body = crlf && (!lf || crlf < lf) ? crlf + 4 : lf ? lf + 2 :
		    NULL;
	}
	if (body)
		mac_content_hash(body, c->raw + c->len - body, c->hash);
	else
		mac_content_hash(c->raw, c->len, c->hash);
}
