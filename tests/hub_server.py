#!/usr/bin/env python3
"""A loopback stand-in for the Hugging Face hub, for specs that fetch from inside Neovim:
`hub_server.py DIR BYTES_PER_S` serves DIR's files at `/<repo>/resolve/<revision>/<name>`
(any repo and revision), honours `Range: bytes=N-` as the hub's CDN does, and sends at most
BYTES_PER_S. Prints its port, then serves until stdin closes (the spec ends it)."""
import http.server
import os
import sys
import threading
import time

DIR, RATE = sys.argv[1], int(sys.argv[2])


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_HEAD(self):
        self.reply(False)

    def do_GET(self):
        self.reply(True)

    def reply(self, body):
        name = self.path.rsplit("/", 1)[-1]
        path = os.path.join(DIR, name)
        if "/resolve/" not in self.path or not os.path.isfile(path):
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        data = open(path, "rb").read()
        start, status = 0, 200
        ranged = self.headers.get("Range", "")
        if ranged.startswith("bytes=") and ranged.endswith("-"):
            start, status = int(ranged[6:-1]), 206
            sys.stderr.write(f"range {name} {start}\n")
        self.send_response(status)
        self.send_header("Content-Length", str(len(data) - start))
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        self.end_headers()
        if not body:
            return
        chunk = max(1, RATE // 20)
        try:
            for at in range(start, len(data), chunk):
                self.wfile.write(data[at:at + chunk])
                self.wfile.flush()
                time.sleep(0.05)
        except OSError:
            pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
print(server.server_address[1], flush=True)
sys.stdin.read()
