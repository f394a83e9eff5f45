#!/bin/sh
# valgrind.sh BUILD - runs every Check suite of BUILD once under valgrind
# memcheck (BUILD must be built without sanitizers, e.g. build/): zero errors
# and zero definite or indirect leaks in every process of the suite, or exit 1.
# Used by 'make valgrind' and 'make check'.
#
# Every process is checked, not only the test: memcheck follows forks
# (Check's one per test, the runner's case workers, the capture hub) and
# execs of our own binaries (build/tlsdiag, which the CLI tests start), and
# skips the system's programs (Apache, openssl, xmllint: not ours to
# check).  Each process writes its own log (vg.PID.log) ending in its
# ERROR SUMMARY, where definite and indirect leaks count as errors; a
# process killed on purpose (SIGKILL) leaves none.  Time bounds in the
# tests scale with TLSDIAG_TEST_SLOWDOWN (tests/support/testutil.h),
# Check's timeouts with CK_TIMEOUT_MULTIPLIER.  RSA keys come from a pool
# made natively first ($TLSDIAG_KEY_POOL, harness/servers/certs.c): the
# prime search is libcrypto's, minutes per key under memcheck, and none of
# ours.  Suites run VALGRIND_JOBS at a time (default: the CPU count),
# slowest first; VALGRIND_SUITES="json capture" runs only those.
set -u
build=${1:?usage: valgrind.sh BUILD}
jobs=${VALGRIND_JOBS:-$(nproc 2> /dev/null || echo 2)}

if ! command -v valgrind > /dev/null 2>&1; then
	echo "valgrind.sh: valgrind is not installed (make deps)"
	exit 1
fi
if [ ! -x "$build/tests/test_cursor" ]; then
	echo "valgrind.sh: no suites under $build/tests (make tests)"
	exit 1
fi

# One suite: valgrind.sh BUILD --one SUITE LOGDIR (run by xargs below).
if [ "${2:-}" = "--one" ]; then
	t=$3
	logs=$4/$(basename "$t")
	# Writable by all (sticky, not listable): a test drops to nobody and
	# execs tlsdiag, whose memcheck opens a log of its own there.
	mkdir -p "$logs" && chmod 1733 "$logs"
	start=$(date +%s)
	CK_TIMEOUT_MULTIPLIER=20 TLSDIAG_TEST_SLOWDOWN=10 \
		valgrind --vgdb=no --leak-check=full --errors-for-leak-kinds=definite,indirect \
		--show-leak-kinds=definite,indirect --trace-children=yes \
		--trace-children-skip='/usr/*,/bin/*,/sbin/*' \
		--log-file="$logs/vg.%p.log" "$t" > "$logs/output" 2>&1
	rc=$?
	secs=$(($(date +%s) - start))
	summary=$(grep -E '^[0-9]+%: Checks' "$logs/output" | tail -n 1)
	bad=""
	procs=0
	for l in "$logs"/vg.*.log; do
		[ -f "$l" ] || continue
		procs=$((procs + 1))
		if grep -q -E '^==[0-9]+== ERROR SUMMARY: [1-9]' "$l"; then
			bad="$bad $l"
		fi
	done
	if [ "$rc" = 0 ] && [ -z "$bad" ] && [ -n "$summary" ]; then
		echo "valgrind: $(basename "$t"): $summary; $procs processes, 0 errors (${secs} s)" > "$logs/result"
		rm -rf "$logs/vg."*.log
		exit 0
	fi
	{
		cat "$logs/output"
		for l in $bad; do
			echo "--- $l"
			cat "$l"
		done
		echo "valgrind: $(basename "$t"): FAILED (exit $rc; memcheck findings or test failures above; ${secs} s)"
	} > "$logs/result"
	exit 1
fi

logdir=$(mktemp -d "${TMPDIR:-/tmp}/tlsdiag-valgrind-XXXXXX") && chmod 0711 "$logdir" || exit 1
trap 'rm -rf "$logdir"' EXIT
trap 'exit 130' INT TERM
# The key pool: as many keys of a type as one certificate set can use.
pool=$logdir/keys
mkdir -m 0700 "$pool" || exit 1
(
	umask 077
	for n in 1 2 3 4 5 6; do
		openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$pool/rsa2048-$n.pem" || exit 1
	done
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$pool/rsa1024-1.pem" &&
		openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:4096 -out "$pool/rsa4096-1.pem" &&
		openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$pool/p256-1.pem"
) > "$logdir/keys.log" 2>&1 || {
	cat "$logdir/keys.log"
	echo "valgrind.sh: making the key pool failed"
	exit 1
}
export TLSDIAG_KEY_POOL="$pool"
# Slowest first (they start servers and make keys), then the rest by name.
slow="certs servers faults runner scenarios relay decode_live client capture"
{
	if [ -n "${VALGRIND_SUITES:-}" ]; then
		for s in $VALGRIND_SUITES; do
			echo "$build/tests/test_$s"
		done
		exit 0
	fi
	for s in $slow; do
		[ -x "$build/tests/test_$s" ] && echo "$build/tests/test_$s"
	done
	for t in "$build"/tests/test_*; do
		[ -x "$t" ] || continue
		case " $slow " in *" ${t##*/test_} "*) continue ;; esac
		echo "$t"
	done
} | xargs -P "$jobs" -I{} sh "$0" "$build" --one {} "$logdir"
status=0
for d in "$logdir"/test_*/; do
	if [ ! -f "$d/result" ]; then
		echo "valgrind: $(basename "$d"): FAILED (no result: interrupted?)"
		status=1
		continue
	fi
	cat "$d/result"
	tail -n 1 "$d/result" | grep -q ': FAILED' && status=1
done
exit $status
