#!/usr/bin/python3
"""The outbox on a full disk (issue 7 §4).  The database lives on a small
tmpfs; with mail queued for a stopped SMTP server the filesystem is filled
up and the server comes back.  No row may be handed to SMTP again while
the outcome of its previous attempt is unrecorded: the sink receives each
Message-ID at most once, the sender logs its stall once per episode, and
mail arriving meanwhile stays in the INBOX unless it could be stored.
Once space is freed,
everything is sent exactly once and the waiting mail becomes tickets.
Needs root for mount(8); skipped otherwise."""
import collections
import errno
import os
import sqlite3
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness
from harness import header, make_mail, norm_id

CLIENT = "client@example.test"
QUEUED = 6      # requests whose acks wait in the outbox when the disk fills
LATE = 3        # requests arriving while the disk is full
FULL_FOR = 40   # seconds the disk stays full with SMTP up


def mount_tmpfs(path, size):
    os.makedirs(path, exist_ok=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=%s,mode=0755" % size,
                        "tmpfs", path], capture_output=True, text=True)
    return r.returncode == 0, r.stderr.strip()


def umount(path):
    if subprocess.run(["umount", path], capture_output=True).returncode != 0:
        subprocess.run(["umount", "-l", path], capture_output=True)


def fill(path):
    """Writes path until the filesystem has no byte left."""
    with open(path, "wb", buffering=0) as f:
        for chunk in (1 << 20, 1 << 16, 1 << 12, 512, 1):
            block = b"\0" * chunk
            while True:
                try:
                    f.write(block)
                except OSError as e:
                    if e.errno != errno.ENOSPC:
                        raise
                    break


def truncate_wal(db):
    """PRAGMA wal_checkpoint(TRUNCATE) on db: the WAL copied into the
    database and its file cut to nothing, when nobody is reading; a busy
    or full database leaves it as it is."""
    try:
        c = sqlite3.connect(db, timeout=5)
        try:
            c.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
        finally:
            c.close()
    except sqlite3.Error:
        pass


def copies(s):
    """{Message-ID: times the sink received it}."""
    return collections.Counter(norm_id(header(m, "Message-ID")) for m in s.sink())


def main():
    if os.geteuid() != 0:
        harness.skip_all("needs root to mount a tmpfs")
    with harness.Session("it_diskfull", base=53000) as s:
        tap = s.tap
        fsdir = os.path.join(s.dir, "dbfs")
        mounted, why = mount_tmpfs(fsdir, "3m")
        if not mounted:
            s.cleanup()
            harness.skip_all("cannot mount a tmpfs: %s" % why)
        d = None
        try:
            db = os.path.join(fsdir, "pd.db")
            d = s.daemon(s.write_config(database=db))
            d.start()
            first = s.inject(make_mail(CLIENT, "Printer offline", "It says offline."))
            if not tap.ok(s.wait_ack(CLIENT, first) is not None,
                          "before the disk fills: a request is acknowledged"):
                s.report_daemon_state()
                return

            # Mail queued for an SMTP server that is down.
            s.env("stop-smtp")
            reqs = [s.inject(make_mail(CLIENT, "Request %d" % i, "Details %d." % i))
                    for i in range(QUEUED)]
            tap.ok(all(s.wait_ticket_of(r) is not None for r in reqs),
                   "with SMTP down, %d requests become tickets" % QUEUED)
            pending = harness.wait_until(
                lambda: [e for e in s.outbox() if e["status"] == "pending"
                         and e["attempts"] >= 1], timeout=60)
            tap.ok(pending, "their mail waits in the outbox, tried at least once")

            # The disk fills up; SMTP comes back.  The WAL keeps its
            # file's size when it starts again from its beginning, and a
            # write that fits in it needs no new space: truncate it (a
            # checkpoint of its own, as `sqlite3 pd.db` would) before and
            # after the filling, so that every write of the daemon needs
            # space the disk no longer has.
            truncate_wal(db)
            fill(os.path.join(fsdir, "filler"))
            truncate_wal(db)
            fill(os.path.join(fsdir, "filler2"))
            late = [s.inject(make_mail(CLIENT, "Late %d" % i, "Arrived late %d." % i))
                    for i in range(LATE)]
            s.env("start-smtp")
            time.sleep(FULL_FOR)
            got = copies(s)
            dup = {k: n for k, n in got.items() if n > 1}
            tap.ok(not dup, "disk full: the sink got no Message-ID twice",
                   "copies: %r" % dup)
            tap.ok(sum(got.values()) < 60, "disk full: no resend loop (%d mails in "
                   "%d s)" % (sum(got.values()), FULL_FOR))
            stalls = [l for l in d.log().splitlines() if "event=stalled" in l]
            tap.ok(1 <= len(stalls) <= 6, "disk full: the sender says it stalled, "
                   "once per episode (%d lines)" % len(stalls),
                   "\n".join(stalls[:20]))
            tap.ok(d.alive(), "disk full: the daemon keeps running")
            # Mail arriving meanwhile is never lost: it stays in the INBOX,
            # or it was stored before it left it.  A commit may still fit
            # on the full disk: the WAL's file keeps its size when the WAL
            # starts again from its beginning (the fetch thread checkpoints
            # it after a backlog, docs/performance.md), so a few small
            # mails can be written there while a checkpoint, which would
            # grow the database file, fails.
            inbox = s.msgids(harness.SUPPORT)
            stored = {l for l in late if norm_id(l) not in inbox
                      and s.tickets_holding(l)}
            tap.ok(all(norm_id(l) in inbox or l in stored for l in late),
                   "disk full: mail arriving meanwhile stays in the INBOX "
                   "or is stored (%d of %d stored)" % (len(stored), len(late)),
                   "INBOX: %r" % inbox)

            # Space comes back.
            os.unlink(os.path.join(fsdir, "filler"))
            os.unlink(os.path.join(fsdir, "filler2"))
            tap.ok(all(s.wait_ticket_of(l, timeout=120) is not None for l in late),
                   "after space returns: the waiting mail becomes tickets")
            done = harness.wait_until(
                lambda: all(e["status"] == "sent" for e in s.outbox()), timeout=150)
            tap.ok(done, "after space returns: every outbox row is sent",
                   "outbox: %r" % [(e["id"], e["status"], e["attempts"],
                                    e.get("last_error")) for e in s.outbox()
                                   if e["status"] != "sent"])
            want = {norm_id(e["message_id"]) for e in s.outbox()}
            got = harness.wait_until(lambda: (lambda c: c if set(c) >= want else None)(
                copies(s)), timeout=30) or copies(s)
            tap.ok(set(got) >= want, "after space returns: the sink got every row",
                   "missing: %r" % sorted(want - set(got)))
            tap.ok(all(got[m] == 1 for m in want),
                   "after space returns: each row was sent exactly once",
                   "copies: %r" % {m: got[m] for m in want if got[m] != 1})
            acks = [s.wait_ack(CLIENT, r, timeout=30) for r in reqs + late]
            tap.ok(all(acks), "every request, queued or late, is acknowledged")
            tap.eq(s.count(harness.SUPPORT), 0, "no mail is left in the INBOX")
            tap.ok(d.log_has("event=resumed") is not None,
                   "the sender says when it resumed")
            tap.ok(d.stop(), "daemon stops cleanly on SIGTERM")
        finally:
            if d is not None and d.alive():
                d.stop()
            umount(fsdir)


main()
