#!/usr/bin/env bats
# deliver mode against a fake sendmail that records argv and stdin:
# exact argv, null sender, odd recipients, and the exit-code policy that
# keeps mail from being lost or duplicated.

load helper

setup_file() {
	export W=$BATS_FILE_TMPDIR
	mkkeys "$W/k"
}

setup() {
	fake_env "$LIB/fake-sendmail"
}

teardown() {
	# the syslog test's listener socket, if that test failed half-way
	[ -f "$BATS_TEST_TMPDIR/syslog" ] && rm -f /dev/log
	return 0
}

deliver() { "$DKIMPIPE" deliver -c "$CONF" -q 4AbCdE "$@" < "$MSG"; }

@test "signs, and runs sendmail -G -i -f SENDER -- RCPT... exactly" {
	run deliver -f alice@example.com -- bob@example.org carol@example.net
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(cat "$FAKE_DIR/argv.1")" = "$(printf '%s\n' -G -i -f alice@example.com -- bob@example.org carol@example.net)" ]
	[ "$(ls "$FAKE_DIR" | grep -c '^msg\.')" -eq 1 ]
	run $PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$FAKE_DIR/msg.1"
	[ "$status" -eq 0 ]
	# the rest of the message is unchanged
	tail -c "$(stat -c %s "$MSG")" "$FAKE_DIR/msg.1" | cmp - "$MSG"
}

@test "logs one line in Postfix's shape with the queue id" {
	run deliver -f alice@example.com -- bob@example.org
	[ "$status" -eq 0 ]
	[[ "$output" == "dkimpipe: 4AbCdE: signed, from=<alice@example.com>, d=example.com, s=e1, a=ed25519-sha256, c=relaxed/relaxed, size=$(stat -c %s "$MSG")" ]]
}

@test "empty sender stays the null sender; recipients starting with - stay recipients" {
	run deliver -f "" -- -oi -t --bob@example.org
	[ "$status" -eq 0 ]
	[ "$(cat "$FAKE_DIR/argv.1")" = "$(printf '%s\n' -G -i -f '' -- -oi -t --bob@example.org)" ]
}

@test "From domain without a key: passed on unsigned, exit 0, logged" {
	printf 'From: x@other.example\nSubject: hi\n\nhello\n' > "$MSG"
	run deliver -f x@other.example -- bob@example.org
	[ "$status" -eq 0 ]
	[[ "$output" == *"4AbCdE: not signed: no key for domain other.example"* ]]
	cmp "$FAKE_DIR/msg.1" "$MSG"
}

@test "subdomains = yes signs a subdomain's mail with the parent's key" {
	printf 'From: x@mail.example.com\nSubject: hi\n\nhello\n' > "$MSG"
	run deliver -f x@mail.example.com -- bob@example.org
	[[ "$output" == *"no key for domain mail.example.com"* ]]
	echo "subdomains = yes" >> "$CONF"
	run deliver -f x@mail.example.com -- bob@example.org
	[ "$status" -eq 0 ]
	[ "$(tag "$FAKE_DIR/msg.2" d)" = example.com ]
}

@test "refused message (two From): passed on unsigned with a warning" {
	printf 'From: a@example.com\nFrom: b@example.com\n\nhello\n' > "$MSG"
	run deliver -f a@example.com -- bob@example.org
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"warning: 4AbCdE: not signed: message has more than one From header"* ]]
	cmp "$FAKE_DIR/msg.1" "$MSG"
}

@test "refused message with on_refusal = bounce: EX_DATAERR, 5.6.0, nothing resubmitted" {
	echo "on_refusal = bounce" >> "$CONF"
	printf 'From: a@example.com\nFrom: b@example.com\n\nhello\n' > "$MSG"
	run deliver -f a@example.com -- bob@example.org
	[ "$status" -eq 65 ]
	[[ "${lines[0]}" == "5.6.0 dkimpipe: message has more than one From header" ]]
	[ ! -e "$FAKE_DIR/argv.1" ]
}

@test "sendmail exits non-zero: EX_TEMPFAIL (message stays queued)" {
	export FAKE_STATUS=1
	run deliver -f alice@example.com -- bob@example.org
	[ "$status" -eq 75 ]
	[[ "${lines[0]}" == "4.3.0 dkimpipe: $LIB/fake-sendmail exited with status 1" ]]
	export FAKE_STATUS=75
	run deliver -f alice@example.com -- bob@example.org
	[ "$status" -eq 75 ]
}

@test "sendmail killed by a signal: EX_TEMPFAIL" {
	export FAKE_SIGNAL=KILL
	run deliver -f alice@example.com -- bob@example.org
	[ "$status" -eq 75 ]
	[[ "${lines[0]}" == *"killed by signal 9"* ]]
}

@test "sendmail missing: EX_TEMPFAIL" {
	sed -i "s|^sendmail_path.*|sendmail_path = $BATS_TEST_TMPDIR/no-such-sendmail|" "$CONF"
	run deliver -f alice@example.com -- bob@example.org
	[ "$status" -eq 75 ]
	[[ "${lines[0]}" == "4.3.0 dkimpipe: cannot execute $BATS_TEST_TMPDIR/no-such-sendmail" ]]
}

