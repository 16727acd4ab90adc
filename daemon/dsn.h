/* dsn.h: what a delivery report says (RFC 3464; postdesk.conf(5)
 * "BOUNCES").
 *
 * msg_dsn() reads a parsed message as a bounce: a multipart/report with
 * report-type=delivery-status, whose message/delivery-status part is read
 * by its grammar (a per-message block, then one block per recipient, each
 * a list of header-like fields parsed with GMime), or a plain-text bounce
 * as Exim and qmail send them (null sender or MAILER-DAEMON, the original
 * attached or copied below a "copy of the message" line).  It also gives
 * the Message-IDs of the mail the report carries back (the returned
 * message, or its text/rfc822-headers), and that mail's recipients, so
 * classify.c can check the id is ours (mac.h) and that the failed address
 * is the one that mail went to.
 *
 * Everything is bounded: DSN_MAX_RCPTS recipient blocks, DSN_MAX_FIELD
 * bytes of a field, DSN_MAX_REPORT bytes of the report part read.  It
 * reads the message only: no database, no configuration. */
#ifndef PD_DSN_H
#define PD_DSN_H

#include <stdbool.h>
#include <glib.h>
#include "msg.h"

#define DSN_MAX_RCPTS 32            /* recipient blocks kept */
#define DSN_MAX_FIELD 512           /* bytes of one field's value kept */
#define DSN_MAX_REPORT (64 * 1024)  /* bytes of the report part read */
#define DSN_MAX_IDS 16              /* ids of the returned mail kept */

enum dsn_form {
	DSN_NONE,   /* not a delivery report */
	DSN_REPORT, /* multipart/report; report-type=delivery-status */
	DSN_PLAIN,  /* a plain-text bounce carrying the original back */
};

/* One recipient the report is about.  Strings g_malloc'd, never NULL. */
struct dsn_rcpt {
	char *final;      /* Final-Recipient's rfc822 address, lower-cased;
	                   * "" when none, not rfc822, or not an address */
	char *original;   /* Original-Recipient's, the same way */
	char *action;     /* lower-cased: "failed", "delayed", "delivered",
	                   * "relayed", "expanded"; "" when none */
	char *status;     /* "5.1.1": class 2, 4 or 5 and two numbers; ""
	                   * when missing or not of that form */
	char *diagnostic; /* Diagnostic-Code after its type ("smtp;"), one
	                   * line, at most DSN_MAX_FIELD bytes; "" */
};

struct dsn_report {
	enum dsn_form form;
	GPtrArray *rcpts;     /* of struct dsn_rcpt *, report order */
	GPtrArray *ids;       /* of char *: the returned mail's Message-ID
	                       * (without <>), then its In-Reply-To */
	GPtrArray *sent_to;   /* of char *: the returned mail's To and Cc
	                       * addresses, lower-cased */
	bool truncated;       /* a bound cut blocks or fields */
};

/* Reads m as a delivery report into *r (always initialised; clear it with
 * dsn_report_clear).  Returns true when m is one (r->form != DSN_NONE).
 * A disposition notification (read receipt) is not. */
bool msg_dsn(const struct pd_msg *m, struct dsn_report *r);

void dsn_report_clear(struct dsn_report *r);

/* A permanent failure: status 5.x.x, or action "failed" without a
 * status.  A transient one (4.x.x, "delayed") is not. */
bool dsn_rcpt_permanent(const struct dsn_rcpt *x);

/* Did this block report a failure or a delay at all (not "delivered",
 * "relayed", "expanded")? */
bool dsn_rcpt_failed(const struct dsn_rcpt *x);

/* A successful delivery report (action "delivered", or status 2.x.x). */
bool dsn_rcpt_delivered(const struct dsn_rcpt *x);

#endif
