#!/usr/bin/env perl
# Licensed under the Apache License, Version 2.0 (see LICENSE).
#
# TokenProxyCluster redis-sentinel:// against real parts: a
# password-protected master, one replica and three redis-sentinel
# processes (down-after-milliseconds 1000, a password of their own), three
# httpd nodes (event, worker, prefork) in front of the mock identity
# provider (rotating refresh tokens, reuse detection, call counters).
# Everything on 127.0.0.1, stopped by its PID.  Exact counts.
#
#   perl t/cluster/sentinel.pl      (from the top of the tree; TAP output)
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/../lib";
use Test::More;
use File::Temp ();
use JSON::PP ();
use POSIX ();
use Time::HiRes qw(time sleep);
use TPCluster;
use TPTest qw(parallel new_session stats_delta);

$SIG{ALRM} = sub { die "sentinel tests: over 6 minutes, stopping\n" };
alarm 360;

my $t_start = time;
my $dir = File::Temp::tempdir('tokenproxy-sentinel.XXXXXX', TMPDIR => 1,
                               CLEANUP => !$ENV{TP_KEEP_TMP});
chmod 0755, $dir;
my $password = 's3cr3t-redis-password';
my $spass = 's3cr3t-sentinel-password';
my $mock = start_mock($dir);
my $master = start_redis($dir, $password, undef, '--masterauth', $password);
my $replica = start_redis($dir, $password, undef, '--masterauth', $password,
                          '--replicaof', '127.0.0.1', $master->{port});
