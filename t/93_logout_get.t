# Licensed under the Apache License, Version 2.0 (see LICENSE).
# tokenproxy-logout and GET (issue 18): another page cannot log the user
# out.  With the headers real browsers send, an image on a sibling site
# (SameSite=Strict cookies go along), a link from another site (Lax
# cookies go along) and a frame in another site's page get 403, clear no
# cookie and revoke nothing; a same-origin or user-typed navigation, a
# client without Sec-Fetch-*, and a same-origin POST log out.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use lib 't/lib';
use TPTest;

plan tests => 39;

my $port = Apache::Test::config()->{vars}{port};
my $own = "http://127.0.0.1:$port";
my $page = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

my %image_sibling = ('Sec-Fetch-Site' => 'same-site', 'Sec-Fetch-Mode' => 'no-cors',
                     'Sec-Fetch-Dest' => 'image', Accept => 'image/avif,image/webp,*/*');
my %link_cross    = ('Sec-Fetch-Site' => 'cross-site', 'Sec-Fetch-Mode' => 'navigate',
                     'Sec-Fetch-Dest' => 'document', 'Sec-Fetch-User' => '?1', Accept => $page);
my %iframe_cross  = ('Sec-Fetch-Site' => 'cross-site', 'Sec-Fetch-Mode' => 'navigate',
                     'Sec-Fetch-Dest' => 'iframe', Accept => $page);
my %link_sibling  = ('Sec-Fetch-Site' => 'same-site', 'Sec-Fetch-Mode' => 'navigate',
                     'Sec-Fetch-Dest' => 'document', 'Sec-Fetch-User' => '?1', Accept => $page);
my %fetch_same    = ('Sec-Fetch-Site' => 'same-origin', 'Sec-Fetch-Mode' => 'cors',
                     'Sec-Fetch-Dest' => 'empty', Accept => '*/*');
my %nav_same      = ('Sec-Fetch-Site' => 'same-origin', 'Sec-Fetch-Mode' => 'navigate',
                     'Sec-Fetch-Dest' => 'document', 'Sec-Fetch-User' => '?1', Accept => $page);
my %nav_typed     = ('Sec-Fetch-Site' => 'none', 'Sec-Fetch-Mode' => 'navigate',
                     'Sec-Fetch-Dest' => 'document', 'Sec-Fetch-User' => '?1', Accept => $page);

# the names of the token cookies a response sets or clears
sub token_cookies {
    my $res = shift;
    return join ',', sort map { /^((?:accessToken|refreshToken)(?:\.\d+)?)=/ ? $1 : () }
                          $res->headers->header('Set-Cookie');
}

# a logout attempt with a session's cookies (a fresh one unless given):
# (response, revocations, session)
my $kept = new_session(ttl => 3600);    # the one no refused attempt ends
sub attempt {
    my ($method, $headers, $body, $s) = @_;
    $s //= new_session(ttl => 3600);
    my $cookie = "accessToken=$s->{accessToken}; refreshToken=$s->{refreshToken}";
    my ($d, $res) = stats_delta(sub {
        req($method => '/bff/auth/logout', [%$headers, Cookie => $cookie], $body)
    });
    return ($res, $d->{revoked} // 0, $s);
}

sub refused {
    my ($what, $method, $headers) = @_;
    my ($res, $revoked, $s) = attempt($method, $headers, undef, $kept);
    ok t_cmp($res->code, 403, "$what: 403");
    ok t_cmp(token_cookies($res), '', "$what: no token cookie cleared");
    ok t_cmp($revoked, 0, "$what: nothing revoked");
    return ($res, $s);
}

sub logs_out {
    my ($what, $method, $headers, $want, $body) = @_;
    my ($res, $revoked) = attempt($method, $headers, $body);
    ok t_cmp($res->code, $want, "$what: $want");
    ok t_cmp(token_cookies($res), 'accessToken,refreshToken', "$what: both cookies cleared");
    ok t_cmp($revoked, 1, "$what: the refresh token revoked");
    return $res;
}

# --- what another page can make the browser send
my ($res) = refused('an image on a sibling site (Strict cookies sent)', GET => \%image_sibling);
ok t_cmp((json_of($res) || {})->{error} // '', 'forbidden', 'a 403 JSON answer');
ok t_cmp($res->header('Location') // '', '', 'no redirect');
refused('HEAD of that image', HEAD => \%image_sibling);
refused('a link from another site (Lax cookies sent)', GET => \%link_cross);
refused('a frame in another site\'s page (None cookies sent)', GET => \%iframe_cross);
refused('a link on a sibling site', GET => \%link_sibling);
refused('this site\'s own fetch() GET', GET => \%fetch_same);
# the session none of them ended still refreshes
{
    my ($d, $r) = stats_delta(sub {
        req(GET => '/bff/api/after-refused', [%fetch_same, Cookie => "refreshToken=$kept->{refreshToken}"])
    });
    ok t_cmp($r->code, 200, 'that session goes on: its refresh token still works');
    ok t_cmp($d->{refresh_calls}, 1, '... after one refresh');
}

# --- what logs out
$res = logs_out('a same-origin navigation', GET => \%nav_same, 302);
ok t_cmp($res->header('Location'), '/login', 'to the login page');
logs_out('a navigation the user typed (Sec-Fetch-Site: none)', GET => \%nav_typed, 302);
logs_out('a browser that sends no Sec-Fetch-*', GET => { Accept => $page }, 302);
logs_out('a client that is no browser', GET => {}, 204);
logs_out('a same-origin POST (the CSRF rules as before)', POST => { %fetch_same, Origin => $own }, 204, '');

# --- the log says why
{
    my $log = error_log_text();
    ok t_cmp(index($log, 'GET request refused (TokenProxyCSRF): a logout by GET is only taken as a '
                         . 'same-origin or user-initiated top-level navigation, and this is '
                         . 'Sec-Fetch-Site: same-site, Sec-Fetch-Mode: no-cors, Sec-Fetch-Dest: image') >= 0 ? 1 : 0,
             1, 'logged: why the image was refused');
}
