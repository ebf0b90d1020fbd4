# Licensed under the Apache License, Version 2.0 (see LICENSE).
# Cross-site requests with the headers real browsers send: no other site
# can log the user out, a trusted origin on another site works, and every
# other cross-site unsafe request is refused before the upstream.  Every
# case checks the status, the upstream's calls, and that no clearing
# Set-Cookie goes out for a token cookie the request did not carry.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use lib 't/lib';
use TPTest;

plan tests => 155;

my $port = Apache::Test::config()->{vars}{port};
my $own = "http://127.0.0.1:$port";

# what browsers send, by kind of request
my %fetch_same   = ('Sec-Fetch-Site' => 'same-origin', 'Sec-Fetch-Mode' => 'cors',
                    'Sec-Fetch-Dest' => 'empty', Accept => '*/*');
my %fetch_cross  = ('Sec-Fetch-Site' => 'cross-site', 'Sec-Fetch-Mode' => 'cors',
                    'Sec-Fetch-Dest' => 'empty', Accept => '*/*');
my %fetch_sibling = ('Sec-Fetch-Site' => 'same-site', 'Sec-Fetch-Mode' => 'cors',
                     'Sec-Fetch-Dest' => 'empty', Accept => '*/*');
my %form_cross   = ('Sec-Fetch-Site' => 'cross-site', 'Sec-Fetch-Mode' => 'navigate',
                    'Sec-Fetch-Dest' => 'document', 'Sec-Fetch-User' => '?1',
                    Accept => 'text/html,application/xhtml+xml,*/*;q=0.8',
                    'Content-Type' => 'application/x-www-form-urlencoded');
my %link_cross   = ('Sec-Fetch-Site' => 'cross-site', 'Sec-Fetch-Mode' => 'navigate',
                    'Sec-Fetch-Dest' => 'document', 'Sec-Fetch-User' => '?1',
                    Accept => 'text/html,application/xhtml+xml,*/*;q=0.8');
my %old_nav      = (Accept => 'text/html,application/xhtml+xml,*/*;q=0.8');

# the Set-Cookie headers naming a token cookie or one of its chunks
sub token_set_cookies {
    my $res = shift;
    return grep { /^(?:accessToken|refreshToken)(?:\.\d+)?=/ }
           $res->headers->header('Set-Cookie');
}

# the names a response clears
sub cleared {
    my $res = shift;
    return join ',', sort map { /^([^=]+)=/ ? $1 : () }
                          grep { /Max-Age=0/ } $res->headers->header('Set-Cookie');
}

