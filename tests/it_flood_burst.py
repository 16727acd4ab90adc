#!/usr/bin/python3
"""Bursts against the flood guards (issue 7 section 3, postdesk.conf(5) floods; postdeskd(8) Automated mail).

- 60 different requests from one sender at once: every one becomes a
  ticket (nothing lost), at most address_per_hour (10) acknowledgements.
- 30 forged mails from an agent's address (no proof): all held, at most
  challenges_per_hour (3) challenges.
- 10 near-identical requests from one domain's rotating addresses
  (noreply-<hex>@, helpdesk+<n>@) with changing numbers: one ticket, one
  acknowledgement; the others are filed into that ticket.
- 60 different requests from 60 addresses of one domain: at most
  domain_per_hour (50) acknowledgements.
- An auto-reply that answers no ticket is stored outside any ticket.
- The admin is told once per address, not once per hit."""
import os
import random
import secrets
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness
from harness import build_mail, header, parse

SENDER = "burst@example.test"
OLGA = "olga@example.test"
ADMIN = "admin@example.test"
ROT_DOMAIN = "rotating.test"
MANY_DOMAIN = "many.test"
DOMAIN_PER_HOUR = 50
CAP_PER_HOUR = 10
CHALLENGES_PER_HOUR = 3


def random_text(rng, words=25):
    """Text that shares no 3-word run with another one."""
    return " ".join("".join(rng.choice("abcdefghijklmnopqrstuvwxyz")
                            for _ in range(rng.randint(3, 9)))
                    for _ in range(words)) + "."


def notices_for(s, key):
    return [m for m in map(parse, s.messages(ADMIN))
            if "Flood guard" in (header(m, "Subject") or "")
            and key in (header(m, "Subject") or "")]


