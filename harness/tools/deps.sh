#!/bin/sh
# deps.sh - installs the Debian packages tlsdiag needs, when missing (make deps).
# Idempotent: checks each package with dpkg-query first and says what it does.
# As root it installs with apt-get; otherwise it prints the command to run.
set -eu

# Build: compilers, the client engines (wolfSSL, mbedTLS, BearSSL) and the libraries.
# Peers for tests, none of them ours: Apache, OpenSSL, GnuTLS, NSS, nginx, lighttpd
# (mbedTLS), curl, Python's ssl; tshark/editcap as the oracle; Chromium renders
# the HTML report; man-db, mandoc and zsh check the man pages and completions;
# python3-jsonschema validates JSON reports against docs/schema/.
packages="build-essential pkgconf clang llvm autoconf automake libtool
libwolfssl-dev libmbedtls-dev libbearssl-dev libpcap-dev check libsubunit-dev libinih-dev
libjansson-dev libssl-dev
apache2 openssl gnutls-bin libnss3-tools nginx lighttpd lighttpd-mod-mbedtls curl python3
tshark ssldump libxml2-utils valgrind dpkg-dev iproute2 util-linux procps time
chromium fonts-dejavu-core man-db mandoc zsh python3-jsonschema"

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
# Servers installed here (Apache, nginx, lighttpd) must not start on the
# machine's ports: tests start their own, on 127.0.0.1.  policy-rc.d says no
# to every service start during the install, and goes when it is done.
policy=/usr/sbin/policy-rc.d
made_policy=""
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' > "$policy"
	chmod 0755 "$policy"
	made_policy=1
	trap 'rm -f "$policy"' EXIT INT TERM HUP
fi
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
[ -z "$made_policy" ] || rm -f "$policy"
