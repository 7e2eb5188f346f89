#!/usr/bin/env bats
# dkimpipe check follows the whole path around the signer
# (src/postfix/pfpath.c), with a real Postfix: the smtpd that reinject
# names exists, has no content filter and answers; a second instance it
# lives in is running; Postfix's notices sent to the signer have a key
# for MAILER-DAEMON@$myorigin; the signer's log lines reach a listener;
# and (src/conf/conffile.c) no parameter is given twice. Each test shows
# check catching the missing piece, with the fix in its message, and
# check clean once the piece is there.
#
# /dev/log: each check runs in a mount namespace of its own with a
# private /dev (in_dev below), where /dev/log is missing, a plain file,
# or a datagram socket the test listens on; whether the host runs a
# syslog daemon does not matter.

load helper
load lib/postfix-env

OUT=/etc/postfix-out
DP=/usr/local/sbin/dkimpipe

setup_file() {
	export W=$BATS_FILE_TMPDIR
	pf_sandboxed || skip "needs root and tests/sandbox.sh (make check)"
	pf_setup "$W"
	cp /etc/postfix/master.cf "$W/master.orig"
	cp /etc/postfix/main.cf "$W/main.orig"
	cp /etc/dkimpipe/dkimpipe.conf "$W/conf.orig"
}

teardown_file() {
	postfix stop >/dev/null 2>&1 || true
	postfix -c $OUT stop >/dev/null 2>&1 || true
	# later suites expect the single instance of the shipped set-up
	[ -f "$W/master.orig" ] && cp "$W/master.orig" /etc/postfix/master.cf
	[ -f "$W/main.orig" ] && cp "$W/main.orig" /etc/postfix/main.cf
	[ -f "$W/conf.orig" ] && cp "$W/conf.orig" /etc/dkimpipe/dkimpipe.conf
	rm -rf $OUT/* /var/spool/postfix-out/* /var/lib/postfix-out/*
	pf_teardown "$W"
}

teardown() {
	[ -f "$W/conf.orig" ] && cp "$W/conf.orig" /etc/dkimpipe/dkimpipe.conf
	[ -f "$W/master.orig" ] || return 0
	if ! cmp -s "$W/master.orig" /etc/postfix/master.cf ||
	    ! cmp -s "$W/main.orig" /etc/postfix/main.cf; then
		cp "$W/master.orig" /etc/postfix/master.cf
		cp "$W/main.orig" /etc/postfix/main.cf
		postfix reload >/dev/null 2>&1 || true
		sleep 1
	fi
}

# in_dev KIND CMD... - run CMD where /dev/log is KIND: "socket" (a
# datagram socket a listener of ours reads), "file" (a plain file) or
# "none"; the rest of /dev is the real one, through symbolic links
in_dev() {
	unshare --mount --propagation private -- bash -c '
	kind=$1; shift
	old=$(mktemp -d /tmp/dev.XXXXXX)
	mount --rbind /dev "$old" && mount -t tmpfs -o mode=755 devtmp /dev || exit 99
	for f in "$old"/* "$old"/.[!.]*; do
		[ -e "$f" ] || [ -L "$f" ] || continue
		[ "${f##*/}" = log ] || ln -s "$f" "/dev/${f##*/}"
	done
	case $kind in
	socket)
		/usr/bin/python3 -c "
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(\"/dev/log\")
open(sys.argv[1], \"w\").close()
while True:
    s.recv(4096)
" "$old.ready" &
		listener=$!
		for i in $(seq 50); do [ -e "$old.ready" ] && break; sleep 0.1; done
		chmod 666 /dev/log ;;
	file)	: > /dev/log; chmod 666 /dev/log ;;
	esac
	"$@"; st=$?
	[ -n "${listener:-}" ] && kill "$listener"
	exit $st' in_dev "$@"
}

# check_as KIND [runuser options] - dkimpipe check as the signer's user
check_as() {
	local kind=$1; shift
	run in_dev "$kind" runuser -u dkimpipe "$@" -- $DP check
	echo "$output"
}

