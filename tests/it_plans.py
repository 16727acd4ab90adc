#!/usr/bin/python3
"""Support-hour plans (postdesk.conf(5) "plans"), through the real servers
with the test clock (daemon/clock.h): a client on a 10-hour plan crosses
80 % and 100 % through agents' #time entries; each threshold sends exactly
one mail to the client's contact and one to the lead, also when two
entries cross it at the same second and across a daemon restart; nobill
time does not count; the next new request's acknowledgement carries the
over-limit notice; a new month starts clean; `postdesk plan` shows the
usage."""
import calendar
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness
from harness import (build_mail, plain_text, wait_until, wait_mail, outbox_of,
                     agent_reply, act, set_clock, wait_job, OLGA_ADDR, JOHN,
                     JOHN_ADDR, SUPPORT)

DAN = "Dan Brown <dan@acme.test>"
DAN_ADDR = "dan@acme.test"
EVE = "Eve Adams <eve@acme.test>"
EVE_ADDR = "eve@acme.test"
OVER = "has used all 10 support hours"


def utc(y, m, d, h=10, mi=0):
    return calendar.timegm((y, m, d, h, mi, 0))


def notices(s, kind, rcpt=None):
    return outbox_of(s, kind, rcpt=rcpt)


def log_time(s, label, note, text):
    """An agent's reply to note holding text; (stored, outbox rows)."""
    where, caused = act(s, agent_reply(JOHN, note, text))
    s.tap.ok(where is not None, "%s: stored" % label)
    return caused


def main():
    with harness.Session("it_plans", base=54000) as s:
        tap = s.tap
        set_clock(s, utc(2026, 11, 2))
        conf = harness.agent_config(
            s, gateway_timezone="UTC",
            clients=[{"name": "Acme", "domains": ["acme.test"], "plan": "basic"}],
            plans=[{"name": "basic", "hours": 10, "warn_at": [80, 100]}])
        d = s.daemon(conf)
        d.start()
        n, req, got = harness.agent_ticket(s, "request", DAN, "VPN down",
                                           "Our VPN is down since the morning.")
        if not n:
            return
        note = got[JOHN_ADDR]
        ack = wait_mail(s, DAN_ADDR, "ack", n)
        tap.ok(ack is not None and OVER not in plain_text(ack),
               "first ack: no over-limit notice")

        caused = log_time(s, "#time 7h", note, "#time 7h")
        caused += log_time(s, "#time 2h nobill", note, "#time 2h nobill")
        tap.eq([e for e in caused if e["kind"].startswith("plan_")], [],
               "7 h billable and 2 h nobill: no plan notice")
        caused = log_time(s, "#time 1h", note, "#time 1h")
        tap.eq(sorted((e["kind"], e["rcpt"]) for e in caused if e["kind"].startswith("plan_")),
               [("plan_warning", DAN_ADDR), ("plan_warning_lead", OLGA_ADDR)],
               "8 of 10 h: the contact and the lead are told, in the entry's transaction")
        warn = wait_mail(s, DAN_ADDR, "plan_warning")
        tap.ok(warn is not None and "80%" in (harness.header(warn, "Subject") or "")
               and "8.00 of the 10" in harness.norm_text(plain_text(warn)),
               "80 %: the client reads the usage", warn and plain_text(warn))
        lead = wait_mail(s, OLGA_ADDR, "plan_warning_lead")
        tap.ok(lead is not None and "Acme" in (harness.header(lead, "Subject") or ""),
               "80 %: the lead reads it in Russian too",
               lead and harness.header(lead, "Subject"))

        # Two entries at the same second, both crossing 100 %.
        caused = log_time(s, "#time 30m", note, "#time 30m")
        tap.eq([e for e in caused if e["kind"].startswith("plan_")], [],
               "9.5 h: nothing new")
        seen = {e["id"] for e in s.outbox()}
        raws = [agent_reply(JOHN, note, "#time 1h"), agent_reply(JOHN, note, "#time 1h")]
        mids = s.inject_many(raws)
        tap.ok(all(harness.wait_stored(s, m) for m in mids), "two entries at once: stored")
        new = [e for e in s.outbox() if e["id"] not in seen and e["kind"].startswith("plan_")]
        tap.eq(sorted((e["kind"], e["rcpt"]) for e in new),
               [("plan_warning", DAN_ADDR), ("plan_warning_lead", OLGA_ADDR)],
               "100 % crossed by two entries in the same second: one mail each")

        # A restart: the plans job runs at start and sends nothing again.
        tap.ok(d.stop(), "daemon stops")
        d = s.daemon(conf)
        d.start()
        tap.ok(wait_job(d, "plans", utc(2026, 11, 2)), "after the restart the plans job ran")
        log_time(s, "#time 15m after restart", note, "#time 15m")
        tap.eq(len(notices(s, "plan_warning")), 2, "contact: exactly two plan mails (80, 100)")
        tap.eq(len(notices(s, "plan_warning_lead")), 2, "lead: exactly two plan mails")
        tap.eq(sorted(r[0] for r in harness.db_query(
            s, "SELECT threshold FROM notices_sent WHERE kind = 'plan'")), [80, 100],
            "notices_sent: 80 and 100 once for 2026-11")

        # Over the plan: the next request's ack carries the notice.
        n2, _ = harness.client_request(s, "over the plan", EVE, "Printer", "The printer jams.")
        ack2 = wait_mail(s, EVE_ADDR, "ack", n2) if n2 else None
        tap.ok(ack2 is not None and OVER in harness.norm_text(plain_text(ack2)),
               "over 100 %: the new request's ack carries the over-limit notice",
               ack2 and plain_text(ack2))

        plan = s.cli_json("plan", "Acme", "--month", "2026-11")
        tap.eq((plan["plan"], plan["used_minutes"], plan["percent"], len(plan["entries"])),
               ("basic", 645, 107, 7), "postdesk plan --json: usage and entries")
        text = harness.cli(s, "plan", "Acme", "--month", "2026-11")
        tap.ok("10.75 of 10 h" in text and "107 %" in text, "postdesk plan: the table", text)

        # A new month starts clean.
        set_clock(s, utc(2026, 12, 1))
        n3, _ = harness.client_request(s, "December", DAN, "Mail", "Mail is slow.")
        ack3 = wait_mail(s, DAN_ADDR, "ack", n3) if n3 else None
        tap.ok(ack3 is not None and OVER not in plain_text(ack3),
               "new month: no over-limit notice in the ack")
        plan = s.cli_json("plan", "Acme")
        tap.eq((plan["month"], plan["used_minutes"]), ("2026-12", 0),
               "postdesk plan: the current month by the test clock")
        note3 = wait_mail(s, JOHN_ADDR, "agent_message", n3)
        if note3 is not None:
            caused = log_time(s, "December #time 8h", note3, "#time 8h")
            tap.eq(sorted((e["kind"], e["rcpt"]) for e in caused
                          if e["kind"].startswith("plan_")),
                   [("plan_warning", DAN_ADDR), ("plan_warning_lead", OLGA_ADDR)],
                   "December: 80 % is told again, once")
        try:
            harness.cli(s, "plan", "Nobody")
            tap.ok(False, "postdesk plan: an unknown client fails")
        except harness.CliError:
            tap.ok(True, "postdesk plan: an unknown client fails")


if __name__ == "__main__":
    main()
