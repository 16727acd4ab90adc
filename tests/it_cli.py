#!/usr/bin/python3
"""The CLI (postdesk(1), issue 11): every subcommand against a database
made by real traffic (requests, an answer, a note, time, tags, held
mail): text output (notes marked, events, time and tags shown), every
--json valid; search in Russian typed in another case and ending, and by
attachment name; backup while mail flows (the copy passes
integrity_check and holds the tickets, the key beside it 0600); read
commands leave a fresh state directory untouched and name `postdesk
migrate`; unknown options exit 64 with a message, --help exits 0 on every
subcommand; each error names the ticket or row."""
import json
import os
import sqlite3
import stat
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness
from harness import (build_mail, token, wait_until, wait_mail, agent_reply, act,
                     OLGA, JOHN, OLGA_ADDR, JOHN_ADDR)

CLIENT = "Ivan Petrov <ivan@client.test>"
CLIENT_ADDR = "ivan@client.test"
OTHER = "Mary Major <mary@other.test>"
OTHER_ADDR = "mary@other.test"
ATTACHMENT = "skhema-podklyucheniya.pdf"
NOTE = "Internal only: the client still owes us for the last quarter, be nice."
LONG_SUBJECT = ("Invoice for October is missing from the portal and the "
                "accounting department keeps asking every single day")

SHOW_KEYS = ["number", "subject", "status", "priority", "type", "queue", "requester",
             "requester_name", "language", "assignee", "root_id", "created", "updated",
             "resolved_at", "closed_at", "reopens", "rating", "merged_into", "first_response",
             "due", "client", "tags", "time", "links", "tasks", "participants", "messages",
             "events"]
MESSAGE_KEYS = ["id", "message_id", "from", "from_name", "subject", "direction", "kind", "text",
                "automated", "automated_reason", "created", "attachments"]
SUBCOMMANDS = ["tickets", "show", "search", "stats", "export", "status", "priority",
               "type", "merge", "split", "outbox", "held", "unfiled", "quarantine",
               "deliver", "backup", "migrate", "inspect"]


def run(s, *args, conf=None, env=None):
    """postdesk -c CONF ARGS: (exit status, stdout, stderr)."""
    e = dict(os.environ)
    e.update(env or {})
    r = subprocess.run([harness.POSTDESK, "-c", conf or s.conf] + [str(a) for a in args],
                       capture_output=True, text=True, timeout=60, env=e)
    return r.returncode, r.stdout, r.stderr


def json_of(s, label, *args, conf=None):
    """Runs a command with --json: the parsed output, or None (a failed
    check)."""
    code, out, err = run(s, *args, "--json", conf=conf)
    try:
        doc = json.loads(out)
    except ValueError as e:
        s.tap.ok(False, "%s: --json is valid JSON" % label,
                 "exit %d, %s\nstdout: %r\nstderr: %r" % (code, e, out[:500], err))
        return None
    s.tap.ok(code == 0, "%s: --json is valid JSON, exit 0" % label, "exit %d: %s" % (code, err))
    return doc


def traffic(s):
    """Two tickets: a Russian request with an attachment that Olga takes,
    answers, logs time on and tags, with a note from John; an English one
    nobody answered.  Returns (n1, n2)."""
    tap = s.tap
    raw = build_mail(CLIENT, "Не печатает принтер",
                     "Добрый день!\n\nПринтер в бухгалтерии не печатает с утра, "
                     "схема подключения во вложении.\n\nИван",
                     attachments=[(ATTACHMENT, "application/pdf", b"%PDF-1.4 fake\n")])
    t1 = s.wait_ticket_of(s.inject(raw))
    if not tap.ok(t1 is not None, "traffic: Russian request becomes a ticket"):
        s.report_daemon_state()
        return None, None
    n1 = t1["number"]
    got = {who: wait_mail(s, who, "agent_message", n1) for who in (OLGA_ADDR, JOHN_ADDR)}
    if not tap.ok(all(got.values()), "traffic: agents are told"):
        return n1, None
    where, _ = act(s, agent_reply(OLGA, got[OLGA_ADDR],
                                  "#take\n#time 30m\n#tag +printer\n\n"
                                  "Иван, добрый день! Перезагрузите принтер, пожалуйста."))
    tap.eq(where and where[0], n1, "traffic: Olga's answer is filed")
    where, _ = act(s, agent_reply(JOHN, got[JOHN_ADDR], "#note\n" + NOTE))
    tap.eq(where and tuple(where), (n1, "note"), "traffic: John's note is filed")
    t2 = s.wait_ticket_of(s.inject(build_mail(OTHER, LONG_SUBJECT,
                                              "Hello, where is my October invoice?")))
    tap.ok(t2 is not None, "traffic: English request becomes a ticket")
    return n1, t2 and t2["number"]


