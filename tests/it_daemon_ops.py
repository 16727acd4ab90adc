#!/usr/bin/python3
"""postdeskd as a service (postdeskd(8) "SYSTEMD", "LOGGING",
"PRIVILEGES"), without mail servers: the notify socket protocol (READY=1,
RELOADING=1, STOPPING=1, to a path or an abstract name), log lines with
<N> priorities when stderr is the journal's stream (JOURNAL_STREAM faked),
ISO 8601 time stamps otherwise, -L to choose the level, no secret in any
log, and, run as root, the drop to gateway.user."""
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

SECRET = "Pw-relay-4t7Q-never-logged"
STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d{4} postdeskd: ")


def write_conf(d, extra_gateway=None, name="postdesk.conf"):
    pw = os.path.join(d, "smtp.password")
    with open(pw, "w") as f:
        f.write(SECRET + "\n")
    os.chmod(pw, 0o600)
    gw = {"address": "support@example.test", "templates": harness.TEMPLATES,
          "key_file": os.path.join(d, "state", "mac.key"),
          "allow_root": True}
    gw.update(extra_gateway or {})
    conf = {"gateway": gw,
            "database": os.path.join(d, "state", "postdesk.db"),
            "smtp": {"host": "127.0.0.1", "port": 9, "tls": "none",
                     "user": "desk", "password_file": pw}}
    path = os.path.join(d, name)
    with open(path, "w") as f:
        f.write(harness.config_text(conf))
    return path


class Notify:
    """The service manager's end: a datagram socket NOTIFY_SOCKET names."""

    def __init__(self, d, abstract=False):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        if abstract:
            name = "postdesk-test-%d-%d" % (os.getpid(), time.monotonic_ns())
            self.sock.bind("\0" + name)
            self.env = "@" + name
        else:
            self.env = os.path.join(d, "notify.sock")
            self.sock.bind(self.env)
        self.sock.settimeout(15)

    def wait(self, state):
        """Messages until one holds state; all of them, or None on time-out."""
        got = []
        end = time.monotonic() + 15
        while time.monotonic() < end:
            try:
                msg = self.sock.recv(4096).decode()
            except socket.timeout:
                break
            got.append(msg)
            if state in msg.split("\n"):
                return got
        return None


def start(conf, log, env_extra=None, args=(), journal=False):
    env = dict(os.environ)
    env.pop("JOURNAL_STREAM", None)
    env.pop("NOTIFY_SOCKET", None)
    env.update(env_extra or {})
    f = open(log, "a")
    if journal:
        st = os.fstat(f.fileno())
        env["JOURNAL_STREAM"] = "%d:%d" % (st.st_dev, st.st_ino)
    p = subprocess.Popen([harness.POSTDESKD, "-f", "-c", conf] + list(args),
                         stdout=f, stderr=f, env=env)
    f.close()
    return p


def stop(p):
    p.send_signal(signal.SIGTERM)
    try:
        return p.wait(20)
    except subprocess.TimeoutExpired:
        p.kill()
        return p.wait()


def lines(log):
    with open(log) as f:
        return [l.rstrip("\n") for l in f if l.strip()]


