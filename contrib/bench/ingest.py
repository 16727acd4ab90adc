#!/usr/bin/python3
"""ingest.py: how fast postdeskd stores new requests queued in IMAP, next to
the raw bulk-fetch baseline on the same mailbox.  Not a test.

    make -C _build && top_builddir=_build python3 contrib/bench/ingest.py [N]

Starts the private Dovecot of the integration tests (tests/harness.py) and
the benchmark's SMTP sink, as bench.py does: contrib/bench/bench-sink when
it is built (`make bench` builds it), else contrib/smtp_sink.py, neither
relaying to Dovecot (the integration tests' sink delivers every mail it
accepts into Dovecot over LMTP, and that took about 7 % of this 2-core
machine while the acknowledgements went out).  Queues N (default 3000)
realistic requests (about 18.7 KB on average: 39 % Russian, 15 % HTML, 10 %
with a 100 KB attachment), then:
  1. raw bulk fetch: Python imaplib `UID FETCH 1:* BODY.PEEK[]`, msg/s,
     the median of three;
  2. postdeskd started on the mailbox: the time from its start until every
     request is stored and INBOX is empty, msg/s (its outbox sends the
     acknowledgements to the sink at the same time);
and prints a table and one line of JSON."""
import json
import os
import random
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "tests"))
os.environ.setdefault("top_srcdir", os.path.abspath(os.path.join(HERE, "..", "..")))
import harness  # noqa: E402
from harness import SUPPORT  # noqa: E402
from email.message import EmailMessage  # noqa: E402
from email.utils import make_msgid, formatdate  # noqa: E402

EN = ("The printer on the third floor stops after every second page and shows "
      "error 0x4F. We restarted it twice and replaced the toner, but the "
      "problem comes back within an hour. Could you please have a look? ")
RU = ("Принтер на третьем этаже останавливается после каждой второй страницы "
      "и показывает ошибку 0x4F. Мы дважды его перезапускали и заменили "
      "картридж, но через час проблема возвращается. Посмотрите, пожалуйста. ")
QUOTE_EN = ("On Mon, 23 Nov 2026 at 10:00, ACME Support <support@example.test> "
            "wrote:\n")
QUOTE_RU = "пн, 23 нояб. 2026 г. в 10:00, ACME Support <support@example.test>:\n"


def body_text(rnd, ru, i):
    para = RU if ru else EN
    lines = []
    for _ in range(rnd.randint(3, 9)):
        lines.append(para * rnd.randint(1, 3))
        lines.append("")
    lines.append("Иван Петров" if ru else "John Smith")
    lines.append("+7 495 123-45-%02d" % (i % 100) if ru else "+1 555 0100 %04d" % i)
    lines.append("")
    lines.append(QUOTE_RU if ru else QUOTE_EN)
    for _ in range(rnd.randint(10, 40)):
        lines.append("> " + (para[:70] if rnd.random() < 0.5 else ""))
    return "\n".join(lines) + "\n"


def make_request(rnd, i, attachment):
    ru = rnd.random() < 0.39
    html = rnd.random() < 0.15
    m = EmailMessage()
    name = ("Иван Клиентов %d" % i) if ru else ("Client %d" % i)
    m["From"] = "%s <client%05d@c%05d.test>" % (name, i, i)
    m["To"] = SUPPORT
    m["Subject"] = ("Не печатает принтер %d" % i) if ru else ("Printer %d stops" % i)
    m["Date"] = formatdate(localtime=False)
    m["Message-ID"] = make_msgid(domain="c%05d.test" % i)
    text = body_text(rnd, ru, i)
    m.set_content(text)
    if html:
        h = "<html><body>%s</body></html>" % "".join(
            "<p>%s</p>" % p for p in text.split("\n\n"))
        m.add_alternative(h, subtype="html")
    if rnd.random() < attachment:
        data = rnd.randbytes(100 * 1024)
        m.add_attachment(data, maintype="application", subtype="pdf",
                         filename="report-%d.pdf" % i)
    return m.as_bytes()


