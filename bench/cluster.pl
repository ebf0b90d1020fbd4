#!/usr/bin/env perl
# Licensed under the Apache License, Version 2.0 (see LICENSE).
#
# The cluster storm benchmark, run by hand (not part of the test suite).
# Three httpd nodes (event, worker, prefork) in front of the mock identity
# provider, in five set-ups one after the other, side by side:
#   - TokenProxyCluster redis-sentinel:// (a master, one replica, three
#     Sentinels; TokenProxyClusterReplicas 1), waiters told;
#   - TokenProxyCluster redis:// (one redis-server), waiters told;
#   - the same with the module of BASELINE (a git revision, default
#     799ed48, before waiters were told: they poll GET, 5 to 50 ms);
#   - no TokenProxyCluster (machine-wide single flight only);
#   - the floor: the same storm with a valid access token (nothing to
#     refresh), each request's last byte held back and all of them sent
#     at once, as the waiters of a storm are released at once.
# For each, N concurrent requests carrying one refresh token and no access
# token, spread round-robin over the nodes; printed:
#   - refresh calls, and reuse detected by the provider;
#   - statuses;
#   - the nodes' Redis commands for the storm (INFO commandstats before
#     and after; SET, GET, EVALSHA/EVAL, WAIT, less the GET and SET the
#     publish script runs inside; the Sentinels' and the replica's own
#     traffic is not the nodes'), and apart the ROLE, SELECT and
#     SUBSCRIBE of connections made meanwhile (a child's first use of
#     Redis);
#   - per node, the time from the first 200 of the storm (the refresh's
#     answer reaching its node) to that node's last answer, as the client
#     sees it and on the server's clock (each node logs when it ended an
#     answer, %{end:usec}t).
# The upstream is a static file served by an httpd of its own (the mock
# only answers the refresh).
#
#   perl bench/cluster.pl [STORM] [ROUNDS] [BASELINE]   (default 150 3 799ed48)
#   TP_BENCH_ONLY=told,floor   only those set-ups
#   TP_BENCH_VERBOSE=1         each storm's figures and counters
#   TP_KEEP_TMP=1              keep the nodes' files
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

my $dir = File::Temp::tempdir('tokenproxy-bench-cluster.XXXXXX', TMPDIR => 1, CLEANUP => !$ENV{TP_KEEP_TMP});
chmod 0755, $dir;
# the baseline module, built from its own tree
mkdir "$dir/baseline";
if (!$ENV{TP_BENCH_ONLY} || $ENV{TP_BENCH_ONLY} =~ /polling/) {
system("cd $top && git archive $baseline | tar -x -C $dir/baseline && cd $dir/baseline "
       . "&& ./apxs-build.sh >/dev/null 2>&1") == 0
    or die "cannot build the baseline $baseline\n";
}
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
# (workers for every request of a storm at once: an event MPM out of
# workers closes kept-alive connections, and the nodes' proxies answer 502)
my $up = start_node($dir, 'upstream', 'event', "<Location /tp-status>\n    SetHandler tokenproxy-status\n</Location>\n"
                    . "StartServers 4\nServerLimit 8\nThreadsPerChild 64\nMaxRequestWorkers 512\n"
                    . "MinSpareThreads 64\nMaxSpareThreads 512\n");
