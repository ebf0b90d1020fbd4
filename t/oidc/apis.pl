#!/usr/bin/env perl
# Licensed under the Apache License, Version 2.0 (see LICENSE).
#
# Tokens for every API behind the BFF (issue 20), against a real OpenID
# provider: oidc-provider (t/oidc/apis.mjs says what its configuration
# checks) with client credentials, resource indicators, token exchange
# (registerGrantType) and a private_key_jwt client.  One httpd (event MPM
# unless TP_OIDC_MPM says otherwise) at trace8 in front of the mock
# upstream, which echoes the Authorization header it got:
#   - TokenProxyTokenType client: 50 concurrent requests, 1 grant, aud =
#     the resource; after its expiry exactly 1 more;
#   - user-or-client: the user's token with a session, the client token
#     without one, and with a dead one (its cookies cleared);
#   - two exchange locations: each upstream sees its own aud and the
#     user's sub; 30 concurrent requests per location, 1 exchange each; a
#     second user gets their own; after the session's refresh exactly 1
#     new exchange per location;
#   - a refused exchange: 403, cookies kept; the provider down: 503;
#   - login, refresh, exchange and logout with private_key_jwt, and a
#     wrong key: the callback answers 502, no cookie, an error line
#     naming TokenProxyClientKey;
#   - no client token, exchanged token, subject token or assertion in the
#     trace8 error log.
#
#   perl t/oidc/apis.pl     (after npm ci in t/oidc; TAP output)
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
use MIME::Base64 ();
use POSIX ();
use Time::HiRes ();
use TPCluster;

$SIG{ALRM} = sub { die "API token tests: over 3 minutes, stopping\n" };
alarm 180;
my $t0 = Time::HiRes::time();

my $top = "$FindBin::Bin/../..";
my $dir = File::Temp::tempdir('tokenproxy-apis.XXXXXX', TMPDIR => 1, CLEANUP => !$ENV{TP_KEEP});
diag("kept in $dir") if $ENV{TP_KEEP};
chmod 0755, $dir;
my $json = JSON::PP->new;

# the module's sealing, to read the session's tokens from the cookies
my $sealtool = "$dir/sealtool";
system("gcc -std=c11 -D_GNU_SOURCE -I$top/include \$(pkg-config --cflags apr-1) "
       . "$top/t/oidc/sealtool.c $top/src/core/tp_sealcookie.c $top/src/core/tp_seal.c "
       . "$top/src/core/tp_b64.c -o $sealtool \$(pkg-config --libs apr-1 openssl)") == 0
    or die "cannot build the sealing tool\n";
open my $kf, '>', "$dir/cookie.key" or die;
print $kf join('', map { sprintf '%02x', int rand 256 } 1 .. 32), "\n";
close $kf;
chmod 0644, "$dir/cookie.key";
sub seal_open {
    my ($name, $value) = @_;
    local $ENV{V} = $value;
    open my $p, '-|', 'sh', '-c', "printf '%s' \"\$V\" | $sealtool open $dir/cookie.key '$name'" or die;
    my $out = do { local $/; <$p> };
    close $p;
    chomp $out if defined $out;
    return $? == 0 ? $out : undef;
}

# the provider first: it writes the client keys the configuration reads
my $pport = free_port();
my $hport = free_port();
my $issuer = "http://127.0.0.1:$pport";
my $provider_pid = fork() // die "fork: $!";
if (!$provider_pid) {
    open STDIN, '<', '/dev/null';
    open STDOUT, '>', "$dir/provider.log";
    open STDERR, '>&', \*STDOUT;
    exec 'node', "$top/t/oidc/apis.mjs", $pport, $hport, $dir or POSIX::_exit(1);
}
END { if ($provider_pid) { kill 'TERM', $provider_pid; waitpid($provider_pid, 0) } }
wait_until(30, sub { http_req($pport, GET => '/.well-known/openid-configuration', [], undef, 5)->{status} == 200 })
    or BAIL_OUT('oidc-provider did not start: ' . `tail -5 $dir/provider.log`);
sub pstats { my $r = http_req($pport, GET => '/__stats', [], undef, 5); return eval { $json->decode($r->{body}) } || {} }

