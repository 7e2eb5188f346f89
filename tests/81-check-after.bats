#!/usr/bin/env bats
# dkimpipe check, after the signer (src/postfix/pfafter.c): with a real Postfix
# set up from the shipped examples, each Postfix setting that changes a
# signed copy on its way out (re-injection through pickup or the
# 127.0.0.1:10026 smtpd, its cleanup, the smtp/lmtp clients) gives
# exactly one warning that names it, and the exit status stays 0. The
# shipped set-up gives none. Two tests send mail to show that a warning
# is real (the signature breaks) and that a setting that gets no warning
# really leaves the signed copy alone.

load helper
load lib/postfix-env

setup_file() {
	export W=$BATS_FILE_TMPDIR
	pf_sandboxed || skip "needs root and tests/sandbox.sh (make check)"
	pf_setup "$W"
	cp /etc/postfix/main.cf "$W/main.good"
	cp /etc/postfix/master.cf "$W/master.good"
	cp /etc/postfix/dkimpipe_clients.cidr "$W/clients.good"
	cp /etc/dkimpipe/dkimpipe.conf "$W/conf.good"
}

teardown_file() {
	pf_teardown "$W"
}

# every test leaves the shipped set-up behind it, also when it fails
teardown() {
	cp "$W/main.good" /etc/postfix/main.cf
	cp "$W/master.good" /etc/postfix/master.cf
	cp "$W/clients.good" /etc/postfix/dkimpipe_clients.cidr
	cp "$W/conf.good" /etc/dkimpipe/dkimpipe.conf
	if [ -f "$W/reload" ]; then
		rm -f "$W/reload"
		postfix reload >/dev/null 2>&1
		sleep 1
	fi
}

check() {
	run runuser -u dkimpipe -- /usr/local/sbin/dkimpipe check
	echo "$output"
	# where the log lines go is 84-check-path.bats's business (no syslog
	# daemon in the sandbox)
	output=$(grep -v '^dkimpipe: \(warning: \)\{0,1\}logs: ' <<< "$output")
}

# warned PARAM [TOTAL] - check passed (exit 0) with TOTAL warnings
# (default 1), exactly one of them about PARAM
warned() {
	check
	[ "$status" -eq 0 ]
	[ "$(grep -c '^dkimpipe: warning: ' <<< "$output")" -eq "${2:-1}" ]
	[ "$(grep -c "^dkimpipe: warning: $1 = " <<< "$output")" -eq 1 ]
}

unwarned() {
	check
	[ "$status" -eq 0 ]
	[[ "$output" != *warning* ]]
	[[ "$output" == *": OK: "* ]]
}

smtp_reinject() { echo 'reinject = smtp:[127.0.0.1]:10026' >> /etc/dkimpipe/dkimpipe.conf; }

