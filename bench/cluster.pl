#!/usr/bin/env perl
# Licensed under the Apache License, Version 2.0 (see LICENSE).
#
# The cluster storm benchmark, run by hand (not part of the test suite).
# Three httpd nodes (event, worker, prefork) in front of the mock identity
# provider, in four set-ups one after the other, side by side:
#   - TokenProxyCluster redis-sentinel:// (a master, one replica, three
#     Sentinels; TokenProxyClusterReplicas 1), waiters told;
#   - TokenProxyCluster redis:// (one redis-server), waiters told;
#   - the same with the module of BASELINE (a git revision, default
#     799ed48, before waiters were told: they poll GET, 5 to 50 ms);
#   - no TokenProxyCluster (machine-wide single flight only).
# For each, N concurrent requests carrying one refresh token and no access
# token, spread round-robin over the nodes; printed:
#   - refresh calls, and reuse detected by the provider;
#   - statuses;
#   - the nodes' Redis commands for the storm (INFO commandstats before
#     and after; SET, GET, EVALSHA/EVAL, WAIT, ROLE, SELECT, SUBSCRIBE,
#     less the GET and SET the publish script runs inside; the Sentinels'
#     and the replica's own traffic is not the nodes');
#   - per node, the time from the first 200 of the storm (the refresh's
#     answer reaching its node) to that node's last answer.
# The upstream is a static file served by an httpd of its own (the mock
# only answers the refresh).
#
#   - the ROLE, SELECT and SUBSCRIBE of connections made meanwhile (a
#     child's first use of Redis), apart;
#
#   perl bench/cluster.pl [STORM] [ROUNDS] [BASELINE]   (default 150 3 799ed48)
#
# Everything listens on 127.0.0.1 and is stopped by its PID.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/../t/lib";
use File::Temp ();
use IO::Select ();
use IO::Socket::INET ();
use JSON::PP ();
use Time::HiRes qw(time sleep);
use TPCluster;
use TPTest qw(parallel new_session stats_delta);

my $storm = shift // 150;
my $rounds = shift // 3;
my $baseline = shift // '799ed48';
my $top = "$FindBin::Bin/..";
system("$top/apxs-build.sh --deps test >/dev/null && $top/apxs-build.sh >/dev/null 2>&1") == 0
    or die "build failed\n";

my $dir = File::Temp::tempdir('tokenproxy-bench-cluster.XXXXXX', TMPDIR => 1, CLEANUP => 1);
chmod 0755, $dir;
# the baseline module, built from its own tree
mkdir "$dir/baseline";
system("cd $top && git archive $baseline | tar -x -C $dir/baseline && cd $dir/baseline "
       . "&& ./apxs-build.sh >/dev/null 2>&1") == 0
    or die "cannot build the baseline $baseline\n";
my $old_module = "$dir/baseline/.libs/mod_tokenproxy.so";

my $password = 'bench-password';
my $mock = start_mock($dir);
my $redis = start_redis($dir, $password);
my $master = start_redis($dir, $password, undef, '--masterauth', $password);
my $replica = start_redis($dir, $password, undef, '--masterauth', $password,
                          '--replicaof', '127.0.0.1', $master->{port});
