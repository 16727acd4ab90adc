#!/usr/bin/python3
"""Property (postdesk.conf(5) THREAT MODEL; docs/guarantees.md "no hidden note reaches a client"): over many
random tickets with random internal notes (Russian and English sentences
of 10-30 words) and random agent mail (answers quoting the notification,
answers quoting or forwarding a note notification, answers pasting a note
or a note notification, answers carrying a note in a text attachment or
the note notification forwarded as a message/rfc822 attachment, replies
to note notifications, #split of requests with two wishes, #merge,
answers pasting a merged ticket's note; and the forms of issue 7: a note
in a text/html attachment with entities and soft hyphens, in a .txt sent
as application/octet-stream, in UTF-16 with or without a BOM, a note's
own file re-attached, a long note cut into 5-word pieces, a note's
password-like secret in other words, a note of another ticket pasted), no
run of eight consecutive words of any note appears in any mail delivered
to any client mailbox (every part decoded, attachments included, UTF-16
and HTML too), nor 4-word pieces covering 12 words of one note, nor a
note's secret, nor a note's file; every answer carrying a note is stopped
by the guard, and the agents and the team receive every note.
Seeded: PD_SEED=N repeats a run."""
import email.utils
import html
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness
from harness import (header, build_mail, norm_id, norm_text, plain_text, token,
                     wait_until, agent_reply, text_parts, shingles, words, stored_as,
                     OLGA, JOHN, OLGA_ADDR, JOHN_ADDR, TEAM, NOTE_ADDRESS)

TICKETS = 15
RUN = 8  # words: the property's window
PIECE, PIECE_WORDS = 4, 12  # filters/leakguard.h: pieces of a note
EN = ("server database backup invoice customer contract license update module sync "
      "network printer account password kernel vendor discount audit migration report "
      "deadline colleague manager budget payment error crash memory disk cluster queue "
      "cache token certificate firewall proxy router switch storage replica snapshot "
      "schedule holiday weekend morning evening quietly urgently probably never always "
      "broken stable legacy secret private internal careful expensive cheap late early "
      "check ask wait fix deploy restart rollback escalate promise blame").split()
RU = ("сервер база копия счёт клиент договор лицензия обновление модуль синхронизация "
      "сеть принтер пароль ядро поставщик скидка проверка миграция отчёт срок коллега "
      "менеджер бюджет оплата ошибка сбой память диск кластер очередь кэш сертификат "
      "защита маршрутизатор хранилище реплика снимок график праздник выходные утром "
      "вечером тихо срочно вероятно никогда всегда сломан старый секретный личный "
      "внутренний дорогой дешёвый поздно рано проверить спросить ждать починить "
      "выкатить перезапустить откатить обещать").split()
CLIENTS = ["Anna Berg <anna@example.test>", "Борис Козлов <boris@example.test>",
           "Chris Dale <chris@example.test>", "Дарья Ершова <darya@example.test>",
           "Emil Fox <emil@example.test>"]
WISHES = [
    ("Hello,\n\nwe have two wishes for the portal:",
     ["Please add export of reports to PDF.", "Please add a dark theme to the web portal."]),
    ("Здравствуйте!\n\nУ нас два пожелания по порталу:",
     ["Пожалуйста, добавьте выгрузку отчётов в PDF.",
      "Прошу добавить тёмную тему оформления в веб-портал."]),
]
AGENTS = {OLGA_ADDR: OLGA, JOHN_ADDR: JOHN}


def addr_of(who):
    return email.utils.parseaddr(who)[1].lower()


def sentence(rng, lo=10, hi=30):
    vocab = EN if rng.random() < 0.5 else RU
    w = [rng.choice(vocab) for _ in range(rng.randint(lo, hi))]
    w[0] = w[0].capitalize()
    return " ".join(w) + "."


def mangle(rng, text):
    """text as an agent might paste it: case changed, punctuation and line
    breaks moved."""
    out = []
    for i, w in enumerate(text.split()):
        w = w.upper() if rng.random() < 0.2 else w
        out.append(w + rng.choice(["", "", ",", " -", ";"]))
        if rng.random() < 0.15:
            out.append("\n")
    return " ".join(out).replace(" \n ", "\n")


