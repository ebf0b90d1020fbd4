#!/usr/bin/env python3
# Licensed under the Apache License, Version 2.0 (see LICENSE).
"""The bundled demo upstream and the test suite's mock upstream.

Standard library only.  Listens on 127.0.0.1 only.  It plays two parts:

An API
  /echo/...      200 with JSON describing the request it received: method,
                 path, the headers in order (duplicates kept), the body's
                 length and SHA-256.
  /status/N/...  the same, with status N.
  /secure/...    the same, but only with "Authorization: Bearer AT" for an
                 access token this server issued and that has not expired
                 or been revoked; otherwise 401.
  /optional/...  the same, but no Authorization at all is fine too.
  /deny/...      always 401.

An identity provider that behaves like a strict real one
  POST /idp/login          {"username", "password", "ttl"?, "rotate"?,
                            "pad"? (bytes of padding in the access token)}
                           -> {"user", "accessToken", "refreshToken",
                               "expiresIn"}  (password "wrong" -> 401)
  POST /idp/token          {"refreshToken": RT} (json format)
  POST /idp/oauth2/token   grant_type=refresh_token&refresh_token=RT
                           (RFC 6749 section 6; Basic or client_id)
  POST /idp/token-alt      {"rt": RT} -> {"at", "rt", "ttl"}
  POST /idp/oauth2/apis    grant_type=client_credentials, or RFC 8693
                           token exchange of a live access token
                           (audience refuse: invalid_grant, unknown:
                           invalid_target); client assertions kept
  POST /idp/revoke         token=RT (RFC 7009)
  Refresh tokens are single-use and rotate: using one twice is a reuse,
  which revokes the whole family (every token of that login) and answers
  400 invalid_grant.  Access tokens are JWTs (alg none) with exp.
  A refresh token starting with "mode-" picks a failure: mode-500,
  mode-503, mode-400, mode-401, mode-403, mode-timeout (sleeps 10 s),
  mode-html, mode-garbage, mode-huge (1 MiB), mode-types, mode-noaccess,
  mode-redirect, mode-badtype (token_type mac).

Control
  POST /oidc/end-session   user=U[&backchannel_uri=URL]: end U's last
                           login at the demo provider: a logout token
                           (HS256, sid and sub) POSTed to the module's
                           tokenproxy-backchannel (--backchannel-uri);
                           answers {"status": what the module answered}
  /__stats       JSON counters.       /__reset   zeroes them.
  /__assertions  the client assertions /idp/oauth2/apis received.
  /__session?ttl=N&rotate=0|1&expiresin=0|1&user=U&delay=S&delays=K
                 a new login, as /idp/login (expiresin=0: its refreshes
                 answer without expiresIn; delay: its first K refreshes
                 take S seconds, and are dropped uncommitted when the
                 caller goes away meanwhile; pad: bytes of padding in its
                 access tokens, refresh_pad: in those its refreshes issue;
                 iat=0: its access tokens carry no "iat", only "exp").
  /__sessions?n=N&ttl=N&rotate=0|1&user=U&delay=S&delays=K&pad=P&refresh_pad=P
                 N new logins at once, as a JSON list.

Run:  upstream.py --port 0 --port-file FILE [--parent-pid PID]
"""

import argparse
import base64
import select
import socket
import hashlib
import hmac
import html
import json
import os
import signal
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
STATS = {}
ACCESS = {}      # access token -> {"exp", "family", "user"}
REFRESH = {}     # refresh token -> {"family", "used", "user", "rotate", "ttl"}
REVOKED = set()  # families
SEQ = [0]


def count(key, n=1):
    with LOCK:
        STATS[key] = STATS.get(key, 0) + n


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


PAD = {}        # family -> size of a padding claim (large tokens)
ASSERTIONS = []  # client assertions received (issue 20)
NO_IAT = set()  # families whose access tokens carry no "iat"


