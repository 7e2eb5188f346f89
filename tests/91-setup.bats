#!/usr/bin/env bats
# dkimpipe setup and setup --undo on a real Postfix, from Debian's stock
# main.cf (main.cf.debian plus the site's own lines) and master.cf
# (master.cf.dist): after "dkimpipe setup example.com" mail over 587,
# over 25 from a listed client, with sendmail(1) as root and as a user,
# and Postfix's own bounces arrive once, signed, and verify with all
# three independent verifiers; mail from an unlisted client arrives once,
# unsigned. A second run changes nothing, --dry-run and every refusal
# change nothing, and --undo returns main.cf and master.cf byte for byte
# and delivers, once and unsigned, the mail that waited for the signer.

load helper
load lib/postfix-env
load lib/setup-env

DP=/usr/local/sbin/dkimpipe

setup_file() {
	export W=$BATS_FILE_TMPDIR
	pf_sandboxed || skip "needs root and tests/sandbox.sh (make check)"
	# setup makes postlog(1) set-gid with dpkg-statoverride for pipe(8):
	# on private copies, never on the host's
	mkdir -p "$W/dpkg"
	cp -a /var/lib/dpkg/. "$W/dpkg/"
	cp -p /usr/sbin/postlog "$W/postlog"
	mount --bind "$W/dpkg" /var/lib/dpkg
	mount --bind "$W/postlog" /usr/sbin/postlog
	pf_stock_setup "$W" maillog
}

teardown_file() {
	pf_teardown "$W"
	umount /usr/sbin/postlog /var/lib/dpkg 2>/dev/null || true
}

