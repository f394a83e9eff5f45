#!/bin/sh
# bench.sh BINARY [small|large|N_MB] [--no-matrix] - performance figures (make bench).
#
#   1. Generates a capture of real TLS traffic on loopback under build/bench/, mixed the
#      way users' captures are: two `openssl s_server -WWW` (an RSA-2048 and an ECDSA
#      P-256 certificate, a 100 kB page) loaded at once by `openssl s_time -new -tls1_2`
#      (full TLS 1.2 handshakes, the RSA chain in clear), `openssl s_time -reuse` (resumed
#      handshakes), `gnutls-cli --resume` and `curl` (other peers' ClientHellos), until the
#      file reaches the size asked (small: 30 MB, the CI smoke; large: 1000 MB; or N MB);
#      failing handshakes (handshake_failure, unknown_ca, bad_certificate, protocol_version
#      or internal_error) before, every few seconds during, and after the load, so that
#      alerts are compared.  Captured with dumpcap on lo (root or CAP_NET_RAW).
#   2. Times on the same (cached) file, BENCH_ROUNDS rounds (default 3) with the tools'
#      order alternated from one round to the next, `cat` (the read limit), `tlsdiag
#      decode` (text, the default), `tlsdiag decode --format json`, `ssldump -n -r` and
#      `tshark -r -Y tls.alert_message`; prints the median wall time, CPU time (user+sys:
#      what to compare on a loaded machine), throughput and peak RSS of each, the ratios
#      to tlsdiag, and the ratios of the targets (text <= 0.5 and JSON <= 0.7 of
#      ssldump's CPU, peak RSS <= 20 MB).  Then the decoder's memory on two hostile
#      captures (tests/bench/hostile.py: 100,000 half-open connections; 300 connections
#      each 900 kB past a hole) against its budget.
#   3. Checks that tlsdiag and tshark each find exactly the plaintext alerts sent (as s_client
#      -msg saw them, both directions): exit 1 if not.  The capture is bracketed by marker
#      handshakes (SNI in clear) that must reach the file: it runs before the first alert and
#      has drained after the last one; a capture short of the size asked fails loudly.
#   4. Unless --no-matrix: the runner matrix (tests/bench/matrix.sh: cases/s of the whole run
#      and of the case phase, where the time went, the runner's peak RSS); then, with large or
#      BENCH_RUNNER_CASES=N (a multiple of 150), the same matrix at N cases (large: 10,050).
# The capture is deleted at the end (BENCH_KEEP=1 keeps it as build/bench/traffic-NNmb.pcap).  Timings are printed, not
# checked: only the agreement of results decides the exit status.
set -eu

die() { echo "bench: error: $*" >&2; exit 2; }
say() { echo "bench: $*"; }

[ $# -ge 1 ] || die "usage: bench.sh BINARY [small|large|N_MB] [--no-matrix]"
bin=$1
shift
size=small
matrix=yes
for a in "$@"; do
	case $a in
	--no-matrix) matrix=no ;;
	*) size=$a ;;
	esac
done
case $size in
small) mb=30 ;;
large) mb=1000 ;;
*[!0-9]* | '') die "size must be small, large or a number of MB: $size" ;;
*) mb=$size ;;
esac
[ -x "$bin" ] || die "no binary $bin (make first)"
for t in openssl dumpcap tshark ssldump /usr/bin/time ss gnutls-cli curl python3; do
	command -v "$t" >/dev/null 2>&1 || die "$t is missing (make deps)"
done
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
avail=$(df -Pm "$top" | awk 'NR == 2 { print $4 }')
[ "$avail" -gt $((mb * 2 + 500)) ] || die "$mb MB asked, only $avail MB free on $(df -P "$top" | awk 'NR == 2 { print $6 }')"

