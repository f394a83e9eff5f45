#!/bin/sh
# run.sh - runs every Check suite of each build given (make check) and sums them up.
# Each suite prints Check's own "NN%: Checks: N, Failures: N, Errors: N" line;
# the last line here is the plain "N passed, N failed" total.  Exit 1 on any failure.
set -u
passed=0
failed=0
bad=0
for build in "$@"; do
	for t in "$build"/tests/test_*; do
		[ -x "$t" ] || continue
		echo "== $t"
		out=$("$t" 2>&1)
		rc=$?
		echo "$out"
		line=$(echo "$out" | grep -E '^[0-9]+%: Checks: ' | tail -n 1)
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
