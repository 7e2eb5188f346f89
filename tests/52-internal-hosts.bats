#!/usr/bin/env bats
# internal_hosts: with it, deliver (-a ${client_address} -u
# ${sasl_username}) and lmtp (XFORWARD ADDR) sign only mail whose
# original client is listed, authenticated, or no network client at all
# (sendmail(1), Postfix's notices); other mail is passed on unsigned and
# never refused or bounced, whatever routed it to the signer.

load helper

setup_file() {
	export W=$BATS_FILE_TMPDIR
	mkkeys "$W/k"
}

setup() {
	fake_env "$LIB/fake-sendmail"
	echo 'internal_hosts = 127.0.0.0/8, ::1 192.0.2.0/24,2001:db8::/32' >> "$CONF"
}

deliver() { "$DKIMPIPE" deliver -c "$CONF" -q 4AbCdE "$@" < "$MSG"; }
nsigs() { signatures "$FAKE_DIR/msg.$1" | wc -l; }

@test "deliver: listed clients, IPv6 in Postfix's form, no client and SASL users are signed" {
	n=0
	for a in 127.0.0.1 192.0.2.200 IPv6:2001:db8::5 ::1 '' unknown; do
		run deliver -a "$a" -f alice@example.com -- bob@example.org
		echo "$a: $output"
		[ "$status" -eq 0 ]
		n=$((n + 1))
		[ "$(nsigs $n)" -eq 1 ]
		$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$FAKE_DIR/msg.$n"
	done
	run deliver -a 203.0.113.7 -u alice -f alice@example.com -- bob@example.org
	[ "$status" -eq 0 ]
	[ "$(nsigs 7)" -eq 1 ]
	# no -a at all: a shell script's own submission
	run deliver -f alice@example.com -- bob@example.org
	[ "$(nsigs 8)" -eq 1 ]
}

@test "deliver: a client outside the list is passed on unsigned, byte for byte, and logged" {
	for a in 203.0.113.7 192.0.3.1 IPv6:2001:db9::1 'IPv6:::ffff:10.0.0.1'; do
		rm -f "$FAKE_DIR"/*
		run deliver -a "$a" -u '' -f alice@example.com -- bob@example.org
		echo "$output"
		[ "$status" -eq 0 ]
		[ "$(nsigs 1)" -eq 0 ]
		cmp "$FAKE_DIR/msg.1" "$MSG"
		[[ "$output" == "dkimpipe: 4AbCdE: not signed: client $a is not in internal_hosts; passed on unsigned, size="* ]]
	done
	run deliver -a 'not-an-address' -f alice@example.com -- bob@example.org
	[[ "$output" == *"not signed: client not-an-address is not an address; passed on unsigned"* ]]
}

@test "deliver: outside mail that cannot be signed is never refused, even with on_refusal = bounce" {
	echo 'on_refusal = bounce' >> "$CONF"
	printf 'From: a@example.com\nFrom: b@example.com\nSubject: two\n\nx\n' > "$MSG"
	run deliver -a 203.0.113.7 -f a@example.com -- bob@example.org
	echo "$output"
	[ "$status" -eq 0 ]
	cmp "$FAKE_DIR/msg.1" "$MSG"
	# the same from inside is refused as before
	run deliver -a 127.0.0.1 -f a@example.com -- bob@example.org
	[ "$status" -eq 65 ]
}

@test "a bad internal_hosts is a configuration error: mail waits (75)" {
	for v in 192.0.2.0/33 example.com 300.1.1.1 '10.0.0.0/'; do
		sed -i '/^internal_hosts/d' "$CONF"
		echo "internal_hosts = $v" >> "$CONF"
		run deliver -a 127.0.0.1 -f alice@example.com -- bob@example.org
		echo "$output"
		[ "$status" -eq 75 ]
		[[ "$output" == *"internal_hosts"* ]]
		[ ! -e "$FAKE_DIR/msg.1" ]
	done
}

session() { $PY "$LIB/lmtp-client.py" "$DKIMPIPE" "$CONF"; }

@test "lmtp: XFORWARD ADDR decides; no ADDR (local mail) is signed; no XFORWARD at all is not" {
	run session <<-EOF
	GREETING
	LHLO x
	XFORWARD ADDR=198.51.100.4 IDENT=4OuTsIdE
	MAIL FROM:<alice@example.com>
	RCPT TO:<bob@example.org>
	DATA $MSG
	XFORWARD ADDR=192.0.2.9 IDENT=4InSiDe
	MAIL FROM:<alice@example.com>
	RCPT TO:<bob@example.org>
	DATA $MSG
	XFORWARD SOURCE=LOCAL
	MAIL FROM:<alice@example.com>
	RCPT TO:<bob@example.org>
	DATA $MSG
	MAIL FROM:<alice@example.com>
	RCPT TO:<bob@example.org>
	DATA $MSG
	QUIT
	EOF
	echo "$output"
	[[ "$output" == *"4OuTsIdE: not signed: client 198.51.100.4 is not in internal_hosts; passed on unsigned"* ]]
	[[ "$output" == *"4InSiDe: signed"* ]]
	[[ "$output" == *"not signed: the LMTP client sent no XFORWARD (set lmtp_send_xforward_command = yes)"* ]]
	[ "$(nsigs 1)" -eq 0 ]
	[ "$(nsigs 2)" -eq 1 ]
	[ "$(nsigs 3)" -eq 1 ]
	[ "$(nsigs 4)" -eq 0 ]
	[ "$(echo "$output" | grep -c '^250 2.0.0 <bob@example.org>')" -eq 4 ]
}

@test "without internal_hosts every message that reaches the signer is signed, as before" {
	sed -i '/^internal_hosts/d' "$CONF"
	run deliver -a 203.0.113.7 -f alice@example.com -- bob@example.org
	[ "$status" -eq 0 ]
	[ "$(nsigs 1)" -eq 1 ]
}
