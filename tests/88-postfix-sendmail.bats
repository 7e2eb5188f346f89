#!/usr/bin/env bats
# Signing what sendmail(1) submits, loop-free by construction: pickup
# gets the signer as its content filter, and the signer re-injects over
# SMTP into the filter-free smtpd on 127.0.0.1:10026, never through
# pickup again. Whatever the signer decides (signed, no key, refused,
# null sender, a fault), each message passes it once and is delivered
# once; with sendmail re-injection the set-up is refused by check.

load helper
load lib/postfix-env

setup_file() {
	export W=$BATS_FILE_TMPDIR
	pf_sandboxed || skip "needs root and tests/sandbox.sh (make check)"
	pf_setup "$W"
	cp /etc/postfix/master.cf "$W/master.orig"
}

teardown_file() {
	# later suites expect the shipped set-up: no filter on pickup
	[ -f "$W/master.orig" ] && cp "$W/master.orig" /etc/postfix/master.cf
	pf_teardown "$W"
}

passes() { grep -c "relay=$1.*status=sent" "$PF_LOG" || true; }

@test "check refuses a content filter on pickup while re-injection goes through sendmail (it would loop)" {
	postconf -P 'pickup/unix/content_filter=dkimsign:dummy'
	run runuser -u dkimpipe -- /usr/local/sbin/dkimpipe check
	echo "$output"
	[ "$status" -eq 78 ]
	[[ "$output" == *"pickup has content_filter = dkimsign:dummy but reinject is sendmail"* ]]
	echo 'reinject = smtp:[127.0.0.1]:10026' >> /etc/dkimpipe/dkimpipe.conf
	runuser -u dkimpipe -- /usr/local/sbin/dkimpipe check
	postfix reload >/dev/null 2>&1; sleep 1
}

@test "pipe(8): mail submitted with sendmail(1) is signed once and delivered once" {
	before=$(sink_count)
	printf 'From: Alice <alice@example.com>\nTo: bob@example.org\nSubject: via sendmail\n\ncron output\n' |
	    /usr/sbin/sendmail -f alice@example.com bob@example.org
	wait_for eval '[ "$(sink_count)" -gt "$before" ]'
	wait_for queue_empty
	sleep 1
	[ "$(sink_count)" -eq $((before + 1)) ]
	f=$(last_sink_with '^Subject: via sendmail')
	[ "$(signatures "$f" | wc -l)" -eq 2 ]
	$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$f"
	# pickup -> dkimsign once -> the re-injection smtpd, not pickup again
	[ "$(passes dkimsign)" -eq 1 ]
	grep -q 'postfix/dkimpipe-reinject/smtpd' "$PF_LOG"
}

@test "pipe(8): sendmail -t as root and as an unprivileged user: each signed once, delivered once" {
	before=$(sink_count); n0=$(passes dkimsign)
	printf 'From: Alice <alice@example.com>\nTo: bob@example.org\nSubject: sendmail -t root\n\nx\n' |
	    /usr/sbin/sendmail -t -i
	printf 'From: Alice <alice@example.com>\nTo: bob@example.org\nSubject: sendmail -t user\n\nx\n' |
	    runuser -u dkimtest -- /usr/sbin/sendmail -t -i
	wait_for eval '[ "$(sink_count)" -ge $((before + 2)) ]'
	wait_for queue_empty
	sleep 1
	[ "$(sink_count)" -eq $((before + 2)) ]
	[ "$(( $(passes dkimsign) - n0 ))" -eq 2 ]
	for who in root user; do
		f=$(last_sink_with "^Subject: sendmail -t $who")
		[ "$(signatures "$f" | wc -l)" -eq 2 ]
		$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$f"
	done
}

