/* authres.c: see authres.h.  A hand-written recursive-descent parser over
 * the RFC 8601 grammar: every token is read by its own rule, CFWS between
 * tokens is skipped by one function, and nothing is searched by substring. */
#include <string.h>
#include <glib.h>
#include "authres.h"

struct lex {
	const char *p;   /* next byte */
	const char *err; /* static message once something failed */
};

static bool
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* RFC 2045 token characters: visible ASCII except tspecials. */
static bool
is_token(char c)
{
	return c > 0x20 && c < 0x7f && !strchr("()<>@,;:\\\"/[]?=", c);
}

/* Characters of an unquoted property value (lenient, see authres.h). */
static bool
is_pvalue(char c)
{
	return (unsigned char)c > 0x20 && c != 0x7f && !strchr("();\"\\", c);
}

static bool
is_keyword(char c)
{
	return g_ascii_isalnum(c) || c == '-' || c == '_';
}

/* Skips white space and comments, nested up to AUTHRES_MAX_NEST. */
static void
skip_cfws(struct lex *l)
{
	int depth = 0;

	while (!l->err && *l->p) {
		char c = *l->p;

		if (depth == 0 && is_ws(c)) {
			l->p++;
		} else if (c == '(') {
			if (++depth > AUTHRES_MAX_NEST)
				l->err = "comments nested too deep";
			l->p++;
		} else if (depth == 0) {
			return;
		} else if (c == ')') {
			depth--;
			l->p++;
		} else if (c == '\\') {
			l->p++;
			if (*l->p)
				l->p++;
		} else {
			l->p++;
		}
	}
	if (depth > 0 && !l->err)
		l->err = "unterminated comment";
}

/* A run of characters accepted by ok, at least one, at most
 * AUTHRES_MAX_VALUE; g_malloc'd, lower-cased when lower. */
static char *
run(struct lex *l, bool (*ok)(char), bool lower, const char *what)
{
	const char *s = l->p;

	while (*l->p && ok(*l->p))
		l->p++;
	if (l->p == s) {
		l->err = what;
		return NULL;
	}
	if (l->p - s > AUTHRES_MAX_VALUE) {
		l->err = "name or value too long";
		return NULL;
	}
	return lower ? g_ascii_strdown(s, l->p - s) : g_strndup(s, l->p - s);
}

/* quoted-string (l->p at the opening quote), unquoted, g_malloc'd. */
static char *
quoted(struct lex *l)
{
	GString *s = g_string_new(NULL);

	for (l->p++; *l->p && *l->p != '"'; l->p++) {
		if (*l->p == '\\' && l->p[1])
			l->p++;
		if (s->len >= AUTHRES_MAX_VALUE) {
			l->err = "quoted string too long";
			break;
		}
		g_string_append_c(s, *l->p);
	}
	if (!l->err && *l->p != '"')
		l->err = "unterminated quoted string";
	if (l->err) {
		g_string_free(s, TRUE);
		return NULL;
	}
	l->p++;
	return g_string_free(s, FALSE);
}

/* value = token / quoted-string (RFC 2045), for authserv-id and reason. */
static char *
value(struct lex *l, bool lower, bool lenient)
{
	char *v;

	if (*l->p == '"') {
		v = quoted(l);
		if (v && lower) {
			char *d = g_ascii_strdown(v, -1);

			g_free(v);
			v = d;
		}
		return v;
	}
	return run(l, lenient ? is_pvalue : is_token, lower, "value expected");
}

/* pvalue: a quoted string, optionally with "@domain", or a run. */
static char *
pvalue(struct lex *l)
{
	char *v, *dom, *both;

	if (*l->p != '"')
		return run(l, is_pvalue, false, "property value expected");
	if (!(v = quoted(l)))
		return NULL;
	if (*l->p != '@')
		return v;
	l->p++;
	dom = run(l, is_pvalue, false, "domain expected after @");
	both = dom ? g_strdup_printf("%s@%s", v, dom) : NULL;
	g_free(v);
	g_free(dom);
	return both;
}

/* 1*DIGIT, bounded. */
static unsigned
number(struct lex *l)
{
	unsigned n = 0;

	while (g_ascii_isdigit(*l->p)) {
		n = n * 10 + (unsigned)(*l->p++ - '0');
		if (n > 1000000) {
			l->err = "version too large";
			return 0;
		}
	}
	return n;
}

static void
result_clear(struct authres_result *r)
{
	g_free(r->method);
	g_free(r->result);
	g_free(r->reason);
	for (unsigned i = 0; i < r->n_props; i++) {
		g_free(r->props[i].ptype);
		g_free(r->props[i].property);
		g_free(r->props[i].value);
	}
	g_free(r->props);
}

void
authres_free(struct authres *ar)
{
	if (ar == NULL)
		return;
	g_free(ar->authserv_id);
	for (unsigned i = 0; i < ar->n_results; i++)
		result_clear(&ar->results[i]);
	g_free(ar->results);
	g_free(ar);
}

