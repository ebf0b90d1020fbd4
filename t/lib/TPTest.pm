# Licensed under the Apache License, Version 2.0 (see LICENSE).
#
# Helpers shared by the mod_tokenproxy tests.  Every secret value a test
# sends contains "s3cr3t", so t/99_log.t can prove none reached a log.
package TPTest;
use strict;
use warnings FATAL => 'all';
use Exporter 'import';
use IO::Socket::INET ();
use POSIX ();
use Time::HiRes ();
use IO::Select ();
use JSON::PP ();
use LWP::UserAgent ();
use Apache::Test ();
use Apache::TestRequest ();

our @EXPORT = qw(echo up_headers up_header raw_request mock_stats
                 client_view_line error_log_text tok
                 req json_of new_session stats_delta set_cookies
                 cookie_attr parallel quick_get tp_status storm capture_login
                 new_sessions own_httpd own_httpd_stop own_status);

my $json = JSON::PP->new->latin1;

# A token68 secret that is easy to find in a log.
sub tok { my $tag = shift; return "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1In0.s3cr3t-$tag" }

# Send a request through the test server; returns (response, upstream
# echo as a hash or undef).
sub echo {
    my ($method, $path, @headers) = @_;
    no strict 'refs';
    my $res = &{"Apache::TestRequest::$method"}($path, @headers);
    my $j = eval { $json->decode($res->content) };
    return ($res, $j);
}

# All values of a header the upstream received (case-insensitive name).
sub up_headers {
    my ($j, $name) = @_;
    return () unless $j;
    return map { $_->[1] } grep { lc $_->[0] eq lc $name } @{ $j->{headers} };
}

# The one value of a header the upstream received, '<none>' or '<many>'.
sub up_header {
    my @v = up_headers(@_);
    return @v == 1 ? $v[0] : @v ? '<many>' : '<none>';
}

# Raw bytes to the test server; returns (status, body-as-hash-or-undef,
# raw response).  Bounded: 30 s at most.
# Send bytes to the test server and read until it closes, at most
# $seconds in all; undef when it cannot be reached.
sub exchange {
    my ($bytes, $seconds) = @_;
    my $cfg = Apache::Test::config();
    my $deadline = Time::HiRes::time() + $seconds;
    my $sock = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                     PeerPort => $cfg->{vars}{port},
                                     Timeout => 10)
        or return undef;
    print $sock $bytes;
    my ($raw, $sel) = ('', IO::Select->new($sock));
    while (Time::HiRes::time() < $deadline && $sel->can_read(30)) {
        my $n = sysread($sock, my $buf, 65536);
        last unless $n;
        $raw .= $buf;
    }
    close $sock;
    return $raw;
}

