#!/usr/bin/env bats
# dkimpipe setup --mode proxy on a real Postfix, from Debian's stock
# main.cf and master.cf: submission gets the before-queue recipe
# (smtpd_proxy_filter to "dkimpipe proxy" run by master(8) through a link
# in daemon_directory, the re-injection smtpd behind it). Mail over 587 is signed inside the SMTP
# session and queued once; a key that cannot be read answers 451 and
# queues nothing. Other paths and sendmail re-injection are refused with
# this mode; a second run changes nothing; --undo gives main.cf and
# master.cf back byte for byte.

load helper
load lib/postfix-env
load lib/setup-env

DP=/usr/local/sbin/dkimpipe

setup_file() {
	export W=$BATS_FILE_TMPDIR
	pf_sandboxed || skip "needs root and tests/sandbox.sh (make check)"
	# setup links dkimpipe into daemon_directory: a private copy of it
	mkdir -p "$W/sbin"
	cp -a /usr/lib/postfix/sbin/. "$W/sbin/"
	mount --bind "$W/sbin" /usr/lib/postfix/sbin
	pf_stock_setup "$W" maillog
}

teardown_file() {
	pf_teardown "$W"
	umount /usr/lib/postfix/sbin 2>/dev/null || true
}

LINK=/usr/lib/postfix/sbin/dkimpipe

@test "setup --mode proxy: refused with other paths, sendmail re-injection or something else named dkimpipe in daemon_directory, changing nothing; a link it cannot make leaves Postfix as it was" {
	before=$(state)
	run $DP setup --mode proxy --paths submission,smtp example.com
	echo "$output"
	[ "$status" -eq 64 ]
	[[ "$output" == *"--mode proxy signs submission only"* ]]
	run $DP setup --mode proxy --reinject sendmail example.com
	echo "$output"
	[ "$status" -eq 64 ]
	[ "$(state)" = "$before" ]
	# something else by the link's name in daemon_directory
	printf '#!/bin/sh\nexit 0\n' > "$LINK"
	chmod 755 "$LINK"
	before=$(state)
	run $DP setup --mode proxy example.com
	echo "$output"
	[ "$status" -eq 78 ]
	[[ "$output" == *"$LINK exists and is not $DP"* ]]
	[ "$(state)" = "$before" ]
	rm "$LINK"
	before=$(state)
	# master(8) would run it as root: a copy others can change is refused
	mkdir -p "$W/tmpbin" && chmod 1777 "$W/tmpbin"
	cp "$DP" "$W/tmpbin/dkimpipe"
	run "$W/tmpbin/dkimpipe" setup --mode proxy example.com
	echo "$output"
	[ "$status" -eq 78 ]
	[[ "$output" == *"can be changed by others than root"* ]]
	[ "$(state)" = "$before" ]
	# a daemon_directory where the link cannot be made: Postfix's files
	# stay as they were
	mount -o remount,bind,ro /usr/lib/postfix/sbin
	run $DP setup --mode proxy example.com
	mount -o remount,bind,rw /usr/lib/postfix/sbin
	echo "$output"
	[ "$status" -eq 73 ]
	[[ "$output" == *"$LINK: Read-only file system"* ]]
	cmp "$W/main.stock" /etc/postfix/main.cf
	cmp "$W/master.stock" /etc/postfix/master.cf
}

@test "setup --mode proxy example.com: submission's proxy filter, the proxy run by master(8) through its link, the re-injection smtpd; check clean" {
	run $DP setup --mode proxy --dry-run example.com
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"ln -s $DP $LINK"* ]]
	[ ! -e "$LINK" ]
	run $DP setup --mode proxy example.com
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"ln -s $DP $LINK"* ]]
	[ "$(readlink "$LINK")" = "$DP" ]
	[ "$(postconf -P submission/inet/smtpd_proxy_filter)" = "submission/inet/smtpd_proxy_filter = 127.0.0.1:10027" ]
	[ "$(postconf -P submission/inet/smtpd_proxy_options)" = "submission/inet/smtpd_proxy_options = speed_adjust" ]
	postconf -M 127.0.0.1:10027/inet | tr -s ' ' | grep -q "inet n - n - 20 dkimpipe proxy user=dkimpipe:postdrop$"
	postconf -P 127.0.0.1:10026/inet/smtpd_authorized_xforward_hosts | grep -q '= 127.0.0.0/8$'
	[ -z "$(postconf -h content_filter)" ]
	! postconf -P | grep -q 'content_filter=dkim' || false
	grep -qx 'reinject = smtp:\[127.0.0.1\]:10026' /etc/dkimpipe/dkimpipe.conf
	run runuser -u dkimpipe -- $DP check
	echo "$output"
	[ "$status" -eq 0 ]
	# check says so when the link is missing
	mv "$LINK" "$W/link.away"
	run runuser -u dkimpipe -- $DP check
	mv "$W/link.away" "$LINK"
	echo "$output"
	[ "$status" -eq 78 ]
	[[ "$output" == *"master.cf service 127.0.0.1:10027 has master(8) run dkimpipe, but $LINK is missing or dangling"* ]]
	keys_txt
}

