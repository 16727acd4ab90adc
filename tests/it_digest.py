#!/usr/bin/python3
"""Digests (postdesk.conf(5) "DIGESTS AND REPORTS") through the
real servers, on the test clock (POSTDESK_TEST_CLOCK; no sleeping for
time): at 09:00 each agent gets the tickets waiting for a support answer
assigned to them or unassigned in their queues, oldest first, with age and
SLA state, and not resolved or waiting ones; the lead gets counts per
agent and per queue; an agent with nothing waiting gets nothing; a restart
does not repeat a digest; slots missed while the daemon was down are
caught up once, not once each."""
import calendar
import os
import re
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness
from harness import (build_mail, cli, db_exec, header, plain_text, token, wait_until,
                     OLGA_ADDR, JOHN_ADDR)

MIKE_ADDR = "mike@example.test"
AGENTS = [
    {"name": "Olga Ivanova", "addresses": [OLGA_ADDR], "role": "lead",
     "queues": ["support"], "language": "ru"},
    {"name": "John Smith", "addresses": [JOHN_ADDR], "role": "agent",
     "queues": ["support"], "language": "en"},
    {"name": "Mike Lee", "addresses": [MIKE_ADDR], "role": "agent",
     "queues": ["billing"], "language": "en"},
]
DAY = calendar.timegm((2026, 11, 30, 0, 0, 0))  # a Monday, UTC


def at(h, m=0, day=0):
    return DAY + day * 86400 + h * 3600 + m * 60


def digests(s, kind=None):
    return [e for e in s.outbox() if e["kind"] in (
        (kind,) if kind else ("digest_agent", "digest_lead"))]


def tick(s, d, want):
    """SIGHUP restarts the workers, so the scheduler runs its jobs now;
    waits until the outbox holds want digest rows in all.  Mail the jobs
    of an earlier start would have queued is there by then: a later
    digest appearing is the barrier for "nothing else came"."""
    harness.daemon_started(d)
    d.signal(signal.SIGHUP)
    return wait_until(lambda: len(digests(s)) >= want and digests(s), 30)


def mail_to(s, addr, subject_word, n=1):
    """The n-th (1-based) digest mail the sink got for addr."""
    got = wait_until(lambda: [m for m in s.sink_to(addr)
                              if subject_word in (header(m, "Subject") or "")][n - 1:], 30)
    return got[0] if got else None


