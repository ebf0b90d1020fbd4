# Licensed under the Apache License, Version 2.0 (see LICENSE).
# A bad configuration stops httpd at startup with a clear message.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use File::Temp qw(tempdir);

# main's 100, 26 for the OpenID Connect login directives, 14 for the
# session ones (issue 19), 19 for Redis Sentinel's (issue 21)
plan tests => 159;

my $vars = Apache::Test::config()->{vars};
my $httpd = $vars->{httpd};
my $so = "$vars->{top_dir}/.libs/mod_tokenproxy.so";
my $dir = tempdir(CLEANUP => 1);

# Write $dir/NAME.conf: a minimal server on 127.0.0.1:PORT with the module
# and $body; returns its path.
sub write_conf {
    my ($name, $port, $body) = @_;
    my $conf = "$dir/$name.conf";
    open my $fh, '>', $conf or die "$conf: $!";
    print $fh <<"CONF";
ServerRoot "$dir"
ServerName 127.0.0.1
Listen 127.0.0.1:$port
ErrorLog "$dir/${name}_error_log"
PidFile "$dir/$name.pid"
DefaultRunTimeDir "$dir"
LoadModule mpm_prefork_module /usr/lib/apache2/modules/mod_mpm_prefork.so
LoadModule tokenproxy_module "$so"
$body
CONF
    close $fh;
    return $conf;
}

# (exit status, output) of "httpd -t" on a configuration with $body
sub syntax_check {
    my $conf = write_conf('httpd', 9, shift);
    my $out = `"$httpd" -t -f "$conf" 2>&1`;
    return ($? >> 8, $out);
}

# (exit status, error log + output) of starting httpd for real on a
# configuration whose post_config must refuse it; bounded: 30 s
sub start_refused {
    my ($name, $body) = @_;
    require IO::Socket::INET;
    my $probe = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1',
                                      LocalPort => 0);
    my $port = $probe->sockport;
    close $probe;
    my $conf = write_conf($name, $port, $body);
    my $o = `timeout 30 "$httpd" -f "$conf" -DFOREGROUND 2>&1`;
    my $status = $? >> 8;
    open my $lf, '<', "$dir/${name}_error_log";
    my $log = join '', <$lf>;
    unlink "$dir/$name.pid";
    return ($status, $log . $o);
}

my ($rc, $out) = syntax_check(<<'C');
<Location /api/>
    TokenProxy On
    TokenProxyAccessCookie __Host-at
    TokenProxyRefreshCookie rt
    TokenProxyRefreshURL https://idp.example/token
    TokenProxyRefreshFormat oauth2
    TokenProxyClient app "a secret"
    TokenProxyRefreshTimeout 10
    TokenProxyJSONField accessToken access_token
    TokenProxyRefreshSkew 0
    TokenProxyReplayMaxBody 0
    TokenProxyCookieSecure On
    TokenProxyCookieSameSite None
    TokenProxyCookiePath /
    TokenProxyRefreshCookieMaxAge 86400
    TokenProxyLoginURL https://idp.example/login?x=1
    TokenProxyPublic On
    TokenProxyRevokeURL https://idp.example/revoke
    TokenProxyCaptureTokens Off
</Location>
C
ok t_cmp($rc, 0, 'a good configuration passes');
ok t_cmp($out, qr/Syntax OK/);

($rc, $out) = syntax_check(qq{<Location />\n TokenProxyAccessCookie "a b"\n</Location>});
ok t_cmp($rc, 1, 'a cookie name with a space fails');
ok t_cmp($out, qr/TokenProxyAccessCookie: 'a b' is not a valid cookie name/);

($rc, $out) = syntax_check(qq{<Location />\n TokenProxyRefreshCookie a;b\n</Location>});
ok t_cmp($rc, 1, 'a cookie name with a semicolon fails');
ok t_cmp($out, qr/TokenProxyRefreshCookie: 'a;b' is not a valid cookie name/);

($rc, $out) = syntax_check(qq{<Location />\n TokenProxyAccessCookie t\n TokenProxyRefreshCookie t\n</Location>});
ok t_cmp($rc, 1, 'the same name for both cookies fails');
ok t_cmp($out, qr/TokenProxyRefreshCookie: the access and the refresh cookie cannot both be called 't'/);

($rc, $out) = syntax_check(qq{<Location />\n TokenProxy Maybe\n</Location>});
ok t_cmp($rc, 1, 'TokenProxy takes On or Off only');
ok t_cmp($out, qr/TokenProxy must be On or Off/);

