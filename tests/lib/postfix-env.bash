# postfix-env.bash - a real Postfix (Debian's package) for end-to-end
# tests, configured from the shipped examples/master.cf (verbatim) and
# examples/main.cf, listening on 127.0.0.1 only. It runs only inside
# tests/sandbox.sh (make check), where /etc/postfix, the queue,
# /etc/dkimpipe and /usr/local/sbin are the sandbox's own directories and
# the loopback network is private: the host's mail system is never
# touched. Ports:
#   25  inbound (signed only for clients in dkimpipe_clients.cidr)
#   587 submission (always signed)
# Remote mail is relayed to an SMTP sink on 127.0.0.1:2525; local mail
# goes to ~dkimtest/Maildir. dkimpipe is installed as
# /usr/local/sbin/dkimpipe and runs as the unprivileged user dkimpipe.

PF_LOG=/var/spool/postfix/test.log
SINK_PORT=2525

pf_setup() {	# pf_setup WORKDIR
	local w=$1
	postfix stop >/dev/null 2>&1 || true
	# each suite starts with an empty queue, whatever the last one left
	postsuper -d ALL >/dev/null 2>&1 || true
	rm -rf ~dkimtest/Maildir
	install -m 755 "$TOP/dkimpipe" /usr/local/sbin/dkimpipe
	# keys and configuration
	install -d -m 755 /etc/dkimpipe
	install -d -m 750 -g dkimpipe /etc/dkimpipe/keys
	mkkeys "$w/k"
	install -m 600 -o dkimpipe "$w/k/ed.pem" /etc/dkimpipe/keys/e1.private
	install -m 600 -o dkimpipe "$w/k/rsa.pem" /etc/dkimpipe/keys/r1.private
	cat > /etc/dkimpipe/KeyTable <<-EOF
	ed  example.com:e1:/etc/dkimpipe/keys/e1.private
	rsa example.com:r1:/etc/dkimpipe/keys/r1.private
	EOF
	printf '*@example.com rsa\n*@example.com ed\n' > /etc/dkimpipe/SigningTable
	cat > /etc/dkimpipe/dkimpipe.conf <<-EOF
	keytable = /etc/dkimpipe/KeyTable
	signingtable = refile:/etc/dkimpipe/SigningTable
	multiple_signatures = yes
	EOF
	# Postfix
	cp "$TOP/examples/master.cf" /etc/postfix/master.cf
	cat > /etc/postfix/main.cf <<-EOF
	compatibility_level = 3.6
	myhostname = mx.example.com
	mydomain = example.com
	myorigin = \$mydomain
	mydestination = localhost, mx.example.com
	inet_interfaces = 127.0.0.1
	inet_protocols = ipv4
	mynetworks = 127.0.0.1/32
	relayhost = [127.0.0.1]:$SINK_PORT
	smtp_dns_support_level = disabled
	smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
	alias_maps =
	alias_database =
	home_mailbox = Maildir/
	maillog_file = $PF_LOG
	biff = no
	delay_warning_time = 0
	queue_run_delay = 300s
	minimal_backoff_time = 300s
	EOF
	cat "$TOP/examples/main.cf" >> /etc/postfix/main.cf
	# the test's own networks: 127.0.0.1 is "inside", 127.0.0.2 "outside"
	printf '127.0.0.1/32 FILTER dkimsign:dummy\n' > /etc/postfix/dkimpipe_clients.cidr
	: > "$PF_LOG"
	# what Debian's init script copies into the chroot
	mkdir -p /var/spool/postfix/etc
	for f in localtime hosts services resolv.conf nsswitch.conf; do
		[ -e /etc/$f ] && cp /etc/$f /var/spool/postfix/etc/
	done
	postfix check
	postfix start >/dev/null 2>&1
	mkdir -p "$w/sink"
	$PY "$LIB/smtp-sink.py" $SINK_PORT "$w/sink" 3>&- &
	echo $! > "$w/sink.pid"
	for i in $(seq 50); do
		(exec 9<>/dev/tcp/127.0.0.1/$SINK_PORT) 2>/dev/null &&
		    (exec 9<>/dev/tcp/127.0.0.1/587) 2>/dev/null && return 0
		sleep 0.2
	done
	echo "postfix or sink did not start" >&2
	return 1
}

