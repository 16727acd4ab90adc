#!/bin/sh
# Installs what postdesk needs to build, test and run its demo on Debian 12.
# Does nothing for packages already present; needs root (or sudo) otherwise.
set -e
PKGS="build-essential pkg-config autoconf automake libtool \
libetpan-dev libsasl2-modules libgmime-3.0-dev libsqlite3-dev libsodium-dev \
libconfig-dev libxml2-dev libgnutls28-dev libicu-dev \
dovecot-imapd dovecot-lmtpd python3-aiosmtpd openssl sqlite3 \
clang libclang-rt-14-dev llvm systemd groff-base"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
SUDO=""
[ "$(id -u)" = 0 ] || SUDO=sudo
echo "installing:$missing"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
# shellcheck disable=SC2086
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing
