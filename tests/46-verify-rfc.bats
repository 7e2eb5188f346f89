#!/usr/bin/env bats
# verify applies RFC 6376's rules on tag lists and key records (sections
# 3.2, 3.5, 3.6.1, 6.1): signatures our signer made valid are refused
# when their i= or the key record breaks a rule (dkimpy or, for t=s,
# Mail::DKIM agrees), and
# altered tag lists get the permerror the RFC asks for, not a mere fail.

load helper

setup_file() {
	export W=$BATS_FILE_TMPDIR
	mkkeys "$W/k"
	printf 'From: Alice <alice@example.com>\nTo: bob@example.org\nSubject: rfc\n\nbody line\n' > "$W/m.eml"
	"$DKIMPIPE" sign -d example.com -s e1 -k "$W/k/ed.pem" "$W/m.eml" > "$W/good.eml"
}

verdict() { "$DKIMPIPE" verify -K "${2:-$W/k/keys.txt}" "$1" 2>&1 || true; }
dkimpy() { $PY "$LIB/verify-dkimpy.py" "${2:-$W/k/keys.txt}" "$1" > /dev/null 2>&1; }
# edit FILE SED - the message with its signature field changed
edit() { sed "1,/^$/{$2}" "$1"; }

@test "the unaltered signature passes (control)" {
	[[ "$(verdict "$W/good.eml")" == "dkim=pass "* ]]
	dkimpy "$W/good.eml"
}

@test "i= outside d= is a permerror, also when it only ends like d=; our signer refuses to make one" {
	for i in @evil.example @badexample.com alice@example.com.evil.example '@example.com@evil.example'; do
		run "$DKIMPIPE" sign -d example.com -s e1 -k "$W/k/ed.pem" -i "$i" "$W/m.eml"
		[ "$status" -eq 64 ]
		edit "$W/good.eml" "s/ s=e1;/ s=e1; i=$i;/" > "$W/i.eml"
		v=$(verdict "$W/i.eml"); echo "$i: $v"
		[[ "$v" == "dkim=permerror (i= is not in d= or a subdomain of it)"* ]]
	done
	"$DKIMPIPE" sign -d example.com -s e1 -k "$W/k/ed.pem" -i alice@mail.example.com "$W/m.eml" > "$W/sub.eml"
	[[ "$(verdict "$W/sub.eml")" == "dkim=pass "* ]]
	dkimpy "$W/sub.eml"
}

@test "a key record with t=s refuses an i= in a subdomain of d= (Mail::DKIM agrees; dkimpy does not implement t=s)" {
	sed 's/k=rsa;/k=rsa; t=s;/' "$W/k/keys.txt" > "$W/ts.txt"
	"$DKIMPIPE" sign -d example.com -s r1 -k "$W/k/rsa.pem" -i alice@mail.example.com "$W/m.eml" > "$W/sub.eml"
	[[ "$(verdict "$W/sub.eml" "$W/ts.txt")" == "dkim=permerror (key has t=s but i= is a subdomain of d=)"* ]]
	run perl "$LIB/verify-maildkim.pl" "$W/ts.txt" "$W/sub.eml"
	echo "$output"
	[ "$status" -ne 0 ]
	[[ "$output" == *"does not support signing subdomains"* ]]
	# controls: the same signature without t=s, and i= in d= itself with t=s
	perl "$LIB/verify-maildkim.pl" "$W/k/keys.txt" "$W/sub.eml"
	"$DKIMPIPE" sign -d example.com -s r1 -k "$W/k/rsa.pem" -i alice@example.com "$W/m.eml" > "$W/same.eml"
	[[ "$(verdict "$W/same.eml" "$W/ts.txt")" == "dkim=pass "* ]]
	perl "$LIB/verify-maildkim.pl" "$W/ts.txt" "$W/same.eml"
}

