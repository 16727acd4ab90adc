"""Shared helpers for the integration tests (run with /usr/bin/python3).

A test builds one Session: its own directory and ports, a private Dovecot
and SMTP sink (contrib/mailtest-env.sh), a config for postdeskd, the daemon
itself, and TAP output.  Everything started is stopped by PID at the end,
also when the test dies half-way.

    with harness.Session("it_example", base=39000) as s:
        d = s.daemon(s.write_config())
        d.start()
        mid = s.inject(harness.make_mail("client@example.test", "Hello", "Hi."))
        t = s.wait_ticket_of(mid)
        s.tap.ok(t is not None, "request becomes a ticket")
"""
import atexit
import email
import email.policy
import email.utils
import imaplib
import json
import mailbox
import os
import shutil
import signal
import smtplib
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import traceback
from email.message import EmailMessage

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.path.abspath(os.environ.get("top_srcdir") or os.path.dirname(HERE))
BUILDDIR = os.path.abspath(os.environ.get("top_builddir") or os.getcwd())
POSTDESKD = os.path.join(BUILDDIR, "postdeskd")
POSTDESK = os.path.join(BUILDDIR, "postdesk")
MAILTEST_ENV = os.path.join(SRCDIR, "contrib", "mailtest-env.sh")
TEMPLATES = os.path.join(SRCDIR, "conf", "templates")
MAILDIR = os.path.join(SRCDIR, "tests", "mail")

SUPPORT = "support@example.test"
PASSWORD = "secret"
TAG = "ACME"
FIRST_TICKET = 1000
# postdesk.conf(5) "floods" with every guard off (0 is no cap).
FLOODS_OFF = {"address_per_hour": 0, "address_per_day": 0, "domain_per_hour": 0,
              "domain_per_day": 0, "challenges_per_hour": 0, "challenges_per_day": 0,
              "repeat_minutes": 0}


# ---------------------------------------------------------------- waiting

def wait_until(pred, timeout=30.0, interval=0.2):
    """Calls pred until it returns something truthy (returned) or timeout
    seconds have passed (returns None).  Exceptions count as "not yet"."""
    deadline = time.monotonic() + timeout
    error = None
    while True:
        try:
            r = pred()
            if r:
                return r
            error = None
        except Exception as e:
            error = e
        if time.monotonic() >= deadline:
            if error is not None:
                print("# wait_until: last attempt failed: %s" % str(error).replace("\n", "\n# "),
                      flush=True)
            return None
        time.sleep(interval)


# ---------------------------------------------------------------- TAP

class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, name, diag=None):
        self.n += 1
        print("%s %d - %s" % ("ok" if cond else "not ok", self.n, name), flush=True)
        if not cond:
            self.failed += 1
            if diag is not None:
                self.comment(diag)
        return bool(cond)

    def eq(self, got, want, name):
        return self.ok(got == want, name, "got:  %r\nwant: %r" % (got, want))

    def comment(self, text):
        for line in str(text).splitlines() or [""]:
            print("# " + line, flush=True)

    def plan(self):
        print("1..%d" % self.n, flush=True)


def skip_all(reason):
    print("1..0 # SKIP %s" % reason, flush=True)
    sys.exit(0)


# ---------------------------------------------------------------- mail

def norm_id(mid):
    """A Message-ID without blanks and angle brackets, for comparisons."""
    return (mid or "").strip().strip("<>").strip()


def make_msgid(tag="it"):
    return email.utils.make_msgid(tag, domain="client.example.test")


def make_mail(sender, subject, body, to=SUPPORT, msgid=None, headers=None):
    """A plain-text UTF-8 message as bytes.  headers: extra (name, value)
    pairs, e.g. ("In-Reply-To", "<x@y>")."""
    return build_mail(sender, subject, body, to, msgid, headers or ())


def parse(raw):
    return email.message_from_bytes(raw, policy=email.policy.default)


def header(raw_or_msg, name):
    msg = parse(raw_or_msg) if isinstance(raw_or_msg, bytes) else raw_or_msg
    v = msg.get(name)
    return None if v is None else str(v)


def msgid_of(raw):
    return norm_id(header(raw, "Message-ID"))


def sender_of(raw):
    return email.utils.parseaddr(header(raw, "From") or "")[1]


