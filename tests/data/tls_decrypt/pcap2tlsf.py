#!/usr/bin/env python3
"""pcap2tlsf.py CAPTURE SERVER_PORT OUT.tlsf - the first TCP connection of a
capture as a .tlsf stream (the format of tests/data/tls_conn: {u8 kind; u16
big-endian length; data}, 'C'/'S' data, 'c'/'s' FIN, 'r'/'R' RST), read with
tshark.  The fixtures here are real sessions captured on lo with their key
logs (openssl s_client -keylogfile), made with make_fixtures.sh."""
import struct
import subprocess
import sys

cap, port, out = sys.argv[1], sys.argv[2], sys.argv[3]
fields = subprocess.run(
    ["tshark", "-n", "-r", cap, "-Y", "tcp.stream==0", "-T", "fields", "-E", "separator=;",
     "-e", "tcp.srcport", "-e", "tcp.seq", "-e", "tcp.payload", "-e", "tcp.flags.fin", "-e", "tcp.flags.reset"],
    check=True, capture_output=True, text=True).stdout
nxt = {}
with open(out, "wb") as f:
    for line in fields.splitlines():
        sport, seq, payload, fin, rst = line.split(";")
        server = sport == port
        data = bytes.fromhex(payload.replace(":", "")) if payload else b""
        # Retransmitted bytes are sent once (the decoder's tcp_reasm does the same).
        seq = int(seq)
        have = nxt.get(server, seq)
        if data and seq + len(data) <= have:
            data = b""
        elif data and seq < have:
            data = data[have - seq:]
        if data:
            nxt[server] = max(have, seq) + len(data)
        for off in range(0, len(data), 65535):
            chunk = data[off:off + 65535]
            f.write(struct.pack(">cH", b"S" if server else b"C", len(chunk)) + chunk)
        if fin in ("1", "True"):
            f.write(struct.pack(">cH", b"s" if server else b"c", 0))
        if rst in ("1", "True"):
            f.write(struct.pack(">cH", b"R" if server else b"r", 0))
