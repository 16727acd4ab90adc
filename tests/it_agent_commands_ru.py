#!/usr/bin/python3
"""Agent commands in Russian (postdesk.conf(5) THREAT MODEL): #приоритет, #тип, #время (with
"бесплатно"), #метка, #копия, #статус ожидание, #взять, #назначить, #срок
(DD.MM.YYYY), #решено, #закрыть, #ответ (the Russian canned answer for a
Russian client), #разделить, #объединить, #клиент, #заметка; combined with
an answer; unknown and failing Russian commands change nothing and get a
transcript."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness
from harness import (header, build_mail, norm_id, norm_text, plain_text, token,
                     wait_until, wait_mail, outbox_of, agent_reply, act, kinds_to,
                     OLGA, JOHN, OLGA_ADDR, JOHN_ADDR, TEAM)

PETR = "Пётр Смирнов <petr@example.test>"
PETR_ADDR = "petr@example.test"
GLEB_ADDR = "gleb@example.test"
NINA_ADDR = "nina@example.test"
RESTART_RU = "Пожалуйста, перезапустите приложение и попробуйте снова."
DKIM_OK = ("Authentication-Results", "mx.example.test; dkim=pass header.d=example.test")
FIELDS = ("status", "priority", "type", "assignee", "tags", "time", "participants", "due",
          "first_response", "merged_into")


def state(t):
    return {k: (sorted(t[k]) if k in ("tags", "participants") else t[k]) for k in FIELDS}


def new_ticket(s, label, subject, body):
    n, _, got = harness.agent_ticket(s, label, PETR, subject, body)
    if n is not None:
        s.tap.eq(s.show(n)["language"], "ru", "%s: a Russian ticket" % label)
    return n, got


def command(s, label, n, sender, notification, body, client_kinds, check=None):
    tap = s.tap
    where, caused = act(s, agent_reply(sender, notification, body))
    if not tap.ok(where is not None, "%s: stored" % label):
        return None, []
    tap.eq(where[0], n, "%s: stored in #%d" % (label, n))
    tap.eq(kinds_to(caused, PETR_ADDR), sorted(client_kinds),
           "%s: client gets %s" % (label, sorted(client_kinds) or "nothing"))
    t = s.show(n)
    for what, got, want in (check(t) if check else ()):
        tap.eq(got, want, "%s: %s" % (label, what))
    return t, caused


def failing(s, label, n, sender, addr, notification, body, lines):
    tap = s.tap
    before = state(s.show(n))
    raw = agent_reply(sender, notification, body)
    where, caused = act(s, raw)
    if not tap.ok(where is not None, "%s: stored" % label):
        return
    tap.eq(state(s.show(n)), before, "%s: the ticket does not change" % label)
    tap.eq([(e["kind"], e["rcpt"]) for e in caused], [("transcript", addr)],
           "%s: only a transcript, to the agent" % label)
    tr = wait_until(lambda: [m for m in harness.mails_of_kind(s, addr, "transcript")
                             if norm_id(header(m, "In-Reply-To")) == harness.msgid_of(raw)])
    if tap.ok(tr, "%s: the transcript arrives" % label):
        text = plain_text(tr[0])
        tap.ok(all(l in text for l in lines) and "FAILED" in text,
               "%s: transcript names the commands" % label, text)


def alone(s):
    tap = s.tap
    n, got = new_ticket(s, "ru alone", "Не работает принтер",
                        "Здравствуйте! Принтер в бухгалтерии не печатает.")
    if not n:
        return
    ol, jo = got[OLGA_ADDR], got[JOHN_ADDR]
    command(s, "#приоритет срочный", n, OLGA, ol, "#приоритет срочный", [],
            lambda t: [("priority", t["priority"], "urgent")])
    command(s, "#тип ошибка", n, OLGA, ol, "#тип ошибка", [],
            lambda t: [("type", t["type"], "bug")])
    command(s, "#время 1ч30м", n, OLGA, ol, "#время 1ч30м", [],
            lambda t: [("time", [(e["agent"], e["minutes"], e["billable"]) for e in t["time"]],
                        [("Olga Ivanova", 90, True)])])
    command(s, "#время 20м бесплатно", n, OLGA, ol, "#время 20м бесплатно", [],
            lambda t: [("time", sorted(e["minutes"] for e in t["time"] if not e["billable"]),
                        [20])])
    command(s, "#метка +срочно +Бухгалтерия", n, OLGA, ol, "#метка +срочно +Бухгалтерия", [],
            lambda t: [("tags", sorted(t["tags"]), sorted(["срочно", "бухгалтерия"]))])
    command(s, "#метка -срочно", n, OLGA, ol, "#метка -срочно", [],
            lambda t: [("tags", sorted(t["tags"]), ["бухгалтерия"])])
    command(s, "#копия", n, OLGA, ol, "#копия " + GLEB_ADDR, [],
            lambda t: [("participants", GLEB_ADDR in t["participants"], True)])
    command(s, "#статус ожидание", n, OLGA, ol, "#статус ожидание", ["status_waiting"],
            lambda t: [("status", t["status"], "waiting")])
    command(s, "#взять", n, OLGA, ol, "#взять", ["taken"],
            lambda t: [("assignee", t["assignee"], "Olga Ivanova")])
    taken = wait_mail(s, PETR_ADDR, "taken", n)
    tap.ok(taken is not None and "Olga Ivanova" in plain_text(taken),
           "#взять: the client hears who is on it")
    t, caused = command(s, "#назначить John Smith", n, OLGA, ol, "#назначить John Smith",
                        ["taken"], lambda t: [("assignee", t["assignee"], "John Smith")])
    tap.eq(kinds_to(caused, JOHN_ADDR), ["agent_assigned"], "#назначить: John gets agent_assigned")
    command(s, "#срок 01.06.2031", n, JOHN, jo, "#срок 01.06.2031", ["due"],
            lambda t: [("due", t["due"], "2031-06-01")])
    due = wait_mail(s, PETR_ADDR, "due", n)
    tap.ok(due is not None and ("2031-06-01" in plain_text(due) or "01.06.2031" in
                                plain_text(due)), "#срок: the client is told the date",
           due and plain_text(due))
    command(s, "#решено", n, JOHN, jo, "#решено", ["status_resolved"],
            lambda t: [("status", t["status"], "resolved")])
    command(s, "#закрыть", n, JOHN, jo, "#закрыть", ["status_closed"],
            lambda t: [("status", t["status"], "closed")])
    tap.eq(outbox_of(s, "answer", n), [], "ru alone: no answer relayed by commands")


def canned_note(s):
    tap = s.tap
    n, got = new_ticket(s, "#ответ", "Программа падает", "Программа падает при запуске.")
    if not n:
        return
    command(s, "#ответ restart", n, OLGA, got[OLGA_ADDR], "#ответ restart", ["answer"])
    ans = wait_mail(s, PETR_ADDR, "answer", n)
    if tap.ok(ans is not None, "#ответ: the client gets an answer"):
        tap.ok(norm_text(RESTART_RU) in norm_text(plain_text(ans)),
               "#ответ: the Russian canned answer", plain_text(ans))
    note = "Похоже на старую версию библиотеки, проверить у разработчиков до пятницы."
    where, caused = act(s, agent_reply(OLGA, got[OLGA_ADDR], "#заметка\n" + note))
    tap.eq(where and tuple(where), (n, "note"), "#заметка: stored as a note")
    tap.eq(sorted(e["rcpt"] for e in caused if e["kind"] == "agent_note"), [JOHN_ADDR, TEAM],
           "#заметка: John and the team get agent_note")
    tap.eq(kinds_to(caused, PETR_ADDR), [], "#заметка: nothing for the client")
    # Combined, in Russian, with an answer.
    text = "Пётр, мы нашли причину и выпустим исправление завтра."
    t, caused = command(s, "ru combined", n, JOHN, got[JOHN_ADDR],
                        "#взять\n#приоритет высокий\n#время 1ч\n#метка +релиз\n\n" + text,
                        ["answer", "taken"],
                        lambda t: [("assignee", t["assignee"], "John Smith"),
                                   ("priority", t["priority"], "high"),
                                   ("time", [e["minutes"] for e in t["time"]], [60]),
                                   ("tags", t["tags"], ["релиз"])])
    ans = wait_until(lambda: [m for m in harness.mails_of_kind(s, PETR_ADDR, "answer", n)
                              if norm_text(text) in norm_text(plain_text(m))])
    tap.ok(ans and norm_text(plain_text(ans[0])) == norm_text(text),
           "ru combined: the client gets only the text")
    # Failing Russian commands.
    failing(s, "#чепуха", n, JOHN, JOHN_ADDR, got[JOHN_ADDR], "#чепуха", ["#чепуха"])
    failing(s, "#приоритет огромный", n, JOHN, JOHN_ADDR, got[JOHN_ADDR],
            "#приоритет огромный\n#статус ожидание\n\nПётр, ждём ответа.",
            ["#приоритет огромный", "#статус ожидание"])
    failing(s, "#назначить Никто", n, JOHN, JOHN_ADDR, got[JOHN_ADDR], "#назначить Никто",
            ["#назначить Никто"])


def split_merge_client(s):
    tap = s.tap
    n, got = new_ticket(s, "#разделить", "Пожелания по порталу",
                        "Здравствуйте!\n\nУ нас два пожелания по порталу:\n\n"
                        "1. Пожалуйста, добавьте выгрузку отчётов в PDF.\n"
                        "2. Прошу добавить тёмную тему оформления в веб-портал.\n")
    if n and tap.eq(len(s.show(n)["tasks"]), 2, "#разделить: two tasks found"):
        before = {x["number"] for x in s.tickets()}
        t, caused = command(s, "#разделить", n, OLGA, got[OLGA_ADDR], "#разделить",
                            ["split_done"])
        tap.eq(len({x["number"] for x in s.tickets()} - before), 1,
               "#разделить: one new ticket")
    a, ga = new_ticket(s, "#объединить", "Нет доступа к VPN", "Не подключается VPN.")
    b, gb = new_ticket(s, "#объединить", "VPN опять", "VPN опять не подключается.")
    if a and b:
        command(s, "#объединить", b, OLGA, gb[OLGA_ADDR], "#объединить [ACME#%d]" % a,
                ["merged"], lambda t: [("merged into", (t["status"], t["merged_into"]),
                                        ("closed", a))])
    label = "#клиент"
    before = {x["number"] for x in s.tickets()}
    where, caused = act(s, build_mail(OLGA, "Звонок: не работает почта",
                                      "#клиент %s\n\nНина позвонила: почта не работает."
                                      % NINA_ADDR, headers=[DKIM_OK]))
    if tap.ok(where is not None and where[0] not in before and where[0],
              "%s: a new ticket" % label, "stored as %r" % (where,)):
        tap.eq(s.show(where[0])["requester"], NINA_ADDR, "%s: the client is the requester" % label)
        tap.eq(kinds_to(caused, NINA_ADDR), ["ack"], "%s: the client gets the ack" % label)


def main():
    with harness.Session("it_agent_commands_ru", base=48000) as s:
        tap = s.tap
        d = s.daemon(harness.agent_config(s))
        d.start()
        alone(s)
        canned_note(s)
        split_merge_client(s)
        tap.ok(wait_until(lambda: all(e["status"] == "sent" for e in s.outbox()), 60),
               "all mail sent", "outbox: %r" % s.outbox())
        tap.ok(d.stop(), "daemon stops cleanly on SIGTERM")


main()
