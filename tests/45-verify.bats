#!/usr/bin/env bats
# dkimpipe verify agrees with dkimpy on the interop corpus, signed by us
# and by dkimpy, intact and altered.

load helper

setup_file() {
	export W=$BATS_FILE_TMPDIR
	mkkeys "$W/k"
	$PY "$LIB/mkcorpus.py" "$W/corpus"
	mkdir -p "$W/s"
	for m in "$W"/corpus/*.eml; do
		b=$(basename "$m" .eml)
		"$DKIMPIPE" sign -c relaxed/simple -d example.com -s r1 -k "$W/k/rsa.pem" -s e1 -k "$W/k/ed.pem" "$m" > "$W/s/$b.ours.eml"
		$PY "$LIB/dkimpy-sign.py" "$W/k/rsa.pem" r1 relaxed/relaxed "$m" "$W/s/$b.py-rsa.eml"
		$PY "$LIB/dkimpy-sign.py" "$W/k/ed.pem" e1 simple/simple "$m" "$W/s/$b.py-ed.eml"
	done
	for f in "$W"/s/0[1-9]*.eml; do
		sed '0,/^Subject:/s/^Subject:/Subject: X/' "$f" > "${f%.eml}.badhdr.eml"
		{ cat "$f"; printf 'appended line\n'; } > "${f%.eml}.badbody.eml"
	done
}

@test "dkimpipe verify and dkimpy give the same verdict on every message" {
	bad=0 n=0 pass=0
	for f in "$W"/s/*.eml; do
		# messages dkimpy itself could not sign (e.g. no From) are skipped
		grep -qi '^dkim-signature' "$f" || continue
		"$DKIMPIPE" verify -K "$W/k/keys.txt" "$f" > "$W/ours" && ours=pass || ours=fail
		$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$f" > /dev/null && theirs=pass || theirs=fail
		n=$((n + 1))
		[ $ours = pass ] && pass=$((pass + 1))
		[ $ours = $theirs ] || { echo "$f: ours=$ours dkimpy=$theirs: $(cat "$W/ours")"; bad=1; }
	done
	echo "$n messages, $pass pass"
	[ $bad -eq 0 ]
	[ $n -gt 120 ]
	[ $pass -gt 80 ]
	[ $pass -lt $n ]
}

# OpenDKIM's test-mode limits (see 10-sign-interop.bats) are left out.
@test "dkimpipe verify and OpenDKIM give the same verdict" {
	bad=0 n=0
	for f in "$W"/s/*.eml; do
		case $f in *04-no-final*|*32-crlf-no-final*|*08-bare-cr*|*10-nul*|*21-empty-header*) continue ;; esac
		grep -qi '^dkim-signature' "$f" || continue
		"$DKIMPIPE" verify -K "$W/k/keys.txt" "$f" > /dev/null && ours=pass || ours=fail
		"$LIB/verify-opendkim.sh" "$W/k/keys.txt" "$f" > "$W/od" && theirs=pass || theirs=fail
		n=$((n + 1))
		[ $ours = $theirs ] || { echo "$f: ours=$ours opendkim=$theirs: $(cat "$W/od")"; bad=1; }
	done
	echo "$n messages"
	[ $bad -eq 0 ]
	[ $n -gt 100 ]
}

@test "verify output is one Authentication-Results style line per signature" {
	run "$DKIMPIPE" verify -K "$W/k/keys.txt" "$W/s/01-plain.ours.eml"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 2 ]
	[[ "${lines[0]}" == "dkim=pass header.d=example.com header.s=r1 header.a=rsa-sha256 header.b="* ]]
	[[ "${lines[1]}" == "dkim=pass header.d=example.com header.s=e1 header.a=ed25519-sha256 header.b="* ]]
	run "$DKIMPIPE" verify -K "$W/k/keys.txt" "$W/s/01-plain.ours.badbody.eml"
	[ "$status" -eq 1 ]
	[[ "${lines[0]}" == "dkim=fail (body hash mismatch) header.d=example.com"* ]]
	run "$DKIMPIPE" verify -K "$W/k/keys.txt" "$W/s/01-plain.ours.badhdr.eml"
	[[ "${lines[0]}" == "dkim=fail (signature did not verify)"* ]]
	run "$DKIMPIPE" verify -K /dev/null "$W/s/01-plain.ours.eml"
	[[ "${lines[0]}" == "dkim=permerror (no key for signature)"* ]]
	run "$DKIMPIPE" verify -K "$W/k/keys.txt" "$W/corpus/01-plain.eml"
	[ "$output" = "dkim=none (no signature)" ]
	[ "$status" -eq 1 ]
}

@test "an expired signature (x=) fails" {
	"$DKIMPIPE" sign -t 1000000000 -x 60 -d example.com -s e1 -k "$W/k/ed.pem" "$W/corpus/01-plain.eml" > "$W/x.eml"
	run "$DKIMPIPE" verify -K "$W/k/keys.txt" "$W/x.eml"
	[[ "$output" == "dkim=fail (signature expired)"* ]]
	run "$DKIMPIPE" verify -t 1000000030 -K "$W/k/keys.txt" "$W/x.eml"
	[ "$status" -eq 0 ]
}

@test "an empty DKIM-Signature field is a permerror, not a crash (also with a valid signature beside it)" {
	printf 'From: a@example.com\nDKIM-Signature:\nSubject: x\n\nbody\n' > "$W/empty-sig.eml"
	run "$DKIMPIPE" verify -K "$W/k/keys.txt" "$W/empty-sig.eml"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == "dkim=permerror (missing or bad v= tag)"* ]]
	"$DKIMPIPE" sign -d example.com -s e1 -k "$W/k/ed.pem" "$W/empty-sig.eml" > "$W/empty-sig2.eml"
	run "$DKIMPIPE" verify -K "$W/k/keys.txt" "$W/empty-sig2.eml"
	echo "$output"
	[ "$(echo "$output" | grep -c '^dkim=pass header.d=example.com')" -eq 1 ]
	[ "$(echo "$output" | grep -c '^dkim=permerror')" -eq 1 ]
	[ "$status" -lt 128 ]
}