def lists(s, n1, n2):
    tap = s.tap
    doc = json_of(s, "tickets", "tickets")
    if doc is None:
        return
    nums = sorted(t["number"] for t in doc)
    tap.eq(nums, sorted([n1, n2]), "tickets: both tickets listed")
    t1 = next(t for t in doc if t["number"] == n1)

    def numbers(*args):
        d = json_of(s, "tickets %s" % " ".join(args), "tickets", *args)
        return sorted(t["number"] for t in d) if d is not None else None

    tap.eq(numbers("--queue", "support"), sorted([n1, n2]), "tickets --queue support: both")
    code, out, err = run(s, "tickets", "--queue", "billing")
    tap.ok(code == 64 and "no queue 'billing'" in err and not out,
           "tickets --queue billing (not configured): 64, says so", "%d %r" % (code, err))
    code, out, err = run(s, "tickets", "--status", "solved")
    tap.ok(code == 64 and "'solved' is not a status" in err,
           "tickets --status solved: 64, says so", "%d %r" % (code, err))
    tap.eq(numbers("--status", t1["status"]),
           sorted(t["number"] for t in doc if t["status"] == t1["status"]),
           "tickets --status %s: only those" % t1["status"])
    tap.eq(numbers("--status", "closed"), [], "tickets --status closed: none")
    tap.eq(numbers("--client", OTHER_ADDR), [n2], "tickets --client ADDRESS")
    tap.eq(numbers("--client", "client.test"), [n1], "tickets --client DOMAIN")
    tap.eq(numbers("--waiting"), [n2], "tickets --waiting: the one nobody answered")
    tap.eq(numbers("--tag", "printer"), [n1], "tickets --tag printer")
    tap.eq(numbers("--tag", "nothing"), [], "tickets --tag nothing: none")
    tap.ok(t1["assignee"], "tickets: the taken ticket has an assignee", repr(t1))
    if t1["assignee"]:
        tap.eq(numbers("--assignee", t1["assignee"]), [n1], "tickets --assignee")
    tap.eq(numbers("--since", "2000-01-01"), sorted([n1, n2]), "tickets --since 2000-01-01")
    tap.eq(numbers("--since", "2999-01-01"), [], "tickets --since the future: none")
    code, _, err = run(s, "tickets", "--since", "yesterday-ish")
    tap.ok(code == 64 and "not a date" in err, "tickets --since BAD: 64 with a message",
           "exit %d: %s" % (code, err))

    # Tables fit the terminal: the subject is cut with an ellipsis.
    code, out, _ = run(s, "tickets", env={"COLUMNS": "72"})
    lines = out.splitlines()
    tap.ok(code == 0 and len(lines) == 3 and all(len(l) <= 72 for l in lines),
           "tickets: the table fits 72 columns", out)
    tap.ok("\u2026" in out and LONG_SUBJECT not in out, "tickets: the long subject is cut with …",
           out)
    code, out, _ = run(s, "tickets", env={"COLUMNS": "400"})
    tap.ok(LONG_SUBJECT in out and "Не печатает принтер" in out,
           "tickets: a wide terminal shows whole subjects", out)


