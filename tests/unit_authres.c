/* unit_authres.c: the RFC 8601 parser (daemon/authres.c) on the examples of
 * RFC 8601 appendix B, OpenDKIM, OpenDMARC, rspamd and Gmail formats and
 * hostile values; then the agent identity decision (daemon/identity.c) on
 * whole parsed messages: trusted zone, forged results, failures that
 * override a pass and a reply to our signed id. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>
#include <gmime/gmime.h>
#include "authres.h"
#include "config.h"
#include "identity.h"
#include "mac.h"
#include "msg.h"
#include "tap.h"

static struct authres *
parse(const char *v)
{
	struct authres *ar = NULL;
	char *err = NULL;

	if (authres_parse(v, &ar, &err) != 0) {
		printf("# %s\n", err);
		g_free(err);
	}
	return ar;
}

static bool
refused(const char *v)
{
	struct authres *ar = NULL;
	char *err = NULL;
	int r = authres_parse(v, &ar, &err);
	bool ok_ = r == -1 && ar == NULL && err != NULL && *err;

	g_free(err);
	authres_free(ar);
	return ok_;
}

/* "method=result" of result i, or "" */
static char *
res(const struct authres *ar, unsigned i)
{
	static char buf[256];

	if (ar == NULL || i >= ar->n_results)
		return "";
	snprintf(buf, sizeof(buf), "%s=%s", ar->results[i].method,
	    ar->results[i].result);
	return buf;
}

/* Value of ptype.property in result i, or NULL. */
static const char *
prop(const struct authres *ar, unsigned i, const char *pt, const char *pr)
{
	if (ar == NULL || i >= ar->n_results)
		return NULL;
	for (unsigned k = 0; k < ar->results[i].n_props; k++)
		if (strcmp(ar->results[i].props[k].ptype, pt) == 0 &&
		    strcmp(ar->results[i].props[k].property, pr) == 0)
			return ar->results[i].props[k].value;
	return NULL;
}

static void
test_rfc_examples(void)
{
	struct authres *ar;

	/* B.2: service provided, no authentication done. */
	ar = parse("example.org 1; none");
	ok(ar && strcmp(ar->authserv_id, "example.org") == 0 &&
	    ar->version == 1 && ar->n_results == 0, "B.2: 'example.org 1; none'");
	authres_free(ar);

	/* B.3: one result. */
	ar = parse("example.com;\r\n                  spf=pass "
	    "smtp.mailfrom=example.net");
	is_str(res(ar, 0), "spf=pass", "B.3: spf=pass");
	is_str(prop(ar, 0, "smtp", "mailfrom"), "example.net",
	    "B.3: smtp.mailfrom");
	authres_free(ar);

	/* B.4: several results, one MTA. */
	ar = parse("example.com;\r\n          auth=pass (cram-md5) "
	    "smtp.auth=sender@example.net;\r\n          spf=pass "
	    "smtp.mailfrom=example.net");
	ok(ar && ar->n_results == 2, "B.4: two results");
	is_str(res(ar, 0), "auth=pass", "B.4: auth=pass, comment skipped");
	is_str(prop(ar, 0, "smtp", "auth"), "sender@example.net",
	    "B.4: smtp.auth=local@domain");
	is_str(res(ar, 1), "spf=pass", "B.4: spf=pass");
	authres_free(ar);
	ar = parse("example.com; iprev=pass\r\n          "
	    "policy.iprev=192.0.2.200");
	is_str(prop(ar, 0, "policy", "iprev"), "192.0.2.200",
	    "B.4: policy.iprev");
	authres_free(ar);

	/* B.5: several MTAs. */
	ar = parse("example.com;\r\n          dkim=pass (good signature) "
	    "header.d=mail-router.example.net");
	is_str(prop(ar, 0, "header", "d"), "mail-router.example.net",
	    "B.5: dkim pass header.d");
	authres_free(ar);
	ar = parse("example.com;\r\n          sender-id=fail "
	    "header.from=example.com;\r\n          dkim=pass (good signature) "
	    "header.d=example.com");
	ok(ar && ar->n_results == 2 && strcmp(res(ar, 0), "sender-id=fail")
	    == 0, "B.5: sender-id=fail then dkim=pass");
	authres_free(ar);

	/* B.6: reason=, quoted. */
	ar = parse("example.com;\r\n      dkim=pass reason=\"good signature\"\r\n"
	    "        header.i=@mail-router.example.net;\r\n      dkim=fail "
	    "reason=\"bad signature\"\r\n        header.i=@newyork.example.com");
	ok(ar && ar->n_results == 2 && ar->results[0].reason &&
	    strcmp(ar->results[0].reason, "good signature") == 0,
	    "B.6: reason unquoted");
	is_str(prop(ar, 1, "header", "i"), "@newyork.example.com",
	    "B.6: header.i=@domain");
	is_str(res(ar, 1), "dkim=fail", "B.6: second result dkim=fail");
	authres_free(ar);
	ar = parse("example.net;\r\n      dkim=pass (good signature) "
	    "header.i=@newyork.example.com");
	is_str(res(ar, 0), "dkim=pass", "B.6: second MTA");
	authres_free(ar);

	/* B.7: comments everywhere. */
	ar = parse("foo.example.net (foobar) 1 (baz);\r\n    dkim (Because I "
	    "like it) / 1 (One yay) = (wait for it) fail\r\n      policy (A dot "
	    "can go here) . (like that) expired\r\n      (this surprised me) = "
	    "(as I wasn't expecting it) 1362471462");
	ok(ar && strcmp(ar->authserv_id, "foo.example.net") == 0 &&
	    ar->version == 1, "B.7: authserv-id and version among comments");
	ok(ar && ar->n_results == 1 && ar->results[0].version == 1,
	    "B.7: method version 1");
	is_str(res(ar, 0), "dkim=fail", "B.7: dkim=fail");
	is_str(prop(ar, 0, "policy", "expired"), "1362471462",
	    "B.7: policy.expired");
	authres_free(ar);
}

