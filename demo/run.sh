#!/usr/bin/env bash
# mod_tokenproxy demo: a self-contained httpd in a scratch ServerRoot on
# 127.0.0.1, in front of the bundled demo upstream (demo/upstream.py).
# Touches no system configuration.  Ctrl-C stops both.
#
#   demo/run.sh           run until Ctrl-C
#   demo/run.sh --check   start, make the request, check it, stop (for CI)
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
mkdir -p "$scratch/htdocs" "$scratch/logs"
httpd_pid=""
up_pid=""

cleanup() {
    trap - EXIT INT TERM
    if [ -n "$httpd_pid" ] && kill -0 "$httpd_pid" 2>/dev/null; then
        kill -TERM "$httpd_pid" 2>/dev/null || true
        for _ in $(seq 1 100); do kill -0 "$httpd_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$httpd_pid" 2>/dev/null || true
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

# the demo upstream, on a port of its own choosing
python3 demo/upstream.py --port 0 --port-file "$scratch/upstream.port" \
    --parent-pid $$ </dev/null >"$scratch/logs/upstream.log" 2>&1 &
up_pid=$!
wait_for 20 test -s "$scratch/upstream.port" || { echo "demo upstream did not start" >&2; exit 1; }
up_port=$(cat "$scratch/upstream.port")

port=${TP_DEMO_PORT:-$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')}
user_lines=""
if [ "$(id -u)" -eq 0 ]; then
    user_lines=$'User nobody\nGroup nogroup'
fi

cat >"$scratch/httpd.conf" <<CONF
ServerRoot "$scratch"
Listen 127.0.0.1:$port
ServerName 127.0.0.1:$port
PidFile "$scratch/logs/httpd.pid"
ErrorLog "$scratch/logs/error_log"
LogLevel info
DefaultRunTimeDir "$scratch/logs"
Mutex file:$scratch/logs default
DocumentRoot "$scratch/htdocs"
$user_lines

LoadModule mpm_event_module $moddir/mod_mpm_event.so
LoadModule authz_core_module $moddir/mod_authz_core.so
LoadModule proxy_module $moddir/mod_proxy.so
LoadModule proxy_http_module $moddir/mod_proxy_http.so
LoadModule tokenproxy_module $top/.libs/mod_tokenproxy.so

ProxyPass /api/ http://127.0.0.1:$up_port/echo/api/
<Location /api/>
    TokenProxy On
    TokenProxyAccessCookie accessToken
    TokenProxyRefreshCookie refreshToken
</Location>
CONF

"$httpd" -d "$scratch" -f "$scratch/httpd.conf" -DFOREGROUND </dev/null \
    >"$scratch/logs/stderr" 2>&1 &
httpd_pid=$!
if ! wait_for 20 curl -s -o /dev/null "http://127.0.0.1:$port/"; then
    echo "httpd did not start:" >&2
    cat "$scratch/logs/stderr" "$scratch/logs/error_log" >&2 2>/dev/null || true
    exit 1
fi

token="demo.access.token"
cmd="curl -s --cookie 'accessToken=$token; refreshToken=demo-refresh; theme=dark' http://127.0.0.1:$port/api/hello"
answer=$(eval "$cmd")

if [ "$mode" = "--check" ]; then
    grep -q "\"Bearer $token\"" <<<"$answer" \
        && grep -q '"theme=dark"' <<<"$answer" \
        && ! grep -q 'refreshToken\|accessToken' <<<"$answer" \
        || { echo "demo check failed; the upstream answered:" >&2; echo "$answer" >&2; exit 1; }
    echo "demo check: the upstream received 'Authorization: Bearer $token' and no token cookie"
    exit 0
fi

cat <<TEXT
mod_tokenproxy demo
  httpd:         http://127.0.0.1:$port/  (scratch ServerRoot $scratch)
  demo upstream: http://127.0.0.1:$up_port/ (echoes the request it receives)

The browser sends only cookies; the upstream receives a Bearer token:

  $cmd

The upstream answered:
$answer

Try it yourself with the curl line above.  Ctrl-C stops httpd and the upstream.
TEXT
wait "$httpd_pid" || true
