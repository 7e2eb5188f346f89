#!/usr/bin/env bats
# Fault injection, deliver (pipe(8)) and lmtp (spawn(8)) alike: whatever
# breaks, nothing is lost (the message stays with Postfix: exit 75 or
# 451) and nothing is reported delivered that was not handed over whole.
# sendmail here is tests/lib/commit-sendmail, which queues what it read
# once its input ends, as Postfix's does.

load helper

setup_file() {
	export W=$BATS_FILE_TMPDIR
	mkkeys "$W/k"
	cc -shared -fPIC -o "$W/enospc.so" "$TOP/tests/fault/enospc.c" -ldl
}

setup() {
	fake_env "$LIB/commit-sendmail" \
	    'From: Alice <alice@example.com>\nTo: bob@example.org\nSubject: fault\n\nhello\n'
	BIG=$BATS_TEST_TMPDIR/big.eml
	$PY -c 'import sys; sys.stdout.write("From: Alice <alice@example.com>\nSubject: big\n\n" + ("y" * 70 + "\n") * 30000)' > "$BIG"
}

queued() { ls "$FAKE_DIR" | grep -c '^queued\.' || true; }
parts() { ls "$FAKE_DIR" | grep -c '^part\.' || true; }
deliver() { "$DKIMPIPE" deliver -c "$CONF" -q 4AbCdE -f alice@example.com -- bob@example.org; }
# lmtp_one FILE - one LMTP transaction for FILE; the replies on stdout
lmtp_one() {
	printf 'GREETING\nLHLO x\nMAIL FROM:<alice@example.com>\nRCPT TO:<bob@example.org>\nDATA %s\nQUIT\n' "$1" |
	    $PY "$LIB/lmtp-client.py" "$DKIMPIPE" "$CONF"
}
# reply_of OUTPUT - the first reply for bob@example.org in an LMTP session
reply_of() { echo "$1" | grep '^[245][0-9][0-9] [245]\.[0-9.]* <bob@example.org>' | head -n 1; }

@test "sendmail not executable: 75 / 451, nothing queued" {
	cp "$LIB/commit-sendmail" "$BATS_TEST_TMPDIR/sm"; chmod 644 "$BATS_TEST_TMPDIR/sm"
	sed -i "s|^sendmail_path.*|sendmail_path = $BATS_TEST_TMPDIR/sm|" "$CONF"
	run deliver < "$MSG"
	[ "$status" -eq 75 ]
	[[ "${lines[0]}" == "4.3.0 dkimpipe: cannot execute $BATS_TEST_TMPDIR/sm" ]]
	r=$(reply_of "$(lmtp_one "$MSG")"); echo "$r"
	[[ "$r" == "451 4.3.0 <bob@example.org> dkimpipe: cannot execute $BATS_TEST_TMPDIR/sm" ]]
	# larger than a pipe holds: the write fails too, the reason stays the same
	run deliver < "$BIG"
	[ "$status" -eq 75 ]
	[[ "${lines[0]}" == "4.3.0 dkimpipe: cannot execute $BATS_TEST_TMPDIR/sm" ]]
	[ "$(queued)" -eq 0 ]
}

@test "sendmail exits 75 or 1 after reading everything: 75 / 451 (Postfix keeps the message)" {
	for s in 75 1; do
		export FAKE_STATUS=$s
		run deliver < "$MSG"
		[ "$status" -eq 75 ]
		[[ "${lines[0]}" == "4.3.0 dkimpipe: $LIB/commit-sendmail exited with status $s" ]]
		r=$(reply_of "$(lmtp_one "$MSG")"); echo "$r"
		[[ "$r" == "451 4.3.0 <bob@example.org> "*"exited with status $s" ]]
	done
}

@test "sendmail stops reading early and exits 0 or 1: never reported delivered, and never fed the end of a cut message" {
	export FAKE_SHORT=1000
	for s in 0 1; do
		export FAKE_STATUS=$s
		run deliver < "$BIG"
		echo "$output"
		[ "$status" -eq 75 ]
		[[ "${lines[0]}" == "4.3.0 dkimpipe: "*"exited with status $s before reading the whole message"* ]]
		r=$(reply_of "$(lmtp_one "$BIG")"); echo "$r"
		[[ "$r" == "451 4.3.0 <bob@example.org> "*"exited with status $s before reading the whole message"* ]]
	done
}

