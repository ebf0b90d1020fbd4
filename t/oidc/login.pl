#!/usr/bin/env perl
# Licensed under the Apache License, Version 2.0 (see LICENSE).
#
# Log in with a real OpenID provider: oidc-provider (npm, version pinned
# in t/oidc/package-lock.json) on 127.0.0.1, a confidential client with
# client_secret_basic, PKCE required, refresh tokens rotated.  A browser
# (LWP with a cookie jar) goes through the module's login, the provider's
# own login and consent pages, and the callback; then API calls, a
# transparent refresh, the user endpoint and RP-initiated logout; then the
# refusals.  httpd runs at trace8; no secret may reach its error log.
#
#   perl t/oidc/login.pl    (from the top of the tree, after npm ci in
#                            t/oidc; TAP output)
#
# Not a .t file: t/TEST (Apache::Test) would run every t/**/*.t in each
# MPM's run; t/run-tests.sh runs this once, as its own step.
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
use Digest::SHA ();
use TPCluster;

$SIG{ALRM} = sub { die "login tests: over 5 minutes, stopping\n" };
alarm 300;

my $top = "$FindBin::Bin/../..";
my $dir = File::Temp::tempdir('tokenproxy-oidc.XXXXXX', TMPDIR => 1, CLEANUP => 1);
chmod 0755, $dir;
my $json = JSON::PP->new;

# the module's sealing, for reading and writing cookies as it does
my $sealtool = "$dir/sealtool";
system("gcc -std=c11 -D_GNU_SOURCE -I$top/include \$(pkg-config --cflags apr-1) "
       . "$top/t/oidc/sealtool.c $top/src/core/tp_sealcookie.c $top/src/core/tp_seal.c "
       . "$top/src/core/tp_b64.c -o $sealtool \$(pkg-config --libs apr-1 openssl)") == 0
    or die "cannot build the sealing tool\n";
open my $kf, '>', "$dir/cookie.key" or die;
print $kf join('', map { sprintf '%02x', int rand 256 } 1 .. 32), "\n";
close $kf;
chmod 0644, "$dir/cookie.key";
sub seal_tool {
    my ($how, $name, $value) = @_;
    local $ENV{V} = $value;
    open my $p, '-|', 'sh', '-c', "printf '%s' \"\$V\" | $sealtool $how $dir/cookie.key '$name'"
        or die;
    my $out = do { local $/; <$p> };
    close $p;
    chomp $out if defined $out;
    return $? == 0 ? $out : undef;
}

my $mock = start_mock($dir);
my $pport = free_port();
my $issuer = "http://127.0.0.1:$pport";
my $conf = <<CONF;
LogLevel info tokenproxy:trace8
TokenProxyOIDCProvider $issuer
TokenProxyClient tp-client s3cr3t-client-secret
TokenProxyRedirectURI /auth/callback
TokenProxyScope openid offline_access profile email
TokenProxyAuthParam prompt consent
TokenProxyPostLogoutURL /bye
TokenProxyLoginURL /auth/login
TokenProxyCookieSecure Off
TokenProxyCookieKey $dir/cookie.key
<Location /tp-status>
    SetHandler tokenproxy-status
</Location>
<Location /auth/login>
    SetHandler tokenproxy-login
</Location>
<Location /auth/callback>
    SetHandler tokenproxy-callback
</Location>
<Location /auth/user>
    SetHandler tokenproxy-user
    # issue 19: the user endpoint reports when the session ends
    TokenProxySessionMaxAge 36000
</Location>
<Location /auth/logout>
    SetHandler tokenproxy-logout
</Location>
<Location /auth/backchannel>
    SetHandler tokenproxy-backchannel
</Location>
ProxyPass /api/ http://127.0.0.1:$mock/echo/api/
<Location /api/>
    TokenProxy On
</Location>
CONF
# one more client per ID token algorithm, under its own prefix and cookies
my %alg_secret = (ps => 's3cr3t-client-secret-ps', es => 's3cr3t-client-secret-es',
                  hs => 's3cr3t-client-secret-hs-0123456789abcdef');
for my $x (sort keys %alg_secret) {
    $conf .= <<CONF;
<Location /$x/>
    TokenProxyClient tp-client-$x $alg_secret{$x}
    TokenProxyRedirectURI /$x/auth/callback
    TokenProxyLoginURL /$x/auth/login
    TokenProxyAccessCookie ${x}At
    TokenProxyRefreshCookie ${x}Rt
    TokenProxyIDCookie ${x}Id
    TokenProxySessionCookie ${x}Sess
</Location>
<Location /$x/auth/login>
    SetHandler tokenproxy-login
</Location>
<Location /$x/auth/callback>
    SetHandler tokenproxy-callback
</Location>
<Location /$x/auth/user>
    SetHandler tokenproxy-user
</Location>
CONF
}
# httpd starts while the provider is down: nothing is fetched at startup
my $mpm = $ENV{TP_OIDC_MPM} // 'event';      # or worker, prefork
my $node = start_node($dir, 'oidc', $mpm, $conf);
my $site = "http://127.0.0.1:$node->{port}";
ok(1, "httpd ($mpm MPM) started while the provider was not running");

