#!/usr/bin/env bash
# mod_tokenproxy benchmark, run by hand (not part of the test suite).
#
# Prints side by side, from one run on this machine, for three locations in
# front of the same static backend:
#   plain       a plain ProxyPass;
#   tp          TokenProxy On, a valid access cookie, nothing else;
#   production  TokenProxyRefreshURL, ProxyErrorOverride On 401, sealed
#               cookies (TokenProxyCookieKey), CSRF on, a JWT access token
#               valid for an hour; the cookies come from a real login
#               through a TokenProxyCaptureTokens location;
#   - requests per second, p50/p99 latency and httpd CPU us per request
#     (ab, keep-alive; goal: production >= 0.98 of plain);
#   - instructions per request of each path: the front httpd alone as one
#     process (apache2 -X) under valgrind --tool=callgrind
#     --toggle-collect=ap_process_async_request, CG_REQUESTS keep-alive
#     requests with ab -k -c1 after a warm-up (goal: production <= 1.10x
#     plain).  These counts repeat to within 0.1% on a loaded machine;
#     requests per second do not;
#   - a refresh storm: N concurrent requests carrying one refresh token and
#     no access token: refresh calls made, statuses, total time.
#
#   bench/run.sh [REQUESTS] [CONCURRENCY] [STORM]    (default 20000 32 100)
#   ROUNDS=N bench/run.sh                              (default 7)
#   CG_REQUESTS=N bench/run.sh                         (default 2000; 0: no
#                                                      callgrind)
#   CG_KEEP=DIR bench/run.sh       keeps the callgrind files (callgrind_annotate)
#   ONLY_CG=1 bench/run.sh         instructions only: no timed rounds, no storm
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
cg_requests=${CG_REQUESTS:-2000}
sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
command -v ab >/dev/null || $sudo apt-get install -y -qq apache2-utils >/dev/null
if [ "$cg_requests" -gt 0 ] && ! command -v valgrind >/dev/null; then
    echo "bench: installing valgrind (apt-get)"
    $sudo apt-get install -y -qq valgrind >/dev/null
fi

httpd=$(command -v apache2 || echo /usr/sbin/apache2)
moddir=$(apxs -q LIBEXECDIR)
scratch=$(mktemp -d /tmp/tokenproxy-bench.XXXXXX)
chmod 755 "$scratch"
mkdir -p "$scratch/htdocs" "$scratch/logs"
head -c 1024 /dev/zero | tr '\0' 'x' > "$scratch/htdocs/hello.txt"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$scratch/cookie.key"
httpd_pid="" up_pid="" cg_pid=""
cleanup() {
    [ -n "$cg_pid" ] && kill -TERM "$cg_pid" 2>/dev/null && wait "$cg_pid" 2>/dev/null
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
    Include "$scratch/front.conf"
    ProxyPass /storm/ http://127.0.0.1:$up/echo/
    <Location /storm/>
        TokenProxy On
        TokenProxyRefreshURL http://127.0.0.1:$up/idp/token
        ProxyErrorOverride On 401
    </Location>
</VirtualHost>
CONF
# the three measured locations, shared with the callgrind front below
cat >"$scratch/front.conf" <<CONF
    ProxyPass /plain/ http://127.0.0.1:$back/
    ProxyPass /tp/ http://127.0.0.1:$back/
    <Location /tp/>
        TokenProxy On
    </Location>
    <Location /prod/>
        TokenProxyCookieKey "$scratch/cookie.key"
        TokenProxyRefreshURL http://127.0.0.1:$up/idp/token
    </Location>
    ProxyPass /prod/api/ http://127.0.0.1:$back/
    <Location /prod/api/>
        TokenProxy On
        ProxyErrorOverride On 401
    </Location>
    ProxyPass /prod/auth/login http://127.0.0.1:$up/idp/login
    <Location /prod/auth/login>
        TokenProxyCaptureTokens On
    </Location>
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
# the production cookies: a login through the module, sealed by it
prod_cookie=$(curl -s -D - -o /dev/null -X POST -H 'Content-Type: application/json' \
    -d '{"username":"bench","password":"x","ttl":3600}' \
    "http://127.0.0.1:$front/prod/auth/login" |
    sed -n 's/^[Ss]et-[Cc]ookie: \([^;]*\).*/\1/p' | tr -d '\r' | paste -sd';' - | sed 's/;/; /g')
case "$prod_cookie" in
    *accessToken=tp[12].*refreshToken=tp[12].*) ;;
    *) echo "bench: the login did not set sealed cookies: $prod_cookie" >&2; exit 1 ;;
