#!/usr/bin/env bats
# OpenDKIM's own KeyTable and SigningTable files, unchanged, drive
# OpenDKIM's signer and dkimpipe to the same domain/selector choices;
# and dkimpipe check reports configuration problems with file:line.

load helper

setup_file() {
	export W=$BATS_FILE_TMPDIR
	mkdir -p "$W/k"
	for n in a b c d e; do
		openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:1024 -out "$W/k/$n.pem" 2>/dev/null
	done
	chmod 600 "$W"/k/*.pem
	cat > "$W/KeyTable" <<-EOF
	# name        domain:selector:keyfile
	main          example.com:main:$W/k/a.pem
	second        example.com:second:$W/k/b.pem
	alice         example.com:alice:$W/k/c.pem
	parent        example.org:parent:$W/k/d.pem
	fromdomain    %:any:$W/k/e.pem
	EOF
	# No address matches more than two lines: with three or more,
	# OpenDKIM 2.11 applies only the first and the last match, while
	# dkimpipe applies all of them.
	cat > "$W/SigningTable.re" <<-EOF
	# refile: wildcard patterns, first match unless MultipleSignatures
	alice@example.com   alice
	*@example.com       main
	*@*.example.org     parent
	*@example.net       fromdomain
	x@example.n?t       main
	*@*.net             second
	EOF
	cat > "$W/SigningTable.plain" <<-EOF
	alice@example.com   alice
	example.com         main
	bob@.example.org    second
	.example.org        parent
	carol@*             fromdomain
	*                   second
	EOF
	# OpenDKIM signs twice with a key matched twice; dkimpipe once. So
	# the table for MultipleSignatures has no catch-all.
	grep -v '^\*' "$W/SigningTable.plain" > "$W/SigningTable.plain2"
	ADDRS="alice@example.com bob@example.com bob@mail.example.org dave@deep.mail.example.org
	x@example.net carol@elsewhere.test zed@elsewhere.test bob@example.org ALICE@EXAMPLE.COM"
	export ADDRS
}

# choice_opendkim ST MULTI ADDR - "d/s" per signature OpenDKIM adds
choice_opendkim() {
	cat > "$W/od.conf" <<-EOF
	KeyTable $W/KeyTable
	SigningTable $1
	MultipleSignatures $2
	Mode s
	Syslog no
	RequireSafeKeys no
	EOF
	printf 'From: Someone <%s>\nTo: x@example.test\nSubject: t\nDate: Mon, 23 Nov 2026 10:00:00 +0000\n\nbody\n' "$3" > "$W/m.eml"
	opendkim -x "$W/od.conf" -t "$W/m.eml" -vv 2>&1 | grep "INSHEADER.*DKIM-Signature" |
	    sed 's/.* d=\([^;]*\); s=\([^;]*\);.*/\1\/\2/' | sort | tr '\n' ' '
}

# choice_dkimpipe ST MULTI ADDR - the same, from dkimpipe deliver
choice_dkimpipe() {
	export FAKE_DIR=$W/fake; rm -rf "$FAKE_DIR"; mkdir -p "$FAKE_DIR"
	cat > "$W/dp.conf" <<-EOF
	keytable = $W/KeyTable
	signingtable = $1
	multiple_signatures = $2
	sendmail_path = $LIB/fake-sendmail
	log_to = stderr
	EOF
	printf 'From: Someone <%s>\nTo: x@example.test\nSubject: t\nDate: Mon, 23 Nov 2026 10:00:00 +0000\n\nbody\n' "$3" > "$W/m.eml"
	"$DKIMPIPE" deliver -c "$W/dp.conf" -f x@example.test -- y@example.test < "$W/m.eml" 2>/dev/null
	signatures "$FAKE_DIR/msg.1" | sed 's/.* d=\([^;]*\); s=\([^;]*\);.*/\1\/\2/' | sort | tr '\n' ' '
}

compare() {	# compare TABLESPEC MULTI
	local bad=0
	for a in $ADDRS; do
		o=$(choice_opendkim "$1" "$2" "$a")
		p=$(choice_dkimpipe "$1" "$2" "$a")
		echo "$a: opendkim=[$o] dkimpipe=[$p]"
		[ "$o" = "$p" ] || bad=1
	done
	return $bad
}

@test "refile: SigningTable, first match: same choices as OpenDKIM" {
	compare "refile:$W/SigningTable.re" no
}

@test "refile: SigningTable, MultipleSignatures: same choices as OpenDKIM" {
	run compare "refile:$W/SigningTable.re" yes
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"alice@example.com: opendkim=[example.com/alice example.com/main ]"* ]]
	[[ "$output" == *"x@example.net: opendkim=[example.com/second example.net/any ]"* ]]
}

