#!/usr/bin/python3
"""The monthly client report (postdesk(1) `report`,
postdesk.conf(5) "DIGESTS AND REPORTS") through the real servers, on the
test clock (POSTDESK_TEST_CLOCK; no sleeping for time).

A client on a 10-hour plan has, in October 2026: three tickets opened
(first answers after 1 h, 3 h and 24 h: median 3 h), two resolved and
rated 5 and 3, 1 h 30 m + 1 h billable and 30 m nobill logged; one more
ticket in September.  Another sender's ticket does not count.  On
1 November the report goes to the client's contacts once, as text with an
HTML alternative holding the 12-month chart; `postdesk report` prints the
same numbers (text and --json)."""
import calendar
import json
import os
import re
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness
from harness import (agent_reply, act, agent_config, agent_ticket, cli, client_request,
                     header, reply_mail, wait_mail, wait_until, JOHN, JOHN_ADDR)

ALICE = "Alice Doe <alice@globex.test>"
ALICE_ADDR = "alice@globex.test"
BOSS = "boss@globex.test"
CLIENTS = [{"name": "Globex", "domains": ["globex.test"], "addresses": [BOSS],
            "plan": "basic"}]
PLANS = [{"name": "basic", "hours": 10}]


def t(month, day, h=0, m=0):
    return calendar.timegm((2026, month, day, h, m, 0))


def parts(msg):
    """(text/plain, text/html) of a parsed mail, decoded."""
    plain = html = None
    for p in msg.walk():
        if p.get_content_type() == "text/plain" and plain is None:
            plain = p.get_content()
        elif p.get_content_type() == "text/html" and html is None:
            html = p.get_content()
    return plain, html


def answer(s, label, n, notification, text):
    where, _ = act(s, agent_reply(JOHN, notification, text))
    s.tap.ok(where is not None and where[0] == n, "%s: stored in #%s" % (label, n))


def rate(s, label, n, rating):
    mail = wait_mail(s, ALICE_ADDR, "status_resolved", n)
    if not s.tap.ok(mail is not None, "%s: resolution notice arrives" % label):
        return
    act(s, reply_mail(ALICE, mail, str(rating), quote=False))
    s.tap.eq(s.show(n)["rating"], rating, "%s: rated %d" % (label, rating))


