#!/usr/bin/python3
"""Bad mail is quarantined, never dropped: an unparseable message and an
oversized one are kept in the database's quarantine, moved to the
Quarantine folder, and the admin is told once; `postdesk quarantine`
lists, shows and retries them.  Pipe mode (`postdesk deliver`) runs the
same pipeline.  Issue "backbone", item 5; docs/architecture.md."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness
from harness import header, make_mail

CLIENT = "Client <client@example.test>"
GARBAGE = b"@@@ this is not a mail @@@\r\n\x01\x02\x03 binary junk\r\n\r\nmore junk\r\n"


def postdesk(s, *args, stdin=None):
    return subprocess.run([harness.POSTDESK, "-c", s.conf] + list(args), input=stdin,
                          capture_output=True, timeout=60)


def main():
    with harness.Session("it_quarantine", base=38000) as s:
        tap = s.tap
        d = s.daemon(s.write_config(limits={"max_message_size": 4096}))
        d.start()

        # An unparseable message, appended as-is (LMTP would add headers).
        m = s.imap(harness.SUPPORT)
        m.append("INBOX", None, None, GARBAGE)
        m.logout()
        big = s.inject(make_mail(CLIENT, "Huge log attached", "x" * 8000))
        normal = s.inject(make_mail(CLIENT, "Small question", "Behind the bad ones."))

        tap.ok(s.wait_ticket_of(normal) is not None,
               "a good message behind the bad ones is processed")
        tap.ok(harness.wait_until(lambda: s.count(harness.SUPPORT, "Quarantine") == 2),
               "both bad messages are moved to the Quarantine folder")
        tap.ok(harness.wait_until(lambda: s.count(harness.SUPPORT) == 0),
               "INBOX is empty")
        q = s.cli_json("quarantine", "list")
        tap.eq(len(q), 2, "two quarantine entries")
        reasons = " | ".join(e["reason"] for e in q)
        tap.ok("not a message" in reasons and "max_message_size" in reasons,
               "reasons name the problem", reasons)
        tap.eq(len(s.tickets()), 1, "no ticket for the bad messages")
        notices = harness.wait_until(lambda: len(s.sink_to("admin@example.test")) == 2
                                     and s.sink_to("admin@example.test"))
        tap.ok(bool(notices), "the admin is told about each quarantined message")
        if notices:
            tap.ok(all("quarantined" in (header(n, "Subject") or "") for n in notices),
                   "the notices say quarantined")
        garbage = [e for e in q if "not a message" in e["reason"]]
        if garbage:
            r = postdesk(s, "quarantine", "show", str(garbage[0]["id"]))
            tap.ok(r.returncode == 0 and GARBAGE in r.stdout,
                   "quarantine show prints the raw message byte for byte")
            r = postdesk(s, "quarantine", "retry", str(garbage[0]["id"]))
            tap.ok(r.returncode != 0 and b"still not a message" in r.stderr,
                   "retrying garbage says why and keeps it")

        # Pipe mode: the same pipeline, exit codes for the MTA.
        raw = make_mail(CLIENT, "Delivered by the MTA", "Through a pipe.")
        r = postdesk(s, "deliver", "--source", "main", stdin=raw)
        tap.ok(r.returncode == 0 and r.stdout.startswith(b"stored ticket="),
               "deliver stores a message and exits 0", r.stdout + r.stderr)
        r = postdesk(s, "deliver", "--source", "main", stdin=raw)
        tap.ok(r.returncode == 0 and r.stdout.startswith(b"duplicate"),
               "delivering the same message again stores nothing new",
               r.stdout + r.stderr)
        r = postdesk(s, "deliver", "--source", "nosuch", stdin=raw)
        tap.eq(r.returncode, 75, "an unknown source exits 75 (EX_TEMPFAIL)")
        tap.ok(s.wait_ack("client@example.test", harness.msgid_of(raw)) is not None,
               "the delivered request is acknowledged by the running daemon")
        tap.ok(d.stop(), "daemon stops cleanly on SIGTERM")


main()
