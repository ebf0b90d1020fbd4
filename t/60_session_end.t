# Licensed under the Apache License, Version 2.0 (see LICENSE).
# When the session is over: cookies cleared, navigations to the login page,
# everything else 401 JSON.  When the refresh endpoint is unavailable: 503,
# cookies kept.  Public endpoints keep working anonymously.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use Time::HiRes qw(time);
use lib 't/lib';
use TPTest;

plan tests => 80;

# Exactly the named cookies are cleared (empty, Max-Age=0, Path=/), and no
# other token cookie: a cookie the request did not carry is never cleared.
sub cleared {
    my ($res, $what, @names) = @_;
    my $c = set_cookies($res);
    my $n = grep { defined $c->{$_} && $c->{$_}[0] eq ''
                   && cookie_attr($c->{$_}, 'Max-Age') eq '0'
                   && cookie_attr($c->{$_}, 'Path') eq '/' } @names;
    my $others = grep { my $k = $_; !grep { $_ eq $k } @names }
                 grep { /^(?:accessToken|refreshToken)(?:\.\d+)?$/ } keys %$c;
    ok t_cmp("$n/$others", scalar(@names) . "/0",
             "$what: cleared exactly " . (join(', ', @names) || 'nothing')
             . " (Max-Age=0, same Path)");
}

sub kept {
    my ($res, $what) = @_;
    ok t_cmp(scalar(() = $res->headers->header('Set-Cookie')), 0,
             "$what: cookies kept");
}

