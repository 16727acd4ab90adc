/* unit_bizhours.c: business hours and months in a time zone (bizhours.h)
 * and the plan arithmetic (plans.h): time outside the hours, weekends,
 * holidays, both DST changes, a day's boundaries, parsing of the
 * settings, the calendar month of an instant in the gateway's zone, the
 * day before a promised date, working days ahead, and the percent of a
 * plan and its thresholds. */
#include <stdint.h>
#include <stdio.h>
#include <glib.h>
#include "bizhours.h"
#include "plans.h"
#include "tap.h"

/* Local wall-clock time in tz as an instant. */
static int64_t
at(const char *tz, int y, int m, int d, int h, int mi)
{
	GTimeZone *z = g_time_zone_new_identifier(tz);
	GDateTime *dt = g_date_time_new(z, y, m, d, h, mi, 0);
	int64_t t = g_date_time_to_unix(dt);

	g_date_time_unref(dt);
	g_time_zone_unref(z);
	return t;
}

static int
eq64(int64_t got, int64_t want, const char *name)
{
	int r = ok(got == want, "%s", name);

	if (!r)
		printf("#   got:  %lld\n#   want: %lld\n", (long long)got,
		    (long long)want);
	return r;
}

#define B(y, m, d, h, mi) at("Europe/Berlin", y, m, d, h, mi)

static void
test_between(void)
{
	struct bizhours *bh = bizhours_new("Europe/Berlin", 0x1f, 9 * 60,
	    18 * 60);

	/* 2026-11-30 is a Monday. */
	eq64(bizhours_between(bh, B(2026, 11, 30, 10, 0), B(2026, 11, 30, 12,
	    0)), 7200, "between: inside one day");
	eq64(bizhours_between(bh, B(2026, 11, 30, 7, 0), B(2026, 11, 30, 8,
	    59)), 0, "between: before the hours");
	eq64(bizhours_between(bh, B(2026, 11, 30, 17, 0), B(2026, 11, 30, 23,
	    0)), 3600, "between: into the evening counts until 18:00");
	eq64(bizhours_between(bh, B(2026, 11, 30, 12, 0), B(2026, 11, 30, 11,
	    0)), 0, "between: b before a is 0");
	eq64(bizhours_between(bh, B(2026, 11, 27, 17, 0), B(2026, 11, 30, 10,
	    0)), 7200, "between: Friday 17:00 to Monday 10:00 is 2 h");
	eq64(bizhours_between(bh, B(2026, 11, 28, 10, 0), B(2026, 11, 29, 20,
	    0)), 0, "between: a weekend is 0");
	eq64(bizhours_between(bh, B(2026, 11, 30, 9, 0), B(2026, 12, 7, 9,
	    0)), 5 * 9 * 3600, "between: a week is 45 h");
	ok(bizhours_add_holiday(bh, "2026-12-31") == 0 &&
	    bizhours_add_holiday(bh, "2027-01-01") == 0, "holidays added");
	ok(bizhours_add_holiday(bh, "2026-02-30") < 0 &&
	    bizhours_add_holiday(bh, "31.12.2026") < 0 &&
	    bizhours_add_holiday(bh, "2026-12-311") < 0,
	    "holidays: invalid dates refused");
	eq64(bizhours_between(bh, B(2026, 12, 30, 17, 0), B(2027, 1, 4, 10,
	    0)), 7200, "between: over two holidays and a weekend");
	ok(!bizhours_workday(bh, 2026, 12, 31) && bizhours_workday(bh, 2026,
	    12, 30) && !bizhours_workday(bh, 2026, 12, 5),
	    "workday: holiday, weekday, Saturday");
	bizhours_free(bh);
}