dir=$top/build/bench
mkdir -p "$dir"
chmod 700 "$dir"
work=$(mktemp -d "$dir/run.XXXXXX")
pcap=$work/traffic-${mb}mb.pcap
srv_pid=
rsrv_pid=
cap_pid=
load_pid=
cleanup() {
	for p in $load_pid; do kill "$p" 2>/dev/null || true; done
	for p in $load_pid; do wait "$p" 2>/dev/null || true; done
	[ -z "$rsrv_pid" ] || { kill "$rsrv_pid" 2>/dev/null; wait "$rsrv_pid" 2>/dev/null; } || true
	[ -z "$cap_pid" ] || kill "$cap_pid" 2>/dev/null || true
	[ -z "$srv_pid" ] || kill "$srv_pid" 2>/dev/null || true
	[ -z "$cap_pid" ] || wait "$cap_pid" 2>/dev/null || true
	[ -z "$srv_pid" ] || wait "$srv_pid" 2>/dev/null || true
	[ "${BENCH_KEEP:-0}" != 1 ] || [ ! -f "$pcap" ] || mv "$pcap" "$dir/"
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_for FILE TEXT SECONDS: until FILE holds TEXT (readiness, polled).
wait_for() {
	n=0
	while ! grep -q "$2" "$1" 2>/dev/null; do
		n=$((n + 1))
		[ $n -le $(($3 * 20)) ] || return 1
		sleep 0.05
	done
}

# A free TCP port on 127.0.0.1, picked at random and checked with ss.
free_port() {
	while :; do
		p=$(( ($(od -An -N2 -tu2 /dev/urandom) % 20000) + 30000 ))
		ss -Htln "sport = :$p" | grep -q . || { echo "$p"; return; }
	done
}

# --- 1. the capture ------------------------------------------------------------------------
say "generating a ${mb} MB capture of TLS traffic on lo"
umask 077
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
	-keyout "$work/key.pem" -out "$work/cert.pem" 2>"$work/req.log" || { cat "$work/req.log" >&2; die "openssl req failed"; }
mkdir "$work/www"
head -c 100000 /dev/urandom >"$work/www/page.bin"
# start_server CERT KEY LOG: openssl s_server -WWW on a free port (started_port, started_pid),
# again on another port when that one was taken between the check and the bind (the machine is
# shared): readiness is its ACCEPT line, a server that exits is noticed at once.
start_server() {
	tries=0
	while :; do
		started_port=$(free_port)
		[ "$started_port" != "${port:-}" ] || continue
		(cd "$work/www" && exec openssl s_server -accept "127.0.0.1:$started_port" -cert "$1" -key "$2" \
			-WWW -naccept 1000000) >"$3" 2>&1 &
		started_pid=$!
		n=0
		while ! grep -q ACCEPT "$3" 2>/dev/null && kill -0 "$started_pid" 2>/dev/null && [ $n -lt 200 ]; do
			n=$((n + 1))
			sleep 0.05
		done
		! grep -q ACCEPT "$3" || return 0
		kill "$started_pid" 2>/dev/null || true
		wait "$started_pid" 2>/dev/null || true
		tries=$((tries + 1))
		if ! grep -q "Address already in use" "$3" || [ $tries -ge 5 ]; then
			cat "$3" >&2
			return 1
		fi
	done
}
port=
start_server "$work/cert.pem" "$work/key.pem" "$work/server.log" || die "openssl s_server did not start"
port=$started_port
srv_pid=$started_pid
openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
	-keyout "$work/rkey.pem" -out "$work/rcert.pem" 2>"$work/req.log" || { cat "$work/req.log" >&2; die "openssl req failed"; }
start_server "$work/rcert.pem" "$work/rkey.pem" "$work/rserver.log" || die "openssl s_server (RSA) did not start"
rport=$started_port
rsrv_pid=$started_pid
rm -f "$pcap"
dumpcap -q -i lo -f "tcp port $port or tcp port $rport" -P -B 64 -w "$pcap" >"$work/dumpcap.log" 2>&1 &
cap_pid=$!
wait_for "$work/dumpcap.log" "Capturing on" 10 || { cat "$work/dumpcap.log" >&2; die "dumpcap did not start (root or CAP_NET_RAW needed)"; }

# size FILE: its size in bytes, or a loud failure (a loop condition is outside set -e).
size() {
	s=$(stat -c %s "$1" 2>/dev/null) || die "$1 is gone (dumpcap: $(tail -n 2 "$work/dumpcap.log" | tr '\n' ' '))"
	echo "$s"
}

# marker NAME: handshakes whose ClientHello names NAME (SNI, in clear), one a second, until the
# capture file holds it.  dumpcap says "Capturing on" before it opens the file (about 45 ms) and
# writes packets in the order it got them, so a marker in the file means that every packet sent
# before it is there too: the start marker proves the capture runs, the end marker that it drained.
marker() {
	tries=0
	while :; do
		openssl s_client -connect "127.0.0.1:$port" -servername "$1" </dev/null >/dev/null 2>&1 || true
		n=0
		while [ $n -lt 10 ]; do
			[ ! -f "$pcap" ] || ! grep -q -a -F "$1" "$pcap" || return 0
			kill -0 "$cap_pid" 2>/dev/null || { cat "$work/dumpcap.log" >&2; die "dumpcap stopped"; }
			n=$((n + 1))
			sleep 0.1
		done
		tries=$((tries + 1))
		[ $tries -lt 60 ] || die "the marker $1 did not reach $pcap within 60 s"
	done
}

# failing_handshakes: the handshakes that end with an alert; every alert either side sent is
# appended to $work/alerts.sent (from s_client -msg: ">>> ... Alert" then "    02 28").
: >"$work/alerts.sent"
fails=0
failing_handshakes() {
	fails=$((fails + 1))
	c="openssl s_client -msg -connect 127.0.0.1:$port"
	{
		$c -tls1_2 -cipher AES128-SHA </dev/null 2>&1 || true
		$c -tls1_2 -verify_return_error -no-CAfile -no-CApath -no-CAstore </dev/null 2>&1 || true
		$c -tls1_2 -verify_return_error -CAfile "$work/cert.pem" -verify_hostname other.example </dev/null 2>&1 || true
		$c -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' </dev/null 2>&1 || true
	} | awk '/^(<<<|>>>) .*Alert \[length/ { getline; print $2 }' | while read -r hex; do
		printf '%d\n' "0x$hex"
	done >>"$work/alerts.sent"
}
tag=tlsdiag-bench-$$-$(od -An -N4 -tx4 /dev/urandom | tr -d ' ')
marker "start.$tag.example"
failing_handshakes
t0=$(date +%s)
# The load stops between connections, never in the middle of one: a handshake cut by a kill
# makes the server send a plaintext alert of its own (decode_error, 50, on the early EOF), which
# no alert check could expect.  Each generator runs in rounds and looks at $stop between them
# (s_time -time 1 finishes the connection it is in).
stop=$work/stop
rm -f "$stop"
(while [ ! -f "$stop" ]; do
	openssl s_time -connect "127.0.0.1:$rport" -new -tls1_2 -time 1 -www /page.bin || exit
done) >"$work/s_time.log" 2>&1 &
load_pid=$!
(while [ ! -f "$stop" ]; do
	openssl s_time -connect "127.0.0.1:$port" -reuse -time 1 -www /page.bin || exit
done) >"$work/s_time_reuse.log" 2>&1 &
load_pid="$load_pid $!"
# Other peers, one connection at a time: GnuTLS (a resumed second connection) and curl (OpenSSL
# with its own ClientHello: ALPN, other groups).  Their exit status is not the point.
(
	while [ ! -f "$stop" ]; do
		gnutls-cli --insecure --resume -p "$rport" 127.0.0.1 </dev/null >/dev/null 2>&1
		curl -sk -o /dev/null "https://127.0.0.1:$port/page.bin"
		curl -sk --tlsv1.2 --tls-max 1.2 -o /dev/null "https://127.0.0.1:$rport/page.bin"
	done
) &
load_pid="$load_pid $!"
next_fail=$(($(date +%s) + 5))
while :; do
	cur=$(size "$pcap") # set -e: a failed size ends the script here
	[ "$cur" -lt $((mb * 1000000)) ] || break
	for p in $load_pid; do
		kill -0 "$p" 2>/dev/null || { tail -n 3 "$work/s_time.log" "$work/s_time_reuse.log" >&2; die "the load stopped"; }
	done
	if [ "$(date +%s)" -ge "$next_fail" ]; then
		failing_handshakes
		next_fail=$(($(date +%s) + 5))
	fi
	sleep 0.1
done
: >"$stop" # each generator ends after the connection it is in
for p in $load_pid; do wait "$p" 2>/dev/null || true; done
load_pid=
failing_handshakes
# Drain before the stop: the end marker is in the file, and the file no longer grows (dumpcap
# flushes it every 100 ms or so); SIGTERM earlier loses what is still in the kernel's buffer.
marker "end.$tag.example"
last=-1
stable=0
while [ $stable -lt 5 ]; do
	now=$(size "$pcap")
	if [ "$now" = "$last" ]; then stable=$((stable + 1)); else stable=0; fi
	last=$now
	sleep 0.2
done
kill -INT "$cap_pid"
wait "$cap_pid" 2>/dev/null || true
cap_pid=
kill "$srv_pid" "$rsrv_pid"
wait "$srv_pid" 2>/dev/null || true
wait "$rsrv_pid" 2>/dev/null || true
srv_pid=
rsrv_pid=
grep -q "dropped.*/0 " "$work/dumpcap.log" || say "warning: dumpcap dropped packets: $(grep dropped "$work/dumpcap.log")"
bytes=$(size "$pcap")
[ "$bytes" -ge $((mb * 1000000)) ] || die "the capture has $bytes bytes, $((mb * 1000000)) were asked"
sort -n "$work/alerts.sent" >"$work/alerts.expected"
[ "$(wc -l <"$work/alerts.expected")" -eq $((fails * 4)) ] ||
	die "$((fails * 4)) alerts should have been sent ($fails rounds of failures), s_client saw $(wc -l <"$work/alerts.expected")"
say "captured $((bytes / 1000000)) MB in $(($(date +%s) - t0)) s"

# --- 2. the timings ------------------------------------------------------------------------
# run NAME OUT CMD...: times CMD (stdout to OUT), appends "NAME wall_s rss_kb user_s sys_s" to the table.
run() {
	name=$1 out=$2
	shift 2
	/usr/bin/time -f '%e %M %U %S' -o "$work/time.$name" "$@" >"$out" 2>"$work/err.$name" ||
		{ tail -n 3 "$work/err.$name" >&2; die "$name failed: $*"; }
	echo "$name $(cat "$work/time.$name")" >>"$work/table"
}
: >"$work/table"
cat "$pcap" >/dev/null # into the page cache, for every tool alike
rounds=${BENCH_ROUNDS:-3}
case $rounds in *[!0-9]* | '' | 0) die "BENCH_ROUNDS must be a positive number: $rounds" ;; esac
# One tool of each pair right after the other, the pair's order swapped every round, so that a
# change of load hits both alike.
r=1
while [ $r -le "$rounds" ]; do
	run cat /dev/null cat "$pcap"
	if [ $((r % 2)) = 1 ]; then
		run tlsdiag /dev/null "$bin" decode "$pcap"
		run ssldump /dev/null ssldump -n -r "$pcap"
		run tlsdiag-json "$work/tlsdiag.json" "$bin" decode --format json "$pcap"
		run tshark "$work/tshark.txt" tshark -r "$pcap" -d "tcp.port==$port,tls" -d "tcp.port==$rport,tls" \
			-Y tls.alert_message -T fields -e tls.alert_message.desc
	else
		run ssldump /dev/null ssldump -n -r "$pcap"
		run tlsdiag /dev/null "$bin" decode "$pcap"
		run tshark "$work/tshark.txt" tshark -r "$pcap" -d "tcp.port==$port,tls" -d "tcp.port==$rport,tls" \
			-Y tls.alert_message -T fields -e tls.alert_message.desc
		run tlsdiag-json "$work/tlsdiag.json" "$bin" decode --format json "$pcap"
	fi
	r=$((r + 1))
