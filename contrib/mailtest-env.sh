#!/bin/bash
# A private Dovecot (IMAP, IMAPS, LMTP) and SMTP sink on loopback, for the
# demo and the tests.  Nothing is read from /etc/dovecot; everything lives in
# DIR, and processes are stopped by the PIDs recorded there, never by name.
#
# usage: mailtest-env.sh start|stop|restart-imap|stop-smtp|start-smtp DIR [BASE]
#   ports: IMAP BASE+143, IMAPS BASE+993, LMTP BASE+24, SMTP BASE+25
#   (BASE defaults to 10000).  Every user@example.test (any local part)
#   logs in with password "secret"; the sink takes AUTH gateway/gwpass.
#   DIR/cert.pem is the CA for verification (SAN localhost, 127.0.0.1).
set -eu
cmd=$1
D=$(realpath -m "$2")
BASE=${3:-10000}
IMAP=$((BASE + 143)) IMAPS=$((BASE + 993)) LMTP=$((BASE + 24)) SMTP=$((BASE + 25))
here=$(cd "$(dirname "$0")" && pwd)

wait_port() {
	for _ in $(seq 1 100); do
		(exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
		sleep 0.1
	done
	echo "mailtest-env: port $1 not up" >&2
	return 1
}

wait_gone() {
	for _ in $(seq 1 100); do
		kill -0 "$1" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -9 "$1" 2>/dev/null || true
}

write_conf() {
	if [ "$(id -u)" = 0 ]; then MUSER=nobody MGROUP=nogroup; else MUSER=$(id -un) MGROUP=$(id -gn); fi
	cat > "$D/dovecot.conf" <<EOC
base_dir = $D/run
state_dir = $D/state
log_path = $D/dovecot.log
listen = 127.0.0.1 127.0.0.2
protocols = imap lmtp
ssl = yes
ssl_cert = <$D/cert.pem
ssl_key = <$D/key.pem
auth_mechanisms = plain login
disable_plaintext_auth = no
passdb {
  driver = static
  args = password=secret
}
userdb {
  driver = static
  args = uid=$MUSER gid=$MGROUP home=$D/home/%u
}
mail_location = maildir:~/Maildir
# support+note@ lands in support@'s INBOX, as on servers with sub-addressing.
recipient_delimiter = +
# A restart must drop the clients' connections, as a real outage does.
shutdown_clients = yes
service imap-login {
  inet_listener imap {
    port = $IMAP
  }
  inet_listener imaps {
    port = $IMAPS
    ssl = yes
  }
}
service lmtp {
  inet_listener lmtp {
    address = 127.0.0.1
    port = $LMTP
  }
}
protocol lmtp {
  postmaster_address = postmaster@example.test
}
EOC
	if [ "$(id -u)" != 0 ]; then
		cat >> "$D/dovecot.conf" <<EOC
default_internal_user = $MUSER
default_internal_group = $MGROUP
default_login_user = $MUSER
service imap-login {
  chroot =
}
service anvil {
  chroot =
}
EOC
	fi
	chown -R "$MUSER:$MGROUP" "$D/home"
}

start_imap() {
	dovecot -c "$D/dovecot.conf"
	wait_port $IMAP
	wait_port $IMAPS
	wait_port $LMTP
}

stop_imap() {
	if [ -f "$D/run/master.pid" ]; then
		# Disconnect every IMAP session first: the master's own
		# shutdown leaves running imap processes alone.
		doveadm -c "$D/dovecot.conf" kick '*' >/dev/null 2>&1 || true
		pid=$(cat "$D/run/master.pid")
		kill "$pid" 2>/dev/null || true
		wait_gone "$pid"
	fi
}

start_smtp() {
	/usr/bin/python3 "$here/smtp_sink.py" $SMTP "$D/sink/Maildir" "$D/cert.pem" "$D/key.pem" $LMTP \
		>> "$D/sink.log" 2>&1 &
	echo $! > "$D/sink.pid"
	wait_port $SMTP
}

stop_smtp() {
	if [ -f "$D/sink.pid" ]; then
		pid=$(cat "$D/sink.pid")
		kill "$pid" 2>/dev/null || true
		wait_gone "$pid"
		rm -f "$D/sink.pid"
	fi
}

case "$cmd" in
start)
	mkdir -p "$D/run" "$D/state" "$D/home" "$D/sink"
	openssl req -x509 -newkey rsa:2048 -nodes -days 7 -subj /CN=localhost \
		-addext subjectAltName=DNS:localhost,IP:127.0.0.1 \
		-keyout "$D/key.pem" -out "$D/cert.pem" 2>/dev/null
	chmod 644 "$D/key.pem"
	write_conf
	start_imap
	start_smtp
	echo "mail test env up in $D (imap $IMAP, imaps $IMAPS, lmtp $LMTP, smtp $SMTP)"
	;;
stop)
	stop_smtp
	stop_imap
	;;
restart-imap)
	stop_imap
	start_imap
	;;
stop-imap) stop_imap ;;
start-imap) start_imap ;;
stop-smtp) stop_smtp ;;
start-smtp) start_smtp ;;
*)
	echo "usage: $0 start|stop|restart-imap|stop-imap|start-imap|stop-smtp|start-smtp DIR [BASE]" >&2
	exit 2
	;;
esac
