#!/usr/bin/env python3
# png_colours.py - counts the pixels of a PNG (8-bit RGB or RGBA, as Chromium
# writes screenshots) that are not white, and those of each colour given as
# RRGGBB (within 8 per channel), without any imaging library.
#   png_colours.py FILE [RRGGBB...]  ->  "total N nonwhite N RRGGBB N ..."
import struct
import sys
import zlib


def pixels(path):
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise SystemExit("not a PNG")
    pos, idat, w, h, ctype = 8, b"", 0, 0, 0
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        if kind == b"IHDR":
            w, h, depth, ctype = struct.unpack(">IIBB", body[:10])
            if depth != 8 or ctype not in (2, 6):
                raise SystemExit("only 8-bit RGB/RGBA")
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    bpp = 3 if ctype == 2 else 4
    raw, stride, prev, out = zlib.decompress(idat), w * bpp, bytearray(w * bpp), []
    for y in range(h):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        out.append(bytes(line))
        prev = line
    return w, h, bpp, out


def main():
    w, h, bpp, rows = pixels(sys.argv[1])
    want = [(s, tuple(int(s[i:i + 2], 16) for i in (0, 2, 4))) for s in sys.argv[2:]]
    counts = {s: 0 for s, _ in want}
    nonwhite = 0
    for line in rows:
        for x in range(0, w * bpp, bpp):
            px = line[x:x + 3]
            if px[0] < 245 or px[1] < 245 or px[2] < 245:
                nonwhite += 1
            for s, rgb in want:
                if all(abs(px[k] - rgb[k]) <= 8 for k in range(3)):
                    counts[s] += 1
    print("total %d nonwhite %d %s" % (w * h, nonwhite, " ".join("%s %d" % (s, counts[s]) for s, _ in want)))


main()
