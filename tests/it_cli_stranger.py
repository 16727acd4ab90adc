#!/usr/bin/python3
"""The CLI against a stranger's mail (postdesk(1), issue 11): `show` lets
no escape sequence reach the terminal (ESC, the 8-bit CSI U+009B, a
bidirectional override in the text or a file name), and a line of the
client's text cannot pose as an INTERNAL NOTE banner; `search` finds a word
as the index folds it ("Hauptstraße", "HAUPTSTRAẞE", "İzmir": no folding of
our own that the word index does not share), a Japanese word inside a
sentence, and without the punctuation around it;
the file name loses its override; --json
stays valid; `quarantine show` on a terminal shows no escape sequence
(raw bytes to a pipe); plan and report name their usage errors, and `postdesk
--help` says what each command does."""
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness
from harness import build_mail

CLIENT = "Eve Stranger <eve@stranger.test>"
FORGED = "=== INTERNAL NOTE by John Smith, 2026-01-01 10:00, message 1 ==="
BODY = ("Hello,\n\nthe parcel for Hauptstraße 5 in İzmir never came.\x1b[2J\n"
        "東京都の事務所にも届きません。\n"
        "Red \x1b[31mtext\x1b[0m and \u009b31mcsi\u009b0m, \u202etxt.exe\n"
        + FORGED + "\nRefund the client 5000 EUR at once.\n"
        "=== END OF INTERNAL NOTE ===\n")
FILE = "invoice\u202efdp.exe"


def run(s, *args):
    r = subprocess.run([harness.POSTDESK, "-c", s.conf] + [str(a) for a in args],
                       capture_output=True, text=True, timeout=60)
    return r.returncode, r.stdout, r.stderr


def main():
    with harness.Session("it_cli_stranger", base=59300) as s:
        tap = s.tap
        d = s.daemon(harness.agent_config(s))
        d.start()
        raw = build_mail(CLIENT, "Parcel lost", BODY,
                         attachments=[(FILE, "application/octet-stream", b"MZ")])
        t = s.wait_ticket_of(s.inject(raw))
        if not tap.ok(t is not None, "the stranger's mail becomes a ticket"):
            s.report_daemon_state()
            d.stop()
            return
        n = t["number"]
        code, out, err = run(s, "show", n)
        tap.eq(code, 0, "show: exit 0")
        tap.ok("Refund the client" in out, "show: the text is shown", out)
        bad = sorted({"U+%04X" % ord(ch) for ch in out
                      if (ord(ch) < 0x20 and ch not in "\n\t") or 0x7f <= ord(ch) <= 0x9f
                      or 0x202a <= ord(ch) <= 0x202e or 0x2066 <= ord(ch) <= 0x2069})
        tap.eq(bad, [], "show: no control or bidirectional character reaches the terminal")
        tap.eq(sum(1 for l in out.splitlines() if l.startswith("=== INTERNAL NOTE")), 0,
               "show: the client's text cannot start an INTERNAL NOTE banner")
        tap.eq(sum(1 for l in out.splitlines() if l.startswith("=== END OF INTERNAL")), 0,
               "show: nor end one")
        tap.ok(" " + FORGED in out, "show: the forged line is still shown, shifted", out)
        code, out, err = run(s, "show", n, "--json")
        try:
            doc = json.loads(out)
            tap.ok(code == 0 and any(a["filename"] == "invoice_fdp.exe"
                                     for m in doc["messages"] for a in m["attachments"]),
                   "show --json: valid; the file name has no U+202E", out)
        except ValueError as e:
            tap.ok(False, "show --json: valid", "%s %r" % (e, out[:300]))
        # Punctuation around a word (a stray shell quote, FTS5 syntax
        # typed by habit) is not part of it.
        # (The index holds words since schema 14, db.c: "Straße" alone
        # no longer finds the compound "Hauptstraße".)
        # A CJK word (fts_words.h) is found inside a run of text without
        # spaces, and may be shorter than three characters.
        for word in ("Hauptstraße", "hauptstraße", "HAUPTSTRAẞE", "İzmir", '"parcel',
                     "(Hauptstraße),", "^İzmir*", "京都", "事務所", "届き"):
            code, out, err = run(s, "search", word, "--json")
            try:
                hits = [h["ticket"] for h in json.loads(out)]
            except ValueError:
                hits = None
            tap.eq(hits, [n], "search %s: found" % word)
        # quarantine show: the raw bytes for a file or a pipe, but no
        # escape sequence on a terminal.
        junk = b"\x1b]0;owned\x07\x1b[2Jnot a mail at all\r\n\x00\xc2\x9b31m\r\n"
        r = subprocess.run([harness.POSTDESK, "-c", s.conf, "deliver", "--source", "main"],
                           input=junk, capture_output=True, timeout=60)
        tap.ok(r.returncode == 0 and b"quarantined" in r.stdout, "junk is quarantined",
               repr(r.stdout + r.stderr))
        qid = json.loads(run(s, "quarantine", "list", "--json")[1])[-1]["id"]
        r = subprocess.run([harness.POSTDESK, "-c", s.conf, "quarantine", "show", str(qid)],
                           capture_output=True, timeout=60)
        tap.ok(r.returncode == 0 and r.stdout == junk, "quarantine show to a pipe: the raw bytes",
               repr(r.stdout))
        master, slave = os.openpty()
        p = subprocess.Popen([harness.POSTDESK, "-c", s.conf, "quarantine", "show", str(qid)],
                             stdout=slave, stderr=subprocess.DEVNULL)
        os.close(slave)
        got = b""
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:
                break
            if not chunk:
                break
            got += chunk
        p.wait(timeout=60)
        os.close(master)
        # The terminal's own line discipline turns "\n" into "\r\n".
        shown = got.replace(b"\r\n", b"\n")
        tap.ok(p.returncode == 0 and b"not a mail at all" in shown and
               not any(c < 0x20 and c not in b"\n\t" for c in shown) and
               b"\xc2\x9b" not in shown,
               "quarantine show on a terminal: no escape sequence", repr(got))
        # plan and report parse their own arguments: each usage error
        # says what was wrong, like every other command.
        for cmd in ("plan", "report"):
            for args, want in ((("--frobnicate",), "frobnicate"), ((), "CLIENT"),
                               (("acme", "--month"), "--month"),
                               (("acme", "other"), "other")):
                code, out, err = run(s, cmd, *args)
                tap.ok(code == 64 and want in err, "%s %s: 64, says %s"
                       % (cmd, " ".join(args), want), "exit %d: %r" % (code, err))
        code, out, err = run(s, "--help")
        tap.ok(code == 0 and "Search subjects, texts and attachment names" in out,
               "postdesk --help: each command with what it does", out)
        d.stop()


if __name__ == "__main__":
    main()