def show(s, n1, n2):
    tap = s.tap
    t = json_of(s, "show", "show", n1)
    if t is None:
        return
    code, out, err = run(s, "show", n1)
    tap.eq(code, 0, "show: exit 0")
    at = out.find(NOTE)
    tap.ok(at > 0, "show: the note's text is shown", out)
    banner = out.rfind("=== ", 0, at)
    tap.ok(out[banner:].startswith("=== INTERNAL NOTE by John Smith"),
           "show: the note is under an INTERNAL NOTE banner with its author",
           out[max(0, banner - 200):at + 100])
    tap.ok("=== END OF INTERNAL NOTE ===" in out[at:], "show: the note's end is marked")
    tap.ok(out.count("=== INTERNAL NOTE") == 1, "show: only the note is marked internal")
    tap.ok("Перезагрузите принтер" in out and "=== AGENT MAIL from" in out,
           "show: Olga's answer is shown as agent mail", out)
    tap.ok(ATTACHMENT in out, "show: attachment names shown")
    tap.ok("printer" in [l for l in out.splitlines() if l.startswith("Tags:")][0],
           "show: tags shown", out)
    tap.ok("=== TIME ===" in out and "0h30" in out, "show: time shown", out)
    tap.ok("=== EVENTS ===" in out and t["events"] and
           all(e["event"] in out for e in t["events"]), "show: every event shown", out)
    tap.ok(any(m["kind"] == "note" for m in t["messages"]), "show --json: the note is kind note")
    tap.eq(sorted(t), sorted(SHOW_KEYS), "show --json: the members of postdesk(1)")
    m = next((m for m in t["messages"] if m["attachments"]), None)
    tap.ok(m is not None and sorted(m) == sorted(MESSAGE_KEYS) and m["automated"] is False
           and m["attachments"][0]["filename"] == ATTACHMENT,
           "show --json: message members, attachments", m)
    tap.ok(t["time"] and t["time"][0]["billable"] is True and t["time"][0]["minutes"] == 30,
           "show --json: time entries", t["time"])


def search(s, n1, n2):
    tap = s.tap

    def hits(*words):
        d = json_of(s, "search %s" % " ".join(words), "search", *words)
        return d or []

    h = hits("ПРИНТЕРЫ")
    tap.ok(any(x["ticket"] == n1 for x in h), "search: ПРИНТЕРЫ finds принтер (case, ending)", h)
    tap.ok(all(x["ticket"] != n2 for x in h), "search: ПРИНТЕРЫ does not find the invoice")
    tap.ok(all(isinstance(x["rank"], (int, float)) for x in h) and
           [x["rank"] for x in h] == sorted(x["rank"] for x in h), "search: ranked, best first", h)
    tap.ok(any("[" in x["snippet"] and "]" in x["snippet"] for x in h),
           "search: snippets mark the hit", h)
    h = hits("бухгалтерией")
    tap.ok(any(x["ticket"] == n1 for x in h), "search: бухгалтерией finds бухгалтерии", h)
    h = hits("podklyucheniya")
    tap.ok(any(x["ticket"] == n1 and x["kind"] == "client" for x in h),
           "search: an attachment name finds its message", h)
    h = hits("invoices", "october")
    tap.eq(sorted({x["ticket"] for x in h}), [n2], "search: two English words, both required")
    tap.eq(hits("zzzyyyxxx"), [], "search: no hit, empty list")
    code, out, _ = run(s, "search", "принтеров")
    tap.ok(code == 0 and token(n1).strip("[]") in out, "search: text output names the ticket",
           out)
    code, _, err = run(s, "search", "ab")
    tap.ok(code == 64 and "three" in err, "search: too short a word: 64 with a message", err)


