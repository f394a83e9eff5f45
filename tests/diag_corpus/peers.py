# peers.py - the non-TLS and misbehaving peers of the diagnosis corpus, and a
# Python ssl client: what tests/diag_corpus/make_captures.sh cannot get from
# a real server or client.  Everything binds 127.0.0.1; each server takes one
# connection and exits.
#   python3 peers.py http|ssh|silent|close|rst PORT
#   python3 peers.py client PORT CAFILE SNI [min=tls1_3] [max=tls1_1] [nocheck] [timeout=S] [ciphers=LIST]
#   python3 peers.py mqtt-client PORT       (an MQTT CONNECT sent to a TLS port)
import socket
import ssl
import struct
import sys
import time


def serve(mode, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("127.0.0.1", port))
    s.listen(1)
    s.settimeout(20)
    c, _ = s.accept()
    c.settimeout(5)
    if mode == "ssh":
        c.sendall(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n")
        time.sleep(0.3)
    else:
        try:
            c.recv(4096)
        except OSError:
            pass
    if mode == "http":
        body = b"<html><head><title>400 Bad Request</title></head><body>bad request</body></html>\n"
        c.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Type: text/html\r\nContent-Length: "
                  + str(len(body)).encode() + b"\r\nConnection: close\r\n\r\n" + body)
    elif mode == "silent":
        try:
            c.recv(4096)  # until the client gives up
        except OSError:
            pass
    elif mode == "rst":
        c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()
    s.close()


def client(port, cafile, sni, opts):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.load_verify_locations(cafile)
    for o in opts:
        if o.startswith("min="):
            ctx.minimum_version = getattr(ssl.TLSVersion, {"tls1_3": "TLSv1_3", "tls1_2": "TLSv1_2"}[o[4:]])
        elif o.startswith("max="):
            ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
            ctx.minimum_version = ssl.TLSVersion.TLSv1
            ctx.maximum_version = getattr(ssl.TLSVersion, {"tls1_1": "TLSv1_1", "tls1_2": "TLSv1_2"}[o[4:]])
        elif o.startswith("ciphers="):
            ctx.set_ciphers(o[8:])
        elif o == "nocheck":
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
    timeout = float(next((o[8:] for o in opts if o.startswith("timeout=")), "5"))
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as raw:
        try:
            with ctx.wrap_socket(raw, server_hostname=None if sni == "-" else sni) as t:
                print("connected", t.version())
        except (ssl.SSLError, OSError) as e:
            print("error:", e)


def mqtt_client(port):
    # MQTT 3.1.1 CONNECT (OASIS 3.1): protocol "MQTT", level 4, clean session, keep-alive 60, client id "dev"
    body = b"\x00\x04MQTT\x04\x02\x00\x3c\x00\x03dev"
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"\x10" + bytes([len(body)]) + body)
        try:
            print("answer:", s.recv(4096)[:40])
        except OSError as e:
            print("error:", e)


if __name__ == "__main__":
    if sys.argv[1] == "mqtt-client":
        mqtt_client(int(sys.argv[2]))
    elif sys.argv[1] == "client":
        client(int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5:])
    else:
        serve(sys.argv[1], int(sys.argv[2]))
