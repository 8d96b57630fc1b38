#!/usr/bin/env python3
"""Local HTTPS listener for capture-tls.sh (standard library ssl).

Usage: tlsserver.py PORT CERT KEY LOGFILE. Binds 127.0.0.1 and ::1, logs
one line per connection ("CONN ..." then "HS ok/fail ..."), answers a tiny
page over HTTP/1.1 after a successful handshake. The browsers' ClientHello
is what matters; it is sent before any certificate check.
"""
import socket
import ssl
import sys
import threading


def serve(sock, ctx, log):
    while True:
        c, addr = sock.accept()
        threading.Thread(target=handle, args=(c, addr, ctx, log), daemon=True).start()


def handle(c, addr, ctx, log):
    with open(log, "a") as f:
        f.write("CONN %s\n" % (addr,))
    try:
        c.settimeout(10)
        s = ctx.wrap_socket(c, server_side=True)
        with open(log, "a") as f:
            f.write("HS ok %s %s alpn=%s\n" % (addr, s.version(), s.selected_alpn_protocol()))
        s.recv(65536)
        body = b"<!doctype html><title>ok</title>ok"
        s.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n"
                  b"Connection: close\r\n\r\n%s" % (len(body), body))
        s.close()
    except Exception as e:  # certificate rejected, reset, timeout...
        with open(log, "a") as f:
            f.write("HS fail %s %s\n" % (addr, e))
        c.close()


def main():
    port, cert, key, log = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    ctx.set_alpn_protocols(["http/1.1"])
    socks = []
    for fam, host in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1")):
        try:
            s = socket.socket(fam, socket.SOCK_STREAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((host, port))
            s.listen(16)
            socks.append(s)
        except OSError:
            pass
    ts = [threading.Thread(target=serve, args=(s, ctx, log), daemon=True) for s in socks]
    for t in ts:
        t.start()
    for t in ts:
        t.join()


if __name__ == "__main__":
    main()
