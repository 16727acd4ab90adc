#!/usr/bin/python3
"""The reopen limit and autoclose (postdeskd(8) Tickets; postdesk.conf(5) TEMPLATES).  With max_reopens = 1 the
first follow-up to a closed ticket reopens it; after it is closed again the
next follow-up opens a new linked ticket, the client gets followup_new and
the lead (olga@example.test) gets lead_reopen_limit.  With autoclose_days = 0
a resolved ticket is closed by the daemon's timer (which runs when the
outbox worker starts: SIGHUP restarts it) and the client gets
status_closed."""
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness
from harness import (header, make_mail, norm_id, norm_text, plain_text, token,
                     wait_until, wait_mail, outbox_of, reply_mail, events_named)

CLIENT = "Client <client@example.test>"
ADDR = "client@example.test"
LEAD = "olga@example.test"


def limit(s):
    tap = s.tap
    label = "reopen limit"
    req = s.inject(make_mail(CLIENT, "Wi-Fi in room 12", "No Wi-Fi in room 12."))
    t = s.wait_ticket_of(req)
    ack = wait_mail(s, ADDR, "ack", t["number"]) if t else None
    if not tap.ok(t is not None and ack is not None, "%s: request and ack" % label):
        s.report_daemon_state()
        return
    n = t["number"]
    if not harness.set_status(s, n, "closed", label):
        return
    closed = wait_mail(s, ADDR, "status_closed", n)
    if not tap.ok(closed is not None, "%s: status_closed #1 arrives" % label):
        return
    # First follow-up: reopens (0 < max_reopens = 1).
    mid = s.inject(reply_mail(CLIENT, closed, "No Wi-Fi in room 12 again."))
    tap.eq(wait_until(lambda: s.tickets_holding(mid)), [n], "%s: follow-up 1 joins #%d" % (label, n))
    t = s.show(n)
    tap.eq((t["status"], t["reopens"]), ("open", 1), "%s: follow-up 1 reopens #%d" % (label, n))
    tap.ok(wait_mail(s, ADDR, "status_reopened", n) is not None,
           "%s: client gets status_reopened" % label)
    # Closed again; the second follow-up is over the limit.
    if not harness.set_status(s, n, "closed", label):
        return
    closed2 = wait_until(lambda: [m for m in harness.mails_of_kind(s, ADDR, "status_closed", n)
                                  if norm_id(header(m, "Message-ID")) != norm_id(
                                      header(closed, "Message-ID"))])
    if not tap.ok(closed2, "%s: status_closed #2 arrives" % label):
        return
    mid = s.inject(reply_mail(CLIENT, closed2[0], "Room 12 has no Wi-Fi once more."))
    nt = s.wait_ticket_of(mid)
    if not tap.ok(nt is not None and nt["number"] != n, "%s: follow-up 2 opens a new ticket"
                  % label, "ticket %r" % (nt and nt["number"])):
        return
    m = nt["number"]
    old = s.show(n)
    tap.eq((old["status"], old["reopens"]), ("closed", 1), "%s: #%d stays closed" % (label, n))
    tap.ok(any(l["a"] == n and l["b"] == m and l["kind"] == "followup" for l in nt["links"]),
           "%s: #%d and #%d linked as followup" % (label, n, m), "links %r" % nt["links"])
    tap.ok(token(n) not in nt["subject"], "%s: new subject without the old token" % label,
           "subject %r" % nt["subject"])
    mail = wait_mail(s, ADDR, "followup_new", m)
    if tap.ok(mail is not None, "%s: client gets followup_new" % label,
              "outbox: %r" % outbox_of(s, ticket=m)):
        text = norm_text((header(mail, "Subject") or "") + " " + plain_text(mail))
        tap.ok(token(n) in text and token(m) in text, "%s: it names #%d and #%d"
               % (label, n, m), text)
    lead = wait_mail(s, LEAD, "lead_reopen_limit", m)
    if tap.ok(lead is not None, "%s: the lead gets lead_reopen_limit" % label,
              "outbox: %r" % outbox_of(s, ticket=m)):
        text = norm_text((header(lead, "Subject") or "") + " " + plain_text(lead))
        tap.ok(token(n) in text and token(m) in text, "%s: it names #%d and #%d"
               % (label, n, m), text)
        tap.ok("Заявка" in text, "%s: in the lead's language (ru)" % label, text)
        tap.ok(ADDR in text, "%s: it names the client" % label, text)
    tap.eq(len(outbox_of(s, "status_reopened", n)), 1, "%s: only one status_reopened" % label)


def autoclose(s, d):
    tap = s.tap
    label = "autoclose"
    req = s.inject(make_mail(CLIENT, "Password reset", "Please reset my password."))
    t = s.wait_ticket_of(req)
    if not tap.ok(t is not None, "%s: request becomes a ticket" % label):
        return
    n = t["number"]
    if not harness.set_status(s, n, "resolved", label):
        return
    tap.ok(s.show(n)["resolved_at"], "%s: resolved_at is set" % label)
    res = wait_mail(s, ADDR, "status_resolved", n)
    tap.ok(res is not None, "%s: client gets status_resolved" % label)
    d.signal(signal.SIGHUP)
    t = wait_until(lambda: (lambda x: x if x["status"] == "closed" else None)(s.show(n)), 40)
    tap.ok(t is not None, "%s: the timer closes #%d" % (label, n), "status %r" % s.show(n)["status"])
    if t is not None:
        tap.ok(t["closed_at"], "%s: closed_at is set" % label)
        tap.ok(any("autoclose" in (e["detail"] or "") for e in t["events"]),
               "%s: event says autoclose" % label, "events %r" % t["events"])
    mail = wait_mail(s, ADDR, "status_closed", n)
    tap.ok(mail is not None and token(n) in (header(mail, "Subject") or ""),
           "%s: client gets status_closed" % label, "outbox: %r" % outbox_of(s, ticket=n))
    tap.eq(len(outbox_of(s, "status_closed", n)), 1, "%s: exactly one status_closed" % label)
    tap.ok(d.alive(), "%s: daemon still runs after SIGHUP" % label)


def main():
    with harness.Session("it_lifecycle_limit", base=43000) as s:
        tap = s.tap
        d = s.daemon(s.write_config(tickets={"autoclose_days": 0, "reopen_days": 30,
                                             "max_reopens": 1}))
        d.start()
        limit(s)
        autoclose(s, d)
        tap.ok(d.stop(), "daemon stops cleanly on SIGTERM")


main()
