#!/usr/bin/env bats
# Postfix's own notices (bounces here) for our users' mail are signed:
# the bounce, defer and trace daemons hand their mail to a cleanup
# service of their own whose header_checks FILTER it through the signer
# (examples/dkimpipe_notices.regexp). Only notices pass that cleanup, and
# the re-injected copies go through the ordinary one, so nothing loops.

load helper
load lib/postfix-env

setup_file() {
	export W=$BATS_FILE_TMPDIR
	pf_sandboxed || skip "needs root and tests/sandbox.sh (make check)"
	pf_setup "$W"
	# the README's recipe, verbatim
	cp "$TOP/examples/dkimpipe_notices.regexp" /etc/postfix/
	postconf -M 'cleanup-notices/unix=cleanup-notices unix n - y - 0 cleanup'
	postconf -P 'cleanup-notices/unix/header_checks=regexp:/etc/postfix/dkimpipe_notices.regexp'
	for s in bounce defer trace; do
		postconf -P "$s/unix/cleanup_service_name=cleanup-notices" \
		    "$s/unix/internal_mail_filter_classes=bounce"
	done
	postfix reload >/dev/null 2>&1
	sleep 1
}

teardown_file() {
	pf_teardown "$W"
}

@test "a bounce Postfix writes for one of our senders is signed, verifies, and passes the signer once" {
	n0=$(maildir_count)
	printf 'From: Alice <alice@example.com>\nTo: reject5@example.org\nSubject: will bounce\n\nx\n' > "$W/b.eml"
	$PY "$LIB/smtp-send.py" 587 127.0.0.1 dkimtest@mx.example.com reject5@example.org "$W/b.eml"
	wait_for eval '[ "$(maildir_count)" -gt "$n0" ]'
	wait_for queue_empty
	sleep 2
	[ "$(maildir_count)" -eq $((n0 + 1)) ]
	f=$(ls -t ~dkimtest/Maildir/new/* | head -n 1)
	grep -q "^From: Mail Delivery System <MAILER-DAEMON@example.com>" "$f"
	grep -q 'reject5@example.org' "$f"
	# both keys of the test set-up (rsa and ed25519), for d=example.com
	[ "$(signatures "$f" | grep -c 'd=example.com;')" -eq 2 ]
	$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$f"
	# two signer passes in all: the message, then its bounce
	[ "$(grep -c 'relay=dkimsign, .*status=sent' "$PF_LOG")" -eq 2 ]
	! grep -q 'loop\|hop count exceeded' "$PF_LOG" || false
}

@test "mail from outside still never passes the signer, and ordinary mail is signed once as before" {
	n0=$(maildir_count)
	s0=$(grep -c 'relay=dkimsign, .*status=sent' "$PF_LOG")
	printf 'From: someone@elsewhere.test\nTo: dkimtest@mx.example.com\nSubject: from outside\n\nx\n' > "$W/o.eml"
	$PY "$LIB/smtp-send.py" 25 127.0.0.2 someone@elsewhere.test dkimtest@mx.example.com "$W/o.eml"
	wait_for eval '[ "$(maildir_count)" -gt "$n0" ]'
	wait_for queue_empty
	f=$(ls -t ~dkimtest/Maildir/new/* | head -n 1)
	grep -q '^Subject: from outside' "$f"
	[ "$(signatures "$f" | wc -l)" -eq 0 ]
	[ "$(grep -c 'relay=dkimsign, .*status=sent' "$PF_LOG")" -eq "$s0" ]
}
