#!/usr/bin/python3
"""Routing rules (postdesk.conf(5) "ROUTING RULES", issue 9 item 2-4)
through the real servers with a realistic configuration: urgent words in
Russian and English raise the priority, a VIP client's mail goes to a
named agent with a note and a colleague told, spam is dropped (kept raw,
no ticket, no answer), a marketing sender is rejected with the `reject`
template (one answer per mail, capped like every automatic mail), an
executable attachment is held in the quarantine, a PDF is tagged,
invoices go to the billing queue, a rule on follow-ups escalates; every
rule that fires is an event of the ticket with its name.  A SIGHUP with a
broken rules file while mail flows loses nothing and keeps the old rules;
`postdeskd -n` names the errors; `postdesk rules test` explains a
message, as text and as JSON, without a database."""
import json
import os
import signal
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness
from harness import build_mail, events_named, header, make_mail, outbox_of

JOHN = "John Smith"
OLGA = "Olga Ivanova"

RULES = [
    {"name": "spam", "any": [{"header": ["X-Spam-Flag", "^yes"]},
                             {"subject": "viagra|casino|казино"}],
     "drop": True},
    {"name": "marketing", "from": "@marketing\\.test$", "reject": "reject"},
    {"name": "executables", "has_attachment": "\\.(exe|scr|js)$", "hold": True},
    {"name": "urgent", "any": [{"subject": "срочно|urgent|авария"},
                               {"body": "не работает вообще|production is down"}],
     "priority": "urgent", "tags": ["urgent"], "continue": True},
    {"name": "vip", "client": "VIP", "assign": JOHN, "tags": ["vip"],
     "note": "VIP client: answer within one hour", "notify": [OLGA],
     "continue": True},
    {"name": "billing", "subject": "счёт|оплат|invoice", "queue": "billing",
     "type": "question"},
    {"name": "documents", "has_attachment": "\\.pdf$", "tags": ["document"]},
    {"name": "monitoring", "from": "^monitor@", "no_ack": True, "type": "bug",
     "tags": ["monitoring"]},
    {"name": "escalate", "on": "followup", "subject": "escalate|эскалац",
     "priority": "high"},
]

QUEUES = [
    {"name": "support", "addresses": [harness.SUPPORT]},
    {"name": "billing", "addresses": ["billing@example.test"]},
]

AGENTS = [
    {"name": OLGA, "addresses": ["olga@example.test"], "role": "lead",
     "language": "ru"},
    {"name": JOHN, "addresses": ["john@example.test"], "role": "agent",
     "language": "en"},
]

CLIENTS = [{"name": "VIP", "domains": ["vip.test"]}]

# Caps on: four automatic mails per address and hour (the reject answers
# are counted like every automatic mail).
FLOODS = dict(harness.FLOODS_OFF, address_per_hour=4)


def conf(s, rules=RULES, name="postdesk.conf"):
    return s.write_config(name=name, rules=rules, queues=QUEUES, agents=AGENTS,
                          clients=CLIENTS, floods=FLOODS)


def rule_events(t):
    return [e["detail"] for e in events_named(t, "rule")]


def stored(s, msgid):
    rows = harness.db_query(s, "SELECT COALESCE(ticket, 0), kind FROM messages "
                            "WHERE message_id = ?", (harness.norm_id(msgid),))
    return rows[0] if rows else None


def postdesk(s, *args, conf_path=None):
    return subprocess.run([harness.POSTDESK, "-c", conf_path or s.conf] + list(args),
                          capture_output=True, text=True, timeout=60)


