#!/usr/bin/env python3
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""The bundled demo upstream and the test suite's mock upstream.

Standard library only.  Listens on 127.0.0.1 only.

  /echo/...    answers 200 with JSON describing the request it received:
               method, path, the headers in order (duplicates kept), and
               the body's length and SHA-256.
  /status/N/.. the same, with status N.
  /__stats     JSON counters of requests per first path segment.
  /__reset     zeroes the counters.

Run:  upstream.py --port 0 --port-file FILE   (writes the chosen port)
"""

import argparse
import hashlib
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

STATS_LOCK = threading.Lock()
STATS = {}


def count(key):
    with STATS_LOCK:
        STATS[key] = STATS.get(key, 0) + 1


def to_json(obj):
    """JSON with one member a line and one header pair a line."""
    def member(k, v):
        if isinstance(v, list):
            inner = ",\n".join("  " + json.dumps(x) for x in v)
            return " %s: [\n%s\n ]" % (json.dumps(k), inner) if v else \
                " %s: []" % json.dumps(k)
        return " %s: %s" % (json.dumps(k), json.dumps(v))
    return "{\n" + ",\n".join(member(k, v) for k, v in obj.items()) + "\n}"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "tokenproxy-mock/1"

    def log_message(self, fmt, *args):  # quiet; the tests read /__stats
        pass

    def read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def answer(self, status, obj, extra=None):
        body = to_json(obj).encode() + b"\n"
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or []):
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def handle_any(self):
        path = self.path.split("?", 1)[0]
        seg = path.strip("/").split("/", 1)[0]
        if path == "/__stats":
            with STATS_LOCK:
                return self.answer(200, dict(STATS))
        if path == "/__reset":
            with STATS_LOCK:
                STATS.clear()
            return self.answer(200, {"reset": True})
        count(seg)
        body = self.read_body()
        if seg == "status":   # /status/NNN/...: answer NNN with the echo
            try:
                code = int(path.split("/")[2])
            except (IndexError, ValueError):
                code = 400
            seg = "echo"
        else:
            code = 200
        if seg == "echo":
            # raw header bytes as latin-1 so nothing is lost or re-encoded
            return self.answer(code, {
                "method": self.command,
                "path": self.path,
                "headers": [[k, v] for k, v in self.headers.raw_items()],
                "body_length": len(body),
                "body_sha256": hashlib.sha256(body).hexdigest(),
            })
        return self.answer(404, {"error": "not_found", "path": path})

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = \
        do_OPTIONS = handle_any


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--parent-pid", type=int,
                    help="exit when this process is gone")
    args = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    srv.daemon_threads = True
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write("%d\n" % srv.server_address[1])
        os.rename(tmp, args.port_file)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    if args.parent_pid:
        def watch_parent():
            while True:
                time.sleep(1)
                try:
                    os.kill(args.parent_pid, 0)
                except ProcessLookupError:
                    os._exit(0)
                except PermissionError:
                    pass
        threading.Thread(target=watch_parent, daemon=True).start()
    try:
        srv.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass


if __name__ == "__main__":
    main()
