# Licensed under the Apache License, Version 2.0 (see LICENSE).
# The edit applies to the upstream request only: the access log and other
# modules (mod_headers, evaluated after the proxy ran) still see what the
# client sent.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestRequest;
use Apache::TestUtil;
use lib 't/lib';
use TPTest;

plan tests => 9;

my $at = tok('view-at');
my $rt = tok('view-rt');
my $cookie = "a=1; accessToken=$at; refreshToken=$rt";
my $basic = 'Basic dmlldzpzM2NyM3Q=';
my $path = '/api/view-' . $$ . '-' . time;

my ($res, $j) = echo(GET => $path, Cookie => $cookie, Authorization => $basic);

ok t_cmp(up_header($j, 'Authorization'), "Bearer $at", 'upstream got Bearer');
ok t_cmp(up_header($j, 'Cookie'), 'a=1', 'upstream got no token cookie');

# mod_headers, after the proxy handler: the client's headers
ok t_cmp($res->header('X-Client-Cookie'), $cookie,
         'other modules see the Cookie header the client sent');
ok t_cmp($res->header('X-Client-Authorization'), $basic,
         'other modules see the Authorization header the client sent');

# the access log
my $line = client_view_line($path);
ok t_cmp($line, "$path|$cookie|$basic",
         'the access log shows the client\'s headers');

# and without a client Authorization the log shows none (not our Bearer)
my $path2 = "$path-2";
echo(GET => $path2, Cookie => "accessToken=$at");
ok t_cmp(client_view_line($path2), "$path2|accessToken=$at|-",
         'the injected Authorization is not logged as the client\'s');

# the CGI environment: a proxied 503 answered by a CGI ErrorDocument
{
    my $res = GET('/api/err/x', Cookie => $cookie, Authorization => $basic);
    ok t_cmp($res->code, 503, 'upstream error answered by the CGI');
    ok t_cmp($res->content, qr/^HTTP_COOKIE=\Q$cookie\E$/m,
             'the CGI environment has the Cookie header the client sent');
    ok t_cmp($res->content, qr/^HTTP_AUTHORIZATION=\Q$basic\E$/m,
             'the CGI environment has the client\'s Authorization');
}
