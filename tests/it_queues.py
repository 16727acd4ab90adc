#!/usr/bin/python3
"""Queues with their own voice (postdesk.conf(5) "QUEUES"), against the
real servers: support@ (tag ACME, English, IMAPS) and billing@ (tag BILL,
Russian, a signature, STARTTLS) as two queues, each fed by its own source,
while two more sources are down: one port with nothing listening, one
server that accepts and never answers.

A client writing to billing@ gets everything from billing@ under [BILL#N]
in Russian; Olga (billing) is told, John (support) is not; her answer is
relayed from billing@; the client's replies thread back into the same
ticket in queue billing.  "#queue support" moves it, John is told, and his
answer goes out from support@ under [ACME#N].  "#client" with "#queue
billing" files the new ticket into billing.  An unknown queue changes
nothing; "#очередь" is the Russian alias.  `postdesk deliver --source`
feeds the source's queue; a queue's address wins over it.""" 
import email.utils
import os
import signal
import socket
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness
from harness import (header, build_mail, plain_text, wait_until, wait_mail, outbox_of,
                     agent_reply, events_named, act, kinds_to, OLGA, OLGA_ADDR, JOHN_ADDR,
                     SUPPORT, TEAM)

BILLING = "billing@example.test"
DAN = "Dan Brown <dan@example.test>"
DAN_ADDR = "dan@example.test"
FRANK_ADDR = "frank@example.test"
SIGNATURE = "Отдел расчётов ACME, +7 495 000-00-00"
DKIM_OK = ("Authentication-Results",
           "mx.example.test; dkim=pass header.d=example.test header.s=mail; spf=pass")


def bill(n):
    return "[BILL#%d]" % n


def acme(n):
    return "[ACME#%d]" % n


def from_of(m):
    name, addr = email.utils.parseaddr(header(m, "From") or "")
    return name, addr.lower()


def envelope_from(s, m):
    mid = harness.norm_id(header(m, "Message-ID"))
    return [header(c, "X-Sink-Mail-From") for c in s.sink()
            if harness.norm_id(header(c, "Message-ID")) == mid]


def free_port():
    with socket.socket() as so:
        so.bind(("127.0.0.1", 0))
        return so.getsockname()[1]


def config(s, dead_port, hang_port):
    d = s.dir
    src = {"host": "localhost", "ca_file": s.cafile,
           "password_file": os.path.join(d, "imap.pw"), "folder": "INBOX",
           "processed_folder": "Processed", "poll_interval": 5, "timeout": 10}
    sources = [
        dict(src, name="support", port=s.imaps_port, tls="implicit", user=SUPPORT,
             queue="support"),
        dict(src, name="billing", port=s.base + 143, tls="starttls", user=BILLING,
             queue="billing"),
        # Down: nothing listens there.
        dict(src, name="dead", port=dead_port, tls="implicit", user="dead@example.test",
             queue="support"),
        # Slow: accepts and never says a word; a long timeout.
        dict(src, name="hang", port=hang_port, tls="implicit", user="hang@example.test",
             queue="billing", timeout=300),
    ]
    queues = [
        {"name": "support", "addresses": [SUPPORT], "display_name": "ACME Support",
         "tag": "ACME", "language": "en"},
        {"name": "billing", "addresses": [BILLING], "display_name": "ACME Billing",
         "tag": "BILL", "language": "ru", "signature": SIGNATURE,
         "lead": "Olga Ivanova"},
    ]
    agents = [
        {"name": "Olga Ivanova", "addresses": [OLGA_ADDR], "role": "lead",
         "queues": ["billing"], "language": "ru"},
        {"name": "John Smith", "addresses": [JOHN_ADDR], "role": "agent",
         "queues": ["support"], "language": "en"},
    ]
    return harness.agent_config(s, sources=sources, queues=queues, agents=agents)


