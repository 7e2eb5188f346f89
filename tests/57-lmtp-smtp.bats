#!/usr/bin/env bats
# lmtp mode with re-injection over SMTP (reinject = smtp:[127.0.0.1]:PORT)
# into a test SMTP server on loopback: one persistent connection, each
# recipient gets the next hop's own answer, and every doubt is a 4xx.

load helper
load lib/sink-env

setup_file() {
	export W=$BATS_FILE_TMPDIR
	mkkeys "$W/k"
}

setup() {
	sink_setup
}

teardown() {
	sink_teardown
}

session() { $PY "$LIB/lmtp-client.py" "$DKIMPIPE" "$CONF"; }

@test "deliver over SMTP: SIGTERM while the next hop has not yet answered the dot: waits for its 250, exit 0, stored once" {
	start_sink
	touch "$SINK/stall"
	"$DKIMPIPE" deliver -c "$CONF" -f alice@example.com -- bob@example.org < "$MSG" > "$BATS_TEST_TMPDIR/out" 2>&1 &
	local pid=$!
	for i in $(seq 100); do [ -e "$SINK/connections" ] && break; sleep 0.05; done
	sleep 0.5	# the dot is out, the reply stalls
	kill -TERM $pid
	sleep 0.5
	rm "$SINK/stall"
	st=0; wait $pid || st=$?
	cat "$BATS_TEST_TMPDIR/out"
	[ "$st" -eq 0 ]
	[ "$(stored)" -eq 1 ]
}

@test "lmtp over SMTP: SIGTERM while the next hop has not yet answered the dot: the client gets its 250, then the session ends" {
	start_sink
	touch "$SINK/stall"
	run session <<-EOF
	GREETING
	LHLO x
	MAIL FROM:<alice@example.com>
	RCPT TO:<bob@example.org>
	!sh -c 'sleep 1; pkill -TERM -f "dkimpipe lmtp -c $CONF"; sleep 0.5; rm $SINK/stall' &
	DATA $MSG
	MAIL FROM:<alice@example.com>
	EOF
	echo "$output"
	echo "$output" | grep -q '^250 2.0.0 <bob@example.org> .*queued as 1'
	[ "$(stored)" -eq 1 ]
}

@test "three messages over one SMTP connection: each stored once, signed, verifies; CRLF and dots intact" {
	start_sink
	run session <<-EOF
	GREETING
	LHLO x
	MAIL FROM:<alice@example.com>
	RCPT TO:<bob@example.org>
	RCPT TO:<carol@example.net>
	DATA $MSG
	MAIL FROM:<>
	RCPT TO:<bob@example.org>
	DATA $MSG
	RSET
	MAIL FROM:<alice@example.com>
	RCPT TO:<dave@example.net>
	DATA $MSG
	QUIT
	EOF
	echo "$output"
	[ "$(echo "$output" | grep -c '^250 2.0.0 <.*> dkimpipe: signed and passed on (queued as [0-9]*)')" -eq 4 ]
	[ "$(stored)" -eq 3 ]
	[ "$(cat "$SINK/connections")" -eq 1 ]
	grep -q '^MAIL FROM:<>$' "$SINK/2.env"
	[ "$(grep -c '^RCPT' "$SINK/1.env")" -eq 2 ]
	for i in 1 2 3; do
		$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$SINK/$i.eml"
		# what arrived is our message with CRLF line ends
		tail -c "$(stat -c %s "$MSG" | awk '{print $1 + 7}')" "$SINK/$i.eml" | tr -d '\r' | tail -c "$(stat -c %s "$MSG")" | cmp - "$MSG"
	done
}

@test "each recipient gets the next hop's own answer: 250, 550, 450 in order" {
	start_sink
	run session <<-EOF
	GREETING
	LHLO x
	MAIL FROM:<alice@example.com>
	RCPT TO:<bob@example.org>
	RCPT TO:<reject5@example.org>
	RCPT TO:<reject4@example.org>
	DATA $MSG
	QUIT
	EOF
	echo "$output"
	replies=$(echo "$output" | grep '^[0-9][0-9][0-9] ' | tail -n 4)
	echo "$replies" | sed -n 1p | grep -q '^250 2.0.0 <bob@example.org>'
	echo "$replies" | sed -n 2p | grep -q '^550 5.1.1 <reject5@example.org> dkimpipe: not passed on: .* said: no such user'
	echo "$replies" | sed -n 3p | grep -q '^450 4.2.1 <reject4@example.org> dkimpipe: not passed on: .* said: try again later'
	[ "$(stored)" -eq 1 ]
	[ "$(grep -c '^RCPT' "$SINK/1.env")" -eq 1 ]
}

