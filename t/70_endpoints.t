# Licensed under the Apache License, Version 2.0 (see LICENSE).
# The handlers tokenproxy-refresh and tokenproxy-logout, and
# TokenProxyCaptureTokens on the login location.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use lib 't/lib';
use TPTest;

plan tests => 38;

# --- tokenproxy-refresh
{
    my $res = req(GET => '/bff/auth/refresh');
    ok t_cmp($res->code, 405, 'refresh endpoint: GET is 405');
    ok t_cmp($res->header('Allow'), 'POST', 'Allow: POST');

    $res = req(POST => '/bff/auth/refresh');
    ok t_cmp($res->code, 401, 'no refresh cookie: 401');
    ok t_cmp($res->header('Content-Type'), qr{^application/json});

    my $s = new_session();
    my ($d);
    ($d, $res) = stats_delta(sub { req(POST => '/bff/auth/refresh', [Cookie => "refreshToken=$s->{refreshToken}"]) });
    my $c = set_cookies($res);
    ok t_cmp($res->code, 200, 'refreshed');
    ok t_cmp($res->content, qr/^\{"success":true\}/, '{"success":true}');
    ok t_cmp($d->{refresh_calls}, 1, 'one refresh call');
    ok t_cmp(scalar(() = $res->headers->header('Set-Cookie')), 2, 'two cookies');
    ok t_cmp($c->{refreshToken}[0] ne $s->{refreshToken}, 1, 'rotated');
    ok t_cmp($res->header('Cache-Control'), 'no-store');

    # the old refresh token again, within the grace window: the same new
    # tokens, no second call
    ($d, $res) = stats_delta(sub { req(POST => '/bff/auth/refresh', [Cookie => "refreshToken=$s->{refreshToken}"]) });
    my $cl = set_cookies($res);
    ok t_cmp($res->code, 200, 'the old refresh token in the grace window: 200');
    ok t_cmp($d->{refresh_calls} // 0, 0, 'no second refresh call');
    ok t_cmp($cl->{refreshToken}[0], $c->{refreshToken}[0], 'the same new refresh token');

    # a rejected one: 401 and cleared
    $res = req(POST => '/bff/auth/refresh', [Cookie => "refreshToken=mode-400-" . tok('rj')]);
    ok t_cmp($res->code, 401, 'a rejected refresh token: 401');
    $cl = set_cookies($res);
    ok t_cmp(cookie_attr($cl->{refreshToken}, 'Max-Age'), '0', 'cleared');

    $res = req(POST => '/bff/auth/refresh', [Cookie => "refreshToken=mode-500-" . tok('e')]);
    ok t_cmp($res->code, 503, 'endpoint down: 503');
    ok t_cmp(scalar(() = $res->headers->header('Set-Cookie')), 0, 'cookies kept');
}

# --- tokenproxy-logout
{
    my $s = new_session();
    my ($d, $res) = stats_delta(sub {
        req(POST => '/bff/auth/logout', [Cookie => "accessToken=$s->{accessToken}; refreshToken=$s->{refreshToken}"])
    });
    my $c = set_cookies($res);
    ok t_cmp($res->code, 204, 'logout: 204');
    ok t_cmp(cookie_attr($c->{accessToken}, 'Max-Age'), '0', 'access cookie cleared');
    ok t_cmp(cookie_attr($c->{refreshToken}, 'Max-Age'), '0', 'refresh cookie cleared');
    ok t_cmp($d->{revoked}, 1, 'the refresh token was revoked (RFC 7009)');

    # the revoked family is dead at the provider
    $res = req(GET => '/bff/api/after-logout', [Cookie => "refreshToken=$s->{refreshToken}"]);
    ok t_cmp($res->code, 401, 'after logout the refresh token is worthless');

    $res = req(GET => '/bff/auth/logout', ['Sec-Fetch-Site' => 'same-origin',
                                           'Sec-Fetch-Mode' => 'navigate',
                                           Cookie => "refreshToken=$s->{refreshToken}"]);
    ok t_cmp($res->code, 302, 'logout navigation: 302');
    ok t_cmp($res->header('Location'), '/login', 'to the login page');
    $c = set_cookies($res);
    ok t_cmp(cookie_attr($c->{refreshToken}, 'Max-Age'), '0', 'cleared on the redirect too');
    ok t_cmp(exists $c->{accessToken} ? 1 : 0, 0, 'the access cookie did not arrive: not cleared');
}

# --- TokenProxyCaptureTokens
{
    my ($d, $res) = stats_delta(sub {
        req(POST => '/bff/auth/login', ['Content-Type' => 'application/json'],
            '{"username":"cat","password":"x"}')
    });
    my $c = set_cookies($res);
    my $body = $res->content;
    ok t_cmp($res->code, 200, 'login through the capture location');
    ok t_cmp($body, qr/^\{"user":"cat"\}$/, 'the body keeps everything but the tokens');
    ok t_cmp($body =~ /accessToken|refreshToken|expiresIn|s3cr3t/ ? 1 : 0, 0,
             'no token reaches page JavaScript');
    ok t_cmp($res->header('Content-Length'), length($body), 'Content-Length corrected');
    ok t_cmp(length($c->{accessToken}[0]) > 20, 1, 'access cookie set');
    ok t_cmp(length($c->{refreshToken}[0]) > 10, 1, 'refresh cookie set');
    ok t_cmp(cookie_attr($c->{accessToken}, 'Max-Age'), 300, 'Max-Age from expiresIn');
    ok t_cmp(cookie_attr($c->{accessToken}, 'HttpOnly'), 1, 'HttpOnly');
    ok t_cmp($res->header('Cache-Control'), 'no-store', 'no-store');

    # the captured cookies open the API
    $res = req(GET => '/bff/api/me', [Cookie => "accessToken=$c->{accessToken}[0]; refreshToken=$c->{refreshToken}[0]"]);
    ok t_cmp($res->code, 200, 'the captured cookies work');

    # a failed login passes through untouched
    $res = req(POST => '/bff/auth/login', ['Content-Type' => 'application/json'],
               '{"username":"cat","password":"wrong"}');
    ok t_cmp($res->code, 401, 'failed login: the upstream status');
    ok t_cmp(scalar(() = $res->headers->header('Set-Cookie')), 0, 'no cookies');
}
