#!/bin/sh
# valgrind.sh BUILD - runs every Check suite of BUILD once under valgrind
# memcheck (BUILD must be built without sanitizers, e.g. build/): zero errors
# and zero definite or indirect leaks in every process of the suite, or exit 1.
# Used by 'make valgrind' and 'make check'.
#
# Every process is checked, not only the test: the suites run in-process
# (CK_FORK=no), memcheck follows forks (the runner's case workers) and execs
# of our own binaries (build/tlsdiag, which the CLI tests start), and skips
# the system's programs (Apache, openssl, xmllint: not ours to check).  Each
# process writes its own log (vg.PID.log); with -q a log holds only
# problems, so any log left with more than valgrind's notices about
# syscalls it does not know (pidfd_open: tlsdiag then falls back to
# polling) fails the suite.  Time bounds in the tests scale with
# TLSDIAG_TEST_SLOWDOWN (tests/support/testutil.h), Check's timeouts with
# CK_TIMEOUT_MULTIPLIER.  Suites run VALGRIND_JOBS at a time (default: the
# CPU count), slowest first.
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
	mkdir -p "$logs"
	start=$(date +%s)
	CK_FORK=no CK_TIMEOUT_MULTIPLIER=20 TLSDIAG_TEST_SLOWDOWN=10 \
		valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
		--show-leak-kinds=definite,indirect --trace-children=yes \
		--trace-children-skip='/usr/*,/bin/*,/sbin/*' \
		--log-file="$logs/vg.%p.log" "$t" > "$logs/output" 2>&1
	rc=$?
	secs=$(($(date +%s) - start))
	summary=$(grep -E '^[0-9]+%: Checks' "$logs/output" | tail -n 1)
	bad=""
	for l in "$logs"/vg.*.log; do
		[ -f "$l" ] || continue
		# Valgrind's own notices (an unknown syscall) are not findings.
		if grep -v -E '^--[0-9]+-- ' "$l" | grep -q .; then
			bad="$bad $l"
		fi
	done
	if [ "$rc" = 0 ] && [ -z "$bad" ] && [ -n "$summary" ]; then
		echo "valgrind: $(basename "$t"): $summary (${secs} s)" > "$logs/result"
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

logdir=$(mktemp -d "${TMPDIR:-/tmp}/tlsdiag-valgrind-XXXXXX")
trap 'rm -rf "$logdir"' EXIT
trap 'exit 130' INT TERM
# Slowest first (they start servers and make keys), then the rest by name.
slow="certs servers faults runner scenarios relay decode_live client capture"
{
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
for d in "$logdir"/*/; do
	if [ ! -f "$d/result" ]; then
		echo "valgrind: $(basename "$d"): FAILED (no result: interrupted?)"
		status=1
		continue
	fi
	cat "$d/result"
	tail -n 1 "$d/result" | grep -q ': FAILED' && status=1
done
exit $status