def plain_text(msg):
    """The text/plain body of a parsed message, decoded to str."""
    part = msg.get_body(preferencelist=("plain",))
    return part.get_content() if part is not None else ""


def norm_text(text):
    """Text with every run of white space made one blank: line ends,
    trailing blanks and format=flowed re-wrapping do not count."""
    return " ".join((text or "").split())


def token(number):
    return "[%s#%d]" % (TAG, number)


def read_test_mail(name):
    """Bytes of tests/mail/NAME, or None when the file does not exist."""
    path = os.path.join(MAILDIR, name)
    if not os.path.exists(path):
        return None
    with open(path, "rb") as f:
        return f.read()


# ---------------------------------------------------------------- config

def _conf_value(v, indent):
    pad = "  " * indent
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return '"%s"' % v.replace("\\", "\\\\").replace('"', '\\"')
    if isinstance(v, dict):
        inner = "".join("%s  %s = %s;\n" % (pad, k, _conf_value(x, indent + 1))
                        for k, x in v.items())
        return "{\n%s%s}" % (inner, pad)
    if isinstance(v, list) and v and isinstance(v[0], dict):
        items = ",\n".join(pad + "  " + _conf_value(x, indent + 1) for x in v)
        return "(\n%s\n%s)" % (items, pad)
    if isinstance(v, list):
        return "[" + ", ".join(_conf_value(x, indent) for x in v) + "]"
    raise TypeError("no libconfig form for %r" % (v,))


def config_text(conf):
    """libconfig text for a dict of top-level settings, one per line."""
    return "".join("%s = %s;\n" % (k, _conf_value(v, 0)) for k, v in conf.items())


# ---------------------------------------------------------------- servers

def _port_free(port):
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers do
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def _pick_base(base):
    """base, or the first base+100*i whose four ports are free (another
    build may run the same test at the same time)."""
    for i in range(10):
        b = base + 100 * i
        if all(_port_free(b + off) for off in (24, 25, 143, 993)):
            return b
    return base


class Daemon:
    """One postdeskd in the foreground; stderr and stdout go to log_path
    (appended across restarts, with a marker line per start)."""

    def __init__(self, conf, log_path):
        self.conf = conf
        self.log_path = log_path
        self.proc = None
        self.starts = 0

    def start(self, *extra):
        self.starts += 1
        with open(self.log_path, "a") as f:
            f.write("=== harness: start #%d: postdeskd -c %s -f %s\n"
                    % (self.starts, self.conf, " ".join(extra)))
            self.proc = subprocess.Popen([POSTDESKD, "-c", self.conf, "-f"] + list(extra),
                                         stdout=f, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL)
        return self.proc

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig):
        if self.alive():
            self.proc.send_signal(sig)

    def stop(self, timeout=20):
        """SIGTERM and wait; SIGKILL after timeout.  Returns True when it
        stopped by itself with exit status 0."""
        if self.proc is None:
            return True
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.kill9()
                self._note("did not stop within %ds of SIGTERM: killed" % timeout)
                return False
        rc = self.proc.returncode
        self._note("exited with status %d" % rc)
        return rc == 0

    def kill9(self):
        if self.alive():
            self.proc.kill()
            self.proc.wait()
            self._note("killed with SIGKILL")

    def _note(self, text):
        with open(self.log_path, "a") as f:
            f.write("=== harness: postdeskd %s\n" % text)

    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def log_has(self, *words):
        """The first log line holding every word (case-insensitive)."""
        for line in self.log().splitlines():
            low = line.lower()
            if all(w.lower() in low for w in words):
                return line
        return None


class CliError(Exception):
    pass


class Terminated(BaseException):
    """SIGTERM (e.g. make's timeout); a BaseException, so no `except
    Exception` swallows it before the session has cleaned up."""


def _terminated(signum, frame):
    raise Terminated("terminated by signal %d" % signum)


