#!/usr/bin/env bats
# dkimpipe behind an existing after-queue content filter, as
# examples/behind-filter.master.cf says: a stand-in for amavisd-new
# (tests/lib/standin-filter.py, re-injecting over SMTP to 10027 for our
# own clients and to 10025 for the rest) sees every message first; the
# originating path is signed after it, once; other mail is never signed.

load helper
load lib/postfix-env

setup_file() {
	export W=$BATS_FILE_TMPDIR
	pf_sandboxed || skip "needs root and tests/sandbox.sh (make check)"
	pf_setup "$W"
	# Debian's master.cf plus the recipe, and the filter in main.cf
	{ cat /usr/share/postfix/master.cf.dist; cat "$TOP/examples/behind-filter.master.cf"; } > /etc/postfix/master.cf
	postconf -e 'content_filter = amavis:[127.0.0.1]:10024'
	echo 'reinject = smtp:[127.0.0.1]:10025' >> /etc/dkimpipe/dkimpipe.conf
	$PY "$LIB/standin-filter.py" 10024 "$W/standin.log" 3>&- &
	echo $! > "$W/standin.pid"
	postfix reload >/dev/null 2>&1
	sleep 1
	wait_for eval '(exec 9<>/dev/tcp/127.0.0.1/10024) 2>/dev/null'
	wait_for eval '(exec 9<>/dev/tcp/127.0.0.1/10027) 2>/dev/null'
}

teardown_file() {
	[ -f "$W/standin.pid" ] && kill "$(cat "$W/standin.pid")" 2>/dev/null
	pf_teardown "$W"
}

@test "our own mail passes the filter, then the signer, once each, in that order; delivered once, verifies" {
	before=$(sink_count)
	printf 'From: Alice <alice@example.com>\nTo: bob@example.org\nSubject: behind the filter\n\nx\n' > "$W/o.eml"
	$PY "$LIB/smtp-send.py" 25 127.0.0.1 alice@example.com bob@example.org "$W/o.eml"
	wait_for eval '[ "$(sink_count)" -gt "$before" ]'
	wait_for queue_empty
	sleep 1
	[ "$(sink_count)" -eq $((before + 1)) ]
	f=$W/sink/$(sink_count).eml
	grep -q '^Subject: behind the filter' "$f"
	$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$f"
	# the filter's header is below our signatures: it came first
	sed -n '/^\r\{0,1\}$/q;p' "$f" | grep -n '^DKIM-Signature:\|^X-Standin-Filter:' > "$W/order"
	cat "$W/order"
	[ "$(grep -c '^[0-9]*:DKIM-Signature' "$W/order")" -eq 2 ]
	[ "$(grep -c X-Standin-Filter "$W/order")" -eq 1 ]
	[ "$(tail -n 1 "$W/order" | cut -d: -f2)" = "X-Standin-Filter" ]
	[ "$(grep -c 'to=10027 rcpt=bob@example.org' "$W/standin.log")" -eq 1 ]
	[ "$(grep -c 'relay=dkimsign, .*status=sent' "$PF_LOG")" -eq 1 ]
	grep -q 'postfix/amavis-reinject/smtpd' "$PF_LOG"
}

@test "mail from outside passes the filter and is delivered unsigned; it never reaches the signer" {
	n0=$(maildir_count)
	printf 'From: someone@elsewhere.test\nTo: dkimtest@mx.example.com\nSubject: outside behind the filter\n\nx\n' > "$W/x.eml"
	$PY "$LIB/smtp-send.py" 25 127.0.0.2 someone@elsewhere.test dkimtest@mx.example.com "$W/x.eml"
	wait_for eval '[ "$(maildir_count)" -gt "$n0" ]'
	wait_for queue_empty
	f=$(ls -t ~dkimtest/Maildir/new/* | head -n 1)
	grep -q '^X-Standin-Filter: passed' "$f"
	[ "$(signatures "$f" | wc -l)" -eq 0 ]
	grep -q 'client=127.0.0.2 to=10025' "$W/standin.log"
	[ "$(grep -c 'relay=dkimsign, .*status=sent' "$PF_LOG")" -eq 1 ]
}
