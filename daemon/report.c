/* report.c: see report.h. */
#include <stdio.h>
#include <string.h>
#include "digest.h"
#include "log.h"
#include "notify.h"
#include "plans.h"
#include "report.h"

/* The chart's colours: opened, resolved. */
#define COLOUR_OPENED "#4a7bd0"
#define COLOUR_RESOLVED "#3aa655"
/* The longest bar: pixels in HTML, characters in text. */
#define BAR_PX 200
#define BAR_CHARS 30

static bool
ru(const char *lang)
{
	return lang && strcmp(lang, "ru") == 0;
}

static GTimeZone *
gateway_tz(const struct pd_config *cfg)
{
	GTimeZone *tz = g_time_zone_new_identifier(cfg->timezone);

	return tz ? tz : g_time_zone_new_utc();
}

/* 00:00 of the first of year-month in tz, as epoch seconds; month may run
 * past 12 or below 1. */
static int64_t
month_start(GTimeZone *tz, int year, int month)
{
	GDateTime *d;
	int64_t t;

	while (month > 12)
		month -= 12, year++;
	while (month < 1)
		month += 12, year--;
	d = g_date_time_new(tz, year, month, 1, 0, 0, 0);
	t = g_date_time_to_unix(d);
	g_date_time_unref(d);
	return t;
}