static void
test_add(void)
{
	struct bizhours *bh = bizhours_new("Europe/Berlin", 0x1f, 9 * 60,
	    18 * 60);

	eq64(bizhours_add(bh, B(2026, 11, 27, 17, 0), 2 * 3600),
	    B(2026, 11, 30, 10, 0), "add: Friday 17:00 + 2 h is Monday 10:00");
	eq64(bizhours_add(bh, B(2026, 11, 28, 12, 0), 3600),
	    B(2026, 11, 30, 10, 0), "add: from a Saturday starts Monday 9:00");
	eq64(bizhours_add(bh, B(2026, 11, 30, 6, 0), 3600),
	    B(2026, 11, 30, 10, 0), "add: before the hours starts at 9:00");
	eq64(bizhours_add(bh, B(2026, 11, 30, 9, 0), 9 * 3600),
	    B(2026, 11, 30, 18, 0), "add: a full day ends at 18:00 that day");
	eq64(bizhours_add(bh, B(2026, 11, 30, 20, 0), 60),
	    B(2026, 12, 1, 9, 1), "add: after the hours moves to the next day");
	eq64(bizhours_add(bh, B(2026, 11, 30, 20, 0), 0),
	    B(2026, 11, 30, 20, 0), "add: 0 s is the start");
	bizhours_add_holiday(bh, "2026-12-31");
	bizhours_add_holiday(bh, "2027-01-01");
	/* Urgent, 2 h, opened Wednesday 17:30 before the New Year. */
	eq64(bizhours_add(bh, B(2026, 12, 30, 17, 30), 2 * 3600),
	    B(2027, 1, 4, 10, 30), "add: across holidays and a weekend");
	eq64(bizhours_between(bh, B(2026, 12, 30, 17, 30),
	    bizhours_add(bh, B(2026, 12, 30, 17, 30), 5 * 3600 + 17)),
	    5 * 3600 + 17, "add and between agree");
	bizhours_free(bh);
}

static void
test_dst(void)
{
	/* Every day, 09:00-18:00: the autumn change (2026-10-25, 03:00 ->
	 * 02:00) is at night, so the hours are the same. */
	struct bizhours *bh = bizhours_new("Europe/Berlin", 0x7f, 9 * 60,
	    18 * 60), *night, *always;

	eq64(bizhours_between(bh, B(2026, 10, 24, 17, 0), B(2026, 10, 25, 10,
	    0)), 7200, "DST autumn: wall-clock hours count");
	eq64(bizhours_add(bh, B(2026, 10, 24, 17, 0), 7200),
	    B(2026, 10, 25, 10, 0), "DST autumn: add");
	eq64(bizhours_between(bh, B(2026, 3, 28, 17, 0), B(2026, 3, 29, 10,
	    0)), 7200, "DST spring: wall-clock hours count");
	/* Hours over the change itself: 01:00-04:00 on 2026-03-29 is 2 real
	 * hours (02:00 does not exist), on 2026-10-25 4 hours. */
	night = bizhours_new("Europe/Berlin", 0x7f, 60, 4 * 60);
	eq64(bizhours_between(night, B(2026, 3, 29, 0, 0), B(2026, 3, 30, 0,
	    0)), 2 * 3600, "DST spring: a window over the gap is shorter");
	eq64(bizhours_between(night, at("UTC", 2026, 10, 24, 12, 0),
	    at("UTC", 2026, 10, 25, 12, 0)), 4 * 3600,
	    "DST autumn: a window over the repeated hour is longer");
	always = bizhours_new_always("Europe/Berlin");
	eq64(bizhours_between(always, B(2026, 10, 24, 12, 0), B(2026, 10, 25,
	    12, 0)), 25 * 3600, "always: the autumn day has 25 h");
	eq64(bizhours_add(always, 1000, 500), 1500, "always: plain sum");
	bizhours_free(bh);
	bizhours_free(night);
	bizhours_free(always);
}

static void
test_parse(void)
{
	unsigned m = 0;
	int min = -1;

	ok(bizhours_parse_days("mon-fri", &m) == 0 && m == 0x1f,
	    "days: mon-fri");
	ok(bizhours_parse_days("sat-mon", &m) == 0 && m == 0x61,
	    "days: sat-mon wraps");
	ok(bizhours_parse_days("Mon, wed,fri", &m) == 0 && m == 0x15,
	    "days: a list, any case and blanks");
	ok(bizhours_parse_days("mon-fri,sun", &m) == 0 && m == 0x5f,
	    "days: a range and a day");
	ok(bizhours_parse_days("xyz", &m) < 0 && bizhours_parse_days("", &m) <
	    0 && bizhours_parse_days("mon-", &m) < 0, "days: malformed");
	ok(bizhours_parse_hhmm("09:00", &min) == 0 && min == 540,
	    "hhmm: 09:00");
	ok(bizhours_parse_hhmm("24:00", &min) == 0 && min == 1440,
	    "hhmm: 24:00");
	ok(bizhours_parse_hhmm("24:01", &min) < 0 && bizhours_parse_hhmm(
	    "9:00", &min) < 0 && bizhours_parse_hhmm("12:60", &min) < 0 &&
	    bizhours_parse_hhmm("12:00x", &min) < 0, "hhmm: malformed");
	ok(bizhours_tz_valid("UTC") && bizhours_tz_valid("Europe/Moscow") &&
	    bizhours_tz_valid("") && !bizhours_tz_valid("Mars/Olympus"),
	    "time zones");
	ok(bizhours_new("Mars/Olympus", 0x1f, 0, 60) == NULL,
	    "an unknown zone is refused");
}