esac
prod_cookie="$prod_cookie; theme=dark"
declare -A cookie_of=([/plain/hello.txt]="$cookie" [/tp/hello.txt]="$cookie"
                      [/prod/api/hello.txt]="$prod_cookie")

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
    "${pin_ab[@]}" ab -q -k -n "$requests" -c "$conc" -H "Cookie: ${cookie_of[$1]}" \
       "http://127.0.0.1:$front$1" 2>/dev/null |
    awk '/^Requests per second/ {rps=$4} /^Failed requests/ {f=$3}
         /^ *50%/ {p50=$2} /^ *99%/ {p99=$2}
         END {printf "%s %s %s %s ", rps, p50, p99, f}'
    t1=$(httpd_ticks)
    python3 -c "print('%.1f' % (($t1 - $t0) * 1e6 / $hz / $requests))"
}

paths=(/plain/hello.txt /tp/hello.txt /prod/api/hello.txt)
names=(plain tp prod)
only_cg=${ONLY_CG:-0}
[ "$only_cg" = 0 ] || { rounds=1 requests=100 ; }
for path in "${paths[@]}"; do run_ab "$path" >/dev/null; done   # warm up
# interleaved rounds, so that drift affects all alike; the median counts
rounds=${rounds:-${ROUNDS:-7}}
for n in "${names[@]}"; do : >"$scratch/$n.txt"; done
# each round begins with another path, so that a machine slowing down
# or speeding up within a round favours none of them
for k in $(seq 0 $(( rounds - 1 ))); do
    for j in 0 1 2; do
        i=$(( (k + j) % 3 ))
        run_ab "${paths[$i]}" >>"$scratch/${names[$i]}.txt"
    done
done
median() { sort -n -k1 "$1" | sed -n "$(( (rounds + 1) / 2 ))p"; }
median_cpu() { sort -n -k5 "$1" | sed -n "$(( (rounds + 1) / 2 ))p" | cut -d' ' -f5; }
declare -A rps p50 p99 fail cpu all
for n in "${names[@]}"; do
    read -r rps[$n] p50[$n] p99[$n] fail[$n] _ <<<"$(median "$scratch/$n.txt")"
    cpu[$n]=$(median_cpu "$scratch/$n.txt")
    all[$n]=$(cut -d' ' -f1 "$scratch/$n.txt" | tr '\n' ' ')
done

# instructions per request: the front alone, one process, under callgrind
declare -A ins ins_new
for n in "${names[@]}"; do ins[$n]="n/a"; ins_new[$n]="n/a"; done
if [ "$cg_requests" -gt 0 ]; then
    cg_front=$(free_port)
    mkdir -p "$scratch/cg"
    cat >"$scratch/cg.conf" <<CONF
ServerRoot "$scratch"
ServerName 127.0.0.1
Listen 127.0.0.1:$cg_front
PidFile "$scratch/cg/httpd.pid"
ErrorLog "$scratch/cg/error_log"
LogLevel warn
DefaultRunTimeDir "$scratch/cg"
Mutex file:$scratch/cg default
DocumentRoot "$scratch/htdocs"
LoadModule mpm_event_module $moddir/mod_mpm_event.so
LoadModule authz_core_module $moddir/mod_authz_core.so
LoadModule proxy_module $moddir/mod_proxy.so
LoadModule proxy_http_module $moddir/mod_proxy_http.so
LoadModule socache_shmcb_module $moddir/mod_socache_shmcb.so
LoadModule tokenproxy_module $scratch/cg/mod_tokenproxy.so
<VirtualHost 127.0.0.1:$cg_front>
    Include "$scratch/cg/front.conf"