def stats_export_status(s, n1, n2):
    tap = s.tap
    st = json_of(s, "stats", "stats")
    if st is not None:
        q = {r["name"]: r for r in st["queues"]}
        tap.ok("support" in q and q["support"]["opened"] == 2 and q["support"]["waiting"] == 1,
               "stats: the support queue opened 2, 1 waiting", st)
        tap.ok(q.get("support", {}).get("median_first_response") is not None,
               "stats: a median first response", st)
        tap.ok(len(st["agents"]) >= 1, "stats: per agent rows", st)
    code, out, _ = run(s, "stats", "--since", "2000-01-01")
    tap.ok(code == 0 and "BY QUEUE" in out and "BY AGENT" in out and "support" in out,
           "stats: text tables", out)
    ex = json_of(s, "export", "export")
    if ex is not None:
        tap.eq(sorted(t["number"] for t in ex), sorted([n1, n2]), "export: every ticket")
        t1 = next((t for t in ex if t["number"] == n1), {"messages": [], "events": []})
        notes = [m for m in t1["messages"] if m["internal"]]
        tap.ok(len(notes) == 1 and NOTE in notes[0]["text"] and notes[0]["kind"] == "note",
               "export: the note is marked internal", notes)
        tap.ok(any(a["name"] == ATTACHMENT for m in t1["messages"] for a in m["attachments"]),
               "export: attachment names")
        tap.ok(all(m["headers"]["message_id"] and "from" in m["headers"]
                   for m in t1["messages"]), "export: a header summary per message")
        tap.ok(t1["events"] and t1["tags"] == ["printer"] and t1["time"],
               "export: events, tags, time", {k: t1.get(k) for k in ("events", "tags", "time")})
    code, _, err = run(s, "export")
    tap.ok(code == 64 and "--json" in err, "export without --json: 64, says --json", err)
    stj = json_of(s, "status", "status")
    if stj is not None:
        src = {x["source"]: x for x in stj["sources"]}
        tap.ok("main" in src and src["main"]["connected"] is True and src["main"]["last_fetch"],
               "status: the source is connected and has fetched", stj)
        tap.ok(set(stj["outbox"]) == {"due", "later", "failed"} and "held" in stj
               and "quarantine" in stj and isinstance(stj["errors"], list)
               and stj["never_seen"] == [],
               "status: outbox, held, quarantine, errors", stj)
        b = src.get("broken", {})
        tap.ok(b.get("connected") is False and b.get("last_error") and b.get("last_error_at"),
               "status: the source whose server is down, with its error", b)
        tap.ok(any(e["source"] == "broken" and e["error"] for e in stj["errors"]),
               "status: its error among the last errors", stj["errors"])
    code, out, _ = run(s, "status")
    tap.ok(code == 0 and "main" in out and "Outbox:" in out and "Quarantine:" in out
           and "broken" in out, "status: text", out)
    for args in (("outbox",), ("outbox", "list"), ("held", "list"), ("quarantine", "list"),
                 ("unfiled",)):
        doc = json_of(s, " ".join(args), *args)
        tap.ok(isinstance(doc, list), "%s --json: a list" % " ".join(args))
    code, out, _ = run(s, "outbox")
    tap.ok(code == 0 and out.startswith("ID"), "outbox: a table", out)


def held(s, n1):
    """Forged mail from Olga's address is held; the admin releases it."""
    tap = s.tap
    raw = build_mail(OLGA, "Re: %s Не печатает принтер" % token(n1), "#tag +forged\n\nHello.")
    mid = s.inject(raw)
    row = wait_until(lambda: next((h for h in s.cli_json("held")
                                   if harness.norm_id(h["message_id"]) == harness.norm_id(mid)),
                                  None))
    if not tap.ok(row is not None, "held: forged mail is held"):
        return
    code, out, _ = run(s, "held")
    tap.ok(code == 0 and str(row["id"]) in out and "Olga" in out, "held: a table", out)
    code, out, err = run(s, "held", "release", row["id"])
    tap.ok(code == 0 and "released" in out, "held release: exit 0", "%d %s %s" % (code, out, err))
    t = s.show(n1)
    tap.ok("forged" in t["tags"], "held release: filed as Olga's (#tag applied)", t["tags"])
    code, _, err = run(s, "held", "release", row["id"])
    tap.ok(code == 65 and ("held mail %d is already released" % row["id"]) in err,
           "held release again: 65, says it is already released", err)
    mid = s.inject(build_mail(OLGA, "Re: %s Не печатает принтер" % token(n1), "#tag +dropme"))
    row = wait_until(lambda: next((h for h in s.cli_json("held")
                                   if harness.norm_id(h["message_id"]) == harness.norm_id(mid)),
                                  None))
    if tap.ok(row is not None, "held: a second forged mail is held"):
        code, _, err = run(s, "held", "drop", row["id"])
        tap.eq(code, 0, "held drop: exit 0")
        tap.eq(next(h["status"] for h in s.cli_json("held") if h["id"] == row["id"]), "dropped",
               "held drop: marked dropped")
        tap.ok("dropme" not in s.show(n1)["tags"], "held drop: nothing applied")
    code, _, err = run(s, "held", "drop", 99999)
    tap.ok(code == 66 and "held mail 99999 does not exist" in err, "held drop unknown: 66", err)


