# Licensed under the Apache License, Version 2.0 (see LICENSE).
# Sealed cookies (tampered, truncated, wrong key, old key, renamed),
# __Host- cookies, chunked cookies for large tokens, and the CSRF defence.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use lib 't/lib';
use TPTest;

plan tests => 74;

sub login {
    my ($prefix, %extra) = @_;
    return capture_login($prefix, 'sec', %extra);
}

# the Cookie header a browser would send back for these Set-Cookies
sub cookie_back {
    my $c = shift;
    return join '; ', map { "$_=$c->{$_}[0]" }
                      grep { cookie_attr($c->{$_}, 'Max-Age') ne '0' } sort keys %$c;
}

# --- sealed cookies
my $sealed = set_cookies(login('/sealed'));
{
    ok t_cmp($sealed->{accessToken}[0], qr/^tp2\.[A-Za-z0-9_-]{11}\.[A-Za-z0-9_-]+$/, 'access cookie sealed');
    ok t_cmp($sealed->{refreshToken}[0], qr/^tp2\.[A-Za-z0-9_-]{11}\.[A-Za-z0-9_-]+$/, 'refresh cookie sealed');
    my ($d, $res) = stats_delta(sub { req(GET => '/sealed/api/x', [Cookie => cookie_back($sealed)]) });
    ok t_cmp($res->code, 200, 'sealed cookies open');
    my $auth = up_header(json_of($res), 'Authorization') // '';
    ok t_cmp($auth, qr/^Bearer eyJ[^ ]*\.s3cr3t-\d+$/, 'the upstream gets the real token');
    # (a 20-character piece cannot turn up in random base64url by chance)
    my $piece = substr($auth, 7, 20);
    ok t_cmp(index($sealed->{accessToken}[0], $piece) < 0
             && $sealed->{accessToken}[0] !~ /s3cr3t/ ? 1 : 0, 1, 'no token readable in it');
    ok t_cmp($d->{refresh_calls} // 0, 0, 'no refresh needed');
}
# tampered: one base64url character in the middle replaced by another, so
# the sealed bytes always change (a character that maps to itself, such as
# '-' or '_' under a tr///, would leave the cookie intact now and then)
sub mangle {
    my ($what, $v) = @_;
    my $i = int(length($v) / 2);
    return $what eq 'tampered'  ? do { my $m = $v;
                                       substr($m, $i, 1) = substr($v, $i, 1) eq 'A' ? 'B' : 'A';
                                       die "not tampered" if $m eq $v;
                                       $m }
         : $what eq 'truncated' ? substr($v, 0, length($v) - 5)
         : $v;
}
for my $what (qw(tampered truncated)) {
    # both cookies damaged: the session is over, both cleared
    my $c = "accessToken=" . mangle($what, $sealed->{accessToken}[0])
          . "; refreshToken=" . mangle($what, $sealed->{refreshToken}[0]);
    my $res = req(GET => "/sealed/api/$what", [Cookie => $c]);
    my $sc = set_cookies($res);
    ok t_cmp($res->code, 401, "$what cookies: treated as absent");
    ok t_cmp(cookie_attr($sc->{accessToken}, 'Max-Age'), '0', "$what: cleared");
}
{
    # only the access cookie damaged: refreshed, replaced
    my $c = "accessToken=" . mangle('tampered', $sealed->{accessToken}[0])
          . "; refreshToken=$sealed->{refreshToken}[0]";
    my ($d, $res) = stats_delta(sub { req(GET => '/sealed/api/half', [Cookie => $c]) });
    my $sc = set_cookies($res);
    ok t_cmp($res->code, 200, 'a damaged access cookie: refreshed');
    ok t_cmp($d->{refresh_calls}, 1, 'with the sealed refresh token');
    ok t_cmp($sc->{accessToken}[0], qr/^tp2\.[A-Za-z0-9_-]{11}\./, 'new sealed cookie');
    $sealed = $sc;      # the old refresh token is spent
}
{
    # a valid access token refreshes nothing: the refresh cookie is never
    # opened (what the hot path's speed rests on), so a damaged one goes
    # unnoticed then; it is still kept from the upstream
    my $s = set_cookies(login('/sealed'));
    my $c = "accessToken=$s->{accessToken}[0]; refreshToken="
          . mangle('tampered', $s->{refreshToken}[0]) . "; theme=dark";
    my $before = length(error_log_text());
    my ($d, $res) = stats_delta(sub { req(GET => '/sealed/api/lazy', [Cookie => $c]) });
    ok t_cmp($res->code, 200, 'valid access token, damaged refresh cookie: 200');
    ok t_cmp($d->{refresh_calls} // 0, 0, 'nothing refreshed');
    ok t_cmp(exists set_cookies($res)->{refreshToken} ? 1 : 0, 0, 'the refresh cookie not opened, so not cleared');
    ok t_cmp(up_header(json_of($res), 'Cookie'), 'theme=dark', 'and kept from the upstream');
    my $log = substr(error_log_text(), $before);
    ok t_cmp($log =~ /cookie 'refreshToken' ignored/ ? 1 : 0, 0, 'the refresh cookie was not opened');
    # with no access token it is needed: opened, refused, cleared
    $res = req(GET => '/sealed/api/lazy2', [Cookie => "refreshToken=" . mangle('tampered', $s->{refreshToken}[0])]);
    ok t_cmp($res->code, 401, 'needed, the damaged refresh cookie does not open');
    ok t_cmp(cookie_attr(set_cookies($res)->{refreshToken}, 'Max-Age'), '0', 'and is cleared');
}
{
    my $log = error_log_text();
    ok t_cmp(scalar(() = $log =~ /cookie 'accessToken' ignored: it does not open with the TokenProxyCookieKey keys \(damaged, truncated, renamed, or sealed with another key; \d+ bytes, fp=[0-9a-f]{12}\)/g) >= 2, 1,
             'logged at info, by fingerprint');
}
{
    # renamed: the sealed access value sent as the refresh cookie
    my $c = "refreshToken=$sealed->{accessToken}[0]";
    my $res = req(GET => '/sealed/api/renamed', [Cookie => $c]);
    ok t_cmp($res->code, 401, 'a renamed sealed cookie does not open');
    ok t_cmp(cookie_attr(set_cookies($res)->{refreshToken}, 'Max-Age'), '0', 'and is cleared');
}
{
    # sealed with a key /sealed/ does not have
    my $other = set_cookies(login('/sealed-other'));
    # (a section that neither refreshes nor logs in is no app: unbound)
    ok t_cmp($other->{accessToken}[0], qr/^tp1\./, 'sealed elsewhere');
    my $res = req(GET => '/sealed/api/other', [Cookie => cookie_back($other)]);
    ok t_cmp($res->code, 401, 'wrong key: treated as absent');
    ok t_cmp(cookie_attr(set_cookies($res)->{accessToken}, 'Max-Age'), '0', 'wrong key: cleared');

    # sealed with the old key, which /sealed/ lists second: still opens
    my $old = set_cookies(login('/sealed-old'));
    my ($d, $r2) = stats_delta(sub { req(GET => '/sealed/api/old', [Cookie => cookie_back($old)]) });
    ok t_cmp($r2->code, 200, 'old key: opens');
    ok t_cmp($d->{refresh_calls} // 0, 0, 'old key: nobody logged out, nothing refreshed');
    # plain cookies where keys are set do not open either
    my $s = new_session();
    $res = req(GET => '/sealed/api/plain', [Cookie => "accessToken=$s->{accessToken}; refreshToken=$s->{refreshToken}"]);
    ok t_cmp($res->code, 401, 'unsealed cookies where keys are set: absent');
}
{
    my $log = error_log_text();
    my $told = () = $log =~ /tokenproxy: token cookies are not sealed/g;
    ok t_cmp($told, 0, 'with keys configured, no "not sealed" notice');
}

# --- __Host- cookies
{
    my $res = login('/hostp');
    my @raw = $res->headers->header('Set-Cookie');
    my ($at) = grep { /^__Host-at=/ } @raw;
    my ($rt) = grep { /^__Host-rt=/ } @raw;
    ok t_cmp(defined $at ? 1 : 0, 1, '__Host- access cookie set');
    for my $h ($at, $rt) {
        ok t_cmp($h // '', qr/; Path=\/;/, '__Host-: Path=/');
        ok t_cmp($h // '', qr/; Secure/, '__Host-: Secure');
        ok t_cmp(($h // '') =~ /Domain=/i ? 1 : 0, 0, '__Host-: no Domain');
    }
    my $c = set_cookies($res);
    $res = req(GET => '/hostp/api/x', [Cookie => "__Host-at=$c->{'__Host-at'}[0]; __Host-rt=$c->{'__Host-rt'}[0]"]);
    ok t_cmp($res->code, 200, '__Host- cookies work');
    ok t_cmp(up_header(json_of($res), 'Cookie'), '<none>', '__Host- cookies kept from the upstream');
}

# --- large tokens in chunks
for my $size (6000, 12000) {
    my $res = login('/bff', pad => $size);
    my $c = set_cookies($res);
    my $n = () = grep { /^accessToken\.\d+$/ } keys %$c;
    ok t_cmp($c->{accessToken}[0], qr/^~\d+$/, "$size-byte token: a chunk marker");
    my $joined = join '', map { $c->{"accessToken.$_"}[0] // '' } 1 .. $n;
    ok t_cmp($n, int((length($joined) + 3999) / 4000), "$size-byte token: in $n chunks of 4000 bytes");
    ok t_cmp(length($joined) > $size, 1, 'holding the whole token');
    ok t_cmp((grep { length($c->{$_}[0]) > 4000 } keys %$c) ? 1 : 0, 0, 'no cookie over 4000 bytes');
    my ($d, $r2) = stats_delta(sub { req(GET => "/bff/api/big$size", [Cookie => cookie_back($c)]) });
    ok t_cmp($r2->code, 200, "$size-byte token round-trips");
    ok t_cmp(up_header(json_of($r2), 'Authorization'), "Bearer $joined", 'joined exactly');
    ok t_cmp($d->{refresh_calls} // 0, 0, 'no refresh');
    ok t_cmp(up_header(json_of($r2), 'Cookie'), '<none>', 'no chunk reaches the upstream');

    # sealed and chunked
    my $sc = set_cookies(login('/sealed', pad => $size));
    my $r3 = req(GET => "/sealed/api/big$size", [Cookie => cookie_back($sc)]);
    ok t_cmp($r3->code, 200, "$size-byte token sealed in chunks round-trips");
}
{
    # a refresh that gives a small token clears the stale chunks
    my $s = new_session(pad => 12000, refresh_pad => 0);
    my $res = req(GET => '/bff/api/shrink', [Cookie => "accessToken=~3; accessToken.1=aaa; accessToken.2=bbb; "
                                                     . "accessToken.3=ccc; refreshToken=$s->{refreshToken}"]);
    my $c = set_cookies($res);
    ok t_cmp($res->code, 200, 'stale chunks: refreshed');
    ok t_cmp(length($c->{accessToken}[0]) > 20, 1, 'a plain new access cookie');
    ok t_cmp(join(',', map { cookie_attr($c->{"accessToken.$_"}, 'Max-Age') // 'kept' } 1 .. 3), '0,0,0',
             'chunks 1 to 3 cleared');
}

# --- CSRF
{
    my $s = new_session(ttl => 3600);
    my $ck = "accessToken=$s->{accessToken}";
    my $port = Apache::Test::config()->{vars}{port};
    my ($d, $res) = stats_delta(sub {
        req(POST => '/bff/api/csrf', [Cookie => $ck, 'Sec-Fetch-Site' => 'cross-site'], 'x')
    });
    ok t_cmp($res->code, 403, 'cross-site POST refused');
    ok t_cmp($d->{secure} // 0, 0, 'the upstream was not touched');

    ($d, $res) = stats_delta(sub {
        req(POST => '/bff/api/csrf', [Cookie => $ck, Origin => 'https://evil.example'], 'x')
    });
    ok t_cmp($res->code, 403, 'foreign Origin refused');
    ok t_cmp($d->{secure} // 0, 0, 'the upstream was not touched');

    $res = req(POST => '/bff/api/csrf', [Cookie => $ck, Origin => "http://127.0.0.1:$port",
                                         'Sec-Fetch-Site' => 'same-origin'], 'x');
    ok t_cmp($res->code, 200, 'same-origin POST passes');
    $res = req(PUT => '/bff/api/csrf', [Cookie => $ck, Origin => "http://sub.127.0.0.1.nip.example:$port",
                                        'Sec-Fetch-Site' => 'same-site'], 'x');
    ok t_cmp($res->code, 403, 'a sibling site is refused (Origin)');
    $res = req(GET => '/bff/api/csrf', [Cookie => $ck, 'Sec-Fetch-Site' => 'cross-site']);
    ok t_cmp($res->code, 200, 'cross-site GET passes (safe method)');
    $res = req(POST => '/bff/echo/csrf', ['Sec-Fetch-Site' => 'cross-site'], 'x');
    ok t_cmp($res->code, 403, 'no token cookie: refused all the same (no login answer, nothing cleared)');
    $res = req(POST => '/bff/trusted/x', [Cookie => $ck, Origin => 'https://admin.example'], 'x');
    ok t_cmp($res->code, 200, 'TokenProxyTrustedOrigin passes');
    $res = req(POST => '/bff/nocsrf/x', [Cookie => $ck, 'Sec-Fetch-Site' => 'cross-site'], 'x');
    ok t_cmp($res->code, 200, 'TokenProxyCSRF Off');
    $res = req(POST => '/bff/csrfhdr/x', [Cookie => $ck], 'x');
    ok t_cmp($res->code, 403, 'TokenProxyCSRFHeader missing: refused');
    $res = req(POST => '/bff/csrfhdr/x', [Cookie => $ck, 'X-Requested-By' => 'app'], 'x');
    ok t_cmp($res->code, 200, 'TokenProxyCSRFHeader present: passes');
    $res = req(POST => '/bff/auth/refresh', [Cookie => "refreshToken=$s->{refreshToken}",
                                             'Sec-Fetch-Site' => 'cross-site']);
    ok t_cmp($res->code, 403, 'the refresh endpoint refuses cross-site POSTs too');
    ok t_cmp(error_log_text(), qr/tokenproxy: POST request refused \(TokenProxyCSRF\): Sec-Fetch-Site: cross-site without an Origin/,
             'and says why in the log');
}