static void
test_real_formats(void)
{
	struct authres *ar;

	ar = parse("mx.example.com;\r\n\tdkim=pass (2048-bit key; unprotected) "
	    "header.d=example.com header.i=@example.com header.b=\"abc\";\r\n"
	    "\tdkim-atps=neutral");
	is_str(res(ar, 0), "dkim=pass", "OpenDKIM: ';' inside the comment");
	is_str(prop(ar, 0, "header", "d"), "example.com", "OpenDKIM: header.d");
	is_str(prop(ar, 0, "header", "i"), "@example.com", "OpenDKIM: header.i");
	is_str(prop(ar, 0, "header", "b"), "abc", "OpenDKIM: header.b unquoted");
	is_str(res(ar, 1), "dkim-atps=neutral", "OpenDKIM: dkim-atps");
	authres_free(ar);

	ar = parse("mx.example.com; dmarc=pass (p=none dis=none) "
	    "header.from=example.com");
	is_str(res(ar, 0), "dmarc=pass", "OpenDMARC: dmarc=pass");
	is_str(prop(ar, 0, "header", "from"), "example.com",
	    "OpenDMARC: header.from");
	authres_free(ar);

	ar = parse("MX.Example.ORG 1; DKIM=PASS Header.D=Example.COM");
	ok(ar && strcmp(ar->authserv_id, "mx.example.org") == 0,
	    "upper case authserv-id lower-cased, version read");
	is_str(res(ar, 0), "dkim=pass", "upper case method and result");
	is_str(prop(ar, 0, "header", "d"), "Example.COM",
	    "upper case ptype.property; value as written");
	authres_free(ar);

	ar = parse(" mx.example.org;\r\n dkim=pass\r\n header.i=user@example.com");
	is_str(prop(ar, 0, "header", "i"), "user@example.com",
	    "folding; header.i=user@domain");
	is_str(authres_value_domain(prop(ar, 0, "header", "i") ?
	    prop(ar, 0, "header", "i") : ""), "example.com", "its domain");
	authres_free(ar);

	ar = parse("mx.example.org; dkim=pass header.d=example.com "
	    "header.s=dkim header.b=aB+/9=; spf=pass (mx.example.org: domain "
	    "of a@example.com designates 192.0.2.1 as permitted sender) "
	    "smtp.mailfrom=a@example.com; dmarc=pass (policy=none) "
	    "header.from=example.com; arc=none;");
	ok(ar && ar->n_results == 4, "rspamd: four results, trailing ';'");
	is_str(prop(ar, 0, "header", "b"), "aB+/9=", "rspamd: base64 header.b");
	authres_free(ar);

	ar = parse("mx.google.com;       dkim=pass header.i=@example.com "
	    "header.s=20230601 header.b=Xy1;       spf=pass (google.com: domain "
	    "of x@example.com designates 2001:db8::1 as permitted sender) "
	    "smtp.mailfrom=x@example.com;       dmarc=pass (p=NONE sp=NONE "
	    "dis=NONE) header.from=example.com");
	ok(ar && ar->n_results == 3, "Gmail: three results");
	authres_free(ar);

	ar = parse("\"quoted.example\"; dkim=pass header.i=\"a b\"@example.com");
	ok(ar && strcmp(ar->authserv_id, "quoted.example") == 0,
	    "quoted authserv-id");
	is_str(prop(ar, 0, "header", "i"), "a b@example.com",
	    "quoted local part with @domain");
	authres_free(ar);
}

