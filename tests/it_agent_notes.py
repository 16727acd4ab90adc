#!/usr/bin/python3
"""Hidden notes (postdesk.conf(5) THREAT MODEL): an agent mail starting with #note or #заметка,
sent to the note address, or replying to a note notification, is stored
as kind note; the other agents and team_copy get agent_note (INTERNAL in
subject and body, Reply-To the note address), the client nothing.  The
guard: an answer carrying six or more consecutive words of a note (also
after a merge brought the note in, whatever the case and punctuation,
and also in a text attachment or a forwarded message/rfc822) is not sent; the agent gets guard_stopped and the ticket an event "guard".
In the end no client mailbox holds six consecutive words of any note."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness
from harness import (header, build_mail, norm_id, norm_text, plain_text, token,
                     wait_until, wait_mail, outbox_of, agent_reply, attachments_of,
                     events_named, act, kinds_to, text_parts, shingles,
                     OLGA, JOHN, OLGA_ADDR, JOHN_ADDR, TEAM, NOTE_ADDRESS)

CAROL = "Carol White <carol@example.test>"
CAROL_ADDR = "carol@example.test"

NOTE1 = ("The customer still runs the unsupported 2019 build on an old server; "
         "we should not mention the licence audit yet.")
NOTE2 = "Клиент должен нам за прошлый квартал, бухгалтерия просила пока не продлевать поддержку."
NOTE3 = "Developers confirmed the regression in the sync module, ticket DEV-4471 internal only."
NOTE4 = "Согласна с Джоном, разработчики чинят модуль синхронизации к пятнице."
NOTE5 = "John replying through the note address keeps this purely between colleagues, fine."
NOTE6 = "Merged ticket secret: the vendor discount of forty percent expires on Friday evening."
NOTES = [NOTE1, NOTE2, NOTE3, NOTE4, NOTE5, NOTE6]
DIAG = ("diagnostics.txt", "text/plain", b"internal stack trace, do not forward\n")


def ticket_with_notifications(s, label, subject, body):
    n, _, got = harness.agent_ticket(s, label, CAROL, subject, body, ack_to=CAROL_ADDR)
    return n, got


def check_note(s, label, n, where, caused, author, others, text, attachments=()):
    """One note: stored, copied to others and the team only."""
    tap = s.tap
    if not tap.ok(where is not None, "%s: stored" % label):
        return
    tap.eq(tuple(where), (n, "note"), "%s: stored in #%d as kind note" % (label, n))
    tap.eq(sorted(e["rcpt"] for e in caused), sorted(others + [TEAM]),
           "%s: queued for the other agents and the team only" % label,)
    tap.ok(all(e["kind"] == "agent_note" for e in caused), "%s: all of kind agent_note" % label,
           "caused: %r" % caused)
    tap.eq(kinds_to(caused, CAROL_ADDR), [], "%s: nothing for the client" % label)
    tap.eq(kinds_to(caused, author), [], "%s: no copy to its author" % label)
    first = None
    for who in others + [TEAM]:
        mails = wait_until(lambda: [m for m in harness.mails_of_kind(s, who, "agent_note", n)
                                    if norm_text(text) in norm_text(plain_text(m))])
        if not tap.ok(mails, "%s: %s gets the note" % (label, who)):
            continue
        m = mails[0]
        first = first or m
        tap.ok("INTERNAL" in (header(m, "Subject") or ""), "%s: %s: subject says INTERNAL"
               % (label, who), "subject %r" % header(m, "Subject"))
        tap.ok("INTERNAL" in plain_text(m), "%s: %s: body says INTERNAL" % (label, who))
        tap.eq((header(m, "Reply-To") or "").strip().strip("<>").lower(), NOTE_ADDRESS,
               "%s: %s: Reply-To is the note address" % (label, who))
        tap.ok(token(n) in (header(m, "Subject") or ""), "%s: %s: subject carries the token"
               % (label, who))
        want = {fn: data for fn, _, data in attachments}
        got = attachments_of(m)
        tap.eq({k: got.get(k) for k in want}, want, "%s: %s: attachments kept" % (label, who))
    return first


def notes(s):
    tap = s.tap
    label = "notes"
    n, got = ticket_with_notifications(s, label, "Sync fails after update",
                                       "Since the update the sync stops with an error.")
    if not n:
        return None
    # a) #note, Thunderbird reply with an attachment.
    where, caused = act(s, agent_reply(OLGA, got[OLGA_ADDR], "#note\n" + NOTE1,
                                       signature="Olga", attachments=[DIAG]))
    note1 = check_note(s, "#note", n, where, caused, OLGA_ADDR, [JOHN_ADDR], NOTE1, [DIAG])
    # b) #заметка.
    where, caused = act(s, agent_reply(JOHN, got[JOHN_ADDR], "#заметка\n" + NOTE2,
                                       style="outlook"))
    note2 = check_note(s, "#заметка", n, where, caused, JOHN_ADDR, [OLGA_ADDR], NOTE2)
    # c) To the note address, answering the client's notification.
    where, caused = act(s, agent_reply(JOHN, got[JOHN_ADDR], NOTE3, to=NOTE_ADDRESS),
                        rcpt=NOTE_ADDRESS)
    check_note(s, "to support+note@", n, where, caused, JOHN_ADDR, [OLGA_ADDR], NOTE3)
    # d) A reply to a note notification sent to the support address
    #    itself: the note's Message-ID keeps it internal.
    if note2 is not None:
        where, caused = act(s, agent_reply(OLGA, note2, NOTE4, to=harness.SUPPORT))
        check_note(s, "reply to agent_note (To support@)", n, where, caused, OLGA_ADDR,
                   [JOHN_ADDR], NOTE4)
    # e) A reply to a note notification as the mail client writes it: to
    #    its Reply-To, the note address.
    if note1 is not None:
        rt = (header(note1, "Reply-To") or NOTE_ADDRESS).strip().strip("<>")
        where, caused = act(s, agent_reply(JOHN, note1, NOTE5, to=rt), rcpt=rt)
        check_note(s, "reply to agent_note (Reply-To)", n, where, caused, JOHN_ADDR,
                   [OLGA_ADDR], NOTE5)
    t = s.show(n)
    tap.eq(sorted(norm_text(m["text"]) for m in t["messages"] if m["kind"] == "note"),
           sorted(norm_text(x) for x in NOTES[:5]), "%s: five notes stored" % label)
    tap.eq(t["first_response"], None, "%s: notes are no first response" % label)
    tap.eq(outbox_of(s, "answer", n), [], "%s: no answer queued" % label)
    return n, got


def stopped(s, label, n, sender, addr, mail, text, style="thunderbird", attachments=()):
    """An answer that must be stopped by the guard."""
    tap = s.tap
    before = len(events_named(s.show(n), "guard"))
    raw = agent_reply(sender, mail, text, style=style, attachments=attachments)
    where, caused = act(s, raw)
    if not tap.ok(where is not None, "%s: stored" % label):
        return
    tap.eq(where[0], n, "%s: in #%d" % (label, n))
    tap.eq(kinds_to(caused, CAROL_ADDR), [], "%s: nothing for the client" % label)
    tap.eq([e for e in caused if e["kind"] in ("answer", "agent_answer_copy")], [],
           "%s: no answer, no team copy" % label)
    tap.eq(kinds_to(caused, addr), ["guard_stopped"], "%s: the agent gets guard_stopped" % label)
    back = wait_until(lambda: [m for m in harness.mails_of_kind(s, addr, "guard_stopped", n)
                               if norm_id(header(m, "In-Reply-To")) == harness.msgid_of(raw)])
    if tap.ok(back, "%s: guard_stopped answers the agent's mail" % label,
              "outbox: %r" % outbox_of(s, "guard_stopped")):
        body = plain_text(back[0])
        subj = header(back[0], "Subject") or ""
        tap.ok(token(n) in subj and ("NOT SENT" in subj or "НЕ ОТПРАВЛЕНО" in subj),
               "%s: subject says it was not sent" % label, subj)
        tap.ok(norm_text(text.splitlines()[0]) in norm_text(body),
               "%s: the answer is returned to the agent" % label, body)
    tap.eq(len(events_named(s.show(n), "guard")), before + 1, "%s: event guard" % label)


def guard(s, n, got):
    tap = s.tap
    # The note pasted into an answer.
    stopped(s, "guard: pasted note", n, JOHN, JOHN_ADDR, got[JOHN_ADDR],
            "Dear Carol,\n\n" + NOTE1 + "\n\nRegards")
    # Six consecutive words, other case, punctuation and line breaks.
    six = NOTE3.split()[4:10]  # "the regression in the sync module,"
    stopped(s, "guard: six words, case and punctuation", n, OLGA, OLGA_ADDR, got[OLGA_ADDR],
            "Hello! We see THE REGRESSION -- in\nthe SYNC; module... and work on it.",
            style="outlook")
    tap.comment("six words: %r" % six)
    # A Russian note, quoted by the agent as "> " lines inside the new
    # text of the answer would be stripped; pasted plainly it is caught.
    stopped(s, "guard: Russian note", n, JOHN, JOHN_ADDR, got[JOHN_ADDR],
            "Carol, FYI: " + NOTE2.lower())
    # The note carried in an attachment: a text file, and the note
    # notification forwarded as an attachment (message/rfc822).
    stopped(s, "guard: note in a text attachment", n, JOHN, JOHN_ADDR, got[JOHN_ADDR],
            "Carol, the details are in the attached file.",
            attachments=[("details.txt", "text/plain", NOTE1.encode())])
    note_mail = wait_mail(s, JOHN_ADDR, "agent_note", n)
    if note_mail is not None:
        stopped(s, "guard: note notification forwarded as attachment", n, JOHN, JOHN_ADDR,
                got[JOHN_ADDR], "Carol, see the forwarded message.",
                attachments=[("note.eml", "message/rfc822", note_mail.as_bytes())])
    # Control: a clean answer that shares a few words with the notes.
    text = "Carol, the sync module gets a fix this week; we will tell you when it is out."
    where, caused = act(s, agent_reply(JOHN, got[JOHN_ADDR], text))
    tap.eq(kinds_to(caused, CAROL_ADDR), ["answer"], "guard: a clean answer goes out")
    ans = wait_until(lambda: [m for m in harness.mails_of_kind(s, CAROL_ADDR, "answer", n)
                              if norm_text(plain_text(m)) == norm_text(text)])
    tap.ok(ans, "guard: the client gets the clean answer")
    # A reply quoting the note notification below (a mail client's quote of
    # agent_note) to the client's notification: the quote never leaves.
    note_mail = wait_mail(s, JOHN_ADDR, "agent_note", n)
    if note_mail is not None:
        body = ("Carol, one more detail: please restart the app.\n\n"
                + harness.quoted(note_mail, "thunderbird"))
        raw = build_mail(JOHN, "Re: " + header(got[JOHN_ADDR], "Subject"), body,
                         headers=[("In-Reply-To", header(got[JOHN_ADDR], "Message-ID")),
                                  ("References", header(got[JOHN_ADDR], "Message-ID"))])
        where, caused = act(s, raw)
        tap.ok(where is not None and where[0] == n, "guard: answer quoting agent_note stored")
        for e in caused:
            if (e["rcpt"] or "").lower() == CAROL_ADDR:
                tap.comment("answer quoting agent_note: queued %s for the client" % e["kind"])


def merged_note(s, n):
    """A note of a ticket merged into n guards n's answers."""
    tap = s.tap
    label = "guard after #merge"
    m, got = ticket_with_notifications(s, label, "Sync fails again",
                                       "The sync fails again on my laptop.")
    if not m:
        return
    where, caused = act(s, agent_reply(OLGA, got[OLGA_ADDR], "#note\n" + NOTE6))
    tap.eq(where and tuple(where), (m, "note"), "%s: note stored in #%d" % (label, m))
    where, caused = act(s, agent_reply(OLGA, got[OLGA_ADDR], "#merge %d" % n, style=None))
    t = s.show(m)
    tap.eq((t["status"], t["merged_into"]), ("closed", n), "%s: #%d merged into #%d"
           % (label, m, n))
    tap.ok(any(norm_text(x["text"]) == norm_text(NOTE6) for x in s.show(n)["messages"]
               if x["kind"] == "note"), "%s: the note moved to #%d" % (label, n))
    john = wait_mail(s, JOHN_ADDR, "agent_message", n)
    if john is not None:
        stopped(s, label, n, JOHN, JOHN_ADDR, john, "Good news: " + NOTE6)


def no_leak(s):
    tap = s.tap
    tap.ok(wait_until(lambda: all(e["status"] == "sent" for e in s.outbox()), 60),
           "all mail sent", "outbox: %r" % s.outbox())
    mails = list(map(harness.parse, s.messages(CAROL_ADDR)))
    tap.ok(mails, "the client's INBOX holds mail (%d)" % len(mails))
    bad = []
    for note in NOTES:
        sh = shingles(note, 6)
        for m in mails:
            hit = sh & shingles("\n".join(text_parts(m)), 6)
            if hit:
                bad.append((header(m, "Subject"), sorted(hit)[0]))
    tap.eq(bad, [], "no six consecutive words of any note reach the client")
    names = {fn for m in mails for fn in attachments_of(m)}
    tap.ok(DIAG[0] not in names, "the note's attachment never reaches the client", names)


def main():
    with harness.Session("it_agent_notes", base=46000) as s:
        tap = s.tap
        d = s.daemon(harness.agent_config(s))
        d.start()
        r = notes(s)
        if r:
            n, got = r
            guard(s, n, got)
            merged_note(s, n)
        no_leak(s)
        tap.ok(d.stop(), "daemon stops cleanly on SIGTERM")


main()
