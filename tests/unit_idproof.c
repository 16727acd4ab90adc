/* unit_idproof.c: what a reply to one of our signed ids proves (identity.h,
 * postdesk.conf(5) THREAT MODEL): only its own ticket (merges followed),
 * never a ticket from an id of no ticket, nothing after id_max_age_days,
 * and a fresh proof only within id_fresh_hours; which commands need one;
 * the two settings in the config. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <glib.h>
#include <gmime/gmime.h>
#include "agentcmd.h"
#include "commands.h"
#include "config.h"
#include "db.h"
#include "identity.h"
#include "mac.h"
#include "outbox.h"
#include "tap.h"

#define NOW ((int64_t)2000000000)
#define HOUR ((int64_t)3600)
#define DAY (24 * HOUR)

static char *dir;

static char *
write_conf(const char *name, const char *extra)
{
	char *path = g_build_filename(dir, name, NULL);
	char *text = g_strdup_printf(
	    "gateway = {\n"
	    "  address = \"support@example.test\";\n"
	    "  key_file = \"%s/mac.key\";\n"
	    "  trusted_authserv = [ \"mx.example.test\" ];\n"
	    "%s"
	    "};\n"
	    "database = \"%s/pd.db\";\n"
	    "smtp = { host = \"localhost\"; tls = \"none\"; };\n"
	    "agents = (\n"
	    "  { name = \"Olga Ivanova\"; addresses = [ \"olga@example.test\" ]; },\n"
	    "  { name = \"John Smith\"; addresses = [ \"john@example.test\" ]; }\n"
	    ");\n", dir, extra, dir);

	g_file_set_contents(path, text, -1, NULL);
	g_free(text);
	return path;
}

static struct pd_config *
load(const char *extra, GString *errors)
{
	struct pd_config *cfg = NULL;
	char *path = write_conf("t.conf", extra);

	g_string_truncate(errors, 0);
	config_load(path, &cfg, errors);
	g_free(path);
	return cfg;
}

static void
test_config(void)
{
	GString *e = g_string_new(NULL);
	struct pd_config *cfg = load("", e);

	if (ok(cfg != NULL, "config: loads without the new settings"))
		ok(cfg->id_max_age_days == 30 && cfg->id_fresh_hours == 24,
		    "config: defaults 30 days and 24 hours (%u, %u)",
		    cfg->id_max_age_days, cfg->id_fresh_hours);
	config_free(&cfg);
	cfg = load("  id_max_age_days = 7;\n  id_fresh_hours = 0;\n", e);
	ok(cfg && cfg->id_max_age_days == 7 && cfg->id_fresh_hours == 0,
	    "config: id_max_age_days 7, id_fresh_hours 0");
	config_free(&cfg);
	cfg = load("  id_max_age_days = 0;\n", e);
	ok(!cfg && strstr(e->str, "t.conf:5:") && strstr(e->str,
	    "id_max_age_days"), "config: id_max_age_days 0 refused with "
	    "file:line (%s)", g_strchomp(e->str));
	config_free(&cfg);
	cfg = load("  id_fresh_hours = \"soon\";\n", e);
	ok(!cfg && strstr(e->str, "t.conf:5:") && strstr(e->str,
	    "id_fresh_hours"), "config: id_fresh_hours must be a number (%s)",
	    g_strchomp(e->str));
	config_free(&cfg);
	cfg = load("  id_fresh_hours = 9000;\n", e);
	ok(!cfg && strstr(e->str, "id_fresh_hours"),
	    "config: id_fresh_hours out of range refused");
	config_free(&cfg);
	g_string_free(e, TRUE);
}

struct wcase {
	const char *name;
	struct identity_cand c[3];
	unsigned n;
	unsigned long ticket;	/* the ticket the mail acts on */
	unsigned fresh_hours;	/* 0: the default 24 */
	const char *how;	/* "reply" or "none" */
	int fresh;
	int challenge;		/* a challenge is found */
	const char *why;	/* substring, or NULL: not checked */
};

