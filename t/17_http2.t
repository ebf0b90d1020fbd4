# Licensed under the Apache License, Version 2.0 (see LICENSE).
#
# HTTP/2 (h2c, prior knowledge) in an httpd of its own with mod_http2.
# Every stream is a secondary connection of its own, run in parallel with
# the others; they share what the primary connection keeps of its last
# access cookie, under its lock.  Proves: the streams of one connection
# after the first take the kept value; streams of two users interleaved on
# one connection each get their own token; a changed cookie is never
# served the kept token; 24 streams at once all get the right token;
# streams the client abandons while they wait for a refresh.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use File::Temp qw(tempdir);
use JSON::PP ();
use Time::HiRes ();
use lib 't/lib';
use TPTest;

my $h2so = '/usr/lib/apache2/modules/mod_http2.so';
my $curl_h2 = (`curl --version 2>/dev/null` =~ /^Features:.*\bHTTP2\b/m);
plan skip_all => 'mod_http2 or curl with HTTP/2 missing' unless -e $h2so && $curl_h2;
plan tests => 26;

my $json = JSON::PP->new->latin1;
my $mock = $ENV{TP_MOCK_PORT};
my $keys = Apache::Test::vars('t_conf') . '/keys/current.hex';
my $dir = tempdir(CLEANUP => 1);
my $h = own_httpd($dir, <<"CONF");
LoadModule http2_module $h2so
Protocols h2c http/1.1
H2Upgrade off
LogLevel warn tokenproxy:trace2
<Location /h2/>
    TokenProxyCookieKey $keys
    TokenProxyRefreshURL http://127.0.0.1:$mock/idp/token
</Location>
ProxyPass /h2/api/ http://127.0.0.1:$mock/secure/h2/
<Location /h2/api/>
    TokenProxy On
    ProxyErrorOverride On 401
</Location>
ProxyPass /h2p/api/ http://127.0.0.1:$mock/secure/h2p/
<Location /h2p/api/>
    TokenProxy On
    TokenProxyRefreshURL http://127.0.0.1:$mock/idp/token
    ProxyErrorOverride On 401
</Location>
ProxyPass /h2/auth/login http://127.0.0.1:$mock/idp/login
<Location /h2/auth/login>
    TokenProxyCaptureTokens On
</Location>
CONF
my $base = "http://127.0.0.1:$h->{port}";

sub login {
    my $user = shift;
    my $ua = LWP::UserAgent->new(timeout => 30);
    my $res = $ua->post("$base/h2/auth/login", 'Content-Type' => 'application/json',
                        Content => qq({"username":"$user","password":"x"}));
    my $c = set_cookies($res);
    return "accessToken=$c->{accessToken}[0]; refreshToken=$c->{refreshToken}[0]";
}

