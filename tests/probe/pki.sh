#!/bin/sh
# pki.sh DIR - the certificates of test_probe.c, made with the openssl CLI (not
# tlsdiag's own factory: the probe is judged against servers nobody here set up).
#   root.pem                 the root every client is given (--ca)
#   inter.pem                an intermediate under it (RSA 2048)
#   rsa.pem/.key             probe.test, RSA 2048, issued by inter
#   ec.pem/.key              probe.test, ECDSA P-256, issued by inter
#   big.pem/.key             probe.test, RSA 4096, issued by inter4096
#   inter4096.pem            an RSA 4096 intermediate under root
#   rsa-chain.pem            inter.pem (what a server sends after its leaf)
#   big-chain.pem            inter4096 three times over: a Certificate message over 4 KB
# Keys are 0600.  Idempotent: an existing root.pem means the set is made.
set -eu
dir=${1:?usage: pki.sh DIR}
[ -f "$dir/root.pem" ] && exit 0
umask 077
cd "$dir"
days=30
req() { openssl req -new -nodes -subj "/CN=$1" "$@" 2>/dev/null; }
openssl req -x509 -newkey rsa:2048 -nodes -keyout root.key -out root.pem -days $days \
	-subj "/CN=Probe Test Root" -addext basicConstraints=critical,CA:TRUE \
	-addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' > ca.ext
printf 'subjectAltName=DNS:probe.test\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n' > leaf.ext
sign() { # csr issuer out ext
	openssl x509 -req -in "$1" -CA "$2.pem" -CAkey "$2.key" -CAcreateserial -out "$3" -days $days \
		-sha256 -extfile "$4" 2>/dev/null
}
openssl req -new -newkey rsa:2048 -nodes -keyout inter.key -out inter.csr -subj "/CN=Probe Test Intermediate" 2>/dev/null
sign inter.csr root inter.pem ca.ext
openssl req -new -newkey rsa:4096 -nodes -keyout inter4096.key -out inter4096.csr -subj "/CN=Probe Test Intermediate 4096" 2>/dev/null
sign inter4096.csr root inter4096.pem ca.ext
openssl req -new -newkey rsa:2048 -nodes -keyout rsa.key -out rsa.csr -subj "/CN=probe.test" 2>/dev/null
sign rsa.csr inter rsa.pem leaf.ext
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ec.key -out ec.csr -subj "/CN=probe.test" 2>/dev/null
sign ec.csr inter ec.pem leaf.ext
openssl req -new -newkey rsa:4096 -nodes -keyout big.key -out big.csr -subj "/CN=probe.test" 2>/dev/null
sign big.csr inter4096 big.pem leaf.ext
cp inter.pem rsa-chain.pem
cat inter4096.pem inter4096.pem inter4096.pem > big-chain.pem
cat rsa.pem inter.pem > rsa-fullchain.pem
cat big.pem big-chain.pem > big-fullchain.pem
rm -f ./*.csr ./*.srl ca.ext leaf.ext
chmod 0600 ./*.key
