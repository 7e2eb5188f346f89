#!/usr/bin/env bats
# The before-queue recipe (README, "Before the queue: dkimpipe proxy";
# examples/proxy.master.cf) through a real Postfix: the submission smtpd
# hands each message to "dkimpipe proxy" (spawn(8), smtpd_proxy_filter),
# which signs it and passes it to the re-injection smtpd; the message is
# queued once, signed. Whatever goes wrong, the SMTP client gets a 4xx
# and nothing is queued, so its retry is delivered once.

load helper
load lib/postfix-env

setup_file() {
	export W=$BATS_FILE_TMPDIR
	pf_sandboxed || skip "needs root and tests/sandbox.sh (make check)"
	pf_setup "$W"
	postfix stop >/dev/null 2>&1
	cp /etc/postfix/master.cf "$W/master.orig"
	cp /etc/dkimpipe/dkimpipe.conf "$W/dkimpipe.orig"
	# Debian's master.cf, then the README's three commands as written
	cp /usr/share/postfix/master.cf.dist /etc/postfix/master.cf
	postfix start >/dev/null 2>&1
	cd "$TOP"
	cat examples/proxy.master.cf >> /etc/postfix/master.cf
	echo 'reinject = smtp:[127.0.0.1]:10026' >> /etc/dkimpipe/dkimpipe.conf
	postfix reload
	# the test's own: dkimpipe's records in Postfix's maillog_file, which
	# needs the group postdrop (README, "Logs")
	sed -i 's| user=dkimpipe argv=/usr/local/sbin/dkimpipe proxy| user=dkimpipe:postdrop argv=/usr/local/sbin/dkimpipe proxy|' /etc/postfix/master.cf
	chown dkimpipe /etc/dkimpipe/keys
	echo 'log_to = postlog' >> /etc/dkimpipe/dkimpipe.conf
	cp /etc/dkimpipe/dkimpipe.conf "$W/dkimpipe.proxy"
	postfix reload >/dev/null 2>&1
	wait_for eval '(exec 9<>/dev/tcp/127.0.0.1/587) 2>/dev/null'
	wait_for eval '(exec 9<>/dev/tcp/127.0.0.1/10027) 2>/dev/null'
	wait_for eval '(exec 9<>/dev/tcp/127.0.0.1/10026) 2>/dev/null'
}

teardown_file() {
	postfix stop >/dev/null 2>&1 || true
	umount /usr/lib/postfix/sbin 2>/dev/null || true
	# later suites expect the shipped single-instance set-up
	[ -f "$W/master.orig" ] && cp "$W/master.orig" /etc/postfix/master.cf
	[ -f "$W/dkimpipe.orig" ] && cp "$W/dkimpipe.orig" /etc/dkimpipe/dkimpipe.conf
	chown root /etc/dkimpipe/keys
	pf_teardown "$W"
}

teardown() {
	# every test leaves the recipe as shipped
	cp "$W/dkimpipe.proxy" /etc/dkimpipe/dkimpipe.conf
	[ -e /etc/dkimpipe/keys/r1.private.away ] && mv /etc/dkimpipe/keys/r1.private.away /etc/dkimpipe/keys/r1.private
	return 0
}

