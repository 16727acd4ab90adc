#!/usr/bin/python3
"""kill -9 in the middle of a batch loses nothing and duplicates nothing:
500 distinct requests (more than one batch of fetch.c), the daemon killed
with SIGKILL once some are processed, restarted; afterwards every request
is stored exactly once on its own ticket and sits in Processed, none in
INBOX.  Issue "backbone",
scenario d (docs/guarantees.md reliability).

Then inside group-committed batches (fetch.c, pipeline_deliver_batch):
BURST more requests queued at once, the daemon killed with SIGKILL at
several random instants while it works through them, restarted each time;
at the end every request is stored exactly once, sits in Processed exactly
once, INBOX is empty, and the search index holds exactly the stored
messages."""
import collections
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness
from harness import SUPPORT, make_mail, norm_id

COUNT = 500
BURST = 1500
KILLS = 5


def requests():
    # Distinct senders too, so no per-client flood guard gets in the way.
    return [make_mail("User %03d <user%03d@example.test>" % (i, i),
                      "Request %03d: laptop %d will not boot" % (i, i),
                      "Laptop number %d shows a black screen.\n" % i)
            for i in range(COUNT)]


def counts(s):
    return s.count(SUPPORT), s.count(SUPPORT, "Processed")


def mid_batch(s):
    inbox, processed = counts(s)
    return processed > 20 and inbox > 0


def duplicates(items):
    return sorted(k for k, v in collections.Counter(items).items() if v > 1)


def main():
    with harness.Session("it_kill9", base=34000) as s:
        tap = s.tap
        ids = s.inject_many(requests())
        tap.eq(s.count(SUPPORT), COUNT, "%d requests wait in INBOX" % COUNT)

        d = s.daemon(s.write_config())
        d.start()
        mid_run = harness.wait_until(lambda: mid_batch(s), timeout=60, interval=0.05)
        d.kill9()
        inbox, processed = counts(s)
        tap.comment("killed with INBOX=%d Processed=%d" % (inbox, processed))
        tap.ok(mid_run, "killed in the middle of the batch (Processed > 20, INBOX > 0)",
               "INBOX=%d Processed=%d when the wait ended" % (inbox, processed))

        d.start()
        tap.ok(harness.wait_until(lambda: s.count(SUPPORT) == 0, timeout=180),
               "after the restart INBOX drains", "INBOX=%d" % s.count(SUPPORT))
        all_in = harness.wait_until(lambda: len(s.tickets()) >= COUNT, timeout=60)
        tap.ok(d.alive(), "daemon still running after the batch")
        tap.ok(d.stop(), "daemon stops cleanly on SIGTERM")

        in_inbox = s.msgids(SUPPORT)
        in_processed = s.msgids(SUPPORT, "Processed")
        tap.eq(in_inbox, [], "INBOX is empty")
        tap.eq(sorted(set(in_inbox) & set(in_processed)), [],
               "no message both in INBOX and Processed")
        tap.eq(duplicates(in_processed), [], "no message twice in Processed")
        tap.eq(sorted(set(ids) - set(in_processed)), [], "every request is in Processed")

        tickets = s.all_tickets() if all_in else {}
        stored = [norm_id(m["message_id"]) for t in tickets.values() for m in t["messages"]]
        tap.eq(len(tickets), COUNT, "%d tickets" % COUNT)
        tap.eq(duplicates(stored), [], "no Message-ID stored twice")
        tap.eq(sorted(set(ids) - set(stored)), [], "every Message-ID is stored")
        tap.eq(sorted(set(stored) - set(ids)), [], "nothing else is stored")
        tap.eq(duplicates(t["subject"] for t in tickets.values()), [],
               "no duplicate ticket (subjects distinct)")
        tap.ok(all(n >= harness.FIRST_TICKET for n in tickets),
               "ticket numbers start at first_ticket")
        acks = [e["ticket"] for e in s.outbox() if e["kind"] == "ack"]
        tap.eq(duplicates(acks), [], "at most one ack per ticket in the outbox")
        burst(s, tap)


def burst_mail(i):
    return make_mail("Client %04d <client%04d@c%04d.test>" % (i, i, i),
                     "Burst %04d: printer %d jams" % (i, i),
                     "Printer number %d jams on every page.\n" % i)


def stored_ids(s):
    return [norm_id(r[0]) for r in harness.db_query(
        s, "SELECT message_id FROM messages WHERE direction = 'in'")]


def burst(s, tap):
    """Kills inside batches: SIGKILL at random instants while BURST queued
    requests are fetched, filed and moved a batch at a time."""
    rnd = random.Random(os.getpid())
    ids = s.inject_many([burst_mail(i) for i in range(BURST)])
    before = len(stored_ids(s))
    tap.eq(s.count(SUPPORT), BURST, "%d more requests wait in INBOX" % BURST)
    d = s.daemon(s.write_config(), log_name="postdeskd-burst.log")
    inside = 0
    for k in range(KILLS):
        d.start()
        # Wait for the first batch of this run to be stored, then kill
        # after a random delay: inside a fetch, a transaction, or a move.
        # Short: a source files one batch while it fetches the next, and
        # 0.4 s let one run drain most of the burst.
        n0 = len(stored_ids(s))
        harness.wait_until(lambda: len(stored_ids(s)) > n0 or
                           s.count(SUPPORT) == 0, timeout=30, interval=0.02)
        time.sleep(rnd.uniform(0.0, 0.15))
        d.kill9()
        inbox, processed = counts(s)
        tap.comment("kill %d: INBOX=%d Processed=%d stored=%d"
                    % (k + 1, inbox, processed, len(stored_ids(s)) - before))
        if 0 < inbox < BURST:
            inside += 1
    tap.ok(inside >= 2, "killed at least twice while the burst was half done",
           "%d of %d kills" % (inside, KILLS))
    d.start()
    tap.ok(harness.wait_until(lambda: s.count(SUPPORT) == 0, timeout=300),
           "after the last restart INBOX drains", "INBOX=%d" % s.count(SUPPORT))
    harness.wait_until(lambda: len(stored_ids(s)) - before >= BURST, timeout=60)
    tap.ok(d.stop(), "daemon stops cleanly on SIGTERM")
    stored = stored_ids(s)
    processed = s.msgids(SUPPORT, "Processed")
    tap.eq(duplicates(stored), [], "no Message-ID stored twice")
    tap.eq(sorted(set(ids) - set(stored)), [], "every burst request is stored")
    tap.eq(len(stored) - before, BURST, "%d more messages stored" % BURST)
    tap.eq(duplicates(processed), [], "no message twice in Processed")
    tap.eq(sorted(set(ids) - set(processed)), [], "every burst request is in Processed")
    tap.eq(s.msgids(SUPPORT), [], "INBOX is empty")
    # A batch indexes its messages before its commit (docs/storage.md, "One
    # segment per batch"): the search index holds a row for each message
    # stored, and for nothing else, whatever the kills interrupted.
    indexed = [r[0] for r in harness.db_query(
        s, "SELECT id FROM search_fts_docsize ORDER BY id")]
    messages = [r[0] for r in harness.db_query(
        s, "SELECT id FROM messages ORDER BY id")]
    tap.ok(indexed == messages, "the search index holds exactly the stored "
           "messages", "%d indexed, %d stored" % (len(indexed), len(messages)))


main()
