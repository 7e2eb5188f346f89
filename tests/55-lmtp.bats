#!/usr/bin/env bats
# lmtp mode (spawn(8)) driven by scripted LMTP sessions against the
# recording fake sendmail: one reply per recipient, pipelining, many
# messages per process, sequence and size errors, a lost connection,
# sendmail failing, and a configuration and key that change while the
# process lives.

load helper

setup_file() {
	export W=$BATS_FILE_TMPDIR
	mkkeys "$W/k"
}

setup() {
	fake_env "$LIB/fake-sendmail" \
	    'From: Alice <alice@example.com>\nTo: bob@example.org\nSubject: hi\n\nhello\n.a line with a leading dot\n'
}

# session - run the script on stdin against dkimpipe lmtp; replies on stdout
session() { $PY "$LIB/lmtp-client.py" "$DKIMPIPE" "$CONF"; }
sent() { ls "$FAKE_DIR" | grep -c '^msg\.' || true; }
verifies() { $PY "$LIB/verify-dkimpy.py" "${2:-$W/k/keys.txt}" "$1"; }

@test "one message, three recipients: one sendmail run, three 250 replies, verifies" {
	run session <<-EOF
	GREETING
	LHLO mx.example.com
	MAIL FROM:<alice@example.com> SIZE=200 BODY=8BITMIME
	RCPT TO:<bob@example.org>
	RCPT TO:<carol@example.net>
	RCPT TO:<"dave smith"@example.net>
	DATA $MSG
	QUIT
	EOF
	echo "$output"
	[ "$(echo "$output" | grep -c '^250 2.0.0 <.*> dkimpipe: signed')" -eq 3 ]
	[ "$(sent)" -eq 1 ]
	[ "$(cat "$FAKE_DIR/argv.1")" = "$(printf '%s\n' -G -i -f alice@example.com -- bob@example.org carol@example.net '"dave smith"@example.net')" ]
	verifies "$FAKE_DIR/msg.1"
	# dot-unstuffed, LF line ends, otherwise unchanged
	tail -c "$(stat -c %s "$MSG")" "$FAKE_DIR/msg.1" | cmp - "$MSG"
	[[ "$output" == *"dkimpipe: NOQUEUE: signed, from=<alice@example.com>, d=example.com, s=e1"* ]]
}

@test "DSN: NOTIFY, ENVID and RET become sendmail's -N, -V and -R; different NOTIFY values, one run each" {
	run session <<-EOF
	GREETING
	LHLO mx.example.com
	MAIL FROM:<alice@example.com> RET=HDRS ENVID=QQ+2Bid-42
	RCPT TO:<bob@example.org> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob@example.org
	RCPT TO:<carol@example.net> NOTIFY=NEVER
	RCPT TO:<dave@example.net> NOTIFY=success,failure
	DATA $MSG
	QUIT
	EOF
	echo "$output"
	[ "$(echo "$output" | grep -c '^250 2.0.0 <.*> dkimpipe: signed')" -eq 3 ]
	[ "$(sent)" -eq 2 ]
	[ "$(cat "$FAKE_DIR/argv.1")" = "$(printf '%s\n' -G -i -N success,failure -V QQ+id-42 -R hdrs -f alice@example.com -- bob@example.org dave@example.net)" ]
	[ "$(cat "$FAKE_DIR/argv.2")" = "$(printf '%s\n' -G -i -N never -V QQ+id-42 -R hdrs -f alice@example.com -- carol@example.net)" ]
	verifies "$FAKE_DIR/msg.1"
	cmp "$FAKE_DIR/msg.1" "$FAKE_DIR/msg.2"
}

@test "DSN parameters with bad syntax are refused" {
	run session <<-EOF
	GREETING
	LHLO mx.example.com
	MAIL FROM:<alice@example.com> RET=MOST
	MAIL FROM:<alice@example.com> ENVID=a=b
	MAIL FROM:<alice@example.com> SMTPUTF8=yes
	MAIL FROM:<alice@example.com> SMTPUTF8
	RCPT TO:<bob@example.org> NOTIFY=SOMETIMES
	RCPT TO:<bob@example.org> NOTIFY=NEVER NOTIFY=NEVER
	RCPT TO:<bob@example.org> ORCPT=bob@example.org
	RCPT TO:<bob@example.org> NOTIFY=DELAY ORCPT=rfc822;bob+2Bx@example.org
	QUIT
	EOF
	echo "$output"
	[ "$(echo "$output" | grep -c '^501 5.5.4 bad RET parameter')" -eq 1 ]
	[ "$(echo "$output" | grep -c '^501 5.5.4 bad ENVID parameter')" -eq 1 ]
	[ "$(echo "$output" | grep -c '^501 5.5.4 SMTPUTF8 takes no value')" -eq 1 ]
	[ "$(echo "$output" | grep -c '^555 5.5.4 unsupported or bad RCPT parameter')" -eq 3 ]
	[ "$(echo "$output" | grep -c '^250 2.1.5 Ok')" -eq 1 ]
}