def raw_bulk_fetch(s, runs=3):
    """Python imaplib `UID FETCH 1:* BODY.PEEK[]` of the whole mailbox,
    runs times in one session: the number of messages and the median of
    the durations, and all of them.  One fetch takes about 0.2 s, and on
    this shared VM single ones ranged from 8,300 to 15,700 msg/s: the
    median of three keeps the ratio from hanging on one lucky or unlucky
    fifth of a second."""
    m = s.imap(SUPPORT)
    times = []
    try:
        m.select("INBOX", readonly=True)
        for _ in range(runs):
            t0 = time.monotonic()
            typ, data = m.uid("FETCH", "1:*", "(BODY.PEEK[])")
            times.append(time.monotonic() - t0)
            n = sum(1 for item in data if isinstance(item, tuple))
            del data
    finally:
        m.logout()
    return n, sorted(times)[len(times) // 2], times


class Stored:
    """Requests stored so far (incoming messages), polled every 10 ms while
    the daemon ingests.  Counted incrementally on one connection: each poll
    reads only the rows added since the last (ids only grow while nothing is
    deleted), so the watcher's CPU stays a few milliseconds in all instead
    of a full scan per poll, which took about 3 % of this 2-core machine
    from the daemon it measures."""

    def __init__(self, s):
        self.path = os.path.join(s.dir, "pd.db")
        self.con = None
        self.last = 0
        self.n = 0

    def __call__(self):
        import sqlite3
        try:
            if self.con is None:
                if not os.path.exists(self.path):
                    return 0
                self.con = sqlite3.connect(self.path, timeout=30)
            # One statement, one snapshot: the count and the highest id
            # seen are of the same rows.
            top, add = self.con.execute(
                "SELECT (SELECT max(id) FROM messages), count(*) FROM "
                "messages WHERE id > ? AND direction = 'in'",
                (self.last,)).fetchone()
        except Exception:
            return self.n
        if top is not None:
            self.last = top
        self.n += add
        return self.n

    def close(self):
        if self.con is not None:
            self.con.close()


def peak_rss_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def cpu_seconds(pid):
    """User + system CPU time of the process so far."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


def thread_cpu_seconds(pid):
    """(name, user + system CPU seconds) of each thread so far, in the
    order the threads were made (their ids)."""
    out = []
    try:
        tids = sorted(int(t) for t in os.listdir("/proc/%d/task" % pid))
    except OSError:
        return out
    for t in tids:
        try:
            with open("/proc/%d/task/%d/stat" % (pid, t)) as f:
                head, tail = f.read().rsplit(")", 1)
            fields = tail.split()
            out.append((head.split("(", 1)[1], round(
                (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK"), 2)))
        except (OSError, IndexError, ValueError):
            pass
    return out


def db_file_bytes(s):
    """pd.db and its WAL, bytes (0 before the daemon made them)."""
    n = 0
    for suffix in ("", "-wal"):
        try:
            n += os.path.getsize(os.path.join(s.dir, "pd.db" + suffix))
        except OSError:
            pass
    return n


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    rnd = random.Random(13)
    raws = [make_request(rnd, i, 0.10) for i in range(n)]
    avg = sum(len(r) for r in raws) / n
    import bench
    if not os.path.exists(bench.SINK[0]):
        bench.SINK = ["/usr/bin/python3", os.path.join(harness.SRCDIR, "contrib",
                                                       "smtp_sink.py")]
    with harness.Session("bench_ingest", base=45000) as s:
        s.env("stop-smtp")
        sink = bench.Sink(s)
        sink.start()
        try:
            for k in range(0, n, 500):
                s.inject_many(raws[k:k + 500])
            queued = s.count(SUPPORT)
            got, dt_raw, raw_times = raw_bulk_fetch(s)
            raw_rate = got / dt_raw
            # BENCH_ANSWERS=dir: canned answers (postdesk.conf(5) FAQ), so
            # that each request is also ranked against them.
            answers = os.environ.get("BENCH_ANSWERS")
            d = s.daemon(s.write_config(**({"gateway_answers": os.path.abspath(
                answers)} if answers else {})))
            t0 = time.monotonic()
            proc = d.start()
            perf = None
            # perf -p follows the threads that exist: wait for the first batch.
            stored = Stored(s)
            harness.wait_until(lambda: stored() > 0, timeout=30, interval=0.02)
            if os.environ.get("BENCH_PERF"):
                # BENCH_PERF=file: a perf(1) profile of the daemon while it ingests.
                import subprocess
                perf = subprocess.Popen(["perf", "record", "-e", "cpu-clock", "-F", "300", "--call-graph", "dwarf,32768", "-o",
                                         os.environ["BENCH_PERF"], "-p", str(proc.pid)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            rss = 0
            dbpeak = 0
            while True:
                c = stored()
                rss = max(rss, peak_rss_kb(proc.pid))
                dbpeak = max(dbpeak, db_file_bytes(s))
                if c >= n:
                    break
                if time.monotonic() - t0 > 600 or not d.alive():
                    break
                time.sleep(0.01)
            dt_store = time.monotonic() - t0
            stored.close()
            cpu = cpu_seconds(proc.pid)
            threads = thread_cpu_seconds(proc.pid)
            if perf is not None:
                perf.send_signal(2)
                perf.wait()
            harness.wait_until(lambda: s.count(SUPPORT) == 0, timeout=120, interval=0.05)
            dt_empty = time.monotonic() - t0
            rss = max(rss, peak_rss_kb(proc.pid))
            d.stop()
            # What the outbox sent meanwhile (it runs beside the ingest).
            sunk = sink.count()
        finally:
            sink.stop()
        # The database once every request is stored (bench.db_stats:
        # pages in use per message), and its biggest size (file + WAL)
        # seen while ingesting.
        dbs = bench.db_stats(s)
        if os.environ.get("BENCH_LOG"):
            # BENCH_LOG=file: keep the daemon's log (the session's
            # directory is removed at the end).
            import shutil
            shutil.copy(d.log_path, os.environ["BENCH_LOG"])
        rate = c / dt_store
        load = os.getloadavg()
        res = {
            "queued": queued, "avg_bytes": round(avg), "stored": c,
            "raw_bulk_fetch_msg_s": round(raw_rate, 1),
            "raw_bulk_fetch_runs_msg_s": [round(got / t, 1) for t in raw_times],
            "ingest_s": round(dt_store, 3), "inbox_empty_s": round(dt_empty, 3),
            "ingest_msg_s": round(rate, 1),
            "ingest_vs_raw": round(rate / raw_rate, 3),
            "peak_rss_kb": rss, "daemon_cpu_s": round(cpu, 2),
            "msg_per_cpu_s": round(c / cpu, 1) if cpu else None,
            "loadavg": [round(x, 2) for x in load],
            "cpus": os.cpu_count(),
            "threads_cpu_s": threads,
            "db_bytes_per_msg": dbs.get("bytes_per_message"),
            "db_peak_bytes_per_msg": round(dbpeak / max(c, 1)),
            "db_share": dbs.get("share"),
            "sink": os.path.basename(bench.SINK[-1]), "sink_mails": sunk,
        }
        print("# %-28s %12s" % ("what", "value"))
        print("# %-28s %12d (avg %d bytes)" % ("requests queued", queued, avg))
        print("# %-28s %12.1f msg/s (%d in %.3f s, the median of %s msg/s)"
              % ("raw UID FETCH 1:* BODY.PEEK[]", raw_rate, got, dt_raw,
                 ", ".join("%.0f" % (got / t) for t in raw_times)))
        print("# %-28s %12.1f msg/s (%d in %.3f s; INBOX empty at %.3f s)"
              % ("postdeskd ingest", rate, c, dt_store, dt_empty))
        print("# %-28s %12.3f" % ("ingest / raw bulk fetch", rate / raw_rate))
        print("# %-28s %12d KB" % ("postdeskd peak RSS", rss))
        print("# %-28s %12.2f s (%.1f msg per CPU second, all its "
              "threads)" % ("postdeskd CPU (user+sys)", cpu, c / cpu if cpu else 0))
        print("# %-28s %12s" % ("CPU s of each thread", " ".join("%s=%.2f" % x for x in threads)))
        print("# %-28s %12s B (peak file + WAL while ingesting: %d B)"
              % ("database per message", dbs.get("bytes_per_message"),
                 round(dbpeak / max(c, 1))))
        print("# %-28s %12d mails to %s while it ingested" % ("outbox meanwhile",
                                                               sunk, res["sink"]))
        print("# %-28s %12s" % ("load average (1, 5, 15 min)",
                                " ".join("%.2f" % x for x in load)))
        print("# JSON " + json.dumps(res))
        s.tap.ok(c >= n, "every request stored")


if __name__ == "__main__":
    main()
