#!/usr/bin/env bats
# Property test: messages with random white space, CR, LF and 8-bit
# bytes, many crossing the 64 KB read-chunk boundary, signed relaxed and
# simple; dkimpy (independent canonicalization) must accept every one, as
# a receiver gets it: a last line without line end arrives with CRLF (SMTP).

load helper

@test "200 random bodies, relaxed and simple: dkimpy verifies all" {
	W=$BATS_TEST_TMPDIR
	mkkeys "$W/k"
	$PY "$LIB/mkrandom.py" "$W/r" 200 "${RANDOM_SEED:-20261123}"
	mkdir -p "$W/s"
	for m in "$W"/r/*.eml; do
		b=$(basename "$m" .eml)
		"$DKIMPIPE" sign -c relaxed/relaxed -d example.com -s e1 -k "$W/k/ed.pem" "$m" > "$W/s/$b.r.eml"
		"$DKIMPIPE" sign -c simple/simple -d example.com -s e1 -k "$W/k/ed.pem" "$m" > "$W/s/$b.s.eml"
	done
	run $PY "$LIB/verify-dkimpy.py" --smtp "$W/k/keys.txt" "$W"/s/*.eml
	echo "$output" | grep -v ^PASS | head -20
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | grep -c ^PASS)" -eq 400 ]
}
