/* unit_leakguard.c: the internal-note leak guard (SPEC §7). */
#include <string.h>
#include "leakguard.h"
#include "tap.h"

static const char note[] = "The customer is on the old 2.3 release and "
    "refuses to upgrade; do not promise the fix before March.";
static const char note_ru[] = "Клиент сидит на старой версии и не хочет "
    "обновляться, ничего не обещать до марта.";

struct tcase {
	const char *name, *note, *text;
	const char *want;	/* the reported words, NULL when clean */
};

static const struct tcase cases[] = {
	{ "exact copy", note, note, "the customer is on the old" },
	{ "quoted with > and rewrapped", note, "Hello,\n\n> The customer is "
	    "on the old 2.3\n> release and refuses\n\nBest",
	    "the customer is on the old" },
	{ "nested quote markers", note, ">> > refuses to\n>> upgrade; do "
	    "not promise", "refuses to upgrade do not promise" },
	{ "different case", note, "THE CUSTOMER IS ON THE OLD 2.3 RELEASE",
	    "the customer is on the old" },
	{ "punctuation changes", note, "the customer, is on; the old: 2.3!",
	    "the customer is on the old" },
	{ "HTML-to-text spacing", note, "the   customer\n\n   is\ton the\n"
	    "old", "the customer is on the old" },
	{ "middle of the note", note, "Also: do not promise the fix before "
	    "march, ok?", "do not promise the fix before" },
	{ "inside a forward", note, "FYI\n\n---------- Forwarded message "
	    "---------\nFrom: Olga\n\nThe customer is on the old 2.3 release",
	    "the customer is on the old" },
	{ "Cyrillic note quoted", note_ru, "Здравствуйте!\n\n> КЛИЕНТ сидит на"
	    " старой\n> версии и не хочет", "клиент сидит на старой версии и" },
	{ "Cyrillic in a forward", note_ru, "-------- Пересылаемое сообщение "
	    "--------\nобновляться, ничего не обещать до марта",
	    "обновляться ничего не обещать до марта" },
	{ "Cyrillic, 5 words only", note_ru, "ничего не обещать до марта",
	    NULL },
	{ "soft hyphen and zero-width space", note, "the cus\xc2\xadtomer is "
	    "on the o\xe2\x80\x8bld", "the customer is on the old" },
	{ "fullwidth letters (NFKC)", note, "\xef\xbd\x94he customer is on "
	    "the old", "the customer is on the old" },
	{ "only 4 shared words", note, "Dear client, the customer is on the "
	    "phone.", NULL },
	{ "5 consecutive shared words", note, "Hi, the customer is on the "
	    "new plan now.", NULL },
	{ "unrelated reply", note, "We will ship the fix next week. Regards",
	    NULL },
	{ "same words, other order", note, "old the on is customer the", NULL },
	{ "3-word note quoted", "escalate to Pavel", "Please escalate to "
	    "Pavel today", "escalate to pavel" },
	{ "3-word note needs whole words", "escalate to Pavel",
	    "escalate to Pavelson", NULL },
	{ "5-word note quoted", "VIP, handle with care!", "> vip handle "
	    "with care", "vip handle with care" },
	{ "2-word note ignored", "call him", "Please call him back", NULL },
	{ "1-word note ignored", "VIP", "VIP support", NULL },
	{ "empty note", "", "anything at all here and there", NULL },
	{ "empty text", note, "", NULL },
	{ "invalid UTF-8 does not hide", note, "\xff the customer is on the "
	    "\xfe old", "the customer is on the old" },
};

static char *
check(const char *n, const char *text)
{
	struct leakguard *g = leakguard_new();
	char *hit;

	leakguard_add_note(g, n);
	hit = leakguard_check(g, text);
	leakguard_free(&g);
	return hit;
}

static void
run_case(const struct tcase *t)
{
	char *hit = check(t->note, t->text);

	if (t->want == NULL) {
		if (!ok(hit == NULL, "%s: clean", t->name))
			printf("#   hit: '%s'\n", hit);
	} else
		is_str(hit, t->want, t->name);
	g_free(hit);
}

static void
several_notes(void)
{
	struct leakguard *g = leakguard_new();
	char *hit;

	leakguard_add_note(g, "call him");
	leakguard_add_note(g, NULL);
	leakguard_add_note(g, note_ru);
	leakguard_add_note(g, note);
	hit = leakguard_check(g, "As noted: refuses to upgrade; do not "
	    "promise.");
	is_str(hit, "refuses to upgrade do not promise", "several notes, the "
	    "second matches");
	g_free(hit);
	ok(leakguard_check(g, NULL) == NULL, "NULL text");
	leakguard_free(&g);
	ok(g == NULL, "free sets NULL");
	leakguard_free(&g);
	leakguard_free(NULL);
	ok(1, "free accepts NULL");
}

static void
large_text(void)
{
	GString *big = g_string_new(NULL);
	gint64 t0 = g_get_monotonic_time();
	char *hit;

	for (int i = 0; i < 100000; i++)
		g_string_append_printf(big, "word%d ", i % 97);
	hit = check(note, big->str);
	ok(hit == NULL, "100k words, clean");
	g_free(hit);
	g_string_append(big, note);
	hit = check(note, big->str);
	ok(hit != NULL, "note at the end of 100k words found");
	g_free(hit);
	/* Under valgrind too; a quadratic guard would take minutes. */
	ok(g_get_monotonic_time() - t0 < 20 * G_USEC_PER_SEC,
	    "100k words are fast (%.2f s)",
	    (g_get_monotonic_time() - t0) / 1e6);
	g_string_free(big, TRUE);
}

int
main(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
		run_case(&cases[i]);
	several_notes();
	large_text();
	return tap_done();
}
