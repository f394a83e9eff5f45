#!/usr/bin/env python3
# hostile.py OUT KIND N - a pcap of N TCP flows to 10.0.0.1:443, for the decoder's memory budget:
#   halfopen  SYN + ClientHello, never answered (a scan, or a capture of one side)
#   hole      SYN + ClientHello, then 900 kB of data after a one-byte hole (a lost segment)
# All flows stay open to the end.  Written by hand (struct), not captured: the bytes are the test.
import struct, sys
out, kind, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
def csum(b):
    if len(b) % 2: b += b'\0'
    s = sum(struct.unpack('!%dH' % (len(b)//2), b)); s = (s >> 16) + (s & 0xffff); s += s >> 16
    return (~s) & 0xffff
def frame(src, sport, seq, flags, payload):
    tcp = struct.pack('!HHIIBBHHH', sport, 443, seq, 0, 5 << 4, flags, 65535, 0, 0) + payload
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + len(tcp), 0, 0, 64, 6, 0, src, bytes([10,0,0,1]))
    ip = ip[:10] + struct.pack('!H', csum(ip)) + ip[12:]
    return b'\0'*12 + b'\x08\x00' + ip + tcp
ch = bytes.fromhex('16030100310100002d0303') + bytes(32) + bytes.fromhex('000002c02f0100')
ch = ch[:3] + struct.pack('!H', len(ch) - 5) + ch[5:5+1] + struct.pack('!I', len(ch) - 9)[1:] + ch[9:]
with open(out, 'wb') as f:
    f.write(struct.pack('<IHHiIII', 0xa1b2c3d4, 2, 4, 0, 0, 262144, 1))
    t = 1700000000
    def put(fr):
        f.write(struct.pack('<IIII', t, 0, len(fr), len(fr))); f.write(fr)
    for i in range(n):
        src = bytes([10, 1 + (i >> 16) % 200, (i >> 8) & 255, i & 255]); sport = 1024 + i % 60000
        put(frame(src, sport, 1000, 0x02, b''))
        if kind == 'halfopen':
            put(frame(src, sport, 1001, 0x18, ch))
        else:
            put(frame(src, sport, 1001, 0x18, ch))
            for k in range(0, 900 * 1024, 1400):
                put(frame(src, sport, 1001 + len(ch) + 1 + k, 0x18, b'\x17' * 1400))
