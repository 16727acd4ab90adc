/* stage_flood.c: a message that joins no ticket, through the flood guards
 * (postdesk.conf(5) floods; postdeskd(8) Automated mail; see stage.h).
 *
 * An auto-responder that sends no Auto-Submitted header and answers each
 * acknowledgement with a new mail would otherwise open a ticket, and get
 * an acknowledgement, per answer.  Its answers are near-identical (only
 * numbers and ids change), so from the second one on they are filed into
 * the first one's ticket and answered by nobody.  The caps of floodguard.h
 * bound whatever still gets through. */
#include <string.h>
#include "flood.h"
#include "floodguard.h"
#include "log.h"
#include "stage.h"
#include "store.h"

/* Automated mail answering no ticket: kept, visible to admins (events
 * without a ticket, `postdesk unfiled`), but no ticket for agents to close
 * by hand. */
int
stage_unfiled(struct stage_ctx *c)
{
	char *detail = g_strdup_printf("message <%s> from %s is automated "
	    "(%s) and answers no ticket: kept outside any ticket",
	    c->m->message_id, c->m->from.address, c->automated);
	int r = stage_store(c, 0, "auto");

	if (r == 0)
		r = store_event_add(c->db, 0, c->m->from.address, "unfiled",
		    detail);
	if (r == 0)
		log_info("msg=<%s> stage=thread event=unfiled automated=\"%s\"",
		    c->m->message_id, c->automated);
	g_free(detail);
	return r;
}

/* Files the message into ticket num as a repeat of first's request.
 * 0, 1 when that ticket is gone (nothing done), -1. */
int
stage_repeat(struct stage_ctx *c, unsigned long num, const char *first,
    const char *norm)
{
	struct pd_ticket t;
	const char *from = c->m->from.address;
	/* One mailbox, however it is spelt (flood.h). */
	char *box = flood_canonical(from);
	/* Rotating addresses of one domain (or of its organisation's
	 * subdomains) are one sender to the admin. */
	char *key = g_ascii_strcasecmp(first, box) == 0 ? g_strdup(box) :
	    g_strdup_printf("@%s", flood_org_domain(flood_domain(box)));
	char *detail;
	int r;

	g_free(box);
	if ((r = store_ticket_get(c->db, num, &t)) != 1) {
		g_free(key);
		return r < 0 ? -1 : 1;
	}
	c->repeat = true;
	detail = g_strdup_printf("message <%s> from %s is near-identical to "
	    "a request from %s within %u minutes: filed here without an "
	    "acknowledgement", c->m->message_id, c->m->from.address, first,
	    c->cfg->repeat_window / 60);
	r = stage_store(c, t.number, "client");
	if (r == 0)
		r = notify_flood_hit(&c->tx, t.number, key, "repeat",
		    detail);
	/* The window slides: a bot that keeps going keeps joining. */
	if (r == 0)
		r = floodguard_repeat_note(&c->tx, from, t.number, norm);
	if (r == 0)
		log_info("ticket=%lu msg=<%s> stage=thread event=joined "
		    "by=repeat", t.number, c->m->message_id);
	g_free(detail);
	g_free(key);
	store_ticket_clear(&t);
	return r;
}

int
stage_flood_new(struct stage_ctx *c, const struct thread_result *tr,
    const char *norm)
{
	int r = stage_new(c, tr);

	/* The window slides from here: the next near-identical request
	 * joins this one's ticket (classify.c). */
	if (r == 0 && norm)
		r = floodguard_repeat_note(&c->tx, c->m->from.address,
		    c->ticket, norm);
	return r;
}