@test "pipe(8): no key, empty From, two From, null sender: each passes the signer once, delivered once, no loop" {
	before=$(sink_count); n0=$(passes dkimsign)
	printf 'From: x@nokey.example\nTo: bob@example.org\nSubject: case nokey\n\nx\n' |
	    /usr/sbin/sendmail -f x@nokey.example bob@example.org
	printf 'From:\nTo: bob@example.org\nSubject: case emptyfrom\n\nx\n' |
	    /usr/sbin/sendmail -f alice@example.com bob@example.org
	printf 'From: a@example.com\nFrom: b@example.com\nTo: bob@example.org\nSubject: case twofrom\n\nx\n' |
	    /usr/sbin/sendmail -f alice@example.com bob@example.org
	printf 'From: Alice <alice@example.com>\nTo: bob@example.org\nSubject: case nullsender\n\nx\n' |
	    /usr/sbin/sendmail -f '<>' bob@example.org
	wait_for eval '[ "$(sink_count)" -ge $((before + 4)) ]'
	wait_for queue_empty
	sleep 2
	[ "$(sink_count)" -eq $((before + 4)) ]
	[ "$(( $(passes dkimsign) - n0 ))" -eq 4 ]
	for c in nokey emptyfrom twofrom nullsender; do
		[ "$(grep -l "^Subject: case $c" "$W"/sink/*.eml | wc -l)" -eq 1 ]
	done
	[ "$(signatures "$(last_sink_with '^Subject: case nullsender')" | wc -l)" -eq 2 ]
	[ "$(signatures "$(last_sink_with '^Subject: case emptyfrom')" | wc -l)" -eq 0 ]
	! grep -q 'loop\|hop count exceeded' "$PF_LOG" || false
}

@test "pipe(8): key unreadable: the sendmail(1) message stays queued, then is delivered signed once" {
	chmod 644 /etc/dkimpipe/keys/r1.private
	before=$(sink_count)
	printf 'From: Alice <alice@example.com>\nTo: bob@example.org\nSubject: sendmail fault\n\nx\n' |
	    /usr/sbin/sendmail -f alice@example.com bob@example.org
	wait_for grep -q 'relay=dkimsign.*status=deferred' "$PF_LOG"
	[ -n "$(postqueue -j)" ]
	[ "$(sink_count)" -eq "$before" ]
	chmod 600 /etc/dkimpipe/keys/r1.private
	postqueue -f
	wait_for eval '[ "$(sink_count)" -gt "$before" ]'
	wait_for queue_empty
	sleep 1
	[ "$(sink_count)" -eq $((before + 1)) ]
	$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$(last_sink_with '^Subject: sendmail fault')"
}

@test "spawn(8): the same recipe with the LMTP variant signs sendmail(1) mail once" {
	sed -i 's|dkimsign:dummy|dkimlmtp:unix:private/dkimspawn|' \
	    /etc/postfix/master.cf /etc/postfix/dkimpipe_clients.cidr
	postconf -P 'pickup/unix/content_filter=dkimlmtp:unix:private/dkimspawn'
	runuser -u dkimpipe -- /usr/local/sbin/dkimpipe check
	postfix reload >/dev/null 2>&1; sleep 1
	before=$(sink_count)
	printf 'From: Alice <alice@example.com>\nTo: bob@example.org\nSubject: via sendmail lmtp\n\nphp mail()\n' |
	    /usr/sbin/sendmail -f alice@example.com bob@example.org
	printf 'From:\nTo: bob@example.org\nSubject: lmtp refused via sendmail\n\nx\n' |
	    /usr/sbin/sendmail -f alice@example.com bob@example.org
	wait_for eval '[ "$(sink_count)" -ge $((before + 2)) ]'
	wait_for queue_empty
	sleep 2
	[ "$(sink_count)" -eq $((before + 2)) ]
	f=$(last_sink_with '^Subject: via sendmail lmtp')
	$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$f"
	[ "$(grep -c 'relay=[^ ]*private/dkimspawn.*status=sent' "$PF_LOG")" -eq 2 ]
	! grep -q 'loop\|hop count exceeded' "$PF_LOG" || false
}
