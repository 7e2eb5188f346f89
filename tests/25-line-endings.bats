#!/usr/bin/env bats
# RFC 6376 section 5.3: a bare CR (a bare LF in a CRLF message, a CRLF in
# an LF message) is made the message's line ending before signing, and the message sent on carries the
# same conversion, so an MTA that "repairs" line endings on the way
# cannot break the signature.

load helper

setup_file() {
	export W=$BATS_FILE_TMPDIR
	mkkeys "$W/k"
}

# mta IN OUT - what a line-ending-repairing MTA makes of IN
mta() { $PY -c 'import re,sys; d=open(sys.argv[1],"rb").read()
open(sys.argv[2],"wb").write(re.sub(rb"\r(?!\n)", b"\r\n", re.sub(rb"(?<!\r)\n", b"\r\n", d)))' "$1" "$2"; }

no_bare_cr() { ! $PY -c 'import re,sys; sys.exit(0 if re.search(rb"\r(?!\n)", open(sys.argv[1],"rb").read()) else 1)' "$1"; }

sign() { "$DKIMPIPE" sign -d example.com -s e1 -k "$W/k/ed.pem" -s r1 -k "$W/k/rsa.pem" "$@"; }

@test "bare CRs in a CRLF body: no bare CR is sent, and the signature survives an MTA's repair" {
	printf 'From: a@example.com\r\nSubject: x\r\n\r\nbody\rmore\r\nbare LF\nlast\r' > "$W/crlf.eml"
	sign "$W/crlf.eml" > "$W/crlf.out"
	no_bare_cr "$W/crlf.out"
	# every line of the CRLF message ends in CRLF now
	! tr -d '\r' < "$W/crlf.out" | cmp -s - "$W/crlf.out" || false
	[ "$(grep -c $'\r$' "$W/crlf.out")" -eq "$(wc -l < "$W/crlf.out")" ]
	mta "$W/crlf.out" "$W/crlf.mta"
	cmp "$W/crlf.out" "$W/crlf.mta"
	$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$W/crlf.out"
	"$LIB/verify-opendkim.sh" "$W/k/keys.txt" "$W/crlf.out"
}

@test "bare CRs in an LF message (as Postfix hands it over) become LF" {
	printf 'From: a@example.com\nSubject: x\n\nbody\rmore\r\rend\n\r' > "$W/lf.eml"
	sign "$W/lf.eml" > "$W/lf.out"
	no_bare_cr "$W/lf.out"
	tail -n 5 "$W/lf.out" | cmp - <(printf 'body\nmore\n\nend\n\n')
	$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$W/lf.out"
	# the same message with the CRs already repaired gets the same body hash
	tr '\r' '\n' < "$W/lf.eml" > "$W/lf2.eml"
	sign "$W/lf2.eml" > "$W/lf2.out"
	[ "$(tag "$W/lf.out" bh)" = "$(tag "$W/lf2.out" bh)" ]
}

# postfix_sendmail IN OUT - what Postfix's sendmail(1) and SMTP client
# make of IN (sendmail_fix_line_endings = strict): the first line decides;
# in an LF message every later CR stays content, and each line goes out
# with CRLF
postfix_sendmail() { $PY -c 'import sys; d=open(sys.argv[1],"rb").read()
crlf = d.split(b"\n", 1)[0].endswith(b"\r")
lines = d.split(b"\n")
lines = lines[:-1] if lines[-1] == b"" else lines
open(sys.argv[2],"wb").write(b"".join((l[:-1] if crlf and l.endswith(b"\r") else l) + b"\r\n" for l in lines))' "$1" "$2"; }

@test "CRLFs in an LF message (scripts that mix them) become LF: the signature survives Postfix's sendmail, which keeps those CRs" {
	printf 'From: a@example.com\nTo: b@example.org\r\nSubject: x\n\nline one\r\nline two\n\r\nend\r\n' > "$W/mix.eml"
	sign "$W/mix.eml" > "$W/mix.out"
	! grep -q $'\r' "$W/mix.out" || false
	tail -n 4 "$W/mix.out" | cmp - <(printf 'line one\nline two\n\nend\n')
	$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$W/mix.out"
	postfix_sendmail "$W/mix.out" "$W/mix.wire"
	$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$W/mix.wire"
	"$LIB/verify-opendkim.sh" "$W/k/keys.txt" "$W/mix.wire"
	# the same message with consistent LFs gets the same signature inputs
	tr -d '\r' < "$W/mix.eml" > "$W/mix2.eml"
	sign "$W/mix2.eml" > "$W/mix2.out"
	[ "$(tag "$W/mix.out" bh)" = "$(tag "$W/mix2.out" bh)" ]
}

@test "the same conversion whatever the chunking: a pipe fed in pieces that split CR from LF" {
	$PY -c 'import sys; sys.stdout.buffer.write(b"From: a@example.com\r\n\r\n" + b"x\r" * 70000 + b"\r\n")' > "$W/big.eml"
	sign -t $T0 "$W/big.eml" > "$W/big.file"
	$PY -c 'import sys,time
d=open(sys.argv[1],"rb").read()
for i in range(0, len(d), 65536):
    sys.stdout.buffer.write(d[i:i+65536]); sys.stdout.flush()' "$W/big.eml" | sign -t $T0 > "$W/big.pipe"
	cmp "$W/big.file" "$W/big.pipe"
	no_bare_cr "$W/big.file"
	$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$W/big.file"
}

@test "a bare CR in the header block makes a line that is not a field: refused, exit 65" {
	printf 'From: a@example.com\nSubject: x\ry\n\nbody\n' > "$W/h.eml"
	run sign "$W/h.eml"
	[ "$status" -eq 65 ]
	[[ "$output" == *"is not a header field"* ]]
}

@test "deliver sends the converted message to sendmail" {
	export FAKE_DIR=$BATS_TEST_TMPDIR/fake
	mkdir -p "$FAKE_DIR"
	cat > "$BATS_TEST_TMPDIR/c.conf" <<-EOF
	domain = example.com
	selector = e1
	keyfile = $W/k/ed.pem
	sendmail_path = $LIB/fake-sendmail
	log_to = stderr
	EOF
	printf 'From: a@example.com\nSubject: x\n\nbody\rmore\n' |
	    "$DKIMPIPE" deliver -c "$BATS_TEST_TMPDIR/c.conf" -f a@example.com -- b@example.org
	no_bare_cr "$FAKE_DIR/msg.1"
	tail -n 2 "$FAKE_DIR/msg.1" | cmp - <(printf 'body\nmore\n')
	$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$FAKE_DIR/msg.1"
}
