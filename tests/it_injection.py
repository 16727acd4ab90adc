#!/usr/bin/python3
"""Header injection through the Subject and display names (issue 7, §5).

A client's RFC 2047 encoded-word may decode to line breaks: LF, CRLF,
U+2028.  Before the fix, an encoded LF + "Subject: x" replaced the ack's
Subject (the ticket token was gone), and an encoded blank line put the
attacker's text above the greeting.  Each ack must keep its token in one
Subject header, carry no header the client wrote, and start with the
greeting; the stored subject and name are one line.  An encoded-word name
that reads like an agent's address must not make its sender that agent."""
import email.utils
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness
from harness import header, norm_id, plain_text, token

CLIENT = "client@example.test"
CLIENT2 = "client2@example.test"
EVIL = "evil@attacker.test"
BREAKS = ("\r", "\n", "\x0b", "\x0c", "\x85", "\u2028", "\u2029")


def raw_mail(from_hdr, subject_hdr, body, mid=None):
    """Bytes exactly as written: the headers are already encoded."""
    mid = mid or harness.make_msgid("inj")
    text = ("From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: %s\r\n"
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
            "Content-Transfer-Encoding: 8bit\r\n\r\n%s\r\n"
            % (from_hdr, harness.SUPPORT, subject_hdr,
               email.utils.formatdate(localtime=True), mid, body))
    return text.encode("utf-8")


def head_lines(raw):
    """The header lines of raw bytes, unfolded continuation lines kept apart."""
    end = raw.find(b"\r\n\r\n")
    if end < 0:
        end = raw.find(b"\n\n")
    return raw[:end].decode("utf-8", "replace").splitlines()


def raw_acks(s, user, req):
    return [r for r in s.messages(user) if norm_id(header(r, "In-Reply-To")) == norm_id(req)]


def one_line(text):
    return text is not None and not any(c in text for c in BREAKS)


def check_ack(s, label, user, req, number, greeting):
    tap = s.tap
    raws = harness.wait_until(lambda: raw_acks(s, user, req))
    if not tap.ok(raws, "%s: ack arrives" % label):
        s.report_daemon_state()
        return
    raw = raws[0]
    ack = harness.parse(raw)
    subjects = ack.get_all("Subject") or []
    tap.eq(len(subjects), 1, "%s: exactly one Subject header" % label)
    subject = str(subjects[0]) if subjects else ""
    tap.ok(subject.startswith(token(number)),
           "%s: ack Subject starts with %s" % (label, token(number)), "subject: %r" % subject)
    tap.ok(one_line(subject), "%s: ack Subject is one line" % label, "subject: %r" % subject)
    names = [l.split(":", 1)[0].strip().lower() for l in head_lines(raw)
             if l and l[0] not in " \t"]
    tap.ok(not {"bcc", "x-injected", "cc"} & set(names),
           "%s: no header the client wrote" % label, "headers: %r" % names)
    tap.ok(not any(l.lower().startswith(("attacker", "x-injected", "bcc"))
                   for l in head_lines(raw)),
           "%s: no header line starts with the client's text" % label)
    body = plain_text(ack)
    tap.ok(body.startswith(greeting), "%s: body starts with the greeting" % label,
           "body starts: %r" % body[:120])
    first = body.split("\n", 1)[0].rstrip("\r")
    tap.ok("attacker" not in body.split(greeting, 1)[0] and one_line(first),
           "%s: greeting is one line, no text above it" % label, "first line: %r" % first)


def stored_one_line(s, number, label):
    t = s.show(number)
    tap = s.tap
    tap.ok(one_line(t["subject"]), "%s: stored ticket subject is one line" % label,
           "subject: %r" % t["subject"])
    tap.ok(one_line(t["requester_name"]), "%s: stored requester name is one line" % label,
           "name: %r" % t["requester_name"])
    tap.ok(all(one_line(m.get("subject")) and one_line(m.get("from_name"))
               for m in t["messages"]),
           "%s: stored message subject and name are one line" % label)


def new_ticket(s, label, sender, raw):
    req = s.inject(raw, sender=sender)
    t = s.wait_ticket_of(req)
    if not s.tap.ok(t is not None, "%s: request becomes a ticket" % label):
        s.report_daemon_state()
        return None, req
    return t["number"], req


