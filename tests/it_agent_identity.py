#!/usr/bin/python3
"""Who is an agent (postdesk.conf(5) THREAT MODEL): mail From an agent's address that answers no
Message-ID we sent to that agent and has no trusted DKIM pass is held
(`postdesk held`), the agent gets a challenge at the configured address,
the ticket does not change and the client gets nothing.  Replying to the
challenge releases the held mail as the agent's.  Authentication-Results
from the trusted authserv-id with dkim=pass for the agent's domain is
proof; an untrusted authserv-id, a look-alike domain, a failed or a
mismatched result are not, nor are forged results hidden in values or
comments, other methods, headers below a foreign Received, or a pass next
to a trusted failure; such a failure also overrides a reply to our id.
Incoming X-Postdesk-* headers steer nothing."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness
from harness import (header, build_mail, norm_id, norm_text, plain_text, token,
                     wait_until, wait_mail, outbox_of, agent_reply, act, kinds_to,
                     OLGA, JOHN, OLGA_ADDR, JOHN_ADDR, TEAM)

HANA = "Hana Kim <hana@example.test>"
HANA_ADDR = "hana@example.test"
MALLORY = "Mallory <mallory@example.test>"
FIELDS = ("status", "priority", "type", "assignee", "tags", "time", "participants", "due",
          "first_response", "merged_into")


def state(t):
    return {k: (sorted(t[k]) if k in ("tags", "participants") else t[k]) for k in FIELDS}


def ar(value):
    return ("Authentication-Results", value)


def new_ticket(s, label, subject, body, sender=HANA):
    return harness.agent_ticket(s, label, sender, subject, body, ack_to=HANA_ADDR)


def held_row(s, msgid):
    want = norm_id(msgid)
    return next((h for h in harness.held(s) if norm_id(h["message_id"]) == want), None)


def is_held(s, label, n, raw, agent="Olga Ivanova", addr=OLGA_ADDR, client=HANA_ADDR,
            challenge=True):
    """raw is held: listed, challenged, no change, nothing for the client.
    Returns the challenge mail (or None)."""
    tap = s.tap
    before = state(s.show(n)) if n else None
    seen = {e["id"] for e in s.outbox()}
    mid = s.inject(raw)
    row = wait_until(lambda: held_row(s, mid))
    if not tap.ok(row is not None, "%s: held" % label, "held: %r" % harness.held(s)):
        return None
    tap.eq((row["status"], row["agent"]), ("held", agent), "%s: status held, agent %s"
           % (label, agent))
    tap.eq(harness.stored_as(s, mid), None, "%s: not stored in any ticket" % label)
    caused = [e for e in s.outbox() if e["id"] not in seen]
    if n:
        tap.eq(state(s.show(n)), before, "%s: the ticket does not change" % label)
    tap.eq(kinds_to(caused, client), [], "%s: nothing for the client" % label)
    if not challenge:
        return None
    tap.eq([(e["kind"], e["rcpt"]) for e in caused], [("challenge", addr)],
           "%s: only a challenge, to the agent's configured address" % label)
    ch = wait_until(lambda: [m for m in harness.mails_of_kind(s, addr, "challenge")
                             if norm_id(header(m, "In-Reply-To")) == norm_id(mid)])
    if not tap.ok(ch, "%s: the challenge arrives" % label,
                  "outbox: %r" % outbox_of(s, "challenge")):
        return None
    return ch[0]


def forged(s):
    """Forged mail with Olga's From, in several disguises, and the real
    Olga confirming one of them."""
    tap = s.tap
    n, req, got = new_ticket(s, "forged", "Cannot log in", "I cannot log in since today.")
    if not n:
        return
    subject = "Re: %s Cannot log in" % token(n)
    text = "Hana, your password was reset; please check your mail."
    # 1. No headers at all.
    raw1 = build_mail(OLGA, subject, "#resolve\n#priority low\n\n" + text)
    ch = is_held(s, "forged: plain", n, raw1)
    if ch is not None:
        tap.ok(token(n) in (header(ch, "Subject") or "") or "Cannot log in" in
               (header(ch, "Subject") or ""), "forged: challenge names the held mail",
               header(ch, "Subject"))
        tap.ok(norm_text(text) in norm_text(plain_text(ch)), "forged: challenge quotes the held text")
    # 2. Replying to the client's own Message-ID (stored, but not ours to Olga).
    is_held(s, "forged: In-Reply-To the client's mail", n,
            build_mail(OLGA, subject, "#close\n\nClosing.",
                       headers=[("In-Reply-To", "<%s>" % req), ("References", "<%s>" % req)]))
    # 3. Replying to the notification sent to John, with Olga's From.
    jid = header(got[JOHN_ADDR], "Message-ID")
    is_held(s, "forged: answers John's notification", n,
            build_mail(OLGA, subject, "#assign John Smith\n\nHana, see above.",
                       headers=[("In-Reply-To", jid), ("References", jid)]))
    # 4. Upper case address and another display name.
    is_held(s, "forged: OLGA@EXAMPLE.TEST", n,
            build_mail("Support Lead <OLGA@EXAMPLE.TEST>", subject, "#take\n\nOn it."))
    # 5. A made-up challenge reply.
    fake = "<pd.0.00000000.c00000000.0000000000000000@example.test>"
    is_held(s, "forged: made-up challenge id", n,
            build_mail(OLGA, "Re: [postdesk] Please confirm", "Yes, it was me.",
                       headers=[("In-Reply-To", fake), ("References", fake)]))
    # 6. Steering headers do not help.
    is_held(s, "forged: X-Postdesk-* headers", n,
            build_mail(OLGA, subject, "#resolve\n\nDone.",
                       headers=[("X-Postdesk-Agent", "Olga Ivanova"),
                                ("X-Postdesk-Verified", "yes"),
                                ("X-Postdesk-Ticket", "%s#%d" % (harness.TAG, n))]))
    # 7. A forged note and a forged #client.
    is_held(s, "forged: #note", n, build_mail(OLGA, subject, "#note\nForged internal remark."))
    is_held(s, "forged: #client", 0,
            build_mail(OLGA, "Phone call", "#client victim@example.test\n\nCall me back."),
            client="victim@example.test")
    tap.eq([t for t in s.tickets() if t["requester"] == "victim@example.test"], [],
           "forged: #client opens no ticket")
    # 8. An agent's auto-reply without proof: kept, no challenge, no change.
    before = state(s.show(n))
    seen = {e["id"] for e in s.outbox()}
    mid = s.inject(build_mail(OLGA, "Out of office: " + subject,
                              "I am out of the office until Monday.",
                              headers=[("Auto-Submitted", "auto-replied")]), sender="")
    wait_until(lambda: harness.stored_as(s, mid), 20)
    tap.eq([e["kind"] for e in s.outbox() if e["id"] not in seen], [],
           "forged: an unproven agent auto-reply gets no challenge")
    tap.eq(state(s.show(n)), before, "forged: ... and changes nothing")
    tap.eq(outbox_of(s, "answer", n), [], "forged: no answer ever queued")

    # The real Olga replies to the first challenge: the held mail is hers.
    if ch is None:
        return
    where, caused = act(s, agent_reply(OLGA, ch, "Да, это я.", style="thunderbird"))
    row = wait_until(lambda: (held_row(s, harness.msgid_of(raw1)) or {}).get("status")
                     == "released" and held_row(s, harness.msgid_of(raw1)))
    tap.ok(row, "confirmed: the held mail is released", "held: %r" % harness.held(s))
    tap.eq(harness.stored_as(s, harness.msgid_of(raw1)), (n, "agent"),
           "confirmed: the held mail is stored in #%d as the agent's" % n)
    t = s.show(n)
    tap.eq((t["status"], t["priority"]), ("resolved", "low"), "confirmed: its commands apply")
    ans = wait_mail(s, HANA_ADDR, "answer", n)
    tap.ok(ans is not None and norm_text(plain_text(ans)) == norm_text(text),
           "confirmed: its answer reaches the client", ans and plain_text(ans))
    tap.eq(len(outbox_of(s, "answer", n)), 1, "confirmed: exactly one answer")
    tap.ok(wait_mail(s, HANA_ADDR, "status_resolved", n) is not None,
           "confirmed: status_resolved to the client")
    others = [h for h in harness.held(s) if norm_id(h["message_id"]) != harness.msgid_of(raw1)]
    tap.ok(others and all(h["status"] == "held" for h in others),
           "confirmed: the other forged mails stay held", others)
    # A second confirmation releases nothing twice.
    where, caused = act(s, agent_reply(OLGA, ch, "Ещё раз да.", style=None))
    tap.eq([e["kind"] for e in caused if e["kind"] == "answer"], [],
           "confirmed twice: no second answer")


def dkim(s):
    tap = s.tap
    n, req, got = new_ticket(s, "dkim", "Printer jammed", "The printer is jammed.")
    if not n:
        return
    subject = "Re: %s Printer jammed" % token(n)
    accepted = [
        ("trusted pass", "mx.example.test; dkim=pass header.d=example.test header.s=sel",
         "#priority high", ("priority", "high")),
        ("trusted pass, header.i", "mx.example.test; dkim=pass header.i=@example.test",
         "#type bug", ("type", "bug")),
        ("trusted pass, mixed case", "MX.Example.Test; DKIM=pass header.d=Example.Test",
         "#tag +dkim", ("tags", ["dkim"])),
    ]
    for label, value, body, (field, want) in accepted:
        label = "dkim accepted: " + label
        where, caused = act(s, build_mail(OLGA, subject, body, headers=[ar(value)]))
        if not tap.ok(where is not None, "%s: stored" % label, "held: %r" % harness.held(s)):
            continue
        tap.eq(where[0], n, "%s: in #%d" % (label, n))
        tap.eq(s.show(n)[field], want, "%s: %s applied" % (label, body))
        tap.eq([e["kind"] for e in caused if e["kind"] == "challenge"], [],
               "%s: no challenge" % label)
    refused = [
        ("untrusted authserv-id", [ar("evil.test; dkim=pass header.d=example.test")]),
        ("look-alike domain", [ar("mx.example.test; dkim=pass header.d=example.test.evil")]),
        ("sub-domain of another", [ar("mx.example.test; dkim=pass header.d=notexample.test")]),
        ("dkim=fail", [ar("mx.example.test; dkim=fail header.d=example.test")]),
        ("pass for another domain, fail for ours",
         [ar("mx.example.test; dkim=pass header.d=other.test; dkim=fail header.d=example.test")]),
        ("spf only", [ar("mx.example.test; spf=pass smtp.mailfrom=example.test")]),
        ("authserv-id as a prefix", [ar("mx.example.test.evil; dkim=pass header.d=example.test")]),
        ("trusted id in a comment", [ar("evil.test (mx.example.test); dkim=pass "
                                        "header.d=example.test")]),
        ("pass from untrusted, fail from trusted",
         [ar("evil.test; dkim=pass header.d=example.test"),
          ar("mx.example.test; dkim=fail header.d=example.test")]),
    ]
    for label, headers in refused:
        is_held(s, "dkim refused: " + label, n,
                build_mail(OLGA, subject, "#priority low\n#close\n\nClosing.", headers=headers))
    t = s.show(n)
    tap.eq((t["priority"], t["status"]), ("high", "new"), "dkim: refused mails changed nothing")
    tap.eq(outbox_of(s, "answer", n), [], "dkim: no answer reached the client")


# Trace headers as our receiving servers write them (postdesk.conf(5),
# trusted_authserv): the MX's Received and OpenDKIM's folded result with a
# ';' inside its comment, above the sender's own headers.  Dovecot's LMTP
# Received lands on top of them when the test injects the mail.
MX_RECEIVED = (b"Received: from mail.example.test (mail.example.test [192.0.2.1])\r\n"
               b"\tby mx.example.test (Postfix) with ESMTPS id 4AbC\r\n"
               b"\tfor <support@example.test>; Mon, 30 Nov 2026 08:00:00 +0000\r\n")
FOREIGN_RECEIVED = ("Received", "from evil (evil [198.51.100.7]) by relay.attacker.test "
                    "with ESMTP id Z9; Mon, 30 Nov 2026 07:59:00 +0000")
OPENDKIM_PASS = (b"Authentication-Results: mx.example.test;\r\n"
                 b"\tdkim=pass (2048-bit key; unprotected) header.d=example.test\r\n"
                 b"\theader.i=@example.test header.b=\"abc\"\r\n")


def traced(raw, *lines):
    """raw with trace header lines (bytes, CRLF-terminated) on top."""
    return b"".join(lines) + raw


def authres_hostile(s):
    """Authentication-Results read by their grammar (RFC 8601): forged
    results inside values and comments, other methods, headers below a
    foreign Received and failures next to a pass prove nothing; the
    stranger's commands are held, not applied."""
    tap = s.tap
    n, req, got = new_ticket(s, "authres", "VPN drops", "The VPN drops every hour.")
    if not n:
        return
    subject = "Re: %s VPN drops" % token(n)
    before = state(s.show(n))
    body = "#resolve\n#priority urgent\n#assign John Smith\n\nHana, fixed, see above."
    pass_ours = ar("mx.example.test; dkim=pass header.d=example.test")
    hostile = [
        ("dkim=pass inside smtp.mailfrom",
         [ar("mx.example.test; spf=pass "
             "smtp.mailfrom=dkim=pass+header.d=example.test@attacker.test")]),
        ("header.i holding header.d=",
         [ar("mx.example.test; dkim=pass header.d=attacker.test "
             "header.i=header.d=example.test@attacker.test")]),
        ("header.d of another domain, header.i of ours",
         [ar("mx.example.test; dkim=pass header.d=attacker.test header.i=@example.test")]),
        ("pass inside a comment",
         [ar("mx.example.test; spf=pass (dkim=pass header.d=example.test) "
             "smtp.mailfrom=attacker.test")]),
        ("pass inside the authserv-id's comment",
         [ar("mx.example.test (; dkim=pass header.d=example.test); spf=none "
             "smtp.mailfrom=attacker.test")]),
        ("arc=pass", [ar("mx.example.test; arc=pass header.d=example.test")]),
        ("x-foo=pass", [ar("mx.example.test; x-foo=pass header.d=example.test")]),
        ("trusted pass below a foreign Received", [FOREIGN_RECEIVED, pass_ours]),
        ("dkim=fail next to a dkim=pass",
         [ar("mx.example.test; dkim=pass header.d=example.test; "
             "dkim=fail header.d=example.test")]),
        ("spf=fail for the domain",
         [pass_ours, ar("mx.example.test; spf=fail smtp.mailfrom=olga@example.test")]),
        ("dmarc=fail for the domain",
         [pass_ours, ar("mx.example.test; dmarc=fail (p=reject dis=none) "
                        "header.from=example.test")]),
        ("trusted header that does not parse",
         [pass_ours, ar("mx.example.test; dkim=fail (unterminated header.d=example.test")]),
    ]
    for label, headers in hostile:
        is_held(s, "authres hostile: " + label, n,
                build_mail(OLGA, subject, body, headers=headers))
    # The same forgery placed where our MX would write it: still nothing.
    is_held(s, "authres hostile: mailfrom forgery under the MX's Received", n,
            traced(build_mail(OLGA, subject, body), MX_RECEIVED,
                   b"Authentication-Results: mx.example.test; spf=pass smtp.mailfrom="
                   b"dkim=pass+header.d=example.test@attacker.test\r\n"))
    # A failure for the agent's domain overrides even a reply to the id we
    # signed for Olga (a forwarded notification in a stranger's hands).
    is_held(s, "authres hostile: dmarc=fail overrides a reply to our id", n,
            agent_reply(OLGA, got[OLGA_ADDR], body, style=None,
                        headers=[ar("mx.example.test; dmarc=fail (p=none dis=none) "
                                    "header.from=example.test")]))
    is_held(s, "authres hostile: dkim=fail overrides a reply to our id", n,
            agent_reply(OLGA, got[OLGA_ADDR], body, style=None,
                        headers=[ar("mx.example.test; dkim=fail (bad signature) "
                                    "header.d=example.test")]))
    tap.eq(state(s.show(n)), before, "authres hostile: nothing was applied")
    tap.eq(outbox_of(s, "answer", n), [], "authres hostile: no answer reached the client")


