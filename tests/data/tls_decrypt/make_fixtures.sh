#!/bin/sh
# make_fixtures.sh - real sessions for test_tls_decrypt and the fuzz seeds:
# openssl s_server and s_client on 127.0.0.1, captured with dumpcap on lo,
# each kept as NAME.tlsf (pcap2tlsf.py) with the client's key log NAME.keys.
# The server's key and certificate live in a 0700 temp dir and are deleted;
# the key logs hold only these throwaway sessions' secrets.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
chmod 700 "$tmp"
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/k.pem" -out "$tmp/c.pem" -days 30 -subj /CN=localhost 2>/dev/null
port=45600
session() { # NAME "server args" "client args" [stdin script]
	port=$((port + 1))
	dumpcap -q -i lo -f "tcp port $port" -w "$tmp/$1.pcapng" >/dev/null 2>&1 &
	dp=$!
	sleep 1
	openssl s_server -accept 127.0.0.1:$port -cert "$tmp/c.pem" -key "$tmp/k.pem" $2 >/dev/null 2>&1 </dev/null &
	sp=$!
	sleep 0.5
	${4:-printf 'GET / HTTP/1.0\r\n\r\n'} | timeout 10 openssl s_client -connect 127.0.0.1:$port -servername localhost \
		-keylogfile "$here/$1.keys" $3 >/dev/null 2>&1 || true
	sleep 0.5
	kill $sp
	sleep 0.5
	kill $dp
	wait $dp 2>/dev/null || true
	python3 "$here/pcap2tlsf.py" "$tmp/$1.pcapng" $port "$here/$1.tlsf"
}
keyupdate() { sleep 0.5; echo hello; sleep 0.3; echo K; sleep 0.3; echo bye; sleep 0.5; }
rm -f "$here"/*.keys "$here"/*.tlsf
session tls13_aes256gcm "-www" "-tls1_3 -ign_eof"
session tls13_mtls_no_cert "-www -Verify 1 -tls1_3" "-tls1_3 -ign_eof"
session tls13_keyupdate "-rev -num_tickets 0" "-tls1_3" keyupdate
session tls12_aes128gcm "-www" "-tls1_2 -ign_eof -cipher ECDHE-RSA-AES128-GCM-SHA256"
session tls12_cbc_etm "-www" "-tls1_2 -ign_eof -cipher ECDHE-RSA-AES128-SHA"
session tls12_cbc_no_etm "-www" "-tls1_2 -ign_eof -cipher ECDHE-RSA-AES256-SHA384 -no_etm"
session tls12_ccm8 "-www -cipher ALL" "-tls1_2 -ign_eof -cipher AES256-CCM8"
session tls10_cbc "-www -cipher ALL:@SECLEVEL=0" "-tls1 -ign_eof -cipher ECDHE-RSA-AES128-SHA:@SECLEVEL=0"
