/* parse_addr.c: address-list headers as mailers write them (see
 * parse_priv.h, parse_addr_repair()).
 *
 * GMime reads an address list by the RFC 5322 grammar and, in its loose
 * mode, recovers from much.  Three shapes still lose a mailbox: a display
 * name with a special character outside quotes ("[EXT] Ann <a@x>"), an
 * old-style name whose address is only in a comment ("=?utf-8?Q?...?=
 * (a@x)", the encoded word then became the address).  They are rewritten
 * here into the
 * grammar's own form, before GMime parses the list again.  Only raw
 * header text is used: an address never comes out of decoded text. */
#include <string.h>
#include "parse_priv.h"

/* One element of the list, between top-level commas. */
struct elem {
	const char *p, *end;
};

/* Positions of the top-level (outside quotes and comments) '<', '>' and
 * '@', ':' and any special character that a phrase may not hold. */
struct shape {
	const char *lt, *gt;
	bool at;       /* '@' at top level, outside <> */
	bool colon;    /* a group ("name: a, b;") or worse: left alone */
	bool specials; /* '[', ']', '@', ';', '\\' or ',' before '<' */
	const char *cmt_addr, *cmt_end; /* an addr-spec alone in a comment */
};

/* Whether [p, end) is one addr-spec-like token: no blank, no bracket or
 * quote, one '@' with something on both sides. */
static bool
addr_token(const char *p, const char *end)
{
	const char *at = NULL;

	if (p >= end)
		return false;
	for (const char *q = p; q < end; q++) {
		if (*q <= ' ' || strchr("<>()\",;:[]\\", *q) != NULL)
			return false;
		if (*q == '@') {
			if (at != NULL)
				return false;
			at = q;
		}
	}
	return at != NULL && at > p && at + 1 < end;
}

static void
trim(const char **p, const char **end)
{
	while (*p < *end && g_ascii_isspace(**p))
		(*p)++;
	while (*end > *p && g_ascii_isspace((*end)[-1]))
		(*end)--;
}

static void
analyse(const struct elem *e, struct shape *s)
{
	int depth = 0;
	bool quote = false;
	const char *cmt = NULL;

	memset(s, 0, sizeof *s);
	for (const char *q = e->p; q < e->end; q++) {
		if (*q == '\\' && (quote || depth > 0)) {
			if (q + 1 < e->end)
				q++;
			continue;
		}
		if (quote) {
			quote = *q != '"';
			continue;
		}
		if (*q == '(') {
			if (depth++ == 0)
				cmt = q + 1;
			continue;
		}
		if (depth > 0) {
			if (*q == ')' && --depth == 0 && s->cmt_addr == NULL) {
				const char *a = cmt, *b = q;

				trim(&a, &b);
				if (addr_token(a, b)) {
					s->cmt_addr = a;
					s->cmt_end = b;
				}
			}
			continue;
		}
		if (*q == '"')
			quote = true;
		else if (*q == '<' && s->lt == NULL)
			s->lt = q;
		else if (*q == '>' && s->lt != NULL && s->gt == NULL)
			s->gt = q;
		else if (s->lt == NULL && *q == ':')
			s->colon = true;
		else if (s->lt == NULL && *q == '@')
			s->at = true;
		if (s->lt == NULL && strchr("[]@;\\,", *q) != NULL)
			s->specials = true;
	}
}

/* Appends [p, end) as one quoted string: quotes around parts of it are
 * taken off, comments kept as text, blanks and folds made one space. */
static void
quoted(GString *out, const char *p, const char *end)
{
	bool quote = false, blank = false, started = false;

	trim(&p, &end);
	g_string_append_c(out, '"');
	for (; p < end; p++) {
		if (*p == '\\' && quote && p + 1 < end) {
			p++;
		} else if (*p == '"') {
			quote = !quote;
			continue;
		} else if (g_ascii_isspace(*p)) {
			blank = true;
			continue;
		}
		if (blank && started)
			g_string_append_c(out, ' ');
		blank = false;
		started = true;
		if (*p == '"' || *p == '\\')
			g_string_append_c(out, '\\');
		g_string_append_c(out, *p);
	}
	g_string_append_c(out, '"');
}