def authres_genuine(s):
    """Results as real servers write them keep proving the agent."""
    tap = s.tap
    n, req, got = new_ticket(s, "authres genuine", "Mail quota", "My mailbox is full.")
    if not n:
        return
    subject = "Re: %s Mail quota" % token(n)
    accepted = [
        ("OpenDKIM under the MX's Received",
         traced(build_mail(OLGA, subject, "#priority high"), MX_RECEIVED, OPENDKIM_PASS),
         ("priority", "high")),
        ("OpenDMARC and OpenDKIM, version, upper case",
         traced(build_mail(OLGA, subject, "#type bug"), MX_RECEIVED,
                b"Authentication-Results: mx.example.test; dmarc=pass (p=none dis=none) "
                b"header.from=example.test\r\n",
                b"Authentication-Results: MX.EXAMPLE.TEST 1; DKIM=PASS (1024-bit key)\r\n"
                b" HEADER.D=Example.Test\r\n"),
         ("type", "bug")),
        ("header.i=user@domain",
         build_mail(OLGA, subject, "#tag +quota",
                    headers=[ar("mx.example.test; dkim=pass header.i=olga@example.test")]),
         ("tags", ["quota"])),
        ("a reply to our id with spf=pass for another domain",
         agent_reply(OLGA, got[OLGA_ADDR], "#tag +reply", style=None,
                     headers=[ar("mx.example.test; spf=pass smtp.mailfrom=bounces.example.org; "
                                 "dkim=none")]),
         ("tags", ["quota", "reply"])),
    ]
    for label, raw, (field, want) in accepted:
        label = "authres genuine: " + label
        where, caused = act(s, raw)
        if not tap.ok(where is not None and where[0] == n, "%s: stored in #%d" % (label, n),
                      "stored %r, held: %r" % (where, harness.held(s))):
            continue
        tap.eq(s.show(n)[field], want, "%s: applied" % label)
        tap.eq([e["kind"] for e in caused if e["kind"] == "challenge"], [],
               "%s: no challenge" % label)