def main():
    rng = random.Random(7)
    with harness.Session("it_flood_burst", base=52000) as s:
        tap = s.tap
        d = s.daemon(s.write_config(floods=None))
        d.start()

        # -- 60 different requests from one sender
        raws = [build_mail(SENDER, "Question %s" % secrets.token_hex(3),
                           random_text(rng)) for _ in range(60)]
        ids = s.inject_many(raws)
        where = {mid: harness.wait_stored(s, mid, 120) for mid in ids}
        tap.eq([m for m, w in where.items() if not w], [],
               "burst: all 60 requests are stored")
        tickets = {w[0] for w in where.values() if w}
        tap.eq(len(tickets), 60, "burst: 60 different requests make 60 tickets")
        acks = [e for e in harness.outbox_of(s, rcpt=SENDER)
                if e["kind"] in ("ack", "ack_tasks")]
        tap.ok(len(acks) <= CAP_PER_HOUR, "burst: at most %d acks" % CAP_PER_HOUR,
               "got %d" % len(acks))
        tap.eq(len(acks), CAP_PER_HOUR, "burst: the first %d get their ack" % CAP_PER_HOUR)
        capped = [e for t in sorted(tickets) for e in s.show(t)["events"]
                  if e["event"] == "flood-cap"]
        tap.eq(len(capped), 60 - CAP_PER_HOUR,
               "burst: each refused ack is an event on its ticket")
        tap.ok(d.log_has("stage=flood", "event=cap", SENDER), "burst: the cap is logged")

        # -- 30 forged agent mails
        forged = [build_mail("Olga Ivanova <%s>" % OLGA, "#status closed",
                             "#priority urgent\n" + random_text(rng))
                  for _ in range(30)]
        fids = s.inject_many(forged)
        ok = harness.wait_until(lambda: len(harness.held(s)) >= 30, 120)
        tap.ok(ok, "forged: all 30 forged agent mails are held",
               "held: %d" % len(harness.held(s)))
        challenges = harness.outbox_of(s, kind="challenge", rcpt=OLGA)
        tap.ok(len(challenges) <= CHALLENGES_PER_HOUR,
               "forged: at most %d challenges" % CHALLENGES_PER_HOUR,
               "got %d" % len(challenges))
        tap.eq(len(challenges), CHALLENGES_PER_HOUR,
               "forged: the first %d are challenged" % CHALLENGES_PER_HOUR)
        tap.ok(d.log_has("stage=flood", "event=cap", OLGA), "forged: the cap is logged")

        # -- held mail whose challenge the cap refused is not stuck: once
        # the window has room, a later mail from the agent's address gets
        # the older ones challenged, each its own, and each releasable.
        def bare():
            return [r[0] for r in harness.db_query(
                s, "SELECT message_id FROM held WHERE challenge_id = '' "
                "AND status = 'held' ORDER BY id")]
        before_bare = bare()
        tap.eq(len(before_bare), 30 - CHALLENGES_PER_HOUR,
               "capped: the refused ones are held without a challenge")
        harness.db_exec(s, "UPDATE auto_mail SET at = at - 90000")
        later = build_mail("Olga Ivanova <%s>" % OLGA, "Later", random_text(rng))
        s.inject(later)
        ok = harness.wait_until(lambda: len(harness.outbox_of(
            s, kind="challenge", rcpt=OLGA)) >= 2 * CHALLENGES_PER_HOUR, 60)
        tap.ok(ok, "capped: a later mail brings %d more challenges" % CHALLENGES_PER_HOUR,
               "got %d" % len(harness.outbox_of(s, kind="challenge", rcpt=OLGA)))
        now_bare = bare()
        tap.eq(before_bare[:CHALLENGES_PER_HOUR - 1],
               [m for m in before_bare if m not in now_bare],
               "capped: the oldest ones are challenged first, besides the new mail")
        oldest = before_bare[0]
        ch = harness.wait_until(lambda: [m for m in harness.mails_of_kind(s, OLGA, "challenge")
                                         if harness.norm_id(header(m, "In-Reply-To") or "")
                                         == harness.norm_id(oldest)], 60)
        tap.ok(ch, "capped: the oldest held mail's own challenge arrives")
        if ch:
            s.inject(harness.reply_mail("Olga Ivanova <%s>" % OLGA, ch[0], "Yes, mine."))
            st = harness.wait_until(lambda: [r[0] for r in harness.db_query(
                s, "SELECT status FROM held WHERE message_id = ?", (oldest,))]
                == ["released"], 60)
            tap.ok(st, "capped: confirming it releases it")
            tap.eq(len([r for r in harness.db_query(
                s, "SELECT 1 FROM held WHERE status = 'released'")]), 1,
                "capped: and nothing else")

        # -- near-identical requests from rotating addresses of one domain
        rot = []
        for i in range(10):
            local = "noreply-%s" % secrets.token_hex(2) if i % 2 else "helpdesk+%d" % (100 + i)
            body = ("Your order %d of %s has been shipped. Tracking number "
                    "%s. This mailbox is not monitored; please do not reply "
                    "to this message. Thank you for shopping with us."
                    % (4000 + i, time.strftime("%d.%m.%Y"), secrets.token_hex(6)))
            rot.append(build_mail("%s@%s" % (local, ROT_DOMAIN),
                                  "Order %d shipped" % (4000 + i), body))
        rids = []
        for raw in rot:  # in order: the first one opens the ticket
            rids.append(s.inject(raw))
            harness.wait_stored(s, rids[-1], 60)
        rwhere = [harness.stored_as(s, mid) for mid in rids]
        tap.ok(all(rwhere), "rotating: all 10 are stored", repr(rwhere))
        rtickets = {w[0] for w in rwhere if w}
        tap.eq(len(rtickets), 1, "rotating: filed into one ticket")
        racks = [e for e in s.outbox() if e["kind"] in ("ack", "ack_tasks")
                 and (e["rcpt"] or "").lower().endswith("@" + ROT_DOMAIN)]
        tap.eq(len(racks), 1, "rotating: one acknowledgement in all")
        if rtickets:
            ev = harness.events_named(s.show(min(rtickets)), "flood-repeat")
            tap.eq(len(ev), 9, "rotating: each repeat is an event on the ticket")

        # -- different requests from 60 addresses of one domain
        many = [build_mail("user%d@%s" % (i, MANY_DOMAIN), "Question %s" % secrets.token_hex(3),
                           random_text(rng)) for i in range(60)]
        mids = s.inject_many(many)
        mwhere = {mid: harness.wait_stored(s, mid, 120) for mid in mids}
        tap.eq([m for m, w in mwhere.items() if not w], [], "domain: all 60 are stored")
        macks = [e for e in s.outbox() if e["kind"] in ("ack", "ack_tasks")
                 and (e["rcpt"] or "").lower().endswith("@" + MANY_DOMAIN)]
        tap.eq(len(macks), DOMAIN_PER_HOUR,
               "domain: at most domain_per_hour (%d) acks to one domain" % DOMAIN_PER_HOUR)
        tap.ok(d.log_has("stage=flood", "event=cap", "@" + MANY_DOMAIN),
               "domain: the cap is logged")

        # -- an auto-reply answering no ticket opens none
        before = len(s.tickets())
        vac = s.inject(build_mail("Bob <bob@example.test>", "Auto: Printer question",
                                  "I am on vacation until Monday.",
                                  headers=[("Auto-Submitted", "auto-replied")]))
        w = harness.wait_stored(s, vac, 60)
        tap.ok(w is not None and w[0] == 0,
               "auto-reply answering no ticket is stored outside any ticket", repr(w))
        tap.eq(len(s.tickets()), before, "auto-reply opens no ticket")

        # -- the admin: once per address (or domain), not once per hit
        tap.ok(harness.wait_until(lambda: all(e["status"] == "sent" for e in s.outbox()),
                                  180, 1),
               "all queued mail is sent",
               "unsent: %r" % [e for e in s.outbox() if e["status"] != "sent"][:5])
        harness.wait_until(lambda: notices_for(s, SENDER) and notices_for(s, OLGA)
                           and notices_for(s, "@" + ROT_DOMAIN)
                           and notices_for(s, "@" + MANY_DOMAIN), 30)
        time.sleep(3)
        tap.eq(len(notices_for(s, SENDER)), 1, "admin told once about %s" % SENDER)
        tap.eq(len(notices_for(s, OLGA)), 1, "admin told once about %s" % OLGA)
        tap.eq(len(notices_for(s, "@" + ROT_DOMAIN)), 1,
               "admin told once about the rotating addresses of @%s" % ROT_DOMAIN)
        tap.eq(len(notices_for(s, "@" + MANY_DOMAIN)), 1,
               "admin told once about @%s" % MANY_DOMAIN)
        tap.eq(len([m for m in map(parse, s.messages(ADMIN))
                    if "Flood guard" in (header(m, "Subject") or "")]), 4,
               "admin got four notices in all, one per address or domain")
        tap.ok(d.stop(), "daemon stops cleanly on SIGTERM")


main()