wait_until(20, sub { (redis_cmd($master, 'INFO', 'replication') // '') =~ /state=online/ })
    or die "the replica does not sync\n";
my @sentinels = map { start_sentinel($dir, "sentinel$_", $master->{port}, $password) } 1 .. 3;
write_key("$dir/cluster.key");
# the upstream: a static answer from an httpd of its own, so that the
# times are the nodes' and not the mock's (Python) proxied answers
my $up = start_node($dir, 'upstream', 'event', "<Location /tp-status>\n    SetHandler tokenproxy-status\n</Location>\n");
mkdir "$up->{root}/up";
open my $uf, '>', "$up->{root}/up/x" or die; print $uf "{\"ok\":true}\n"; close $uf;
chmod 0755, "$up->{root}/up";
chmod 0644, "$up->{root}/up/x";
sub node_conf_static {
    my $c = node_conf(@_);
    $c =~ s{ProxyPass /api/ \S+}{ProxyPass /api/ http://127.0.0.1:$up->{port}/up/};
    return $c;
}

my %setup = (
    sentinel => [ node_conf_static(mock => $mock, cluster => [
                      "redis-sentinel://:$password\@" . join(',', map { "127.0.0.1:$_->{port}" } @sentinels)
                      . "/tpm", "$dir/cluster.key"]) . "TokenProxyClusterReplicas 1\n", $master ],
    told     => [ node_conf_static(mock => $mock, cluster => ["redis://:$password\@127.0.0.1:$redis->{port}",
                                                      "$dir/cluster.key"]), $redis ],
    polling  => [ node_conf_static(mock => $mock, cluster => ["redis://:$password\@127.0.0.1:$redis->{port}",
                                                      "$dir/cluster.key"]), $redis, $old_module ],
    local    => [ node_conf_static(mock => $mock), undef ],
);
my @order = qw(sentinel told polling local);

# the nodes' commands: (per storm, connection set-up)
sub commands {
    my ($r) = @_;
    return (0, 0) unless $r;
    my $info = redis_cmd($r, 'INFO', 'commandstats') // '';
    my %c;
    $c{$1} = $2 while $info =~ /^cmdstat_(\w+):calls=(\d+)/mg;
    my $n = 0;
    $n += $c{$_} // 0 for qw(set get evalsha eval wait);
    my $setup = 0;
    $setup += $c{$_} // 0 for qw(role select subscribe);
    return ($n - 2 * (($c{evalsha} // 0) + ($c{eval} // 0)), $setup);
}

# All requests of a storm from one process: every connection opened and
# every request written before the first answer can come, then the
# answers read as they come (no fork per request, so that the times are
# the server's, not the client's).  Returns "node status time" each.
sub nb_storm {
    my ($nodes, $rt) = @_;
    my (@socks, %meta);
    for my $i (0 .. $storm - 1) {
        my $n = $nodes->[$i % 3];
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $n->{port},
                                      Timeout => 10) or die "connect: $!";
        push @socks, $s;
        $meta{fileno $s} = [$i % 3, ''];
    }
    for my $s (@socks) {
        print $s "GET /api/x HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
               . "Cookie: refreshToken=$rt\r\n\r\n";
    }
    my $sel = IO::Select->new(@socks);
    my @out;
    my $end = time + 60;
    while ($sel->count && time < $end) {
        for my $s ($sel->can_read(1)) {
            my $m = $meta{fileno $s};
            my $n = sysread($s, my $buf, 65536);
            if ($n) { $m->[1] .= $buf; next }
            my ($status) = $m->[1] =~ m{^HTTP/1\.\d (\d{3})};
            push @out, join ' ', $m->[0], $status // 0, sprintf('%.6f', time);
            $sel->remove($s);
            close $s;
        }
    }
    push @out, map { "$meta{fileno $_}[0] 0 0" } $sel->handles;
    return @out;
}

sub one_storm {
    my ($nodes, $r) = @_;
    my $s = new_session(user => 'bench', delay => 0.5);
    my ($before, $sb) = commands($r);
    my ($d, @res) = stats_delta(sub { nb_storm($nodes, $s->{refreshToken}) });
    my ($after, $sa) = commands($r);
    my @ok = grep { (split ' ')[1] == 200 } @res;
    my $first = (sort { $a <=> $b } map { (split ' ')[2] } @ok)[0] // 0;
    my @last = map { my $n = $_; my @t = map { (split ' ')[2] } grep { /^$n / } @ok;
                     @t ? (sort { $b <=> $a } @t)[0] - $first : -1 } 0 .. 2;
    return { calls => $d->{refresh_calls} // 0, reuse => $d->{reuse_detected} // 0,
             ok => scalar(@ok), cmds => $after - $before, setup => $sa - $sb,
             last => \@last };
}

my %res;
for my $k (@order) {
    my ($conf, $r, $module) = @{ $setup{$k} };
    my @nodes = map { start_node($dir, "n$k-$_", $_, $conf, undef, $module) } qw(event worker prefork);
    one_storm(\@nodes, $r);             # warm up: connections, children
    push @{ $res{$k} }, one_storm(\@nodes, $r) for 1 .. $rounds;
    stop_node($_) for @nodes;
}

sub median { my @v = sort { $a <=> $b } @_; return $v[int(@v / 2)] }
sub row {
    my ($label, $fmt, $f) = @_;
    printf "%-40s" . (" $fmt" x @order) . "\n", $label,
        map { my $k = $_; median(map { $f->($_) } @{ $res{$k} }) } @order;
}
printf "cluster storm: %d concurrent requests on one refresh token over 3 nodes, "
     . "provider answers in 0.5 s; median of %d rounds\n\n", $storm, $rounds;
printf "%-40s %14s %14s %14s %14s\n", '', 'Sentinel,told', 'redis,told', "polling($baseline)", 'machine-wide';
row('refresh calls', '%14d', sub { $_[0]{calls} });
row('reuse detected by the provider', '%14d', sub { $_[0]{reuse} });
row("answers 200 (of $storm)", '%14d', sub { $_[0]{ok} });
row('Redis commands per storm (the nodes\')', '%14d', sub { $_[0]{cmds} });
row('  and connection set-ups meanwhile', '%14d', sub { $_[0]{setup} });
for my $i (0 .. 2) {
    row("first 200 to last, " . (qw(event worker prefork))[$i] . " (ms)", '%14.1f',
        sub { 1000 * $_[0]{last}[$i] });
}
stop_all();