# clean - check passed with no warning and no error
clean() {
	[ "$status" -eq 0 ]
	[[ "$output" != *warning* ]]
	[[ "$output" != *error* ]]
	[[ "$output" == *": OK: "* ]]
}

reinject() { echo "reinject = smtp:[127.0.0.1]:$1" >> /etc/dkimpipe/dkimpipe.conf; }

@test "the shipped set-up with SMTP re-injection is clean, and says where the log lines go" {
	reinject 10026
	check_as socket
	clean
	[[ "$output" == *"dkimpipe: logs: syslog (/dev/log)"* ]]
}

@test "reinject: a port no instance defines is an error naming the master.cf entry to add" {
	reinject 10031
	check_as socket
	[ "$status" -eq 78 ]
	[[ "$output" == *"error: reinject = smtp:[127.0.0.1]:10031: no Postfix instance has an smtpd for 127.0.0.1:10031 in its master.cf (looked in /etc/postfix) and nothing answers there"* ]]
	[[ "$output" == *"add the re-injection smtpd of examples/master.cf to /etc/postfix/master.cf (127.0.0.1:10031 inet n - n - - smtpd -o content_filter= "* ]]
	# defined but not loaded yet: a warning, check passes (postfix reload follows it)
	postconf -M '127.0.0.1:10031/inet=127.0.0.1:10031 inet n - n - - smtpd'
	postconf -P '127.0.0.1:10031/inet/content_filter=' '127.0.0.1:10031/inet/local_header_rewrite_clients='
	check_as socket
	[ "$status" -eq 0 ]
	[[ "$output" == *"warning: reinject = smtp:[127.0.0.1]:10031: nothing answers on 127.0.0.1:10031 (connect: Connection refused), though master.cf service 127.0.0.1:10031/inet of /etc/postfix defines it; run postfix reload (postfix start if it is not running)"* ]]
	# as root check can tell that Postfix runs
	run in_dev socket $DP check
	echo "$output"
	[[ "$output" == *"defines it; run postfix reload"* ]]
	[[ "$output" != *"defines it; run postfix reload ("* ]]
	postfix reload >/dev/null 2>&1
	wait_for eval '(exec 9<>/dev/tcp/127.0.0.1/10031) 2>/dev/null'
	check_as socket
	clean
}

@test "reinject: an smtpd with a content filter is an error (the copies would loop)" {
	reinject 10026
	postconf -P '127.0.0.1:10026/inet/content_filter=dkimsign:dummy'
	check_as socket
	[ "$status" -eq 78 ]
	[[ "$output" == *"error: reinject = smtp:[127.0.0.1]:10026 goes to master.cf service 127.0.0.1:10026/inet of /etc/postfix, which has content_filter = dkimsign:dummy (master.cf): the signed copies would be filtered again and loop; set -o content_filter= on 127.0.0.1:10026/inet"* ]]
	# a bare port entry is the same listener
	postconf -MX 127.0.0.1:10026/inet
	postconf -M '10026/inet=10026 inet n - n - - smtpd'
	postconf -P '10026/inet/content_filter=dkimsign:dummy'
	check_as socket
	[ "$status" -eq 78 ]
	[[ "$output" == *"goes to master.cf service 10026/inet of /etc/postfix, which has content_filter = dkimsign:dummy (master.cf)"* ]]
	# main.cf's content_filter applies where master.cf sets none
	postconf -PX 10026/inet/content_filter
	postconf -e 'content_filter = dkimsign:dummy'
	check_as socket
	[ "$status" -eq 78 ]
	[[ "$output" == *"goes to master.cf service 10026/inet of /etc/postfix, which has content_filter = dkimsign:dummy (main.cf)"* ]]
	cp "$W/main.orig" /etc/postfix/main.cf
	cp "$W/master.orig" /etc/postfix/master.cf
	check_as socket
	clean
}