@test "LHLO advertises what Postfix's lmtp client uses" {
	run session <<< $'GREETING\nLHLO x\nQUIT'
	for ext in PIPELINING SIZE ENHANCEDSTATUSCODES 8BITMIME SMTPUTF8 DSN 'XFORWARD NAME ADDR PROTO HELO SOURCE PORT IDENT'; do
		echo "$output" | grep -q "^250[- ]$ext\$"
	done
}

@test "everything pipelined in one write; XFORWARD IDENT becomes the queue id in the log" {
	run session <<-EOF
	GREETING
	PIPELINE
	LHLO x
	XFORWARD NAME=client.example.com ADDR=127.0.0.1 IDENT=4XyZ12
	MAIL FROM:<alice@example.com>
	RCPT TO:<bob@example.org>
	RCPT TO:<carol@example.net>
	END
	DATA $MSG
	QUIT
	EOF
	echo "$output"
	[ "$(echo "$output" | grep -c '^250 2.0.0 <')" -eq 2 ]
	[[ "$output" == *"dkimpipe: 4XyZ12: signed, from=<alice@example.com>"* ]]
	verifies "$FAKE_DIR/msg.1"
}

@test "no XFORWARD IDENT (sendmail(1) mail): the queue id in Postfix's topmost Received: names the message" {
	{
		printf 'Received: by mx.example.com (Postfix, from userid 0)\n\tid 4QiD7Zx1y; Tue,  1 Dec 2026 12:00:00 +0000 (UTC)\n'
		printf 'Received: from evil (evil [192.0.2.1]) by evil (Postfix) with ESMTP id FORGED99\n'
		cat "$MSG"
	} > "$BATS_TEST_TMPDIR/pickup.eml"
	# a topmost Received: that is not Postfix's names nothing
	{ printf 'Received: from x by y with SMTP id NOTPOSTFIX1; Tue, 1 Dec 2026\n'; cat "$BATS_TEST_TMPDIR/pickup.eml"; } > "$BATS_TEST_TMPDIR/other.eml"
	run session <<-EOF
	GREETING
	LHLO x
	MAIL FROM:<alice@example.com>
	RCPT TO:<bob@example.org>
	DATA $BATS_TEST_TMPDIR/pickup.eml
	MAIL FROM:<alice@example.com>
	RCPT TO:<bob@example.org>
	DATA $BATS_TEST_TMPDIR/other.eml
	QUIT
	EOF
	echo "$output"
	[[ "$output" == *"250 2.0.0 <bob@example.org> dkimpipe: 4QiD7Zx1y: signed"* ]]
	[[ "$output" == *"dkimpipe: 4QiD7Zx1y: signed, from=<alice@example.com>"* ]]
	[[ "$output" == *"NOQUEUE: signed, from=<alice@example.com>"* ]]
	[[ "$output" != *FORGED99* ]]
	[[ "$output" != *NOTPOSTFIX1* ]]
}

@test "the whole session, DATA included, in one write (stdin from a file)" {
	{
		printf 'LHLO x\r\nMAIL FROM:<>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\n'
		sed 's/^\./../; s/$/\r/' "$MSG"
		printf '.\r\nQUIT\r\n'
	} > "$BATS_TEST_TMPDIR/session"
	run "$DKIMPIPE" lmtp -c "$CONF" < "$BATS_TEST_TMPDIR/session"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"250 2.0.0 <bob@example.org> dkimpipe: signed"* ]]
	[ "$(sed -n 4p "$FAKE_DIR/argv.1")" = "" ]
	verifies "$FAKE_DIR/msg.1"
}

@test "2 and then 100 messages in one process, RSET between: each passed on once, signed" {
	{
		echo GREETING; echo "LHLO x"
		for i in $(seq 102); do
			echo "MAIL FROM:<alice@example.com>"
			echo "RCPT TO:<r$i@example.org>"
			echo "DATA $MSG"
			echo RSET
		done
		echo QUIT
	} > "$BATS_TEST_TMPDIR/script"
	run session < "$BATS_TEST_TMPDIR/script"
	[ "$(echo "$output" | grep -c '^250 2.0.0 <r[0-9]*@example.org> dkimpipe: signed')" -eq 102 ]
	[ "$(sent)" -eq 102 ]
	[ "$(echo "$output" | grep -c 'dkimpipe\[\?[0-9]*\]\?: NOQUEUE: signed\|dkimpipe: NOQUEUE: signed')" -eq 102 ]
	for i in 1 2 57 102; do
		[ "$(tail -n 1 "$FAKE_DIR/argv.$i")" = "r$i@example.org" ]
		verifies "$FAKE_DIR/msg.$i"
	done
}

@test "bad sequence: 503, and the session goes on" {
	run session <<-EOF
	GREETING
	MAIL FROM:<alice@example.com>
	LHLO x
	RCPT TO:<bob@example.org>
	DATA
	MAIL FROM:<alice@example.com>
	MAIL FROM:<alice@example.com>
	DATA
	HELO x
	FOO bar
	MAIL FROM:<alice@example.com>
	RSET
	MAIL FROM:<alice@example.com>
	RCPT TO:<bob@example.org>
	DATA $MSG
	QUIT
	EOF
	echo "$output"
	[ "$(echo "$output" | grep -c '^503 5.5.1')" -eq 6 ]
	echo "$output" | grep -q '^500 5.5.1 this is LMTP: use LHLO'
	echo "$output" | grep -q '^500 5.5.2 unknown command'
	echo "$output" | grep -q '^250 2.0.0 <bob@example.org>'
	[ "$(sent)" -eq 1 ]
}

@test "bad syntax: addresses and parameters" {
	run session <<-EOF
	GREETING
	LHLO x
	MAIL FROM:alice@example.com
	MAIL FROM:<alice@example.com> FOO=bar
	MAIL FROM:<alice@example.com> SIZE=abc
	MAIL FROM:<alice@example.com> BODY=BINARYMIME
	MAIL FROM:<alice@example.com> SMTPUTF8 RET=HDRS ENVID=x
	RCPT TO:<>
	RCPT TO:<bob@example.org> BAR=1
	RCPT TO:<a b@example.org>
	QUIT
	EOF
	echo "$output"
	[ "$(echo "$output" | grep -c '^501 5.1.7')" -eq 1 ]
	[ "$(echo "$output" | grep -c '^555 5.5.4')" -eq 3 ]
	[ "$(echo "$output" | grep -c '^501 5.5.4')" -eq 1 ]
	[ "$(echo "$output" | grep -c '^501 5.1.3')" -eq 2 ]
	[ "$(echo "$output" | grep -c '^250 2.1.0')" -eq 1 ]
}

@test "an over-long command line is refused and skipped; the session goes on" {
	long=$(head -c 5000 /dev/zero | tr '\0' a)
	run session <<-EOF
	GREETING
	LHLO x
	MAIL FROM:<$long@example.com>
	MAIL FROM:<alice@example.com>
	RCPT TO:<bob@example.org>
	DATA $MSG
	QUIT
	EOF
	echo "$output"
	echo "$output" | grep -q '^500 5.5.2 line too long'
	echo "$output" | grep -q '^250 2.0.0 <bob@example.org>'
	[ "$(sent)" -eq 1 ]
}

@test "SIZE over message_size_limit: 552 at MAIL; a larger DATA than announced: 554 5.3.4, nothing passed on" {
	echo "message_size_limit = 1000" >> "$CONF"
	head -c 3000 /dev/zero | tr '\0' x | fold -w 70 >> "$MSG"
	run session <<-EOF
	GREETING
	LHLO x
	MAIL FROM:<alice@example.com> SIZE=5000
	MAIL FROM:<alice@example.com> SIZE=500
	RCPT TO:<bob@example.org>
	RCPT TO:<carol@example.org>
	DATA $MSG
	QUIT
	EOF
	echo "$output"
	echo "$output" | grep -q '^250-SIZE 1000$'
	echo "$output" | grep -q '^552 5.3.4'
	[ "$(echo "$output" | grep -c '^554 5.3.4 <')" -eq 2 ]
	[ "$(sent)" -eq 0 ]
}

@test "connection lost in the middle of DATA: nothing passed on, no spool left" {
	export TMPDIR=$BATS_TEST_TMPDIR/tmp
	mkdir -p "$TMPDIR"
	echo "tmpdir = $TMPDIR" >> "$CONF"
	head -c 400000 /dev/urandom | base64 >> "$MSG"
	{
		printf 'LHLO x\r\nMAIL FROM:<alice@example.com>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\n'
		head -c 300000 "$MSG"
	} > "$BATS_TEST_TMPDIR/session"
	run "$DKIMPIPE" lmtp -c "$CONF" < "$BATS_TEST_TMPDIR/session"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"lost connection in DATA; nothing passed on"* ]]
	[ "$(sent)" -eq 0 ]
	[ -z "$(ls -A "$TMPDIR")" ]
}

@test "sendmail fails: 451 4.3.0 for every recipient; killed: the same" {
	export FAKE_STATUS=1
	run session <<-EOF
	GREETING
	LHLO x
	MAIL FROM:<alice@example.com>
	RCPT TO:<bob@example.org>
	RCPT TO:<carol@example.org>
	DATA $MSG
	QUIT
	EOF
	echo "$output"
	[ "$(echo "$output" | grep -c '^451 4.3.0 <.*exited with status 1')" -eq 2 ]
	! echo "$output" | grep -q '^250 2.0.0 <' || false
	unset FAKE_STATUS
	export FAKE_SIGNAL=KILL
	run session <<-EOF
	GREETING
	LHLO x
	MAIL FROM:<alice@example.com>
	RCPT TO:<bob@example.org>
	DATA $MSG
	QUIT
	EOF
	echo "$output"
	echo "$output" | grep -q '^451 4.3.0 <bob@example.org> .*killed by signal 9'
}

@test "sendmail's own output never reaches the LMTP stream; its error text becomes the reason" {
	cat > "$BATS_TEST_TMPDIR/noisy-sendmail" <<-'EOF'
	#!/bin/sh
	cat > /dev/null
	printf '250 2.0.0 <x> fake reply on stdout\r\n'
	echo "sendmail: fatal: User dkimpipe(995) is not allowed to submit mail" >&2
	exit "${NOISY_STATUS:-0}"
	EOF
	chmod +x "$BATS_TEST_TMPDIR/noisy-sendmail"
	echo "sendmail_path = $BATS_TEST_TMPDIR/noisy-sendmail" >> "$CONF"
	script=$(printf 'GREETING\nLHLO x\nMAIL FROM:<alice@example.com>\nRCPT TO:<bob@example.org>\nDATA %s\nQUIT\n' "$MSG")
	run session <<< "$script"
	echo "$output"
	! echo "$output" | grep -q 'fake reply' || false
	echo "$output" | grep -q '^250 2.0.0 <bob@example.org> dkimpipe: signed'
	echo "$output" | grep -q '^221 '
	export NOISY_STATUS=75
	run session <<< "$script"
	echo "$output"
	! echo "$output" | grep -q 'fake reply' || false
	echo "$output" | grep -q '^451 4.3.0 <bob@example.org> .*exited with status 75: sendmail: fatal: User dkimpipe(995) is not allowed to submit mail$'
	echo "$output" | grep -q '^221 '
}

@test "sendmail hanging past time_limit: killed, 451 4.3.0, the session goes on" {
	cat > "$BATS_TEST_TMPDIR/slow-sendmail" <<-EOF
	#!/bin/sh
	cat > /dev/null
	exec sleep 30
	EOF
	chmod +x "$BATS_TEST_TMPDIR/slow-sendmail"
	printf 'sendmail_path = %s\ntime_limit = 1\n' "$BATS_TEST_TMPDIR/slow-sendmail" >> "$CONF"
	run session <<-EOF
	GREETING
	LHLO x
	MAIL FROM:<alice@example.com>
	RCPT TO:<bob@example.org>
	DATA $MSG
	NOOP
	QUIT
	EOF
	echo "$output"
	echo "$output" | grep -q '^451 4.3.0 <bob@example.org> .*killed by signal 9'
	echo "$output" | grep -q '^250 2.0.0 Ok'
}

@test "deliver's policy: no key and refusals pass on unsigned; on_refusal = bounce gives 554 5.6.0" {
	printf 'From: x@other.example\nSubject: hi\n\nhello\n' > "$BATS_TEST_TMPDIR/nokey.eml"
	printf 'From: a@example.com\nFrom: b@example.com\n\nhello\n' > "$BATS_TEST_TMPDIR/twofrom.eml"
	script=$(printf 'GREETING\nLHLO x\nMAIL FROM:<x@other.example>\nRCPT TO:<bob@example.org>\nDATA %s\nMAIL FROM:<a@example.com>\nRCPT TO:<bob@example.org>\nDATA %s\nQUIT\n' \
	    "$BATS_TEST_TMPDIR/nokey.eml" "$BATS_TEST_TMPDIR/twofrom.eml")
	run session <<< "$script"
	echo "$output"
	[ "$(echo "$output" | grep -c '^250 2.0.0 <bob@example.org> dkimpipe: passed on unsigned')" -eq 2 ]
	cmp "$FAKE_DIR/msg.1" "$BATS_TEST_TMPDIR/nokey.eml"
	cmp "$FAKE_DIR/msg.2" "$BATS_TEST_TMPDIR/twofrom.eml"
	echo "on_refusal = bounce" >> "$CONF"
	run session <<< "$script"
	echo "$output"
	echo "$output" | grep -q '^554 5.6.0 <bob@example.org>'
	[ "$(sent)" -eq 3 ]
}

@test "the configuration edited between two transactions takes effect at the next one" {
	run session <<-EOF
	GREETING
	LHLO x
	MAIL FROM:<alice@example.com>
	RCPT TO:<bob@example.org>
	DATA $MSG
	!sed -i 's/^selector = e1/selector = e2/' '$CONF'
	MAIL FROM:<alice@example.com>
	RCPT TO:<bob@example.org>
	DATA $MSG
	QUIT
	EOF
	echo "$output"
	[ "$(tag "$FAKE_DIR/msg.1" s)" = e1 ]
	[ "$(tag "$FAKE_DIR/msg.2" s)" = e2 ]
	[[ "$output" == *"configuration changed"* ]]
}

@test "a broken configuration gives 451 (never a bounce) and one log line, until it is fixed" {
	cp "$CONF" "$BATS_TEST_TMPDIR/good.conf"
	run session <<-EOF
	GREETING
	LHLO x
	!echo 'no_such_parameter = 1' >> '$CONF'
	MAIL FROM:<alice@example.com>
	MAIL FROM:<alice@example.com>
	!cp '$BATS_TEST_TMPDIR/good.conf' '$CONF'
	MAIL FROM:<alice@example.com>
	RCPT TO:<bob@example.org>
	DATA $MSG
	QUIT
	EOF
	echo "$output"
	[ "$(echo "$output" | grep -c '^451 4.3.5 dkimpipe: configuration error: .*unknown parameter no_such_parameter')" -eq 2 ]
	[ "$(echo "$output" | grep -c 'error: configuration: .*unknown parameter')" -eq 1 ]
	echo "$output" | grep -q '^250 2.0.0 <bob@example.org> dkimpipe: signed'
	[ "$(sent)" -eq 1 ]
}

@test "a key file replaced between two transactions: the next message is signed with the new key" {
	cp "$W/k/ed.pem" "$BATS_TEST_TMPDIR/key.pem"
	sed -i "s|^keyfile = .*|keyfile = $BATS_TEST_TMPDIR/key.pem|" "$CONF"
	openssl genpkey -algorithm ed25519 -out "$BATS_TEST_TMPDIR/new.pem" 2>/dev/null
	chmod 600 "$BATS_TEST_TMPDIR/new.pem"
	printf 'e1._domainkey.example.com v=DKIM1; k=ed25519; p=%s\n' \
	    "$(openssl pkey -in "$BATS_TEST_TMPDIR/new.pem" -pubout -outform DER | tail -c 32 | base64 -w0)" > "$BATS_TEST_TMPDIR/new.txt"
	run session <<-EOF
	GREETING
	LHLO x
	MAIL FROM:<alice@example.com>
	RCPT TO:<bob@example.org>
	DATA $MSG
	MAIL FROM:<alice@example.com>
	RCPT TO:<bob@example.org>
	DATA $MSG
	!mv '$BATS_TEST_TMPDIR/new.pem' '$BATS_TEST_TMPDIR/key.pem'
	MAIL FROM:<alice@example.com>
	RCPT TO:<bob@example.org>
	DATA $MSG
	!chmod 644 '$BATS_TEST_TMPDIR/key.pem'
	MAIL FROM:<alice@example.com>
	RCPT TO:<bob@example.org>
	DATA $MSG
	QUIT
	EOF
	echo "$output"
	verifies "$FAKE_DIR/msg.1"
	verifies "$FAKE_DIR/msg.2"
	verifies "$FAKE_DIR/msg.3" "$BATS_TEST_TMPDIR/new.txt"
	! verifies "$FAKE_DIR/msg.3" || false
	# an unsafe key is refused at once, as in deliver: the message waits
	echo "$output" | grep -q '^451 4.3.0 <bob@example.org> .*accessible by group or others'
	[ "$(sent)" -eq 3 ]
}

@test "bounded lifetime: lmtp_max_messages ends the process between transactions" {
	echo "lmtp_max_messages = 2" >> "$CONF"
	run session <<-EOF
	GREETING
	LHLO x
	MAIL FROM:<alice@example.com>
	RCPT TO:<bob@example.org>
	DATA $MSG
	MAIL FROM:<alice@example.com>
	RCPT TO:<bob@example.org>
	DATA $MSG
	RSET
	EOF
	echo "$output"
	[ "$(echo "$output" | grep -c '^250 2.0.0 <bob@example.org>')" -eq 2 ]
	echo "$output" | grep -q '^EOF$'
	echo "$output" | grep -q '^EXIT 0$'
}

@test "bounded lifetime: an idle process ends after lmtp_idle_time, a busy one after lmtp_lifetime" {
	echo "lmtp_idle_time = 1" >> "$CONF"
	run session <<-EOF
	GREETING
	LHLO x
	!sleep 2
	NOOP
	EOF
	echo "$output"
	echo "$output" | grep -q '^EOF$'
	sed -i 's/^lmtp_idle_time.*/lmtp_lifetime = 2/' "$CONF"
	run session <<-EOF
	GREETING
	LHLO x
	MAIL FROM:<alice@example.com>
	!sleep 3
	RCPT TO:<bob@example.org>
	DATA $MSG
	NOOP
	EOF
	echo "$output"
	# the transaction that had begun is finished, then the process ends
	echo "$output" | grep -q '^250 2.0.0 <bob@example.org>'
	echo "$output" | grep -q '^EOF$'
}

@test "nothing is written to stderr, not even errors (under spawn(8) it is the socket)" {
	sed -i '/^log_to/d' "$CONF"
	echo 'keyfile = /nonexistent/key.pem' >> "$CONF"
	printf 'LHLO x\r\nMAIL FROM:<alice@example.com>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\nFrom: alice@example.com\r\n\r\nhi\r\n.\r\nBOGUS\r\nQUIT\r\n' |
	    "$DKIMPIPE" lmtp -c "$CONF" > "$BATS_TEST_TMPDIR/out" 2> "$BATS_TEST_TMPDIR/err"
	cat "$BATS_TEST_TMPDIR/out"
	grep -q '^451 4.3.0 <bob@example.org> .*cannot open key file /nonexistent/key.pem' "$BATS_TEST_TMPDIR/out"
	[ ! -s "$BATS_TEST_TMPDIR/err" ]
}

@test "rotation by activate= (activation_check = time) follows the clock of each message in one long-lived process" {
	openssl genpkey -algorithm ed25519 -out "$BATS_TEST_TMPDIR/next.pem" 2>/dev/null
	chmod 600 "$BATS_TEST_TMPDIR/next.pem"
	at=$(( $(date +%s) + 3 ))
	printf 'cur  example.com:e1:%s\nnext example.com:e9:%s activate=@%s\n' \
	    "$W/k/ed.pem" "$BATS_TEST_TMPDIR/next.pem" "$at" > "$BATS_TEST_TMPDIR/KeyTable"
	printf '*@example.com cur\n*@example.com next\n' > "$BATS_TEST_TMPDIR/SigningTable"
	cat > "$CONF" <<-EOF
	keytable = $BATS_TEST_TMPDIR/KeyTable
	signingtable = refile:$BATS_TEST_TMPDIR/SigningTable
	sendmail_path = $LIB/fake-sendmail
	log_to = stderr
	activation_check = time
	EOF
	run session <<-EOF
	GREETING
	LHLO x
	MAIL FROM:<alice@example.com>
	RCPT TO:<bob@example.org>
	DATA $MSG
	!sleep 4
	MAIL FROM:<alice@example.com>
	RCPT TO:<bob@example.org>
	DATA $MSG
	QUIT
	EOF
	echo "$output"
	[ "$(tag "$FAKE_DIR/msg.1" s)" = e1 ]
	[ "$(tag "$FAKE_DIR/msg.2" s)" = e9 ]
	[ "$(signatures "$FAKE_DIR/msg.2" | wc -l)" -eq 1 ]
}
