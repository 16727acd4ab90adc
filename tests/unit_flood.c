/* unit_flood.c: the near-duplicate detector and the cap arithmetic of the
 * flood guards (filters/flood.h). */
#include <stdio.h>
#include <string.h>
#include <glib.h>

#include "flood.h"
#include "tap.h"

static unsigned
sim(const char *a, const char *b)
{
	char *na = flood_normalise(a), *nb = flood_normalise(b);
	unsigned s = flood_similarity(na, nb);

	g_free(na);
	g_free(nb);
	return s;
}

/* What an auto-responder sends back to our acknowledgement number n. */
static char *
autoreply(unsigned n, const char *ref)
{
	return g_strdup_printf("Out of office (ref %s)\n"
	    "I am out of the office until Monday, 14 March, with no access "
	    "to e-mail. For urgent matters call +1 555 0100.\n\n"
	    "----- Your message -----\n"
	    "Subject: [ACME#%u] Re: Printer question\n"
	    "Your request has been received and ticket number %u was opened. "
	    "Please keep [ACME#%u] in the subject of any reply.\n",
	    ref, n, n, n);
}

static void
normalise(void)
{
	char *n = flood_normalise("Hello,  WORLD!\nTicket [ACME#1042] "
	    "ref 7f3a9c; id abc-123 Straße");

	is_str(n, "hello world ticket acme # ref # id abc # strasse",
	    "normalise: case folded, punctuation gone, words with digits #");
	ok(flood_words(n) == 11, "normalise: 11 words (%zu)", flood_words(n));
	g_free(n);
	n = flood_normalise(NULL);
	is_str(n, "", "normalise: NULL is the empty text");
	g_free(n);
	n = flood_normalise("\xff\xfe broken");
	is_str(n, "", "normalise: invalid UTF-8 compares as empty");
	g_free(n);
	n = flood_normalise("ПРИВЕТ, Мир");
	is_str(n, "привет мир", "normalise: Cyrillic case folded");
	g_free(n);
	/* A random hex id may hold no digit at all (seen in CI: a tracking
	 * number "faeaaacbeaaf" split a bot's repeats into two tickets). */
	n = flood_normalise("Tracking number faeaaacbeaaf, DEADBEEF; "
	    "facade accede decade");
	is_str(n, "tracking number # # facade accede decade",
	    "normalise: 8+ hex letters are an id, shorter words stay words");
	g_free(n);
}

static void
big(void)
{
	GString *s = g_string_new(NULL);
	char *n;

	for (int i = 0; i < FLOOD_MAX_WORDS * 3; i++)
		g_string_append(s, "word ");
	n = flood_normalise(s->str);
	ok(flood_words(n) == FLOOD_MAX_WORDS, "normalise: at most %d words "
	    "(%zu)", FLOOD_MAX_WORDS, flood_words(n));
	g_free(n);
	g_string_free(s, TRUE);
}

static void
similar(void)
{
	char *a = autoreply(1001, "7f3a9c"), *b = autoreply(1002, "c0ffee1");
	char *c = autoreply(1234567, "deadbeef42");

	ok(sim(a, b) == 100, "auto-reply quoting ack 1001 vs 1002: 100%% "
	    "(%u)", sim(a, b));
	ok(sim(a, c) == 100, "new ticket number and fresh ref: 100%% (%u)",
	    sim(a, c));
	ok(sim(a, a) == 100, "identical: 100%%");
	ok(sim("Printer question\nMy printer on floor 3 prints blank pages "
	    "since this morning, what can I do?",
	    "VPN question\nThe VPN client says certificate expired when I "
	    "connect from home, can you renew it?") < 20,
	    "two different requests: under 20%% (%u)",
	    sim("Printer question\nMy printer on floor 3 prints blank pages "
	    "since this morning, what can I do?",
	    "VPN question\nThe VPN client says certificate expired when I "
	    "connect from home, can you renew it?"));
	ok(sim("Help", "Help") == 100, "short texts: equal is 100%%");
	ok(sim("Help", "Hello") == 0, "short texts: different is 0%%");
	ok(sim("", "") == 100, "empty texts are equal");
	/* A long boilerplate with a short different message stays below
	 * the default threshold of 90 %. */
	{
		const char *foot = "This message was sent from the contact "
		    "form of our web site. Please do not reply to this address, "
		    "your answer will not reach anyone. Our privacy policy "
		    "applies to all data you entered.";
		char *x = g_strdup_printf("Contact form\nName: Ann\nMessage: "
		    "the invoice for March is missing\n%s", foot);
		char *y = g_strdup_printf("Contact form\nName: Bob\nMessage: "
		    "please reset my password for the portal\n%s", foot);

		ok(sim(x, y) < 90, "form mail with different messages: under "
		    "90%% (%u)", sim(x, y));
		g_free(x);
		g_free(y);
	}
	g_free(a);
	g_free(b);
	g_free(c);
}

