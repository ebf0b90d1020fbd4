# Licensed under the Apache License, Version 2.0 (see LICENSE).
#
# Several httpd nodes and a real redis-server, for the cluster tests
# (t/cluster/cluster.pl) and the cluster benchmark (bench/cluster.pl).
# Everything listens on 127.0.0.1 only, is started here and stopped by its
# PID (also when the caller dies), and every wait is bounded.
package TPCluster;
use strict;
use warnings FATAL => 'all';
use Exporter 'import';
use File::Temp ();
use IO::Select ();
use IO::Socket::INET ();
use POSIX ();
use Time::HiRes qw(time sleep);
use JSON::PP ();

our @EXPORT = qw(free_port start_mock start_redis stop_redis redis_cmd start_garbage_server
                 start_sentinel kill_redis
                 node_conf write_key
                 start_node stop_node graceful_restart node_children
                 http_req node_status stop_all wait_until);

use Cwd ();
use File::Basename ();
my $top = Cwd::abs_path(File::Basename::dirname(__FILE__) . '/../..');
my @started;          # [kind, pid, thing]
my $owner = $$;

sub free_port {
    my $s = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                  Listen => 1, ReuseAddr => 1) or die "socket: $!";
    my $p = $s->sockport;
    close $s;
    return $p;
}

# wait_until(seconds, sub) -> 1 when sub returned true in time
sub wait_until {
    my ($seconds, $cond) = @_;
    my $end = time + $seconds;
    while (time < $end) {
        return 1 if $cond->();
        sleep 0.1;
    }
    return $cond->() ? 1 : 0;
}

sub _kill_wait {
    my ($pid, $sig, $seconds) = @_;
    return unless $pid;
    kill $sig, $pid;
    my $end = time + $seconds;
    while (time < $end) {
        my $w = waitpid($pid, POSIX::WNOHANG());
        return if $w == $pid || ($w == -1 && !kill(0, $pid));
        sleep 0.05;
    }
    kill 'KILL', $pid;
    waitpid($pid, 0);
}

# The mock identity provider and upstream (demo/upstream.py).
sub start_mock {
    my ($dir) = @_;
    my $pf = "$dir/mock.port";
    my $pid = fork() // die "fork: $!";
    if (!$pid) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>', "$dir/mock.log";
        open STDERR, '>&', \*STDOUT;
        exec 'python3', "$top/demo/upstream.py", '--port', '0', '--port-file', $pf,
             '--parent-pid', $owner or POSIX::_exit(1);
    }
    push @started, ['mock', $pid];
    wait_until(20, sub { -s $pf }) or die "the mock upstream did not start\n";
    open my $fh, '<', $pf or die;
    chomp(my $port = <$fh>);
    $ENV{TP_MOCK_PORT} = $port;
    return $port;
}