def main():
    tap = harness.Tap()
    if not os.access(harness.POSTDESKD, os.X_OK):
        harness.skip_all("postdeskd not built in %s" % harness.BUILDDIR)
    d = tempfile.mkdtemp(prefix="it_daemon_ops.")
    os.mkdir(os.path.join(d, "state"), 0o700)
    conf = write_conf(d)
    logs = []
    d2 = None

    # 1. Notify socket by path; log to a faked journal stream.
    n = Notify(d)
    log = os.path.join(d, "journal.log")
    logs.append(log)
    p = start(conf, log, {"NOTIFY_SOCKET": n.env}, journal=True)
    got = n.wait("READY=1")
    tap.ok(got is not None, "notify: READY=1 once started", got)
    p.send_signal(signal.SIGHUP)
    got = n.wait("RELOADING=1")
    tap.ok(got is not None and any("MONOTONIC_USEC=" in m for m in got),
           "notify: RELOADING=1 with MONOTONIC_USEC on SIGHUP", got)
    got = n.wait("READY=1")
    tap.ok(got is not None, "notify: READY=1 after the reload", got)
    p.send_signal(signal.SIGTERM)
    got = n.wait("STOPPING=1")
    tap.ok(got is not None, "notify: STOPPING=1 on SIGTERM", got)
    tap.eq(p.wait(20), 0, "notify: stopped, status 0")
    ls = lines(log)
    tap.ok(ls and all(re.match(r"^<[3467]>postdeskd: ", l) for l in ls),
           "journal: every line starts with a <N> priority", "\n".join(ls))
    tap.ok(any(l.startswith("<6>postdeskd: stage=daemon event=started")
               for l in ls), "journal: info lines are <6>", "\n".join(ls))

    # 2. An abstract socket name; a warning (a database others may read)
    # shows as <4>.
    os.chmod(os.path.join(d, "state", "postdesk.db"), 0o644)
    n2 = Notify(d, abstract=True)
    log = os.path.join(d, "journal2.log")
    logs.append(log)
    p = start(conf, log, {"NOTIFY_SOCKET": n2.env}, journal=True)
    got = n2.wait("READY=1")
    tap.ok(got is not None, "notify: READY=1 to an abstract socket (@name)",
           got)
    stop(p)
    ls = lines(log)
    tap.ok(any(l.startswith("<4>postdeskd: warning: ") and "database" in l
               for l in ls), "journal: warnings are <4>", "\n".join(ls))
    os.chmod(os.path.join(d, "state", "postdesk.db"), 0o600)

    # 3. Not the journal: ISO 8601 time stamps; also when JOURNAL_STREAM
    # names another file (a child whose stderr was redirected).
    log = os.path.join(d, "stderr.log")
    logs.append(log)
    p = start(conf, log, {"JOURNAL_STREAM": "1:2"})
    time.sleep(1)
    tap.eq(stop(p), 0, "stderr: stopped, status 0")
    ls = lines(log)
    tap.ok(ls and all(STAMP.match(l) for l in ls),
           "stderr: every line starts with an ISO 8601 time stamp",
           "\n".join(ls))
    tap.ok(any("event=started" in l for l in ls) and
           not any(l.startswith("<") for l in ls),
           "stderr: no priority prefix", "\n".join(ls))

    # 4. Levels: -L warning drops info lines; -v adds debug ones.
    log = os.path.join(d, "quiet.log")
    logs.append(log)
    os.chmod(os.path.join(d, "state", "postdesk.db"), 0o644)
    p = start(conf, log, args=["-L", "warning"])
    time.sleep(1)
    stop(p)
    os.chmod(os.path.join(d, "state", "postdesk.db"), 0o600)
    ls = lines(log)
    tap.ok(not any("event=started" in l for l in ls) and
           any("warning:" in l for l in ls),
           "-L warning: warnings only", "\n".join(ls))
    r = subprocess.run([harness.POSTDESKD, "-L", "loud", "-n", "-c", conf],
                       capture_output=True, text=True)
    tap.ok(r.returncode == 64 and "usage" in r.stderr,
           "-L with an unknown level: usage, status 64 (EX_USAGE)", r.stderr)

    # 5. Root with gateway.user: runs as that user, its files given to it.
    if os.geteuid() != 0:
        tap.ok(True, "privileges: # SKIP not root")
    else:
        try:
            nobody = pwd.getpwnam("nobody")
        except KeyError:
            nobody = None
        if nobody is None:
            tap.ok(True, "privileges: # SKIP no user nobody")
        else:
            d2 = tempfile.mkdtemp(prefix="it_daemon_ops_user.")
            os.chmod(d2, 0o755)
            os.mkdir(os.path.join(d2, "state"), 0o700)
            os.chown(os.path.join(d2, "state"), nobody.pw_uid, nobody.pw_gid)
            conf2 = write_conf(d2, {"user": "nobody", "allow_root": False})
            n3 = Notify(d2)
            os.chmod(n3.env, 0o666)
            log = os.path.join(d2, "user.log")
            logs.append(log)
            p = start(conf2, log, {"NOTIFY_SOCKET": n3.env})
            got = n3.wait("READY=1")
            uid = None
            try:
                with open("/proc/%d/status" % p.pid) as f:
                    uid = [l.split()[1:] for l in f if l.startswith("Uid:")][0]
            except OSError:
                pass
            tap.ok(got is not None and uid and
                   all(int(u) == nobody.pw_uid for u in uid),
                   "privileges: started by root, runs as gateway.user",
                   (got, uid, lines(log)))
            st = [os.stat(os.path.join(d2, "state", f)).st_uid
                  for f in ("mac.key", "postdesk.db")]
            tap.ok(st == [nobody.pw_uid] * 2,
                   "privileges: the key and database belong to it", st)
            stop(p)
            conf3 = write_conf(d2, {"allow_root": False}, "noroot.conf")
            r = subprocess.run([harness.POSTDESKD, "-f", "-c", conf3],
                               capture_output=True, text=True, timeout=20)
            tap.ok(r.returncode == 1 and "running as root" in r.stderr,
                   "privileges: as root without gateway.user or allow_root:"
                   " refused", r.stderr)

    # Secrets never in a log.
    leaked = [l for l in logs if os.path.exists(l) and SECRET in open(l).read()]
    tap.ok(not leaked, "no log holds the password", leaked)
    if tap.failed == 0:
        shutil.rmtree(d, ignore_errors=True)
        if d2:
            shutil.rmtree(d2, ignore_errors=True)
    tap.plan()
    return 0 if tap.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