class Session:
    """One test: directory, mail servers, daemons, TAP.  Use with `with`."""

    def __init__(self, name, base):
        self.name = name
        self.tap = Tap()
        self.daemons = []
        self.env_up = False
        self.cleaned = False
        if not shutil.which("dovecot"):
            skip_all("dovecot not installed")
        if not os.path.exists(POSTDESKD) or not os.path.exists(POSTDESK):
            skip_all("postdeskd/postdesk not built in %s" % BUILDDIR)
        self.dir = tempfile.mkdtemp(prefix="pd-%s-" % name)
        os.chmod(self.dir, 0o755)  # Dovecot runs its mail processes as nobody
        self.base = _pick_base(base)
        self.imaps_port = self.base + 993
        self.lmtp_port = self.base + 24
        self.smtp_port = self.base + 25
        self.cafile = os.path.join(self.dir, "cert.pem")
        atexit.register(self.cleanup)
        signal.signal(signal.SIGTERM, _terminated)  # make's timeout: clean up too

    # -- lifetime

    def __enter__(self):
        self.env_up = True  # also when start fails half-way: stop what runs
        try:
            self.env("start")
        except Exception:
            self.cleanup()
            raise
        for name, secret in (("imap.pw", PASSWORD), ("smtp.pw", "gwpass")):
            path = os.path.join(self.dir, name)
            with open(path, "w") as f:
                f.write(secret + "\n")
            os.chmod(path, 0o600)
        return self

    def __exit__(self, etype, evalue, tb):
        if etype is not None and etype is not SystemExit:
            self.tap.ok(False, "test ran to its end",
                        "".join(traceback.format_exception(etype, evalue, tb)))
        self.cleanup()
        self.tap.plan()
        # Failures are the "not ok" lines: a non-zero status would make
        # automake's tap-driver count one more ERROR for the same failure.
        sys.exit(0)

    def cleanup(self):
        if self.cleaned:
            return
        self.cleaned = True
        for d in self.daemons:
            if d.alive():
                d.stop()
        if self.env_up:
            self.env_up = False
            self.env("stop", check=False)
        if not os.path.isdir(self.dir):
            return
        if self.tap.failed:
            for d in self.daemons:
                self.tap.comment("postdeskd log (%s):\n%s" % (d.log_path, d.log()))
            self.tap.comment("kept %s for inspection" % self.dir)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)

    def env(self, cmd, check=True):
        """contrib/mailtest-env.sh CMD DIR BASE."""
        # Output goes to a file: the daemonised Dovecot keeps a pipe open.
        log = os.path.join(self.dir, "mailtest-env.log")
        with open(log, "a") as f:
            f.write("=== harness: mailtest-env.sh %s\n" % cmd)
            f.flush()
            r = subprocess.run(["bash", MAILTEST_ENV, cmd, self.dir, str(self.base)],
                               stdout=f, stderr=subprocess.STDOUT,
                               stdin=subprocess.DEVNULL, timeout=120)
        if check and r.returncode != 0:
            with open(log, errors="replace") as f:
                raise RuntimeError("mailtest-env.sh %s failed:\n%s" % (cmd, f.read()))
        return r

    # -- config and daemon

    def config(self, **over):
        """The test configuration as a dict; keyword arguments replace
        top-level settings, gateway_X / source_X / smtp_X replace one key."""
        d = self.dir
        conf = {
            "gateway": {
                "name": "ACME Support", "address": SUPPORT, "tag": TAG,
                "language": "en", "first_ticket": FIRST_TICKET,
                "admin": "admin@example.test",
                "key_file": os.path.join(d, "mac.key"), "templates": TEMPLATES,
            },
            "database": os.path.join(d, "pd.db"),
            "sources": [{
                "name": "main", "host": "localhost", "port": self.imaps_port,
                "tls": "implicit", "ca_file": self.cafile, "user": SUPPORT,
                "password_file": os.path.join(d, "imap.pw"), "folder": "INBOX",
                "queue": "support", "processed_folder": "Processed",
                "poll_interval": 5, "timeout": 10,
            }],
            "smtp": {
                "host": "localhost", "port": self.smtp_port, "tls": "starttls",
                "ca_file": self.cafile, "user": "gateway",
                "password_file": os.path.join(d, "smtp.pw"), "timeout": 10,
            },
            "agents": [{
                "name": "Olga Ivanova", "addresses": ["olga@example.test"],
                "role": "lead", "queues": ["support"], "language": "ru",
            }],
            # The flood guards (postdesk.conf(5) floods) are off: the other tests send one
            # client many notices, one agent many forged mails and the same
            # request twice on purpose.  tests/it_flood_*.py pass
            # floods=None for the shipped defaults.
            "floods": FLOODS_OFF,
        }
        if os.geteuid() == 0:
            # CI runs as root; postdeskd refuses that unless told (issue 7).
            conf["gateway"]["allow_root"] = True
        for key, value in over.items():
            group, _, sub = key.partition("_")
            if group == "gateway" and sub:
                conf["gateway"][sub] = value
            elif group == "source" and sub:
                conf["sources"][0][sub] = value
            elif group == "smtp" and sub:
                conf["smtp"][sub] = value
            else:
                conf[key] = value
        return {k: v for k, v in conf.items() if v is not None}

    def write_config(self, name="postdesk.conf", text=None, **over):
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text if text is not None else config_text(self.config(**over)))
        self.conf = path
        return path

    def daemon(self, conf=None, log_name=None):
        log = os.path.join(self.dir, log_name or "postdeskd-%d.log" % (len(self.daemons) + 1))
        d = Daemon(conf or self.conf, log)
        self.daemons.append(d)
        return d

    def check_config(self, conf):
        """postdeskd -n -c CONF: (exit status, stdout + stderr)."""
        r = subprocess.run([POSTDESKD, "-n", "-c", conf], capture_output=True,
                           text=True, timeout=30)
        return r.returncode, r.stdout + r.stderr

    # -- the CLI

    def cli_json(self, *args, conf=None):
        r = subprocess.run([POSTDESK, "-c", conf or self.conf] + [str(a) for a in args]
                           + ["--json"], capture_output=True, text=True, timeout=30)
        if r.returncode != 0:
            raise CliError("postdesk %s: exit %d: %s"
                           % (" ".join(map(str, args)), r.returncode, r.stderr.strip()))
        return json.loads(r.stdout)

    def tickets(self):
        return self.cli_json("tickets")

    def show(self, number):
        return self.cli_json("show", number)

    def outbox(self):
        return self.cli_json("outbox")

    def all_tickets(self):
        """{number: show-json} for every ticket."""
        return {t["number"]: self.show(t["number"]) for t in self.tickets()}

    def tickets_holding(self, msgid):
        """Numbers of the tickets that store a message with this Message-ID."""
        want = norm_id(msgid)
        return sorted(n for n, t in self.all_tickets().items()
                      if any(norm_id(m.get("message_id")) == want for m in t["messages"]))

    def wait_ticket_of(self, msgid, timeout=30):
        """The ticket (show-json) that stores msgid, once there is one."""
        nums = wait_until(lambda: self.tickets_holding(msgid), timeout)
        return self.show(nums[0]) if nums else None

    def wait_outbox(self, pred, timeout=30):
        """The first outbox entry satisfying pred, once there is one."""
        return wait_until(lambda: next((e for e in self.outbox() if pred(e)), None),
                          timeout)

    # -- mail in

    def inject(self, raw, rcpt=SUPPORT, sender=None):
        """Delivers raw bytes to rcpt over LMTP; returns its Message-ID
        (no brackets).  sender defaults to From; "" sends MAIL FROM:<>."""
        if sender is None:
            sender = sender_of(raw)
        with smtplib.LMTP("127.0.0.1", self.lmtp_port) as l:
            l.sendmail(sender, [rcpt], raw)
        return msgid_of(raw)

    def inject_many(self, raws, rcpt=SUPPORT):
        with smtplib.LMTP("127.0.0.1", self.lmtp_port) as l:
            for raw in raws:
                l.sendmail(sender_of(raw), [rcpt], raw)
        return [msgid_of(r) for r in raws]

    # -- mailboxes

    def imap(self, user):
        ctx = ssl.create_default_context(cafile=self.cafile)
        m = imaplib.IMAP4_SSL("localhost", self.imaps_port, ssl_context=ctx, timeout=30)
        m.login(user, PASSWORD)
        return m

    def count(self, user, folder="INBOX"):
        """Messages in folder (0 when it does not exist)."""
        m = self.imap(user)
        try:
            typ, data = m.status('"%s"' % folder, "(MESSAGES)")
            if typ != "OK":
                return 0
            return int(data[0].decode().rsplit("MESSAGES", 1)[1].strip(" )"))
        finally:
            m.logout()

    def messages(self, user, folder="INBOX"):
        """Raw bytes of every message in folder ([] when it does not exist)."""
        m = self.imap(user)
        try:
            typ, _ = m.select('"%s"' % folder, readonly=True)
            if typ != "OK":
                return []
            typ, data = m.uid("FETCH", "1:*", "(BODY.PEEK[])")
            if typ != "OK":
                return []
            return [item[1] for item in data if isinstance(item, tuple)]
        except imaplib.IMAP4.error:
            return []
        finally:
            m.logout()

    def msgids(self, user, folder="INBOX"):
        return [msgid_of(r) for r in self.messages(user, folder)]

    def sink(self):
        """Parsed copies of every message the SMTP sink accepted."""
        box = mailbox.Maildir(os.path.join(self.dir, "sink", "Maildir"), create=False)
        try:
            return [parse(box.get_bytes(k)) for k in box.keys()]
        except FileNotFoundError:
            return []

    # -- acknowledgements

    def acks_for(self, user, request_id):
        """Parsed messages in user's INBOX that answer request_id."""
        want = norm_id(request_id)
        return [m for m in map(parse, self.messages(user))
                if norm_id(header(m, "In-Reply-To")) == want]

    def wait_ack(self, user, request_id, timeout=30):
        r = wait_until(lambda: self.acks_for(user, request_id), timeout)
        return r[0] if r else None

    def sink_to(self, address):
        """Sink copies whose envelope recipients include address."""
        a = address.lower()
        return [m for m in self.sink()
                if a in (header(m, "X-Sink-Rcpt-To") or "").lower()]

    def check_ack(self, ack, number, request_id, label):
        """The acknowledgement contract (issue backbone), one TAP line each."""
        tap = self.tap
        if not tap.ok(ack is not None, "%s: ack arrives in the requester's INBOX" % label):
            return
        subject = header(ack, "Subject") or ""
        tap.ok(token(number) in subject, "%s: ack subject carries %s" % (label, token(number)),
               "subject: %r" % subject)
        tap.eq(norm_id(header(ack, "In-Reply-To")), norm_id(request_id),
               "%s: ack In-Reply-To is the request's Message-ID" % label)
        name, addr = email.utils.parseaddr(header(ack, "From") or "")
        tap.eq((name, addr.lower()), ("ACME Support", SUPPORT), "%s: ack From" % label)
        refs = [norm_id(r) for r in (header(ack, "References") or "").split()]
        tap.ok(len(refs) >= 2 and refs[0].endswith("@example.test")
               and refs[0] != norm_id(request_id) and norm_id(request_id) in refs,
               "%s: ack References start with our root id and name the request" % label,
               "References: %r" % refs)
        for hname, value in (("Auto-Submitted", "auto-replied"), ("Precedence", "bulk"),
                             ("X-Auto-Response-Suppress", "All")):
            got = (header(ack, hname) or "").strip()
            tap.ok(got.lower().startswith(value.lower()),
                   "%s: ack %s: %s" % (label, hname, value), "got %r" % got)
        tap.ok(str(number) in plain_text(ack), "%s: ack body mentions %d" % (label, number))
        ack_id = norm_id(header(ack, "Message-ID"))
        copies = [m for m in self.sink() if norm_id(header(m, "Message-ID")) == ack_id]
        tap.ok(copies and all(header(m, "X-Sink-Mail-From") in ("<>", "<<>>") for m in copies),
               "%s: ack sent with an empty envelope sender" % label,
               "X-Sink-Mail-From: %r" % [header(m, "X-Sink-Mail-From") for m in copies])

    def report_daemon_state(self):
        """A TAP comment when a daemon has died, for easier diagnosis."""
        for d in self.daemons:
            if d.proc is not None and not d.alive():
                self.tap.comment("postdeskd exited with status %s" % d.proc.returncode)



