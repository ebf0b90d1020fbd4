#!/usr/bin/env bash
# mod_tokenproxy benchmark, run by hand (not part of the test suite).
#
# Prints side by side, from one run on this machine:
#   - requests per second and p50/p99 latency of a plain ProxyPass location
#     and of a TokenProxy location with a valid access cookie, both in
#     front of the same static backend (goal: TokenProxy >= 0.97 of plain);
#   - a refresh storm: N concurrent requests carrying one refresh token and
#     no access token: refresh calls made, statuses, total time.
#
#   bench/run.sh [REQUESTS] [CONCURRENCY] [STORM]    (default 20000 32 100)
#   ROUNDS=N bench/run.sh                              (default 7)
#
# Everything listens on 127.0.0.1 in a scratch ServerRoot; ab comes from
# apache2-utils.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
requests=${1:-20000}
conc=${2:-32}
storm=${3:-100}

./apxs-build.sh --deps demo
./apxs-build.sh >/dev/null 2>&1
command -v ab >/dev/null || { sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo;
    $sudo apt-get install -y -qq apache2-utils >/dev/null; }

httpd=$(command -v apache2 || echo /usr/sbin/apache2)
moddir=$(apxs -q LIBEXECDIR)
scratch=$(mktemp -d /tmp/tokenproxy-bench.XXXXXX)
chmod 755 "$scratch"
mkdir -p "$scratch/htdocs" "$scratch/logs"
head -c 1024 /dev/zero | tr '\0' 'x' > "$scratch/htdocs/hello.txt"
httpd_pid="" up_pid=""
cleanup() {
    [ -n "$httpd_pid" ] && kill -TERM "$httpd_pid" 2>/dev/null && wait "$httpd_pid" 2>/dev/null
    [ -n "$up_pid" ] && kill -TERM "$up_pid" 2>/dev/null && wait "$up_pid" 2>/dev/null
    rm -rf "$scratch"
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

python3 demo/upstream.py --port 0 --port-file "$scratch/up.port" --parent-pid $$ \
    </dev/null >/dev/null 2>&1 &
up_pid=$!
for _ in $(seq 1 100); do [ -s "$scratch/up.port" ] && break; sleep 0.1; done
up=$(cat "$scratch/up.port")
front=$(free_port)
back=$(free_port)
user_lines=""
[ "$(id -u)" -eq 0 ] && user_lines=$'User nobody\nGroup nogroup'

cat >"$scratch/httpd.conf" <<CONF
ServerRoot "$scratch"
ServerName 127.0.0.1
Listen 127.0.0.1:$front
Listen 127.0.0.1:$back
PidFile "$scratch/logs/httpd.pid"
ErrorLog "$scratch/logs/error_log"
LogLevel warn
DefaultRunTimeDir "$scratch/logs"
Mutex file:$scratch/logs default
DocumentRoot "$scratch/htdocs"
$user_lines
LoadModule mpm_event_module $moddir/mod_mpm_event.so
LoadModule authz_core_module $moddir/mod_authz_core.so
LoadModule proxy_module $moddir/mod_proxy.so
LoadModule proxy_http_module $moddir/mod_proxy_http.so
LoadModule socache_shmcb_module $moddir/mod_socache_shmcb.so
LoadModule tokenproxy_module $top/.libs/mod_tokenproxy.so
# one child: less scheduling noise between the two measured paths
StartServers 1
ServerLimit 1
ThreadsPerChild 64
MaxRequestWorkers 64

<VirtualHost 127.0.0.1:$back>
    DocumentRoot "$scratch/htdocs"
</VirtualHost>
<VirtualHost 127.0.0.1:$front>
    ProxyPass /plain/ http://127.0.0.1:$back/
    ProxyPass /tp/ http://127.0.0.1:$back/
    <Location /tp/>
        TokenProxy On
        ProxyErrorOverride On 401
    </Location>
    ProxyPass /storm/ http://127.0.0.1:$up/echo/
    <Location /storm/>
        TokenProxy On
        TokenProxyRefreshURL http://127.0.0.1:$up/idp/token
        ProxyErrorOverride On 401
    </Location>
</VirtualHost>
CONF
# httpd on the first core, ab on the last: less noise from their contention
pin_httpd=() pin_ab=()
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
    pin_httpd=(taskset -c 0)
    pin_ab=(taskset -c "$(( $(nproc) - 1 ))")
fi
"${pin_httpd[@]}" "$httpd" -d "$scratch" -f "$scratch/httpd.conf" -DFOREGROUND </dev/null >"$scratch/logs/stderr" 2>&1 &
httpd_pid=$!
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$front/plain/hello.txt" && break; sleep 0.1; done

# a JWT valid for an hour: no refresh, injection only
exp=$(( $(date +%s) + 3600 ))
payload=$(printf '{"sub":"bench","exp":%d}' "$exp" | base64 -w0 | tr '+/' '-_' | tr -d '=')
cookie="accessToken=eyJhbGciOiJub25lIn0.$payload.sig; refreshToken=rt-bench; theme=dark"

# CPU time (clock ticks) used so far by this httpd's processes
httpd_ticks() {
    local pid total=0
    for pid in $(pgrep -f "$scratch/httpd.conf"); do
        set -- $(sed 's/^[^)]*) //' "/proc/$pid/stat" 2>/dev/null) || continue
        total=$(( total + ${12:-0} + ${13:-0} ))
    done
    echo "$total"
}
hz=$(getconf CLK_TCK)

run_ab() {  # path -> "rps p50 p99 failed cpu_us_per_request"
    local t0 t1
    t0=$(httpd_ticks)
    "${pin_ab[@]}" ab -q -k -n "$requests" -c "$conc" -H "Cookie: $cookie" \
       "http://127.0.0.1:$front$1" 2>/dev/null |
    awk '/^Requests per second/ {rps=$4} /^Failed requests/ {f=$3}
         /^ *50%/ {p50=$2} /^ *99%/ {p99=$2}
         END {printf "%s %s %s %s ", rps, p50, p99, f}'
    t1=$(httpd_ticks)
    python3 -c "print('%.1f' % (($t1 - $t0) * 1e6 / $hz / $requests))"
}

run_ab /plain/hello.txt >/dev/null      # warm up both paths
run_ab /tp/hello.txt >/dev/null
# interleaved rounds, so that drift affects both alike; the median counts
rounds=${ROUNDS:-7}
: >"$scratch/plain.txt"
: >"$scratch/tp.txt"
for _ in $(seq 1 "$rounds"); do
    run_ab /plain/hello.txt >>"$scratch/plain.txt"
    run_ab /tp/hello.txt >>"$scratch/tp.txt"
done
median() { sort -n -k1 "$1" | sed -n "$(( (rounds + 1) / 2 ))p"; }
median_cpu() { sort -n -k5 "$1" | sed -n "$(( (rounds + 1) / 2 ))p" | cut -d' ' -f5; }
read -r p_rps p_50 p_99 p_fail _ <<<"$(median "$scratch/plain.txt")"
read -r t_rps t_50 t_99 t_fail _ <<<"$(median "$scratch/tp.txt")"
p_cpu=$(median_cpu "$scratch/plain.txt")
t_cpu=$(median_cpu "$scratch/tp.txt")
p_all=$(cut -d' ' -f1 "$scratch/plain.txt" | tr '\n' ' ')
t_all=$(cut -d' ' -f1 "$scratch/tp.txt" | tr '\n' ' ')

# where httpd's CPU goes on the TokenProxy path (perf, when it samples here)
module_share="n/a (perf not available)"
if command -v perf >/dev/null && perf record -o "$scratch/probe.data" true >/dev/null 2>&1; then
    pids=$(pgrep -f "$scratch/httpd.conf" | paste -sd, -)
    perf record -F 999 -p "$pids" -o "$scratch/perf.data" -- sleep 600 >/dev/null 2>&1 &
    perf_pid=$!
    sleep 0.5
    run_ab /tp/hello.txt >/dev/null
    kill -INT "$perf_pid" 2>/dev/null; wait "$perf_pid" 2>/dev/null || true
    module_share=$(perf report -i "$scratch/perf.data" --sort dso --stdio 2>/dev/null |
        awk '$2 ~ /mod_tokenproxy|libjansson/ {s += $1} END {printf "%.2f%% of httpd CPU samples (mod_tokenproxy.so and libjansson)", s}')
fi

# the refresh storm: one refresh token, no access token, N at once
rt=$(curl -s "http://127.0.0.1:$up/__session?ttl=300&delay=0.5" |
     python3 -c 'import json,sys; print(json.load(sys.stdin)["refreshToken"])')
before=$(curl -s "http://127.0.0.1:$up/__stats")
storm_out=$(python3 - "$front" "$rt" "$storm" <<'PY'
import http.client, sys, threading, time
port, rt, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
codes, gate = [], threading.Event()
def one(i):
    gate.wait()
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    c.request("GET", "/storm/%d" % i, headers={"Cookie": "refreshToken=" + rt})
    codes.append(c.getresponse().status)
ts = [threading.Thread(target=one, args=(i,)) for i in range(n)]
for t in ts: t.start()
t0 = time.time(); gate.set()
for t in ts: t.join()
print("%d %.2f" % (codes.count(200), time.time() - t0))
PY
)
after=$(curl -s "http://127.0.0.1:$up/__stats")
calls=$(python3 -c 'import json,sys; a,b=json.loads(sys.argv[1]),json.loads(sys.argv[2]); print(b.get("refresh_calls",0)-a.get("refresh_calls",0), b.get("reuse_detected",0)-a.get("reuse_detected",0))' "$before" "$after")
read -r s_ok s_time <<<"$storm_out"
read -r s_calls s_reuse <<<"$calls"

ratio=$(python3 -c "print('%.3f' % ($t_rps / $p_rps))")
cpu_ratio=$(python3 -c "print('%.3f' % ($t_cpu / $p_cpu))")
printf '\nmod_tokenproxy benchmark (%s requests, concurrency %s, keep-alive, 1 KiB static backend,\nmedian of %s interleaved rounds)\n\n' "$requests" "$conc" "$rounds"
printf '%-22s %18s %22s %8s\n' "" "plain ProxyPass" "TokenProxy + cookie" "ratio"
printf '%-22s %18s %22s %8s\n' "requests per second" "$p_rps" "$t_rps" "$ratio"
printf '%-22s %18s %22s\n' "p50 latency (ms)" "$p_50" "$t_50"
printf '%-22s %18s %22s\n' "p99 latency (ms)" "$p_99" "$t_99"
printf '%-22s %18s %22s\n' "failed requests" "$p_fail" "$t_fail"
printf '%-22s %18s %22s %8s\n' "httpd CPU us/request" "$p_cpu" "$t_cpu" "$cpu_ratio"
printf '\nrounds (requests/s): plain %s\n                     TokenProxy %s\n' "$p_all" "$t_all"
printf 'module CPU on the TokenProxy path: %s\n' "$module_share"
printf '\nrefresh storm: %s concurrent requests on one refresh token (provider answers in 0.5 s)\n' "$storm"
printf '  refresh calls: %s, reuse detected: %s, answered 200: %s/%s, total time: %s s\n' \
    "$s_calls" "$s_reuse" "$s_ok" "$storm" "$s_time"
printf '\nmachine: %s cores, %s, %s, httpd %s\n' "$(nproc)" \
    "$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)" "$(uname -sr)" \
    "$("$httpd" -v | sed -n 's/^Server version: //p')"