# send_remote SUBJECT - a message without To or Cc from 127.0.0.3, a
# client of ours (signed) whose headers the first cleanup leaves alone;
# prints the delivered copy
send_remote() {
	echo '127.0.0.3/32 FILTER dkimsign:dummy' >> /etc/postfix/dkimpipe_clients.cidr
	touch "$W/reload"
	postfix reload >/dev/null 2>&1; sleep 1
	printf 'From: Alice <alice@example.com>\nSubject: %s\nDate: %s\nMessage-ID: <%s@example.com>\n\nno To, no Cc\n' \
	    "$1" "$(date -R)" "$1.$$" > "$W/m.eml"
	$PY "$LIB/smtp-send.py" 25 127.0.0.3 alice@example.com dkimtest@localhost "$W/m.eml"
	SUBJ=$1
	wait_for eval 'grep -ql "^Subject: $SUBJ\$" ~dkimtest/Maildir/new/* 2>/dev/null'
	grep -l "^Subject: $SUBJ\$" ~dkimtest/Maildir/new/*
}

@test "the shipped set-up: no warning about what comes after the signer, with sendmail or SMTP re-injection" {
	cmp "$TOP/examples/master.cf" /etc/postfix/master.cf
	unwarned
	smtp_reinject
	unwarned
}

@test "smtp_generic_maps: warned once" {
	postconf -e 'smtp_generic_maps = inline:{ {alice@example.com = a@example.net} }'
	warned smtp_generic_maps
	[[ "$output" == *"(main.cf; used by smtp/unix, relay/unix): rewrites addresses in signed header fields"* ]]
}

@test "smtp_header_checks: warned once" {
	postconf -e 'smtp_header_checks = regexp:/etc/postfix/x'
	warned smtp_header_checks
}

@test "smtp_mime_header_checks: warned once" {
	postconf -e 'smtp_mime_header_checks = regexp:/etc/postfix/x'
	warned smtp_mime_header_checks
}

@test "smtp_nested_header_checks: warned once" {
	postconf -e 'smtp_nested_header_checks = regexp:/etc/postfix/x'
	warned smtp_nested_header_checks
}

@test "smtp_body_checks: warned once" {
	postconf -e 'smtp_body_checks = regexp:/etc/postfix/x'
	warned smtp_body_checks
}

@test "disable_mime_output_conversion = no, in main.cf or on one client: warned once" {
	postconf -e 'disable_mime_output_conversion = no'
	warned disable_mime_output_conversion
	# not dkimlmtp, which feeds the signer
	[[ "$output" == *"disable_mime_output_conversion = no (main.cf; used by smtp/unix, relay/unix, lmtp/unix): 8-bit bodies are converted to quoted-printable"* ]]
	cp "$W/main.good" /etc/postfix/main.cf
	postconf -P 'relay/unix/disable_mime_output_conversion=no'
	warned disable_mime_output_conversion
	[[ "$output" == *"disable_mime_output_conversion = no (master.cf relay/unix): "*"set disable_mime_output_conversion = yes"* ]]
}

@test "header_checks, body_checks at the re-injection's cleanup: warned once, for pickup but not for 10026" {
	postconf -e 'header_checks = regexp:/etc/postfix/x'
	warned header_checks
	[[ "$output" == *"(cleanup/unix, mail from pickup/unix)"*"add no_header_body_checks to receive_override_options on pickup/unix"* ]]
	# mime_ and nested_header_checks ($header_checks) are not a second problem
	[[ "$output" != *mime_header_checks* ]]
	postconf -e 'body_checks = regexp:/etc/postfix/y'
	warned header_checks
	[[ "$output" == *"body_checks = regexp:/etc/postfix/y (main.cf)"* ]]
	# 10026 has no_header_body_checks
	smtp_reinject
	unwarned
}

@test "milters at the re-injection: non_smtpd_milters without no_milters on pickup, smtpd_milters on 10026: warned once" {
	postconf -e 'non_smtpd_milters = inet:127.0.0.1:8891' 'smtpd_milters = inet:127.0.0.1:8891'
	unwarned		# pickup has no_milters
	postconf -P 'pickup/unix/receive_override_options='
	warned non_smtpd_milters
	[[ "$output" == *"re-injected through pickup/unix"*"add no_milters to receive_override_options on pickup/unix"* ]]
	cp "$W/master.good" /etc/postfix/master.cf
	smtp_reinject
	unwarned		# 10026 has no_milters
	postconf -P '127.0.0.1:10026/inet/receive_override_options=no_header_body_checks'
	warned smtpd_milters
	[[ "$output" == *"(main.cf): run on the signed copy re-injected through 127.0.0.1:10026/inet"* ]]
}

@test "local_header_rewrite_clients on the re-injection smtpd: warned once" {
	smtp_reinject
	postconf -PX '127.0.0.1:10026/inet/local_header_rewrite_clients'
	warned local_header_rewrite_clients
	[[ "$output" == *"local_header_rewrite_clients = permit_inet_interfaces (main.cf): the re-injection smtpd 127.0.0.1:10026/inet treats the signer as a local client"* ]]
}

@test "canonical and masquerading maps: warned once each where the re-injection rewrites headers, not with sendmail -G" {
	for p in canonical_maps sender_canonical_maps recipient_canonical_maps masquerade_domains; do
		v='inline:{ {alice@example.com = a@example.net} }'
		[ $p = masquerade_domains ] && v=example.com
		postconf -e "$p = $v"
		unwarned	# sendmail -G, 10026: no header rewriting after signing
		smtp_reinject
		unwarned
		postconf -PX '127.0.0.1:10026/inet/local_header_rewrite_clients'
		warned $p 2
		[[ "$output" == *"add no_address_mappings to receive_override_options on 127.0.0.1:10026/inet"* ]]
		cp "$W/main.good" /etc/postfix/main.cf
		cp "$W/master.good" /etc/postfix/master.cf
		cp "$W/conf.good" /etc/dkimpipe/dkimpipe.conf
	done
}

@test "remote_header_rewrite_domain: in main.cf no warning (the first cleanup rewrote alike), on the re-injection's cleanup only: warned once" {
	postconf -e 'remote_header_rewrite_domain = example.com'
	unwarned
	cp "$W/main.good" /etc/postfix/main.cf
	postconf -M 'cleanup-reinject/unix=cleanup-reinject unix n - y - 0 cleanup'
	postconf -P 'pickup/unix/cleanup_service_name=cleanup-reinject' \
	    'cleanup-reinject/unix/remote_header_rewrite_domain=example.com'
	warned remote_header_rewrite_domain
	[[ "$output" == *"(master.cf cleanup-reinject/unix): only the re-injection's cleanup rewrites"* ]]
}

@test "always_add_missing_headers = yes: in main.cf no warning (To is added before signing), on the re-injection's cleanup only: warned once" {
	postconf -e 'always_add_missing_headers = yes' 'undisclosed_recipients_header = To: undisclosed-recipients:;'
	unwarned
	f=$(send_remote 'always in main')
	grep -q '^To: undisclosed-recipients:;' "$f"
	$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$f"
	postconf -e 'always_add_missing_headers = no'
	unwarned		# undisclosed_recipients_header alone: nothing adds it after signing
	postconf -M 'cleanup-reinject/unix=cleanup-reinject unix n - y - 0 cleanup'
	postconf -P 'pickup/unix/cleanup_service_name=cleanup-reinject' \
	    'cleanup-reinject/unix/always_add_missing_headers=yes'
	warned undisclosed_recipients_header
	[[ "$output" == *"with always_add_missing_headers = yes (master.cf cleanup-reinject/unix): "*"To is oversigned (oversign_headers), so the signature breaks"* ]]
}

@test "undisclosed_recipients_header with local_header_rewrite_clients on 10026: warned, and the signature really breaks" {
	postconf -e 'undisclosed_recipients_header = To: undisclosed-recipients:;'
	smtp_reinject
	unwarned
	postconf -PX '127.0.0.1:10026/inet/local_header_rewrite_clients'
	warned undisclosed_recipients_header 2
	[[ "$output" == *"with local_header_rewrite_clients = permit_inet_interfaces (main.cf): the re-injection's cleanup (cleanup/unix) adds it"* ]]
	f=$(send_remote 'added after signing')
	[ "$(signatures "$f" | wc -l)" -eq 2 ]
	grep -q '^To: undisclosed-recipients:;' "$f"
	run $PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$f"
	echo "$output"
	[ "$status" -ne 0 ]
}

@test "an oversigned Date that only the re-injection adds (add_missing_headers = no): warned once" {
	printf 'add_missing_headers = no\noversign_headers = From:To:Subject:Date\n' >> /etc/dkimpipe/dkimpipe.conf
	unwarned
	postconf -M 'cleanup-reinject/unix=cleanup-reinject unix n - y - 0 cleanup'
	postconf -P 'pickup/unix/cleanup_service_name=cleanup-reinject' \
	    'cleanup-reinject/unix/always_add_missing_headers=yes'
	warned always_add_missing_headers
	[[ "$output" == *"adds Date to a signed copy without one, and Date is oversigned"* ]]
	[[ "$output" != *Message-ID* ]]
}

@test "canonical_maps and undisclosed_recipients_header with sendmail -G: no warning, and the signed copy arrives unchanged" {
	postconf -e 'canonical_maps = inline:{ {alice@example.com = a@example.net} }' \
	    'undisclosed_recipients_header = To: undisclosed-recipients:;'
	unwarned
	f=$(send_remote 'nothing after signing')
	grep -q '^From: Alice <alice@example.com>$' "$f"
	! grep -q '^To:' "$f" || false
	$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$f"
}

@test "smtp_line_length_limit: in main.cf or on relay (-P) other than dkimpipe's: warned once" {
	postconf -e 'smtp_line_length_limit = 500'
	warned smtp_line_length_limit
	[[ "$output" == *"smtp_line_length_limit = 500 (main.cf; used by smtp/unix, relay/unix): Postfix breaks longer lines after signing"* ]]
	cp "$W/main.good" /etc/postfix/main.cf
	postconf -P 'relay/unix/smtp_line_length_limit=0'
	warned smtp_line_length_limit
	[[ "$output" == *"smtp_line_length_limit = 0 (master.cf relay/unix): dkimpipe breaks lines before signing"* ]]
	cp "$W/master.good" /etc/postfix/master.cf
	# dkimpipe's own limit must agree too; equal is quiet
	echo 'smtp_line_length_limit = 500' >> /etc/dkimpipe/dkimpipe.conf
	warned smtp_line_length_limit 2
	[[ "$output" == *"lmtp_line_length_limit = 998 (main.cf; used by lmtp/unix)"* ]]
	postconf -e 'smtp_line_length_limit = 500' 'lmtp_line_length_limit = 500'
	unwarned
}