static const struct wcase wcases[] = {
	{ "reply to an id of this ticket, 1 h old",
	    { { "a", 'm', 5, 5, NOW - HOUR } }, 1, 5, 0, "reply", 1, 0, NULL },
	{ "note id of this ticket, 1 h old",
	    { { "a", 'n', 5, 5, NOW - HOUR } }, 1, 5, 0, "reply", 1, 0, NULL },
	{ "this ticket, 25 h old: proves, not fresh",
	    { { "a", 'm', 5, 5, NOW - 25 * HOUR } }, 1, 5, 0, "reply", 0, 0,
	    NULL },
	{ "this ticket, 29 days old: proves, not fresh",
	    { { "a", 'm', 5, 5, NOW - 29 * DAY } }, 1, 5, 0, "reply", 0, 0,
	    NULL },
	{ "this ticket, 31 days old: expired",
	    { { "a", 'm', 5, 5, NOW - 31 * DAY } }, 1, 5, 0, "none", 0, 0,
	    "longer ago" },
	{ "id of ticket 4 on ticket 5",
	    { { "a", 'n', 4, 4, NOW - HOUR } }, 1, 5, 0, "none", 0, 0,
	    "another ticket" },
	{ "id of ticket 4, merged into 5, on ticket 5",
	    { { "a", 'm', 4, 5, NOW - HOUR } }, 1, 5, 0, "reply", 1, 0, NULL },
	{ "id of ticket 5 on ticket 4 that 5 was merged into... not 4",
	    { { "a", 'm', 5, 5, NOW - HOUR } }, 1, 4, 0, "none", 0, 0,
	    "another ticket" },
	{ "transcript (ticket 0) on ticket 5",
	    { { "a", 'm', 0, 0, NOW - HOUR } }, 1, 5, 0, "none", 0, 0,
	    "no ticket" },
	{ "transcript (ticket 0) on no ticket",
	    { { "a", 'm', 0, 0, NOW - HOUR } }, 1, 0, 0, "none", 0, 0,
	    "no ticket" },
	{ "id of ticket 5 on a new ticket",
	    { { "a", 'm', 5, 5, NOW - HOUR } }, 1, 0, 0, "none", 0, 0,
	    "another ticket" },
	{ "signed but never in the outbox",
	    { { "a", 'm', 5, 5, 0 } }, 1, 5, 0, "none", 0, 0, "never sent" },
	{ "challenge, 1 day old: a challenge, no ticket proof",
	    { { "c", 'c', 0, 0, NOW - DAY } }, 1, 5, 0, "none", 0, 1, NULL },
	{ "challenge, 40 days old: nothing",
	    { { "c", 'c', 0, 0, NOW - 40 * DAY } }, 1, 0, 0, "none", 0, 0,
	    "longer ago" },
	{ "old and young id of the ticket: the young one counts",
	    { { "a", 'm', 5, 5, NOW - 20 * DAY }, { "b", 'm', 5, 5,
	    NOW - 2 * HOUR } }, 2, 5, 0, "reply", 1, 0, NULL },
	{ "transcript and an id of another ticket",
	    { { "a", 'm', 0, 0, NOW - HOUR }, { "b", 'n', 7, 7, NOW - HOUR } },
	    2, 5, 0, "none", 0, 0, NULL },
	{ "id_fresh_hours 1: 2 h old is not fresh",
	    { { "a", 'm', 5, 5, NOW - 2 * HOUR } }, 1, 5, 1, "reply", 0, 0,
	    NULL },
	{ "a row from the future counts as new",
	    { { "a", 'm', 5, 5, NOW + HOUR } }, 1, 5, 0, "reply", 1, 0, NULL },
	{ "no candidates", { { 0 } }, 0, 5, 0, "none", 0, 0, NULL },
};

static void
test_weigh(void)
{
	struct pd_config cfg = { .id_max_age_days = 30 };

	for (size_t i = 0; i < G_N_ELEMENTS(wcases); i++) {
		const struct wcase *w = &wcases[i];
		struct identity_proof p;

		cfg.id_fresh_hours = w->fresh_hours ? w->fresh_hours : 24;
		identity_weigh(&cfg, w->c, w->n, w->ticket, NOW, &p);
		ok(strcmp(p.how, w->how) == 0 && p.fresh == (w->fresh != 0) &&
		    (p.challenge != NULL) == (w->challenge != 0) &&
		    (!w->why || (p.why && strstr(p.why, w->why))) &&
		    (strcmp(w->how, "reply") != 0 || p.id != NULL),
		    "weigh: %s (how %s, fresh %d, challenge %s, why %s)",
		    w->name, p.how, p.fresh, p.challenge ? p.challenge : "-",
		    p.why ? p.why : "-");
	}
}