mkdir "$up->{root}/up";
open my $uf, '>', "$up->{root}/up/x" or die; print $uf "{\"ok\":true}\n"; close $uf;
chmod 0755, "$up->{root}/up";
chmod 0644, "$up->{root}/up/x";
sub node_conf_static {
    # each answer's end on the server's clock (the nodes share the machine's)
    my $c = node_conf(@_) . "LogFormat \"%{end:usec}t %>s\" tpbench\nCustomLog logs/bench_log tpbench\n";
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
    # the floor: the same storm with a valid access token, nothing to
    # refresh (how long the nodes take to answer what arrives at once)
    floor    => [ node_conf_static(mock => $mock, cluster => ["redis://:$password\@127.0.0.1:$redis->{port}",
                                                      "$dir/cluster.key"]), $redis, undef, 1 ],
);
my @order = qw(sentinel told polling local floor);
# TP_BENCH_ONLY=told,local: only those set-ups (while working on one)
@order = grep { my $k = $_; grep { $_ eq $k } split /,/, $ENV{TP_BENCH_ONLY} } @order
    if $ENV{TP_BENCH_ONLY};

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
    my ($nodes, $cookie, $hold) = @_;
    my (@socks, %meta);
    for my $i (0 .. $storm - 1) {
        my $n = $nodes->[$i % 3];
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $n->{port},
                                      Timeout => 10) or die "connect: $!";
        push @socks, $s;
        $meta{fileno $s} = [$i % 3, ''];
    }
    my $req = "GET /api/x HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
              . "Cookie: $cookie\r\n\r\n";
    if ($hold) {
        # the floor: every request but its last byte, then all last bytes
        # at once, so that the nodes get them together, as waiters are
        # released together
        syswrite $_, substr($req, 0, -1) for @socks;
        sleep 0.5;
        syswrite $_, "\n" for @socks;
    }
    else {
        syswrite $_, $req for @socks;
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
    my ($nodes, $r, $plain) = @_;
    my $s = new_session(user => 'bench', delay => 0.5);
    my ($before, $sb) = commands($r);
    my @logsize = map { -s "$_->{root}/logs/bench_log" // 0 } @$nodes;
    my ($d, @res) = stats_delta(sub { nb_storm($nodes, $plain ? "accessToken=$s->{accessToken}"
                                                       : "refreshToken=$s->{refreshToken}", $plain) });
    my ($after, $sa) = commands($r);
    my @ok = grep { (split ' ')[1] == 200 } @res;
    my $first = (sort { $a <=> $b } map { (split ' ')[2] } @ok)[0] // 0;
    my @last = map { my $n = $_; my @t = map { (split ' ')[2] } grep { /^$n / } @ok;
                     @t ? (sort { $b <=> $a } @t)[0] - $first : -1 } 0 .. 2;
    # the same on the server's side: when each node finished its answers
    sleep 0.2;
    my @srv = map {
        my $i = $_;
        open my $lf, '<', "$nodes->[$i]{root}/logs/bench_log" or die;
        seek $lf, $logsize[$i], 0;
        [ map { [ split ' ' ] } grep { /^\d+ \d+$/ } <$lf> ];
    } 0 .. 2;
    my $sfirst = (sort { $a <=> $b } map { $_->[0] } grep { $_->[1] == 200 } map { @$_ } @srv)[0] // 0;
    my @slast = map { my @t = sort { $b <=> $a } map { $_->[0] } grep { $_->[1] == 200 } @$_;
                      @t ? ($t[0] - $sfirst) / 1e6 : -1 } @srv;
    if ($ENV{TP_BENCH_VERBOSE}) {
        printf STDERR "  server side: last answer per node at %s ms after the first 200\n",
            join('/', map { sprintf '%.1f', 1000 * $_ } @slast);
        my @c = map { node_status($_)->{cluster} // {} } @$nodes;
        printf STDERR "  counters: %s\n", join(' | ', map { my $c = $_;
            join(' ', map { "$_=" . ($c->{$_} // '-') } qw(claims_won waits_told waits_timed_out wait_polls node_waits_told node_wait_polls)) } @c);
    }
    my %st; $st{(split ' ')[1]}++ for @res;
    my @firstn = map { my $n = $_; my @t = map { (split ' ')[2] } grep { /^$n / } @ok;
                       @t ? (sort { $a <=> $b } @t)[0] - $first : -1 } 0 .. 2;
    printf STDERR "storm: statuses %s; per node first 200 at %s ms, last at %s ms\n",
        join(',', map { "$_=$st{$_}" } sort keys %st),
        join('/', map { sprintf '%.1f', 1000 * $_ } @firstn),
        join('/', map { sprintf '%.1f', 1000 * $_ } @last) if $ENV{TP_BENCH_VERBOSE};
    return { calls => $d->{refresh_calls} // 0, reuse => $d->{reuse_detected} // 0,
             ok => scalar(@ok), cmds => $after - $before, setup => $sa - $sb,
             last => \@last, slast => \@slast };
}

my %res;
for my $k (@order) {
    my ($conf, $r, $module, $plain) = @{ $setup{$k} };
    my @nodes = map { start_node($dir, "n$k-$_", $_, $conf, undef, $module) } qw(event worker prefork);
    one_storm(\@nodes, $r, $plain);     # warm up: connections, children
    push @{ $res{$k} }, one_storm(\@nodes, $r, $plain) for 1 .. $rounds;
    stop_node($_) for @nodes;
}

sub median { my @v = sort { $a <=> $b } @_; return $v[int(@v / 2)] }
sub row {
    my ($label, $fmt, $f) = @_;
    printf "%-40s" . (" $fmt" x @order) . "\n", $label,
        map { my $k = $_; my $m = median(map { $f->($_) } @{ $res{$k} });
              $fmt eq '%14s' ? ms($m) : $m } @order;
}
printf "cluster storm: %d concurrent requests on one refresh token over 3 nodes, "
     . "provider answers in 0.5 s; median of %d rounds\n\n", $storm, $rounds;
my %title = (sentinel => 'Sentinel,told', told => 'redis,told', polling => "polling($baseline)",
             local => 'machine-wide', floor => 'no refresh');
printf "%-40s" . (" %14s" x @order) . "\n", '', map { $title{$_} } @order;
row('refresh calls', '%14d', sub { $_[0]{calls} });
row('reuse detected by the provider', '%14d', sub { $_[0]{reuse} });
row("answers 200 (of $storm)", '%14d', sub { $_[0]{ok} });
row('Redis commands per storm (the nodes\')', '%14d', sub { $_[0]{cmds} });
row('  and connection set-ups meanwhile', '%14d', sub { $_[0]{setup} });
# (a node without a 200, logged out by reuse: '-')
sub ms { my $v = shift; return $v < 0 ? '-' : sprintf('%.1f', 1000 * $v) }
for my $i (0 .. 2) {
    row("first 200 to last, " . (qw(event worker prefork))[$i] . " (ms)", '%14s',
        sub { $_[0]{last}[$i] });
}
for my $i (0 .. 2) {
    row("  on the server's clock, " . (qw(event worker prefork))[$i] . " (ms)", '%14s',
        sub { $_[0]{slast}[$i] });
}
stop_all();