def secret(rng):
    """A password-like word: upper, lower, digit, symbol."""
    pick = lambda s, n: "".join(rng.choice(s) for _ in range(n))
    return (pick("ABCDEFGHJKLMNPQRSTUVWXYZ", 2) + pick("abcdefghijkmnopqrstuvwxyz", 3) +
            pick("23456789", 2) + rng.choice("#!&%$*") + pick("abcdefghjkmnpqrstuvwxyz", 2))


def as_html(rng, text):
    """text as a mail client's HTML: entities for spaces and letters, soft
    hyphens inside long words."""
    out = []
    for w in text.split():
        w = html.escape(w)
        if len(w) > 6 and rng.random() < 0.3:
            w = w[:3] + "&shy;" + w[3:]
        out.append(w)
    body = ""
    for i, w in enumerate(out):
        body += w + (rng.choice([" ", "&nbsp;", " <b></b>", "\n"]) if i + 1 < len(out) else "")
    return "<html><body><p>%s</p></body></html>" % body


def in_pieces(rng, text, n=5):
    """text cut into n-word pieces, each on its own between other words."""
    w = text.rstrip(".").split()
    parts = [" ".join(w[i:i + n]) for i in range(0, len(w), n)]
    return "\n\n".join("%s\n%s." % (p, sentence(rng, 2, 3).rstrip(".")) for p in parts)


def decoded(data):
    """bytes as text the way a client's mail program may show them:
    BOMs and UTF-16 without one recognised, HTML tags and entities gone."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        text = data.decode("utf-16", "replace")
    elif len(data) >= 4 and data[1::2].count(0) > len(data) // 4:
        text = data.decode("utf-16-le", "replace")
    elif len(data) >= 4 and data[0::2].count(0) > len(data) // 4:
        text = data.decode("utf-16-be", "replace")
    else:
        text = data.decode("utf-8", "replace")
    if "<" in text and ">" in text:
        import re
        text = html.unescape(re.sub(r"<[^>]*>", " ", text)).replace("\u00ad", "")
    return text


def client_texts(m):
    """Every text of a parsed client mail, each leaf also read as decoded."""
    out = text_parts(m)
    for p in m.walk():
        if not p.is_multipart() and p.get_content_maintype() != "message":
            out.append(decoded(p.get_payload(decode=True) or b""))
    return out


def piece_cover(text, note):
    """Words of text covered by 4-word pieces shared with note."""
    nw = words(note)
    index = {tuple(nw[i:i + PIECE]) for i in range(len(nw) - PIECE + 1)}
    tw = words(text)
    end, covered = 0, 0
    for i in range(len(tw) - PIECE + 1):
        if tuple(tw[i:i + PIECE]) in index and i + PIECE > end:
            covered += i + PIECE - max(end, i)
            end = i + PIECE
    return covered


def excerpt(rng, text):
    w = text.rstrip(".").split()
    k = rng.randint(RUN, len(w))
    i = rng.randint(0, len(w) - k)
    return " ".join(w[i:i + k])


class World:
    def __init__(self, s, rng):
        self.s = s
        self.rng = rng
        self.tickets = {}      # number -> {"client": addr, "wishes": bool}
        self.notes = []        # (ticket, author addr, text)
        self.secrets = []      # (ticket, password-like word in a note)
        self.files = []        # (ticket, filename, bytes) attached to notes
        self.pasted = []       # msgids of answers that must be stopped
        self.op_of = {}        # msgid -> operation, for diagnostics
        self.answers = []      # (ticket, new text) that must reach the client
        self.ops = {}          # op name -> count
        self.inbox = {}        # user -> {msgid: parsed}

    def count(self, op):
        self.ops[op] = self.ops.get(op, 0) + 1

    def refresh(self, *users):
        for u in users:
            self.inbox[u] = {harness.msgid_of(r): harness.parse(r)
                             for r in self.s.messages(u)}

    def mail(self, user, kind, ticket, contains=None):
        """A parsed mail of kind for ticket in user's INBOX."""
        for e in harness.outbox_of(self.s, kind, ticket, user):
            m = self.inbox.get(user, {}).get(norm_id(e["message_id"]))
            if m is not None and (contains is None or
                                  norm_text(contains) in norm_text(plain_text(m))):
                return m
        return None


