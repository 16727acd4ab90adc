#!/bin/bash
# The demo: installs what is missing, builds, starts a private Dovecot and
# SMTP server on loopback, runs postdeskd against them, sends a request
# written in Russian as a client would, and shows the new ticket and the
# acknowledgement that reached the client's mailbox.  Everything lives in
# demo-run/ and is stopped at the end (by PID).
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
contrib/deps.sh
contrib/build.sh _build
B=$top/_build
D=$top/demo-run
BASE=${PD_DEMO_PORT_BASE:-25000}
rm -rf "$D"
mkdir -p "$D"
daemon_pid=
cleanup() {
	[ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
	contrib/mailtest-env.sh stop "$D/mail" "$BASE" >/dev/null 2>&1 || true
}
trap cleanup EXIT
contrib/mailtest-env.sh start "$D/mail" "$BASE"
# postdeskd refuses password files others may read (postdeskd(8)).
(umask 077; printf 'secret\n' > "$D/imap.password"
 printf 'gwpass\n' > "$D/smtp.password")
allow_root=false
[ "$(id -u)" = 0 ] && allow_root=true
sed -e "s|@DIR@|$D|g" -e "s|@TOP@|$top|g" -e "s|@IMAPS@|$((BASE + 993))|g" \
    -e "s|@SMTP@|$((BASE + 25))|g" -e "s|@ALLOW_ROOT@|$allow_root|g" \
    contrib/demo.conf.in > "$D/postdesk.conf"
"$B/postdeskd" -n -c "$D/postdesk.conf"
"$B/postdeskd" -f -c "$D/postdesk.conf" 2> "$D/postdeskd.log" &
daemon_pid=$!
echo "== postdeskd running (pid $daemon_pid); a client writes in Russian"
/usr/bin/python3 - "$((BASE + 24))" <<'PY'
import smtplib, sys
from email.message import EmailMessage
from email.utils import make_msgid, formatdate
m = EmailMessage()
m["From"] = "Иван Петров <client@example.test>"
m["To"] = "support@example.test"
m["Subject"] = "Не работает оплата картой"
m["Date"] = formatdate(localtime=True)
m["Message-ID"] = make_msgid(domain="example.test")
m.set_content("Здравствуйте!\n\nПри оплате картой сайт показывает ошибку 500.\n"
              "Помогите, пожалуйста.\n\nИван")
with smtplib.LMTP("127.0.0.1", int(sys.argv[1])) as l:
    l.send_message(m, to_addrs=["support@example.test"])
print("sent:", m["Subject"], m["Message-ID"])
PY
echo "== waiting for the acknowledgement in the client's mailbox"
doveadm_fetch() {
	doveadm -c "$D/mail/dovecot.conf" fetch -u client@example.test "$@" mailbox INBOX 2>/dev/null
}
for _ in $(seq 1 300); do
	[ -n "$(doveadm_fetch uid)" ] && break
	sleep 0.1
done
if [ -z "$(doveadm_fetch uid)" ]; then
	echo "no acknowledgement arrived; daemon log:" >&2
	cat "$D/postdeskd.log" >&2
	exit 1
fi
echo "== tickets"
"$B/postdesk" -c "$D/postdesk.conf" tickets
echo "== the acknowledgement the client received"
doveadm_fetch text | /usr/bin/python3 -c '
import sys, email, email.policy
raw = sys.stdin.buffer.read().split(b"\n", 1)[1]
m = email.message_from_bytes(raw, policy=email.policy.default)
for h in ("From", "To", "Subject", "Message-ID", "In-Reply-To", "References", "Auto-Submitted"):
    print("%s: %s" % (h, m[h]))
print()
print(m.get_body().get_content())'
echo "== daemon log"
cat "$D/postdeskd.log"