my $mock = start_mock($dir);
my $conf = <<CONF;
LogLevel info tokenproxy:trace8
TokenProxyOIDCProvider $issuer
TokenProxyClient tp-api s3cr3t-api-client-secret
TokenProxyRedirectURI /auth/callback
TokenProxyScope openid offline_access
TokenProxyAuthParam prompt consent
TokenProxyPostLogoutURL /bye
TokenProxyLoginURL /auth/login
TokenProxyCookieSecure Off
TokenProxyCookieKey $dir/cookie.key
TokenProxyRefreshSkew 2
<Location /tp-status>
    SetHandler tokenproxy-status
</Location>
<Location /auth/login>
    SetHandler tokenproxy-login
</Location>
<Location /auth/callback>
    SetHandler tokenproxy-callback
</Location>
<Location /auth/logout>
    SetHandler tokenproxy-logout
</Location>
ProxyPass /catalog/ http://127.0.0.1:$mock/echo/catalog/
<Location /catalog/>
    TokenProxy On
    TokenProxyTokenType client
    TokenProxyClientScope catalog
    TokenProxyClientResource https://catalog.example/
</Location>
ProxyPass /mixed/ http://127.0.0.1:$mock/echo/mixed/
<Location /mixed/>
    TokenProxy On
    TokenProxyTokenType user-or-client
    TokenProxyClientScope catalog
    TokenProxyClientResource https://catalog.example/
</Location>
CONF
for my $api (qw(orders hr refuse other)) {
    $conf .= <<CONF;
ProxyPass /$api/ http://127.0.0.1:$mock/echo/$api/
<Location /$api/>
    TokenProxy On
    TokenProxyExchange audience $api-api
    ProxyErrorOverride On 401
</Location>
CONF
}
# an upstream that refuses every token: refresh, exchange again, replay once
$conf .= <<CONF;
ProxyPass /deny/ http://127.0.0.1:$mock/status/401/deny/
<Location /deny/>
    TokenProxy On
    TokenProxyExchange audience orders-api
    ProxyErrorOverride On 401
</Location>
CONF
for my $pk (['pk', 'client.pem'], ['bad', 'wrong.pem']) {
    my ($p, $file) = @$pk;
    $conf .= <<CONF;
<Location /$p/>
    TokenProxyClient tp-pkjwt
    TokenProxyClientKey $dir/$file pk-1
    TokenProxyRedirectURI /$p/auth/callback
    TokenProxyLoginURL /$p/auth/login
    TokenProxyAccessCookie ${p}At
    TokenProxyRefreshCookie ${p}Rt
    TokenProxyIDCookie ${p}Id
    TokenProxySessionCookie ${p}Sess
</Location>
<Location /$p/auth/login>
    SetHandler tokenproxy-login
</Location>
<Location /$p/auth/callback>
    SetHandler tokenproxy-callback
</Location>
<Location /$p/auth/logout>
    SetHandler tokenproxy-logout
</Location>
ProxyPass /$p/orders/ http://127.0.0.1:$mock/echo/$p/orders/
<Location /$p/orders/>
    TokenProxy On
    TokenProxyExchange audience orders-api
</Location>
CONF
}
my $mpm = $ENV{TP_OIDC_MPM} // 'event';
my $node = start_node($dir, 'apis', $mpm, $conf, $hport);
my $site = "http://127.0.0.1:$node->{port}";
ok(1, "httpd ($mpm MPM) started with the API token locations");