static int
needs(const char *text, const char *want)
{
	struct cmd_parse p;
	const struct cmd *c;
	int r;

	commands_parse(text, &p);
	c = agentcmd_needs_fresh(p.cmds);
	r = want ? c && strcmp(c->word, want) == 0 : c == NULL;
	commands_free(&p);
	return r;
}

static void
test_needs_fresh(void)
{
	ok(needs("#take\n#cc spy@attacker.test\n\nHi", "cc"),
	    "needs fresh: #cc");
	ok(needs("#копия spy@attacker.test", "копия"), "needs fresh: #копия");
	ok(needs("#client victim@example.test", "client"),
	    "needs fresh: #client");
	ok(needs("#priority high\n#merge 1000", "merge"), "needs fresh: #merge");
	ok(needs("#объединить 1000", "объединить"), "needs fresh: #объединить");
	ok(needs("#status closed\n#take\n#note\nsecret", NULL),
	    "needs fresh: #status, #take, #note do not");
	ok(needs("Hello, no commands.", NULL), "needs fresh: plain text does "
	    "not");
}

/* A mail from `from` answering `irt` (may be NULL), with extra headers. */
static struct pd_msg *
mail(const struct pd_config *cfg, const char *from, const char *irt,
    const char *extra)
{
	struct pd_msg *m = NULL;
	char *err = NULL;
	char *raw = g_strdup_printf("From: %s\r\nTo: support@example.test\r\n"
	    "Subject: Re: x\r\nMessage-ID: <%u@client.test>\r\n"
	    "%s%s%s%s%s%s\r\nText.\r\n", from, g_random_int(),
	    irt ? "In-Reply-To: <" : "", irt ? irt : "", irt ? ">\r\n" : "",
	    irt ? "References: <" : "", irt ? irt : "", irt ? ">\r\n" : "");
	char *all = g_strdup_printf("%s%s", extra ? extra : "", raw);

	if (msg_parse(all, strlen(all), &cfg->limits, &m, &err) != 0) {
		printf("# parse: %s\n", err);
		g_free(err);
	}
	g_free(raw);
	g_free(all);
	return m;
}

struct vcase {
	const char *name;
	const char *from;
	int id;                 /* index into ids, -1 none */
	const char *extra;      /* headers */
	unsigned long ticket;   /* acts on */
	enum identity who;
	const char *how;
	int fresh;
};