done

conns=$(grep -c '^{"client"' "$work/tlsdiag.json" || true)
echo
echo "decode of $((bytes / 1000000)) MB ($conns TLS connections), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')"
echo "medians of $rounds rounds, order alternated"
awk -v bytes="$bytes" '
	function median(list, n,    i, j, t, a) {
		n = split(list, a, " ")
		for (i = 2; i <= n; i++)
			for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) { t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
		return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
	}
	{
		if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1 }
		w[$1] = w[$1] " " $2; m[$1] = m[$1] " " $3; c[$1] = c[$1] " " ($4 + $5)
	}
	END {
		for (i = 1; i <= n; i++) { t = order[i]; W[t] = median(w[t]); M[t] = median(m[t]); C[t] = median(c[t]) }
		printf "%-12s %7s %7s %8s %8s %8s %8s %8s\n", "tool", "wall s", "CPU s", "MB/s", "peak MB",
			"wall/tl", "CPU/tl", "RSS/tl"
		mw = W["tlsdiag"] > 0 ? W["tlsdiag"] : 0.01
		mc = C["tlsdiag"] > 0 ? C["tlsdiag"] : 0.01
		for (i = 1; i <= n; i++) {
			t = order[i]
			ww = W[t] > 0 ? W[t] : 0.01
			printf "%-12s %7.2f %7.2f %8.0f %8.1f %8.2f %8.2f %8.2f\n", t, W[t], C[t], bytes / 1e6 / ww,
				M[t] / 1024, ww / mw, C[t] / mc, M[t] / M["tlsdiag"]
		}
		printf "(tl = tlsdiag decode; MB/s from wall time; CPU = user + system)\n"
		s = C["ssldump"] > 0 ? C["ssldump"] : 0.01
		ts = C["tshark"] > 0 ? C["tshark"] : 0.01
		printf "\nratios (CPU): text/ssldump %.2f (target <= 0.5), json/ssldump %.2f (target <= 0.7), " \
			"text/tshark %.3f, json/tshark %.3f; peak RSS %.1f MB (target <= 20)\n", C["tlsdiag"] / s,
			C["tlsdiag-json"] / s, C["tlsdiag"] / ts, C["tlsdiag-json"] / ts,
			(M["tlsdiag"] > M["tlsdiag-json"] ? M["tlsdiag"] : M["tlsdiag-json"]) / 1024
	}' "$work/table"

