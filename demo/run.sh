#!/usr/bin/env bash
# mod_tokenproxy demo: a self-contained httpd in a scratch ServerRoot on
# 127.0.0.1, in front of the bundled demo upstream (demo/upstream.py).
# Touches no system configuration.  Ctrl-C stops both.
#
#   demo/run.sh           run until Ctrl-C
#   demo/run.sh --check   start, make the request, check it, stop (for CI)
#   demo/run.sh --serve   start, print "serving BASE UPSTREAM", run until
#                         stopped (for the browser tests)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
mode=${1:-run}

./apxs-build.sh --deps demo
./apxs-build.sh

httpd=$(command -v apache2 || echo /usr/sbin/apache2)
moddir=$(apxs -q LIBEXECDIR)
scratch=$(mktemp -d /tmp/tokenproxy-demo.XXXXXX)
chmod 755 "$scratch"
mkdir -p "$scratch/logs"
httpd_pid=""
up_pid=""

cleanup() {
    trap - EXIT INT TERM
    if [ -n "$httpd_pid" ] && kill -0 "$httpd_pid" 2>/dev/null; then
        kill -TERM "$httpd_pid" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$httpd_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$httpd_pid" 2>/dev/null || true
        wait "$httpd_pid" 2>/dev/null
        httpd_rc=$?
        # 128+11: httpd crashed on its way out
        if [ "$mode" = "--check" ] && [ "$httpd_rc" -gt 128 ] && [ "$httpd_rc" -ne 143 ]; then
            echo "demo check failed: httpd exited with status $httpd_rc" >&2
            rm -rf "$scratch"
            exit 1
        fi
    fi
    if [ -n "$up_pid" ]; then
        kill -TERM "$up_pid" 2>/dev/null || true
        wait "$up_pid" 2>/dev/null || true
    fi
    rm -rf "$scratch"
    [ "$mode" = "--check" ] || echo "demo stopped."
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_for() {  # seconds test...
    local n=$(( $1 * 10 )); shift
    for _ in $(seq 1 "$n"); do "$@" && return 0; sleep 0.1; done
    return 1
}

port=${TP_DEMO_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}

# the demo upstream, on a port of its own choosing; its provider sends
# back-channel logouts to the module's tokenproxy-backchannel
python3 demo/upstream.py --port 0 --port-file "$scratch/upstream.port" \
    --backchannel-uri "http://127.0.0.1:$port/auth/backchannel" \
    --parent-pid $$ </dev/null >"$scratch/logs/upstream.log" 2>&1 &
up_pid=$!
wait_for 20 test -s "$scratch/upstream.port" || { echo "demo upstream did not start" >&2; exit 1; }
up_port=$(cat "$scratch/upstream.port")
# shellcheck source=demo/scratch-httpd.sh
. "$top/demo/scratch-httpd.sh"
{ scratch_httpd_conf "$scratch" "$port" "$top/.libs/mod_tokenproxy.so"
  cat <<CONF
LogLevel info
DocumentRoot "$top/demo/htdocs"

LoadModule authz_host_module $moddir/mod_authz_host.so
LoadModule dir_module $moddir/mod_dir.so
LoadModule mime_module $moddir/mod_mime.so

# the demo page: plain HTML and JavaScript, no build step
<Directory "$top/demo/htdocs">
    Require all granted
</Directory>
DirectoryIndex index.html
TypesConfig /dev/null
AddType "text/html; charset=utf-8" .html
AddType text/javascript .js
AddType text/css .css

<Location />
    TokenProxyRefreshURL http://127.0.0.1:$up_port/idp/token
    # the demo speaks plain http on 127.0.0.1; keep Secure On in production
    TokenProxyCookieSecure Off
    TokenProxyRefreshSkew 2
    # the demo page is its own login page
    TokenProxyLoginURL /
    # "Log in with the OpenID provider": the demo upstream's minimal one
    TokenProxyOIDCProvider http://127.0.0.1:$up_port/oidc
    TokenProxyClient demo-bff s3cr3t-demo-client-secret-0123456789abcdef
    TokenProxyRedirectURI /auth/callback
    TokenProxyPostLogoutURL /
    # the session ends after 10 minutes without use, or an hour after the
    # login (the page shows when, after an OpenID login)
    TokenProxySessionIdleTimeout 600
    TokenProxySessionMaxAge 3600
</Location>
<Location /auth/oidc/login>
    SetHandler tokenproxy-login
</Location>
<Location /auth/callback>
    SetHandler tokenproxy-callback
</Location>
<Location /auth/user>
    SetHandler tokenproxy-user
</Location>
# registered at the demo provider (--backchannel-uri above)
<Location /auth/backchannel>
    SetHandler tokenproxy-backchannel
</Location>

# the counters the page shows
<Location /tokenproxy-status>
    SetHandler tokenproxy-status
    Require ip 127.0.0.1
</Location>

# the upstream's login endpoint: its tokens become HttpOnly cookies
ProxyPass /auth/login http://127.0.0.1:$up_port/idp/login
<Location /auth/login>
    TokenProxyCaptureTokens On
</Location>
<Location /auth/refresh>
    SetHandler tokenproxy-refresh
</Location>
<Location /auth/logout>
    SetHandler tokenproxy-logout
</Location>

# the API: the upstream checks the Bearer token
ProxyPass /api/ http://127.0.0.1:$up_port/secure/api/
<Location /api/>
    TokenProxy On
    ProxyErrorOverride On 401
</Location>
CONF
} >"$scratch/httpd.conf"

"$httpd" -d "$scratch" -f "$scratch/httpd.conf" -DFOREGROUND </dev/null \
    >"$scratch/logs/stderr" 2>&1 &
httpd_pid=$!
if ! wait_for 20 curl -s -o /dev/null "http://127.0.0.1:$port/"; then
    echo "httpd did not start:" >&2
    cat "$scratch/logs/stderr" "$scratch/logs/error_log" >&2 2>/dev/null || true
    exit 1
fi

base="http://127.0.0.1:$port"
if [ "$mode" = "--serve" ]; then
    echo "serving $base http://127.0.0.1:$up_port"
    wait "$httpd_pid" || true
    exit 0
fi
jar="$scratch/cookies.txt"
stats() { curl -s "http://127.0.0.1:$up_port/__stats" | python3 -c \
    'import json,sys; d=json.load(sys.stdin); print(d.get(sys.argv[1], 0))' "$1"; }
short() { sed -E 's/(accessToken|refreshToken)=[^;]*([^;]{12})/\1=...\2/g'; }
fail() { echo "demo check failed: $*" >&2; exit 1; }
say() { [ "$mode" = "--check" ] || printf '%s\n' "$@"; }

say "mod_tokenproxy demo" \
    "  httpd:         $base/  (scratch ServerRoot $scratch)" \
    "  demo upstream: http://127.0.0.1:$up_port/ (an API and an identity provider" \
    "                 whose access tokens live 5 seconds here)" ""

# 1. log in: the tokens become cookies, the page sees none of them
login_cmd="curl -s -i -c $jar -H 'Content-Type: application/json' -d '{\"username\":\"demo\",\"password\":\"demo\",\"ttl\":5}' $base/auth/login"
login=$(eval "$login_cmd" | tr -d '\r')
say "1. Log in through the module:" "   $login_cmd" "" \
    "$(grep -E '^(HTTP|Set-Cookie|Cache-Control)' <<<"$login" | short | sed 's/^/   /')" \
    "   body: $(tail -n 1 <<<"$login")" ""
grep -q '^HTTP/1.1 200' <<<"$login" || fail "login: $login"
tail -n 1 <<<"$login" | grep -q 'Token' && fail "a token reached the body"

# 2. call the API: the upstream receives a Bearer token
api_cmd="curl -s -b $jar -c $jar $base/api/whoami"
answer=$(eval "$api_cmd")
bearer=$(grep -o '"Bearer [^"]*"' <<<"$answer" | head -1 | tr -d '"')
say "2. Call the API with the cookies only:" "   $api_cmd" \
    "   the upstream received: Authorization: Bearer ...${bearer: -13}" ""
[ -n "$bearer" ] || fail "no Bearer upstream: $answer"
grep -q 'accessToken\|refreshToken' <<<"$answer" && fail "token cookie upstream"

# 3. wait past the access token's expiry, call again: refreshed silently
before=$(stats refresh_ok)
say "3. Wait 6 seconds, past the access token's expiry, and call again..."
sleep 6
again=$(curl -s -i -b "$jar" -c "$jar" "$base/api/whoami" | tr -d '\r')
after=$(stats refresh_ok)
bearer2=$(grep -o '"Bearer [^"]*"' <<<"$again" | head -1 | tr -d '"')
say "$(grep -E '^(HTTP|Set-Cookie)' <<<"$again" | short | sed 's/^/   /')" \
    "   the upstream received: Authorization: Bearer ...${bearer2: -13} (a new token)" \
    "   refreshes at the identity provider: $((after - before)), reuse detected: $(stats reuse_detected)" ""
grep -q '^HTTP/1.1 200' <<<"$again" || fail "after expiry: $again"
[ $((after - before)) -eq 1 ] || fail "expected one refresh, saw $((after - before))"
if [ -z "$bearer2" ] || [ "$bearer2" = "$bearer" ]; then fail "the token was not renewed"; fi

# 4. the demo page, its script, its counters, and who the API says we are
page=$(curl -s -i "$base/" | tr -d '\r')
grep -q '^Content-Type: text/html' <<<"$page" && grep -q '<title>mod_tokenproxy demo</title>' <<<"$page" ||
    fail "the demo page: $(head -5 <<<"$page")"
js=$(curl -s -i "$base/demo.js" | tr -d '\r')
grep -q '^Content-Type: text/javascript' <<<"$js" || fail "demo.js: $(head -3 <<<"$js")"
st=$(curl -s "$base/tokenproxy-status")
grep -q '"refreshes_started":' <<<"$st" || fail "the status page: $st"
me=$(curl -s -b "$jar" -c "$jar" "$base/api/me")
grep -q '"sub": *"demo"' <<<"$me" || fail "/api/me: $me"
grep -q 'eyJ\|s3cr3t' <<<"$me" && fail "/api/me shows a token: $me"

# 5. log in with the OpenID provider: authorization code + PKCE
ojar="$scratch/oidc-cookies.txt"
auth=$(curl -s -o /dev/null -w '%{redirect_url}' -c "$ojar" "$base/auth/oidc/login?return=/")
case "$auth" in "http://127.0.0.1:$up_port/oidc/authorize?"*) ;; *) fail "OIDC login: $auth" ;; esac
form=$(curl -s "$auth")
fields=$(python3 -c 'import html,re,sys,urllib.parse
f = dict(re.findall(r"name=\"(\w+)\" value=\"([^\"]*)\"", sys.stdin.read()))
print(urllib.parse.urlencode({k: html.unescape(v) for k, v in f.items()}))' <<<"$form")
callback=$(curl -s -o /dev/null -w '%{redirect_url}' -d "$fields" "http://127.0.0.1:$up_port/oidc/authorize")
case "$callback" in "$base/auth/callback?code="*) ;; *) fail "OIDC provider: $callback" ;; esac
back=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' -b "$ojar" -c "$ojar" "$callback")
[ "$back" = "302 $base/" ] || fail "OIDC callback: $back"
user=$(curl -s -b "$ojar" "$base/auth/user")
grep -q '"sub": *"demo"' <<<"$user" && grep -q '"name"' <<<"$user" || fail "the user endpoint: $user"
me=$(curl -s -b "$ojar" -c "$ojar" "$base/api/me")
grep -q '"sub": *"demo"' <<<"$me" || fail "/api/me after the OIDC login: $me"
say "4. Log in with the OpenID provider (the demo upstream's minimal one):" \
    "   $base/auth/oidc/login -> the provider's login page -> $base/auth/callback" \
    "   -> the cookies; the user endpoint says: $user" ""

