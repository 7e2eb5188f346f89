#!/usr/bin/env bats
# End to end with a real Postfix: signatures survive what Postfix's smtp
# client does to long lines on output (smtp_line_length_limit, 998: it
# breaks them with CRLF SPACE after the signer). dkimpipe gives such
# lines that form before signing, so each copy the next hop receives
# verifies with OpenDKIM, dkimpy and Mail::DKIM: body lines of 999,
# 1,000, 2,500 and 20,000 octets, a long Subject with spaces, a long
# header without white space, long lines in a quoted-printable and an
# HTML part, LF and CRLF input; with the pipe(8) recipe (sendmail and
# SMTP re-injection) and the spawn(8) recipe. Without the fix the same
# message fails; so does 8-bit text to a next hop without 8BITMIME
# unless disable_mime_output_conversion = yes (examples/main.cf).

load helper
load lib/postfix-env

setup_file() {
	export W=$BATS_FILE_TMPDIR
	pf_sandboxed || skip "needs root and tests/sandbox.sh (make check)"
	pf_setup "$W"
	mkdir -p "$W/ll"
	$PY - "$W/ll" <<-'PYEOF'
	import sys
	d = sys.argv[1]
	H = b"From: Alice <alice@example.com>\nTo: bob@example.org\n"
	def msg(name, subject, rest):
	    open("%s/%s.eml" % (d, name), "wb").write(H + b"Subject: " + subject + b"\n" + rest)
	for n in (999, 1000, 2500, 20000):
	    msg("body%d" % n, b"ll body%d" % n, b"\nstart\n" + b"b" * n + b"\nend\n")
	msg("subject", b"ll subject " + b" ".join(b"word%d" % i for i in range(400)), b"\nbody\n")
	msg("nowsp", b"ll nowsp\nX-Token: " + b"t" * 1500, b"\nbody\n")
	mime = (b"MIME-Version: 1.0\nContent-Type: multipart/alternative; boundary=\"B\"\n\n"
	        b"--B\nContent-Type: text/plain; charset=utf-8\n"
	        b"Content-Transfer-Encoding: quoted-printable\n\n" + b"q=3D" * 400 + b"\n"
	        b"--B\nContent-Type: text/html; charset=utf-8\n\n<html><body>"
	        + b"<a href=\"https://example.com/x\">link</a> " * 150 + b"</body></html>\n--B--\n")
	msg("mime", b"ll mime", mime)
	PYEOF
	$PY -c 'import sys; d=open(sys.argv[1],"rb").read(); open(sys.argv[2],"wb").write(d.replace(b"\n", b"\r\n").replace(b"Subject: ll body2500", b"Subject: ll crlf2500"))' \
	    "$W/ll/body2500.eml" "$W/ll/crlf2500.eml"
}

# teardown - the pipe(8) recipe again, whatever a failed test left
teardown() {
	if grep -q dkimlmtp /etc/postfix/dkimpipe_clients.cidr ||
	    [ "$(postconf -h disable_mime_output_conversion)" != yes ]; then
		sed -i 's|dkimlmtp:unix:private/dkimspawn|dkimsign:dummy|' \
		    /etc/postfix/master.cf /etc/postfix/dkimpipe_clients.cidr
		postconf -e disable_mime_output_conversion=yes
		postfix reload >/dev/null 2>&1
		sleep 1
	fi
	sed -i '/^reinject/d; /^smtp_line_length_limit/d' /etc/dkimpipe/dkimpipe.conf
}

teardown_file() {
	pf_teardown "$W"
}

# send_all - every test message over 587 (CRLF on the wire); each copy
# at the next hop: once, two signatures, a line no longer than 998, and
# accepted by the three verifiers
send_all() {
	local m s f before
	before=$(sink_count)
	for m in "$W"/ll/*.eml; do
		$PY "$LIB/smtp-send.py" 587 127.0.0.1 alice@example.com bob@example.org "$m"
	done
	wait_for eval '[ "$(sink_count)" -ge $((before + 8)) ]'
	wait_for queue_empty
	sleep 1
	[ "$(sink_count)" -eq $((before + 8)) ]
	for m in "$W"/ll/*.eml; do
		s=$(sed -n 's/^Subject: \(ll [a-z0-9]*\).*/\1/p' "$m" | tr -d '\r')
		f=$(last_sink_with "^Subject: $s")
		[ -n "$f" ]
		[ "$(ls "$W"/sink/*.eml | xargs grep -l "^Subject: $s" | wc -l)" -eq "$1" ]
		[ "$(signatures "$f" | wc -l)" -eq 2 ]
		[ "$(tr -d '\r' < "$f" | awk '{ if (length($0) > m) m = length($0) } END { print m }')" -le 998 ]
		$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$f"
		sh "$LIB/verify-opendkim.sh" "$W/k/keys.txt" "$f"
		maildkim "$f"
	done
}

@test "pipe(8) recipe, sendmail re-injection: each long-line message arrives once, signed, and the three verifiers accept it" {
	send_all 1
	# Postfix's smtp client found nothing left to break
	! grep -q 'breaking line' "$PF_LOG" || false
}

