#!/usr/bin/python3
"""The FAQ in the acknowledgement (postdesk.conf(5) FAQ), through the real
servers: a request that an entry of the knowledge base answers gets it in
its acknowledgement (title, first lines, "reply решено"), and that reply
resolves the ticket as self-service, the agents told; a request matching
nothing gets the plain acknowledgement, the same as with suggestions
turned off; an auto-reply gets nothing; a client with suggest_faq = false
gets nothing; "#faq Title" on an agent's answer creates an entry that the
next similar request is offered; `postdesk faq test` ranks a mail without
changing anything."""
import email.utils
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness
from harness import (build_mail, header, plain_text, norm_text, token, wait_until, wait_mail,
                     outbox_of, events_named, act, kinds_to, agent_reply, cli, OLGA_ADDR,
                     JOHN_ADDR, TEAM, JOHN)

ANSWERS = os.path.join(harness.SRCDIR, "tests", "faq", "answers")
IVAN = "Иван Петров <ivan@shop.test>"
IVAN_ADDR = "ivan@shop.test"
MARY = "Mary Jones <mary@store.test>"
MARY_ADDR = "mary@store.test"
PAUL = "Paul Black <paul@quiet.test>"
PAUL_ADDR = "paul@quiet.test"
ANNA = "Anna White <anna@store.test>"
ANNA_ADDR = "anna@store.test"
BOT = "Vacation <away@robot.test>"
BOT_ADDR = "away@robot.test"


def ack_of(s, label, sender, subject, body):
    """(number, request id, ack body) of a new request."""
    req = s.inject(build_mail(sender, subject, body))
    t = s.wait_ticket_of(req)
    if not s.tap.ok(t is not None, "%s: request becomes a ticket" % label):
        s.report_daemon_state()
        return None, req, None
    ack = s.wait_ack(email.utils.parseaddr(sender)[1], req)
    s.tap.ok(ack is not None, "%s: the ack arrives" % label)
    return t["number"], req, plain_text(ack) if ack is not None else ""


def shape(body, n, name):
    """An ack body without what differs between two tickets."""
    return body.replace(token(n), "TOKEN").replace(name, "NAME")


def suggested_and_solved(s):
    label = "suggested"
    tap = s.tap
    n, req, body = ack_of(s, label, IVAN, "касса не продает",
                          "Касса пишет, что смена превысила 24 часа, и не даёт пробить чек! "
                          "Покупатели ждут.")
    if not n:
        return
    tap.ok("Смена превысила 24 часа" in body, "%s: the ack offers the entry by title" % label,
           body)
    tap.ok("Фискальная смена длится не больше 24 часов" in body,
           "%s: ... with its first lines" % label, body)
    tap.ok("решено" in body, "%s: ... and says to reply «решено»" % label, body)
    tap.ok(body.count("\n1. ") == 1 and "\n4. " not in body,
           "%s: at most three entries, numbered" % label, body)
    tap.ok("\n\n\n" not in body.replace("\r", ""), "%s: no double blank lines" % label, body)
    tap.comment("the ack:\n" + body)
    t = s.show(n)
    tap.ok(events_named(t, "faq_offered"), "%s: the offer is an event" % label, t["events"])
    note = wait_mail(s, OLGA_ADDR, "agent_message", n)
    tap.ok(note is not None and "file:ru/shift-24h" in plain_text(note),
           "%s: the agents' notification names the offered entry" % label,
           note and plain_text(note))
    if note is not None:
        tap.ok("Предложены" not in plain_text(note) and "в подтверждении клиенту предложены"
               in plain_text(note), "%s: ... in the agent's language" % label, plain_text(note))
        tap.comment("Olga's copy:\n" + plain_text(note))
    ack = s.wait_ack(IVAN_ADDR, req)
    if ack is None:
        return
    where, caused = act(s, harness.reply_mail(IVAN, ack, "Решено!"))
    tap.eq(where and where[0], n, "%s: «Решено!» joins #%d" % (label, n))
    t = s.show(n)
    tap.eq(t["status"], "resolved", "%s: the ticket is resolved" % label)
    tap.ok(events_named(t, "self-service"), "%s: ... as self-service" % label, t["events"])
    tap.ok(any("self-service" in (e["detail"] or "") for e in events_named(t, "status")),
           "%s: the status change gives the reason self-service" % label, t["events"])
    tap.ok("status_resolved" in kinds_to(caused, IVAN_ADDR),
           "%s: the client gets status_resolved (with the rating question)" % label, caused)
    told = [e for e in caused if e["kind"] == "agent_message"]
    tap.eq(sorted(e["rcpt"] for e in told), sorted([OLGA_ADDR, JOHN_ADDR, TEAM]),
           "%s: the agents are told" % label)
    msg = wait_until(lambda: [m for m in harness.mails_of_kind(s, JOHN_ADDR, "agent_message", n)
                              if "self-service" in plain_text(m)])
    tap.ok(msg, "%s: their notification says self-service" % label)
    # A rating may follow.
    where, caused = act(s, harness.reply_mail(IVAN, ack, "5 - спасибо"))
    tap.eq(s.show(n).get("rating"), 5, "%s: a rating follows" % label)


