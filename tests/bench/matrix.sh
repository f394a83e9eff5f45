#!/bin/sh
# matrix.sh BINARY - the runner benchmark (part of make bench): runs tests/bench/matrix.ini
# (150 cases on 3 server profiles) with `tlsdiag run --capture live -j 2` and prints the
# total time, cases per second and where the time went, from the run's JSON report:
# servers_ms (starting each profile once), capture_setup_ms (the run's shared live capture,
# started once) and, summed over the cases, capture_start_ms (the case's capture begun),
# handshake_ms (the wolfSSL client) and decode_ms (capture closed and decoded), and the
# frames the live capture dropped (0 expected).  The case sums are CPU-parallel time: with -j 2 they add up to about twice
# the wall time of the case phase.  Exit status: 2 when the run could not be made; a case
# that does not meet its expectation is reported, not fatal (this measures time).
set -eu
die() { echo "matrix: error: $*" >&2; exit 2; }
[ $# -eq 1 ] || die "usage: matrix.sh BINARY"
bin=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$top/build/bench"
out=$(mktemp -d "$top/build/bench/matrix.XXXXXX")
trap 'rm -rf "$out"' EXIT
jobs=${BENCH_JOBS:-2}
t0=$(date +%s.%N)
rc=0
"$bin" run "$top/tests/bench/matrix.ini" --capture live -j "$jobs" --allow-skip -o "$out/run" \
	--json "$out/report.json" >"$out/report.txt" 2>&1 || rc=$?
t1=$(date +%s.%N)
[ "$rc" -le 1 ] && [ -s "$out/report.json" ] || { tail -n 5 "$out/report.txt" >&2; die "tlsdiag run failed (exit $rc)"; }
# The report may be pretty-printed: "key": N.
sum() { grep -o "\"$1\": *[0-9]*" "$out/report.json" | awk -F: '{ s += $2 } END { print s + 0 }'; }
cases=$(grep -o '"capture_start_ms"' "$out/report.json" | wc -l)
echo "runner matrix: $cases cases (tests/bench/matrix.ini), -j $jobs, capture live"
awk -v t0="$t0" -v t1="$t1" -v n="$cases" -v srv="$(sum servers_ms)" -v cap="$(sum capture_start_ms)" \
	-v hs="$(sum handshake_ms)" -v dec="$(sum decode_ms)" -v j="$jobs" -v hub="$(sum capture_setup_ms)" \
	-v drop="$(sum dropped)" '
	BEGIN {
		wall = t1 - t0
		printf "  total %.1f s wall, %.1f cases/s\n", wall, n / wall
		printf "  servers started once per profile: %.1f s\n", srv / 1000
		printf "  shared live capture started once: %.2f s\n", hub / 1000
		printf "  per case (summed over %d workers), %.0f ms a case on average:\n", j, (cap + hs + dec) / (n ? n : 1)
		printf "    capture start    %7.1f s  %3.0f%%\n", cap / 1000, 100 * cap / (cap + hs + dec)
		printf "    handshakes       %7.1f s  %3.0f%%\n", hs / 1000, 100 * hs / (cap + hs + dec)
		printf "    capture+decode   %7.1f s  %3.0f%%\n", dec / 1000, 100 * dec / (cap + hs + dec)
		printf "  frames dropped by the live capture: %d\n", drop
	}'
grep -E '^result:' "$out/report.txt" | sed 's/^/  /'