# ---------------------------------------------------------------- lifecycle
# Helpers of tests/it_lifecycle_*.py (the ticket life cycle, postdeskd(8) Threading; postdeskd(8) Tickets; postdesk.conf(5) TEMPLATES).

def cli(session, *args):
    """postdesk -c CONF ARGS without --json: its stdout (CliError when it
    exits non-zero)."""
    r = subprocess.run([POSTDESK, "-c", session.conf] + [str(a) for a in args],
                       capture_output=True, text=True, timeout=30)
    if r.returncode != 0:
        raise CliError("postdesk %s: exit %d: %s"
                       % (" ".join(map(str, args)), r.returncode, r.stderr.strip()))
    return r.stdout


def db_exec(session, sql, params=()):
    """One statement on the session's database (the daemon uses WAL, so
    this is safe while it runs); returns the changed row count."""
    import sqlite3
    con = sqlite3.connect(os.path.join(session.dir, "pd.db"), timeout=30)
    try:
        with con:
            return con.execute(sql, params).rowcount
    finally:
        con.close()


def outbox_of(session, kind=None, ticket=None, rcpt=None):
    """Outbox entries matching every given field (rcpt case-insensitive)."""
    return [e for e in session.outbox()
            if (kind is None or e["kind"] == kind)
            and (ticket is None or e["ticket"] == ticket)
            and (rcpt is None or (e["rcpt"] or "").lower() == rcpt.lower())]


