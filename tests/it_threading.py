#!/usr/bin/python3
"""Replies join their ticket: by References naming our Message-ID (as
Thunderbird answers the acknowledgement), or by the subject token from the
requester; a stranger quoting the token gets a new ticket.  Issue
"backbone", scenario b.  Acks for follow-ups are not asserted either way."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness
from harness import header, make_mail, norm_id, token

CLIENT = "Client <client@example.test>"
STRANGER = "Stranger <stranger@example.test>"


def ticket_ids(s, number):
    return [norm_id(m["message_id"]) for m in s.show(number)["messages"]]


def main():
    with harness.Session("it_threading", base=32000) as s:
        tap = s.tap
        d = s.daemon(s.write_config())
        d.start()

        # The request and its acknowledgement.
        req = s.inject(make_mail(CLIENT, "VPN drops every hour", "The VPN drops hourly."))
        t = s.wait_ticket_of(req)
        if not tap.ok(t is not None, "request becomes a ticket"):
            s.report_daemon_state()
            return
        n = t["number"]
        tap.eq(n, harness.FIRST_TICKET, "first ticket number is first_ticket")
        ack = s.wait_ack("client@example.test", req)
        if not tap.ok(ack is not None, "ack arrives"):
            return
        ack_id = header(ack, "Message-ID")
        ack_refs = header(ack, "References") or ""

        # Thunderbird's reply to the ack, with the subject edited (no token),
        # so only In-Reply-To/References can thread it.
        r1 = s.inject(make_mail(CLIENT, "Re: VPN problem, more details",
                                "It also drops on Wi-Fi.",
                                headers=[("In-Reply-To", ack_id),
                                         ("References", "%s %s" % (ack_refs, ack_id))]))
        tap.eq(harness.wait_until(lambda: s.tickets_holding(r1)), [n],
               "reply with References joins the ticket")

        # A new mail from the requester with only the token in the subject.
        r2 = s.inject(make_mail(CLIENT, "Re: %s VPN drops every hour" % token(n),
                                "Still dropping today."))
        tap.eq(harness.wait_until(lambda: s.tickets_holding(r2)), [n],
               "requester's mail with only the subject token joins the ticket")

        # A stranger quoting the token.
        r3 = s.inject(make_mail(STRANGER, "%s VPN drops every hour" % token(n),
                                "We have the same VPN problem."))
        other = harness.wait_until(lambda: s.tickets_holding(r3))
        tap.ok(other is not None and len(other) == 1 and other[0] != n,
               "stranger quoting the token gets a new ticket", "tickets: %r" % (other,))
        if other:
            tap.eq(s.show(other[0])["requester"].lower(), "stranger@example.test",
                   "the new ticket's requester is the stranger")

        tap.eq(sorted(ticket_ids(s, n)), sorted([req, r1, r2]),
               "ticket %d holds exactly the request and the two replies" % n)
        tap.eq(len(s.tickets()), 2, "two tickets in all")
        tap.ok(harness.wait_until(lambda: s.count(harness.SUPPORT) == 0),
               "support INBOX is empty afterwards")
        tap.ok(d.stop(), "daemon stops cleanly on SIGTERM")


main()
