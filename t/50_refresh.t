# Licensed under the Apache License, Version 2.0 (see LICENSE).
# Refresh and replay: proactive and on-401 refresh, the rotated cookies,
# replayed bodies arriving byte-identical, the oauth2 format.  The mock
# identity provider rotates refresh tokens and revokes a family on reuse,
# so a double refresh shows up as a failure.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use Digest::SHA qw(sha256_hex);
use lib 't/lib';
use TPTest;

plan tests => 89;

sub cookie_hdr {
    my %c = @_;
    return (Cookie => join '; ', map { "$_=$c{$_}" } sort keys %c);
}

# --- proactive: no access cookie, a refresh cookie
{
    my $s = new_session();
    my ($d, $res) = stats_delta(sub {
        req(GET => '/bff/api/p1', [cookie_hdr(refreshToken => $s->{refreshToken})])
    });
    my $j = json_of($res);
    my $c = set_cookies($res);
    ok t_cmp($res->code, 200, 'proactive refresh: served');
    ok t_cmp($d->{refresh_calls}, 1, 'exactly one refresh call');
    ok t_cmp($d->{secure_401} // 0, 0, 'the upstream never saw a stale token');
    ok t_cmp($d->{reuse_detected} // 0, 0, 'no reuse');
    ok t_cmp(up_header($j, 'Authorization'), "Bearer $c->{accessToken}[0]",
             'the new access token went upstream');
    ok t_cmp(scalar(() = $res->headers->header('Set-Cookie')), 2,
             'two separate Set-Cookie headers');
    ok t_cmp($c->{refreshToken}[0] ne $s->{refreshToken}, 1, 'refresh token rotated');
    for my $name (qw(accessToken refreshToken)) {
        ok t_cmp(cookie_attr($c->{$name}, 'HttpOnly'), 1, "$name HttpOnly");
        ok t_cmp(cookie_attr($c->{$name}, 'Secure'), 1, "$name Secure by default");
        ok t_cmp(cookie_attr($c->{$name}, 'SameSite'), 'Strict', "$name SameSite=Strict");
        ok t_cmp(cookie_attr($c->{$name}, 'Path'), '/', "$name Path=/");
        ok t_cmp(cookie_attr($c->{$name}, 'Domain'), undef, "$name has no Domain");
    }
    ok t_cmp(cookie_attr($c->{accessToken}, 'Max-Age'), 300, 'access Max-Age = expiresIn');
    ok t_cmp(cookie_attr($c->{refreshToken}, 'Max-Age'), 604800, 'refresh Max-Age default');
    ok t_cmp($res->header('Cache-Control'), 'no-store', 'no-store with token cookies');

    # the rotated cookies work: no further refresh
    ($d, $res) = stats_delta(sub {
        req(GET => '/bff/api/p2', [cookie_hdr(accessToken => $c->{accessToken}[0],
                                             refreshToken => $c->{refreshToken}[0])])
    });
    ok t_cmp($res->code, 200, 'the rotated cookies work');
    ok t_cmp($d->{refresh_calls} // 0, 0, 'a valid token is not refreshed');
    ok t_cmp(scalar(() = $res->headers->header('Set-Cookie')), 0, 'no cookies set');
}

# --- proactive: a JWT whose exp is within TokenProxyRefreshSkew (30 s);
# without an iat the skew applies in full
{
    my $s = new_session(ttl => 10, iat => 0);
    my ($d, $res) = stats_delta(sub {
        req(GET => '/bff/api/skew', [cookie_hdr(accessToken => $s->{accessToken},
                                               refreshToken => $s->{refreshToken})])
    });
    my $c = set_cookies($res);
    ok t_cmp($res->code, 200, 'expiring JWT: served');
    ok t_cmp($d->{refresh_calls}, 1, 'expiring JWT refreshed first');
    ok t_cmp(up_header(json_of($res), 'Authorization'), "Bearer $c->{accessToken}[0]",
             'with the new token');

    my $long = new_session(ttl => 3600);
    ($d, $res) = stats_delta(sub {
        req(GET => '/bff/api/noskew', [cookie_hdr(accessToken => $long->{accessToken},
                                                 refreshToken => $long->{refreshToken})])
    });
    ok t_cmp($d->{refresh_calls} // 0, 0, 'a JWT far from exp is not refreshed');
    ok t_cmp(up_header(json_of($res), 'Authorization'), "Bearer $long->{accessToken}");
}

# --- on an upstream 401: refresh, replay once
{
    my $s = new_session();
    my ($d, $res) = stats_delta(sub {
        req(GET => '/bff/api/r401?x=1', [cookie_hdr(accessToken => tok('stale'),
                                                   refreshToken => $s->{refreshToken})])
    });
    my $c = set_cookies($res);
    ok t_cmp($res->code, 200, 'upstream 401: refreshed and replayed');
    ok t_cmp($d->{secure_401}, 1, 'one 401 from the upstream');
    ok t_cmp($d->{refresh_calls}, 1, 'one refresh');
    ok t_cmp($d->{secure_ok}, 1, 'one replay accepted');
    ok t_cmp(json_of($res)->{path}, '/secure/api/r401?x=1', 'same path and query');
    ok t_cmp(up_header(json_of($res), 'Authorization'), "Bearer $c->{accessToken}[0]",
             'the replay carried the new token');
}

# --- replayed bodies are byte-identical: POST and PUT, 100 KiB, and chunked
for my $method (qw(POST PUT)) {
    my $s = new_session();
    my $body = join '', map { chr(($_ * 7 + 3) % 256) } 1 .. 102400;
    my ($d, $res) = stats_delta(sub {
        req($method => '/bff/api/body', [cookie_hdr(accessToken => tok('stale'),
                                                   refreshToken => $s->{refreshToken}),
                                         'Content-Type' => 'application/octet-stream'],
            $body)
    });
    my $j = json_of($res);
    ok t_cmp($res->code, 200, "$method 100 KiB replayed");
    ok t_cmp($j->{method}, $method, 'same method');
    ok t_cmp($j->{body_length}, 102400, 'same length');
    ok t_cmp($j->{body_sha256}, sha256_hex($body), 'byte-identical body');
    ok t_cmp(up_header($j, 'Content-Type'), 'application/octet-stream', 'same headers');
    ok t_cmp($d->{secure_401}, 1, 'after one 401');
}
{
    my $s = new_session();
    my $body = 'chunked-' x 12800;       # 100 KiB in chunks of 4 KiB
    my $chunks = '';
    for (my $i = 0; $i < length $body; $i += 4096) {
        my $part = substr($body, $i, 4096);
        $chunks .= sprintf("%x\r\n%s\r\n", length $part, $part);
    }
    my ($d, $status, $j) = stats_delta(sub {
        raw_request("POST /bff/api/chunked HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    . "Connection: close\r\nTransfer-Encoding: chunked\r\n"
                    . "Cookie: accessToken=" . tok('stale') . "; refreshToken=$s->{refreshToken}\r\n"
                    . "\r\n$chunks" . "0\r\n\r\n")
    });
    ok t_cmp($status, 200, 'chunked body replayed');
    ok t_cmp($j->{body_length}, length $body, 'chunked: same length');
    ok t_cmp($j->{body_sha256}, sha256_hex($body), 'chunked: byte-identical');
    ok t_cmp($d->{secure_401}, 1, 'chunked: after one 401');
}

# --- a body over TokenProxyReplayMaxBody is streamed, not replayed: the
# client gets 401 with the new cookies and can retry
{
    my $s = new_session();
    my ($d, $res) = stats_delta(sub {
        req(POST => '/bff/small/big', [cookie_hdr(accessToken => tok('stale'),
                                                 refreshToken => $s->{refreshToken})],
            'b' x 5000)
    });
    my $c = set_cookies($res);
    ok t_cmp($res->code, 401, 'over the replay limit: 401');
    ok t_cmp(json_of($res)->{error}, 'token_refreshed', 'saying the token was refreshed');
    ok t_cmp($d->{secure_ok} // 0, 0, 'not replayed');
    ok t_cmp($d->{refresh_calls}, 1, 'refreshed once');
    ok t_cmp(length($c->{accessToken}[0]) > 20, 1, 'new access cookie set');
    ok t_cmp(cookie_attr($c->{accessToken}, 'Max-Age') > 0, 1, 'not cleared');

    # the retry with the new cookies succeeds
    $res = req(POST => '/bff/small/big', [cookie_hdr(accessToken => $c->{accessToken}[0],
                                                    refreshToken => $c->{refreshToken}[0])],
               'b' x 5000);
    ok t_cmp($res->code, 200, 'the retry with the new cookies succeeds');
    ok t_cmp(json_of($res)->{body_length}, 5000, 'streamed body arrived whole');
}

# --- an upgrade request is never replayed
{
    my $s = new_session();
    my ($d, $res) = stats_delta(sub {
        req(GET => '/bff/api/ws', [cookie_hdr(accessToken => tok('stale'),
                                             refreshToken => $s->{refreshToken}),
                                   Upgrade => 'websocket', Connection => 'Upgrade'])
    });
    ok t_cmp($d->{secure_ok} // 0, 0, 'upgrade not replayed');
    ok t_cmp($res->code, 401, 'upgrade: 401 with new cookies');
}

# --- without ProxyErrorOverride On 401: no replay, and a warning
{
    my $s = new_session();
    my ($d, $res) = stats_delta(sub {
        req(GET => '/bff/noreplay/x', [cookie_hdr(accessToken => tok('stale'),
                                                 refreshToken => $s->{refreshToken})])
    });
    ok t_cmp($res->code, 401, 'the upstream 401 goes to the client');
    ok t_cmp($d->{refresh_calls} // 0, 0, 'no refresh');
    my $warned = () = error_log_text() =~ /TokenProxy location \/bff\/noreplay\/ cannot refresh and replay after an upstream 401: add "ProxyErrorOverride On 401"/g;
    ok t_cmp($warned >= 1, 1, 'the error log says what is missing');
}

# --- the refresh answer without expiresIn: Max-Age from the JWT exp;
# without refreshToken (not rotated): the refresh cookie is set again
{
    my $s = new_session(ttl => 120, rotate => 0, expiresin => 0);
    my ($d, $res) = stats_delta(sub {
        req(GET => '/bff/api/norot', [cookie_hdr(refreshToken => $s->{refreshToken})])
    });
    my $c = set_cookies($res);
    my $age = cookie_attr($c->{accessToken}, 'Max-Age');
    ok t_cmp($res->code, 200);
    ok t_cmp($age >= 110 && $age <= 120, 1, "access Max-Age from the JWT exp ($age)");
    ok t_cmp($c->{refreshToken}[0], $s->{refreshToken}, 'not rotated: same refresh token');
    ok t_cmp(cookie_attr($c->{refreshToken}, 'Max-Age'), 604800);
}

# --- cookie attributes
{
    my $s = new_session();
    my $res = req(GET => '/bff/lax/x', [cookie_hdr(refreshToken => $s->{refreshToken})]);
    my $c = set_cookies($res);
    ok t_cmp(cookie_attr($c->{accessToken}, 'Secure'), undef, 'TokenProxyCookieSecure Off');
    ok t_cmp(cookie_attr($c->{accessToken}, 'SameSite'), 'Lax', 'TokenProxyCookieSameSite Lax');
    ok t_cmp(cookie_attr($c->{refreshToken}, 'Path'), '/bff/', 'TokenProxyCookiePath');
    ok t_cmp(cookie_attr($c->{refreshToken}, 'Max-Age'), 3600, 'TokenProxyRefreshCookieMaxAge');

    $s = new_session();
    $res = req(GET => '/bff/none/x', [cookie_hdr(refreshToken => $s->{refreshToken})]);
    $c = set_cookies($res);
    ok t_cmp(cookie_attr($c->{accessToken}, 'SameSite'), 'None');
    ok t_cmp(cookie_attr($c->{accessToken}, 'Secure'), 1, 'SameSite=None forces Secure');
}

# --- oauth2 format: Basic client authentication, or client_id in the body
{
    my $s = new_session();
    my ($d, $res) = stats_delta(sub {
        req(GET => '/bff/oauth/x', [cookie_hdr(oauthRefresh => $s->{refreshToken})])
    });
    my $c = set_cookies($res);
    ok t_cmp($res->code, 200, 'oauth2: served');
    ok t_cmp($d->{oauth2_basic_ok}, 1, 'oauth2: HTTP Basic client authentication');
    ok t_cmp(up_header(json_of($res), 'Authorization'), "Bearer $c->{oauthAccess}[0]",
             'oauth2: access_token used');
    ok t_cmp($c->{oauthRefresh}[0] ne $s->{refreshToken}, 1, 'oauth2: refresh_token rotated');

    $s = new_session();
    ($d, $res) = stats_delta(sub {
        req(GET => '/bff/oauthid/x', [cookie_hdr(oauthidRefresh => $s->{refreshToken})])
    });
    ok t_cmp($res->code, 200, 'oauth2 with client_id: served');
    ok t_cmp($d->{'oauth2_client_id_bff-public'}, 1, 'client_id in the body');

    ($d, $res) = stats_delta(sub {
        req(GET => '/bff/oauth/x', [cookie_hdr(oauthRefresh => 'mode-badtype-' . tok('bt'))])
    });
    ok t_cmp($res->code, 503, 'oauth2: token_type mac is a failed refresh');
}

# --- TokenProxyJSONField: an endpoint with other member names
{
    my $s = new_session(ttl => 200);
    my ($d, $res) = stats_delta(sub {
        req(GET => '/bff/alt/x', [cookie_hdr(altRefresh => $s->{refreshToken})])
    });
    my $c = set_cookies($res);
    ok t_cmp($res->code, 200, 'other member names: served');
    ok t_cmp($d->{alt_calls}, 1, 'the request used "rt"');
    ok t_cmp(up_header(json_of($res), 'Authorization'), "Bearer $c->{altAccess}[0]",
             'the answer\'s "at" became the Bearer token');
    ok t_cmp(cookie_attr($c->{altAccess}, 'Max-Age'), 200, '"ttl" became Max-Age');
    ok t_cmp($c->{altRefresh}[0] ne $s->{refreshToken}, 1, '"rt" rotated');
}

# --- the rotated cookies go out with whatever response comes back
{
    my $s = new_session();
    my $res = req(GET => '/bff/err500/x', [cookie_hdr(refreshToken => $s->{refreshToken})]);
    my $c = set_cookies($res);
    ok t_cmp($res->code, 500, 'the upstream\'s 500 reaches the client');
    ok t_cmp(length($c->{accessToken}[0] // '') > 20, 1, 'with the new access cookie');
    ok t_cmp(($c->{refreshToken}[0] // '') ne $s->{refreshToken}, 1, 'and the new refresh cookie');
    ok t_cmp($res->header('Cache-Control'), 'no-store', 'and no-store');
}
