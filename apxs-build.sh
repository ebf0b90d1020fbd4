#!/usr/bin/env bash
# Build mod_tokenproxy.so with apxs against the system httpd.
#
#   ./apxs-build.sh            build .libs/mod_tokenproxy.so
#   ./apxs-build.sh --deps X   only install what X needs (build|test|demo)
#   ./apxs-build.sh install    build, then install into httpd's module dir
#   TP_NO_DEPS=1 ./apxs-build.sh   build without checking the packages
#
# Missing Debian/Ubuntu packages are installed with apt-get (sudo when not
# root); the script says what it installs.
set -euo pipefail
cd "$(dirname "$0")"

# "package kind probe" -- kind is cmd (a command), pc (a pkg-config module)
# or perlmod (a Perl module); the lists are used through "local -n"
# shellcheck disable=SC2034
BUILD_DEPS=(
    "gcc cmd gcc"
    "pkg-config cmd pkg-config"
    "apache2-dev cmd apxs"
    "apache2 cmd /usr/sbin/apache2"
    "libapr1-dev pc apr-1"
    "libaprutil1-dev pc apr-util-1"
    "libjansson-dev pc jansson"
    "libcurl4-openssl-dev pc libcurl"
    "libssl-dev pc openssl"
    "libhiredis-dev pc hiredis"
)
# shellcheck disable=SC2034
TEST_DEPS=(
    "check pc check"
    "libapache2-mod-perl2 perlmod Apache::Test"
    "libwww-perl perlmod LWP::UserAgent"
    "python3 cmd /usr/bin/python3"
    "curl cmd curl"
    "redis-server cmd redis-server"
    "redis-tools cmd redis-cli"
    "redis-sentinel cmd redis-sentinel"
    "dpkg-dev cmd dpkg-buildpackage"
    "debhelper cmd dh"
    "lintian cmd lintian"
    "chromium cmd /usr/bin/chromium"
    "nodejs cmd node"
    "npm cmd npm"
    "openssl cmd openssl"
)
# shellcheck disable=SC2034
DEMO_DEPS=(
    "python3 cmd /usr/bin/python3"
    "curl cmd curl"
)

have() {  # kind probe
    local kind=$1; shift
    case $kind in
        cmd) command -v "$1" >/dev/null 2>&1 ;;
        pc) command -v pkg-config >/dev/null 2>&1 && pkg-config --exists "$1" ;;
        perlmod) perl -M"$1" -e 1 >/dev/null 2>&1 ;;
    esac
}

ensure() {  # list-name
    local -n list=$1
    local missing=() entry pkg kind probe
    for entry in "${list[@]}"; do
        read -r pkg kind probe <<<"$entry"
        have "$kind" "$probe" || missing+=("$pkg")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "apxs-build.sh: missing ${missing[*]} and no apt-get here;" \
             "install them by hand" >&2
        exit 1
    fi
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "apxs-build.sh: installing ${missing[*]} with apt-get" >&2
    $sudo apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
        --no-install-recommends "${missing[@]}" >&2
}

build() {
    # TP_NO_DEPS=1: the caller (debian/rules) provides the dependencies
    [ -n "${TP_NO_DEPS:-}" ] || ensure BUILD_DEPS
    # shellcheck disable=SC2054
    local cflags=(-Wc,-std=c11 -Wc,-D_GNU_SOURCE -Wc,-Wall -Wc,-Wextra
                  -Wc,-Werror)
    # TP_SANITIZE=1: AddressSanitizer and UBSan (httpd must then run with
    # libasan preloaded: t/asan-httpd)
    if [ -n "${TP_SANITIZE:-}" ]; then
        cflags+=(-Wc,-fsanitize=address,undefined -Wc,-fno-omit-frame-pointer
                 -Wc,-fno-sanitize-recover=undefined -Wc,-O1
                 -Wl,-fsanitize=address,undefined)
    fi
    # up to date: built with these flags and sources, and newer than each (the
    # test command, then demo/run.sh, bench/run.sh build in turn)
    local stamp=.libs/mod_tokenproxy.flags
    local what
    what="${cflags[*]} $(echo src/*/*.c)"
    if [ -f .libs/mod_tokenproxy.so ] && [ -f "$stamp" ] &&
       [ "$(cat "$stamp")" = "$what" ] &&
       [ -z "$(find mod_tokenproxy.c apxs-build.sh src include \
                    -newer .libs/mod_tokenproxy.so -name '*.[ch]' -print \
                    -o -newer .libs/mod_tokenproxy.so -name '*.sh' -print |
               head -1)" ]; then
        echo "apxs-build.sh: up to date: $(pwd)/.libs/mod_tokenproxy.so" >&2
        return 0
    fi
    rm -f "$stamp"
    # shellcheck disable=SC2046
    apxs -c -o mod_tokenproxy.la -I include "${cflags[@]}" \
        $(pkg-config --cflags jansson libcurl openssl | sed 's/-I/-I /g') \
        mod_tokenproxy.c src/*/*.c \
        $(pkg-config --libs jansson libcurl openssl hiredis) >build.log 2>&1 || {
        cat build.log >&2; echo "apxs-build.sh: build failed" >&2; exit 1; }
    printf '%s\n' "$what" >"$stamp"
    echo "apxs-build.sh: built $(pwd)/.libs/mod_tokenproxy.so" >&2
}

case "${1:-build}" in
    --deps)
        case "${2:-build}" in
            build) ensure BUILD_DEPS ;;
            test) ensure BUILD_DEPS; ensure TEST_DEPS ;;
            demo) ensure BUILD_DEPS; ensure DEMO_DEPS ;;
            *) echo "usage: $0 --deps build|test|demo" >&2; exit 2 ;;
        esac ;;
    build) build ;;
    install) build; apxs -i -n tokenproxy mod_tokenproxy.la ;;
    *) echo "usage: $0 [build|install|--deps build|test|demo]" >&2; exit 2 ;;
esac
