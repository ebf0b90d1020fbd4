# Licensed under the Apache License, Version 2.0 (see LICENSE).
# Back-channel logout (issue 19, OpenID Connect Back-Channel Logout 1.0):
# sessions logged in through the module at the mock's OpenID provider
# (HS256 ID tokens with a sid), ended by logout tokens POSTed to
# tokenproxy-backchannel: by the provider's own end-session action, and by
# tokens this test signs (sid, sub only, replays, refusals).  A session so
# ended is over as after a refused refresh: 401 for an API call, 302 for
# a navigation, its arrived cookies cleared, its refresh token revoked at
# the provider; a TokenProxyPublic location forwards it anonymously; other
# sessions go on.  The endpoint: POST only (405, Allow: POST), 400
# {"error":"invalid_request"} for no or a refused token, 200 no-store.
# A full revocation table (TokenProxyRevocationSlots 1024) answers 503
# and drops nothing (an own httpd).  No logout token or sid in the log.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use lib 't/lib';
use TPTest;
use HTTP::Cookies ();
use LWP::UserAgent ();
use JSON::PP ();
use MIME::Base64 ();
use Digest::SHA ();
use File::Temp ();

plan tests => 40;

my $json = JSON::PP->new->canonical;
my $port = Apache::Test::vars('port');
my $site = "http://127.0.0.1:$port";
my $mock = "http://127.0.0.1:$ENV{TP_MOCK_PORT}";
my $iss = "$mock/oidc";
my $secret = 's3cr3t-demo-client-secret-0123456789abcdef';
my (@tokens, @sids);              # none may reach the log

sub b64u { MIME::Base64::encode_base64url($_[0]) }
sub hs256 {
    my ($hdr, $claims) = @_;
    my $in = b64u($json->encode($hdr)) . '.' . b64u($json->encode($claims));
    return $in . '.' . b64u(Digest::SHA::hmac_sha256($in, $secret));
}
my $jti = 0;
sub logout_token {
    my (%c) = @_;
    my $typ = exists $c{typ} ? delete $c{typ} : 'logout+jwt';
    my %claims = (iss => $iss, aud => 'demo-bff', iat => time, exp => time + 120,
                  jti => 's3cr3t-jti-' . $$ . '-' . ++$jti,
                  events => { 'http://schemas.openid.net/event/backchannel-logout' => {} },
                  %c);
    delete $claims{$_} for grep { !defined $claims{$_} } keys %claims;
    my $t = hs256({ alg => 'HS256', defined $typ ? (typ => $typ) : () }, \%claims);
    push @tokens, $t;
    return $t;
}