def errors(s, n1, n2):
    tap = s.tap
    cases = [
        (("show", 1234), 66, "ticket 1234 does not exist"),
        (("status", 1234, "resolved"), 66, "ticket 1234 does not exist"),
        (("priority", 1234, "high"), 66, "ticket 1234 does not exist"),
        (("type", 1234, "bug"), 66, "ticket 1234 does not exist"),
        (("merge", 1234, n1), 66, "ticket 1234 does not exist"),
        (("merge", n1, 1234), 66, "ticket 1234 does not exist"),
        (("split", 1234, 1), 66, "ticket 1234 does not exist"),
        (("merge", n1, n1), 65, "ticket %d cannot be merged into itself" % n1),
        (("split", n1, 999999), 66, "message 999999 is not in ticket %d" % n1),
        (("priority", n1, "extreme"), 64, "'extreme' is not a priority"),
        (("type", n1, "rant"), 64, "'rant' is not a type"),
        (("status", n1, "done"), 64, "'done' is not a status"),
        (("status", "x1", "open"), 64, "'x1' is not a ticket number"),
        (("quarantine", "show", 999), 66, "quarantine 999 does not exist"),
        (("quarantine", "drop", 999), 66, "quarantine 999 does not exist"),
        (("outbox", "retry", 99999), 66, "outbox mail 99999 does not exist"),
        (("held", "frobnicate", 1), 64, "unknown action"),
    ]
    code, _, err = run(s, "status", n2, "resolved")
    tap.eq(code, 0, "status N resolved: exit 0")
    cases.append((("status", n2, "resolved"), 65, "ticket %d is already resolved" % n2))
    t = s.show(n1)
    cases.append((("priority", n1, t["priority"]), 65,
                  "ticket %d already has priority %s" % (n1, t["priority"])))
    sent = [e for e in s.outbox() if e["status"] == "sent"]
    if sent:
        cases.append((("outbox", "retry", sent[0]["id"]), 65,
                      "outbox mail %d was already sent" % sent[0]["id"]))
    if sent:
        # A failed mail retried by hand is sent again by the daemon.
        harness.db_exec(s, "UPDATE outbox SET status = 'failed', last_error = 'test' "
                        "WHERE id = ?", (sent[-1]["id"],))
        code, out, err = run(s, "outbox", "retry", sent[-1]["id"])
        tap.ok(code == 0 and "due now" in out, "outbox retry ID: exit 0", err)
        tap.ok(wait_until(lambda: next(e for e in s.outbox()
                                       if e["id"] == sent[-1]["id"])["status"] == "sent", 60),
               "outbox retry ID: the daemon sends it again")
    for args, want, text in cases:
        code, _, err = run(s, *args)
        tap.ok(code == want and text in err, "postdesk %s: exit %d, '%s'"
               % (" ".join(map(str, args)), want, text), "exit %d: %r" % (code, err))


