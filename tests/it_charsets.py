#!/usr/bin/python3
"""Russian requests in windows-1251 (Outlook Express), KOI8-R (The Bat!) and
UTF-8 (Thunderbird) become tickets with correctly decoded subjects and text;
each client gets an acknowledgement; support's INBOX ends up empty and the
requests sit in Processed.  Issue "backbone", scenario a."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness
from harness import SUPPORT

# Requests as Outlook Express, The Bat! and Thunderbird wrote them.
SAMPLES = ["ru-cp1251-oe.eml", "ru-koi8-thebat.eml", "ru-utf8-thunderbird.eml"]


def expected(raw):
    """(subject, text) as Python's email package decodes them."""
    msg = harness.parse(raw)
    return str(msg["Subject"]), harness.plain_text(msg)


def main():
    with harness.Session("it_charsets", base=31000) as s:
        tap = s.tap
        samples = [(name, harness.read_test_mail(name)) for name in SAMPLES]
        missing = [name for name, raw in samples if raw is None]
        if not tap.ok(not missing, "test mails exist in tests/mail", "missing: %r" % missing):
            return
        d = s.daemon(s.write_config())
        d.start()
        ids = [s.inject(raw) for _, raw in samples]
        for (label, raw), mid in zip(samples, ids):
            subject, text = expected(raw)
            sender = harness.sender_of(raw)
            t = s.wait_ticket_of(mid)
            if not tap.ok(t is not None, "%s: becomes a ticket" % label):
                s.report_daemon_state()
                continue
            tap.eq(t["subject"], subject, "%s: ticket subject decoded" % label)
            stored = next(m for m in t["messages"]
                          if harness.norm_id(m["message_id"]) == mid)
            tap.eq(harness.norm_text(stored["text"]), harness.norm_text(text),
                   "%s: ticket text decoded" % label)
            tap.eq(t["requester"].lower(), sender.lower(), "%s: requester" % label)
            s.check_ack(s.wait_ack(sender, mid), t["number"], mid, label)
        tap.ok(harness.wait_until(lambda: s.count(SUPPORT) == 0),
               "support INBOX is empty afterwards", "INBOX: %r" % s.msgids(SUPPORT))
        tap.eq(sorted(s.msgids(SUPPORT, "Processed")), sorted(ids),
               "Processed holds the requests")
        tap.ok(d.stop(), "daemon stops cleanly on SIGTERM")


main()
