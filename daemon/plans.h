/* plans.h: support-hour plans (postdesk.conf(5) "plans"): how much of a
 * client's monthly hours the billable #time entries used, the warn_at
 * notices (once per client, month and threshold), and the over-limit
 * notice of a new request's acknowledgement.
 *
 * A period is a calendar month in gateway.timezone.  Every notice is
 * queued in the transaction that claimed it (store_notice_claim), so it
 * goes out exactly once however many time entries or job runs see the
 * threshold crossed. */
#ifndef PD_PLANS_H
#define PD_PLANS_H

#include <stdbool.h>
#include <stdint.h>
#include "tx.h"
#include "store.h"

/* Percent of a plan of hours that minutes use, rounded down (0 when the
 * plan has no hours). */
int64_t plans_percent(int64_t minutes, double hours);

/* Whether minutes reach threshold percent of a plan of hours: never for 0
 * minutes, always for a 0-hour plan. */
bool plans_reached(int64_t minutes, double hours, unsigned threshold);

/* The client (borrowed from the configuration) of ticket t and its plan,
 * or NULL (*plan_r too) when t has no client or the client no plan. */
const struct pd_client *plans_client_of(const struct pd_config *cfg,
    const struct pd_ticket *t, const struct pd_plan **plan_r);

/* Checks the plan of client name for the month holding now: for each
 * warn_at threshold the usage reaches, claims the notice and, for the
 * highest one this call claimed, tells the client's contacts and the
 * leads.  0 or -1. */
int plans_check(struct tx *tx, const char *client, int64_t now);

/* The timer job: plans_check for every client with time this month (a
 * lowered plan after a reload, an entry logged by the CLI).  0 or -1. */
int plans_job(struct tx *tx, int64_t now);

/* Sets "plan.notice" in vars: the over-limit notice (template
 * ack_over_limit) when t's client used 100 % or more of its plan this
 * month, else "".  0 or -1. */
int plans_ack_vars(struct tx *tx, const struct pd_ticket *t, int64_t now,
    GHashTable *vars);

/* Hours of a plan with one decimal, the decimal point as lang writes it
 * ("12.5", or "12,5" for "ru"; lang may be NULL: English).  g_malloc'd.
 * The agents' mail (agentmail.c) and the monthly report (report.c) both
 * show hours this way. */
char *plans_hours_text(double h, const char *lang);

#endif
