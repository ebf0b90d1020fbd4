# Licensed under the Apache License, Version 2.0 (see LICENSE).
# The API token directives (issue 20): good values pass, bad ones stop
# httpd at startup with a message naming the directive.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use File::Temp qw(tempdir);

plan tests => 43;

my $vars = Apache::Test::config()->{vars};
my $httpd = $vars->{httpd};
my $so = "$vars->{top_dir}/.libs/mod_tokenproxy.so";
my $dir = tempdir(CLEANUP => 1);

# client keys of each kind, and ones the module refuses
system("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out $dir/es.pem 2>/dev/null") == 0 or die;
system("openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out $dir/rs.pem 2>/dev/null") == 0 or die;
system("openssl genpkey -algorithm RSA-PSS -pkeyopt rsa_keygen_bits:2048 -out $dir/ps.pem 2>/dev/null") == 0 or die;
system("openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-384 -out $dir/p384.pem 2>/dev/null") == 0 or die;
system("openssl genpkey -algorithm ED25519 -out $dir/ed.pem 2>/dev/null") == 0 or die;
open my $g, '>', "$dir/garbage.pem" or die;
print $g "not a key\n";
close $g;

sub write_conf {
    my ($name, $port, $body) = @_;
    my $conf = "$dir/$name.conf";
    open my $fh, '>', $conf or die "$conf: $!";
    print $fh <<"CONF";
ServerRoot "$dir"
ServerName 127.0.0.1
Listen 127.0.0.1:$port
ErrorLog "$dir/${name}_error_log"
PidFile "$dir/$name.pid"
DefaultRunTimeDir "$dir"
LoadModule mpm_prefork_module /usr/lib/apache2/modules/mod_mpm_prefork.so
LoadModule tokenproxy_module "$so"
$body
CONF
    close $fh;
    return $conf;
}

sub syntax_check {
    my $conf = write_conf('httpd', 9, shift);
    my $out = `"$httpd" -t -f "$conf" 2>&1`;
    return ($? >> 8, $out);
}

# (exit status, log) of starting httpd for real; bounded: 30 s
sub start_refused {
    my ($name, $body) = @_;
    require IO::Socket::INET;
    my $probe = IO::Socket::INET->new(Listen => 1, LocalAddr => '127.0.0.1', LocalPort => 0);
    my $port = $probe->sockport;
    close $probe;
    my $conf = write_conf($name, $port, $body);
    my $o = `timeout 30 "$httpd" -f "$conf" -DFOREGROUND 2>&1`;
    my $status = $? >> 8;
    open my $lf, '<', "$dir/${name}_error_log";
    my $log = join '', <$lf>;
    unlink "$dir/$name.pid";
    return ($status, $log . $o);
}

my ($rc, $out) = syntax_check(<<"C");
TokenProxyAPITokenCache shmcb
<Location /catalog/>
    TokenProxy On
    TokenProxyRefreshURL https://idp.example/token
    TokenProxyRefreshFormat oauth2
    TokenProxyClient app
    TokenProxyClientKey $dir/es.pem key-1
    TokenProxyTokenType client
    TokenProxyClientScope catalog:read
    TokenProxyClientScope other
    TokenProxyClientResource https://catalog.example/
</Location>
<Location /orders/>
    TokenProxy On
    TokenProxyTokenType user-or-client
    TokenProxyExchange audience orders-api
    TokenProxyExchangeFormat rfc8693
    TokenProxyClientKey $dir/rs.pem
</Location>
<Location /hr/>
    TokenProxyExchange scope api://hr/.default
    TokenProxyExchangeFormat entra-obo
    TokenProxyClientKey $dir/ps.pem
    TokenProxyClientAssertionAudience endpoint
</Location>
<Location /public/>
    TokenProxyTokenType user-or-none
</Location>
C
ok t_cmp($rc, 0, 'a configuration with every API token directive passes');
ok t_cmp($out, qr/Syntax OK/);

