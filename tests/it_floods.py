#!/usr/bin/python3
"""Header floods and memory (issue 7 §7): hostile mail costs bounded time
and memory in `postdesk deliver`, `postdesk inspect` and the daemon.

- 100,000 X-Loop headers, and 100,000 Authentication-Results under a forged
  agent From: quarantined (max_headers), in seconds.  The 20 s timeouts are
  hang detectors, not performance assertions.
- A 20 MB HTML part: the peak RSS of `deliver` stays under a bound
  (max_html caps what HTML-to-text sees; max_text stops decoding).
- An 85 MB message on a pipe: `deliver` stops reading past
  max_message_size, exits 0 (quarantined), and keeps a bounded prefix.
- Empty stdin: quarantined without a GLib critical (G_DEBUG=fatal-criticals).
"""
import os
import resource
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness
from harness import make_mail

CLIENT = "Client <client@example.test>"
HANG = 20          # seconds: far above the expected < 1 s
RSS_BOUND = 300    # MiB; the old code peaked near 1 GiB on the HTML below


def sanitized():
    """ASan's shadow memory and quarantine inflate RSS: the --enable-
    sanitizers build gets twice the bound (the old code needed ~3x)."""
    r = subprocess.run(["ldd", harness.POSTDESK], capture_output=True, text=True)
    return "libasan" in r.stdout


if sanitized():
    RSS_BOUND *= 2
PREFIX_BOUND = 1024 * 1024 + 65536


def flood(name, value, n, sender, subject, body=b"Hello.\n"):
    head = ["From: %s" % sender, "To: %s" % harness.SUPPORT,
            "Subject: %s" % subject,
            "Message-ID: %s" % harness.make_msgid("flood"),
            "Date: Mon, 30 Nov 2026 08:00:00 +0000"]
    lines = "".join("%s: %s\r\n" % (name, value) for _ in range(n))
    return ("\r\n".join(head) + "\r\n" + lines + "\r\n").encode() + body


def deliver(s, raw=None, stdin=None, env=None, timeout=HANG):
    return subprocess.run([harness.POSTDESK, "-c", s.conf, "deliver", "--source", "main"],
                          input=raw, stdin=stdin, capture_output=True, timeout=timeout,
                          env=env)


def run_timed(tap, name, fn):
    """fn() within the hang timeout: its result, or None (a failed check)."""
    try:
        return fn()
    except subprocess.TimeoutExpired:
        tap.ok(False, "%s finishes within %d s" % (name, HANG))
        return None


def peak_rss_mib(args, stdin_path):
    """Peak RSS of one command, measured in a fresh child Python so that
    RUSAGE_CHILDREN holds this command only."""
    code = ("import resource, subprocess, sys\n"
            "with open(sys.argv[1], 'rb') as f:\n"
            "    r = subprocess.run(sys.argv[2:], stdin=f, capture_output=True)\n"
            "sys.stdout.write('%d %d %s' % (r.returncode, "
            "resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, "
            "r.stdout.decode(errors='replace').strip()))\n")
    r = subprocess.run([sys.executable, "-c", code, stdin_path] + args,
                       capture_output=True, text=True, timeout=120)
    rc, kib, out = r.stdout.split(" ", 2)
    return int(rc), int(kib) // 1024, out


def quarantine_rows(s):
    return harness.db_query(s, "SELECT id, reason, size, length(raw) FROM quarantine "
                            "ORDER BY id")


