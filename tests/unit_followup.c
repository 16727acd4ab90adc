/* unit_followup.c: ratings, thank-yous and "split" replies, table-driven. */
#include <stdbool.h>

#include <glib.h>

#include "followup.h"
#include "tap.h"

static const struct {
	const char	*in;
	int		 want;
} ratings[] = {
	{ "5", 5 },
	{ "5/5", 5 },
	{ "4/5", 4 },
	{ "4 - ok", 4 },
	{ "оценка 5", 5 },
	{ "Оценка: 4", 4 },
	{ "Rating: 3", 3 },
	{ "5 — отлично, спасибо", 5 },
	{ "  \n\n3\n\nOn Mon, Ivan wrote:", 3 },
	{ "1!", 1 },
	{ "5 из 5", 5 },
	{ "5 stars", 5 },
	{ "5+", 5 },
	{ "2.", 2 },
	{ "10", 0 },
	{ "0", 0 },
	{ "6", 0 },
	{ "5 minutes later it broke again", 0 },
	{ "2 вопроса", 0 },
	{ "5. Also the export is broken", 0 },
	{ "3.5", 0 },
	{ "Thanks!", 0 },
	{ "", 0 },
	{ NULL, 0 },
	{ "The rating is 5 for sure\n", 0 },
};

static const struct {
	const char	*in;
	bool		 want;
} thanks[] = {
	{ "Спасибо!", true },
	{ "thanks!", true },
	{ "Thank you, it works now.", true },
	{ "Большое спасибо, всё работает", true },
	{ "Благодарю за помощь.\n\nИван", true },
	{ "Thx", true },
	{ "Cheers,\nBob", true },
	{ "Thanks, the error is gone.", true },
	{ "спасибо, но ещё не работает", false },
	{ "thanks, but why?", false },
	{ "Спасибо. Почему так долго?", false },
	{ "Thanks, still broken", false },
	{ "Спасибо, опять упало", false },
	{ "Thanks\nIt happened again\ntoday\nat noon", false },
	{ "Thanks a lot\n2\n3\n4\n5\n6\n7\n8\n9\n10", false },
	{ "Ok", false },
	{ "", false },
	{ NULL, false },
	{ "Thanks, but it does not work for the second account either, and "
	    "we really need this fixed before Monday because the whole "
	    "accounting department is waiting for the reports to be generated "
	    "and we cannot proceed without them; the deadline is strict and "
	    "our auditors are coming next week to check everything thoroughly.",
	    false },
};

static const struct {
	const char	*in;
	bool		 want;
} splits[] = {
	{ "split", true },
	{ "Split.", true },
	{ "РАЗДЕЛИТЬ", true },
	{ "  Разделить!\n\nOn Mon, support wrote:\n> reply split", true },
	{ "\"split\"", true },
	{ "please split", false },
	{ "split the ticket into two please", false },
	{ "Do not split", false },
	{ "", false },
	{ NULL, false },
};

/* Test names are one line: escape the input. */
static const char *
esc(const char *s)
{
	static char *last;
	char high[129];
	int i;

	/* Keep UTF-8 (bytes >= 0x80) readable; escape only control bytes. */
	for (i = 0; i < 128; i++)
		high[i] = (char)(0x80 + i);
	high[128] = '\0';
	g_free(last);
	last = s == NULL ? g_strdup("(null)") : g_strescape(s, high);
	return last;
}

int
main(void)
{
	size_t i;

	(void)is_str;	/* tap.h's, unused here */
	for (i = 0; i < G_N_ELEMENTS(ratings); i++) {
		int got = followup_rating(ratings[i].in);

		ok(got == ratings[i].want, "rating '%s' = %d (got %d)",
		    esc(ratings[i].in), ratings[i].want, got);
	}
	for (i = 0; i < G_N_ELEMENTS(thanks); i++)
		ok(followup_is_thanks(thanks[i].in) == thanks[i].want,
		    "thanks '%.60s' = %d", esc(thanks[i].in), thanks[i].want);
	for (i = 0; i < G_N_ELEMENTS(splits); i++)
		ok(followup_is_split(splits[i].in) == splits[i].want,
		    "split '%s' = %d", esc(splits[i].in), splits[i].want);
	ok(followup_rating("5\n\xff\xfe") == 5, "invalid UTF-8 rating");
	ok(!followup_is_split("\xff split"), "invalid UTF-8 split");
	esc(NULL);
	return tap_done();
}
