/* unit_leakguard.c: the internal-note leak guard (postdesk.conf(5) THREAT MODEL). */
#include <string.h>
#include <gmime/gmime.h>
#include "leakguard.h"
#include "leaktext.h"
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
	/* Issue 7: normalised on both sides. */
	{ "HTML entities", note, "the&nbsp;customer&#32;is on the &#111;ld",
	    "the customer is on the old" },
	{ "soft hyphen as an entity", note, "the cus&shy;tomer is&#x20;on "
	    "the ol&#173;d", "the customer is on the old" },
	{ "zero-width space as an entity", note, "the cus&#8203;tomer is on "
	    "the old", "the customer is on the old" },
	{ "unknown entity stays text", note, "the customer &bogus; is on the "
	    "old", NULL },
	/* Red team: accents and marks added to the letters. */
	{ "combining accents added", note, "the cu\xcc\x81stomer is o\xcc\x81n "
	    "the old", "the c\xc3\xbastomer is \xc3\xb3n the old" },
	{ "precomposed accents added", note, "th\xc3\xa9 customer \xc3\xads on "
	    "the \xc3\xb3ld", "th\xc3\xa9 customer \xc3\xads on the \xc3\xb3ld" },
	{ "Turkish dotted capital I", "\xc4\xb0stanbul office keeps the spare "
	    "keys", "The istanbul office keeps the spare keys",
	    "istanbul office keeps the spare keys" },
	{ "Latin o inside a Cyrillic word", note_ru, "Клиент сидит на стар"
	    "o" "й версии и не хочет", "клиент сидит на старoй версии и" },
	{ "Latin a, e, o, p, c in Cyrillic words", note_ru, "Kлиeнт cидит нa "
	    "cтapoй вepcии и", "kлиeнт cидит нa cтapoй вepcии и" },
	{ "Cyrillic a, e, o in Latin words", note, "th\xd0\xb5 cust\xd0\xbe"
	    "mer is \xd0\xben the \xd0\xbeld", "thе custоmer is оn the оld" },
	{ "Greek omicron and digit zero for o", note, "the cust\xce\xbfmer "
	    "is 0n the old", "the custοmer is 0n the old" },
	{ "password-like secret, any words around it", "root password is "
	    "Tr0ub4dor&3", "Hello, your root password is now Tr0ub4dor&3 .",
	    "a password-like word of a note (tr...)" },
	{ "password-like secret, other case, quoted", "root password is "
	    "Tr0ub4dor&3", "> login with TR0UB4DOR&3!", "a password-like word "
	    "of a note (tr...)" },
	{ "secret with confusable letters", "the key is Xk9#mQ2!vR", "use "
	    "\xd0\xa5k9#mQ2!vR please", "a password-like word of a note "
	    "(xk...)" },
	{ "secret after a label, without a space", "root password: "
	    "Tr0ub4dor&3", "use password:Tr0ub4dor&3 now",
	    "a password-like word of a note (tr...)" },
	{ "long token of letters and digits", "api key "
	    "a1b2c3d4e5f6a7b8c9d0e1f2", "the key a1b2c3d4e5f6a7b8c9d0e1f2 "
	    "works", "a password-like word of a note (al...)" },
	{ "version, date, ticket and address are not secrets", "upgrade to "
	    "2.3.1-rc1 by 2026-03-01, see ACME#123 or bob@example.test",
	    "Please install 2.3.1-rc1. Deadline 2026-03-01. Ref ACME#123. "
	    "Mail bob@example.test", NULL },
	{ "link is not a secret", "see https://kb.example.test/a1B2c3D4",
	    "Please read https://kb.example.test/a1B2c3D4", NULL },
	{ "ordinary word is not a secret", "customer internationalization",
	    "internationalization matters", NULL },
	{ "names and numbers are not secrets", "Jean-Pierre from McDonald's "
	    "INV-2024-0042", "Dear Jean-Pierre, McDonald's invoice "
	    "INV-2024-0042", NULL },
	{ "letters and digits alternating", "pin s3cr3t9x", "it is s3cr3t9x",
	    "a password-like word of a note (s3...)" },
};

/* A 24-word note and texts quoting it in pieces. */
static const char long_note[] = "Backup server in rack four fails every "
    "night since the vendor update, we suspect the firmware and must not "
    "admit it before the audit ends.";