def main():
    with harness.Session("it_report", base=58300) as s:
        tap = s.tap
        clock = harness.Clock(s)
        clock.set(t(9, 10, 10))
        os.environ["POSTDESK_TEST_CLOCK"] = clock.path
        conf = agent_config(s, clients=CLIENTS, plans=PLANS, gateway_timezone="UTC",
                            tickets={"autoclose_days": 60, "reopen_days": 30,
                                     "max_reopens": 3})
        d = s.daemon(conf)
        d.start()

        # September: one ticket, resolved.
        n0, _ = client_request(s, "sep", ALICE, "Old printer", "It jams.")
        clock.set(t(9, 12, 9))
        cli(s, "status", n0, "resolved")

        # October 5: answered after 1 h, 1 h 30 m logged, resolved, rated 5.
        clock.set(t(10, 5, 10))
        n1, _, got1 = agent_ticket(s, "t1", ALICE, "Server down", "The server is down.")
        clock.set(t(10, 5, 11))
        answer(s, "t1 answer", n1, got1[JOHN_ADDR], "We restarted the server.")
        answer(s, "t1 time", n1, got1[JOHN_ADDR], "#time 1h30m")
        clock.set(t(10, 6, 9))
        cli(s, "status", n1, "resolved")
        clock.set(t(10, 7, 9))
        rate(s, "t1", n1, 5)

        # October 10: answered after 3 h, 1 h billable and 30 m nobill,
        # resolved on the 20th, rated 3.
        clock.set(t(10, 10, 9))
        n2, _, got2 = agent_ticket(s, "t2", ALICE, "VPN slow", "The VPN is slow.")
        clock.set(t(10, 10, 12))
        answer(s, "t2 answer", n2, got2[JOHN_ADDR], "Please try the other gateway.")
        answer(s, "t2 time", n2, got2[JOHN_ADDR], "#time 1h")
        answer(s, "t2 nobill", n2, got2[JOHN_ADDR], "#time 30m nobill")
        clock.set(t(10, 20, 9))
        cli(s, "status", n2, "resolved")
        clock.set(t(10, 21, 9))
        rate(s, "t2", n2, 3)

        # October 12: another sender, no client: not in the report.
        clock.set(t(10, 12, 9))
        client_request(s, "other", "Bob <bob@other.test>", "Hello", "Question.")

        # October 15: answered after 24 h, still open.
        clock.set(t(10, 15, 8))
        n3, _, got3 = agent_ticket(s, "t3", ALICE, "New laptop", "We need a laptop.")
        clock.set(t(10, 16, 8))
        answer(s, "t3 answer", n3, got3[JOHN_ADDR], "Which model do you need?")

        # 1 November, 00:00:30: the report job.
        clock.set(t(11, 1, 0, 0) + 30)
        d.signal(signal.SIGHUP)
        october = lambda m: "October 2026" in (header(m, "Subject") or "")
        got = wait_until(lambda: [m for m in s.sink_to(BOSS) if october(m)], 60)
        if not tap.ok(got, "the October report reaches the client's contact"):
            return
        mail = got[0]
        tap.ok(mail.get_content_type() == "multipart/alternative",
               "report is multipart/alternative", mail.get_content_type())
        plain, html = parts(mail)
        tap.ok(plain is not None and html is not None, "text and HTML parts")
        plain, html = plain or "", html or ""
        lines = {l.split(":", 1)[0].strip(): l.split(":", 1)[1].strip()
                 for l in plain.splitlines() if ":" in l and "  " in l}
        for key, want in (("Tickets opened", "3"), ("Tickets resolved", "2"),
                          ("Resolved over 12 months", "75%"),
                          ("Support hours used", "2.5 h of 10.0 h (25%)"),
                          ("Median time to first answer", "3h 0m"),
                          ("Ratings", "2 (average 4.0 of 5)")):
            tap.eq(lines.get(key), want, "text: %s" % key)
        tap.ok("2026-10  " + "#" * 30 + " 3  " + "=" * 20 + " 2" in plain,
               "text chart: October bars", plain)
        tap.ok("2025-11  0  0" in plain, "text chart starts in November 2025")
        for want in ("Tickets opened:                3", "75%", "2.5 h of 10.0 h (25%)"):
            tap.ok(want.replace("  ", " ").split(" ")[-1] in html, "html: %r" % want)
        rows = re.findall(r"^<tr><td[^>]*>(\d{4}-\d{2})</td>(.*)$", html, re.M)
        tap.eq([r[0] for r in rows], ["2025-%02d" % m for m in (11, 12)]
               + ["2026-%02d" % m for m in range(1, 11)], "html chart: 12 months in order")
        bars = {r[0]: re.findall(r'bgcolor="(#[0-9a-f]+)" width="(\d+)"', r[1]) for r in rows}
        tap.eq(bars.get("2026-10"), [("#4a7bd0", "200"), ("#3aa655", "134")],
               "html chart: October opened 3 (full width), resolved 2")
        tap.eq(bars.get("2026-09"), [("#4a7bd0", "67"), ("#3aa655", "67")],
               "html chart: September 1 and 1")
        tap.eq(bars.get("2026-08"), [], "html chart: no bar for an empty month")
        tap.ok("Tickets opened" in html and "&lt;" not in plain,
               "html holds the same text as the plain part")

        # Once per client and month, also across a restart.
        tap.ok(d.stop(), "daemon stops cleanly (#1)")
        d.start()
        harness.daemon_started(d)
        clock.set(t(11, 2, 9))
        d.signal(signal.SIGHUP)
        wait_until(lambda: d.log().count("event=reloaded") >= 2, 30)
        wait_until(lambda: len([m for m in s.sink_to(BOSS) if october(m)]) > 1, 5)
        tap.eq(len([e for e in s.outbox() if e["kind"] == "report_client"
                    and e["rcpt"] == BOSS]) - len([m for m in s.sink_to(BOSS)
                                                   if not october(m)]), 1,
               "the October report went once, also after a restart")

        # The CLI: text and JSON of the same month.
        j = json.loads(cli(s, "report", "Globex", "--month", "2026-10", "--json"))
        for key, want in (("opened", 3), ("resolved", 2), ("opened_12m", 4),
                          ("resolved_12m", 3), ("minutes", 150), ("plan_hours", 10),
                          ("median_first_response", 3 * 3600), ("ratings", 2),
                          ("rating_average", 4)):
            tap.eq(j.get(key), want, "report --json: %s" % key)
        tap.eq(len(j.get("months", [])), 12, "report --json: 12 months")
        text = cli(s, "report", "globex")
        tap.ok("October 2026" in text and "Tickets opened:                3" in text,
               "report (default: last month) prints the October text")
        r = subprocess.run([harness.POSTDESK, "-c", s.conf, "report", "Nobody"],
                           capture_output=True, text=True)
        tap.ok(r.returncode == 66 and "no client" in r.stderr, "unknown client refused (EX_NOINPUT)")
        r = subprocess.run([harness.POSTDESK, "-c", s.conf, "report", "Globex", "--month",
                            "2026-13"], capture_output=True, text=True)
        tap.ok(r.returncode == 64, "a bad --month is a usage error (EX_USAGE)")
        tap.ok("2026-13" in r.stderr and "YYYY-MM" in r.stderr,
               "... naming the value and the form", r.stderr)

        # Usage errors name what was wrong (daemon/cli.h), for plan too.
        def run(*args):
            return subprocess.run([harness.POSTDESK, "-c", s.conf] + list(args),
                                  capture_output=True, text=True)
        for args, code, says in ((("report",), 64, "which CLIENT"),
                                 (("report", "Globex", "--bogus"), 64, "'--bogus'"),
                                 (("report", "Globex", "Initech"), 64, "'Initech'"),
                                 (("plan",), 64, "which CLIENT"),
                                 (("plan", "Globex", "--bogus"), 64, "'--bogus'"),
                                 (("plan", "Globex", "--month", "2026-1"), 64, "'2026-1'"),
                                 (("plan", "Nobody"), 66, "no client 'Nobody'")):
            r = run(*args)
            tap.ok(r.returncode == code and says in r.stderr
                   and r.stderr.startswith("postdesk %s: " % args[0]),
                   "postdesk %s: exit %d, says %s" % (" ".join(args), code, says),
                   "exit %d: %s" % (r.returncode, r.stderr.strip()))
        r = run("plan", "GLOBEX", "--month", "2026-10")
        tap.ok(r.returncode == 0 and "Globex" in r.stdout,
               "plan: the client's name in any case, like report", r.stderr)
        r = run("plan", "--help")
        tap.ok(r.returncode == 0 and "CLIENT" in r.stdout + r.stderr, "plan --help: exit 0")

        # --send to a failing address queues nothing, and says so.
        harness.db_exec(s, "INSERT INTO failing_addresses (address, since, until, reason) "
                        "VALUES (?, 1, 4102444800, '5.1.1 no such user')", (BOSS,))
        before = len([e for e in s.outbox() if e["kind"] == "report_client"])
        r = run("report", "Globex", "--month", "2026-10", "--send")
        tap.ok(r.returncode == 75 and "nothing queued" in r.stderr,
               "report --send to a held address: EX_TEMPFAIL, nothing queued",
               "exit %d: %s" % (r.returncode, r.stderr.strip()))
        harness.db_exec(s, "DELETE FROM failing_addresses WHERE address = ?", (BOSS,))
        r = run("report", "Globex", "--month", "2026-10", "--send")
        tap.ok(r.returncode == 0 and "queued for 1 of 1" in r.stderr,
               "report --send: queued", "exit %d: %s" % (r.returncode, r.stderr.strip()))
        tap.eq(len([e for e in s.outbox() if e["kind"] == "report_client"]), before + 1,
               "report --send: one report_client row")
        tap.ok(d.alive(), "daemon still running")


main()
