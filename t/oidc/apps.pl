#!/usr/bin/env perl
# Licensed under the Apache License, Version 2.0 (see LICENSE).
#
# Several apps and providers on one host (issue 22): two real
# oidc-provider instances (different issuers, keys and client ids), one
# httpd with two apps, /a/ (provider A, client app-a) and /b/ (provider B,
# client app-b), each with its login, callback, user endpoint, API and
# logout.  Four configurations, httpd started once for each:
#   1. names and paths distinct   2. names distinct on Path=/
#   3. default names, separate paths   4. default names on Path=/: refused
# In each working one, in one browser: each login goes to its own
# provider only; each upstream sees its own Bearer and no token cookie of
# either app; each user endpoint shows its own issuer; each refresh is
# counted at its own provider only; crossed callbacks answer 400 without a
# call to either token endpoint and leave the other login's cookie; logout
# at one app leaves the other working.  In 3, another app's cookies sent to
# /a/ are treated as absent and never cleared.  httpd runs at trace8; no
# secret may reach its error log.
#
#   perl t/oidc/apps.pl    (from the top of the tree, after npm ci in
#                           t/oidc; TAP output; TP_OIDC_MPM=event|worker|prefork)
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use File::Temp ();
use HTTP::Cookies ();
use LWP::UserAgent ();
use URI ();
use JSON::PP ();
use POSIX ();
use TPCluster;

$SIG{ALRM} = sub { die "apps tests: over 4 minutes, stopping\n" };
alarm 240;

my $top = "$FindBin::Bin/../..";
my $dir = File::Temp::tempdir('tokenproxy-apps.XXXXXX', TMPDIR => 1, CLEANUP => 1);
chmod 0755, $dir;
my $json = JSON::PP->new;
my $mpm = $ENV{TP_OIDC_MPM} // 'event';

# the module's sealing, for reading cookies as it does
my $sealtool = "$dir/sealtool";
system("gcc -std=c11 -D_GNU_SOURCE -I$top/include \$(pkg-config --cflags apr-1) "
       . "$top/t/oidc/sealtool.c $top/src/core/tp_sealcookie.c $top/src/core/tp_seal.c "
       . "$top/src/core/tp_b64.c -o $sealtool \$(pkg-config --libs apr-1 openssl)") == 0
    or die "cannot build the sealing tool\n";
open my $kf, '>', "$dir/cookie.key" or die;
print $kf join('', map { sprintf '%02x', int rand 256 } 1 .. 32), "\n";
close $kf;
chmod 0644, "$dir/cookie.key";
my @secrets = ('s3cr3t');
sub opened {
    my ($name, $value) = @_;
    return undef unless defined $value;
    local $ENV{V} = $value;
    open my $p, '-|', 'sh', '-c', "printf '%s' \"\$V\" | $sealtool open $dir/cookie.key '$name'"
        or die;
    my $out = do { local $/; <$p> };
    close $p;
    chomp $out if defined $out;
    push @secrets, $out if $? == 0 && $out;
    return $? == 0 ? $out : undef;
}

my $mock = start_mock($dir);
my %app = (a => { port => free_port(), client => 'app-a', secret => 's3cr3t-app-a-secret' },
           b => { port => free_port(), client => 'app-b', secret => 's3cr3t-app-b-secret' });
$app{$_}{issuer} = "http://127.0.0.1:$app{$_}{port}" for qw(a b);
push @secrets, map { $app{$_}{secret} } qw(a b);

# the configuration of one app: named => its own cookie names, path => its
# own TokenProxyCookiePath
sub app_conf {
    my ($x, %o) = @_;
    my $a = $app{$x};
    my $names = $o{named} ? "    TokenProxyAccessCookie at\U$x\E\n    TokenProxyRefreshCookie rt\U$x\E\n"
                            . "    TokenProxyIDCookie id\U$x\E\n    TokenProxySessionCookie sess\U$x\E\n" : '';
    my $path = $o{path} ? "    TokenProxyCookiePath /$x/\n" : '';
    return <<CONF;
<Location /$x/>
    TokenProxyOIDCProvider $a->{issuer}
    TokenProxyClient $a->{client} $a->{secret}
    TokenProxyRedirectURI /$x/auth/callback
    TokenProxyScope openid offline_access profile email
    TokenProxyAuthParam prompt consent
    TokenProxyPostLogoutURL /$x/bye
    TokenProxyLoginURL /$x/auth/login
    TokenProxyCookieSecure Off
    TokenProxyCookieKey $dir/cookie.key
$names$path</Location>
<Location /$x/auth/login>
    SetHandler tokenproxy-login
</Location>
<Location /$x/auth/callback>
    SetHandler tokenproxy-callback
</Location>
<Location /$x/auth/user>
    SetHandler tokenproxy-user
</Location>
<Location /$x/auth/logout>
    SetHandler tokenproxy-logout
</Location>
ProxyPass /$x/api/ http://127.0.0.1:$mock/echo/$x/
<Location /$x/api/>
    TokenProxy On
</Location>
CONF
}
sub conf {
    my (%o) = @_;
    return "LogLevel info tokenproxy:trace8\n<Location /tp-status>\n    SetHandler tokenproxy-status\n</Location>\n"
           . app_conf('a', %o) . app_conf('b', %o);
}