static const struct tcase pieces[] = {
	{ "5-word pieces, apart", long_note, "Dear client,\nbackup server in "
	    "rack four.\nWe checked.\nfails every night since the\nThanks "
	    "again.\nvendor update we suspect the\nBest regards",
	    "backup server in rack four / fails every night since the / "
	    "vendor update we suspect" },
	{ "4-word pieces, apart", long_note, "backup server in rack, then "
	    "four fails every night; also since the vendor update; and we "
	    "suspect the firmware", "backup server in rack / four fails "
	    "every night / since the vendor update" },
	{ "two 5-word pieces pass", long_note, "backup server in rack four. "
	    "Other words here. fails every night since the", NULL },
	{ "ordinary shared phrases pass", "thank you for your patience is "
	    "not enough, please let me know if the vendor calls",
	    "Thank you for your patience! Please let me know if anything "
	    "changes.", NULL },
	{ "one piece repeated counts once", long_note, "backup server in rack"
	    " - backup server in rack - backup server in rack - backup server "
	    "in rack", NULL },
	{ "pieces of two notes do not add up", long_note, "Backup server "
	    "in rack. Here: must not admit it.", NULL },
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

/* Leaks found by the index too: the note and the text share a feature. */
static void
features(void)
{
	static const char *const texts[] = { "Hello, your root password is "
	    "now Tr0ub4dor&3.", "> the CUSTOMER is оn the old 2.3",
	    "escalate to Pavel" };
	static const char *const notes[] = { "root password is Tr0ub4dor&3",
	    note, "escalate to Pavel" };

	for (size_t i = 0; i < G_N_ELEMENTS(texts); i++) {
		GArray *a = leakguard_features(notes[i], true);
		GArray *b = leakguard_features(texts[i], false);
		bool shared = false;

		for (guint j = 0; j < a->len && !shared; j++)
			for (guint k = 0; k < b->len && !shared; k++)
				shared = g_array_index(a, guint64, j) ==
				    g_array_index(b, guint64, k);
		ok(shared, "features: text %zu shares one with its note", i);
		g_array_unref(a);
		g_array_unref(b);
	}
}

/* Attachments read whatever their declared type (daemon/leaktext.c). */
static void
file_case(const char *name, const char *type, const void *data, size_t len,
    const char *n, bool want)
{
	struct leaktext lt;
	char *hit;

	leaktext_init(&lt);
	lt.names = true;	/* the side a client sees */
	leaktext_add_file(&lt, name, type, data, len);
	hit = check(n, lt.text->str);
	if (!ok((hit != NULL) == want, "file %s (%s): %s", name, type, want ?
	    "leak found" : "clean"))
		printf("#   text: '%s'\n", lt.text->str);
	ok(lt.binary->len == 0, "file %s: read as text", name);
	g_free(hit);
	leaktext_clear(&lt);
}

static void
public_tokens(void)
{
	struct leakguard *g = leakguard_new();
	char *hit;

	leakguard_add_note(g, "client says order ORD-88A7B2 never came, "
	    "admin pass Xk9#mQ2!vR");
	leakguard_add_public(g, "Hello, my order ORD-88A7B2 did not arrive.");
	leakguard_add_public(g, NULL);
	hit = leakguard_check(g, "Your order ORD-88A7B2 ships today.");
	ok(hit == NULL, "a rare token the client wrote is no secret");
	g_free(hit);
	hit = leakguard_check(g, "Use Xk9#mQ2!vR to log in.");
	is_str(hit, "a password-like word of a note (xk...)", "the note's own "
	    "secret still is");
	g_free(hit);
	leakguard_free(&g);
}

static void
files(void)
{
	static const char html[] = "<html><body><p>The <b>customer</b> is "
	    "on&nbsp;the <i>old</i> 2.3 release</p></body></html>";
	static const unsigned char png[] = { 0x89, 'P', 'N', 'G', '\r', '\n',
	    0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R', 0, 0, 1, 0, 0, 0, 1,
	    0, 8, 6, 0, 0, 0, 0x5c, 0x72, 0xa8, 0x66, 0x01, 0x02, 0x03 };
	struct leaktext lt;
	struct leakguard *g;
	gsize n;
	char *u16, *cp;

	file_case("note.html", "text/html", html, strlen(html), note, true);
	file_case("note.htm", "application/octet-stream", html, strlen(html),
	    note, true);
	file_case("note.txt", "application/octet-stream", note, strlen(note),
	    note, true);
	u16 = g_convert(note, -1, "UTF-16LE", "UTF-8", NULL, &n, NULL);
	file_case("utf16le.txt", "text/plain", u16, n, note, true);
	g_free(u16);
	u16 = g_convert(note_ru, -1, "UTF-16BE", "UTF-8", NULL, &n, NULL);
	file_case("utf16be.txt", "application/octet-stream", u16, n, note_ru,
	    true);
	g_free(u16);
	u16 = g_convert(note, -1, "UTF-16", "UTF-8", NULL, &n, NULL);
	file_case("utf16bom.txt", "application/octet-stream", u16, n, note,
	    true);
	g_free(u16);
	cp = g_convert(note_ru, -1, "WINDOWS-1251", "UTF-8", NULL, &n, NULL);
	file_case("cp1251.txt", "application/octet-stream", cp, n, note_ru,
	    true);
	g_free(cp);
	cp = g_strdup_printf("\xef\xbb\xbf%s", note);
	file_case("bom.txt", "application/x-whatever", cp, strlen(cp), note,
	    true);
	g_free(cp);
	file_case("other.txt", "application/octet-stream", "Nothing to see",
	    14, note, false);
	/* Red team: what the client sees besides the file's text. */
	file_case("Xk9mQ2pLz7.txt", "text/plain", "hello", 5,
	    "root password is Xk9mQ2pLz7", true);
	file_case("pw_Xk9mQ2pLz7.bin", "text/plain", "hello", 5,
	    "root password is Xk9mQ2pLz7", true);
	{
		static const char eml[] = "From: a@b.test\nSubject: x\n"
		    "Content-Type: text/plain\nContent-Transfer-Encoding: "
		    "base64\n\nVGhlIGN1c3RvbWVyIGlzIG9uIHRoZSBvbGQgMi4zIHJlbGV"
		    "hc2UgYW5kIHJlZnVzZXM=\n";
		static const char nested[] = "From: a@b.test\nSubject: x\n"
		    "MIME-Version: 1.0\nContent-Type: multipart/mixed; "
		    "boundary=b\n\n--b\nContent-Type: text/plain\n\nhi\n--b\n"
		    "Content-Type: application/octet-stream; name=\"Xk9mQ2pLz7"
		    ".bin\"\nContent-Transfer-Encoding: base64\n\nAAECAwQF\n"
		    "--b--\n";

		file_case("saved.eml", "application/octet-stream", eml,
		    strlen(eml), note, true);
		leaktext_init(&lt);
		lt.names = true;
		leaktext_add_file(&lt, "fwd.eml", "message/rfc822", nested,
		    strlen(nested));
		cp = check("root password is Xk9mQ2pLz7", lt.text->str);
		ok(cp != NULL, "a file name inside an attached message");
		g_free(cp);
		leaktext_clear(&lt);
		/* A note's files are often the client's own: their names are
		 * no secret of the note. */
		leaktext_init(&lt);
		leaktext_add_file(&lt, "Invoice-2024.pdf", "text/plain", "hi",
		    2);
		ok(strstr(lt.text->str, "Invoice") == NULL, "file names are "
		    "read only when asked (the note side does not)");
		leaktext_clear(&lt);
	}

	leaktext_init(&lt);
	leaktext_add_file(&lt, "pixel.png", "image/png", png, sizeof png);
	ok(lt.binary->len == 1 && strstr(lt.text->str, "IHDR") == NULL,
	    "a PNG is binary (only its name is read)");
	{
		/* Zero-filled binary is not UTF-16 without a BOM. */
		unsigned char zeros[512] = { 0 };

		for (size_t i = 0; i < sizeof zeros; i += 7)
			zeros[i] = (unsigned char)(0x41 + i % 26);
		leaktext_add_file(&lt, "disk.img", "application/octet-stream",
		    zeros, sizeof zeros);
		ok(lt.binary->len == 2, "zero-filled binary is binary");
	}
	ok(lt.hashes->len == 2 && strlen(lt.hashes->pdata[0]) == 64,
	    "every file is hashed");
	g = leakguard_new();
	leakguard_add_note(g, "see the screenshot");
	leakguard_add_note_file(g, lt.hashes->pdata[0]);
	cp = leakguard_check_file(g, lt.hashes->pdata[0]);
	ok(cp != NULL, "the note's own file re-attached is found");
	g_free(cp);
	ok(leakguard_check_file(g, "0000") == NULL, "another file is not");
	leakguard_free(&g);
	leaktext_clear(&lt);
}

int
main(void)
{
	g_mime_init();
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
		run_case(&cases[i]);
	for (size_t i = 0; i < G_N_ELEMENTS(pieces); i++)
		run_case(&pieces[i]);
	features();
	public_tokens();
	files();
	several_notes();
	large_text();
	return tap_done();
}
