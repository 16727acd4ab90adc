/* fuzz_msg.c: raw bytes of a mail, as a stranger sends them, through
 * msg_parse and up to the JSON that `postdesk inspect --json` prints.
 *
 * Properties (msg.h, inspect.h): no crash, leak or undefined behaviour;
 * the JSON is one well-formed object in valid UTF-8; with tight limits
 * every string of the message is valid UTF-8 and every bound of struct
 * pd_limits holds; the header accessors agree with each other. */
#include <gmime/gmime.h>
#include "fuzz.h"
#include "inspect.h"
#include "msg.h"
#include "hygiene.h"
#include "dsn.h"

/* A strict JSON reader (RFC 8259) that only says yes or no. */
struct jr {
	const char *p, *end;
	int depth;
};

static void
ws(struct jr *r)
{
	while (r->p < r->end && strchr(" \t\r\n", *r->p) && *r->p)
		r->p++;
}

static bool
lit(struct jr *r, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(r->end - r->p) < n || memcmp(r->p, word, n) != 0)
		return false;
	r->p += n;
	return true;
}

static bool
jstring(struct jr *r)
{
	if (r->p >= r->end || *r->p != '"')
		return false;
	for (r->p++; r->p < r->end; r->p++) {
		unsigned char c = (unsigned char)*r->p;

		if (c == '"') {
			r->p++;
			return true;
		}
		if (c < 0x20)
			return false;
		if (c != '\\')
			continue;
		if (++r->p >= r->end)
			return false;
		if (*r->p == 'u') {
			for (int i = 0; i < 4; i++)
				if (++r->p >= r->end ||
				    !g_ascii_isxdigit(*r->p))
					return false;
		} else if (!strchr("\"\\/bfnrt", *r->p) || *r->p == '\0')
			return false;
	}
	return false;
}

static bool
jnumber(struct jr *r)
{
	const char *s = r->p;

	if (r->p < r->end && *r->p == '-')
		r->p++;
	if (r->p >= r->end || !g_ascii_isdigit(*r->p))
		return false;
	if (*r->p == '0')
		r->p++;
	else
		while (r->p < r->end && g_ascii_isdigit(*r->p))
			r->p++;
	return r->p > s;
}

static bool
jvalue(struct jr *r)
{
	char close;
	bool first = true;

	ws(r);
	if (r->p >= r->end)
		return false;
	if (*r->p == '"')
		return jstring(r);
	if (*r->p != '{' && *r->p != '[')
		return lit(r, "true") || lit(r, "false") || lit(r, "null") ||
		    jnumber(r);
	if (++r->depth > 16)
		return false;
	close = *r->p == '{' ? '}' : ']';
	r->p++;
	for (;;) {
		ws(r);
		if (r->p < r->end && *r->p == close && first)
			break;
		if (close == '}') {
			if (!jstring(r))
				return false;
			ws(r);
			if (r->p >= r->end || *r->p++ != ':')
				return false;
		}
		if (!jvalue(r))
			return false;
		ws(r);
		first = false;
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		if (r->p < r->end && *r->p == close)
			break;
		return false;
	}
	r->p++;
	r->depth--;
	return true;
}

/* One JSON object, a newline, nothing else. */
static bool
json_ok(const char *s, size_t len)
{
	struct jr r = { s, s + len, 0 };

	if (len < 3 || s[len - 1] != '\n' || s[0] != '{' ||
	    !g_utf8_validate(s, (gssize)len, NULL))
		return false;
	if (!jvalue(&r))
		return false;
	return r.p == r.end - 1;
}

static void
check_str(const char *s, size_t max)
{
	FUZZ_CHECK(s != NULL);
	FUZZ_CHECK(g_utf8_validate(s, -1, NULL));
	FUZZ_CHECK(max == 0 || strlen(s) <= max);
}

static void
check_addr(const struct pd_addr *a, size_t max)
{
	check_str(a->name, max);
	check_str(a->address, max);
}

/* The message under limits small enough for the fuzzer to reach. */

/* A bounce read by its grammar (dsn.h): every bound holds, every string
 * is there and valid UTF-8. */
static void
check_dsn(const struct pd_msg *m)
{
	struct dsn_report r;
	bool is = msg_dsn(m, &r);

	FUZZ_CHECK(is == (r.form != DSN_NONE));
	FUZZ_CHECK(r.rcpts->len <= DSN_MAX_RCPTS &&
	    r.ids->len <= DSN_MAX_IDS && r.sent_to->len <= DSN_MAX_RCPTS);
	for (guint i = 0; i < r.rcpts->len; i++) {
		const struct dsn_rcpt *x = r.rcpts->pdata[i];
		const char *const f[] = { x->final, x->original, x->action,
			x->status, x->diagnostic };

		for (size_t k = 0; k < G_N_ELEMENTS(f); k++)
			FUZZ_CHECK(f[k] != NULL && strlen(f[k]) <=
			    DSN_MAX_FIELD && g_utf8_validate(f[k], -1, NULL));
	}
	for (guint i = 0; i < r.ids->len; i++)
		FUZZ_CHECK(r.ids->pdata[i] != NULL);
	dsn_report_clear(&r);
}

