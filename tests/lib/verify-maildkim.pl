#!/usr/bin/perl
# verify-maildkim.pl KEYS FILE... - verify every DKIM-Signature of each
# message with Mail::DKIM (libmail-dkim-perl). KEYS as for
# verify-dkimpy.py; DNS lookups are answered from it. Line endings are
# made CRLF first and a missing final line end is added,
# as SMTP transport does. Prints "PASS file" or "FAIL file:
# detail"; exits 0 only if every message passes.
use strict;
use warnings;
use Mail::DKIM::Verifier;
use Net::DNS;

my ($keys, @files) = @ARGV;
my %recs;
open(my $k, '<', $keys) or die "$keys: $!\n";
while (<$k>) {
    next unless /^(\S+)\s+(.*?)\s*$/;
    $recs{lc $1} = $2;
}
close $k;

{
    no warnings 'redefine';
    *Mail::DKIM::DNS::query = sub {
        my ($name, $type) = @_;
        my $v = $recs{lc $name};
        return () unless defined $v && $type eq 'TXT';
        my @chunks = unpack('(A255)*', $v);
        return (Net::DNS::RR->new(name => $name, type => 'TXT',
            txtdata => \@chunks));
    };
}

sub check {
    my ($file) = @_;
    open(my $fh, '<:raw', $file) or die "$file: $!\n";
    my $msg = do { local $/; <$fh> };
    close $fh;
    $msg =~ s/\r?\n/\r\n/g;
    $msg .= "\r\n" unless $msg =~ /\r\n\z/;
    my $dkim = Mail::DKIM::Verifier->new();
    $dkim->PRINT($msg);
    $dkim->CLOSE;
    my @sigs = $dkim->signatures;
    return "no signature" unless @sigs;
    my $i = 0;
    foreach my $s (@sigs) {
        return "signature $i: " . $s->result_detail
            unless $s->result eq 'pass';
        $i++;
    }
    return undef;
}

my $bad = 0;
foreach my $f (@files) {
    my $err = check($f);
    if (defined $err) {
        print "FAIL $f: $err\n";
        $bad++;
    } else {
        print "PASS $f\n";
    }
}
exit($bad ? 1 : 0);