def routing(s, d):
    tap = s.tap
    # Urgent words, in Russian (ё/е and case do not matter) and English.
    ru = s.inject(make_mail("Иван <ivan@client.test>", "СРОЧНО: сервер не отвечает",
                            "Добрый день! Сервер не отвечает с утра."))
    en = s.inject(make_mail("Ann <ann@client.test>", "Question",
                            "Our production is down since 9am."))
    for mid, label in ((ru, "Russian subject"), (en, "English body")):
        t = s.wait_ticket_of(mid)
        tap.ok(t is not None and t["priority"] == "urgent" and "urgent" in t["tags"],
               "%s: urgent keywords give priority urgent and the tag" % label,
               t and (t["priority"], t["tags"]))
        tap.ok(t is not None and rule_events(t) == ["urgent"],
               "%s: the rule is an event with its name" % label,
               t and t["events"])
    t_ru = s.wait_ticket_of(ru)
    tap.ok(s.wait_ack("ivan@client.test", ru) is not None,
           "an urgent request is acknowledged")

    # A VIP client: assigned to John, tagged, a note, Olga told.
    vip = s.inject(make_mail("CEO <ceo@vip.test>", "Срочно нужен счёт за ноябрь",
                             "Пришлите, пожалуйста, счёт."))
    t = s.wait_ticket_of(vip)
    tap.ok(t is not None and t["assignee"] == JOHN,
           "VIP: assigned to the named agent", t and t["assignee"])
    tap.ok(t is not None and set(t["tags"]) >= {"vip", "urgent"}
           and t["priority"] == "urgent" and t["queue"] == "billing",
           "VIP: continue lets urgent, vip and billing all act (ё in the rule, "
           "ё in the mail)", t and (t["tags"], t["priority"], t["queue"]))
    tap.ok(t is not None and rule_events(t) == ["urgent", "vip", "billing"],
           "VIP: every rule that fired is an event, in order", t and rule_events(t))
    tap.ok(t is not None and any(e["event"] == "note" and "one hour" in e["detail"]
                                 and e["actor"] == "rule:vip" for e in t["events"]),
           "VIP: the rule's note is on the ticket")
    tap.ok(harness.wait_until(lambda: outbox_of(s, "rule_notify", t["number"],
                                                "olga@example.test")) if t else False,
           "VIP: the agent in notify is told")
    tap.ok(s.wait_ack("ceo@vip.test", vip) is not None, "VIP: acknowledged")

    # Invoices go to billing; monitoring gets no acknowledgement.
    inv = s.inject(make_mail("Petr <petr@client.test>", "Оплата по договору",
                             "Когда ждать оплату?"))
    t = s.wait_ticket_of(inv)
    tap.ok(t is not None and t["queue"] == "billing" and rule_events(t) == ["billing"],
           "billing: an invoice question files into the billing queue",
           t and (t["queue"], rule_events(t)))
    mon = s.inject(make_mail("monitor@client.test", "disk 91% on db1", "Disk usage 91%."))
    t = s.wait_ticket_of(mon)
    tap.ok(t is not None and t["type"] == "bug" and "monitoring" in t["tags"],
           "no_ack rule: the ticket is typed and tagged", t and (t["type"], t["tags"]))
    tap.ok(t is not None and not outbox_of(s, "ack", t["number"]),
           "no_ack rule: no acknowledgement")

    # Attachments: a PDF is tagged, an executable is held.
    pdf = s.inject(build_mail("Kate <kate@client.test>", "Contract", "See attached.",
                              attachments=[("Contract.PDF", "application/pdf",
                                            b"%PDF-1.4 test\n")]))
    t = s.wait_ticket_of(pdf)
    tap.ok(t is not None and "document" in t["tags"] and rule_events(t) == ["documents"],
           "attachment rule: a PDF is tagged", t and t["tags"])
    exe = s.inject(build_mail("Bob <bob@client.test>", "Tool", "Run this.",
                              attachments=[("setup.exe", "application/octet-stream",
                                            b"MZ\x90\x00binary")]))
    held = harness.wait_until(lambda: [q for q in s.cli_json("quarantine", "list")
                                       if "executables" in q["reason"]])
    tap.ok(bool(held), "hold rule: the mail is in the quarantine, naming the rule",
           s.cli_json("quarantine", "list"))
    tap.ok(not s.tickets_holding(exe), "hold rule: no ticket")
    tap.ok(harness.wait_until(lambda: s.count(harness.SUPPORT, "Quarantine") == 1),
           "hold rule: moved to the Quarantine folder")

    # Spam: dropped, kept raw, nothing sent.
    spam = s.inject(make_mail("Winner <winner@lottery.test>", "You won", "Click.",
                              headers=[("X-Spam-Flag", "YES")]))
    spam2 = s.inject(make_mail("promo@lottery.test", "Online КАЗИНО", "Играйте."))
    for mid, label in ((spam, "spam header"), (spam2, "spam subject")):
        row = harness.wait_until(lambda: stored(s, mid))
        tap.eq(row, (0, "dropped"), "%s: dropped, the raw message kept outside any "
               "ticket" % label)
        tap.ok(d.log_has("event=dropped", 'rule="spam"', mid) is not None,
               "%s: the drop is logged with the rule" % label)
    raw = harness.db_query(s, "SELECT length(raw) FROM messages WHERE message_id = ?",
                           (spam,))
    tap.ok(raw and raw[0][0] > 0, "spam: its raw bytes are stored")
    tap.ok(not s.tickets_holding(spam) and not s.tickets_holding(spam2),
           "spam: no ticket")

    # A rejected sender: one answer per mail with the template, capped.
    rej = [s.inject(make_mail("Promo <promo@marketing.test>", "Offer %d" % i,
                              "Buy our leads!")) for i in range(5)]
    for mid in rej:
        harness.wait_until(lambda: stored(s, mid))
    tap.ok(all(stored(s, mid) == (0, "rejected") for mid in rej),
           "reject: each mail kept outside any ticket", [stored(s, m) for m in rej])
    sent = harness.wait_until(lambda: len(outbox_of(s, "reject", None,
                                                    "promo@marketing.test")) >= 4
                              and outbox_of(s, "reject", None, "promo@marketing.test"))
    sent = outbox_of(s, "reject", None, "promo@marketing.test")
    tap.eq(len(sent), 4, "reject: one answer per mail, then the cap (4 an hour) stops them")
    answers = harness.wait_until(lambda: s.sink_to("promo@marketing.test"))
    tap.ok(answers and "not accepted" in harness.plain_text(answers[0])
           and (header(answers[0], "Auto-Submitted") or "").startswith("auto-replied"),
           "reject: the answer is the reject template, an automatic reply")
    tap.ok(not [e for e in s.outbox() if (e["rcpt"] or "").lower() in
                ("winner@lottery.test", "promo@lottery.test")],
           "spam: nothing was sent to the spammers")

    # A follow-up rule.
    ack = s.wait_ack("ivan@client.test", ru)
    if ack is not None:
        fu = s.inject(harness.reply_mail("Иван <ivan@client.test>", ack, "Эскалация!",
                                         subject="Re: %s эскалация"
                                         % harness.token(t_ru["number"])))
        t = harness.wait_until(lambda: (lambda x: x if x["priority"] == "high" else None)(
            s.show(t_ru["number"])))
        tap.ok(t is not None and rule_events(t) == ["urgent", "escalate"]
               and len(s.tickets_holding(fu)) == 1,
               "on = followup: the follow-up raises the priority, with an event",
               t and t["events"])
    else:
        tap.ok(False, "on = followup: no ack to reply to")


