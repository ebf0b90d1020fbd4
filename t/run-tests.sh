#!/usr/bin/env bash
# The whole mod_tokenproxy test suite, on a fresh Debian 12 machine too:
#   1. installs what it needs (apt-get) and builds the module,
#   2. C unit tests (Check),
#   3. the Apache::Test suite under the event, worker and prefork MPMs,
#      and the cluster tests: three nodes (one per MPM) and redis-server,
#      and the Debian package (dpkg-buildpackage, lintian, a scratch httpd),
#      and the demo in Chromium (playwright-core, t/browser/),
#      and the login tests against a real OpenID provider (oidc-provider,
#      npm ci in t/oidc; needs Node.js >= 20.19),
#   4. the README's demo command, non-interactively.
#   5. the unit tests under ASan+UBSan, and the fuzzers' corpora replayed.
# Ends with one line "suite: N passed, M failed".
#
#   t/run-tests.sh [--no-asan] [--only STAGE ...] [event|worker|prefork ...]
#                  [t/NN_name.t ...]
#       default: every stage; all three MPMs, then the first one again
#       with the module built with AddressSanitizer and UBSan
#       (t/asan-httpd).  --only runs just the stages named (layers, unit,
#       fuzz, apache, cluster, package, browser, oidc, demo); test files
#       named run alone in the Apache::Test stage.  For a developer: the
#       suite's full run is what CI runs.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
asan=1
only=()
mpms=()
tfiles=()
while [ $# -gt 0 ]; do
    case $1 in
        --no-asan) asan=0 ;;
        --only) shift; only+=("${1:-}") ;;
        t/*.t) tfiles+=("$1") ;;
        *) mpms+=("$1") ;;
    esac
    shift
done
[ ${#mpms[@]} -gt 0 ] || mpms=(event worker prefork)
want() {  # stage: is it to run?
    [ ${#only[@]} -eq 0 ] && return 0
    local s
    for s in "${only[@]}"; do [ "$s" = "$1" ] && return 0; done
    return 1
}

./apxs-build.sh --deps test || exit 1
./apxs-build.sh || exit 1

passed=0
failed=0
recap=()   # what failed, repeated just above the last line
record() {  # passed failed what
    passed=$((passed + $1)); failed=$((failed + $2))
    echo "== $3: $1 passed, $2 failed"
    [ "$2" -eq 0 ] || recap+=("$3: $2 failed")
}

# a script that prints TAP ("ok N", "not ok N"): record its counts, and
# its failures for the recap
run_tap() {  # label log seconds command...
    local label=$1 log=$2 secs=$3 rc p f
    shift 3
    timeout "$secs" "$@" >"$log" 2>&1
    rc=$?
    grep -E '^(not ok|#)' "$log" || true
    p=$(grep -cE '^ok ' "$log" || true)
    f=$(grep -cE '^not ok ' "$log" || true)
    # a script that failed, or that ran no test at all, is a failure
    if { [ "$rc" -ne 0 ] || [ "${p:-0}" -eq 0 ]; } && [ "${f:-0}" -eq 0 ]; then
        tail -20 "$log"
        f=1
    fi
    record "${p:-0}" "${f:-0}" "$label"
    if [ "${f:-0}" -ne 0 ]; then
        while IFS= read -r l; do recap+=("  $label: $l"); done < <(
            grep -E '^not ok|^#   (Failed|at|  got|  expected)' "$log" | head -40)
    fi
}

# 0. the layer rule of src/ (t/layers.pl): the core knows no httpd, each
# folder includes only the ones below it, no include cycle, no file over
# 600 lines
want layers && run_tap "layers of src/ and include/" "$top/t/layers.log" 60 \
    perl t/layers.pl

# 1. unit tests of the request-free sources: everything in src/core
unit_src=(src/core/*.c)
unit_pc=(apr-1 apr-util-1 check openssl jansson libcurl hiredis)
if want unit; then
    # shellcheck disable=SC2046
    if gcc -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Iinclude \
            $(pkg-config --cflags "${unit_pc[@]}") t/unit/*.c \
            "${unit_src[@]}" -o t/unit/run-unit \
            $(pkg-config --libs "${unit_pc[@]}"); then
        out=$(t/unit/run-unit 2>&1); echo "$out"
        line=$(grep -E '^unit: [0-9]+ passed, [0-9]+ failed$' <<<"$out" | tail -1)
        if [ -n "$line" ]; then
            read -r p f < <(sed -E 's/unit: ([0-9]+) passed, ([0-9]+) failed/\1 \2/' <<<"$line")
            record "$p" "$f" "unit tests"
        else
            record 0 1 "unit tests (crashed)"
        fi
    else
        record 0 1 "unit tests (did not compile)"
    fi

    # 1b. the unit tests again under AddressSanitizer and UBSan (leaks too)
    # shellcheck disable=SC2046
    if gcc -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined \
            -fno-omit-frame-pointer -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror \
            -Iinclude $(pkg-config --cflags "${unit_pc[@]}") \
            t/unit/*.c "${unit_src[@]}" -o t/unit/run-unit-asan \
            $(pkg-config --libs "${unit_pc[@]}") &&
       ASAN_OPTIONS=detect_leaks=1 t/unit/run-unit-asan >t/unit/asan.log 2>&1; then
        record "$(sed -nE 's/^unit: ([0-9]+) passed.*/\1/p' t/unit/asan.log)" 0 "unit tests under ASan+UBSan"
    else
        tail -20 t/unit/asan.log 2>/dev/null
        record 0 1 "unit tests under ASan+UBSan"
    fi