# the upstream's calls in a stats delta (echoing and checking paths)
sub up_calls {
    my $d = shift;
    return ($d->{secure} // 0) + ($d->{optional} // 0) + ($d->{echo} // 0);
}

# run one request; check status, upstream calls, refresh calls and that
# no token cookie is cleared or set; returns the response
sub check {
    my ($what, $want_status, $want_up, $method, $path, $headers, $body) = @_;
    my ($d, $res) = stats_delta(sub { req($method => $path, $headers, $body) });
    ok t_cmp($res->code, $want_status, "$what: status");
    ok t_cmp(up_calls($d), $want_up, "$what: upstream calls");
    ok t_cmp($d->{refresh_calls} // 0, 0, "$what: no refresh");
    ok t_cmp(join(' | ', token_set_cookies($res)), '', "$what: no token Set-Cookie");
    return $res;
}

my $s = new_session(ttl => 3600);
my $both = "accessToken=$s->{accessToken}; refreshToken=$s->{refreshToken}";

# --- 1. same-origin fetch
check('same-origin fetch POST', 200, 1,
      POST => '/bff/api/xs1', [%fetch_same, Origin => $own, Cookie => $both], 'x');

# --- 2. a sibling on the same site (SameSite lets the cookies through)
my $res = check('same-site sibling POST', 403, 0,
                POST => '/bff/api/xs2', [%fetch_sibling, Origin => 'http://evil.127.0.0.1.example',
                                         Cookie => $both], 'x');
ok t_cmp(json_of($res)->{error}, 'forbidden', 'a 403 JSON answer');

# --- 3. a trusted origin on another site (cookies SameSite=None)
check('trusted cross-site fetch POST', 200, 1,
      POST => '/bff/xsite/xs3', [%fetch_cross, Origin => 'https://admin.example', Cookie => $both], 'x');
check('trusted cross-site DELETE', 200, 1,
      DELETE => '/bff/xsite/xs3', [%fetch_cross, Origin => 'https://admin.example', Cookie => $both]);
check('trusted origin, default port spelled out', 200, 1,
      PUT => '/bff/xsite/xs3', [%fetch_cross, Origin => 'https://ADMIN.example:443', Cookie => $both], 'x');
# TokenProxyCSRFHeader still applies to trusted origins
check('trusted cross-site, CSRF header missing', 403, 0,
      POST => '/bff/xsitehdr/xs3', [%fetch_cross, Origin => 'https://admin.example', Cookie => $both], 'x');
check('trusted cross-site, CSRF header sent', 200, 1,
      POST => '/bff/xsitehdr/xs3', [%fetch_cross, Origin => 'https://admin.example', Cookie => $both,
                                    'X-Requested-By' => 'console'], 'x');

# --- 4. an untrusted origin on another site, with the cookies
check('untrusted cross-site fetch POST', 403, 0,
      POST => '/bff/xsite/xs4', [%fetch_cross, Origin => 'https://evil.example', Cookie => $both], 'x');
check('untrusted origin claiming same-origin', 403, 0,
      POST => '/bff/xsite/xs4', [%fetch_same, Origin => 'https://evil.example', Cookie => $both], 'x');
check('a look-alike of the trusted origin', 403, 0,
      POST => '/bff/xsite/xs4', [%fetch_cross, Origin => 'https://admin.example.evil.example',
                                 Cookie => $both], 'x');
check('Origin: null (sandboxed frame, file:)', 403, 0,
      POST => '/bff/xsite/xs4', [%fetch_cross, Origin => 'null', Cookie => $both], 'x');
check('an Origin that is not an origin', 403, 0,
      POST => '/bff/xsite/xs4', [%fetch_cross, Origin => 'https://admin.example/x', Cookie => $both], 'x');
check('cross-site without an Origin', 403, 0,
      POST => '/bff/xsite/xs4', [%fetch_cross, Cookie => $both], 'x');

# --- 5. a cross-site form POST without CORS: Strict cookies stay home
$res = check('cross-site form POST, no cookies', 403, 0,
             POST => '/bff/api/xs5', [%form_cross, Origin => 'https://evil.example'], 'a=1');
ok t_cmp($res->header('Location') // '', '', 'no login redirect');
check('cross-site form POST to a public location', 403, 0,
      POST => '/bff/pub/xs5', [%form_cross, Origin => 'https://evil.example'], 'a=1');
# SameSite=None cookies do travel: still refused, and nothing cleared
check('cross-site form POST carrying SameSite=None cookies', 403, 0,
      POST => '/bff/xsite/xs5', [%form_cross, Origin => 'https://evil.example', Cookie => $both], 'a=1');
check('the session still works afterwards', 200, 1,
      GET => '/bff/xsite/xs5', [%fetch_same, Cookie => $both]);

# --- 6. a cross-site link (top-level navigation) without cookies
$res = check('cross-site link', 302, 0, GET => '/bff/api/xs6/page?q=1', [%link_cross]);
ok t_cmp($res->header('Location'), qr{^/login\?return=%2Fbff%2Fapi%2Fxs6%2Fpage}, 'to the login page');
check('cross-site link to a public page', 200, 1, GET => '/bff/pub/xs6', [%link_cross]);
check('cross-site link, HEAD', 302, 0, HEAD => '/bff/api/xs6', [%link_cross]);

# --- 7. an old browser without Sec-Fetch-*
check('old browser, same-origin POST', 200, 1,
      POST => '/bff/api/xs7', [Origin => $own, Cookie => $both], 'x');
check('old browser, POST without Origin', 200, 1,
      POST => '/bff/api/xs7', [Cookie => $both], 'x');
check('old browser, foreign Origin', 403, 0,
      POST => '/bff/api/xs7', [Origin => 'https://evil.example', %old_nav], 'x');
check('old browser, navigation without cookies', 302, 0,
      GET => '/bff/api/xs7', [%old_nav]);
$res = check('old browser, XHR without cookies', 401, 0,
             GET => '/bff/api/xs7', [Accept => 'application/json', 'X-Requested-With' => 'XMLHttpRequest']);
ok t_cmp(json_of($res)->{error}, 'unauthorized', 'a 401 JSON answer');

# --- 8. only what arrived is cleared
{
    # a broken access cookie alone: it is cleared, the refresh cookie not
    my ($d, $r) = stats_delta(sub { req(GET => '/bff/api/xs8', [Cookie => 'accessToken=not a token']) });
    ok t_cmp($r->code, 401, 'an unusable access cookie alone: 401');
    ok t_cmp(cleared($r), 'accessToken', 'only the access cookie is cleared');
    ok t_cmp(up_calls($d), 0, 'the upstream was not asked');

    # a refresh token the provider refuses, no access cookie: only it goes
    ($d, $r) = stats_delta(sub { req(GET => '/bff/api/xs8', [Cookie => 'refreshToken=rt.s3cr3t.unknown']) });
    ok t_cmp($r->code, 401, 'a refused refresh token alone: 401');
    ok t_cmp($d->{refresh_calls}, 1, 'the provider was asked');
    ok t_cmp(cleared($r), 'refreshToken', 'only the refresh cookie is cleared');

    # a stray chunk: only it is cleared
    $r = req(GET => '/bff/api/xs8', [Cookie => 'accessToken.2=stale']);
    ok t_cmp($r->code, 401, 'a stray chunk alone: 401');
    ok t_cmp(cleared($r), 'accessToken.2', 'only that chunk is cleared');

    # both arrive, the provider refuses: both cleared
    $r = req(GET => '/bff/api/xs8', [Cookie => 'accessToken=x; refreshToken=rt.s3cr3t.unknown']);
    ok t_cmp(cleared($r), 'accessToken,refreshToken', 'both cleared when both arrived');

    # a public location, refused refresh token: cleared, then anonymous
    ($d, $r) = stats_delta(sub { req(GET => '/bff/pub/xs8', [Cookie => 'refreshToken=rt.s3cr3t.unknown']) });
    ok t_cmp($r->code, 200, 'public: anonymous after a refused refresh token');
    ok t_cmp(cleared($r), 'refreshToken', 'public: only the refresh cookie is cleared');
    $r = req(GET => '/bff/pub/xs8', []);
    ok t_cmp(join(' | ', token_set_cookies($r)), '', 'public, no cookies: nothing cleared');
}

# --- 9. the refresh and logout endpoints follow the same rules
{
    my $t = new_session(ttl => 3600);
    my $rt_only = "refreshToken=$t->{refreshToken}";
    check('refresh endpoint, cross-site form POST', 403, 0,
          POST => '/bff/auth/refresh', [%form_cross, Origin => 'https://evil.example']);
    my ($d, $r) = stats_delta(sub {
        req(POST => '/bff/auth/logout', [%form_cross, Origin => 'https://evil.example', Cookie => $rt_only])
    });
    ok t_cmp($r->code, 403, 'logout endpoint, cross-site form POST: 403');
    ok t_cmp($d->{revoked} // 0, 0, 'nothing revoked');
    ok t_cmp(join(' | ', token_set_cookies($r)), '', 'nothing cleared');
    check('logout endpoint, Origin: null', 403, 0,
          POST => '/bff/auth/logout', [%fetch_cross, Origin => 'null']);
    # a cross-site link to the logout endpoint is refused (t/93_logout_get.t
    # has the rest): it clears nothing
    $r = check('logout endpoint, cross-site link', 403, 0,
               GET => '/bff/auth/logout', [%link_cross]);
    ok t_cmp($r->header('Location') // '', '', 'no redirect');
    check('refresh endpoint, same-origin, no cookies', 401, 0,
          POST => '/bff/auth/refresh', [%fetch_same, Origin => $own]);

    # the trusted console refreshes and logs out from its own site
    ($d, $r) = stats_delta(sub {
        req(POST => '/xsite-auth/refresh', [%fetch_cross, Origin => 'https://admin.example', Cookie => $rt_only])
    });
    ok t_cmp($r->code, 200, 'trusted origin: the refresh endpoint works cross-site');
    ok t_cmp($d->{refresh_calls}, 1, 'one refresh');
    my $c = set_cookies($r);
    ok t_cmp(cookie_attr($c->{refreshToken}, 'SameSite'), 'None', 'rotated cookies for it');
    check('untrusted origin: refresh endpoint refused', 403, 0,
          POST => '/xsite-auth/refresh', [%fetch_cross, Origin => 'https://evil.example',
                                          Cookie => "refreshToken=$c->{refreshToken}[0]"]);
    ($d, $r) = stats_delta(sub {
        req(POST => '/xsite-auth/logout', [%fetch_cross, Origin => 'https://admin.example',
                                           Cookie => "refreshToken=$c->{refreshToken}[0]"])
    });
    ok t_cmp($r->code, 204, 'trusted origin: logout works cross-site');
    ok t_cmp($d->{revoked}, 1, 'and revokes');
    ok t_cmp(cleared($r), 'refreshToken', 'clearing only the cookie that arrived');
}

# --- 10. login capture: a cross-site login POST (login CSRF) is refused
{
    my ($d, $r) = stats_delta(sub {
        req(POST => '/bff/auth/login', [%form_cross, Origin => 'https://evil.example',
                                        'Content-Type' => 'application/json'],
            '{"username":"x","password":"y"}')
    });
    ok t_cmp($r->code, 403, 'cross-site login POST refused');
    ok t_cmp($d->{idp} // 0, 0, 'the login endpoint was not asked');
    ok t_cmp(join(' | ', token_set_cookies($r)), '', 'nothing set or cleared');
    $r = req(POST => '/bff/auth/login', [%fetch_same, Origin => $own, 'Content-Type' => 'application/json'],
             '{"username":"x","password":"y"}');
    ok t_cmp($r->code, 200, 'same-origin login works');
    ok t_cmp(cleared($r), '', 'a login clears nothing');
}

# --- 11. the log says which rule refused
{
    my $log = error_log_text();
    for my $rule ('Origin https://evil.example is neither this site nor a TokenProxyTrustedOrigin',
                  'Origin null is not an origin',
                  'Sec-Fetch-Site: cross-site without an Origin',
                  'no X-Requested-By header') {
        ok t_cmp(index($log, "request refused (TokenProxyCSRF): $rule") >= 0 ? 1 : 0, 1,
                 "logged: $rule");
    }
}