static void
test_hostile_parse(void)
{
	struct authres *ar;

	ar = parse("mx.example.test; spf=pass "
	    "smtp.mailfrom=dkim=pass+header.d=example.test@attacker.test");
	ok(ar && ar->n_results == 1, "mailfrom holding 'dkim=pass': one result");
	is_str(res(ar, 0), "spf=pass", "... and it is spf");
	is_str(authres_value_domain(prop(ar, 0, "smtp", "mailfrom") ?
	    prop(ar, 0, "smtp", "mailfrom") : ""), "attacker.test",
	    "... whose domain is attacker.test");
	authres_free(ar);

	ar = parse("mx.example.test; dkim=pass header.d=attacker.test "
	    "header.i=header.d=example.test@attacker.test");
	is_str(prop(ar, 0, "header", "d"), "attacker.test",
	    "header.i holding 'header.d=': header.d stays attacker.test");
	is_str(prop(ar, 0, "header", "i"), "header.d=example.test@attacker.test",
	    "... and header.i is one value");
	authres_free(ar);

	ar = parse("mx.example.test; spf=pass (dkim=pass header.d=example.test)"
	    " smtp.mailfrom=attacker.test");
	ok(ar && ar->n_results == 1 && prop(ar, 0, "header", "d") == NULL,
	    "a pass inside a comment is no result");
	authres_free(ar);

	ar = parse("mx.example.test (; dkim=pass header.d=example.test); "
	    "spf=none smtp.mailfrom=attacker.test");
	ok(ar && ar->n_results == 1 && strcmp(res(ar, 0), "spf=none") == 0,
	    "';' and a pass inside the authserv-id's comment");
	authres_free(ar);

	ar = parse("mx.example.test; spf=pass smtp.mailfrom=\"x; dkim=pass "
	    "header.d=example.test\"@attacker.test");
	ok(ar && ar->n_results == 1, "';' inside a quoted local part");
	authres_free(ar);

	ok(refused(""), "empty value refused");
	ok(refused("mx.example.test"), "no result refused");
	ok(refused("mx.example.test; dkim"), "method without result refused");
	ok(refused("mx.example.test; dkim=pass header.d"),
	    "property without value refused");
	ok(refused("mx.example.test; dkim=pass header=example.test"),
	    "ptype without property refused");
	ok(refused("mx.example.test; dkim=pass (unterminated"),
	    "unterminated comment refused");
	ok(refused("mx.example.test; dkim=pass header.i=\"unterminated"),
	    "unterminated quoted string refused");
	ok(refused("mx.example.test; none; dkim=pass header.d=example.test"),
	    "'none' followed by a result refused");
	ok(refused("mx.example.test; none dkim=pass"),
	    "'none' followed by text refused");
	ok(refused("mx.example.test x; dkim=pass"), "junk after authserv-id");
	ok(refused("; dkim=pass header.d=example.test"), "no authserv-id");
	ok(refused("spf=pass (sender IP is 192.0.2.1) smtp.mailfrom=example.test;"
	    " dkim=pass header.d=example.test"),
	    "Microsoft's value without authserv-id refused");

	GString *s = g_string_new("mx.example.test; dkim=pass ");
	for (int i = 0; i < AUTHRES_MAX_NEST + 2; i++)
		g_string_append_c(s, '(');
	for (int i = 0; i < AUTHRES_MAX_NEST + 2; i++)
		g_string_append_c(s, ')');
	ok(refused(s->str), "comments nested too deep refused");
	g_string_assign(s, "mx.example.test");
	for (int i = 0; i <= AUTHRES_MAX_RESULTS; i++)
		g_string_append(s, "; dkim=none");
	ok(refused(s->str), "more than %d results refused",
	    AUTHRES_MAX_RESULTS);
	g_string_assign(s, "mx.example.test; dkim=pass");
	for (int i = 0; i <= AUTHRES_MAX_PROPS; i++)
		g_string_append(s, " header.s=x");
	ok(refused(s->str), "more than %d properties refused",
	    AUTHRES_MAX_PROPS);
	g_string_assign(s, "mx.example.test; dkim=pass header.b=");
	for (int i = 0; i <= AUTHRES_MAX_VALUE; i++)
		g_string_append_c(s, 'a');
	ok(refused(s->str), "a value over %d bytes refused", AUTHRES_MAX_VALUE);
	g_string_assign(s, "mx.example.test; dkim=pass (");
	while (s->len <= AUTHRES_MAX_LEN)
		g_string_append(s, "xxxxxxxxxxxxxxxx");
	g_string_append(s, ")");
	ok(refused(s->str), "a value over %d bytes refused", AUTHRES_MAX_LEN);
	g_string_free(s, TRUE);

	char *id = authres_authserv_id("MX.example.test (c) 3; dkim=pass (x");
	is_str(id, "mx.example.test", "authserv-id of a value that fails later");
	g_free(id);
	ok(authres_authserv_id("(x; y") == NULL, "no authserv-id: NULL");
	authres_free(NULL);
	ok(1, "authres_free(NULL)");
}