DAY = 86400


def backdate(s, mid, seconds):
    """Makes our mail mid look sent `seconds` earlier (its outbox row is
    what an id's age is measured by)."""
    want = norm_id(mid)
    return harness.db_exec(s, "UPDATE outbox SET created = created - ?, sent_at = "
                           "COALESCE(sent_at, created) - ? WHERE message_id IN (?, ?)",
                           (seconds, seconds, want, "<%s>" % want))


def forged_reply(subject, body, irt, refs=None):
    """Olga's From on a mail answering our id irt (as a client holding
    that mail would write it)."""
    return build_mail(OLGA, subject, body,
                      headers=[("In-Reply-To", irt), ("References", refs or irt)])


def held_reason(s, raw):
    return (held_row(s, harness.msgid_of(raw)) or {}).get("reason", "")


def bearer(s):
    """Issue 7, section 2: a client who got Olga's signed ids (she
    forwarded a note notification and a client-message notification)
    forges her From.  An id proves Olga only for its own ticket, never
    after id_max_age_days, and #cc/#merge need a fresh proof."""
    tap = s.tap
    n, req, got = new_ticket(s, "bearer", "VPN certificate", "My VPN certificate expired.")
    b, req_b, got_b = new_ticket(s, "bearer B", "Mailbox full", "My mailbox is full.")
    if not n or not b:
        return
    where, caused = act(s, agent_reply(JOHN, got[JOHN_ADDR], "#note\nThe VPN CA key is on "
                                       "vault-3, passphrase in the safe.", style=None))
    note = wait_mail(s, OLGA_ADDR, "agent_note", n)
    ack_b = wait_mail(s, HANA_ADDR, "ack", b)
    if not tap.ok(note is not None and ack_b is not None,
                  "bearer: Olga gets the note notification, Hana the ack of #%d" % b):
        return
    nid = header(note, "Message-ID")
    mid = header(got[OLGA_ADDR], "Message-ID")
    subject = "Re: %s VPN certificate" % token(n)
    subject_b = "Re: %s Mailbox full" % token(b)
    root_b = (header(ack_b, "References") or "").split()[0]

    # An id of ticket A on ticket B: A's note id with B's root id (from
    # Hana's own ack) names both tickets; the mail acts on no ticket.
    before_n = state(s.show(n))
    is_held(s, "bearer: id of #%d on #%d" % (n, b), b,
            forged_reply(subject_b, "#status closed\n#cc spy@attacker.test\n\nDone.", nid,
                         "%s %s" % (root_b, nid)))
    tap.eq(state(s.show(n)), before_n, "bearer: ... and #%d does not change either" % n)

    # A fresh id of #n proves Olga for #n only: "#merge X" would make
    # #n's addresses (the forger's) follow X, another client's ticket.
    ivan = "ivan@example.test"
    x, req_x, got_x = harness.agent_ticket(s, "bearer X", "Ivan <%s>" % ivan, "Printer jam",
                                           "The printer on floor 2 jams.", ack_to=ivan)
    if x:
        before_x = state(s.show(x))
        raw = forged_reply(subject, "#merge %d" % x, nid)
        is_held(s, "bearer: #merge into another client's ticket with a fresh id", n, raw)
        tap.ok("#merge" in held_reason(s, raw), "bearer: the held reason names #merge",
               held_reason(s, raw))
        tap.eq(state(s.show(x)), before_x, "bearer: ... and #%d does not change" % x)
        tap.ok(HANA_ADDR not in s.show(x)["participants"],
               "bearer: %s does not follow #%d" % (HANA_ADDR, x))

    # Not fresh any more (2 days): what lets another address see the
    # ticket needs a fresh proof; the mail is held whole, with the reason.
    backdate(s, nid, 2 * DAY)
    backdate(s, mid, 2 * DAY)
    raw = forged_reply(subject, "#cc spy@attacker.test\n\nAdding my colleague.", nid)
    is_held(s, "bearer: #cc with a 2-day-old note id", n, raw)
    tap.ok("fresh" in held_reason(s, raw), "bearer: the held reason names the fresh proof",
           held_reason(s, raw))
    is_held(s, "bearer: #status closed and #cc with a 2-day-old id", n,
            forged_reply(subject, "#status closed\n#cc spy@attacker.test", mid))
    is_held(s, "bearer: #merge with a 2-day-old id", n,
            forged_reply(subject, "#merge %d" % b, nid))
    is_held(s, "bearer: #копия with a 2-day-old id", n,
            forged_reply(subject, "#копия spy@attacker.test", mid))
    tap.ok("spy@attacker.test" not in s.show(n)["participants"],
           "bearer: spy@attacker.test never became a participant")

    # Older than id_max_age_days (default 30): the ids prove nothing.
    backdate(s, nid, 29 * DAY)
    backdate(s, mid, 29 * DAY)
    is_held(s, "bearer: #status closed with a 31-day-old note id", n,
            forged_reply(subject, "#status closed", nid))
    is_held(s, "bearer: fake answer with a 31-day-old id", n,
            forged_reply(subject, "Hana, our bank details changed: please pay to "
                         "IBAN XX00 1234 5678 from now on.", mid))
    is_held(s, "bearer: #priority and #take with a 31-day-old id", n,
            forged_reply(subject, "#priority urgent\n#take", mid))
    tap.eq(outbox_of(s, "answer", n), [], "bearer: no fake answer ever queued")
    tap.eq(s.show(n)["status"], "new", "bearer: #%d is still new" % n)