@test "setup --mode proxy: a second run changes nothing" {
	before=$(state)
	run $DP setup --mode proxy example.com
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"nothing to change"* ]]
	# backups are dated; the rest stays as it was
	[ "$(state | grep -v /backup-)" = "$(echo "$before" | grep -v /backup-)" ]
}

@test "mail over 587 is signed before the queue: once, verified by three verifiers, queued once, logged with its queue id" {
	msg "proxy 587"
	$PY "$LIB/smtp-send.py" 587 127.0.0.1 alice@example.com bob@example.org "$W/m.eml"
	f=$(arrives_once "proxy 587")
	verified "$f"
	# the submission smtpd queued nothing itself; the re-injection did
	qid=$(grep 'postfix/dkimpipe-reinject/smtpd.*: client=' "$PF_LOG" | tail -n 1 | sed 's/.*: \([0-9A-F]*\): client=.*/\1/')
	[ -n "$qid" ]
	! grep -q 'postfix/submission/smtpd\[[0-9]*\]: [0-9A-F]*: client=' "$PF_LOG" || false
	wait_for grep -q "dkimpipe\[[0-9]*\]: $qid: signed, from=<alice@example.com>" "$PF_LOG"
	# signed by a long-lived proxy that master(8) runs itself
	pid=$(pgrep -f ' proxy user=dkimpipe' | head -n 1)
	[ -n "$pid" ]
	[ "$(ps -o comm= -p "$(ps -o ppid= -p "$pid" | tr -d ' ')")" = master ]
}

@test "key unreadable: the SMTP client gets 451, nothing is queued" {
	k=$(ls /etc/dkimpipe/keys/example.com/*.private)
	chmod 000 "$k"
	chown root "$k"
	msg "proxy no key"
	run $PY "$LIB/smtp-send.py" 587 127.0.0.1 alice@example.com bob@example.org "$W/m.eml"
	chown dkimpipe "$k"
	chmod 600 "$k"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"(451, "* ]]
	queue_empty
	[ -z "$(grep -l '^Subject: proxy no key' "$W"/sink/*.eml)" ]
}

@test "setup --undo: main.cf and master.cf back byte for byte, the proxy gone" {
	run $DP setup --undo
	echo "$output"
	[ "$status" -eq 0 ]
	cmp "$W/main.stock" /etc/postfix/main.cf
	cmp "$W/master.stock" /etc/postfix/master.cf
	[ -z "$(postconf -M 127.0.0.1:10027/inet)" ]
	[[ "$output" == *"rm $LINK"* ]]
	[ ! -e "$LINK" ] && [ ! -L "$LINK" ]
	# mail goes on, unsigned, without the proxy
	msg "after undo"
	$PY "$LIB/smtp-send.py" 25 127.0.0.1 alice@example.com bob@example.org "$W/m.eml"
	f=$(arrives_once "after undo")
	[ "$(signatures "$f" | wc -l)" -eq 0 ]
}

@test "setup --undo keeps the link while another master.cf entry runs dkimpipe through it, and leaves a link that no longer leads to dkimpipe alone" {
	run $DP setup --mode proxy example.com
	[ "$status" -eq 0 ]
	postconf -M '127.0.0.1:10099/inet=127.0.0.1:10099 inet n - n - 1 dkimpipe proxy user=dkimpipe'
	run $DP setup --undo
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"$LINK kept: master.cf service 127.0.0.1:10099 still runs dkimpipe through it"* ]]
	[ "$(readlink "$LINK")" = "$DP" ]
	postconf -MX 127.0.0.1:10099/inet
	# set up again; the admin points the link elsewhere; undo leaves it
	run $DP setup --mode proxy example.com
	[ "$status" -eq 0 ]
	ln -sfn /bin/true "$LINK"
	run $DP setup --undo
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(readlink "$LINK")" = /bin/true ]
	rm "$LINK"
	postfix reload >/dev/null 2>&1
}