@test "re-injection server down: 451 for every recipient, and delivered once it is back (same process)" {
	run session <<-EOF
	GREETING
	LHLO x
	MAIL FROM:<alice@example.com>
	RCPT TO:<bob@example.org>
	RCPT TO:<carol@example.org>
	DATA $MSG
	!$PY '$LIB/smtp-sink.py' $PORT '$SINK' >/dev/null 2>&1 3>&- & echo \$! > '$BATS_TEST_TMPDIR/pid'; sleep 1
	MAIL FROM:<alice@example.com>
	RCPT TO:<bob@example.org>
	DATA $MSG
	QUIT
	EOF
	SINK_PID=$(cat "$BATS_TEST_TMPDIR/pid")
	echo "$output"
	[ "$(echo "$output" | grep -c '^451 4.4.1 <.*> dkimpipe: not passed on: .*cannot reach the re-injection server')" -eq 2 ]
	echo "$output" | grep -q '^250 2.0.0 <bob@example.org> dkimpipe: signed'
	[ "$(stored)" -eq 1 ]
}

@test "connection dropped after the dot without an answer: 451 (Postfix keeps the message)" {
	start_sink
	run session <<-EOF
	GREETING
	LHLO x
	MAIL FROM:<dropme@example.com>
	RCPT TO:<bob@example.org>
	DATA $MSG
	MAIL FROM:<alice@example.com>
	RCPT TO:<bob@example.org>
	DATA $MSG
	QUIT
	EOF
	echo "$output"
	echo "$output" | grep -q '^451 4.4.2 <bob@example.org> dkimpipe: not passed on: .*lost connection'
	# the next message goes over a new connection
	echo "$output" | grep -q '^250 2.0.0 <bob@example.org> dkimpipe: signed'
	[ "$(stored)" -eq 1 ]
	[ "$(cat "$SINK/connections")" -eq 2 ]
}

@test "re-injection server restarted between two messages: RSET finds it gone, one reconnect, delivered" {
	start_sink
	run session <<-EOF
	GREETING
	LHLO x
	MAIL FROM:<alice@example.com>
	RCPT TO:<bob@example.org>
	DATA $MSG
	!kill $SINK_PID; sleep 0.5; rm -f '$SINK/ready'; $PY '$LIB/smtp-sink.py' $PORT '$SINK' >/dev/null 2>&1 3>&- & echo \$! > '$BATS_TEST_TMPDIR/pid'; sleep 1
	MAIL FROM:<alice@example.com>
	RCPT TO:<bob@example.org>
	DATA $MSG
	QUIT
	EOF
	SINK_PID=$(cat "$BATS_TEST_TMPDIR/pid")
	echo "$output"
	[ "$(echo "$output" | grep -c '^250 2.0.0 <bob@example.org> dkimpipe: signed')" -eq 2 ]
	[ "$(stored)" -eq 2 ]
}

@test "reinject must name a loopback address: anything else is a configuration error (451), nothing sent" {
	sed -i 's/^reinject = .*/reinject = smtp:[192.0.2.1]:25/' "$CONF"
	run session <<-EOF
	GREETING
	LHLO x
	MAIL FROM:<alice@example.com>
	QUIT
	EOF
	echo "$output"
	echo "$output" | grep -q '^451 4.3.5 dkimpipe: configuration error: .*bad reinject value "smtp:\[192.0.2.1\]:25"'
	for v in 'smtp:127.0.0.1' 'smtp:[::1]' 'lmtp:[127.0.0.1]:24' 'smtp:localhost:25'; do
		printf 'domain = example.com\nselector = e1\nkeyfile = %s\nreinject = %s\n' "$W/k/ed.pem" "$v" > "$CONF"
		run "$DKIMPIPE" check -c "$CONF"
		[ "$status" -eq 78 ]
	done
	printf 'domain = example.com\nselector = e1\nkeyfile = %s\nreinject = smtp:[::1]:10026\n' "$W/k/ed.pem" > "$CONF"
	run "$DKIMPIPE" check -c "$CONF"
	[ "$status" -eq 0 ]
}