/* [CFWS] authserv-id [CFWS version] [CFWS]: l->p then at ";" or the end. */
static char *
authserv_id(struct lex *l, unsigned *version_r)
{
	char *id;

	skip_cfws(l);
	if (l->err || !(id = value(l, true, false)))
		return NULL;
	skip_cfws(l);
	*version_r = 0;
	if (!l->err && g_ascii_isdigit(*l->p)) {
		*version_r = number(l);
		skip_cfws(l);
	}
	if (!l->err && *l->p && *l->p != ';')
		l->err = "';' expected after the authserv-id";
	if (l->err) {
		g_free(id);
		return NULL;
	}
	return id;
}

/* The rest of one resinfo after its method keyword m (owned by r now):
 * ["/" version] "=" result [reason] *propspec, up to ";" or the end. */
static void
resinfo(struct lex *l, struct authres_result *r, char *m)
{
	r->method = m;
	if (*l->p == '/') {
		l->p++;
		skip_cfws(l);
		if (!l->err && !g_ascii_isdigit(*l->p))
			l->err = "method version expected";
		if (!l->err)
			r->version = number(l);
		skip_cfws(l);
	}
	if (!l->err && *l->p != '=')
		l->err = "'=' expected after the method";
	if (l->err)
		return;
	l->p++;
	skip_cfws(l);
	if (l->err || !(r->result = run(l, is_keyword, true,
	    "result expected")))
		return;
	for (;;) {
		char *name, *prop;

		skip_cfws(l);
		if (l->err || !*l->p || *l->p == ';')
			return;
		if (!(name = run(l, is_keyword, true, "property expected")))
			return;
		skip_cfws(l);
		if (!l->err && *l->p == '=' && strcmp(name, "reason") == 0 &&
		    r->reason == NULL) {
			g_free(name);
			l->p++;
			skip_cfws(l);
			if (!l->err)
				r->reason = value(l, false, true);
			continue;
		}
		if (!l->err && *l->p != '.')
			l->err = "'.' expected in ptype.property";
		if (!l->err) {
			l->p++;
			skip_cfws(l);
		}
		prop = l->err ? NULL : run(l, is_keyword, true,
		    "property expected");
		if (prop) {
			skip_cfws(l);
			if (!l->err && *l->p != '=')
				l->err = "'=' expected after ptype.property";
		}
		if (!l->err && r->n_props >= AUTHRES_MAX_PROPS)
			l->err = "too many properties in one result";
		if (l->err) {
			g_free(name);
			g_free(prop);
			return;
		}
		l->p++;
		skip_cfws(l);
		char *v = l->err ? NULL : pvalue(l);

		if (v == NULL) {
			g_free(name);
			g_free(prop);
			return;
		}
		r->props = g_renew(struct authres_prop, r->props,
		    r->n_props + 1);
		r->props[r->n_props].ptype = name;
		r->props[r->n_props].property = prop;
		r->props[r->n_props].value = v;
		r->n_props++;
	}
}

int
authres_parse(const char *input, struct authres **ar_r, char **error_r)
{
	struct lex l = { input, NULL };
	struct authres *ar;
	bool none = false;

	*ar_r = NULL;
	if (input == NULL || strlen(input) > AUTHRES_MAX_LEN) {
		*error_r = g_strdup(input ? "Authentication-Results too long" :
		    "no Authentication-Results value");
		return -1;
	}
	ar = g_new0(struct authres, 1);
	ar->authserv_id = authserv_id(&l, &ar->version);
	while (!l.err && *l.p == ';') {
		struct authres_result *r;
		char *m;

		l.p++;
		skip_cfws(&l);
		if (l.err || !*l.p || *l.p == ';')
			continue; /* tolerated: an empty or trailing ";" */
		if (none) {
			l.err = "'none' must be the only result";
			break;
		}
		if (!(m = run(&l, is_keyword, true, "method expected")))
			break;
		skip_cfws(&l);
		if (!l.err && strcmp(m, "none") == 0 && ar->n_results == 0 &&
		    *l.p != '=' && *l.p != '/') {
			g_free(m);
			none = true;
			continue;
		}
		if (!l.err && ar->n_results >= AUTHRES_MAX_RESULTS)
			l.err = "too many results";
		if (l.err) {
			g_free(m);
			break;
		}
		ar->results = g_renew(struct authres_result, ar->results,
		    ar->n_results + 1);
		r = &ar->results[ar->n_results++];
		memset(r, 0, sizeof(*r));
		resinfo(&l, r, m);
		if (!l.err && r->result == NULL)
			l.err = "result expected";
	}
	if (!l.err && *l.p)
		l.err = "';' expected";
	if (!l.err && ar->n_results == 0 && !none)
		l.err = "no result and no 'none'";
	if (l.err) {
		*error_r = g_strdup_printf("Authentication-Results: %s at "
		    "offset %ld", l.err, (long)(l.p - input));
		authres_free(ar);
		return -1;
	}
	*ar_r = ar;
	return 0;
}

char *
authres_authserv_id(const char *input)
{
	struct lex l = { input, NULL };
	unsigned version;

	/* No AUTHRES_MAX_LEN here: a value refused for its length must
	 * still name its writer, or padding would hide a trusted failure.
	 * Reading the id is bounded by itself (AUTHRES_MAX_VALUE, and
	 * comments are skipped in one pass). */
	if (input == NULL)
		return NULL;
	return authserv_id(&l, &version);
}

const char *
authres_value_domain(const char *v)
{
	const char *at = strrchr(v, '@');

	return at ? at + 1 : v;
}