# refresh, cookie and login directives
my @bad = (
    ['TokenProxyRefreshURL ftp://idp.example/token', qr/TokenProxyRefreshURL: 'ftp:\/\/idp.example\/token' is not an http:\/\/ or https:\/\/ URL/],
    ['TokenProxyRevokeURL /revoke',                 qr/TokenProxyRevokeURL: '\/revoke' is not an http:\/\/ or https:\/\/ URL/],
    ['TokenProxyRefreshFormat xml',                 qr/TokenProxyRefreshFormat: 'xml' is neither json nor oauth2/],
    ['TokenProxyRefreshTimeout 0',                  qr/TokenProxyRefreshTimeout: '0' is not a number of seconds from 1 to 300/],
    ['TokenProxyRefreshSkew soon',                  qr/TokenProxyRefreshSkew: 'soon' is not a whole number/],
    ['TokenProxyReplayMaxBody -5',                  qr/TokenProxyReplayMaxBody: '-5' is not a whole number/],
    ['TokenProxyCookieSameSite Sometimes',          qr/TokenProxyCookieSameSite: 'Sometimes' is not Strict, Lax or None/],
    ['TokenProxyCookiePath app',                    qr/TokenProxyCookiePath: 'app' is not a cookie path/],
    ['TokenProxyLoginURL //evil.example/',          qr/TokenProxyLoginURL: '\/\/evil.example\/' is neither a local path/],
    ['TokenProxyJSONField idToken id_token',        qr/TokenProxyJSONField: 'idToken' is not one of accessToken, refreshToken, expiresIn/],
);
for my $case (@bad) {
    my ($line, $want) = @$case;
    ($rc, $out) = syntax_check("<Location />\n $line\n</Location>");
    ok t_cmp($rc, 1, "$line fails");
    ok t_cmp($out, $want, "$line: clear message");
}

# the shared refresh state
($rc, $out) = syntax_check("TokenProxyCache nosuch:/tmp/x");
ok t_cmp($rc, 1, 'an unknown socache provider fails');
ok t_cmp($out, qr/TokenProxyCache: no socache provider 'nosuch' \(is mod_socache_nosuch loaded\?\)/);
($rc, $out) = syntax_check("<Location />\n TokenProxyCache shmcb\n</Location>");
ok t_cmp($rc, 1, 'TokenProxyCache belongs to the main server config');

# a shared socache is no cluster: TokenProxyCluster is
for my $p (qw(redis memcache dc)) {
    ($rc, $out) = syntax_check("TokenProxyCache $p:127.0.0.1:1");
    ok t_cmp($rc, 1, "TokenProxyCache $p is refused");
    ok t_cmp($out, qr/TokenProxyCache: '$p' is not machine-local; .*use TokenProxyCluster redis:\/\//,
             'pointing to TokenProxyCluster');
}

