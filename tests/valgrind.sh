#!/bin/sh
# valgrind.sh BUILD - runs the decoder's Check suites once under valgrind
# memcheck (the BUILD must be a build without sanitizers, e.g. build/):
# zero errors and zero definite or indirect leaks, or exit 1.  Suites run
# in-process (CK_FORK=no) so that memcheck sees the tests themselves.
# Used by 'make valgrind' and 'make check'.
set -u
build=${1:?usage: valgrind.sh BUILD}
# The pure suites: no server processes, everything in one process.
suites="cursor json packet pcap_io tcp_reasm flow tls_record tls_handshake tls_names tls_conn x509_wolfssl
	decode diagnose malformed"
if ! command -v valgrind > /dev/null 2>&1; then
	echo "valgrind.sh: valgrind is not installed (make deps)"
	exit 1
fi
status=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT INT TERM
for s in $suites; do
	t="$build/tests/test_$s"
	if [ ! -x "$t" ]; then
		echo "valgrind.sh: $t is missing (make tests)"
		status=1
		continue
	fi
	if CK_FORK=no CK_TIMEOUT_MULTIPLIER=20 valgrind -q --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \
		"$t" > "$log" 2>&1; then
		echo "valgrind: test_$s: $(grep -E '^[0-9]+%: Checks' "$log" | tail -n 1)"
	else
		cat "$log"
		echo "valgrind: test_$s: FAILED (memcheck errors, leaks or test failures above)"
		status=1
	fi
done
exit $status
