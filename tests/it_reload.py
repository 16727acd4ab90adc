#!/usr/bin/python3
"""SIGHUP reloads the configuration: a bad one is refused and the old one
stays in force; a good one takes effect without losing mail.  Neither the
IMAP nor the SMTP password ever reaches the log.  Issue "backbone",
items 3 and 10."""
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness
from harness import header, make_mail

CLIENT = "Client <client@example.test>"


def main():
    with harness.Session("it_reload", base=37000) as s:
        tap = s.tap
        conf = s.write_config()
        d = s.daemon(conf)
        # The CLI reads its own copy: the daemon's file is about to break.
        s.write_config(name="cli.conf")
        d.start()
        first = s.inject(make_mail(CLIENT, "Printer offline", "It says offline."))
        tap.ok(s.wait_ticket_of(first) is not None, "first request becomes a ticket")
        tap.ok(s.wait_ack("client@example.test", first) is not None, "first ack arrives")

        # A broken edit: the running configuration must stay.
        good = open(conf).read()
        with open(conf, "w") as f:
            f.write(good.replace('tls = "implicit"', 'tls = "sometimes"', 1))
        d.signal(signal.SIGHUP)
        tap.ok(harness.wait_until(lambda: d.log_has("reload-refused")),
               "a bad configuration is refused on SIGHUP")
        tap.ok(d.log_has("postdesk.conf:", "tls must be") is not None,
               "the refusal names file:line and the error")
        second = s.inject(make_mail(CLIENT, "Scanner offline", "Also offline."))
        tap.ok(s.wait_ticket_of(second) is not None,
               "mail is still processed with the old configuration")
        tap.ok(d.alive(), "the daemon still runs")

        # A good edit takes effect: the gateway's display name changes.
        with open(conf, "w") as f:
            f.write(good.replace('"ACME Support"', '"ACME Help Desk"', 1))
        d.signal(signal.SIGHUP)
        tap.ok(harness.wait_until(lambda: d.log_has("event=reloaded")),
               "a good configuration is loaded on SIGHUP")
        third = s.inject(make_mail(CLIENT, "Fax offline", "The fax too."))
        ack = s.wait_ack("client@example.test", third)
        tap.ok(ack is not None and "ACME Help Desk" in (header(ack, "From") or ""),
               "mail after the reload uses the new configuration",
               "From: %r" % (header(ack, "From") if ack else None))

        tap.ok(d.stop(), "daemon stops cleanly on SIGTERM")
        log = d.log()
        tap.ok("gwpass" not in log and "secret" not in log,
               "no password appears in the log")


main()