# cluster-wide single flight
{
    my $ck = "$dir/cluster.key";
    open my $f, '>', $ck or die; print $f "11" x 32, "\n"; close $f;
    my $short = "$dir/cluster-short.key";
    open $f, '>', $short or die; print $f "abcd\n"; close $f;
    ($rc, $out) = syntax_check("TokenProxyCluster redis://app:s3cr3t-pw\@127.0.0.1:6380/2\n"
                               . "TokenProxyClusterKey $ck\nTokenProxyClusterTimeout 250");
    ok t_cmp($rc, 0, 'a cluster configuration passes');
    ($rc, $out) = syntax_check("TokenProxyCluster redis-sentinel://:s3cr3t-pw\@127.0.0.1,[::1]:26380/my-master.1/2\n"
                               . "TokenProxyClusterKey $ck\nTokenProxyClusterSentinelAuth sent:s3cr3t-sp\n"
                               . "TokenProxyClusterReplicas 1");
    ok t_cmp($rc, 0, 'a Sentinel configuration passes');
    ($rc, $out) = syntax_check("TokenProxyCluster redis://:s3cr3t-pw\@127.0.0.1:6379");
    ok t_cmp($rc, 1, 'TokenProxyCluster without TokenProxyClusterKey is refused');
    ok t_cmp($out, qr/TokenProxyCluster needs TokenProxyClusterKey FILE, the same 32 random bytes on every node/,
             'with a clear message');
    ok t_cmp($out =~ /s3cr3t/ ? 1 : 0, 0, 'that does not show the password');
    for my $case (
        ['TokenProxyCluster http://127.0.0.1:6379', qr/TokenProxyCluster: the URL must begin with redis:\/\//],
        ['TokenProxyCluster rediss://127.0.0.1', qr/TokenProxyCluster: the URL must begin with redis:\/\/ or redis-sentinel:\/\/ \(TLS to Redis is not supported/],
        ['TokenProxyCluster redis://:s3cr3t-pw@127.0.0.1:99999', qr/TokenProxyCluster: the port must be a number from 1 to 65535/],
        ['TokenProxyCluster redis://:s3cr3t-pw@127.0.0.1/x', qr/TokenProxyCluster: the database after '\/' must be a number/],
        ['TokenProxyCluster redis://s3cr3t-pw@127.0.0.1', qr/TokenProxyCluster: the credentials must be \[USER\]:PASSWORD@/],
        ['TokenProxyClusterTimeout 0', qr/TokenProxyClusterTimeout: '0' is not a number of milliseconds from 1 to 60000/],
        ["TokenProxyClusterKey $short", qr/TokenProxyClusterKey: the key file \S+ does not hold 32 bytes/],
        ["<Location />\n TokenProxyCluster redis://127.0.0.1\n</Location>", qr/TokenProxyCluster not allowed in <Location> context/],
        # Redis Sentinel and replicas
        ['TokenProxyCluster redis-sentinel://:s3cr3t-pw@127.0.0.1:26379', qr/TokenProxyCluster: no master name after the Sentinels/],
        ['TokenProxyCluster redis-sentinel://:s3cr3t-pw@127.0.0.1,,127.0.0.2/m', qr/TokenProxyCluster: an empty Sentinel address/],
        ['TokenProxyCluster redis-sentinel://:s3cr3t-pw@127.0.0.1/m!x', qr/TokenProxyCluster: the master name may hold letters/],
        ['TokenProxyClusterReplicas 17', qr/TokenProxyClusterReplicas: '17' is not a whole number from 0 to 16/],
        ['TokenProxyClusterSentinelAuth s3cr3t-x:', qr/TokenProxyClusterSentinelAuth: the password is empty/],
        ["TokenProxyCluster redis://:s3cr3t-pw\@127.0.0.1\nTokenProxyClusterKey $ck\nTokenProxyClusterSentinelAuth s3cr3t-sp",
         qr/TokenProxyClusterSentinelAuth needs TokenProxyCluster redis-sentinel:\/\//],
    ) {
        ($rc, $out) = syntax_check($case->[0]);
        ok t_cmp($rc, 1, "refused: $case->[0]");
        ok t_cmp($out, $case->[1], 'with a clear message');
        ok t_cmp($out =~ /s3cr3t/ ? 1 : 0, 0, 'never echoing the password');
    }
}

# the mutex is registered: httpd's Mutex directive knows it
($rc, $out) = syntax_check("Mutex file:$dir tokenproxy-refresh");
ok t_cmp($rc, 0, 'Mutex file:DIR tokenproxy-refresh is accepted');
ok t_cmp($out, qr/Syntax OK/);
($rc, $out) = syntax_check("Mutex nosuchmech tokenproxy-refresh");
ok t_cmp($rc, 1, 'a bad mechanism for it is refused');
($rc, $out) = syntax_check("Mutex file:$dir tokenproxy-nosuch");
ok t_cmp($out, qr/tokenproxy-nosuch/, 'an unknown mutex name is refused by name');

# refreshing without a socache provider: httpd does not start
{
    my $started = time;
    my ($status, $log) = start_refused('nocache', <<'CONF');
<Location /api/>
    TokenProxy On
    TokenProxyRefreshURL http://127.0.0.1:9/token
</Location>
CONF
    ok t_cmp($status != 0 && $status != 124, 1, 'httpd refuses to start');
    ok t_cmp(time - $started < 30, 1, 'at once');
    ok t_cmp($log, qr/refreshing tokens needs the shared refresh state: load mod_socache_shmcb/,
             'and says what to load');
    my $notices = () = $log =~ /token cookies are not sealed: no TokenProxyCookieKey is set/g;
    ok t_cmp($notices, 1, 'without a cookie key, the startup log says so once');
}

# a TokenProxyCache too small for 1000 refresh results at the configured
# token size: httpd does not start, and says what size to set
{
    my ($status, $log) = start_refused('smallcache', <<"CONF");
LoadModule socache_shmcb_module /usr/lib/apache2/modules/mod_socache_shmcb.so
TokenProxyCache shmcb:$dir/small(524288)
<Location /api/>
    TokenProxy On
    TokenProxyRefreshURL http://127.0.0.1:9/token
</Location>
CONF
    ok t_cmp($status != 0 && $status != 124, 1, 'a too small TokenProxyCache stops httpd');
    ok t_cmp($log, qr/TokenProxyCache shmcb:\S+small\(524288\) holds only \d+ refresh results of 1024 bytes \(TokenProxyTokenSize\); at least 1000 are needed: set TokenProxyCache shmcb:\S+small\(\d+\) or more/,
             'naming the directive and the size to set');
    my ($size) = $log =~ /set TokenProxyCache shmcb:\S+small\((\d+)\) or more/;
    ok t_cmp(($size // 0) > 524288 && ($size // 0) < 2 * 1048576, 1, "a sane size (" . ($size // '?') . ")");
}
($rc, $out) = syntax_check("TokenProxyTokenSize 8");
ok t_cmp($rc, 1, 'TokenProxyTokenSize too small');
ok t_cmp($out, qr/TokenProxyTokenSize: '8' is not a whole number from 16 to 32768/);
($rc, $out) = syntax_check("TokenProxyRefreshSlots 100");
ok t_cmp($rc, 1, 'TokenProxyRefreshSlots too small');
ok t_cmp($out, qr/TokenProxyRefreshSlots: '100' is not a whole number from 1024 to 16777216/);
($rc, $out) = syntax_check("<Location />\n TokenProxyRefreshSlots 4096\n</Location>");
ok t_cmp($rc, 1, 'TokenProxyRefreshSlots belongs to the main server config');
($rc, $out) = syntax_check("TokenProxyTokenSize 2048\nTokenProxyRefreshSlots 131072");
ok t_cmp($rc, 0, 'good values pass');

# __Host- and __Secure- cookies, key files, CSRF directives
my $k = "$dir/good.key";
open my $kf, '>', $k or die; print $kf "00" x 32, "\n"; close $kf;
my $bad = "$dir/bad.key";
open $kf, '>', $bad or die; print $kf "too short\n"; close $kf;
for my $case (
    [qq{TokenProxyAccessCookie __Host-at\n TokenProxyCookieSecure Off},
     qr/TokenProxyCookieSecure: the cookie '__Host-at' needs Secure, but this section says TokenProxyCookieSecure Off/],
    [qq{TokenProxyCookieSecure Off\n TokenProxyRefreshCookie __Secure-rt},
     qr/TokenProxyRefreshCookie: the cookie '__Secure-rt' needs Secure/],
    [qq{TokenProxyCookiePath /app/\n TokenProxyAccessCookie __Host-at},
     qr/TokenProxyAccessCookie: the cookie '__Host-at' needs Path=\/, but this section says TokenProxyCookiePath \/app\//],
    [qq{TokenProxyCookieKey $bad},
     qr/TokenProxyCookieKey: the key file \S+bad.key does not hold 32 bytes as 64 hex digits or base64 \(make one with: openssl rand -hex 32/],
    [qq{TokenProxyTrustedOrigin evil.example},
     qr/TokenProxyTrustedOrigin: 'evil.example' is not an origin/],
    # an opaque origin is never trusted: listing it is a mistake
    [qq{TokenProxyTrustedOrigin null},
     qr/TokenProxyTrustedOrigin: 'null' is not an origin/],
    [qq{TokenProxyTrustedOrigin https://admin.example/},
     qr/TokenProxyTrustedOrigin: 'https:\/\/admin.example\/' is not an origin/],
) {
    ($rc, $out) = syntax_check("<Location />\n $case->[0]\n</Location>");
    ok t_cmp($rc, 1, "refused: $case->[0]");
    ok t_cmp($out, $case->[1], 'with a clear message');
}

# a __Host- name set in one section, contradicted in a nested one: found
# at startup
{
    my ($status, $log) = start_refused('hostp', <<'CONF');
<Location /app/>
    TokenProxyAccessCookie __Host-at
</Location>
<Location /app/legacy/>
    TokenProxyCookieSecure Off
</Location>
CONF
    ok t_cmp($status != 0 && $status != 124, 1, 'a contradiction across sections stops httpd');
    ok t_cmp($log, qr/<Location \/app\/legacy\/>: the cookie '__Host-at' needs Secure, but this section says TokenProxyCookieSecure Off/,
             'naming the section');
}

# the OpenID Connect login
($rc, $out) = syntax_check(<<'C');
TokenProxyOIDCProvider https://idp.example/realms/app
TokenProxyClient app s3cr3t-client
TokenProxyRedirectURI /auth/callback
TokenProxyScope openid offline_access profile
TokenProxyScope email
TokenProxyAuthParam prompt consent
TokenProxyAuthParam resource https://api.example/
TokenProxyPostLogoutURL https://app.example/bye
TokenProxyIDCookie __Host-id
<Location /auth/login>
    SetHandler tokenproxy-login
</Location>
C
ok t_cmp($rc, 0, 'a complete OpenID Connect login configuration is accepted');
ok t_cmp($out, qr/Syntax OK/);
for my $case (
    ['TokenProxyOIDCProvider http://idp.example/', qr/TokenProxyOIDCProvider: 'http:\/\/idp.example\/' is not an issuer: an https:\/\/ URL/],
    ['TokenProxyOIDCProvider https://idp.example/?tenant=1', qr/TokenProxyOIDCProvider: 'https:\/\/idp.example\/\?tenant=1' is not an issuer/],
    ['TokenProxyRedirectURI //evil.example/cb', qr/TokenProxyRedirectURI: '\/\/evil.example\/cb' is neither a local path/],
    ['TokenProxyScope "open id"', qr/TokenProxyScope: 'open id' is not a scope/],
    ['TokenProxyAuthParam state fixed', qr/TokenProxyAuthParam: 'state' is a parameter of the protocol itself and cannot be set here/],
    ['TokenProxyAuthParam "a b" c', qr/TokenProxyAuthParam: 'a b' is not a parameter name/],
    ['TokenProxyPostLogoutURL ftp://app.example/', qr/TokenProxyPostLogoutURL: 'ftp:\/\/app.example\/' is neither a local path/],
    ['TokenProxyIDCookie "a b"', qr/TokenProxyIDCookie: 'a b' is not a valid cookie name/],
    ['TokenProxyIDCookie accessToken', qr/TokenProxyIDCookie: 'accessToken' is already the access or the refresh cookie/],
) {
    ($rc, $out) = syntax_check("<Location />\n $case->[0]\n</Location>");
    ok t_cmp($rc, 1, "refused: $case->[0]");
    ok t_cmp($out, $case->[1], 'with a clear message');
}
for my $case (
    ['noclient', "TokenProxyOIDCProvider https://idp.example\nTokenProxyRedirectURI /cb\n",
     qr/the server configuration: TokenProxyOIDCProvider https:\/\/idp.example needs TokenProxyClient/],
    ['noredirect', "<Location /app/>\n TokenProxyOIDCProvider https://idp.example\n TokenProxyClient app\n</Location>\n",
     qr/<Location \/app\/>: TokenProxyOIDCProvider https:\/\/idp.example needs TokenProxyRedirectURI/],
    ['hostid', "TokenProxyIDCookie __Host-id\n<Location /app/>\n TokenProxyCookieSecure Off\n</Location>\n",
     qr/<Location \/app\/>: the cookie '__Host-id' needs Secure, but this section says TokenProxyCookieSecure Off/],
) {
    my ($status, $log) = start_refused($case->[0], $case->[1]);
    ok t_cmp($status != 0 && $status != 124, 1, "httpd does not start: $case->[0]");
    ok t_cmp($log, $case->[2], 'with a clear message');
}

# issue 19: the session limits and cookie
($rc, $out) = syntax_check(<<'C');
<Location />
    TokenProxySessionIdleTimeout 1800
    TokenProxySessionMaxAge 36000
    TokenProxySessionCookie __Host-session
</Location>
C
ok t_cmp($rc, 0, 'the session directives are accepted');
ok t_cmp($out, qr/Syntax OK/);
for my $case (
    ['TokenProxySessionIdleTimeout soon', qr/TokenProxySessionIdleTimeout: 'soon' is not a whole number/],
    ['TokenProxySessionMaxAge 999999999999', qr/TokenProxySessionMaxAge: '999999999999' is not a whole number from 0 to 315360000/],
    ['TokenProxySessionCookie "a b"', qr/TokenProxySessionCookie: 'a b' is not a valid cookie name/],
    ['TokenProxySessionCookie refreshToken', qr/TokenProxySessionCookie: 'refreshToken' is already the access, the refresh or the ID cookie/],
    ["TokenProxyCookieSecure Off\n TokenProxySessionCookie __Host-s", qr/TokenProxySessionCookie: the cookie '__Host-s' needs Secure/],
) {
    ($rc, $out) = syntax_check("<Location />\n $case->[0]\n</Location>");
    ok t_cmp($rc, 1, "refused: $case->[0]");
    ok t_cmp($out, $case->[1], 'with a clear message');
}
{
    my ($status, $log) = start_refused('hostsess', "TokenProxySessionCookie __Host-s\n<Location /app/>\n TokenProxyCookieSecure Off\n</Location>\n");
    ok t_cmp($status != 0 && $status != 124, 1, 'httpd does not start: a __Host- session cookie without Secure below');
    ok t_cmp($log, qr/<Location \/app\/>: the cookie '__Host-s' needs Secure, but this section says TokenProxyCookieSecure Off/,
             'with a clear message');
}