def main():
    with harness.Session("it_floods", base=56300) as s:
        tap = s.tap
        harness.agent_config(s)

        # 1. 100,000 X-Loop headers, through deliver and inspect.
        # Someone else's loop address: nothing stops the walk at the first.
        xloop = flood("X-Loop", "list@elsewhere.test", 100000, CLIENT, "Loop flood")
        path = os.path.join(s.dir, "xloop.eml")
        with open(path, "wb") as f:
            f.write(xloop)
        r = run_timed(tap, "deliver of 100,000 X-Loop", lambda: deliver(s, xloop))
        if r is not None:
            tap.ok(r.returncode == 0 and r.stdout.startswith(b"quarantined"),
                   "100,000 X-Loop: deliver quarantines it and exits 0",
                   r.stdout + r.stderr)
        r = run_timed(tap, "inspect of 100,000 X-Loop", lambda: subprocess.run(
            [harness.POSTDESK, "inspect", path, "--json"], capture_output=True,
            timeout=HANG))
        if r is not None:
            tap.ok(r.returncode == 0 and b"max_headers" in r.stdout,
                   "100,000 X-Loop: inspect finishes and names max_headers",
                   r.stdout[:500] + r.stderr[:500])

        # 2. 100,000 Authentication-Results "proving" a forged agent.
        # None proves anything, so a check reads every one of them.
        ar = flood("Authentication-Results",
                   "%s; dkim=pass header.d=attacker.test; spf=pass "
                   "smtp.mailfrom=attacker.test" % harness.TRUSTED_AUTHSERV, 100000,
                   "Olga Ivanova <%s>" % harness.OLGA_ADDR, "Re: [ACME#1000] forged",
                   b"#status closed\n#assign olga\n")
        r = run_timed(tap, "deliver of 100,000 Authentication-Results",
                      lambda: deliver(s, ar))
        if r is not None:
            tap.ok(r.returncode == 0 and r.stdout.startswith(b"quarantined"),
                   "100,000 Authentication-Results: quarantined, exit 0",
                   r.stdout + r.stderr)
        rows = quarantine_rows(s)
        tap.ok(len(rows) == 2 and all("max_headers" in row[1] for row in rows),
               "both floods are in the quarantine, for max_headers", rows)
        tap.eq(harness.db_query(s, "SELECT count(*) FROM tickets")[0][0], 0,
               "no ticket from either flood")
        tap.eq(harness.db_query(s, "SELECT count(*) FROM outbox WHERE rcpt != "
                                "'admin@example.test'")[0][0], 0,
               "no mail to anyone but the admin")

        # 3. Empty stdin: a clean quarantine, no GLib critical.
        env = dict(os.environ, G_DEBUG="fatal-criticals")
        with open(os.devnull, "rb") as null:
            r = run_timed(tap, "deliver < /dev/null",
                          lambda: deliver(s, stdin=null, env=env))
        if r is not None:
            tap.ok(r.returncode == 0 and r.stdout.startswith(b"quarantined")
                   and b"CRITICAL" not in r.stderr,
                   "deliver < /dev/null: quarantined, exit 0, no critical",
                   "exit %d: %r" % (r.returncode, r.stdout + r.stderr))

        # 4. A 20 MB HTML part of tiny elements: peak RSS bounded.
        html = (b"From: " + CLIENT.encode() + b"\r\nTo: " + harness.SUPPORT.encode()
                + b"\r\nSubject: Big HTML\r\nMessage-ID: " + harness.make_msgid().encode()
                + b"\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
                + b"<html><body>" + b"<b>x</b>" * (20 * 1024 * 1024 // 8)
                + b"</body></html>\r\n")
        path = os.path.join(s.dir, "html20.eml")
        with open(path, "wb") as f:
            f.write(html)
        del html
        rc, mib, out = peak_rss_mib([harness.POSTDESK, "-c", s.conf, "deliver",
                                     "--source", "main"], path)
        tap.ok(rc == 0 and out.startswith("stored"), "20 MB HTML: stored", out)
        tap.ok(mib < RSS_BOUND, "20 MB HTML: deliver peaks under %d MiB" % RSS_BOUND,
               "peak RSS %d MiB" % mib)
        rc, mib, out = peak_rss_mib([harness.POSTDESK, "inspect", path], os.devnull)
        tap.ok(rc == 0 and mib < RSS_BOUND,
               "20 MB HTML: inspect peaks under %d MiB" % RSS_BOUND,
               "exit %d, peak RSS %d MiB" % (rc, mib))
        tm = harness.db_query(s, "SELECT length(pd_body(body, body_z)) FROM messages "
                              "WHERE subject = 'Big HTML'")
        tap.ok(tm and 0 < tm[0][0] <= 1024 * 1024, "its stored text is within max_text",
               tm)

        # 5. 85 MB on a pipe: not read to the end, a bounded prefix kept.
        total = 85 * 1024 * 1024
        head = make_mail(CLIENT, "Huge pipe", "x")
        chunk = b"y" * 65535 + b"\n"
        p = subprocess.Popen([harness.POSTDESK, "-c", s.conf, "deliver", "--source", "main"],
                             stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE)
        written = [0]

        def feed():
            try:
                p.stdin.write(head)
                written[0] += len(head)
                while written[0] < total:
                    p.stdin.write(chunk)
                    written[0] += len(chunk)
                p.stdin.close()
            except (BrokenPipeError, ValueError, OSError):
                pass

        t = threading.Thread(target=feed, daemon=True)
        t.start()
        # Not communicate(): it would close stdin under the feeder.
        try:
            p.wait(timeout=60)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        out, err = p.stdout.read(), p.stderr.read()
        t.join(10)
        try:
            p.stdin.close()
        except OSError:
            pass
        tap.ok(p.returncode == 0 and out.startswith(b"quarantined"),
               "85 MB pipe: quarantined, exit 0", out + err)
        tap.ok(written[0] < 40 * 1024 * 1024,
               "85 MB pipe: deliver stopped reading near max_message_size",
               "%d bytes written before the pipe closed" % written[0])
        rows = quarantine_rows(s)
        last = rows[-1] if rows else None
        tap.ok(last and "max_message_size" in last[1] and last[2] > 25 * 1024 * 1024
               and 0 < last[3] <= PREFIX_BOUND,
               "85 MB pipe: a prefix of at most 1 MiB is kept, the size noted", last)
        if last:
            r = subprocess.run([harness.POSTDESK, "-c", s.conf, "quarantine", "retry",
                                str(last[0])], capture_output=True, timeout=30)
            tap.ok(r.returncode != 0 and b"first" in r.stderr,
                   "a kept prefix is never retried as a whole message",
                   r.stdout + r.stderr)

        # The same as a file: the true size is noted.
        path = os.path.join(s.dir, "big.eml")
        with open(path, "wb") as f:
            f.write(head)
            f.write(b"z" * (30 * 1024 * 1024))
        with open(path, "rb") as f:
            r = run_timed(tap, "deliver of a 30 MB file", lambda: deliver(s, stdin=f))
        rows = quarantine_rows(s)
        last = rows[-1] if rows else None
        tap.ok(r is not None and r.returncode == 0 and last
               and last[2] == os.path.getsize(path) and last[3] <= PREFIX_BOUND,
               "a 30 MB file: exact size noted, bounded prefix kept", last)
        os.unlink(path)

        # 6. The daemon's pipeline: floods go to the Quarantine folder, the
        # mail behind them is processed.
        d = s.daemon()
        d.start()
        m = s.imap(harness.SUPPORT)
        m.append("INBOX", None, None, xloop)
        m.append("INBOX", None, None, ar)
        m.logout()
        normal = s.inject(make_mail(CLIENT, "Behind the floods", "Still served?"))
        tap.ok(s.wait_ticket_of(normal, timeout=60) is not None,
               "daemon: the mail behind two floods becomes a ticket")
        tap.ok(harness.wait_until(lambda: s.count(harness.SUPPORT, "Quarantine") == 2,
                                  timeout=60),
               "daemon: both floods are moved to the Quarantine folder")
        tap.ok(d.stop(), "daemon stops cleanly")


main()
