# shellcheck shell=bash
# The head of a self-contained httpd configuration in a scratch
# ServerRoot, listening on 127.0.0.1 only and touching no system
# configuration.  Sourced by demo/run.sh, t/browser/run.sh and
# t/package/check.sh, which append their own locations:
#
#   scratch_httpd_conf DIR PORT MODULE >DIR/httpd.conf
#
# DIR holds logs/ (pid, error_log, runtime files and mutexes); PORT is the
# port on 127.0.0.1; MODULE is the mod_tokenproxy.so to load, or "" when
# the caller loads it itself.  As root, the children run as nobody.  The
# modules every scratch httpd needs: the event MPM, authz_core, proxy,
# proxy_http and socache_shmcb.
scratch_httpd_conf() {
    local dir=$1 port=$2 module=$3 moddir
    moddir=$(apxs -q LIBEXECDIR)
    mkdir -p "$dir/logs"
    cat <<CONF
ServerRoot "$dir"
ServerName 127.0.0.1:$port
Listen 127.0.0.1:$port
PidFile "$dir/logs/httpd.pid"
ErrorLog "$dir/logs/error_log"
DefaultRunTimeDir "$dir/logs"
Mutex file:$dir/logs default
CONF
    if [ "$(id -u)" -eq 0 ]; then
        printf 'User nobody\nGroup nogroup\n'
    fi
    cat <<CONF
LoadModule mpm_event_module $moddir/mod_mpm_event.so
LoadModule authz_core_module $moddir/mod_authz_core.so
LoadModule proxy_module $moddir/mod_proxy.so
LoadModule proxy_http_module $moddir/mod_proxy_http.so
LoadModule socache_shmcb_module $moddir/mod_socache_shmcb.so
CONF
    if [ -n "$module" ]; then
        echo "LoadModule tokenproxy_module $module"
    fi
}
