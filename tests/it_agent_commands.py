#!/usr/bin/python3
"""Agent commands (postdesk.conf(5) THREAT MODEL), in English: each alone (#priority, #type,
#time with and without nobill, #tag, #cc, #status, #take, #assign, #due,
#resolve, #close, #answer, #split, #merge, #client), then combined with an
answer.  A mail of commands only changes the ticket and relays no answer;
the notifications the changes cause still go out.  An unknown or failing
command changes nothing and the agent gets a transcript (ok / FAILED /
not run)."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness
from harness import (header, build_mail, norm_id, norm_text, plain_text, token,
                     wait_until, wait_mail, outbox_of, agent_reply, events_named, act,
                     kinds_to, OLGA, JOHN, OLGA_ADDR, JOHN_ADDR, TEAM)

DAN = "Dan Brown <dan@example.test>"
DAN_ADDR = "dan@example.test"
EVE_ADDR = "eve@example.test"
FRANK_ADDR = "frank@example.test"
RESTART_EN = "Please restart the application and try again."
DKIM_OK = ("Authentication-Results",
           "mx.example.test; dkim=pass header.d=example.test header.s=mail; spf=pass")
FIELDS = ("status", "priority", "type", "assignee", "tags", "time", "participants", "due",
          "first_response", "merged_into")


def state(t):
    return {k: (sorted(t[k]) if k in ("tags", "participants") else t[k]) for k in FIELDS}


def new_ticket(s, label, subject, body, sender=DAN):
    """(number, {agent: agent_message}) of a new request."""
    n, _, got = harness.agent_ticket(s, label, sender, subject, body)
    return n, got


def command(s, label, n, sender, notification, body, client_kinds, check=None,
            client=DAN_ADDR):
    """Sends body as sender's reply to notification; checks it is stored
    in n, relays no answer unless client_kinds says so, queues exactly
    client_kinds for the client, and check(show-json) holds."""
    tap = s.tap
    where, caused = act(s, agent_reply(sender, notification, body, style="thunderbird"))
    if not tap.ok(where is not None, "%s: stored" % label):
        return None, []
    tap.eq(where[0], n, "%s: stored in #%d" % (label, n))
    tap.eq(kinds_to(caused, client), sorted(client_kinds),
           "%s: client gets %s" % (label, sorted(client_kinds) or "nothing"))
    t = s.show(n)
    if check is not None:
        for what, got, want in check(t):
            tap.eq(got, want, "%s: %s" % (label, what))
    return t, caused


def alone(s):
    """Each command alone, one after another, on one ticket."""
    tap = s.tap
    n, got = new_ticket(s, "alone", "Printer offline", "Our office printer shows offline.")
    if not n:
        return
    ol, jo = got[OLGA_ADDR], got[JOHN_ADDR]
    command(s, "#priority high", n, OLGA, ol, "#priority high", [],
            lambda t: [("priority", t["priority"], "high"), ("status", t["status"], "new")])
    command(s, "#type bug", n, OLGA, ol, "#type bug", [],
            lambda t: [("type", t["type"], "bug")])
    command(s, "#time 1h30m", n, JOHN, jo, "#time 1h30m", [],
            lambda t: [("time", [{k: e[k] for k in ("agent", "minutes", "billable")}
                                 for e in t["time"]],
                        [{"agent": "John Smith", "minutes": 90, "billable": True}])])
    command(s, "#time 45m nobill", n, OLGA, ol, "#time 45m nobill", [],
            lambda t: [("time", sorted((e["agent"], e["minutes"], e["billable"])
                                       for e in t["time"]),
                        [("John Smith", 90, True), ("Olga Ivanova", 45, False)])])
    command(s, "#tag +vip +printer", n, OLGA, ol, "#tag +vip +printer", [],
            lambda t: [("tags", sorted(t["tags"]), ["printer", "vip"])])
    command(s, "#tag -printer +hardware", n, OLGA, ol, "#tag -printer +hardware", [],
            lambda t: [("tags", sorted(t["tags"]), ["hardware", "vip"])])
    command(s, "#cc", n, OLGA, ol, "#cc " + EVE_ADDR, [], lambda t: [("participants", EVE_ADDR in t["participants"], True)])
    command(s, "#status waiting", n, OLGA, ol, "#status waiting", ["status_waiting"],
            lambda t: [("status", t["status"], "waiting")])
    t, caused = command(s, "#take", n, OLGA, ol, "#take", ["taken"],
                        lambda t: [("assignee", t["assignee"], "Olga Ivanova")])
    taken = wait_mail(s, DAN_ADDR, "taken", n)
    tap.ok(taken is not None and "Olga Ivanova" in plain_text(taken),
           "#take: the client hears who is on it")
    tap.eq([e for e in caused if e["kind"] == "agent_assigned"], [],
           "#take: no agent_assigned to oneself")
    t, caused = command(s, "#assign John Smith", n, OLGA, ol, "#assign John Smith", ["taken"],
                        lambda t: [("assignee", t["assignee"], "John Smith")])
    tap.eq(kinds_to(caused, JOHN_ADDR), ["agent_assigned"], "#assign: John gets agent_assigned")
    tap.ok(wait_mail(s, JOHN_ADDR, "agent_assigned", n) is not None,
           "#assign: agent_assigned arrives")
    # Assigned: the client's next message reaches John and the team only.
    taken = wait_mail(s, DAN_ADDR, "taken", n)
    if taken is not None:
        where, caused = act(s, harness.reply_mail(DAN, taken, "It is still offline today."))
        tap.eq(sorted(e["rcpt"] for e in caused if e["kind"] == "agent_message"),
               sorted([JOHN_ADDR, TEAM]), "assigned: client mail reaches the assignee and team only")
    command(s, "#due 2031-03-15", n, JOHN, jo, "#due 2031-03-15", ["due"],
            lambda t: [("due", t["due"], "2031-03-15")])
    due = wait_mail(s, DAN_ADDR, "due", n)
    tap.ok(due is not None and "2031-03-15" in plain_text(due) + (header(due, "Subject") or ""),
           "#due: the client is told the date")
    # An answer now reaches the requester and the #cc participant.
    text = "Dan, the printer driver was reinstalled remotely."
    t, caused = command(s, "answer after #cc", n, JOHN, jo, text, ["answer"])
    tap.eq(kinds_to(caused, EVE_ADDR), ["answer"], "answer after #cc: the participant gets it too")
    eve = wait_mail(s, EVE_ADDR, "answer", n)
    tap.ok(eve is not None and norm_text(plain_text(eve)) == norm_text(text),
           "answer after #cc: arrives at the participant")
    command(s, "#resolve", n, JOHN, jo, "#resolve", ["status_resolved"],
            lambda t: [("status", t["status"], "resolved")])
    command(s, "#close", n, JOHN, jo, "#close", ["status_closed"],
            lambda t: [("status", t["status"], "closed")])
    t = s.show(n)
    tap.ok(not [m for m in t["messages"] if m["kind"] == "note"], "alone: no note stored")
    tap.eq(len(outbox_of(s, "answer", n, DAN_ADDR)), 1,
           "alone: exactly one answer reached the client in all")


def canned(s):
    tap = s.tap
    n, got = new_ticket(s, "#answer", "App crashes", "The app crashes on start.")
    if not n:
        return
    t, caused = command(s, "#answer restart", n, JOHN, got[JOHN_ADDR], "#answer restart",
                        ["answer"])
    ans = wait_mail(s, DAN_ADDR, "answer", n)
    if tap.ok(ans is not None, "#answer: the client gets the canned answer"):
        tap.ok(norm_text(RESTART_EN) in norm_text(plain_text(ans))
               and "#answer" not in plain_text(ans), "#answer: text is the canned answer",
               plain_text(ans))
    tap.ok(s.show(n)["first_response"], "#answer: counts as the first response")
    # Canned answer plus own text.
    own = "Dan, this is a known issue of version 4.2."
    t, caused = command(s, "#answer + text", n, JOHN, got[JOHN_ADDR],
                        "#answer restart\n\n" + own, ["answer"])
    both = wait_until(lambda: [m for m in harness.mails_of_kind(s, DAN_ADDR, "answer", n)
                               if norm_text(own) in norm_text(plain_text(m))])
    tap.ok(both and norm_text(RESTART_EN) in norm_text(plain_text(both[0])),
           "#answer + text: the client gets both", both and plain_text(both[0]))
    # Unknown canned answer: a transcript, nothing sent.
    failing(s, "#answer nosuch", n, JOHN, JOHN_ADDR, got[JOHN_ADDR],
            "#answer nosuch\n\nSee above.", ["#answer nosuch"], [])


def split(s):
    tap = s.tap
    n, got = new_ticket(s, "#split", "Two wishes",
                        "Hello,\n\nwe have two wishes for the portal:\n\n"
                        "1. Please add export of reports to PDF.\n"
                        "2. Please add a dark theme to the web portal.\n")
    if not n:
        return
    if not tap.eq(len(s.show(n)["tasks"]), 2, "#split: two tasks found"):
        return
    before = {x["number"] for x in s.tickets()}
    t, caused = command(s, "#split", n, OLGA, got[OLGA_ADDR], "#split", ["split_done"])
    new = {x["number"] for x in s.tickets()} - before
    tap.eq(len(new), 1, "#split: one new ticket")
    tap.ok(t and all(k["split_into"] for k in t["tasks"]), "#split: every task split",
           t and t["tasks"])
    tap.eq([e for e in caused if e["kind"] == "answer"], [], "#split: no answer relayed")
    failing(s, "#split again", n, OLGA, OLGA_ADDR, got[OLGA_ADDR], "#split", ["#split"], [])


def merge(s):
    tap = s.tap
    a, ga = new_ticket(s, "#merge", "VPN down", "The VPN is down.")
    b, gb = new_ticket(s, "#merge", "VPN down again", "VPN down again, same as before.")
    if not a or not b:
        return
    t, caused = command(s, "#merge", b, OLGA, gb[OLGA_ADDR], "#merge %d" % a, ["merged"])
    tb = s.show(b)
    tap.eq((tb["status"], tb["merged_into"]), ("closed", a), "#merge: #%d closed into #%d"
           % (b, a))
    ack = wait_mail(s, DAN_ADDR, "ack", b)
    if ack is not None:
        where, _ = act(s, harness.reply_mail(DAN, ack, "Any news on the VPN?"))
        tap.eq(where and where[0], a, "#merge: later mail to #%d lands in #%d" % (b, a))
    failing(s, "#merge unknown", a, OLGA, OLGA_ADDR, ga[OLGA_ADDR], "#merge 999999",
            ["#merge 999999"], [])
    failing(s, "#merge itself", a, OLGA, OLGA_ADDR, ga[OLGA_ADDR], "#merge %d" % a,
            ["#merge %d" % a], [])


def client(s):
    tap = s.tap
    label = "#client"
    before = {x["number"] for x in s.tickets()}
    raw = build_mail(OLGA, "Phone call: cannot print invoices",
                     "#client %s\n\nFrank called: invoices do not print since Monday." % FRANK_ADDR,
                     headers=[DKIM_OK])
    where, caused = act(s, raw)
    if not tap.ok(where is not None, "%s: stored" % label):
        return
    n = where[0]
    tap.ok(n and n not in before, "%s: a new ticket" % label, "stored as %r" % (where,))
    if not n:
        return
    t = s.show(n)
    tap.eq(t["requester"], FRANK_ADDR, "%s: the client is the requester" % label)
    tap.eq(kinds_to(caused, FRANK_ADDR), ["ack"], "%s: the client gets the ack" % label)
    tap.ok(wait_mail(s, FRANK_ADDR, "ack", n) is not None, "%s: ack arrives" % label)
    tap.eq(harness.held(s), [], "%s: not held (DKIM pass)" % label)


def combined(s):
    tap = s.tap
    label = "combined"
    n, got = new_ticket(s, label, "Database slow", "The reports take minutes to load.")
    if not n:
        return
    text = "Dan, we found the cause: a missing index. The fix goes live today."
    body = ("#take\n#priority urgent\n#type bug\n#time 30m\n#tag +db +perf\n#due 2030-12-31\n\n"
            + text)
    t, caused = command(s, label, n, JOHN, got[JOHN_ADDR], body, ["answer", "due", "taken"],
                        lambda t: [("assignee", t["assignee"], "John Smith"),
                                   ("priority", t["priority"], "urgent"),
                                   ("type", t["type"], "bug"),
                                   ("time", [(e["minutes"], e["billable"]) for e in t["time"]],
                                    [(30, True)]),
                                   ("tags", sorted(t["tags"]), ["db", "perf"]),
                                   ("due", t["due"], "2030-12-31"),
                                   ("status", t["status"], "open")])
    ans = wait_until(lambda: [m for m in harness.mails_of_kind(s, DAN_ADDR, "answer", n)])
    if tap.ok(ans, "%s: the answer arrives" % label):
        tap.eq(norm_text(plain_text(ans[0])), norm_text(text),
               "%s: only the text, no command lines" % label)
    stored = [m for m in s.show(n)["messages"] if m["kind"] == "agent"]
    tap.ok(stored and "#take" not in stored[0]["text"], "%s: stored without commands" % label,
           stored)
    # Lines after the first other line are text, even when they look like
    # commands; "#" followed by a digit is text too.
    text2 = "#1 on our list is the index.\n#resolve\nWe keep you posted."
    t, caused = command(s, "commands only at the top", n, JOHN, got[JOHN_ADDR], text2,
                        ["answer"], lambda t: [("status", t["status"], "open")])
    ans = wait_until(lambda: [m for m in harness.mails_of_kind(s, DAN_ADDR, "answer", n)
                              if "#1 on our list" in plain_text(m)])
    tap.ok(ans and norm_text(plain_text(ans[0])) == norm_text(text2),
           "commands only at the top: the whole text is relayed", ans and plain_text(ans[0]))
    # #note with commands: internal, and the commands apply.
    t, caused = command(s, "#note + #status", n, JOHN, got[JOHN_ADDR],
                        "#note\n#status waiting\n\nWaiting for the DBA to approve the index.",
                        ["status_waiting"], lambda t: [("status", t["status"], "waiting")])
    tap.eq([e["kind"] for e in caused if e["kind"] == "answer"], [],
           "#note + #status: no answer relayed")
    tap.ok(any(m["kind"] == "note" and "DBA" in m["text"] for m in t["messages"]),
           "#note + #status: stored as a note")


def failing(s, label, n, sender, addr, notification, body, lines, ok_lines, client=DAN_ADDR,
            not_run=()):
    """A mail whose commands fail: nothing changes, nothing is relayed,
    the agent gets a transcript naming each command."""
    tap = s.tap
    before = state(s.show(n))
    raw = agent_reply(sender, notification, body, style="thunderbird")
    where, caused = act(s, raw)
    if not tap.ok(where is not None, "%s: stored" % label):
        return
    tap.eq(state(s.show(n)), before, "%s: the ticket does not change" % label)
    tap.eq(kinds_to(caused, client), [], "%s: nothing for the client" % label)
    tap.eq([e["kind"] for e in caused], ["transcript"], "%s: only a transcript queued" % label)
    tap.eq(kinds_to(caused, addr), ["transcript"], "%s: to the agent" % label)
    mid = harness.msgid_of(raw)
    tr = wait_until(lambda: [m for m in harness.mails_of_kind(s, addr, "transcript")
                             if norm_id(header(m, "In-Reply-To")) == mid])
    if not tap.ok(tr, "%s: the transcript arrives, answering the mail" % label,
                  "outbox: %r" % outbox_of(s, "transcript")):
        return
    text = plain_text(tr[0])
    tap.ok(all(l in text for l in lines) and "FAILED" in text,
           "%s: transcript names the commands, FAILED" % label, text)
    for l in ok_lines:
        tap.ok(any(l in x and "ok" in x for x in _entries(text)),
               "%s: %r reported ok" % (label, l), text)
    for l in not_run:
        tap.ok(any(l in x and "not run" in x for x in _entries(text)),
               "%s: %r reported not run" % (label, l), text)


def _entries(text):
    """Transcript entries: a command line with its result line(s)."""
    out, cur = [], ""
    for line in text.splitlines():
        if line.startswith("#"):
            if cur:
                out.append(cur)
            cur = line
        elif cur:
            cur += "\n" + line
    if cur:
        out.append(cur)
    return out


def failures(s):
    n, got = new_ticket(s, "failures", "Mail client error", "Outlook shows error 0x800.")
    if not n:
        return
    jo = got[JOHN_ADDR]
    failing(s, "#frobnicate", n, JOHN, JOHN_ADDR, jo, "#frobnicate", ["#frobnicate"], [])
    failing(s, "#priority extreme", n, JOHN, JOHN_ADDR, jo, "#priority extreme",
            ["#priority extreme"], [])
    failing(s, "#assign Nobody", n, JOHN, JOHN_ADDR, jo, "#assign Nobody", ["#assign Nobody"], [])
    failing(s, "#time forever", n, JOHN, JOHN_ADDR, jo, "#time forever", ["#time forever"], [])
    failing(s, "#due tomorrowish", n, JOHN, JOHN_ADDR, jo, "#due someday", ["#due someday"], [])
    failing(s, "#client in a reply", n, JOHN, JOHN_ADDR, jo, "#client someone@example.test",
            ["#client someone@example.test"], [])
    failing(s, "#cc agent", n, JOHN, JOHN_ADDR, jo, "#cc " + OLGA_ADDR, ["#cc " + OLGA_ADDR], [])
    # All or nothing: the good command before the bad one is undone,
    # the one after is not run, and the text is not relayed.
    failing(s, "mixed", n, JOHN, JOHN_ADDR, jo,
            "#take\n#priority high\n#frobnicate\n#status waiting\n\nDear Dan, we are on it.",
            ["#take", "#priority high", "#frobnicate", "#status waiting"],
            ["#take", "#priority high"], not_run=["#status waiting"])
    t = s.show(n)
    s.tap.eq(t["first_response"], None, "failures: no first response")
    s.tap.eq(outbox_of(s, "taken", n), [], "failures: no taken mail ever queued")


def main():
    with harness.Session("it_agent_commands", base=47000) as s:
        tap = s.tap
        d = s.daemon(harness.agent_config(s))
        d.start()
        alone(s)
        combined(s)
        canned(s)
        split(s)
        merge(s)
        client(s)
        failures(s)
        tap.ok(wait_until(lambda: all(e["status"] == "sent" for e in s.outbox()), 60),
               "all mail sent", "outbox: %r" % s.outbox())
        tap.ok(d.stop(), "daemon stops cleanly on SIGTERM")


main()