@test "key record s= is a list: email or * passes, emailx does not; v= must come first" {
	sed 's/k=ed25519;/k=ed25519; s=other:email;/' "$W/k/keys.txt" > "$W/s1.txt"
	[[ "$(verdict "$W/good.eml" "$W/s1.txt")" == "dkim=pass "* ]]
	sed 's/k=ed25519;/k=ed25519; s=emailx;/' "$W/k/keys.txt" > "$W/s2.txt"
	[[ "$(verdict "$W/good.eml" "$W/s2.txt")" == "dkim=permerror (key not for email)"* ]]
	! dkimpy "$W/good.eml" "$W/s2.txt" || false
	sed 's/ v=DKIM1; k=ed25519;/ k=ed25519; v=DKIM1;/' "$W/k/keys.txt" > "$W/v.txt"
	grep -q 'e1._domainkey.example.com k=ed25519; v=DKIM1;' "$W/v.txt"
	[[ "$(verdict "$W/good.eml" "$W/v.txt")" == "dkim=permerror (malformed key record: record has v= but not as its first tag)"* ]]
}

@test "altered tag lists: the permerror RFC 6376 asks for" {
	check() {	# check SED REASON
		edit "$W/good.eml" "$1" > "$W/t.eml"
		v=$(verdict "$W/t.eml"); echo "$1 -> $v"
		[[ "$v" == "dkim=permerror ($2)"* ]]
	}
	check 's/ d=example.com;/ d=example.com; d=evil.example;/' 'tag d= appears twice'
	check 's/ s=e1;/ s=e1; q=http;/' 'q= names no known query method'
	check 's/ d=example.com;/ d=legitimate.com(.attacker.com;/' 'd= is not a domain name'
	check 's/\([[:space:]]\)t=\([0-9]*\);/\1t=1e9;/' 't= or x= is not a number'
	check 's/\([[:space:]]\)t=\([0-9]*\);/\1t=\2; x=\2;/' 'x= is not later than t='
	check 's/\([[:space:]]\)bh=/\1bh=9/' 'b= or bh= is not base64'
	check 's/ s=e1;/ s=e1; l=99999;/' 'l= is larger than the body'
	# the d= the line shows cannot be read as a comment
	edit "$W/good.eml" 's/ d=example.com;/ d=legitimate.com(.attacker.com;/' > "$W/t.eml"
	verdict "$W/t.eml" | grep -q 'header.d=legitimate.com?.attacker.com '
}

@test "the key is fetched before the body hash is compared (RFC 6376 6.1.2)" {
	{ cat "$W/good.eml"; echo 'appended'; } > "$W/body.eml"
	[[ "$(verdict "$W/body.eml")" == "dkim=fail (body hash mismatch)"* ]]
	: > "$W/none.txt"
	[[ "$(verdict "$W/body.eml" "$W/none.txt")" == "dkim=permerror (no key for signature)"* ]]
}

@test "an rsa key record whose p= is a PKCS#1 RSAPublicKey (RFC 6376 3.6.1's wording) verifies too (dkimpy agrees)" {
	"$DKIMPIPE" sign -d example.com -s r1 -k "$W/k/rsa.pem" "$W/m.eml" > "$W/rsa.eml"
	printf 'r1._domainkey.example.com v=DKIM1; k=rsa; p=%s\n' \
	    "$(openssl rsa -in "$W/k/rsa.pem" -RSAPublicKey_out -outform DER 2>/dev/null | base64 -w0)" > "$W/pkcs1.txt"
	[[ "$(verdict "$W/rsa.eml" "$W/pkcs1.txt")" == "dkim=pass "* ]]
	dkimpy "$W/rsa.eml" "$W/pkcs1.txt"
	[[ "$(verdict "$W/rsa.eml")" == "dkim=pass "* ]]
}

# raw TAGS - the test message with a valid ed25519 signature carrying
# exactly TAGS (tests/lib/rawsign.py, our own raw tag-list signer)
raw() { $PY "$LIB/rawsign.py" "$W/k/ed.pem" "v=1; a=ed25519-sha256; c=relaxed/relaxed; s=e1; h=from:to:subject; $1; bh=; b=" "$W/m.eml"; }