def main():
    with harness.Session("it_injection", base=52700) as s:
        tap = s.tap
        d = s.daemon(s.write_config())
        d.start()

        # a. The reported attack: encoded LF + "Subject: x" + blank line.
        n, req = new_ticket(s, "LF", CLIENT, raw_mail(
            "Client <%s>" % CLIENT,
            "=?utf-8?q?VPN_down=0ASubject:_x=0A=0Aattacker_text?=",
            "The VPN is down."))
        if n:
            check_ack(s, "LF", CLIENT, req, n, "Hello Client,")
            stored_one_line(s, n, "LF")
            tap.ok(s.show(n)["subject"].startswith("VPN down Subject: x"),
                   "LF: stored subject keeps the text on one line",
                   "subject: %r" % s.show(n)["subject"])

        # b. CRLF, Bcc and another header; NEL and U+2028 (B-word); VT, FF.
        n, req = new_ticket(s, "CRLF", CLIENT2, raw_mail(
            "=?utf-8?b?RXZlDQpCY2M6IHNweUBhdHRhY2tlci50ZXN04oCoYXR0YWNrZXI=?= <%s>"
            % CLIENT2,
            "=?utf-8?q?Printer=0D=0ABcc:_spy=40attacker.test=0D=0AX-Injected:_1"
            "=C2=85=E2=80=A8=0B=0C=0D=0A=0D=0Aattacker_text?=",
            "The printer jams."))
        if n:
            check_ack(s, "CRLF", CLIENT2, req, n,
                      "Hello Eve Bcc: spy@attacker.test attacker,")
            stored_one_line(s, n, "CRLF")
            tap.eq(s.sink_to("spy@attacker.test"), [], "CRLF: nothing sent to the Bcc")

        # c. An encoded-word name that reads like an agent's address is a
        # name: the sender is the addr-spec, a client, not agent Olga.
        n, req = new_ticket(s, "encoded @", EVIL, raw_mail(
            "=?utf-8?q?olga=40example.test?= <%s>" % EVIL,
            "Please reset my password", "Reset it."))
        if n:
            t = s.show(n)
            tap.eq(t["requester"], EVIL, "encoded @: the requester is the addr-spec")
            tap.eq(t["requester_name"], "olga@example.test",
                   "encoded @: the decoded name stays a name")
            ack = s.wait_outbox(lambda e: e["ticket"] == n and e["kind"] == "ack")
            tap.ok(ack is not None and ack["rcpt"].lower() == EVIL,
                   "encoded @: the ack goes to the addr-spec", "outbox: %r" % (ack,))
            note = harness.wait_mail(s, harness.OLGA_ADDR, "agent_message", n)
            frm = header(note, "From") if note else None
            name = email.utils.parseaddr(frm or "")[0]
            tap.ok(note is not None and not name.lower().startswith("olga@")
                   and EVIL in name,
                   "encoded @: agents see the real address in From", "From: %r" % frm)

        # d. A Message-ID whose encoded-word decodes to CRLF + a header:
        # the ack repeats request ids in In-Reply-To and References.
        s.inject(raw_mail("Client <%s>" % CLIENT, "Hostile id", "My id is odd.",
                          mid="<a=?utf-8?q?=0D=0AX-Injected:_1?=@client.example.test>"),
                 sender=CLIENT)
        t = harness.wait_until(lambda: [x for x in s.tickets() if x["subject"] == "Hostile id"])
        if tap.ok(t, "hostile id: request becomes a ticket"):
            n = t[0]["number"]
            e = s.wait_outbox(lambda e: e["ticket"] == n and e["kind"] == "ack")
            want = norm_id(e["message_id"]) if e else None
            raw = harness.wait_until(lambda: [r for r in s.messages(CLIENT)
                                              if norm_id(header(r, "Message-ID")) == want])
            if tap.ok(raw, "hostile id: ack arrives"):
                lines = head_lines(raw[0])
                tap.ok(not any(l.lower().startswith("x-injected") for l in lines),
                       "hostile id: no header line from the id", "headers: %r" % lines)
                tap.ok(token(n) in (header(raw[0], "Subject") or ""),
                       "hostile id: ack Subject carries %s" % token(n))

        tap.ok(d.stop(), "daemon stops cleanly on SIGTERM")


main()