# the providers, for one httpd (their clients' redirect URIs name its port)
my %ppid;
sub start_providers {
    my ($httpd_port) = @_;
    for my $x (qw(a b)) {
        my $pid = fork() // die "fork: $!";
        if (!$pid) {
            open STDIN, '<', '/dev/null';
            open STDOUT, '>>', "$dir/provider-$x.log";
            open STDERR, '>&', \*STDOUT;
            $ENV{TP_OIDC_APP_CLIENT} = "$app{$x}{client},$app{$x}{secret},/$x";
            exec 'node', "$top/t/oidc/provider.mjs", $app{$x}{port}, $httpd_port or POSIX::_exit(1);
        }
        $ppid{$x} = $pid;
    }
    for my $x (qw(a b)) {
        wait_until(30, sub { http_req($app{$x}{port}, GET => '/.well-known/openid-configuration', [], undef, 5)->{status} == 200 })
            or BAIL_OUT("oidc-provider $x did not start: " . `tail -5 $dir/provider-$x.log`);
    }
}
sub stop_providers {
    for my $x (keys %ppid) {
        kill 'TERM', $ppid{$x};
        waitpid($ppid{$x}, 0);
    }
    %ppid = ();
}
END { stop_providers() }

sub pstats { my ($x) = @_; my $r = http_req($app{$x}{port}, GET => '/__stats', [], undef, 5);
             return eval { $json->decode($r->{body}) } || {} }