my $provider_pid = fork() // die "fork: $!";
if (!$provider_pid) {
    open STDIN, '<', '/dev/null';
    open STDOUT, '>', "$dir/provider.log";
    open STDERR, '>&', \*STDOUT;
    exec 'node', "$top/t/oidc/provider.mjs", $pport, $node->{port} or POSIX::_exit(1);
}
END { if ($provider_pid) { kill 'TERM', $provider_pid; waitpid($provider_pid, 0) } }
wait_until(30, sub { http_req($pport, GET => '/.well-known/openid-configuration', [], undef, 5)->{status} == 200 })
    or BAIL_OUT('oidc-provider did not start: ' . `tail -5 $dir/provider.log`);

sub pstats { my $r = http_req($pport, GET => '/__stats', [], undef, 5); return eval { $json->decode($r->{body}) } || {} }

sub browser {
    my $ua = LWP::UserAgent->new(max_redirect => 0, timeout => 20,
                                 cookie_jar => HTTP::Cookies->new);
    $ua->default_header(Accept => 'text/html');
    return $ua;
}
sub cookie_of {
    my ($ua, $name) = @_;
    my $v;
    $ua->cookie_jar->scan(sub { $v = $_[2] if $_[1] eq $name && $_[4] eq '127.0.0.1' && $_[3] !~ /:$pport/ });
    return $v;
}
sub cookie_names {
    my ($ua, $re) = @_;
    my @n;
    # HTTP::Cookies keeps a cookie cleared with Max-Age=0 as an empty one
    $ua->cookie_jar->scan(sub { push @n, $_[1] if $_[1] =~ $re && length($_[2] // '') && $_[2] ne '""' });
    return @n;
}
sub set_cookie {
    my ($ua, $name, $value) = @_;
    $ua->cookie_jar->set_cookie(0, $name, $value, '/', '127.0.0.1', $node->{port}, 1, 0, 300, 0);
}
sub set_cookies_of {   # the Set-Cookie names=values of a response
    my ($r) = @_;
    my %c;
    for ($r->header('Set-Cookie')) { $c{$1} = $2 if /^([^=]+)=([^;]*)/ }
    return \%c;
}
sub loc { my ($r) = @_; my $l = $r->header('Location') // return ''; return URI->new_abs($l, $r->base)->as_string }

# From the module's login to the callback URL the provider sends the
# browser to, filling the provider's login and consent forms (or
# cancelling at the login form: abort => 1).
my (@codes, @states);
sub to_callback {
    my ($ua, %o) = @_;
    my $pre = $o{prefix} // '';
    my $r = $ua->get("$site$pre/auth/login" . ($o{return} ? "?return=$o{return}" : ''));
    return (undef, $r) unless $r->code == 302;
    my $url = loc($r);
    for (1 .. 12) {
        if ($url =~ m{^\Q$site$pre\E/auth/callback}) {
            my $u = URI->new($url);
            push @codes, $u->query_param('code') if $u->query_param('code');
            push @states, $u->query_param('state') if $u->query_param('state');
            return ($url, $r);
        }
        $r = $ua->get($url);
        if ($r->code =~ /^30[23]$/) { $url = loc($r); next }
        my $html = $r->decoded_content // '';
        my ($action) = $html =~ /<form[^>]*action="([^"]+)"/;
        last unless $r->code == 200 && $action;
        $action = URI->new_abs($action, $r->base)->as_string;
        if ($html =~ /name="login"/) {
            if ($o{abort}) {
                my ($abort) = $html =~ m{href="([^"]*/abort)"};
                $url = URI->new_abs($abort, $r->base)->as_string;
                next;
            }
            $r = $ua->post($action, { prompt => 'login', login => $o{user} // 'alice',
                                      password => 's3cr3t-password' });
        }
        else {
            $r = $ua->post($action, { prompt => 'consent' });
        }
        last unless $r->code =~ /^30[23]$/;
        $url = loc($r);
    }
    return (undef, $r);
}

sub api {
    my ($ua) = @_;
    my $r = $ua->get("$site/api/x", Accept => 'application/json');
    my $j = eval { $json->decode($r->decoded_content) } || {};
    my ($auth) = map { $_->[1] } grep { lc $_->[0] eq 'authorization' } @{ $j->{headers} || [] };
    my ($cookie) = map { $_->[1] } grep { lc $_->[0] eq 'cookie' } @{ $j->{headers} || [] };
    return ($r, $auth // '', $cookie // '');
}

my @secrets = ('s3cr3t');
sub token_in_jar {
    my ($ua, $name) = @_;
    my $v = cookie_of($ua, $name);
    my $t = defined $v ? seal_tool('open', $name, $v) : undef;
    push @secrets, $t if $t;
    return $t;
}

# ---- 0. the authorization request
{
    my $b = browser();
    my $r = $b->get("$site/auth/login");
    is($r->code, 302, 'tokenproxy-login answers 302');
    my $u = URI->new(loc($r));
    is($u->scheme . '://' . $u->host_port . $u->path, "$issuer/auth", '... to the authorization_endpoint');
    is(join(' ', map { "$_=" . ($u->query_param($_) // '-') } qw(response_type client_id redirect_uri scope code_challenge_method prompt)),
       "response_type=code client_id=tp-client redirect_uri=$site/auth/callback "
       . 'scope=openid offline_access profile email code_challenge_method=S256 prompt=consent',
       '... with the code flow parameters, the scopes and the extra parameter');
    my $n = (cookie_names($b, qr/^tp-login-/))[0] // '-';
    my (undef, undef, $state, $nonce, $verifier) = split /\|/, seal_tool('open', $n, cookie_of($b, $n) // '') // '';
    push @secrets, grep { defined } $state, $nonce, $verifier;
    is($u->query_param('state') // '-', $state // '', '... the state of the login cookie (32 random bytes)');
    is($n, 'tp-login-' . substr($state // '', 0, 8), '... which names the cookie');
    is($u->query_param('nonce') // '-', $nonce // '', '... its nonce');
    is($u->query_param('code_challenge') // '-', (Digest::SHA::sha256_base64($verifier // '') =~ tr{+/}{-_}r), '... and the S256 challenge of its verifier');
    like(join("\n", $r->header('Set-Cookie')), qr/^\Q$n\E=tp2\.[A-Za-z0-9_-]{11}\.[^;]+; Path=\/; Max-Age=300; HttpOnly; SameSite=Lax$/m,
         'the login cookie: sealed, HttpOnly, SameSite=Lax, 5 minutes');
    is($r->header('Cache-Control'), 'no-store', '... and no-store');
}
{   # a bound on the login cookies; a return path off the site becomes /
    my $b = browser();
    $b->get("$site/auth/login?return=//evil.example/x") for 1 .. 6;
    my @n = cookie_names($b, qr/^tp-login-/);
    is(scalar(@n), 4, 'six logins begun in one browser keep four login cookies');
    like(seal_tool('open', $n[0], cookie_of($b, $n[0]) // '') // '', qr/\|\/$/, 'a return path to another site becomes /');
}

# ---- 1. the whole login
my $alice = browser();
my ($cb, $r) = to_callback($alice, return => '/app/page%3Fx%3D1');
ok($cb, 'the provider sends the browser to the callback with a code')
    or diag($r->status_line . ' ' . substr($r->decoded_content // '', 0, 300));
my $login_cookie = (cookie_names($alice, qr/^tp-login-/))[0] // '';
my $state_sealed = cookie_of($alice, $login_cookie) // '';
my $state_plain = seal_tool('open', $login_cookie, $state_sealed) // '';
like($state_plain, qr/^v1\|\d+\|[A-Za-z0-9_-]{43}\|[A-Za-z0-9_-]{43}\|[A-Za-z0-9_-]{43}\|\/app\/page\?x=1$/,
     'the login state cookie is sealed and holds time, state, nonce, verifier and the return path');
push @secrets, grep { length > 20 } split /\|/, $state_plain;
$r = $alice->get($cb);
is($r->code, 302, 'the callback answers 302');
is(loc($r), "$site/app/page?x=1", '... to the return path');
my $sc = set_cookies_of($r);
ok($sc->{accessToken} && $sc->{refreshToken} && $sc->{idToken}, 'access, refresh and ID cookies are set');
is($sc->{$login_cookie}, '', 'the login state cookie is cleared');
like(join("\n", $r->header('Set-Cookie')), qr/idToken=tp2\.[A-Za-z0-9_-]{11}\.[^;]+; Path=\/; Max-Age=\d+; HttpOnly; SameSite=Strict/,
     'the ID cookie is sealed and HttpOnly');
is(pstats()->{'grant.authorization_code'}, 1, 'one code exchange at the provider');
my $at = token_in_jar($alice, 'accessToken');
my $rt = token_in_jar($alice, 'refreshToken');
token_in_jar($alice, 'idToken');

# ---- 2. API calls carry the access token
my $auth;
($r, $auth) = api($alice);
is($r->code, 200, 'an API call after the login answers 200');
is($auth, "Bearer $at", '... and the upstream got the access token');
{   # a login in progress: its cookie stays away from the upstream too
    $alice->get("$site/auth/login");
    my (undef, undef, $cookie) = api($alice);
    my @pending = cookie_names($alice, qr/^tp-login-/);
    ok(@pending && $cookie !~ /tp-login-|accessToken|refreshToken|idToken/,
       'the upstream gets neither the token cookies nor a login cookie');
}

# ---- 3. the user endpoint
$r = $alice->get("$site/auth/user", Accept => 'application/json');
is($r->code, 200, 'the user endpoint answers 200');
my $u = eval { $json->decode($r->decoded_content) } || {};
is(join(',', $u->{sub} // '-', $u->{email} // '-', $u->{name} // '-', $u->{iss} // '-'),
   "alice,alice\@example.test,User alice,$issuer", '... with the ID token claims');
ok(!exists $u->{nonce} && $u->{exp}, '... exp but no nonce');
is($r->header('Cache-Control'), 'no-store', '... and Cache-Control: no-store');
ok(index($r->decoded_content, $at) < 0 && $r->decoded_content !~ /eyJ/, '... and no token');
{   # issue 19: the session cookie, and the session in the user endpoint
    my $sess = seal_tool('open', 'tpSession', cookie_of($alice, 'tpSession') // '') // '';
    my ($started, $used, @f) = $sess =~ /^s1\|(\d+)\|(\d+)\|([^|]*)\|([^|]*)\|([^|]*)$/;
    my ($iss, $sub, $sid) = map { defined && length ? MIME::Base64::decode_base64url($_) : '' } @f[0 .. 2];
    push @secrets, $sid if length $sid;
    ok($started && $started == $used && abs($started - time) < 60,
       'the login set a sealed session cookie that began now');
    is("$iss $sub", "$issuer alice", "... holding the provider's iss and sub");
    is(join(',', sort keys %{ $u->{session} || {} }), 'expires,started',
       'the user endpoint reports the session: started, and expires with TokenProxySessionMaxAge');
    is(($u->{session}{expires} // 0) - ($u->{session}{started} // 0), 36000, '... 36000 s after its start');
    is($u->{session}{started}, $started, "... started: the session cookie's");
}
{
    my $anon = browser();
    $r = $anon->get("$site/auth/user", Accept => 'application/json');
    is($r->code . ' ' . $r->decoded_content, qq(401 {"error":"unauthorized"}\n), 'no session: 401');
    my $b64 = sub { my $s = MIME::Base64::encode_base64url($_[0]); $s };
    my $forged = $b64->('{"alg":"none"}') . '.' . $b64->(qq({"iss":"$issuer","aud":"tp-client","sub":"mallory","exp":9999999999,"iat:1})) . '.';
    set_cookie($anon, idToken => $forged);
    set_cookie($anon, accessToken => $sc->{accessToken});
    $r = $anon->get("$site/auth/user", Accept => 'application/json');
    is($r->code, 401, 'a forged plain ID cookie is not reported');
}

# ---- 4. a transparent refresh: the access cookie has expired
$alice->cookie_jar->clear('127.0.0.1', '/', 'accessToken');
($r, $auth) = api($alice);
is($r->code, 200, 'without the access cookie, the API call still answers 200');
is(pstats()->{'grant.refresh_token'}, 1, '... after one refresh at the discovered token_endpoint');
my $at2 = token_in_jar($alice, 'accessToken');
my $rt2 = token_in_jar($alice, 'refreshToken');
ok($at2 && $at2 ne $at && $rt2 && $rt2 ne $rt, '... with new, rotated access and refresh cookies');
is($auth, "Bearer $at2", '... and the upstream got the new access token');
ok(set_cookies_of($r)->{idToken}, "... and the refresh answer's ID token replaced the ID cookie");
($r, $auth) = api($alice);
is("$r->{_rc} $auth", "200 Bearer $at2", 'the next call uses the new token, no refresh');
is(pstats()->{'grant.refresh_token'}, 1, '... still one refresh');

# ---- 5. RP-initiated logout
my $id_token = token_in_jar($alice, 'idToken');
$r = $alice->get("$site/auth/logout");
is($r->code, 302, 'logout (a navigation) answers 302');
my $end = URI->new(loc($r));
is($end->scheme . '://' . $end->host_port . $end->path, "$issuer/session/end", '... to the end_session_endpoint');
is(join(' ', map { $_ . '=' . ($end->query_param($_) // '-') } qw(post_logout_redirect_uri client_id)),
   "post_logout_redirect_uri=$site/bye client_id=tp-client", '... with post_logout_redirect_uri and client_id');
is($end->query_param('id_token_hint'), $id_token, '... and id_token_hint');
$sc = set_cookies_of($r);
is(join(',', map { $sc->{$_} // 'kept' } qw(accessToken refreshToken idToken)), ',,', 'the three cookies are cleared');
is(join(',', map { pstats()->{$_} // 0 } 'POST /token/revocation', 'grant.revoked'), '1,1',
   'the refresh token was revoked at the revocation_endpoint');
$r = $alice->get($end->as_string);
my $html = $r->decoded_content // '';
my ($action) = $html =~ /<form[^>]*action="([^"]+)"/;
my %fields = $html =~ /<input type="hidden" name="([^"]+)" value="([^"]*)"/g;
$r = $alice->post(URI->new_abs($action // '/', $r->base)->as_string, { %fields, logout => 'yes' });
is(loc($r), "$site/bye", 'the provider sends the browser to the post-logout URL');
$r = $alice->get("$site/api/x", Accept => 'application/json');
is($r->code, 401, 'after logout, API calls answer 401');
# TokenProxyLoginURL at the login handler: a navigation logs in again
$r = $alice->get("$site/api/x?page=2");
is($r->code . ' ' . ($r->header('Location') // '-'), '302 /auth/login?return=%2Fapi%2Fx%3Fpage%3D2',
   'after logout, a navigation is sent to tokenproxy-login');
($cb, $r) = to_callback($alice, return => '%2Fapi%2Fx%3Fpage%3D2', user => 'alice');
$r = $alice->get($cb // "$site/auth/callback");
is($r->code . ' ' . loc($r), "302 $site/api/x?page=2", '... which logs in at the provider and comes back to it');
token_in_jar($alice, $_) for qw(accessToken refreshToken idToken);

# ---- 6. ID tokens signed with PS256, ES256 and HS256 by the provider
for my $case (['ps', 'PS256'], ['es', 'ES256'], ['hs', 'HS256']) {
    my ($x, $alg) = @$case;
    my $b = browser();
    my ($cb) = to_callback($b, prefix => "/$x", user => "user-$x");
    my $r = $b->get($cb // "$site/$x/auth/callback");
    is($r->code, 302, "$alg: the callback answers 302");
    my $idt = token_in_jar($b, "${x}Id") // '';
    my ($h) = split /\./, $idt;
    my $hdr = eval { $json->decode(MIME::Base64::decode_base64url($h // '')) } || {};
    is($hdr->{alg} // '-', $alg, "... the provider signed the ID token with $alg");
    token_in_jar($b, "${x}At");
    token_in_jar($b, "${x}Rt");
    $r = $b->get("$site/$x/auth/user", Accept => 'application/json');
    my $u = eval { $json->decode($r->decoded_content) } || {};
    is($r->code . ' ' . ($u->{sub} // '-') . ' ' . ($u->{aud} // '-'), "200 user-$x tp-client-$x",
       '... and the module validated it: the user endpoint shows its claims');
}
push @secrets, values %alg_secret;

# ---- 6b. the security review (issue 18)
sub login_as {   # a browser logged in as $user at the first node
    my ($user) = @_;
    my $b = browser();
    my ($cb) = to_callback($b, user => $user);
    my $r = $b->get($cb // "$site/auth/callback");
    token_in_jar($b, $_) for qw(accessToken refreshToken idToken);
    return ($b, $r->code);
}
sub cleared_names {   # the names a response clears, sorted
    my ($r) = @_;
    return join ',', sort map { /^([^=]+)=;/ ? $1 : () } $r->header('Set-Cookie');
}
my ($carol, $dave);   # sessions that go on, for the slow key set below
{   # a provider-signed JWT that is no ID token (an access token, typ
    # at+jwt, aud tp-client) planted as the ID cookie: never shown
    my $r = http_req($pport, POST => '/token',
                     ['Authorization: Basic ' . MIME::Base64::encode_base64('tp-client-cc:s3cr3t-client-secret-cc', ''),
                      'Content-Type: application/x-www-form-urlencoded'],
                     'grant_type=client_credentials&scope=api&resource=urn%3Atp%3Aapi', 10);
    my $jat = (eval { $json->decode($r->{body}) } || {})->{access_token} // '';
    push @secrets, $jat if length $jat;
    my ($h, $p) = map { eval { $json->decode(MIME::Base64::decode_base64url($_ // '')) } || {} } (split /\./, $jat)[0, 1];
    is(join(' ', $h->{alg} // '-', $h->{typ} // '-', $p->{aud} // '-', $p->{iss} // '-'),
       "RS256 at+jwt tp-client $issuer", 'the provider signs a JWT access token for the audience tp-client');
    my ($b, $code) = login_as('carol');
    $carol = $b;
    is($code, 302, 'carol logs in');
    set_cookie($b, idToken => $jat);
    $r = $b->get("$site/auth/user", Accept => 'application/json');
    is($r->code . ' ' . $r->decoded_content, qq(401 {"error":"unauthorized"}\n),
       'that access token planted as the ID cookie: the user endpoint answers 401');
    is(cleared_names($r), 'idToken', '... and clears the ID cookie, which did not open');
    ok(!defined cookie_of($b, 'idToken') || cookie_of($b, 'idToken') eq '', '... (gone from the jar)');
    (my $api) = api($b);
    is($api->code, 200, '... while the session itself goes on');
}
{   # a refresh answer whose ID token names another subject (the
    # provider's findAccount answers another sub for refresh grants)
    my ($b) = login_as('dave');
    my ($b2) = login_as('dave');
    my $refreshes = pstats()->{'grant.refresh_token'} // 0;
    is(http_req($pport, GET => '/__swap_sub?to=mallory', [], undef, 5)->{status}, 204,
       'the provider now names mallory in refreshed ID tokens');
    $b->cookie_jar->clear('127.0.0.1', '/', 'accessToken');
    my ($r) = api($b);
    is($r->code, 401, "a refresh whose ID token is another subject's ends the session: an API call gets 401");
    is(pstats()->{'grant.refresh_token'} // 0, $refreshes + 1, '... after one refresh at the provider');
    is(cleared_names($r), 'idToken,refreshToken,tpSession', '... and the cookies that arrived are cleared (the session cookie too)');
    $r = $b->get("$site/auth/user", Accept => 'application/json');
    is($r->code, 401, '... the user endpoint does not name mallory (401)');
    # a navigation of the same kind: the login page
    $b2->cookie_jar->clear('127.0.0.1', '/', 'accessToken');
    $r = $b2->get("$site/api/page");
    is($r->code . ' ' . ($r->header('Location') // '-'), '302 /auth/login?return=%2Fapi%2Fpage',
       '... and a navigation is sent to the login page');
    http_req($pport, GET => '/__swap_sub?to=', [], undef, 5);
    my $log = do { local $/; open my $fh, '<', "$node->{root}/logs/error_log" or die; <$fh> };
    like($log, qr/\[tokenproxy:warn\].*the refresh answer's ID token fp=[0-9a-f]{12} is not of the session's ID token \(ID cookie fp=[0-9a-f]{12}\), as OpenID Connect Core 12\.2 requires: sub differs/,
         '... logged at warn, with fingerprints');
    my ($b3) = login_as('dave');
    $dave = $b3;
    $b3->cookie_jar->clear('127.0.0.1', '/', 'accessToken');
    ($r) = api($b3);
    is($r->code, 200, 'with the same subject again, a refresh goes on as before');
    ok(set_cookies_of($r)->{idToken}, '... and replaces the ID cookie');
}
{   # a slow key set (3 s): a node with one child of 25 threads, and two
    # sessions (carol's has no ID cookie left: her refresh checks the new
    # ID token all the same)
    my ($b1, $b2) = ($carol, $dave);
    my $one = $mpm eq 'prefork' ? ''
        : "ServerLimit 1\nStartServers 1\nThreadsPerChild 25\nMaxRequestWorkers 25\n"
          . "MinSpareThreads 1\nMaxSpareThreads 50\n";
    my $n2 = start_node($dir, 'oidc-one-child', $mpm, $conf . $one);
    my $p2 = $n2->{port};
    my $cookies = sub { my ($b) = @_;
        'Cookie: ' . join '; ', map { "$_=" . (cookie_of($b, $_) // '') } qw(refreshToken idToken) };
    my $r = http_req($p2, GET => '/auth/login', [], undef, 10);
    is($r->{status}, 302, 'a second node: its login fetches the metadata');
    my $jwks0 = pstats()->{'GET /jwks'} // 0;
    http_req($pport, GET => '/__slow_jwks?ms=3000', [], undef, 5);
    my @kids;
    for my $b ($b1, $b2) {   # two refreshes that both need the key set
        my $out = "$dir/refresh-" . scalar(@kids);
        my $c = $cookies->($b);
        my $pid = fork() // die "fork: $!";
        if (!$pid) {
            my $x = http_req($p2, GET => '/api/x', [$c, 'Accept: application/json'], undef, 20);
            open my $fh, '>', $out or POSIX::_exit(1);
            printf $fh "%d %.2f\n", $x->{status}, $x->{elapsed};
            close $fh;
            POSIX::_exit(0);
        }
        push @kids, [$pid, $out];
        wait_until(10, sub { (pstats()->{'GET /jwks'} // 0) > $jwks0 }) if @kids == 1;
    }
    my $login = http_req($p2, GET => '/auth/login', [], undef, 10);
    my $plain = http_req($p2, GET => '/api/y', ['Cookie: accessToken=' . (cookie_of($b1, 'accessToken') // ''),
                                                'Accept: application/json'], undef, 10);
    ok($login->{status} == 302 && $login->{elapsed} < 1.5,
       'while the key set takes 3 s, a login (the metadata only) is answered at once')
        or diag("status $login->{status}, $login->{elapsed} s");
    ok($plain->{status} == 200 && $plain->{elapsed} < 1.5, '... and an API call that needs no metadata')
        or diag("status $plain->{status}, $plain->{elapsed} s");
    my @got;
    for my $k (@kids) {
        waitpid($k->[0], 0);
        open my $fh, '<', $k->[1] or die "no result of a refresh\n";
        push @got, [split ' ', scalar <$fh>];
    }
    is(join(' ', map { $_->[0] } @got), '200 200', 'both refreshes that needed the key set answer 200');
    ok($got[0][1] >= 2.5, "... the first after the key set's 3 s ($got[0][1] s)");
    # once in the one child; under prefork, once in each of the two
    # processes that served them
    is((pstats()->{'GET /jwks'} // 0) - $jwks0, $mpm eq 'prefork' ? 2 : 1,
       '... and the key set was fetched once per child');
    http_req($pport, GET => '/__slow_jwks?ms=0', [], undef, 5);
    stop_node($n2);
    my $log2 = do { local $/; open my $fh, '<', "$n2->{root}/logs/error_log" or die; <$fh> };
    my @leaks = grep { index($log2, $_) >= 0 } grep { defined && length } @secrets;
    is(scalar(@leaks), 0, "no secret in the second node's error log");
}

# ---- 6c. back-channel logout (issue 19): the provider ends one user's
# session at the provider, and its own logout token reaches the module
sub end_at_provider {   # the provider's end_session, confirmed, for this browser
    my ($b) = @_;
    my $r = $b->get("$issuer/session/end");
    my $html = $r->decoded_content // '';
    my ($action) = $html =~ /<form[^>]*action="([^"]+)"/;
    my ($xsrf) = $html =~ /name="xsrf" value="([^"]+)"/;
    return $r unless $action && $xsrf;
    return $b->post(URI->new_abs($action, $r->base)->as_string, { xsrf => $xsrf, logout => 'yes' });
}
{
    my ($erin) = login_as('erin');
    my ($frank) = login_as('frank');
    my %sid;
    for ([erin => $erin], [frank => $frank]) {
        my $idt = token_in_jar($_->[1], 'idToken') // '';
        my $p = eval { $json->decode(MIME::Base64::decode_base64url((split /\./, $idt)[1] // '')) } || {};
        $sid{$_->[0]} = $p->{sid};
        push @secrets, $p->{sid} if $p->{sid};
    }
    ok($sid{erin} && $sid{frank} && $sid{erin} ne $sid{frank},
       'erin and frank log in; their ID tokens carry sids (backchannel_logout_session_required)');
    my ($ra) = api($erin);
    my ($rb) = api($frank);
    is($ra->code . ' ' . $rb->code, '200 200', 'both call the API');
    my $before = pstats();
    my $st0 = $json->decode(http_req($node->{port}, GET => '/tp-status', [], undef, 10)->{body});
    my $r = end_at_provider($erin);
    ok($r->code =~ /^(200|30[23])$/, "the provider ends erin's session at the provider");
    is((pstats()->{'backchannel.success'} // 0) - ($before->{'backchannel.success'} // 0), 1,
       "... and its own logout token reached the module's endpoint (200)");
    is(pstats()->{'backchannel.error'} // 0, 0, '... no back-channel failure at the provider');
    my $copy = browser();   # erin's cookies once more, for the user endpoint
    $erin->cookie_jar->scan(sub { $copy->cookie_jar->set_cookie(@_[0 .. 7], 300, 0) });
    ($r) = api($erin);
    is($r->code, 401, "erin's next API call: 401 (the module's answer)");
    is(cleared_names($r), 'accessToken,idToken,refreshToken,tpSession', '... her cookies are cleared');
    $r = $copy->get("$site/auth/user", Accept => 'application/json');
    is($r->code, 401, "... and her user endpoint: 401");
    ($rb) = api($frank);
    is($rb->code, 200, "frank's session is untouched: his API call 200");
    is($frank->get("$site/auth/user", Accept => 'application/json')->code, 200, '... and his user endpoint 200');
    my $st = $json->decode(http_req($node->{port}, GET => '/tp-status', [], undef, 10)->{body});
    # (the RP-initiated logout of section 5 sent one too)
    is(join(',', map { ($st->{backchannel}{$_} // 0) - ($st0->{backchannel}{$_} // 0) }
                 qw(logout_tokens_accepted logout_tokens_refused sessions_ended_backchannel)),
       '1,0,2', 'tokenproxy-status: one more logout token accepted, none refused, two requests ended');
}

# ---- 7. refusals
sub no_token_cookie {
    my ($r) = @_;
    my $c = set_cookies_of($r);
    return !grep { length($c->{$_} // '') } qw(accessToken refreshToken idToken);
}
{   # the provider reports access_denied
    my $b = browser();
    my ($cb) = to_callback($b, abort => 1);
    like($cb // '', qr/[?&]error=access_denied/, 'cancelling at the provider comes back with error=access_denied');
    my $r = $b->get($cb // "$site/auth/callback");
    is($r->code, 403, 'access_denied: 403');
    ok(no_token_cookie($r), '... no token cookie');
    like($r->decoded_content, qr{<a href="/auth/login">}, '... and a page that offers to start over');
}
my ($b1, $b2) = (browser(), browser());
my ($cb1) = to_callback($b1);
my $exchanges = pstats()->{'grant.authorization_code'} // 0;
{   # state from another browser
    my ($cb2) = to_callback($b2);
    my $r = $b2->get($cb1, Accept => 'application/json');
    is($r->code, 400, "a callback with another browser's state: 400");
    like($r->decoded_content, qr/"error":"invalid_state"/, '... invalid_state');
    ok(no_token_cookie($r), '... no token cookie');
    is(pstats()->{'grant.authorization_code'} // 0, $exchanges, '... and no code exchange');
}
my $saved_name = (cookie_names($b1, qr/^tp-login-/))[0];
my $saved = cookie_of($b1, $saved_name);
$r = $b1->get($cb1);
is($r->code, 302, 'the browser that began the login completes it');
{   # replays
    my $r = $b1->get($cb1, Accept => 'application/json');
    is($r->code, 400, 'the same callback again: 400 (the login cookie is gone)');
    my $c = browser();
    set_cookie($c, $saved_name, $saved);
    $r = $c->get($cb1, Accept => 'application/json');
    is($r->code, 401, 'the same callback with the old login cookie: 401 (the code was used)');
    ok(no_token_cookie($r), '... no token cookie');
}
{   # a tampered login cookie
    my $b = browser();
    my ($cb) = to_callback($b);
    my $n = (cookie_names($b, qr/^tp-login-/))[0];
    my $v = cookie_of($b, $n);
    substr($v, 20, 1) = substr($v, 20, 1) eq 'A' ? 'B' : 'A';
    set_cookie($b, $n, $v);
    my $r = $b->get($cb, Accept => 'application/json');
    is($r->code, 400, 'a tampered login cookie: 400');
    ok(no_token_cookie($r), '... no token cookie');
}
{   # an expired login cookie: the same state, begun an hour ago
    my $b = browser();
    my ($cb) = to_callback($b);
    my $n = (cookie_names($b, qr/^tp-login-/))[0];
    my $plain = seal_tool('open', $n, cookie_of($b, $n)) // '';
    my $old = time - 3600;
    $plain =~ s/^v1\|\d+\|/v1|$old|/;
    set_cookie($b, $n, seal_tool('seal', $n, $plain));
    my $r = $b->get($cb, Accept => 'application/json');
    is($r->code, 400, 'a login cookie older than 5 minutes: 400');
    like($r->decoded_content, qr/"error":"expired_state"/, '... expired_state');
    ok(no_token_cookie($r), '... no token cookie');
}
{   # RFC 9207: the authorization response names its issuer
    my $b = browser();
    my ($cb) = to_callback($b);
    my $u = URI->new($cb // "$site/auth/callback");
    my %q = $u->query_form;
    is($q{iss} // '-', $issuer, 'RFC 9207: oidc-provider sends iss in the authorization response');
    my $n = pstats()->{'grant.authorization_code'} // 0;
    $u->query_form(%q, iss => 'http://127.0.0.1:1');
    my $r = $b->get($u->as_string, Accept => 'application/json');
    is($r->code, 400, "a callback naming another issuer: 400");
    like($r->decoded_content, qr/"error":"invalid_iss"/, '... invalid_iss');
    ok(no_token_cookie($r) && !length(set_cookies_of($r)->{tpSession} // ''), '... no token or session cookie');
    is(pstats()->{'grant.authorization_code'} // 0, $n, '... and no code exchange');
    # the metadata says authorization_response_iss_parameter_supported
    $b = browser();
    ($cb) = to_callback($b);
    $u = URI->new($cb // "$site/auth/callback");
    %q = $u->query_form;
    delete $q{iss};
    $u->query_form(%q);
    $r = $b->get($u->as_string, Accept => 'application/json');
    is($r->code, 400, 'a callback without iss from a provider that announces it: 400');
    ok(no_token_cookie($r), '... no token cookie');
    is(pstats()->{'grant.authorization_code'} // 0, $n, '... and no code exchange');
}
{   # the token endpoint is down
    my $b = browser();
    my ($cb) = to_callback($b);
    kill 'TERM', $provider_pid;
    waitpid($provider_pid, 0);
    $provider_pid = 0;
    my $r = $b->get($cb, Accept => 'application/json');
    is($r->code, 503, 'the provider is down at the callback: 503');
    ok(no_token_cookie($r), '... no token cookie');
}

# ---- 8. the error log at trace8 holds no secret
push @secrets, @codes, @states;
my $log = do { local $/; open my $fh, '<', "$node->{root}/logs/error_log" or die; <$fh> };
ok(length($log) > 1000 && $log =~ /tokenproxy:trace/, 'the error log has trace lines');
my @leaks = grep { index($log, $_) >= 0 } grep { defined && length } @secrets;
is(scalar(@leaks), 0, 'no code, state, nonce, verifier, token or secret in the error log')
    or diag('leaked: ' . join(', ', map { substr($_, 0, 12) . '...' } @leaks));

done_testing();
