/* bizhours.c: see bizhours.h.
 *
 * Days are walked one local date at a time (GDate, so a DST day is still
 * one step), and each day's window is built from its wall-clock times in
 * the zone: GLib moves a time that does not exist (inside a spring-forward
 * gap) forward, and picks the first of a repeated one. */
#include <stdio.h>
#include <string.h>
#include "bizhours.h"

#define MAX_DAYS (366 * 10)

static GTimeZone *
zone(const char *tz)
{
	if (!tz || !*tz)
		return g_time_zone_new_utc();
	return g_time_zone_new_identifier(tz);
}

bool
bizhours_tz_valid(const char *tz)
{
	GTimeZone *z = zone(tz);

	if (z)
		g_time_zone_unref(z);
	return z != NULL;
}

struct bizhours *
bizhours_new(const char *tz, unsigned days, int from, int to)
{
	GTimeZone *z = zone(tz);
	struct bizhours *bh;

	if (!z)
		return NULL;
	bh = g_new0(struct bizhours, 1);
	bh->tz = z;
	bh->days = days & 0x7f;
	bh->from = from;
	bh->to = to;
	bh->holidays = g_array_new(FALSE, FALSE, sizeof(guint32));
	return bh;
}

struct bizhours *
bizhours_new_always(const char *tz)
{
	struct bizhours *bh = bizhours_new(tz, 0x7f, 0, 1440);

	if (bh)
		bh->always = true;
	return bh;
}

static gint
cmp_u32(gconstpointer a, gconstpointer b)
{
	guint32 x = *(const guint32 *)a, y = *(const guint32 *)b;

	return x < y ? -1 : x > y;
}

int
bizhours_add_holiday(struct bizhours *bh, const char *date)
{
	unsigned y, m, d;
	char tail;
	guint32 v;

	if (!date || strlen(date) != 10 || sscanf(date, "%4u-%2u-%2u%c", &y,
	    &m, &d, &tail) != 3 || m < 1 || m > 12 || !g_date_valid_dmy(d, m,
	    y))
		return -1;
	v = y * 10000 + m * 100 + d;
	g_array_append_val(bh->holidays, v);
	g_array_sort(bh->holidays, cmp_u32);
	bh->always = false;
	return 0;
}

void
bizhours_free(struct bizhours *bh)
{
	if (!bh)
		return;
	g_time_zone_unref(bh->tz);
	g_array_unref(bh->holidays);
	g_free(bh);
}

static int
day_index(const char *s, size_t n)
{
	static const char *const names[] = { "mon", "tue", "wed", "thu",
		"fri", "sat", "sun" };

	for (int i = 0; i < 7; i++)
		if (n == 3 && g_ascii_strncasecmp(s, names[i], 3) == 0)
			return i;
	return -1;
}

int
bizhours_parse_days(const char *spec, unsigned *mask_r)
{
	char **parts = g_strsplit(spec ? spec : "", ",", -1);
	unsigned mask = 0;
	int r = 0;

	for (char **p = parts; *p && r == 0; p++) {
		char *item = g_strstrip(*p), *dash = strchr(item, '-');
		int a, b;

		if (dash) {
			a = day_index(item, dash - item);
			b = day_index(dash + 1, strlen(dash + 1));
		} else
			a = b = day_index(item, strlen(item));
		if (a < 0 || b < 0) {
			r = -1;
			break;
		}
		/* "sat-mon" wraps around the week. */
		for (int i = a;; i = (i + 1) % 7) {
			mask |= 1u << i;
			if (i == b)
				break;
		}
	}
	g_strfreev(parts);
	if (r == 0 && mask == 0)
		r = -1;
	*mask_r = mask;
	return r;
}

int
bizhours_parse_hhmm(const char *s, int *minutes_r)
{
	unsigned h, m;
	char tail;

	if (!s || strlen(s) != 5 || sscanf(s, "%2u:%2u%c", &h, &m, &tail) != 2
	    || s[2] != ':' || m > 59 || h > 24 || (h == 24 && m != 0))
		return -1;
	*minutes_r = h * 60 + m;
	return 0;
}

static bool
is_holiday(const struct bizhours *bh, int y, int m, int d)
{
	guint32 v = y * 10000 + m * 100 + d;

	for (guint i = 0; i < bh->holidays->len; i++)
		if (g_array_index(bh->holidays, guint32, i) == v)
			return true;
	return false;
}

bool
bizhours_workday(const struct bizhours *bh, int y, int m, int d)
{
	GDate date;

	if (!g_date_valid_dmy(d, m, y))
		return false;
	g_date_clear(&date, 1);
	g_date_set_dmy(&date, d, m, y);
	/* GDateWeekday: Monday is 1. */
	return (bh->days & (1u << (g_date_get_weekday(&date) - 1))) &&
	    !is_holiday(bh, y, m, d);
}

/* The instant of local time y-m-d plus minutes (up to 1440: the next
 * midnight). */
static int64_t
local_instant(const struct bizhours *bh, const GDate *date, int minutes)
{
	GDate day = *date;
	GDateTime *dt;
	int64_t t;

	if (minutes >= 1440) {
		g_date_add_days(&day, 1);
		minutes = 0;
	}
	dt = g_date_time_new(bh->tz, g_date_get_year(&day),
	    g_date_get_month(&day), g_date_get_day(&day), minutes / 60,
	    minutes % 60, 0);
	t = g_date_time_to_unix(dt);
	g_date_time_unref(dt);
	return t;
}