@test "SIGTERM while a slow sendmail reads: deliver kills it before it sees an end of input, exits 75; nothing queued" {
	export FAKE_SLOW=1
	"$DKIMPIPE" deliver -c "$CONF" -f alice@example.com -- bob@example.org < "$BIG" > "$BATS_TEST_TMPDIR/out" 2>&1 &
	pid=$!
	for i in $(seq 100); do [ "$(parts)" -ge 1 ] && break; sleep 0.05; done
	sleep 0.3
	kill -TERM $pid
	st=0; wait $pid || st=$?
	[ "$st" -eq 75 ]
	[ "$(head -n 1 "$BATS_TEST_TMPDIR/out")" = "4.3.0 dkimpipe: terminated by SIGTERM" ]
	sleep 1
	[ "$(queued)" -eq 0 ]
}

@test "SIGKILL of deliver while a slow sendmail reads: sendmail dies with it, a message cut short is never queued" {
	export FAKE_SLOW=1
	"$DKIMPIPE" deliver -c "$CONF" -f alice@example.com -- bob@example.org < "$BIG" > /dev/null 2>&1 &
	pid=$!
	for i in $(seq 100); do [ "$(parts)" -ge 1 ] && break; sleep 0.05; done
	sleep 0.3
	kill -KILL $pid
	wait $pid || true
	sleep 1
	[ "$(parts)" -eq 1 ]	# it had begun reading
	[ "$(queued)" -eq 0 ]	# and was killed before the end of its input
	! pgrep -f "$LIB/commit-sendmail" > /dev/null
}

@test "SIGTERM while a slow sendmail reads: lmtp answers 451, kills sendmail first, ends the session; nothing queued" {
	export FAKE_SLOW=1
	mkfifo "$BATS_TEST_TMPDIR/in"
	{
		printf 'LHLO x\r\nMAIL FROM:<alice@example.com>\r\nRCPT TO:<bob@example.org>\r\nDATA\r\n'
		sed 's/^\./../; s/$/\r/' "$BIG"
		printf '.\r\n'
		sleep 5
		printf 'QUIT\r\n'
	} > "$BATS_TEST_TMPDIR/in" &
	"$DKIMPIPE" lmtp -c "$CONF" < "$BATS_TEST_TMPDIR/in" > "$BATS_TEST_TMPDIR/out" 2>/dev/null &
	pid=$!
	for i in $(seq 100); do [ "$(parts)" -ge 1 ] && break; sleep 0.05; done
	sleep 0.3
	kill -TERM $pid
	st=0; wait $pid || st=$?
	[ "$st" -eq 0 ]
	cat "$BATS_TEST_TMPDIR/out"
	grep -q '^451 4.3.0 <bob@example.org> dkimpipe: terminated by SIGTERM before' "$BATS_TEST_TMPDIR/out"
	! grep -q '^250 2.0.0 <bob@example.org>' "$BATS_TEST_TMPDIR/out" || false
	sleep 1
	[ "$(queued)" -eq 0 ]
}

@test "SIGTERM after sendmail accepted (deliver still logging): exit 0, queued once, never 75" {
	# a slow postlog(1) holds deliver after sendmail said 0
	term_after_accept queued -q 4AbCdE -f alice@example.com -- bob@example.org
}

@test "SIGTERM while the message is still coming in: deliver exits 75, sendmail never started" {
	{ cat "$MSG"; sleep 3; } | deliver > "$BATS_TEST_TMPDIR/out" 2>&1 &
	pid=$!
	sleep 0.5
	kill -TERM $(pgrep -f "dkimpipe deliver -c $CONF") 2>/dev/null
	wait $pid || true
	[ "$(head -n 1 "$BATS_TEST_TMPDIR/out")" = "4.3.0 dkimpipe: terminated by SIGTERM" ]
	[ "$(ls "$FAKE_DIR" | wc -l)" -eq 0 ]
}