def transcript_id(s):
    """An id of no ticket (a transcript) proves nothing about any
    ticket, whatever token the Subject carries; nor does a confirmed
    challenge's id."""
    tap = s.tap
    n, req, got = new_ticket(s, "no-ticket id", "Printer offline", "The printer is offline.")
    if not n:
        return
    dkim = ar("mx.example.test; dkim=pass header.d=example.test")
    where, caused = act(s, build_mail(OLGA, "Quick question", "#take\n\nWho has this?",
                                      headers=[dkim]))
    rows = [e for e in caused if e["kind"] == "transcript" and not e["ticket"]]
    if not tap.ok(rows, "no-ticket id: a failed #take on a new mail gets a transcript of no "
                  "ticket", "caused: %r" % caused):
        return
    tid = "<%s>" % norm_id(rows[0]["message_id"])
    subject = "Re: %s Printer offline" % token(n)
    is_held(s, "no-ticket id: transcript id with %s in the Subject" % token(n), n,
            forged_reply(subject, "#status closed\n#priority low\n\nFixed.", tid))
    is_held(s, "no-ticket id: transcript id in References only", n,
            forged_reply(subject, "#resolve", "<%s>" % harness.make_msgid().strip("<>"),
                         tid))

    # A genuine Olga confirms a held mail; the challenge's id, reused
    # with the ticket's token, runs no command and releases nothing twice.
    raw = build_mail(OLGA, subject, "#priority high\n\nLooking into it.")
    ch = is_held(s, "no-ticket id: unproven mail", n, raw)
    if ch is None:
        return
    act(s, agent_reply(OLGA, ch, "Yes, that was me.", style=None))
    tap.ok(wait_until(lambda: s.show(n)["priority"] == "high"),
           "no-ticket id: the confirmed mail applies")
    before = state(s.show(n))
    where, caused = act(s, forged_reply(subject, "#status closed\n#cc spy@attacker.test",
                                        header(ch, "Message-ID")))
    tap.eq(state(s.show(n)), before, "no-ticket id: a used challenge id with %s changes "
           "nothing" % token(n))
    tap.eq(kinds_to(caused, HANA_ADDR), [], "no-ticket id: ... and sends the client nothing")