def inject_all(s, raws, label, timeout=40):
    """Delivers raws (bytes, rcpt) and waits until every one is stored.
    docs/architecture.md wants new mail processed within a second; a delivery that
    lands while the daemon drains the folder has been seen to wait for
    the next wake-up, so a late batch is reported and then nudged by one
    more (automated) delivery, and the property is still checked."""
    tap = s.tap
    ids = [s.inject(raw, rcpt=rcpt) for raw, rcpt in raws]
    pending = set(ids)

    def done():
        for i in list(pending):
            if stored_as(s, i):
                pending.discard(i)
        return not pending
    ok = wait_until(done, 5, 0.3)
    tap.ok(ok, "%s: %d mails processed within 5 s of delivery" % (label, len(ids)),
           "not stored: %r" % sorted(pending))
    if not ok:
        s.inject(build_mail("Monitor <monitor@example.test>", "nudge", "nudge",
                            headers=[("Auto-Submitted", "auto-generated")]), sender="")
        tap.ok(wait_until(done, timeout, 0.3), "%s: stored after one more delivery" % label,
               "not stored: %r" % sorted(pending))
    return ids


def all_sent(s, label, timeout=60):
    return s.tap.ok(wait_until(lambda: all(e["status"] == "sent" for e in s.outbox()),
                               timeout, 0.3),
                    "%s: all queued mail sent" % label,
                    "unsent: %r" % [e for e in s.outbox() if e["status"] != "sent"])


def requests(s, w):
    rng = w.rng
    raws = []
    for i in range(TICKETS):
        client = CLIENTS[i % len(CLIENTS)]
        if rng.random() < 0.35:
            intro, wishes = rng.choice(WISHES)
            body = intro + "\n\n" + "".join("%d. %s\n" % (k + 1, x) for k, x in enumerate(wishes))
            subject = "Wishes %d" % i
        else:
            body, subject = sentence(rng, 8, 15), "Problem %d" % i
        raws.append((build_mail(client, subject, body), harness.SUPPORT))
    ids = inject_all(s, raws, "requests")
    for (raw, _), mid in zip(raws, ids):
        where = stored_as(s, mid)
        if where:
            t = s.show(where[0])
            w.tickets[where[0]] = {"client": t["requester"], "wishes": len(t["tasks"]) == 2,
                                   "merged": False}
    s.tap.eq(len(w.tickets), TICKETS, "requests: %d tickets" % TICKETS)
    all_sent(s, "requests")
    w.refresh(OLGA_ADDR, JOHN_ADDR)


def notes(s, w):
    rng = w.rng
    raws = []
    for n in w.tickets:
        for _ in range(rng.randint(1, 3)):
            author = rng.choice([OLGA_ADDR, JOHN_ADDR])
            notif = w.mail(author, "agent_message", n)
            if notif is None:
                continue
            text = sentence(rng)
            if rng.random() < 0.3:
                word = secret(rng)
                text += " Root password is %s now." % word
                w.secrets.append((n, word))
                w.count("note with a secret")
            files = []
            if rng.random() < 0.3:
                # Binary (NULs and all): only its hash can match it.
                data = b"\x89PNG\r\n\x1a\n\x00" + bytes(rng.randrange(256) for _ in range(300))
                files = [("screen%d.png" % len(w.files), "image/png", data)]
                w.files.append((n, files[0][0], data))
                w.count("note with a file")
            style = rng.choice(["thunderbird", "outlook", None])
            how = rng.choice(["#note", "#заметка", "address"])
            if how == "address":
                raw = agent_reply(AGENTS[author], notif, text, style=style, to=NOTE_ADDRESS,
                                  attachments=files)
                raws.append((raw, NOTE_ADDRESS))
            else:
                raws.append((agent_reply(AGENTS[author], notif, "%s\n%s" % (how, text),
                                         style=style, attachments=files), harness.SUPPORT))
            w.notes.append((n, author, text))
            w.count("note " + how)
    ids = inject_all(s, raws, "notes")
    kinds = [stored_as(s, i) for i in ids]
    s.tap.ok(all(k and k[1] == "note" for k in kinds), "notes: all stored as notes",
             "stored as: %r" % kinds)
    all_sent(s, "notes")
    w.refresh(OLGA_ADDR, JOHN_ADDR)


def note_mail(w, user, n, text):
    return w.mail(user, "agent_note", n, contains=text)