# A redis-server on a free port with a password, no persistence.
sub start_redis {
    my ($dir, $password, $port, @extra) = @_;
    $port //= free_port();
    my $pid = fork() // die "fork: $!";
    if (!$pid) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', "$dir/redis.log";
        open STDERR, '>&', \*STDOUT;
        exec 'redis-server', '--port', $port, '--bind', '127.0.0.1',
             '--requirepass', $password, '--save', '', '--appendonly', 'no',
             '--daemonize', 'no', '--dir', $dir, '--protected-mode', 'yes',
             '--enable-debug-command', 'local', @extra
            or POSIX::_exit(1);
    }
    my $r = { pid => $pid, port => $port, password => $password };
    push @started, ['redis', $pid, $r];
    wait_until(20, sub { (redis_cmd($r, 'PING') // '') eq 'PONG' })
        or die "redis-server did not start\n";
    return $r;
}

# A server on 127.0.0.1 that answers every request with bytes that are not
# RESP, and stops when its parent does.  Returns its port.
sub start_garbage_server {
    my $l = IO::Socket::INET->new(LocalAddr => '127.0.0.1', LocalPort => 0,
                                  Listen => 64, ReuseAddr => 1) or die "listen: $!";
    my $port = $l->sockport;
    my $pid = fork() // die "fork: $!";
    if (!$pid) {
        my $end = time + 900;
        my $sel = IO::Select->new($l);
        while (time < $end && getppid() == $owner) {
            next unless $sel->can_read(1);
            my $c = $l->accept or next;
            sysread($c, my $buf, 65536);
            print $c "garbage that is not RESP\r\n";
            close $c;
        }
        POSIX::_exit(0);
    }
    close $l;
    push @started, ['garbage', $pid];
    return $port;
}

# A redis-sentinel on a free port monitoring the master at $mport as
# "tpm" (quorum 2, down after 1 s), with requirepass $own when given.
sub start_sentinel {
    my ($dir, $name, $mport, $password, $own) = @_;
    my $port = free_port();
    my $conf = "$dir/$name.conf";
    open my $fh, '>', $conf or die "$conf: $!";
    print $fh "port $port\nbind 127.0.0.1\ndaemonize no\ndir $dir\n"
            . "protected-mode no\n"
            . "sentinel monitor tpm 127.0.0.1 $mport 2\n"
            . "sentinel auth-pass tpm $password\n"
            . "sentinel down-after-milliseconds tpm 1000\n"
            . "sentinel failover-timeout tpm 4000\n"
            . "sentinel parallel-syncs tpm 1\n"
            . ($own ? "requirepass $own\nsentinel sentinel-pass $own\n" : '');
    close $fh;
    my $pid = fork() // die "fork: $!";
    if (!$pid) {
        open STDIN, '<', '/dev/null';
        open STDOUT, '>>', "$dir/$name.log";
        open STDERR, '>&', \*STDOUT;
        exec 'redis-sentinel', $conf or POSIX::_exit(1);
    }
    my $r = { pid => $pid, port => $port, password => $own // '' };
    push @started, ['sentinel', $pid, $r];
    wait_until(20, sub { (redis_cmd($r, 'PING') // '') eq 'PONG' })
        or die "redis-sentinel did not start\n";
    return $r;
}

# kill -9 a redis-server (or sentinel) by its PID
sub kill_redis {
    my ($r) = @_;
    kill 'KILL', $r->{pid};
    waitpid($r->{pid}, 0);
    @started = grep { $_->[1] != $r->{pid} } @started;
    $r->{pid} = undef;
}

sub stop_redis {
    my ($r) = @_;
    _kill_wait($r->{pid}, 'TERM', 10);
    @started = grep { $_->[1] != $r->{pid} } @started;
    $r->{pid} = undef;
}

# One command over RESP (AUTH first); a string, an integer, an array ref,
# or undef for nil or no answer.  Bounded: 5 s.
sub redis_cmd {
    my ($r, @args) = @_;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $r->{port},
                                  Timeout => 5) or return undef;
    my $enc = sub { '*' . @_ . "\r\n" . join '', map { '$' . length($_) . "\r\n$_\r\n" } @_ };
    print $s $enc->('AUTH', $r->{password}) . $enc->(@args);
    my $buf = '';
    my $sel = IO::Select->new($s);
    my $read_line = sub {
        my $end = time + 5;
        while ($buf !~ /\r\n/) {
            return undef if time > $end || !$sel->can_read(5);
            my $n = sysread($s, my $chunk, 65536);
            return undef unless $n;
            $buf .= $chunk;
        }
        $buf =~ s/^(.*?)\r\n//s;
        return $1;
    };
    my $read_n = sub {
        my $n = shift;
        my $end = time + 5;
        while (length($buf) < $n + 2) {
            return undef if time > $end || !$sel->can_read(5);
            my $c = sysread($s, my $chunk, 65536);
            return undef unless $c;
            $buf .= $chunk;
        }
        my $v = substr($buf, 0, $n);
        $buf = substr($buf, $n + 2);
        return $v;
    };
    my $parse;
    $parse = sub {
        my $l = $read_line->() // return undef;
        my ($t, $rest) = (substr($l, 0, 1), substr($l, 1));
        return $rest if $t eq '+';
        return "ERR:$rest" if $t eq '-';
        return 0 + $rest if $t eq ':';
        if ($t eq '$') { return $rest < 0 ? undef : $read_n->($rest) }
        if ($t eq '*') { return $rest < 0 ? undef : [ map { $parse->() } 1 .. $rest ] }
        return undef;
    };
    my $auth = $parse->();
    my $v = $parse->();
    close $s;
    return $v;
}

# A random 32-byte key file (hex) at $path.
sub write_key {
    my ($path) = @_;
    open my $kf, '>', $path or die "$path: $!";
    print $kf join('', map { sprintf '%02x', int rand 256 } 1 .. 32), "\n";
    close $kf;
    chmod 0644, $path;
    return $path;
}

# A node's configuration: /api/ in front of the mock, refreshing at its
# token endpoint, and the status page; with cluster => [URL, KEYFILE],
# cluster-wide single flight.
sub node_conf {
    my (%o) = @_;
    my $c = $o{cluster} ? "TokenProxyCluster $o{cluster}[0]\nTokenProxyClusterKey $o{cluster}[1]\n"
                          . "TokenProxyClusterTimeout 500\n" : '';
    return $c . <<CONF;
<Location /tp-status>
    SetHandler tokenproxy-status
</Location>
ProxyPass /api/ http://127.0.0.1:$o{mock}/secure/api/
<Location /api/>
    TokenProxy On
    TokenProxyRefreshURL http://127.0.0.1:$o{mock}/idp/token
    TokenProxyRefreshTimeout 5
    TokenProxyCookieSecure Off
    ProxyErrorOverride On 401
</Location>
CONF
}

# An httpd node: start_node(dir, name, mpm, conf_text[, port[, module]]) -> node
sub start_node {
    my ($dir, $name, $mpm, $conf, $want_port, $module) = @_;
    $module //= "$top/.libs/mod_tokenproxy.so";
    my $root = "$dir/$name";
    mkdir $root;
    mkdir "$root/logs";
    chmod 0755, $root, "$root/logs";
    my $port = $want_port // free_port();
    my $moddir = `apxs -q LIBEXECDIR`; chomp $moddir;
    my $user = $> == 0 ? "User nobody\nGroup nogroup\n" : '';
    my $mpm_conf = $mpm eq 'prefork'
        ? "StartServers 40\nMinSpareServers 40\nMaxSpareServers 80\nServerLimit 80\nMaxRequestWorkers 80\n"
        : "StartServers 3\nServerLimit 4\nThreadsPerChild 25\nMaxRequestWorkers 100\n"
          . "MinSpareThreads 25\nMaxSpareThreads 100\n";
    open my $fh, '>', "$root/httpd.conf" or die;
    print $fh <<CONF;
ServerRoot "$root"
Listen 127.0.0.1:$port
ServerName 127.0.0.1:$port
PidFile "$root/logs/httpd.pid"
ErrorLog "$root/logs/error_log"
LogLevel info
DefaultRunTimeDir "$root/logs"
Mutex file:$root/logs default
DocumentRoot "$root"
$user
LoadModule mpm_${mpm}_module $moddir/mod_mpm_$mpm.so
LoadModule authz_core_module $moddir/mod_authz_core.so
LoadModule proxy_module $moddir/mod_proxy.so
LoadModule proxy_http_module $moddir/mod_proxy_http.so
LoadModule socache_shmcb_module $moddir/mod_socache_shmcb.so
LoadModule tokenproxy_module $module
$mpm_conf
KeepAlive On
Timeout 60
$conf
CONF
    close $fh;
    system('/usr/sbin/apache2', '-f', "$root/httpd.conf", '-k', 'start') == 0
        or die "httpd $name did not start: " . `tail -5 $root/logs/error_log 2>&1`;
    my $pid;
    wait_until(20, sub {
        if (open my $p, '<', "$root/logs/httpd.pid") { $pid = <$p>; chomp $pid if $pid }
        $pid && http_req($port, GET => '/tp-status')->{status} == 200
    }) or die "httpd $name does not answer\n";
    my $n = { name => $name, mpm => $mpm, port => $port, pid => $pid, root => $root };
    push @started, ['httpd', $pid, $n];
    return $n;
}

sub stop_node {
    my ($n) = @_;
    _kill_wait($n->{pid}, 'TERM', 20);
    @started = grep { $_->[1] != $n->{pid} } @started;
}

sub graceful_restart {
    my ($n) = @_;
    kill 'USR1', $n->{pid};
}

sub node_children {
    my ($n) = @_;
    my @kids = grep { /^\d+$/ } split /\s+/, `pgrep -P $n->{pid} 2>/dev/null`;
    return @kids;
}

# One HTTP/1.1 request; { status, head, body, cookies => {name => value} }.
# Bounded by $timeout (60 s).
sub http_req {
    my ($port, $method, $path, $headers, $body, $timeout) = @_;
    $timeout //= 60;
    my $t0 = time;
    my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
                                  Timeout => 10)
        or return { status => 0, elapsed => 0, cookies => {}, body => '' };
    $body //= '';
    my $req = "$method $path HTTP/1.1\r\nHost: 127.0.0.1:$port\r\nConnection: close\r\n"
            . join('', map { "$_\r\n" } @{ $headers || [] })
            . (length $body ? "Content-Length: " . length($body) . "\r\n" : '')
            . "\r\n$body";
    print $s $req;
    my ($raw, $sel) = ('', IO::Select->new($s));
    my $end = $t0 + $timeout;
    while (time < $end && $sel->can_read($end - time)) {
        my $n = sysread($s, my $buf, 65536);
        last unless $n;
        $raw .= $buf;
    }
    close $s;
    my ($head, $b) = split /\r\n\r\n/, $raw, 2;
    my ($status) = ($head // '') =~ m{^HTTP/1\.\d (\d{3})};
    my %c;
    for my $l (split /\r\n/, $head // '') {
        $c{$1} = $2 if $l =~ /^Set-Cookie: ([^=]+)=([^;]*)/i;
    }
    if (($head // '') =~ /^Transfer-Encoding: chunked/mi) {
        my $out = '';
        $b //= '';
        while ($b =~ s/^([0-9a-fA-F]+)\r\n//) {
            my $len = hex $1;
            last unless $len;
            $out .= substr($b, 0, $len);
            $b = substr($b, $len + 2);
        }
        $b = $out;
    }
    return { status => $status // 0, head => $head // '', body => $b // '',
             cookies => \%c, elapsed => time - $t0 };
}

my $json = JSON::PP->new;

sub node_status {
    my ($n) = @_;
    my $r = http_req($n->{port}, GET => '/tp-status', [], undef, 20);
    return eval { $json->decode($r->{body}) } || {};
}

sub stop_all {
    return unless $$ == $owner;
    for my $s (reverse @started) {
        _kill_wait($s->[1], 'TERM', 20);
    }
    @started = ();
}

END { stop_all() }

1;
