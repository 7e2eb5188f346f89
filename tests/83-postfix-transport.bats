#!/usr/bin/env bats
# The two-instance recipe (README, "Routed by transport maps"): the
# default instance routes mail from our senders to remote destinations
# to the signer with sender_dependent_default_transport_maps
# (examples/transport.main.cf, examples/dkimpipe_senders), and the
# signer re-injects over SMTP into a second instance made by
# scripts/postfix-out-instance.sh, whose routing never leads back to a
# signer. Whatever the signer decides, each message passes it once and
# is delivered once; mail from outside is never signed.

load helper
load lib/postfix-env

OUT=/etc/postfix-out
OUT_LOG=/var/spool/postfix-out/test.log

setup_file() {
	export W=$BATS_FILE_TMPDIR
	pf_sandboxed || skip "needs root and tests/sandbox.sh (make check)"
	pf_setup "$W"
	postfix stop >/dev/null 2>&1
	cp /etc/postfix/master.cf "$W/master.orig"
	cp /etc/postfix/main.cf "$W/main.orig"
	# the input instance, as the README says
	{ cat /usr/share/postfix/master.cf.dist; cat "$TOP/examples/transport.master.cf"; } > /etc/postfix/master.cf
	postconf -X message_size_limit dkimsign_destination_recipient_limit
	cat "$TOP/examples/transport.main.cf" >> /etc/postfix/main.cf
	cp "$TOP/examples/dkimpipe_senders" /etc/postfix/
	printf 'reinject = smtp:[127.0.0.1]:10028\ninternal_hosts = 127.0.0.1, ::1\n' >> /etc/dkimpipe/dkimpipe.conf
	# the test's own: a forwarding alias to a remote address
	postconf -e 'virtual_alias_maps = inline:{ {fwd@mx.example.com = bob@example.org} }'
	# the output instance
	sh "$TOP/scripts/postfix-out-instance.sh" > "$W/out-instance.log" 2>&1 ||
	    { cat "$W/out-instance.log"; return 1; }
	# the test's own: its log in a file (no syslog daemon here)
	postconf -c $OUT -e "maillog_file = $OUT_LOG"
	: > "$OUT_LOG"
	/usr/lib/postfix/configure-instance.sh postfix-out >/dev/null 2>&1 || true
	postfix start >/dev/null 2>&1
	wait_for eval '(exec 9<>/dev/tcp/127.0.0.1/10028) 2>/dev/null'
	wait_for eval '(exec 9<>/dev/tcp/127.0.0.1/25) 2>/dev/null'
}

teardown_file() {
	postfix stop >/dev/null 2>&1 || true
	# later suites expect the single instance of the shipped set-up
	[ -f "$W/master.orig" ] && cp "$W/master.orig" /etc/postfix/master.cf
	[ -f "$W/main.orig" ] && cp "$W/main.orig" /etc/postfix/main.cf
	sed -i '/^reinject = smtp:\[127.0.0.1\]:10028/d; /^internal_hosts/d' /etc/dkimpipe/dkimpipe.conf
	pf_teardown "$W"
}

# passes: signer runs that ended in "sent", in both instances
passes() { cat "$PF_LOG" "$OUT_LOG" | grep -c "relay=$1.*status=sent" || true; }
both_empty() { queue_empty && [ -z "$(postqueue -c $OUT -j)" ]; }
# settle N: N more messages at the sink, both queues empty
settle() {
	wait_for eval '[ "$(sink_count)" -ge $((before + $1)) ]'
	wait_for both_empty
	sleep 1
	[ "$(sink_count)" -eq $((before + $1)) ]
}
once() { [ "$(grep -l "^Subject: $1" "$W"/sink/*.eml | wc -l)" -eq 1 ]; }

@test "the output instance runs beside the default one, on loopback only, with no route to a signer" {
	postmulti -l | grep -q '^postfix-out '
	postfix -c $OUT status
	[ "$(postconf -c $OUT -h sender_dependent_default_transport_maps transport_maps content_filter | tr -d '\n')" = "" ]
	[ "$(postconf -c $OUT -h inet_interfaces)" = loopback-only ]
	! postconf -c $OUT -M smtp/inet | grep -q '^smtp' || false
	runuser -u dkimpipe -- /usr/local/sbin/dkimpipe check
}