@test "key unreadable or unsafe: EX_TEMPFAIL, nothing resubmitted" {
	sed -i "s|^keyfile.*|keyfile = $W/k/missing.pem|" "$CONF"
	run deliver -f alice@example.com -- bob@example.org
	[ "$status" -eq 75 ]
	[[ "${lines[0]}" == "4.3.0 dkimpipe: cannot open key file $W/k/missing.pem: No such file or directory" ]]
	cp "$W/k/ed.pem" "$BATS_TEST_TMPDIR/open.pem"; chmod 640 "$BATS_TEST_TMPDIR/open.pem"
	sed -i "s|^keyfile.*|keyfile = $BATS_TEST_TMPDIR/open.pem|" "$CONF"
	run deliver -f alice@example.com -- bob@example.org
	[ "$status" -eq 75 ]
	[[ "${lines[0]}" == *"accessible by group or others (mode 0640)"* ]]
	[ ! -e "$FAKE_DIR/argv.1" ]
}

@test "spool failure (temporary directory unusable): EX_TEMPFAIL" {
	echo "tmpdir = $BATS_TEST_TMPDIR/no-such-dir" >> "$CONF"
	$PY -c 'import sys; sys.stdout.write("From: alice@example.com\n\n" + "x" * 100 + "\n" * 300000)' > "$MSG"
	# Postfix's pipe(8) gives a pipe, which must be spooled
	run sh -c 'cat "$1" | "$2" deliver -c "$3" -f alice@example.com -- bob@example.org' - "$MSG" "$DKIMPIPE" "$CONF"
	[ "$status" -eq 75 ]
	[[ "${lines[0]}" == "4.3.0 dkimpipe: cannot create temporary file in $BATS_TEST_TMPDIR/no-such-dir"* ]]
	[ ! -e "$FAKE_DIR/argv.1" ]
}

@test "configuration or usage errors defer rather than bounce" {
	echo "no_such_parameter = 1" >> "$CONF"
	run deliver -f alice@example.com -- bob@example.org
	[ "$status" -eq 75 ]
	[[ "${lines[0]}" == "4.3.5 dkimpipe: $CONF:6: unknown parameter no_such_parameter" ]]
	run "$DKIMPIPE" deliver -c "$CONF" -- bob@example.org < "$MSG"
	[ "$status" -eq 75 ]
	run "$DKIMPIPE" deliver -c "$BATS_TEST_TMPDIR/none.conf" -f a@b -- c@d < "$MSG"
	[ "$status" -eq 75 ]
}

@test "time limit: EX_TEMPFAIL when sendmail hangs" {
	cat > "$BATS_TEST_TMPDIR/slow-sendmail" <<-'EOF'
	#!/bin/sh
	cat > /dev/null
	exec sleep 30
	EOF
	chmod +x "$BATS_TEST_TMPDIR/slow-sendmail"
	sed -i "s|^sendmail_path.*|sendmail_path = $BATS_TEST_TMPDIR/slow-sendmail|" "$CONF"
	echo "time_limit = 2s" >> "$CONF"
	run deliver -f alice@example.com -- bob@example.org
	[ "$status" -eq 75 ]
	[[ "${lines[0]}" == "4.4.7 dkimpipe: time limit exceeded" ]]
}

@test "sendmail that stops reading and exits 0: 75, never reported as delivered" {
	cat > "$BATS_TEST_TMPDIR/quick-sendmail" <<-'EOF'
	#!/bin/sh
	head -c 10 > /dev/null
	exit 0
	EOF
	chmod +x "$BATS_TEST_TMPDIR/quick-sendmail"
	sed -i "s|^sendmail_path.*|sendmail_path = $BATS_TEST_TMPDIR/quick-sendmail|" "$CONF"
	$PY -c 'import sys; sys.stdout.write("From: alice@example.com\n\n" + "x" * 100 + "\n" * 300000)' > "$MSG"
	run deliver -f alice@example.com -- bob@example.org
	echo "$output"
	[ "$status" -eq 75 ]
	[[ "${lines[0]}" == "4.3.0 dkimpipe: "*"quick-sendmail exited with status 0 before reading the whole message"*"not reported as delivered" ]]
}

