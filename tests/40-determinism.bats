#!/usr/bin/env bats
# Deterministic signatures: dkimpy's own code recomputes our b= and bh=
# byte-exactly, and RFC 8463 Appendix A's ed25519 example reproduces.

load helper

setup_file() {
	export W=$BATS_FILE_TMPDIR
	mkkeys "$W/k"
	$PY "$LIB/mkcorpus.py" "$W/corpus"
}

@test "dkimpy computes the same b= and bh= as ours (rsa and ed25519, relaxed and simple)" {
	for b in 01-plain 06-trailing-whitespace 12-folded-headers 13-duplicate-headers 17-multipart 19-crlf; do
		for c in relaxed/relaxed simple/simple relaxed/simple; do
			for k in r1:rsa e1:ed; do
				"$DKIMPIPE" sign -t $T0 -c $c -d example.com -s ${k%%:*} -k "$W/k/${k#*:}.pem" \
				    "$W/corpus/$b.eml" > "$W/d.eml"
				run $PY "$LIB/dkimpy-resign.py" "$W/d.eml" "$W/k/${k#*:}.pem"
				[ "$status" -eq 0 ] || { echo "$b $c $k: $output"; false; }
			done
		done
	done
}

@test "same key, message and t= give the same signature twice" {
	"$DKIMPIPE" sign -t $T0 -d example.com -s r1 -k "$W/k/rsa.pem" "$W/corpus/01-plain.eml" > "$W/a.eml"
	"$DKIMPIPE" sign -t $T0 -d example.com -s r1 -k "$W/k/rsa.pem" < "$W/corpus/01-plain.eml" > "$W/b.eml"
	cmp "$W/a.eml" "$W/b.eml"
}

# The RFC 8463 Appendix A example as shipped with python3-dkim: the
# message signed with the RFC's ed25519 key (A.2).
@test "RFC 8463 Appendix A: ed25519 b= and bh= reproduce byte-exactly" {
	D=/usr/lib/python3/dist-packages/dkim/tests/data
	[ -f "$D/rfc6376.signed.msg" ]
	run "$TOP/tests/unit/resign.bin" "$D/rfc6376.signed.msg" "ed25519:$(cat "$D/rfc8032_7_1.key")"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"bh=4bLNXImK9drULnmePzZNEBleUanJCX5PIsDIFoH4KTQ="* ]]
}

@test "the same key as PKCS#8 and as traditional PKCS#1 PEM gives the same signature" {
	openssl pkey -in "$W/k/rsa.pem" -traditional -out "$BATS_TEST_TMPDIR/trad.pem"
	chmod 600 "$BATS_TEST_TMPDIR/trad.pem"
	head -n 1 "$BATS_TEST_TMPDIR/trad.pem" | grep -q 'BEGIN RSA PRIVATE KEY'
	printf 'From: a@example.com\nSubject: s\n\nbody\n' > "$BATS_TEST_TMPDIR/m.eml"
	"$DKIMPIPE" sign -t $T0 -d example.com -s r1 -k "$W/k/rsa.pem" "$BATS_TEST_TMPDIR/m.eml" > "$BATS_TEST_TMPDIR/a"
	"$DKIMPIPE" sign -t $T0 -d example.com -s r1 -k "$BATS_TEST_TMPDIR/trad.pem" "$BATS_TEST_TMPDIR/m.eml" > "$BATS_TEST_TMPDIR/b"
	cmp "$BATS_TEST_TMPDIR/a" "$BATS_TEST_TMPDIR/b"
	$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$BATS_TEST_TMPDIR/b"
}