def new_tokens(user, family, rotate, ttl):
    """Issue an access token (and a refresh token); caller holds LOCK."""
    SEQ[0] += 1
    n = SEQ[0]
    iat = int(time.time())
    exp = iat + ttl
    payload = {"sub": user, "iat": iat, "exp": exp, "jti": n}
    if family in NO_IAT:
        del payload["iat"]
    if PAD.get(family):
        payload["pad"] = "p" * PAD[family]
    # every secret carries "s3cr3t", so the tests can grep logs for it
    at = "%s.%s.s3cr3t-%d" % (b64url(b'{"alg":"none","typ":"JWT"}'),
                              b64url(json.dumps(payload).encode()), n)
    ACCESS[at] = {"exp": exp, "family": family, "user": user}
    rt = "rt.s3cr3t.%s.%d.%s" % (family, n, b64url(os.urandom(9)))
    REFRESH[rt] = {"family": family, "used": False, "user": user,
                   "rotate": rotate, "ttl": ttl}
    return at, rt


DELAYS = {}     # family -> [seconds, how many refreshes left to delay]


def login(user, ttl, rotate, expires_in=True, delay=0.0, delays=1, pad=0,
          refresh_pad=None, iat=True):
    with LOCK:
        SEQ[0] += 1
        family = "f%d" % SEQ[0]
        PAD[family] = pad
        if not iat:
            NO_IAT.add(family)
        at, rt = new_tokens(user, family, rotate, ttl)
        if refresh_pad is not None:     # later tokens of another size
            PAD[family] = refresh_pad
        REFRESH[rt]["expires_in"] = expires_in
        if delay > 0:
            DELAYS[family] = [delay, delays]
    count("logins")
    return {"user": user, "accessToken": at, "refreshToken": rt,
            "expiresIn": ttl}


def refresh(rt):
    """(status, answer dict) of a refresh with rt."""
    with LOCK:
        info = REFRESH.get(rt)
        if info is None or info["family"] in REVOKED:
            return 400, {"error": "invalid_grant"}
        if info["used"]:
            REVOKED.add(info["family"])
            STATS["reuse_detected"] = STATS.get("reuse_detected", 0) + 1
            return 400, {"error": "invalid_grant",
                         "error_description": "refresh token reuse"}
        ans = {}
        if info["rotate"]:
            info["used"] = True
            at, new_rt = new_tokens(info["user"], info["family"], True,
                                    info["ttl"])
            REFRESH[new_rt]["expires_in"] = info.get("expires_in", True)
            ans = {"accessToken": at, "refreshToken": new_rt}
        else:
            at, _ = new_tokens(info["user"], info["family"], False,
                               info["ttl"])
            ans = {"accessToken": at}
        if info.get("expires_in", True):
            ans["expiresIn"] = info["ttl"]
        return 200, ans


# ---- a minimal OpenID provider for the demo (authorization code + PKCE,
# HS256 ID tokens signed with the client secret); the tests of record use
# the real oidc-provider (t/oidc/)
OIDC_CLIENT_ID = "demo-bff"
OIDC_CLIENT_SECRET = "s3cr3t-demo-client-secret-0123456789abcdef"
CODES = {}      # code -> what the authorization request asked for


def oidc_meta(iss):
    return {"issuer": iss,
            "authorization_endpoint": iss + "/authorize",
            "token_endpoint": iss + "/token",
            "jwks_uri": iss + "/jwks",
            "end_session_endpoint": iss + "/logout",
            "response_types_supported": ["code"],
            "code_challenge_methods_supported": ["S256"],
            "id_token_signing_alg_values_supported": ["HS256"]}


def hs256(header, claims):
    def part(obj):
        return b64url(json.dumps(obj, separators=(",", ":")).encode())
    signing = part(header) + "." + part(claims)
    sig = hmac.new(OIDC_CLIENT_SECRET.encode(), signing.encode(),
                   hashlib.sha256).digest()
    return signing + "." + b64url(sig)


