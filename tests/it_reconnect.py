#!/usr/bin/python3
"""Servers going away and coming back need no human: after a Dovecot restart
the daemon reconnects and takes new mail; while the SMTP server is down the
ack waits in the outbox (pending, retried) and leaves once it is back.
Issue "backbone", scenario e."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness
from harness import make_mail

CLIENT = "Client <client@example.test>"


def request(subject):
    return make_mail(CLIENT, subject, "Details of: %s\n" % subject)


def entries_of(s, number):
    return [e for e in s.outbox() if e["ticket"] == number]


def main():
    with harness.Session("it_reconnect", base=35000) as s:
        tap = s.tap
        d = s.daemon(s.write_config())
        d.start()

        first = s.inject(request("Mail server is slow"))
        if not tap.ok(s.wait_ticket_of(first) is not None, "daemon takes a first request"):
            s.report_daemon_state()
            return

        # IMAP server restart.
        s.env("restart-imap")
        after = s.inject(request("Calendar does not sync"))
        tap.ok(s.wait_ticket_of(after, timeout=90) is not None,
               "after a Dovecot restart a new request becomes a ticket")
        tap.ok(d.alive(), "daemon survived the IMAP restart")

        # SMTP server down: the ack waits in the outbox.
        s.env("stop-smtp")
        req = s.inject(request("Scanner shows error 42"))
        t = s.wait_ticket_of(req)
        if not tap.ok(t is not None, "with SMTP down the request still becomes a ticket"):
            return
        n = t["number"]
        pending = s.wait_outbox(lambda e: e["ticket"] == n and e["status"] == "pending"
                                and e["attempts"] >= 1, timeout=60)
        tap.ok(pending is not None, "its ack waits in the outbox: pending, attempts >= 1",
               "outbox: %r" % entries_of(s, n))
        if pending:
            tap.ok(pending.get("last_error"), "the outbox entry records the error",
                   "entry: %r" % pending)
        tap.eq(s.acks_for("client@example.test", req), [], "no ack delivered while SMTP is down")

        # SMTP back: the ack leaves.
        s.env("start-smtp")
        sent = s.wait_outbox(lambda e: e["ticket"] == n and e["status"] == "sent", timeout=180)
        tap.ok(sent is not None, "after SMTP is back the ack is sent",
               "outbox: %r" % entries_of(s, n))
        s.check_ack(s.wait_ack("client@example.test", req), n, req, "delayed ack")
        tap.ok(d.alive(), "daemon survived the SMTP outage")
        tap.ok(d.stop(), "daemon stops cleanly on SIGTERM")


main()