def mails_of_kind(session, user, kind, ticket=None):
    """Parsed messages in user's INBOX that the outbox sent as kind (the
    template name), optionally for one ticket."""
    ids = {norm_id(e["message_id"]) for e in outbox_of(session, kind, ticket, user)}
    return [m for m in map(parse, session.messages(user))
            if norm_id(header(m, "Message-ID")) in ids]


def wait_mail(session, user, kind, ticket=None, timeout=30):
    """The first message of kind in user's INBOX, once there is one."""
    r = wait_until(lambda: mails_of_kind(session, user, kind, ticket), timeout)
    return r[0] if r else None


def reply_mail(sender, mail, body, subject=None, quote=True, headers=()):
    """A reply to a parsed message as a mail client writes it: Re: subject,
    In-Reply-To, References, and the original quoted below the text."""
    mid = header(mail, "Message-ID")
    refs = ((header(mail, "References") or "") + " " + mid).strip()
    if subject is None:
        subject = header(mail, "Subject") or ""
        if not subject.lower().startswith("re:"):
            subject = "Re: " + subject
    if quote:
        body = "%s\n\nOn Mon, 1 Jan 2024 at 10:00, %s wrote:\n%s\n" % (
            body, header(mail, "From"),
            "\n".join("> " + l for l in plain_text(mail).splitlines()))
    return make_mail(sender, subject, body,
                     headers=[("In-Reply-To", mid), ("References", refs)] + list(headers))


