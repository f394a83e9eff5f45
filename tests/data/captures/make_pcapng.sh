#!/bin/sh
# make_pcapng.sh - remakes the real pcapng captures of this directory with
# Wireshark's own tools (as root: dumpcap captures on lo and any).
#
#   lo_any.pcapng      one TLS 1.3 connection (openssl s_client to s_server,
#                      "hello" each way) captured by 'dumpcap -i lo -i any':
#                      two interfaces of different link types (EN10MB and
#                      LINUX_SLL), every packet seen once on each
#   dsb_tls13.pcapng   the lo frames of that capture with the connection's
#                      key log injected by 'editcap --inject-secrets tls,KEYLOG'
#                      (a Decryption Secrets Block before the first packet)
#
# The throwaway key and the key log live in a 0700 temporary directory; the
# key log's secrets are only good for this throwaway connection.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
chmod 700 "$tmp"
srv=
cap=
cleanup() {
	[ -n "$srv" ] && kill "$srv" 2>/dev/null || true
	[ -n "$cap" ] && kill "$cap" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
(umask 077 && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$tmp/key.pem" \
	-out "$tmp/cert.pem" -days 3650 -subj /CN=localhost 2>/dev/null)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
wait_for() {
	i=0
	until grep -q "$1" "$2" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 200 ] || { echo "make_pcapng.sh: no '$1' in $2" >&2; cat "$2" >&2; exit 2; }
		sleep 0.05
	done
}
openssl s_server -accept "127.0.0.1:$port" -cert "$tmp/cert.pem" -key "$tmp/key.pem" -naccept 1 -rev \
	> "$tmp/server.out" 2>&1 < /dev/null &
srv=$!
wait_for ACCEPT "$tmp/server.out"
dumpcap -q -f "tcp port $port" -i lo -i any -w "$tmp/both.pcapng" > "$tmp/cap.out" 2>&1 &
cap=$!
sleep 1 # dumpcap has no readiness line on -q; it opens both interfaces well within this
echo hello | timeout 10 openssl s_client -connect "127.0.0.1:$port" -servername localhost -tls1_3 \
	-keylogfile "$tmp/keylog.txt" > "$tmp/client.out" 2>&1 || true
sleep 1
kill -INT "$cap"
wait "$cap" || true
cap=
cp "$tmp/both.pcapng" "$here/lo_any.pcapng"
tshark -r "$tmp/both.pcapng" -Y 'frame.interface_id == 0' -w "$tmp/lo.pcapng" 2>/dev/null
editcap --inject-secrets "tls,$tmp/keylog.txt" "$tmp/lo.pcapng" "$here/dsb_tls13.pcapng"
echo "make_pcapng.sh: wrote lo_any.pcapng and dsb_tls13.pcapng"