ok(wait_until(20, sub { (redis_cmd($master, 'INFO', 'replication') // '') =~ /state=online/ }),
   'the replica is in sync');
my @sentinels = map { start_sentinel($dir, "sentinel$_", $master->{port}, $password, $spass) } 1 .. 3;
ok(wait_until(20, sub { (redis_cmd($sentinels[0], 'SENTINEL', 'SENTINELS', 'tpm') || [])
                        && @{ redis_cmd($sentinels[0], 'SENTINEL', 'SENTINELS', 'tpm') || [] } == 2 }),
   'the three Sentinels know each other');
write_key("$dir/cluster.key");

$ENV{TP_CLUSTER_PASSWORD} = $password;
$ENV{TP_SENTINEL_PASSWORD} = $spass;
my $list = join ',', map { "127.0.0.1:$_->{port}" } @sentinels;
my $url = "redis-sentinel://:\${TP_CLUSTER_PASSWORD}\@$list/tpm/0";
my $conf = node_conf(mock => $mock, cluster => [$url, "$dir/cluster.key"])
         . "TokenProxyClusterSentinelAuth \${TP_SENTINEL_PASSWORD}\n"
         . "TokenProxyClusterReplicas 1\n"
         # every new path at the most verbose level: the log check below
         # then covers them (no token, password or key at any level)
         # (httpd's own http module logs every header, cookies too, at
         # trace4: kept at debug as in t/conf/httpd.conf.in)
         . "LogLevel trace8 http:debug\n";
my @nodes = map { start_node($dir, "node-$_", $_, $conf) } qw(event worker prefork);
note join ', ', map { "$_->{name} on $_->{port}" } @nodes;
my $json = JSON::PP->new;

sub call {
    my ($node, $cookie) = @_;
    my $r = http_req($node->{port}, GET => '/api/x', ["Cookie: $cookie"]);
    my ($ra) = $r->{head} =~ /^Retry-After: (\S+)/mi;
    return join ' ', $r->{status}, $r->{cookies}{accessToken} // '-', $ra // '-', sprintf('%.4f', time),
                     $node->{name}, sprintf('%.3f', $r->{elapsed});
}
sub count_of { my ($want, @r) = @_; return scalar grep { $_ eq $want } @r }
sub cluster_sum {
    my ($what, @n) = @_;
    my $n = 0;
    $n += (node_status($_)->{cluster}{$what} // 0) for @n ? @n : @nodes;
    return $n;
}
# the commands the nodes send for a storm: the master also counts the
# Sentinels' and the replica's (PING, INFO, PUBLISH hello, REPLCONF),
# which are left out, and so is what the publish script runs inside (GET,
# SET); apart, the set-up of connections made meanwhile (a child's first
# use: ROLE, SELECT, SUBSCRIBE), once per child, not per storm
sub commands {
    my ($r) = @_;
    my $info = redis_cmd($r, 'INFO', 'commandstats') // '';
    my %c;
    $c{$1} = $2 while $info =~ /^cmdstat_(\w+):calls=(\d+)/mg;
    my $n = 0;
    $n += $c{$_} // 0 for qw(set get evalsha eval wait);
    my $setup = 0;
    $setup += $c{$_} // 0 for qw(role select subscribe);
    return ($n - 2 * (($c{evalsha} // 0) + ($c{eval} // 0)), $setup);
}
# the nodes' subscriber connections, and their children
sub subscribers {
    my $r = redis_cmd($master, 'PUBSUB', 'NUMSUB', 'tokenproxy:published');
    return ref $r eq 'ARRAY' ? $r->[1] : -1;
}
sub children { my $n = 0; $n += scalar node_children($_) for @nodes; return $n }
sub storm {
    my ($n, $rt, @on) = @_;
    @on = @nodes unless @on;
    return parallel($n, 120, map { my $x = $on[$_ % @on]; sub { call($x, "refreshToken=$rt") } } 0 .. $n - 1);
}

# --- 1. storms through Sentinel: one refresh, waiters told
my $mport = $master->{port};
is(node_status($nodes[0])->{cluster}{master}, "127.0.0.1:$mport", 'status: the master the Sentinels name');
is(node_status($nodes[0])->{cluster}{state}, 'up', 'status: up');
for my $round (1 .. 2) {
    my $s = new_session(user => "storm$round", delay => 0.5);
    my ($told, $polls) = (cluster_sum('waits_told'), cluster_sum('wait_polls'));
    my ($ntold, $npolls) = (cluster_sum('node_waits_told'), cluster_sum('node_wait_polls'));
    my ($c0, $s0) = commands($master);
    my ($d, @r) = stats_delta(sub { storm(150, $s->{refreshToken}) });
    my ($c1, $s1) = commands($master);
    my $cmds = $c1 - $c0;
    is($d->{refresh_calls}, 1, "storm $round of 150 over three nodes through Sentinel: exactly 1 refresh");
    is($d->{reuse_detected} // 0, 0, 'no reuse');
    is(count_of(200, map { (split ' ')[0] } @r), 150, 'every answer 200');
    # the claim, WAIT, the publish: 3 for the winner, the claim and one
    # GET for each of the two other nodes (the notice brings the entry)
    ok($cmds <= 12, "at most 12 Redis commands for the storm ($cmds; "
       . ($s1 - $s0) . ' connection set-up commands of children meanwhile)');
    is(cluster_sum('wait_polls') - $polls, 0, 'no waiter polled');
    ok(cluster_sum('waits_told') - $told >= 1, 'the other nodes were told ('
       . (cluster_sum('waits_told') - $told) . ' notices)');
    my $nt = cluster_sum('node_waits_told') - $ntold;
    ok($nt >= 1, "the waiters on each machine were told too ($nt)");
    is(cluster_sum('node_wait_polls') - $npolls, 0, '... and none of them polled');
    my ($subs, $kids) = (subscribers(), children());
    ok($subs >= 1 && $subs <= $kids, "one subscriber connection per child at most ($subs for $kids children)");
}
is(cluster_sum('claims_unconfirmed'), 0, 'with the replica in sync, every claim is confirmed (WAIT 1)');
# the back-channel logout readers (one per child) reach the master through
# the Sentinels too, with TokenProxyClusterSentinelAuth
{
    my $reads = sub { ((redis_cmd($master, 'INFO', 'commandstats') // '') =~ /^cmdstat_zrangebyscore:calls=(\d+)/m)[0] // 0 };
    my $r0 = $reads->();
    ok(wait_until(10, sub { $reads->() > $r0 }), 'the back-channel logout readers read the master the Sentinels name');
}

# --- 2. the replica stopped: claims cannot be confirmed, still one refresh
{
    stop_redis($replica);
    my $u0 = cluster_sum('claims_unconfirmed');
    my @users = map { new_session(user => "unconf$_", delay => 0.3) } 1 .. 3;
    my ($d, @r) = stats_delta(sub {
        parallel(60, 120, map { my $u = $users[$_ % 3]; my $x = $nodes[$_ % 2];
                                sub { call($x, "refreshToken=$u->{refreshToken}") } } 0 .. 59)
    });
    is($d->{refresh_calls}, 3, 'replica down, 3 tokens stormed on two nodes: exactly 3 refreshes');
    is($d->{reuse_detected} // 0, 0, 'no reuse');
    is(count_of(200, map { (split ' ')[0] } @r), 60, 'every answer 200');
    my $u = cluster_sum('claims_unconfirmed') - $u0;
    is($u, 3, "claims_unconfirmed shows the 3 claims ($u)");
    my $logs = join '', map { local (@ARGV, $/) = "$_->{root}/logs/error_log"; <> } @nodes[0, 1];
    like($logs, qr/a claim was not confirmed by 1 replicas \(TokenProxyClusterReplicas\)/,
         'and a warning says so');
    $replica = start_redis($dir, $password, $replica->{port}, '--masterauth', $password,
                           '--replicaof', '127.0.0.1', $master->{port});
    ok(wait_until(30, sub { (redis_cmd($master, 'INFO', 'replication') // '') =~ /state=online/ }),
       'the replica is back in sync');
}

# --- 3. the master killed (kill -9) while storms run on every node
my ($kill_at, $promoted_at);
my $old = $master;
my $new = "127.0.0.1:$replica->{port}";
{
    my $out = "$dir/storms.txt";
    my ($d) = stats_delta(sub {
        my $storms = fork() // die;
        if (!$storms) {
            # a new session every 0.2 s, 12 requests over the three nodes
            my $end = time + 12;
            my $i = 0;
            while (time < $end) {
                my $s = new_session(user => 'fo' . $i++, delay => 0.2);
                my @r = storm(12, $s->{refreshToken});
                open my $fh, '>>', $out or POSIX::_exit(1);
                print $fh "$s->{refreshToken} $_\n" for @r;
                close $fh;
                sleep 0.2;
            }
            POSIX::_exit(0);
        }
        sleep 2;
        $kill_at = time;
        kill_redis($master);
        wait_until(30, sub {
            my $a = redis_cmd($sentinels[0], 'SENTINEL', 'get-master-addr-by-name', 'tpm');
            ref $a && "$a->[0]:$a->[1]" eq $new
        }) and $promoted_at = time;
        waitpid($storms, 0);
        ();
    });
    ok($promoted_at, 'the Sentinels promote the replica');
    $promoted_at //= time;
    note sprintf 'promoted %.2f s after the kill', $promoted_at - $kill_at;
    open my $fh, '<', $out or die;
    my @lines = map { chomp; [split ' '] } <$fh>;
    close $fh;
    my @bad = grep { $_->[1] != 200 && $_->[1] != 503 } @lines;
    is(scalar(@bad), 0, 'during the failover: every answer 200 or 503 (' . scalar(@lines) . ' answers)');
    is($d->{reuse_detected} // 0, 0, 'over the whole run: 0 reuse at the provider');
    my @e = grep { $_->[1] == 503 } @lines;
    note scalar(@e) . ' answers 503';
    my @out_of_window = grep { $_->[4] < $kill_at || $_->[4] > $promoted_at + 3 } @e;
    is(scalar(@out_of_window), 0, sprintf('503s only from the kill to 3 s after the promotion (%d 503s, %d outside)',
                                          scalar(@e), scalar(@out_of_window)));
    is(scalar(grep { $_->[3] ne '1' } @e), 0, 'each 503 has Retry-After: 1');
    # each retried afterwards gets 200
    my %rt = map { $_->[0] => 1 } @e;
    my ($d2, @again) = stats_delta(sub {
        parallel(20, 60, map { my $rt = $_; my $i = 0; sub { call($nodes[$i++ % 3], "refreshToken=$rt") } } sort keys %rt)
    });
    is(count_of(200, map { (split ' ')[0] } @again), scalar(keys %rt),
       'each token that got a 503 gets 200 when tried again (' . scalar(keys %rt) . ' tokens)');
    is($d2->{reuse_detected} // 0, 0, 'and no reuse');
    is(join(',', map { node_status($_)->{cluster}{master} } @nodes), join(',', ($new) x 3),
       'status: every node shows the new master');
    is(join(',', map { node_status($_)->{cluster}{failovers} } @nodes), '1,1,1',
       'status: one failover seen by each machine');
    my $logs = join '', map { local (@ARGV, $/) = "$_->{root}/logs/error_log"; <> } @nodes;
    like($logs, qr/TokenProxyCluster \S+ is in a failover \(/, 'a warning names the failover');
    like($logs, qr/the Sentinels name a new master, 127\.0\.0\.1:$replica->{port}/,
         'and the new master');
}

# --- 4. the old master restarted: it becomes a replica, nothing changes
{
    $master = start_redis($dir, $password, $old->{port}, '--masterauth', $password);
    ok(wait_until(30, sub { (redis_cmd($master, 'INFO', 'replication') // '') =~ /role:slave/ }),
       'the Sentinels make the old master a replica');
    my $s = new_session(user => 'after', delay => 0.5);
    my ($d, @r) = stats_delta(sub { storm(90, $s->{refreshToken}) });
    is($d->{refresh_calls}, 1, 'old master back as a replica: a storm makes exactly 1 refresh');
    is(count_of(200, map { (split ' ')[0] } @r), 90, 'every answer 200')
        or diag join "\n", grep { !/^200 / } @r;
    is(join(',', map { node_status($_)->{cluster}{failovers} } @nodes), '1,1,1', 'still one failover');
    is(node_status($nodes[2])->{cluster}{master}, $new, 'the master stays');
}

# --- 4b. a failover that leaves the old master writable (it cannot be
# demoted: REPLICAOF is denied to the Sentinels, as to a master cut off
# from them by the network): the nodes learn of it from the Sentinels'
# +switch-master notice before their next command, so a node that comes
# up afterwards and asks the Sentinels claims on the same master as the
# others
{
    my $stale = $replica;               # the master now
    my $next = "127.0.0.1:$master->{port}";
    is(redis_cmd($stale, 'ACL', 'SETUSER', 'default', '-slaveof', '-replicaof'), 'OK',
       'the master cannot be demoted');
    my $f = redis_cmd($sentinels[0], 'SENTINEL', 'FAILOVER', 'tpm');
    is($f, 'OK', 'a failover asked of the Sentinels');
    ok(wait_until(30, sub {
        my $a = redis_cmd($sentinels[0], 'SENTINEL', 'get-master-addr-by-name', 'tpm');
        ref $a && "$a->[0]:$a->[1]" eq $next
    }), 'the Sentinels name the other server');
    like(redis_cmd($stale, 'INFO', 'replication') // '', qr/role:master/,
         'the old master still says it is a master, and takes writes');
    my $late = start_node($dir, 'node-late', 'event', $conf);
    my $stat = sub {
        my $info = redis_cmd($stale, 'INFO', 'commandstats') // '';
        my $n = 0;
        $n += $1 while $info =~ /^cmdstat_(?:set|evalsha|eval):calls=(\d+)/mg;
        return $n;
    };
    my $w0 = $stat->();
    my $s = new_session(user => 'switch', delay => 0.5);
    my ($d, @r) = stats_delta(sub { storm(120, $s->{refreshToken}, @nodes, $late) });
    is($d->{refresh_calls}, 1, 'a storm over the three nodes and one started after the failover: exactly 1 refresh');
    is($d->{reuse_detected} // 0, 0, 'no reuse');
    is(count_of(200, map { (split ' ')[0] } @r), 120, 'every answer 200')
        or diag join "\n", grep { !/^200 / } @r;
    is($stat->() - $w0, 0, 'no claim or publish reached the old master');
    is(join(',', map { node_status($_)->{cluster}{master} } @nodes), join(',', ($next) x 3),
       'status: every node shows the master the Sentinels name');
    is(join(',', map { node_status($_)->{cluster}{failovers} } @nodes), '2,2,2',
       'status: a second failover seen by each machine');
    stop_node($late);
    redis_cmd($stale, 'ACL', 'SETUSER', 'default', '+@all');
    ok(wait_until(30, sub { (redis_cmd($stale, 'INFO', 'replication') // '') =~ /role:slave/ }),
       'allowed again, the old master becomes a replica');
}

# --- 5. a Sentinel that answers garbage: a warning, machine-wide single flight
{
    my $gport = start_garbage_server();
    (my $gconf = $conf) =~ s{redis-sentinel://:\S+}{redis-sentinel://:\${TP_CLUSTER_PASSWORD}\@127.0.0.1:$gport/tpm/0};
    my $g = start_node($dir, 'node-garbage', 'event', $gconf);
    my $s = new_session(user => 'garbage', delay => 0.5);
    my ($d, @r) = stats_delta(sub {
        parallel(20, 60, map { sub { call($g, "refreshToken=$s->{refreshToken}") } } 1 .. 20)
    });
    is($d->{refresh_calls}, 1, 'a Sentinel answering garbage: a storm of 20 makes exactly 1 refresh');
    is(count_of(200, map { (split ' ')[0] } @r), 20, 'every answer 200');
    is(node_status($g)->{cluster}{state}, 'down', 'the node says the cluster is down');
    my $log = do { local (@ARGV, $/) = "$g->{root}/logs/error_log"; <> };
    like($log, qr/TokenProxyCluster redis-sentinel:\S+ cannot be used \(a Sentinel answered garbage/,
         'a clear warning: a Sentinel answered garbage');
    stop_node($g);
}

# --- 6. all Sentinels down, the master alive: a warning, machine-wide
{
    stop_redis($_) for @sentinels;
    my $f = start_node($dir, 'node-nosentinel', 'worker', $conf);
    my $s = new_session(user => 'nosentinel', delay => 0.5);
    my ($d, @r) = stats_delta(sub {
        parallel(20, 60, map { sub { call($f, "refreshToken=$s->{refreshToken}") } } 1 .. 20)
    });
    is($d->{refresh_calls}, 1, 'all Sentinels down: a storm of 20 on a node makes exactly 1 refresh');
    is(count_of(200, map { (split ' ')[0] } @r), 20, 'every answer 200');
    my $log = do { local (@ARGV, $/) = "$f->{root}/logs/error_log"; <> };
    like($log, qr/cannot be used \(cannot connect to a Sentinel/, 'a clear warning: no Sentinel answers');
    ok(node_status($f)->{cluster}{fallbacks} >= 1, 'the fallback is counted');
    stop_node($f);
}

# --- nothing secret in any log, no crashed child
{
    my $all = join '', map { local (@ARGV, $/) = "$_->{root}/logs/error_log"; <> } @nodes;
    ok(length($all) > 100_000, 'the logs are at trace8 (' . length($all) . ' bytes)');
    my @leaks = grep { /s3cr3t/ } split /\n/, $all;
    is(scalar(@leaks), 0, 'no token or password in the error logs')
        or diag map { 'leak: ' . substr($_, 0, 200) . "\n" } @leaks[0 .. ($#leaks < 4 ? $#leaks : 4)];
    ok(scalar(() = $all =~ /\[tokenproxy:(?:trace\d|debug|info|warn)\]/g) > 10, 'mod_tokenproxy logged at every level');
    is(scalar(() = $all =~ /exit signal (Segmentation|Aborted|Bus|Illegal)/g), 0, 'no crashed child');
}
note sprintf 'sentinel tests: %.1f s', time - $t_start;
stop_all();
done_testing();
