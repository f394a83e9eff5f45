#!/bin/sh
# run.sh BUILD SECONDS - runs every libFuzzer target BUILD/fuzz/fuzz_<name> for
# SECONDS (-max_total_time) on its seed corpus tests/corpus/<name>/ (read only:
# new inputs go to a temporary directory that is removed).  Exit 1 when a
# target crashes or a corpus is missing; the crash input is kept under
# BUILD/fuzz-crashes/.  Used by 'make fuzz'.
set -u
build=${1:?usage: run.sh BUILD SECONDS}
secs=${2:?usage: run.sh BUILD SECONDS}
here=$(cd "$(dirname "$0")/../.." && pwd)
status=0
found=0
crashes="$build/fuzz-crashes"
mkdir -p "$crashes"
for bin in "$build"/fuzz/fuzz_*; do
	[ -x "$bin" ] || continue
	found=$((found + 1))
	name=$(basename "$bin")
	corpus="$here/tests/corpus/${name#fuzz_}"
	if [ ! -d "$corpus" ]; then
		echo "run.sh: $name: no seed corpus at $corpus"
		status=1
		continue
	fi
	work=$(mktemp -d)
	echo "== $name ($secs s, corpus $corpus)"
	if "$bin" -max_total_time="$secs" -print_final_stats=1 -artifact_prefix="$crashes/$name-" \
		"$work" "$corpus" > "$work.log" 2>&1; then
		grep -E '^(stat::number_of_executed_units|stat::new_units_added)' "$work.log"
		echo "$name: ok"
	else
		tail -n 40 "$work.log"
		echo "$name: FAILED (crash input under $crashes/)"
		status=1
	fi
	rm -rf "$work" "$work.log"
done
if [ "$found" = 0 ]; then
	echo "run.sh: no fuzz targets under $build/fuzz/"
	exit 1
fi
exit $status