def other_reply(s):
    label = "other reply"
    tap = s.tap
    n, req, body = ack_of(s, label, MARY, "Receipt printer not printing",
                          "Since this morning the receipt printer prints nothing at all, "
                          "the sale goes through but no receipt comes out.")
    if not n:
        return
    tap.ok("The receipt printer does not print receipts" in body and "solved" in body,
           "%s: the English client gets the English entry" % label, body)
    ack = s.wait_ack(MARY_ADDR, req)
    if ack is None:
        return
    act(s, harness.reply_mail(MARY, ack, "Not solved: the red light stays on after a new roll."))
    t = s.show(n)
    tap.ok(t["status"] not in ("resolved", "closed") and not events_named(t, "self-service"),
           "%s: any other reply goes on as usual" % label, t)
    # Once an agent has answered, "solved" is for the agent: no self-service.
    note = wait_mail(s, JOHN_ADDR, "agent_message", n)
    if note is None:
        return n
    act(s, agent_reply(JOHN, note, "#answer receipt-printer\n\n"
                       "Please also clean the print head with the cleaning card."))
    ans = wait_mail(s, MARY_ADDR, "answer", n)
    if tap.ok(ans is not None, "%s: the agent's answer arrives" % label):
        tap.ok("Check that the paper roll" in plain_text(ans)
               and "Title:" not in plain_text(ans) and "Keywords:" not in plain_text(ans),
               "#answer: a canned answer with a header gives only its body",
               plain_text(ans))
        act(s, harness.reply_mail(MARY, ans, "Solved, thanks!"))
        t = s.show(n)
        tap.ok(not events_named(t, "self-service") and t["status"] != "resolved",
               "%s: 'solved' after an agent's answer is not self-service" % label, t)
    return n


def plain(s):
    tap = s.tap
    n, _, body = ack_of(s, "no match", ANNA, "Discounts",
                        "How do I set up a 10% loyalty discount for regular customers?")
    m, _, body_off = ack_of(s, "off", PAUL, "Discounts",
                            "The receipt printer prints nothing, receipt printer not printing "
                            "receipts at all.")
    if not n or not m:
        return
    tap.ok("solved" not in body and "knowledge base" not in body,
           "no match: nothing offered", body)
    tap.ok(not events_named(s.show(n), "faq_offered"), "no match: no offer event")
    tap.ok("knowledge base" not in body_off and not events_named(s.show(m), "faq_offered"),
           "suggest_faq = false: a matching request of that client gets nothing", body_off)
    tap.eq(shape(body, n, "Anna White"), shape(body_off, m, "Paul Black"),
           "no match: the ack is exactly the plain one")
    return n


