# Licensed under the Apache License, Version 2.0 (see LICENSE).
# Session limits (issue 19): TokenProxySessionIdleTimeout 4 under
# /sess/idle/, TokenProxySessionMaxAge 5 (cookie ageSession) under
# /sess/age/.  The scenarios run side by side on one clock, so the file
# takes about 7 s: sessions used every second stay alive past the idle
# limit, the same left alone are over (401 API, 302 navigation, the
# refresh endpoint, TokenProxyPublic anonymously; their arrived cookies
# cleared, their refresh tokens revoked at the mock), a session used
# all along ends at its maximum age, and token cookies from before the
# session cookie begin a session instead of being logged out.  Every
# comparison with the clock keeps a margin of a second or more beyond the
# module's one-second resolution.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use Time::HiRes qw(time sleep);
use lib 't/lib';
use TPTest;

plan tests => 53;

# a browser's cookie jar: { name => value }
sub absorb {
    my ($jar, $res) = @_;
    for my $h ($res->headers->header('Set-Cookie')) {
        my ($pair, $attrs) = split /;\s*/, $h, 2;
        my ($n, $v) = split /=/, $pair, 2;
        if (($attrs // '') =~ /(?:^|;\s*)Max-Age=0(?:;|$)/i || $v eq '') {
            delete $jar->{$n};
        }
        else {
            $jar->{$n} = $v;
        }
    }
    return $res;
}
sub header_of {
    my $jar = shift;
    return join '; ', map { "$_=$jar->{$_}" } sort keys %$jar;
}
sub call {
    my ($jar, $method, $path, @h) = @_;
    return absorb($jar, req($method => $path, [Cookie => header_of($jar), @h]));
}
sub login {
    my ($prefix, $user) = @_;
    my %jar;
    absorb(\%jar, capture_login($prefix, $user));
    return \%jar;
}
sub until_t { my $t = shift; my $d = $t - time; sleep($d) if $d > 0 }
# exactly the named cookies cleared (Max-Age=0), nothing else set
sub cleared {
    my ($res, $what, @names) = @_;
    my $c = set_cookies($res);
    my @gone = sort grep { $c->{$_}[0] eq '' && cookie_attr($c->{$_}, 'Max-Age') eq '0' } keys %$c;
    ok t_cmp("@gone", join(' ', sort @names), "$what: cleared exactly @names");
}

my $st0 = tp_status();
my $t_first = time;
my %s;
$s{$_} = login('/sess/idle', "sess$_") for qw(A B N R D);
$s{C} = login('/sess/age', 'sessC');
my $t_last = time;

# --- the session cookie at login: sealed, HttpOnly, one per login
{
    my $res = capture_login('/sess/idle', 'sessX');
    my $c = set_cookies($res);
    ok t_cmp(defined $c->{tpSession} ? 1 : 0, 1, 'a login sets the session cookie');
    ok t_cmp($c->{tpSession}[0], qr/^tp1\.[A-Za-z0-9_-]{40,}$/, 'sealed');
    ok t_cmp(cookie_attr($c->{tpSession}, 'HttpOnly'), 1, 'HttpOnly');
    ok t_cmp(cookie_attr($c->{tpSession}, 'SameSite'), 'Strict', 'SameSite as the token cookies');
    ok t_cmp(scalar(grep { /^tpSession=/ } $res->headers->header('Set-Cookie')), 1, 'one session cookie');
    ok t_cmp(defined $s{C}{ageSession} && !defined $s{C}{tpSession} ? 1 : 0, 1,
             'TokenProxySessionCookie names it');
}

# --- never sent upstream
{
    my %jar = (%{ $s{A} }, other => 'kept');
    my ($res, $j) = echo(GET => '/sess/idle/echo/x', Cookie => header_of(\%jar));
    ok t_cmp($res->code, 200, 'echo: 200');
    ok t_cmp(up_header($j, 'Cookie'), 'other=kept', 'the upstream gets no session cookie');
    ok t_cmp(up_header($j, 'Authorization'), qr/^Bearer /, 'but the token');
}

# --- a session from before the feature: token cookies, no session cookie
my $pre = new_session(user => 'sessP');
$s{P} = { accessToken => $pre->{accessToken}, refreshToken => $pre->{refreshToken} };
{
    my ($d, $res) = stats_delta(sub { call($s{P}, GET => '/sess/idle/api/p') });
    ok t_cmp($res->code, 200, 'pre-feature session: not logged out');
    ok t_cmp($s{P}{tpSession} // '', qr/^tp1\./, 'its session begins now: a session cookie');
    ok t_cmp($d->{revoked} // 0, 0, 'nothing revoked');
    # a session cookie that does not open begins again too (no logout by
    # a damaged cookie or a restart's new start key)
    my %bent = (%{ $s{P} }, tpSession => 'tp1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA');
    $res = call(\%bent, GET => '/sess/idle/api/p');
    ok t_cmp($res->code, 200, 'a session cookie that does not open: 200');
    ok t_cmp($bent{tpSession} ne 'tp1.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' ? 1 : 0, 1,
             'and a new session cookie');
}

# --- A and P used every second for 6 s (the idle limit is 4); C used
# every second while within its age (5 s)
my (@a_codes, @p_codes, @c_codes, $a_touched);
for my $k (1 .. 6) {
    until_t($t_first + $k);
    my $before = $s{A}{tpSession};
    push @a_codes, call($s{A}, GET => "/sess/idle/api/a$k")->code;
    $a_touched++ if $s{A}{tpSession} ne $before;
    push @p_codes, call($s{P}, GET => "/sess/idle/api/p$k")->code;
    push @c_codes, call($s{C}, GET => "/sess/age/api/c$k")->code if $k <= 3;
}
ok t_cmp("@a_codes", '200 200 200 200 200 200', 'used every second: alive for 6 s');
ok t_cmp($a_touched >= 3 && $a_touched <= 6 ? 1 : 0, 1, "its last use written again ($a_touched times)");
ok t_cmp("@p_codes", '200 200 200 200 200 200', 'the pre-feature session too');
ok t_cmp("@c_codes", '200 200 200', 'max age: alive while within it');

until_t($t_last + 6);
{
    my $res = call($s{A}, GET => '/sess/idle/api/last');
    ok t_cmp($res->code, 200, 'used every second: alive past the idle limit');
}

# --- C: used all along, over at its maximum age
{
    my ($d, $res) = stats_delta(sub { call($s{C}, GET => '/sess/age/api/late') });
    ok t_cmp($res->code, 401, 'max age: over at the limit');
    ok t_cmp(json_of($res)->{error}, 'unauthorized', '401 JSON');
    cleared($res, 'max age', qw(accessToken ageSession refreshToken));
    ok t_cmp($d->{revoked}, 1, 'max age: the refresh token revoked');
    ok t_cmp(($d->{secure_ok} // 0) + ($d->{secure_401} // 0), 0, 'the upstream was not asked');
}

# --- B: left alone, an API call
{
    my ($d, $res) = stats_delta(sub { call($s{B}, GET => '/sess/idle/api/b') });
    ok t_cmp($res->code, 401, 'idle: API call 401');
    ok t_cmp($res->header('Content-Type'), qr{^application/json}, 'JSON');
    ok t_cmp(json_of($res)->{message}, 'the session is over');
    ok t_cmp($res->header('Location'), undef, 'no redirect');
    cleared($res, 'idle API', qw(accessToken refreshToken tpSession));
    ok t_cmp($res->header('Cache-Control'), 'no-store', 'no-store');
    ok t_cmp($d->{revoked}, 1, 'idle: the refresh token revoked at the provider');
    ok t_cmp($d->{refresh_calls} // 0, 0, 'no refresh call');
    ok t_cmp(($d->{secure_ok} // 0) + ($d->{secure_401} // 0), 0, 'the upstream was not asked');
    ok t_cmp(scalar(keys %{ $s{B} }), 0, 'the browser has no cookie left');
}

# --- N: left alone, a navigation
{
    my ($d, $res) = stats_delta(sub {
        call($s{N}, GET => '/sess/idle/api/page?x=1', 'Sec-Fetch-Mode' => 'navigate',
             Accept => 'text/html') });
    ok t_cmp($res->code, 302, 'idle: navigation 302');
    ok t_cmp($res->header('Location'), '/login?return=%2Fsess%2Fidle%2Fapi%2Fpage%3Fx%3D1',
             'to the login URL with the return path');
    cleared($res, 'idle navigation', qw(accessToken refreshToken tpSession));
    ok t_cmp($d->{revoked}, 1, 'revoked');
}

# --- R: left alone, the refresh endpoint
{
    my ($d, $res) = stats_delta(sub { call($s{R}, POST => '/sess/idle/auth/refresh') });
    ok t_cmp($res->code, 401, 'idle: refresh endpoint 401');
    ok t_cmp(json_of($res)->{error}, 'session_expired', 'session_expired');
    cleared($res, 'idle refresh endpoint', qw(accessToken refreshToken tpSession));
    ok t_cmp($d->{revoked}, 1, 'revoked');
    ok t_cmp($d->{refresh_calls} // 0, 0, 'no refresh call');
}

# --- D: left alone, a TokenProxyPublic location: forwarded anonymously
{
    my ($d, $res) = stats_delta(sub { call($s{D}, GET => '/sess/idle/pub/d') });
    my $j = json_of($res);
    ok t_cmp($res->code, 200, 'idle, TokenProxyPublic: forwarded');
    ok t_cmp(up_header($j, 'Authorization'), '<none>', 'anonymously');
    ok t_cmp(up_header($j, 'Cookie'), '<none>', 'with no token or session cookie');
    cleared($res, 'idle public', qw(accessToken refreshToken tpSession));
    ok t_cmp($d->{revoked}, 1, 'revoked');
}

# --- the pre-feature session, used every second, is alive
{
    my $res = call($s{P}, GET => '/sess/idle/api/p-last');
    ok t_cmp($res->code, 200, 'the pre-feature session: alive');
}

# --- counters
{
    my $st1 = tp_status();
    ok t_cmp($st1->{sessions_ended_idle} - ($st0->{sessions_ended_idle} // 0), 4,
             'tokenproxy-status: 4 sessions ended for idleness');
    ok t_cmp($st1->{sessions_ended_max_age} - ($st0->{sessions_ended_max_age} // 0), 1,
             'tokenproxy-status: 1 for its age');
    my $prom = req(GET => '/tp-status?format=prometheus')->content;
    ok t_cmp($prom, qr/^tokenproxy_sessions_ended_idle_total \d+$/m, 'Prometheus: idle');
    ok t_cmp($prom, qr/^tokenproxy_sessions_ended_max_age_total \d+$/m, 'Prometheus: max age');
}
