/* bizhours.h: business hours and calendar months in the gateway's time
 * zone (postdesk.conf(5) "business_hours", "sla", "plans").
 *
 * Pure arithmetic over instants (seconds since the epoch): no database,
 * no configuration file, no clock.  SLA windows count only the time inside
 * the working hours of working days (a weekday in `days`, not a holiday),
 * read on the wall clock of the zone, so a DST change moves the window
 * with the clock: a 09:00-18:00 day is 9 hours either side of the change
 * (the night it happens in is not inside the hours).  Without business
 * hours every second counts ("always").
 *
 * The zone comes from GLib (GTimeZone, the system's tzdata). */
#ifndef PD_BIZHOURS_H
#define PD_BIZHOURS_H

#include <stdbool.h>
#include <stdint.h>
#include <glib.h>

struct bizhours {
	GTimeZone *tz;     /* owned */
	unsigned days;     /* bit 0 Monday ... bit 6 Sunday */
	int from, to;      /* minutes after local midnight, from < to <= 1440 */
	GArray *holidays;  /* of guint32 YYYYMMDD, sorted, may be empty */
	bool always;       /* every second counts (no business_hours) */
};

/* Every second of every day counts, in zone tz (an IANA name; NULL or ""
 * is UTC).  Returns NULL when tz is unknown. */
struct bizhours *bizhours_new_always(const char *tz);

/* Working hours from-to (minutes) on the days of mask, in zone tz.
 * Holidays are added with bizhours_add_holiday.  NULL when tz is
 * unknown. */
struct bizhours *bizhours_new(const char *tz, unsigned days, int from,
    int to);

/* "YYYY-MM-DD" becomes a day off.  0, or -1 when it is no valid date. */
int bizhours_add_holiday(struct bizhours *bh, const char *date);

void bizhours_free(struct bizhours *bh);

/* Whether tz names a zone GLib knows ("UTC", "Europe/Moscow"). */
bool bizhours_tz_valid(const char *tz);

/* "mon-fri", "mon,wed,fri", "sun-thu", "mon-fri,sat": the mask (bit 0
 * Monday).  0, or -1 when malformed or empty. */
int bizhours_parse_days(const char *spec, unsigned *mask_r);

/* "09:00" (00:00-24:00) in minutes.  0, or -1. */
int bizhours_parse_hhmm(const char *s, int *minutes_r);

/* Whether the local date y-m-d is a working day. */
bool bizhours_workday(const struct bizhours *bh, int y, int m, int d);

/* Business seconds in [a, b) (0 when b <= a).  Days more than ten years
 * apart count only the first ten years. */
int64_t bizhours_between(const struct bizhours *bh, int64_t a, int64_t b);

/* The instant when secs business seconds have passed since start (start
 * itself when secs <= 0).  INT64_MAX when there is no working time within
 * ten years. */
int64_t bizhours_add(const struct bizhours *bh, int64_t start, int64_t secs);

/* The local date (YYYY-MM-DD) n working days after the date of instant
 * now (n >= 1) in *y_r, *m_r, *d_r.  0, or -1 when none within ten
 * years. */
int bizhours_add_workdays(const struct bizhours *bh, int64_t now, int n,
    int *y_r, int *m_r, int *d_r);

/* Local midnight starting date y-m-d, as an instant. */
int64_t bizhours_midnight(const struct bizhours *bh, int y, int m, int d);

/* When the working hours of the last working day before date y-m-d begin
 * (its midnight when always): the "day before" of a promised date.
 * INT64_MAX when none within ten years. */
int64_t bizhours_workday_before(const struct bizhours *bh, int y, int m,
    int d);

/* The calendar month holding instant now in the zone: [*start_r, *end_r)
 * and its label "YYYY-MM" (label_r has room for 8 bytes). */
void bizhours_month(const struct bizhours *bh, int64_t now, int64_t *start_r,
    int64_t *end_r, char label_r[8]);

/* The month "YYYY-MM": its bounds.  0, or -1 when malformed. */
int bizhours_month_parse(const struct bizhours *bh, const char *label,
    int64_t *start_r, int64_t *end_r);

/* Formats instant t in the zone with a strftime-like GLib format
 * (g_date_time_format).  g_malloc'd. */
char *bizhours_format(const struct bizhours *bh, int64_t t, const char *fmt);

/* The month "YYYY-MM" (years 1970-9999) into year and month, no zone
 * needed: the --month of `postdesk plan` and `postdesk report`.  0, or -1
 * when malformed. */
int bizhours_month_label(const char *label, int *year_r, int *month_r);

#endif
