#!/usr/bin/env bash
# The browser tests: installs playwright-core (the version in
# package-lock.json) with npm ci, starts the demo (demo/run.sh --serve) on
# 127.0.0.1, runs t/browser/test.mjs in Debian's Chromium, and stops the
# demo by its PID.  Prints TAP.
#
#   t/browser/run.sh
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
log=$(mktemp /tmp/tokenproxy-browser.XXXXXX)
demo_pid=""
cleanup() {
    if [ -n "$demo_pid" ]; then
        kill -TERM "$demo_pid" 2>/dev/null
        for _ in $(seq 1 100); do kill -0 "$demo_pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$demo_pid" 2>/dev/null
        wait "$demo_pid" 2>/dev/null
    fi
    rm -f "$log"
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
