#!/usr/bin/python3
"""Follow-ups to resolved tickets (postdeskd(8) Tickets; postdesk.conf(5) TEMPLATES): a short thank-you is stored
(event "thanks") and reopens nothing; a rating ("5 - quick and clear",
"оценка 4") is stored on the ticket (event "rated") and reopens nothing; a
vacation auto-reply is stored as automated, reopens nothing and is not
answered; a real follow-up ("still broken") reopens the ticket.  Every
message is handled in one transaction with the mail it causes, so once it
is stored the outbox already holds everything it will ever send."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness
from harness import (header, make_mail, norm_id, norm_text, plain_text, token,
                     wait_until, wait_mail, outbox_of, reply_mail, events_named)

CLIENT = "Client <client@example.test>"
ADDR = "client@example.test"


def resolved_ticket(s, label, subject, body):
    """(number, status_resolved mail) of a new request resolved by an agent."""
    tap = s.tap
    n, _ = harness.client_request(s, label, CLIENT, subject, body)
    if n is None:
        return None, None
    wait_mail(s, ADDR, "ack", n)
    if not harness.set_status(s, n, "resolved", label):
        return None, None
    mail = wait_mail(s, ADDR, "status_resolved", n)
    if not tap.ok(mail is not None, "%s: client gets status_resolved" % label,
                  "outbox: %r" % outbox_of(s, ticket=n)):
        return None, None
    text = norm_text(plain_text(mail))
    tap.ok(token(n) in (header(mail, "Subject") or "") and "1" in text and "5" in text,
           "%s: status_resolved asks for a rating" % label, text)
    return n, mail


def follow(s, label, n, raw, sender=None):
    """Injects raw; returns (show-json, outbox entries it caused) once it
    is stored in n, else (None, None)."""
    seen = {e["id"] for e in s.outbox()}
    mid = s.inject(raw, sender=sender)
    got = wait_until(lambda: s.tickets_holding(mid))
    if not s.tap.eq(got, [n], "%s: stored in #%d" % (label, n)):
        return None, None
    return s.show(n), [e for e in s.outbox() if e["id"] not in seen]


def stays_resolved(s, label, t, caused):
    tap = s.tap
    tap.eq((t["status"], t["reopens"]), ("resolved", 0), "%s: stays resolved" % label)
    tap.eq(events_named(t, "reopened"), [], "%s: no event reopened" % label)
    # Agents are told of every client message (issue 4); the client is not.
    tap.eq([e["kind"] for e in caused if e["rcpt"] == ADDR], [],
           "%s: no mail to the client" % label)


def thanks(s):
    label = "thank-you"
    n, res = resolved_ticket(s, label, "Monitor flickers", "My monitor flickers.")
    if not n:
        return
    for i, text in enumerate(("Thanks a lot, it works now!", "Спасибо большое!")):
        lab = "%s %d" % (label, i + 1)
        t, caused = follow(s, lab, n, reply_mail(CLIENT, res, text))
        if t is None:
            continue
        stays_resolved(s, lab, t, caused)
        s.tap.eq(len(events_named(t, "thanks")), i + 1, "%s: event thanks" % lab)
        s.tap.eq(t["rating"], None, "%s: no rating" % lab)


def rating(s):
    label = "rating"
    for text, want in (("5 - quick and clear", 5), ("оценка 4", 4)):
        lab = "%s %r" % (label, text)
        n, res = resolved_ticket(s, lab, "Keyboard %d" % want, "A key is stuck.")
        if not n:
            continue
        t, caused = follow(s, lab, n, reply_mail(CLIENT, res, text))
        if t is None:
            continue
        stays_resolved(s, lab, t, caused)
        s.tap.eq(t["rating"], want, "%s: rating %d stored" % (lab, want))
        s.tap.eq([e["detail"] for e in events_named(t, "rated")], [str(want)],
                 "%s: event rated" % lab)


def vacation(s):
    label = "vacation auto-reply"
    n, res = resolved_ticket(s, label, "Mouse broken", "The mouse is broken.")
    if not n:
        return
    raw = reply_mail(CLIENT, res, "I am on vacation until Monday and will read your "
                     "message when I am back.", subject="Auto: " + header(res, "Subject"),
                     quote=False, headers=[("Auto-Submitted", "auto-replied (vacation)"),
                                           ("Precedence", "bulk")])
    t, caused = follow(s, label, n, raw, sender="")
    if t is None:
        return
    stays_resolved(s, label, t, caused)
    stored = [m for m in t["messages"] if m["automated"]]
    s.tap.eq(len(stored), 1, "%s: stored as automated" % label)
    s.tap.eq(t["rating"], None, "%s: no rating" % label)


def still_broken(s):
    """The control: a real follow-up to a resolved ticket reopens it."""
    tap = s.tap
    label = "real follow-up"
    n, res = resolved_ticket(s, label, "Docking station", "The docking station is dead.")
    if not n:
        return
    t, caused = follow(s, label, n, reply_mail(CLIENT, res,
                                               "Thanks, but it is still not working: "
                                               "the screen stays black. What now?"))
    if t is None:
        return
    tap.eq((t["status"], t["reopens"], t["resolved_at"]), ("open", 1, None),
           "%s: reopens the ticket" % label)
    tap.eq([e["kind"] for e in caused if e["rcpt"] == ADDR], ["status_reopened"],
           "%s: status_reopened queued for the client" % label)
    tap.ok(wait_mail(s, ADDR, "status_reopened", n) is not None,
           "%s: client gets status_reopened" % label)


def main():
    with harness.Session("it_lifecycle_resolved", base=44000) as s:
        tap = s.tap
        d = s.daemon(s.write_config())
        d.start()
        thanks(s)
        rating(s)
        vacation(s)
        still_broken(s)
        # Everything queued has gone out; the client's INBOX holds no
        # status_reopened for the tickets that stayed resolved.
        tap.ok(wait_until(lambda: all(e["status"] == "sent" for e in s.outbox())),
               "all notifications sent", "outbox: %r" % s.outbox())
        reopened = {e["ticket"] for e in outbox_of(s, "status_reopened")}
        tap.eq(len(reopened), 1, "exactly one ticket was reopened")
        tap.ok(d.stop(), "daemon stops cleanly on SIGTERM")


main()
