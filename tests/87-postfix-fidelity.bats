#!/usr/bin/env bats
# End to end with a real Postfix: the trip through dkimpipe must not
# change what Postfix does with a message. A message at the size limit
# is delivered signed (pipe(8) recipe); with the spawn(8) recipe and SMTP
# re-injection, a UTF-8 header is delivered to a next hop without
# SMTPUTF8 exactly as it would be without dkimpipe, SMTPUTF8 reaches a
# next hop that offers it when the sender asked for it, and the sender's
# DSN requests (NOTIFY, ENVID) reach the final delivery notices, with no
# premature "delivered" notice from the signer.

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


@test "pipe(8) recipe: a message exactly at the entry point's size limit is delivered signed; one byte over is refused at SMTP time" {
	[ "$(postconf -h message_size_limit)" -eq 10280000 ]
	[ "$(postconf -P submission/inet/message_size_limit | sed 's/.*= //')" -eq 10240000 ]
	# 10240000 bytes on the wire, CRLF line ends (smtpd counts them)
	$PY - "$W/big.eml" <<-'PYEOF'
	import sys
	head = b"From: Alice <alice@example.com>\r\nTo: bob@example.org\r\nSubject: at the limit\r\n\r\n"
	line = b"x" * 998 + b"\r\n"
	body = line * ((10240000 - len(head)) // len(line))
	rest = 10240000 - len(head) - len(body)
	body += b"y" * (rest - 2) + b"\r\n"
	open(sys.argv[1], "wb").write(head + body)
	PYEOF
	[ "$(stat -c %s "$W/big.eml")" -eq 10240000 ]
	before=$(sink_count)
	$PY "$LIB/smtp-send.py" 587 127.0.0.1 alice@example.com bob@example.org "$W/big.eml"
	wait_for eval '[ "$(sink_count)" -gt "$before" ]'
	f=$(last_sink_with '^Subject: at the limit')
	# the signed copy is larger than the limit the client saw
	[ "$(stat -c %s "$f")" -gt 10240000 ]
	[ "$(signatures "$f" | wc -l)" -eq 2 ]
	$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$f"
	! grep -q 'too big' "$PF_LOG" || false
	# one byte more is refused while the client is still there
	printf 'z' >> "$W/big.eml"
	run $PY "$LIB/smtp-send.py" 587 127.0.0.1 alice@example.com bob@example.org "$W/big.eml"
	[ "$status" -eq 1 ]
	[[ "$output" == *552* ]]
	wait_for queue_empty
}

@test "pipe(8) recipe with reinject = smtp: a UTF-8 header to a next hop without SMTPUTF8 is delivered once, signed" {
	echo 'reinject = smtp:[127.0.0.1]:10026' >> /etc/dkimpipe/dkimpipe.conf
	restart_sink "8BITMIME"
	before=$(sink_count)
	printf 'From: J\303\266rg <alice@example.com>\nTo: bob@example.org\nSubject: pipe Gr\303\274\303\237e\n\nHall\303\266\n' > "$W/utf8p.eml"
	$PY "$LIB/smtp-send.py" 587 127.0.0.1 alice@example.com bob@example.org "$W/utf8p.eml"
	wait_for eval '[ "$(sink_count)" -gt "$before" ]'
	wait_for queue_empty
	sleep 1
	[ "$(sink_count)" -eq $((before + 1)) ]
	f=$(last_sink_with 'Subject: pipe Gr')
	$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$f"
	! grep -q 'SMTPUTF8 is required' "$PF_LOG" || false
	! grep -q 'status=bounced' "$PF_LOG" || false
	grep -q 'relay=dkimsign, .*status=sent' "$PF_LOG"
	grep -q 'postfix/dkimpipe-reinject/smtpd' "$PF_LOG"
	sed -i '/^reinject/d' /etc/dkimpipe/dkimpipe.conf
}

@test "spawn(8) recipe with SMTP re-injection: a UTF-8 header to a next hop without SMTPUTF8 is delivered once, signed" {
	sed -i 's|dkimsign:dummy|dkimlmtp:unix:private/dkimspawn|' \
	    /etc/postfix/master.cf /etc/postfix/dkimpipe_clients.cidr
	echo 'reinject = smtp:[127.0.0.1]:10026' >> /etc/dkimpipe/dkimpipe.conf
	postfix reload >/dev/null 2>&1
	sleep 1
	restart_sink "8BITMIME"
	before=$(sink_count)
	printf 'From: J\303\266rg <alice@example.com>\nTo: bob@example.org\nSubject: Gr\303\274\303\237e\n\nHall\303\266\n' > "$W/utf8.eml"
	$PY "$LIB/smtp-send.py" 587 127.0.0.1 alice@example.com bob@example.org "$W/utf8.eml"
	wait_for eval '[ "$(sink_count)" -gt "$before" ]'
	wait_for queue_empty
	sleep 1
	[ "$(sink_count)" -eq $((before + 1)) ]
	f=$(last_sink_with 'Subject: Gr')
	grep -q "^From: J$(printf '\303\266')rg" "$f"
	$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$f"
	! grep -q 'SMTPUTF8 is required' "$PF_LOG" || false
	! grep -q 'status=bounced' "$PF_LOG" || false
	# the next hop was not asked for SMTPUTF8 (the sender did not ask)
	! grep -q SMTPUTF8 "${f%.eml}.env" || false
}

@test "the sender asked for SMTPUTF8: the next hop that offers it gets MAIL FROM ... SMTPUTF8" {
	restart_sink "8BITMIME SMTPUTF8"
	before=$(sink_count)
	printf 'From: J\303\266rg <alice@example.com>\nTo: bob@example.org\nSubject: utf8 asked\n\nHall\303\266\n' > "$W/utf8b.eml"
	$PY "$LIB/smtp-send.py" --mail SMTPUTF8 587 127.0.0.1 alice@example.com bob@example.org "$W/utf8b.eml"
	wait_for eval '[ "$(sink_count)" -gt "$before" ]'
	f=$(last_sink_with '^Subject: utf8 asked')
	cat "${f%.eml}.env"
	grep -q '^MAIL FROM:<alice@example.com>.* SMTPUTF8' "${f%.eml}.env"
	$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$f"
	wait_for queue_empty
}

@test "DSN: NOTIFY=SUCCESS,FAILURE and ENVID reach the final notices; no premature notice from the signer" {
	restart_sink "8BITMIME SMTPUTF8"
	mbox=~dkimtest/Maildir/new
	n0=$(maildir_count)
	printf 'From: Alice <alice@example.com>\nTo: bob@example.org\nSubject: dsn test\n\nhello\n' > "$W/dsn.eml"
	$PY "$LIB/smtp-send.py" --mail ENVID=dsn-envid-4711 --mail RET=HDRS \
	    --rcpt NOTIFY=SUCCESS,FAILURE 587 127.0.0.1 dkimtest@mx.example.com \
	    bob@example.org,reject5@example.org "$W/dsn.eml"
	wait_for eval '[ "$(maildir_count)" -ge $((n0 + 2)) ]'
	wait_for queue_empty
	sleep 2
	[ "$(maildir_count)" -eq $((n0 + 2)) ]
	notices=$(ls -t $mbox | head -n 2)
	cd $mbox
	cat $notices
	# one success notice: relayed by the next hop, not "delivered" by dkimpipe
	s=$(grep -l '^Action: relayed' $notices)
	[ "$(echo "$s" | wc -w)" -eq 1 ]
	grep -q '^Original-Envelope-Id: dsn-envid-4711' $s
	grep -q '^Final-Recipient: rfc822; bob@example.org' $s
	! grep -q 'dkimspawn\|dkimlmtp' $s || false
	# one failure notice for the refused recipient, with the ENVID
	b=$(grep -l '^Action: failed' $notices)
	[ "$(echo "$b" | wc -w)" -eq 1 ]
	grep -q '^Original-Envelope-Id: dsn-envid-4711' $b
	grep -q '^Final-Recipient: rfc822; reject5@example.org' $b
	! grep -q 'status=sent.*private/dkimspawn.*delivered' "$PF_LOG" || false
}

@test "scripts/resign-hold-queue.sh: held messages are released signed, once; the hold queue is empty" {
	postconf -e 'defer_transports = relay, smtp'
	postfix reload >/dev/null 2>&1; sleep 1
	before=$(sink_count)
	printf 'From: Alice <alice@example.com>\nTo: bob@example.org\nSubject: was held\n\nheld body\n' > "$W/held.eml"
	# submitted with sendmail(1): not signed on the way in
	/usr/sbin/sendmail -f alice@example.com bob@example.org < "$W/held.eml"
	wait_for eval '[ -n "$(find /var/spool/postfix/deferred -type f)" ]'
	postsuper -h ALL deferred 2>/dev/null
	[ -n "$(find /var/spool/postfix/hold -type f)" ]
	postconf -e 'defer_transports ='
	postfix reload >/dev/null 2>&1; sleep 1
	sh "$TOP/scripts/resign-hold-queue.sh"
	[ -z "$(find /var/spool/postfix/hold -type f)" ]
	wait_for eval '[ "$(sink_count)" -gt "$before" ]'
	wait_for queue_empty
	sleep 1
	[ "$(sink_count)" -eq $((before + 1)) ]
	f=$(last_sink_with '^Subject: was held')
	[ "$(signatures "$f" | wc -l)" -eq 2 ]
	$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$f"
	grep -q '^held body' "$f"
}

@test "log_to = postlog: dkimpipe's line lands in Postfix's maillog_file, beside Postfix's own" {
	[ -n "$(postconf -h maillog_file)" ]
	cp /etc/dkimpipe/dkimpipe.conf "$W/postlog.conf"
	sed -i '/^reinject/d' "$W/postlog.conf"
	echo 'log_to = postlog' >> "$W/postlog.conf"
	printf 'From: Alice <alice@example.com>\nTo: bob@example.org\nSubject: postlog\n\nx\n' |
	    /usr/local/sbin/dkimpipe deliver -c "$W/postlog.conf" -q 4PoStLoG -f alice@example.com -- bob@example.org
	wait_for grep -q 'dkimpipe\[[0-9]*\]: 4PoStLoG: signed, from=<alice@example.com>' "$PF_LOG"
	grep 'dkimpipe\[[0-9]*\]: 4PoStLoG' "$PF_LOG"
	# the same shape as Postfix's own lines: "Mon dd hh:mm:ss host name[pid]: text"
	grep -E '^[A-Z][a-z]{2} [ 0-9][0-9] [0-9:]{8} [^ ]+ dkimpipe\[[0-9]+\]: 4PoStLoG: signed' "$PF_LOG"
	wait_for queue_empty
	# the POSTLOG_HOSTNAME and POSTLOG_SERVICE Postfix gives its children are used
	ln -sf /var/spool/postfix/public/postlog "$W/postlog-link"
	printf 'From: Alice <alice@example.com>\nTo: bob@example.org\nSubject: postlog3\n\nx\n' |
	    POSTLOG_HOSTNAME=relay.example.net POSTLOG_SERVICE="$W/postlog-link" \
	    /usr/local/sbin/dkimpipe deliver -c "$W/postlog.conf" -q 4PoStLoG3 -f alice@example.com -- bob@example.org
	wait_for grep -q ' relay dkimpipe\[[0-9]*\]: 4PoStLoG3: signed' "$PF_LOG"
	printf 'From: Alice <alice@example.com>\nTo: bob@example.org\nSubject: postlog4\n\nx\n' |
	    POSTLOG_SERVICE=/nonexistent/postlog \
	    /usr/local/sbin/dkimpipe deliver -c "$W/postlog.conf" -q 4PoStLoG4 -f alice@example.com -- bob@example.org
	wait_for queue_empty
	! grep -q 4PoStLoG4 "$PF_LOG" || false
	# no postlogd to reach: the records go to syslog instead, and the mail still goes
	sed -i '$a postlog_socket = /nonexistent/postlog' "$W/postlog.conf"
	printf 'From: Alice <alice@example.com>\nTo: bob@example.org\nSubject: postlog2\n\nx\n' |
	    /usr/local/sbin/dkimpipe deliver -c "$W/postlog.conf" -q 4PoStLoG2 -f alice@example.com -- bob@example.org
	wait_for queue_empty
}

@test "the README's postlog set-up: the spawn(8) signer as user=dkimpipe:postdrop logs into maillog_file" {
	postconf -P submission/inet/content_filter | grep -q dkimlmtp || skip "runs after the switch to spawn(8) above"
	cp /etc/postfix/master.cf "$W/master.before"
	sed -i 's/ user=dkimpipe argv=\/usr\/local\/sbin\/dkimpipe lmtp/ user=dkimpipe:postdrop argv=\/usr\/local\/sbin\/dkimpipe lmtp/' /etc/postfix/master.cf
	grep -q 'user=dkimpipe:postdrop argv=/usr/local/sbin/dkimpipe lmtp' /etc/postfix/master.cf
	chown dkimpipe /etc/dkimpipe/keys
	echo 'log_to = postlog' >> /etc/dkimpipe/dkimpipe.conf
	postconf -e 'export_environment = TZ MAIL_CONFIG LANG POSTLOG_SERVICE POSTLOG_HOSTNAME'
	postfix reload >/dev/null 2>&1; sleep 1
	printf 'From: Alice <alice@example.com>\nTo: bob@example.org\nSubject: postlog via spawn\nMessage-ID: <postlog.spawn@example.com>\n\nx\n' > "$W/pl.eml"
	$PY "$LIB/smtp-send.py" 587 127.0.0.1 alice@example.com bob@example.org "$W/pl.eml"
	wait_for queue_empty || { tail -n 20 "$PF_LOG"; false; }
	# the LMTP reply names the queue id; dkimpipe's own record has the same
	qid=$(grep 'message-id=<postlog.spawn@example.com>' "$PF_LOG" | head -n 1 | sed -n 's/.*: \([0-9A-Z]*\): message-id=.*/\1/p')
	echo "qid $qid"
	grep -n 'dkimpipe\[' "$PF_LOG" | tail -n 3
	grep -n "$qid" "$PF_LOG"
	[ -n "$qid" ]
	wait_for grep -q "dkimpipe\[[0-9]*\]: $qid: signed, from=<alice@example.com>" "$PF_LOG"
	grep "dkimpipe\[[0-9]*\]: $qid: signed" "$PF_LOG"
	# with POSTLOG_HOSTNAME passed on: Postfix's myhostname, first label, as on its own lines
	grep -q " mx postfix/" "$PF_LOG"
	grep -q " mx dkimpipe\[[0-9]*\]: $qid: signed" "$PF_LOG"
	cp "$W/master.before" /etc/postfix/master.cf
	postconf -X export_environment
	sed -i '/^log_to/d' /etc/dkimpipe/dkimpipe.conf
	postfix reload >/dev/null 2>&1
}

@test "log_to = postlog without the group: through a set-gid postlog(1) (what 'postfix set-permissions' makes of Debian's)" {
	postconf -P submission/inet/content_filter | grep -q dkimlmtp || skip "runs after the switch to spawn(8) above"
	# a set-gid copy in the sandbox's /usr/local/sbin, not the host's /usr/sbin/postlog
	install -g postdrop -m 2755 /usr/sbin/postlog /usr/local/sbin/postlog-sgid
	grep -q 'user=dkimpipe argv=/usr/local/sbin/dkimpipe lmtp' /etc/postfix/master.cf
	printf 'log_to = postlog\npostlog_command = /usr/local/sbin/postlog-sgid\n' >> /etc/dkimpipe/dkimpipe.conf
	postfix reload >/dev/null 2>&1; sleep 1
	printf 'From: Alice <alice@example.com>\nTo: bob@example.org\nSubject: postlog cmd\nMessage-ID: <postlog.cmd@example.com>\n\nx\n' > "$W/pc.eml"
	$PY "$LIB/smtp-send.py" 587 127.0.0.1 alice@example.com bob@example.org "$W/pc.eml"
	wait_for queue_empty
	qid=$(grep 'message-id=<postlog.cmd@example.com>' "$PF_LOG" | head -n 1 | sed -n 's/.*: \([0-9A-Z]*\): message-id=.*/\1/p')
	[ -n "$qid" ]
	wait_for grep -q "dkimpipe\[[0-9]*\]: $qid: signed, from=<alice@example.com>" "$PF_LOG"
	sed -i '/^log_to/d; /^postlog_command/d' /etc/dkimpipe/dkimpipe.conf
	rm -f /usr/local/sbin/postlog-sgid
}
