#!/usr/bin/env bats
# The core signer against three independent verifiers from Debian:
# OpenDKIM, dkimpy and Mail::DKIM, on a corpus of tricky messages.

load helper

setup_file() {
	export W=$BATS_FILE_TMPDIR
	mkkeys "$W/k"
	$PY "$LIB/mkcorpus.py" "$W/corpus"
	mkdir -p "$W/s"
	for m in "$W"/corpus/*.eml; do
		b=$(basename "$m" .eml)
		for c in relaxed simple; do
			"$DKIMPIPE" sign -t $T0 -c $c/$c -d example.com -s r1 -k "$W/k/rsa.pem" "$m" > "$W/s/$b.rsa.$c.eml"
			"$DKIMPIPE" sign -t $T0 -c $c/$c -d example.com -s e1 -k "$W/k/ed.pem" "$m" > "$W/s/$b.ed.$c.eml"
		done
		"$DKIMPIPE" sign -t $T0 -c relaxed/simple -d example.com -s r1 -k "$W/k/rsa.pem" -s e1 -k "$W/k/ed.pem" "$m" > "$W/s/$b.dual.rs.eml"
		"$DKIMPIPE" sign -t $T0 -c simple/relaxed -d example.com -s r1 -k "$W/k/rsa.pem" "$m" > "$W/s/$b.rsa.sr.eml"
	done
}

@test "corpus has at least 25 messages and every one was signed" {
	n=$(ls "$W"/corpus/*.eml | wc -l)
	[ "$n" -ge 25 ]
	for f in "$W"/s/*.eml; do
		[ "$(signatures "$f" | wc -l)" -ge 1 ] || { echo "unsigned: $f"; false; }
	done
}

@test "dkimpy verifies every rsa-sha256 and ed25519-sha256 signature" {
	run $PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$W"/s/*.eml
	echo "$output" | grep -v ^PASS || true
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | grep -c ^PASS)" -eq "$(ls "$W"/s/*.eml | wc -l)" ]
}

@test "Mail::DKIM verifies every rsa-sha256 signature" {
	run perl "$LIB/verify-maildkim.pl" "$W/k/keys.txt" "$W"/s/*.rsa.*.eml
	echo "$output" | grep -v ^PASS || true
	[ "$status" -eq 0 ]
}

# OpenDKIM's test mode skips a message whose last line lacks a newline
# and mishandles NUL and bare CR in the body (see shared FACTS); and, like
# OpenDKIM behind a milter, it rebuilds each field as "name: value", so a
# field with no space after its colon ("Cc:") fails simple header
# canonicalization. Those cases are verified by dkimpy and Mail::DKIM.
@test "OpenDKIM verifies every signature (but its known test-mode limits)" {
	files=$(ls "$W"/s/*.eml | grep -v -e 04-no-final -e 32-crlf-no-final -e 10-nul \
	    -e '21-empty-header-value.*simple' -e 21-empty-header-value.rsa.sr)
	run "$LIB/verify-opendkim.sh" "$W/k/keys.txt" $files
	echo "$output" | grep -v ^PASS || true
	[ "$status" -eq 0 ]
}

# negative controls: a changed signed header or body byte fails everywhere
alter() {	# alter IN OUT WHAT
	case $3 in
	header) sed '0,/^Subject:/s/^Subject:/Subject: X/;0,/^SUBJECT:/s/^SUBJECT:/SUBJECT: X/' "$1" > "$2" ;;
	body) $PY -c 'import sys
d=open(sys.argv[1],"rb").read(); i=d.find(b"\n\n"); j=d.find(b"\r\n\r\n")
k=(i+2) if i>=0 and (j<0 or i<j) else j+4
d=d[:k]+bytes([d[k]^1 if k < len(d) else 65])+d[k+1:]
open(sys.argv[2],"wb").write(d)' "$1" "$2" ;;
	esac
	! cmp -s "$1" "$2" || false
}

@test "negative controls: an altered header or body byte fails all three verifiers" {
	mkdir -p "$W/bad"
	for b in 01-plain 12-folded-headers 14-header-case 17-multipart 19-crlf; do
		for v in rsa.relaxed rsa.simple ed.relaxed ed.simple; do
			alter "$W/s/$b.$v.eml" "$W/bad/$b.$v.hdr.eml" header
			alter "$W/s/$b.$v.eml" "$W/bad/$b.$v.body.eml" body
		done
	done
	run $PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$W"/bad/*.eml
	[ "$(echo "$output" | grep -c ^FAIL)" -eq 40 ]
	run perl "$LIB/verify-maildkim.pl" "$W/k/keys.txt" "$W"/bad/*.rsa.*.eml
	[ "$(echo "$output" | grep -c ^FAIL)" -eq 20 ]
	run "$LIB/verify-opendkim.sh" "$W/k/keys.txt" "$W"/bad/*.eml
	[ "$(echo "$output" | grep -c ^FAIL)" -eq 40 ]
}

@test "the message after the signature fields is byte-for-byte the input (stray CRs made the message's line ends, a line over 998 octets broken as Postfix would)" {
	for m in "$W"/corpus/*.eml; do
		b=$(basename "$m" .eml)
		s=$W/s/$b.dual.rs.eml
		n=$(head -c "$(stat -c %s "$s")" "$s" | wc -c)
		# RFC 6376 5.3: every line ending made the first line's (CR, CRLF or LF)
		e=$W/$b.expected
		$PY -c 'import re,sys
d=open(sys.argv[1],"rb").read(); m=re.search(rb"\r\n|\r|\n", d)
eol=b"\r\n" if m and m.group() == b"\r\n" else b"\n"
sys.stdout.buffer.write(re.sub(rb"\r\n|\r|\n", eol, d))' "$m" > "$e"
		case $b in 08-bare-cr|29-mixed-line-endings) ! cmp -s "$e" "$m" || false ;; esac
		# a line over 998 octets: in the form Postfix's smtp client sends it
		$PY "$LIB/postfix-wrap.py" 998 "$e" > "$e.w"
		case $b in
		09-long-line|22-long-header) ! cmp -s "$e" "$e.w" || false; mv "$e.w" "$e" ;;
		*) cmp "$e" "$e.w" ;;		# every other line is within the limit
		esac
		tail -c "$(stat -c %s "$e")" "$s" | cmp - "$e" || { echo "changed: $b"; false; }
		[ $(( n - $(stat -c %s "$m") )) -gt 0 ]
	done
}

@test "signature lines are at most 78 characters and use the input's line endings" {
	for f in "$W"/s/*.eml; do
		sed -n '/^\r\{0,1\}$/q;p' "$f" | awk '/^DKIM-Signature:/{s=1} s&&/^[^ \t]/&&!/^DKIM-Signature:/{s=0} s' |
		    tr -d '\r' | awk 'length > 78 {print FILENAME": "length; bad=1} END{exit bad}'
	done
	head -n 1 "$W/s/19-crlf.rsa.relaxed.eml" | grep -q $'\r$'
	! head -n 1 "$W/s/01-plain.rsa.relaxed.eml" | grep -q $'\r' || false
}

@test "h= oversigns From and lists repeated fields bottom-up" {
	h=$(tag "$W/s/13-duplicate-headers.rsa.relaxed.eml" h)
	[ "$(echo "$h" | tr ':' '\n' | grep -c '^from$')" -eq 2 ]
	[ "$(echo "$h" | tr ':' '\n' | grep -c '^cc$')" -eq 3 ]
	[ "$(echo "$h" | tr ':' '\n' | grep -c '^to$')" -eq 3 ]
	! echo "$h" | tr ':' '\n' | grep -q '^received$' || false
	# a From added later breaks the signature (oversigning)
	{ printf 'From: mallory@example.net\n'; cat "$W/s/01-plain.ed.relaxed.eml"; } > "$W/added-from.eml"
	run $PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$W/added-from.eml"
	[ "$status" -ne 0 ]
}

@test "t=, x= and i= are written as asked" {
	"$DKIMPIPE" sign -t $T0 -x 86400 -i alice@mail.example.com -d example.com -s e1 -k "$W/k/ed.pem" "$W/corpus/01-plain.eml" > "$W/x.eml"
	[ "$(tag "$W/x.eml" t)" = $T0 ]
	[ "$(tag "$W/x.eml" x)" = $((T0 + 86400)) ]
	[ "$(tag "$W/x.eml" i)" = alice@mail.example.com ]
	! tag "$W/x.eml" l | grep -q . || false
}