@test "valid signatures carrying exactly the tags under test get the RFC's verdict; dkimpy agrees where noted" {
	while IFS='|' read -r tags want agree; do
		raw "$tags" > "$W/r.eml"
		v=$(verdict "$W/r.eml"); echo "$tags -> $v"
		[[ "$v" == "dkim=$want"* ]]
		case $agree in
		pass) dkimpy "$W/r.eml" ;;
		fail) ! dkimpy "$W/r.eml" ;;
		esac
	done <<-'EOF2'
	d=example.com|pass header.d=example.com |pass
	d=example.com; i=alice@mail.example.com|pass |pass
	d=example.com; l=5|pass |pass
	d=example.com; foo=bar|pass |pass
	d=example.com; i=@evil.example|permerror (i= is not in d= or a subdomain of it)|fail
	d=example.com; i=@badexample.com|permerror (i= is not in d= or a subdomain of it)|fail
	d=example.com; i=@example.com@evil.example|permerror (i= is not in d= or a subdomain of it)|fail
	d=example.com; q=http|permerror (q= names no known query method)|fail
	d=example.com; d=evil.example|permerror (tag d= appears twice)|fail
	d=example.com; h=from|permerror (tag h= appears twice)|fail
	d=example.com; t=1e9|permerror (t= or x= is not a number)|fail
	d=example.com; x=+1995400000|permerror (t= or x= is not a number)|fail
	d=example.com; t=1795400000; x=1795400000|permerror (x= is not later than t=)|fail
	d=legitimate.com(.attacker.com|permerror (d= is not a domain name) header.d=legitimate.com?.attacker.com |fail
	d=example.com; l=99999|permerror (l= is larger than the body)|
	EOF2
}

@test "more than 16 signatures: the rest get a neutral line each, and the exit status is not success" {
	cp "$W/m.eml" "$W/many.eml"
	for i in $(seq 18); do
		"$DKIMPIPE" sign -d example.com -s e1 -k "$W/k/ed.pem" "$W/many.eml" > "$W/many2.eml"
		mv "$W/many2.eml" "$W/many.eml"
	done
	run "$DKIMPIPE" verify -K "$W/k/keys.txt" "$W/many.eml"
	echo "$output"
	[ "$status" -eq 1 ]
	[ "$(echo "$output" | grep -c '^dkim=pass ')" -eq 16 ]
	[ "$(echo "$output" | grep -c '^dkim=neutral (not checked: only the first 16 signatures are)$')" -eq 2 ]
	# sixteen are fine
	awk 'BEGIN{n=0} /^DKIM-Signature:/{n++; if(n<=2){skip=1; next}} skip && /^[ \t]/{next} {skip=0; print}' "$W/many.eml" > "$W/sixteen.eml"
	[ "$(signatures "$W/sixteen.eml" | wc -l)" -eq 16 ]
	"$DKIMPIPE" verify -K "$W/k/keys.txt" "$W/sixteen.eml"
}

@test "a message that is not a message still gets one verdict line: permerror, exit 65" {
	for input in '' 'From: a\0b@example.com\n\nx\n'; do
		run "$DKIMPIPE" verify -K "$W/k/keys.txt" < <(printf "$input")
		echo "$output"
		[ "$status" -eq 65 ]
		[[ "${lines[0]}" == "dkim=permerror ("*")" ]]
	done
	$PY -c 'import sys; sys.stdout.write("From: a@example.com\nX: " + "a" * 1100000 + "\n\nx\n")' > "$W/bighdr.eml"
	run "$DKIMPIPE" verify -K "$W/k/keys.txt" "$W/bighdr.eml"
	[ "$status" -eq 65 ]
	[ "${lines[0]}" = "dkim=permerror (header block larger than 1048576 bytes)" ]
}

@test "no printed value can read as a comment or another result: s=, a= and b= are defanged" {
	$PY "$LIB/rawsign.py" "$W/k/ed.pem" "v=1; a=ed25519-sha256; c=relaxed/relaxed; d=example.com; s=e1(x) dkim=pass; h=from:to:subject; bh=; b=" "$W/m.eml" > "$W/s.eml"
	v=$(verdict "$W/s.eml"); echo "$v"
	[[ "$v" == "dkim=permerror (s= is not a selector) header.d=example.com header.s=e1?x?dkim?pass "* ]]
	! dkimpy "$W/s.eml" || false
	edit "$W/good.eml" 's/a=ed25519-sha256;/a=ed25519-sha256(x);/' > "$W/a.eml"
	v=$(verdict "$W/a.eml"); echo "$v"
	[[ "$v" == *" header.a=ed25519-sha256?x? "* ]]
	[[ "$v" != *"("*"("* ]]
	edit "$W/good.eml" 's/\([[:space:]]\)b=\(...\)/\1b=(\2/' > "$W/b.eml"
	v=$(verdict "$W/b.eml"); echo "$v"
	[[ "$v" == "dkim=permerror (b= or bh= is not base64) "*" header.b=?"* ]]
}