# every_path MODE - the mail of every path, each once, signed where it must be
every_path() {
	local m=$1 f
	msg "$m 587"
	$PY "$LIB/smtp-send.py" 587 127.0.0.1 alice@example.com bob@example.org "$W/m.eml"
	f=$(arrives_once "$m 587")
	verified "$f"
	msg "$m 25 listed"
	$PY "$LIB/smtp-send.py" 25 127.0.0.1 alice@example.com bob@example.org "$W/m.eml"
	f=$(arrives_once "$m 25 listed")
	verified "$f"
	# from outside: only to a local recipient, never signed
	n0=$(maildir_count)
	msg "$m 25 unlisted"
	$PY "$LIB/smtp-send.py" 25 127.0.0.2 alice@example.com dkimtest@mx.example.com "$W/m.eml"
	wait_for eval '[ "$(maildir_count)" -gt "$n0" ]'
	wait_for queue_empty
	sleep 1
	[ "$(maildir_count)" -eq $((n0 + 1)) ]
	f=$(ls -t ~dkimtest/Maildir/new/* | head -n 1)
	grep -q "^Subject: $m 25 unlisted" "$f"
	[ "$(signatures "$f" | wc -l)" -eq 0 ]
	msg "$m sendmail root"
	/usr/sbin/sendmail -f alice@example.com bob@example.org < "$W/m.eml"
	f=$(arrives_once "$m sendmail root")
	verified "$f"
	msg "$m sendmail user"
	chmod 644 "$W/m.eml"
	runuser -u dkimtest -- /usr/sbin/sendmail -f alice@example.com bob@example.org < "$W/m.eml"
	f=$(arrives_once "$m sendmail user")
	verified "$f"
	# a bounce Postfix writes, for a local sender: signed for myorigin
	n0=$(maildir_count)
	printf 'From: dkimtest@example.com\nTo: reject5@example.org\nSubject: %s bounce\n\nx\n' "$m" > "$W/b.eml"
	$PY "$LIB/smtp-send.py" 587 127.0.0.1 dkimtest@mx.example.com reject5@example.org "$W/b.eml"
	wait_for eval '[ "$(maildir_count)" -gt "$n0" ]'
	wait_for queue_empty
	sleep 1
	[ "$(maildir_count)" -eq $((n0 + 1)) ]
	f=$(ls -t ~dkimtest/Maildir/new/* | head -n 1)
	grep -q '^From: Mail Delivery System <MAILER-DAEMON@example.com>' "$f"
	verified "$f"
	! grep -q 'loop\|hop count exceeded' "$PF_LOG" || false
}

@test "setup --dry-run shows the postconf commands and files, and changes nothing" {
	state > "$W/before"
	run $DP setup --dry-run example.com
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"postconf -P pickup/unix/content_filter=dkimlmtp:unix:private/dkimspawn"* ]]
	[[ "$output" == *"postconf -M 'dkimspawn/unix=dkimspawn unix - n n - 20 spawn user=dkimpipe:postdrop argv=$DP lmtp'"* ]]
	[[ "$output" == *"write /etc/dkimpipe/dkimpipe.conf"* ]]
	[[ "$output" == *"dry run, nothing changed"* ]]
	state | diff "$W/before" -
}

@test "setup refuses, with one line and changing nothing: not root, not a domain, a content filter, a broken master.cf, Postfix stopped" {
	state > "$W/before"
	refused() {	# refused TEXT CMD... - exits non-zero, one line naming TEXT
		local text=$1
		shift
		run "$@"
		echo "$output"
		[ "$status" -ne 0 ] && [ "$status" -ne 127 ] && [ "${#lines[@]}" -eq 1 ] &&
		    [[ "$output" == *"dkimpipe: error: setup: $text"* ]] ||
		    { echo "not refused as expected: $*"; return 1; }
	}
	refused "must be run as root" runuser -u dkimtest -- $DP setup example.com
	refused "localhost is not a domain name" $DP setup localhost
	refused "ex_ample.com is not a domain name" $DP setup ex_ample.com
	postconf -e content_filter=amavis:[127.0.0.1]:10024
	state > "$W/before.cf"
	refused "main.cf has content_filter = amavis:[127.0.0.1]:10024: sign behind that filter instead" $DP setup example.com
	state | diff "$W/before.cf" -
	cp "$W/main.stock" /etc/postfix/main.cf
	postconf -P smtp/inet/content_filter=amavis:[127.0.0.1]:10024
	state > "$W/before.cf"
	refused "smtp/inet already has content_filter = amavis:[127.0.0.1]:10024" $DP setup example.com
	state | diff "$W/before.cf" -
	cp "$W/master.stock" /etc/postfix/master.cf
	postconf -M '127.0.0.1:10026/inet=127.0.0.1:10026 inet n - n - - smtpd'
	state > "$W/before.cf"
	refused "master.cf already has a service on port 10026 (127.0.0.1:10026)" $DP setup example.com
	state | diff "$W/before.cf" -
	cp "$W/master.stock" /etc/postfix/master.cf
	postconf -e mailbox_size_limit=10250000
	refused "mailbox_size_limit = 10250000 is below the message_size_limit setup needs" $DP setup example.com
	cp "$W/main.stock" /etc/postfix/main.cf
	refused "example.com is given twice" $DP setup example.com EXAMPLE.com
	postconf -e 'mynetworks = 127.0.0.1/32 !127.0.0.5'
	refused "mynetworks excludes 127.0.0.5: setup cannot write exclusions" $DP setup example.com
	cp "$W/main.stock" /etc/postfix/main.cf
	echo 'bogus line' >> /etc/postfix/master.cf
	refused "cannot parse master.cf" $DP setup example.com
	cp "$W/master.stock" /etc/postfix/master.cf
	refused "the sendmail path needs --reinject smtp" $DP setup --reinject sendmail example.com
	postfix stop >/dev/null 2>&1
	refused "Postfix is not running" $DP setup example.com
	postfix start >/dev/null 2>&1
	state | diff "$W/before" -
}

@test "setup example.com (spawn(8), SMTP re-injection): keys, records, check clean" {
	# as the README writes it
	[ "$(command -v dkimpipe)" = $DP ]
	run dkimpipe setup example.com
	echo "$output"
	[ "$status" -eq 0 ]
	sel=$(date +%Y%m)
	[[ "$output" == *"$sel._domainkey	IN	TXT"* ]]
	[[ "$output" == *"runuser -u dkimpipe -- dkimpipe testkey"* ]]
	[ "$(stat -c '%a %U' /etc/dkimpipe/keys/example.com/$sel.private)" = "600 dkimpipe" ]
	grep -qx 'reinject = smtp:\[127.0.0.1\]:10026' /etc/dkimpipe/dkimpipe.conf
	grep -qx 'log_to = postlog' /etc/dkimpipe/dkimpipe.conf
	# notices are qualified with a signing domain by their own
	# trivial-rewrite; main.cf's myorigin, for all other mail, stays
	[ "$(postconf -h -P rewrite-notices/unix/myorigin)" = example.com ]
	[ "$(postconf -n myorigin)" = "" ]
	# as the README says: as root, judged as the master.cf entry runs it
	run dkimpipe check
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" != *warning* ]]
	# and as spawn(8) runs it: user dkimpipe, group postdrop
	run setpriv --reuid=dkimpipe --regid=postdrop --clear-groups -- $DP check
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" != *warning* ]]
	keys_txt
	sleep 1
}

@test "spawn(8): a second setup changes nothing" {
	state > "$W/before"
	run $DP setup example.com
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"nothing to change"* ]]
	[[ "$output" != *postconf* ]]
	state | diff "$W/before" -
}

@test "spawn(8): every path delivered once, signed where it must be, verified by OpenDKIM, dkimpy and Mail::DKIM" {
	every_path spawn
	grep -q 'postfix/dkimlmtp/lmtp.*relay=.*dkimspawn.*status=sent' "$PF_LOG"
	# the signer's own lines reach Postfix's maillog_file
	grep -q 'dkimpipe.*signed, from=<alice@example.com>' "$PF_LOG"
}

@test "setup --mode pipe changes only what differs, and signs every path with pipe(8)" {
	run $DP setup --mode pipe example.com
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"postconf -M 'dkimsign/unix="* ]]
	# the spawn(8) services stay (mail queued for them must find them)
	[[ "$output" != *"-MX dkimspawn/unix"* ]]
	[ -n "$(postconf -M dkimspawn/unix)" ]
	[[ "$output" != *"keygen"* ]]
	[[ "$output" != *"submission/inet="*"syslog_name"*"content_filter=dkimlmtp"* ]]
	run runuser -u dkimpipe -- $DP check
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(stat -c '%a %G' /usr/sbin/postlog)" = "2755 postdrop" ]
	sleep 1
	every_path pipe
	grep -q 'relay=dkimsign.*status=sent' "$PF_LOG"
}

@test "setup --undo after mail waited for the signer: main.cf and master.cf as before, the mail delivered once, unsigned" {
	k=$(ls /etc/dkimpipe/keys/example.com/*.private)
	chmod 000 "$k"
	chown root "$k"
	msg "waits for the signer"
	$PY "$LIB/smtp-send.py" 587 127.0.0.1 alice@example.com bob@example.org "$W/m.eml"
	wait_for eval 'postqueue -j | grep -q deferred'
	run dkimpipe setup --undo
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"1 queued message requeued"* ]]
	cmp "$W/main.stock" /etc/postfix/main.cf
	cmp "$W/master.stock" /etc/postfix/master.cf
	[ ! -e /etc/postfix/dkimpipe_clients.cidr ]
	[ "$(stat -c '%a %G' /usr/sbin/postlog)" = "755 root" ]
	# keys and dkimpipe.conf kept
	[ -f "$k" ]
	[ -f /etc/dkimpipe/dkimpipe.conf ]
	f=$(arrives_once "waits for the signer") || { tail -n 30 "$PF_LOG"; postqueue -p; false; }
	[ "$(signatures "$f" | wc -l)" -eq 0 ]
	[ -z "$(postqueue -j)" ]
	run $DP setup --undo
	[ "$status" -eq 0 ]
	[[ "$output" == *"no set-up to undo"* ]]
}

@test "setup --undo after the admin changed main.cf: only setup's own settings go back, the admin's line stays and is shown" {
	run dkimpipe setup example.com
	echo "$output"
	[ "$status" -eq 0 ]
	postconf -e 'smtpd_banner = $myhostname ESMTP ours'
	run dkimpipe setup --undo
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"main.cf was changed since dkimpipe setup"* ]]
	[[ "$output" == *'main.cf: + smtpd_banner = $myhostname ESMTP ours'* ]]
	[[ "$output" == *"postconf -X disable_mime_output_conversion"* ]]
	# main.cf: the stock file with the admin's change, nothing of setup's
	sed 's/^smtpd_banner = .*/smtpd_banner = $myhostname ESMTP ours/' "$W/main.stock" |
	    diff - /etc/postfix/main.cf
	# master.cf was not changed by anyone else: byte for byte
	cmp "$W/master.stock" /etc/postfix/master.cf
	[ -z "$(postqueue -j)" ]
}

@test "setup keeps the admin's smtpd_data_restrictions, reads myorigin from the file it names, and undo gives those files back" {
	printf 'example.com\n' > /etc/postfix/mailname
	postconf -e 'smtpd_data_restrictions = reject_unauth_pipelining' 'myorigin = /etc/postfix/mailname'
	cp /etc/postfix/main.cf "$W/main.admin"
	run dkimpipe setup example.com
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(postconf -h -P smtp/inet/smtpd_data_restrictions)" = "check_client_access,cidr:/etc/postfix/dkimpipe_clients.cidr,reject_unauth_pipelining" ]
	# myorigin names example.com already: no rewrite service of its own
	[ -z "$(postconf -M rewrite-notices/unix)" ]
	run dkimpipe check
	echo "$output"
	[ "$status" -eq 0 ]
	run dkimpipe setup --undo
	[ "$status" -eq 0 ]
	cmp "$W/main.admin" /etc/postfix/main.cf
	cmp "$W/master.stock" /etc/postfix/master.cf
}

@test "setup --undo with Postfix stopped (as when the package is removed): files back, the waiting mail delivered once, unsigned, after postfix start" {
	run dkimpipe setup example.com
	[ "$status" -eq 0 ]
	k=$(ls /etc/dkimpipe/keys/example.com/*.private)
	chmod 000 "$k"
	msg "waits while Postfix is stopped"
	$PY "$LIB/smtp-send.py" 587 127.0.0.1 alice@example.com bob@example.org "$W/m.eml"
	wait_for eval 'postqueue -j | grep -q deferred'
	postfix stop >/dev/null 2>&1
	run dkimpipe setup --undo
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" != *"postfix reload"* ]]
	[[ "$output" == *"1 queued message requeued"* ]]
	cmp "$W/main.admin" /etc/postfix/main.cf || cmp "$W/main.stock" /etc/postfix/main.cf
	cmp "$W/master.stock" /etc/postfix/master.cf
	postfix start >/dev/null 2>&1
	f=$(arrives_once "waits while Postfix is stopped")
	[ "$(signatures "$f" | wc -l)" -eq 0 ]
	[ -z "$(postqueue -j)" ]
}

@test "ASan/UBSan: setup --dry-run, a refusal, setup and --undo run clean" {
	[ -x "$TOP/dkimpipe-asan" ] || skip "no dkimpipe-asan (make check builds it)"
	export ASAN_OPTIONS=detect_leaks=1:exitcode=99 UBSAN_OPTIONS=halt_on_error=1:exitcode=99
	install -m 755 "$TOP/dkimpipe-asan" /usr/local/sbin/dkimpipe-asan
	A=/usr/local/sbin/dkimpipe-asan
	run $A setup --dry-run --key both example.com example.net
	echo "$output"
	[ "$status" -eq 0 ]
	postconf -e 'mynetworks = 127.0.0.1/32 !127.0.0.5 mx.example.com'
	run $A setup example.com
	echo "$output"
	[ "$status" -eq 78 ]
	postconf -e 'mynetworks = 127.0.0.1/32 mx.example.com'
	run $A setup --key both example.com example.net
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"mynetworks entry mx.example.com is not an address or network"* ]]
	run $A setup --undo
	echo "$output"
	[ "$status" -eq 0 ]
	rm -f $A
}
