#!/usr/bin/env perl
# Licensed under the Apache License, Version 2.0 (see LICENSE).
#
# Cluster-wide single flight, against real parts: three httpd nodes at
# once (event, worker and prefork, several children each) sharing one
# redis-server with a password, in front of the mock identity provider
# (rotating refresh tokens, reuse detection that revokes the family, call
# counters).  Every scenario asserts exact counts.
#
#   perl t/cluster/cluster.pl       (from the top of the tree; TAP output;
#   not a .t file, so Apache::Test does not run it once per MPM)
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use File::Temp ();
use MIME::Base64 ();
use JSON::PP ();
use POSIX ();
use Time::HiRes qw(time sleep);
use Digest::SHA ();
use TPCluster;
use TPTest qw(parallel new_session mock_stats stats_delta);

$SIG{ALRM} = sub { die "cluster tests: over 15 minutes, stopping\n" };
alarm 900;

my $dir = File::Temp::tempdir('tokenproxy-cluster.XXXXXX', TMPDIR => 1,
                               CLEANUP => !$ENV{TP_KEEP_TMP});
chmod 0755, $dir;
my $password = 's3cr3t-redis-password';
my $mock = start_mock($dir);
my $redis = start_redis($dir, $password);
write_key("$dir/cluster.key");

# the password reaches httpd through the environment (${VAR})
$ENV{TP_CLUSTER_PASSWORD} = $password;
my $conf = node_conf(mock => $mock,
                     cluster => ["redis://:\${TP_CLUSTER_PASSWORD}\@127.0.0.1:$redis->{port}/0",
                                 "$dir/cluster.key"]);
# back-channel logout (issue 19): a login at the mock's OpenID provider,
# its cookies sealed with a key every node has
write_key("$dir/cookie.key");
my $bc_secret = 's3cr3t-demo-client-secret-0123456789abcdef';
$conf .= <<CONF;
<Location /bc/>
    TokenProxyOIDCProvider http://127.0.0.1:$mock/oidc
    TokenProxyClient demo-bff $bc_secret
    TokenProxyRedirectURI /bc/auth/callback
    # another app than /api/ (issue 22): cookie names of its own
    TokenProxyAccessCookie bcAt
    TokenProxyRefreshCookie bcRt
    TokenProxyIDCookie bcId
    TokenProxySessionCookie bcSession
    TokenProxyCookieSecure Off
    TokenProxyCookieKey $dir/cookie.key
</Location>
<Location /bc/auth/login>
    SetHandler tokenproxy-login
</Location>
<Location /bc/auth/callback>
    SetHandler tokenproxy-callback
</Location>
<Location /bc/auth/user>
    SetHandler tokenproxy-user
</Location>
<Location /bc/backchannel>
    SetHandler tokenproxy-backchannel
</Location>
ProxyPass /bc/api/ http://127.0.0.1:$mock/echo/bc/
<Location /bc/api/>
    TokenProxy On
</Location>
CONF
my @nodes = map { start_node($dir, "node-$_", $_, $conf) } qw(event worker prefork);
note join ', ', map { "$_->{name} on $_->{port}" } @nodes;

my $json = JSON::PP->new;

