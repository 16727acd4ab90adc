/* stage_quarantine.c: a message that cannot be parsed, or is too large,
 * is kept raw in the quarantine, never dropped (docs/architecture.md), and the admin
 * is told once: the notice is queued in the transaction that records the
 * quarantine, so retries of the same UID tell nobody again. */
#include "log.h"
#include "stage.h"
#include "store.h"

static int
tell_admin(struct stage_ctx *c, int64_t id, const char *reason)
{
	GHashTable *vars = notify_vars_new();
	int r;

	g_hash_table_insert(vars, "quarantine.id", g_strdup_printf("%lld",
	    (long long)id));
	g_hash_table_insert(vars, "quarantine.reason", g_strdup(reason));
	g_hash_table_insert(vars, "quarantine.source", g_strdup(c->o->source ?
	    c->o->source : "deliver"));
	g_hash_table_insert(vars, "quarantine.size", g_strdup_printf("%zu",
	    c->size));
	r = notify_admin(&c->tx, "quarantine", vars);
	g_hash_table_unref(vars);
	return r;
}

int
stage_quarantine(struct stage_ctx *c, const char *reason)
{
	int64_t q = store_quarantine_add(c->db, c->o->source, reason, c->raw,
	    c->len, c->size);

	if (q < 0 || stage_mark_uid(c, 0, q) != 0 || store_event_add(c->db, 0,
	    c->o->source, "quarantined", reason) != 0)
		return -1;
	c->quarantine_id = q;
	return tell_admin(c, q, reason);
}
