#!/usr/bin/env bats
# End to end with a real Postfix and the spawn(8) variant of the shipped
# examples/master.cf, switched on as the README says: many messages from
# parallel SMTP sessions are each delivered once and verify, a few
# long-lived "dkimpipe lmtp" processes serve them all, and when the
# signer cannot work the message waits in the queue until it can.

load helper
load lib/postfix-env

FILTER=dkimlmtp:unix:private/dkimspawn

setup_file() {
	export W=$BATS_FILE_TMPDIR
	pf_sandboxed || skip "needs root and tests/sandbox.sh (make check)"
	pf_setup "$W"
	# the README's switch from pipe(8) to spawn(8)
	sed -i 's|dkimsign:dummy|dkimlmtp:unix:private/dkimspawn|' \
	    /etc/postfix/master.cf /etc/postfix/dkimpipe_clients.cidr
	postfix reload >/dev/null 2>&1
	sleep 1
}

teardown_file() {
	pf_teardown "$W"
}

# relayed LIMIT - delivery lines of the signer's LMTP transport
relayed() { grep 'postfix/dkimlmtp/lmtp\[[0-9]*\]: .*relay=[^ ]*private/dkimspawn.*status=sent' "$PF_LOG" || true; }

@test "the spawn(8) service and its LMTP client are what examples/master.cf ships" {
	postconf -M dkimspawn/unix | grep -q 'spawn user=dkimpipe argv=/usr/local/sbin/dkimpipe lmtp'
	postconf -M dkimlmtp/unix | grep -q 'lmtp_send_xforward_command=yes'
	postconf -P submission/inet/content_filter | grep -q "$FILTER"
	# the switch changed nothing else
	diff <(sed "s|dkimsign:dummy|$FILTER|" "$TOP/examples/master.cf") /etc/postfix/master.cf
	grep -q "^127.0.0.1/32 FILTER $FILTER\$" /etc/postfix/dkimpipe_clients.cidr
}

