#!/usr/bin/env bats
# Keys that rotate by themselves (rotate = ...), under a moved clock: a
# failing publish_command, 20 parallel runs at a due step, kill -9 in a
# step, an unsafe keys directory. A real authoritative DNS server that
# takes RFC 2136 updates (BIND 9 on 127.0.0.1:5354) serves the first
# key, published with the shipped publish-nsupdate. The long simulation
# (tests/lib/rotation-sim.py, 400 days) is run outside make check.

load helper
load lib/bind-env

setup_file() {
	export W=$BATS_FILE_TMPDIR TZ=UTC
	bind_start "$W"
}

teardown_file() {
	bind_stop "$W"
}

setup() {
	K=$BATS_TEST_TMPDIR/keys
	mkdir -m 700 "$K" "$K/example.com" "$BATS_TEST_TMPDIR/st"
	"$DKIMPIPE" keygen -d example.com -s base -D "$K/example.com" > /dev/null
	"$TOP/scripts/publish-nsupdate" "$W/nsupdate.conf" add example.com base \
	    "$("$DKIMPIPE" dnsrecord -1 -k "$K/example.com/base.private" -s base | cut -f 3)"
	CONF=$BATS_TEST_TMPDIR/dp.conf
	cat > "$CONF" <<-EOF
	domain = example.com
	selector = base
	keyfile = $K/example.com/base.private
	rotate = example.com
	rotate_dir = $K
	publish_command = $TOP/scripts/publish-nsupdate $W/nsupdate.conf
	nameservers = 127.0.0.1:5354
	state_file = $BATS_TEST_TMPDIR/st/state
	sendmail_path = $LIB/fake-sendmail
	log_to = stderr
	EOF
}

# at_day N - deliver one message at noon of day N of 2026 (frozen clock;
# 1767268800 is 2026-01-01 12:00 UTC),
# with the configuration in $CONF; its log in $BATS_TEST_TMPDIR/day$N.err
at_day() {
	local when
	when=$(date -u -d "@$((1767268800 + $1 * 86400))" '+%Y-%m-%d %H:%M:%S')
	mkdir -p "$BATS_TEST_TMPDIR/f$1"
	printf 'From: a@example.com\n\nday %s\n' "$1" | FAKE_DIR=$BATS_TEST_TMPDIR/f$1 \
	    faketime -f "$when" "$DKIMPIPE" deliver -c "$CONF" -f a@example.com \
	    -- b@example.org 2> "$BATS_TEST_TMPDIR/day$1.err"
}

# fake_publish SCRIPT - publish_command is this shell script instead
fake_publish() {
	printf '#!/bin/sh\necho "$*" >> %s/pub.log\n%s\n' "$BATS_TEST_TMPDIR" "$1" > "$BATS_TEST_TMPDIR/pub"
	chmod +x "$BATS_TEST_TMPDIR/pub"
	sed -i "s|^publish_command = .*|publish_command = $BATS_TEST_TMPDIR/pub|" "$CONF"
}

@test "a failing publish_command: logged, mail still signed with the current key, tried again at the next check" {
	fake_publish 'echo "zone is frozen" >&2; exit 1'
	at_day 0
	at_day 80
	cat "$BATS_TEST_TMPDIR/day80.err"
	grep -q 'made key 202604 (rsa)' "$BATS_TEST_TMPDIR/day80.err"
	grep -q "rotation example.com: $BATS_TEST_TMPDIR/pub add for 202604 failed (exit status: zone is frozen); tried again at the next check" "$BATS_TEST_TMPDIR/day80.err"
	signatures "$BATS_TEST_TMPDIR/f80/msg.1" | grep -q 's=base;'
	at_day 81
	[ "$(grep -c '^add example.com 202604 v=DKIM1; k=rsa; p=' "$BATS_TEST_TMPDIR/pub.log")" -eq 2 ]
	fake_publish 'exit 0'
	at_day 82
	grep -q 'published the record of 202604' "$BATS_TEST_TMPDIR/day82.err"
	at_day 83
	[ "$(grep -c '^add ' "$BATS_TEST_TMPDIR/pub.log")" -eq 3 ]	# not again
	[ "$(ls "$K/example.com" | grep -c '\.private$')" -eq 2 ]
}

@test "20 parallel deliver runs at the step that makes a successor: exactly one key made" {
	fake_publish 'exit 0'
	at_day 0
	local pids=() when
	when=$(date -u -d "@$((1767268800 + 80 * 86400))" '+%Y-%m-%d %H:%M:%S')
	for i in $(seq 1 20); do
		mkdir -p "$BATS_TEST_TMPDIR/p$i"
		( printf 'From: a@example.com\n\nx\n' | FAKE_DIR=$BATS_TEST_TMPDIR/p$i \
		    faketime -f "$when" "$DKIMPIPE" deliver -c "$CONF" -f a@example.com \
		    -- b@example.org 2> "$BATS_TEST_TMPDIR/p$i.err"
		  echo $? > "$BATS_TEST_TMPDIR/p$i.rc" ) &
		pids+=($!)
	done
	wait "${pids[@]}"
	for i in $(seq 1 20); do
		[ "$(cat "$BATS_TEST_TMPDIR/p$i.rc")" = 0 ]
		signatures "$BATS_TEST_TMPDIR/p$i/msg.1" | grep -q 's=base;'
	done
	[ "$(cat "$BATS_TEST_TMPDIR"/p*.err | grep -c 'made key')" -eq 1 ]
	[ "$(ls "$K/example.com" | grep -c '\.private$')" -eq 2 ]
	[ "$(grep -c '^+key example.com 202604 ' "$BATS_TEST_TMPDIR/st/state")" -eq 1 ]
	[ "$(grep -c '^add ' "$BATS_TEST_TMPDIR/pub.log")" -eq 1 ]
}

@test "killed (-9) in the middle of a step: the next run completes it, with the key already made, never a second one" {
	# the publish command kills the signer that runs it: the key file is
	# made, the state is not written
	fake_publish 'kill -9 $PPID; sleep 1; exit 0'
	at_day 0
	run at_day 80
	[ "$status" -ne 0 ]	# killed (the mail was already handed on)
	[ -f "$K/example.com/202604.private" ]
	! grep -q '202604' "$BATS_TEST_TMPDIR/st/state"
	fake_publish 'exit 0'
	at_day 80
	cat "$BATS_TEST_TMPDIR/day80.err"
	grep -q '^+key example.com 202604 rsa ' "$BATS_TEST_TMPDIR/st/state"
	grep -q 'published the record of 202604' "$BATS_TEST_TMPDIR/day80.err"
	[ "$(ls "$K/example.com" | grep -c '\.private$')" -eq 2 ]
	! ls -a "$K/example.com" | grep -q '\.new\.'
}

@test "a keys directory that group or others may write: rotation waits, one line says why, mail is signed" {
	fake_publish 'exit 0'
	at_day 0
	chmod 770 "$K/example.com"
	at_day 80
	cat "$BATS_TEST_TMPDIR/day80.err"
	grep -q "rotation example.com: $K/example.com must be a directory the signer's user writes and group and others do not; the current key keeps signing" "$BATS_TEST_TMPDIR/day80.err"
	signatures "$BATS_TEST_TMPDIR/f80/msg.1" | grep -q 's=base;'
	[ "$(ls "$K/example.com" | grep -c '\.private$')" -eq 1 ]
}