# --- 3. the same alerts as tshark ----------------------------------------------------------
# Plaintext alerts only: tshark cannot read the description of an encrypted one.
grep -o '"description":[0-9]*,"name":"[a-z_0-9]*","encrypted":false' "$work/tlsdiag.json" |
	sed 's/"description":\([0-9]*\),.*/\1/' | sort -n >"$work/alerts.tlsdiag"
tr ',' '\n' <"$work/tshark.txt" | grep . | sort -n >"$work/alerts.tshark" || true
echo
# Exact: every alert sent is found, by both tools, as many times as it was sent.  A capture that
# fails this is kept (build/bench/failed-*.pcap) to be looked at.
bad=0
for tool in tlsdiag tshark; do
	if ! cmp -s "$work/alerts.expected" "$work/alerts.$tool"; then
		echo "bench: FAIL: $tool does not find the alerts sent (< sent, > $tool):"
		diff "$work/alerts.expected" "$work/alerts.$tool" || true
		bad=1
	fi
done
if [ $bad = 1 ]; then
	mv "$pcap" "$dir/failed-$tag.pcap" && echo "bench: the capture is kept as $dir/failed-$tag.pcap (port $port)"
	exit 1
fi
echo "alerts: tlsdiag and tshark find every alert sent ($(wc -l <"$work/alerts.expected") plaintext alerts: $(sort -n -u "$work/alerts.expected" | tr '\n' ' '))"

