#!/usr/bin/python3
"""A mail loop with real auto-responders (issue 7 section 3, postdesk.conf(5) floods).

Each bot is a thread reading its own IMAP INBOX.  It answers every mail it
gets (our acknowledgements) with a fresh "Out of office" mail: a new
Message-ID, a fresh subject, no In-Reply-To/References and none of the
headers that mark automatic mail (Auto-Submitted, Precedence, X-Autoreply,
...), quoting what it got (so the text carries a new ticket number each
time) and a new reference id.  Both run for two minutes at once.  Before
the flood guards this made a ticket and an acknowledgement per answer,
without end.

- The "same" bot says the same thing each time (numbers and ids aside): its
  answers are near-identical and are filed into one ticket.
- The "chatty" bot adds a new random paragraph each time, so no two
  answers look alike: the address cap stops it.

The bound, for each bot over the two minutes: at most address_per_hour
(10) automatic mails to it, at most 3 tickets for the "same" bot and
10 + 1 for the chatty one (one per acknowledgement it answers, plus its
first request); the admin is told exactly once per bot; every mail a bot
sent is stored."""
import os
import secrets
import string
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness
from harness import SUPPORT, build_mail, header, parse, plain_text

BOT = "ooo-bot@example.test"
CHATTY = "chatty-bot@example.test"
ADMIN = "admin@example.test"
RUN_SECONDS = 120
CAP_PER_HOUR = 10      # floods.address_per_hour, the default
MAX_TICKETS = 3


class Bot(threading.Thread):
    """Answers every new message in BOT's INBOX until stopped."""

    def __init__(self, session, address, chatty=False):
        super().__init__(daemon=True)
        self.s = session
        self.address = address
        self.chatty = chatty
        self.sent = []       # Message-IDs of the bot's mails
        self.answered = 0
        self.errors = []
        self.stop = threading.Event()

    def answer(self, raw):
        got = parse(raw)
        ref = secrets.token_hex(4)
        news = ""
        if self.chatty:  # a new "thought of the day": nothing repeats
            news = " ".join("".join(secrets.choice(string.ascii_lowercase)
                                    for _ in range(7))
                            for _ in range(30)) + "\n\n"
        body = news + ("Thank you for your message. I am out of the office until "
                "Monday with no access to e-mail. For urgent matters please "
                "call the front desk on extension 2210.\n\nReference: %s\n\n"
                "----- Your message -----\nSubject: %s\n\n%s\n"
                % (ref, header(got, "Subject") or "", plain_text(got)))
        raw = build_mail(self.address, "Out of office until Monday (ref %s)" % ref, body)
        self.sent.append(self.s.inject(raw))
        self.answered += 1

    def run(self):
        seen = set()
        deadline = time.monotonic() + RUN_SECONDS
        m = None
        while not self.stop.is_set() and time.monotonic() < deadline:
            try:
                if m is None:
                    m = self.s.imap(self.address)
                typ, _ = m.select("INBOX", readonly=True)
                if typ == "OK":
                    typ, data = m.uid("SEARCH", None, "ALL")
                    uids = data[0].split() if typ == "OK" and data and data[0] else []
                    for uid in uids:
                        if uid in seen:
                            continue
                        seen.add(uid)
                        typ, msg = m.uid("FETCH", uid, "(BODY.PEEK[])")
                        parts = [x[1] for x in msg if isinstance(x, tuple)]
                        if parts:
                            self.answer(parts[0])
            except Exception as e:  # reconnect and go on, as a bot does
                self.errors.append(str(e))
                try:
                    if m is not None:
                        m.logout()
                except Exception:
                    pass
                m = None
            time.sleep(0.3)
        if m is not None:
            try:
                m.logout()
            except Exception:
                pass


def check_bot(s, d, bot, max_tickets):
    tap = s.tap
    who = "%s bot" % ("chatty" if bot.chatty else "same")
    tap.comment("%s answered %d mails; %d errors %r"
                % (who, bot.answered, len(bot.errors), bot.errors[:3]))
    tap.ok(bot.answered >= 1, "%s: answered our mail (the loop was real)" % who,
           "answered %d" % bot.answered)

    # Nothing lost: every mail the bot sent is stored.
    stored = {mid: harness.wait_stored(s, mid, 60) for mid in bot.sent}
    lost = [mid for mid, w in stored.items() if not w]
    tap.eq(lost, [], "%s: every one of its %d mails is stored" % (who, len(bot.sent)))

    to_bot = harness.outbox_of(s, rcpt=bot.address)
    tap.comment("%s: automatic mail to it: %r" % (who, sorted(e["kind"] for e in to_bot)))
    tap.ok(len(to_bot) <= CAP_PER_HOUR,
           "%s: bound: at most %d automatic mails to it in two minutes"
           % (who, CAP_PER_HOUR), "got %d" % len(to_bot))
    inbox = s.count(bot.address)
    tap.ok(inbox <= CAP_PER_HOUR, "%s: bound: its INBOX holds at most %d mails"
           % (who, CAP_PER_HOUR), "got %d" % inbox)

    mine = [t for t in s.tickets() if (t["requester"] or "").lower() == bot.address]
    tap.ok(1 <= len(mine) <= max_tickets,
           "%s: bound: at most %d tickets for it" % (who, max_tickets),
           "got %d: %r" % (len(mine), [t["number"] for t in mine]))
    stored_in = {w[0] for w in stored.values() if w}
    tap.ok(stored_in <= {t["number"] for t in mine},
           "%s: every mail is on one of its tickets" % who, "stored in %r" % stored_in)

    # The guard's hits are recorded on a ticket and logged.
    events = [e for t in mine for e in s.show(t["number"])["events"]
              if e["event"].startswith("flood-")]
    tap.ok(events, "%s: the guard's hits are recorded as events on its tickets" % who)
    tap.ok(d.log_has("stage=flood", bot.address), "%s: the guard's hits are logged" % who)

    # The admin is told exactly once.
    notices = [m for m in map(parse, s.messages(ADMIN))
               if "Flood guard" in (header(m, "Subject") or "")
               and bot.address in (header(m, "Subject") or "")]
    tap.eq(len(notices), 1, "%s: the admin got exactly one flood notice about it" % who)


def main():
    with harness.Session("it_flood_bot", base=51000) as s:
        tap = s.tap
        d = s.daemon(s.write_config(floods=None))
        d.start()

        bots = [Bot(s, BOT), Bot(s, CHATTY, chatty=True)]
        seeds = [("Printer question", "My printer on floor 3 prints blank "
                  "pages since this morning. What can I do?"),
                 ("VPN certificate", "The VPN client says my certificate "
                  "expired when I connect from home. Can you renew it?")]
        for bot, (subject, text) in zip(bots, seeds):
            bot.start()
            # Each loop starts with one ordinary request from the bot's
            # mailbox.
            bot.sent.append(s.inject(build_mail(bot.address, subject, text)))
        for bot in bots:
            bot.join(RUN_SECONDS + 30)
            bot.stop.set()
        tap.ok(not any(b.is_alive() for b in bots),
               "the bots ran for %d s and stopped" % RUN_SECONDS)
        # Let what their last mails caused be sent.
        time.sleep(8)
        harness.wait_until(lambda: len([m for m in map(parse, s.messages(ADMIN))
                                        if "Flood guard" in (header(m, "Subject") or "")])
                           >= 2, 30)
        time.sleep(3)
        check_bot(s, d, bots[0], MAX_TICKETS)
        check_bot(s, d, bots[1], CAP_PER_HOUR + 1)
        tap.ok(d.stop(), "daemon stops cleanly on SIGTERM")


main()