# "status access-cookie token" for a request with these cookies, token
# being what the upstream got after "Bearer "
sub call {
    my ($node, $cookie, $path) = @_;
    my $r = http_req($node->{port}, GET => $path // '/api/x', ["Cookie: $cookie"]);
    my $j = eval { $json->decode($r->{body}) } || {};
    my ($auth) = map { $_->[1] } grep { lc $_->[0] eq 'authorization' } @{ $j->{headers} || [] };
    $auth = defined $auth && $auth =~ /^Bearer (\S+)$/ ? $1 : '-';
    return join ' ', $r->{status}, $r->{cookies}{accessToken} // '-', $auth;
}

# the user a Bearer token was issued to (its JWT "sub")
sub sub_of {
    my ($token) = @_;
    my (undef, $payload) = split /\./, $token // '';
    $payload //= '';
    $payload =~ tr{-_}{+/};
    my $j = eval { $json->decode(MIME::Base64::decode_base64($payload)) } || {};
    return $j->{sub} // '?';
}

sub cluster_sum {
    my ($what) = @_;
    my $n = 0;
    $n += (node_status($_)->{cluster}{$what} // 0) for @nodes;
    return $n;
}

sub count_of { my ($want, @r) = @_; return scalar grep { $_ eq $want } @r }

# --- 1. a storm of 150 requests on one refresh token, over the nodes
my ($new_at, $old_rt);
{
    my $s = new_session(user => 'storm', delay => 1);   # the provider takes 1 s
    $old_rt = $s->{refreshToken};
    my $conns = sub { (redis_cmd($redis, 'INFO', 'stats') // '') =~ /total_connections_received:(\d+)/ ? $1 : 0 };
    my $c0 = $conns->();
    my ($d, @r) = stats_delta(sub {
        parallel(150, 120, map { my $n = $nodes[$_ % 3]; sub { call($n, "refreshToken=$old_rt") } } 0 .. 149)
    });
    my $opened = $conns->() - $c0 - 1;
    ok($opened < 100, "connections to Redis are per child and kept, not one per request ($opened for 150)");
    my %status = map { (split ' ', $_)[0] => 1 } @r;
    is($d->{refresh_calls}, 1, 'storm of 150 over three nodes: exactly 1 refresh');
    is($d->{reuse_detected} // 0, 0, 'no reuse at the provider');
    is(count_of(200, map { (split ' ')[0] } @r), 150, 'every answer 200');
    my %bearer = map { (split ' ', $_)[2] => 1 } @r;
    is(join(',', keys %bearer), $r[0] =~ /^200 \S+ (eyJ\S+)$/ ? $1 : 'no token',
       'all with the same new Bearer');
    my %cookie = map { (split ' ', $_)[1] => 1 } @r;
    is(scalar(keys %cookie), 1, 'and the same new access cookie');
    ($new_at) = keys %cookie;
    is(cluster_sum('claims_won'), 1, 'one claim won in the cluster');
}

# --- 1b. a storm on one node: only its leader talks to Redis
{
    # commands sent for single flight: every command counted, less AUTH
    # (this test's and new connections'), less the three that the publish
    # script runs inside (GET, SET, PUBLISH)
    my $calls = sub {
        my $info = redis_cmd($redis, 'INFO', 'commandstats') // '';
        my ($n, %c) = (0);
        while ($info =~ /^cmdstat_(\w+):calls=(\d+)/mg) { $n += $2; $c{$1} = $2 }
        # (and less the back-channel logout readers' ZRANGEBYSCORE, sent
        # by a background thread, never by a request, the PUBLISH run
        # inside the publish script, and the SUBSCRIBE of a child's first
        # waiter: once per child, not per storm)
        return $n - ($c{auth} // 0) - 2 * (($c{evalsha} // 0) + ($c{eval} // 0))
               - ($c{zrangebyscore} // 0) - ($c{publish} // 0) - ($c{subscribe} // 0);
    };
    my $s = new_session(user => 'onenode', delay => 1);
    my $before = $calls->();
    my ($d, @r) = stats_delta(sub {
        parallel(40, 60, map { sub { call($nodes[0], "refreshToken=$s->{refreshToken}") } } 1 .. 40)
    });
    # less this test's own INFO
    my $cmds = $calls->() - $before - 1;
    is($d->{refresh_calls}, 1, 'a storm of 40 on one node: 1 refresh');
    is(count_of(200, map { (split ' ')[0] } @r), 40, 'every answer 200');
    is($cmds, 2, 'a storm of 40 on one node sends 2 Redis commands: the claim and the publish');
}

# --- 1c. the hot path never talks to Redis
{
    my $total = sub {
        my $info = redis_cmd($redis, 'INFO', 'commandstats') // '';
        my $n = 0;
        $n += $2 while $info =~ /^cmdstat_(\w+):calls=(\d+)/mg;
        return $n - (($info =~ /^cmdstat_auth:calls=(\d+)/m) ? $1 : 0)
               - (($info =~ /^cmdstat_zrangebyscore:calls=(\d+)/m) ? $1 : 0);
    };
    my $s = new_session(user => 'hot', ttl => 3600);
    my $before = $total->();
    my @r = map { call($nodes[$_ % 3], "accessToken=$s->{accessToken}; refreshToken=$s->{refreshToken}") } 0 .. 29;
    is(count_of(200, map { (split ' ')[0] } @r), 30, 'valid access tokens: 30 answers 200');
    is($total->() - $before - 1, 0, 'and not one Redis command for them');
}

# --- 2. the old refresh token to each node, within grace
{
    my ($d, @r) = stats_delta(sub { map { call($_, "refreshToken=$old_rt") } @nodes });
    is($d->{refresh_calls} // 0, 0, 'old refresh token on each node within grace: no call');
    is(join(',', map { (split ' ')[0] } @r), '200,200,200', 'each answers 200');
    is(join(',', map { (split ' ')[1] eq $new_at ? 'new' : 'other' } @r), 'new,new,new',
       'each gets the new cookies');
}

# --- 3. 30 users x 6 requests over the nodes
{
    my @users = map { new_session(user => "u$_", delay => 0.3) } 1 .. 30;
    my @jobs;
    for my $i (0 .. 179) {
        my $u = $users[$i % 30];
        my $n = $nodes[int($i / 30) % 3];
        my $user = "u" . ($i % 30 + 1);
        push @jobs, sub { my $r = call($n, "refreshToken=$u->{refreshToken}"); "$user $r" };
    }
    my ($d, @r) = stats_delta(sub { parallel(180, 120, @jobs) });
    is($d->{refresh_calls}, 30, '30 users x 6 requests: exactly 30 refreshes');
    is($d->{reuse_detected} // 0, 0, 'no reuse');
    is(count_of(200, map { (split ' ')[1] } @r), 180, 'every answer 200');
    my $foreign = grep { my ($user, undef, undef, $bearer) = split ' '; sub_of($bearer) ne $user } @r;
    is($foreign, 0, "no answer carries another user's token");
}

# --- 4. a slow provider: longer than half the refresh timeout
{
    my $s = new_session(user => 'slow', delay => 3);
    my ($d, @r) = stats_delta(sub {
        parallel(30, 120, map { my $n = $nodes[$_ % 3]; sub { call($n, "refreshToken=$s->{refreshToken}") } } 0 .. 29)
    });
    is($d->{refresh_calls}, 1, 'slow provider (3 s of a 5 s timeout): 1 refresh');
    is(count_of(200, map { (split ' ')[0] } @r), 30, 'every answer 200');
}

# --- 5. what Redis holds
{
    my $keys = redis_cmd($redis, 'KEYS', '*') || [];
    ok(scalar(@$keys) >= 32, 'Redis holds the results (' . scalar(@$keys) . ' keys)');
    is(scalar(grep { !/^tokenproxy:[0-9a-f]{64}$/ } @$keys), 0, 'only tokenproxy:<hex> keys');
    my @ttl = map { redis_cmd($redis, 'PTTL', $_) // -9 } @$keys;
    is(scalar(grep { $_ <= 0 } @ttl), 0, 'every key has a TTL');
    my @clear = grep { (redis_cmd($redis, 'GET', $_) // '') =~ /s3cr3t|eyJ/ } @$keys;
    is(scalar(@clear), 0, 'no token in clear in Redis');
}

# --- 5b. the status page, as JSON and for Prometheus
{
    my $st = node_status($nodes[0]);
    is($st->{cluster}{state}, 'up', 'status: the cluster is up');
    ok(defined $st->{cluster}{$_}, "status: $_") for qw(claims_won claims_lost results_from_other_nodes
                                                      takeovers fallbacks redis_errors);
    my $prom = http_req($nodes[1]{port}, GET => '/tp-status?format=prometheus')->{body};
    like($prom, qr/^tokenproxy_cluster_up 1$/m, 'Prometheus: tokenproxy_cluster_up 1');
    like($prom, qr/^tokenproxy_cluster_claims_won_total \d+$/m, 'Prometheus: claims won');
}

# --- 5c. Redis slow, then full: each node falls back, one refresh each
{
    my $s = new_session(user => 'slowredis', delay => 0.5);
    my $sleeper = fork() // die;
    if (!$sleeper) { redis_cmd($redis, 'DEBUG', 'SLEEP', '3'); POSIX::_exit(0) }
    sleep 0.3;
    my ($d, @r) = stats_delta(sub {
        parallel(20, 60, map { sub { call($nodes[1], "refreshToken=$s->{refreshToken}") } } 1 .. 20)
    });
    waitpid($sleeper, 0);
    is($d->{refresh_calls}, 1, 'Redis slow (blocked 3 s): a storm of 20 on one node makes exactly 1 refresh');
    is(count_of(200, map { (split ' ')[0] } @r), 20, 'every answer 200');

    is(redis_cmd($redis, 'CONFIG', 'SET', 'maxmemory-policy', 'noeviction'), 'OK', 'Redis: no eviction');
    is(redis_cmd($redis, 'CONFIG', 'SET', 'maxmemory', '1'), 'OK', 'Redis: full');
    my $t = new_session(user => 'fullredis', delay => 0.5);
    ($d, @r) = stats_delta(sub {
        parallel(20, 60, map { sub { call($nodes[2], "refreshToken=$t->{refreshToken}") } } 1 .. 20)
    });
    redis_cmd($redis, 'CONFIG', 'SET', 'maxmemory', '0');
    is($d->{refresh_calls}, 1, 'Redis full (OOM): a storm of 20 on one node makes exactly 1 refresh');
    is(count_of(200, map { (split ' ')[0] } @r), 20, 'every answer 200');
}

# --- 5d. a "Redis" that answers garbage
{
    my $gport = start_garbage_server();
    (my $gconf = $conf) =~ s{redis://:\S+}{redis://:\${TP_CLUSTER_PASSWORD}\@127.0.0.1:$gport/0};
    my $g = start_node($dir, 'node-garbage', 'event', $gconf);
    my $s = new_session(user => 'garbage', delay => 0.5);
    my ($d, @r) = stats_delta(sub {
        parallel(20, 60, map { sub { call($g, "refreshToken=$s->{refreshToken}") } } 1 .. 20)
    });
    is($d->{refresh_calls}, 1, 'Redis answering garbage: a storm of 20 makes exactly 1 refresh');
    is(count_of(200, map { (split ' ')[0] } @r), 20, 'every answer 200');
    is(node_status($g)->{cluster}{state}, 'down', 'and the node says the cluster is down');
    stop_node($g);
}

# --- 6. Redis stopped
{
    stop_redis($redis);
    my $s = new_session(user => 'valid', ttl => 3600);
    my @r = map { my $t0 = time; my $c = call($_, "accessToken=$s->{accessToken}; refreshToken=$s->{refreshToken}");
                  [ $c, time - $t0 ] } @nodes;
    is(join(',', map { (split ' ', $_->[0])[0] } @r), '200,200,200',
       'Redis down: valid-token requests answered');
    is(scalar(grep { $_->[1] > 2 } @r), 0, 'at once (no wait on Redis)');

    my $t = new_session(user => 'down', delay => 0.5);
    my ($d, @s) = stats_delta(sub {
        parallel(40, 120, map { sub { call($nodes[0], "refreshToken=$t->{refreshToken}") } } 1 .. 40)
    });
    is($d->{refresh_calls}, 1, 'Redis down: a storm of 40 on one node makes exactly 1 refresh');
    is(count_of(200, map { (split ' ')[0] } @s), 40, 'every answer 200');
    is(node_status($nodes[0])->{cluster}{state}, 'down', 'the status page says down');
    ok(node_status($nodes[0])->{cluster}{fallbacks} >= 1, 'and counts the fallback');
    my $log = do { local (@ARGV, $/) = "$nodes[0]{root}/logs/error_log"; <> };
    my $warned = () = $log =~ /TokenProxyCluster \S+ cannot be used/g;
    ok($warned >= 1 && $warned <= 2, "warned once, not once a request ($warned)");
}

# --- 7. Redis back: cluster single flight resumes by itself
{
    $redis = start_redis($dir, $password, $redis->{port});
    sleep 3;                 # past every child's reconnect backoff (2 s)
    my $s = new_session(user => 'back', delay => 1);
    my ($d, @r) = stats_delta(sub {
        parallel(90, 120, map { my $n = $nodes[$_ % 3]; sub { call($n, "refreshToken=$s->{refreshToken}") } } 0 .. 89)
    });
    is($d->{refresh_calls}, 1, 'Redis back: a storm over three nodes makes exactly 1 refresh');
    is(count_of(200, map { (split ' ')[0] } @r), 90, 'every answer 200');
    is(join(',', map { node_status($_)->{cluster}{state} } @nodes), 'up,up,up', 'every node says up');
}

# --- 8. a node killed (kill -9) in the middle of its refresh
{
    my $s = new_session(user => 'killed', delay => 4);
    my $takeovers = cluster_sum('takeovers');
    my ($d, @r) = stats_delta(sub {
        my $pid = fork() // die "fork: $!";
        if (!$pid) { call($nodes[2], "refreshToken=$s->{refreshToken}"); POSIX::_exit(0) }
        sleep 1;                                # node 3 now holds the claim
        kill 'KILL', node_children($nodes[2]);
        my @w = parallel(10, 60, map { my $n = $nodes[$_ % 2]; sub { call($n, "refreshToken=$s->{refreshToken}") } } 0 .. 9);
        waitpid($pid, 0);
        @w;
    });
    is(cluster_sum('takeovers') - $takeovers, 1, 'killed mid-refresh: exactly one takeover in the cluster');
    is($d->{refresh_calls}, 2, 'two calls: the dead one never committed');
    is($d->{reuse_detected} // 0, 0, 'no reuse');
    is(count_of(200, map { (split ' ')[0] } @r), 10, 'the waiters on the other nodes get its result');
    my %b = map { (split ' ', $_)[2] => 1 } @r;
    is(scalar(keys %b), 1, 'one and the same new token');
    ok(wait_until(30, sub { node_status($nodes[2])->{cluster}{state} // '' }), 'the killed node is back');
}

# --- 9. a graceful restart of one node during a storm
{
    my $s = new_session(user => 'restart', delay => 1.5);
    my ($d, @r) = stats_delta(sub {
        my @jobs = map { my $n = $nodes[$_ % 3]; sub { call($n, "refreshToken=$s->{refreshToken}") } } 0 .. 59;
        my $kicker = sub { sleep 0.5; graceful_restart($nodes[1]); 'restarted' };
        parallel(61, 120, $kicker, @jobs);
    });
    is($d->{refresh_calls}, 1, 'graceful restart of a node during a storm: no second refresh');
    is($d->{reuse_detected} // 0, 0, 'no reuse');
    is(count_of(200, map { (split ' ')[0] } @r), 60, 'every answer 200');
}

# --- 10. back-channel logout: one node takes it, every node ends the session
sub bc_login {     # a session of $user logged in at node 0: (cookie header, sid)
    my ($user) = @_;
    my $r = http_req($nodes[0]{port}, GET => '/bc/auth/login', ['Accept: text/html']);
    my ($loc) = $r->{head} =~ /^Location:\s*(\S+)/mi;
    my $login = join '; ', map { "$_=$r->{cookies}{$_}" } grep { /^tp-login-/ } keys %{ $r->{cookies} };
    my ($path) = ($loc // '') =~ m{^http://127\.0\.0\.1:\d+(/.*)$};
    $r = http_req($mock, GET => $path // '/');
    my %f = $r->{body} =~ /name="([^"]+)" value="([^"]*)"/g;
    $f{$_} =~ s/&amp;/&/g for keys %f;
    my $form = join '&', map { "$_=" . uri_escape($f{$_}) } sort keys %f;
    $r = http_req($mock, POST => '/oidc/authorize', ['Content-Type: application/x-www-form-urlencoded'],
                  "$form&user=$user&password=x");
    ($loc) = $r->{head} =~ /^Location:\s*(\S+)/mi;
    ($path) = ($loc // '') =~ m{^http://127\.0\.0\.1:\d+(/.*)$};
    $r = http_req($nodes[0]{port}, GET => $path // '/', ["Cookie: $login", 'Accept: text/html']);
    my $cookie = join '; ', map { "$_=$r->{cookies}{$_}" } grep { /^bc(At|Rt|Id|Session)$/ } sort keys %{ $r->{cookies} };
    $r = http_req($nodes[0]{port}, GET => '/bc/auth/user', ["Cookie: $cookie"]);
    my $sid = (eval { $json->decode($r->{body}) } || {})->{sid};
    return ($cookie, $sid);
}
sub uri_escape { my $v = shift; $v =~ s/([^A-Za-z0-9._~-])/sprintf '%%%02X', ord $1/ge; return $v }
sub bc_status { my ($n, $cookie) = @_; return http_req($n->{port}, GET => '/bc/api/x', ["Cookie: $cookie"])->{status} }
sub b64u { MIME::Base64::encode_base64url($_[0]) }
my $bc_jti = 0;
sub bc_token {     # a logout token for this sid, signed as the mock provider signs
    my ($sid) = @_;
    my $in = b64u($json->encode({ alg => 'HS256', typ => 'logout+jwt' })) . '.'
           . b64u($json->encode({ iss => "http://127.0.0.1:$mock/oidc", aud => 'demo-bff',
                                  iat => int(time), exp => int(time) + 120,
                                  jti => "s3cr3t-jti-" . ++$bc_jti, sid => $sid,
                                  events => { 'http://schemas.openid.net/event/backchannel-logout' => {} } }));
    return $in . '.' . b64u(Digest::SHA::hmac_sha256($in, $bc_secret));
}
sub bc_post {
    my ($n, $token) = @_;
    return http_req($n->{port}, POST => '/bc/backchannel',
                    ['Content-Type: application/x-www-form-urlencoded'], "logout_token=$token")->{status};
}
sub hot_commands {   # every command Redis counted, less AUTH and the readers'
    my $info = redis_cmd($redis, 'INFO', 'commandstats') // '';
    my ($n, %c) = (0);
    while ($info =~ /^cmdstat_(\w+):calls=(\d+)/mg) { $n += $2; $c{$1} = $2 }
    return $n - ($c{auth} // 0) - ($c{zrangebyscore} // 0);
}
{
    my ($erin, $esid) = bc_login('erin');
    my ($frank, $fsid) = bc_login('frank');
    ok($esid && $fsid && $erin =~ /bcId=/, 'erin and frank log in at node 1 (ID tokens with sids)');
    is(join(',', map { bc_status($_, $erin) } @nodes), '200,200,200', "erin's session works on the three nodes");
    my $t0 = time;
    is(bc_post($nodes[0], bc_token($esid)), 200, "a logout token for erin's sid to node 1: 200");
    my %ended;
    wait_until(3, sub {
        for my $i (1, 2) { $ended{$i} //= time - $t0 if bc_status($nodes[$i], $erin) == 401 }
        keys %ended == 2;
    });
    ok(defined $ended{1} && defined $ended{2} && $ended{1} < 2 && $ended{2} < 2,
       sprintf('her session is over on nodes 2 and 3 within 2 s of the 200 (%.2f s, %.2f s)',
               $ended{1} // -1, $ended{2} // -1));
    is(bc_status($nodes[0], $erin), 401, '... and on node 1');
    my $members = redis_cmd($redis, 'ZRANGE', 'tokenproxy:revocations', '0', '-1');
    ok(ref $members && @$members >= 1 && !grep({ index($_, $esid) >= 0 || index($_, 's3cr3t') >= 0 } @$members),
       'Redis holds the logout sealed, without the sid');
    # the hot path sends no Redis command, a logout being live
    my $before = hot_commands();
    my @r = map { bc_status($nodes[$_ % 3], $frank) } 0 .. 29;
    is(join('', map { $_ == 200 ? '' : $_ } @r), '', "frank's 30 calls over the nodes: 200");
    is(hot_commands() - $before - 1, 0, '... and not one Redis command for them (less the readers\' ZRANGEBYSCORE)');
    # a node restarted afterwards still refuses the session
    stop_node($nodes[1]);
    $nodes[1] = start_node($dir, 'node-worker-2', 'worker', $conf);
    my $refused = wait_until(2, sub { bc_status($nodes[1], $erin) == 401 });
    ok($refused, 'node 2 restarted (new shared memory): it reads the logout and refuses erin within 2 s');
    is(bc_status($nodes[1], $frank), 200, "... and serves frank");
    # Redis stopped: 503, and the machine reached refuses the session
    stop_redis($redis);
    is(bc_post($nodes[2], bc_token($fsid)), 503, "Redis stopped: a logout token for frank to node 3 answers 503");
    is(bc_status($nodes[2], $frank), 401, '... and node 3 refuses his session');
    is(node_status($nodes[2])->{backchannel}{revocations_unshared}, 1, '... counted as not shared');
    $redis = start_redis($dir, $password, $redis->{port});
}

# --- nothing secret in any log, no crashed child
{
    my $all = join '', map { local (@ARGV, $/) = "$_->{root}/logs/error_log"; <> } @nodes;
    is(scalar(() = $all =~ /s3cr3t/g), 0, 'no token, password or key in the error logs');
    is(scalar(() = $all =~ /exit signal (Segmentation|Aborted|Bus|Illegal)/g), 0, 'no crashed child');
}

stop_all();
done_testing();
