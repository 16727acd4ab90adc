/* unit_token.c: subject tokens "[TAG#N]". */
#include <string.h>
#include "token.h"
#include "tap.h"

static unsigned
find(const char *subject, const char *tag, GArray **out)
{
	*out = g_array_new(FALSE, FALSE, sizeof(struct pd_token));
	return token_find(subject, tag, *out);
}

static struct pd_token *
nth(GArray *a, guint i)
{
	return &g_array_index(a, struct pd_token, i);
}

static void
strip(const char *subject, const char *tag, const char *want,
    const char *name)
{
	char *s = token_strip(subject, tag);

	is_str(s, want, name);
	g_free(s);
}

int
main(void)
{
	GArray *a;
	char *s;

	ok(find("Re: [ACME#1042] Printer", "ACME", &a) == 1 &&
	    nth(a, 0)->num == 1042 && strcmp(nth(a, 0)->tag, "ACME") == 0,
	    "plain token");
	g_array_unref(a);
	ok(find("Fwd: [ acme # 7 ] x", "ACME", &a) == 1 && nth(a, 0)->num == 7,
	    "spaces and case tolerated");
	g_array_unref(a);
	ok(find("Re: Тема [Acme#12]", "acme", &a) == 1 &&
	    strcmp(nth(a, 0)->tag, "ACME") == 0, "after Cyrillic, tag upper-cased");
	g_array_unref(a);
	ok(find("[ACME#1] [OTHER#2] [ACME#1] [ACME#3]", NULL, &a) == 3,
	    "any tag, duplicates removed");
	g_array_unref(a);
	ok(find("[ACME#1] [OTHER#2]", "ACME", &a) == 1 &&
	    nth(a, 0)->num == 1, "only the asked tag");
	g_array_unref(a);
	ok(find("[ACME#] [ACME#x] ACME#5 [#5] [ACME#99999999999999999999]",
	    NULL, &a) == 0, "no number, no brackets, no tag, overflow");
	g_array_unref(a);
	ok(find("[ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456#1]", NULL, &a) == 0,
	    "tag over 32 chars");
	g_array_unref(a);
	ok(find("[T_1-x#5]", NULL, &a) == 1 && strcmp(nth(a, 0)->tag,
	    "T_1-X") == 0, "tag with _ and -");
	g_array_unref(a);
	ok(find(NULL, NULL, &a) == 0, "NULL subject");
	g_array_unref(a);
	ok(find("\xff\xfe[A#1]", NULL, &a) == 1, "invalid UTF-8 subject");
	g_array_unref(a);
	s = token_format("ACME", 1042);
	is_str(s, "[ACME#1042]", "token_format");
	g_free(s);
	strip("Re: [ACME#1042] Printer", "ACME", "Re: Printer", "strip token");
	strip("Re: [acme # 5]Printer [OTHER#1] x", "ACME",
	    "Re: Printer [OTHER#1] x", "strip keeps other tags");
	strip("[A#1] [B#2] end", NULL, "end", "strip any tag");
	strip("no token", NULL, "no token", "strip without token");
	return tap_done();
}