sub browser {
    my $ua = LWP::UserAgent->new(max_redirect => 0, timeout => 20, cookie_jar => HTTP::Cookies->new);
    $ua->default_header(Accept => 'text/html');
    return $ua;
}
sub loc { my ($r) = @_; my $l = $r->header('Location') // return ''; return URI->new_abs($l, $r->base)->as_string }
sub cookie_of {
    my ($ua, $name) = @_;
    my $v;
    $ua->cookie_jar->scan(sub { $v = $_[2] if $_[1] eq $name && $_[3] !~ /:$pport/ && length($_[2] // '') });
    return $v;
}
sub cookie_header {   # the browser's cookies for httpd as one Cookie header
    my ($ua) = @_;
    my @c;
    $ua->cookie_jar->scan(sub { push @c, "$_[1]=$_[2]" if $_[4] eq '127.0.0.1' && length($_[2] // '') && $_[2] ne '""' });
    return join '; ', @c;
}
sub drop_cookie { my ($ua, $name) = @_; $ua->cookie_jar->clear('127.0.0.1', '/', $name) }
sub set_cookie { my ($ua, $name, $v) = @_; $ua->cookie_jar->set_cookie(0, $name, $v, '/', '127.0.0.1', $node->{port}, 1, 0, 300, 0) }
sub cleared { my ($r) = @_; return join ',', sort map { /^([^=]+)=;/ ? $1 : () } $r->header('Set-Cookie') }

sub login {   # a browser logged in as $user (prefix '' or '/pk', '/bad'); (browser, callback response)
    my ($user, $pre) = @_;
    $pre //= '';
    my $ua = browser();
    my $r = $ua->get("$site$pre/auth/login");
    my $url = loc($r);
    for (1 .. 12) {
        if ($url =~ m{^\Q$site$pre\E/auth/callback}) {
            return ($ua, $ua->get($url));
        }
        $r = $ua->get($url);
        if ($r->code =~ /^30[23]$/) { $url = loc($r); next }
        my $html = $r->decoded_content // '';
        my ($action) = $html =~ /<form[^>]*action="([^"]+)"/;
        last unless $r->code == 200 && $action;
        $action = URI->new_abs($action, $r->base)->as_string;
        $r = $html =~ /name="login"/
            ? $ua->post($action, { prompt => 'login', login => $user, password => 'pw' })
            : $ua->post($action, { prompt => 'consent' });
        last unless $r->code =~ /^30[23]$/;
        $url = loc($r);
    }
    return ($ua, $r);
}

sub jwt_claims {
    my ($tok) = @_;
    my (undef, $p) = split /\./, $tok // '';
    return {} unless $p;
    $p =~ tr{-_}{+/};
    return eval { $json->decode(MIME::Base64::decode_base64($p)) } || {};
}
sub bearer_of {   # the Authorization the upstream saw, from the echo
    my ($body) = @_;
    my $j = eval { $json->decode($body) } || {};
    my ($auth) = map { $_->[1] } grep { lc $_->[0] eq 'authorization' } @{ $j->{headers} || [] };
    return ($auth // '') =~ /^Bearer (.+)$/ ? $1 : '';
}
sub get {   # (status, token the upstream saw, response)
    my ($ua, $path) = @_;
    my $r = $ua->get("$site$path", Accept => 'application/json');
    return ($r->code, bearer_of($r->decoded_content // ''), $r);
}
# n concurrent requests: the statuses and the tokens the upstream saw
sub storm {
    my ($n, $path, $cookie) = @_;
    my @kids;
    for my $i (1 .. $n) {
        my $pid = fork() // die "fork: $!";
        if (!$pid) {
            my $r = http_req($node->{port}, GET => $path,
                             [ 'Accept: application/json', $cookie ? "Cookie: $cookie" : () ], undef, 30);
            open my $o, '>', "$dir/storm.$i" or POSIX::_exit(1);
            print $o "$r->{status} " . bearer_of($r->{body}) . "\n";
            close $o;
            POSIX::_exit(0);
        }
        push @kids, $pid;
    }
    waitpid($_, 0) for @kids;
    my (%status, %tok);
    for my $i (1 .. $n) {
        open my $f, '<', "$dir/storm.$i" or next;
        my ($s, $t) = split / /, scalar(<$f>) // '';
        chomp $t if defined $t;
        $status{$s}++;
        $tok{$t // ''}++;
        unlink "$dir/storm.$i";
    }
    return (\%status, \%tok);
}
my @secrets;
sub grants { my ($k) = @_; return pstats()->{$k} // 0 }

# ---- 1. TokenProxyTokenType client
{
    my $t = Time::HiRes::time();
    my ($st, $tok) = storm(50, '/catalog/items');
    is($st->{200} // 0, 50, 'client: 50 concurrent requests after start all answer 200');
    is(grants('grant.client_credentials.tp-api'), 1, '... with exactly 1 client-credentials grant');
    my @t = grep { length } keys %$tok;
    is(scalar(@t), 1, '... and the upstream saw one token');
    push @secrets, @t;
    my $c = jwt_claims($t[0]);
    is($c->{aud} // '-', 'https://catalog.example/', "... whose aud is the configured resource");
    is($c->{client_id} // '-', 'tp-api', '... of the client');
    # 8 s lifetime, skew 2: kept 6 s; after its exp, 1 more
    Time::HiRes::sleep(8.5 - (Time::HiRes::time() - $t)) if Time::HiRes::time() - $t < 8.5;
    ($st, $tok) = storm(20, '/catalog/items');
    is($st->{200} // 0, 20, 'client: after the token expired, 20 concurrent requests answer 200');
    is(grants('grant.client_credentials.tp-api'), 2, '... with exactly 1 more grant');
    my @t2 = grep { length } keys %$tok;
    ok(@t2 == 1 && $t2[0] ne $t[0], '... and a new token');
    push @secrets, @t2;
    my $r = http_req($node->{port}, GET => '/catalog/items', ['Accept: application/json',
        'Cookie: accessToken=garbage; refreshToken=garbage; other=1']);
    my $j = eval { $json->decode($r->{body}) } || {};
    my ($ck) = map { $_->[1] } grep { lc $_->[0] eq 'cookie' } @{ $j->{headers} || [] };
    is($ck // '', 'other=1', "client: the user's token cookies are stripped from the upstream request");
}

# ---- 2. sessions: alice and bob
my ($alice, $r) = login('alice');
is($r->code, 302, 'alice logs in');
my ($bob) = login('bob');
my $a_at = seal_open('accessToken', cookie_of($alice, 'accessToken') // '') // '';
my $b_at = seal_open('accessToken', cookie_of($bob, 'accessToken') // '') // '';
ok(length $a_at && length $b_at && $a_at ne $b_at, 'alice and bob have their own access tokens');
push @secrets, $a_at, $b_at;

# ---- 3. user-or-client
{
    my ($s, $tok) = get($alice, '/mixed/x');
    is("$s $tok", "200 $a_at", "user-or-client with a session: the user's token");
    ($s, $tok) = get(browser(), '/mixed/x');
    is($s, 200, 'user-or-client without a session: 200');
    is(jwt_claims($tok)->{client_id} // '-', 'tp-api', '... with the client token');
    # a dead session: dave's refresh token, revoked by his logout in
    # another tab, and no access token
    my ($dave) = login('dave');
    my $old_rt = cookie_of($dave, 'refreshToken');
    ($s) = get($dave, '/mixed/x');
    is($s, 200, "dave's session works");
    my $r1 = $dave->get("$site/auth/logout");
    is($r1->code, 302, '... until he logs out');
    drop_cookie($dave, 'accessToken');
    set_cookie($dave, 'refreshToken', $old_rt);
    my $r2;
    ($s, $tok, $r2) = get($dave, '/mixed/x');
    is($s, 200, 'user-or-client with a dead session: 200');
    is(jwt_claims($tok)->{client_id} // '-', 'tp-api', '... with the client token');
    like(cleared($r2), qr/refreshToken/, '... and the dead cookies cleared');
}

# ---- 4. two exchange locations
{
    my $before = pstats();
    my $cookie = cookie_header($alice);
    my ($st, $tok) = storm(30, '/orders/x', $cookie);
    my ($st2, $tok2) = storm(30, '/hr/x', $cookie);
    is($st->{200} // 0, 30, 'exchange: 30 concurrent requests to orders answer 200');
    is($st2->{200} // 0, 30, '... and 30 to hr');
    my $after = pstats();
    is(($after->{'exchange.tp-api.orders-api'} // 0) - ($before->{'exchange.tp-api.orders-api'} // 0), 1,
       '... with exactly 1 exchange for orders');
    is(($after->{'exchange.tp-api.hr-api'} // 0) - ($before->{'exchange.tp-api.hr-api'} // 0), 1,
       '... and exactly 1 for hr');
    my ($o) = grep { length } keys %$tok;
    my ($h) = grep { length } keys %$tok2;
    push @secrets, grep { defined } $o, $h;
    is(scalar(keys %$tok) . ' ' . scalar(keys %$tok2), '1 1', '... each location one token');
    my ($co, $ch) = (jwt_claims($o), jwt_claims($h));
    is(($co->{aud} // '-') . ' ' . ($co->{sub} // '-'), 'orders-api alice', "orders' upstream sees aud orders-api and alice's sub");
    is(($ch->{aud} // '-') . ' ' . ($ch->{sub} // '-'), 'hr-api alice', "hr's upstream sees aud hr-api and alice's sub");
    isnt($o, $a_at, "... not the session's own token");
    # bob gets his own
    my ($s, $bt) = get($bob, '/orders/x');
    is($s, 200, 'bob: orders answers 200');
    is(jwt_claims($bt)->{sub} // '-', 'bob', "... with bob's exchanged token, never alice's");
    isnt($bt, $o, '... a token of its own');
    push @secrets, $bt;
    is(grants('exchange.tp-api.orders-api'), ($after->{'exchange.tp-api.orders-api'} // 0) + 1, '... from 1 exchange of his own');
    # after alice's refresh: exactly one new exchange per location
    $before = pstats();
    drop_cookie($alice, 'accessToken');
    ($s) = get($alice, '/orders/x');     # refreshes, then exchanges
    is($s, 200, "alice's session is refreshed (no access cookie)");
    my $a_at2 = seal_open('accessToken', cookie_of($alice, 'accessToken') // '') // '';
    ok(length $a_at2 && $a_at2 ne $a_at, '... to a new access token');
    push @secrets, $a_at2;
    $cookie = cookie_header($alice);
    ($st) = storm(10, '/orders/x', $cookie);
    ($st2) = storm(10, '/hr/x', $cookie);
    is(($st->{200} // 0) + ($st2->{200} // 0), 20, '... then 10 requests to each location answer 200');
    $after = pstats();
    is(($after->{'grant.refresh_token.tp-api'} // 0) - ($before->{'grant.refresh_token.tp-api'} // 0), 1, '... after 1 refresh');
    is(join(' ', map { ($after->{"exchange.tp-api.$_"} // 0) - ($before->{"exchange.tp-api.$_"} // 0) } qw(orders-api hr-api)),
       '1 1', '... and exactly 1 new exchange per location');
}

# ---- 5. a refused exchange; the provider down
{
    my ($s, $tok, $r) = get($alice, '/refuse/x');
    is($s, 403, 'a refused exchange: 403');
    is($r->decoded_content, qq({"error":"exchange_refused"}\n), '... {"error":"exchange_refused"}');
    is(scalar(() = $r->header('Set-Cookie')), 0, '... and no cookie touched');
    ($s) = get($alice, '/orders/x');
    is($s, 200, '... the session goes on');
}

# ---- 5b. an upstream 401 on an exchange location
{
    my ($frank) = login('frank');
    my $replays = node_status($node)->{replays} // 0;
    my $before = pstats();
    my ($s, undef, $r) = get($frank, '/deny/x');
    my $after = pstats();
    my $d = sub { ($after->{$_[0]} // 0) - ($before->{$_[0]} // 0) };
    is($s, 401, 'an exchange location whose upstream refuses every token: 401 in the end');
    is($d->('grant.refresh_token.tp-api') . ' ' . $d->('exchange.tp-api.orders-api'), '1 2',
       "... after 1 refresh of the session's token and 1 exchange before and 1 after it");
    is((node_status($node)->{replays} // 0) - $replays, 1, '... and 1 replay');
}

# ---- 6. private_key_jwt: login, refresh, exchange, logout; a wrong key
{
    my $before = pstats();
    my ($pk, $r) = login('erin', '/pk');
    is($r->code, 302, 'private_key_jwt: the login completes');
    ok(cookie_of($pk, 'pkAt') && cookie_of($pk, 'pkRt'), '... with the session cookies');
    my $at = seal_open('pkAt', cookie_of($pk, 'pkAt') // '') // '';
    push @secrets, $at;
    my ($s, $tok) = get($pk, '/pk/orders/x');
    is($s, 200, '... an exchange location answers 200');
    my $c = jwt_claims($tok);
    is(($c->{aud} // '-') . ' ' . ($c->{sub} // '-') . ' ' . ($c->{client_id} // '-'), 'orders-api erin tp-pkjwt',
       '... with a token exchanged by the key-authenticated client');
    push @secrets, $tok;
    drop_cookie($pk, 'pkAt');
    ($s, $tok) = get($pk, '/pk/orders/x');
    is($s, 200, '... a refresh (no access cookie) and a new exchange answer 200');
    push @secrets, $tok, seal_open('pkAt', cookie_of($pk, 'pkAt') // '') // ();
    my $after = pstats();
    is(($after->{'grant.authorization_code.tp-pkjwt'} // 0) . ' ' . ($after->{'grant.refresh_token.tp-pkjwt'} // 0)
       . ' ' . ($after->{'exchange.tp-pkjwt.orders-api'} // 0), '1 1 2',
       '... the provider counted 1 code exchange, 1 refresh and 2 exchanges of tp-pkjwt');
    my $rev = pstats()->{'POST /token/revocation'} // 0;
    $r = $pk->get("$site/pk/auth/logout");
    is($r->code, 302, '... the logout answers 302');
    is((pstats()->{'POST /token/revocation'} // 0) - $rev, 1, '... after one revocation call');
    my $log = do { local $/; open my $fh, '<', "$node->{root}/logs/error_log" or die; <$fh> };
    my @rev = $log =~ /revocation of fp=\S+: (HTTP \d+)/g;
    is($rev[-1] // '-', 'HTTP 200', '... that the provider accepted with the assertion');
    my $n = @{ $after->{assertions} || [] } - @{ $before->{assertions} || [] };
    ok($n >= 4, "... a fresh assertion per call ($n)");
    my %seen;
    my @dup = grep { $seen{$_}++ } @{ pstats()->{assertions} || [] };
    is(scalar(@dup), 0, '... never the same one twice');

    my ($bad, $rb) = login('erin', '/bad');
    is($rb->code, 502, 'a key the provider does not know: the callback answers 502');
    is(scalar(grep { /^bad(At|Rt|Id)=[^;]/ } $rb->header('Set-Cookie')), 0, '... and sets no cookie');
    $log = do { local $/; open my $fh, '<', "$node->{root}/logs/error_log" or die; <$fh> };
    like($log, qr/\[tokenproxy:error\].*login's code exchange as misconfigured \(invalid_client.*fix TokenProxyClientKey/,
         "... an error line naming TokenProxyClientKey");
}

# ---- 7. the provider down: 503, cookies kept
{
    http_req($pport, GET => '/__down', [], undef, 5);
    my ($s, undef, $r) = get($alice, '/other/x');
    is($s, 503, 'the provider down: an exchange answers 503');
    is(scalar(() = $r->header('Set-Cookie')), 0, '... and no cookie touched');
}

# ---- 8. the status page, and the error log at trace8
{
    my $st = node_status($node);
    my $a = $st->{api} || {};
    ok(($a->{api_grants_client} // 0) >= 2 && ($a->{api_grants_exchange} // 0) >= 6 && ($a->{api_token_hits} // 0) > 50
       && ($a->{api_exchanges_refused} // 0) >= 1 && ($a->{tokens} // 0) >= 1,
       'tokenproxy-status counts grants by type, kept tokens, hits and refusals')
        or diag(JSON::PP->new->canonical->encode($a));
    diag(sprintf 'kept API tokens: %d, %.0f bytes each in shmcb', $a->{tokens} // 0,
         ($a->{tokens} ? $a->{bytes} / $a->{tokens} : 0));
    my $log = do { local $/; open my $fh, '<', "$node->{root}/logs/error_log" or die; <$fh> };
    push @secrets, @{ pstats()->{assertions} || [] }, 's3cr3t-api-client-secret';
    my @leaks = grep { index($log, $_) >= 0 } grep { defined && length > 10 } @secrets;
    is(scalar(@leaks), 0, 'no client token, exchanged token, subject token, assertion or secret in the trace8 error log');
    like($log, qr/API token fp=\S+ sent upstream/, '... which logged the API tokens by fingerprint');
}
diag(sprintf 'API token tests: %.1f s', Time::HiRes::time() - $t0);
done_testing();
