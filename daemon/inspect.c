/* inspect.c: `postdesk inspect FILE [--json]` (see inspect.h). */
#include <stdio.h>
#include <string.h>
#include <glib.h>
#include "inspect.h"
#include "json.h"
#include "msg.h"
#include "token.h"
#include "hygiene.h"

/* A JSON string, or null; escaped by json.h like every other --json. */
static void
json_fstr(FILE *fp, const char *s)
{
	GString *o;

	if (s == NULL) {
		fputs("null", fp);
		return;
	}
	o = g_string_sized_new(strlen(s) + 2);
	json_escape(o, s, strlen(s));
	fputs(o->str, fp);
	g_string_free(o, TRUE);
}

static void
json_addr(FILE *fp, const struct pd_addr *a)
{
	fputs("{\"name\": ", fp);
	json_fstr(fp, a ? a->name : "");
	fputs(", \"address\": ", fp);
	json_fstr(fp, a ? a->address : "");
	fputc('}', fp);
}

static void
json_addrs(FILE *fp, const GPtrArray *l)
{
	fputc('[', fp);
	for (guint i = 0; l && i < l->len; i++) {
		if (i > 0)
			fputs(", ", fp);
		json_addr(fp, l->pdata[i]);
	}
	fputc(']', fp);
}

static void
json_strs(FILE *fp, const GPtrArray *l)
{
	fputc('[', fp);
	for (guint i = 0; l && i < l->len; i++) {
		if (i > 0)
			fputs(", ", fp);
		json_fstr(fp, l->pdata[i]);
	}
	fputc(']', fp);
}

static void
json_attachments(FILE *fp, const GPtrArray *l)
{
	const struct pd_attachment *a;

	fputc('[', fp);
	for (guint i = 0; l && i < l->len; i++) {
		a = l->pdata[i];
		fputs(i > 0 ? ", {\"filename\": " : "{\"filename\": ", fp);
		json_fstr(fp, a->filename);
		fputs(", \"content_type\": ", fp);
		json_fstr(fp, a->content_type);
		fprintf(fp, ", \"size\": %zu}", a->size);
	}
	fputc(']', fp);
}

/* Every "TAG#N" of the subject, as text. */
static GPtrArray *
tokens_of(const struct pd_msg *m)
{
	GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
	GArray *t = g_array_new(FALSE, FALSE, sizeof(struct pd_token));

	if (m != NULL)
		token_find(m->subject, NULL, t);
	for (guint i = 0; i < t->len; i++) {
		struct pd_token *k = &g_array_index(t, struct pd_token, i);

		g_ptr_array_add(out, g_strdup_printf("%s#%lu", k->tag, k->num));
	}
	g_array_unref(t);
	return out;
}

#define S(field) (m ? m->field : "")

static void
print_json(FILE *fp, const struct pd_msg *m, const char *error)
{
	GPtrArray *toks = tokens_of(m);
	const char *reason = NULL;
	bool is = m ? hygiene_is_automated(m, NULL, &reason) : false;

	fputs("{\"subject\": ", fp);
	json_fstr(fp, S(subject));
	fputs(", \"from\": ", fp);
	json_addr(fp, m ? &m->from : NULL);
	fputs(", \"to\": ", fp);
	json_addrs(fp, m ? m->to : NULL);
	fputs(", \"cc\": ", fp);
	json_addrs(fp, m ? m->cc : NULL);
	fputs(", \"message_id\": ", fp);
	json_fstr(fp, S(message_id));
	fputs(", \"in_reply_to\": ", fp);
	json_fstr(fp, S(in_reply_to));
	fputs(", \"references\": ", fp);
	json_strs(fp, m ? m->references : NULL);
	fputs(", \"text\": ", fp);
	json_fstr(fp, S(text));
	fputs(", \"attachments\": ", fp);
	json_attachments(fp, m ? m->attachments : NULL);
	fputs(", \"tokens\": ", fp);
	json_strs(fp, toks);
	fprintf(fp, ", \"automated\": {\"is\": %s, \"reason\": ",
	    is ? "true" : "false");
	json_fstr(fp, reason);
	fputc('}', fp);
	fprintf(fp, ", \"truncated\": %s", m && m->truncated ? "true" :
	    "false");
	if (m != NULL && m->truncated) {
		char *why = msg_truncated_reason(m);

		fputs(", \"truncated_reason\": ", fp);
		json_fstr(fp, *why ? why : "limit");
		g_free(why);
	}
	if (m != NULL && m->junk_lines > 0)
		fprintf(fp, ", \"junk_lines\": %u", m->junk_lines);
	if (error != NULL) {
		fputs(", \"error\": ", fp);
		json_fstr(fp, error);
	}
	fputs("}\n", fp);
	g_ptr_array_unref(toks);
}

