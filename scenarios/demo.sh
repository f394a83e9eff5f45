#!/bin/sh
# demo.sh - reproduces and explains both founding bug reports ('make demo').
#
#   sh scenarios/demo.sh [path/to/tlsdiag] [more 'tlsdiag run' options]
#
# Runs scenarios/wipy-azure-servicebus.ini and scenarios/esp8266-apache-selfsigned.ini
# against real local servers and prints the report with every case explained (--explain).
# The captures (capture.pcap), their TLS key logs (capture.keys) and the decoded
# connections stay in the run directory the report names (captures/runs/<time>/ unless
# -o DIR is given).  Exit status: tlsdiag run's: 0 every case met its expectation, 1 a
# case missed it (or was skipped), 2 the environment is unusable (a server did not start).
set -u
bin=${1:-build/tlsdiag}
[ $# -gt 0 ] && shift
here=$(dirname "$0")
if [ ! -x "$bin" ]; then
	echo "demo.sh: $bin is not built (run 'make' first)" >&2
	exit 2
fi
echo "== tlsdiag demo: the two founding bug reports, reproduced against real local servers"
echo "   (docs/demo.md explains each case)"
echo
"$bin" run --explain "$@" "$here/wipy-azure-servicebus.ini" "$here/esp8266-apache-selfsigned.ini"
rc=$?
echo
echo "Each case's files are in the 'files' directory its report names:"
echo "  capture.pcap + capture.keys   open in Wireshark: wireshark -o tls.keylog_file:DIR/capture.keys -r DIR/capture.pcap"
echo "  decoded.txt / decoded.json    the capture, decoded and diagnosed by tlsdiag"
case $rc in
0) echo "demo: every case met its expectation" ;;
1) echo "demo: FAILED: a case missed its expectation (see its --- FAIL block above)" >&2 ;;
*) echo "demo: could not run (exit $rc)" >&2 ;;
esac
exit $rc