# --- 3b. memory on hostile captures --------------------------------------------------------
# Not timed against anything: the peak RSS of the decode against its budget (64 MB default),
# and what the same decode held before the budget (docs/performance.md).
echo
[ "${BENCH_KEEP:-0}" = 1 ] || rm -f "$pcap" # room on the disk for the hostile files
for kind in halfopen hole; do
	n=100000
	[ $kind = halfopen ] || n=300
	python3 "$top/tests/bench/hostile.py" "$work/$kind.pcap" $kind $n
	run "hostile-$kind" "$work/hostile.txt" "$bin" decode "$work/$kind.pcap"
	note=$(grep -o 'memory budget of [0-9]* MB reached[^(]*' "$work/hostile.txt" || echo "budget not reached")
	echo "hostile $kind ($n connections, $(($(size "$work/$kind.pcap") / 1000000)) MB): peak RSS $(($(cut -d' ' -f2 "$work/time.hostile-$kind") / 1024)) MB (target: the budget, 64 MB by default, for the whole decode); $note"
	rm -f "$work/$kind.pcap"
done

# --- 4. the runner matrix ------------------------------------------------------------------
if [ "$matrix" = yes ]; then
	echo
	sh "$top/tests/bench/matrix.sh" "$bin"
	# The runner's memory target (issue 21: under 100 MB at 10,000 cases): with large, or when asked.
	runner_cases=${BENCH_RUNNER_CASES:-}
	[ -n "$runner_cases" ] || [ "$size" != large ] || runner_cases=10050
	if [ -n "$runner_cases" ]; then
		echo
		sh "$top/tests/bench/matrix.sh" "$bin" "$runner_cases"
	fi
fi
