#!/usr/bin/python3
"""The note leak guard's policy and order (postdesk.conf(5) THREAT MODEL; postdesk.conf(5)
"Internal notes"): with binary_attachments = "hold" an answer carrying a
file the guard cannot read (an image) goes back to its agent, nothing to
the client, until the agent confirms by replying to that mail, while a text
file is read and relayed; a note written in the
same mail as a command that sends a template to a client (#client, whose
ack quotes the subject) guards that template already, so the note's
password-like secret in the subject never reaches the client; a bad
binary_attachments value is a file:line error of postdeskd -n."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness
from harness import (build_mail, plain_text, wait_until, wait_mail, agent_reply, act,
                     kinds_to, client_request, events_named, text_parts,
                     OLGA, JOHN, OLGA_ADDR)

KATE = "Kate Miller <kate@example.test>"
KATE_ADDR = "kate@example.test"
LENA_ADDR = "lena@example.test"
SHOT = ("screenshot.png", "image/png", b"\x89PNG\r\n\x1a\n\x00" + bytes(range(256)) * 4)
LOG = ("install.log", "application/octet-stream", b"step 1 ok\nstep 2 failed: disk full\n")
DKIM_OK = ("Authentication-Results",
           "mx.example.test; dkim=pass header.d=example.test header.s=mail; spf=pass")
SECRET = "Qz7#Lm2x9k"


def hold(s):
    tap = s.tap
    n, _ = client_request(s, "hold", KATE, "Printer jams", "The printer on floor 2 jams.")
    if not n:
        return
    notif = wait_mail(s, OLGA_ADDR, "agent_message", n)
    if not tap.ok(notif is not None, "hold: Olga gets agent_message"):
        return
    where, caused = act(s, agent_reply(OLGA, notif, "Please see the attached picture.",
                                       attachments=[SHOT]))
    tap.ok(where is not None, "hold: the answer is stored")
    tap.eq(kinds_to(caused, KATE_ADDR), [], "hold: an image is not relayed to the client")
    tap.eq(kinds_to(caused, OLGA_ADDR), ["guard_held"], "hold: it goes back to the agent")
    back = wait_mail(s, OLGA_ADDR, "guard_held", n)
    # Olga reads Russian: "не текст" is "not text".
    tap.ok(back is not None and "screenshot.png" in plain_text(back) and
           "не текст" in plain_text(back), "hold: the agent is told which file and why",
           back and plain_text(back))
    tap.eq(len(events_named(s.show(n), "guard")), 1, "hold: recorded as a guard event")
    where, caused = act(s, agent_reply(OLGA, notif, "Here is the log of the install.",
                                       attachments=[LOG]))
    tap.eq(kinds_to(caused, KATE_ADDR), ["answer"],
           "hold: a text file (any declared type) is read and relayed")
    if back is None:
        return
    # The agent confirms: a reply to guard_held with the file again.
    where, caused = act(s, agent_reply(OLGA, back, "Please see the attached picture.",
                                       attachments=[SHOT]))
    tap.eq(kinds_to(caused, KATE_ADDR), ["answer"], "hold: a reply to guard_held confirms it")
    ans = [m for m in harness.mails_of_kind(s, KATE_ADDR, "answer", n)
           if SHOT[0] in harness.attachments_of(m)] if wait_until(
        lambda: [m for m in harness.mails_of_kind(s, KATE_ADDR, "answer", n)
                 if SHOT[0] in harness.attachments_of(m)], 30) else []
    tap.ok(ans and harness.attachments_of(ans[0])[SHOT[0]] == SHOT[2],
           "hold: the client gets the confirmed file")


def note_before_template(s):
    tap = s.tap
    label = "#client with #note"
    raw = build_mail(JOHN, "VPN access %s" % SECRET,
                     "#client %s\n#note the VPN password is %s\n" % (LENA_ADDR, SECRET),
                     headers=[DKIM_OK])
    where, caused = act(s, raw)
    if not tap.ok(where is not None and where[1] == "note",
                  "%s: stored as a note of the new ticket" % label, "stored as %r" % (where,)):
        return
    tap.eq(s.show(where[0])["requester"], LENA_ADDR, "%s: the ticket is Lena's" % label)
    tap.eq(kinds_to(caused, LENA_ADDR), [],
           "%s: the ack quoting the note's secret is not queued" % label)
    wait_until(lambda: all(e["status"] == "sent" for e in s.outbox()), 30)
    got = [m for m in (harness.parse(r) for r in s.messages(LENA_ADDR))
           if SECRET.casefold() in "\n".join(text_parts(m)).casefold()]
    tap.eq(got, [], "%s: no mail to the client holds the secret" % label)


def bad_value(s):
    tap = s.tap
    path = harness.agent_config(s, gateway_binary_attachments="maybe")
    rc, out = s.check_config(path)
    tap.ok(rc != 0 and "binary_attachments" in out and ":" in out,
           "binary_attachments = \"maybe\": refused with file:line", out)


def main():
    with harness.Session("it_agent_leakguard", base=51700) as s:
        tap = s.tap
        bad_value(s)
        d = s.daemon(harness.agent_config(s, gateway_binary_attachments="hold"))
        d.start()
        hold(s)
        note_before_template(s)
        tap.ok(d.stop(), "daemon stops cleanly on SIGTERM")


main()