@test "plain SigningTable (user@host, host, .parent, user@*, *): same choices as OpenDKIM" {
	run compare "$W/SigningTable.plain" no
	echo "$output"
	[ "$status" -eq 0 ]
	run compare "file:$W/SigningTable.plain2" yes
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "dual signing from one SigningTable: rsa and ed25519 both verify" {
	mkkeys "$W/dual"
	cat > "$W/dual/KeyTable" <<-EOF
	rsa example.com:r1:$W/dual/rsa.pem
	ed  example.com:e1:$W/dual/ed.pem
	EOF
	printf '*@example.com rsa\n*@example.com ed\n' > "$W/dual/SigningTable"
	cat > "$W/dual/dp.conf" <<-EOF
	keytable = file:$W/dual/KeyTable
	signingtable = refile:$W/dual/SigningTable
	multiple_signatures = yes
	sendmail_path = $LIB/fake-sendmail
	EOF
	export FAKE_DIR=$W/dual/fake; mkdir -p "$FAKE_DIR"
	printf 'From: a@example.com\nSubject: t\n\nbody\n' |
	    "$DKIMPIPE" deliver -c "$W/dual/dp.conf" -f a@example.com -- b@example.org
	[ "$(signatures "$FAKE_DIR/msg.1" | wc -l)" -eq 2 ]
	run $PY "$LIB/verify-dkimpy.py" "$W/dual/keys.txt" "$FAKE_DIR/msg.1"
	[ "$status" -eq 0 ]
}

@test "check: a good configuration is OK" {
	cat > "$W/good.conf" <<-EOF
	# comment
	keytable = $W/KeyTable
	signingtable = refile:$W/SigningTable.re
	sign_headers = From:To:Subject:
	    Date:Message-ID
	canonicalization = relaxed/simple
	signature_lifetime = 7d
	EOF
	run "$DKIMPIPE" check -c "$W/good.conf"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "$W/good.conf: OK: 5 keys, 6 signing rules" ]
}

@test "check: every problem is reported with file and line, exit EX_CONFIG" {
	cp "$W/k/a.pem" "$W/k/open.pem"; chmod 644 "$W/k/open.pem"
	cat > "$W/KeyTable.bad" <<-EOF
	good example.com:good:$W/k/a.pem
	broken example.com-without-colons
	open example.com:open:$W/k/open.pem
	gone example.com:gone:$W/k/missing.pem
	EOF
	printf '*@example.com good\n*@example.com nosuchkey\n' > "$W/SigningTable.bad"
	cat > "$W/bad.conf" <<-EOF
	keytable = $W/KeyTable.bad
	signingtable = refile:$W/SigningTable.bad
	canonicalization = wobbly
	frobnicate = yes
	subdomains = perhaps
	EOF
	run "$DKIMPIPE" check -c "$W/bad.conf"
	echo "$output"
	[ "$status" -eq 78 ]
	[[ "$output" == *"$W/bad.conf:3: bad canonicalization value \"wobbly\""* ]]
	[[ "$output" == *"$W/bad.conf:4: unknown parameter frobnicate"* ]]
	[[ "$output" == *"$W/bad.conf:5: bad subdomains value \"perhaps\" (yes or no)"* ]]
	[[ "$output" == *"$W/KeyTable.bad:2: expected \"domain:selector:keyfile\" for key broken"* ]]
	[[ "$output" == *"$W/SigningTable.bad:2: unknown key nosuchkey"* ]]
	[[ "$output" == *"key open: key file $W/k/open.pem is accessible by group or others (mode 0644)"* ]]
	[[ "$output" == *"key gone: cannot open key file $W/k/missing.pem"* ]]
}

@test "check: single-key form, mixed forms and missing parts" {
	printf 'domain = example.com\nselector = s\n' > "$W/c1.conf"
	run "$DKIMPIPE" check -c "$W/c1.conf"
	[ "$status" -eq 78 ]
	[[ "$output" == *"domain, selector and keyfile go together"* ]]
	printf 'domain = example.com\nselector = s\nkeyfile = %s\nkeytable = %s\nsigningtable = %s\n' \
	    "$W/k/a.pem" "$W/KeyTable" "$W/SigningTable.re" > "$W/c2.conf"
	run "$DKIMPIPE" check -c "$W/c2.conf"
	[ "$status" -eq 78 ]
	[[ "$output" == *"not both"* ]]
	printf 'domain = example.com\nselector = s\nkeyfile = %s\n' "$W/k/a.pem" > "$W/c3.conf"
	run "$DKIMPIPE" check -c "$W/c3.conf"
	[ "$status" -eq 0 ]
	printf 'keytable = db:/etc/x.db\nsigningtable = %s\n' "$W/SigningTable.re" > "$W/c4.conf"
	run "$DKIMPIPE" check -c "$W/c4.conf"
	[ "$status" -eq 78 ]
	[[ "$output" == *"unsupported table type in db:/etc/x.db"* ]]
}