static gint
cmp_i64(gconstpointer a, gconstpointer b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

int
report_compute(sqlite3 *db, const struct pd_config *cfg,
    const struct pd_client *cl, int year, int month, struct report *r)
{
	GTimeZone *tz = gateway_tz(cfg);
	const struct pd_plan *plan = config_plan(cfg, cl->plan);
	GArray *fr;
	int rc = -1;

	memset(r, 0, sizeof *r);
	r->client = g_strdup(cl->name);
	/* Its voice is the queue its people write to (their newest
	 * ticket's); its language the client's configured one, else the
	 * one its people write in (their newest ticket's), else the
	 * queue's, else the gateway's (notify.h). */
	if (store_client_queue(db, cl->name, &r->queue) < 0)
		goto out;
	if (cl->language)
		r->lang = g_strdup(cl->language);
	else if (!(r->lang = store_client_language(db, cl->name)))
		r->lang = g_strdup(config_queue_voice(cfg, r->queue)->language);
	r->year = year;
	r->month = month;
	snprintf(r->key, sizeof r->key, "%04d-%02d", (year % 10000 + 10000) %
	    10000, month % 100);
	r->plan_hours = plan ? plan->hours : -1;
	if (store_month_stats(db, cl->name, month_start(tz, year, month),
	    month_start(tz, year, month + 1), &r->m) != 0 ||
	    store_resolved_share(db, cl->name, month_start(tz, year,
	    month - 11), month_start(tz, year, month + 1), &r->opened12,
	    &r->resolved12) != 0)
		goto out;
	for (int i = 0; i < 12; i++) {
		int mo = month - 11 + i, y = year;
		struct store_month m;

		while (mo < 1)
			mo += 12, y--;
		snprintf(r->labels[i], sizeof r->labels[i], "%04d-%02d",
		    (y % 10000 + 10000) % 10000, mo % 100);
		if (store_month_stats(db, cl->name, month_start(tz, y, mo),
		    month_start(tz, y, mo + 1), &m) != 0) {
			store_month_clear(&m);
			goto out;
		}
		r->series[i][0] = m.opened;
		r->series[i][1] = m.resolved;
		store_month_clear(&m);
	}
	fr = r->m.first_responses;
	g_array_sort(fr, cmp_i64);
	r->median_response = fr->len == 0 ? -1 : fr->len % 2 ?
	    g_array_index(fr, int64_t, fr->len / 2) :
	    (g_array_index(fr, int64_t, fr->len / 2 - 1) +
	    g_array_index(fr, int64_t, fr->len / 2)) / 2;
	rc = 0;
out:
	g_time_zone_unref(tz);
	return rc;
}

void
report_clear(struct report *r)
{
	g_free(r->client);
	g_free(r->lang);
	g_free(r->queue);
	store_month_clear(&r->m);
	memset(r, 0, sizeof *r);
}

/* Month names: English, then Russian in the nominative, which is also
 * the accusative of "за октябрь". */
static const char *const month_names[2][12] = {
	{ "January", "February", "March", "April", "May", "June", "July",
	  "August", "September", "October", "November", "December" },
	{ "январь", "февраль", "март", "апрель", "май", "июнь", "июль",
	  "август", "сентябрь", "октябрь", "ноябрь", "декабрь" },
};

static char *
hours_line(const struct report *r)
{
	double used = r->m.minutes / 60.0;
	char *u = plans_hours_text(used, r->lang), *p, *s;

	if (r->plan_hours < 0) {
		s = g_strdup_printf(ru(r->lang) ? "%s ч (без тарифного плана)" :
		    "%s h (no plan)", u);
		g_free(u);
		return s;
	}
	p = plans_hours_text(r->plan_hours, r->lang);
	s = g_strdup_printf(ru(r->lang) ? "%s ч из %s ч (%d %%)" :
	    "%s h of %s h (%d%%)", u, p, r->plan_hours > 0 ?
	    (int)(used * 100 / r->plan_hours + 0.5) : 0);
	g_free(u);
	g_free(p);
	return s;
}

static int64_t
series_max(const struct report *r)
{
	int64_t max = 0;

	for (int i = 0; i < 12; i++)
		for (int j = 0; j < 2; j++)
			if (r->series[i][j] > max)
				max = r->series[i][j];
	return max;
}

/* The chart in text: a legend, then a line per month. */
static char *
chart_text(const struct report *r)
{
	GString *s = g_string_new(ru(r->lang) ? "# открыто, = решено\n" :
	    "# opened, = resolved\n");
	int64_t max = series_max(r);

	for (int i = 0; i < 12; i++) {
		g_string_append_printf(s, "%s  ", r->labels[i]);
		for (int j = 0; j < 2; j++) {
			int64_t n = r->series[i][j];
			int len = max ? (int)((n * BAR_CHARS + max - 1) / max) :
			    0;

			for (int k = 0; k < len; k++)
				g_string_append_c(s, j ? '=' : '#');
			g_string_append_printf(s, "%s%lld%s", len ? " " : "",
			    (long long)n, j ? "" : "  ");
		}
		g_string_append_c(s, '\n');
	}
	g_strchomp(s->str);
	return g_string_free(s, FALSE);
}

GHashTable *
report_vars(const struct report *r)
{
	GHashTable *v = notify_vars_new();
	char *avg;

	g_hash_table_insert(v, "report.client", g_strdup(r->client));
	g_hash_table_insert(v, "report.month", g_strdup_printf(ru(r->lang) ?
	    "%s %d г." : "%s %d", month_names[ru(r->lang)][(r->month + 11) %
	    12], r->year));
	g_hash_table_insert(v, "report.opened", g_strdup_printf("%lld",
	    (long long)r->m.opened));
	g_hash_table_insert(v, "report.resolved", g_strdup_printf("%lld",
	    (long long)r->m.resolved));
	/* Rounded to the nearest percent, like the hours' share: 2 of 3 is
	 * 67 %, as a reader computes it. */
	g_hash_table_insert(v, "report.resolved_12m", r->opened12 ?
	    g_strdup_printf(ru(r->lang) ? "%d %%" : "%d%%",
	    (int)((r->resolved12 * 200 + r->opened12) / (2 * r->opened12))) :
	    g_strdup("—"));
	g_hash_table_insert(v, "report.hours", hours_line(r));
	g_hash_table_insert(v, "report.first_response",
	    r->median_response < 0 ? g_strdup("—") :
	    digest_duration(r->median_response, r->lang));
	g_hash_table_insert(v, "report.ratings_count", g_strdup_printf("%lld",
	    (long long)r->m.ratings));
	avg = g_strdup_printf("%.1f", r->m.rating_avg);
	if (ru(r->lang))
		g_strdelimit(avg, ".", ',');
	g_hash_table_insert(v, "report.ratings_average", r->m.ratings ? avg :
	    (g_free(avg), g_strdup("—")));
	g_hash_table_insert(v, "report.chart", chart_text(r));
	return v;
}

/* One bar: a table cell of the colour, width px wide.  Tables with
 * bgcolor and inline styles are what every mail client renders (Gmail
 * drops inline SVG and <style> blocks, and images need a cid part and
 * are often blocked until the reader allows them), so the chart reads
 * the same in Gmail, Thunderbird and Outlook, and in a client that shows
 * no colour the numbers beside the bars still do. */
static void
bar(GString *s, const char *colour, int width, int64_t n)
{
	g_string_append(s, "<table role=\"presentation\" cellpadding=\"0\" "
	    "cellspacing=\"0\" border=\"0\"><tr>");
	if (width > 0)
		g_string_append_printf(s, "<td class=\"bar\" bgcolor=\"%s\" "
		    "width=\"%d\" height=\"10\" style=\"background-color:%s;"
		    "width:%dpx;height:10px;font-size:1px;line-height:1px\">"
		    "&nbsp;</td>", colour, width, colour, width);
	g_string_append_printf(s, "<td style=\"padding-left:4px;"
	    "font-size:11px\">%lld</td></tr></table>", (long long)n);
}

char *
report_chart_html(const struct report *r)
{
	GString *s = g_string_new(NULL);
	int64_t max = series_max(r);

	g_string_append_printf(s, "<table class=\"chart\" role=\"presentation\" "
	    "cellpadding=\"2\" cellspacing=\"0\" border=\"0\" "
	    "style=\"font-family:sans-serif;font-size:12px;margin-top:12px\">"
	    "<tr><td></td><td><span style=\"color:%s\">&#9632;</span> %s "
	    "&nbsp; <span style=\"color:%s\">&#9632;</span> %s</td></tr>\n",
	    COLOUR_OPENED, ru(r->lang) ? "открыто" : "opened",
	    COLOUR_RESOLVED, ru(r->lang) ? "решено" : "resolved");
	for (int i = 0; i < 12; i++) {
		g_string_append_printf(s, "<tr><td style=\"padding-right:8px;"
		    "white-space:nowrap\">%s</td><td>", r->labels[i]);
		for (int j = 0; j < 2; j++) {
			int64_t n = r->series[i][j];

			bar(s, j ? COLOUR_RESOLVED : COLOUR_OPENED, max ?
			    (int)((n * BAR_PX + max - 1) / max) : 0, n);
		}
		g_string_append(s, "</td></tr>\n");
	}
	g_string_append(s, "</table>");
	return g_string_free(s, FALSE);
}

char *
report_json(sqlite3 *db, const struct report *r)
{
	char *client = store_json_quote(db, r->client);
	GString *s;

	if (!client)
		return NULL;
	s = g_string_new(NULL);
	g_string_append_printf(s, "{\"client\":%s,\"month\":\"%s\","
	    "\"language\":\"%s\",\"opened\":%lld,\"resolved\":%lld,"
	    "\"opened_12m\":%lld,\"resolved_12m\":%lld,\"minutes\":%lld,",
	    client, r->key, ru(r->lang) ? "ru" : "en", (long long)r->m.opened,
	    (long long)r->m.resolved, (long long)r->opened12,
	    (long long)r->resolved12, (long long)r->m.minutes);
	if (r->plan_hours >= 0)
		g_string_append_printf(s, "\"plan_hours\":%.2f,",
		    r->plan_hours);
	else
		g_string_append(s, "\"plan_hours\":null,");
	if (r->median_response >= 0)
		g_string_append_printf(s, "\"median_first_response\":%lld,",
		    (long long)r->median_response);
	else
		g_string_append(s, "\"median_first_response\":null,");
	g_string_append_printf(s, "\"ratings\":%lld,", (long long)
	    r->m.ratings);
	if (r->m.ratings)
		g_string_append_printf(s, "\"rating_average\":%.2f,",
		    r->m.rating_avg);
	else
		g_string_append(s, "\"rating_average\":null,");
	g_string_append(s, "\"months\":[");
	for (int i = 0; i < 12; i++)
		g_string_append_printf(s, "%s{\"month\":\"%s\",\"opened\":%lld,"
		    "\"resolved\":%lld}", i ? "," : "", r->labels[i],
		    (long long)r->series[i][0], (long long)r->series[i][1]);
	g_string_append(s, "]}");
	g_free(client);
	return g_string_free(s, FALSE);
}

GPtrArray *
report_recipients(const struct pd_client *cl)
{
	return cl->contacts && cl->contacts->len ? cl->contacts :
	    cl->addresses;
}

int
report_send(struct tx *tx, const struct pd_client *cl,
    const struct report *r)
{
	GHashTable *vars = report_vars(r);
	char *chart = report_chart_html(r);
	GPtrArray *to = report_recipients(cl);
	int rc = 0;

	for (guint i = 0; rc == 0 && i < to->len; i++) {
		struct notify_mail m = { .name = "report_client",
			.rcpt = to->pdata[i], .lang = r->lang, .vars = vars,
			.html_tail = chart, .queue = r->queue };

		rc = notify_send(tx, NULL, &m);
	}
	if (rc == 0)
		log_info("stage=timer event=report client=\"%s\" month=%s "
		    "contacts=%u", r->client, r->key, to->len);
	g_free(chart);
	g_hash_table_unref(vars);
	return rc;
}

void
report_last_month(const struct pd_config *cfg, int64_t now, int *year_r,
    int *month_r)
{
	GTimeZone *tz = gateway_tz(cfg);
	GDateTime *u = g_date_time_new_from_unix_utc(now);
	GDateTime *l = g_date_time_to_timezone(u, tz);

	*year_r = g_date_time_get_year(l);
	*month_r = g_date_time_get_month(l) - 1;
	if (*month_r == 0)
		*month_r = 12, (*year_r)--;
	g_date_time_unref(l);
	g_date_time_unref(u);
	g_time_zone_unref(tz);
}

int
report_run(struct tx *tx, int64_t now)
{
	int year, month, r = 0;
	char *key;

	if (!tx->cfg->report_monthly)
		return 0;
	report_last_month(tx->cfg, now, &year, &month);
	/* The month as a whole first: the job runs every minute. */
	key = g_strdup_printf("reports %04d-%02d", year, month);
	r = store_timer_claim(tx->db, key, now);
	g_free(key);
	if (r != 1)
		return r;
	r = 0;
	for (guint i = 0; r == 0 && i < tx->cfg->clients->len; i++) {
		const struct pd_client *cl = tx->cfg->clients->pdata[i];
		struct report rep;

		key = g_strdup_printf("report %s %04d-%02d", cl->name, year,
		    month);
		if (report_recipients(cl)->len && (r = store_timer_claim(
		    tx->db, key, now)) == 1) {
			r = report_compute(tx->db, tx->cfg, cl, year, month,
			    &rep);
			/* A client with no ticket in a year and no time
			 * logged gets nothing to read. */
			if (r == 0 && (rep.opened12 || rep.m.resolved ||
			    rep.m.minutes))
				r = report_send(tx, cl, &rep);
			report_clear(&rep);
		}
		g_free(key);
	}
	return r < 0 ? -1 : 0;
}