# pf_stock_setup WORKDIR [maillog] - Debian's stock Postfix instead of
# the shipped set-up, for the tests of "dkimpipe setup": main.cf.debian
# with the site's own lines (with "maillog": Postfix logs to $PF_LOG),
# master.cf.dist, no dkimpipe configuration or setup state, Postfix
# started and the sink on $SINK_PORT. WORKDIR/main.stock and
# WORKDIR/master.stock keep the two files as they were.
pf_stock_setup() {
	local w=$1 f
	postfix stop >/dev/null 2>&1 || true
	postsuper -d ALL >/dev/null 2>&1 || true
	rm -rf ~dkimtest/Maildir /etc/dkimpipe/* /var/lib/dkimpipe/setup
	install -m 755 "$TOP/dkimpipe" /usr/local/sbin/dkimpipe
	cp /usr/share/postfix/master.cf.dist /etc/postfix/master.cf
	cp /usr/share/postfix/main.cf.debian /etc/postfix/main.cf
	cat >> /etc/postfix/main.cf <<-EOF
	myhostname = mx.example.com
	mydestination = localhost, mx.example.com
	inet_interfaces = 127.0.0.1
	inet_protocols = ipv4
	mynetworks = 127.0.0.1/32
	relayhost = [127.0.0.1]:$SINK_PORT
	smtp_dns_support_level = disabled
	alias_maps =
	alias_database =
	home_mailbox = Maildir/
	delay_warning_time = 0
	EOF
	if [ "${2:-}" = maillog ]; then
		printf 'maillog_file = %s\nqueue_run_delay = 300s\nminimal_backoff_time = 300s\n' \
		    "$PF_LOG" >> /etc/postfix/main.cf
		: > "$PF_LOG"
	fi
	cp /etc/postfix/main.cf "$w/main.stock"
	cp /etc/postfix/master.cf "$w/master.stock"
	mkdir -p /var/spool/postfix/etc
	for f in localtime hosts services resolv.conf nsswitch.conf; do
		[ -e /etc/$f ] && cp /etc/$f /var/spool/postfix/etc/
	done
	postfix start >/dev/null 2>&1
	mkdir -p "$w/sink"
	$PY "$LIB/smtp-sink.py" $SINK_PORT "$w/sink" 3>&- &
	echo $! > "$w/sink.pid"
	wait_for eval '(exec 9<>/dev/tcp/127.0.0.1/$SINK_PORT) 2>/dev/null'
}

# pf_sandboxed - true inside tests/sandbox.sh; the Postfix tests skip
# elsewhere rather than touch a real mail system
pf_sandboxed() {
	[ "$(id -u)" -eq 0 ] && [ -n "${DKIMPIPE_SANDBOX:-}" ] &&
	    [ "$(stat -c %d:%i /etc/postfix)" = "$(stat -c %d:%i "$DKIMPIPE_SANDBOX/etc-postfix")" ]
}

pf_teardown() {	# pf_teardown WORKDIR
	postfix stop >/dev/null 2>&1 || true
	[ -f "$1/sink.pid" ] && kill "$(cat "$1/sink.pid")" 2>/dev/null || true
}

# wait_for CMD... - poll until CMD succeeds (at most 30 s)
wait_for() {
	local i
	for i in $(seq 150); do
		"$@" && return 0
		sleep 0.2
	done
	return 1
}

# bulk_send WORD SESSIONS EACH - SESSIONS parallel SMTP sessions to 587,
# each sending EACH messages with subjects "WORD S-I"
bulk_send() {
	local s i
	for s in $(seq "$2"); do
		for i in $(seq "$3"); do
			printf 'From: Alice <alice@example.com>\nTo: bob@example.org\nSubject: %s %s-%s\nMessage-ID: <%s.%s.%s@example.com>\n\nmessage %s of session %s\n' \
			    "$1" "$s" "$i" "$1" "$s" "$i" "$i" "$s" > "$W/$1.$s.$i.eml"
		done
		$PY "$LIB/smtp-send.py" --many 587 127.0.0.1 alice@example.com bob@example.org "$W"/$1.$s.*.eml &
	done
	wait
}

# bulk_arrived WORD N - once the queue is empty, the sink holds N more
# messages ($before: the count before), each subject "WORD ..." once,
# each with two signatures that dkimpy verifies
bulk_arrived() {
	local files f want=$((before + $2))
	wait_for eval '[ "$(sink_count)" -ge $want ]'
	wait_for queue_empty
	sleep 2
	[ "$(sink_count)" -eq "$want" ]
	[ "$(cat "$W"/sink/*.eml | grep "^Subject: $1 " | sort -u | wc -l)" -eq "$2" ]
	files=$(grep -l "^Subject: $1 " "$W"/sink/*.eml)
	for f in $files; do [ "$(signatures "$f" | wc -l)" -eq 2 ] || return 1; done
	$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" $files > "$W/verify.out"
	[ "$(grep -c '^PASS' "$W/verify.out")" -eq "$2" ]
}

# last_sink_with PATTERN - the newest message at the sink matching PATTERN
last_sink_with() { grep -l "$1" "$W"/sink/*.eml | sort -t/ -k2 -V | tail -n 1; }
sink_count() { ls "$W/sink" 2>/dev/null | grep -c '\.eml$' || true; }
maildir_count() { ls ~dkimtest/Maildir/new 2>/dev/null | wc -l; }
queue_empty() { [ -z "$(postqueue -j)" ]; }

# restart_sink EXTENSIONS - the next hop again, offering EXTENSIONS
restart_sink() {
	kill "$(cat "$W/sink.pid")" 2>/dev/null || true
	sleep 0.5
	SINK_EXT=$1 $PY "$LIB/smtp-sink.py" $SINK_PORT "$W/sink" 3>&- &
	echo $! > "$W/sink.pid"
	wait_for eval '(exec 9<>/dev/tcp/127.0.0.1/$SINK_PORT) 2>/dev/null'
}
