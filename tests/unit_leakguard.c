/* unit_leakguard.c: the internal-note leak guard. */
#include <string.h>
#include "leakguard.h"
#include "tap.h"

static const char note[] = "The customer is on the old 2.3 release and "
    "refuses to upgrade; do not promise the fix before March.";

static int
leaks(const char *n, const char *text)
{
	struct leakguard *g = leakguard_new();
	char *hit;
	int r;

	leakguard_add_note(g, n);
	hit = leakguard_check(g, text);
	r = hit != NULL;
	g_free(hit);
	leakguard_free(&g);
	return r;
}

int
main(void)
{
	static const struct {
		const char *note, *text;
		int leak;
		const char *name;
	} cases[] = {
		{ note, note, 1, "exact copy" },
		{ note, "Hello,\n> The customer is on the old 2.3\n> release "
		    "and refuses\nBest", 1, "quoted with > and rewrapped" },
		{ note, "THE CUSTOMER IS ON THE OLD 2.3 RELEASE", 1,
		    "different case" },
		{ note, "the customer, is on; the old: 2.3!", 1,
		    "punctuation changes" },
		{ note, "Dear client, the customer is on the phone.", 0,
		    "only 4 shared words" },
		{ note, "We will ship the fix next week.", 0, "unrelated" },
		{ note, "is on the old 2 version", 0, "5 shared words" },
		{ "Клиент сидит на старой версии и не хочет обновляться",
		    "Здравствуйте!\n> клиент сидит на старой версии и не "
		    "хочет", 1, "Cyrillic note quoted" },
		{ "Клиент сидит на старой версии и не хочет обновляться",
		    "КЛИЕНТ СИДИТ НА СТАРОЙ ВЕРСИИ", 0,
		    "Cyrillic, 5 words only" },
		{ "escalate to Pavel", "Please escalate to Pavel today", 1,
		    "3-word note quoted" },
		{ "escalate to Pavel", "escalate to Pavelson", 0,
		    "3-word note needs whole words" },
		{ "call him", "Please call him back", 0, "2-word note ignored" },
		{ "", "anything at all here and there", 0, "empty note" },
		{ note, "", 0, "empty text" },
		{ note, "---------- Forwarded message ----------\nThe customer "
		    "is on the old 2.3 release", 1, "inside a forward" },
	};
	GString *big = g_string_new(NULL);

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
		ok(leaks(cases[i].note, cases[i].text) == cases[i].leak, "%s",
		    cases[i].name);
	for (int i = 0; i < 100000; i++)
		g_string_append(big, "word ");
	ok(!leaks(note, big->str), "100k words checked, clean");
	g_string_append(big, note);
	ok(leaks(note, big->str), "note at the end of a big text found");
	g_string_free(big, TRUE);
	ok(!leaks(note, "\xff\xfe invalid utf-8"), "invalid UTF-8: no crash");
	return tap_done();
}