msg() {	# msg NAME SUBJECT - a message file
	printf 'From: Alice <alice@example.com>\nTo: bob@example.org\nSubject: %s\nMessage-ID: <%s@example.com>\n\nbody of %s\n' \
	    "$2" "$1" "$1" > "$W/$1.eml"
}
# with_subject SUBJECT - how many copies the sink holds (its files are CRLF)
with_subject() { grep -l "^Subject: $1"$'\r'"*\$" "$W"/sink/*.eml 2>/dev/null | wc -l; }
send() { $PY "$LIB/smtp-send.py" 587 127.0.0.1 alice@example.com bob@example.org "$W/$1.eml"; }

@test "the recipe's entries are in place: a proxy filter on submission, spawn on 10027, no content filter" {
	postconf -P submission/inet/smtpd_proxy_filter | grep -q '= 127.0.0.1:10027$'
	postconf -P submission/inet/smtpd_proxy_options | grep -q '= speed_adjust$'
	postconf -M 127.0.0.1:10027/inet | grep -q 'spawn user=dkimpipe:postdrop argv=/usr/local/sbin/dkimpipe proxy'
	[ -z "$(postconf -h content_filter)" ]
	! postconf -P | grep -q 'content_filter=[^ ]' || false
}

@test "200 messages over 10 parallel sessions: each delivered once, signed, verified by three verifiers, queued once" {
	before=$(sink_count)
	bulk_send bulk 10 20
	bulk_arrived bulk 200
	files=$(grep -l '^Subject: bulk ' "$W"/sink/*.eml)
	sample=$(echo "$files" | head -n 10)
	sh "$LIB/verify-opendkim.sh" "$W/k/keys.txt" $sample
	for f in $sample; do maildkim "$f"; done
	# one queue pass each: the submission smtpd queued nothing itself,
	# the re-injection smtpd queued every message once
	[ "$(grep -c 'postfix/dkimpipe-reinject/smtpd\[[0-9]*\]: [0-9A-F]*: client=' "$PF_LOG")" -eq 200 ]
	! grep -q 'postfix/submission/smtpd\[[0-9]*\]: [0-9A-F]*: client=' "$PF_LOG" || false
	# the proxy logged each one with the queue id the re-injection gave it
	[ "$(grep -c 'dkimpipe.*: [0-9A-F]*: signed, from=<alice@example.com>' "$PF_LOG")" -ge 200 ]
	! grep -q 'status=deferred' "$PF_LOG" || false
}

@test "key unreadable: the client gets 4xx at the end of DATA, nothing is queued; its retry is delivered once, signed" {
	msg keyless 'key away'
	mv /etc/dkimpipe/keys/r1.private /etc/dkimpipe/keys/r1.private.away
	before=$(sink_count)
	run send keyless
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"(451, "* ]]
	sleep 1
	queue_empty
	[ "$(sink_count)" -eq "$before" ]
	mv /etc/dkimpipe/keys/r1.private.away /etc/dkimpipe/keys/r1.private
	send keyless
	wait_for eval '[ "$(with_subject "key away")" -eq 1 ]'
	wait_for queue_empty
	sleep 1
	[ "$(with_subject 'key away')" -eq 1 ]
	f=$(grep -l "^Subject: key away"$'\r' "$W"/sink/*.eml)
	[ "$(signatures "$f" | wc -l)" -eq 2 ]
	$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$f"
}

@test "next hop down: the client gets 4xx, nothing is queued; once it is back the retry is delivered once" {
	msg hopdown 'hop down'
	sed -i 's/^reinject = .*/reinject = smtp:[127.0.0.1]:10099/' /etc/dkimpipe/dkimpipe.conf
	before=$(sink_count)
	run send hopdown
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"(451, "* ]]
	queue_empty
	cp "$W/dkimpipe.proxy" /etc/dkimpipe/dkimpipe.conf
	send hopdown
	wait_for eval '[ "$(with_subject "hop down")" -eq 1 ]'
	wait_for queue_empty
	sleep 1
	[ "$(with_subject 'hop down')" -eq 1 ]
	[ "$(sink_count)" -eq $((before + 1)) ]
}

@test "on_refusal = bounce: a message with two From fields is refused at SMTP time with 5xx, nothing is queued" {
	printf 'From: a@example.com\nFrom: b@example.com\nTo: bob@example.org\nSubject: two from\n\nx\n' > "$W/twofrom.eml"
	echo 'on_refusal = bounce' >> /etc/dkimpipe/dkimpipe.conf
	before=$(sink_count)
	run send twofrom
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"(554, "*"5.6.0"* ]]
	sleep 1
	queue_empty
	[ "$(sink_count)" -eq "$before" ]
}