@test "SMTPUTF8, BODY, DSN parameters reach the next hop exactly when it offers the extension" {
	export SINK_EXT="8BITMIME SMTPUTF8 DSN"
	start_sink
	run session <<-EOF
	GREETING
	LHLO x
	MAIL FROM:<alice@example.com> BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=id+2B1
	RCPT TO:<bob@example.org> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob@example.org
	RCPT TO:<carol@example.net>
	DATA $MSG
	MAIL FROM:<alice@example.com>
	RCPT TO:<bob@example.org>
	DATA $MSG
	QUIT
	EOF
	echo "$output"
	[ "$(stored)" -eq 2 ]
	cat "$SINK"/1.env "$SINK"/2.env
	[ "$(sed -n 1p "$SINK/1.env")" = "MAIL FROM:<alice@example.com> BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=id+2B1" ]
	[ "$(sed -n 2p "$SINK/1.env")" = "RCPT TO:<bob@example.org> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob@example.org" ]
	[ "$(sed -n 3p "$SINK/1.env")" = "RCPT TO:<carol@example.net>" ]
	# not requested: not added
	[ "$(sed -n 1p "$SINK/2.env")" = "MAIL FROM:<alice@example.com>" ]
	stop_sink
	export SINK_EXT="8BITMIME"
	rm -rf "$SINK"
	start_sink
	run session <<-EOF
	GREETING
	LHLO x
	MAIL FROM:<alice@example.com> BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=id+2B1
	RCPT TO:<bob@example.org> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob@example.org
	DATA $MSG
	QUIT
	EOF
	[ "$(stored)" -eq 1 ]
	[ "$(sed -n 1p "$SINK/1.env")" = "MAIL FROM:<alice@example.com> BODY=8BITMIME" ]
	[ "$(sed -n 2p "$SINK/1.env")" = "RCPT TO:<bob@example.org>" ]
}

# deliver (pipe(8)) with reinject = smtp:...: one answer for all recipients
deliver() { "$DKIMPIPE" deliver -c "$CONF" -q 4AbCdE "$@" < "$MSG"; }

@test "deliver over SMTP: stored once, signed, verifies; exit 0" {
	start_sink
	run deliver -f alice@example.com -- bob@example.org carol@example.net
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(stored)" -eq 1 ]
	[ "$(cat "$SINK/1.env")" = "$(printf '%s\n' 'MAIL FROM:<alice@example.com>' 'RCPT TO:<bob@example.org>' 'RCPT TO:<carol@example.net>')" ]
	$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$SINK/1.eml"
}

@test "deliver over SMTP: one refused recipient means no DATA at all: 75 if any refusal was temporary, else 5xx" {
	start_sink
	run deliver -f alice@example.com -- bob@example.org reject5@example.org reject4@example.org
	echo "$output"
	[ "$status" -eq 75 ]
	[[ "${lines[0]}" == "4.3.0 dkimpipe: smtp:[127.0.0.1]:$PORT said: 450"* ]]
	run deliver -f alice@example.com -- bob@example.org reject5@example.org
	echo "$output"
	[ "$status" -eq 65 ]
	[[ "${lines[0]}" == "5.3.0 dkimpipe: smtp:[127.0.0.1]:$PORT said: 550"* ]]
	[ "$(stored)" -eq 0 ]
	# the server down: 75, nothing lost
	stop_sink
	run deliver -f alice@example.com -- bob@example.org
	[ "$status" -eq 75 ]
	[[ "${lines[0]}" == "4.3.0 dkimpipe: smtp:[127.0.0.1]:$PORT said: 451 4.4.1 cannot reach the re-injection server" ]]
}

@test "deliver over SMTP: SMTPUTF8 is asked for exactly when an envelope address is not ASCII" {
	export SINK_EXT="8BITMIME SMTPUTF8"
	start_sink
	printf 'From: J\303\266rg <alice@example.com>\nSubject: \303\274\n\nx\n' > "$MSG"
	deliver -f alice@example.com -- bob@example.org
	deliver -f alice@example.com -- "j$(printf '\303\266')rg@example.org"
	[ "$(stored)" -eq 2 ]
	[ "$(sed -n 1p "$SINK/1.env")" = "MAIL FROM:<alice@example.com>" ]
	[ "$(sed -n 1p "$SINK/2.env")" = "MAIL FROM:<alice@example.com> SMTPUTF8" ]
}