my $plain = LWP::UserAgent->new(timeout => 20, max_redirect => 0);
sub post_token {
    my ($t, $url) = @_;
    return $plain->post($url // "$site/bc/backchannel", { logout_token => $t });
}

sub browser {
    my $ua = LWP::UserAgent->new(timeout => 20, max_redirect => 0,
                                 cookie_jar => HTTP::Cookies->new);
    return $ua;
}
# log in through the module at the mock provider; the browser and its sid
sub login {
    my ($user) = @_;
    my $b = browser();
    my $r = $b->get("$site/bc/auth/login", Accept => 'text/html');
    return ($b, undef) unless $r->code == 302;
    $r = $b->get($r->header('Location'));
    my %f = $r->decoded_content =~ /name="([^"]+)" value="([^"]*)"/g;
    $f{$_} =~ s/&amp;/&/g for keys %f;
    $r = $b->post("$mock/oidc/authorize", { %f, user => $user, password => 'x' });
    return ($b, undef) unless $r->code == 302;
    $r = $b->get($r->header('Location'), Accept => 'text/html');
    return ($b, undef) unless $r->code == 302;
    my $u = user($b);
    push @sids, $u->[1]{sid} if $u->[1]{sid};
    return ($b, $u->[1]{sid});
}
sub api {     # status, and the Authorization the upstream got
    my ($b, $path) = @_;
    my $r = $b->get($site . ($path // '/bc/api/x'), Accept => 'application/json');
    my $j = json_of($r);
    return ($r, $j ? up_header($j, 'Authorization') : '<none>');
}
sub user {
    my ($b) = @_;
    my $r = $b->get("$site/bc/auth/user", Accept => 'application/json');
    return [$r, json_of($r) || {}];
}
sub cleared {  # the names a response clears, sorted
    my ($r) = @_;
    return join ',', sort map { /^([^=]+)=;/ ? $1 : () } $r->header('Set-Cookie');
}
sub st { tp_status()->{backchannel} || {} }

# ---- the endpoint
{
    my $r = $plain->get("$site/bc/backchannel");
    ok t_cmp($r->code . ' ' . ($r->header('Allow') // '-'), '405 POST',
             'GET: 405 with Allow: POST');
    $r = $plain->post("$site/bc/backchannel", { other => 'x' });
    ok t_cmp($r->code . ' ' . $r->content, qq(400 {"error":"invalid_request"}\n),
             'a POST without logout_token: 400 invalid_request');
    ok t_cmp($r->header('Cache-Control') // '-', 'no-store', '... no-store');
    $r = $plain->post("$site/bc/backchannel", 'Content-Type' => 'text/plain',
                      Content => 'logout_token=' . logout_token(sub => 'x'));
    ok t_cmp($r->code, 400, 'not a form: 400');
    my $before = st();
    $r = post_token(logout_token(sid => 'x', aud => 'other'));
    ok t_cmp($r->code . ' ' . $r->content, qq(400 {"error":"invalid_request"}\n),
             'another audience: 400 invalid_request');
    $r = post_token(logout_token(sid => 'x', nonce => 'n'));
    ok t_cmp($r->code, 400, 'a nonce: 400');
    $r = post_token(logout_token(sid => 'x', typ => 'JWT'));
    ok t_cmp($r->code, 400, 'typ JWT: 400');
    ok t_cmp(st()->{logout_tokens_refused} - ($before->{logout_tokens_refused} // 0), 3,
             '... each counted as refused');
}

# ---- two users; the provider ends alice's session
my ($alice, $asid) = login('alice');
my ($bob, $bsid) = login('bob');
ok t_cmp(defined $asid && defined $bsid && $asid ne $bsid ? 1 : 0, 1,
         'alice and bob log in through the module; their ID tokens carry sids');
{
    my ($ra) = api($alice);
    my ($rb) = api($bob);
    ok t_cmp($ra->code . ' ' . $rb->code, '200 200', 'both call the API');
}
my $ended_before = st()->{sessions_ended_backchannel} // 0;
my $accepted_before = st()->{logout_tokens_accepted} // 0;
my ($d) = stats_delta(sub {
    my $r = $plain->post("$mock/oidc/end-session",
                         { user => 'alice', backchannel_uri => "$site/bc/backchannel" });
    ok t_cmp((json_of($r) || {})->{status} // '-', 200,
             "the provider's end-session: its logout token answered 200");
});
ok t_cmp(st()->{logout_tokens_accepted} - $accepted_before, 1, '... one logout token accepted');
# copies of alice's cookies, one per kind of request after the API call
sub clone {
    my ($from) = @_;
    my $b = browser();
    $from->cookie_jar->scan(sub { $b->cookie_jar->set_cookie(@_[0 .. 7], 300, 0) });
    return $b;
}
my @alice_copies = map { clone($alice) } 1 .. 3;
($d) = stats_delta(sub {
    my ($r, $auth) = api($alice);
    ok t_cmp($r->code, 401, "alice's next API call: 401");
    ok t_cmp($r->content =~ /the session is over/ ? 1 : 0, 1, '... the session is over');
    ok t_cmp(cleared($r), 'bcAt,bcId,bcRt,bcSession', '... her cookies are cleared');
});
ok t_cmp($d->{revoked} // 0, 1, '... and her refresh token is revoked at the provider');
{
    my $u = user($alice_copies[0]);
    ok t_cmp($u->[0]->code, 401, "alice's user endpoint: 401");
    my $r = $alice_copies[1]->get("$site/bc/api/page", Accept => 'text/html');
    ok t_cmp($r->code . ' ' . ($r->header('Location') // '-'),
             '302 /bc/auth/login?return=%2Fbc%2Fapi%2Fpage', 'a navigation: 302 to the login page');
    my $rr = $alice_copies[2]->post("$site/bc/auth/refresh", Origin => $site);
    ok t_cmp($rr->code . ' ' . $rr->content, qq(401 {"success":false,"error":"session_expired"}
),
             'the refresh endpoint: 401');
}
{
    my ($r, $auth) = api($bob);
    ok t_cmp($r->code . ' ' . ($auth =~ /^Bearer / ? 'bearer' : $auth), '200 bearer',
             "bob's session is untouched: 200 with his token");
    ok t_cmp(user($bob)->[0]->code, 200, "... and his user endpoint 200");
}
ok t_cmp(st()->{sessions_ended_backchannel} - $ended_before, 4,
         'four requests found their session ended (API, user, navigation, refresh)');

# ---- a replay of a token, a sub-only logout, the sid of bob
{
    sleep 1;                                   # after bob's login second
    my $t = logout_token(sub => 'bob');        # bob's sessions begun before now
    my $iat = $json->decode(MIME::Base64::decode_base64url((split /\./, $t)[1]))->{iat};
    my $r = post_token($t);
    ok t_cmp($r->code . ' ' . ($r->header('Cache-Control') // '-'), '200 no-store',
             'a logout token with only sub: 200, no-store');
    $r = post_token($t);
    ok t_cmp($r->code, 400, 'the same token again (its jti): 400');
    my ($ra) = api($bob);
    ok t_cmp($ra->code, 401, "bob's session, begun before its iat, is over");
    sleep 1 while time <= $iat;                # a login after that second
    my ($bob2, $b2sid) = login('bob');
    my ($rb) = api($bob2);
    ok t_cmp($rb->code, 200, "bob's new login, after the logout's iat, is not");
    $r = post_token(logout_token(sid => $b2sid));
    ok t_cmp($r->code, 200, 'a logout by the new sid: 200');
    ($rb) = api($bob2);
    ok t_cmp($rb->code, 401, '... ends that session');
}

# ---- TokenProxyPublic forwards an ended session anonymously
{
    my ($carol, $csid) = login('carol');
    my ($r, $auth) = api($carol, '/bc/pub/x');
    ok t_cmp($auth =~ /^Bearer / ? 1 : 0, 1, 'carol calls a TokenProxyPublic location with her token');
    ok t_cmp(post_token(logout_token(sid => $csid))->code, 200, 'her sid is logged out');
    ($r, $auth) = api($carol, '/bc/pub/x');
    ok t_cmp($r->code . ' ' . $auth, '200 <none>', '... the location forwards her anonymously');
    ok t_cmp(cleared($r), 'bcAt,bcId,bcRt,bcSession', '... and clears her cookies');
}

# ---- status
{
    my $s = st();
    ok t_cmp(($s->{revocations}{sids} // 0) >= 3 && ($s->{revocations}{subs} // 0) >= 1
             && $s->{revocations}{slots} == 65536 ? 1 : 0, 1,
             'tokenproxy-status: the table holds the sids and the sub, 65536 slots');
    my $p = $plain->get("$site/tp-status?format=prometheus")->content;
    ok t_cmp($p =~ /^tokenproxy_logout_tokens_accepted_total \d+$/m
             && $p =~ /^tokenproxy_revocations_slots 65536$/m
             && $p =~ /^tokenproxy_sessions_ended_backchannel_total \d+$/m ? 1 : 0, 1,
             '... and in Prometheus');
}

# ---- a full table: 503, nothing dropped (an own httpd, 1024 slots)
{
    my $dir = File::Temp::tempdir('tp-bc.XXXXXX', TMPDIR => 1, CLEANUP => 1);
    chmod 0755, $dir;
    my $h = own_httpd($dir, <<"CONF");
TokenProxyRevocationSlots 1024
<Location /bc>
    SetHandler tokenproxy-backchannel
    TokenProxyOIDCProvider $iss
    TokenProxyClient demo-bff $secret
    TokenProxyRedirectURI /cb
</Location>
CONF
    my $url = "http://127.0.0.1:$h->{port}/bc";
    my $ua = LWP::UserAgent->new(timeout => 20, keep_alive => 1);
    my ($ok, $full, $other) = (0, 0, 0);
    for my $i (1 .. 700) {
        my $c = $ua->post($url, { logout_token => logout_token(sid => "s3cr3t-full-$i") })->code;
        $c == 200 ? $ok++ : $c == 503 ? $full++ : $other++;
        last if $full >= 3;
    }
    my $s = own_status($h)->{backchannel} || {};
    ok t_cmp($full >= 3 && $other == 0 && $ok > 400 ? 1 : 0, 1,
             "TokenProxyRevocationSlots 1024 fills up: 503 after $ok logouts");
    ok t_cmp(($s->{revocations}{sids} // -1) . ' ' . ($s->{revocations_full} // -1),
             "$ok $full", '... every accepted logout is still in the table, the refused ones counted');
    my $log = TPTest::_slurp($h->{log});
    ok t_cmp($log =~ /TokenProxyRevocationSlots is full; raise it \(nothing was dropped\)/ ? 1 : 0, 1,
             '... and logged');
    own_httpd_stop($h);
}

# ---- the log: no logout token, sid or jti in clear
{
    my $log = error_log_text();
    ok t_cmp($log =~ /back-channel logout accepted: sid fp=[0-9a-f]{12}/ ? 1 : 0, 1,
             'the log names sids by fingerprint');
    ok t_cmp($log =~ /session \(sub fp=[0-9a-f]{12}, sid fp=[0-9a-f]{12}\) ended by a back-channel logout/ ? 1 : 0, 1,
             '... and the sessions ended');
    my @leaks = grep { index($log, $_) >= 0 } grep { length } @tokens, @sids;
    ok t_cmp(scalar(@leaks), 0, 'no logout token or sid in the error log');
}
