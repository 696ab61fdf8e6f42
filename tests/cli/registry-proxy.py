#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""An HTTP proxy in front of a docker-registry for the skiff pull tests.

    registry-proxy.py --port P --upstream 127.0.0.1:Q [--bearer] [--token-creds U:P]
                      [--fault KIND:MATCH[:N]]... [--rate BYTES_PER_SEC] [--log FILE]

--bearer       Bearer-token auth of its own: /v2/ requests without a valid token get 401 with
               WWW-Authenticate: Bearer realm="http://127.0.0.1:P/token",service="skiff-test",
               scope="repository:NAME:pull"; GET /token?service=…&scope=… issues one (checking
               --token-creds as Basic credentials when given), as {"token": …, "expires_in": 300}.
               Tokens are checked against the repository they were issued for.
--fault        Misbehaves on requests whose path contains MATCH:
               corrupt     blob bodies with one byte flipped (same length: a digest mismatch)
               truncate    half the body, then the connection is closed (Content-Length is full)
               truncate-first  as truncate for the first N requests (default 1), then normal
               mtime       gzip blob bodies with the header's MTIME changed: the layer inside is the
                           same (and unpacks fine), only the blob's digest tells (at its end)
               short       half the body with a Content-Length that says so (a size mismatch)
               status500   HTTP 500 with a registry JSON error, every time
               status503   HTTP 503 for the first N requests (default 1), then normal
               mediatype   a manifest whose mediaType (and Content-Type) is unknown
               layertype   a manifest whose layers have an unknown media type
               encrypted   a manifest whose layers are marked encrypted (ocicrypt's +encrypted type)
               redirect    blobs answered with a 307 to /redirected/<path> on this proxy, which
                           checks that no Authorization header came along
--rate         Sends bodies at most this fast (the SIGKILL trials).
Every request is logged as "METHOD PATH STATUS" to --log.
"""

import argparse
import base64
import http.client
import http.server
import json
import secrets
import socketserver
import sys
import threading
import time
import urllib.parse

ARGS = None
TOKENS = {}  # token -> repository scope
COUNTS = {}
LOCK = threading.Lock()
UNKNOWN_TYPE = "application/vnd.skiff.test.unknown.v1+json"


def log(line):
    if ARGS.log:
        with LOCK, open(ARGS.log, "a") as f:
            f.write(line + "\n")


def repo_of(path):
    # /v2/<name>/(manifests|blobs|tags)/...
    p = path.split("?")[0]
    if not p.startswith("/v2/"):
        return None
    rest = p[4:]
    for marker in ("/manifests/", "/blobs/", "/tags/"):
        i = rest.find(marker)
        if i > 0:
            return rest[:i]
    return None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def reply(self, status, body=b"", headers=None, ctype="application/json"):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        log("%s %s %d" % (self.command, self.path, status))

    def registry_error(self, status, code, message, headers=None):
        body = json.dumps({"errors": [{"code": code, "message": message, "detail": None}]}).encode()
        self.reply(status, body, headers)

    def fault(self):
        for f in ARGS.fault:
            kind, rest = f.split(":", 1)
            head, sep, tail = rest.rpartition(":")
            match, n = (head, int(tail)) if sep and tail.isdigit() and len(tail) < 6 else (rest, 1)
            if match in self.path and not self.path.startswith("/redirected/"):
                return kind, n, f
        return None, 0, None

    def check_bearer(self):
        repo = repo_of(self.path)
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Bearer ") and auth[7:] in TOKENS:
            if repo is None or TOKENS[auth[7:]] == repo:
                return True
        scope = ',scope="repository:%s:pull"' % repo if repo else ""
        chal = 'Bearer realm="http://127.0.0.1:%d/token",service="skiff-test"%s' % (ARGS.port, scope)
        self.registry_error(401, "UNAUTHORIZED", "authentication required", {"WWW-Authenticate": chal})
        return False

    def token(self):
        q = urllib.parse.parse_qs(urllib.parse.urlparse(self.path).query)
        if ARGS.token_creds:
            want = "Basic " + base64.b64encode(ARGS.token_creds.encode()).decode()
            if self.headers.get("Authorization") != want:
                self.registry_error(401, "UNAUTHORIZED", "token service: bad credentials",
                                    {"WWW-Authenticate": 'Basic realm="token"'})
                return
        if q.get("service") != ["skiff-test"]:
            self.registry_error(400, "DENIED", "token service: unknown service %r" % q.get("service"))
            return
        scope = (q.get("scope") or [""])[0]
        parts = scope.split(":")
        if len(parts) != 3 or parts[0] != "repository" or "pull" not in parts[2].split(","):
            self.registry_error(400, "DENIED", "token service: bad scope %r" % scope)
            return
        tok = secrets.token_hex(16)
        TOKENS[tok] = parts[1]
        self.reply(200, json.dumps({"token": tok, "expires_in": 300}).encode())

    def do_GET(self):
        self.handle_any()

    def do_HEAD(self):
        self.handle_any()

    def handle_any(self):
        if self.path.startswith("/token"):
            return self.token()
        if self.path.startswith("/redirected/"):
            if self.headers.get("Authorization"):
                self.registry_error(400, "DENIED", "redirect target received an Authorization header")
                return
            return self.forward(self.path[len("/redirected"):], None, None)
        if ARGS.bearer and not self.check_bearer():
            return
        kind, n, key = self.fault()
        if kind == "status500":
            self.registry_error(500, "UNKNOWN", "injected failure: the disk is on fire")
            return
        if kind == "status503":
            with LOCK:
                COUNTS[key] = COUNTS.get(key, 0) + 1
                c = COUNTS[key]
            if c <= n:
                self.registry_error(503, "UNAVAILABLE", "injected failure: try again", {"Retry-After": "0"})
                return
            kind = None
        if kind == "truncate-first":
            with LOCK:
                COUNTS[key] = COUNTS.get(key, 0) + 1
                c = COUNTS[key]
            kind = "truncate" if c <= n and self.command == "GET" else None
        if kind == "redirect" and "/blobs/" in self.path:
            self.send_response(307)
            self.send_header("Location", "http://localhost:%d/redirected%s" % (ARGS.port, self.path))
            self.send_header("Content-Length", "0")
            self.end_headers()
            log("%s %s 307" % (self.command, self.path))
            return
        self.forward(self.path, kind, key)

    def forward(self, path, kind, key):
        conn = http.client.HTTPConnection(ARGS.upstream, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "authorization", "connection")}
        conn.request(self.command, path, headers=headers)
        resp = conn.getresponse()
        body = resp.read() if self.command != "HEAD" else b""
        rheaders = {k: v for k, v in resp.getheaders()
                    if k.lower() not in ("content-length", "connection", "transfer-encoding", "content-type")}
        ctype = resp.getheader("Content-Type", "application/octet-stream")
        status = resp.status
        conn.close()
        if status == 200 and kind in ("mediatype", "layertype", "encrypted") and "/manifests/" in path and body:
            doc = json.loads(body)
            if kind == "mediatype":
                doc["mediaType"] = UNKNOWN_TYPE
                ctype = UNKNOWN_TYPE
            elif kind == "encrypted":
                for l in doc.get("layers", []):
                    l["mediaType"] = l["mediaType"] + "+encrypted"
            else:
                for l in doc.get("layers", []):
                    l["mediaType"] = "application/vnd.skiff.test.unknown.layer"
            body = json.dumps(doc).encode()
            rheaders.pop("Docker-Content-Digest", None)
        if status == 200 and kind == "corrupt" and body:
            body = bytes([body[0] ^ 0xFF]) + body[1:]
        if status == 200 and kind == "mtime" and body[:2] == b"\x1f\x8b":
            body = body[:4] + bytes([body[4] ^ 0x01]) + body[5:]
        if status == 200 and kind == "truncate" and self.command == "GET":
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            for k, v in rheaders.items():
                self.send_header(k, v)
            self.end_headers()
            self.send_body(body[: len(body) // 2])
            self.wfile.flush()
            self.close_connection = True
            log("%s %s %d truncated" % (self.command, self.path, status))
            return
        if status == 200 and kind == "short" and self.command == "GET":
            body = body[: len(body) // 2]
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in rheaders.items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.send_body(body)
        log("%s %s %d" % (self.command, self.path, status))

    def send_body(self, body):
        if ARGS.rate and len(body) > 4096:
            chunk = max(1024, ARGS.rate // 20)
            for i in range(0, len(body), chunk):
                self.wfile.write(body[i:i + chunk])
                self.wfile.flush()
                time.sleep(chunk / ARGS.rate)
        else:
            self.wfile.write(body)


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    global ARGS
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--bearer", action="store_true")
    ap.add_argument("--token-creds")
    ap.add_argument("--fault", action="append", default=[])
    ap.add_argument("--rate", type=int, default=0)
    ap.add_argument("--log")
    ARGS = ap.parse_args()
    srv = Server(("127.0.0.1", ARGS.port), Handler)
    print("ready", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