def billing_request(s):
    """A client writes (in English) to billing@: everything from billing@."""
    tap = s.tap
    label = "billing request"
    t0 = time.time()
    req = s.inject(build_mail(DAN, "Invoice 2024-117 charged twice",
                              "Hello, my card was charged twice for invoice 2024-117.",
                              to=BILLING), rcpt=BILLING)
    t = s.wait_ticket_of(req)
    if not tap.ok(t is not None, "%s: becomes a ticket while two sources are down" % label):
        s.report_daemon_state()
        return None, None
    tap.ok(time.time() - t0 < 20, "%s: filed within 20 s (a hanging source stalls nothing)"
           % label, "took %.1f s" % (time.time() - t0))
    n = t["number"]
    tap.eq(t["queue"], "billing", "%s: in queue billing" % label)
    ack = wait_mail(s, DAN_ADDR, "ack", n)
    if not tap.ok(ack is not None, "%s: ack arrives" % label):
        return n, None
    subject = header(ack, "Subject") or ""
    text = plain_text(ack)
    tap.eq(from_of(ack), ("ACME Billing", BILLING), "%s: ack From billing@" % label)
    tap.ok(bill(n) in subject and acme(n) not in subject,
           "%s: ack subject carries %s" % (label, bill(n)), subject)
    tap.ok("Спасибо" in text, "%s: ack in Russian (the queue's language)" % label, text)
    tap.ok(BILLING in text and SUPPORT not in text,
           "%s: ack says to write to billing@" % label, text)
    tap.ok(SIGNATURE in text, "%s: ack ends with billing's signature" % label, text)
    tap.eq((header(ack, "X-Postdesk-Ticket") or "").strip(), "BILL#%d" % n,
           "%s: X-Postdesk-Ticket" % label)
    olga = wait_mail(s, OLGA_ADDR, "agent_message", n)
    tap.ok(olga is not None, "%s: Olga (billing) is told" % label)
    tap.eq(outbox_of(s, "agent_message", n, JOHN_ADDR), [],
           "%s: John (support) is not told" % label)
    if olga is not None:
        tap.eq(from_of(olga)[1], BILLING, "%s: agent mail comes from billing@" % label)
        tap.ok("ACME Billing" in from_of(olga)[0], "%s: ... named ACME Billing" % label,
               from_of(olga)[0])
        tap.ok(SIGNATURE not in plain_text(olga), "%s: no client signature for agents"
               % label)
    return n, olga


def answer_and_replies(s, n, olga):
    tap = s.tap
    label = "answer"
    text = "Dan, the second charge is refunded; you will see it in 3 days."
    where, caused = act(s, agent_reply(OLGA, olga, text, to=BILLING), rcpt=BILLING)
    tap.ok(where is not None and where[0] == n, "%s: stored in #%d" % (label, n),
           "stored as %r" % (where,))
    tap.eq(kinds_to(caused, DAN_ADDR), ["answer"], "%s: relayed to the client" % label)
    ans = wait_mail(s, DAN_ADDR, "answer", n)
    if not tap.ok(ans is not None, "%s: arrives" % label):
        return
    name, addr = from_of(ans)
    tap.eq(addr, BILLING, "%s: From billing@" % label)
    tap.ok("ACME Billing" in name and "Olga" in name, "%s: From names Olga of ACME Billing"
           % label, name)
    tap.ok(bill(n) in (header(ans, "Subject") or ""), "%s: subject carries %s"
           % (label, bill(n)), header(ans, "Subject"))
    tap.ok(SIGNATURE in plain_text(ans), "%s: signed by billing" % label)
    env = envelope_from(s, ans)
    local, _, dom = BILLING.partition("@")
    tap.ok(len(env) == 1 and env[0].startswith("<%s+bounce-" % local)
           and env[0].endswith("@%s>" % dom),
           "%s: envelope sender billing@ with the mail's id (VERP)" % label, env)

    # The client's reply threads back into the same ticket in billing.
    label = "client reply"
    mid = header(ans, "Message-ID")
    raw = build_mail(DAN, "Re: " + (header(ans, "Subject") or ""),
                     "Thanks! Will the refund show as a separate line?", to=BILLING,
                     headers=[("In-Reply-To", mid), ("References", mid)])
    where, caused = act(s, raw, rcpt=BILLING)
    tap.ok(where is not None and where[0] == n, "%s: joins #%d" % (label, n),
           "stored as %r" % (where,))
    tap.eq(s.show(n)["queue"], "billing", "%s: still in billing" % label)
    tap.eq(kinds_to(caused, OLGA_ADDR), ["agent_message"], "%s: Olga is told" % label)

    # A new mail with only the subject token of billing's tag.
    label = "token reply"
    raw = build_mail(DAN, "%s one more question" % bill(n),
                     "And can I get the corrected invoice as PDF?", to=BILLING)
    where, caused = act(s, raw, rcpt=BILLING)
    tap.ok(where is not None and where[0] == n, "%s: %s threads into #%d"
           % (label, bill(n), n), "stored as %r" % (where,))
    tap.eq(len([t for t in s.tickets()]), 1, "%s: no new ticket" % label)


