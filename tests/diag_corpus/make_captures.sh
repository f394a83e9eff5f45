#!/bin/bash
# make_captures.sh DIR BASE - the diagnosis corpus's failures, made live between
# real implementations while tests/test_diag_corpus.c captures lo (ports
# BASE..BASE+199).
#
# DIR holds the project's certificates (tests/support cs_certs: root, inter,
# valid, expired, wrong-host, ...) and gets the logs and DIR/manifest, one line
# per case: "NAME PORT" (the server's port).  Servers: openssl s_server, nginx,
# lighttpd with mod_mbedtls, the Python peers of peers.py.  Clients: openssl
# s_client, gnutls-cli, NSS tstclnt, Python ssl, curl.  Everything binds
# 127.0.0.1; every process is bounded by timeout and waited for; servers are
# waited for by their listening socket (ss), never by a fixed sleep.
set -u
D=$1
B=$2
HERE=$(cd "$(dirname "$0")" && pwd)
PEERS="python3 $HERE/peers.py"
M=$D/manifest
: >"$M"
T=15 # seconds any one process may take

listening() { # PORT: wait until something listens on it
	for _ in $(seq 1 200); do
		ss -Htln "sport = :$1" 2>/dev/null | grep -q . && return 0
		sleep 0.05
	done
	echo "make_captures: nothing listens on $1" >&2
	return 1
}