</VirtualHost>
CONF
    cp .libs/mod_tokenproxy.so "$scratch/cg/"
    chmod 777 "$scratch/cg"
    # as root, the whole valgrind runs as nobody: httpd -X would switch
    # users itself and then could not write callgrind's file
    as_user=()
    [ "$(id -u)" -eq 0 ] && as_user=(runuser -u nobody --)
    # instructions counted in one callgrind run of W warm-up and then N
    # requests to a path, read when the process exits; a run with N = 0
    # is subtracted (callgrind_control would need ptrace to dump a
    # process blocked in epoll_wait)
    cg_run() {  # path n [ab option] -> instructions, or "" when requests failed
        local path=$1 n=$2 ka=${3:--k} out="$scratch/cg/out.$RANDOM" f
        # the measured path's ProxyPass first: mod_proxy tries them in
        # order, and no path should pay for comparing the others'
        # prefixes (the <Location> sections are walked whole by all)
        local prefix=${path%/*}/
        { grep -F "ProxyPass $prefix " "$scratch/front.conf"
          grep -vF "ProxyPass $prefix " "$scratch/front.conf"; } >"$scratch/cg/front.conf"
        "${pin_httpd[@]}" "${as_user[@]}" valgrind --tool=callgrind --toggle-collect=ap_process_async_request \
            --callgrind-out-file="$out" \
            "$httpd" -X -d "$scratch" -f "$scratch/cg.conf" </dev/null \
            >"$scratch/cg/stderr" 2>&1 &
        cg_pid=$!
        for _ in $(seq 1 600); do
            curl -s -o /dev/null "http://127.0.0.1:$cg_front/nowhere" && break
            sleep 0.2
        done
        f=0
        for k in 200 "$n"; do
            [ "$k" -gt 0 ] || continue
            ab -q $ka -n "$k" -c 1 -H "Cookie: ${cookie_of[$path]}" \
                "http://127.0.0.1:$cg_front$path" >"$scratch/cg/ab" 2>&1
            f=$(( f + $(awk '/^Complete requests/ {c=$3} /^Failed requests/ {f=$3}
                             /^Non-2xx/ {f+=$3} END {print (c == '"$k"' && f == 0) ? 0 : 1}' \
                        "$scratch/cg/ab") ))
        done
        kill -TERM "$(cat "$scratch/cg/httpd.pid")" 2>/dev/null || kill -TERM "$cg_pid"
        wait "$cg_pid" 2>/dev/null || true
        cg_pid=""
        [ "$f" -eq 0 ] || return 0
        [ -z "${CG_KEEP:-}" ] || cp "$out" "$CG_KEEP/callgrind.$(echo "$path" | tr -c "a-z0-9\n" _).$n$ka"
        awk '/^(summary|totals):/ {s = $2} END {print s + 0}' "$out"
    }
    for i in 0 1 2; do
        c0=$(cg_run "${paths[$i]}" 0)
        c1=$(cg_run "${paths[$i]}" "$cg_requests")
        if [ -n "$c0" ] && [ -n "$c1" ]; then
            ins[${names[$i]}]=$(( (c1 - c0) / cg_requests ))
        else
            echo "bench: callgrind path ${paths[$i]}: requests failed" >&2
        fi
        # a new connection for every request: nothing is kept from the
        # connection's last request (ab without -k)
        c0=$(cg_run "${paths[$i]}" 0 -r)
        c1=$(cg_run "${paths[$i]}" "$cg_requests" -r)
        if [ -n "$c0" ] && [ -n "$c1" ]; then
            ins_new[${names[$i]}]=$(( (c1 - c0) / cg_requests ))
        fi
    done
fi
ins_ratio() { python3 -c "import sys; a,b=sys.argv[1:]; print('%.3fx' % (int(a)/int(b)) if a.isdigit() and b.isdigit() else 'n/a')" "$1" "$2"; }

# where httpd's CPU goes on the production path (perf, when it samples here)
module_share="n/a (perf not available)"
if [ "$only_cg" = 0 ] && command -v perf >/dev/null && perf record -o "$scratch/probe.data" true >/dev/null 2>&1; then
    pids=$(pgrep -f "$scratch/httpd.conf" | paste -sd, -)
    perf record -F 999 -p "$pids" -o "$scratch/perf.data" -- sleep 600 >/dev/null 2>&1 &
    perf_pid=$!
    sleep 0.5
    run_ab /prod/api/hello.txt >/dev/null
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

r() { python3 -c "import sys; print('%.3f' % (float(sys.argv[1]) / float(sys.argv[2])))" "$1" "$2"; }
printf '\nmod_tokenproxy benchmark (%s requests, concurrency %s, keep-alive, 1 KiB static backend,\nmedian of %s interleaved rounds)\n\n' "$requests" "$conc" "$rounds"
printf '%-26s %12s %12s %12s %9s %9s\n' "" "plain" "TokenProxy" "production" "tp/plain" "prod/plain"
printf '%-26s %12s %12s %12s %9s %9s\n' "requests per second" "${rps[plain]}" "${rps[tp]}" "${rps[prod]}" \
    "$(r "${rps[tp]}" "${rps[plain]}")" "$(r "${rps[prod]}" "${rps[plain]}")"
printf '%-26s %12s %12s %12s\n' "p50 latency (ms)" "${p50[plain]}" "${p50[tp]}" "${p50[prod]}"
printf '%-26s %12s %12s %12s\n' "p99 latency (ms)" "${p99[plain]}" "${p99[tp]}" "${p99[prod]}"
printf '%-26s %12s %12s %12s\n' "failed requests" "${fail[plain]}" "${fail[tp]}" "${fail[prod]}"
printf '%-26s %12s %12s %12s %9s %9s\n' "httpd CPU us/request" "${cpu[plain]}" "${cpu[tp]}" "${cpu[prod]}" \
    "$(r "${cpu[tp]}" "${cpu[plain]}")" "$(r "${cpu[prod]}" "${cpu[plain]}")"
printf '%-26s %12s %12s %12s %9s %9s\n' "instructions/request (cg)" "${ins[plain]}" "${ins[tp]}" "${ins[prod]}" \
    "$(ins_ratio "${ins[tp]}" "${ins[plain]}")" "$(ins_ratio "${ins[prod]}" "${ins[plain]}")"
printf '%-26s %12s %12s %12s %9s %9s\n' "  new connection each (cg)" "${ins_new[plain]}" "${ins_new[tp]}" "${ins_new[prod]}" \
    "$(ins_ratio "${ins_new[tp]}" "${ins_new[plain]}")" "$(ins_ratio "${ins_new[prod]}" "${ins_new[plain]}")"
printf '\nrounds (requests/s): plain      %s\n                     TokenProxy %s\n                     production %s\n' \
    "${all[plain]}" "${all[tp]}" "${all[prod]}"
printf 'instructions: callgrind, apache2 -X, ab -k -c1, %s requests a path after 200 of warm-up,\n  counted inside ap_process_async_request; "new connection each": ab without -k\n' "$cg_requests"
printf 'module CPU on the production path: %s\n' "$module_share"
printf '\nrefresh storm: %s concurrent requests on one refresh token (provider answers in 0.5 s)\n' "$storm"
printf '  refresh calls: %s, reuse detected: %s, answered 200: %s/%s, total time: %s s\n' \
    "$s_calls" "$s_reuse" "$s_ok" "$storm" "$s_time"
printf '\nmachine: %s cores, %s, %s, httpd %s\n' "$(nproc)" \
    "$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)" "$(uname -sr)" \
    "$("$httpd" -v | sed -n 's/^Server version: //p')"