@test "check refuses a transport route to the signer with re-injection into the same instance" {
	cp /etc/dkimpipe/dkimpipe.conf /etc/dkimpipe/same.conf
	chmod 644 /etc/dkimpipe/same.conf
	sed -i '/^reinject/d' /etc/dkimpipe/same.conf
	run runuser -u dkimpipe -- /usr/local/sbin/dkimpipe check -c /etc/dkimpipe/same.conf
	echo "$output"
	[ "$status" -eq 78 ]
	[[ "$output" == *"sender_dependent_default_transport_maps routes @example.com to the signer (dkimsign:dummy), but reinject goes back into this same instance"* ]]
	# SMTP into a listener of this instance loops the same way
	postconf -M '127.0.0.1:10029/inet=127.0.0.1:10029 inet n - n - - smtpd'
	echo 'reinject = smtp:[127.0.0.1]:10029' >> /etc/dkimpipe/same.conf
	run runuser -u dkimpipe -- /usr/local/sbin/dkimpipe check -c /etc/dkimpipe/same.conf
	postconf -MX 127.0.0.1:10029/inet
	[ "$status" -eq 78 ]
	rm /etc/dkimpipe/same.conf
	# the recipe's own set-up passes, in both instances
	runuser -u dkimpipe -- /usr/local/sbin/dkimpipe check
	MAIL_CONFIG=$OUT runuser -u dkimpipe -- /usr/local/sbin/dkimpipe check
	# a deliver entry that hides the client from internal_hosts is refused
	postconf -M 'noclient/unix=noclient unix - n n - 10 pipe user=dkimpipe argv=/usr/local/sbin/dkimpipe deliver -f ${sender} -- ${recipient}'
	run runuser -u dkimpipe -- /usr/local/sbin/dkimpipe check
	postconf -MX noclient/unix
	echo "$output"
	[ "$status" -eq 78 ]
	[[ "$output" == *"master.cf service noclient runs dkimpipe deliver without -a \${client_address}: internal_hosts would count all its mail as local"* ]]
	runuser -u dkimpipe -- /usr/local/sbin/dkimpipe check
}

@test "SMTP from our network: signed once, delivered once through the output instance, verifies" {
	before=$(sink_count)
	printf 'From: Alice <alice@example.com>\nTo: bob@example.org\nSubject: t smtp\n\nx\n' > "$W/s.eml"
	$PY "$LIB/smtp-send.py" 25 127.0.0.1 alice@example.com bob@example.org "$W/s.eml"
	settle 1
	f=$(last_sink_with '^Subject: t smtp')
	[ "$(signatures "$f" | wc -l)" -eq 2 ]
	$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$f"
	"$LIB/verify-opendkim.sh" "$W/k/keys.txt" "$f"
	[ "$(passes dkimsign)" -eq 1 ]
	grep -q 'postfix-out/reinject/smtpd' "$OUT_LOG"
	grep -q 'postfix-out/smtp.*status=sent' "$OUT_LOG"
}

@test "sendmail(1) as root, as a user, with -t: each signed once, delivered once" {
	before=$(sink_count); n0=$(passes dkimsign)
	printf 'From: Alice <alice@example.com>\nTo: bob@example.org\nSubject: t root\n\nx\n' |
	    /usr/sbin/sendmail -f alice@example.com bob@example.org
	printf 'From: Alice <alice@example.com>\nTo: bob@example.org\nSubject: t minus-t\n\nx\n' |
	    /usr/sbin/sendmail -t -i -f alice@example.com
	printf 'From: dkimtest@example.com\nTo: bob@example.org\nSubject: t user\n\nx\n' |
	    runuser -u dkimtest -- /usr/sbin/sendmail -t -i
	settle 3
	[ "$(( $(passes dkimsign) - n0 ))" -eq 3 ]
	for s in root minus-t user; do
		once "t $s"
		f=$(last_sink_with "^Subject: t $s")
		[ "$(signatures "$f" | wc -l)" -eq 2 ]
		$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$f"
	done
}

@test "no key, empty From, two From, null sender: each passes the signer once, delivered once, no loop" {
	before=$(sink_count); n0=$(passes dkimsign)
	printf 'From: x@nokey.example\nTo: bob@example.org\nSubject: t nokey\n\nx\n' |
	    /usr/sbin/sendmail -f x@example.com bob@example.org
	printf 'From:\nTo: bob@example.org\nSubject: t emptyfrom\n\nx\n' |
	    /usr/sbin/sendmail -f alice@example.com bob@example.org
	printf 'From: a@example.com\nFrom: b@example.com\nTo: bob@example.org\nSubject: t twofrom\n\nx\n' |
	    /usr/sbin/sendmail -f alice@example.com bob@example.org
	printf 'From: Alice <alice@example.com>\nTo: bob@example.org\nSubject: t nullsender\n\nx\n' |
	    /usr/sbin/sendmail -f '<>' bob@example.org
	settle 4
	[ "$(( $(passes dkimsign) - n0 ))" -eq 4 ]
	for c in nokey emptyfrom twofrom nullsender; do once "t $c"; done
	[ "$(signatures "$(last_sink_with '^Subject: t nokey')" | wc -l)" -eq 0 ]
	[ "$(signatures "$(last_sink_with '^Subject: t emptyfrom')" | wc -l)" -eq 0 ]
	[ "$(signatures "$(last_sink_with '^Subject: t twofrom')" | wc -l)" -eq 0 ]
	f=$(last_sink_with '^Subject: t nullsender')
	[ "$(signatures "$f" | wc -l)" -eq 2 ]
	$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$f"
	! cat "$PF_LOG" "$OUT_LOG" | grep -q 'loop\|hop count exceeded' || false
}

