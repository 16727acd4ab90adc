#!/bin/sh
# it_install.sh: `make install DESTDIR=... prefix=/usr` from the build
# directory puts everything in place with its paths filled in (README.md
# "Building by hand", postdeskd(8) "SYSTEMD"): the unit passes
# `systemd-analyze verify` and scores 2.0 or lower in `systemd-analyze
# security`, ReadWritePaths is exactly the state directory, the sysusers.d
# and tmpfiles.d entries make the user and the directories, no installed
# text file holds a placeholder or /usr/local, and the installed sample
# passes `postdeskd -n`.  TAP; the systemd checks skip when systemd-analyze
# is missing.
n=0
fail=0
ok() { n=$((n + 1)); if [ "$1" = 0 ]; then echo "ok $n - $2";
	else echo "not ok $n - $2"; fail=1; fi; }
skip() { n=$((n + 1)); echo "ok $n - $1 # SKIP $2"; }
note() { sed 's/^/# /'; }

b=${top_builddir:-.}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/it_install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
d=$tmp/root

# The make of `make check` must not hand its job server to this one.
env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$b" install \
	DESTDIR="$d" prefix=/usr >"$tmp/install.log" 2>&1
r=$?
[ $r = 0 ] || note <"$tmp/install.log"
ok $r "make install DESTDIR=... prefix=/usr"

unit=$d/usr/lib/systemd/system/postdesk.service
state=/usr/var/lib/postdesk
for f in /usr/sbin/postdeskd /usr/bin/postdesk \
    /usr/lib/systemd/system/postdesk.service \
    /usr/lib/sysusers.d/postdesk.conf /usr/lib/tmpfiles.d/postdesk.conf \
    /usr/share/man/man8/postdeskd.8 /usr/share/man/man1/postdesk.1 \
    /usr/share/man/man5/postdesk.conf.5 /usr/etc/postdesk/postdesk.conf.sample \
    /usr/share/postdesk/templates/en/ack.txt \
    /usr/share/postdesk/templates/ru/ack.txt; do
	[ -f "$d$f" ]
	ok $? "installed $f"
done
[ -d "$d$state" ] && [ "$(stat -c %a "$d$state")" = 700 ]
ok $? "the state directory $state, mode 0700"

# Placeholders (@sbindir@...) and the default prefix, in every text file
# (grep -I skips the binaries, whose built-in defaults come from
# configure's --prefix).
bad=$(grep -rlIE '@[A-Za-z_]+@' "$d")
[ -z "$bad" ]
ok $? "no @placeholder@ left in an installed file ${bad:+($bad)}"
bad=$(grep -rlI /usr/local "$d")
[ -z "$bad" ]
ok $? "no /usr/local in an installed text file ${bad:+($bad)}"

grep -q "^ExecStart=/usr/sbin/postdeskd -f -c /usr/etc/postdesk/postdesk.conf\$" "$unit"
ok $? "unit: ExecStart with the installed paths"
grep -q '^Type=notify$' "$unit"
ok $? "unit: Type=notify"
[ "$(grep '^ReadWritePaths=' "$unit")" = "ReadWritePaths=$state" ]
ok $? "unit: ReadWritePaths is exactly the state directory"
grep -q "^d $state 0700 postdesk postdesk" "$d/usr/lib/tmpfiles.d/postdesk.conf"
ok $? "tmpfiles.d: the state directory, 0700, owned by postdesk"

