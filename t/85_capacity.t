# Licensed under the Apache License, Version 2.0 (see LICENSE).
# The refresh state under load, each part in an httpd of its own (the
# suite's MPM and httpd binary, the mock provider):
#   - the DEFAULT TokenProxyCache: 5,000 sessions refreshed, then the same
#     5,000 requests with the old refresh tokens inside the grace window;
#     one slow refresh (6 s) while 3,000 other sessions refresh;
#   - a tiny TokenProxyCache (256 KiB) under the same load: evictions are
#     counted and logged, claims are never lost, and no request causes a
#     second refresh of a token (they may get 503, cookies kept);
#   - a full claim table (TokenProxyRefreshSlots 1024): 503 with
#     Retry-After, cookies kept, nothing refreshed.
# Exact counts at the provider; the grace window is long (300 s) so that
# no count depends on how fast the machine is.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use File::Temp qw(tempdir);
use IO::Socket::INET ();
use LWP::UserAgent ();
use Time::HiRes qw(time);
use lib 't/lib';
use TPTest;

plan tests => 62;

my $CONC = 16;          # client worker processes, one keep-alive each
my $mock = $ENV{TP_MOCK_PORT};

sub tally {
    my %h;
    $h{ (split ' ', $_)[0] }++ for @_;
    return \%h;
}
sub say_ { print "# @_\n"; return 0 }
sub show { my $h = shift; join ', ', map { "$_ x $h->{$_}" } sort keys %$h }
sub field { my ($i, @r) = @_; return map { (split ' ', $_)[$i] } @r }

# /bff/ proxies to the mock's /secure/, which checks the Bearer token;
# /bfl/ (the same refresh endpoint, so the same single flight) to a static
# file of the same httpd, sparing the mock where the upstream's check adds
# nothing
my $location = <<"CONF";
ProxyPass /bff/ http://127.0.0.1:$mock/secure/soak/
ProxyPass /bfl/ http://127.0.0.1:\@PORT\@/local/
<LocationMatch ^/bf[fl]/>
    TokenProxy On
    TokenProxyRefreshURL http://127.0.0.1:$mock/idp/token
    TokenProxyRefreshTimeout 10
    TokenProxyRefreshGrace 300
    ProxyErrorOverride On 401
</LocationMatch>
LogLevel warn tokenproxy:debug socache_shmcb:debug
CONF

# One slow session (its refresh takes 6 s) among @others: 12 requests for
# its token early in the storm, each on another worker, so that they come
# while its refresh runs; returns the request list and the slow indexes.
sub with_slow {
    my ($slow, @others) = @_;
    my @reqs = map { ["/bfl/o/$_", "refreshToken=$others[$_]{refreshToken}"] } 0 .. $#others;
    my @at;
    for my $k (0 .. 11) {
        splice @reqs, $k * ($CONC + 1), 0, ["/bfl/slow/$k", "refreshToken=$slow->{refreshToken}"];
    }
    @at = map { $_ * ($CONC + 1) } 0 .. 11;
    return (\@reqs, \@at);
}

