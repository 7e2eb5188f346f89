#!/usr/bin/env bats
# dkimpipe setup --mode transport on a real Postfix, from Debian's stock
# main.cf and master.cf: the two-instance recipe made by setup. Mail from
# our domain to a remote destination is routed by its envelope sender to
# the signer, which re-injects it into the output instance postfix-out
# (made with postmulti, started before the default instance is reloaded);
# it arrives once, signed, and verifies. Mail from outside, and local
# mail, never pass the signer. A second run changes nothing; --undo
# destroys the output instance and gives main.cf and master.cf back byte
# for byte.

load helper
load lib/postfix-env

DP=/usr/local/sbin/dkimpipe
OUT=/etc/postfix-out

setup_file() {
	export W=$BATS_FILE_TMPDIR
	pf_sandboxed || skip "needs root and tests/sandbox.sh (make check)"
	# an output instance an earlier suite (83) left is not ours
	rm -rf $OUT/* /var/spool/postfix-out/* /var/lib/postfix-out/*
	pf_stock_setup "$W"
}

teardown_file() {
	postmulti -i postfix-out -p stop >/dev/null 2>&1 || true
	pf_teardown "$W"
	# later suites expect the single instance of the shipped set-up
	rm -rf $OUT/* /var/spool/postfix-out/* /var/lib/postfix-out/*
}

keys_txt() {
	local f sel
	: > "$W/keys.txt"
	for f in /etc/dkimpipe/keys/example.com/*.private; do
		sel=$(basename "$f" .private)
		printf '%s._domainkey.example.com v=DKIM1; k=rsa; p=%s\n' "$sel" \
		    "$(openssl pkey -in "$f" -pubout -outform DER | base64 -w0)" >> "$W/keys.txt"
	done
}

state() {
	find /etc/postfix /etc/dkimpipe $OUT -type f -print0 2>/dev/null |
	    sort -z | xargs -0 sha256sum
}

# arrives_once SUBJECT - the one copy at the sink with that subject
arrives_once() {
	SUBJ=$1
	wait_for eval '[ -n "$(grep -lE "^Subject: $SUBJ[[:space:]]*\$" "$W"/sink/*.eml 2>/dev/null)" ]' ||
	    { echo "no copy of $SUBJ" >&2; return 1; }
	sleep 2
	n=$(grep -lE "^Subject: $SUBJ[[:space:]]*\$" "$W"/sink/*.eml | wc -l)
	[ "$n" -eq 1 ] || { echo "$n copies of $SUBJ" >&2; return 1; }
	grep -lE "^Subject: $SUBJ[[:space:]]*\$" "$W"/sink/*.eml
}

msg() {
	printf 'From: Alice <alice@example.com>\nTo: Bob <bob@example.org>\nSubject: %s\nDate: %s\nMessage-ID: <%s.%s@example.com>\n\nHello Bob.\n' \
	    "$1" "$(date -R)" "$(echo "$1" | tr ' ' .)" "$$" > "$W/m.eml"
}

@test "setup --mode transport: the output instance made and running, check clean, a second run changes nothing" {
	run dkimpipe setup --mode transport example.com
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"postmulti -I postfix-out -e create"* ]]
	# started before the default instance is reloaded
	[[ "$output" == *"postmulti -i postfix-out -p start"*"/usr/sbin/postfix reload"* ]]
	postmulti -i postfix-out -p status
	[ "$(postconf -h sender_dependent_default_transport_maps)" = texthash:/etc/postfix/dkimpipe_senders ]
	grep -qx 'reinject = smtp:\[127.0.0.1\]:10028' /etc/dkimpipe/dkimpipe.conf
	grep -qx 'internal_hosts = 127.0.0.1/32' /etc/dkimpipe/dkimpipe.conf
	[ -z "$(postconf -c $OUT -M smtp/inet)" ]
	wait_for eval '(exec 9<>/dev/tcp/127.0.0.1/10028) 2>/dev/null'
	run dkimpipe check
	echo "$output"
	[ "$status" -eq 0 ]
	keys_txt
	state > "$W/before"
	run dkimpipe setup --mode transport example.com
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"nothing to change"* ]]
	state | diff "$W/before" -
}

@test "transport: our mail to a remote destination arrives once, signed, verified by OpenDKIM, dkimpy and Mail::DKIM; from outside and locally it never passes the signer" {
	msg "transport 25"
	$PY "$LIB/smtp-send.py" 25 127.0.0.1 alice@example.com bob@example.org "$W/m.eml"
	f=$(arrives_once "transport 25")
	[ "$(signatures "$f" | grep -c 'd=example.com;')" -eq 1 ]
	$PY "$LIB/verify-dkimpy.py" --smtp "$W/keys.txt" "$f"
	sh "$LIB/verify-opendkim.sh" "$W/keys.txt" "$f"
	perl "$LIB/verify-maildkim.pl" "$W/keys.txt" "$f"
	msg "transport sendmail"
	/usr/sbin/sendmail -f alice@example.com bob@example.org < "$W/m.eml"
	f=$(arrives_once "transport sendmail")
	$PY "$LIB/verify-dkimpy.py" --smtp "$W/keys.txt" "$f"
	# the output instance's bounce for a remote refusal: signed, verifies
	printf 'From: Alice <alice@example.com>\nTo: reject5@example.org\nSubject: transport bounce\n\nx\n' > "$W/b.eml"
	$PY "$LIB/smtp-send.py" 25 127.0.0.1 alice@example.com reject5@example.org "$W/b.eml"
	wait_for eval '[ -n "$(grep -l "^From: Mail Delivery System <MAILER-DAEMON@example.com>" "$W"/sink/*.eml 2>/dev/null)" ]'
	sleep 2
	f=$(grep -l "^From: Mail Delivery System <MAILER-DAEMON@example.com>" "$W"/sink/*.eml)
	[ "$(echo "$f" | wc -l)" -eq 1 ]
	grep -q 'transport bounce' "$f"
	$PY "$LIB/verify-dkimpy.py" --smtp "$W/keys.txt" "$f"
	# from outside, to a local user: delivered here, never signed
	msg "transport outside"
	$PY "$LIB/smtp-send.py" 25 127.0.0.2 alice@example.com dkimtest@mx.example.com "$W/m.eml"
	wait_for eval 'grep -l "^Subject: transport outside" ~dkimtest/Maildir/new/* 2>/dev/null'
	f=$(grep -l "^Subject: transport outside" ~dkimtest/Maildir/new/*)
	[ "$(signatures "$f" | wc -l)" -eq 0 ]
	# a sender outside our domains is routed as before: unsigned
	msg "transport other sender"
	$PY "$LIB/smtp-send.py" 25 127.0.0.1 carol@example.net bob@example.org "$W/m.eml"
	f=$(arrives_once "transport other sender")
	[ "$(signatures "$f" | wc -l)" -eq 0 ]
}

@test "transport: setup --undo destroys the output instance and gives main.cf and master.cf back byte for byte" {
	wait_for eval '[ -z "$(postqueue -j)" ] && [ -z "$(postqueue -c $OUT -j)" ]'
	run dkimpipe setup --undo
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"postmulti -i postfix-out -e destroy"* ]]
	cmp "$W/main.stock" /etc/postfix/main.cf
	cmp "$W/master.stock" /etc/postfix/master.cf
	[ ! -e /etc/postfix/dkimpipe_senders ]
	! postmulti -l 2>/dev/null | grep -q postfix-out || false
	# and mail flows as before setup
	msg "transport after undo"
	$PY "$LIB/smtp-send.py" 25 127.0.0.1 alice@example.com bob@example.org "$W/m.eml"
	f=$(arrives_once "transport after undo")
	[ "$(signatures "$f" | wc -l)" -eq 0 ]
}
