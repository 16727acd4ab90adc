#!/usr/bin/python3
"""Automated mail (RFC 3834 auto-reply, an Outlook out-of-office, a DSN
bounce from MAILER-DAEMON with a null Return-Path) that answers no ticket is
stored outside any ticket and never acknowledged.  To avoid waiting on nothing, a normal request is sent
after them: once its ack has arrived, no ack for the automated ones may be
anywhere.  Issue "backbone", scenario c."""
import email.utils
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness
from harness import SUPPORT, make_mail, make_msgid


def vacation():
    """Sieve vacation (RFC 3834)."""
    return make_mail("Bob <bob@example.test>", "Auto: Printer question",
                     "I am on vacation until Monday.",
                     headers=[("Auto-Submitted", "auto-replied (vacation)"),
                              ("Precedence", "bulk")])


def out_of_office():
    """Exchange/Outlook automatic reply."""
    return make_mail("Carol <carol@example.test>", "Automatic reply: Printer question",
                     "I am out of the office with limited access to e-mail.",
                     headers=[("Auto-Submitted", "auto-generated"),
                              ("X-Auto-Response-Suppress", "All"),
                              ("X-MS-Exchange-Inbox-Rules-Loop", "carol@example.test")])


def bounce():
    """A delivery status notification (RFC 3464) from MAILER-DAEMON, with no
    Auto-Submitted header: the report itself must give it away."""
    original = make_mail(SUPPORT, "Re: [ACME#999] Your request", "Original text.",
                         to="nobody@reject.test").decode()
    original_headers = original.split("\r\n\r\n", 1)[0]
    text = "\r\n".join([
        "From: Mail Delivery System <MAILER-DAEMON@example.test>",
        "To: %s" % SUPPORT,
        "Subject: Undelivered Mail Returned to Sender",
        "Date: %s" % email.utils.formatdate(localtime=True),
        "Message-ID: %s" % make_msgid("dsn"),
        "MIME-Version: 1.0",
        'Content-Type: multipart/report; report-type=delivery-status;',
        '\tboundary="BOUNDARY-1"',
        "",
        "--BOUNDARY-1",
        "Content-Type: text/plain; charset=us-ascii",
        "",
        "This is the mail system at host mx.example.test.",
        "",
        "I'm sorry to have to inform you that your message could not",
        "be delivered to one or more recipients.",
        "",
        "<nobody@reject.test>: host mx.reject.test said: 550 5.1.1 user unknown",
        "",
        "--BOUNDARY-1",
        "Content-Type: message/delivery-status",
        "",
        "Reporting-MTA: dns; mx.example.test",
        "",
        "Final-Recipient: rfc822; nobody@reject.test",
        "Action: failed",
        "Status: 5.1.1",
        "Diagnostic-Code: smtp; 550 5.1.1 user unknown",
        "",
        "--BOUNDARY-1",
        "Content-Type: text/rfc822-headers",
        "",
        original_headers,
        "",
        "--BOUNDARY-1--",
        ""])
    return text.encode("ascii")


# (label, raw message, envelope sender, address an ack would go to)
CASES = [
    ("vacation auto-reply", vacation, None, "bob@example.test"),
    ("out-of-office", out_of_office, None, "carol@example.test"),
    ("bounce", bounce, "", "mailer-daemon@example.test"),
]


def main():
    with harness.Session("it_automated", base=33000) as s:
        tap = s.tap
        d = s.daemon(s.write_config())
        d.start()
        sent = [(label, s.inject(make(), sender=env), to)
                for label, make, env, to in CASES]
        # They answer no ticket: kept outside any ticket (postdesk.conf(5) floods; postdeskd(8) Automated mail),
        # not opening one that agents would have to close by hand.
        for label, mid, _ in sent:
            where = harness.wait_stored(s, mid)
            if not tap.ok(where is not None and where[0] == 0,
                          "%s is stored outside any ticket" % label, "stored: %r" % (where,)):
                s.report_daemon_state()
                continue
            unfiled = [m for m in s.cli_json("unfiled")
                       if harness.norm_id(m["message_id"]) == mid]
            tap.ok(unfiled and unfiled[0].get("automated"),
                   "%s is listed by postdesk unfiled as automated" % label,
                   "unfiled: %r" % unfiled)
        tap.eq(s.tickets(), [], "automated mail opens no ticket")

        # The sentinel: a normal request after them, acknowledged as usual.
        req = s.inject(make_mail("Dave <dave@example.test>", "Printer question",
                                 "Which driver do I need?"))
        t = s.wait_ticket_of(req)
        ack = s.wait_ack("dave@example.test", req)
        tap.ok(t is not None and ack is not None, "a normal request after them is acknowledged")

        for label, mid, to in sent:
            tap.eq(s.sink_to(to), [], "%s: no mail sent to %s" % (label, to))
            tap.eq(s.messages(to), [], "%s: %s's INBOX stays empty" % (label, to))
            answers = [harness.header(m, "X-Sink-Rcpt-To") for m in s.sink()
                       if harness.norm_id(harness.header(m, "In-Reply-To")) == mid]
            tap.eq(answers, [], "%s: nothing anywhere answers it" % label)
        tap.ok(d.stop(), "daemon stops cleanly on SIGTERM")


main()