def reload_broken(s, d, conf_path):
    tap = s.tap
    good = open(conf_path).read()
    # The CLI reads its own copy: the daemon's file is about to break.
    s.write_config(name="cli.conf", text=good)
    # Mail keeps flowing while a broken rules file is loaded.
    burst = [make_mail("Load %d <load%d@client.test>" % (i, i),
                       "urgent %d" % i, "request %d" % i) for i in range(6)]
    ids = s.inject_many(burst[:3])
    with open(conf_path, "w") as f:
        f.write(good.replace('"срочно|urgent|авария"', '"срочно|(urgent"', 1)
                .replace('"reject"', '"no_such_template"', 1))
    d.signal(signal.SIGHUP)
    ids += s.inject_many(burst[3:])
    tap.ok(harness.wait_until(lambda: d.log_has("reload-refused")),
           "SIGHUP: the broken rules file is refused")
    tap.ok(d.log_has("postdesk.conf:", "bad regex in 'subject'", "at char") is not None,
           "SIGHUP: the log names file:line and where the regex breaks")
    tap.ok(d.log_has("postdesk.conf:", "unknown template 'no_such_template'") is not None,
           "SIGHUP: every error is logged")
    tickets = [s.wait_ticket_of(m) for m in ids]
    tap.ok(all(t is not None for t in tickets), "SIGHUP: no mail is lost",
           [t is not None for t in tickets])
    tap.ok(all(t and t["priority"] == "urgent" and rule_events(t) == ["urgent"]
               for t in tickets),
           "SIGHUP: the old rules stay in force", [t and t["priority"] for t in tickets])
    tap.ok(d.alive(), "SIGHUP: the daemon still runs")
    # A good edit swaps the rules in.
    with open(conf_path, "w") as f:
        f.write(good.replace('priority = "urgent";', 'priority = "high";', 1))
    d.signal(signal.SIGHUP)
    tap.ok(harness.wait_until(lambda: d.log_has("event=reloaded")),
           "SIGHUP: a good rules file is loaded")
    late = s.inject(make_mail("late@client.test", "URGENT again", "x"))
    t = s.wait_ticket_of(late)
    tap.ok(t is not None and t["priority"] == "high",
           "SIGHUP: mail after the reload follows the new rules", t and t["priority"])