/* ---- the identity decision on whole messages ---- */

static struct pd_config *cfg;
static char *tmpdir;
static const struct pd_limits lim = PD_LIMITS_DEFAULT;

static bool
setup(void)
{
	char *path, *text, *err = NULL;
	GString *errors = g_string_new(NULL);
	int r;

	tmpdir = g_dir_make_tmp("unit_authres.XXXXXX", NULL);
	if (tmpdir == NULL)
		return false;
	path = g_build_filename(tmpdir, "postdesk.conf", NULL);
	text = g_strdup_printf(
	    "gateway = { name = \"Support\"; address = \"support@example.test\";"
	    " tag = \"ACME\"; key_file = \"%s/mac.key\";"
	    " trusted_authserv = [ \"mx.example.test\" ];"
	    " trusted_relays = [ \"imap.example.test\" ]; };\n"
	    "database = \"%s/pd.db\";\n"
	    "smtp = { host = \"localhost\"; port = 25; tls = \"none\"; };\n"
	    "agents = ( { name = \"Olga\"; addresses = [ \"olga@example.test\" ];"
	    " } );\n", tmpdir, tmpdir);
	g_file_set_contents(path, text, -1, NULL);
	r = config_load(path, &cfg, errors);
	if (r != 0)
		printf("# config: %s\n", errors->str);
	g_string_free(errors, TRUE);
	g_free(text);
	if (r == 0) {
		char *key = g_build_filename(tmpdir, "mac.key", NULL);

		r = mac_init(key, &err);
		if (r != 0)
			printf("# mac: %s\n", err);
		g_free(err);
		g_free(key);
	}
	g_free(path);
	return r == 0;
}

static void
teardown(void)
{
	char *p;

	mac_reset();
	config_free(&cfg);
	if (tmpdir == NULL)
		return;
	p = g_build_filename(tmpdir, "mac.key", NULL);
	g_unlink(p);
	g_free(p);
	p = g_build_filename(tmpdir, "postdesk.conf", NULL);
	g_unlink(p);
	g_free(p);
	g_rmdir(tmpdir);
	g_free(tmpdir);
}

#define LMTP "Received: from mx.example.test ([127.0.0.1])\r\n\tby " \
	"store.example.test with LMTP id x1\r\n\tfor <support@example.test>;" \
	" Mon, 30 Nov 2026 08:00:00 +0000\r\n"
#define MX "Received: from mail.example.test (mail.example.test " \
	"[192.0.2.1])\r\n\tby mx.example.test (Postfix) with ESMTPS id A1\r\n" \
	"\tfor <support@example.test>; Mon, 30 Nov 2026 08:00:00 +0000\r\n"
