#!/usr/bin/env python3
"""record.py OUT - a one-connection TCP relay on 127.0.0.1 that writes what
each side sent, in arrival order, as a .tlsf fixture for test_tls_conn.c and
the fuzz corpus.

Usage: record.py OUT UPSTREAM_PORT PORTFILE
  listens on an ephemeral port, writes it to PORTFILE (readiness), relays
  one connection to 127.0.0.1:UPSTREAM_PORT and exits when both sides closed.

.tlsf format: records of { u8 kind; u16 big-endian length; data }, kind 'C'
client data, 'S' server data, 'c'/'s' FIN from client/server, 'r'/'R' RST.
"""
import os, select, socket, struct, sys

out_path, up_port, port_file = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ls = socket.socket()
ls.bind(("127.0.0.1", 0))
ls.listen(1)
ls.settimeout(30)
with open(port_file + ".tmp", "w") as f:
    f.write(str(ls.getsockname()[1]))
os.rename(port_file + ".tmp", port_file)
cl, _ = ls.accept()
sv = socket.create_connection(("127.0.0.1", up_port), timeout=30)
out = open(out_path, "wb")
peer = {cl: sv, sv: cl}
kind = {cl: (b"C", b"c", b"r"), sv: (b"S", b"s", b"R")}
open_ = {cl: True, sv: True}
while any(open_.values()):
    r, _, _ = select.select([s for s in open_ if open_[s]], [], [], 30)
    if not r:
        break
    for s in r:
        try:
            data = s.recv(65535)
            k = 0 if data else 1
        except ConnectionResetError:
            data, k = b"", 2
        if data:
            for i in range(0, len(data), 65535):
                part = data[i:i + 65535]
                out.write(kind[s][0] + struct.pack(">H", len(part)) + part)
            try:
                peer[s].sendall(data)
            except OSError:
                pass
        else:
            out.write(kind[s][k] + b"\x00\x00")
            open_[s] = False
            try:
                peer[s].shutdown(socket.SHUT_WR)
            except OSError:
                pass
out.close()
cl.close()
sv.close()