# ---- the default configuration
{
    my $dir = tempdir(CLEANUP => 1);
    my $h = own_httpd($dir, $location);

    # 5,000 sessions, each refreshed once
    my @s = new_sessions(5000);
    my @reqs = map { ["/bfl/a/$_", "refreshToken=$s[$_]{refreshToken}"] } 0 .. $#s;
    my $t0 = time;
    my ($d1, @r1) = stats_delta(sub { storm($CONC, 300, \@reqs, port => $h->{port}) });
    my $t1 = time;
    my $c1 = tally(@r1);
    ok t_cmp($c1->{200} // 0, 5000, '5000 sessions: all 200') or say_(show($c1));
    ok t_cmp($d1->{refresh_calls} // 0, 5000, '5000 refresh calls');
    ok t_cmp($d1->{refresh_ok} // 0, 5000, 'all succeeded');
    ok t_cmp($d1->{reuse_detected} // 0, 0, 'no reuse');
    my %new = map { $_ => 1 } field(2, @r1);
    ok t_cmp(scalar keys %new, 5000, '5000 new access tokens');
    my $st = own_status($h);
    ok t_cmp($st->{cache}{entries}, 5000, 'status: 5000 results in the cache');
    ok t_cmp($st->{claims}{done}, 5000, 'status: 5000 done claims');
    print "# default cache: $st->{cache}{size} bytes, capacity $st->{cache}{capacity} "
        . "results at TokenProxyTokenSize 1024, $st->{cache}{bytes_per_entry} bytes per entry "
        . "measured, fill $st->{cache}{fill_percent}%\n";
    ok t_cmp($st->{cache}{capacity} >= 25000, 1, 'the default holds over 20000 results (with margin)');
    my $boot = do { local $/; open my $fh, '<', $h->{log}; <$fh> // '' };
    ok t_cmp(scalar($boot =~ /recommending 64 subcaches, 469 indexes each/), 1,
             "shmcb's own layout: 64 x 469 index slots, as the capacity says");

    # the new access tokens are good at the upstream that checks them
    my @check = map { ["/bff/check/$_", "accessToken=" . (split ' ', $r1[$_ * 100])[2]] } 0 .. 49;
    my ($d0, @ok) = stats_delta(sub { storm(4, 120, \@check, port => $h->{port}) });
    ok t_cmp(scalar(grep { /^200 / } @ok), 50, '50 of them checked by the upstream: 200');
    ok t_cmp($d0->{refresh_calls} // 0, 0, 'no refresh for that');

    # the same 5,000 requests with the old refresh tokens, inside grace
    my ($d2, @r2) = stats_delta(sub { storm($CONC, 300, \@reqs, port => $h->{port}) });
    my $t2 = time;
    my $c2 = tally(@r2);
    my $st2 = own_status($h);
    ok t_cmp($c2->{200} // 0, 5000, 'again with the old tokens: all 200') or say_(show($c2));
    ok t_cmp($d2->{refresh_calls} // 0, 0, 'no refresh call');
    ok t_cmp($d2->{reuse_detected} // 0, 0, 'no reuse');
    my $same = grep { (split ' ', $r1[$_])[2] eq (split ' ', $r2[$_])[2] } 0 .. $#r1;
    ok t_cmp($same, 5000, 'each got the tokens of its refresh');
    ok t_cmp($st2->{grace_hits} - $st->{grace_hits}, 5000, 'status: 5000 grace hits');
    ok t_cmp($st2->{results_evicted}, 0, 'status: nothing evicted');
    printf "# 5000 refreshes in %.1f s, 5000 grace hits in %.1f s\n", $t1 - $t0, $t2 - $t1;

    # one slow refresh (6 s) while 3,000 other sessions refresh
    my ($slow) = (new_sessions(1, delay => 6));
    my ($reqs, $at) = with_slow($slow, new_sessions(3000));
    my $s0 = own_status($h);
    my ($d3, @r3) = stats_delta(sub { storm($CONC, 300, $reqs, port => $h->{port}) });
    my $s1 = own_status($h);
    my @slow = @r3[@$at];
    my $c3 = tally(@r3);
    ok t_cmp($c3->{200} // 0, 3012, 'slow refresh among 3000: all 200') or say_(show($c3));
    ok t_cmp($d3->{refresh_calls} // 0, 3001, 'one call per token: 3001');
    ok t_cmp($d3->{refresh_delayed} // 0, 1, 'the slow token: one (delayed) call');
    ok t_cmp($d3->{reuse_detected} // 0, 0, 'no reuse');
    ok t_cmp(scalar(grep { (split ' ', $_)[0] == 200 } @slow), 12, 'every request for the slow token: 200');
    my %slow_at = map { $_ => 1 } field(2, @slow);
    ok t_cmp(scalar keys %slow_at, 1, 'all with the same new tokens');
    ok t_cmp(($s1->{waits} - $s0->{waits}) + ($s1->{grace_hits} - $s0->{grace_hits}), 11,
             'the 11 others waited for it or used its result');
    ok t_cmp($s1->{waits} - $s0->{waits} >= 1, 1, 'some waited while it ran');
    ok t_cmp($s1->{results_evicted}, 0, 'nothing evicted');

    my $log = do { local $/; open my $fh, '<', $h->{log}; <$fh> // '' };
    ok t_cmp(scalar(() = $log =~ /s3cr3t/g), 0, 'no secret in its log');

    own_httpd_stop($h);
}

# ---- a tiny cache: 256 KiB hold 1024 results of the mock's 160 bytes
{
    my $dir = tempdir(CLEANUP => 1);
    my $h = own_httpd($dir, "TokenProxyCache shmcb:$dir/tiny(262144)\n"
                            . "TokenProxyTokenSize 160\n$location");
    my $st0 = own_status($h);
    ok t_cmp($st0->{cache}{capacity}, 1024, 'tiny cache: 1024 results');
    my $boot = do { local $/; open my $fh, '<', $h->{log}; <$fh> // '' };
    ok t_cmp(scalar($boot =~ /recommending 16 subcaches, 64 indexes each/), 1,
             "shmcb's own layout: 16 x 64 index slots");

    my $t0 = time;
    my ($slow) = (new_sessions(1, delay => 6));
    my ($reqs, $at) = with_slow($slow, new_sessions(3000));
    my ($d1, @r1) = stats_delta(sub { storm($CONC, 300, $reqs, port => $h->{port}) });
    my $st1 = own_status($h);
    my $c1 = tally(@r1);
    my @slow = @r1[@$at];
    my %is_slow = map { $_ => 1 } @$at;
    my @others = @r1[grep { !$is_slow{$_} } 0 .. $#r1];
    ok t_cmp($d1->{refresh_calls} // 0, 3001, 'one call per token: 3001');
    ok t_cmp($d1->{refresh_delayed} // 0, 1, 'the slow token: one call');
    ok t_cmp($d1->{reuse_detected} // 0, 0, 'no reuse');
    ok t_cmp(scalar(grep { (split ' ', $_)[0] == 200 } @others), 3000,
             'every other session refreshed: 200') or say_(show($c1));
    ok t_cmp(scalar(grep { /^(200|503) / } @slow), 12, 'the slow token: 200 or 503, never 401')
        or say_ join ' | ', @slow;
    ok t_cmp(scalar(grep { /^200 / } @slow) >= 1, 1, 'its refresher got the new tokens');
    ok t_cmp($st1->{claims_full}, 0, 'the claim table was never full');
    ok t_cmp($st1->{lease_takeovers}, 0, 'no claim was lost (no takeover)');
    ok t_cmp($st1->{cache}{entries} <= 1024, 1, "cache entries within capacity ($st1->{cache}{entries})");

    # the same requests again with the old tokens, inside grace: most
    # results were evicted; those answer 503 and refresh nothing
    my $e0 = $st1->{results_evicted};
    my ($d2, @r2) = stats_delta(sub { storm($CONC, 300, $reqs, port => $h->{port}) });
    my $st2 = own_status($h);
    my $c2 = tally(@r2);
    my $evicted = $st2->{results_evicted} - $e0;
    ok t_cmp($d2->{refresh_calls} // 0, 0, 'again with the old tokens: no refresh call');
    ok t_cmp($d2->{reuse_detected} // 0, 0, 'no reuse');
    ok t_cmp(($c2->{200} // 0) + ($c2->{503} // 0), 3012, 'every one 200 or 503') or say_(show($c2));
    ok t_cmp($c2->{503} // 0, $evicted, 'each 503 is a counted eviction');
    ok t_cmp($evicted >= 1000, 1, "evictions counted ($evicted)");
    ok t_cmp(scalar(grep { /^503 / && (split ' ')[4] != 0 } @r2), 0, '503s keep the cookies (no Set-Cookie)');
    ok t_cmp(scalar(grep { /^200 / && (split ' ')[2] eq '-' } @r2), 0, '200s carry the new tokens');
    ok t_cmp($st2->{claims}{done}, 3001, 'the claim table still knows every result');

    my $elapsed = time - $t0;
    my $log = do { local $/; open my $fh, '<', $h->{log}; <$fh> // '' };
    my @warned = $log =~ /(a refresh result was evicted from TokenProxyCache within its grace window[^\n]*)/g;
    ok t_cmp(scalar(@warned) >= 1 && scalar(@warned) <= 1 + int($elapsed / 60), 1,
             'warned, rate-limited (' . scalar(@warned) . ' in ' . int($elapsed) . ' s)');
    ok t_cmp($warned[0] // '', qr/set TokenProxyCache shmcb:\S+tiny\((\d+)\)/, 'naming the directive and a size');
    my ($size) = ($warned[0] // '') =~ /tiny\((\d+)\)/;
    ok t_cmp(($size // 0) > 262144, 1, "a larger one (" . ($size // '?') . ")");

    # the same in Prometheus text
    my $ua = LWP::UserAgent->new(timeout => 60);
    my $prom = $ua->get("http://127.0.0.1:$h->{port}/tp-status?format=prometheus")->content;
    ok t_cmp(scalar($prom =~ qr/^tokenproxy_results_evicted_total $st2->{results_evicted}$/m), 1, 'Prometheus: evictions');
    ok t_cmp(scalar($prom =~ qr/^tokenproxy_cache_capacity_entries 1024$/m), 1, 'Prometheus: capacity');
    ok t_cmp(scalar($prom =~ qr/^tokenproxy_cache_entries \d+$/m), 1, 'Prometheus: entries');
    ok t_cmp(scalar($prom =~ qr/^tokenproxy_claims\{state="done"\} 3001$/m), 1, 'Prometheus: claims by state');
    ok t_cmp(scalar(() = $log =~ /s3cr3t/g), 0, 'no secret in its log');
    own_httpd_stop($h);
}

# ---- a full claim table: 1024 slots, results kept for 300 s
{
    my $dir = tempdir(CLEANUP => 1);
    my $h = own_httpd($dir, "TokenProxyRefreshSlots 1024\n$location");
    my @s = new_sessions(1200);
    my @reqs = map { ["/bfl/f/$_", "refreshToken=$s[$_]{refreshToken}"] } 0 .. $#s;
    my ($d, @r) = stats_delta(sub { storm($CONC, 300, \@reqs, port => $h->{port}) });
    my $st = own_status($h);
    my $c = tally(@r);
    my $n200 = $c->{200} // 0;
    my $n503 = $c->{503} // 0;
    ok t_cmp($n200 + $n503, 1200, 'full claim table: every one 200 or 503') or say_(show($c));
    ok t_cmp($n503 >= 176, 1, "more than the table holds get 503 ($n503)");
    ok t_cmp($d->{refresh_calls} // 0, $n200, 'a refresh call for each 200, none for a 503');
    ok t_cmp($st->{claims_full}, $n503, 'each 503 counted as claims_full');
    ok t_cmp(scalar(grep { /^503 / && (split ' ')[4] != 0 } @r), 0, '503s keep the cookies');
    # a 503 says when to come back; its token was never used
    my ($i) = grep { $r[$_] =~ /^503 / } 0 .. $#r;
    my $raw = '';
    if (defined $i) {
        my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $h->{port}, Timeout => 10);
        print $sock "GET /bfl/f/again HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nCookie: refreshToken=$s[$i]{refreshToken}\r\n\r\n";
        local $/;
        $raw = <$sock> // '';
    }
    ok t_cmp($raw, qr{^HTTP/1\.1 503 .*^Retry-After: \d+}ms, 'again: 503 with Retry-After');
    my $log = do { local $/; open my $fh, '<', $h->{log}; <$fh> // '' };
    ok t_cmp(scalar($log =~ /the table of refreshes is full .* set TokenProxyRefreshSlots 2048 \(now 1024\)/), 1,
             'warned, naming TokenProxyRefreshSlots and the size to set');
    ok t_cmp(($d->{reuse_detected} // 0), 0, 'no reuse');
    own_httpd_stop($h);
}
