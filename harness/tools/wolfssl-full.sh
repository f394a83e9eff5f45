#!/bin/sh
# wolfssl-full.sh - placeholder until the client issue lands: builds nothing.
echo "wolfssl-full: not built yet; linking Debian's libwolfssl"
