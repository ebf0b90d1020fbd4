# Licensed under the Apache License, Version 2.0 (see LICENSE).
# Single-flight refresh across threads and child processes: exactly one
# refresh per refresh token, waiters and late comers use its result, a slow
# refresh holds up nobody else, a dead or hanging refresher is taken over
# once, and a graceful restart changes nothing.  The mock identity provider
# revokes the whole family on reuse, so any double refresh shows.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use Digest::SHA qw(sha256_hex);
use Time::HiRes qw(time sleep);
use lib 't/lib';
use TPTest;

plan tests => 51;

sub count_of {
    my ($want, @r) = @_;
    my $n = grep { (split ' ', $_)[0] eq $want } @r;
    if ($n != @r) {     # say what the others got
        my %h;
        $h{ (split ' ', $_)[0] // 'none' }++ for @r;
        print "# statuses: ", join(', ', map { "$_ x $h{$_}" } sort keys %h), "\n";
        print "# e.g. $_\n" for (grep { (split ' ', $_)[0] ne $want } @r)[0 .. 2];
    }
    return $n;
}
sub distinct { my ($field, @r) = @_; my %s = map { ((split ' ', $_)[$field] => 1) } @r; return scalar keys %s }
sub status_delta {
    my ($before, $after, $name) = @_;
    return ($after->{$name} // 0) - ($before->{$name} // 0);
}

# --- 100 concurrent requests, one refresh token, no access token
{
    my $s = new_session(delay => 1);
    my $rt = $s->{refreshToken};
    my $start = time + 1;
    my $st0 = tp_status();
    my ($d, @r) = stats_delta(sub {
        parallel(100, 120, map {
            my $i = $_;
            sub { sleep($start - time) if $start > time;
                  quick_get("/bff/api/storm/$i", "refreshToken=$rt") }
        } 1 .. 100)
    });
    my $st1 = tp_status();
    ok t_cmp(count_of(200, @r), 100, '100 concurrent requests: all 200');
    ok t_cmp($d->{refresh_calls}, 1, 'exactly one refresh call');
    ok t_cmp($d->{reuse_detected} // 0, 0, 'no reuse');
    ok t_cmp(distinct(2, @r), 1, 'all got the same new access token');
    ok t_cmp(distinct(3, @r), 1, 'all got the same new refresh token');
    ok t_cmp((split ' ', $r[0])[3] ne $rt, 1, 'and it is a new one');
    ok t_cmp(status_delta($st0, $st1, 'refreshes_started'), 1, 'status: one refresh started');
    ok t_cmp(status_delta($st0, $st1, 'waits') + status_delta($st0, $st1, 'grace_hits'), 99,
             'status: the 99 others waited or used the stored result');
    ok t_cmp(status_delta($st0, $st1, 'waits') >= 1, 1, 'some of them waited');

    # later, with the old refresh token, inside the grace window
    my ($d2, $g) = stats_delta(sub { quick_get('/bff/api/grace', "refreshToken=$rt") });
    ok t_cmp((split ' ', $g)[0], 200, 'grace: served');
    ok t_cmp($d2->{refresh_calls} // 0, 0, 'grace: no second refresh');
    ok t_cmp((split ' ', $g)[2], (split ' ', $r[0])[2], 'grace: the same new access token');
    ok t_cmp((split ' ', $g)[3], (split ' ', $r[0])[3], 'grace: the same new refresh cookie');
}

# --- one user's slow refresh (3 s) does not hold up another user's
{
    my $slow = new_session(delay => 3);
    my $fast = new_session();
    my $t0 = time;
    my ($d, @r) = stats_delta(sub {
        parallel(2, 60,
            sub { quick_get('/bff/patient/slow', "refreshToken=$slow->{refreshToken}") },
            sub { sleep(0.5); quick_get('/bff/patient/fast', "refreshToken=$fast->{refreshToken}") })
    });
    my ($s_status, $s_time) = split ' ', $r[0];
    my ($f_status, $f_time) = split ' ', $r[1];
    ok t_cmp($s_status, 200, 'slow user served');
    ok t_cmp($s_time >= 2.5, 1, "slow user's refresh took its time ($s_time s)");
    ok t_cmp($f_status, 200, 'fast user served');
    ok t_cmp($f_time < 1.0, 1, "fast user not held up ($f_time s)");
    ok t_cmp($d->{refresh_calls}, 2, 'two refreshes, one each');
}

# --- 1000 distinct sessions, 64 at a time
{
    my @s = map { new_session() } 1 .. 1000;
    my ($d, @r) = stats_delta(sub {
        parallel(64, 400, map {
            my $rt = $_->{refreshToken};
            sub { quick_get('/bff/api/many', "refreshToken=$rt") }
        } @s)
    });
    ok t_cmp(count_of(200, @r), 1000, '1000 sessions: all 200');
    ok t_cmp($d->{refresh_calls}, 1000, 'exactly 1000 refresh calls');
    ok t_cmp($d->{refresh_ok}, 1000, 'none failed');
    ok t_cmp($d->{reuse_detected} // 0, 0, 'no reuse');
    ok t_cmp(distinct(2, @r), 1000, '1000 different access tokens');
}

# --- a refresh endpoint that hangs past TokenProxyRefreshTimeout (2 s)
{
    my $s = new_session(delay => 10);
    my $rt = $s->{refreshToken};
    my $start = time + 0.5;
    my ($d, @r) = stats_delta(sub {
        parallel(10, 60, map {
            sub { sleep($start - time) if $start > time;
                  quick_get('/bff/api/hang', "refreshToken=$rt") }
        } 1 .. 10)
    });
    my @times = map { (split ' ', $_)[1] } @r;
    my ($max) = sort { $b <=> $a } @times;
    ok t_cmp(count_of(503, @r), 10, 'hanging endpoint: all 503');
    ok t_cmp($max < 9, 1, "bounded waits (slowest $max s)");
    ok t_cmp($d->{refresh_calls}, 1, 'one refresh call, not one per request');
    ok t_cmp($d->{reuse_detected} // 0, 0, 'no reuse');
    ok t_cmp(distinct(2, @r), 1, 'no cookies set') ;
    ok t_cmp((split ' ', $r[0])[2], '-', 'cookies kept: the user is not logged out');

    # the unavailable result is kept briefly; then the token still works
    sleep 1.5;
    my ($d2, $ok) = stats_delta(sub { quick_get('/bff/api/hang-after', "refreshToken=$rt") });
    ok t_cmp((split ' ', $ok)[0], 200, 'afterwards the same refresh token works');
    ok t_cmp($d2->{reuse_detected} // 0, 0, 'still no reuse');
}

# --- a child killed during a refresh: its lease runs out, one waiter takes over
{
    my $s = new_session(delay => 4);
    my $rt = $s->{refreshToken};
    my $fp = substr(sha256_hex($rt), 0, 12);
    my $st0 = tp_status();
    my $m0 = mock_stats();
    my $log0 = length error_log_text();

    my $victim = fork();
    die "fork: $!" unless defined $victim;
    if (!$victim) {
        quick_get('/bff/api/killed', "refreshToken=$rt");
        POSIX::_exit(0);
    }
    # find the child that runs the refresh, from its debug log line
    my $pid;
    for (1 .. 100) {                                   # at most 10 s
        my $log = substr(error_log_text(), $log0);
        if ($log =~ /\[pid (\d+):tid \d+\][^\n]*tokenproxy: refresh of fp=$fp started/) {
            $pid = $1;
            last;
        }
        sleep 0.1;
    }
    ok t_cmp(defined $pid ? 1 : 0, 1, 'the refreshing child was found');
    kill 'KILL', $pid if $pid;
    waitpid($victim, 0);

    # others arrive while the dead child's lease still runs
    my @r = parallel(8, 60, map {
        my $i = $_;
        sub { quick_get("/bff/api/after-kill/$i", "refreshToken=$rt") }
    } 1 .. 8);
    my $st1 = tp_status();
    my $m1 = mock_stats();
    my @times = map { (split ' ', $_)[1] } @r;
    my ($max) = sort { $b <=> $a } @times;
    ok t_cmp(count_of(200, @r), 8, 'every waiter served after the takeover');
    ok t_cmp(distinct(2, @r), 1, 'all with the same new token');
    ok t_cmp(status_delta($st0, $st1, 'lease_takeovers'), 1, 'exactly one takeover');
    ok t_cmp(($m1->{refresh_calls} // 0) - ($m0->{refresh_calls} // 0), 2,
             'the dead refresh and the takeover');
    ok t_cmp(($m1->{refresh_aborted} // 0) - ($m0->{refresh_aborted} // 0), 1,
             'the dead one never completed at the provider');
    ok t_cmp(($m1->{reuse_detected} // 0) - ($m0->{reuse_detected} // 0), 0, 'no reuse');
    ok t_cmp($max < 15, 1, "bounded waits (slowest $max s)");
}

# --- a graceful restart during a storm
{
    my @s = map { new_session(delay => 0.3) } 1 .. 40;
    my $pidfile = Apache::Test::vars('t_pid_file');
    open my $fh, '<', $pidfile or die "$pidfile: $!";
    chomp(my $parent = <$fh>);
    close $fh;
    my $t0 = time;
    my @jobs = map { my $rt = $_->{refreshToken};
                     map { my $k = $_; sub { quick_get("/bff/api/restart/$k", "refreshToken=$rt") } } 1 .. 3 } @s;
    my $restarter = fork();
    die "fork: $!" unless defined $restarter;
    if (!$restarter) {
        sleep 0.8;
        kill 'USR1', $parent;          # apachectl -k graceful
        POSIX::_exit(0);
    }
    my ($d, @r) = stats_delta(sub { parallel(30, 180, @jobs) });
    waitpid($restarter, 0);
    ok t_cmp(count_of(200, @r), 120, 'graceful restart during a storm: no failed request');
    ok t_cmp($d->{refresh_calls}, 40, 'exactly one refresh per token');
    ok t_cmp($d->{reuse_detected} // 0, 0, 'no reuse');
    my $restarted = 0;
    for (1 .. 100) {
        $restarted = () = error_log_text()
            =~ /SIGUSR1 received\.  Doing graceful restart|Graceful restart requested, doing restart/g;
        last if $restarted;
        sleep 0.1;
    }
    ok t_cmp($restarted >= 1, 1, 'the server did restart gracefully');
    # the server works after the restart, and the counters survived it
    my $after = quick_get('/bff/api/after-restart', "refreshToken=" . new_session()->{refreshToken});
    ok t_cmp((split ' ', $after)[0], 200, 'served after the restart');
    ok t_cmp(tp_status()->{refreshes_started} >= 1040, 1, 'counters kept across the restart');
}

# --- the status handler
{
    my $res = req(GET => '/tp-status');
    my $j = json_of($res);
    ok t_cmp($res->header('Content-Type'), qr{^application/json});
    my @want = qw(refreshes_started refreshes_succeeded refreshes_rejected
                  refreshes_unavailable waits grace_hits lease_takeovers replays);
    ok t_cmp(scalar(grep { defined $j->{$_} } @want), scalar(@want), 'every counter');
    ok t_cmp($j->{cache}{provider}, 'shmcb', 'the cache');
    ok t_cmp(defined $j->{cache}{entries} ? 1 : 0, 1, 'its fill level');

    $res = req(GET => '/tp-status?format=prometheus');
    ok t_cmp($res->header('Content-Type'), qr{^text/plain; version=0\.0\.4});
    ok t_cmp($res->content, qr/^# TYPE tokenproxy_refreshes_started_total counter\ntokenproxy_refreshes_started_total \d+$/m,
             'Prometheus text');
}