for my $case (
    ['TokenProxyTokenType anonymous', qr/TokenProxyTokenType: 'anonymous' is none of user, client, user-or-client, user-or-none/],
    ['TokenProxyClientScope "a b"', qr/TokenProxyClientScope: 'a b' is not a scope/],
    ['TokenProxyClientResource /relative', qr/TokenProxyClientResource: '\/relative' is not an absolute URI/],
    ['TokenProxyClientResource https://api.example/#x', qr/TokenProxyClientResource: 'https:\/\/api.example\/#x' is not an absolute URI without a fragment/],
    ['TokenProxyExchange orders-api', qr/TokenProxyExchange: needs audience NAME, resource URI or scope SCOPE/],
    ['TokenProxyExchange audience a b', qr/TokenProxyExchange: 'audience': the first word is audience \(one NAME\)/],
    ['TokenProxyExchange target x', qr/TokenProxyExchange: 'target': the first word is audience/],
    ['TokenProxyExchange resource orders', qr/TokenProxyExchange: resource 'orders' is not an absolute URI/],
    ['TokenProxyExchangeFormat obo', qr/TokenProxyExchangeFormat: 'obo' is neither rfc8693 nor entra-obo/],
    ['TokenProxyClientAssertionAudience token', qr/TokenProxyClientAssertionAudience: 'token' is neither endpoint nor issuer/],
    ["TokenProxyClientKey $dir/nosuch.pem", qr/TokenProxyClientKey: cannot read the key file/],
    ["TokenProxyClientKey $dir/garbage.pem", qr/TokenProxyClientKey: the key file '\S+garbage.pem' cannot be used: no unencrypted PEM private key/],
    ["TokenProxyClientKey $dir/p384.pem", qr/TokenProxyClientKey: the key file '\S+p384.pem' cannot be used: the key is neither RSA/],
    ["TokenProxyClientKey $dir/ed.pem", qr/TokenProxyClientKey: the key file '\S+ed.pem' cannot be used: the key is neither RSA/],
) {
    ($rc, $out) = syntax_check("<Location />\n $case->[0]\n</Location>");
    ok t_cmp($rc, 1, "refused: $case->[0]");
    ok t_cmp($out, $case->[1], 'with a message naming the directive');
}
($rc, $out) = syntax_check("<Location />\n TokenProxyAPITokenCache shmcb\n</Location>");
ok t_cmp($rc, 1, 'TokenProxyAPITokenCache belongs to the main server config');

for my $case (
    ['noendpoint', "<Location /c/>\n TokenProxy On\n TokenProxyTokenType client\n TokenProxyClient app s\n</Location>\n",
     qr/<Location \/c\/>: TokenProxyTokenType client needs a token endpoint: TokenProxyRefreshURL with TokenProxyRefreshFormat oauth2, or TokenProxyOIDCProvider/],
    ['jsonendpoint', "<Location /x/>\n TokenProxy On\n TokenProxyRefreshURL https://idp.example/refresh\n TokenProxyClient app s\n TokenProxyExchange audience a\n</Location>\n",
     qr/<Location \/x\/>: TokenProxyExchange needs a token endpoint/],
    ['noclient', "<Location /c/>\n TokenProxy On\n TokenProxyTokenType user-or-client\n TokenProxyRefreshURL https://idp.example/token\n TokenProxyRefreshFormat oauth2\n</Location>\n",
     qr/<Location \/c\/>: TokenProxyTokenType user-or-client needs TokenProxyClient/],
    ['obo', "<Location /x/>\n TokenProxyExchange audience a\n TokenProxyExchangeFormat entra-obo\n</Location>\n",
     qr/<Location \/x\/>: TokenProxyExchangeFormat entra-obo needs TokenProxyExchange scope SCOPE/],
    ['keysecret', "<Location /x/>\n TokenProxyClient app secret\n TokenProxyClientKey $dir/es.pem\n</Location>\n",
     qr/<Location \/x\/>: TokenProxyClientKey and a TokenProxyClient secret: choose one/],
    ['keyissuer', "<Location /x/>\n TokenProxyClient app\n TokenProxyClientKey $dir/es.pem\n TokenProxyClientAssertionAudience issuer\n</Location>\n",
     qr/<Location \/x\/>: TokenProxyClientAssertionAudience issuer needs TokenProxyOIDCProvider/],
) {
    my ($status, $log) = start_refused($case->[0], $case->[1]);
    ok t_cmp($status != 0 && $status != 124, 1, "httpd does not start: $case->[0]");
    ok t_cmp($log, $case->[2], 'with a clear message');
}
