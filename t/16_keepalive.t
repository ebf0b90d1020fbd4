# Licensed under the Apache License, Version 2.0 (see LICENSE).
#
# Many requests on one keep-alive connection.  The module keeps what the
# connection's last access cookie was read as (opened, checked, its JWT
# exp): the next request with the very same value skips the decryption.
# These tests prove that what it keeps never stands in for anything else:
# a changed cookie, another key ring, another cookie name, another plain
# token, or the passing of time.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use IO::Socket::INET ();
use IO::Select ();
use JSON::PP ();
use MIME::Base64 ();
use Time::HiRes ();
use lib 't/lib';
use TPTest;

plan tests => 38;

my $json = JSON::PP->new->latin1;
my $port = Apache::Test::config()->{vars}{port};
my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
                                 Timeout => 10) or die "connect: $!";
my $closed = 0;     # the server closed our connection (it must not)

# One request on the kept connection: (status, head, upstream echo or
# undef).  Bounded: 30 s.
sub ka {
    my ($path, $cookie) = @_;
    my $req = "GET $path HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n"
              . ($cookie ? "Cookie: $cookie\r\n" : '') . "\r\n";
    if (!$sock || !defined syswrite($sock, $req)) {
        $closed++;
        return (0, '', undef);
    }
    my ($raw, $head, $len) = ('');
    my $sel = IO::Select->new($sock);
    my $deadline = Time::HiRes::time() + 30;
    while (Time::HiRes::time() < $deadline && $sel->can_read(30)) {
        my $n = sysread($sock, my $buf, 65536);
        if (!$n) { $closed++; $sock = undef; last }
        $raw .= $buf;
        if (!defined $head && $raw =~ /\r\n\r\n/) {
            ($head) = split /\r\n\r\n/, $raw, 2;
            ($len) = $head =~ /^Content-Length:\s*(\d+)/mi;
            die "no Content-Length in:\n$head" unless defined $len;
        }
        last if defined $head && length((split /\r\n\r\n/, $raw, 2)[1] // '') >= $len;
    }
    die "no answer to $path" unless defined $head;
    $closed++ if $head =~ /^Connection:\s*close/mi;
    my $body = (split /\r\n\r\n/, $raw, 2)[1];
    my ($status) = $head =~ m{^HTTP/1\.\d (\d{3})};
    my $j = eval { $json->decode($body) };
    return ($status, $head, $j);
}

sub bearer { my $j = shift; return up_header($j, 'Authorization') }
sub set_cookie_of {
    my ($head, $name) = @_;
    my ($v) = $head =~ /^Set-Cookie: \Q$name\E=([^;]*)/mi;
    return $v;
}

# a login through the module: sealed cookies
sub login {
    my $sc = set_cookies(capture_login('/ka', 'ka', @_));
    return ($sc->{accessToken}[0], $sc->{refreshToken}[0]);
}

# a sealed value with one character changed in the middle, same length
sub tamper {
    my $v = shift;
    my $i = int(length($v) / 2);
    my $c = substr($v, $i, 1);
    substr($v, $i, 1) = $c eq 'A' ? 'B' : 'A';
    return $v;
}

my $log_at = length(error_log_text());
my ($at, $rt) = login();
ok t_cmp($at, qr/^tp2\.[A-Za-z0-9_-]{11}\./, 'sealed access cookie');
my $both = "accessToken=$at; refreshToken=$rt";

# 1. the same cookie, twice: the same token, no refresh
my ($d, $s1, $h1, $j1) = stats_delta(sub { ka('/ka/api/1', $both) });
ok t_cmp($s1, 200, 'first request');
my $token = bearer($j1);
ok t_cmp($token, qr/^Bearer eyJ/, 'the token injected');
my ($d2, $s2, $h2, $j2) = stats_delta(sub { ka('/ka/api/2', $both) });
ok t_cmp($s2, 200, 'the same cookie again');
ok t_cmp(bearer($j2), $token, 'the same token injected');
ok t_cmp(($d->{refresh_calls} // 0) + ($d2->{refresh_calls} // 0), 0, 'no refresh');
ok t_cmp($j2 && $j2->{path}, '/secure/ka/2', 'the right upstream path');

# 2. one character changed, same length: never the kept token
my ($d3, $s3, $h3) = stats_delta(sub { ka('/ka/api/3', "accessToken=" . tamper($at)) });
ok t_cmp($s3, 401, 'a changed cookie does not open');
ok t_cmp($d3->{secure_ok} // 0, 0, 'and the upstream was not called with a token');
ok t_cmp(set_cookie_of($h3, 'accessToken'), '', 'the unopened cookie is cleared');

# 3. the kept value with another key ring: does not open
my ($d4, $s4) = stats_delta(sub { ka('/ka-other/api/4', "accessToken=$at") });
ok t_cmp($s4, 401, 'another TokenProxyCookieKey: does not open');
ok t_cmp($d4->{secure_ok} // 0, 0, 'no upstream call with a token');

# 4. the kept value under another cookie name (the name is sealed in)
my ($d5, $s5) = stats_delta(sub { ka('/ka/named/5', "kaAccess=$at") });
ok t_cmp($s5, 401, 'another cookie name: does not open');
ok t_cmp($d5->{secure_ok} // 0, 0, 'no upstream call with a token');

# 5. the original again, after the misses
my ($s6, $h6, $j6) = ka('/ka/api/6', $both);
ok t_cmp($s6, 200, 'the original cookie still works');
ok t_cmp(bearer($j6), $token, 'with its token');

# 6. plain cookies: another token on the same connection is that token
my $p1 = new_session(ttl => 300);
my $p2 = new_session(ttl => 300);
my ($s7, $h7, $j7) = ka('/ka-plain/api/7', "accessToken=$p1->{accessToken}");
ok t_cmp($s7, 200, 'plain token 1');
ok t_cmp(bearer($j7), "Bearer $p1->{accessToken}", 'token 1 injected');
my ($s8, $h8, $j8) = ka('/ka-plain/api/8', "accessToken=$p1->{accessToken}");
ok t_cmp(bearer($j8), "Bearer $p1->{accessToken}", 'token 1 again');
my ($s9, $h9, $j9) = ka('/ka-plain/api/9', "accessToken=$p2->{accessToken}");
ok t_cmp($s9, 200, 'plain token 2');
ok t_cmp(bearer($j9), "Bearer $p2->{accessToken}", 'token 2 injected, not token 1');
my $bad = $p2->{accessToken} . '!';     # not token68
my ($d10, $s10) = stats_delta(sub { ka('/ka-plain/api/10', "accessToken=$bad") });
ok t_cmp($s10, 401, 'a token that fails the token68 check');
ok t_cmp($d10->{secure_ok} // 0, 0, 'is not sent');

# 7. time passes on a kept connection: a token past its exp is refreshed,
# whatever was kept of it.  ttl 2, so the wait stays well inside httpd's
# 5 s KeepAliveTimeout.
my $t_login = Time::HiRes::time();
my ($at2, $rt2) = login(ttl => 2);
my $t_done = Time::HiRes::time();
my $short = "accessToken=$at2; refreshToken=$rt2";
my ($s11, $h11, $j11) = ka('/ka/api/11', $short);
ok t_cmp($s11, 200, 'a 2-second token');
my $first = bearer($j11);
# exp = the provider's whole second at issue + 2 <= $t_done + 2
my $wait = $t_done + 2 + 1.1 - Time::HiRes::time();
Time::HiRes::sleep($wait) if $wait > 0;
my ($d12, $s12, $h12, $j12) = stats_delta(sub { ka('/ka/api/12', $short) });
ok t_cmp($s12, 200, 'the same cookie after its exp: 200');
ok t_cmp(bearer($j12) ne $first ? 1 : 0, 1, 'with another token than the expired one');
ok t_cmp($d12->{secure_401} // 0, 0, 'the expired token was not sent');
ok t_cmp(set_cookie_of($h12, 'accessToken') // '', qr/^tp2\.[A-Za-z0-9_-]{11}\./, 'new sealed cookie');
my $at3 = set_cookie_of($h12, 'accessToken');
my $rt3 = set_cookie_of($h12, 'refreshToken');
my ($s13, $h13, $j13) = ka('/ka/api/13', "accessToken=$at3; refreshToken=$rt3");
ok t_cmp($s13, 200, 'the rotated cookies on the same connection');
ok t_cmp(bearer($j13), bearer($j12), 'carry the new token');

# 8. the cookie sent as several chunks opens the same way
my $set = set_cookies(capture_login('/ka', 'ka', pad => 6000));
my $chunks = join '; ', map { "$_=$set->{$_}[0]" }
                        grep { /^accessToken/ && cookie_attr($set->{$_}, 'Max-Age') ne '0' }
                        sort keys %$set;
ok t_cmp($chunks, qr/accessToken\.1=/, 'a chunked access cookie');
my ($s14, $h14, $j14) = ka('/ka/api/14', $chunks);
my ($s15, $h15, $j15) = ka('/ka/api/15', $chunks);
ok t_cmp("$s14 $s15", '200 200', 'opens twice');
ok t_cmp(bearer($j15), bearer($j14), 'to the same token');
ok t_cmp(length(bearer($j14)) > 6000 ? 1 : 0, 1, 'the whole token');
(my $lost = $chunks) =~ s/; accessToken\.2=[^;]*//;
my ($d16, $s16) = stats_delta(sub { ka('/ka/api/16', $lost) });
ok t_cmp($s16, 401, 'a chunk missing: not the kept token');
ok t_cmp($d16->{secure_ok} // 0, 0, 'no upstream call with a token');

ok t_cmp($closed, 0, 'every request went over the one connection');

# what the speed rests on: the repeated cookie was not opened again, and
# nothing else was taken from what the connection kept
my $log = substr(error_log_text(), $log_at);
my %kept = map { $_ => 1 } $log =~ /cookie '(?:accessToken|kaAccess)' for (\S+) read as this connection read it before/g;
ok t_cmp(join(' ', sort keys %kept), '/ka-plain/api/8 /ka/api/12 /ka/api/15 /ka/api/2 /ka/api/6',
         'taken from the connection: exactly the repeated values');
