#!/usr/bin/env bats
# "dkimpipe proxy" in scripted ESMTP sessions, as Postfix's smtpd speaks
# to an smtpd_proxy_filter, with a recording next hop (tests/lib/
# smtp-sink.py): MAIL and RCPT get the next hop's own answers, the end of
# DATA one reply, and nothing reaches the next hop that is not whole and
# signed (or passed on unsigned by the policy).

load helper
load lib/sink-env

setup_file() {
	export W=$BATS_FILE_TMPDIR
	mkkeys "$W/k"
}

setup() {
	sink_setup
	export SINK_EXT="8BITMIME SMTPUTF8 DSN XFORWARD"
}

teardown() {
	sink_teardown
}

session() { $PY "$LIB/lmtp-client.py" "$DKIMPIPE" "$CONF" proxy; }

@test "pipelined transaction, three recipients one refused by the next hop: its 550 relayed, one copy for two, signed, verifies" {
	start_sink
	run session <<-EOF
	GREETING
	EHLO mx.example.com
	PIPELINE
	MAIL FROM:<alice@example.com> SIZE=200
	RCPT TO:<bob@example.org>
	RCPT TO:<reject5@example.org>
	RCPT TO:<carol@example.net>
	END
	DATA $MSG
	QUIT
	EOF
	echo "$output"
	[[ $output == *"220 dkimpipe ESMTP ready"* ]]
	[[ $output == *"250-PIPELINING"*"250-DSN"*"250 XFORWARD"* ]]
	[ "$(echo "$output" | grep -c '^250 2.1.5 ok$')" -eq 2 ]
	echo "$output" | grep -q '^550 5.1.1 no such user$'
	echo "$output" | grep -q '^250 2.0.0 queued as 1$'
	[ "$(stored)" -eq 1 ]
	[ "$(grep -c '^RCPT' "$SINK/1.env")" -eq 2 ]
	! grep -q reject5 "$SINK/1.env" || false
	$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$SINK/1.eml"
	# what arrived is our message, CRLF, the leading dot intact
	tail -c "$(stat -c %s "$MSG" | awk '{print $1 + 7}')" "$SINK/1.eml" | tr -d '\r' | tail -c "$(stat -c %s "$MSG")" | cmp - "$MSG"
	[[ $output == *"dkimpipe: 1: signed, from=<alice@example.com>"* ]]
}