def stale_genuine(s):
    """The real Olga answering a 2-day-old notification: ordinary
    commands and answers still work; #cc is held until she confirms,
    then applies; an id of a ticket merged into this one proves her."""
    tap = s.tap
    n, req, got = new_ticket(s, "stale", "Laptop battery", "My laptop battery is dead.")
    if not n:
        return
    mid = header(got[OLGA_ADDR], "Message-ID")
    backdate(s, mid, 2 * DAY)
    where, caused = act(s, agent_reply(OLGA, got[OLGA_ADDR], "#priority high\n#tag +hw"))
    tap.eq(where and tuple(where), (n, "agent"), "stale: a 2-day-old id still proves Olga")
    t = s.show(n)
    tap.eq((t["priority"], t["tags"]), ("high", ["hw"]), "stale: her commands apply")
    raw = agent_reply(OLGA, got[OLGA_ADDR], "#cc boss@example.test\n\nAdding your manager.")
    ch = is_held(s, "stale: #cc with a 2-day-old id", n, raw)
    if ch is not None:
        act(s, agent_reply(OLGA, ch, "Yes.", style=None))
        tap.ok(wait_until(lambda: "boss@example.test" in s.show(n)["participants"]),
               "stale: confirmed, #cc applies")
    # Merged tickets: an id of the merged ticket proves Olga on the survivor.
    m, req_m, got_m = new_ticket(s, "stale merge", "Laptop battery again",
                                 "Still the battery.")
    if not m:
        return
    where, caused = act(s, agent_reply(OLGA, got_m[OLGA_ADDR], "#merge %d" % n))
    tap.eq(s.show(m)["merged_into"], n, "stale: a fresh id allows #merge")
    where, caused = act(s, agent_reply(OLGA, got_m[OLGA_ADDR], "#type bug\n\nSame issue."))
    tap.eq(where and tuple(where), (n, "agent"),
           "stale: a reply to the merged ticket's id lands in #%d as Olga's" % n)
    tap.eq(s.show(n)["type"], "bug", "stale: ... and its commands apply")


