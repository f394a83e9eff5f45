#!/usr/bin/env python3
"""make_seeds.py - remakes the seed corpora of the record, handshake and
decode_file fuzz targets from the real connections under tests/data:

  tests/corpus/tls_record/     each direction's stream of tests/data/tls_conn/*.tlsf,
                               with the 3 control bytes of fuzz_tls_record.c in front
  tests/corpus/tls_handshake/  the plaintext handshake records' bodies of each
                               direction, with the 4 control bytes of fuzz_tls_handshake.c
  tests/corpus/decode_file/    tests/data/captures/*.pcap as they are, and as pcapng
                               (editcap), with the option byte of fuzz_decode_file.c
  tests/corpus/keylog/         the key logs of tests/data/tls_decrypt
  tests/corpus/tls_decrypt/    tests/data/tls_decrypt/*.tlsf with their key log in front
                               (u16 length) and the chunk byte of fuzz_tls_decrypt.c

Run from the repository root: python3 tests/fuzz/make_seeds.py
"""
import glob, os, struct, subprocess, tempfile

def streams(path):
    data = open(path, "rb").read()
    out = {b"C": b"", b"S": b""}
    i = 0
    while i + 3 <= len(data):
        k = data[i:i + 1]
        n = struct.unpack(">H", data[i + 1:i + 3])[0]
        i += 3
        if k in out:
            out[k] += data[i:i + n]
            i += n
        elif k in (b"g", b"G"):
            pass
    return out

def handshake_plain(stream):
    """The bodies of the handshake records before the first ChangeCipherSpec."""
    hs, i = b"", 0
    while i + 5 <= len(stream):
        t, n = stream[i], struct.unpack(">H", stream[i + 3:i + 5])[0]
        if t == 20:
            break
        if t == 22:
            hs += stream[i + 5:i + 5 + n]
        i += 5 + n
    return hs

def write(d, name, data):
    os.makedirs(d, exist_ok=True)
    open(os.path.join(d, name), "wb").write(data)

for f in sorted(glob.glob("tests/data/tls_conn/*.tlsf")):
    base = os.path.basename(f)[:-5]
    for k, s in streams(f).items():
        side = "client" if k == b"C" else "server"
        if not s:
            continue
        write("tests/corpus/tls_record", f"{base}_{side}", b"\x00\x00\x00" + s)
        write("tests/corpus/tls_record", f"{base}_{side}_chunk7_gap", b"\x07\x03\x10" + s)
        hs = handshake_plain(s)
        if hs:
            tls13 = b"\x01" if "tls13" in base else b"\x00"
            # ECDHE-RSA-AES128-GCM-SHA256 (0xc02f) for the ServerKeyExchange form.
            write("tests/corpus/tls_handshake", f"{base}_{side}", b"\x00" + tls13 + b"\xc0\x2f" + hs)
            write("tests/corpus/tls_handshake", f"{base}_{side}_chunk5", b"\x05" + tls13 + b"\xc0\x2f" + hs)

for f in sorted(glob.glob("tests/data/captures/*.pcap")):
    base = os.path.basename(f)[:-5]
    pcap = open(f, "rb").read()
    write("tests/corpus/decode_file", f"{base}_pcap_text", b"\x00" + pcap)
    write("tests/corpus/decode_file", f"{base}_pcap_json_port", b"\x03" + pcap)
    with tempfile.TemporaryDirectory() as tmp:
        ng = os.path.join(tmp, "x.pcapng")
        subprocess.run(["editcap", "-F", "pcapng", f, ng], check=True)
        write("tests/corpus/decode_file", f"{base}_pcapng_json", b"\x01" + open(ng, "rb").read())

for f in sorted(glob.glob("tests/data/tls_decrypt/*.tlsf")):
    name = os.path.basename(f)[:-5]
    keys = open(f[:-5] + ".keys", "rb").read()
    write("tests/corpus/keylog", name, keys)
    write("tests/corpus/tls_decrypt", name, struct.pack(">H", len(keys)) + keys + b"\x00" + open(f, "rb").read())
    write("tests/corpus/tls_decrypt", name + "_chunk13", struct.pack(">H", len(keys)) + keys + b"\x0d" + open(f, "rb").read())
