#!/usr/bin/python3
"""Follow-ups to closed tickets (postdeskd(8) Tickets): 3 days after closing (within
reopen_days = 30) the client's reply reopens the ticket and they are told;
60 days after closing it opens a new ticket linked to the old one, whose
subject drops the old token, and the client gets followup_new naming both
numbers (and no lead is bothered: the limit was not the reason)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness
from harness import (header, make_mail, norm_id, norm_text, plain_text, token,
                     wait_until, wait_mail, outbox_of, reply_mail, events_named)

CLIENT = "Client <client@example.test>"
ADDR = "client@example.test"
LEAD = "olga@example.test"


def closed_ticket(s, label, subject, body):
    """(number, status_closed mail) of a new request closed by an agent."""
    tap = s.tap
    n, _ = harness.client_request(s, label, CLIENT, subject, body)
    if n is None:
        return None, None
    tap.ok(wait_mail(s, ADDR, "ack", n) is not None, "%s: ack arrives" % label)
    if not harness.set_status(s, n, "closed", label, "--why", "done"):
        return None, None
    t = s.show(n)
    tap.ok(t["status"] == "closed" and t["closed_at"], "%s: #%d is closed" % (label, n),
           "status %r closed_at %r" % (t["status"], t["closed_at"]))
    mail = wait_mail(s, ADDR, "status_closed", n)
    tap.ok(mail is not None and token(n) in (header(mail, "Subject") or ""),
           "%s: client gets status_closed for #%d" % (label, n))
    return n, mail


def backdate(s, n, days):
    return harness.db_exec(s, "UPDATE tickets SET closed_at = closed_at - ? WHERE number = ?",
                           (days * 86400, n))


def reopen_in_time(s):
    tap = s.tap
    label = "3 days after closing"
    n, closed = closed_ticket(s, label, "Scanner not found", "The scanner is not found.")
    if not n or closed is None:
        return
    tap.eq(backdate(s, n, 3), 1, "%s: closed_at moved 3 days back" % label)
    mid = s.inject(reply_mail(CLIENT, closed, "The scanner is gone again since this morning."))
    tap.eq(wait_until(lambda: s.tickets_holding(mid)), [n],
           "%s: the follow-up joins #%d" % (label, n))
    t = s.show(n)
    tap.eq((t["status"], t["reopens"], t["closed_at"]), ("open", 1, None),
           "%s: #%d is open again, reopens 1" % (label, n))
    tap.ok(events_named(t, "reopened"), "%s: event reopened" % label)
    mail = wait_mail(s, ADDR, "status_reopened", n)
    if tap.ok(mail is not None, "%s: client gets status_reopened" % label,
              "outbox: %r" % outbox_of(s, ticket=n)):
        tap.ok(token(n) in (header(mail, "Subject") or ""), "%s: its subject has %s"
               % (label, token(n)))
    tap.eq([x["number"] for x in s.tickets()], [n], "%s: no new ticket" % label)
    tap.eq(outbox_of(s, "followup_new"), [], "%s: no followup_new" % label)


def reopen_too_late(s):
    tap = s.tap
    label = "60 days after closing"
    before = {x["number"] for x in s.tickets()}
    n, closed = closed_ticket(s, label, "Laptop battery", "The laptop battery drains fast.")
    if not n or closed is None:
        return
    tap.eq(backdate(s, n, 60), 1, "%s: closed_at moved 60 days back" % label)
    mid = s.inject(reply_mail(CLIENT, closed, "The battery drains fast again."))
    t = s.wait_ticket_of(mid)
    if not tap.ok(t is not None and t["number"] != n, "%s: the follow-up opens a new ticket"
                  % label, "ticket %r" % (t and t["number"])):
        return
    m = t["number"]
    tap.ok(m not in before, "%s: #%d is new" % (label, m))
    old = s.show(n)
    tap.eq((old["status"], old["reopens"]), ("closed", 0), "%s: #%d stays closed" % (label, n))
    tap.eq(t["requester"], ADDR, "%s: same requester" % label)
    tap.ok(token(n) not in t["subject"] and "#%d" % n not in t["subject"],
           "%s: new subject without the old token" % label, "subject %r" % t["subject"])
    tap.ok(any(l["a"] == n and l["b"] == m and l["kind"] == "followup" for l in t["links"]),
           "%s: #%d and #%d linked as followup" % (label, n, m), "links %r" % t["links"])
    mail = wait_mail(s, ADDR, "followup_new", m)
    if tap.ok(mail is not None, "%s: client gets followup_new" % label,
              "outbox: %r" % outbox_of(s, ticket=m)):
        text = norm_text((header(mail, "Subject") or "") + " " + plain_text(mail))
        tap.ok(token(n) in text and token(m) in text, "%s: it names #%d and #%d" % (label, n, m),
               text)
        tap.eq(norm_id(header(mail, "In-Reply-To")), mid, "%s: it answers the follow-up" % label)
    tap.eq(outbox_of(s, "status_reopened", n), [], "%s: no status_reopened" % label)
    tap.eq(outbox_of(s, "lead_reopen_limit", rcpt=LEAD), [],
           "%s: the lead is not warned (no reopen limit)" % label)
    tap.eq(outbox_of(s, "ack", m), [], "%s: no second ack besides followup_new" % label)


def main():
    with harness.Session("it_lifecycle_reopen", base=42000) as s:
        tap = s.tap
        d = s.daemon(s.write_config(tickets={"autoclose_days": 7, "reopen_days": 30,
                                             "max_reopens": 3}))
        d.start()
        reopen_in_time(s)
        reopen_too_late(s)
        tap.ok(d.stop(), "daemon stops cleanly on SIGTERM")


main()
