#!/usr/bin/env perl
# Licensed under the Apache License, Version 2.0 (see LICENSE).
#
# The cluster storm benchmark, run by hand (not part of the test suite).
# Three httpd nodes (event, worker, prefork) in front of the mock identity
# provider, first sharing a redis-server (TokenProxyCluster), then the same
# three nodes without it (machine-wide single flight only).  For each, N
# concurrent requests carrying one refresh token and no access token,
# spread round-robin over the nodes; printed side by side:
#   - refresh calls, and reuse detected by the provider;
#   - statuses;
#   - Redis commands for the storm (INFO commandstats, before and after);
#   - per node, the time from the first 200 of the storm (the refresh's
#     answer reaching its node) to that node's last answer.
#
#   perl bench/cluster.pl [STORM] [ROUNDS]     (default 150 3)
#
# Everything listens on 127.0.0.1 and is stopped by its PID.
use strict;
use warnings FATAL => 'all';
use FindBin;
use lib "$FindBin::Bin/../t/lib";
use File::Temp ();
use JSON::PP ();
use Time::HiRes qw(time sleep);
use TPCluster;
use TPTest qw(parallel new_session stats_delta);

my $storm = shift // 150;
my $rounds = shift // 3;
system("$FindBin::Bin/../apxs-build.sh --deps test >/dev/null && $FindBin::Bin/../apxs-build.sh >/dev/null 2>&1") == 0
    or die "build failed\n";

my $dir = File::Temp::tempdir('tokenproxy-bench-cluster.XXXXXX', TMPDIR => 1, CLEANUP => 1);
chmod 0755, $dir;
my $mock = start_mock($dir);
my $redis = start_redis($dir, 'bench-password');
write_key("$dir/cluster.key");

sub conf {
    my ($cluster) = @_;
    return node_conf(mock => $mock,
                     cluster => $cluster ? ["redis://:bench-password\@127.0.0.1:$redis->{port}",
                                            "$dir/cluster.key"] : undef);
}

sub commandstats {
    my $info = redis_cmd($redis, 'INFO', 'commandstats') // '';
    my %n;
    $n{$1} = $2 while $info =~ /^cmdstat_(\w+):calls=(\d+)/mg;
    return \%n;
}

sub one_storm {
    my ($nodes) = @_;
    my $s = new_session(user => 'bench', delay => 0.5);
    my $before = commandstats();
    my ($d, @r) = stats_delta(sub {
        parallel($storm, 120, map {
            my $i = $_;
            sub {
                my $r = http_req($nodes->[$i % 3]{port}, GET => '/api/x',
                                 ["Cookie: refreshToken=$s->{refreshToken}"]);
                join ' ', $i % 3, $r->{status}, sprintf('%.6f', time);
            }
        } 0 .. $storm - 1)
    });
    my $after = commandstats();
    my $cmds = 0;
    my $d_of = sub { ($after->{$_[0]} // 0) - ($before->{$_[0]} // 0) };
    $cmds += $d_of->($_) for keys %$after;
    # less INFO itself and the AUTH of that call, the two commands the
    # publish script runs inside, and the AUTHs of new connections
    $cmds -= 2 + 2 * ($d_of->('evalsha') + $d_of->('eval')) + ($d_of->('auth') - 1);
    my @ok = grep { (split ' ')[1] == 200 } @r;
    my $first = (sort { $a <=> $b } map { (split ' ')[2] } @ok)[0] // 0;
    my @last = map { my $n = $_; my @t = map { (split ' ')[2] } grep { /^$n / } @ok;
                     @t ? (sort { $b <=> $a } @t)[0] - $first : -1 } 0 .. 2;
    return { calls => $d->{refresh_calls} // 0, reuse => $d->{reuse_detected} // 0,
             ok => scalar(@ok), cmds => $cmds, last => \@last };
}

my %res;
for my $cluster (1, 0) {
    my @nodes = map { start_node($dir, "n$cluster-$_", $_, conf($cluster)) } qw(event worker prefork);
    one_storm(\@nodes);                 # warm up: connections, children
    push @{ $res{$cluster} }, one_storm(\@nodes) for 1 .. $rounds;
    stop_node($_) for @nodes;
}

sub median { my @v = sort { $a <=> $b } @_; return $v[int(@v / 2)] }
sub col {
    my ($c, $f) = @_;
    return median(map { $f->($_) } @{ $res{$c} });
}
printf "cluster storm: %d concurrent requests on one refresh token over 3 nodes, "
     . "provider answers in 0.5 s; median of %d rounds\n\n", $storm, $rounds;
printf "%-44s %18s %18s\n", '', 'TokenProxyCluster', 'machine-wide only';
printf "%-44s %18d %18d\n", 'refresh calls', col(1, sub { $_[0]{calls} }), col(0, sub { $_[0]{calls} });
printf "%-44s %18d %18d\n", 'reuse detected by the provider', col(1, sub { $_[0]{reuse} }), col(0, sub { $_[0]{reuse} });
printf "%-44s %18d %18d\n", "answers 200 (of $storm)", col(1, sub { $_[0]{ok} }), col(0, sub { $_[0]{ok} });
printf "%-44s %18d %18s\n", 'Redis commands per storm', col(1, sub { $_[0]{cmds} }), '-';
for my $i (0 .. 2) {
    printf "%-44s %18.3f %18.3f\n", "first 200 to last answer, node " . (qw(event worker prefork))[$i] . " (s)",
        col(1, sub { $_[0]{last}[$i] }), col(0, sub { $_[0]{last}[$i] });
}
stop_all();