static void
domains(void)
{
	is_str(flood_domain("noreply-7f3a@bot.example"), "bot.example",
	    "domain of an address");
	is_str(flood_domain("a@b@c.test"), "c.test", "domain after the last @");
	is_str(flood_domain("nobody"), "", "no @: no domain");
	is_str(flood_domain(NULL), "", "NULL: no domain");
	ok(flood_automated_opens_ticket("list-id"), "list mail opens tickets");
	ok(flood_automated_opens_ticket("precedence: list"),
	    "precedence: list opens tickets");
	ok(!flood_automated_opens_ticket("auto-submitted: auto-replied"),
	    "auto-replies open none");
	ok(!flood_automated_opens_ticket("bounce or receipt "
	    "(multipart/report)"),
	    "bounces open none");
	ok(!flood_automated_opens_ticket("vacation subject"),
	    "vacation subjects open none");
	ok(!flood_automated_opens_ticket(NULL), "NULL opens none");
}

static void
caps(void)
{
	struct flood_limit l = { .per_hour = 10, .per_day = 40 };
	struct flood_limit none = { 0, 0 };
	struct flood_limit day = { .per_hour = 0, .per_day = 5 };

	ok(flood_cap(&l, 0, 0) == FLOOD_OK, "cap: nothing sent yet");
	ok(flood_cap(&l, 9, 9) == FLOOD_OK, "cap: 9 of 10 an hour: one more");
	ok(flood_cap(&l, 10, 10) == FLOOD_HOUR, "cap: 10 of 10: hour full");
	ok(flood_cap(&l, 3, 39) == FLOOD_OK, "cap: 39 of 40 a day: one more");
	ok(flood_cap(&l, 3, 40) == FLOOD_DAY, "cap: 40 of 40: day full");
	ok(flood_cap(&l, 12, 45) == FLOOD_HOUR, "cap: both full: hour named");
	ok(flood_cap(&none, 100000, 100000) == FLOOD_OK, "cap: 0 is unlimited");
	ok(flood_cap(&day, 1000, 4) == FLOOD_OK, "cap: no hourly cap");
	ok(flood_cap(&day, 0, 5) == FLOOD_DAY, "cap: daily cap alone");
	is_str(flood_window_name(FLOOD_HOUR), "hour", "window name hour");
	is_str(flood_window_name(FLOOD_DAY), "day", "window name day");
	is_str(flood_window_name(FLOOD_OK), "", "window name ok");
}

/* One mailbox however it is spelt: each spelling would get its own cap. */
static void
canonical(void)
{
	static const char *const same[] = {
		"bot@bücher.test", "Bot@BÜCHER.test", "BOT@xn--bcher-kva.test",
		"\"bot\"@bücher.test", "bot+7@bücher.test", "\"b\\ot\"@b\xc3\xbc"
		"cher.test", "bot+a+b@XN--BCHER-KVA.TEST.", "BoT+x@Bücher.Test",
	};
	char *want = flood_canonical(same[0]);

	is_str(want, "bot@xn--bcher-kva.test", "canonical: IDNA, lower case");
	for (size_t i = 1; i < G_N_ELEMENTS(same); i++) {
		char *got = flood_canonical(same[i]);

		if (!ok(g_strcmp0(got, want) == 0, "canonical: spelling %zu is "
		    "the same mailbox", i))
			printf("#   %s -> %s\n", same[i], got);
		g_free(got);
	}
	g_free(want);
	want = flood_canonical("+tag@x.test");
	is_str(want, "+tag@x.test", "canonical: a local part of a tag only "
	    "stays");
	g_free(want);
	want = flood_canonical("a@b.bot.test");
	is_str(want, "a@b.bot.test", "canonical: subdomains stay apart");
	g_free(want);
	{
		static const char *const org[][2] = {
			{ "a7.bot.test", "bot.test" }, { "bot.test", "bot.test" },
			{ "x.y.z.bot.test", "bot.test" }, { "test", "test" },
			{ "mail.acme.co.uk", "acme.co.uk" },
			{ "acme.co.uk", "acme.co.uk" }, { "co.uk", "co.uk" },
			{ "mx.example.de", "example.de" },
			{ "[192.0.2.1]", "[192.0.2.1]" }, { "", "" },
		};

		for (size_t i = 0; i < G_N_ELEMENTS(org); i++)
			if (!ok(strcmp(flood_org_domain(org[i][0]),
			    org[i][1]) == 0, "org domain %zu", i))
				printf("#   %s -> %s\n", org[i][0],
				    flood_org_domain(org[i][0]));
	}
	want = flood_canonical("no-at");
	is_str(want, "no-at", "canonical: no @");
	g_free(want);
	want = flood_canonical("\xff\xfe@\xff.test");
	ok(want && g_utf8_validate(want, -1, NULL), "canonical: invalid UTF-8 "
	    "gives valid UTF-8");
	g_free(want);
}

int
main(void)
{
	normalise();
	big();
	similar();
	domains();
	caps();
	canonical();
	return tap_done();
}