@test "a sender not in dkimpipe_senders and local mail never pass the signer" {
	before=$(sink_count); n0=$(passes dkimsign); m0=$(maildir_count)
	printf 'From: x@other.example\nTo: bob@example.org\nSubject: t other\n\nx\n' |
	    /usr/sbin/sendmail -f x@other.example bob@example.org
	printf 'From: Alice <alice@example.com>\nTo: dkimtest@mx.example.com\nSubject: t local\n\nx\n' |
	    /usr/sbin/sendmail -f alice@example.com dkimtest@mx.example.com
	settle 1
	wait_for eval '[ "$(maildir_count)" -gt "$m0" ]'
	[ "$(maildir_count)" -eq $((m0 + 1)) ]
	[ "$(passes dkimsign)" -eq "$n0" ]
	[ "$(signatures "$(last_sink_with '^Subject: t other')" | wc -l)" -eq 0 ]
}

@test "transport_maps by recipient domain: the same output instance, signed once, delivered once" {
	before=$(sink_count); n0=$(passes dkimsign)
	postconf -e 'transport_maps = inline:{ {example.net = dkimsign:dummy} }'
	postfix reload >/dev/null 2>&1; sleep 1
	printf 'From: Alice <alice@example.com>\nTo: carol@example.net\nSubject: t by recipient\n\nx\n' |
	    /usr/sbin/sendmail -f x@other.example carol@example.net
	settle 1
	postconf -X transport_maps
	postfix reload >/dev/null 2>&1; sleep 1
	[ "$(( $(passes dkimsign) - n0 ))" -eq 1 ]
	f=$(last_sink_with '^Subject: t by recipient')
	[ "$(signatures "$f" | wc -l)" -eq 2 ]
	$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$f"
}

