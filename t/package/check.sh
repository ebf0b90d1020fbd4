#!/usr/bin/env bash
# The Debian package: build it (dpkg-buildpackage -us -uc) from a copy of
# the tree, check it with lintian, unpack it (dpkg -x) and start a scratch
# httpd on 127.0.0.1 with the packaged .load and .conf: apache2 -t, then a
# request through a TokenProxy location.  Installs nothing on the system.
# Prints "ok N - ..." / "not ok N - ..." lines (TAP).
#
#   t/package/check.sh
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
scratch=$(mktemp -d /tmp/tokenproxy-package.XXXXXX)
chmod 755 "$scratch"
httpd_pid="" up_pid="" n=0 failed=0
cleanup() {
    [ -n "$httpd_pid" ] && kill -TERM "$httpd_pid" 2>/dev/null && wait "$httpd_pid" 2>/dev/null
    [ -n "$up_pid" ] && kill -TERM "$up_pid" 2>/dev/null && wait "$up_pid" 2>/dev/null
    rm -rf "$scratch"
}
trap cleanup EXIT
check() {  # description command...
    local what=$1; shift
    n=$((n + 1))
    if "$@" >"$scratch/out.$n" 2>&1; then
        echo "ok $n - $what"
    else
        echo "not ok $n - $what"
        sed 's/^/#   /' "$scratch/out.$n" | tail -15
        failed=$((failed + 1))
    fi
}

# 1. build from a copy (the .deb and .changes land beside it)
# (only what is under version control: no build products in the source)
mkdir -p "$scratch/build/src"
if git -C "$top" rev-parse --git-dir >/dev/null 2>&1; then
    (cd "$top" && git ls-files -z | tar --null -T - -cf -)
else
    tar -C "$top" --exclude=./t/logs --exclude=./.libs --exclude=node_modules \
        --exclude=./fuzz/bin --exclude='./t/unit/run-unit*' --exclude='*.o' -cf - .
fi | tar -C "$scratch/build/src" -xf -
check "dpkg-buildpackage -us -uc builds the package" \
    bash -c "cd '$scratch/build/src' && timeout 600 dpkg-buildpackage -us -uc"
deb=$(ls "$scratch"/build/libapache2-mod-tokenproxy_*.deb 2>/dev/null | head -1)
changes=$(ls "$scratch"/build/libapache2-mod-tokenproxy_*.changes 2>/dev/null | head -1)
check "lintian: no errors" timeout 300 lintian --fail-on error "$changes"

# 2. what it holds
root="$scratch/root"
check "dpkg -x unpacks it" dpkg -x "$deb" "$root"
so="$root/usr/lib/apache2/modules/mod_tokenproxy.so"
check "the module in Apache's module directory" test -f "$so"
check "tokenproxy.load names its Depends for a2enmod" \
    grep -qx '# Depends: proxy proxy_http socache_shmcb' "$root/etc/apache2/mods-available/tokenproxy.load"
check "the README and SECURITY.md as docs" \
    test -f "$root/usr/share/doc/libapache2-mod-tokenproxy/README.md.gz" -a \
         -f "$root/usr/share/doc/libapache2-mod-tokenproxy/SECURITY.md.gz"
check "Depends from the shared libraries" \
    bash -c "dpkg -I '$deb' | grep -E '^ Depends:.*libcurl4.*libhiredis.*libjansson4.*libssl3'"
# every directive of the module is in tokenproxy.conf, commented
missing() {
    local d
    for d in $(grep -oE 'AP_INIT_[A-Z0-9]+\("TokenProxy[A-Za-z]*"' "$top/mod_tokenproxy.c" |
               sed -E 's/.*\("//; s/"$//'); do
        grep -qE "^ *#$d( |$)" "$root/etc/apache2/mods-available/tokenproxy.conf" || echo "$d"
    done
}
absent=$(missing)
check "tokenproxy.conf lists every directive, commented" \
    bash -c "echo 'not in tokenproxy.conf: ${absent//$'\n'/ }'; [ -z '$absent' ]"

# 3. a scratch httpd with the packaged files
python3 "$top/demo/upstream.py" --port 0 --port-file "$scratch/up.port" \
    --parent-pid $$ </dev/null >/dev/null 2>&1 &
up_pid=$!
for _ in $(seq 1 100); do [ -s "$scratch/up.port" ] && break; sleep 0.1; done
up=$(cat "$scratch/up.port")
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$scratch/logs"
sed "s#/usr/lib/apache2/modules/mod_tokenproxy.so#$so#" \
    "$root/etc/apache2/mods-available/tokenproxy.load" >"$scratch/tokenproxy.load"
# shellcheck source=demo/scratch-httpd.sh
. "$top/demo/scratch-httpd.sh"
# its modules are what "Depends: proxy proxy_http socache_shmcb" has
# a2enmod enable; mod_tokenproxy comes from the packaged .load
{ scratch_httpd_conf "$scratch" "$port" ""
  cat <<CONF
Include "$scratch/tokenproxy.load"
Include "$root/etc/apache2/mods-available/tokenproxy.conf"
ProxyPass /api/ http://127.0.0.1:$up/echo/api/
<Location /api/>
    TokenProxy On
    TokenProxyRefreshURL http://127.0.0.1:$up/idp/token
</Location>
CONF
} >"$scratch/httpd.conf"
check "apache2 -t accepts the packaged .load and .conf" \
    bash -c "/usr/sbin/apache2 -t -f '$scratch/httpd.conf' 2>&1 | tee /dev/stderr | grep -q 'Syntax OK'"
/usr/sbin/apache2 -f "$scratch/httpd.conf" -DFOREGROUND </dev/null >"$scratch/logs/stderr" 2>&1 &
httpd_pid=$!
for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
tok="eyJhbGciOiJub25lIn0.eyJzdWIiOiJwa2cifQ.s3cr3t-package"
check "a request through a TokenProxy location gets its Bearer" \
    bash -c "curl -s --max-time 30 -H 'Cookie: accessToken=$tok; theme=dark' 'http://127.0.0.1:$port/api/x' |
             tee /dev/stderr | grep -q '\"Bearer $tok\"'"
check "and the token cookie stays away from the upstream" \
    bash -c "curl -s --max-time 30 -H 'Cookie: accessToken=$tok; theme=dark' 'http://127.0.0.1:$port/api/x' |
             grep -q '\"theme=dark\"'"

echo "1..$n"
[ "$failed" -eq 0 ]
