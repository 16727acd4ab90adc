#!/usr/bin/python3
"""Bounces of our own mail through the real servers (issue 9 section 5,
postdesk.conf(5) BOUNCES).  A client's request is acknowledged (the SMTP
sink accepts it); then a DSN on that acknowledgement's Message-ID arrives
in the support mailbox: it is filed on the ticket as a bounce, an event
names the failed recipient and status, the address is marked failing, the
next automatic mail to it (a status notice) is not sent but recorded, and
the queue's agents are told once, however many reports come.  A notice
goes out from a bounce address (VERP) naming it, and a report to that
address that returns nothing of the mail is filed all the same.  Mail with
one of our own support addresses as From, without any loop header, opens
no ticket and is not acknowledged."""
import email.utils
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness
from harness import (JOHN_ADDR, OLGA_ADDR, SUPPORT, header, make_mail,
                     make_msgid, norm_id)

ANN = "ann@example.test"
BEA = "bea@example.test"


def dsn(ack, status="5.1.1"):
    """A Postfix delivery status notification (RFC 3464) on ack: the
    per-recipient block names ANN, the returned headers are ack's."""
    headers = "\r\n".join("%s: %s" % (k, v) for k, v in ack.items()
                          if k.lower() in ("message-id", "from", "to", "subject", "date"))
    text = "\r\n".join([
        "Return-Path: <>",
        "From: MAILER-DAEMON@mx.example.test (Mail Delivery System)",
        "To: %s" % SUPPORT,
        "Subject: Undelivered Mail Returned to Sender",
        "Date: %s" % email.utils.formatdate(localtime=True),
        "Message-ID: %s" % make_msgid("dsn"),
        "Auto-Submitted: auto-replied",
        "MIME-Version: 1.0",
        "Content-Type: multipart/report; report-type=delivery-status;",
        '\tboundary="B-1"',
        "",
        "--B-1",
        "Content-Type: text/plain; charset=us-ascii",
        "",
        "I'm sorry to have to inform you that your message could not",
        "be delivered to one or more recipients.",
        "",
        "<%s>: host mx.example.test said: 550 %s Mailbox unknown" % (ANN, status),
        "",
        "--B-1",
        "Content-Type: message/delivery-status",
        "",
        "Reporting-MTA: dns; mx.example.test",
        "X-Postfix-Sender: rfc822; %s" % SUPPORT,
        "",
        "Final-Recipient: rfc822; %s" % ANN,
        "Original-Recipient: rfc822;%s" % ANN,
        "Action: failed",
        "Status: %s" % status,
        "Diagnostic-Code: smtp; 550 %s Mailbox unknown" % status,
        "",
        "--B-1",
        "Content-Type: text/rfc822-headers",
        "",
        headers,
        "",
        "--B-1--",
        ""])
    return text.encode("utf-8")


def bare_dsn(to, rcpt):
    """A DSN that returns nothing of the mail it reports on, to the
    bounce address (VERP) that mail went out from."""
    text = "\r\n".join([
        "Return-Path: <>",
        "From: MAILER-DAEMON@mx.example.test",
        "To: %s" % to,
        "Subject: failure notice",
        "Date: %s" % email.utils.formatdate(localtime=True),
        "Message-ID: %s" % make_msgid("dsn"),
        "MIME-Version: 1.0",
        'Content-Type: multipart/report; report-type=delivery-status; boundary="C"',
        "",
        "--C",
        "Content-Type: text/plain",
        "",
        "Failed.",
        "",
        "--C",
        "Content-Type: message/delivery-status",
        "",
        "Reporting-MTA: dns; mx.example.test",
        "",
        "Final-Recipient: rfc822; %s" % rcpt,
        "Action: failed",
        "Status: 5.1.1",
        "",
        "--C--",
        ""])
    return text.encode("utf-8")


