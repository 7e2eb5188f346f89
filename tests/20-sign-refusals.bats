#!/usr/bin/env bats
# Every refusal: the right sysexits code, one clear line on stderr, and
# nothing at all on stdout.

load helper

setup_file() {
	export W=$BATS_FILE_TMPDIR
	mkkeys "$W/k"
}

# refuse STATUS PATTERN -- sign args...: run sign with stdin from $IN
refuse() {
	local want=$1 pat=$2
	shift 3
	"$DKIMPIPE" sign "$@" < "$IN" > "$W/out" 2> "$W/err" && st=0 || st=$?
	echo "status=$st stderr=$(cat "$W/err")"
	[ "$st" -eq "$want" ]
	[ "$(wc -l < "$W/err")" -eq 1 ]
	grep -q -- "$pat" "$W/err"
	[ ! -s "$W/out" ]
}

msg() { IN=$W/in.eml; printf "$@" > "$IN"; }
K=(-d example.com -s e1)

@test "no From header: EX_DATAERR" {
	msg 'To: bob@example.org\nSubject: x\n\nbody\n'
	refuse 65 "no From header" -- "${K[@]}" -k "$W/k/ed.pem"
}

@test "two From headers (replay trick): EX_DATAERR" {
	msg 'From: alice@example.com\nFrom: mallory@example.net\n\nbody\n'
	refuse 65 "more than one From header" -- "${K[@]}" -k "$W/k/ed.pem"
}

@test "From header with different case twice still counts as two" {
	msg 'From: alice@example.com\nfrom: mallory@example.net\n\nbody\n'
	refuse 65 "more than one From header" -- "${K[@]}" -k "$W/k/ed.pem"
}

@test "From without a parsable domain: EX_DATAERR" {
	for v in 'alice' 'Alice <alice>' '<alice@>' 'alice@[192.0.2.1]' 'a@example..com' 'a@-bad.example'; do
		msg 'From: %s\n\nbody\n' "$v"
		refuse 65 "From header has no parsable domain" -- "${K[@]}" -k "$W/k/ed.pem"
	done
}

@test "a header line without a colon: EX_DATAERR" {
	msg 'From: alice@example.com\nthis is not a header\n\nbody\n'
	refuse 65 "header line 2 is not a header field" -- "${K[@]}" -k "$W/k/ed.pem"
}

@test "a header block starting with white space, or holding NUL: EX_DATAERR" {
	msg ' From: alice@example.com\n\nbody\n'
	refuse 65 "starts with white space" -- "${K[@]}" -k "$W/k/ed.pem"
	msg 'From: alice@example.com\nSubject: a\0b\n\nbody\n'
	refuse 65 "NUL byte in message header" -- "${K[@]}" -k "$W/k/ed.pem"
}

@test "mbox From_ line is not a header: EX_DATAERR" {
	msg 'From alice@example.com Mon Nov 23 10:00:00 2026\nFrom: alice@example.com\n\nbody\n'
	refuse 65 "header line 1 is not a header field" -- "${K[@]}" -k "$W/k/ed.pem"
}

@test "unreadable key file: EX_NOINPUT, names the file" {
	msg 'From: alice@example.com\n\nbody\n'
	refuse 66 "cannot open key file $W/k/missing.pem" -- "${K[@]}" -k "$W/k/missing.pem"
}

@test "invalid key file: EX_CONFIG" {
	msg 'From: alice@example.com\n\nbody\n'
	echo "not a key" > "$W/k/junk.pem"; chmod 600 "$W/k/junk.pem"
	refuse 78 "holds no usable PEM private key" -- "${K[@]}" -k "$W/k/junk.pem"
	openssl genpkey -algorithm ed448 -out "$W/k/ed448.pem" 2>/dev/null; chmod 600 "$W/k/ed448.pem"
	refuse 78 "neither RSA nor Ed25519" -- "${K[@]}" -k "$W/k/ed448.pem"
}

@test "RSA key shorter than 1024 bits (RFC 8301): EX_CONFIG" {
	msg 'From: alice@example.com\n\nbody\n'
	openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:768 -out "$W/k/short.pem" 2>/dev/null
	chmod 600 "$W/k/short.pem"
	refuse 78 "768 bits; RFC 8301 requires at least 1024" -- "${K[@]}" -k "$W/k/short.pem"
}

@test "key type does not match the algorithm asked for: EX_CONFIG" {
	msg 'From: alice@example.com\n\nbody\n'
	refuse 78 "holds a ed25519-sha256 key, not rsa-sha256" -- "${K[@]}" -a rsa-sha256 -k "$W/k/ed.pem"
	refuse 78 "holds a rsa-sha256 key, not ed25519-sha256" -- "${K[@]}" -a ed25519-sha256 -k "$W/k/rsa.pem"
}

@test "key readable by others is refused unless -U" {
	msg 'From: alice@example.com\n\nbody\n'
	cp "$W/k/ed.pem" "$W/k/open.pem"; chmod 644 "$W/k/open.pem"
	refuse 78 "accessible by group or others (mode 0644)" -- "${K[@]}" -k "$W/k/open.pem"
	"$DKIMPIPE" sign -U "${K[@]}" -k "$W/k/open.pem" < "$IN" | grep -q '^DKIM-Signature:'
}

@test "usage errors: EX_USAGE" {
	msg 'From: alice@example.com\n\nbody\n'
	run "$DKIMPIPE" sign < "$IN"
	[ "$status" -eq 64 ]
	run "$DKIMPIPE" sign -k "$W/k/ed.pem" < "$IN"
	[ "$status" -eq 64 ]
	run "$DKIMPIPE" sign -c fuzzy "${K[@]}" -k "$W/k/ed.pem" < "$IN"
	[ "$status" -eq 64 ]
	run "$DKIMPIPE" sign -i bob@other.example "${K[@]}" -k "$W/k/ed.pem" < "$IN"
	[ "$status" -eq 64 ]
	run "$DKIMPIPE" nonsense
	[ "$status" -eq 64 ]
}

@test "missing input file: EX_NOINPUT and empty stdout" {
	run "$DKIMPIPE" sign "${K[@]}" -k "$W/k/ed.pem" "$W/no-such-file"
	[ "$status" -eq 66 ]
	[[ "$output" == *"cannot open $W/no-such-file"* ]]
}