if command -v systemd-analyze >/dev/null 2>&1; then
	# Verified where the binary really is: the unit's /usr/sbin points
	# into DESTDIR.  --man=no: man(1) may be missing.
	mkdir -p "$tmp/units"
	sed "s|/usr/sbin/postdeskd|$d/usr/sbin/postdeskd|g" "$unit" \
		>"$tmp/units/postdesk.service"
	systemd-analyze verify --man=no "$tmp/units/postdesk.service" \
		>"$tmp/verify.log" 2>&1
	r=$?
	[ -s "$tmp/verify.log" ] && r=1
	note <"$tmp/verify.log"
	ok $r "systemd-analyze verify: no error, no warning"
	systemd-analyze security --offline=yes --threshold=20 \
		"$tmp/units/postdesk.service" >"$tmp/security.log" 2>&1
	r=$?
	grep 'Overall exposure' "$tmp/security.log" | note
	[ $r = 0 ] || note <"$tmp/security.log"
	ok $r "systemd-analyze security: exposure 2.0 or lower"
else
	skip "systemd-analyze verify" "systemd-analyze not installed"
	skip "systemd-analyze security" "systemd-analyze not installed"
fi

if command -v systemd-sysusers >/dev/null 2>&1 &&
    command -v systemd-tmpfiles >/dev/null 2>&1; then
	mkdir -p "$d/etc"
	systemd-sysusers --root="$d" >"$tmp/sysusers.log" 2>&1
	grep -q '^postdesk:' "$d/etc/passwd" 2>/dev/null
	r=$?
	note <"$tmp/sysusers.log"
	ok $r "sysusers.d: systemd-sysusers creates the user postdesk"
	rmdir "$d$state"
	systemd-tmpfiles --create --root="$d" >"$tmp/tmpfiles.log" 2>&1
	[ -d "$d$state" ] && [ "$(stat -c %a "$d$state")" = 700 ]
	r=$?
	note <"$tmp/tmpfiles.log"
	ok $r "tmpfiles.d: systemd-tmpfiles creates the state directory 0700"
else
	skip "systemd-sysusers" "not installed"
	skip "systemd-tmpfiles" "not installed"
fi

# The installed sample, its paths moved into DESTDIR, with password files.
sed "s|\"/usr/|\"$d/usr/|g" "$d/usr/etc/postdesk/postdesk.conf.sample" \
	>"$tmp/postdesk.conf"
for p in imap smtp; do
	echo "Pw-$p-9f2k-secret" >"$d/usr/etc/postdesk/$p.password"
	chmod 600 "$d/usr/etc/postdesk/$p.password"
done
"$d/usr/sbin/postdeskd" -n -c "$tmp/postdesk.conf" >"$tmp/n.out" 2>&1
r=$?
note <"$tmp/n.out"
[ $r = 0 ] && grep -q '^configuration OK$' "$tmp/n.out"
ok $? "the installed sample passes postdeskd -n"
"$d/usr/sbin/postdeskd" -nn -c "$tmp/postdesk.conf" >"$tmp/nn.out" 2>&1
grep -q "password_file = \"$d/usr/etc/postdesk/imap.password\";" "$tmp/nn.out" &&
    ! grep -q 'secret' "$tmp/nn.out"
ok $? "postdeskd -nn shows the password files, never a password"
# The dump is itself a configuration: loaded again, it dumps to the same
# text (but for its first line, the file's name), rules and queues too.
"$d/usr/sbin/postdeskd" -nn -c "$tmp/postdesk.conf" >"$tmp/dump1.conf" \
	2>/dev/null
"$d/usr/sbin/postdeskd" -nn -c "$tmp/dump1.conf" >"$tmp/dump2.conf" \
	2>"$tmp/dump2.err"
r=$?
note <"$tmp/dump2.err"
tail -n +2 "$tmp/dump1.conf" >"$tmp/dump1.body"
tail -n +2 "$tmp/dump2.conf" >"$tmp/dump2.body"
[ $r = 0 ] && grep -q '^rules = ($' "$tmp/dump1.body" &&
    grep -q '^business_hours\|^# business_hours' "$tmp/dump1.body" &&
    diff "$tmp/dump1.body" "$tmp/dump2.body" >"$tmp/dump.diff"
r=$?
note <"$tmp/dump.diff"
ok $r "postdeskd -nn of the sample loads again and dumps to the same text"

echo "1..$n"
exit $fail
