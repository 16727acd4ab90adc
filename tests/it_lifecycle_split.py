#!/usr/bin/python3
"""One task per ticket (postdeskd(8) Tickets): a request listing two independent wishes
gets an acknowledgement naming them; the client's "split" reply (English)
or "разделить" (Russian) opens one ticket per task beyond the first, links
them and sends one split_done mail with all numbers.  A bug report with
numbered steps to reproduce stays one ticket with a plain ack.  An agent's
`postdesk split N ROW` moves one message into a new linked ticket."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness
from harness import (header, make_mail, norm_id, norm_text, plain_text, token,
                     wait_until, wait_mail, outbox_of, reply_mail, events_named)

CLIENT = "Client <client@example.test>"
IVAN = "Иван Петров <ivan@example.test>"
BUGGY = "Bob <bob@example.test>"
DORA = "Dora <dora@example.test>"


def tasks_split(s, number):
    """show-json of number once every task has split_into set."""
    def done():
        t = s.show(number)
        return t if t["tasks"] and all(k["split_into"] for k in t["tasks"]) else None
    return wait_until(done, 30)


def split_scenario(s, label, sender, addr, subject, wishes, intro, split_word,
                   ack_words, done_words):
    tap = s.tap
    body = intro + "\n\n" + "".join("%d. %s\n" % (i + 1, w) for i, w in enumerate(wishes))
    req = s.inject(make_mail(sender, subject, body))
    t = s.wait_ticket_of(req)
    if not tap.ok(t is not None, "%s: request becomes a ticket" % label):
        s.report_daemon_state()
        return
    n = t["number"]
    tap.eq(len(t["tasks"]), len(wishes), "%s: %d tasks stored" % (label, len(wishes)))
    ack = wait_mail(s, addr, "ack_tasks", n)
    if not tap.ok(ack is not None, "%s: client gets an ack_tasks mail" % label,
                  "outbox: %r" % outbox_of(s, ticket=n)):
        return
    tap.eq(outbox_of(s, "ack", n), [], "%s: no plain ack besides it" % label)
    text = norm_text(plain_text(ack))
    tap.ok(token(n) in (header(ack, "Subject") or ""), "%s: ack subject carries %s" % (label, token(n)))
    tap.eq(norm_id(header(ack, "In-Reply-To")), req, "%s: ack answers the request" % label)
    tap.ok(all(norm_text(w) in text for w in wishes), "%s: ack names both tasks" % label, text)
    tap.ok(all(w in text for w in ack_words), "%s: ack explains the %r reply" % (label, split_word), text)

    # The client answers the ack with the split word, the ack quoted below.
    rep = s.inject(reply_mail(sender, ack, split_word))
    t = tasks_split(s, n)
    if not tap.ok(t is not None, "%s: every task gets split_into" % label,
                  "tasks: %r" % s.show(n)["tasks"]):
        return
    tasks = sorted(t["tasks"], key=lambda k: k["idx"])
    tap.eq(tasks[0]["split_into"], n, "%s: the first task stays in #%d" % (label, n))
    m = tasks[1]["split_into"]
    tap.ok(m != n, "%s: the second task gets a new ticket" % label, "split_into %r" % m)
    tap.eq(s.tickets_holding(rep), [n], "%s: the split reply is stored in #%d" % (label, n))
    nt = s.show(m)
    tap.eq(nt["requester"], addr, "%s: new ticket's requester is the client" % label)
    tap.ok(norm_text(wishes[1]).rstrip(".") in nt["subject"] or
           nt["subject"].rstrip(".") in norm_text(wishes[1]),
           "%s: new ticket's subject is the second task" % label, "subject %r" % nt["subject"])
    tap.ok(any(l["a"] == n and l["b"] == m and l["kind"] == "split" for l in nt["links"]),
           "%s: #%d and #%d are linked as split" % (label, n, m), "links %r" % nt["links"])
    tap.eq(s.show(n)["status"] in ("new", "open"), True, "%s: the original stays open" % label)

    done = wait_mail(s, addr, "split_done")
    if not tap.ok(done is not None, "%s: client gets a split_done mail" % label,
                  "outbox: %r" % s.outbox()):
        return
    text = norm_text(plain_text(done))
    tap.ok(token(n) in text and token(m) in text, "%s: split_done names %s and %s"
           % (label, token(n), token(m)), text)
    tap.ok(all(w in text for w in done_words), "%s: split_done in the client's language" % label,
           text)
    tap.eq(norm_id(header(done, "In-Reply-To")), rep, "%s: split_done answers the split reply"
           % label)
    tap.eq(len(outbox_of(s, "split_done", rcpt=addr)), 1, "%s: exactly one split_done" % label)
    tap.eq([e["kind"] for e in outbox_of(s, ticket=m)], [],
           "%s: no other mail about the new ticket" % label)
    tap.eq(sorted(x["number"] for x in s.tickets() if x["requester"] == addr), [n, m],
           "%s: two tickets for the client" % label)

    # The same word again (a second click, a resent mail) splits nothing more.
    again = s.inject(reply_mail(sender, ack, split_word))
    tap.eq(wait_until(lambda: s.tickets_holding(again)), [n],
           "%s: a second split reply is stored in #%d" % (label, n))
    tap.eq(sorted(x["number"] for x in s.tickets() if x["requester"] == addr), [n, m],
           "%s: ... and opens no ticket" % label)
    tap.eq(len(outbox_of(s, "split_done", rcpt=addr)), 1, "%s: ... and sends no split_done"
           % label)


def bug_report(s):
    tap = s.tap
    label = "bug report"
    body = ("Hello,\n\nthe report export fails every time. Steps to reproduce:\n\n"
            "1. Open the Reports page.\n"
            "2. Select the period \"Last month\".\n"
            "3. Click \"Export to PDF\".\n"
            "4. The page shows \"Error 500\" instead of the file.\n\n"
            "Expected: a PDF file. This started after the last update.\n\nBob\n")
    req = s.inject(make_mail(BUGGY, "Report export fails with error 500", body))
    t = s.wait_ticket_of(req)
    if not tap.ok(t is not None, "%s: becomes a ticket" % label):
        return
    n = t["number"]
    ack = wait_mail(s, "bob@example.test", "ack", n)
    tap.ok(ack is not None, "%s: requester gets a plain ack" % label,
           "outbox: %r" % outbox_of(s, ticket=n))
    tap.eq(outbox_of(s, "ack_tasks", n), [], "%s: no ack_tasks" % label)
    tap.eq(t["tasks"], [], "%s: no tasks stored" % label)
    if ack is not None:
        tap.ok("split" not in plain_text(ack).lower(), "%s: ack does not offer a split" % label)
    tap.eq([x["number"] for x in s.tickets() if x["requester"] == "bob@example.test"], [n],
           "%s: one ticket only" % label)


def cli_split(s):
    tap = s.tap
    label = "cli split"
    req = s.inject(make_mail(DORA, "Mailbox quota", "Please raise my mailbox quota to 10 GB."))
    t = s.wait_ticket_of(req)
    ack = wait_mail(s, "dora@example.test", "ack", t["number"]) if t else None
    if not tap.ok(t is not None and ack is not None, "%s: request and ack" % label):
        return
    n = t["number"]
    # A reply in the thread about something else, which the agent splits off.
    rep = s.inject(reply_mail(DORA, ack, "Also: the printer on floor 2 is jammed.",
                              subject="Printer on floor 2 jammed"))
    tap.eq(wait_until(lambda: s.tickets_holding(rep)), [n], "%s: the reply joins #%d" % (label, n))
    row = next(m["id"] for m in s.show(n)["messages"] if norm_id(m["message_id"]) == rep)
    try:
        out = harness.cli(s, "split", n, row).strip()
    except harness.CliError as e:
        tap.ok(False, "%s: postdesk split succeeds" % label, str(e))
        return
    tap.ok(out.isdigit(), "%s: postdesk split prints the new number" % label, "output %r" % out)
    if not out.isdigit():
        return
    m = int(out)
    tap.ok(m not in (n, 0), "%s: a new ticket" % label)
    old, new = s.show(n), s.show(m)
    tap.eq([norm_id(x["message_id"]) for x in new["messages"]], [rep],
           "%s: the message moved to #%d" % (label, m))
    tap.eq([norm_id(x["message_id"]) for x in old["messages"]], [req],
           "%s: #%d keeps only the request" % (label, n))
    tap.eq(new["requester"], "dora@example.test", "%s: new ticket's requester" % label)
    tap.ok("Printer on floor 2 jammed" in new["subject"] and token(n) not in new["subject"],
           "%s: new ticket's subject is the message's" % label, "subject %r" % new["subject"])
    tap.ok(any(l["a"] == n and l["b"] == m and l["kind"] == "split" for l in new["links"]),
           "%s: linked as split" % label, "links %r" % new["links"])
    tap.ok(events_named(old, "split"), "%s: event split on #%d" % (label, n))
    tap.eq(old["status"] in ("new", "open"), True, "%s: #%d unchanged" % (label, n))
    # The new number works for the client.
    r2 = s.inject(make_mail(DORA, "Re: %s Printer on floor 2 jammed" % token(m),
                            "It is jammed again."))
    tap.eq(wait_until(lambda: s.tickets_holding(r2)), [m],
           "%s: mail with the new token joins #%d" % (label, m))


def main():
    with harness.Session("it_lifecycle_split", base=40000) as s:
        tap = s.tap
        d = s.daemon(s.write_config())
        d.start()
        split_scenario(
            s, "split (en)", CLIENT, "client@example.test", "Two wishes for the portal",
            ["Please add export of reports to PDF.",
             "Please add a dark theme to the web portal."],
            "Hello,\n\nwe have two wishes for the portal:", "split",
            ["split", "2"], ["As you asked"])
        split_scenario(
            s, "split (ru)", IVAN, "ivan@example.test", "Пожелания по порталу",
            ["Пожалуйста, добавьте выгрузку отчётов в PDF.",
             "Прошу добавить тёмную тему оформления в веб-портал."],
            "Здравствуйте!\n\nУ нас два пожелания по порталу:", "Разделить",
            ["разделить", "Здравствуйте"], ["Как вы просили"])
        bug_report(s)
        cli_split(s)
        tap.ok(d.stop(), "daemon stops cleanly on SIGTERM")


main()
