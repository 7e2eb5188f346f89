#!/usr/bin/env bats
# sign and lines over the line length limit: by default (998, Postfix's
# smtp_line_length_limit) a long body line is broken as Postfix's smtp
# client would break it and a long header line folded at white space,
# before signing, so the bytes signed are the bytes a receiver gets;
# -L sets the limit (0: lines as they are); sign -I changes no line
# unless -L asks. Date and Message-ID are added only with -D.

load helper

setup_file() {
	export W=$BATS_FILE_TMPDIR
	mkkeys "$W/k"
	$PY - "$W" <<-'PYEOF'
	import sys
	w = sys.argv[1]
	h = (b"From: a@example.com\nTo: b@example.org\nDate: Tue, 01 Dec 2026 10:00:00 +0000\n"
	     b"Subject: " + b" ".join(b"w%d" % i for i in range(300)) + b"\nX-Id: " + b"i" * 1200 + b"\n\n")
	body = b"short\n" + b"b" * 998 + b"\n" + b"c" * 999 + b"\n" + b"d" * 20000 + b"\n.dot\n"
	open(w + "/long.eml", "wb").write(h + body)
	open(w + "/long-crlf.eml", "wb").write((h + body).replace(b"\n", b"\r\n"))
	PYEOF
}

sign() { "$DKIMPIPE" sign -t $T0 -d example.com -s r1 -k "$W/k/rsa.pem" "$@"; }

# body FILE - FILE without the signature fields
body() { awk 'BEGIN{s=1} s && /^DKIM-Signature:/ {next} s && /^[ \t]/ {next} {s=0; print}' "$1"; }

@test "a long body line is broken as Postfix's smtp client would; long headers folded at white space; signatures verify" {
	for m in long long-crlf; do
		sign "$W/$m.eml" > "$W/$m.out"
		$PY "$LIB/postfix-wrap.py" 998 "$W/$m.eml" > "$W/$m.ref"
		tail -c "$(stat -c %s "$W/$m.ref")" "$W/$m.out" | cmp - "$W/$m.ref"
		[ "$(tr -d '\r' < "$W/$m.out" | awk '{ if (length($0) > n) n = length($0) } END { print n }')" -eq 998 ]
		$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$W/$m.out"
		sh "$LIB/verify-opendkim.sh" "$W/k/keys.txt" "$W/$m.out"
		perl "$LIB/verify-maildkim.pl" "$W/k/keys.txt" "$W/$m.out"
	done
	# the 998-octet line is untouched, the 999-octet one is 998 + " c"
	grep -qx "$(printf 'b%.0s' $(seq 998))" "$W/long.out"
	grep -qx ' c' "$W/long.out"
	# the Subject keeps every word, folded at a space
	[ "$(sed -n '/^Subject:/,/^[^ \t]/p' "$W/long.out" | sed '$d' | tr -d '\n')" = \
	    "$(grep '^Subject:' "$W/long.eml")" ]
	[ "$(grep -c '^Date:' "$W/long.out")" -eq 1 ]
}

@test "-L sets the limit; -L 0 leaves every line as it is" {
	sign -L 100 "$W/long.eml" > "$W/l100.out"
	[ "$(awk '{ if (length($0) > n) n = length($0) } END { print n }' "$W/l100.out")" -eq 100 ]
	$PY "$LIB/postfix-wrap.py" 100 "$W/long.eml" > "$W/l100.ref"
	tail -c "$(stat -c %s "$W/l100.ref")" "$W/l100.out" | cmp - "$W/l100.ref"
	$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$W/l100.out"
	sign -L 0 "$W/long.eml" > "$W/l0.out"
	tail -c "$(stat -c %s "$W/long.eml")" "$W/l0.out" | cmp - "$W/long.eml"
	$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$W/l0.out"
	run sign -L 50 "$W/long.eml"
	[ "$status" -eq 64 ]
	[[ "$output" == *"at least 80"* ]]
}

@test "sign -I keeps the line structure of stored mail unless -L asks" {
	mkdir -p "$W/store"
	cp "$W/long.eml" "$W/store/a.eml"
	cp "$W/long.eml" "$W/store/b.eml"
	"$DKIMPIPE" sign -I -q -t $T0 -d example.com -s r1 -k "$W/k/rsa.pem" "$W/store/a.eml"
	tail -c "$(stat -c %s "$W/long.eml")" "$W/store/a.eml" | cmp - "$W/long.eml"
	"$DKIMPIPE" sign -I -q -L 998 -t $T0 -d example.com -s r1 -k "$W/k/rsa.pem" "$W/store/b.eml"
	$PY "$LIB/postfix-wrap.py" 998 "$W/long.eml" > "$W/b.ref"
	tail -c "$(stat -c %s "$W/b.ref")" "$W/store/b.eml" | cmp - "$W/b.ref"
	$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$W/store/a.eml" "$W/store/b.eml"
}

@test "sign adds Date and Message-ID only with -D" {
	printf 'From: a@example.com\nSubject: s\n\nx\n' > "$W/nodate.eml"
	sign "$W/nodate.eml" > "$W/nd.out"
	! grep -qi '^Date:\|^Message-ID:' "$W/nd.out" || false
	sign -D "$W/nodate.eml" > "$W/d.out"
	grep -q '^Date: ' "$W/d.out"
	grep -q '^Message-ID: <' "$W/d.out"
	[[ ":$(tag "$W/d.out" h):" == *:date:*message-id:* ]]
	$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$W/d.out"
	perl "$LIB/verify-maildkim.pl" "$W/k/keys.txt" "$W/d.out"
	sh "$LIB/verify-opendkim.sh" "$W/k/keys.txt" "$W/d.out"
	# a fixed -t gives the Date of that time
	grep -q "^Date: $(LC_ALL=C date -d @$T0 '+%a, %d %b %Y %H:%M:%S %z')$" "$W/d.out"
}
