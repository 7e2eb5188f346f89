#!/usr/bin/env bats
# End to end with a real Postfix (Debian's package) and the shipped
# examples/master.cf: originating mail is signed and verifies, inbound
# mail is not signed, nothing loops or is duplicated, and when the signer
# cannot work the message stays in Postfix's queue until it can.

load helper
load lib/postfix-env

setup_file() {
	export W=$BATS_FILE_TMPDIR
	pf_sandboxed || skip "needs root and tests/sandbox.sh (make check)"
	pf_setup "$W"
}

teardown_file() {
	pf_teardown "$W"
}

setup() {
	MSG=$BATS_TEST_TMPDIR/msg.eml
	printf 'From: Alice <alice@example.com>\nTo: Bob <bob@example.org>\nSubject: test %s\nDate: %s\nMessage-ID: <%s@example.com>\n\nHello Bob,\nthis is test %s.\n' \
	    "$BATS_TEST_NUMBER" "$(date -R)" "$BATS_TEST_NUMBER.$$" "$BATS_TEST_NUMBER" > "$MSG"
}

# a fault test that fails half-way must not leave its fault to the next
teardown() {
	if [ -f "$W/conf.good" ]; then
		cp "$W/conf.good" /etc/dkimpipe/dkimpipe.conf
		rm -f "$W/conf.good"
	fi
	chown dkimpipe /etc/dkimpipe/keys/e1.private
}

send() {	# send PORT SOURCE RCPTS
	$PY "$LIB/smtp-send.py" "$1" "$2" alice@example.com "$3" "$MSG"
}

# signed_ok FILE - two signatures (rsa and ed25519), all verify with dkimpy
signed_ok() {
	[ "$(signatures "$1" | wc -l)" -eq 2 ] || { echo "signatures: $(signatures "$1" | wc -l) in $1"; return 1; }
	$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$1"
}