def usage(s):
    tap = s.tap
    for cmd in SUBCOMMANDS:
        code, out, err = run(s, cmd, "--help")
        tap.ok(code == 0 and "Usage" in out and cmd in out, "%s --help: exit 0" % cmd,
               "exit %d: %s %s" % (code, out, err))
        code, out, err = run(s, cmd, "--frobnicate")
        tap.ok(code == 64 and "frobnicate" in err, "%s --frobnicate: exit 64 with a message"
               % cmd, "exit %d: %r" % (code, err))
    code, out, _ = run(s, "-h")
    tap.ok(code == 0 and all(c in out for c in SUBCOMMANDS), "postdesk -h lists every command")
    for prog in (harness.POSTDESK, harness.POSTDESKD):
        r = subprocess.run([prog, "--version"], capture_output=True, text=True, timeout=30)
        tap.ok(r.returncode == 0 and r.stdout.strip(), "%s --version" % os.path.basename(prog))
        r = subprocess.run([prog, "--help"], capture_output=True, text=True, timeout=30)
        tap.ok(r.returncode == 0 and "Usage" in r.stdout, "%s --help" % os.path.basename(prog))
    code, _, err = run(s, "frobnicate")
    tap.ok(code == 64 and "unknown command" in err, "unknown command: 64")
    code, _, err = run(s, "tickets", "--queue")
    tap.ok(code == 64 and "queue" in err, "an option without its value: 64", err)
    code, _, err = run(s, "show")
    tap.ok(code == 64 and "missing" in err, "show without NUMBER: 64", err)
    code, _, err = run(s, "search", "--limit", "many", "word")
    tap.ok(code == 64, "search --limit many: 64", err)


def read_only(s):
    """Read commands on a fresh, empty state directory: nothing created,
    and they name `postdesk migrate`."""
    tap = s.tap
    empty = os.path.join(s.dir, "fresh")
    os.mkdir(empty)
    main = s.conf
    conf = s.write_config(name="fresh.conf", database=os.path.join(empty, "pd.db"),
                          gateway_key_file=os.path.join(empty, "mac.key"))
    s.conf = main
    for args in (("tickets",), ("show", 1000), ("search", "printer"), ("stats",),
                 ("export", "--json"), ("status",), ("outbox",), ("outbox", "list"),
                 ("held", "list"), ("quarantine", "list"), ("quarantine", "show", 1),
                 ("unfiled",), ("backup", os.path.join(s.dir, "never.db"))):
        code, out, err = run(s, *args, conf=conf)
        tap.ok(code == 66 and "postdesk migrate" in err, "fresh dir: %s says postdesk migrate"
               % " ".join(map(str, args)), "exit %d: %r" % (code, err))
    tap.eq(os.listdir(empty), [], "fresh dir: read commands created nothing")
    code, out, err = run(s, "migrate", conf=conf)
    tap.ok(code == 0 and sorted(os.listdir(empty))[:2] == ["mac.key", "pd.db"],
           "migrate creates the database and the key", "%d %s %s %r"
           % (code, out, err, os.listdir(empty)))
    # An older schema: read commands refuse and name migrate, which takes
    # a backup first.
    db = os.path.join(empty, "pd.db")
    for f in ("pd.db", "pd.db-wal", "pd.db-shm"):
        if os.path.exists(os.path.join(empty, f)):
            os.unlink(os.path.join(empty, f))
    # Schema 8, before the search index (db_create_at, tests/mkolddb.c).
    r = subprocess.run([os.path.join(harness.BUILDDIR, "tests", "mkolddb"), db, "8"],
                       capture_output=True, text=True)
    tap.ok(r.returncode == 0, "a database of schema 8 made", r.stderr)
    before = sorted(os.listdir(empty))
    code, _, err = run(s, "tickets", conf=conf)
    tap.ok(code == 69 and "older" in err and "postdesk migrate" in err,
           "older schema: tickets refuses and names postdesk migrate", "%d %r" % (code, err))
    code, _, err = run(s, "status", 1000, "open", conf=conf)
    tap.ok(code == 69 and "postdesk migrate" in err, "older schema: a write command too", err)
    code, out, err = run(s, "migrate", conf=conf)
    baks = [f for f in os.listdir(empty) if f.endswith(".bak")]
    tap.ok(code == 0 and len(baks) == 1, "migrate: backup taken first", "%d %s %s %r"
           % (code, out, err, os.listdir(empty)))
    code, out, err = run(s, "tickets", "--json", conf=conf)
    tap.ok(code == 0 and json.loads(out) == [], "after migrate: tickets works", err)
    tap.ok(len(before) >= 2, "older schema: read commands left the files as they were")
    # The wrong user: root on a directory of another user creates nothing.
    if os.geteuid() == 0:
        other = os.path.join(s.dir, "other")
        os.mkdir(other)
        os.chown(other, 65534, 65534)
        conf = s.write_config(name="other.conf", database=os.path.join(other, "pd.db"),
                              gateway_key_file=os.path.join(other, "mac.key"))
        s.conf = main
        for args in (("migrate",), ("deliver", "--source", "main")):
            r = subprocess.run([harness.POSTDESK, "-c", conf] + list(args), input=b"",
                               capture_output=True, timeout=60)
            want = 75 if args[0] == "deliver" else 77
            tap.ok(r.returncode == want and b"belongs to" in r.stderr,
                   "another user's state directory: %s refuses (%d) and says why"
                   % (args[0], want), "%d %r" % (r.returncode, r.stderr))
        tap.eq(os.listdir(other), [], "another user's state directory: nothing created")