@test "mail from outside to a local user is delivered unsigned; relaying for it is refused" {
	m0=$(maildir_count); n0=$(passes dkimsign)
	printf 'From: ceo@example.com\nTo: dkimtest@mx.example.com\nSubject: t outside\n\nx\n' > "$W/x.eml"
	$PY "$LIB/smtp-send.py" 25 127.0.0.2 ceo@example.com dkimtest@mx.example.com "$W/x.eml"
	wait_for eval '[ "$(maildir_count)" -gt "$m0" ]'
	wait_for both_empty
	f=$(ls -t ~dkimtest/Maildir/new/* | head -n 1)
	grep -q '^Subject: t outside' "$f"
	[ "$(signatures "$f" | wc -l)" -eq 0 ]
	run $PY "$LIB/smtp-send.py" 25 127.0.0.2 ceo@example.com bob@example.org "$W/x.eml"
	[ "$status" -ne 0 ]
	[ "$(passes dkimsign)" -eq "$n0" ]
}

@test "outside mail a forwarding alias sends on reaches the signer by its sender, and is passed on unsigned" {
	before=$(sink_count); n0=$(passes dkimsign)
	printf 'From: ceo@example.com\nTo: fwd@mx.example.com\nSubject: t forwarded outside\n\nx\n' > "$W/f1.eml"
	printf 'From: ceo@example.com\nTo: fwd@mx.example.com\nSubject: t forwarded bounce\n\nx\n' > "$W/f2.eml"
	printf 'From: ceo@example.com\nTo: fwd@mx.example.com\nSubject: t forwarded inside\n\nx\n' > "$W/f3.eml"
	$PY "$LIB/smtp-send.py" 25 127.0.0.2 ceo@example.com fwd@mx.example.com "$W/f1.eml"
	$PY "$LIB/smtp-send.py" 25 127.0.0.2 '' fwd@mx.example.com "$W/f2.eml"
	$PY "$LIB/smtp-send.py" 25 127.0.0.1 ceo@example.com fwd@mx.example.com "$W/f3.eml"
	settle 3
	[ "$(( $(passes dkimsign) - n0 ))" -eq 3 ]
	for c in outside bounce inside; do once "t forwarded $c"; done
	[ "$(signatures "$(last_sink_with '^Subject: t forwarded outside')" | wc -l)" -eq 0 ]
	[ "$(signatures "$(last_sink_with '^Subject: t forwarded bounce')" | wc -l)" -eq 0 ]
	f=$(last_sink_with '^Subject: t forwarded inside')
	[ "$(signatures "$f" | wc -l)" -eq 2 ]
	$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$f"
}

@test "a bounce for one of our senders, written by the output instance, is signed and passes the signer once" {
	before=$(sink_count); n0=$(passes dkimsign)
	printf 'From: Alice <alice@example.com>\nTo: reject5@example.org\nSubject: t will bounce\n\nx\n' |
	    /usr/sbin/sendmail -f alice@example.com reject5@example.org
	settle 1
	f=$(last_sink_with 'reject5@example.org')
	grep -q '^From: Mail Delivery System <MAILER-DAEMON@example.com>' "$f"
	[ "$(signatures "$f" | grep -c 'd=example.com;')" -eq 2 ]
	$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$f"
	# the message in the default instance, its bounce in the output one
	[ "$(( $(passes dkimsign) - n0 ))" -eq 2 ]
	[ "$(grep -c 'relay=dkimsign.*status=sent' "$OUT_LOG")" -eq 1 ]
}

@test "key unreadable: the message waits in the default instance's queue, then is delivered signed once" {
	chmod 644 /etc/dkimpipe/keys/r1.private
	before=$(sink_count)
	printf 'From: Alice <alice@example.com>\nTo: bob@example.org\nSubject: t fault\n\nx\n' |
	    /usr/sbin/sendmail -f alice@example.com bob@example.org
	wait_for grep -q 'relay=dkimsign.*status=deferred' "$PF_LOG"
	[ -n "$(postqueue -j)" ]
	[ "$(sink_count)" -eq "$before" ]
	chmod 600 /etc/dkimpipe/keys/r1.private
	postqueue -f
	settle 1
	$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$(last_sink_with '^Subject: t fault')"
}

@test "the output instance down: the message waits in the default instance's queue, then is delivered once" {
	postfix -c $OUT stop >/dev/null 2>&1
	before=$(sink_count)
	printf 'From: Alice <alice@example.com>\nTo: bob@example.org\nSubject: t out down\n\nx\n' |
	    /usr/sbin/sendmail -f alice@example.com bob@example.org
	wait_for eval 'grep "relay=dkimsign" "$PF_LOG" | tail -n 1 | grep -q status=deferred'
	[ -n "$(postqueue -j)" ]
	[ "$(sink_count)" -eq "$before" ]
	postfix -c $OUT start >/dev/null 2>&1
	wait_for eval '(exec 9<>/dev/tcp/127.0.0.1/10028) 2>/dev/null'
	postqueue -f
	settle 1
	once 't out down'
	$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$(last_sink_with '^Subject: t out down')"
}

@test "spawn(8): the LMTP variant signs once, delivers once, and logs with the queue id into maillog_file" {
	sed -i 's|dkimsign:dummy|dkimlmtp:unix:private/dkimspawn|' /etc/postfix/dkimpipe_senders
	# the README's postlog set-up for spawn(8)
	sed -i 's/ user=dkimpipe argv=\/usr\/local\/sbin\/dkimpipe lmtp/ user=dkimpipe:postdrop argv=\/usr\/local\/sbin\/dkimpipe lmtp/' /etc/postfix/master.cf
	chown dkimpipe /etc/dkimpipe/keys
	echo 'log_to = postlog' >> /etc/dkimpipe/dkimpipe.conf
	postfix reload >/dev/null 2>&1; sleep 1
	before=$(sink_count)
	printf 'From: Alice <alice@example.com>\nTo: bob@example.org\nSubject: t lmtp signed\nMessage-ID: <t.lmtp@example.com>\n\nx\n' |
	    /usr/sbin/sendmail -f alice@example.com bob@example.org
	printf 'From:\nTo: bob@example.org\nSubject: t lmtp refused\n\nx\n' |
	    /usr/sbin/sendmail -f alice@example.com bob@example.org
	settle 2
	once 't lmtp signed'
	once 't lmtp refused'
	$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$(last_sink_with '^Subject: t lmtp signed')"
	[ "$(grep -c 'relay=[^ ]*private/dkimspawn.*status=sent' "$PF_LOG")" -eq 2 ]
	! cat "$PF_LOG" "$OUT_LOG" | grep -q 'loop\|hop count exceeded' || false
	qid=$(sed -n 's/.*: \([0-9A-Z]*\): message-id=<t.lmtp@example.com>.*/\1/p' "$PF_LOG" | head -n 1)
	[ -n "$qid" ]
	grep "$qid\|dkimpipe\[" "$PF_LOG" | tail -n 12
	wait_for grep -q "dkimpipe\[[0-9]*\]: $qid: signed, from=<alice@example.com>" "$PF_LOG"
	sed -i '/^log_to/d' /etc/dkimpipe/dkimpipe.conf
	chown root /etc/dkimpipe/keys
}
