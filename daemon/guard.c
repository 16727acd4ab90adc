/* guard.c: see guard.h. */
#include <string.h>
#include "guard.h"
#include "leakguard.h"
#include "store_notes.h"

bool
guard_internal_rcpt(const struct pd_config *cfg, const char *address)
{
	return config_agent_by_address(cfg, address) != NULL ||
	    (cfg->team_copy && g_ascii_strcasecmp(cfg->team_copy,
	    address) == 0);
}

int
guard_check(struct tx *tx, unsigned long ticket, const struct pd_agent *a,
    const char *text, const struct leaktext *lt, char **hit_r)
{
	struct leakguard *g = leakguard_new();
	char *all = g_strdup_printf("%s\n%s", text, lt ? lt->text->str : "");
	char *hit = NULL;
	int r;

	/* The note not yet stored first: leakindex_guard reads the client's
	 * text only when some note is there to compare with. */
	if (tx->pending_note)
		leakguard_add_note(g, tx->pending_note);
	r = leakindex_guard(tx->db, tx->cfg, ticket, a, all, lt ? lt->hashes :
	    NULL, g);
	if (r == 0)
		hit = leakguard_check(g, all);
	for (guint i = 0; r == 0 && lt && hit == NULL && i < lt->hashes->len;
	    i++)
		hit = leakguard_check_file(g, lt->hashes->pdata[i]);
	leakguard_free(&g);
	g_free(all);
	*hit_r = hit;
	return r < 0 ? -1 : 0;
}

char *
guard_leak(struct tx *tx, unsigned long ticket, const char *text)
{
	char *hit;

	/* Unchecked is not clean: a template that cannot be checked is not
	 * sent (notify_send logs it). */
	if (guard_check(tx, ticket, tx->agent, text, NULL, &hit) < 0)
		return g_strdup("(the internal notes could not be read)");
	return hit;
}