@test "RSET and reuse: null sender, a refused sender, then two messages on one next-hop connection" {
	start_sink
	run session <<-EOF
	GREETING
	EHLO mx.example.com
	MAIL FROM:<mailreject@example.com>
	MAIL FROM:<>
	RCPT TO:<bob@example.org>
	DATA $MSG
	MAIL FROM:<alice@example.com>
	RCPT TO:<x@example.org>
	RSET
	MAIL FROM:<alice@example.com>
	RCPT TO:<dave@example.net>
	DATA $MSG
	QUIT
	EOF
	echo "$output"
	echo "$output" | grep -q '^550 5.7.1 sender refused$'
	[ "$(echo "$output" | grep -c '^250 2.0.0 queued as [0-9]*$')" -eq 2 ]
	[ "$(stored)" -eq 2 ]
	[ "$(cat "$SINK/connections")" -eq 1 ]
	grep -q '^MAIL FROM:<>$' "$SINK/1.env"
	grep -q '^RCPT TO:<dave@example.net>$' "$SINK/2.env"
	! grep -q 'x@example.org' "$SINK"/*.env || false
}

@test "parameters travel: BODY=8BITMIME, SMTPUTF8, DSN; XFORWARD goes on without SOURCE and IDENT (pipelined with MAIL)" {
	start_sink "8BITMIME SMTPUTF8 DSN XFORWARD PIPELINING"
	printf 'From: Ålice <alice@example.com>\nTo: bob@example.org\nSubject: ünïcode\n\nbody é\n' > "$MSG"
	run session <<-EOF
	GREETING
	EHLO mx.example.com
	XFORWARD NAME=client.example ADDR=192.0.2.7 PORT=4711 HELO=c.example PROTO=ESMTP SOURCE=LOCAL IDENT=[UNAVAILABLE]
	MAIL FROM:<alice@example.com> BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=e1 AUTH=<>
	RCPT TO:<bob@example.org> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob@example.org
	DATA $MSG
	QUIT
	EOF
	echo "$output"; cat "$SINK/1.env"
	echo "$output" | grep -q '^250 2.0.0 queued as 1$'
	grep -qx 'XFORWARD NAME=client.example ADDR=192.0.2.7 PORT=4711 HELO=c.example PROTO=ESMTP' "$SINK/1.env"
	grep -qx 'MAIL FROM:<alice@example.com> BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=e1' "$SINK/1.env"
	grep -qx 'RCPT TO:<bob@example.org> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob@example.org' "$SINK/1.env"
	$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$SINK/1.eml"
}

@test "SIZE above message_size_limit: 552 at MAIL, nothing sent to the next hop" {
	start_sink
	echo 'message_size_limit = 1000' >> "$CONF"
	run session <<-EOF
	GREETING
	EHLO mx.example.com
	MAIL FROM:<alice@example.com> SIZE=5000
	QUIT
	EOF
	echo "$output"
	echo "$output" | grep -q '^552 5.3.4 '
	[ "$(stored)" -eq 0 ]
}

@test "EOF in the middle of DATA: nothing forwarded, the next hop's transaction abandoned" {
	start_sink
	run $PY -c '
import subprocess, sys
p = subprocess.Popen([sys.argv[1], "proxy", "-c", sys.argv[2]], stdin=subprocess.PIPE, stdout=subprocess.PIPE)
p.stdin.write(b"EHLO x\r\nMAIL FROM:<alice@example.com>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\nFrom: alice@example.com\r\n\r\nhalf a mess")
p.stdin.close()
sys.stdout.write(p.stdout.read().decode())
print("EXIT", p.wait())' "$DKIMPIPE" "$CONF"
	echo "$output"
	[[ $output == *"354 "* ]]
	[[ $output == *"lost connection in DATA; nothing passed on"* ]]
	sleep 0.5
	[ "$(stored)" -eq 0 ]
}

@test "next hop down: 451 to MAIL, and the same process passes the next transaction once it is back" {
	run session <<-EOF
	GREETING
	EHLO mx.example.com
	MAIL FROM:<alice@example.com>
	!SINK_EXT=DSN $PY $LIB/smtp-sink.py $PORT $SINK >/dev/null 2>&1 3>&- & for i in \$(seq 50); do [ -e $SINK/ready ] && break; sleep 0.1; done
	MAIL FROM:<alice@example.com>
	RCPT TO:<bob@example.org>
	DATA $MSG
	QUIT
	EOF
	echo "$output"
	pkill -f "smtp-sink.py $PORT" || true
	echo "$output" | grep -q '^451 4.4.1 cannot reach the re-injection server$'
	echo "$output" | grep -q '^250 2.0.0 queued as 1$'
	[ "$(stored)" -eq 1 ]
}

@test "key unreadable: 451 at the end of DATA and the next hop forgets the transaction (RSET); it signs once fixed" {
	start_sink
	cp "$W/k/ed.pem" "$BATS_TEST_TMPDIR/key.pem"
	chmod 600 "$BATS_TEST_TMPDIR/key.pem"
	sed -i "s|^keyfile = .*|keyfile = $BATS_TEST_TMPDIR/key.pem|" "$CONF"
	run session <<-EOF
	GREETING
	EHLO mx.example.com
	!mv $BATS_TEST_TMPDIR/key.pem $BATS_TEST_TMPDIR/key.away
	MAIL FROM:<alice@example.com>
	RCPT TO:<bob@example.org>
	DATA $MSG
	!mv $BATS_TEST_TMPDIR/key.away $BATS_TEST_TMPDIR/key.pem
	MAIL FROM:<alice@example.com>
	RCPT TO:<bob@example.org>
	DATA $MSG
	QUIT
	EOF
	echo "$output"
	echo "$output" | grep -q '^451 4.3.0 dkimpipe: '
	echo "$output" | grep -q '^250 2.0.0 queued as 1$'
	[ "$(stored)" -eq 1 ]
	$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$SINK/1.eml"
}

@test "the next hop hangs up after the dot: 451 (the client keeps the message)" {
	start_sink
	run session <<-EOF
	GREETING
	EHLO mx.example.com
	MAIL FROM:<dropme@example.com>
	RCPT TO:<bob@example.org>
	DATA $MSG
	QUIT
	EOF
	echo "$output"
	echo "$output" | grep -q '^451 4.4.2 lost connection to the re-injection server$'
}

@test "no reinject = smtp: in the configuration: 451 to MAIL, one clear log line" {
	sed -i '/^reinject/d' "$CONF"
	run session <<-EOF
	GREETING
	EHLO mx.example.com
	MAIL FROM:<alice@example.com>
	QUIT
	EOF
	echo "$output"
	echo "$output" | grep -q '^451 4.3.5 dkimpipe: configuration error: proxy needs reinject = smtp:$'
	[[ $output == *"proxy: dkimpipe.conf sets no reinject = smtp:[127.0.0.1]:PORT"* ]]
}

@test "dialect: LHLO is refused, HELO gets a plain 250, commands before EHLO are refused" {
	start_sink
	run session <<-EOF
	GREETING
	MAIL FROM:<alice@example.com>
	LHLO x
	HELO x
	QUIT
	EOF
	echo "$output"
	echo "$output" | grep -q '^503 5.5.1 send EHLO first$'
	echo "$output" | grep -q '^500 5.5.1 this is SMTP: use EHLO$'
	echo "$output" | grep -qx '250 dkimpipe'
}

@test "internal_hosts: signed when XFORWARD names an internal client; passed on unsigned, and the log says why, without XFORWARD or from outside" {
	start_sink "8BITMIME SMTPUTF8 DSN XFORWARD PIPELINING"
	echo 'internal_hosts = 192.0.2.0/24' >> "$CONF"
	run session <<-EOF
	GREETING
	EHLO mx.example.com
	XFORWARD NAME=in.example ADDR=192.0.2.7 PROTO=ESMTP
	MAIL FROM:<alice@example.com>
	RCPT TO:<bob@example.org>
	DATA $MSG
	XFORWARD NAME=out.example ADDR=198.51.100.9 PROTO=ESMTP
	MAIL FROM:<alice@example.com>
	RCPT TO:<bob@example.org>
	DATA $MSG
	QUIT
	EOF
	echo "$output"
	[ "$(stored)" -eq 2 ]
	$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$SINK/1.eml"
	[ "$(signatures "$SINK/2.eml" | wc -l)" -eq 0 ]
	[[ $output == *"2: not signed: client 198.51.100.9 is not in internal_hosts"* ]]
	run session <<-EOF
	GREETING
	EHLO mx.example.com
	MAIL FROM:<alice@example.com>
	RCPT TO:<bob@example.org>
	DATA $MSG
	QUIT
	EOF
	echo "$output"
	[ "$(stored)" -eq 3 ]
	[ "$(signatures "$SINK/3.eml" | wc -l)" -eq 0 ]
	[[ $output == *"not signed: the SMTP client sent no XFORWARD (it is not Postfix's smtpd with smtpd_proxy_filter)"* ]]
}