SIDS = {}       # user -> the sid of that user's last login
BACKCHANNEL = {"uri": ""}   # --backchannel-uri: the module's endpoint


def id_token(iss, user, nonce, sid=None):
    now = int(time.time())
    claims = {"iss": iss, "sub": user, "aud": OIDC_CLIENT_ID, "iat": now,
              "exp": now + 3600, "name": "Demo user " + user,
              "email": user + "@demo.example"}
    if nonce:
        claims["nonce"] = nonce
    if sid:
        claims["sid"] = sid
    return hs256({"alg": "HS256", "typ": "JWT"}, claims)


def logout_token(iss, user, sid):
    """OpenID Connect Back-Channel Logout 1.0 section 2.4."""
    now = int(time.time())
    claims = {"iss": iss, "aud": OIDC_CLIENT_ID, "iat": now,
              "exp": now + 120, "jti": b64url(os.urandom(12)),
              "events": {"http://schemas.openid.net/event/backchannel-logout":
                         {}}}
    if user:
        claims["sub"] = user
    if sid:
        claims["sid"] = sid
    return hs256({"alg": "HS256", "typ": "logout+jwt"}, claims)


def send_backchannel(uri, token):
    """POST the logout token; the module's status, 0 when unreachable."""
    req = urllib.request.Request(
        uri, data=urllib.parse.urlencode({"logout_token": token}).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        method="POST")
    try:
        with urllib.request.urlopen(req, timeout=5) as r:
            return r.status
    except urllib.error.HTTPError as e:
        return e.code
    except (OSError, ValueError):
        return 0


END_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8">
<title>Demo identity provider</title></head><body style="font-family:sans-serif;max-width:30rem;margin:3rem auto">
<h1>Demo identity provider</h1>%s
<form method="post" action="end-session">
<p><label>User <input name="user" value="demo"></label></p>
<p><button type="submit">End my session at the provider</button></p></form>
<p>The provider then sends a back-channel logout to the application.</p>
</body></html>"""


LOGIN_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8">
<title>Demo identity provider</title></head><body style="font-family:sans-serif;max-width:30rem;margin:3rem auto">
<h1>Demo identity provider</h1><p>Sign in to the mod_tokenproxy demo.</p>
<form method="post" action="authorize">%s
<p><label>User <input name="user" value="demo"></label></p>
<p><label>Password <input name="password" type="password" value="demo"></label></p>
<p><button type="submit">Sign in</button></p></form></body></html>"""


