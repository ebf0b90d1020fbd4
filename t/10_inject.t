# Licensed under the Apache License, Version 2.0 (see LICENSE).
# The access cookie reaches the upstream as a Bearer token; the token
# cookies never do; other locations are untouched.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestRequest;
use Apache::TestUtil;
use lib 't/lib';
use TPTest;

plan tests => 42;

my $at = tok('inject-at');
my $rt = tok('inject-rt');

# Bearer injected, token cookies removed, other cookies kept in order
{
    my ($res, $j) = echo(GET => '/api/one',
        Cookie => "theme=dark; accessToken=$at; lang=en; refreshToken=$rt");
    ok t_cmp($res->code, 200, 'proxied');
    ok t_cmp(up_header($j, 'Authorization'), "Bearer $at", 'Bearer injected');
    ok t_cmp(up_header($j, 'Cookie'), 'theme=dark; lang=en',
             'token cookies removed, others kept in order');
    ok t_cmp($j->{path}, '/echo/api/one', 'upstream path');
}

# a client-sent Authorization header is replaced, not joined
{
    my ($res, $j) = echo(GET => '/api/replace',
        Authorization => 'Basic dXNlcjpzM2NyM3Q=', Cookie => "accessToken=$at");
    my @auth = up_headers($j, 'Authorization');
    ok t_cmp(scalar(@auth), 1, 'one Authorization upstream');
    ok t_cmp($auth[0], "Bearer $at", 'client Authorization replaced');
    ok t_cmp(up_header($j, 'Cookie'), '<none>', 'empty Cookie header dropped');
}

# only token cookies: no Cookie header at all upstream
{
    my ($res, $j) = echo(GET => '/api/only',
                         Cookie => "refreshToken=$rt; accessToken=$at");
    ok t_cmp(up_header($j, 'Cookie'), '<none>', 'no Cookie header upstream');
    ok t_cmp(up_header($j, 'Authorization'), "Bearer $at");
}

# byte-for-byte: odd separators and quoted values survive
{
    my $cookie = qq{z=1;y=2 ;  accessToken=$at;x="q w"; w=a=b};
    my ($res, $j) = echo(GET => '/api/bytes', Cookie => $cookie);
    ok t_cmp(up_header($j, 'Cookie'), q{z=1;y=2 ;x="q w"; w=a=b},
             'other bytes kept exactly');
    ok t_cmp(up_header($j, 'Authorization'), "Bearer $at");
}

# refresh cookie alone: removed, nothing injected
{
    my ($res, $j) = echo(GET => '/api/rtonly', Cookie => "a=1; refreshToken=$rt");
    ok t_cmp(up_header($j, 'Cookie'), 'a=1', 'refresh cookie removed');
    ok t_cmp(up_header($j, 'Authorization'), '<none>', 'no token, no Bearer');
}

# no cookies: the client's own Authorization passes
{
    my ($res, $j) = echo(GET => '/api/nocookie', Authorization => 'Basic Zm9vOmJhcg==');
    ok t_cmp(up_header($j, 'Authorization'), 'Basic Zm9vOmJhcg==',
             'without an access cookie the request is not touched');
    ok t_cmp(up_header($j, 'Cookie'), '<none>');
}

# TokenProxy Off in a nested Location, and no TokenProxy at all: no
# Bearer, but no token cookie of any of the server's apps either (issue
# 22): every name some section uses (kaAccess is /ka/named/'s, deadRefresh
# /bff/dead/'s, __Host-rt /hostp/'s; chunks too)
for my $path ('/api/off/x', '/plain/x') {
    my ($res, $j) = echo(GET => $path, Authorization => 'Basic Zm9vOmJhcg==',
                         Cookie => "accessToken=$at; a=1; kaAccess=x; deadRefresh=~2; "
                                   . "deadRefresh.1=y; deadRefresh.2=z; __Host-rt=w; "
                                   . "b=2");
    ok t_cmp($res->code, 200, "$path proxied");
    ok t_cmp(up_header($j, 'Authorization'), 'Basic Zm9vOmJhcg==',
             "$path: Authorization untouched");
    ok t_cmp(up_header($j, 'Cookie'), "a=1; b=2",
             "$path: every app's token cookie kept from upstream, the others untouched");
}

# per-directory names, inherited by nested Locations
{
    my $c = "at=$at; rt=$rt; accessToken=other";
    for my $path ('/api/named/x', '/api/named/inner/x') {
        my ($res, $j) = echo(GET => $path, Cookie => $c);
        ok t_cmp(up_header($j, 'Authorization'), "Bearer $at",
                 "$path: TokenProxyAccessCookie at");
        # accessToken is another section's name on this server: kept from
        # upstream too (issue 22)
        ok t_cmp(up_header($j, 'Cookie'), '<none>',
                 "$path: at and rt removed, and accessToken of the other sections");
    }
    my ($res, $j) = echo(GET => '/api/named/inner/y', Cookie => $c);
    ok t_cmp($res->header('X-Inner'), '1', 'inner Location applied');

    # inner section sets the access name back, inherits rt
    ($res, $j) = echo(GET => '/api/named/default/x',
                      Cookie => "at=A; rt=$rt; accessToken=$at");
    ok t_cmp(up_header($j, 'Authorization'), "Bearer $at",
             'inner TokenProxyAccessCookie wins');
    ok t_cmp(up_header($j, 'Cookie'), '<none>',
             'inherited refresh name removed, and at of /api/named/ (issue 22)');
}

# balancer:// and mod_rewrite [P]
for my $path ('/lb/x', '/rw/x') {
    my ($res, $j) = echo(GET => $path, Cookie => "k=v; accessToken=$at; refreshToken=$rt");
    ok t_cmp($res->code, 200, "$path proxied");
    ok t_cmp($j->{path}, "/echo$path", "$path upstream path");
    ok t_cmp(up_header($j, 'Authorization'), "Bearer $at", "$path: Bearer");
    ok t_cmp(up_header($j, 'Cookie'), 'k=v', "$path: token cookies removed");
}

# a POST body passes untouched
{
    my $body = 'x' x 5000;
    my ($res, $j) = echo(POST => '/api/post', content => $body,
                         Cookie => "accessToken=$at");
    ok t_cmp($j->{method}, 'POST');
    ok t_cmp($j->{body_length}, 5000, 'body length');
    ok t_cmp(up_header($j, 'Authorization'), "Bearer $at");
}

# HEAD works too
{
    my $res = HEAD('/api/head', Cookie => "accessToken=$at");
    ok t_cmp($res->code, 200, 'HEAD proxied');
}

# keep-alive: each request of one connection gets its own token
{
    Apache::TestRequest::user_agent(keep_alive => 1, reset => 1);
    my $ok = 0;
    for my $i (1 .. 6) {
        my $t = tok("ka$i");
        my $c = $i % 2 ? "accessToken=$t" : "n=$i";
        my ($res, $j) = echo(GET => "/api/ka$i", Cookie => $c);
        my $want = $i % 2 ? "Bearer $t" : '<none>';
        $ok++ if up_header($j, 'Authorization') eq $want;
    }
    ok t_cmp($ok, 6, 'no token carried over between requests on one connection');
    Apache::TestRequest::user_agent(keep_alive => 0, reset => 1);
}

# many requests spread over the child processes
{
    my $ok = 0;
    for my $i (1 .. 8) {
        my $t = tok("spread$i");
        my ($res, $j) = echo(GET => "/api/spread$i", Cookie => "accessToken=$t");
        $ok++ if up_header($j, 'Authorization') eq "Bearer $t";
    }
    ok t_cmp($ok, 8, 'every request gets its own token');
}