@test "the proxy killed in the middle of DATA: the client gets 4xx, nothing is delivered; its retry is delivered once" {
	# without speed_adjust the smtpd streams DATA to the proxy as it
	# comes, so the test can kill it half-way through the message
	postconf -P 'submission/inet/smtpd_proxy_options='
	postfix reload >/dev/null 2>&1
	sleep 1
	before=$(sink_count)
	cat > "$W/slow.py" <<-'EOF'
	import socket, subprocess, sys, time
	s = socket.create_connection(("127.0.0.1", 587))
	f = s.makefile("rb")
	def reply():
	    while True:
	        l = f.readline().decode()
	        if l[3:4] != "-":
	            return l.strip()
	reply()
	for c in ("EHLO client.example", "MAIL FROM:<alice@example.com>", "RCPT TO:<bob@example.org>", "DATA"):
	    s.sendall(c.encode() + b"\r\n")
	    r = reply()
	s.sendall(b"From: alice@example.com\r\nTo: bob@example.org\r\nSubject: killed half-way\r\n\r\nfirst half\r\n")
	time.sleep(1)
	# the proxy that holds this transaction
	subprocess.run(["pkill", "-KILL", "-f", "dkimpipe proxy"])
	time.sleep(0.5)
	try:
	    s.sendall(b"second half\r\n.\r\n")
	    print(reply())
	except OSError as e:
	    print("lost", e)
	EOF
	run $PY "$W/slow.py"
	echo "$output"
	[[ $output == 4* ]]
	sleep 1
	queue_empty
	[ "$(with_subject 'killed half-way')" -eq 0 ]
	postconf -P 'submission/inet/smtpd_proxy_options=speed_adjust'
	postfix reload >/dev/null 2>&1
	sleep 1
	printf 'From: alice@example.com\nTo: bob@example.org\nSubject: killed half-way\n\nfirst half\nsecond half\n' > "$W/retry.eml"
	send retry
	wait_for eval '[ "$(with_subject "killed half-way")" -eq 1 ]'
	wait_for queue_empty
	sleep 1
	[ "$(with_subject 'killed half-way')" -eq 1 ]
}

@test "run by master(8) itself: 100 messages over 10 sessions, each delivered once, signed, verified, by a few long-lived processes; key away: 451" {
	# the README's three commands, in a private copy of daemon_directory
	mkdir -p "$W/sbin"
	cp -a /usr/lib/postfix/sbin/. "$W/sbin/"
	mount --bind "$W/sbin" /usr/lib/postfix/sbin
	ln -s /usr/local/sbin/dkimpipe "$(postconf -h daemon_directory)/dkimpipe"
	postconf -M '127.0.0.1:10027/inet=127.0.0.1:10027 inet n - n - 20 dkimpipe proxy user=dkimpipe'
	postfix reload
	sleep 1
	before=$(sink_count)
	start=$(wc -l < "$PF_LOG")
	bulk_send master 10 10
	bulk_arrived master 100
	# one process served many: each keeps its connection to the
	# re-injection smtpd, so that smtpd saw at most the service's 20
	# connections for 100 messages
	procs=$(tail -n +"$start" "$PF_LOG" | grep -c 'dkimpipe-reinject/smtpd\[[0-9]*\]: connect from' || true)
	echo "# connections from dkimpipe proxy processes run by master(8): $procs for 100 messages" >&3
	[ "$procs" -ge 1 ]
	[ "$procs" -le 20 ]
	# the key is checked before every message in a long-lived process too
	msg keyless2 'master key away'
	mv /etc/dkimpipe/keys/r1.private /etc/dkimpipe/keys/r1.private.away
	run send keyless2
	echo "$output"
	[ "$status" -eq 1 ]
	[[ $output == *"(451, "* ]]
	mv /etc/dkimpipe/keys/r1.private.away /etc/dkimpipe/keys/r1.private
	send keyless2
	wait_for eval '[ "$(with_subject "master key away")" -eq 1 ]'
	postconf -M '127.0.0.1:10027/inet=127.0.0.1:10027 inet n n n - 20 spawn user=dkimpipe:postdrop argv=/usr/local/sbin/dkimpipe proxy'
	postfix reload >/dev/null 2>&1
}
