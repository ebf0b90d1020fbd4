#!/usr/bin/env bash
# The browser tests: installs playwright-core (the version in
# package-lock.json) with npm ci, starts the demo (demo/run.sh --serve) on
# 127.0.0.1, runs t/browser/test.mjs in Debian's Chromium, and stops the
# demo by its PID.  Then the login through a real OpenID provider
# (oidc-provider, as t/oidc/ pins it) in front of a scratch httpd:
# t/browser/oidc.mjs.  Prints TAP.
#
#   t/browser/run.sh
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
log=$(mktemp /tmp/tokenproxy-browser.XXXXXX)
demo_pid="" mock_pid="" prov_pid="" httpd_pid=""
scratch=$(mktemp -d /tmp/tokenproxy-browser-oidc.XXXXXX)
chmod 755 "$scratch"
stop() {  # pid: TERM, then KILL after 10 s
    [ -n "$1" ] || return 0
    kill -TERM "$1" 2>/dev/null
    for _ in $(seq 1 100); do kill -0 "$1" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$1" 2>/dev/null
    wait "$1" 2>/dev/null
}
cleanup() {
    stop "$demo_pid"; stop "$httpd_pid"; stop "$prov_pid"; stop "$mock_pid"
    rm -f "$log"
    rm -rf "$scratch"
}
trap cleanup EXIT

if ! (cd t/browser && timeout 300 npm ci --no-audit --no-fund --loglevel=error >/dev/null); then
    echo "not ok 1 - npm ci installs playwright-core"
    exit 1
fi
demo/run.sh --serve >"$log" 2>&1 &
demo_pid=$!
for _ in $(seq 1 1200); do              # at most 120 s (it builds first)
    grep -q '^serving ' "$log" && break
    kill -0 "$demo_pid" 2>/dev/null || break
    sleep 0.1
done
read -r _ base upstream < <(grep '^serving ' "$log")
if [ -z "${base:-}" ]; then
    echo "not ok 1 - the demo starts"
    sed 's/^/#   /' "$log" | tail -20
    exit 1
fi
timeout 300 node t/browser/test.mjs "$base" "$upstream"
rc=$?
stop "$demo_pid"
demo_pid=""

# 6. the login through the real provider's own pages
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
if ! (cd t/oidc && timeout 300 npm ci --no-audit --no-fund --loglevel=error >/dev/null); then
    echo "not ok 100 - npm ci installs oidc-provider"
    exit 1
fi
python3 demo/upstream.py --port 0 --port-file "$scratch/up.port" --parent-pid $$ \
    </dev/null >/dev/null 2>&1 &
mock_pid=$!
pport=$(free_port)
hport=$(free_port)
node t/oidc/provider.mjs "$pport" "$hport" >"$scratch/provider.log" 2>&1 &
prov_pid=$!
for _ in $(seq 1 200); do
    [ -s "$scratch/up.port" ] && curl -s -o /dev/null "http://127.0.0.1:$pport/.well-known/openid-configuration" && break
    sleep 0.1
done
up=$(cat "$scratch/up.port")
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$scratch/cookie.key"
chmod 644 "$scratch/cookie.key"
# shellcheck source=demo/scratch-httpd.sh
. "$top/demo/scratch-httpd.sh"
{ scratch_httpd_conf "$scratch" "$hport" "$top/.libs/mod_tokenproxy.so"
  cat <<CONF
TokenProxyOIDCProvider http://127.0.0.1:$pport
TokenProxyClient tp-client s3cr3t-client-secret
TokenProxyRedirectURI /auth/callback
TokenProxyScope openid offline_access profile email
TokenProxyAuthParam prompt consent
TokenProxyPostLogoutURL /bye
TokenProxyLoginURL /auth/login
TokenProxyCookieSecure Off
TokenProxyCookieKey $scratch/cookie.key
<Location /auth/login>
    SetHandler tokenproxy-login
</Location>
<Location /auth/callback>
    SetHandler tokenproxy-callback
</Location>
<Location /auth/user>
    SetHandler tokenproxy-user
</Location>
ProxyPass /api/ http://127.0.0.1:$up/echo/api/
<Location /api/>
    TokenProxy On
</Location>
CONF
} >"$scratch/httpd.conf"
/usr/sbin/apache2 -f "$scratch/httpd.conf" -DFOREGROUND </dev/null >"$scratch/logs/stderr" 2>&1 &
httpd_pid=$!
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$hport/" && break; sleep 0.1; done
timeout 300 node t/browser/oidc.mjs "http://127.0.0.1:$hport" "http://127.0.0.1:$pport" 101 || rc=1
exit "$rc"