static void
test_months(void)
{
	struct bizhours *msk = bizhours_new_always("Europe/Moscow");
	int64_t s, e;
	char label[8];
	int y, m, d;

	/* 2026-11-30 22:30 UTC is already December in Moscow. */
	bizhours_month(msk, at("UTC", 2026, 11, 30, 22, 30), &s, &e, label);
	is_str(label, "2026-12", "month: of an instant in the zone");
	eq64(s, at("UTC", 2026, 11, 30, 21, 0), "month: starts at local "
	    "midnight");
	eq64(e, at("UTC", 2026, 12, 31, 21, 0), "month: ends at the next");
	ok(bizhours_month_parse(msk, "2026-02", &s, &e) == 0 && s ==
	    at("Europe/Moscow", 2026, 2, 1, 0, 0) && e == at("Europe/Moscow",
	    2026, 3, 1, 0, 0), "month: parsed");
	ok(bizhours_month_parse(msk, "2026-13", &s, &e) < 0 &&
	    bizhours_month_parse(msk, "2026-1", &s, &e) < 0 &&
	    bizhours_month_parse(msk, "26-01-01", &s, &e) < 0,
	    "month: malformed");
	ok(bizhours_month_label("2026-10", &y, &m) == 0 && y == 2026 &&
	    m == 10, "month label: year and month");
	ok(bizhours_month_label("1969-12", &y, &m) < 0 &&
	    bizhours_month_label("2026-00", &y, &m) < 0 &&
	    bizhours_month_label("2026-1x", &y, &m) < 0 &&
	    bizhours_month_label(NULL, &y, &m) < 0,
	    "month label: malformed or before 1970");
	bizhours_free(msk);
	msk = bizhours_new("Europe/Moscow", 0x1f, 9 * 60, 18 * 60);
	eq64(bizhours_workday_before(msk, 2026, 11, 30), at("Europe/Moscow",
	    2026, 11, 27, 9, 0), "day before Monday: Friday 9:00");
	bizhours_add_holiday(msk, "2026-11-27");
	eq64(bizhours_workday_before(msk, 2026, 11, 30), at("Europe/Moscow",
	    2026, 11, 26, 9, 0), "day before Monday after a holiday Friday");
	ok(bizhours_add_workdays(msk, at("Europe/Moscow", 2026, 11, 25, 15,
	    0), 3, &y, &m, &d) == 0 && y == 2026 && m == 12 && d == 1,
	    "3 working days from Wednesday over a holiday and a weekend");
	eq64(bizhours_midnight(msk, 2026, 12, 1), at("UTC", 2026, 11, 30, 21,
	    0), "midnight in the zone");
	bizhours_free(msk);
}

static void
test_plans(void)
{
	ok(plans_percent(480, 10) == 80, "plan: 8 of 10 h is 80 %%");
	ok(plans_percent(599, 10) == 99, "plan: rounded down");
	ok(plans_percent(450, 7.5) == 100, "plan: 7.5 h");
	ok(plans_percent(100, 0) == 0, "plan: no hours, 0 %%");
	ok(!plans_reached(479, 10, 80) && plans_reached(480, 10, 80),
	    "plan: 80 %% reached at exactly 8 h");
	ok(!plans_reached(599, 10, 100) && plans_reached(600, 10, 100) &&
	    plans_reached(700, 10, 100), "plan: 100 %% at 10 h and beyond");
	ok(!plans_reached(0, 0, 80) && plans_reached(1, 0, 100),
	    "plan: a 0-hour plan is over with the first minute");
	ok(plans_reached(1200, 10, 200) && !plans_reached(1199, 10, 200),
	    "plan: thresholds above 100 %%");
}

int
main(void)
{
	test_between();
	test_add();
	test_dst();
	test_parse();
	test_months();
	test_plans();
	return tap_done();
}