fi

# 1c. the fuzz targets' corpora, replayed (clang, libFuzzer, ASan, UBSan)
if ! want fuzz; then
    :
elif fuzz/build.sh >/dev/null 2>&1; then
    for t in cookie jwt answer sealed oidc login session; do
        if out=$(ASAN_OPTIONS=detect_leaks=1 "fuzz/bin/fuzz_$t" -runs=0 \
                 "fuzz/corpus/$t" 2>&1); then
            record 1 0 "fuzz corpus $t ($(ls "fuzz/corpus/$t" | wc -l) inputs)"
        else
            echo "$out" | tail -20
            record 0 1 "fuzz corpus $t"
        fi
    done
else
    record 0 1 "fuzz targets (build)"
fi

# 2. Apache::Test, once per MPM.  httpd refuses to run its children as
# root under Apache::Test, so as root the suite runs as nobody in a copy
# of the tree that nobody owns.
work="$top"
runas=()
if [ "$(id -u)" -eq 0 ]; then
    work=$(mktemp -d /tmp/tokenproxy-test.XXXXXX)
    cp -a "$top/." "$work/"
    rm -rf "$work/t/logs"
    chown -R nobody:nogroup "$work"
    chmod 755 "$work"
    runas=(runuser -u nobody --)
fi

# t/85_capacity.t (about a minute: it fills the machine-wide tables to
# their limits) runs in the first MPM's run only: the tables' sizing and
# warnings are the same code under every MPM, and the suite must stay
# well under 20 minutes on 2 cores
once_only=(t/85_capacity.t)

