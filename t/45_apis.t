# Licensed under the Apache License, Version 2.0 (see LICENSE).
# Tokens for several APIs (issue 20) against the mock's /idp/oauth2/apis:
# a client location, user-or-client, a token exchange kept per session,
# a refused exchange (403, cookies kept), a misconfigured one (502, an
# error line naming the directive), private_key_jwt assertions, and what
# tokenproxy-status counts.  The real-provider tests are t/oidc/apis.pl;
# this file puts these paths into every MPM's trace8 log for t/99_log.t.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use JSON::PP ();
use MIME::Base64 ();
use lib 't/lib';
use TPTest;

plan tests => 31;

my $json = JSON::PP->new;
sub bearer { my ($j) = @_; my $a = up_header($j, 'Authorization'); return $a =~ /^Bearer (.+)$/ ? $1 : $a }
sub mock_get {
    my ($path) = @_;
    my $ua = LWP::UserAgent->new(timeout => 10);
    return eval { $json->decode($ua->get("http://127.0.0.1:$ENV{TP_MOCK_PORT}$path")->content) };
}

# --- a client location: one grant, then the kept token
my ($d, $res, $j) = stats_delta(sub { echo(GET => '/apis/client/a', Accept => 'application/json') });
ok t_cmp($res->code, 200, 'client: 200');
my $cc = bearer($j);
ok t_cmp($cc, qr/^cc\.s3cr3t-\d+$/, '... the upstream got a client-credentials token');
ok t_cmp($d->{apis_client_credentials} // 0, 1, '... from 1 grant');
($d, $res, $j) = stats_delta(sub {
    echo(GET => '/apis/client/b', Accept => 'application/json',
         Cookie => 'apisAccess=' . tok('cc-user') . '; other=1')
});
ok t_cmp(bearer($j), $cc, 'client: the kept token again, whatever the cookies');
ok t_cmp($d->{apis_client_credentials} // 0, 0, '... no new grant');
ok t_cmp(up_header($j, 'Cookie'), 'other=1', "... the user's token cookie stripped");

# --- an upstream 401: a token just obtained is the upstream's answer; a
# kept one is replaced once and the request replayed
($d, $res) = stats_delta(sub { req(GET => '/apis/client401/a', [Accept => 'application/json']) });
ok t_cmp($res->code . ' ' . ($d->{apis_client_credentials} // 0), '401 1',
         'client, upstream 401 to a new token: 401 after 1 grant');
my $replays = tp_status()->{replays} // 0;
($d, $res) = stats_delta(sub { req(GET => '/apis/client401/b', [Accept => 'application/json']) });
ok t_cmp($res->code, 401, 'client, upstream 401 to the kept token: 401 in the end');
ok t_cmp($d->{apis_client_credentials} // 0, 1, '... after 1 new grant');
ok t_cmp((tp_status()->{replays} // 0) - $replays, 1, '... and 1 replay');

# --- user-or-client
my $s = new_session(user => 'xena');
($res, $j) = echo(GET => '/apis/mixed/a', Accept => 'application/json',
                  Cookie => "apisAccess=$s->{accessToken}");
ok t_cmp(bearer($j), $s->{accessToken}, "user-or-client with a session: the user's token");
($res, $j) = echo(GET => '/apis/mixed/a', Accept => 'application/json');
ok t_cmp(bearer($j), $cc, 'user-or-client without one: the client token');

# --- exchange: once per session token, kept
($d, $res, $j) = stats_delta(sub {
    echo(GET => '/apis/orders/a', Accept => 'application/json',
         Cookie => "apisAccess=$s->{accessToken}")
});
ok t_cmp($res->code, 200, 'exchange: 200');
my $x = bearer($j);
ok t_cmp($x, qr/^x\.s3cr3t-orders-xena-\d+$/, "... the upstream got xena's token for orders");
ok t_cmp($d->{apis_exchange} // 0, 1, '... from 1 exchange');
($d, $res, $j) = stats_delta(sub {
    echo(GET => '/apis/orders/b', Accept => 'application/json',
         Cookie => "apisAccess=$s->{accessToken}")
});
ok t_cmp(bearer($j) . ' ' . ($d->{apis_exchange} // 0), "$x 0", '... kept: the same token, no exchange');
my $s2 = new_session(user => 'yuri');
($d, $res, $j) = stats_delta(sub {
    echo(GET => '/apis/orders/a', Accept => 'application/json',
         Cookie => "apisAccess=$s2->{accessToken}")
});
ok t_cmp(bearer($j), qr/^x\.s3cr3t-orders-yuri-\d+$/, "another session gets its own, never xena's");
ok t_cmp($d->{apis_exchange} // 0, 1, '... from 1 exchange of its own');

# --- refused, misconfigured
($d, $res) = stats_delta(sub {
    req(GET => '/apis/refuse/a', [Accept => 'application/json',
        Cookie => "apisAccess=$s->{accessToken}"])
});
ok t_cmp($res->code, 403, 'a refused exchange: 403');
ok t_cmp($res->content, qq({"error":"exchange_refused"}\n), '... exchange_refused');
ok t_cmp(scalar(() = $res->headers->header('Set-Cookie')), 0, '... cookies kept');
($d, $res) = stats_delta(sub {
    req(GET => '/apis/unknown/a', [Accept => 'application/json',
        Cookie => "apisAccess=$s->{accessToken}"])
});
ok t_cmp($res->code, 502, 'invalid_target: 502');
ok t_cmp(scalar(() = $res->headers->header('Set-Cookie')), 0, '... cookies kept');
ok t_cmp(error_log_text(), qr/\[tokenproxy:error\].*token exchange as misconfigured \(invalid_target, HTTP 400\): fix TokenProxyExchange/,
         '... and an error line naming TokenProxyExchange');

# --- private_key_jwt
my $before = @{ mock_get('/__assertions') || [] };
($d, $res, $j) = stats_delta(sub {
    echo(GET => '/apis/key/a', Accept => 'application/json',
         Cookie => "keyAccess=$s2->{accessToken}")
});
ok t_cmp($res->code, 200, 'private_key_jwt: an exchange answers 200');
ok t_cmp($d->{apis_assertion} // 0, 1, '... with one client assertion');
my $a = (mock_get('/__assertions') || [])->[$before] // '';
my ($h, $c) = map { my $p = $_; $p =~ tr{-_}{+/}; eval { $json->decode(MIME::Base64::decode_base64($p)) } || {} }
              (split /\./, $a)[0, 1];
ok t_cmp(join(' ', map { $h->{$_} // '-' } qw(alg kid)), 'ES256 key-1', '... ES256 with the kid');
ok t_cmp(join(' ', map { $c->{$_} // '-' } qw(iss sub aud)),
         "bff-key bff-key http://127.0.0.1:$ENV{TP_MOCK_PORT}/idp/oauth2/apis",
         '... iss = sub = the client, aud = the endpoint');
ok t_cmp(($c->{exp} // 0) - ($c->{iat} // 0), 60, '... valid for 60 s');
ok t_cmp(index(error_log_text(), $a) < 0 && length $a > 50 ? 1 : 0, 1, '... and not in the error log');

# --- status
my $st = tp_status();
my $api = $st->{api} || {};
ok t_cmp(join(' ', map { ($api->{$_} // 0) > 0 ? 1 : 0 }
                   qw(api_grants_client api_grants_exchange api_tokens_kept api_token_hits
                      api_exchanges_refused api_grants_misconfigured tokens)),
         '1 1 1 1 1 1 1', 'tokenproxy-status counts grants, kept tokens, hits, refusals');