static void
test_verify(void)
{
	GString *e = g_string_new(NULL);
	struct pd_config *cfg = load("", e);
	char *err = NULL;
	sqlite3 *db = NULL;
	char *ids[7];
	time_t now = time(NULL);

	if (!ok(cfg != NULL, "verify: config") || !ok(mac_init(cfg->key_file,
	    &err) == 0, "verify: key") || !ok(db_open(cfg->database, &db,
	    &err) == 0, "verify: database")) {
		printf("# %s %s\n", e->str, err ? err : "");
		return;
	}
	for (unsigned long t = 1000; t <= 1002; t++)
		db_exec(db, "INSERT INTO tickets (number, subject, queue, "
		    "requester, root_id, created, updated) VALUES (?, 's', "
		    "'support', 'hana@example.test', 'r', 0, 0)", "u", t);
	db_exec(db, "UPDATE tickets SET merged_into = 1000 WHERE number = "
	    "1002", "");
	ids[0] = mac_msgid_kind(1000, "olga@example.test", "example.test", 'n');
	ids[1] = mac_msgid_kind(1001, "olga@example.test", "example.test", 'm');
	ids[2] = mac_msgid_kind(0, "olga@example.test", "example.test", 'm');
	ids[3] = mac_msgid_kind(1000, "john@example.test", "example.test", 'm');
	ids[4] = mac_msgid_kind(1000, "olga@example.test", "example.test", 'm');
	ids[5] = mac_msgid_kind(1002, "olga@example.test", "example.test", 'm');
	ids[6] = mac_msgid_kind(0, "olga@example.test", "example.test", 'c');
	/* ids[4] is signed but never queued. */
	for (int i = 0; i < 7; i++)
		if (i != 4)
			outbox_add(db, i == 2 || i == 6 ? 0 : 1000, "x", ids[i],
			    "support@example.test", i == 3 ?
			    "john@example.test" : "olga@example.test", "x", 1);
	const struct vcase cases[] = {
		{ "client", "hana@example.test", 0, NULL, 1000, IDENT_CLIENT,
		    "none", 0 },
		{ "note id of the ticket", "olga@example.test", 0, NULL, 1000,
		    IDENT_AGENT, "reply", 1 },
		{ "note id of 1000 on 1001", "olga@example.test", 0, NULL,
		    1001, IDENT_UNVERIFIED, "none", 0 },
		{ "id of 1001 on 1001", "olga@example.test", 1, NULL, 1001,
		    IDENT_AGENT, "reply", 1 },
		{ "transcript id on 1000", "olga@example.test", 2, NULL, 1000,
		    IDENT_UNVERIFIED, "none", 0 },
		{ "John's id with Olga's From", "olga@example.test", 3, NULL,
		    1000, IDENT_UNVERIFIED, "none", 0 },
		{ "signed, never queued", "olga@example.test", 4, NULL, 1000,
		    IDENT_UNVERIFIED, "none", 0 },
		{ "id of 1002, merged into 1000, on 1000", "olga@example.test",
		    5, NULL, 1000, IDENT_AGENT, "reply", 1 },
		{ "challenge id", "olga@example.test", 6, NULL, 0,
		    IDENT_AGENT, "challenge", 0 },
		{ "no id, trusted DKIM", "olga@example.test", -1,
		    "Authentication-Results: mx.example.test; dkim=pass "
		    "header.d=example.test\r\n", 1000, IDENT_AGENT, "dkim", 1 },
		{ "transcript id and trusted DKIM", "olga@example.test", 2,
		    "Authentication-Results: mx.example.test; dkim=pass "
		    "header.d=example.test\r\n", 1000, IDENT_AGENT, "dkim", 1 },
		{ "no id, no DKIM", "olga@example.test", -1, NULL, 1000,
		    IDENT_UNVERIFIED, "none", 0 },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		const struct vcase *v = &cases[i];
		struct pd_msg *m = mail(cfg, v->from, v->id >= 0 ?
		    ids[v->id] : NULL, v->extra);
		const struct pd_agent *a;
		struct identity_proof p;
		enum identity who;
		int r;

		if (!m) {
			ok(0, "verify: %s: parses", v->name);
			continue;
		}
		r = identity_verify(db, cfg, m, v->ticket, now, &who, &a, &p);
		ok(r == 0 && who == v->who && strcmp(p.how, v->how) == 0 &&
		    p.fresh == (v->fresh != 0), "verify: %s (who %d, how %s, "
		    "fresh %d, why %s)", v->name, who, p.how, p.fresh,
		    p.why ? p.why : "-");
		msg_free(&m);
	}
	/* Age comes from the outbox row: backdate it. */
	const struct { const char *name; int64_t back; enum identity who;
	    int fresh; } ages[] = {
		{ "sent 23 h ago", 23 * HOUR, IDENT_AGENT, 1 },
		{ "sent 25 h ago", 25 * HOUR, IDENT_AGENT, 0 },
		{ "sent 29 days ago", 29 * DAY, IDENT_AGENT, 0 },
		{ "sent 31 days ago", 31 * DAY, IDENT_UNVERIFIED, 0 },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(ages); i++) {
		struct pd_msg *m = mail(cfg, "olga@example.test", ids[0], NULL);
		const struct pd_agent *a;
		struct identity_proof p;
		enum identity who = IDENT_CLIENT;

		db_exec(db, "UPDATE outbox SET created = ?, sent_at = ? WHERE "
		    "message_id = ?", "iit", (int64_t)now - ages[i].back - 60,
		    (int64_t)now - ages[i].back, ids[0]);
		if (m)
			identity_verify(db, cfg, m, 1000, now, &who, &a, &p);
		ok(m && who == ages[i].who && p.fresh == (ages[i].fresh != 0),
		    "verify: note id %s (who %d, fresh %d)", ages[i].name, who,
		    m ? p.fresh : -1);
		msg_free(&m);
	}
	for (int i = 0; i < 7; i++)
		g_free(ids[i]);
	db_close(&db);
	mac_reset();
	config_free(&cfg);
	g_string_free(e, TRUE);
}

int
main(void)
{
	char *cmd;

	g_mime_init();
	dir = g_dir_make_tmp("unit_idproof-XXXXXX", NULL);
	test_config();
	test_weigh();
	test_needs_fresh();
	test_verify();
	cmd = g_strdup_printf("rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	g_free(cmd);
	g_free(dir);
	return tap_done();
}
