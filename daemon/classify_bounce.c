/* classify_bounce.c: is this a delivery report on a mail we sent?  (see
 * classify.h, dsn.h, verp.h; postdesk.conf(5) BOUNCES).  Part of
 * classify(): reads, writes nothing. */
#include <string.h>
#include "addr.h"
#include "classify.h"
#include "dsn.h"
#include "mac.h"
#include "store.h"
#include "verp.h"

/* The report's recipient block for address, or NULL. */
static const struct dsn_rcpt *
block_of(const struct dsn_report *r, const char *address)
{
	for (guint i = 0; i < r->rcpts->len; i++) {
		const struct dsn_rcpt *x = r->rcpts->pdata[i];

		if (strcmp(x->original, address) == 0 ||
		    strcmp(x->final, address) == 0)
			return x;
	}
	return NULL;
}

/* Which address of the report is the one our mail, signed for the
 * recipient tag rtag, went to: a recipient block's (original first), else
 * an address the returned mail was sent to; with the block that reports
 * on it (when the report has one block, that block).  Anyone who got a
 * mail from us holds an id with a valid MAC: the tag keeps a forged report
 * from marking another address failing.  The address is borrowed from r,
 * or NULL. */
static const char *
bounce_address(const struct dsn_report *r, const char *rtag,
    const struct dsn_rcpt **block_r)
{
	char tag[MAC_RTAG_LEN + 1];

	*block_r = NULL;
	for (guint i = 0; i < r->rcpts->len; i++) {
		const struct dsn_rcpt *x = r->rcpts->pdata[i];
		const char *const cand[] = { x->original, x->final };

		for (unsigned k = 0; k < G_N_ELEMENTS(cand); k++) {
			if (!*cand[k])
				continue;
			mac_rcpt_tag(cand[k], tag);
			if (strcmp(tag, rtag) == 0) {
				*block_r = x;
				return cand[k];
			}
		}
	}
	for (guint i = 0; i < r->sent_to->len; i++) {
		const char *a = r->sent_to->pdata[i];

		mac_rcpt_tag(a, tag);
		if (strcmp(tag, rtag) != 0)
			continue;
		*block_r = block_of(r, a);
		if (!*block_r && r->rcpts->len == 1)
			*block_r = r->rcpts->pdata[0];
		return a;
	}
	return NULL;
}

/* The ids the report's envelope recipient carries (verp.h): its To, or
 * the Delivered-To or X-Original-To the delivering server wrote.  Appended
 * to out (g_malloc'd), a few at most. */
static void
verp_ids(const struct pd_config *cfg, const struct pd_msg *m, GPtrArray *out)
{
	static const char *const hdrs[] = { "Delivered-To", "X-Original-To" };
	char *id;

	for (guint i = 0; i < m->to->len && i < 4; i++) {
		const struct pd_addr *a = m->to->pdata[i];

		if ((id = verp_msgid(a->address, cfg->domain)))
			g_ptr_array_add(out, id);
	}
	for (size_t h = 0; h < G_N_ELEMENTS(hdrs); h++)
		for (unsigned i = 0; i < 4; i++) {
			const char *v = msg_header_nth(m, hdrs[h], i);

			if (v == NULL)
				break;
			if ((id = verp_msgid(v, cfg->domain)))
				g_ptr_array_add(out, id);
		}
}

int
classify_bounce(sqlite3 *db, const struct pd_config *cfg,
    const struct pd_msg *m, struct verdict *v)
{
	struct dsn_report r;
	GPtrArray *ids;
	struct pd_ticket t;
	char rtag[MAC_RTAG_LEN + 1], kind = 0;
	const struct dsn_rcpt *x = NULL;
	const char *rcpt = NULL;
	unsigned long num = 0;
	int e = 0;

	if (!msg_dsn(m, &r)) {
		dsn_report_clear(&r);
		return 0;
	}
	ids = g_ptr_array_new();
	for (guint i = 0; i < r.ids->len; i++)
		g_ptr_array_add(ids, r.ids->pdata[i]);
	verp_ids(cfg, m, r.ids);
	for (guint i = ids->len; i < r.ids->len; i++)
		g_ptr_array_add(ids, r.ids->pdata[i]);
	if (*m->in_reply_to)
		g_ptr_array_add(ids, m->in_reply_to);
	for (guint i = 0; i < m->references->len && i < DSN_MAX_IDS; i++)
		g_ptr_array_add(ids, m->references->pdata[i]);
	for (guint i = 0; i < ids->len && !num; i++)
		/* A root id is in every reply to the ticket: it names no
		 * mail we sent, nor its recipient. */
		if (!mac_check_kind(ids->pdata[i], &num, rtag, &kind) ||
		    kind == 'r')
			num = 0;
	g_ptr_array_unref(ids);
	if (num && (e = store_ticket_get(db, num, &t)) == 1) {
		v->kind = VERDICT_BOUNCE;
		v->ticket = t.number;
		store_ticket_clear(&t);
		rcpt = bounce_address(&r, rtag, &x);
		/* It goes into logs, events and a notice's headers. */
		if (rcpt && !addr_is_valid(rcpt)) {
			rcpt = NULL;
			x = NULL;
		}
		v->bounce_rcpt = g_strdup(rcpt);
		v->bounce_status = g_strdup(x ? x->status : "");
		v->bounce_diag = g_strdup(x ? x->diagnostic : "");
		v->bounce_permanent = rcpt && x && dsn_rcpt_failed(x) &&
		    dsn_rcpt_permanent(x);
		v->bounce_delivered = rcpt && x && dsn_rcpt_delivered(x);
		g_string_append_printf(v->reasons, "%sbounce=%s ticket=%lu "
		    "rcpt=%s status=%s", v->reasons->len ? " " : "",
		    r.form == DSN_REPORT ? "dsn" : "plain", v->ticket,
		    rcpt ? "found" : "ambiguous", x && *x->status ? x->status :
		    "-");
	}
	dsn_report_clear(&r);
	return e < 0 ? -1 : v->kind == VERDICT_BOUNCE ? 1 : 0;
}