/* The phrase [p, end) as it stands, or quoted when it must be. */
static void
phrase(GString *out, const char *p, const char *end, bool specials)
{
	trim(&p, &end);
	if (p >= end)
		return;
	if (specials)
		quoted(out, p, end);
	else
		g_string_append_len(out, p, end - p);
	g_string_append_c(out, ' ');
}

/* The element without its comments (for a name written beside an
 * address in a comment). */
static void
without_comments(GString *out, const struct elem *e)
{
	int depth = 0;
	bool quote = false;

	for (const char *q = e->p; q < e->end; q++) {
		if (*q == '\\' && (quote || depth > 0) && q + 1 < e->end) {
			if (depth == 0)
				g_string_append_len(out, q, 2);
			q++;
			continue;
		}
		if (!quote && *q == '(')
			depth++;
		else if (!quote && depth > 0 && *q == ')')
			depth--;
		else if (depth == 0) {
			if (*q == '"')
				quote = !quote;
			g_string_append_c(out, *q);
		}
	}
}

/* Appends the element, rewritten when it has one of the shapes above;
 * *changed_r set when it was. */
static void
repair_elem(GString *out, const struct elem *e, bool *changed_r)
{
	struct shape s;
	GString *name;

	analyse(e, &s);
	if (!s.colon && s.lt != NULL && s.gt != NULL && s.specials &&
	    memchr(s.lt, '@', s.gt - s.lt) != NULL) {
		phrase(out, e->p, s.lt, true);
		g_string_append_len(out, s.lt, e->end - s.lt);
		*changed_r = true;
		return;
	}
	if (!s.colon && s.lt == NULL && !s.at && s.cmt_addr != NULL) {
		const char *a = s.cmt_addr, *b = s.cmt_end;
		struct shape ns;

		name = g_string_new(NULL);
		without_comments(name, e);
		analyse(&(struct elem){ name->str, name->str + name->len },
		    &ns);
		phrase(out, name->str, name->str + name->len, ns.specials);
		g_string_append_c(out, '<');
		g_string_append_len(out, a, b - a);
		g_string_append_c(out, '>');
		g_string_free(name, TRUE);
		*changed_r = true;
		return;
	}
	g_string_append_len(out, e->p, e->end - e->p);
}

/* Splits raw at top-level commas into at most max elements. */
static guint
split(const char *raw, struct elem *el, guint max)
{
	const char *start = raw, *q = raw;
	int depth = 0;
	bool quote = false, angle = false;
	guint n = 0;

	for (; *q && n + 1 < max; q++) {
		if (*q == '\\' && (quote || depth > 0) && q[1] != '\0') {
			q++;
			continue;
		}
		if (quote) {
			quote = *q != '"';
		} else if (*q == '(') {
			depth++;
		} else if (depth > 0) {
			if (*q == ')')
				depth--;
		} else if (*q == '"') {
			quote = true;
		} else if (*q == '<') {
			angle = true;
		} else if (*q == '>') {
			angle = false;
		} else if (*q == ',' && !angle) {
			el[n++] = (struct elem){ start, q };
			start = q + 1;
		}
	}
	el[n++] = (struct elem){ start, start + strlen(start) };
	return n;
}

char *
parse_addr_repair(const char *raw, unsigned max)
{
	struct elem *el;
	GString *out;
	bool changed = false;
	guint n;

	if (raw == NULL || strlen(raw) > 65536)
		return NULL;
	/* Room for every recipient kept (max_recipients) and one more: what
	 * is past it is kept unsplit in the last element. */
	el = g_new(struct elem, max + 2);
	n = split(raw, el, max + 2);
	out = g_string_sized_new(strlen(raw) + 16);
	for (guint i = 0; i < n; i++) {
		const char *a = el[i].p, *b = el[i].end;

		/* A bare word ("undisclosed") is no mailbox, and GMime would
		 * make it part of the next one's name: left out. */
		trim(&a, &b);
		if (memchr(a, '@', b - a) == NULL &&
		    memchr(a, ':', b - a) == NULL) {
			changed = changed || (a < b && n > 1);
			continue;
		}
		if (out->len > 0)
			g_string_append_c(out, ',');
		repair_elem(out, &el[i], &changed);
	}
	g_free(el);
	if (!changed)
		return g_string_free(out, TRUE);
	return g_string_free(out, FALSE);
}