@test "the configuration Postfix runs is the shipped examples/master.cf" {
	cmp "$TOP/examples/master.cf" /etc/postfix/master.cf
	postconf -M dkimsign/unix | grep -q 'argv=/usr/local/sbin/dkimpipe deliver -q ${queue_id} -a ${client_address} -u ${sasl_username} -f ${sender} -- ${recipient}'
	run runuser -u dkimpipe -- /usr/local/sbin/dkimpipe check
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "submission to a remote recipient: delivered once, signed, verifies" {
	before=$(sink_count)
	send 587 127.0.0.1 bob@example.org
	wait_for eval '[ "$(sink_count)" -gt "$before" ]'
	sleep 1
	[ "$(sink_count)" -eq $((before + 1)) ]
	f=$W/sink/$(sink_count).eml
	signed_ok "$f"
	grep -q "Subject: test $BATS_TEST_NUMBER" "$f"
	grep -q 'RCPT TO:<bob@example.org>' "$W/sink/$(sink_count).env"
	grep -q 'MAIL FROM:<alice@example.com>' "$W/sink/$(sink_count).env"
	wait_for queue_empty
}

@test "submission to a local recipient: delivered once, signed, verifies" {
	before=$(maildir_count)
	send 587 127.0.0.1 dkimtest@localhost
	wait_for eval '[ "$(maildir_count)" -gt "$before" ]'
	sleep 1
	[ "$(maildir_count)" -eq $((before + 1)) ]
	f=$(ls -t ~dkimtest/Maildir/new/* | head -n 1)
	signed_ok "$f"
}

@test "a client of ours that is no inet_interfaces address sends no Date or Message-ID: delivered signed, verifies" {
	# 127.0.0.3: cleanup adds nothing on the way in; the re-injection
	# (sendmail -G) adds nothing after the signature either
	cp /etc/postfix/dkimpipe_clients.cidr "$W/clients.orig"
	echo '127.0.0.3/32 FILTER dkimsign:dummy' >> /etc/postfix/dkimpipe_clients.cidr
	postfix reload >/dev/null 2>&1; sleep 1
	printf 'From: Alice <alice@example.com>\nTo: dkimtest@localhost\nSubject: bare app mail\n\nno Date, no Message-ID\n' > "$MSG"
	before=$(maildir_count)
	send 25 127.0.0.3 dkimtest@localhost
	wait_for eval '[ "$(maildir_count)" -gt "$before" ]'
	cp "$W/clients.orig" /etc/postfix/dkimpipe_clients.cidr
	postfix reload >/dev/null 2>&1
	signed_ok "$(grep -l '^Subject: bare app mail' ~dkimtest/Maildir/new/*)"
}

@test "one message to a local and two remote recipients: one signing pass, each copy once" {
	bs=$(sink_count); bm=$(maildir_count)
	send 587 127.0.0.1 dkimtest@localhost,bob@example.org,carol@example.net
	wait_for eval '[ "$(maildir_count)" -gt "$bm" ] && [ "$(sink_count)" -gt "$bs" ]'
	sleep 1
	[ "$(maildir_count)" -eq $((bm + 1)) ]
	[ "$(sink_count)" -eq $((bs + 1)) ]
	[ "$(grep -c '^RCPT' "$W/sink/$(sink_count).env")" -eq 2 ]
	signed_ok "$W/sink/$(sink_count).eml"
	signed_ok "$(ls -t ~dkimtest/Maildir/new/* | head -n 1)"
}

@test "inbound mail on port 25 from outside is not signed (and delivered once)" {
	before=$(maildir_count)
	printf 'From: someone@elsewhere.test\nTo: dkimtest@localhost\nSubject: inbound\n\nhi\n' > "$MSG"
	$PY "$LIB/smtp-send.py" 25 127.0.0.2 someone@elsewhere.test dkimtest@localhost "$MSG"
	wait_for eval '[ "$(maildir_count)" -gt "$before" ]'
	sleep 1
	[ "$(maildir_count)" -eq $((before + 1)) ]
	f=$(ls -t ~dkimtest/Maildir/new/* | head -n 1)
	grep -q 'Subject: inbound' "$f"
	[ "$(signatures "$f" | wc -l)" -eq 0 ]
}

@test "even inbound mail claiming our domain is not signed" {
	before=$(maildir_count)
	$PY "$LIB/smtp-send.py" 25 127.0.0.2 alice@example.com dkimtest@localhost "$MSG"
	wait_for eval '[ "$(maildir_count)" -gt "$before" ]'
	f=$(ls -t ~dkimtest/Maildir/new/* | head -n 1)
	[ "$(signatures "$f" | wc -l)" -eq 0 ]
}

@test "port 25 from our own network (dkimpipe_clients.cidr) is signed" {
	before=$(sink_count)
	send 25 127.0.0.1 bob@example.org
	wait_for eval '[ "$(sink_count)" -gt "$before" ]'
	sleep 1
	[ "$(sink_count)" -eq $((before + 1)) ]
	signed_ok "$W/sink/$(sink_count).eml"
}

@test "a bounce (null sender) is signed and keeps the null sender" {
	before=$(sink_count)
	$PY "$LIB/smtp-send.py" 587 127.0.0.1 "" bob@example.org "$MSG"
	wait_for eval '[ "$(sink_count)" -gt "$before" ]'
	grep -q 'MAIL FROM:<>' "$W/sink/$(sink_count).env"
	signed_ok "$W/sink/$(sink_count).eml"
}

@test "no loops: every message so far passed the signer once and the queue is empty" {
	wait_for queue_empty
	! grep -qi 'loop' "$PF_LOG" || false
	# six messages were sent to be signed; each passed dkimsign once
	n_sign=$(grep 'relay=dkimsign, .*status=sent' "$PF_LOG" | awk '{print $6}' | sort -u | wc -l)
	[ "$n_sign" -eq 6 ]
	# and each copy arrived once: 4 at the remote sink, 5 in the mailbox
	[ "$(sink_count)" -eq 4 ]
	[ "$(maildir_count)" -eq 5 ]
	# nothing carries more than one set of signatures
	for f in "$W"/sink/*.eml ~dkimtest/Maildir/new/*; do
		[ "$(signatures "$f" | wc -l)" -le 2 ]
	done
}

# piped BODY SUBJECT [SIGN-OPTION...] - a script's "dkimpipe sign |
# sendmail" of a message with no Date and no Message-ID, which
# sendmail(1) then adds
piped() {
	local body=$1 subject=$2
	shift 2
	printf 'From: Alice <alice@example.com>\nTo: bob@example.org\r\nSubject: %s\n\n%b' "$subject" "$body" |
	    /usr/local/sbin/dkimpipe sign -d example.com -s e1 -k /etc/dkimpipe/keys/e1.private "$@" |
	    /usr/sbin/sendmail -f alice@example.com bob@example.org
}

@test "a script's dkimpipe sign | sendmail: Postfix adds Date and Message-ID, and the signature still verifies; mixed line endings under strict line-ending repair too" {
	before=$(sink_count)
	piped 'plain LF\n' 'piped plain'
	# LF first, CRLF later: with sendmail_fix_line_endings = strict,
	# sendmail(1) keeps those CRs as content (the default, always, drops
	# them) and Postfix sends each as a space, which only relaxed forgives
	postconf -e sendmail_fix_line_endings=strict
	piped 'line one\r\nline two\n' 'piped mixed' -c simple/simple
	postconf -X sendmail_fix_line_endings
	wait_for eval '[ "$(sink_count)" -ge $((before + 2)) ]'
	wait_for queue_empty
	for s in plain mixed; do
		f=$(last_sink_with "^Subject: piped $s")
		grep -q '^Date: ' "$f"
		grep -q '^Message-Id: ' "$f"
		[ "$(signatures "$f" | wc -l)" -eq 1 ]
		$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$f"
		"$LIB/verify-opendkim.sh" "$W/k/keys.txt" "$f"
	done
}

@test "fault: sendmail fails: the message stays queued, then is delivered signed exactly once" {
	cp /etc/dkimpipe/dkimpipe.conf "$W/conf.good"
	echo "sendmail_path = /bin/false" >> /etc/dkimpipe/dkimpipe.conf
	before=$(sink_count)
	send 587 127.0.0.1 bob@example.org
	wait_for grep -q 'relay=dkimsign, .*status=deferred.*exited with status 1' "$PF_LOG"
	id=$(postqueue -j | $PY -c 'import json,sys; print(json.loads(sys.stdin.readline())["queue_id"])')
	[ -n "$id" ]
	[ "$(sink_count)" -eq "$before" ]
	cp "$W/conf.good" /etc/dkimpipe/dkimpipe.conf
	postqueue -f
	wait_for eval '[ "$(sink_count)" -gt "$before" ]'
	sleep 2
	[ "$(sink_count)" -eq $((before + 1)) ]
	signed_ok "$W/sink/$(sink_count).eml"
	wait_for queue_empty
}

@test "fault: key unreadable: the message stays queued, then is delivered signed exactly once" {
	chown root /etc/dkimpipe/keys/e1.private
	before=$(sink_count)
	send 587 127.0.0.1 bob@example.org
	wait_for grep -q 'relay=dkimsign, .*status=deferred.*e1.private' "$PF_LOG"
	[ -n "$(postqueue -j)" ]
	[ "$(sink_count)" -eq "$before" ]
	chown dkimpipe /etc/dkimpipe/keys/e1.private
	postqueue -f
	wait_for eval '[ "$(sink_count)" -gt "$before" ]'
	sleep 2
	[ "$(sink_count)" -eq $((before + 1)) ]
	signed_ok "$W/sink/$(sink_count).eml"
	wait_for queue_empty
}