def replies(s, w, rounds=4):
    rng = w.rng
    raws = []
    for n in w.tickets:
        tnotes = [x for x in w.notes if x[0] == n]
        for _ in range(rounds):
            agent = rng.choice([OLGA_ADDR, JOHN_ADDR])
            notif = w.mail(agent, "agent_message", n)
            # A note of this ticket the agent was sent (not one they wrote).
            mine = [x for x in tnotes if x[1] != agent]
            nm = note_mail(w, agent, n, mine[0][2]) if mine else None
            op = rng.choice(["answer", "paste", "excerpt", "quote_note", "bottom_quote_note",
                             "forward_note", "paste_notification", "reply_note",
                             "attach_note", "attach_notification",
                             "attach_html", "attach_octet", "attach_utf16", "reattach_file",
                             "pieces", "secret", "cross_ticket", "answer"])
            tfiles = [x for x in w.files if x[0] == n]
            tsecrets = [x for x in w.secrets if x[0] == n]
            longer = [x for x in tnotes if len(x[2].split()) >= 15]
            others = [x for x in w.notes if x[0] != n and
                      w.tickets.get(x[0], {}).get("client") != w.tickets[n]["client"]]
            if op in ("attach_html", "attach_octet", "attach_utf16") and tnotes:
                src = rng.choice(tnotes)[2]
                if op == "attach_html":
                    att = ("details.html", "text/html", as_html(rng, src).encode())
                elif op == "attach_octet":
                    att = ("details.txt", "application/octet-stream", src.encode())
                else:
                    att = ("details.txt", rng.choice(["text/plain", "application/octet-stream"]),
                           src.encode(rng.choice(["utf-16", "utf-16-le", "utf-16-be"])))
                raw = agent_reply(AGENTS[agent], notif, sentence(rng, 5, 12), attachments=[att])
                w.pasted.append(harness.msgid_of(raw))
            elif op == "reattach_file" and tfiles:
                _, name, data = rng.choice(tfiles)
                raw = agent_reply(AGENTS[agent], notif, sentence(rng, 5, 12),
                                  attachments=[("copy-" + name, "application/octet-stream", data)])
                w.pasted.append(harness.msgid_of(raw))
            elif op == "pieces" and longer:
                text = "%s\n\n%s" % (sentence(rng, 3, 6), in_pieces(rng, rng.choice(longer)[2]))
                raw = agent_reply(AGENTS[agent], notif, text, style=rng.choice(["thunderbird", None]))
                w.pasted.append(harness.msgid_of(raw))
            elif op == "secret" and tsecrets:
                text = "%s\n\nYour new login: %s\n\n%s" % (
                    sentence(rng, 3, 6), rng.choice(tsecrets)[1], sentence(rng, 3, 6))
                raw = agent_reply(AGENTS[agent], notif, text, style=None)
                w.pasted.append(harness.msgid_of(raw))
            elif op == "cross_ticket" and others:
                text = "%s\n\n%s" % (sentence(rng, 3, 8), mangle(rng, rng.choice(others)[2]))
                raw = agent_reply(AGENTS[agent], notif, text, style=rng.choice(["thunderbird", None]))
                w.pasted.append(harness.msgid_of(raw))
            elif op in ("paste", "excerpt") and tnotes:
                src = rng.choice(tnotes)[2]
                bit = src if op == "paste" else excerpt(rng, src)
                text = "%s\n\n%s\n\n%s" % (sentence(rng, 3, 8), mangle(rng, bit),
                                           sentence(rng, 3, 8))
                raw = agent_reply(AGENTS[agent], notif, text,
                                  style=rng.choice(["thunderbird", "outlook"]))
                w.pasted.append(harness.msgid_of(raw))
            elif op == "paste_notification" and nm is not None:
                text = "%s\n\n%s" % (sentence(rng, 3, 8), plain_text(nm))
                raw = agent_reply(AGENTS[agent], notif, text, style=None)
                w.pasted.append(harness.msgid_of(raw))
            elif op == "attach_note" and tnotes:
                # The note in a text file attached to a clean answer.
                raw = agent_reply(AGENTS[agent], notif, sentence(rng, 5, 12),
                                  attachments=[("details.txt", "text/plain",
                                                rng.choice(tnotes)[2].encode())])
                w.pasted.append(harness.msgid_of(raw))
            elif op == "attach_notification" and nm is not None:
                # "Forward as attachment" of the note notification.
                raw = agent_reply(AGENTS[agent], notif, sentence(rng, 5, 12),
                                  attachments=[("note.eml", "message/rfc822", nm.as_bytes())])
                w.pasted.append(harness.msgid_of(raw))
            elif op in ("quote_note", "forward_note") and nm is not None:
                text = sentence(rng, 5, 12)
                body = "%s\n\n%s" % (text, harness.quoted(
                    nm, "thunderbird" if op == "quote_note" else "forward"))
                raw = build_mail(AGENTS[agent], "Re: " + header(notif, "Subject"), body,
                                 headers=[("In-Reply-To", header(notif, "Message-ID")),
                                          ("References", header(notif, "Message-ID"))])
            elif op == "bottom_quote_note" and nm is not None:
                text = sentence(rng, 5, 12)
                body = "%s\n%s\n" % (harness.quoted(nm, "thunderbird"), text)
                raw = build_mail(AGENTS[agent], "Re: " + header(notif, "Subject"), body,
                                 headers=[("In-Reply-To", header(notif, "Message-ID")),
                                          ("References", header(notif, "Message-ID"))])
            elif op == "reply_note" and nm is not None:
                text = sentence(rng)
                rt = NOTE_ADDRESS if rng.random() < 0.5 else harness.SUPPORT
                raw = agent_reply(AGENTS[agent], nm, text, to=rt,
                                  style=rng.choice(["thunderbird", "outlook"]))
                raws.append((raw, rt))
                w.notes.append((n, agent, text))
                w.count(op)
                continue
            else:
                op = "answer"
                text = sentence(rng, 5, 20)
                raw = agent_reply(AGENTS[agent], notif, text,
                                  style=rng.choice(["thunderbird", "outlook", None]),
                                  signature=rng.choice([None, "Best,\nACME Support"]))
                w.answers.append((n, text))
            w.count(op)
            w.op_of[harness.msgid_of(raw)] = "#%d %s" % (n, op)
            raws.append((raw, harness.SUPPORT))
    inject_all(s, raws, "replies")
    all_sent(s, "replies")
    w.refresh(OLGA_ADDR, JOHN_ADDR)


