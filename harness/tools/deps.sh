#!/bin/sh
# deps.sh - installs the Debian packages tlsdiag needs, when missing (make deps).
# Idempotent: checks each package with dpkg-query first and says what it does.
# As root it installs with apt-get; otherwise it prints the command to run.
set -eu

packages="build-essential pkgconf clang llvm autoconf automake libtool
libwolfssl-dev libpcap-dev check libsubunit-dev libinih-dev libjansson-dev libssl-dev
apache2 openssl tshark ssldump libxml2-utils valgrind dpkg-dev iproute2 util-linux procps time"

missing=""
for p in $packages; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done

if [ -z "$missing" ]; then
	echo "deps: all Debian packages present"
	exit 0
fi

echo "deps: missing:$missing"
if [ "$(id -u)" != 0 ]; then
	echo "deps: run as root: apt-get update && apt-get install -y$missing" >&2
	exit 2
fi
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer for it.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
echo "deps: apt-get update"
apt-get update -q
echo "deps: apt-get install$missing"
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