def events_named(ticket, name):
    """The events of a show-json ticket called name."""
    return [e for e in ticket["events"] if e["event"] == name]


# ---------------------------------------------------------------- agents
# Helpers of tests/it_agent_*.py (agents by mail, postdesk.conf(5) THREAT MODEL).

OLGA = "Olga Ivanova <olga@example.test>"
JOHN = "John Smith <john@example.test>"
OLGA_ADDR = "olga@example.test"
JOHN_ADDR = "john@example.test"
TEAM = "team@example.test"
NOTE_ADDRESS = "support+note@example.test"
TRUSTED_AUTHSERV = "mx.example.test"
AGENTS = [
    {"name": "Olga Ivanova", "addresses": [OLGA_ADDR], "role": "lead",
     "queues": ["support"], "language": "ru"},
    {"name": "John Smith", "addresses": [JOHN_ADDR], "role": "agent",
     "queues": ["support"], "language": "en"},
]


def agent_config(session, **over):
    """write_config with two agents (Olga, lead, Russian; John, English),
    team_copy, a trusted authserv-id and the shipped canned answers."""
    kw = {"agents": AGENTS, "gateway_team_copy": TEAM,
          "gateway_trusted_authserv": [TRUSTED_AUTHSERV],
          "gateway_answers": os.path.join(SRCDIR, "conf", "answers")}
    kw.update(over)
    return session.write_config(**kw)


def db_query(session, sql, params=()):
    """Rows of one query on the session's database.  pd_body(body,
    body_z) reads a message's text as the daemon's SQL function of that
    name does (docs/storage.md: deflated in body_z, else body)."""
    import sqlite3
    import zlib
    con = sqlite3.connect(os.path.join(session.dir, "pd.db"), timeout=30)
    con.create_function("pd_body", 2, lambda body, z: body if z is None else
                        zlib.decompress(z).decode("utf-8"), deterministic=True)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def stored_as(session, msgid):
    """(ticket, kind) of the stored message with this Message-ID, or None."""
    want = norm_id(msgid)
    rows = db_query(session, "SELECT COALESCE(ticket, 0), kind FROM messages "
                    "WHERE message_id IN (?, ?) ORDER BY id", (want, "<%s>" % want))
    return rows[0] if rows else None


def wait_stored(session, msgid, timeout=30):
    return wait_until(lambda: stored_as(session, msgid), timeout)


def build_mail(sender, subject, body, to=SUPPORT, msgid=None, headers=(),
               attachments=()):
    """make_mail with attachments: (filename, "type/subtype", bytes)."""
    m = EmailMessage()
    m["From"] = sender
    m["To"] = to
    m["Subject"] = subject
    m["Date"] = email.utils.formatdate(localtime=True)
    m["Message-ID"] = msgid or make_msgid()
    for name, value in headers:
        m[name] = value
    m.set_content(body)
    for filename, ctype, data in attachments:
        main, _, sub = ctype.partition("/")
        m.add_attachment(data, maintype=main, subtype=sub, filename=filename)
    return m.as_bytes(policy=email.policy.SMTP)


def quoted(mail, style):
    """The history block a mail client puts below a reply to mail."""
    text = plain_text(mail)
    frm = header(mail, "From") or ""
    if style == "thunderbird":
        name = email.utils.parseaddr(frm)[0] or frm
        return "On 01.01.2024 10:00, %s wrote:\n%s\n" % (
            name, "\n".join(("> " + l).rstrip() for l in text.splitlines()))
    if style == "outlook":
        return ("-----Original Message-----\nFrom: %s\nSent: Monday, January 1, "
                "2024 10:00 AM\nTo: %s\nSubject: %s\n\n%s\n"
                % (frm, header(mail, "To") or "", header(mail, "Subject") or "", text))
    if style == "forward":
        return ("---------- Forwarded message ---------\nFrom: %s\nDate: Mon, 1 Jan "
                "2024 at 10:00\nSubject: %s\nTo: %s\n\n%s\n"
                % (frm, header(mail, "Subject") or "", header(mail, "To") or "", text))
    raise ValueError(style)


def agent_reply(sender, mail, text, style="thunderbird", signature=None, to=SUPPORT,
                headers=(), attachments=(), subject=None):
    """An agent's reply to a parsed notification: new text on top, the
    notification quoted below in style ("thunderbird", "outlook",
    "forward" or None), a signature after "-- " (Thunderbird puts it
    below the quote, Outlook above it)."""
    mid = header(mail, "Message-ID")
    refs = ((header(mail, "References") or "") + " " + mid).strip()
    if subject is None:
        subject = header(mail, "Subject") or ""
        if not subject.lower().startswith(("re:", "fwd:")):
            subject = ("Fwd: " if style == "forward" else "Re: ") + subject
    sig = "-- \n%s\n" % signature if signature else ""
    body = text.rstrip("\n") + "\n\n"
    if style == "outlook":
        body += sig + "\n" + quoted(mail, style)
    elif style:
        body += quoted(mail, style) + "\n" + sig
    else:
        body += sig
    return build_mail(sender, subject, body, to=to,
                      headers=[("In-Reply-To", mid), ("References", refs)] + list(headers),
                      attachments=attachments)


def text_parts(msg):
    """Subject and the decoded text of every leaf part (attachments
    included, a forwarded message/rfc822 opened even when it came base64
    encoded), as one list of str."""
    out = [header(msg, "Subject") or ""]
    _texts_of(msg, out)
    return out


def _texts_of(part, out):
    import base64
    import quopri
    if part.get_content_maintype() == "message":
        cte = (part.get("Content-Transfer-Encoding") or "").strip().lower()
        if cte in ("base64", "quoted-printable"):
            # Python leaves an encoded message/rfc822 undecoded: do it here.
            raw = part.as_bytes()
            sep = raw.find(b"\r\n\r\n") if b"\r\n\r\n" in raw else raw.find(b"\n\n")
            body = raw[sep:].strip()
            try:
                data = (base64.b64decode(body) if cte == "base64"
                        else quopri.decodestring(body))
            except Exception:
                data = body
            out.extend(text_parts(parse(data)))
            return
        for sub in part.get_payload() if isinstance(part.get_payload(), list) else ():
            out.append(header(sub, "Subject") or "")
            _texts_of(sub, out)
        return
    if part.is_multipart():
        for sub in part.get_payload():
            _texts_of(sub, out)
        return
    try:
        content = part.get_content()
    except Exception:
        content = None
    if not isinstance(content, str):
        content = (part.get_payload(decode=True) or b"").decode("utf-8", "replace")
    out.append(content)