#define FOREIGN "Received: from evil (evil [198.51.100.1])\r\n\tby " \
	"relay.attacker.test with ESMTP id Z9; Mon, 30 Nov 2026 07:59:00 +0000\r\n"
#define AR(v) "Authentication-Results: " v "\r\n"
#define PASS AR("mx.example.test; dkim=pass header.d=example.test")

/* The identity of a message: top (trace headers, top down), then From:
 * olga@example.test and a Subject, plus extra (e.g. In-Reply-To). */
static enum identity
who(const char *top, const char *extra, const char **how_r)
{
	char *raw = g_strdup_printf("%sFrom: Olga <olga@example.test>\r\n"
	    "To: support@example.test\r\nSubject: Re: [ACME#1] x\r\n"
	    "Message-ID: <t@example.test>\r\n%s\r\n#close\r\n", top,
	    extra ? extra : "");
	struct pd_msg *m = NULL;
	const struct pd_agent *a = NULL;
	char *err = NULL;
	const char *how = "?";
	enum identity r = IDENT_CLIENT;

	if (msg_parse(raw, strlen(raw), &lim, &m, &err) != 0) {
		printf("# parse: %s\n", err);
		g_free(err);
	} else {
		r = identity_check(cfg, m, &a, &how);
	}
	msg_free(&m);
	g_free(raw);
	if (how_r)
		*how_r = how;
	return r;
}

