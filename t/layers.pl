#!/usr/bin/perl
# The layer rule of src/ and include/, checked (run by t/run-tests.sh):
#
#   1. the core (src/core, include/core) includes no httpd header
#      (httpd.h, http_*.h, util_*.h, ap_*.h, mod_*.h; APR and APR-util are
#      fine) and never names request_rec, conn_rec or server_rec;
#   2. every project header is included by its folder ("core/tp_x.h"), and
#      a folder includes only its own and the folders below it:
#          handle > request > oidc > shared > conf > core
#      (mod_tokenproxy.c, the module record, may include any);
#   3. no include cycle between files (a .c and its header are one file);
#   4. no file, .c and its header together, over 600 lines;
#   5. every header under include/ mirrors a source under src/ (or is a
#      header of types only, which says so with "Types only" in its first
#      comment), and every source has its header.
#
# Prints TAP: one "ok"/"not ok" line per rule, the offences as comments.
use strict;
use warnings;
use File::Basename qw(dirname);
use Cwd qw(abs_path);

my $top = abs_path(dirname(__FILE__) . '/..');
chdir $top or die "cannot enter $top: $!";

my @order = qw(core conf shared oidc request handle);
my %rank;
@rank{@order} = (0 .. $#order);
my $max_lines = 600;

sub slurp {
    my ($f) = @_;
    open my $fh, '<', $f or die "cannot read $f: $!";
    local $/;
    my $t = <$fh>;
    return $t;
}

my @files = (glob('src/*/*.c'), glob('include/*/*.h'));
my %text = map { $_ => slurp($_) } @files;
my $n = 0;

sub report {
    my ($what, @bad) = @_;
    $n++;
    print @bad ? "not ok $n - $what\n" : "ok $n - $what\n";
    print "#   $_\n" for @bad;
}

# folders that are not layers
my @stray = grep { my ($d) = m{^(?:src|include)/([^/]+)/}; !exists $rank{$d} } @files;
push @stray, glob('src/*.[ch]'), glob('include/*.h');
report('every source and header is in a layer folder ('
       . join(', ', @order) . ')', @stray);

# 1. the core knows nothing of httpd
my @core_bad;
for my $f (grep { m{^(?:src|include)/core/} } @files) {
    my $t = $text{$f};
    while ($t =~ /^\s*#\s*include\s*[<"]([^>"]+)[>"]/mg) {
        my $h = $1;
        push @core_bad, "$f includes $h"
            if $h =~ m{^(?:httpd\.h|http_[^/]*\.h|util_[^/]*\.h|ap_[^/]*\.h|mod_[^/]*\.h)$};
    }
    while ($t =~ /\b(request_rec|conn_rec|server_rec)\b/g) {
        push @core_bad, "$f names $1";
    }
}
report('the core includes no httpd header and names no request_rec, '
       . 'conn_rec or server_rec', @core_bad);

# 2. includes by folder, downward only
my (@unprefixed, @upward, %deps);
for my $f (@files, 'mod_tokenproxy.c') {
    my $t = $f eq 'mod_tokenproxy.c' ? slurp($f) : $text{$f};
    my ($dir, $base) = $f =~ m{^(?:src|include)/([^/]+)/(tp_[a-z0-9_]+)\.[ch]$};
    my $unit = defined $dir ? "$dir/$base" : 'mod_tokenproxy';
    while ($t =~ /^\s*#\s*include\s*"([^"]+)"/mg) {
        my $h = $1;
        if ($h !~ m{^([a-z]+)/(tp_[a-z0-9_]+)\.h$} || !exists $rank{$1}) {
            push @unprefixed, "$f includes \"$h\" (not \"FOLDER/tp_x.h\")";
            next;
        }
        my ($hd, $hb) = ($1, $2);
        push @upward, "$f ($dir) includes $h ($hd, a layer above)"
            if defined $dir && $rank{$hd} > $rank{$dir};
        push @{ $deps{$unit} }, "$hd/$hb" unless "$hd/$hb" eq $unit;
    }
}
report('every project header is included as "FOLDER/tp_x.h"', @unprefixed);
report('each folder includes only its own and the ones below it', @upward);

# 3. no cycle between files
my (%state, @cycles, @stack);
sub visit {
    my ($u) = @_;
    $state{$u} = 1;
    push @stack, $u;
    for my $d (@{ $deps{$u} || [] }) {
        if (($state{$d} // 0) == 1) {
            my @i = grep { $stack[$_] eq $d } 0 .. $#stack;
            push @cycles, join(' -> ', @stack[$i[0] .. $#stack], $d);
        }
        elsif (!$state{$d}) {
            visit($d);
        }
    }
    pop @stack;
    $state{$u} = 2;
}
visit($_) for sort keys %deps;
report('no include cycle between files', @cycles);

# 4. size
my (%lines, @big);
for my $f (@files) {
    my ($dir, $base) = $f =~ m{^(?:src|include)/([^/]+)/(tp_[a-z0-9_]+)\.[ch]$} or next;
    $lines{"$dir/$base"} += () = $text{$f} =~ /\n/g;
}
for my $u (sort keys %lines) {
    push @big, "$u: $lines{$u} lines" if $lines{$u} > $max_lines;
}
report("no file, .c and header together, over $max_lines lines", @big);

# 5. include/ mirrors src/
my @mirror;
for my $f (grep { /\.c$/ } @files) {
    (my $h = $f) =~ s{^src/(.*)\.c$}{include/$1.h};
    push @mirror, "$f has no $h" unless exists $text{$h};
}
for my $f (grep { /\.h$/ } @files) {
    (my $c = $f) =~ s{^include/(.*)\.h$}{src/$1.c};
    next if exists $text{$c};
    my ($first) = $text{$f} =~ m{/\*(.*?)\*/}s;
    ($first) = $text{$f} =~ m{/\*.*?\*/.*?/\*(.*?)\*/}s
        if $first && $first =~ /Licensed under/;
    push @mirror, "$f has no $c and does not say \"Types only\""
        unless $first && $first =~ /Types only/;
}
report('include/ mirrors src/', @mirror);

print "1..$n\n";
