#!/bin/sh
# make_fixtures.sh - records the .tlsf fixtures of test_tls_conn.c from real
# openssl s_server / s_client runs on 127.0.0.1 (ephemeral ports), through
# record.py.  Keys live in a 0700 temp dir and are deleted; only the byte
# streams (public handshakes) are kept.  Run from anywhere:
#   sh tests/data/tls_conn/make_fixtures.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
chmod 700 "$work"
srv_pid=
cleanup() {
	[ -n "$srv_pid" ] && kill "$srv_pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
cd "$work"
umask 077
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 3650 \
	-subj "/CN=tlsdiag test CA" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr -subj "/CN=localhost" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > ext.cnf
openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem -days 3650 \
	-extfile ext.cnf 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other.pem -days 3650 \
	-subj "/CN=other CA" 2>/dev/null

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# run NAME "server options" "client options"
run() {
	name=$1 sopts=$2 copts=$3
	port=$(free_port)
	# shellcheck disable=SC2086
	openssl s_server -accept "127.0.0.1:$port" -cert srv.pem -key srv.key -naccept 1 -www $sopts \
		> s_server.log 2>&1 &
	srv_pid=$!
	i=0
	until grep -q ACCEPT s_server.log; do
		i=$((i + 1)); [ $i -lt 200 ] || { echo "s_server did not start"; exit 1; }
		sleep 0.05
	done
	rm -f portfile
	python3 "$here/record.py" "$here/$name.tlsf" "$port" portfile &
	rec_pid=$!
	until [ -s portfile ]; do sleep 0.05; done
	# shellcheck disable=SC2086
	echo Q | openssl s_client -connect "127.0.0.1:$(cat portfile)" $copts > s_client.log 2>&1 || true
	wait "$rec_pid"
	kill "$srv_pid" 2>/dev/null || true
	wait "$srv_pid" 2>/dev/null || true
	srv_pid=
	echo "$name: $(wc -c < "$here/$name.tlsf") bytes"
}

run ok_tls12 "-tls1_2" "-tls1_2 -servername localhost -CAfile ca.pem"
run ok_tls13 "" "-servername localhost -CAfile ca.pem"
run no_shared_cipher "-tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256" "-tls1_2 -cipher AES128-SHA:AES256-SHA:AES128-SHA256:AES256-SHA256 -servername localhost"
run protocol_version "-tls1_3" "-tls1_2 -servername localhost"
run unknown_ca_tls12 "-tls1_2" "-tls1_2 -servername localhost -CAfile other.pem -verify_return_error"
run unknown_ca_tls13 "" "-servername localhost -CAfile other.pem -verify_return_error"
run hostname_mismatch "-tls1_2" "-tls1_2 -servername wrong.example -verify_hostname wrong.example -CAfile ca.pem -verify_return_error"
run client_cert_required "-tls1_2 -Verify 1" "-tls1_2 -servername localhost -CAfile ca.pem"
run unrecognized_name "-tls1_2 -servername localhost -servername_fatal -cert2 srv.pem -key2 srv.key" "-tls1_2 -servername nothere.example"