# One curl, one connection: [path, cookie] pairs, each its own stream;
# with $parallel, all at once.  Returns a list of [status, http version,
# new connections, upstream's Authorization], in order.
my $n_out = 0;
our $max_time = 60;    # seconds a transfer may take
sub h2 {
    my ($parallel, @reqs) = @_;
    my @args = ('curl', '-sS', '--max-time', $max_time);
    push @args, '--parallel', '--parallel-max', scalar(@reqs), '--no-progress-meter'
        if $parallel;
    my @files;
    for my $i (0 .. $#reqs) {
        my ($path, $cookie) = @{ $reqs[$i] };
        my $f = "$dir/out." . $n_out++;
        push @files, $f;
        # curl 7.88 breaks the connection when a transfer that reuses it
        # asks for prior knowledge again: only the first one asks, the
        # others find the HTTP/2 connection (checked: version 2, no new
        # connection)
        push @args, $i ? '--next' : '--http2-prior-knowledge';
        push @args, '-sS', '--max-time', $max_time, '-H', "Cookie: $cookie",
                    '-o', $f, '-w', '%{http_code} %{http_version} %{num_connects}\n',
                    "$base$path";
    }
    open my $p, '-|', @args or die "curl: $!";      # bounded: --max-time
    my @w = <$p>;
    close $p;
    my @out;
    for my $i (0 .. $#reqs) {
        my ($code, $ver, $conns) = split ' ', ($w[$i] // '0 0 0');
        my $body = do { local $/; open my $fh, '<', $files[$i] or next; <$fh> };
        my $j = eval { $json->decode($body // '') };
        push @out, [$code, $ver, $conns, up_header($j, 'Authorization')];
    }
    return @out;
}
sub col { my ($i, @r) = @_; return join ' ', map { $_->[$i] } @r }
sub log_text { my $t = do { local $/; open my $fh, '<', $h->{log} or return ''; <$fh> }; return $t }
sub kept_for { my $from = shift; my $l = substr(log_text(), $from);
               return [ $l =~ /cookie 'accessToken' for (\S+) read as this connection read it before/g ] }

my $alice = login('alice');
my $bob = login('bob');

# 1. eight streams one after another on one connection, one cookie
my $mark = length(log_text());
my @r = h2(0, map { ["/h2/api/a$_", $alice] } 1 .. 8);
ok t_cmp(col(0, @r), join(' ', ('200') x 8), 'eight streams: 200');
ok t_cmp(col(1, @r), join(' ', ('2') x 8), 'over HTTP/2');
ok t_cmp(eval { my $s = 0; $s += $_->[2] for @r; $s }, 1, 'on one connection');
ok t_cmp($r[0][3], qr/^Bearer eyJ/, 'a token injected');
my $alice_at = $r[0][3];
ok t_cmp(scalar(grep { $_->[3] eq $alice_at } @r), 8, 'the same token on every stream');
ok t_cmp(join(' ', @{ kept_for($mark) }), join(' ', map { "/h2/api/a$_" } 2 .. 8),
         'streams 2 to 8 took what the connection kept');

# 2. two users interleaved on one connection
$mark = length(log_text());
@r = h2(0, ["/h2/api/m1", $alice], ["/h2/api/m2", $bob], ["/h2/api/m3", $alice],
           ["/h2/api/m4", $alice], ["/h2/api/m5", $bob]);
ok t_cmp(col(0, @r), '200 200 200 200 200', 'interleaved users: 200');
ok t_cmp(eval { my $s = 0; $s += $_->[2] for @r; $s }, 1, 'on one connection');
my $bob_at = $r[1][3];
ok t_cmp($bob_at ne $alice_at ? 1 : 0, 1, 'bob has a token of his own');
ok t_cmp(join(' ', map { $_->[3] eq $alice_at ? 'alice' : $_->[3] eq $bob_at ? 'bob' : '?' } @r),
         'alice bob alice alice bob', 'each stream carried its own user\'s token');
ok t_cmp(join(' ', @{ kept_for($mark) }), '/h2/api/m4', 'only the repeat took the kept value');

# 3. a changed cookie after the kept one
(my $tampered = $alice) =~ s/accessToken=(tp2\.[^.]+\.)(.{10})(.)/"accessToken=$1$2" . ($3 eq 'A' ? 'B' : 'A')/e;
$tampered =~ s/; refreshToken=.*//;
my ($d, @t) = stats_delta(sub { h2(0, ["/h2/api/t1", $alice], ["/h2/api/t2", $tampered],
                                      ["/h2/api/t3", $alice]) });
ok t_cmp(col(0, @t), '200 401 200', 'a changed cookie between two good ones: 401');
ok t_cmp($d->{secure_ok} // 0, 2, 'the upstream saw only the two good ones');
ok t_cmp($t[2][3], $alice_at, 'and the good one still carries its token');

# 4. 24 streams at once, two users
my @mix = map { ["/h2/api/p$_", $_ % 3 ? $alice : $bob] } 1 .. 24;
my ($d2, @p) = stats_delta(sub { h2(1, @mix) });
ok t_cmp(col(0, @p), join(' ', ('200') x 24), '24 streams at once: 200');
ok t_cmp(col(1, @p), join(' ', ('2') x 24), 'over HTTP/2');
ok t_cmp(scalar(grep { $p[$_][3] eq ($_ % 3 == 2 ? $bob_at : $alice_at) } 0 .. 23), 24,
         'every stream carried its own user\'s token');
ok t_cmp($d2->{secure_ok} // 0, 24, 'the upstream accepted all 24');
ok t_cmp($d2->{refresh_calls} // 0, 0, 'no refresh');

# 5. the client gives up on 12 streams that wait for a 2-second refresh
# (curl stops after 1 s and closes the connection): the refresh still
# happens once, and its result serves the same refresh token afterwards
my $slow = new_session(ttl => 300, delay => 2);
my ($d3) = stats_delta(sub {
    local $max_time = 1;
    h2(1, map { ["/h2p/api/g$_", "refreshToken=$slow->{refreshToken}"] } 1 .. 12);
    Time::HiRes::sleep(3);      # the refresh ends on the server
});
ok t_cmp($d3->{refresh_calls} // 0, 1, 'abandoned streams: one refresh');
my ($d4, @g) = stats_delta(sub { h2(0, ["/h2p/api/g13", "refreshToken=$slow->{refreshToken}"]) });
ok t_cmp($g[0][0], 200, 'the same refresh token afterwards: 200');
ok t_cmp($d4->{refresh_calls} // 0, 0, 'from the refresh the streams left behind');
ok t_cmp(($d3->{reuse_detected} // 0) + ($d4->{reuse_detected} // 0), 0, 'no reuse');

# 6. HTTP/1.1 on its own connection still works beside it
my $ua = LWP::UserAgent->new(timeout => 30);
my $res = $ua->get("$base/h2/api/h1", Cookie => $alice);
ok t_cmp($res->code, 200, 'HTTP/1.1 beside it');
my $j = eval { $json->decode($res->content) };
ok t_cmp(up_header($j, 'Authorization'), $alice_at, 'with the same token');

own_httpd_stop($h);
my $crash = () = log_text() =~ /exit signal|AH00052|AddressSanitizer/g;
ok t_cmp($crash, 0, 'no child crashed');