def main():
    with harness.Session("it_bounce", base=58700) as s:
        tap = s.tap
        d = s.daemon(harness.agent_config(s))
        d.start()

        n, req = harness.client_request(s, "request", "Ann <%s>" % ANN, "Printer",
                                        "The printer in room 4 is broken.")
        if n is None:
            return
        ack = harness.wait_mail(s, ANN, "ack", n)
        if not tap.ok(ack is not None, "the acknowledgement reaches the client"):
            s.report_daemon_state()
            return
        for who in (OLGA_ADDR, JOHN_ADDR):
            harness.wait_mail(s, who, "agent_message", n)

        # The client's mailbox is gone: the DSN comes back to support.
        status = s.show(n)["status"]
        mid = s.inject(dsn(ack), sender="")
        where = harness.wait_stored(s, mid)
        tap.eq(where and tuple(where), (n, "bounce"), "the DSN is filed on the ticket as a bounce")
        t = s.show(n)
        bounces = harness.events_named(t, "bounce")
        tap.ok(len(bounces) == 1 and ANN in bounces[0]["detail"]
               and "5.1.1" in bounces[0]["detail"],
               "an event names the failed recipient and its status", "events: %r" % t["events"])
        tap.ok(harness.events_named(t, "address-failing"), "an event says the address is failing")
        tap.eq(t["status"], status, "the ticket's status is not changed by the bounce")
        rows = harness.db_query(s, "SELECT address, until - since, ticket FROM "
                                "failing_addresses")
        tap.eq(rows, [(ANN, 7 * 86400, n)], "the address is marked failing for 7 days")

        notices = {who: harness.wait_mail(s, who, "bounce_notice", n)
                   for who in (OLGA_ADDR, JOHN_ADDR)}
        tap.ok(all(notices.values()), "the queue's agents are told (bounce_notice)",
               "outbox: %r" % harness.outbox_of(s, ticket=n))
        john = notices.get(JOHN_ADDR)
        tap.ok(john is not None and ("Mail to %s is failing" % ANN) in harness.plain_text(john)
               and "5.1.1" in harness.plain_text(john),
               "the notice says which address fails and why")
        olga = notices.get(OLGA_ADDR)
        tap.ok(olga is not None and "не доходит" in (header(olga, "Subject") or ""),
               "Olga gets it in Russian", "subject: %r" % (olga and header(olga, "Subject")))
        tap.eq([e for e in harness.outbox_of(s, rcpt="mailer-daemon@mx.example.test")], [],
               "the DSN is never answered")

        # The next automatic mail to the address is not sent, but recorded.
        if harness.set_status(s, n, "waiting", "hold"):
            t = s.show(n)
            tap.eq(harness.outbox_of(s, kind="status_waiting", rcpt=ANN), [],
                   "the next automatic mail (status_waiting) is not sent")
            held = harness.events_named(t, "bounce-hold")
            tap.ok(held and "status_waiting to %s" % ANN in held[0]["detail"],
                   "... and recorded on the ticket", "events: %r" % t["events"])

        # A second report in the same failing period: filed, not told again.
        mid2 = s.inject(dsn(ack, "5.2.1"), sender="")
        tap.eq(tuple(harness.wait_stored(s, mid2) or ()), (n, "bounce"),
               "a second DSN is filed too")
        tap.eq(sorted(e["rcpt"] for e in harness.outbox_of(s, kind="bounce_notice")),
               sorted([OLGA_ADDR, JOHN_ADDR, harness.TEAM]),
               "the agents (and team_copy) are told once per failing period")
        tap.ok(d.log_has("stage=bounce", "event=failing"), "the daemon logs the failing address")

        # VERP: a notice goes out from support+bounce-<its signed id>; a
        # report that returns nothing of it, delivered to that address,
        # still names the mail and its ticket.  Acks keep the null sender.
        n2, req2 = harness.client_request(s, "second request", "Bea <%s>" % BEA,
                                          "Scanner", "The scanner jams.")
        if n2 is not None and harness.wait_mail(s, BEA, "ack", n2) is not None:
            ack2 = harness.mails_of_kind(s, BEA, "ack", n2)[0]
            copies = [m for m in s.sink()
                      if norm_id(header(m, "Message-ID")) == norm_id(header(ack2, "Message-ID"))]
            tap.ok(copies and header(copies[0], "X-Sink-Mail-From") in ("<>", "<<>>"),
                   "VERP: the ack keeps the null envelope sender")
            harness.set_status(s, n2, "waiting", "verp")
            notice = harness.wait_mail(s, BEA, "status_waiting", n2)
            nid = norm_id(header(notice, "Message-ID")) if notice else ""
            env = next((header(m, "X-Sink-Mail-From") for m in s.sink()
                        if norm_id(header(m, "Message-ID")) == nid), "") or ""
            env = env.strip("<>")
            tap.eq(env, "support+bounce-%s@example.test" % nid.split("@")[0],
                   "VERP: the notice's envelope sender names it")
            if env:
                mid3 = s.inject(bare_dsn(env, BEA), rcpt=env, sender="")
                tap.eq(tuple(harness.wait_stored(s, mid3) or ()), (n2, "bounce"),
                       "VERP: a report to the bounce address, returning nothing, is filed")
                tap.eq(harness.db_query(s, "SELECT COUNT(*) FROM failing_addresses "
                                        "WHERE address = ?", (BEA,)), [(1,)],
                       "VERP: ... and marks the address failing")

        # Our own support address as From, no X-Loop: never a request.
        before = [x["number"] for x in s.tickets()]
        own = s.inject(make_mail("ACME Support <%s>" % SUPPORT, "Printer question",
                                 "Which driver do I need?"), sender=SUPPORT)
        where = harness.wait_stored(s, own)
        tap.eq(where and where[0], 0, "mail from our own address is stored outside any ticket")
        tap.eq([x["number"] for x in s.tickets()], before, "it opens no ticket")
        sentinel = s.inject(make_mail("Dave <dave@example.test>", "Scanner", "It jams."))
        tap.ok(s.wait_ack("dave@example.test", sentinel) is not None,
               "a normal request after it is acknowledged")
        tap.eq([m for m in s.sink() if norm_id(header(m, "In-Reply-To")) == own], [],
               "our own mail is not acknowledged")
        tap.ok(d.stop(), "daemon stops cleanly on SIGTERM")


main()