def move(s, n, olga):
    tap = s.tap
    label = "#queue support"
    where, caused = act(s, agent_reply(OLGA, olga, "#queue support", to=BILLING),
                        rcpt=BILLING)
    tap.ok(where is not None and where[0] == n, "%s: stored in #%d" % (label, n))
    t = s.show(n)
    tap.eq(t["queue"], "support", "%s: the ticket moves" % label)
    ev = events_named(t, "queue")
    tap.ok(ev and "billing -> support" in ev[-1].get("detail", ""),
           "%s: an event records it" % label, repr(ev))
    tap.eq(kinds_to(caused, JOHN_ADDR), ["agent_queue"], "%s: John (support) is told" % label)
    tap.eq(kinds_to(caused, OLGA_ADDR), [], "%s: the mover is not told" % label)
    tap.eq(kinds_to(caused, DAN_ADDR), [], "%s: the client is not told" % label)
    told = wait_mail(s, JOHN_ADDR, "agent_queue", n)
    if not tap.ok(told is not None, "%s: John's mail arrives" % label):
        return
    tap.ok("billing" in plain_text(told) and "support" in plain_text(told),
           "%s: it names both queues" % label, plain_text(told))

    # John answers: now the ticket speaks as support@.
    label = "after the move"
    where, caused = act(s, agent_reply("John Smith <%s>" % JOHN_ADDR, told,
                                       "Dan, support here: the PDF is attached to your "
                                       "account page now."), rcpt=SUPPORT)
    tap.eq(kinds_to(caused, DAN_ADDR), ["answer"], "%s: John's answer is relayed" % label)
    ids = {harness.norm_id(e["message_id"]) for e in caused if e["kind"] == "answer"}
    ans = wait_until(lambda: [m for m in harness.mails_of_kind(s, DAN_ADDR, "answer", n)
                              if harness.norm_id(header(m, "Message-ID")) in ids])
    if tap.ok(ans, "%s: it arrives" % label):
        a = ans[0]
        tap.eq(from_of(a)[1], SUPPORT, "%s: From support@" % label)
        tap.ok(acme(n) in (header(a, "Subject") or ""), "%s: subject carries %s"
               % (label, acme(n)), header(a, "Subject"))
        tap.ok(SIGNATURE not in plain_text(a), "%s: billing's signature is gone" % label)

    # An unknown queue: a transcript, nothing changed.
    label = "#queue nosuch"
    where, caused = act(s, agent_reply(OLGA, olga, "#queue nosuch\n#priority high",
                                       to=BILLING), rcpt=BILLING)
    t = s.show(n)
    tap.eq((t["queue"], t["priority"]), ("support", "normal"), "%s: nothing changed" % label)
    tr = [e for e in caused if e["kind"] == "transcript"]
    tap.eq(kinds_to(caused, OLGA_ADDR), ["transcript"], "%s: Olga gets a transcript" % label)
    mail = wait_mail(s, OLGA_ADDR, "transcript", n)
    tap.ok(mail is not None and "FAILED" in plain_text(mail) and "no such queue"
           in plain_text(mail), "%s: the transcript says why" % label,
           plain_text(mail) if mail else repr(tr))

    # The Russian alias moves it back.
    label = "#очередь billing"
    where, caused = act(s, agent_reply(OLGA, olga, "#очередь billing", to=BILLING),
                        rcpt=BILLING)
    tap.eq(s.show(n)["queue"], "billing", "%s: back in billing" % label)


