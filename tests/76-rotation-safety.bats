#!/usr/bin/env bats
# Cron-free key rotation by time alone (activation_check = time: the
# newest key whose activation time has passed signs; checked with
# libfaketime), its warnings in check and testkey, and the safe-key
# rules. Rotation gated on DNS, the default, is 77-dns-gate.bats.

load helper
load lib/dns-env

setup_file() {
	export W=$BATS_FILE_TMPDIR TZ=UTC
	mkdir -p "$W/k"
	"$DKIMPIPE" keygen -d example.com -s old2026 -D "$W/k" > /dev/null
	"$DKIMPIPE" keygen -d example.com -s new2027 -D "$W/k" > /dev/null
	"$DKIMPIPE" keygen -d example.com -s ed2026 -t ed25519 -D "$W/k" > /dev/null
	cat > "$W/KeyTable" <<-EOF
	old  example.com:old2026:$W/k/old2026.private
	new  example.com:new2027:$W/k/new2027.private  activate=2027-01-01T00:00:00Z
	ed   example.com:ed2026:$W/k/ed2026.private
	EOF
	printf '*@example.com old\n*@example.com new\n*@example.com ed\n' > "$W/SigningTable"
	# only the old key and the ed25519 key are published
	{ zone_to_arg "$W/k/old2026.txt" example.com; zone_to_arg "$W/k/ed2026.txt" example.com; } > "$W/dns.args"
	dns_start "$W" "$W/dns.args"
}

teardown_file() {
	dns_stop "$W"
}

conf() {	# conf MULTI
	cat > "$W/dp.conf" <<-EOF
	keytable = $W/KeyTable
	signingtable = refile:$W/SigningTable
	multiple_signatures = $1
	sendmail_path = $LIB/fake-sendmail
	nameservers = 127.0.0.1:$DNS_PORT
	activation_check = time
	EOF
}

# selectors_at TIME - s= of the signatures deliver makes then; the clock
# stands still at TIME (faketime -f), so a slow start cannot cross midnight
selectors_at() {
	export FAKE_DIR=$BATS_TEST_TMPDIR/fake; rm -rf "$FAKE_DIR"; mkdir -p "$FAKE_DIR"
	printf 'From: a@example.com\nSubject: r\n\nbody\n' |
	    faketime -f "$1" "$DKIMPIPE" deliver -c "$W/dp.conf" -f a@example.com -- b@example.org
	signatures "$FAKE_DIR/msg.1" | sed 's/.*[; ]s=\([^;]*\);.*/\1/' | sort | tr '\n' ' '
}

@test "rotation: the new key takes over exactly at its activation time" {
	conf no
	[ "$(selectors_at '2026-06-01 12:00:00')" = "old2026 " ]
	[ "$(selectors_at '2026-12-31 23:59:59')" = "old2026 " ]
	[ "$(selectors_at '2027-01-01 00:00:00')" = "new2027 " ]
	[ "$(selectors_at '2027-03-01 00:00:00')" = "new2027 " ]
}

@test "rotation with dual signing: the rsa key rotates, the ed25519 key stays" {
	conf yes
	[ "$(selectors_at '2026-12-31 23:59:59')" = "ed2026 old2026 " ]
	[ "$(selectors_at '2027-01-01 00:00:01')" = "ed2026 new2027 " ]
}

@test "rotation: a signature made with the old key verifies (dkimpy, over DNS)" {
	conf no
	selectors_at '2026-06-01 12:00:00' > /dev/null
	run $PY "$LIB/verify-dkimpy-dns.py" $DNS_PORT "$FAKE_DIR/msg.1"
	[ "$status" -eq 0 ]
}

@test "check warns when a key activates within 7 days unpublished, and when a retired record can go" {
	conf no
	run faketime '2026-12-28 00:00:00' "$DKIMPIPE" check -c "$W/dp.conf"
	echo "$output"
	[ "$status" -eq 0 ]
	# 96 hours at the faked instant; 95 once the faked clock has moved on
	[[ "$output" == *"warning: key new activates in 9"[56]" hours but new2027._domainkey.example.com is not published"* ]]
	run faketime '2026-11-01 00:00:00' "$DKIMPIPE" check -c "$W/dp.conf"
	[[ "$output" != *warning* ]]
	run faketime '2027-01-09 00:00:00' "$DKIMPIPE" check -c "$W/dp.conf"
	echo "$output"
	[[ "$output" == *"warning: key old was replaced by new 8 days ago; its record old2026._domainkey.example.com can be removed"* ]]
	run faketime '2027-01-03 00:00:00' "$DKIMPIPE" check -c "$W/dp.conf"
	[[ "$output" != *"can be removed"* ]]
}