def attachments_of(msg):
    """{filename: bytes} of the parts with a file name."""
    return {p.get_filename(): p.get_payload(decode=True)
            for p in msg.walk() if not p.is_multipart() and p.get_filename()}


def words(text):
    """Words of text, case-folded, punctuation and quote markers ignored."""
    import re
    return re.findall(r"\w+", (text or "").casefold())


def shingles(text, n):
    """Every run of n consecutive words of text, as tuples."""
    w = words(text)
    return {tuple(w[i:i + n]) for i in range(len(w) - n + 1)}


def held(session):
    return session.cli_json("held")


def act(session, raw, rcpt=SUPPORT, timeout=30):
    """Injects raw; once it is stored returns ((ticket, kind), the outbox
    entries its transaction queued), else (None, [])."""
    seen = {e["id"] for e in session.outbox()}
    mid = session.inject(raw, rcpt=rcpt)
    where = wait_stored(session, mid, timeout)
    if not where:
        return None, []
    return where, [e for e in session.outbox() if e["id"] not in seen]


def kinds_to(entries, rcpt):
    """Sorted kinds of the outbox entries for rcpt."""
    return sorted(e["kind"] for e in entries if (e["rcpt"] or "").lower() == rcpt.lower())


def client_request(s, label, sender, subject, body):
    """Delivers a new request; (ticket number or None, its Message-ID).
    A missing ticket is a failed check with the daemon's state."""
    req = s.inject(build_mail(sender, subject, body))
    t = s.wait_ticket_of(req)
    if not s.tap.ok(t is not None, "%s: request becomes a ticket" % label):
        s.report_daemon_state()
        return None, req
    return t["number"], req


def set_status(s, n, status, label, *extra):
    """postdesk status N STATUS [extra...]; a failure is a failed check."""
    try:
        cli(s, "status", n, status, *extra)
        return True
    except CliError as e:
        s.tap.ok(False, "%s: postdesk status %d %s succeeds" % (label, n, status), str(e))
        return False


def agent_ticket(s, label, sender, subject, body, ack_to=None):
    """A new request from sender that both agents are told about:
    (number, Message-ID of the request, {agent address: agent_message}),
    or (None, id, {}) when no ticket appears.  With ack_to, also waits for
    the acknowledgement in that mailbox."""
    n, req = client_request(s, label, sender, subject, body)
    if n is None:
        return None, req, {}
    got = {who: wait_mail(s, who, "agent_message", n) for who in (OLGA_ADDR, JOHN_ADDR)}
    s.tap.ok(all(got.values()), "%s: agents get agent_message" % label,
             "outbox: %r" % outbox_of(s, ticket=n))
    if ack_to:
        wait_mail(s, ack_to, "ack", n)
    return n, req, got


# ---------------------------------------------------------------- test clock
# Builds configured --enable-test-hooks read the time from the file named by
# POSTDESK_TEST_CLOCK (daemon/clock.h): tests move time instead of sleeping.

def set_clock(session, epoch):
    """Sets the test clock to epoch seconds (written whole, by rename, so
    a running daemon never reads half a number) and exports
    POSTDESK_TEST_CLOCK to the daemons and CLI runs started afterwards."""
    path = os.path.join(session.dir, "clock")
    with open(path + ".new", "w") as f:
        f.write("%d\n" % int(epoch))
    os.replace(path + ".new", path)
    os.environ["POSTDESK_TEST_CLOCK"] = path
    return int(epoch)


def wait_job(daemon, job, epoch, timeout=30):
    """Waits until daemon ran timer job (daemon/scheduler.c) at test clock
    epoch: its log line "stage=timer event=ran job=JOB now=EPOCH"."""
    return wait_until(lambda: daemon.log_has("event=ran", "job=%s " % job,
                                             "now=%d" % int(epoch)), timeout)


class Clock:
    """The test clock of session as an object, for tests that move it
    often: clock.set(epoch) is set_clock(session, epoch); clock.path is
    the file POSTDESK_TEST_CLOCK names."""

    def __init__(self, session):
        self.session = session
        self.path = os.path.join(session.dir, "clock")

    def set(self, epoch):
        return set_clock(self.session, epoch)


def daemon_started(daemon):
    """Waits until the daemon's latest start logged event=started (its
    signal handlers are set: SIGHUP before that would end it)."""
    def up():
        log = daemon.log()
        return "event=started" in log[log.rfind("=== harness: start #"):]
    return wait_until(up, 30)