def client_command(s):
    tap = s.tap
    label = "#client + #queue billing"
    before = {x["number"] for x in s.tickets()}
    raw = build_mail(OLGA, "Phone call: refund for invoice 2024-200",
                     "#client %s\n#queue billing\n\nFrank called about a refund." % FRANK_ADDR,
                     headers=[DKIM_OK])
    where, caused = act(s, raw, rcpt=SUPPORT)
    if not tap.ok(where is not None and where[0] and where[0] not in before,
                  "%s: a new ticket" % label, "stored as %r" % (where,)):
        return
    m = where[0]
    t = s.show(m)
    tap.eq((t["requester"], t["queue"]), (FRANK_ADDR, "billing"),
           "%s: Frank's ticket in billing (mail to support@)" % label)
    tap.eq(kinds_to(caused, FRANK_ADDR), ["ack"], "%s: Frank gets the ack" % label)
    ack = wait_mail(s, FRANK_ADDR, "ack", m)
    if tap.ok(ack is not None, "%s: ack arrives" % label):
        tap.eq(from_of(ack)[1], BILLING, "%s: ack From billing@" % label)
        tap.ok(bill(m) in (header(ack, "Subject") or "") and "Спасибо" in plain_text(ack),
               "%s: ack under %s in Russian" % (label, bill(m)), header(ack, "Subject"))

    label = "#client alone"
    raw = build_mail(OLGA, "Phone call: password reset",
                     "#client %s\n\nFrank cannot log in." % FRANK_ADDR, headers=[DKIM_OK])
    where, caused = act(s, raw, rcpt=SUPPORT)
    if tap.ok(where is not None and where[0], "%s: a new ticket" % label):
        tap.eq(s.show(where[0])["queue"], "support",
               "%s: files into the queue it was written to" % label)


def deliver(s):
    tap = s.tap
    for label, args, to, want in (
            ("deliver --source billing", ["--source", "billing"], "desk@example.test",
             "billing"),
            ("deliver --source support to billing@", ["--source", "support"], BILLING,
             "billing"),
            ("deliver --source support", ["--source", "support"], "desk@example.test",
             "support")):
        raw = build_mail("Eve <eve@example.test>", "Question " + label, "Body of " + label,
                         to=to)
        r = subprocess.run([harness.POSTDESK, "-c", s.conf, "deliver"] + args, input=raw,
                           capture_output=True, timeout=30)
        tap.ok(r.returncode == 0, "%s: exit 0" % label, r.stderr)
        t = s.wait_ticket_of(harness.msgid_of(raw), timeout=10)
        tap.eq(t and t["queue"], want, "%s: files into %s" % (label, want))


def sources_down(s, d):
    tap = s.tap
    tap.ok(d.log_has("source=dead", "event=connect-failed"),
           "the dead source keeps failing, logged")
    tap.ok(not d.log_has("source=hang", "event=connected"),
           "the hanging source never connected")
    tap.ok(d.log_has("source=billing", "event=connected") and
           d.log_has("source=support", "event=connected"),
           "billing and support sources connected")


def reload_and_stop(s, d):
    """A reload and a stop wait for no source: the hanging one is cut off."""
    tap = s.tap
    t0 = time.time()
    d.signal(signal.SIGHUP)
    done = wait_until(lambda: d.log_has("event=reloaded"), 30)
    took = time.time() - t0
    tap.ok(done and took < 10, "SIGHUP: reloaded within 10 s although a source hangs",
           "took %.1f s" % took)
    req = s.inject(build_mail("Eve <eve@example.test>", "After the reload",
                              "Mail still flows.", to=BILLING), rcpt=BILLING)
    t = s.wait_ticket_of(req, timeout=20)
    tap.ok(t is not None and t["queue"] == "billing", "SIGHUP: mail flows after it")
    t0 = time.time()
    stopped = d.stop(timeout=30)
    took = time.time() - t0
    tap.ok(stopped and took < 10, "SIGTERM: stops cleanly within 10 s although a source "
           "hangs", "took %.1f s" % took)


def main():
    with harness.Session("it_queues", base=57400) as s:
        dead = free_port()
        hang = socket.socket()
        hang.bind(("127.0.0.1", 0))
        hang.listen(16)  # the kernel accepts; nobody ever answers
        conf = config(s, dead, hang.getsockname()[1])
        rc, out = s.check_config(conf)
        s.tap.ok(rc == 0, "postdeskd -n accepts the queues", out)
        d = s.daemon(conf)
        d.start()
        n, olga = billing_request(s)
        if n and olga:
            answer_and_replies(s, n, olga)
            move(s, n, olga)
        client_command(s)
        deliver(s)
        sources_down(s, d)
        reload_and_stop(s, d)
        hang.close()


if __name__ == "__main__":
    main()