/* The local date of instant t. */
static void
local_date(const struct bizhours *bh, int64_t t, GDate *date)
{
	GDateTime *u = g_date_time_new_from_unix_utc(t);
	GDateTime *l = g_date_time_to_timezone(u, bh->tz);

	g_date_clear(date, 1);
	g_date_set_dmy(date, g_date_time_get_day_of_month(l),
	    g_date_time_get_month(l), g_date_time_get_year(l));
	g_date_time_unref(l);
	g_date_time_unref(u);
}

static bool
date_workday(const struct bizhours *bh, const GDate *d)
{
	return bizhours_workday(bh, g_date_get_year(d), g_date_get_month(d),
	    g_date_get_day(d));
}

int64_t
bizhours_between(const struct bizhours *bh, int64_t a, int64_t b)
{
	GDate day;
	int64_t sum = 0;

	if (b <= a)
		return 0;
	if (bh->always)
		return b - a;
	local_date(bh, a, &day);
	for (int i = 0; i < MAX_DAYS; i++, g_date_add_days(&day, 1)) {
		int64_t open = local_instant(bh, &day, bh->from);
		int64_t close = local_instant(bh, &day, bh->to);
		int64_t lo = MAX(open, a), hi = MIN(close, b);

		if (open >= b)
			break;
		if (hi > lo && date_workday(bh, &day))
			sum += hi - lo;
	}
	return sum;
}

int64_t
bizhours_add(const struct bizhours *bh, int64_t start, int64_t secs)
{
	GDate day;

	if (secs <= 0)
		return start;
	if (bh->always)
		return start + secs;
	local_date(bh, start, &day);
	for (int i = 0; i < MAX_DAYS; i++, g_date_add_days(&day, 1)) {
		int64_t open, close, lo;

		if (!date_workday(bh, &day))
			continue;
		open = local_instant(bh, &day, bh->from);
		close = local_instant(bh, &day, bh->to);
		lo = MAX(open, start);
		if (close <= lo)
			continue;
		if (close - lo >= secs)
			return lo + secs;
		secs -= close - lo;
	}
	return INT64_MAX;
}

int
bizhours_add_workdays(const struct bizhours *bh, int64_t now, int n,
    int *y_r, int *m_r, int *d_r)
{
	GDate day;

	local_date(bh, now, &day);
	for (int i = 0; i < MAX_DAYS && n > 0; i++) {
		g_date_add_days(&day, 1);
		if (date_workday(bh, &day) && --n == 0) {
			*y_r = g_date_get_year(&day);
			*m_r = g_date_get_month(&day);
			*d_r = g_date_get_day(&day);
			return 0;
		}
	}
	return -1;
}

int64_t
bizhours_midnight(const struct bizhours *bh, int y, int m, int d)
{
	GDate day;

	g_date_clear(&day, 1);
	g_date_set_dmy(&day, d, m, y);
	return local_instant(bh, &day, 0);
}

int64_t
bizhours_workday_before(const struct bizhours *bh, int y, int m, int d)
{
	GDate day;

	g_date_clear(&day, 1);
	g_date_set_dmy(&day, d, m, y);
	for (int i = 0; i < MAX_DAYS; i++) {
		g_date_subtract_days(&day, 1);
		if (date_workday(bh, &day))
			return local_instant(bh, &day, bh->from);
	}
	return INT64_MAX;
}

void
bizhours_month(const struct bizhours *bh, int64_t now, int64_t *start_r,
    int64_t *end_r, char label_r[8])
{
	GDate day, next;

	local_date(bh, now, &day);
	g_date_set_day(&day, 1);
	next = day;
	g_date_add_months(&next, 1);
	*start_r = local_instant(bh, &day, 0);
	*end_r = local_instant(bh, &next, 0);
	g_snprintf(label_r, 8, "%04u-%02u", (unsigned)g_date_get_year(&day),
	    (unsigned)g_date_get_month(&day));
}

int
bizhours_month_parse(const struct bizhours *bh, const char *label,
    int64_t *start_r, int64_t *end_r)
{
	int y, m;
	char buf[8];

	if (bizhours_month_label(label, &y, &m) != 0)
		return -1;
	bizhours_month(bh, bizhours_midnight(bh, y, m, 15), start_r, end_r,
	    buf);
	return 0;
}

char *
bizhours_format(const struct bizhours *bh, int64_t t, const char *fmt)
{
	GDateTime *u = g_date_time_new_from_unix_utc(t);
	GDateTime *l = g_date_time_to_timezone(u, bh->tz);
	char *s = g_date_time_format(l, fmt);

	g_date_time_unref(l);
	g_date_time_unref(u);
	return s ? s : g_strdup("");
}

int
bizhours_month_label(const char *label, int *year_r, int *month_r)
{
	unsigned y, m;
	char tail;

	if (!label || strlen(label) != 7 || sscanf(label, "%4u-%2u%c", &y, &m,
	    &tail) != 2 || label[4] != '-' || m < 1 || m > 12 || y < 1970 ||
	    y > 9999)
		return -1;
	*year_r = (int)y;
	*month_r = (int)m;
	return 0;
}