static void
print_addrs(FILE *fp, const char *label, const GPtrArray *l)
{
	for (guint i = 0; i < l->len; i++) {
		const struct pd_addr *a = l->pdata[i];

		fprintf(fp, "%-12s %s <%s>\n", label, a->name, a->address);
	}
}

static void
print_human(FILE *fp, const struct pd_msg *m)
{
	GPtrArray *toks = tokens_of(m);
	const char *reason = NULL;
	bool is = hygiene_is_automated(m, NULL, &reason);
	char *why;

	fprintf(fp, "%-12s %s\n", "Subject:", m->subject);
	fprintf(fp, "%-12s %s <%s>\n", "From:", m->from.name, m->from.address);
	print_addrs(fp, "To:", m->to);
	print_addrs(fp, "Cc:", m->cc);
	if (*m->reply_to.address != '\0')
		fprintf(fp, "%-12s %s <%s>\n", "Reply-To:", m->reply_to.name,
		    m->reply_to.address);
	fprintf(fp, "%-12s %s\n", "Message-ID:", m->message_id);
	fprintf(fp, "%-12s %s\n", "In-Reply-To:", m->in_reply_to);
	for (guint i = 0; i < m->references->len; i++)
		fprintf(fp, "%-12s %s\n", "References:",
		    (char *)m->references->pdata[i]);
	for (guint i = 0; i < toks->len; i++)
		fprintf(fp, "%-12s %s\n", "Token:", (char *)toks->pdata[i]);
	for (guint i = 0; i < m->attachments->len; i++) {
		const struct pd_attachment *a = m->attachments->pdata[i];

		fprintf(fp, "%-12s %s (%s, %zu bytes)\n", "Attachment:",
		    *a->filename ? a->filename : "(no name)", a->content_type,
		    a->size);
	}
	fprintf(fp, "%-12s %s%s\n", "Automated:", is ? "yes: " : "no",
	    is ? reason : "");
	why = msg_truncated_reason(m);
	fprintf(fp, "%-12s %s%s%s%s%s%s\n", "Flags:", m->is_dsn ? "dsn " : "",
	    m->text_from_html ? "html " : "", m->truncated ? "truncated" : "",
	    *why ? " (" : "", why, *why ? ")" : "");
	g_free(why);
	if (m->junk_lines > 0)
		fprintf(fp, "%-12s %u lines before the header skipped\n",
		    "Junk:", m->junk_lines);
	fprintf(fp, "\n%s%s", m->text,
	    *m->text && m->text[strlen(m->text) - 1] != '\n' ? "\n" : "");
	g_ptr_array_unref(toks);
}

int
cmd_inspect(int argc, char **argv)
{
	const struct pd_limits lim = PD_LIMITS_DEFAULT;
	const char *path = NULL;
	struct pd_msg *m = NULL;
	char *raw = NULL, *err = NULL;
	GError *gerr = NULL;
	gsize len = 0;
	bool json = false, bad = false;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if (path == NULL && argv[i][0] != '-')
			path = argv[i];
		else
			bad = true;
	}
	if (path == NULL || bad) {
		fprintf(stderr, "usage: postdesk inspect MESSAGE.eml [--json]\n");
		return 2;
	}
	if (!g_file_get_contents(path, &raw, &len, &gerr)) {
		fprintf(stderr, "postdesk: %s\n", gerr->message);
		g_error_free(gerr);
		return 1;
	}
	if (json)
		inspect_json(stdout, raw, len);
	else if (msg_parse_salvage(raw, len, &lim, &m, &err) == -1) {
		printf("%-12s %s\n", "Error:", err);
		if (m != NULL)
			print_human(stdout, m);
	} else
		print_human(stdout, m);
	msg_free(&m);
	g_free(err);
	g_free(raw);
	return 0;
}

int
inspect_json(FILE *fp, const char *raw, size_t len)
{
	const struct pd_limits lim = PD_LIMITS_DEFAULT;
	struct pd_msg *m = NULL;
	char *err = NULL;
	int rc = msg_parse_salvage(raw, len, &lim, &m, &err);

	print_json(fp, m, err);
	msg_free(&m);
	g_free(err);
	return rc;
}