def automated(s):
    label = "auto-reply"
    tap = s.tap
    before = len(s.outbox())
    raw = build_mail(BOT, "Auto: shift longer than 24 hours",
                     "I am away. The register says the shift is longer than 24 hours.",
                     headers=[("Auto-Submitted", "auto-replied")])
    mid = s.inject(raw)
    tap.ok(harness.wait_stored(s, mid), "%s: stored" % label)
    tap.eq(outbox_of(s, rcpt=BOT_ADDR), [], "%s: nothing is sent to it" % label)
    tap.ok(not any(events_named(s.show(t["number"]), "faq_offered")
                   for t in s.tickets() if t["requester"] == BOT_ADDR),
           "%s: nothing offered" % label)


def faq_by_mail(s, n):
    label = "#faq"
    tap = s.tap
    note = wait_mail(s, JOHN_ADDR, "agent_message", n)
    if not tap.ok(note is not None, "%s: John has the notification" % label):
        return
    act(s, agent_reply(JOHN, note, "#note\n#faq Internal\n\nThe client is difficult."))
    tap.ok(not [e for e in s.cli_json("faq", "list") if e["title"] == "Internal"],
           "%s: an internal note does not become an entry" % label)
    text = ("Open Settings > Loyalty on the register and tick \"Apply card discounts\".\n"
            "Then sync the register: the loyalty discount applies from the next sale.")
    where, caused = act(s, agent_reply(JOHN, note, "#faq Loyalty card discount not applied\n\n"
                                       + text))
    tap.eq(kinds_to(caused, ANNA_ADDR), ["answer"], "%s: the answer goes to the client" % label)
    entries = s.cli_json("faq", "list")
    mine = [e for e in entries if e["title"] == "Loyalty card discount not applied"]
    if not tap.ok(mine and mine[0]["ticket"] == n and mine[0]["language"] == "en",
                  "%s: an entry linked to #%d" % (label, n), entries):
        return
    shown = s.cli_json("faq", "show", mine[0]["id"])
    tap.ok(norm_text(text) in norm_text(shown["body"]) and "#faq" not in shown["body"],
           "%s: its text is the answer, without the command" % label, shown)
    m, _, body = ack_of(s, label + " next", MARY, "loyalty discount",
                        "The loyalty card discount is not applied at the register, why?")
    tap.ok("Loyalty card discount not applied" in body and "Apply card discounts" in body,
           "%s: the next similar request is offered it" % label, body)
    cli(s, "faq", "drop", mine[0]["id"])
    tap.ok(not [e for e in s.cli_json("faq", "list") if e["id"] == mine[0]["id"]],
           "%s: faq drop removes it" % label)


def faq_test(s):
    tap = s.tap
    path = os.path.join(s.dir, "req.eml")
    with open(path, "wb") as f:
        f.write(build_mail(IVAN, "выгрузка в 1С",
                           "Не выгружаются продажи в 1С, как настроить обмен?"))
    before = (len(s.tickets()), len(s.outbox()))
    r = s.cli_json("faq", "test", path)
    tap.ok(r["ranked"] and r["ranked"][0]["key"] == "file:ru/export-1c"
           and r["ranked"][0]["offered"] and r["offered"] >= 1,
           "faq test: ranks the 1С entry first and would offer it", r)
    tap.ok(all(k in r["ranked"][0] for k in ("score", "bm25", "cover", "key_cover")),
           "faq test: shows the scores")
    tap.eq((len(s.tickets()), len(s.outbox())), before, "faq test: touches nothing")
    out = cli(s, "faq", "test", path)
    tap.ok("export-1c" in out and "->" in out, "faq test: a text table too", out)


def main():
    with harness.Session("it_faq", base=46600) as s:
        tap = s.tap
        conf = harness.agent_config(
            s, gateway_answers=ANSWERS, faq={"suggest": True},
            clients=[{"name": "Quiet", "domains": ["quiet.test"], "suggest_faq": False}])
        d = s.daemon(conf)
        d.start()
        suggested_and_solved(s)
        other_reply(s)
        n = plain(s)
        automated(s)
        if n:
            faq_by_mail(s, n)
        faq_test(s)
        tap.ok(d.stop(), "daemon stops cleanly on SIGTERM")


main()