# 6. the provider ends the session: its back-channel logout reaches the module
ended=$(curl -s -d user=demo "http://127.0.0.1:$up_port/oidc/end-session")
grep -q '"status": *200' <<<"$ended" || fail "back-channel logout: $ended"
after=$(curl -s -o /dev/null -w '%{http_code}' -b "$ojar" "$base/auth/user")
[ "$after" = 401 ] || fail "the user endpoint after the back-channel logout: $after"
say "5. The provider ends the session (http://127.0.0.1:$up_port/oidc/end-session," \
    "   \"End my session at the provider\"): it POSTs a logout token to" \
    "   $base/auth/backchannel, and the session is over: the user endpoint now answers $after" ""

if [ "$mode" = "--check" ]; then
    echo "demo check: login captured into cookies, Bearer injected, expired token refreshed once and transparently; the demo page is served; the OpenID login works; the provider's back-channel logout ends that session"
    exit 0
fi

cat <<TEXT
The user never noticed: the module refreshed the token and set the rotated
cookies on the response.

Open the demo page in a browser:

  $base/

log in, call the API (once, or 20 times at once after the 5 seconds have
passed) and watch the refresh counters: one refresh per expiry, whatever
the number of calls or tabs.  Or with curl (cookie jar $jar):

  $api_cmd
  curl -s -i -b $jar -c $jar -X POST $base/auth/logout

After "Log in with the OpenID provider", end that session at the provider:
open http://127.0.0.1:$up_port/oidc/end-session and press "End my session
at the provider". The provider POSTs a logout token to the module
(tokenproxy-backchannel), and the page's next call finds the session over.

Ctrl-C stops httpd and the upstream.
TEXT
wait "$httpd_pid" || true
