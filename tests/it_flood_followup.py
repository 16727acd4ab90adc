#!/usr/bin/python3
"""A bot that answers with an old ticket's token (issue 7 section 3,
postdeskd(8) Tickets; postdesk.conf(5) floods).

Another help desk, or an auto-responder that keeps the first subject it
saw, answers again and again with the token of a ticket we closed, each
time with a new reference number and no header marking it automatic.  Past
the reopen limit (here max_reopens = 0) each such follow-up would open a
new ticket with a followup_new notice and tell the lead: a ticket per mail,
without end.  Such a follow-up is a new request like any other, so the
repeat guard files the near-identical ones into the first new ticket.

The bound, for five answers: two tickets for the sender (its request and
one follow-up ticket), at most one followup_new and one lead_reopen_limit,
each repeat an event on that ticket, every mail stored.

A sender may also spell one mailbox several ways ("spell+1@", "spell+2@",
"\"spell\"@", "SPELL@"): the caps count the mailbox, so twelve different
requests from six spellings get at most address_per_hour (10)
acknowledgements, not two per spelling.  The same holds for requests
written with team_copy's address as the sender's: what a client gets is
capped whoever the client claims to be.

A bot rotating subdomains (noreply@a1.sub.test, noreply@a2.sub.test...)
with near-identical text is one sender: one ticket, one acknowledgement."""
import os
import random
import secrets
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness
from harness import build_mail, token, wait_mail

BOT = "desk@other.test"
SPELLINGS = ["spell@other2.test", "spell+1@other2.test", "spell+2@other2.test",
             '"spell"@other2.test', "SPELL+x@OTHER2.TEST", "Spell+y@other2.test"]
CAP_PER_HOUR = 10
TEAM = "team@example.test"
LEAD = "olga@example.test"


def main():
    with harness.Session("it_flood_followup", base=52400) as s:
        tap = s.tap
        d = s.daemon(s.write_config(floods=None, tickets={"max_reopens": 0},
                                    gateway_team_copy=TEAM))
        d.start()

        req = s.inject(build_mail(BOT, "Printer on floor 3",
                                  "The printer on floor 3 prints blank pages."))
        t = s.wait_ticket_of(req)
        if not tap.ok(t is not None, "the request opens a ticket"):
            s.report_daemon_state()
            return
        n = t["number"]
        harness.set_status(s, n, "closed", "old ticket")
        tap.ok(wait_mail(s, BOT, "status_closed", n) is not None,
               "the ticket is closed and the sender told")

        sent = []
        for i in range(5):
            ref = secrets.token_hex(4)
            body = ("Automatic reply. Your request has been "
                    "received by our service desk and will be handled in "
                    "turn. Please keep the reference %s in the subject of "
                    "any further mail about it.\n\nReceived on 2026-11-%02d "
                    "as case %d.\n" % (ref, 10 + i, 7000 + i))
            raw = build_mail(BOT, "Re: %s Printer on floor 3 [case %d]"
                             % (token(n), 7000 + i), body)
            sent.append(s.inject(raw))
            harness.wait_stored(s, sent[-1], 60)
        where = [harness.stored_as(s, mid) for mid in sent]
        tap.ok(all(where), "every answer is stored", repr(where))
        mine = sorted(x["number"] for x in s.tickets()
                      if (x["requester"] or "").lower() == BOT)
        tap.ok(len(mine) == 2, "bound: its request and one follow-up ticket",
               repr(mine))
        new = [x for x in mine if x != n]
        tap.eq({w[0] for w in where if w}, set(new[:1]),
               "every answer is on the one follow-up ticket")
        tap.ok(len(harness.outbox_of(s, kind="followup_new", rcpt=BOT)) <= 1,
               "bound: at most one followup_new to it")
        tap.ok(len(harness.outbox_of(s, kind="lead_reopen_limit")) <= 1,
               "bound: the lead is told at most once")
        if new:
            tap.eq(len(harness.events_named(s.show(new[0]), "flood-repeat")), 4,
                   "each repeat is an event on the follow-up ticket")

        # -- one mailbox, six spellings, twelve different requests
        rng = random.Random(11)
        raws = []
        for i in range(12):
            text = " ".join("".join(rng.choice("abcdefghijklmnopqrstuvwxyz")
                                    for _ in range(rng.randint(3, 9)))
                            for _ in range(25)) + "."
            raws.append(build_mail(SPELLINGS[i % 6], "Question %s"
                                   % secrets.token_hex(3), text))
        ids = [s.inject(raw) for raw in raws]
        where = [harness.wait_stored(s, mid, 60) for mid in ids]
        tap.ok(all(where), "spellings: all 12 requests are stored", repr(where))
        tap.eq(len({w[0] for w in where if w}), 12,
               "spellings: 12 different requests make 12 tickets")
        acks = [e for e in s.outbox() if e["kind"] in ("ack", "ack_tasks")
                and "other2.test" in (e["rcpt"] or "").lower()]
        tap.ok(len(acks) <= CAP_PER_HOUR,
               "spellings: bound: at most %d acks to the one mailbox" % CAP_PER_HOUR,
               "got %d: %r" % (len(acks), sorted(e["rcpt"] for e in acks)))

        # -- requests that claim to come from team_copy
        raws = [build_mail(TEAM, "Question %s" % secrets.token_hex(3),
                           " ".join("".join(rng.choice("abcdefghijklmnopqrstuvwxyz")
                                            for _ in range(rng.randint(3, 9)))
                                    for _ in range(25)) + ".")
                for _ in range(12)]
        ids = [s.inject(raw) for raw in raws]
        where = [harness.wait_stored(s, mid, 60) for mid in ids]
        tap.ok(all(where), "team_copy as sender: all 12 requests are stored", repr(where))
        acks = [e for e in harness.outbox_of(s, rcpt=TEAM) if e["kind"] in ("ack", "ack_tasks")]
        tap.ok(len(acks) <= CAP_PER_HOUR,
               "team_copy as sender: bound: at most %d acks" % CAP_PER_HOUR,
               "got %d" % len(acks))

        # -- near-identical requests from rotating subdomains
        sids = []
        for i in range(8):
            body = ("Your parcel %d has been dispatched on %s and will arrive "
                    "within three working days. Track it with the code %s. "
                    "This mailbox is not monitored, please do not reply."
                    % (5000 + i, "2026-11-%02d" % (i + 1), secrets.token_hex(5)))
            sids.append(s.inject(build_mail("noreply@a%s.sub.test" % secrets.token_hex(2),
                                            "Parcel %d dispatched" % (5000 + i), body)))
            harness.wait_stored(s, sids[-1], 60)
        swhere = [harness.stored_as(s, mid) for mid in sids]
        tap.ok(all(swhere), "subdomains: all 8 are stored", repr(swhere))
        tap.eq(len({w[0] for w in swhere if w}), 1, "subdomains: filed into one ticket")
        sacks = [e for e in s.outbox() if e["kind"] in ("ack", "ack_tasks")
                 and (e["rcpt"] or "").lower().endswith(".sub.test")]
        tap.eq(len(sacks), 1, "subdomains: one acknowledgement in all")
        tap.ok(d.stop(), "daemon stops cleanly on SIGTERM")


main()
