#!/usr/bin/env bash
# Fuzz one target for a while, adding what it finds to its corpus:
#   fuzz/run.sh cookie|jwt|answer|sealed|oidc|login|session [SECONDS]      (default 60)
# Replay every corpus once (what the test command does):
#   fuzz/run.sh replay
set -euo pipefail
cd "$(dirname "$0")"
./build.sh
if [ "${1:-}" = replay ]; then
    for t in cookie jwt answer sealed oidc login session; do
        ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1 \
            "bin/fuzz_$t" -runs=0 "corpus/$t" 2>&1 | tail -1
    done
    exit 0
fi
t=${1:?usage: fuzz/run.sh cookie|jwt|answer|sealed|oidc|login|session [SECONDS] | replay}
mkdir -p "findings/$t"
exec "bin/fuzz_$t" -max_total_time="${2:-60}" -artifact_prefix="findings/$t/" \
    "corpus/$t"