def check_errors(s):
    tap = s.tap
    bad = [dict(r) for r in RULES]
    bad[0] = dict(bad[0], subjct="x")
    bad[3] = dict(bad[3], queue="sales")
    bad.append({"name": "spam", "tags": ["again"]})
    path = s.write_config(name="bad.conf", rules=bad, queues=QUEUES, agents=AGENTS,
                          clients=CLIENTS, floods=FLOODS)
    rc, out = s.check_config(path)
    lines = out.strip().splitlines()
    tap.ok(rc != 0 and any("bad.conf:" in l and "did you mean 'subject'?" in l
                           for l in lines)
           and any("unknown queue 'sales'" in l for l in lines)
           and any("duplicate rule name 'spam'" in l for l in lines),
           "postdeskd -n: every rules error, file:line each", out)


def rules_test_cli(s, conf_path):
    tap = s.tap
    # Its own config, whose database cannot even be created: the command
    # must not need one.
    text = open(conf_path).read().replace(os.path.join(s.dir, "pd.db"),
                                          "/nonexistent/postdesk/pd.db")
    nodb = os.path.join(s.dir, "nodb.conf")
    with open(nodb, "w") as f:
        f.write(text)
    files = {
        "urgent.eml": make_mail("ceo@vip.test", "АВАРИЯ: всё лежит", "Сервер упал."),
        "spam.eml": make_mail("x@lottery.test", "hi", "x",
                              headers=[("X-Spam-Flag", "yes")]),
        "plain.eml": make_mail("a@client.test", "Hello", "Just a question."),
        "tobilling.eml": make_mail("a@client.test", "Hello", "A question.",
                                   to="billing@example.test"),
        "agent.eml": make_mail("john@example.test", "urgent: invoice", "x"),
        "auto.eml": make_mail("bot@client.test", "urgent", "Out of office.",
                              headers=[("Auto-Submitted", "auto-replied")]),
    }
    for name, raw in files.items():
        with open(os.path.join(s.dir, name), "wb") as f:
            f.write(raw)
    r = postdesk(s, "rules", "test", os.path.join(s.dir, "urgent.eml"), conf_path=nodb)
    out = r.stdout
    tap.ok(r.returncode == 0 and "rule 4 'urgent' (line" in out
           and "rule 1 'spam'" in out and "no match" in out,
           "rules test: each rule with whether it matched", out + r.stderr)
    tap.ok("rule 6 'billing'" in out and "(subject failed)" in out,
           "rules test: which condition failed", out)
    tap.ok("priority: urgent" in out and "assignee: " + JOHN in out
           and "queue:    support" in out and "ack:      yes" in out
           and "outcome:  ticket" in out,
           "rules test: the verdict (queue, priority, assignee, ack)", out)
    tap.ok(not os.path.exists("/nonexistent/postdesk"),
           "rules test: no database opened or created")
    r = postdesk(s, "rules", "test", os.path.join(s.dir, "spam.eml"), "--json",
                 conf_path=nodb)
    try:
        j = json.loads(r.stdout)
    except ValueError:
        j = None
    tap.ok(j is not None and j["verdict"]["outcome"] == "drop"
           and j["verdict"]["by"] == "spam" and j["verdict"]["ack"] is False
           and j["rules"][0]["matched"] and not j["rules"][1]["reached"],
           "rules test --json: the drop, by its rule; later rules not reached",
           r.stdout + r.stderr)
    r = postdesk(s, "rules", "test", os.path.join(s.dir, "plain.eml"), "--json",
                 "--source", "main", conf_path=nodb)
    try:
        j = json.loads(r.stdout)
    except ValueError:
        j = None
    tap.ok(j is not None and j["verdict"]["outcome"] == "ticket"
           and j["verdict"]["rules"] == [] and j["verdict"]["ack"] is True
           and j["verdict"]["priority"] == "normal"
           and all(not x["matched"] for x in j["rules"])
           and j["rules"][3]["failed"] == "any"
           and j["message"]["source"] == "main",
           "rules test --json: a plain request, no rule fires", r.stdout + r.stderr)
    # No rule moves it: the queue is the one it is written to, as the
    # daemon files it, not the source's.
    r = postdesk(s, "rules", "test", os.path.join(s.dir, "tobilling.eml"),
                 "--json", "--source", "main", conf_path=nodb)
    try:
        j = json.loads(r.stdout)
    except ValueError:
        j = None
    tap.ok(j is not None and j["verdict"]["rules"] == []
           and j["verdict"]["queue"] == "billing",
           "rules test: mail to billing@ is shown in queue billing",
           r.stdout + r.stderr)
    # Mail the daemon does not route by the rules is not shown as routed.
    r = postdesk(s, "rules", "test", os.path.join(s.dir, "agent.eml"),
                 "--json", conf_path=nodb)
    try:
        j = json.loads(r.stdout)
    except ValueError:
        j = None
    tap.ok(j is not None and j["verdict"]["outcome"] == "agent"
           and j["verdict"]["not_routed"] and j["verdict"]["rules"] == []
           and j["verdict"]["priority"] == "normal"
           and j["verdict"]["ack"] is False
           and any(x["matched"] for x in j["rules"]),
           "rules test: an agent's mail is agent mail, no rule applies",
           r.stdout + r.stderr)
    r = postdesk(s, "rules", "test", os.path.join(s.dir, "auto.eml"),
                 conf_path=nodb)
    tap.ok("outcome:  unfiled (automated mail" in r.stdout
           and "rules:    -" in r.stdout,
           "rules test: an auto-reply opens no ticket", r.stdout + r.stderr)
    outbox_before = len(s.outbox())
    tap.eq(len(s.outbox()), outbox_before, "rules test: no mail queued")


def main():
    with harness.Session("it_routing", base=41000) as s:
        path = conf(s)
        d = s.daemon(path)
        d.start()
        routing(s, d)
        check_errors(s)
        s.conf = path
        rules_test_cli(s, path)
        reload_broken(s, d, path)
        s.tap.ok(d.stop(), "daemon stops cleanly")


main()