@test "testkey reports keys not yet active and retired keys" {
	conf no
	run faketime '2026-12-28 00:00:00' "$DKIMPIPE" testkey -c "$W/dp.conf"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"example.com old2026: OK"* ]]
	[[ "$output" == *"example.com new2027: not published (new2027._domainkey.example.com has no TXT record); not active until 2027-01-01 00:00 UTC; warning: activates within 7 days but is not published"* ]]
	run faketime '2027-01-09 00:00:00' "$DKIMPIPE" testkey -c "$W/dp.conf"
	echo "$output"
	[[ "$output" == *"example.com old2026: OK; retired since 2027-01-01 00:00 UTC (by new2027); its record can be removed"* ]]
	[[ "$output" == *"example.com new2027: not published"* ]]
	[ "$status" -eq 1 ]
}

@test "KeyTable activation syntax errors name the file and line" {
	printf 'k example.com:s:%s activate=next-tuesday\n' "$W/k/ed2026.private" > "$W/KT.bad"
	printf 'keytable = %s\nsigningtable = %s\n' "$W/KT.bad" "$W/SigningTable" > "$W/bad.conf"
	run "$DKIMPIPE" check -c "$W/bad.conf"
	[ "$status" -eq 78 ]
	[[ "$output" == *"$W/KT.bad:1: expected activate=YYYY-MM-DD[THH:MM:SSZ] or activate=@UNIXTIME"* ]]
}

# safe keys: each unsafe file is refused by name, with the reason
safe_case() {	# safe_case MODE OWNER EXPECTED
	cp "$W/k/ed2026.private" "$W/k/case.private"
	chmod "$1" "$W/k/case.private"
	chown "$2" "$W/k/case.private"
	printf 'domain = example.com\nselector = s\nkeyfile = %s\n' "$W/k/case.private" > "$W/safe.conf"
	run "$DKIMPIPE" check -c "$W/safe.conf"
	echo "$1 $2: $output"
	[ "$status" -eq 78 ]
	[[ "$output" == *"key file $W/k/case.private $3"* ]]
	run "$DKIMPIPE" sign -d example.com -s s -k "$W/k/case.private" "$W/k/ed2026.txt"
	[ "$status" -eq 78 ]
	[[ "$output" == *"key file $W/k/case.private $3"* ]]
	echo "require_safe_keys = no" >> "$W/safe.conf"
	run "$DKIMPIPE" check -c "$W/safe.conf"
	[ "$status" -eq 0 ]
}

@test "safe keys: group-readable, world-readable, group-writable" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to chown"
	safe_case 640 root "is accessible by group or others (mode 0640)"
	safe_case 604 root "is accessible by group or others (mode 0604)"
	safe_case 620 root "is accessible by group or others (mode 0620)"
	safe_case 640 nobody "is accessible by group or others (mode 0640)"
}

@test "safe keys: root may check and use a key owned by the signer's user (check, dnsrecord, sign as root)" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to chown"
	cp "$W/k/ed2026.private" "$W/k/signer.private"
	chmod 600 "$W/k/signer.private"
	chown nobody "$W/k/signer.private"
	printf 'domain = example.com\nselector = s\nkeyfile = %s\n' "$W/k/signer.private" > "$W/signer.conf"
	"$DKIMPIPE" check -c "$W/signer.conf"
	"$DKIMPIPE" dnsrecord -k "$W/k/signer.private" -s s -d example.com | grep -q 'k=ed25519'
	printf 'From: a@example.com\n\nx\n' | "$DKIMPIPE" sign -d example.com -s s -k "$W/k/signer.private" | grep -q '^DKIM-Signature:'
	# and nothing was changed for the signer's user
	[ "$(stat -c %U:%a "$W/k/signer.private")" = "nobody:600" ]
}

@test "safe keys: a key file that is not a regular file" {
	printf 'domain = example.com\nselector = s\nkeyfile = %s\n' "$W/k" > "$W/dir.conf"
	run "$DKIMPIPE" check -c "$W/dir.conf"
	[ "$status" -eq 78 ]
	[[ "$output" == *"key file $W/k is not a regular file"* ]]
}
