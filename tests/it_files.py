#!/usr/bin/python3
"""File safety (issue 7 §8): the database and its -wal/-shm files are
created 0600; a password file others may access, a key file readable by
group or others, and running as root without gateway.allow_root stop the
daemon at start, and postdeskd -n reports each (root only as a warning).
SIGHUP reads the new key aside and swaps it with the configuration: a
refused reload keeps the running key, a storm of reloads loses no mail."""
import os
import signal
import stat
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness
from harness import make_mail

CLIENT = "client@example.test"


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def refused_start(s, conf, name):
    """Starts postdeskd with conf; (exited with 1 by itself, its log)."""
    d = s.daemon(conf, log_name="postdeskd-%s.log" % name)
    d.start()
    try:
        rc = d.proc.wait(20)
    except Exception:
        d.stop()
        return False, d.log()
    return rc == 1, d.log()


def main():
    with harness.Session("it_files", base=53500) as s:
        tap = s.tap
        key = os.path.join(s.dir, "mac.key")
        imap_pw = os.path.join(s.dir, "imap.pw")
        conf = s.write_config()
        d = s.daemon(conf)
        d.start()
        first = s.inject(make_mail(CLIENT, "Printer offline", "It says offline."))
        tap.ok(s.wait_ack(CLIENT, first) is not None, "a request is acknowledged")

        # The database and its WAL/SHM files: 0600.
        db = os.path.join(s.dir, "pd.db")
        for path in (db, db + "-wal", db + "-shm"):
            tap.ok(os.path.exists(path) and mode(path) == 0o600,
                   "%s is mode 0600" % os.path.basename(path),
                   "mode %s" % (oct(mode(path)) if os.path.exists(path) else "missing"))

        # A database made 0644 by an older postdesk: -n warns, no more.
        os.chmod(db, 0o644)
        rc, out = s.check_config(conf)
        tap.ok(rc == 0 and "database is accessible by group or others" in out,
               "-n warns about a database others may read", "exit %d: %s" % (rc, out))
        os.chmod(db, 0o600)

        # A key file readable by others: -n says so, as start refuses it.
        os.chmod(key, 0o644)
        rc, out = s.check_config(conf)
        tap.ok(rc == 1 and "key file must be mode 0600" in out,
               "-n reports a key file readable by others", "exit %d: %s" % (rc, out))
        os.chmod(key, 0o600)
        rc, out = s.check_config(conf)
        tap.ok(rc == 0 and "configuration OK" in out, "-n passes with a 0600 key",
               "exit %d: %s" % (rc, out))

        # Password files: others may not read them; the group may.
        os.chmod(imap_pw, 0o644)
        rc, out = s.check_config(conf)
        tap.ok(rc == 1 and "password_file" in out and imap_pw in out
               and "postdesk.conf:" in out,
               "-n reports a password file readable by others, with file:line",
               "exit %d: %s" % (rc, out))
        tap.ok(harness.PASSWORD not in out, "-n does not print the password")
        ok, log = refused_start(s, conf, "pw")
        tap.ok(ok and "accessible by others" in log,
               "start refuses a password file readable by others", log)

        # A reload with that file is refused; the running daemon goes on
        # with its configuration and key.
        d.signal(signal.SIGHUP)
        tap.ok(harness.wait_until(lambda: d.log_has("reload-refused")),
               "SIGHUP with a password file readable by others is refused")
        second = s.inject(make_mail(CLIENT, "Scanner offline", "Also offline."))
        tap.ok(s.wait_ack(CLIENT, second) is not None and d.alive(),
               "after the refused reload mail is still acknowledged")
        os.chmod(imap_pw, 0o640)
        rc, out = s.check_config(conf)
        tap.ok(rc == 0, "-n accepts a password file readable by its group only",
               "exit %d: %s" % (rc, out))
        os.chmod(imap_pw, 0o600)

        # A new key file with a reload: read aside, swapped with the config.
        key2 = os.path.join(s.dir, "keys", "mac2.key")
        conf2 = s.write_config(name="postdesk2.conf", gateway_key_file=key2)
        os.replace(conf2, conf)
        s.write_config(name="cli.conf", gateway_key_file=key2)
        d.signal(signal.SIGHUP)
        tap.ok(harness.wait_until(lambda: d.log_has("event=reloaded")),
               "a reload with a new key file is loaded")
        tap.ok(os.path.exists(key2) and mode(key2) == 0o600,
               "the new key file is created 0600")
        # A storm of reloads while mail is processed loses nothing.
        reqs = [s.inject(make_mail(CLIENT, "Storm %d" % i, "During reloads %d." % i))
                for i in range(4)]
        for _ in range(8):
            d.signal(signal.SIGHUP)
            harness.time.sleep(0.3)
        tap.ok(all(s.wait_ack(CLIENT, r, timeout=60) is not None for r in reqs),
               "mail during 8 reloads is acknowledged")
        tap.ok(d.alive(), "the daemon survives the reloads")
        # The running key's file gone (a stray rm, a restore that missed
        # it): a reload must not make a new key in its place, which would
        # void every id the gateway has sent.
        os.rename(key2, key2 + ".saved")
        refusals = d.log().count("reload-refused")
        d.signal(signal.SIGHUP)
        tap.ok(harness.wait_until(lambda: d.log().count("reload-refused") > refusals),
               "a reload with the running key file missing is refused")
        tap.ok(not os.path.exists(key2), "no new key is made in its place")
        third = s.inject(make_mail(CLIENT, "Badge reader", "The badge reader is dead."))
        tap.ok(s.wait_ack(CLIENT, third) is not None and d.alive(),
               "after that refused reload mail is still acknowledged")
        os.rename(key2 + ".saved", key2)
        tap.ok(d.stop(), "daemon stops cleanly on SIGTERM")

        # Running as root.
        if os.geteuid() != 0:
            tap.comment("not root: the root checks are skipped")
        else:
            cfg = s.config()
            del cfg["gateway"]["allow_root"]
            rootconf = s.write_config(name="root.conf", text=harness.config_text(cfg))
            rc, out = s.check_config(rootconf)
            tap.ok(rc == 0 and "warning: running as root" in out,
                   "-n as root warns, and passes", "exit %d: %s" % (rc, out))
            ok, log = refused_start(s, rootconf, "root")
            tap.ok(ok and "running as root" in log, "start as root is refused", log)
            rc, out = s.check_config(conf)
            tap.ok(rc == 0 and "warning" not in out,
                   "-n with allow_root = true does not warn", out)


main()