# --- no cookie at all: API call 401 JSON, navigation 302
{
    my ($d, $res) = stats_delta(sub { req(GET => '/bff/api/none') });
    ok t_cmp($res->code, 401, 'no cookie: 401');
    ok t_cmp($res->header('Content-Type'), qr{^application/json}, 'JSON body');
    ok t_cmp(json_of($res)->{error}, 'unauthorized');
    ok t_cmp($res->header('Location'), undef, 'never a redirect for an API call');
    ok t_cmp($d->{secure} // 0, 0, 'the upstream was not asked');
    cleared($res, 'no cookie');   # nothing arrived, nothing to clear
}
my %nav = (
    'Sec-Fetch-Mode navigate'  => [GET  => ['Sec-Fetch-Mode' => 'navigate', 'Sec-Fetch-Dest' => 'document'], 302],
    'HEAD navigate'            => [HEAD => ['Sec-Fetch-Mode' => 'navigate'], 302],
    'Accept text/html'         => [GET  => [Accept => 'text/html,application/xhtml+xml;q=0.9'], 302],
    'text/html + XHR'          => [GET  => [Accept => 'text/html', 'X-Requested-With' => 'XMLHttpRequest'], 401],
    'Sec-Fetch-Mode cors'      => [GET  => ['Sec-Fetch-Mode' => 'cors', Accept => 'text/html'], 401],
    'POST navigate'            => [POST => ['Sec-Fetch-Mode' => 'navigate', Accept => 'text/html'], 401],
    'fetch default Accept'     => [GET  => [Accept => '*/*'], 401],
);
for my $name (sort keys %nav) {
    my ($method, $h, $want) = @{ $nav{$name} };
    my $res = req($method => '/bff/api/page?q=1&r=2', $h);
    ok t_cmp($res->code, $want, "$name: $want");
    if ($want == 302) {
        ok t_cmp($res->header('Location'), '/login?return=%2Fbff%2Fapi%2Fpage%3Fq%3D1%26r%3D2',
                 "$name: to /login with the original path");
    }
    else {
        ok t_cmp($res->header('Location'), undef, "$name: no redirect");
    }
}

# --- TokenProxyLoginURL, and the return path never leaves the site
{
    my $res = req(GET => '/bff/custom/x', ['Sec-Fetch-Mode' => 'navigate']);
    ok t_cmp($res->header('Location'), '/signin?app=x&return=%2Fbff%2Fcustom%2Fx',
             'TokenProxyLoginURL with a query');
    my ($status, undef, $raw) = raw_request("GET //bff/api/x HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                            . "Sec-Fetch-Mode: navigate\r\nConnection: close\r\n\r\n");
    ok t_cmp($status, 302, '//path: still a navigation');
    ok t_cmp(($raw =~ /^Location: (.*?)\r$/m)[0], '/login?return=%2F',
             'a return path that could leave the site becomes /');
}

# --- the refresh is rejected: the session is over
for my $mode (qw(400 401 403)) {
    my $res = req(GET => '/bff/api/rej', [Cookie => "accessToken=" . tok('old') . "; refreshToken=mode-$mode-" . tok('r')]);
    ok t_cmp($res->code, 401, "refresh answered $mode: 401");
    cleared($res, "refresh answered $mode", qw(accessToken refreshToken));
}
{
    # a reused (already rotated) refresh token, past the grace window
    # (TokenProxyRefreshGrace 0 here), is rejected by the provider
    my $s = new_session();
    my $first = req(GET => '/bff/nograce/rot', [Cookie => "refreshToken=$s->{refreshToken}"]);
    ok t_cmp($first->code, 200, 'first use of the refresh token');
    my ($d, $res) = stats_delta(sub {
        req(GET => '/bff/nograce/rot', [Cookie => "refreshToken=$s->{refreshToken}",
                                        'Sec-Fetch-Mode' => 'navigate'])
    });
    ok t_cmp($d->{reuse_detected}, 1, 'the provider saw the reuse');
    ok t_cmp($res->code, 302, 'a navigation goes to the login page');
    cleared($res, 'reused refresh token', 'refreshToken');
}
{
    # the replay is refused again: the session is over, no second refresh
    my $s = new_session();
    my ($d, $res) = stats_delta(sub {
        req(GET => '/bff/deny/x', [Cookie => "accessToken=" . tok('d') . "; refreshToken=$s->{refreshToken}"])
    });
    ok t_cmp($res->code, 401, 'replay refused again: 401');
    ok t_cmp($d->{deny_401}, 2, 'asked twice');
    ok t_cmp($d->{refresh_calls}, 1, 'refreshed once');
    cleared($res, 'replay refused again', qw(accessToken refreshToken));
}

# --- the refresh endpoint is unavailable: 503, cookies kept, not logged out
my @unavailable = qw(500 503 html garbage huge types noaccess redirect);
for my $mode (@unavailable) {
    my $res = req(GET => '/bff/api/un', [Cookie => "refreshToken=mode-$mode-" . tok('u')]);
    ok t_cmp($res->code, 503, "refresh $mode: 503");
    ok t_cmp($res->header('Retry-After'), 5, "refresh $mode: Retry-After");
    kept($res, "refresh $mode");
}
{
    my $t0 = time;
    my $res = req(GET => '/bff/api/slow', [Cookie => "refreshToken=mode-timeout-" . tok('t')]);
    my $took = time - $t0;
    ok t_cmp($res->code, 503, 'refresh timeout: 503');
    ok t_cmp($took < 8, 1, sprintf('bounded by TokenProxyRefreshTimeout 2 (%.1f s)', $took));
    kept($res, 'refresh timeout');

    $res = req(GET => '/bff/dead/x', [Cookie => "deadRefresh=" . tok('dead')]);
    ok t_cmp($res->code, 503, 'refresh endpoint down: 503');
    kept($res, 'refresh endpoint down');

    # an upstream 401 while the endpoint is down: 503, not a logout
    my $s = new_session();
    $res = req(GET => '/bff/dead/y', [Cookie => "deadAccess=" . tok('x') . "; deadRefresh=$s->{refreshToken}"]);
    ok t_cmp($res->code, 503, 'upstream 401 and endpoint down: 503');
}
{
    my $log = error_log_text();
    ok t_cmp(scalar(() = $log =~ /tokenproxy: refresh of fp=[0-9a-f]{12} unavailable: the answer is larger than 65536 bytes/g) >= 1, 1,
             'the log says why (huge answer)');
    ok t_cmp(scalar(() = $log =~ /tokenproxy: refresh of fp=[0-9a-f]{12} unavailable: the answer is not application\/json/g) >= 1, 1,
             'the log says why (html)');
}

# --- TokenProxyPublic: anonymous is fine
{
    my ($d, $res) = stats_delta(sub { req(GET => '/bff/pub/anon') });
    ok t_cmp($res->code, 200, 'public, no cookie: forwarded');
    ok t_cmp(up_header(json_of($res), 'Authorization'), '<none>', 'without Authorization');
    kept($res, 'public, no cookie');

    # a rejected refresh: cleared, and forwarded anonymously
    $res = req(GET => '/bff/pub/rej', [Cookie => "refreshToken=mode-400-" . tok('p')]);
    ok t_cmp($res->code, 200, 'public, rejected refresh: forwarded');
    ok t_cmp(up_header(json_of($res), 'Authorization'), '<none>', 'anonymously');
    cleared($res, 'public, rejected refresh', 'refreshToken');

    # an upstream 401 to a tokened request whose refresh is rejected:
    # replayed once anonymously
    ($d, $res) = stats_delta(sub {
        req(GET => '/bff/pub/stale', [Cookie => "accessToken=" . tok('ps') . "; refreshToken=mode-401-" . tok('p')])
    });
    ok t_cmp($res->code, 200, 'public, upstream 401, refresh rejected: replayed');
    ok t_cmp(up_header(json_of($res), 'Authorization'), '<none>', 'the replay was anonymous');
    ok t_cmp($d->{optional_401}, 1, 'after one 401');
    cleared($res, 'public, anonymous replay', qw(accessToken refreshToken));

    # and with a good refresh token it is the refreshed user
    my $s = new_session();
    $res = req(GET => '/bff/pub/good', [Cookie => "accessToken=" . tok('ps') . "; refreshToken=$s->{refreshToken}"]);
    my $c = set_cookies($res);
    ok t_cmp(up_header(json_of($res), 'Authorization'), "Bearer $c->{accessToken}[0]",
             'public with a live session: the new token');
}
