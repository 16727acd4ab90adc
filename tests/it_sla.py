#!/usr/bin/python3
"""SLA in business hours and promised dates (postdesk.conf(5) "sla",
"business_hours"; #due), through the real servers with the test clock
(daemon/clock.h): the ack tells the expected first answer; an urgent
ticket opened on a Friday evening breaches its first response after a
weekend and a holiday: the assignee is warned at 80 % and the lead told of
the breach, each exactly once, also when the deadline passes while the
daemon is stopped; time in `waiting`
stops the resolution clock; `#due 3d` counts working days, the queue's
agents are warned the working day before and the lead told when the day
has passed, each once."""
import datetime
import os
import sys
import zoneinfo

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness
from harness import (plain_text, wait_mail, outbox_of, agent_reply, act, set_clock,
                     wait_job, OLGA_ADDR, JOHN, JOHN_ADDR)

BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
DAN = "Dan Brown <dan@client.test>"
DAN_ADDR = "dan@client.test"
FRANK = "Frank Moss <frank@client.test>"
FRANK_ADDR = "frank@client.test"


def local(m, d, h, mi=0):
    return int(datetime.datetime(2026, m, d, h, mi, tzinfo=BERLIN).timestamp())


def rows(s, kind, ticket):
    """(rcpt, created) of the outbox rows of kind for ticket."""
    return sorted(harness.db_query(
        s, "SELECT rcpt, created FROM outbox WHERE kind = ? AND ticket = ?", (kind, ticket)))


def main():
    with harness.Session("it_sla", base=55000) as s:
        tap = s.tap

        def at(epoch, job="sla"):
            set_clock(s, epoch)
            return tap.ok(wait_job(d, job, epoch), "job %s ran at %s" % (
                job, datetime.datetime.fromtimestamp(epoch, BERLIN).strftime("%a %d %H:%M")))

        set_clock(s, local(12, 18, 17))  # Friday, 17:00
        conf = harness.agent_config(
            s, gateway_timezone="Europe/Berlin",
            business_hours={"days": "mon-fri", "from": "09:00", "to": "18:00",
                            "holidays": ["2026-12-21", "2026-12-25"]},
            sla={"normal": 8, "first_response": {"urgent": 4},
                 "resolution": {"urgent": 6}})
        d = s.daemon(conf)
        d.start()
        n, req, got = harness.agent_ticket(s, "urgent", DAN, "Site down",
                                           "Our web shop is down.")
        if not n:
            return
        ack = wait_mail(s, DAN_ADDR, "ack", n)
        tap.ok(ack is not None and "2026-12-22 16:00" in plain_text(ack),
               "ack: first answer expected Tuesday 16:00 (8 business hours, "
               "over the weekend and Monday's holiday)", ack and plain_text(ack))
        where, _ = act(s, agent_reply(JOHN, got[JOHN_ADDR], "#priority urgent\n#take"))
        tap.ok(where is not None and s.show(n)["priority"] == "urgent",
               "John makes it urgent and takes it")

        # Urgent: 4 business hours = Friday 17-18 and Tuesday 9-12;
        # the warning at 80 % is Tuesday 11:12.
        at(local(12, 21, 12))
        tap.eq(rows(s, "sla_first_warning", n), [], "Monday (holiday): no warning")
        at(local(12, 22, 11))
        tap.eq(rows(s, "sla_first_warning", n), [], "Tuesday 11:00: no warning yet")
        at(local(12, 22, 11, 15))
        tap.eq(rows(s, "sla_first_warning", n), [(JOHN_ADDR, local(12, 22, 11, 15))],
               "Tuesday 11:15: the assignee alone is warned")
        tap.eq(rows(s, "sla_first_breach", n), [], "Tuesday 11:15: no breach yet")
        warn = wait_mail(s, JOHN_ADDR, "sla_first_warning", n)
        tap.ok(warn is not None and "2026-12-22 12:00" in plain_text(warn),
               "warning names the deadline", warn and plain_text(warn))

        # The deadline passes while the daemon is down: handled once when
        # it is back, and the warning is not sent again.
        tap.ok(d.stop(), "daemon stops")
        set_clock(s, local(12, 22, 12))
        d = s.daemon(conf)
        d.start()
        at(local(12, 22, 12))
        tap.eq(rows(s, "sla_first_breach", n), [(OLGA_ADDR, local(12, 22, 12))],
               "Tuesday 12:00, passed while stopped: the lead is told of the breach")
        tap.eq(len(rows(s, "sla_first_warning", n)), 1, "after the restart: still one warning")
        at(local(12, 22, 12, 5))
        tap.eq((len(rows(s, "sla_first_warning", n)), len(rows(s, "sla_first_breach", n))),
               (1, 1), "one warning and one breach in all")
        tap.ok(wait_mail(s, OLGA_ADDR, "sla_first_breach", n) is not None,
               "the breach arrives at the lead")

        # The resolution clock (6 h): 4 h 05 min so far; waiting stops it.
        where, _ = act(s, agent_reply(JOHN, got[JOHN_ADDR], "#status waiting"))
        tap.ok(where is not None and s.show(n)["status"] == "waiting", "ticket waits")

        # A promised date in working days.
        n2, _, got2 = harness.agent_ticket(s, "due", FRANK, "New mailbox",
                                           "Please create a mailbox for our intern.")
        if not n2:
            return
        where, caused = act(s, agent_reply(JOHN, got2[JOHN_ADDR], "#due 3d"))
        tap.eq(s.show(n2)["due"], "2026-12-28",
               "#due 3d: Wednesday, Thursday, (Friday holiday), Monday")
        due = wait_mail(s, FRANK_ADDR, "due", n2)
        tap.ok(due is not None and "2026-12-28" in plain_text(due),
               "#due: the client is told the date")

        at(local(12, 24, 8), "due")
        tap.eq(rows(s, "due_warning", n2), [], "Thursday 8:00: no due warning yet")
        at(local(12, 24, 9), "due")
        tap.eq(sorted(r[0] for r in rows(s, "due_warning", n2)), [JOHN_ADDR, OLGA_ADDR],
               "Thursday 9:00 (the working day before): the queue's agents are warned")
        at(local(12, 24, 9), "sla")
        tap.eq(rows(s, "sla_resolution_warning", n) + rows(s, "sla_resolution_breach", n), [],
               "two days in waiting do not count toward resolution")
        where, _ = act(s, agent_reply(JOHN, got[JOHN_ADDR], "#status open"))
        at(local(12, 24, 9, 45))
        tap.eq(rows(s, "sla_resolution_warning", n), [(JOHN_ADDR, local(12, 24, 9, 45))],
               "back from waiting: 4 h 50 min of 6 h warns the assignee")
        tap.eq(rows(s, "sla_resolution_breach", n), [], "no resolution breach")

        at(local(12, 28, 23), "due")
        tap.eq(rows(s, "due_missed", n2), [], "Monday 23:00: the promised day is not over")
        at(local(12, 29, 0), "due")
        tap.eq(rows(s, "due_missed", n2), [(OLGA_ADDR, local(12, 29, 0))],
               "Tuesday 0:00: the lead is told the date was missed")
        at(local(12, 29, 0, 5), "due")
        tap.eq((len(rows(s, "due_warning", n2)), len(rows(s, "due_missed", n2))), (2, 1),
               "each due notice once")
        missed = wait_mail(s, OLGA_ADDR, "due_missed", n2)
        tap.ok(missed is not None and "2026-12-28" in plain_text(missed),
               "the lead reads the missed date (in Russian)", missed and plain_text(missed))


if __name__ == "__main__":
    main()