@test "reinject: an smtpd that refuses the signer is an error" {
	reinject 10026
	postconf -P '127.0.0.1:10026/inet/smtpd_client_restrictions=static:reject' \
	    '127.0.0.1:10026/inet/smtpd_delay_reject=no'
	postfix reload >/dev/null 2>&1; sleep 1
	check_as socket
	[ "$status" -eq 78 ]
	[[ "$output" == *"error: reinject = smtp:[127.0.0.1]:10026: master.cf service 127.0.0.1:10026/inet of /etc/postfix accepts the connection but it answered \"554 5.7.1 "*"\" instead of a 220 greeting"* ]]
}

@test "a second instance that owns the reinject port must run: start it: postmulti -i postfix-out -p start" {
	rm -rf $OUT/* /var/spool/postfix-out/* /var/lib/postfix-out/*
	sh "$TOP/scripts/postfix-out-instance.sh" > "$W/out.log" 2>&1 || { cat "$W/out.log"; return 1; }
	/usr/lib/postfix/configure-instance.sh postfix-out >/dev/null 2>&1 || true
	reinject 10028
	check_as socket
	[ "$status" -eq 78 ]
	[[ "$output" == *"error: reinject = smtp:[127.0.0.1]:10028 goes to master.cf service 127.0.0.1:10028/inet of the Postfix instance postfix-out (/etc/postfix-out), which is not running, so every signed copy would wait in the queue; start it: postmulti -i postfix-out -p start"* ]]
	postmulti -i postfix-out -p start >/dev/null 2>&1
	wait_for eval '(exec 9<>/dev/tcp/127.0.0.1/10028) 2>/dev/null'
	check_as socket
	clean
	postmulti -i postfix-out -p stop >/dev/null 2>&1
}

@test "notices sent to the signer need a key for MAILER-DAEMON@\$myorigin" {
	# the README's recipe for Postfix's own notices
	cp "$TOP/examples/dkimpipe_notices.regexp" /etc/postfix/
	postconf -M 'cleanup-notices/unix=cleanup-notices unix n - y - 0 cleanup'
	postconf -P 'cleanup-notices/unix/header_checks=regexp:/etc/postfix/dkimpipe_notices.regexp'
	for s in bounce defer trace; do
		postconf -P "$s/unix/cleanup_service_name=cleanup-notices" \
		    "$s/unix/internal_mail_filter_classes=bounce"
	done
	check_as socket
	clean
	postconf -e 'myorigin = vm'
	check_as socket
	[ "$status" -eq 78 ]
	[[ "$output" == *"error: /etc/postfix sends Postfix's notices to the signer (bounce/unix through cleanup-notices/unix, header_checks regexp:/etc/postfix/dkimpipe_notices.regexp: FILTER dkimsign:dummy), but notices from MAILER-DAEMON@vm would go unsigned: set myorigin = <a signing domain> in main.cf, or add a SigningTable line for vm"* ]]
	# a SigningTable line for it is the other fix
	echo '*@vm rsa' >> /etc/dkimpipe/SigningTable
	check_as socket
	sed -i '/^\*@vm /d' /etc/dkimpipe/SigningTable
	clean
	# without the notices recipe, myorigin does not matter
	cp "$W/master.orig" /etc/postfix/master.cf
	check_as socket
	clean
	# the null sender routed to the signer by sender (transport-maps recipe)
	printf '<>\tdkimsign:dummy\n' > /etc/postfix/notices_senders
	postconf -e 'sender_dependent_default_transport_maps = texthash:/etc/postfix/notices_senders'
	check_as socket
	[ "$status" -eq 78 ]
	[[ "$output" == *"error: /etc/postfix sends Postfix's notices to the signer (sender_dependent_default_transport_maps routes <> to dkimsign:dummy), but notices from MAILER-DAEMON@vm would go unsigned"* ]]
	postconf -e 'myorigin = $mydomain'
	check_as socket
	[[ "$output" != *"would go unsigned"* ]]
}

@test "logs: a warning when nothing takes the signer's lines, the place they go when something does" {
	# syslog, the default: no /dev/log, a plain file, a socket of ours
	for kind in none file; do
		check_as $kind
		[ "$status" -eq 0 ]
		[[ "$output" == *"warning: logs: log_to = syslog (the default), but nothing listens on /dev/log ("*"): the signer's log lines are lost; start a syslog daemon (rsyslog), or with Postfix's maillog_file set log_to = postlog (README \"Logs\")"* ]]
		[ "$(grep -c warning <<< "$output")" -eq 1 ]
	done
	check_as socket
	clean
	[[ "$output" == *"dkimpipe: logs: syslog (/dev/log)"* ]]
	# postlog: postlogd runs (maillog_file), but public/ is for group postdrop
	echo 'log_to = postlog' >> /etc/dkimpipe/dkimpipe.conf
	check_as socket
	[ "$status" -eq 0 ]
	[[ "$output" == *"warning: logs: log_to = postlog, but the signer cannot reach the postlogd socket /var/spool/postfix/public/postlog (Permission denied) and /usr/sbin/postlog is not set-gid postdrop, so its lines go to syslog instead; give the spawn(8) signer the group postdrop"* ]]
	[[ "$output" == *"dkimpipe: logs: syslog (/dev/log)"* ]]
	check_as none
	[[ "$output" == *"warning: logs: the lines fall back to syslog, but nothing listens on /dev/log"* ]]
	# as the group postdrop (user=dkimpipe:postdrop) it gets there
	check_as none -g postdrop -G dkimpipe
	clean
	[[ "$output" == *"dkimpipe: logs: postlogd socket /var/spool/postfix/public/postlog"* ]]
	# no postlogd at that socket
	echo 'postlog_socket = /var/spool/postfix/public/nosuch' >> /etc/dkimpipe/dkimpipe.conf
	check_as socket -g postdrop -G dkimpipe
	[[ "$output" == *"warning: logs: log_to = postlog, but the signer cannot reach the postlogd socket /var/spool/postfix/public/nosuch (No such file or directory) and /usr/sbin/postlog is not set-gid postdrop, so its lines go to syslog instead; set maillog_file in main.cf so that postlogd runs, or name its socket with postlog_socket"* ]]
	# as root, check judges for the master.cf user of the signer
	run in_dev socket $DP check
	echo "$output"
	[[ "$output" == *"cannot reach the postlogd socket /var/spool/postfix/public/nosuch (No such file or directory)"* ]]
	sed -i '/^postlog_socket/d' /etc/dkimpipe/dkimpipe.conf
	run in_dev socket $DP check
	echo "$output"
	[[ "$output" == *"cannot reach the postlogd socket /var/spool/postfix/public/postlog (Permission denied)"* ]]
}

@test "a parameter given twice is an error naming the file, both lines and the parameter" {
	cat > /etc/dkimpipe/twice.conf <<-EOF
	keytable = /etc/dkimpipe/KeyTable
	signingtable = refile:/etc/dkimpipe/SigningTable
	reinject = smtp:[127.0.0.1]:10026
	# a comment
	multiple_signatures = yes

	reinject = sendmail
	EOF
	chmod 644 /etc/dkimpipe/twice.conf
	run in_dev socket runuser -u dkimpipe -- $DP check -c /etc/dkimpipe/twice.conf
	echo "$output"
	[ "$status" -eq 78 ]
	[[ "$output" == *"error: /etc/dkimpipe/twice.conf:7: reinject given twice (first at line 3)"* ]]
	[ "$(grep -c 'given twice' <<< "$output")" -eq 1 ]
	sed -i '$d' /etc/dkimpipe/twice.conf
	run in_dev socket runuser -u dkimpipe -- $DP check -c /etc/dkimpipe/twice.conf
	rm /etc/dkimpipe/twice.conf
	clean
}
