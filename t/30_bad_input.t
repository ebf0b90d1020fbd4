# Licensed under the Apache License, Version 2.0 (see LICENSE).
# Bad input: malformed Cookie headers and unusable token values never
# become a header, never crash a child, and are logged without the value.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestRequest;
use Apache::TestUtil;
use Digest::SHA qw(sha256_hex);
use lib 't/lib';
use TPTest;

plan tests => 58;

my $at = tok('bad-at');
my $rt = tok('bad-rt');

sub raw_get {
    my ($path, @lines) = @_;
    my $req = "GET $path HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            . join('', map { "$_\r\n" } @lines) . "\r\n";
    return raw_request($req);
}

# no '=', empty names, empty pieces
{
    my ($res, $j) = echo(GET => '/raw/noeq',
                         Cookie => "junk; accessToken=$at; =noname; =; ;;");
    ok t_cmp($res->code, 200);
    ok t_cmp(up_header($j, 'Authorization'), "Bearer $at", 'token found among junk');
    ok t_cmp(up_header($j, 'Cookie'), 'junk; =noname; =; ;;', 'junk kept as sent');
}

# duplicate names: the first counts, all are removed
{
    my ($res, $j) = echo(GET => '/raw/dup', Cookie =>
        "accessToken=$at; accessToken=${at}-2; refreshToken=$rt; refreshToken=${rt}-2; keep=1");
    ok t_cmp(up_header($j, 'Authorization'), "Bearer $at", 'first duplicate used');
    ok t_cmp(up_header($j, 'Cookie'), 'keep=1', 'all duplicates removed');
}

# 100 cookies, the token in the middle
{
    my @c = map { "c$_=v$_" } 0 .. 99;
    my @sent = @c;
    splice @sent, 50, 0, "accessToken=$at";
    my ($res, $j) = echo(GET => '/raw/hundred', Cookie => join('; ', @sent));
    ok t_cmp(up_header($j, 'Authorization'), "Bearer $at");
    ok t_cmp(up_header($j, 'Cookie'), join('; ', @c), '100 cookies kept in order');
}

# a 64 KiB Cookie header, mostly an over-long token
{
    my $long = 's3cr3t' . ('A' x (64 * 1024));
    my ($res, $j) = echo(GET => '/raw/big', Cookie => "a=1; accessToken=$long; b=2");
    ok t_cmp($res->code, 200, '64 KiB header served');
    ok t_cmp(up_header($j, 'Authorization'), '<none>', 'over-long token not used');
    ok t_cmp(up_header($j, 'Cookie'), 'a=1; b=2', 'over-long token removed');
}

# the 16 KiB limit, exactly
{
    my $max = 's3cr3t' . ('B' x (16384 - 6));
    my ($res, $j) = echo(GET => '/raw/max', Cookie => "accessToken=$max");
    ok t_cmp(length(up_header($j, 'Authorization')), 7 + 16384, '16384 bytes accepted');
    ($res, $j) = echo(GET => '/raw/max1', Cookie => "accessToken=${max}B");
    ok t_cmp(up_header($j, 'Authorization'), '<none>', '16385 bytes refused');
}

# values that are not token68: the request goes on as if there were no
# access cookie, and the log says why, with a fingerprint only
my %bad = (
    'space'     => [ "s3cr3t ab",        'contains a space' ],
    'comma'     => [ "s3cr3t,ab",        'contains a comma' ],
    'quote'     => [ "\"s3cr3t-q\"",     'contains a double quote' ],
    'nonascii'  => [ "s3cr3t\xc3\xa9",   'contains a non-ASCII byte' ],
    'ctl01'     => [ "s3cr3t\x01x",      'contains a control character' ],
    'del'       => [ "s3cr3t\x7fx",      'contains a control character' ],
    'tab'       => [ "s3cr3t\tx",        'contains a control character' ],
    'semicolon' => [ "s3cr3t:x",         'is not token68 (RFC 7235)' ],
    'padding'   => [ "s3cr3t=x",         'is not token68 (RFC 7235)' ],
);
for my $name (sort keys %bad) {
    my ($value, $why) = @{ $bad{$name} };
    my ($status, $j) = raw_get("/raw/bad-$name",
                               "Authorization: Basic dXNlcjpwdw==",
                               "Cookie: a=1; accessToken=$value; b=2");
    ok t_cmp($status, 200, "$name: served");
    ok t_cmp(up_header($j, 'Authorization'), 'Basic dXNlcjpwdw==',
             "$name: not injected, request proceeds as without the cookie");
    ok t_cmp(up_header($j, 'Cookie'), 'a=1; b=2', "$name: cookie still removed");
    my $fp = substr(sha256_hex($value), 0, 12);
    ok t_cmp(scalar(grep { /tokenproxy:info.*cookie 'accessToken' ignored: its value \Q$why\E .*fp=$fp/ }
                    split /\n/, error_log_text()), qr/^[1-9]/,
             "$name: logged at info with the reason and a fingerprint");
}

# obs-fold inside the value turns into a space
{
    my ($status, $j) = raw_get('/raw/fold', "Cookie: a=1; accessToken=s3cr3t-ab",
                               " cd; b=2");
    ok t_cmp($status, 200);
    ok t_cmp(up_header($j, 'Authorization'), '<none>', 'folded value not used');
}

# two Cookie headers: httpd joins them with ", "; the hidden token is
# removed and not used
{
    my ($status, $j) = raw_get('/raw/twoheaders', 'Cookie: a=1',
                               "Cookie: accessToken=$at");
    ok t_cmp($status, 200);
    ok t_cmp(up_header($j, 'Authorization'), '<none>', 'merged token not used');
    ok t_cmp(up_header($j, 'Cookie'), '<none>', 'merged token removed');
}

# CR, LF and NUL inside a header are refused by httpd itself (400) before
# any module runs; nothing reaches the upstream
{
    my $before = mock_stats()->{echo} // 0;
    for my $bytes ("ab\rcd", "ab\ncd", "ab\0cd") {
        my ($status) = raw_get('/raw/crlf', "Cookie: a=1; accessToken=$bytes; b=2");
        ok t_cmp($status, 400, 'refused by httpd');
    }
    ok t_cmp(mock_stats()->{echo} // 0, $before, 'upstream not contacted');
}

# the server is still alive and well after all of this
{
    my ($res, $j) = echo(GET => '/raw/after', Cookie => "accessToken=$at");
    ok t_cmp(up_header($j, 'Authorization'), "Bearer $at", 'still serving');
}