def main():
    with harness.Session("it_digest", base=58100) as s:
        tap = s.tap
        clock = harness.Clock(s)
        clock.set(at(7))
        os.environ["POSTDESK_TEST_CLOCK"] = clock.path
        conf = s.write_config(agents=AGENTS, gateway_timezone="UTC",
                              digests={"times": ["09:00", "14:00"]},
                              sla={"urgent": 1, "normal": 4},
                              # One automatic mail an hour per address:
                              # Olga's two digests of a slot both pass,
                              # digests being the team's own mail.
                              floods=dict(harness.FLOODS_OFF, address_per_hour=1),
                              queues=[{"name": "support", "addresses": [harness.SUPPORT]},
                                      {"name": "billing",
                                       "addresses": ["billing@example.test"]}])
        rc, out = s.check_config(conf)
        tap.eq(rc, 0, "postdeskd -n accepts digests and timezone: %s" % out.strip())
        # An admin's template directory with one file, and a typo in it:
        # postdeskd -n names the template's file and line.
        over = os.path.join(s.dir, "mytemplates")
        os.makedirs(os.path.join(over, "en"))
        bad = os.path.join(over, "en", "digest_agent.txt")
        with open(bad, "w") as f:
            f.write("Subject: Digest\n\nHello {{agent.name}},\n\n{{digest.tickts}}\n")
        badconf = s.write_config("bad.conf", agents=AGENTS,
                                 gateway_templates=[over, harness.TEMPLATES])
        rc, out = s.check_config(badconf)
        tap.ok(rc != 0 and "%s:5: unknown placeholder {{digest.tickts}}" % bad in out,
               "postdeskd -n: an unknown placeholder at its file:line", out)
        tap.ok("missing" not in out, "postdeskd -n: the rest comes from the next directory", out)
        s.conf = conf
        d = s.daemon(conf)
        d.start()
        nums = {}
        for i, (key, subject) in enumerate([
                ("john", "Printer offline"), ("open", "VPN is down"),
                ("billing", "Invoice is wrong"), ("resolved", "Password reset"),
                ("waiting", "Need a licence"), ("olga", "Mail quota")]):
            clock.set(at(7, 10 * i))
            mid = s.inject(build_mail("client%d@client.test" % i, subject, "Please help."))
            t = s.wait_ticket_of(mid)
            if not tap.ok(t is not None, "%s: ticket created" % key):
                return
            nums[key] = t["number"]
        db_exec(s, "UPDATE tickets SET assignee = 'John Smith' WHERE number = ?",
                (nums["john"],))
        db_exec(s, "UPDATE tickets SET assignee = 'Olga Ivanova' WHERE number = ?",
                (nums["olga"],))
        db_exec(s, "UPDATE tickets SET queue = 'billing' WHERE number = ?",
                (nums["billing"],))
        cli(s, "priority", nums["john"], "urgent")
        cli(s, "status", nums["resolved"], "resolved")
        cli(s, "status", nums["waiting"], "waiting")
        tap.eq(digests(s), [], "before 09:00: no digest (yesterday's slot had nothing)")

        clock.set(at(9, 0) + 30)
        tick(s, d, 4)
        rows = digests(s)
        tap.eq(sorted((e["kind"], e["rcpt"]) for e in rows),
               sorted([("digest_agent", JOHN_ADDR), ("digest_agent", OLGA_ADDR),
                       ("digest_agent", MIKE_ADDR), ("digest_lead", OLGA_ADDR)]),
               "09:00: one digest per agent with tickets, one lead digest")

        john = mail_to(s, JOHN_ADDR, "Digest")
        if tap.ok(john is not None, "John's digest arrives"):
            text = plain_text(john)
            listed = [int(n) for n in re.findall(r"\[ACME#(\d+)\]", text)]
            tap.eq(listed, [nums["john"], nums["open"]],
                   "John: his ticket and the unassigned one in his queue, oldest first")
            tap.ok("2 tickets" in (header(john, "Subject") or ""), "John: count in the subject",
                   header(john, "Subject"))
            line = next((l for l in text.splitlines() if token(nums["john"]) in l), "")
            tap.ok("2h 0m" in line and "SLA overdue" in line,
                   "John: age and SLA overdue of the urgent ticket", line)
            line = next((l for l in text.splitlines() if token(nums["open"]) in l), "")
            tap.ok("unassigned" in line and "SLA: 2h 9m left" in line,
                   "John: the unassigned ticket with its SLA time left", line)
        olga = mail_to(s, OLGA_ADDR, "Сводка на")
        if tap.ok(olga is not None, "Olga's digest arrives, in Russian"):
            listed = [int(n) for n in re.findall(r"\[ACME#(\d+)\]", plain_text(olga))]
            tap.eq(listed, [nums["open"], nums["olga"]],
                   "Olga: the unassigned support ticket, then hers")
            line = next((l for l in plain_text(olga).splitlines()
                         if token(nums["open"]) in l), "")
            tap.ok("1 ч 50 мин, без исполнителя, по SLA осталось 2 ч 9 мин" in line,
                   "Olga: age, unassigned and SLA in Russian", line)
        mike = mail_to(s, MIKE_ADDR, "Digest")
        if tap.ok(mike is not None, "Mike's digest arrives"):
            listed = [int(n) for n in re.findall(r"\[ACME#(\d+)\]", plain_text(mike))]
            tap.eq(listed, [nums["billing"]], "Mike: only the billing queue's ticket")
        lead = mail_to(s, OLGA_ADDR, "Сводка команды")
        if tap.ok(lead is not None, "the lead digest arrives"):
            text = plain_text(lead)
            for want in ("- Olga Ivanova: 1", "- John Smith: 1 (просрочено: 1)",
                         "- без исполнителя: 2", "- billing: 1", "- support: 3 (просрочено: 1)"):
                tap.ok(want in text.splitlines(), "lead digest: %r" % want, text)
            tap.ok("Mike Lee" not in text, "lead digest: no line for an agent with nothing")
        everything = "\n".join(plain_text(m) for m in s.sink_to(JOHN_ADDR) + s.sink_to(OLGA_ADDR)
                               + s.sink_to(MIKE_ADDR)
                               if re.match(r"(Team digest|Digest|Сводка) ",
                                           header(m, "Subject") or ""))
        for key in ("resolved", "waiting"):
            tap.ok(token(nums[key]) not in everything, "%s ticket is in no digest" % key)

        # A restart at the same time, then 14:00 (Mike's ticket resolved
        # meanwhile): the 09:00 digests are not repeated, Mike gets none.
        tap.ok(d.stop(), "daemon stops cleanly (#1)")
        d.start()
        harness.daemon_started(d)
        cli(s, "status", nums["billing"], "resolved")
        clock.set(at(14, 0) + 5)
        tick(s, d, 7)
        wait_until(lambda: len(digests(s)) > 7, 3)
        rows = digests(s)
        tap.eq(len(rows), 7, "restart: no 09:00 digest repeated")
        tap.eq(sorted((e["kind"], e["rcpt"]) for e in rows[4:]),
               sorted([("digest_agent", JOHN_ADDR), ("digest_agent", OLGA_ADDR),
                       ("digest_lead", OLGA_ADDR)]),
               "14:00: digests again, none for Mike with nothing waiting")

        # Down over two slots (09:00 and 14:00 of the next day): caught
        # up once on start, not once per slot.
        tap.ok(d.stop(), "daemon stops cleanly (#2)")
        clock.set(at(15, 0, day=1))
        d.start()
        wait_until(lambda: len(digests(s)) >= 10, 30)
        clock.set(at(9, 0, day=2) + 1)
        tick(s, d, 13)
        wait_until(lambda: len(digests(s)) > 13, 3)
        rows = digests(s)
        tap.eq(len(rows), 13, "down over two slots: one digest each, then the next slot's")
        tap.eq(sorted(e["rcpt"] for e in rows[7:10]), sorted([JOHN_ADDR, OLGA_ADDR, OLGA_ADDR]),
               "the catch-up went to John and Olga (agent and lead)")
        tap.ok(d.alive(), "daemon still running")


main()