# case_ NAME SERVER CLIENT: queued, run once the shared servers are up.
# SERVER: a command ({P} is the case's port, {D} the directory), "-" for none
# (refused), "@nginx:CERT:DIRECTIVES" or "@lighttpd:CERT" for a server block of
# the shared nginx or lighttpd on the case's own port ("@nginx:CERT:REJECT": a
# default block that refuses the handshake and a named one for tlsdiag.test).
NAMES=() SRVS=() CLIS=() PORTS=()
NGBLOCKS= LTBLOCKS= LTFIRST=
case_() {
	local p=$((B + 10 + ${#NAMES[@]}))
	NAMES+=("$1") SRVS+=("$2") CLIS+=("$3") PORTS+=("$p")
	echo "$1 $p" >>"$M"
	case $2 in
	@nginx:*)
		local rest=${2#@nginx:} cert directives
		cert=${rest%%:*}
		directives=${rest#*:}
		if [ "$directives" = REJECT ]; then
			NGBLOCKS+="server { listen 127.0.0.1:$p ssl default_server; ssl_reject_handshake on; }
"
			directives="server_name tlsdiag.test;"
		fi
		NGBLOCKS+="server { listen 127.0.0.1:$p ssl; ssl_certificate $D/$cert.chain.pem; ssl_certificate_key $D/$cert.key; $directives location / { root $D/www; } }
"
		;;
	@lighttpd:*)
		local cert=${2#@lighttpd:}
		if [ -z "$LTFIRST" ]; then
			LTFIRST="server.port = $p
ssl.pemfile = \"$D/$cert.chain.pem\"
ssl.privkey = \"$D/$cert.key\""
		else
			LTBLOCKS+="\$SERVER[\"socket\"] == \"127.0.0.1:$p\" { ssl.engine = \"enable\" ssl.pemfile = \"$D/$cert.chain.pem\" ssl.privkey = \"$D/$cert.key\" }
"
		fi
		;;
	*) ;;
	esac
}

run_one() { # NAME SERVER CLIENT PORT
	local name=$1 srv=$2 cli=$3 p=$4 spid=
	srv=${srv//\{P\}/$p}
	srv=${srv//\{D\}/$D}
	cli=${cli//\{P\}/$p}
	cli=${cli//\{D\}/$D}
	case $srv in
	-) ;;
	@*) listening "$p" || return 0 ;;
	*)
		timeout $T $srv >"$D/$name.server.log" 2>&1 </dev/null &
		spid=$!
		listening "$p" || return 0
		;;
	esac
	timeout $T $cli >"$D/$name.client.log" 2>&1 </dev/null
	if [ -n "$spid" ]; then
		kill "$spid" 2>/dev/null
		wait "$spid" 2>/dev/null
	fi
	return 0
}

S="openssl s_server -accept 127.0.0.1:{P} -naccept 1 -www -cert {D}/valid.pem -key {D}/valid.key -cert_chain {D}/inter.pem"
sserver() { # LEAF: s_server with another leaf
	echo "openssl s_server -accept 127.0.0.1:{P} -naccept 1 -www -cert {D}/$1.pem -key {D}/$1.key -cert_chain {D}/inter.pem"
}
C="openssl s_client -connect 127.0.0.1:{P}"
CV="$C -CAfile {D}/root.pem -verify_return_error"
G="gnutls-cli -p {P} 127.0.0.1"
PY="$PEERS client {P} {D}/root.pem"
CU="curl -sS -o /dev/null --max-time 5"
NSS="tstclnt -h 127.0.0.1 -p {P} -d sql:{D}/nssdb"

# NSS: a database that trusts the project's root, and one that trusts nothing.
mkdir -p "$D/nssdb" "$D/nssempty"
certutil -N --empty-password -d "sql:$D/nssdb" >/dev/null 2>&1
certutil -N --empty-password -d "sql:$D/nssempty" >/dev/null 2>&1
certutil -A -n root -t "C,," -i "$D/root.pem" -d "sql:$D/nssdb" >/dev/null 2>&1

# ---- regressions named after the wrong diagnoses of issue 15 ----
case_ regress_tls13_no_shared_group_is_group_not_cipher "$S -tls1_3 -groups P-384" "$C -tls1_3 -groups X25519"
case_ regress_tls13_no_shared_sigalg_is_sigalg_not_cipher "$S -tls1_3" "$C -tls1_3 -sigalgs RSA+SHA512:ECDSA+SHA512"
case_ regress_tls10_vs_openssl3_is_version_not_peer_alert "$S" "$C -tls1 -cipher DEFAULT@SECLEVEL=0"
case_ regress_plain_http_is_plaintext_peer_not_closed "$PEERS http {P}" "$C"
case_ regress_refused_is_connection_refused_not_no_data - "$C"
case_ regress_silent_server_is_silence_client_gave_up "$PEERS silent {P}" "curl -sk --max-time 1.5 https://127.0.0.1:{P}/"
case_ regress_no_sni_wrong_host_is_hostname_mismatch "$(sserver wrong-host) -tls1_2" "$CV -noservername -verify_hostname tlsdiag.test"

# ---- version ----
case_ vlow_openssl_tls12_vs_tls13_only "$S -tls1_3" "$C -tls1_2"
case_ vlow_gnutls_tls11_vs_openssl "$S" "$G --insecure --priority NORMAL:-VERS-ALL:+VERS-TLS1.1"
case_ vlow_nss_tls10_vs_nginx "@nginx:valid:" "$NSS -V tls1.0:tls1.0 -o"
case_ vlow_python_tls11_vs_nginx "@nginx:valid:" "$PY tlsdiag.test max=tls1_1"
case_ vlow_curl_tls11_vs_lighttpd "@lighttpd:valid" "$CU -k --tlsv1.0 --tls-max 1.1 https://127.0.0.1:{P}/"
case_ vhigh_openssl_tls13_vs_tls12_server "$S -tls1_2" "$C -tls1_3"
case_ vhigh_gnutls_tls13_vs_tls12_server "$S -tls1_2" "$G --insecure --priority NORMAL:-VERS-ALL:+VERS-TLS1.3"
case_ vhigh_python_tls13_vs_mbedtls "@lighttpd:valid" "$PY tlsdiag.test min=tls1_3"
case_ vhigh_curl_tls13_vs_mbedtls "@lighttpd:valid" "$CU -k --tlsv1.3 https://127.0.0.1:{P}/"

# ---- suites, groups, signature algorithms, key type ----
case_ cipher_static_rsa_openssl "$S -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256" "$C -tls1_2 -cipher AES128-SHA"
case_ cipher_curl_cbc_vs_nginx_gcm "@nginx:valid:ssl_protocols TLSv1.2; ssl_ciphers ECDHE-RSA-AES128-GCM-SHA256;" "$CU -k --tls-max 1.2 --ciphers ECDHE-RSA-AES256-SHA https://127.0.0.1:{P}/"
case_ cipher_gnutls_cbc_vs_openssl_gcm "$S -tls1_2 -cipher ECDHE-RSA-AES256-GCM-SHA384" "$G --insecure --priority NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+AES-128-CBC:-MAC-ALL:+SHA1"
case_ group_gnutls_x25519_vs_openssl_p384 "$S -tls1_3 -groups P-384" "$G --insecure --priority NORMAL:-VERS-ALL:+VERS-TLS1.3:-GROUP-ALL:+GROUP-X25519"
case_ group_tls12_ecdhe_openssl "$S -tls1_2 -groups P-384 -cipher ECDHE-RSA-AES128-GCM-SHA256" "$C -tls1_2 -groups X25519 -cipher ECDHE-RSA-AES128-GCM-SHA256"
case_ group_curl_x25519_vs_nginx_p384 "@nginx:valid:ssl_protocols TLSv1.3; ssl_ecdh_curve secp384r1;" "$CU -k --tlsv1.3 --curves X25519 https://127.0.0.1:{P}/"
case_ sigalg_tls12_sha1_only "$S -tls1_2" "$G --insecure --priority NORMAL:-VERS-ALL:+VERS-TLS1.2:-SIGN-ALL:+SIGN-RSA-SHA1:+SIGN-ECDSA-SHA1"
case_ sigalg_gnutls_tls13_sha512_only "$S -tls1_3" "$G --insecure --priority NORMAL:-VERS-ALL:+VERS-TLS1.3:-SIGN-ALL:+SIGN-ECDSA-SECP521R1-SHA512:+SIGN-EDDSA-ED25519"
case_ keytype_tls13_ecdsa_sigalgs_vs_rsa "$S -tls1_3" "$C -tls1_3 -sigalgs ECDSA+SHA256:ECDSA+SHA384"
case_ keytype_tls12_ecdsa_suites_vs_rsa "$S -tls1_2" "$C -tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256"
case_ keytype_curl_ecdsa_vs_nginx_rsa "@nginx:valid:" "$CU -k --tls-max 1.2 --ciphers ECDHE-ECDSA-AES128-GCM-SHA256 https://127.0.0.1:{P}/"

# ---- client certificates ----
case_ ccreq_openssl "$S -tls1_2 -Verify 1 -CAfile {D}/root.pem" "$C -tls1_2"
case_ ccreq_python "$S -tls1_2 -Verify 1 -CAfile {D}/root.pem" "$PY tlsdiag.test max=tls1_2"
case_ ccreq_gnutls "$S -tls1_2 -Verify 1 -CAfile {D}/root.pem" "$G --insecure --priority NORMAL:-VERS-TLS1.3"
case_ ccrej_openssl_other_root "$S -tls1_2 -Verify 1 -verify_return_error -CAfile {D}/root.pem" "$C -tls1_2 -cert {D}/other-client.pem -key {D}/other-client.key"
case_ ccrej_gnutls_other_root "$S -tls1_2 -Verify 1 -verify_return_error -CAfile {D}/root.pem" "$G --insecure --priority NORMAL:-VERS-TLS1.3 --x509certfile {D}/other-client.pem --x509keyfile {D}/other-client.key"

# ---- names ----
case_ sni_required_openssl_vs_nginx "@nginx:valid:REJECT" "$C -noservername"
case_ sni_required_curl_by_ip_vs_nginx "@nginx:valid:REJECT" "$CU -k https://127.0.0.1:{P}/"
case_ sni_required_python_vs_nginx "@nginx:valid:REJECT" "$PY - nocheck"
case_ sni_unknown_openssl "$S -servername tlsdiag.test -servername_fatal -cert2 {D}/valid.pem -key2 {D}/valid.key" "$C -servername nothere.example"
case_ sni_unknown_curl_vs_nginx "@nginx:valid:REJECT" "$CU -k --resolve nothere.example:{P}:127.0.0.1 https://nothere.example:{P}/"
case_ sni_unknown_gnutls_vs_nginx "@nginx:valid:REJECT" "$G --insecure --sni-hostname nothere.example"
case_ name_openssl_wrong_host "$(sserver wrong-host) -tls1_2" "$CV -servername tlsdiag.test -verify_hostname tlsdiag.test"
case_ name_python_wrong_host "$(sserver wrong-host) -tls1_2" "$PY tlsdiag.test"
case_ name_curl_wrong_host_vs_nginx "@nginx:wrong-host:server_name tlsdiag.test; ssl_protocols TLSv1.2;" "$CU --cacert {D}/root.pem --resolve tlsdiag.test:{P}:127.0.0.1 https://tlsdiag.test:{P}/"
case_ name_gnutls_wrong_host "$(sserver wrong-host) -tls1_2" "$G --x509cafile {D}/root.pem --verify-hostname tlsdiag.test --sni-hostname tlsdiag.test"

# ---- the chain ----
case_ ca_openssl_other_root "$(sserver other-leaf)" "$CV -servername tlsdiag.test"
case_ ca_python_selfsigned "openssl s_server -accept 127.0.0.1:{P} -naccept 1 -www -cert {D}/selfsigned.pem -key {D}/selfsigned.key" "$PY 127.0.0.1"
case_ ca_gnutls_vs_nginx "@nginx:valid:ssl_protocols TLSv1.2;" "$G --sni-hostname tlsdiag.test --verify-hostname tlsdiag.test"
case_ ca_curl_vs_lighttpd "@lighttpd:valid" "$CU --resolve tlsdiag.test:{P}:127.0.0.1 https://tlsdiag.test:{P}/"
case_ expired_openssl "$(sserver expired)" "$CV -servername tlsdiag.test"
case_ expired_python_vs_nginx "@nginx:expired:ssl_protocols TLSv1.2;" "$PY tlsdiag.test"
case_ expired_gnutls "$(sserver expired) -tls1_2" "$G --x509cafile {D}/root.pem --verify-hostname tlsdiag.test --sni-hostname tlsdiag.test"
case_ not_yet_valid_openssl "$(sserver not-yet-valid) -tls1_2" "$CV -servername tlsdiag.test"
case_ weakkey_openssl_level2 "$(sserver rsa1024) -tls1_2 -cipher DEFAULT@SECLEVEL=0" "$CV -servername tlsdiag.test -auth_level 2"
case_ weaksig_openssl_level2 "$(sserver sha1) -tls1_2 -cipher DEFAULT@SECLEVEL=0" "$CV -servername tlsdiag.test -auth_level 2"

# ---- what the peer said, and silence ----
case_ plain_ssh_banner "$PEERS ssh {P}" "$C"
case_ plain_http_vs_curl "$PEERS http {P}" "$CU -k https://127.0.0.1:{P}/"
case_ plain_client_http_to_nginx "@nginx:valid:" "$CU http://127.0.0.1:{P}/"
case_ plain_client_mqtt_to_openssl "$S" "$PEERS mqtt-client {P}"
case_ refused_curl - "$CU -k https://127.0.0.1:{P}/"
case_ refused_gnutls - "$G --insecure"
case_ silent_openssl_client_killed "$PEERS silent {P}" "timeout 1.5 $C"
case_ silent_python_timeout "$PEERS silent {P}" "$PY tlsdiag.test timeout=1.2"
case_ closed_fin_after_hello "$PEERS close {P}" "$CU -k https://127.0.0.1:{P}/"
case_ closed_rst_after_hello "$PEERS rst {P}" "$C"

# ---- TLS 1.3: the certificate is encrypted, the causes stay open ----
case_ tls13_name_openssl_hidden_chain "$(sserver wrong-host)" "$CV -servername tlsdiag.test -verify_hostname tlsdiag.test"
case_ tls13_expired_python_hidden_chain "$(sserver expired)" "$PY tlsdiag.test"
case_ tls13_client_cert_openssl_encrypted_alert "$S -tls1_3 -Verify 1 -CAfile {D}/root.pem" "$C -tls1_3 -ign_eof"

# ---- more peers for the same causes ----
case_ vlow_openssl_tls11_vs_lighttpd "@lighttpd:valid" "$C -tls1_1 -cipher DEFAULT@SECLEVEL=0"
case_ ok_python_static_rsa_vs_nginx "@nginx:valid:ssl_protocols TLSv1.2;" "$PEERS client {P} {D}/root.pem tlsdiag.test max=tls1_2 ciphers=AES128-SHA:AES256-SHA"
case_ ccreq_curl_vs_openssl "$S -tls1_2 -Verify 1 -CAfile {D}/root.pem" "$CU -k --tls-max 1.2 https://127.0.0.1:{P}/"
case_ expired_curl_vs_lighttpd "@lighttpd:expired" "$CU --cacert {D}/root.pem --tls-max 1.2 --resolve tlsdiag.test:{P}:127.0.0.1 https://tlsdiag.test:{P}/"
case_ refused_python - "$PY tlsdiag.test"
case_ plain_http_vs_python "$PEERS http {P}" "$PY tlsdiag.test"
case_ unknown_ca_openssl_tls12 "$(sserver other-leaf) -tls1_2" "$CV -servername tlsdiag.test"

# ---- handshakes that work (no false alarm) ----
case_ ok_openssl_vs_nginx "@nginx:valid:" "$CV -servername tlsdiag.test"
case_ ok_curl_vs_lighttpd "@lighttpd:valid" "$CU --cacert {D}/root.pem --resolve tlsdiag.test:{P}:127.0.0.1 https://tlsdiag.test:{P}/"
case_ ok_gnutls_vs_openssl "$S" "$G --x509cafile {D}/root.pem --verify-hostname tlsdiag.test --sni-hostname tlsdiag.test"
case_ ok_nss_vs_openssl "$S" "$NSS -a tlsdiag.test"


# ---- the shared servers, then every case, a few at a time (2 cores) ----
NG=$D/nginx LT=$D/lighttpd
mkdir -p "$NG" "$LT" "$D/www"
echo hello >"$D/www/index.html"
cat >"$NG/nginx.conf" <<EOF
daemon off;
master_process off;
pid $NG/nginx.pid;
error_log $NG/error.log info;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $NG/b; proxy_temp_path $NG/p; fastcgi_temp_path $NG/f;
    uwsgi_temp_path $NG/u; scgi_temp_path $NG/s;
    ssl_protocols TLSv1.2 TLSv1.3;
$NGBLOCKS}
EOF
cat >"$LT/lighttpd.conf" <<EOF
server.modules = ( "mod_mbedtls" )
server.document-root = "$D/www"
server.bind = "127.0.0.1"
server.errorlog = "$LT/error.log"
ssl.engine = "enable"
$LTFIRST
$LTBLOCKS
EOF
timeout 150 nginx -p "$NG" -c "$NG/nginx.conf" >"$NG/out.log" 2>&1 &
NGPID=$!
timeout 150 lighttpd -D -f "$LT/lighttpd.conf" >"$LT/out.log" 2>&1 &
LTPID=$!
for i in "${!NAMES[@]}"; do
	run_one "${NAMES[$i]}" "${SRVS[$i]}" "${CLIS[$i]}" "${PORTS[$i]}" &
	while [ "$(jobs -rp | wc -l)" -ge 8 ]; do wait -n; done
done
while [ "$(jobs -rp | wc -l)" -gt 2 ]; do wait -n; done
kill "$NGPID" "$LTPID" 2>/dev/null
wait
exit 0