def backup(s, n1, n2):
    """backup while mail flows."""
    tap = s.tap
    stop = threading.Event()
    sent = []

    def flow():
        i = 0
        while not stop.is_set() and i < 15:
            sent.append(s.inject(build_mail("Flow %d <flow%d@flow.test>" % (i, i),
                                            "Flow request %d" % i, "Request number %d." % i)))
            i += 1
            time.sleep(0.1)

    th = threading.Thread(target=flow)
    th.start()
    copies = []
    for i in range(3):
        path = os.path.join(s.dir, "backup-%d.db" % i)
        code, out, err = run(s, "backup", path)
        copies.append((path, code, err))
        time.sleep(0.4)
    stop.set()
    th.join()
    for path, code, err in copies:
        tap.eq(code, 0, "backup %s: exit 0" % os.path.basename(path))
        if code != 0:
            tap.comment(err)
            continue
        con = sqlite3.connect(path)
        try:
            tap.eq(con.execute("PRAGMA integrity_check").fetchall(), [("ok",)],
                   "backup %s: integrity_check ok" % os.path.basename(path))
            nums = {r[0] for r in con.execute("SELECT number FROM tickets")}
            tap.ok({n1, n2} <= nums, "backup %s: holds the tickets" % os.path.basename(path))
        finally:
            con.close()
        key = path + ".key"
        with open(key, "rb") as a, open(os.path.join(s.dir, "mac.key"), "rb") as b:
            tap.ok(a.read() == b.read(), "backup: FILE.key is the MAC key")
        tap.eq(stat.S_IMODE(os.stat(key).st_mode), 0o600, "backup: FILE.key is 0600")
    code, _, err = run(s, "backup", copies[0][0])
    tap.ok(code == 73 and "exists" in err, "backup over an existing file: 73", err)


def main():
    with harness.Session("it_cli", base=57700) as s:
        # A second source whose server is down: status shows its error.
        main_src = s.config()["sources"][0]
        broken = dict(main_src, name="broken", port=s.base + 998)
        harness.agent_config(s, sources=[main_src, broken])
        d = s.daemon()
        d.start()
        usage(s)
        read_only(s)
        n1, n2 = traffic(s)
        if n1 and n2:
            lists(s, n1, n2)
            show(s, n1, n2)
            search(s, n1, n2)
            stats_export_status(s, n1, n2)
            held(s, n1)
            errors(s, n1, n2)
            backup(s, n1, n2)
        d.stop()


if __name__ == "__main__":
    main()