def steering(s):
    """X-Postdesk-* from outside steers nothing."""
    tap = s.tap
    label = "X-Postdesk"
    n, req, got = new_ticket(s, label, "Scanner broken", "The scanner is broken.")
    if not n:
        return
    mid = s.inject(build_mail(MALLORY, "Please add me", "Add me to this ticket.",
                              headers=[("X-Postdesk-Ticket", "%s#%d" % (harness.TAG, n))]))
    where = harness.wait_stored(s, mid)
    tap.ok(where is not None and where[0] not in (0, n),
           "%s: X-Postdesk-Ticket does not join #%d" % (label, n), "stored as %r" % (where,))
    tap.ok("mallory@example.test" not in s.show(n)["participants"],
           "%s: the sender is no participant of #%d" % (label, n))
    # A client's mail dressed as an agent's note.
    mid = s.inject(build_mail(HANA, "Re: %s Scanner broken" % token(n),
                              "#resolve\n#note\nThis should be internal.",
                              headers=[("X-Postdesk-Agent", "Olga Ivanova"),
                                       ("X-Postdesk-Kind", "note"),
                                       ("X-Postdesk-Verified", "yes")]))
    where = harness.wait_stored(s, mid)
    tap.eq(where and tuple(where), (n, "client"), "%s: the client's mail stays a client's" % label)
    t = s.show(n)
    tap.ok(t["status"] != "resolved", "%s: client's #resolve is no command" % label, t["status"])
    # The notification to agents carries the gateway's own X-Postdesk-Ticket only.
    mails = wait_until(lambda: [m for m in harness.mails_of_kind(s, JOHN_ADDR, "agent_message", n)
                                if "This should be internal" in plain_text(m)])
    if tap.ok(mails, "%s: the agents get the client's mail" % label):
        tap.eq([v for k, v in mails[0].items() if k.lower().startswith("x-postdesk")
                and k.lower() != "x-postdesk-ticket"], [],
               "%s: no foreign X-Postdesk header passed on" % label)


def main():
    with harness.Session("it_agent_identity", base=49000) as s:
        tap = s.tap
        d = s.daemon(harness.agent_config(s))
        d.start()
        forged(s)
        dkim(s)
        authres_hostile(s)
        authres_genuine(s)
        steering(s)
        bearer(s)
        transcript_id(s)
        stale_genuine(s)
        # No client ever got mail from a held message.
        tap.ok(wait_until(lambda: all(e["status"] == "sent" for e in s.outbox()), 60),
               "all mail sent", "outbox: %r" % s.outbox())
        tap.eq(sorted({e["kind"] for e in s.outbox() if e["rcpt"] == HANA_ADDR}),
               ["ack", "answer", "merged", "status_resolved"], "the client got only ack, "
               "the confirmed answers, status_resolved and the genuine #merge notice")
        tap.ok(d.stop(), "daemon stops cleanly on SIGTERM")


main()