sub counts {   # code exchanges, refreshes and token endpoint calls at both
    my %s = map { $_ => pstats($_) } qw(a b);
    return join ' ', map { my $x = $_; "$x:" . join('/', map { $s{$x}{$_} // 0 }
                               'grant.authorization_code', 'grant.refresh_token', 'POST /token') } qw(a b);
}

my $site;
sub browser {
    my $ua = LWP::UserAgent->new(max_redirect => 0, timeout => 20, cookie_jar => HTTP::Cookies->new);
    $ua->default_header(Accept => 'text/html');
    return $ua;
}
sub loc { my ($r) = @_; my $l = $r->header('Location') // return ''; return URI->new_abs($l, $r->base)->as_string }
sub cookie_at {   # the value of cookie name with path
    my ($ua, $name, $path) = @_;
    my $v;
    $ua->cookie_jar->scan(sub { $v = $_[2] if $_[1] eq $name && $_[3] eq $path && length($_[2] // '') });
    return $v;
}
sub set_cookie_at {
    my ($ua, $name, $value, $path) = @_;
    $ua->cookie_jar->set_cookie(0, $name, $value, $path, '127.0.0.1', undef, 1, 0, 300, 0);
}
sub set_cookies_of { my ($r) = @_; my %c; for ($r->header('Set-Cookie')) { $c{$1} = $2 if /^([^=]+)=([^;]*)/ } return \%c }
sub login_cookies { my ($ua) = @_; my @n; $ua->cookie_jar->scan(sub { push @n, $_[1] if $_[1] =~ /^tp-login-/ && length($_[2] // '') }); return sort @n }

# From the app's login to the callback URL its provider sends back to.
sub to_callback {
    my ($ua, $x, $user) = @_;
    my $r = $ua->get("$site/$x/auth/login");
    return undef unless $r->code == 302;
    my $url = loc($r);
    for (1 .. 12) {
        return $url if $url =~ m{^\Q$site\E/$x/auth/callback};
        $r = $ua->get($url);
        if ($r->code =~ /^30[23]$/) { $url = loc($r); next }
        my $html = $r->decoded_content // '';
        my ($action) = $html =~ /<form[^>]*action="([^"]+)"/;
        last unless $r->code == 200 && $action;
        $action = URI->new_abs($action, $r->base)->as_string;
        $r = $html =~ /name="login"/
            ? $ua->post($action, { prompt => 'login', login => $user, password => 's3cr3t-password' })
            : $ua->post($action, { prompt => 'consent' });
        last unless $r->code =~ /^30[23]$/;
        $url = loc($r);
    }
    return undef;
}
sub api {   # (response, upstream Authorization, upstream Cookie)
    my ($ua, $x) = @_;
    my $r = $ua->get("$site/$x/api/x", Accept => 'application/json');
    my $j = eval { $json->decode($r->decoded_content) } || {};
    my ($auth) = map { $_->[1] } grep { lc $_->[0] eq 'authorization' } @{ $j->{headers} || [] };
    my ($cookie) = map { $_->[1] } grep { lc $_->[0] eq 'cookie' } @{ $j->{headers} || [] };
    return ($r, $auth // '', $cookie // '');
}
sub user_of {
    my ($ua, $x) = @_;
    my $r = $ua->get("$site/$x/auth/user", Accept => 'application/json');
    my $u = eval { $json->decode($r->decoded_content) } || {};
    return $r->code . ' ' . ($u->{sub} // '-') . ' ' . ($u->{iss} // '-');
}
my $token_cookie = qr/(?:^|;\s*)(?:at[AB]|rt[AB]|id[AB]|accessToken|refreshToken|idToken|tp-login-[^=]*)(?:\.\d+)?=/;

# ---- one working configuration
sub working {
    my ($label, %o) = @_;
    my ($at, $rt, $id) = $o{named} ? map({ my $k = $_; { a => "${k}A", b => "${k}B" } } qw(at rt id))
                                    : map({ my $k = $_; { a => $k, b => $k } } qw(accessToken refreshToken idToken));
    my %path = map { $_ => $o{path} ? "/$_/" : '/' } qw(a b);
    my $node = start_node($dir, "httpd-" . ($label =~ s/\W+/-/gr), $mpm, conf(%o));
    $site = "http://127.0.0.1:$node->{port}";
    start_providers($node->{port});
    my $t0 = time;

    # logins: each at its own provider only
    my $ua = browser();
    my %user = (a => 'alice', b => 'bob');
    for my $x (qw(a b)) {
        my $cb = to_callback($ua, $x, $user{$x});
        my $r = $ua->get($cb // "$site/$x/auth/callback");
        is($r->code . ' ' . loc($r), "302 $site/", "$label: the login at /$x/ comes back");
    }
    is(counts(), 'a:1/0/1 b:1/0/1', "$label: each login made one code exchange, at its own provider");
    my %tok = map { my $x = $_; $x => opened($at->{$x}, cookie_at($ua, $at->{$x}, $path{$x})) } qw(a b);
    opened($_->[0]{$_->[1]}, cookie_at($ua, $_->[0]{$_->[1]}, $path{$_->[1]})) for map { [$rt, $_], [$id, $_] } qw(a b);
    ok($tok{a} && $tok{b} && $tok{a} ne $tok{b}, "$label: two sessions side by side in one browser");

    # APIs: its own Bearer, no token cookie of either app
    for my $x (qw(a b)) {
        my ($r, $auth, $cookie) = api($ua, $x);
        is($r->code . ' ' . $auth, "200 Bearer " . ($tok{$x} // '?'), "$label: /$x/api/ got its own access token");
        unlike($cookie, $token_cookie, "$label: ... and no token, ID or login cookie of either app");
    }
    # user endpoints: each its own issuer
    is(user_of($ua, $_), "200 $user{$_} $app{$_}{issuer}", "$label: /$_/auth/user shows its own user and issuer")
        for qw(a b);

    # refreshes: each counted at its own provider only
    $ua->cookie_jar->clear('127.0.0.1', $path{a}, $at->{a});
    my ($r, $auth) = api($ua, 'a');
    is($r->code, 200, "$label: /a/api/ without its access cookie answers 200");
    is(counts(), 'a:1/1/2 b:1/0/1', "$label: ... after one refresh at provider A, none at B");
    $ua->cookie_jar->clear('127.0.0.1', $path{b}, $at->{b});
    ($r, $auth) = api($ua, 'b');
    is(counts(), 'a:1/1/2 b:1/1/2', "$label: /b/'s refresh is counted at provider B only");
    is(user_of($ua, 'a'), "200 alice $app{a}{issuer}", "$label: A's session is still A's");

    # crossed callbacks: 400, no token endpoint call, the other login kept
    my $cb_a = to_callback($ua, 'a', 'alice');
    my $cb_b = to_callback($ua, 'b', 'bob');
    my @pending = login_cookies($ua);
    my $before = counts();
    for my $cross ([a => $cb_b], [b => $cb_a]) {
        my ($x, $other) = @$cross;
        my $u = URI->new($other // '');
        my $q = $u->query // '';
        $r = $ua->get("$site/$x/auth/callback?$q", Accept => 'application/json');
        like($r->code . ' ' . ($r->decoded_content // ''), qr/^400 .*"error":"invalid_state"/,
             "$label: /$x/'s callback given the other app's code and state: 400 invalid_state");
        ok(!grep({ /^tp-login-/ } keys %{ set_cookies_of($r) }), "$label: ... the other login's cookie is not touched");
    }
    is(counts(), $before, "$label: ... no call to either token endpoint");
    is(join(' ', login_cookies($ua)), join(' ', @pending), "$label: both logins are still pending");
    for my $x (qw(a b)) {
        $r = $ua->get($x eq 'a' ? $cb_a : $cb_b);
        is($r->code, 302, "$label: /$x/'s own callback then completes its login");
    }

    if ($o{foreign}) {
        # another app's cookies at /a/ (same names, B's values): absent
        my $ub = browser();
        set_cookie_at($ub, $_, cookie_at($ua, $_, '/b/'), '/a/') for qw(accessToken refreshToken idToken);
        $before = counts();
        my ($r2) = api($ub, 'a');
        is($r2->code, 401, "$label: B's cookies sent to /a/api/: 401, as without a session");
        is(scalar(grep { /^(accessToken|refreshToken|idToken)=/ } $r2->header('Set-Cookie')), 0,
           "$label: ... and B's cookies are not cleared");
        is(counts(), $before, "$label: ... and B's refresh token never reaches A's token endpoint");
        is(user_of($ub, 'a') =~ s/ .*//r, '401', "$label: /a/auth/user does not report B's ID token");
    }

    # logout at A leaves B working
    $r = $ua->get("$site/a/auth/logout");
    like(loc($r), qr{^\Q$app{a}{issuer}\E/session/end}, "$label: logout at /a/ goes to provider A");
    my $sc = set_cookies_of($r);
    is(join(',', map { $sc->{$_} // 'kept' } $at->{a}, $rt->{a}, $id->{a}), ',,', "$label: ... and clears A's cookies");
    ($r) = api($ua, 'a');
    is($r->code, 401, "$label: after it, /a/api/ answers 401");
    ($r, $auth) = api($ua, 'b');
    is($r->code . ' ' . ($auth =~ /^Bearer ./ ? 'bearer' : 'none'), '200 bearer', "$label: /b/api/ still works");
    is(user_of($ua, 'b'), "200 bob $app{b}{issuer}", "$label: ... and /b/auth/user still shows bob");

    stop_providers();
    my $log = do { local $/; open my $fh, '<', "$node->{root}/logs/error_log" or die; <$fh> };
    my @leak = grep { length($_) >= 8 && index($log, $_) >= 0 } @secrets;
    is(scalar(@leak), 0, "$label: no token, secret or login state in httpd's trace8 log");
    stop_node($node);
    diag(sprintf '%s: %.1f s', $label, time - $t0);
}

working('names and paths distinct', named => 1, path => 1);
working('names distinct on Path=/', named => 1);
working('default names, separate paths', path => 1, foreign => 1);

# ---- 4. default names on Path=/: refused at startup
{
    my $node = eval { start_node($dir, 'httpd-refused', $mpm, conf()) };
    ok(!$node, 'default names on Path=/ for two apps: httpd does not start');
    stop_node($node) if $node;
    my $log = do { local $/; open my $fh, '<', "$dir/httpd-refused/logs/error_log" or die; <$fh> } // '';
    like($log, qr/<Location \/a\/>.*<Location \/b\/>.*both use the cookie 'accessToken'.*TokenProxyAccessCookie/,
         '... and says why, naming both sections and the directive');
}

done_testing();
