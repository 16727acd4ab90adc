#!/usr/bin/python3
"""Who may join which ticket (postdeskd(8) Threading; postdeskd(8) Tickets): a message naming two tickets
joins none and its sender is asked to write separately; a stranger quoting
a token gets a new ticket that mentions the old one to agents only;
Cc'd contacts of the requester's organisation become participants and may
use the token, others may not; `postdesk merge A B` closes A into B, tells
A's requester, and later mail to A lands in B."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness
from harness import (header, make_mail, norm_id, norm_text, plain_text, token,
                     wait_until, wait_mail, outbox_of, reply_mail, events_named)

CLIENT = "Client <client@example.test>"
STRANGER = "Stranger <stranger@example.test>"
ANNA = "Anna <anna@acme.test>"
BORIS = "Boris <boris@acme.test>"
EVE = "Eve <eve@other.test>"
CAROL = "Carol <carol@example.test>"


def open_ticket(s, sender, addr, subject, body, cc=None):
    """(number, ack) of a new request, or (None, None)."""
    req = s.inject(make_mail(sender, subject, body,
                             headers=[("Cc", cc)] if cc else None))
    t = s.wait_ticket_of(req)
    if t is None:
        s.report_daemon_state()
        return None, None
    return t["number"], wait_mail(s, addr, "ack", t["number"])


def multi(s):
    tap = s.tap
    a, ack_a = open_ticket(s, CLIENT, "client@example.test", "VPN drops", "The VPN drops hourly.")
    b, ack_b = open_ticket(s, CLIENT, "client@example.test", "Printer offline",
                           "The printer is offline.")
    if not tap.ok(a and b and ack_a and ack_b, "multi: two tickets with acks"):
        return
    cases = [
        ("subject tokens", make_mail(CLIENT, "Re: %s and %s still broken" % (token(a), token(b)),
                                     "Neither the VPN nor the printer works.")),
        ("references", make_mail(CLIENT, "Both problems", "Both are still broken.",
                                 headers=[("In-Reply-To", header(ack_b, "Message-ID")),
                                          ("References", "%s %s" % (header(ack_a, "Message-ID"),
                                                                    header(ack_b, "Message-ID")))])),
    ]
    for i, (how, raw) in enumerate(cases):
        label = "multi by %s" % how
        mid = s.inject(raw)
        got = wait_until(lambda: all(len(events_named(s.show(n), "multi")) > i for n in (a, b)))
        tap.ok(got, "%s: event multi on #%d and #%d" % (label, a, b),
               "events: %r" % [s.show(n)["events"] for n in (a, b)])
        tap.eq(s.tickets_holding(mid), [], "%s: the message joins neither ticket" % label)
        tap.eq(sorted(x["number"] for x in s.tickets()), [a, b], "%s: no new ticket" % label)
        mails = wait_until(lambda: [m for m in harness.mails_of_kind(s, "client@example.test",
                                                                     "multi")
                                    if norm_id(header(m, "In-Reply-To")) == mid])
        if not tap.ok(mails, "%s: the sender gets a multi mail" % label,
                      "outbox: %r" % outbox_of(s, "multi")):
            continue
        text = norm_text(plain_text(mails[0]))
        tap.ok(token(a) in text and token(b) in text, "%s: it names both tickets" % label, text)
        tap.ok(all(st in ("new", "open") for st in (s.show(a)["status"], s.show(b)["status"])),
               "%s: both tickets keep their status" % label)


def stranger(s, a):
    tap = s.tap
    label = "stranger"
    mid = s.inject(make_mail(STRANGER, "Re: %s VPN drops" % token(a),
                             "We have the same VPN problem here."))
    t = s.wait_ticket_of(mid)
    if not tap.ok(t is not None and t["number"] != a, "%s: gets a new ticket" % label,
                  "ticket %r" % (t and t["number"])):
        return
    n = t["number"]
    tap.eq(t["requester"], "stranger@example.test", "%s: is the requester" % label)
    tap.eq([e["detail"] for e in events_named(t, "mentions")], ["mentions #%d" % a],
           "%s: event mentions #%d" % (label, a))
    tap.ok(all(norm_id(m["message_id"]) != mid for m in s.show(a)["messages"]),
           "%s: the message is not in #%d" % (label, a))
    tap.ok(token(a) not in t["subject"], "%s: new subject without the old token" % label,
           "subject %r" % t["subject"])
    ack = wait_mail(s, "stranger@example.test", "ack", n)
    if tap.ok(ack is not None, "%s: gets an ack" % label):
        whole = (header(ack, "Subject") or "") + "\n" + plain_text(ack)
        tap.ok(str(a) not in whole, "%s: the ack does not name #%d" % (label, a), whole)
        tap.ok(token(n) in whole, "%s: the ack names #%d" % (label, n))


def participants(s):
    tap = s.tap
    label = "participants"
    d, ack = open_ticket(s, ANNA, "anna@acme.test", "Shared drive is full",
                         "Our shared drive is full, please add space.",
                         cc="%s, %s" % (BORIS, EVE))
    if not tap.ok(d and ack, "%s: Anna's request with Cc and its ack" % label):
        return
    tap.eq(sorted(a for a in s.show(d)["participants"] if a != "anna@acme.test"),
           ["boris@acme.test"], "%s: Boris (same org) is a participant, Eve is not" % label)
    tap.eq(s.msgids("eve@other.test"), [], "%s: Eve gets no mail" % label)
    mid = s.inject(make_mail(BORIS, "Re: %s Shared drive is full" % token(d),
                             "It is the S: drive, 500 GB."))
    tap.eq(wait_until(lambda: s.tickets_holding(mid)), [d],
           "%s: Boris's mail with the token joins #%d" % (label, d))
    mid = s.inject(make_mail(EVE, "Re: %s Shared drive is full" % token(d),
                             "Our drive is full too."))
    t = s.wait_ticket_of(mid)
    tap.ok(t is not None and t["number"] != d, "%s: Eve's mail with the token opens a new ticket"
           % label, "ticket %r" % (t and t["number"]))
    if t is not None:
        tap.eq([e["detail"] for e in events_named(t, "mentions")], ["mentions #%d" % d],
               "%s: Eve's ticket mentions #%d" % (label, d))
        ack = wait_mail(s, "eve@other.test", "ack", t["number"])
        tap.ok(ack is not None and str(d) not in plain_text(ack) + header(ack, "Subject"),
               "%s: Eve's ack does not name #%d" % (label, d))
    tap.eq(outbox_of(s, ticket=d, rcpt="boris@acme.test"), [], "%s: Boris gets no ack" % label)


def merge(s):
    tap = s.tap
    label = "merge"
    a, ack_a = open_ticket(s, CAROL, "carol@example.test", "Outlook crashes",
                           "Outlook crashes on start.")
    b, ack_b = open_ticket(s, CAROL, "carol@example.test", "Outlook crash again",
                           "Outlook still crashes when it starts.")
    if not tap.ok(a and b and ack_a and ack_b, "%s: two tickets with acks" % label):
        return
    msgs_a = [norm_id(m["message_id"]) for m in s.show(a)["messages"]]
    try:
        harness.cli(s, "merge", a, b)
    except harness.CliError as e:
        tap.ok(False, "%s: postdesk merge succeeds" % label, str(e))
        return
    ta, tb = s.show(a), s.show(b)
    tap.eq((ta["status"], ta["merged_into"]), ("closed", b),
           "%s: #%d is closed, merged into #%d" % (label, a, b))
    tap.eq(ta["messages"], [], "%s: #%d keeps no messages" % (label, a))
    tap.ok(all(m in [norm_id(x["message_id"]) for x in tb["messages"]] for m in msgs_a),
           "%s: #%d's messages are in #%d" % (label, a, b))
    tap.ok(a not in [x["number"] for x in s.tickets()], "%s: #%d is no longer listed" % (label, a))
    mail = wait_mail(s, "carol@example.test", "merged", a)
    if tap.ok(mail is not None, "%s: the requester gets a merged mail" % label,
              "outbox: %r" % outbox_of(s, ticket=a)):
        whole = (header(mail, "Subject") or "") + "\n" + plain_text(mail)
        tap.ok(token(a) in whole and token(b) in whole, "%s: it names both numbers" % label, whole)
    # Later mail to the merged number, by token and as a reply to A's ack.
    for how, raw in (("token", make_mail(CAROL, "Re: %s Outlook crashes" % token(a),
                                         "It crashed again today.")),
                     ("reply to the old ack", reply_mail(CAROL, ack_a, "Still crashing."))):
        mid = s.inject(raw)
        tap.eq(wait_until(lambda: s.tickets_holding(mid)), [b],
               "%s: mail to #%d by %s lands in #%d" % (label, a, how, b))
    tap.eq(s.show(a)["status"], "closed", "%s: #%d stays closed" % (label, a))
    tap.eq(outbox_of(s, "status_reopened"), [], "%s: nothing is reopened" % label)


def main():
    with harness.Session("it_lifecycle_multi", base=41000) as s:
        tap = s.tap
        d = s.daemon(s.write_config(clients=[{"name": "Acme", "domains": ["acme.test"]}]))
        d.start()
        multi(s)
        first = min((x["number"] for x in s.tickets()), default=None)
        if first is not None:
            stranger(s, first)
        participants(s)
        merge(s)
        tap.ok(d.stop(), "daemon stops cleanly on SIGTERM")


main()