@test "pipe(8) recipe, reinject = smtp: the same, through the re-injection smtpd" {
	echo 'reinject = smtp:[127.0.0.1]:10026' >> /etc/dkimpipe/dkimpipe.conf
	send_all 2
	sed -i '/^reinject/d' /etc/dkimpipe/dkimpipe.conf
	! grep -q 'breaking line' "$PF_LOG" || false
}

@test "spawn(8) recipe, SMTP re-injection: the same" {
	sed -i 's|dkimsign:dummy|dkimlmtp:unix:private/dkimspawn|' \
	    /etc/postfix/master.cf /etc/postfix/dkimpipe_clients.cidr
	echo 'reinject = smtp:[127.0.0.1]:10026' >> /etc/dkimpipe/dkimpipe.conf
	postfix reload >/dev/null 2>&1
	sleep 1
	send_all 3
	grep -q 'postfix/dkimlmtp/lmtp.*relay=[^ ]*private/dkimspawn.*status=sent' "$PF_LOG"
	sed -i 's|dkimlmtp:unix:private/dkimspawn|dkimsign:dummy|' \
	    /etc/postfix/master.cf /etc/postfix/dkimpipe_clients.cidr
	sed -i '/^reinject/d' /etc/dkimpipe/dkimpipe.conf
	postfix reload >/dev/null 2>&1
	sleep 1
	! grep -q 'breaking line' "$PF_LOG" || false
}

@test "a script's LF and CRLF messages through dkimpipe deliver: long lines arrive signed, verify" {
	before=$(sink_count)
	for m in body20000 crlf2500; do
		/usr/local/sbin/dkimpipe deliver -f alice@example.com -- bob@example.org < "$W/ll/$m.eml"
	done
	wait_for eval '[ "$(sink_count)" -ge $((before + 2)) ]'
	wait_for queue_empty
	for s in 'll body20000' 'll crlf2500'; do
		f=$(last_sink_with "^Subject: $s")
		$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$f"
		sh "$LIB/verify-opendkim.sh" "$W/k/keys.txt" "$f"
		maildkim "$f"
	done
	! grep -q 'breaking line' "$PF_LOG" || false
}

@test "without the fix (smtp_line_length_limit = 0 in dkimpipe.conf) Postfix breaks the line after signing and no verifier accepts the copy" {
	echo 'smtp_line_length_limit = 0' >> /etc/dkimpipe/dkimpipe.conf
	before=$(sink_count)
	$PY "$LIB/smtp-send.py" 587 127.0.0.1 alice@example.com bob@example.org "$W/ll/body2500.eml"
	wait_for eval '[ "$(sink_count)" -gt "$before" ]'
	wait_for queue_empty
	sed -i '/^smtp_line_length_limit/d' /etc/dkimpipe/dkimpipe.conf
	grep -q 'breaking line > 998 bytes' "$PF_LOG"
	f=$(last_sink_with '^Subject: ll body2500')
	[ "$(signatures "$f" | wc -l)" -eq 2 ]
	run $PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$f"
	[ "$status" -ne 0 ]
	run sh "$LIB/verify-opendkim.sh" "$W/k/keys.txt" "$f"
	[ "$status" -ne 0 ]
	run maildkim "$f"
	[ "$status" -ne 0 ]
}

@test "8-bit text to a next hop without 8BITMIME or SMTPUTF8 arrives signed and verifies; with disable_mime_output_conversion = no it would not" {
	[ "$(postconf -h disable_mime_output_conversion)" = yes ]
	restart_sink ""
	printf 'From: Alice <alice@example.com>\nTo: bob@example.org\nSubject: ll 8bit\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\nGr\303\274\303\237e aus K\303\266ln\n' > "$W/8bit.eml"
	before=$(sink_count)
	$PY "$LIB/smtp-send.py" 587 127.0.0.1 alice@example.com bob@example.org "$W/8bit.eml"
	wait_for eval '[ "$(sink_count)" -gt "$before" ]'
	wait_for queue_empty
	f=$(last_sink_with '^Subject: ll 8bit')
	grep -q "Gr$(printf '\303\274')" "$f"
	$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$f"
	sh "$LIB/verify-opendkim.sh" "$W/k/keys.txt" "$f"
	# what check warns about: the conversion after the signer
	postconf -e disable_mime_output_conversion=no
	postfix reload >/dev/null 2>&1; sleep 1
	before=$(sink_count)
	$PY "$LIB/smtp-send.py" 587 127.0.0.1 alice@example.com bob@example.org "$W/8bit.eml"
	wait_for eval '[ "$(sink_count)" -gt "$before" ]'
	wait_for queue_empty
	postconf -e disable_mime_output_conversion=yes
	postfix reload >/dev/null 2>&1; sleep 1
	f=$(last_sink_with '^Subject: ll 8bit')
	grep -qi 'quoted-printable' "$f"
	run $PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$f"
	[ "$status" -ne 0 ]
	restart_sink "8BITMIME SMTPUTF8"
}
