#!/usr/bin/env bash
# Build the libFuzzer targets (clang, -fsanitize=fuzzer,address,undefined)
# into fuzz/bin/.  Installs clang and its runtime with apt-get if missing.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v clang >/dev/null || ! echo 'int LLVMFuzzerTestOneInput(const char *d, long n){return 0;}' |
        clang -x c -fsanitize=fuzzer - -o /dev/null 2>/dev/null; then
    sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
    echo "fuzz/build.sh: installing clang libclang-rt-14-dev with apt-get" >&2
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq clang libclang-rt-14-dev >&2
fi
mkdir -p bin
# every request-free source: the targets reach the core directly
common=(../src/core/*.c)
flags=(-g -O1 -std=c11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined
       -fno-sanitize-recover=undefined -I../include)
for t in cookie jwt answer sealed oidc login session; do
    # shellcheck disable=SC2046
    clang "${flags[@]}" $(pkg-config --cflags apr-1 apr-util-1 jansson libcurl hiredis) \
        "fuzz_$t.c" "${common[@]}" -o "bin/fuzz_$t" \
        $(pkg-config --libs apr-1 apr-util-1 jansson openssl libcurl hiredis)
done
echo "fuzz/build.sh: built $(ls bin | tr '\n' ' ')" >&2
