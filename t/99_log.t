# Licensed under the Apache License, Version 2.0 (see LICENSE).
# Runs last: after every other test has sent its tokens through a server
# logging at trace8, no token or cookie value is in the error log.  Every
# secret the suite sends contains "s3cr3t".
#
# httpd's own "http" module logs every request and response header at
# trace4 and above, cookies included; mod_tokenproxy cannot prevent that,
# so the test configuration keeps that module (and mod_headers, which
# traces the test's own header expressions) at debug: see README.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use lib 't/lib';
use TPTest;

plan tests => 6;

my $log = error_log_text();

ok t_cmp(length($log) > 10000, 1, 'the error log has content');
ok t_cmp(scalar(() = $log =~ /\[tokenproxy:trace1\]/g) > 10, 1,
         'mod_tokenproxy logged at trace level');
ok t_cmp(scalar(() = $log =~ /fp=[0-9a-f]{12}/g) > 10, 1,
         'tokens are named by fingerprint');
my @leaks = grep { /s3cr3t/i } split /\n/, $log;
ok t_cmp(scalar(@leaks), 0, 'no token or cookie value in the error log')
    or print map { '# leak: ' . substr($_, 0, 160) . "\n" } @leaks[0 .. ($#leaks < 4 ? $#leaks : 4)];

# no sealed cookie value either: the session cookie (issue 19), the ID
# cookie and sealed token cookies are "tp1." and base64url, and a log line
# names them by fingerprint only
my @sealed = grep { /tp1\.[A-Za-z0-9_-]{30,}/ } split /\n/, $log;
ok t_cmp(scalar(@sealed), 0, 'no sealed cookie value (session, ID, token) in the error log')
    or print map { '# sealed: ' . substr($_, 0, 160) . "\n" } @sealed[0 .. ($#sealed < 4 ? $#sealed : 4)];

# the cookie keys never reach the log either
my @keys;
for my $f (glob 't/conf/keys/*') {
    open my $fh, '<', $f or next;
    chomp(my $k = <$fh>);
    push @keys, $k if $k;
}
my @key_leaks = grep { my $k = $_; index($log, $k) >= 0 } @keys;
ok t_cmp(scalar(@keys) >= 3 && !@key_leaks ? 1 : 0, 1, 'no cookie key in the error log');