@test "syslog: one record per message, facility mail, ident dkimpipe[PID]" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to listen on /dev/log"
	[ -e /dev/log ] && skip "a system logger owns /dev/log"
	$PY - "$BATS_TEST_TMPDIR/syslog" <<-'PYEOF' &
	import socket, sys
	s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
	s.bind("/dev/log")
	s.settimeout(10)
	with open(sys.argv[1], "wb") as f:
	    try:
	        while True:
	            f.write(s.recv(4096) + b"\n"); f.flush()
	    except socket.timeout:
	        pass
	PYEOF
	pid=$!
	for i in $(seq 50); do [ -S /dev/log ] && break; sleep 0.1; done
	sed -i '/^log_to/d' "$CONF"
	run deliver -f alice@example.com -- bob@example.org
	[ "$status" -eq 0 ]
	[ -z "$output" ]			# nothing on stderr: pipe(8) would log it
	printf 'From: x@other.example\n\nhello\n' > "$MSG"
	run deliver -f x@other.example -- bob@example.org
	sleep 0.5
	kill $pid; wait $pid 2>/dev/null || true
	rm -f /dev/log
	cat "$BATS_TEST_TMPDIR/syslog"
	# <22> is facility mail (2) at priority info (6)
	grep -Eq '^<22>.*dkimpipe\[[0-9]+\]: 4AbCdE: signed, from=<alice@example.com>, d=example.com, s=e1, a=ed25519-sha256, c=relaxed/relaxed, size=[0-9]+$' "$BATS_TEST_TMPDIR/syslog"
	grep -Eq '^<22>.*dkimpipe\[[0-9]+\]: 4AbCdE: not signed: no key for domain other.example, from=<x@other.example>, size=[0-9]+$' "$BATS_TEST_TMPDIR/syslog"
	[ "$(wc -l < "$BATS_TEST_TMPDIR/syslog")" -eq 2 ]
}

@test "a message without Date and Message-ID gets both before signing: in h=, once each, verifies; one that has them keeps its own" {
	run deliver -f alice@example.com -- bob@example.org
	[ "$status" -eq 0 ]
	f=$FAKE_DIR/msg.1
	[ "$(grep -c '^Date: ' "$f")" -eq 1 ]
	[ "$(grep -c '^Message-ID: <[0-9]\{14\}\.[0-9a-f]\{20\}@[^>]*\.[^>]*>$' "$f")" -eq 1 ]
	# RFC 5322 date: "Tue, 01 Dec 2026 20:49:15 +0000"
	grep -qE '^Date: (Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} [+-][0-9]{4}$' "$f"
	[[ ":$(tag "$f" h):" == *:date:* ]]
	[[ ":$(tag "$f" h):" == *:message-id:* ]]
	$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$f"
	sh "$LIB/verify-opendkim.sh" "$W/k/keys.txt" "$f"
	# the message itself follows, unchanged
	tail -c "$(stat -c %s "$MSG")" "$f" | cmp - "$MSG"
	# two runs, two Message-IDs
	run deliver -f alice@example.com -- bob@example.org
	[ "$(grep -h '^Message-ID:' "$FAKE_DIR"/msg.* | sort -u | wc -l)" -eq 2 ]
	# a message that has both: nothing added
	printf 'From: Alice <alice@example.com>\nDate: Mon, 30 Nov 2026 10:00:00 +0100\nMessage-ID: <own@example.com>\nSubject: hi\n\nhello\n' > "$MSG"
	run deliver -f alice@example.com -- bob@example.org
	f=$FAKE_DIR/msg.3
	[ "$(grep -c '^Date: ' "$f")" -eq 1 ]
	grep -q '^Date: Mon, 30 Nov 2026 10:00:00 +0100$' "$f"
	[ "$(grep -ci '^Message-ID: ' "$f")" -eq 1 ]
	# only the one missing
	printf 'From: Alice <alice@example.com>\nmessage-id: <own@example.com>\nSubject: hi\n\nhello\n' > "$MSG"
	run deliver -f alice@example.com -- bob@example.org
	f=$FAKE_DIR/msg.4
	[ "$(grep -c '^Date: ' "$f")" -eq 1 ]
	[ "$(grep -ci '^Message-ID: ' "$f")" -eq 1 ]
	$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$f"
}

@test "myhostname names the Message-ID's host; add_missing_headers = no adds nothing; CRLF input gets CRLF fields" {
	echo 'myhostname = signer.example.net' >> "$CONF"
	run deliver -f alice@example.com -- bob@example.org
	[ "$status" -eq 0 ]
	grep -q '^Message-ID: <[0-9.a-f]*@signer.example.net>$' "$FAKE_DIR/msg.1"
	printf 'From: Alice <alice@example.com>\r\nSubject: hi\r\n\r\nhello\r\n' > "$MSG"
	run deliver -f alice@example.com -- bob@example.org
	grep -q $'^Date: .*[0-9]\r$' "$FAKE_DIR/msg.2"
	grep -q $'^Message-ID: <.*>\r$' "$FAKE_DIR/msg.2"
	$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$FAKE_DIR/msg.2"
	echo 'add_missing_headers = no' >> "$CONF"
	run deliver -f alice@example.com -- bob@example.org
	[ "$status" -eq 0 ]
	! grep -qi '^Date:\|^Message-ID:' "$FAKE_DIR/msg.3" || false
	echo 'myhostname = bad host' >> "$CONF"
	run deliver -f alice@example.com -- bob@example.org
	[ "$status" -eq 75 ]
	[[ "$output" == *"bad myhostname value"* ]]
}

@test "an unsigned pass (no key for the From domain) is left as it came: nothing added" {
	printf 'From: Alice <alice@elsewhere.example>\nSubject: hi\n\nhello\n' > "$MSG"
	run deliver -f alice@elsewhere.example -- bob@example.org
	[ "$status" -eq 0 ]
	cmp "$FAKE_DIR/msg.1" "$MSG"
}