def split_merge(s, w):
    rng = w.rng
    raws = []
    for n, info in w.tickets.items():
        if info["wishes"]:
            agent = rng.choice([OLGA_ADDR, JOHN_ADDR])
            raws.append((agent_reply(AGENTS[agent], w.mail(agent, "agent_message", n),
                                     rng.choice(["#split", "#разделить"]), style="thunderbird"),
                         harness.SUPPORT))
            w.count("split")
    # Merge pairs of one client's tickets: a into b.
    by_client = {}
    for n, info in sorted(w.tickets.items()):
        if not info["wishes"]:
            by_client.setdefault(info["client"], []).append(n)
    pairs = []
    for client, nums in by_client.items():
        if len(nums) >= 2 and rng.random() < 0.8:
            a, b = rng.sample(nums, 2)
            agent = rng.choice([OLGA_ADDR, JOHN_ADDR])
            raws.append((agent_reply(AGENTS[agent], w.mail(agent, "agent_message", a),
                                     rng.choice(["#merge %d", "#объединить %d"]) % b,
                                     style="outlook"), harness.SUPPORT))
            pairs.append((a, b))
            w.count("merge")
    inject_all(s, raws, "split and merge")
    all_sent(s, "split and merge")
    for n, info in sorted(w.tickets.items()):
        if info["wishes"]:
            t = s.show(n)
            s.tap.ok(t["tasks"] and all(k["split_into"] for k in t["tasks"]),
                     "split: #%d split into %r" % (n, [k["split_into"] for k in t["tasks"]]),
                     "tasks: %r" % t["tasks"])
    for a, b in pairs:
        t = s.show(a)
        s.tap.eq(t["merged_into"], b, "merge: #%d merged into #%d" % (a, b))
        w.tickets[a]["merged"] = b
    # After the merge, the moved notes guard the survivor: pasted into an
    # answer to the survivor's notification, and to the merged one's.
    raws = []
    for a, b in pairs:
        src = [x[2] for x in w.notes if x[0] == a]
        if not src:
            continue
        for target in (b, a):
            agent = rng.choice([OLGA_ADDR, JOHN_ADDR])
            notif = w.mail(agent, "agent_message", target)
            raw = agent_reply(AGENTS[agent], notif, "%s\n\n%s" % (
                sentence(rng, 3, 6), mangle(rng, rng.choice(src))), style="thunderbird")
            w.pasted.append(harness.msgid_of(raw))
            raws.append((raw, harness.SUPPORT))
            w.count("paste after merge (via #%s)" % ("survivor" if target == b else "merged"))
        # Clean answer via the merged ticket's notification: reaches the client.
        agent = rng.choice([OLGA_ADDR, JOHN_ADDR])
        text = sentence(rng, 5, 12)
        raws.append((agent_reply(AGENTS[agent], w.mail(agent, "agent_message", a), text),
                     harness.SUPPORT))
        w.answers.append((b, text))
        w.count("answer after merge")
    if raws:
        inject_all(s, raws, "after merge")
        all_sent(s, "after merge")


