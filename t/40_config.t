# Licensed under the Apache License, Version 2.0 (see LICENSE).
# A bad configuration stops httpd at startup with a clear message.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use File::Temp qw(tempdir);

plan tests => 10;

my $vars = Apache::Test::config()->{vars};
my $httpd = $vars->{httpd};
my $so = "$vars->{top_dir}/.libs/mod_tokenproxy.so";
my $dir = tempdir(CLEANUP => 1);

# (exit status, output) of "httpd -t" on a configuration with $body
sub syntax_check {
    my $body = shift;
    my $conf = "$dir/httpd.conf";
    open my $fh, '>', $conf or die "$conf: $!";
    print $fh <<"CONF";
ServerRoot "$dir"
ServerName 127.0.0.1
Listen 127.0.0.1:9
ErrorLog "$dir/error_log"
PidFile "$dir/httpd.pid"
DefaultRunTimeDir "$dir"
LoadModule mpm_prefork_module /usr/lib/apache2/modules/mod_mpm_prefork.so
LoadModule tokenproxy_module "$so"
$body
CONF
    close $fh;
    my $out = `"$httpd" -t -f "$conf" 2>&1`;
    return ($? >> 8, $out);
}

my ($rc, $out) = syntax_check(<<'C');
<Location /api/>
    TokenProxy On
    TokenProxyAccessCookie __Host-at
    TokenProxyRefreshCookie rt
</Location>
C
ok t_cmp($rc, 0, 'a good configuration passes');
ok t_cmp($out, qr/Syntax OK/);

($rc, $out) = syntax_check(qq{<Location />\n TokenProxyAccessCookie "a b"\n</Location>});
ok t_cmp($rc, 1, 'a cookie name with a space fails');
ok t_cmp($out, qr/TokenProxyAccessCookie: 'a b' is not a valid cookie name/);

($rc, $out) = syntax_check(qq{<Location />\n TokenProxyRefreshCookie a;b\n</Location>});
ok t_cmp($rc, 1, 'a cookie name with a semicolon fails');
ok t_cmp($out, qr/TokenProxyRefreshCookie: 'a;b' is not a valid cookie name/);

($rc, $out) = syntax_check(qq{<Location />\n TokenProxyAccessCookie t\n TokenProxyRefreshCookie t\n</Location>});
ok t_cmp($rc, 1, 'the same name for both cookies fails');
ok t_cmp($out, qr/TokenProxyRefreshCookie: the access and the refresh cookie cannot both be called 't'/);

($rc, $out) = syntax_check(qq{<Location />\n TokenProxy Maybe\n</Location>});
ok t_cmp($rc, 1, 'TokenProxy takes On or Off only');
ok t_cmp($out, qr/TokenProxy must be On or Off/);
