/* authres.h: one Authentication-Results header value, parsed by the
 * grammar of RFC 8601 section 2.2 (see postdesk.conf(5), trusted_authserv,
 * for what the gateway believes of it).
 *
 *   value     = [CFWS] authserv-id [CFWS version] (";" "none" / 1*resinfo)
 *   resinfo   = ";" method["/"version] "=" result [reason=value]
 *               *(ptype "." property "=" pvalue)
 *
 * Comments "( ... )" (nested, holding anything, ";" included) and folding
 * white space may stand between any two tokens and are skipped: text inside
 * a comment is never a result or a property.  Quoted strings are unquoted.
 * Names (authserv-id, method, result, ptype, property) are compared and
 * stored in ASCII lower case; property values are kept as written.  A
 * property value is a quoted string (optionally followed by "@domain"), or
 * a run of visible characters up to white space, "(", ";" or a quote: so
 * "smtp.mailfrom=dkim=pass+header.d=x@evil" is one value of smtp.mailfrom,
 * whose domain is "evil".  A trailing ";" is tolerated.
 *
 * Bounded: at most AUTHRES_MAX_LEN bytes of input, AUTHRES_MAX_RESULTS
 * results, AUTHRES_MAX_PROPS properties per result, AUTHRES_MAX_VALUE bytes
 * per name or value, AUTHRES_MAX_NEST levels of nested comments; beyond
 * any of them the whole value is refused.  No I/O, no configuration. */
#ifndef PD_AUTHRES_H
#define PD_AUTHRES_H

#include <stdbool.h>

#define AUTHRES_MAX_LEN 16384
#define AUTHRES_MAX_RESULTS 32
#define AUTHRES_MAX_PROPS 16
#define AUTHRES_MAX_VALUE 1024
#define AUTHRES_MAX_NEST 16

struct authres_prop {
	char *ptype;    /* lower case: "header", "smtp", "policy", ... */
	char *property; /* lower case: "d", "i", "from", "mailfrom", ... */
	char *value;    /* as written, unquoted; never NULL */
};

struct authres_result {
	char *method;     /* lower case: "dkim", "spf", "dmarc", "arc", ... */
	unsigned version; /* method version, 0 when not written */
	char *result;     /* lower case: "pass", "fail", "none", ... */
	char *reason;     /* unquoted reason=, or NULL */
	struct authres_prop *props;
	unsigned n_props;
};

/* Public and read-only for the caller; every string is g_malloc'd and
 * owned by the struct, freed by authres_free(). */
struct authres {
	char *authserv_id; /* lower case, unquoted */
	unsigned version;  /* authres-version, 0 when not written */
	struct authres_result *results; /* in header order; "none": 0 */
	unsigned n_results;
};

/* Parses value (NUL-terminated; CR, LF and tabs count as white space, so a
 * folded raw value is fine).  Returns 0 and *ar_r (free with authres_free)
 * or -1 and a g_malloc'd *error_r (then *ar_r is NULL). */
int authres_parse(const char *value, struct authres **ar_r, char **error_r);

/* Frees ar.  Accepts NULL. */
void authres_free(struct authres *ar);

/* The authserv-id alone (g_malloc'd, lower case), or NULL when even that
 * does not parse: who wrote a value that authres_parse() refuses, for
 * whatever reason, its length (AUTHRES_MAX_LEN) included. */
char *authres_authserv_id(const char *value);

/* The domain of a property value: after its last "@", or the whole value
 * when it holds none.  Points into value. */
const char *authres_value_domain(const char *value);

#endif