def check(s, w):
    tap = s.tap
    tap.comment("operations: %s" % ", ".join("%s=%d" % kv for kv in sorted(w.ops.items())))
    tap.comment("notes: %d, pasted answers: %d, clean answers: %d"
                % (len(w.notes), len(w.pasted), len(w.answers)))
    index = {}
    for n, author, text in w.notes:
        for sh in shingles(text, RUN):
            index.setdefault(sh, (n, text))
    clients = sorted({email.utils.parseaddr(c)[1] for c in CLIENTS})
    leaks, seen, delivered = [], 0, []
    files = {data for _, _, data in w.files}
    for c in clients:
        for raw in s.messages(c):
            m = harness.parse(raw)
            seen += 1
            body = "\n".join(client_texts(m))
            delivered.append(norm_text(" ".join(words(body))))
            for sh in shingles(body, RUN):
                if sh in index:
                    leaks.append((c, header(m, "Subject"), " ".join(sh), index[sh][0]))
                    break
            for n, author, text in w.notes:
                if piece_cover(body, text) >= PIECE_WORDS:
                    leaks.append((c, header(m, "Subject"), "pieces", n))
            for n, word in w.secrets:
                if word.casefold() in body.casefold():
                    leaks.append((c, header(m, "Subject"), "a secret", n))
            for p in m.walk():
                if not p.is_multipart() and (p.get_payload(decode=True) or b"") in files:
                    leaks.append((c, header(m, "Subject"), "a note's file", p.get_filename()))
    tap.ok(seen > TICKETS, "clients' INBOXes read: %d mails" % seen)
    tap.eq(leaks, [], "no %d consecutive words, %d-word pieces of %d words, secret or file "
           "of any note in any client mail" % (RUN, PIECE, PIECE_WORDS))
    # Every pasted answer was stopped and returned.
    w.refresh(OLGA_ADDR, JOHN_ADDR)
    back = {norm_id(header(m, "In-Reply-To")) for u in (OLGA_ADDR, JOHN_ADDR)
            for e in harness.outbox_of(s, "guard_stopped", rcpt=u)
            for m in [w.inbox[u].get(norm_id(e["message_id"]))] if m is not None}
    missed = [(w.op_of.get(i, "after merge"), i) for i in w.pasted if i not in back]
    tap.eq(missed, [], "every answer pasting a note got guard_stopped (%d)" % len(w.pasted))
    guards = harness.db_query(s, "SELECT COUNT(*) FROM events WHERE event = 'guard'")[0][0]
    tap.eq(guards, len(w.pasted), "one event guard per stopped answer")
    # Clean answers reached their client.
    lost = [(n, t) for n, t in w.answers
            if not any(norm_text(" ".join(words(t))) in d for d in delivered)]
    tap.eq(lost, [], "every clean answer reached its client (%d)" % len(w.answers))
    # The agents and the team got every note.
    w.refresh(TEAM)
    missing = []
    for n, author, text in w.notes:
        for u in [a for a in (OLGA_ADDR, JOHN_ADDR) if a != author] + [TEAM]:
            if not any(norm_text(text) in norm_text(plain_text(m))
                       for m in w.inbox[u].values()
                       if "INTERNAL" in (header(m, "Subject") or "")):
                missing.append((n, u, text[:40]))
    tap.eq(missing, [], "every note reached the other agent and the team (%d notes)"
           % len(w.notes))


def main():
    seed = int(os.environ.get("PD_SEED") or 20240601)
    with harness.Session("it_agent_leak_property", base=50000) as s:
        tap = s.tap
        tap.comment("seed %d (PD_SEED=%d repeats this run)" % (seed, seed))
        d = s.daemon(harness.agent_config(s))
        d.start()
        w = World(s, random.Random(seed))
        started = time.monotonic()
        requests(s, w)
        notes(s, w)
        replies(s, w)
        split_merge(s, w)
        check(s, w)
        tap.comment("ran %.1f s" % (time.monotonic() - started))
        tap.ok(d.stop(), "daemon stops cleanly on SIGTERM")
        if tap.failed:
            tap.comment("seed %d" % seed)


main()
