#!/bin/sh
# make_captures.sh TLSDIAG - remakes the real captures of this directory:
# openssl s_server and s_client on 127.0.0.1, each connection captured by
# 'tlsdiag capture' (live on lo as root, else through its relay).
#
#   alert40.pcap     TLS 1.2, no shared cipher: the server sends a fatal handshake_failure (40)
#   ok_tls12.pcap    TLS 1.2 ECDHE-RSA-AES128-GCM-SHA256, a line of application data each way
#   ok_tls13.pcap    TLS 1.3 TLS_AES_128_GCM_SHA256, a line each way
#
# The throwaway RSA key lives in a 0700 temporary directory that is removed;
# the captures hold only its certificate.  tests/test_malformed.c derives
# every malformed input from these files.
set -eu
tlsdiag=${1:?usage: make_captures.sh path/to/tlsdiag}
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
(umask 077 && openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/key.pem" -out "$tmp/cert.pem" \
	-days 3650 -subj /CN=localhost -addext subjectAltName=DNS:localhost 2>/dev/null)

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_for PATTERN FILE: until a line matching PATTERN is in FILE (10 s at most).
wait_for() {
	i=0
	until grep -q "$1" "$2" 2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 200 ] || { echo "make_captures.sh: no '$1' in $2" >&2; cat "$2" >&2; exit 2; }
		sleep 0.05
	done
}

# one NAME "SERVER-OPTIONS" "CLIENT-OPTIONS"
one() {
	name=$1 sopts=$2 copts=$3
	port=$(free_port)
	# shellcheck disable=SC2086
	openssl s_server -accept "127.0.0.1:$port" -cert "$tmp/cert.pem" -key "$tmp/key.pem" \
		-naccept 1 -rev $sopts > "$tmp/server.out" 2>&1 < /dev/null &
	srv=$!
	wait_for ACCEPT "$tmp/server.out"
	"$tlsdiag" capture --port "$port" --out "$here/$name.pcap" --timeout 20 > "$tmp/cap.out" 2>&1 &
	cap=$!
	wait_for "waiting for\|relay listening" "$tmp/cap.out"
	# shellcheck disable=SC2086
	echo "hello from the client" | timeout 10 openssl s_client -connect "127.0.0.1:$port" \
		-servername localhost $copts > "$tmp/client.out" 2>&1 || true
	wait "$cap" || { cat "$tmp/cap.out" >&2; exit 2; }
	cap=
	kill "$srv" 2>/dev/null || true
	wait "$srv" 2>/dev/null || true
	srv=
	echo "$name.pcap: $(wc -c < "$here/$name.pcap") bytes"
}
one alert40 "-tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256" "-tls1_2 -cipher AES256-SHA"
one ok_tls12 "-tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256" "-tls1_2"
one ok_tls13 "-tls1_3 -ciphersuites TLS_AES_128_GCM_SHA256" "-tls1_3"