static void
check_tight(const char *raw, size_t len)
{
	const struct pd_limits lim = {
		.max_message_size = 1 << 20, .max_parts = 8, .max_depth = 4,
		.max_header_length = 256, .max_recipients = 3,
		.max_text = 2048,
	};
	static const char *const names[] = { "Subject", "From", "Received",
		"Authentication-Results", "X-Loop", "Auto-Submitted",
		"Precedence", "List-Id", "Return-Path", "X-Postdesk-Ticket" };
	struct pd_msg *m = NULL;
	char *err = NULL;
	const char *reason = NULL;
	GPtrArray *emb;

	if (msg_parse(raw, len, &lim, &m, &err) != 0) {
		FUZZ_CHECK(m == NULL);
		check_str(err, 0);
		g_free(err);
		return;
	}
	FUZZ_CHECK(m != NULL && err == NULL);
	check_str(m->subject, lim.max_header_length);
	check_addr(&m->from, lim.max_header_length);
	check_addr(&m->reply_to, lim.max_header_length);
	FUZZ_CHECK(m->to->len <= lim.max_recipients);
	FUZZ_CHECK(m->cc->len <= lim.max_recipients);
	/* Only mailboxes with an '@' (msg.h); a cut names its limit. */
	for (guint i = 0; i < m->to->len; i++) {
		check_addr(m->to->pdata[i], lim.max_header_length);
		FUZZ_CHECK(strchr(((struct pd_addr *)m->to->pdata[i])->address,
		    '@') != NULL);
	}
	for (guint i = 0; i < m->cc->len; i++) {
		check_addr(m->cc->pdata[i], lim.max_header_length);
		FUZZ_CHECK(strchr(((struct pd_addr *)m->cc->pdata[i])->address,
		    '@') != NULL);
	}
	FUZZ_CHECK(m->truncated == (m->truncated_by != 0));
	check_str(m->message_id, lim.max_header_length);
	check_str(m->in_reply_to, lim.max_header_length);
	for (guint i = 0; i < m->references->len; i++)
		check_str(m->references->pdata[i], lim.max_header_length);
	check_str(m->text, lim.max_text);
	FUZZ_CHECK(m->attachments->len <= lim.max_parts);
	for (guint i = 0; i < m->attachments->len; i++) {
		const struct pd_attachment *a = m->attachments->pdata[i];

		check_str(a->filename, lim.max_header_length);
		/* A file name never holds a control character (msg.h). */
		for (const char *p = a->filename; *p; p++)
			FUZZ_CHECK((unsigned char)*p >= 0x20 && *p != 0x7f);
		check_str(a->content_type, 0);
		FUZZ_CHECK(a->data == NULL ||
		    g_bytes_get_size(a->data) == a->size);
	}
	/* Steering headers are ours to write, never to read (parse.c). */
	FUZZ_CHECK(msg_header(m, "X-Postdesk-Ticket") == NULL);
	for (size_t i = 0; i < G_N_ELEMENTS(names); i++) {
		unsigned n = msg_header_count(m, names[i]);
		const char *v;

		FUZZ_CHECK((n > 0) == (msg_header(m, names[i]) != NULL));
		/* Bounded: the first few, and one past the end. */
		for (unsigned k = 0; k < n && k < 4; k++) {
			v = msg_header_nth(m, names[i], k);
			FUZZ_CHECK(v != NULL && g_utf8_validate(v, -1, NULL));
		}
		FUZZ_CHECK(msg_header_nth(m, names[i], n) == NULL);
	}
	emb = g_ptr_array_new_with_free_func(g_free);
	msg_embedded_ids(m, emb);
	for (guint i = 0; i < emb->len; i++)
		FUZZ_CHECK(emb->pdata[i] != NULL);
	g_ptr_array_unref(emb);
	if (hygiene_is_automated(m, "support@example.test", &reason))
		FUZZ_CHECK(reason != NULL);
	check_dsn(m);
	msg_free(&m);
	FUZZ_CHECK(m == NULL);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool init;
	char *out = NULL;
	size_t outlen = 0;
	FILE *fp;
	int rc;

	if (!init) {
		g_mime_init();
		init = true;
	}
	/* What `postdesk inspect --json FILE` prints, default limits. */
	fp = open_memstream(&out, &outlen);
	FUZZ_CHECK(fp != NULL);
	rc = inspect_json(fp, (const char *)data, size);
	FUZZ_CHECK(fclose(fp) == 0);
	FUZZ_CHECK(rc == 0 || rc == -1);
	if (!json_ok(out, outlen)) {
		fprintf(stderr, "bad JSON: %.*s\n", (int)MIN(outlen, 4000),
		    out);
		FUZZ_CHECK(!"inspect --json printed well-formed JSON");
	}
	/* "error" is there exactly when the bytes are not a message. */
	FUZZ_CHECK((rc == -1) == (strstr(out, ", \"error\": \"") != NULL));
	free(out);
	check_tight((const char *)data, size);
	return 0;
}