@test "200 messages over 10 parallel SMTP sessions: each delivered once, signed, verifies; few processes" {
	before=$(sink_count)
	for s in $(seq 10); do
		for i in $(seq 20); do
			printf 'From: Alice <alice@example.com>\nTo: bob@example.org\nSubject: bulk %s-%s\nMessage-ID: <bulk.%s.%s@example.com>\n\nmessage %s of session %s\n' \
			    "$s" "$i" "$s" "$i" "$i" "$s" > "$W/bulk.$s.$i.eml"
		done
		$PY "$LIB/smtp-send.py" --many 587 127.0.0.1 alice@example.com bob@example.org "$W"/bulk.$s.*.eml &
	done
	wait
	wait_for eval '[ "$(sink_count)" -ge $((before + 200)) ]'
	wait_for queue_empty
	sleep 2
	[ "$(sink_count)" -eq $((before + 200)) ]
	# each Subject exactly once at the sink
	n=$(cat "$W"/sink/*.eml | grep -c '^Subject: bulk ')
	[ "$n" -eq 200 ]
	[ "$(cat "$W"/sink/*.eml | grep '^Subject: bulk ' | sort -u | wc -l)" -eq 200 ]
	# every one signed twice (rsa, ed25519) and verified by dkimpy
	files=$(grep -l '^Subject: bulk ' "$W"/sink/*.eml)
	for f in $files; do [ "$(signatures "$f" | wc -l)" -eq 2 ]; done
	$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" $files > "$W/verify.out"
	[ "$(grep -c '^PASS' "$W/verify.out")" -eq 200 ]
	# one signer pass per message: 200 LMTP deliveries, of which only the
	# first on each connection started a dkimpipe process
	[ "$(relayed | wc -l)" -eq 200 ]
	fresh=$(relayed | grep -vc 'conn_use=' || true)
	echo "# dkimpipe lmtp processes: $fresh for 200 messages" >&3
	[ "$fresh" -ge 1 ]
	[ "$fresh" -le 20 ]
	! grep -q 'status=deferred' "$PF_LOG" || false
}

@test "Postfix passes its queue id along (XFORWARD IDENT): the signer's reply names the same message" {
	line=$(relayed | tail -n 1)
	echo "$line"
	qid=$(echo "$line" | sed -n 's/.*lmtp\[[0-9]*\]: \([0-9A-Za-z]*\): to=.*/\1/p')
	[ -n "$qid" ]
	echo "$line" | grep -q "(250 2.0.0 <bob@example.org> dkimpipe: $qid: signed and passed on)"
}

@test "fault: key unreadable: deferred with 4xx, then delivered signed exactly once after the fix" {
	chown root /etc/dkimpipe/keys/e1.private
	before=$(sink_count)
	printf 'From: Alice <alice@example.com>\nTo: bob@example.org\nSubject: fault\n\nhello\n' > "$W/fault.eml"
	$PY "$LIB/smtp-send.py" 587 127.0.0.1 alice@example.com bob@example.org "$W/fault.eml"
	wait_for grep -q 'relay=[^ ]*private/dkimspawn.*status=deferred.*451 4.3.0.*e1.private' "$PF_LOG"
	[ -n "$(postqueue -j)" ]
	[ "$(sink_count)" -eq "$before" ]
	chown dkimpipe /etc/dkimpipe/keys/e1.private
	postqueue -f
	wait_for eval '[ "$(sink_count)" -gt "$before" ]'
	sleep 2
	[ "$(sink_count)" -eq $((before + 1)) ]
	f=$W/sink/$(sink_count).eml
	grep -q '^Subject: fault' "$f"
	[ "$(signatures "$f" | wc -l)" -eq 2 ]
	$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$f"
	wait_for queue_empty
}

@test "reinject = smtp:[127.0.0.1]:10026: 100 messages over 10 sessions, each delivered once, signed, verifies, one pass" {
	echo 'reinject = smtp:[127.0.0.1]:10026' >> /etc/dkimpipe/dkimpipe.conf
	before=$(sink_count)
	sent_before=$(relayed | wc -l)
	reinj_before=$(grep -c 'postfix/dkimpipe-reinject/smtpd\[[0-9]*\]: [0-9A-Z]*: client=localhost' "$PF_LOG" || true)
	bulk_send smtp 10 10
	bulk_arrived smtp 100
	# every message came back through the re-injection smtpd, not pickup
	[ "$(( $(grep -c 'postfix/dkimpipe-reinject/smtpd\[[0-9]*\]: [0-9A-Z]*: client=localhost' "$PF_LOG") - reinj_before ))" -eq 100 ]
	[ "$(( $(relayed | wc -l) - sent_before ))" -eq 100 ]
	relayed | tail -n 1
	relayed | tail -n 1 | grep -q 'dkimpipe: [0-9A-Za-z]*: signed and passed on (Ok: queued as [0-9A-Z]*)'
}

@test "reinject over SMTP: the re-injection smtpd changes no header (no Date or Message-ID added, no address qualified), so the signature verifies" {
	grep -q '^reinject = smtp' /etc/dkimpipe/dkimpipe.conf || skip "runs after the reinject test above"
	# 127.0.0.3, one of our networks but no inet_interfaces address: cleanup
	# leaves its headers alone on the way in
	cp /etc/postfix/dkimpipe_clients.cidr "$W/clients.orig"
	echo "127.0.0.3/32 FILTER $FILTER" >> /etc/postfix/dkimpipe_clients.cidr
	# dkimpipe itself would add the missing Date and Message-ID (50-deliver)
	echo 'add_missing_headers = no' >> /etc/dkimpipe/dkimpipe.conf
	postfix reload >/dev/null 2>&1; sleep 1
	printf 'From: Alice <alice@example.com>\nTo: dkimtest\nSubject: bare app mail\n\nno Date, no Message-ID\n' > "$W/bare.eml"
	before=$(maildir_count)
	$PY "$LIB/smtp-send.py" 25 127.0.0.3 alice@example.com dkimtest@localhost "$W/bare.eml"
	wait_for eval '[ "$(maildir_count)" -gt "$before" ]'
	cp "$W/clients.orig" /etc/postfix/dkimpipe_clients.cidr
	sed -i '/^add_missing_headers/d' /etc/dkimpipe/dkimpipe.conf
	postfix reload >/dev/null 2>&1
	f=$(grep -l '^Subject: bare app mail' ~dkimtest/Maildir/new/*)
	grep -q 'dkimpipe-reinject/smtpd.*client=localhost' "$PF_LOG"
	grep -q '^To: dkimtest$' "$f"
	! grep -qi '^Message-Id: ' "$f" || false
	[ "$(signatures "$f" | wc -l)" -eq 2 ]
	$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$f"
}

@test "reinject over SMTP, re-injection smtpd down: deferred with 4xx, delivered once after it is back" {
	grep -q '^reinject = smtp' /etc/dkimpipe/dkimpipe.conf
	cp /etc/postfix/master.cf "$W/master.good"
	sed -i 's/^127.0.0.1:10026 inet/#127.0.0.1:10026 inet/' /etc/postfix/master.cf
	postfix reload >/dev/null 2>&1; sleep 1
	before=$(sink_count)
	printf 'From: Alice <alice@example.com>\nTo: bob@example.org\nSubject: reinject down\n\nhello\n' > "$W/down.eml"
	$PY "$LIB/smtp-send.py" 587 127.0.0.1 alice@example.com bob@example.org "$W/down.eml"
	wait_for grep -q 'relay=[^ ]*private/dkimspawn.*status=deferred.*451 4.4.1 .*cannot reach the re-injection server' "$PF_LOG"
	[ -n "$(postqueue -j)" ]
	[ "$(sink_count)" -eq "$before" ]
	cp "$W/master.good" /etc/postfix/master.cf
	postfix reload >/dev/null 2>&1; sleep 1
	postqueue -f
	wait_for eval '[ "$(sink_count)" -gt "$before" ]'
	sleep 2
	[ "$(sink_count)" -eq $((before + 1)) ]
	f=$W/sink/$(sink_count).eml
	grep -q '^Subject: reinject down' "$f"
	$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$f"
	wait_for queue_empty
}
