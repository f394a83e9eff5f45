#!/bin/sh
# run.sh - runs every Check suite of each build given (make check) and sums them up.
# Each suite prints Check's own "NN%: Checks: N, Failures: N, Errors: N" line;
# the last line here is the plain "N passed, N failed" total.  Exit 1 on any failure.
# A suite's output is streamed as it runs (a CI log shows a slow or hung suite),
# and kept in a temporary file to read its summary.
set -u
log=$(mktemp "${TMPDIR:-/tmp}/tlsdiag-run-XXXXXX")
rcfile=$(mktemp "${TMPDIR:-/tmp}/tlsdiag-rc-XXXXXX")
trap 'rm -f "$log" "$rcfile"' EXIT INT TERM HUP
passed=0
failed=0
bad=0
for build in "$@"; do
	for t in "$build"/tests/test_*; do
		[ -x "$t" ] || continue
		echo "== $t"
		{
			"$t" 2>&1
			echo $? > "$rcfile"
		} | tee "$log"
		rc=$(cat "$rcfile")
		line=$(grep -E '^[0-9]+%: Checks: ' "$log" | tail -n 1)
		if [ -z "$line" ]; then
			echo "run.sh: $t printed no Check summary (exit $rc)"
			bad=$((bad + 1))
			continue
		fi
		n=$(echo "$line" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
		f=$(echo "$line" | sed -E 's/.*Failures: ([0-9]+).*/\1/')
		e=$(echo "$line" | sed -E 's/.*Errors: ([0-9]+).*/\1/')
		passed=$((passed + n - f - e))
		failed=$((failed + f + e))
		[ "$rc" = 0 ] || [ $((f + e)) -gt 0 ] || bad=$((bad + 1))
	done
done
failed=$((failed + bad))
echo "tests: $passed passed, $failed failed"
[ "$failed" = 0 ]