static void
test_identity(void)
{
	const char *how;
	char *id, *irt;

	if (!ok(setup(), "a configuration with a trusted authserv-id")) {
		teardown();
		return;
	}
	ok(who(LMTP MX PASS, NULL, &how) == IDENT_AGENT &&
	    strcmp(how, "dkim") == 0, "pass below the MX's Received: agent");
	ok(who(LMTP PASS MX, NULL, NULL) == IDENT_AGENT,
	    "pass above the MX's Received: agent");
	ok(who(PASS, NULL, NULL) == IDENT_AGENT, "pass, no Received: agent");
	ok(who(LMTP MX AR("mx.example.test;\r\n\tdkim=pass (2048-bit key; "
	    "unprotected) header.d=example.test header.i=@example.test "
	    "header.b=\"abc\""), NULL, NULL) == IDENT_AGENT,
	    "OpenDKIM format: agent");
	ok(who(LMTP MX AR("MX.EXAMPLE.TEST 1; DKIM=Pass HEADER.I=olga@EXAMPLE.test"),
	    NULL, NULL) == IDENT_AGENT, "upper case, version, header.i=user@");
	ok(who(LMTP "Received: from mx.example.test by imap.example.test with "
	    "ESMTP; Mon, 30 Nov 2026 08:00:00 +0000\r\n" MX PASS, NULL, NULL) ==
	    IDENT_AGENT,
	    "a trusted relay's Received does not end the trusted part");

	ok(who(LMTP MX AR("mx.example.test; spf=pass smtp.mailfrom=dkim=pass+"
	    "header.d=example.test@attacker.test"), NULL, NULL) ==
	    IDENT_UNVERIFIED, "hostile: dkim=pass inside smtp.mailfrom");
	ok(who(LMTP MX AR("mx.example.test; dkim=pass header.d=attacker.test "
	    "header.i=header.d=example.test@attacker.test"), NULL, NULL) ==
	    IDENT_UNVERIFIED, "hostile: header.d=attacker, header.i holding "
	    "header.d=");
	ok(who(LMTP MX AR("mx.example.test; dkim=pass header.d=attacker.test "
	    "header.i=@example.test"), NULL, NULL) == IDENT_UNVERIFIED,
	    "hostile: header.d of another domain, header.i of ours");
	ok(who(LMTP MX AR("mx.example.test; spf=pass (dkim=pass header.d="
	    "example.test) smtp.mailfrom=attacker.test"), NULL, NULL) ==
	    IDENT_UNVERIFIED, "hostile: pass inside a comment");
	ok(who(LMTP MX AR("mx.example.test; arc=pass header.d=example.test"),
	    NULL, NULL) == IDENT_UNVERIFIED, "hostile: arc=pass");
	ok(who(LMTP MX AR("mx.example.test; x-foo=pass header.d=example.test"),
	    NULL, NULL) == IDENT_UNVERIFIED, "hostile: x-foo=pass");
	ok(who(LMTP MX AR("mx.example.test; dkim-atps=pass header.d=example.test"),
	    NULL, NULL) == IDENT_UNVERIFIED, "hostile: dkim-atps=pass");
	ok(who(LMTP MX FOREIGN PASS, NULL, NULL) == IDENT_UNVERIFIED,
	    "hostile: trusted pass below a foreign Received");
	ok(who(FOREIGN PASS, NULL, NULL) == IDENT_UNVERIFIED,
	    "hostile: trusted pass below a foreign first Received");
	ok(who(LMTP "Received: from by (by mx.example.test) by "
	    "relay.attacker.test with ESMTP; Mon, 30 Nov 2026 08:00:00 +0000\r\n"
	    PASS, NULL, NULL) == IDENT_UNVERIFIED,
	    "hostile: HELO 'by' and 'by mx' in a comment are no by clause");
	ok(who(LMTP "Received: from mx.example.test by mx.example.test.evil "
	    "with ESMTP; Mon, 30 Nov 2026 08:00:00 +0000\r\n" PASS, NULL, NULL)
	    == IDENT_UNVERIFIED, "hostile: a look-alike by host ends it");
	ok(who(LMTP LMTP PASS, NULL, NULL) == IDENT_UNVERIFIED,
	    "hostile: a second 'with LMTP' Received ends the trusted part");
	ok(who(LMTP MX AR("evil.test; dkim=pass header.d=example.test"), NULL,
	    NULL) == IDENT_UNVERIFIED, "hostile: untrusted authserv-id");
	ok(who(LMTP MX AR("mx.example.test.evil; dkim=pass header.d=example.test"),
	    NULL, NULL) == IDENT_UNVERIFIED, "hostile: authserv-id as a prefix");
	ok(who(LMTP MX AR("evil.test (mx.example.test); dkim=pass "
	    "header.d=example.test"), NULL, NULL) == IDENT_UNVERIFIED,
	    "hostile: trusted id in a comment");
	ok(who(LMTP MX AR("mx.example.test; dkim=pass header.d=example.test; "
	    "dkim=fail header.d=example.test"), NULL, NULL) == IDENT_UNVERIFIED,
	    "hostile: a dkim=fail next to a dkim=pass");
	ok(who(LMTP MX PASS AR("mx.example.test; spf=fail "
	    "smtp.mailfrom=olga@example.test"), NULL, NULL) == IDENT_UNVERIFIED,
	    "hostile: spf=fail for the domain");
	ok(who(LMTP MX PASS AR("mx.example.test; spf=softfail "
	    "smtp.mailfrom=example.test"), NULL, NULL) == IDENT_UNVERIFIED,
	    "spf=softfail for the domain");
	ok(who(LMTP MX PASS AR("mx.example.test; dmarc=fail (p=reject) "
	    "header.from=example.test"), NULL, NULL) == IDENT_UNVERIFIED,
	    "dmarc=fail for the domain");
	ok(who(LMTP MX PASS AR("mx.example.test; spf=fail "
	    "smtp.mailfrom=bounce@other.test"), NULL, NULL) == IDENT_AGENT,
	    "spf=fail for another domain does not override");
	ok(who(LMTP MX PASS AR("mx.example.test; spf=permerror "
	    "smtp.mailfrom=example.test"), NULL, NULL) == IDENT_AGENT,
	    "spf=permerror does not override");
	ok(who(LMTP MX PASS FOREIGN AR("mx.example.test; dkim=fail "
	    "header.d=example.test"), NULL, NULL) == IDENT_AGENT,
	    "a fail below a foreign Received is not believed either");
	ok(who(LMTP MX PASS AR("mx.example.test; dkim=pass (unterminated"),
	    NULL, NULL) == IDENT_UNVERIFIED,
	    "a trusted header that does not parse cancels the pass");
	ok(who(LMTP MX PASS AR("evil.test; dkim=pass (unterminated"), NULL,
	    NULL) == IDENT_AGENT, "an untrusted header that does not parse "
	    "changes nothing");

	/* The raw header is rewritten for GMime (rfc2047.h); an unclosed
	 * encoded-word start after the domain must not join it. */
	ok(who(LMTP MX PASS AR("mx.example.test; dmarc=fail header.from="
	    "example.test =?a?Q?x"), NULL, NULL) == IDENT_UNVERIFIED,
	    "hostile: an unclosed encoded word after a failing domain");

	/* A DKIM pass covers the last of each signed field, the gateway
	 * reads the first: a stranger replaying a signed mail of the domain
	 * puts his own From or Subject above the signed ones. */
	ok(who(LMTP MX PASS, "Subject: Re: [ACME#2] other\r\n", NULL) ==
	    IDENT_UNVERIFIED, "hostile: two Subject fields, trusted pass");
	ok(who(LMTP MX PASS, "From: sales@example.test\r\n", NULL) ==
	    IDENT_UNVERIFIED, "hostile: two From fields, trusted pass");
	ok(who(LMTP MX PASS, "In-Reply-To: <a@x.test>\r\nIn-Reply-To: "
	    "<b@x.test>\r\n", NULL) == IDENT_UNVERIFIED,
	    "hostile: two In-Reply-To fields, trusted pass");
	ok(who(LMTP MX PASS, "Received: from x by y; Mon, 30 Nov 2026 "
	    "08:00:00 +0000\r\nComments: a\r\nComments: b\r\n", NULL) ==
	    IDENT_AGENT, "repeated fields that may repeat: still the agent");

	/* A reply to our signed id proves the agent, unless a trusted
	 * failure for the domain says otherwise. */
	id = mac_msgid_kind(1, "olga@example.test", "example.test", 'n');
	irt = g_strdup_printf("In-Reply-To: <%s>\r\n", id);
	ok(who(LMTP MX, irt, &how) == IDENT_AGENT && strcmp(how, "reply") == 0,
	    "reply to our signed id: agent");
	ok(who(LMTP MX AR("mx.example.test; dkim=none; spf=pass "
	    "smtp.mailfrom=example.test"), irt, NULL) == IDENT_AGENT,
	    "reply with dkim=none: agent");
	ok(who(LMTP MX AR("mx.example.test; dkim=fail header.d=example.test"),
	    irt, NULL) == IDENT_UNVERIFIED, "dkim=fail overrides the reply");
	ok(who(LMTP MX AR("mx.example.test; spf=fail "
	    "smtp.mailfrom=olga@example.test"), irt, NULL) == IDENT_UNVERIFIED,
	    "spf=fail overrides the reply");
	ok(who(LMTP MX AR("mx.example.test; dmarc=fail header.from=example.test"),
	    irt, NULL) == IDENT_UNVERIFIED, "dmarc=fail overrides the reply");
	ok(who(LMTP MX FOREIGN AR("mx.example.test; dkim=fail "
	    "header.d=example.test"), irt, NULL) == IDENT_AGENT,
	    "an untrusted fail does not override the reply");

	/* A trusted header too long to parse still names its writer, so it
	 * counts as a failure: padding (a long comment, many results of
	 * forged signatures in one rspamd header) cannot hide one. */
	GString *pad = g_string_new(LMTP MX PASS "Authentication-Results: "
	    "mx.example.test; dmarc=fail (");
	for (int i = 0; i < AUTHRES_MAX_LEN / 32; i++)
		g_string_append(pad, "padding padding padding padding padding "
		    "padding padding pad\r\n\t");
	g_string_append(pad, ") header.from=example.test\r\n");
	ok(who(pad->str, NULL, NULL) == IDENT_UNVERIFIED,
	    "hostile: a trusted fail padded past the parser's bound still "
	    "cancels the pass");
	ok(who(pad->str, irt, NULL) == IDENT_UNVERIFIED,
	    "hostile: ... and overrides a reply to our id");
	g_string_free(pad, TRUE);
	g_free(irt);
	g_free(id);

	/* Many headers: one pass, bounded. */
	GString *top = g_string_new(LMTP MX);
	for (int i = 0; i < 900; i++)
		g_string_append(top, AR("mx.example.test; dkim=pass "
		    "header.d=example.test"));
	ok(who(top->str, NULL, NULL) == IDENT_UNVERIFIED,
	    "900 trusted headers (under max_headers): too many, not proven");
	g_string_free(top, TRUE);
	teardown();
}

int
main(void)
{
	g_mime_init();
	test_rfc_examples();
	test_real_formats();
	test_hostile_parse();
	test_identity();
	return tap_done();
}