run_suite() {  # mpm httpd label [first]
    local mpm=$1 httpd=$2 label=$3 first=${4:-} log total bad rc crashes reports
    local files=("${tfiles[@]}") f o keep
    if [ ${#files[@]} -eq 0 ] && [ -z "$first" ]; then
        for f in t/[0-9]*.t; do
            keep=1
            for o in "${once_only[@]}"; do [ "$f" = "$o" ] && keep=0; done
            [ "$keep" = 1 ] && files+=("$f")
        done
    fi
    log="$work/t/TEST-$mpm.log"
    # "-port select": another server on Apache::Test's default port 8529
    # (a developer's test httpd, another checkout's suite) moves ours up,
    # instead of our tests talking to it or failing to start
    (cd "$work" && "${runas[@]}" t/TEST -clean >/dev/null 2>&1
     rm -f "$work"/t/logs/asan.* "$work"/t/logs/ubsan.*
     cd "$work" && timeout 900 "${runas[@]}" t/TEST -apxs "$(command -v apxs)" \
        -httpd "$httpd" -httpd_conf "$work/t/conf/base-$mpm.conf" -port select \
        -verbose=0 "${files[@]}" </dev/null) >"$log" 2>&1
    rc=$?
    # the harness's lines; httpd's start-up log lines stay in $log
    grep -vE '^(\[warning\]|ulimit|\[[A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9]{2} [0-9:.]+ [0-9]{4}\] )' "$log" |
        grep -v 'Could not open configuration file /etc/apache2' || true
    total=$(sed -nE 's/^Files=[0-9]+, Tests=([0-9]+),.*/\1/p' "$log" | tail -1)
    bad=$(sed -nE 's/.*Tests: [0-9]+ Failed: ([0-9]+)\).*/\1/p' "$log" |
          awk '{s += $1} END {print s + 0}')
    total=${total:-0}
    if [ "$rc" -ne 0 ] || ! grep -q '^Result: PASS' "$log"; then
        [ "$bad" -gt 0 ] || bad=1
        # the failing tests' names and diagnostics, for the recap
        while IFS= read -r l; do recap+=("  $label: $l"); done < <(
            grep -E '^(t/[0-9a-z_]+\.t|not ok|# Failed test|#   |#  +(got|expected)|  Failed tests?:)' \
                "$log" | grep -vE '\.\. ok$' | head -40)
        echo "---- last lines of the $mpm error_log ----"
        tail -n 40 "$work/t/logs/error_log" 2>/dev/null | cut -c1-300
        mkdir -p "$top/t/logs" && cp "$work/t/logs/error_log" "$top/t/logs/error_log.$mpm" 2>/dev/null
    fi
    record $((total - bad > 0 ? total - bad : 0)) "$bad" "Apache::Test ($label)"
    # a crashed child is a failure whatever the tests said
    crashes=$(grep -cE 'exit signal (Segmentation|Aborted|Bus|Illegal)|AH00052' \
              "$work/t/logs/error_log" 2>/dev/null || true)
    if [ "${crashes:-0}" -gt 0 ]; then
        grep -E 'exit signal|AH00052' "$work/t/logs/error_log" | head -5
        record 0 1 "no crashed child ($label)"
    else
        record 1 0 "no crashed child ($label)"
    fi
    if [ "$httpd" != /usr/sbin/apache2 ]; then
        # the sanitizers write to their log files or to stderr (error_log)
        reports=$(cat "$work"/t/logs/asan.* "$work"/t/logs/ubsan.* \
                      "$work/t/logs/error_log" 2>/dev/null |
                  grep -cE 'ERROR: (Address|Leak)Sanitizer|runtime error:' || true)
        if [ "${reports:-0}" -gt 0 ]; then
            cat "$work"/t/logs/asan.* "$work"/t/logs/ubsan.* "$work/t/logs/error_log" \
                2>/dev/null | grep -A12 -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' | head -40
            record 0 1 "no ASan/UBSan report ($label)"
        else
            record 1 0 "no ASan/UBSan report ($label)"
        fi
    fi
    [ "$work" = "$top" ] || cp "$log" "$top/t/" 2>/dev/null
}

want apache || asan=0
first=first
for mpm in "${mpms[@]}"; do
    want apache || break
    run_suite "$mpm" /usr/sbin/apache2 "$mpm MPM" "$first"
    first=
done
# once more with the module built with AddressSanitizer and UBSan
if [ "$asan" = 1 ]; then
    TP_SANITIZE=1 ./apxs-build.sh >/dev/null 2>&1 || { record 0 1 "ASan build"; asan=0; }
    if [ "$asan" = 1 ]; then
        [ "$work" = "$top" ] || { cp -a "$top/.libs/." "$work/.libs/";
                                  chown -R nobody:nogroup "$work/.libs"; }
        run_suite "${mpms[0]}" "$work/t/asan-httpd" "${mpms[0]} MPM, module under ASan+UBSan"
        ./apxs-build.sh >/dev/null 2>&1
    fi
fi
[ "$work" = "$top" ] || rm -rf "$work"

# 2b. cluster-wide single flight: three httpd nodes at once (event, worker,
# prefork) sharing a real redis-server, in front of the mock provider
want cluster && run_tap "cluster (three nodes, redis-server)" "$top/t/cluster.log" 900 \
    perl t/cluster/cluster.pl
# 2b'. the same through Redis Sentinel: a master, a replica and three
# redis-sentinel processes; the master killed during storms (issue 21)
want cluster && run_tap "cluster through Redis Sentinel (failover)" "$top/t/sentinel.log" 420 \
    perl t/cluster/sentinel.pl

# 2c. the Debian package: built, lintian, unpacked and started
want package && run_tap "Debian package" "$top/t/package.log" 900 \
    t/package/check.sh

# 2d. the demo in a real browser: Debian's Chromium and playwright-core
want browser && run_tap "browser (Chromium, playwright-core)" "$top/t/browser.log" 600 \
    t/browser/run.sh

# 2e. log in with a real OpenID provider: oidc-provider from the npm
# registry (version pinned in t/oidc/package-lock.json, installed by npm ci)
# on the machine's Node.js, in front of the mock upstream
if ! want oidc; then
    :
elif ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1 ||
   ! node -e 'const [a, b] = process.versions.node.split(".").map(Number);
              process.exit(a > 20 || (a === 20 && b >= 19) ? 0 : 1)' 2>/dev/null; then
    echo "t/oidc: the login tests need Node.js 20.19 or later and npm (node $(node --version 2>/dev/null || echo missing))" >&2
    record 0 1 "OpenID login (Node.js >= 20.19 and npm missing)"
elif ! (cd t/oidc && timeout 300 npm ci --no-audit --no-fund --loglevel=error) >"$top/t/oidc.log" 2>&1; then
    tail -20 "$top/t/oidc.log"
    record 0 1 "OpenID login (npm ci in t/oidc)"
else
    run_tap "OpenID login (oidc-provider, event MPM)" "$top/t/oidc.log" 300 \
        perl t/oidc/login.pl
    # several apps and providers on one host (issue 22)
    run_tap "several apps on one host (two oidc-providers, event MPM)" \
        "$top/t/oidc-apps.log" 300 perl t/oidc/apps.pl
    # tokens for several APIs: client credentials, token exchange,
    # private_key_jwt (t/oidc/apis.mjs, one httpd, tens of seconds)
    run_tap "API tokens (oidc-provider, event MPM)" "$top/t/oidc-apis.log" 240 \
        perl t/oidc/apis.pl
fi

# 3. the README's demo, non-interactively
if want demo && [ -x demo/run.sh ]; then
    if timeout 120 demo/run.sh --check; then
        record 1 0 "demo/run.sh --check"
    else
        record 0 1 "demo/run.sh --check"
    fi
fi

if [ ${#recap[@]} -gt 0 ]; then
    echo "---- what failed ----"
    printf '%s\n' "${recap[@]}"
fi
echo "suite: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