def to_json(obj):
    """JSON with one member a line and one header pair a line."""
    if not isinstance(obj, dict):
        return json.dumps(obj)

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

    def send(self, status, body, ctype="application/json", extra=()):
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def answer(self, status, obj, extra=()):
        self.send(status, to_json(obj) + "\n", extra=extra)

    def echo(self, status, body):
        return self.answer(status, {
            "method": self.command,
            "path": self.path,
            "headers": [[k, v] for k, v in self.headers.raw_items()],
            "body_length": len(body),
            "body_sha256": hashlib.sha256(body).hexdigest(),
        })

    def bearer_ok(self):
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer "):
            return False
        with LOCK:
            info = ACCESS.get(auth[7:])
            return (info is not None and info["exp"] > time.time()
                    and info["family"] not in REVOKED)

    def failure_mode(self, rt):
        mode = rt.split("-")[1] if rt.count("-") >= 1 else ""
        count("mode_" + mode)
        codes = {"500": 500, "503": 503, "400": 400, "401": 401, "403": 403}
        if mode in codes:
            return self.answer(codes[mode], {"error": "mode_" + mode})
        if mode == "timeout":
            time.sleep(10)
            return self.answer(200, {"accessToken": "late-token"})
        if mode == "html":
            return self.send(200, "<html><body>Sign in</body></html>",
                             "text/html")
        if mode == "garbage":
            return self.send(200, '{"accessToken": "x", garbage')
        if mode == "huge":
            return self.send(200, '{"accessToken": "x", "pad": "%s"}'
                             % ("x" * (1024 * 1024)))
        if mode == "types":
            return self.answer(200, {"accessToken": 12345,
                                     "refreshToken": ["a"]})
        if mode == "noaccess":
            return self.answer(200, {"refreshToken": "rt-new"})
        if mode == "badtype":
            return self.answer(200, {"access_token": "at-x",
                                     "token_type": "mac"})
        if mode == "redirect":
            return self.send(302, "", extra=[("Location", "/idp/login")])
        return self.answer(400, {"error": "unknown_mode"})

    def oidc(self, path, query, body):
        """The demo's minimal OpenID provider."""
        iss = "http://127.0.0.1:%d/oidc" % self.server.server_address[1]
        count("oidc")
        if path == "/oidc/.well-known/openid-configuration":
            return self.answer(200, oidc_meta(iss))
        if path == "/oidc/jwks":
            return self.answer(200, {"keys": []})
        if path == "/oidc/authorize" and self.command == "GET":
            q = urllib.parse.parse_qs(query)
            want = {k: q.get(k, [""])[0] for k in (
                "response_type", "client_id", "redirect_uri", "state",
                "nonce", "code_challenge", "code_challenge_method")}
            if (want["response_type"] != "code"
                    or want["client_id"] != OIDC_CLIENT_ID
                    or want["code_challenge_method"] != "S256"
                    or not want["code_challenge"] or not want["state"]
                    or not want["redirect_uri"].startswith("http://127.0.0.1:")):
                return self.answer(400, {"error": "invalid_request"})
            hidden = "".join('<input type="hidden" name="%s" value="%s">'
                             % (k, html.escape(v, quote=True))
                             for k, v in want.items())
            return self.send(200, LOGIN_PAGE % hidden, "text/html")
        if path == "/oidc/authorize":      # the login form, posted
            f = {k: v[0] for k, v in
                 urllib.parse.parse_qs(body.decode("latin-1")).items()}
            if not f.get("redirect_uri", "").startswith("http://127.0.0.1:"):
                return self.answer(400, {"error": "invalid_request"})
            code = b64url(os.urandom(18))
            with LOCK:
                CODES[code] = dict(f, exp=time.time() + 60)
            count("oidc_logins")
            target = f["redirect_uri"] + "?" + urllib.parse.urlencode(
                {"code": code, "state": f.get("state", "")})
            return self.send(302, "", None, extra=[("Location", target)])
        if path == "/oidc/token":
            auth = self.headers.get("Authorization", "")
            try:
                user, _, secret = base64.b64decode(auth[6:]).decode() \
                    .partition(":")
            except ValueError:
                user = secret = ""
            if not auth.startswith("Basic ") \
                    or urllib.parse.unquote(user) != OIDC_CLIENT_ID \
                    or urllib.parse.unquote(secret) != OIDC_CLIENT_SECRET:
                return self.answer(401, {"error": "invalid_client"})
            f = {k: v[0] for k, v in
                 urllib.parse.parse_qs(body.decode("latin-1")).items()}
            if f.get("grant_type") == "refresh_token":
                status, ans = refresh(f.get("refresh_token", ""))
                if status != 200:
                    return self.answer(status, ans)
                return self.answer(200, {
                    "access_token": ans["accessToken"], "token_type": "Bearer",
                    "expires_in": ans.get("expiresIn", 5),
                    "refresh_token": ans.get("refreshToken")})
            with LOCK:
                c = CODES.pop(f.get("code", ""), None)
            verifier = f.get("code_verifier", "")
            challenge = b64url(hashlib.sha256(verifier.encode()).digest())
            if (f.get("grant_type") != "authorization_code" or not c
                    or c["exp"] < time.time()
                    or f.get("redirect_uri") != c["redirect_uri"]
                    or challenge != c["code_challenge"]):
                return self.answer(400, {"error": "invalid_grant"})
            user = c.get("user") or "demo"
            tokens = login(user, 5, True)     # tokens the demo API accepts
            count("oidc_codes")
            sid = "s3cr3t-sid-" + b64url(os.urandom(9))
            with LOCK:
                SIDS[user] = sid
            return self.answer(200, {
                "access_token": tokens["accessToken"], "token_type": "Bearer",
                "expires_in": 5, "refresh_token": tokens["refreshToken"],
                "id_token": id_token(iss, user, c.get("nonce"), sid)})
        if path == "/oidc/end-session" and self.command == "GET":
            return self.send(200, END_PAGE % "", "text/html")
        if path == "/oidc/end-session":
            # the provider ends a user's session and tells the application
            # through its back-channel logout endpoint (the demo registers
            # it with --backchannel-uri; a test may name another one)
            f = {k: v[0] for k, v in
                 urllib.parse.parse_qs(body.decode("latin-1")).items()}
            user = f.get("user", "demo")
            uri = f.get("backchannel_uri") or BACKCHANNEL["uri"]
            with LOCK:
                sid = SIDS.pop(user, None)
            if not uri or not sid:
                return self.answer(404, {"error": "no_session"})
            status = send_backchannel(uri, logout_token(iss, user, sid))
            count("backchannel_%d" % status)
            if "text/html" in self.headers.get("Accept", ""):
                return self.send(200, END_PAGE % (
                    "<p>Ended %s's session: the application answered %d.</p>"
                    % (html.escape(user), status)), "text/html")
            return self.answer(200, {"status": status})
        if path == "/oidc/logout":
            q = urllib.parse.parse_qs(query)
            back = q.get("post_logout_redirect_uri", [""])[0]
            if back.startswith("http://127.0.0.1:"):
                return self.send(302, "", None, extra=[("Location", back)])
            return self.send(200, "Signed out.", "text/plain")
        return self.answer(404, {"error": "not_found", "path": path})

    def client_gone(self):
        try:
            r, _, _ = select.select([self.connection], [], [], 0)
            return bool(r) and self.connection.recv(1, socket.MSG_PEEK) == b""
        except OSError:
            return True

    def slow_refresh(self, rt):
        """Delay a refresh as configured for the token's family.  Like a
        provider that commits at answer time, it drops a refresh whose
        caller went away (timed out, or its process was killed).  Returns
        False when the caller is gone."""
        with LOCK:
            info = REFRESH.get(rt)
            d = DELAYS.get(info["family"]) if info else None
            if not d or d[1] <= 0:
                return True
            d[1] -= 1
            seconds = d[0]
        count("refresh_delayed")
        end = time.time() + seconds
        while time.time() < end:
            time.sleep(0.05)
            if self.client_gone():
                count("refresh_aborted")
                return False
        return True

    def api_grant(self, body):
        """Client credentials and RFC 8693 token exchange (issue 20):
        audience "refuse" is refused (invalid_grant), "unknown" is
        invalid_target; a subject token must be a live access token."""
        form = {k: v[0] for k, v in
                urllib.parse.parse_qs(body.decode("latin-1")).items()}
        if "client_assertion" in form:
            count("apis_assertion")
            with LOCK:
                ASSERTIONS.append(form["client_assertion"])
        with LOCK:
            SEQ[0] += 1
            n = SEQ[0]
        gt = form.get("grant_type", "")
        if gt == "client_credentials":
            count("apis_client_credentials")
            return self.answer(200, {"access_token": "cc.s3cr3t-%d" % n,
                                     "token_type": "Bearer",
                                     "expires_in": 300})
        if gt == "urn:ietf:params:oauth:grant-type:token-exchange":
            count("apis_exchange")
            aud = form.get("audience", "")
            with LOCK:
                info = ACCESS.get(form.get("subject_token", ""))
            if aud == "unknown":
                return self.answer(400, {"error": "invalid_target"})
            if aud == "refuse" or not info or info["exp"] < time.time():
                return self.answer(400, {"error": "invalid_grant"})
            return self.answer(200, {
                "access_token": "x.s3cr3t-%s-%s-%d" % (aud, info["user"], n),
                "issued_token_type":
                    "urn:ietf:params:oauth:token-type:access_token",
                "token_type": "Bearer", "expires_in": 300})
        return self.answer(400, {"error": "unsupported_grant_type"})

    def handle_any(self):
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        seg = path.strip("/").split("/", 1)[0]
        body = self.read_body()

        if path == "/__stats":
            with LOCK:
                return self.answer(200, dict(STATS))
        if path == "/__assertions":   # the client assertions received
            with LOCK:
                return self.answer(200, list(ASSERTIONS))
        if path == "/__reset":
            with LOCK:
                STATS.clear()
            return self.answer(200, {"reset": True})
        if path == "/__sessions":     # n logins at once, as a list
            q = urllib.parse.parse_qs(url.query)
            n = min(int(q.get("n", ["1"])[0]), 100000)
            return self.answer(200, [login(q.get("user", ["ann"])[0],
                                           int(q.get("ttl", ["300"])[0]),
                                           q.get("rotate", ["1"])[0] != "0",
                                           delay=float(q.get("delay",
                                                             ["0"])[0]),
                                           delays=int(q.get("delays",
                                                            ["1"])[0]),
                                           pad=int(q.get("pad", ["0"])[0]),
                                           refresh_pad=int(q["refresh_pad"][0])
                                           if "refresh_pad" in q else None)
                                     for _ in range(n)])
        if path == "/__session":
            q = urllib.parse.parse_qs(url.query)
            return self.answer(200, login(q.get("user", ["ann"])[0],
                                          int(q.get("ttl", ["300"])[0]),
                                          q.get("rotate", ["1"])[0] != "0",
                                          q.get("expiresin", ["1"])[0]
                                          != "0",
                                          float(q.get("delay", ["0"])[0]),
                                          int(q.get("delays", ["1"])[0]),
                                          int(q.get("pad", ["0"])[0]),
                                          int(q["refresh_pad"][0])
                                          if "refresh_pad" in q else None,
                                          q.get("iat", ["1"])[0] != "0"))
        count(seg)

        if path == "/idp/login":
            try:
                req = json.loads(body or b"{}")
            except ValueError:
                return self.answer(400, {"error": "bad_json"})
            if req.get("password") == "wrong":
                return self.answer(401, {"error": "bad_credentials"})
            return self.answer(200, login(req.get("username", "ann"),
                                          int(req.get("ttl", 300)),
                                          bool(req.get("rotate", True)),
                                          pad=int(req.get("pad", 0))))
        if path == "/idp/token":
            count("refresh_calls")
            try:
                rt = json.loads(body)["refreshToken"]
            except (ValueError, KeyError, TypeError):
                return self.answer(400, {"error": "invalid_request"})
            if not isinstance(rt, str):
                return self.answer(400, {"error": "invalid_request"})
            if rt.startswith("mode-"):
                return self.failure_mode(rt)
            if not self.slow_refresh(rt):
                return
            status, ans = refresh(rt)
            count("refresh_ok" if status == 200 else "refresh_rejected")
            return self.answer(status, ans)
        if path == "/idp/token-alt":     # other member names: rt, at, ttl
            count("refresh_calls")
            count("alt_calls")
            try:
                rt = json.loads(body)["rt"]
            except (ValueError, KeyError, TypeError):
                return self.answer(400, {"error": "invalid_request"})
            status, ans = refresh(rt)
            if status == 200:
                ans = {"at": ans["accessToken"], "rt": ans.get("refreshToken"),
                       "ttl": ans.get("expiresIn")}
            return self.answer(status, ans)
        if path == "/idp/oauth2/apis":
            return self.api_grant(body)
        if path == "/idp/oauth2/token":
            count("refresh_calls")
            form = urllib.parse.parse_qs(body.decode("latin-1"))
            auth = self.headers.get("Authorization", "")
            if auth.startswith("Basic "):
                user, _, secret = base64.b64decode(auth[6:]).decode() \
                    .partition(":")
                ok = (urllib.parse.unquote(user) == "bff"
                      and urllib.parse.unquote(secret) == "s3cr3t-client")
                count("oauth2_basic_ok" if ok else "oauth2_basic_bad")
                if not ok:
                    return self.answer(401, {"error": "invalid_client"})
            elif form.get("client_id"):
                count("oauth2_client_id_" + form["client_id"][0])
            if form.get("grant_type") != ["refresh_token"] \
                    or "refresh_token" not in form:
                return self.answer(400, {"error": "invalid_request"})
            rt = form["refresh_token"][0]
            if rt.startswith("mode-"):
                return self.failure_mode(rt)
            status, ans = refresh(rt)
            count("refresh_ok" if status == 200 else "refresh_rejected")
            if status == 200:
                ans = {"access_token": ans["accessToken"],
                       "token_type": "Bearer",
                       **({"expires_in": ans["expiresIn"]}
                          if "expiresIn" in ans else {}),
                       **({"refresh_token": ans["refreshToken"]}
                          if "refreshToken" in ans else {})}
            return self.answer(status, ans)
        if path.startswith("/oidc/"):
            return self.oidc(path, url.query, body)
        if path == "/idp/revoke":
            form = urllib.parse.parse_qs(body.decode("latin-1"))
            rt = form.get("token", [""])[0]
            with LOCK:
                info = REFRESH.get(rt)
                if info:
                    REVOKED.add(info["family"])
            count("revoked" if info else "revoke_unknown")
            return self.send(200, "", None)
        if seg == "secure":
            if not self.bearer_ok():
                count("secure_401")
                return self.answer(401, {"error": "invalid_token"}, extra=[
                    ("WWW-Authenticate", 'Bearer error="invalid_token"')])
            count("secure_ok")
            if path.endswith("/me"):    # who the token is for, not the token
                with LOCK:
                    info = ACCESS.get(self.headers["Authorization"][7:])
                return self.answer(200, {"sub": info["user"],
                                         "exp": info["exp"],
                                         "bearer": True})
            return self.echo(200, body)
        if seg == "deny":       # refuses every token
            count("deny_401")
            return self.answer(401, {"error": "invalid_token"})
        if seg == "optional":   # anonymous is fine, a bad token is not
            if "Authorization" in self.headers and not self.bearer_ok():
                count("optional_401")
                return self.answer(401, {"error": "invalid_token"})
            count("optional_ok")
            return self.echo(200, body)
        if seg == "status":   # /status/NNN/...: answer NNN with the echo
            try:
                code = int(path.split("/")[2])
            except (IndexError, ValueError):
                code = 400
            return self.echo(code, body)
        if seg == "echo":
            return self.echo(200, body)
        return self.answer(404, {"error": "not_found", "path": path})

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = \
        do_OPTIONS = handle_any


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024     # listen() backlog: storms must not wait

    def handle_error(self, request, client_address):
        # a client that hung up (proxy timeouts, killed children) is
        # expected in the tests; anything else is reported as usual
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionResetError, BrokenPipeError)):
            return
        super().handle_error(request, client_address)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--parent-pid", type=int,
                    help="exit when this process is gone")
    ap.add_argument("--backchannel-uri", default="",
                    help="the module's tokenproxy-backchannel URL, where "
                         "the provider's end-session sends logout tokens")
    args = ap.parse_args()
    BACKCHANNEL["uri"] = args.backchannel_uri
    srv = Server(("127.0.0.1", args.port), Handler)
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