sub raw_request {
    my ($bytes) = @_;
    my $raw = exchange($bytes, 30);
    die "connect: $!" unless defined $raw;
    my ($status) = $raw =~ m{^HTTP/1\.\d (\d{3})};
    my (undef, $body) = split /\r\n\r\n/, $raw, 2;
    my $j = eval { $json->decode($body // '') };
    return ($status // 0, $j, $raw);
}

# A request through the test server that follows no redirect:
# req(METHOD, PATH, [headers...], content) -> HTTP::Response
my $ua;
sub req {
    my ($method, $path, $headers, $content) = @_;
    $ua ||= LWP::UserAgent->new(timeout => 60, max_redirect => 0,
                                keep_alive => 0);
    my $cfg = Apache::Test::config();
    my $url = "http://127.0.0.1:$cfg->{vars}{port}$path";
    my $r = HTTP::Request->new($method, $url, $headers || [],
                               defined $content ? $content : ());
    return $ua->request($r);
}

sub json_of {
    my $res = shift;
    return eval { $json->decode($res->content) };
}

# A login through the module's TokenProxyCaptureTokens location
# $prefix/auth/login as $user, with extra JSON number fields for the mock
# (ttl, pad...): the HTTP::Response, its Set-Cookie headers the cookies.
sub capture_login {
    my ($prefix, $user, %extra) = @_;
    my $body = join ',', qq{"username":"$user"}, '"password":"x"',
                         map { qq{"$_":$extra{$_}} } sort keys %extra;
    return req(POST => "$prefix/auth/login", ['Content-Type' => 'application/json'],
               "{$body}");
}

# A new login at the mock identity provider:
# {accessToken, refreshToken, expiresIn, user}
sub new_session {
    my %q = (ttl => 300, @_);
    my $q = join '&', map { "$_=$q{$_}" } sort keys %q;
    my $ua2 = LWP::UserAgent->new(timeout => 10);
    my $res = $ua2->get("http://127.0.0.1:$ENV{TP_MOCK_PORT}/__session?$q");
    return $json->decode($res->content);
}

# Runs $code; returns how the mock's counters moved: { name => delta }.
sub stats_delta {
    my $code = shift;
    my $before = mock_stats();
    my @ret = $code->();
    my $after = mock_stats();
    my %d;
    for my $k (keys %$after) {
        my $n = $after->{$k} - ($before->{$k} // 0);
        $d{$k} = $n if $n;
    }
    return (\%d, @ret);
}

# The Set-Cookie headers of a response, as { name => [value, attributes] }.
sub set_cookies {
    my $res = shift;
    my %c;
    for my $h ($res->headers->header('Set-Cookie')) {
        my ($pair, $attrs) = split /;\s*/, $h, 2;
        my ($name, $value) = split /=/, $pair, 2;
        $c{$name} = [$value, $attrs // ''];
    }
    return \%c;
}

# The value of attribute NAME of a cookie from set_cookies (1 for a flag,
# undef when absent).
sub cookie_attr {
    my ($cookie, $name) = @_;
    for my $a (split /;\s*/, $cookie->[1]) {
        my ($k, $v) = split /=/, $a, 2;
        return defined $v ? $v : 1 if lc $k eq lc $name;
    }
    return undef;
}

# Runs the code refs in @jobs in forked processes, at most $conc at once,
# and returns what each returned (a string), in order; a job still running
# after $timeout seconds is killed and gives 'timeout'.
sub parallel {
    my ($conc, $timeout, @jobs) = @_;
    my (@results, %running);
    my $next = 0;
    my $deadline = Time::HiRes::time() + $timeout;
    while (($next < @jobs || %running) && Time::HiRes::time() < $deadline) {
        while ($next < @jobs && keys %running < $conc) {
            pipe(my $r, my $w) or die "pipe: $!";
            my $pid = fork();
            die "fork: $!" unless defined $pid;
            if (!$pid) {
                close $r;
                my $out = eval { $jobs[$next]->() };
                $out = "error: $@" unless defined $out;
                print $w $out;
                close $w;
                POSIX::_exit(0);
            }
            close $w;
            $running{$pid} = [$next++, $r];
        }
        my $pid = waitpid(-1, POSIX::WNOHANG());
        if ($pid > 0 && $running{$pid}) {
            my ($i, $r) = @{ delete $running{$pid} };
            local $/;
            $results[$i] = <$r> // '';
            close $r;
        }
        else {
            Time::HiRes::sleep(0.005);
        }
    }
    for my $pid (keys %running) {
        kill 'KILL', $pid;
        waitpid($pid, 0);
        $results[ $running{$pid}[0] ] = 'timeout';
    }
    return @results;
}

# A small, fast GET for storms: returns "status elapsed access refresh"
# (cookie values from Set-Cookie, '-' when not set).  Bounded: 60 s.
sub quick_get {
    my ($path, $cookie, @extra) = @_;
    my $t0 = Time::HiRes::time();
    my $raw = exchange("GET $path HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                       . ($cookie ? "Cookie: $cookie\r\n" : '')
                       . join('', map { "$_\r\n" } @extra) . "\r\n", 60);
    return "0 0 - -" unless defined $raw;
    my ($status) = $raw =~ m{^HTTP/1\.\d (\d{3})};
    my ($at) = $raw =~ /^Set-Cookie: accessToken=([^;]*)/mi;
    my ($rt) = $raw =~ /^Set-Cookie: refreshToken=([^;]*)/mi;
    return join ' ', $status // 0,
        sprintf('%.3f', Time::HiRes::time() - $t0),
        (defined $at && length $at ? $at : '-'),
        (defined $rt && length $rt ? $rt : '-');
}

# $n new logins at once (as new_session): a list of hashes.
sub new_sessions {
    my ($n, %q) = @_;
    %q = (ttl => 300, %q, n => $n);
    my $q = join '&', map { "$_=$q{$_}" } sort keys %q;
    my $ua2 = LWP::UserAgent->new(timeout => 60);
    my $res = $ua2->get("http://127.0.0.1:$ENV{TP_MOCK_PORT}/__sessions?$q");
    die "__sessions: " . $res->status_line unless $res->is_success;
    return @{ $json->decode($res->content) };
}

# One GET on a keep-alive connection (*$sock, opened or reopened as
# needed) to 127.0.0.1:$port; returns "status elapsed access refresh
# set-cookies" like quick_get, plus the number of Set-Cookie headers.
sub _ka_get {
    my ($sock, $port, $path, $cookie, $deadline) = @_;
    my $req = "GET $path HTTP/1.1\r\nHost: 127.0.0.1\r\n"
              . ($cookie ? "Cookie: $cookie\r\n" : '') . "\r\n";
    my $t0 = Time::HiRes::time();
    for my $try (1, 2) {
        $$sock ||= IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                         PeerPort => $port, Timeout => 10)
            or return "0 0 - - 0";
        my $fresh = $try == 2;
        my $raw = '';
        if (!defined syswrite($$sock, $req)) {
            $$sock = undef;
            next;
        }
        my $sel = IO::Select->new($$sock);
        my ($head, $body, $len, $chunked, $close);
        while (1) {
            my $left = $deadline - Time::HiRes::time();
            last if $left <= 0 || !$sel->can_read($left > 60 ? 60 : $left);
            my $n = sysread($$sock, my $buf, 65536);
            if (!$n) { $close = 1; last }
            $raw .= $buf;
            if (!defined $head && $raw =~ /\r\n\r\n/) {
                ($head, $body) = split /\r\n\r\n/, $raw, 2;
                ($len) = $head =~ /^Content-Length:\s*(\d+)/mi;
                $chunked = $head =~ /^Transfer-Encoding:\s*chunked/mi;
                $len = 0 if !defined $len && !$chunked && $head =~ m{^HTTP/1\.\d (1\d\d|204|304)};
            }
            if (defined $head) {
                $body = (split /\r\n\r\n/, $raw, 2)[1];
                last if defined $len && length($body) >= $len;
                last if $chunked && $body =~ /(?:^|\r\n)0\r\n\r\n\z/;
            }
        }
        if (!defined $head) {
            $$sock = undef;
            next if $raw eq '' && $close && !$fresh;   # an idle close: again
            return "0 0 - - 0";
        }
        $$sock = undef if $close || $head =~ /^Connection:\s*close/mi
                          || (!defined $len && !$chunked);
        my ($status) = $head =~ m{^HTTP/1\.\d (\d{3})};
        my ($at) = $head =~ /^Set-Cookie: accessToken=([^;]*)/mi;
        my ($rt) = $head =~ /^Set-Cookie: refreshToken=([^;]*)/mi;
        my $sc = () = $head =~ /^Set-Cookie:/mgi;
        return join ' ', $status // 0,
            sprintf('%.3f', Time::HiRes::time() - $t0),
            (defined $at && length $at ? $at : '-'),
            (defined $rt && length $rt ? $rt : '-'), $sc;
    }
    return "0 0 - - 0";
}

# Many GETs through the test server (or the server at $opt{port}) with
# $conc worker processes, each on one keep-alive connection: @reqs are
# [path, cookie] pairs; returns one _ka_get line per request, in order
# ('timeout' for those not done within $timeout seconds).
sub storm {
    my ($conc, $timeout, $reqs, %opt) = @_;
    my $port = $opt{port} || Apache::Test::config()->{vars}{port};
    my $deadline = Time::HiRes::time() + $timeout;
    my (@results, %pipes);
    my $sel = IO::Select->new;
    for my $w (0 .. $conc - 1) {
        pipe(my $r, my $wr) or die "pipe: $!";
        my $pid = fork();
        die "fork: $!" unless defined $pid;
        if (!$pid) {
            close $r;
            my $sock;
            for (my $i = $w; $i < @$reqs; $i += $conc) {
                my $line = _ka_get(\$sock, $port, @{ $reqs->[$i] }, $deadline);
                syswrite $wr, "$i $line\n";
            }
            close $wr;
            POSIX::_exit(0);
        }
        close $wr;
        $pipes{fileno $r} = [$pid, $r, ''];
        $sel->add($r);
    }
    while ($sel->count && Time::HiRes::time() < $deadline) {
        for my $fh ($sel->can_read(1)) {
            my $p = $pipes{fileno $fh};
            my $n = sysread($fh, my $buf, 65536);
            if (!$n) {
                $sel->remove($fh);
                close $fh;
                waitpid($p->[0], 0);
                $p->[0] = 0;
                next;
            }
            $p->[2] .= $buf;
            while ($p->[2] =~ s/^(\d+) ([^\n]*)\n//) {
                $results[$1] = $2;
            }
        }
    }
    for my $p (values %pipes) {
        next unless $p->[0];
        kill 'KILL', $p->[0];
        waitpid($p->[0], 0);
    }
    return map { $results[$_] // 'timeout' } 0 .. $#$reqs;
}

# every own httpd still running when the test ends (a failure that dies
# midway) is stopped by its PID too; not by the test's forked workers
my @own_running;
my $own_owner = $$;
END { own_httpd_stop($_) for $$ == $own_owner ? @own_running : () }

# An httpd of a test's own, under the suite's MPM and httpd binary, on a
# free port, with the mock provider at ${TP_MOCK_PORT}: own_httpd($dir,
# $body) writes $dir/httpd.conf, starts it and waits (30 s at most) until
# it answers; returns { port, dir, log } or dies with its error log.
# @PORT@ in $body is its port; /local/* answers 200 (a static file), an
# upstream that costs the mock nothing.
sub own_httpd {
    my ($dir, $body) = @_;
    my $vars = Apache::Test::config()->{vars};
    my ($mpm, $mpm_so);
    if (open my $bf, '<', $vars->{httpd_conf} // '') {
        while (<$bf>) {
            ($mpm, $mpm_so) = ($1, $2) if /^\s*LoadModule\s+mpm_(\w+)_module\s+(\S+)/;
        }
    }
    $mpm ||= 'event';
    $mpm_so ||= "/usr/lib/apache2/modules/mod_mpm_$mpm.so";
    my $probe = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1',
                                      LocalPort => 0) or die "port: $!";
    my $port = $probe->sockport;
    close $probe;
    my $so = "$vars->{top_dir}/.libs/mod_tokenproxy.so";
    $body =~ s/\@PORT\@/$port/g;
    my $mods = '/usr/lib/apache2/modules';
    open my $fh, '>', "$dir/httpd.conf" or die "$dir/httpd.conf: $!";
    print $fh <<"CONF";
ServerRoot "$dir"
ServerName 127.0.0.1
Listen 127.0.0.1:$port
ErrorLog "$dir/error_log"
PidFile "$dir/httpd.pid"
DefaultRunTimeDir "$dir"
Mutex file:$dir default
LoadModule mpm_${mpm}_module $mpm_so
LoadModule authz_core_module $mods/mod_authz_core.so
LoadModule alias_module $mods/mod_alias.so
LoadModule proxy_module $mods/mod_proxy.so
LoadModule proxy_http_module $mods/mod_proxy_http.so
LoadModule socache_shmcb_module $mods/mod_socache_shmcb.so
LoadModule tokenproxy_module "$so"
KeepAlive On
MaxKeepAliveRequests 0
<IfModule mpm_prefork_module>
    StartServers 8
    MinSpareServers 8
    MaxSpareServers 16
    ServerLimit 64
    MaxRequestWorkers 64
</IfModule>
<IfModule !mpm_prefork_module>
    StartServers 3
    ServerLimit 4
    ThreadsPerChild 25
    MinSpareThreads 25
    MaxSpareThreads 100
    MaxRequestWorkers 100
</IfModule>
<Location /tp-status>
    SetHandler tokenproxy-status
</Location>
# a local upstream, cheaper than the mock: /local/... is a static file
AliasMatch ^/local/ "$dir/local.txt"
$body
CONF
    close $fh;
    open $fh, '>', "$dir/local.txt" or die "$dir/local.txt: $!";
    print $fh "ok\n";
    close $fh;
    my $out = `"$vars->{httpd}" -f "$dir/httpd.conf" -k start 2>&1`;
    my $up;
    for (1 .. 300) {                                   # at most 30 s
        my $s = IO::Socket::INET->new(PeerAddr => '127.0.0.1',
                                      PeerPort => $port, Timeout => 1);
        if ($s) { close $s; $up = 1; last }
        Time::HiRes::sleep(0.1);
    }
    my $h = { port => $port, dir => $dir, log => "$dir/error_log" };
    push @own_running, $h;
    die "own httpd did not start: $out " . _slurp("$dir/error_log") unless $up;
    return $h;
}

# Stop it and wait for its parent to be gone (30 s at most).
sub own_httpd_stop {
    my $h = shift;
    @own_running = grep { $_ != $h } @own_running;
    my $pid = _slurp("$h->{dir}/httpd.pid");
    chomp $pid;
    return unless $pid;
    kill 'TERM', $pid;
    for (1 .. 300) {
        last unless kill 0, $pid;
        Time::HiRes::sleep(0.1);
    }
    kill 'KILL', $pid if kill 0, $pid;
}

# Its tokenproxy-status (JSON).
sub own_status {
    my $h = shift;
    my $ua2 = LWP::UserAgent->new(timeout => 60);
    my $res = $ua2->get("http://127.0.0.1:$h->{port}/tp-status");
    return eval { $json->decode($res->content) } || {};
}

# The tokenproxy-status counters (JSON).
sub tp_status {
    my $res = req(GET => '/tp-status');
    return json_of($res) || {};
}

sub mock_stats {
    my $ua = LWP::UserAgent->new(timeout => 10);
    my $res = $ua->get("http://127.0.0.1:$ENV{TP_MOCK_PORT}/__stats");
    return $json->decode($res->content);
}

sub _slurp {
    my $file = shift;
    open my $fh, '<', $file or return '';
    local $/;
    return scalar <$fh>;
}

# The client_view_log line of a unique URL path.
sub client_view_line {
    my $path = shift;
    my $file = Apache::Test::vars('t_logs') . '/client_view_log';
    for (1 .. 50) {                          # logs are written after the
        my ($line) = grep { index($_, "$path|") == 0 }   # response
                     split /\n/, _slurp($file);
        return $line if defined $line;
        select undef, undef, undef, 0.1;
    }
    return '';
}

sub error_log_text {
    return _slurp(Apache::Test::vars('t_logs') . '/error_log');
}

1;
