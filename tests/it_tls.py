#!/usr/bin/python3
"""Certificates are verified: with the IMAP host 127.0.0.2 (not in the
certificate) the daemon refuses to log in, says why, and touches no mail.
`postdeskd -n` accepts the test config and reports errors as file:line.
Issue "backbone", scenario f."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness
from harness import SUPPORT, make_mail


def line_of(path, needle):
    """1-based number of the first line of path containing needle."""
    with open(path) as f:
        for i, line in enumerate(f, 1):
            if needle in line:
                return i
    raise ValueError("%s not in %s" % (needle, path))


def check_errors(s, label, conf, needle):
    """postdeskd -n on a broken config: exit 1 and "conf:line:" for needle."""
    rc, out = s.check_config(conf)
    s.tap.eq(rc, 1, "postdeskd -n exits 1 on %s" % label)
    want = "%s:%d:" % (conf, line_of(conf, needle))
    s.tap.ok(any(l.startswith(want) for l in out.splitlines()),
             "postdeskd -n reports %s as %s" % (label, want), "output:\n" + out)


def main():
    with harness.Session("it_tls", base=36000) as s:
        tap = s.tap

        # postdeskd -n
        good = s.write_config("good.conf")
        rc, out = s.check_config(good)
        tap.ok(rc == 0 and "configuration OK" in out, "postdeskd -n accepts the test config",
               "exit %d, output:\n%s" % (rc, out))
        text = harness.config_text(s.config(source_tls="sometimes"))
        check_errors(s, "a bad tls value", s.write_config("badvalue.conf", text=text),
                     'tls = "sometimes"')
        text = harness.config_text(s.config()).replace('tag = "ACME";', 'tag = = "ACME";')
        check_errors(s, "a syntax error", s.write_config("syntax.conf", text=text),
                     "tag = =")

        # The host name does not match the certificate.
        conf = s.write_config("mismatch.conf", source_host="127.0.0.2")
        mid = s.inject(make_mail("Client <client@example.test>", "Cannot log in",
                                 "Password rejected."))
        d = s.daemon(conf)
        d.start()
        line = harness.wait_until(lambda: d.log_has("certificate"), timeout=30)
        tap.ok(line, "the log says the certificate is refused", "log:\n" + d.log())
        if line:
            tap.comment("log: " + line)
        tap.ok(not d.log_has("stage=thread"), "no message is processed")
        tap.ok(d.alive(), "daemon keeps running (it retries, never exits)")
        tap.ok(d.stop(), "daemon stops cleanly on SIGTERM")
        tap.eq(s.msgids(SUPPORT), [mid], "INBOX keeps the mail")
        tap.eq(s.count(SUPPORT, "Processed"), 0, "nothing in Processed")
        tap.eq(s.tickets(), [], "no ticket")

        # Sanity: the same mail goes through once the host matches.
        d2 = s.daemon(good)
        d2.start()
        tap.ok(s.wait_ticket_of(mid) is not None, "with host localhost the mail is taken")
        tap.ok(d2.stop(), "second daemon stops cleanly")


main()