@test "temporary directory missing, unwritable, full: 75 / 451 with the reason, nothing queued" {
	cases="missing full"
	[ "$(id -u)" -ne 0 ] && cases="$cases unwritable"
	mkdir -p "$BATS_TEST_TMPDIR/ro" "$BATS_TEST_TMPDIR/full"
	chmod 555 "$BATS_TEST_TMPDIR/ro"
	for c in $cases; do
		cp "$CONF" "$CONF.$c"
		unset LD_PRELOAD ENOSPC_PREFIX
		case $c in
		missing) echo "tmpdir = $BATS_TEST_TMPDIR/none" >> "$CONF.$c"; want="cannot create temporary file" ;;
		unwritable) echo "tmpdir = $BATS_TEST_TMPDIR/ro" >> "$CONF.$c"; want="cannot create temporary file" ;;
		full)	echo "tmpdir = $BATS_TEST_TMPDIR/full" >> "$CONF.$c"; want="cannot write temporary file: No space left on device"
			if [ "$(id -u)" -eq 0 ] && mount -t tmpfs -o size=64k tmpfs "$BATS_TEST_TMPDIR/full" 2>/dev/null; then
				echo "# disk full: a 64 KB tmpfs" >&3
			else
				echo "# disk full: the LD_PRELOAD ENOSPC shim" >&3
				export LD_PRELOAD=$W/enospc.so ENOSPC_PREFIX=$BATS_TEST_TMPDIR/full/
			fi ;;
		esac
		run sh -c 'cat "$1" | "$2" deliver -c "$3" -f alice@example.com -- bob@example.org' - "$BIG" "$DKIMPIPE" "$CONF.$c"
		echo "$c: $output"
		[ "$status" -eq 75 ]
		[[ "${lines[0]}" == "4.3.0 dkimpipe: $want"* ]]
		r=$(printf 'GREETING\nLHLO x\nMAIL FROM:<alice@example.com>\nRCPT TO:<bob@example.org>\nDATA %s\nQUIT\n' "$BIG" |
		    $PY "$LIB/lmtp-client.py" "$DKIMPIPE" "$CONF.$c" | grep '<bob@example.org>' | head -n 1)
		echo "$c: $r"
		[[ "$r" == "451 4.3.0 <bob@example.org> dkimpipe: $want"* ]]
		unset LD_PRELOAD ENOSPC_PREFIX
		mountpoint -q "$BATS_TEST_TMPDIR/full" && umount "$BATS_TEST_TMPDIR/full"
	done
	[ "$(queued)" -eq 0 ]
}

@test "key file removed after the configuration was read, before the header was complete: 75, nothing queued" {
	cp "$W/k/ed.pem" "$BATS_TEST_TMPDIR/key.pem"
	sed -i "s|^keyfile.*|keyfile = $BATS_TEST_TMPDIR/key.pem|" "$CONF"
	{ printf 'From: Alice <alice@example.com>\n'; sleep 1; printf 'Subject: late\n\nbody\n'; } |
	    "$DKIMPIPE" deliver -c "$CONF" -f alice@example.com -- bob@example.org > "$BATS_TEST_TMPDIR/out" 2>&1 &
	pid=$!
	sleep 0.4
	rm "$BATS_TEST_TMPDIR/key.pem"
	st=0; wait $pid || st=$?
	cat "$BATS_TEST_TMPDIR/out"
	[ "$st" -eq 75 ]
	grep -q "^4.3.0 dkimpipe: cannot open key file $BATS_TEST_TMPDIR/key.pem" "$BATS_TEST_TMPDIR/out"
	[ "$(queued)" -eq 0 ]
}

@test "key file replaced by an unsafe one between two LMTP transactions: 451, then signed once it is fixed" {
	cp "$W/k/ed.pem" "$BATS_TEST_TMPDIR/key.pem"
	sed -i "s|^keyfile.*|keyfile = $BATS_TEST_TMPDIR/key.pem|" "$CONF"
	run $PY "$LIB/lmtp-client.py" "$DKIMPIPE" "$CONF" <<-EOF
	GREETING
	LHLO x
	MAIL FROM:<alice@example.com>
	RCPT TO:<bob@example.org>
	DATA $MSG
	!chmod 644 $BATS_TEST_TMPDIR/key.pem
	MAIL FROM:<alice@example.com>
	RCPT TO:<bob@example.org>
	DATA $MSG
	!chmod 600 $BATS_TEST_TMPDIR/key.pem
	MAIL FROM:<alice@example.com>
	RCPT TO:<bob@example.org>
	DATA $MSG
	QUIT
	EOF
	echo "$output"
	[ "$(echo "$output" | grep -c '^250 2.0.0 <bob@example.org> dkimpipe: signed')" -eq 2 ]
	echo "$output" | grep -q '^451 4.3.0 <bob@example.org> .*accessible by group or others'
	[ "$(queued)" -eq 2 ]
}

@test "configuration rewritten while deliver runs, 60 times: each run signs and queues once, or exits 75 queueing nothing" {
	good=$(cat "$CONF")
	( for i in $(seq 400); do printf '%s\n' "$good" > "$CONF"; : > "$CONF"; printf 'domain = exa' > "$CONF"; done; printf '%s\n' "$good" > "$CONF" ) &
	writer=$!
	ok=0 temp=0
	for i in $(seq 60); do
		n0=$(queued)
		run deliver < "$MSG"
		case $status in
		0) ok=$((ok + 1)); [ "$(queued)" -eq $((n0 + 1)) ] ;;
		75) temp=$((temp + 1)); [ "$(queued)" -eq "$n0" ]; [[ "${lines[0]}" == 4.3.5* || "${lines[0]}" == 4.3.0* ]] ;;
		*) echo "run $i: status $status: $output"; false ;;
		esac
	done
	wait $writer
	echo "# signed $ok, deferred $temp" >&3
	for f in "$FAKE_DIR"/queued.*; do $PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$f" > /dev/null; done
}
