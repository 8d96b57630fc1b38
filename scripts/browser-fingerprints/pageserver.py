#!/usr/bin/env python3
"""Tiny HTTP server for the DTLS capture (standard library only).

Serves dtls.html, records log lines the page sends (GET /log?...) into a
file, and offers a trivial mailbox for cross-page signaling:
  POST /sig/<key>   stores the body under <key>
  GET  /sig/<key>   returns it (404 while absent; the page polls)
Binds 127.0.0.1 only; meant to run inside a private network namespace.
"""
import http.server
import os
import sys
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
MAILBOX = {}


class Handler(http.server.BaseHTTPRequestHandler):
    logfile = None

    def log_message(self, fmt, *args):  # keep stderr quiet
        pass

    def _send(self, code, body, ctype="text/plain"):
        data = body.encode() if isinstance(body, str) else body
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        u = urllib.parse.urlparse(self.path)
        if u.path in ("/", "/dtls.html"):
            with open(os.path.join(HERE, "dtls.html"), "rb") as f:
                self._send(200, f.read(), "text/html; charset=utf-8")
        elif u.path == "/log":
            line = urllib.parse.unquote(u.query)
            with open(self.logfile, "a") as f:
                f.write(line.replace("\n", "\\n") + "\n")
            self._send(200, "ok")
        elif u.path.startswith("/sig/"):
            key = u.path[5:]
            if key in MAILBOX:
                self._send(200, MAILBOX[key])
            else:
                self._send(404, "")
        elif u.path == "/favicon.ico":
            self._send(404, "")
        else:
            self._send(404, "not found")

    def do_POST(self):
        u = urllib.parse.urlparse(self.path)
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        if u.path.startswith("/sig/"):
            MAILBOX[u.path[5:]] = body
            self._send(200, "ok")
        else:
            self._send(404, "")


def main():
    port = int(sys.argv[1])
    Handler.logfile = sys.argv[2]
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    srv.serve_forever()


if __name__ == "__main__":
    main()
