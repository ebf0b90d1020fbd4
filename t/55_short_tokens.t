# Licensed under the Apache License, Version 2.0 (see LICENSE).
# Access tokens that live shorter than TokenProxyRefreshSkew (the default
# 30 s): the skew is at most half the token's lifetime (exp - iat), so a
# token is refreshed once it is past half its life, and one the module has
# just obtained is never refreshed again.  An 8-second and a 4-second
# token: requests right away refresh nothing, one past half the lifetime
# refreshes, the requests with its new cookies refresh nothing.  The
# margins are a second or more; nothing here measures speed.
use strict;
use warnings FATAL => 'all';
use Apache::Test;
use Apache::TestUtil;
use Time::HiRes ();
use lib 't/lib';
use TPTest;

plan tests => 20;

my %jar;    # the browser's cookies

# one request with the jar's cookies; the response's cookies go back in it
sub browse {
    my $path = shift;
    my $res = req(GET => $path,
                  [Cookie => join '; ', map { "$_=$jar{$_}" } sort keys %jar]);
    my $c = set_cookies($res);
    for my $name (keys %$c) {
        if (cookie_attr($c->{$name}, 'Max-Age') eq '0') {
            delete $jar{$name};
        }
        else {
            $jar{$name} = $c->{$name}[0];
        }
    }
    return $res;
}

# A series for a token living $ttl seconds: $n requests right away, one
# at $late seconds after the login (past half its life, before its exp),
# then $n with the new cookies.
sub series {
    my ($ttl, $n, $late) = @_;
    # begin just after a whole second: the token's iat is that second, so
    # "right away" has almost half the lifetime as its margin
    my $now = Time::HiRes::time();
    Time::HiRes::sleep(1.02 - ($now - int($now)));
    my $s = new_session(ttl => $ttl);
    my $t0 = Time::HiRes::time();   # the token was issued before this
    %jar = (accessToken => $s->{accessToken}, refreshToken => $s->{refreshToken});
    my (@early, @late, $mid, $first_at);
    my $ok = join ',', ('200') x $n;

    my ($total) = stats_delta(sub {
        # 1. right away: the token has more than half its life ahead
        my ($d) = stats_delta(sub { @early = map { browse("/bff/api/short/a$_")->code } 1 .. $n });
        ok t_cmp(join(',', @early), $ok, "a fresh $ttl s token: served");
        ok t_cmp($d->{refresh_calls} // 0, 0, 'and not refreshed (the skew is 30 s)');

        # 2. past half its life: refreshed once
        my $wait = $t0 + $late - Time::HiRes::time();
        Time::HiRes::sleep($wait) if $wait > 0;
        ($d, $mid) = stats_delta(sub { browse('/bff/api/short/b') });
        ok t_cmp($mid->code, 200, 'past half its life: served');
        ok t_cmp($d->{refresh_calls} // 0, 1, 'and refreshed, once');
        ok t_cmp($jar{accessToken} ne $s->{accessToken} ? 1 : 0, 1, 'a new access cookie');
        $first_at = $jar{accessToken};

        # 3. the token just obtained is not refreshed again
        ($d) = stats_delta(sub { @late = map { browse("/bff/api/short/c$_")->code } 1 .. $n });
        ok t_cmp(join(',', @late), $ok, 'the new token: served');
        ok t_cmp($d->{refresh_calls} // 0, 0, 'and not refreshed');
        ok t_cmp($jar{accessToken}, $first_at, 'no cookie rotated meanwhile');
    });
    ok t_cmp($total->{refresh_calls} // 0, 1,
             "one refresh call over the series of @{[2 * $n + 1]} requests");
    ok t_cmp($total->{reuse_detected} // 0, 0, 'no refresh token reused');
}

# 8 s: half its life is 4 s; 5.5 s after the login is past it
series(8, 5, 5.5);
# 4 s, as a test tenant issues them: due after 2 s, refreshed at 2.6 s;
# the new token is due 2 s after its own issue
series(4, 3, 2.6);
