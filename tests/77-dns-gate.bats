#!/usr/bin/env bats
# Rotation gated on DNS (activation_check = dns, the default): a key that
# replaces another signs only once its activation time has come AND its
# record has been served by DNS, holding its public key, for
# publish_delay; the signer looks itself (at most once per
# dns_check_interval per key, after the mail is handled) and shares what
# it saw through the state file. A real DNS server (dnsmasq) on loopback,
# the clock moved with libfaketime; every signature is checked with
# dkimpy against what the DNS server serves at that moment.

load helper
load lib/dns-env

setup_file() {
	export W=$BATS_FILE_TMPDIR TZ=UTC
	mkdir -p "$W/k"
	"$DKIMPIPE" keygen -d example.com -s old2026 -D "$W/k" > /dev/null
	"$DKIMPIPE" keygen -d example.com -s new2027 -D "$W/k" > /dev/null
	cat > "$W/KeyTable" <<-EOF
	old  example.com:old2026:$W/k/old2026.private
	new  example.com:new2027:$W/k/new2027.private  activate=2027-01-01T00:00:00Z
	EOF
	printf '*@example.com old\n*@example.com new\n' > "$W/SigningTable"
}

teardown_file() {
	dns_stop "$W"
}

setup() {
	ST=$BATS_TEST_TMPDIR/st
	mkdir -m 700 "$ST"
	cat > "$BATS_TEST_TMPDIR/dp.conf" <<-EOF
	keytable = $W/KeyTable
	signingtable = refile:$W/SigningTable
	sendmail_path = $LIB/fake-sendmail
	nameservers = 127.0.0.1:$DNS_PORT
	state_file = $ST/state
	dns_check_interval = 10m
	publish_delay = 5m
	log_to = stderr
	EOF
	CONF=$BATS_TEST_TMPDIR/dp.conf
	N=0
}

# serve SELECTOR... - the DNS server serves these records only
serve() {
	local s
	for s in "$@"; do zone_to_arg "$W/k/$s.txt" example.com; done > "$W/dns.args"
	dns_start "$W" "$W/dns.args"
}

# sign_at TIME SELECTOR - deliver one message with the clock standing at
# TIME; its signature must be made with SELECTOR and dkimpy must verify
# it against what DNS serves now (under the same clock: t= is then). Its
# log lines are in $ERR, the message in $MSG.
sign_at() {
	local got
	N=$((N + 1))
	ERR=$BATS_TEST_TMPDIR/err$N
	MSG=$BATS_TEST_TMPDIR/fake$N/msg.1
	mkdir -p "$BATS_TEST_TMPDIR/fake$N"
	printf 'From: a@example.com\nSubject: gate %s\n\nbody\n' "$N" |
	    FAKE_DIR=$BATS_TEST_TMPDIR/fake$N faketime -f "$1" "$DKIMPIPE" deliver \
	    -c "$CONF" -f a@example.com -- b@example.org 2> "$ERR" ||
	    { cat "$ERR"; return 1; }
	got=$(signatures "$MSG" | sed 's/.*[; ]s=\([^;]*\);.*/\1/')
	[ "$got" = "$2" ] || { echo "at $1: signed with $got, not $2"; cat "$ERR"; return 1; }
	faketime -f "$1" $PY "$LIB/verify-dkimpy-dns.py" $DNS_PORT "$MSG" > /dev/null ||
	    { echo "at $1: dkimpy does not verify"; return 1; }
}

@test "the bug users report: activate= passed, no record: the old key signs; record published: the new key signs after one check and publish_delay" {
	serve old2026
	sign_at '2027-01-02 00:00:00' old2026
	grep -q 'key new waits: new2027._domainkey.example.com has no TXT record; the key it replaces keeps signing' "$ERR"
	grep -q 'dkimpipe dnsrecord -k .*new2027.private -s new2027' "$ERR"
	sign_at '2027-01-02 00:05:00' old2026
	! grep -q 'key new' "$ERR"	# no lookup before dns_check_interval
	serve old2026 new2027
	sign_at '2027-01-02 00:09:59' old2026
	sign_at '2027-01-02 00:10:00' old2026	# looks: seen now
	grep -q 'key new waits: its record new2027._domainkey.example.com is in DNS since 2027-01-02 00:10:00 UTC; it takes over at 2027-01-02 00:15:00 UTC' "$ERR"
	sign_at '2027-01-02 00:14:59' old2026
	sign_at '2027-01-02 00:15:00' new2027
	sign_at '2027-01-02 00:20:00' new2027	# looks again
	grep -q 'key new takes over: its record new2027._domainkey.example.com has been in DNS since 2027-01-02 00:10:00 UTC' "$ERR"
	grep -q '^new2027._domainkey.example.com match ' "$ST/state"
	[ "$(stat -c %a "$ST/state")" = 600 ]
}

@test "a key that took over keeps signing when its record goes away, and the log says receivers cannot verify" {
	serve old2026 new2027
	sign_at '2027-01-02 00:00:00' old2026
	sign_at '2027-01-02 00:10:00' new2027
	serve old2026
	# no dkimpy here: nothing verifies a signature whose record is gone
	printf 'From: a@example.com\n\nx\n' | FAKE_DIR=$BATS_TEST_TMPDIR \
	    faketime -f '2027-01-02 00:30:00' "$DKIMPIPE" deliver -c "$CONF" \
	    -f a@example.com -- b@example.org 2> "$BATS_TEST_TMPDIR/gone.err"
	cat "$BATS_TEST_TMPDIR/gone.err"
	grep -q 'error: key new signs but new2027._domainkey.example.com has no TXT record: receivers cannot verify its signatures' "$BATS_TEST_TMPDIR/gone.err"
	signatures "$BATS_TEST_TMPDIR/msg.1" | grep -q 's=new2027;'
	grep -q '^new2027._domainkey.example.com missing ' "$ST/state"
}

@test "a record that holds another key does not open the gate" {
	"$DKIMPIPE" keygen -d example.com -s new2027 -D "$BATS_TEST_TMPDIR" > /dev/null
	{ zone_to_arg "$W/k/old2026.txt" example.com
	  zone_to_arg "$BATS_TEST_TMPDIR/new2027.txt" example.com; } > "$W/dns.args"
	dns_start "$W" "$W/dns.args"
	sign_at '2027-01-02 00:00:00' old2026
	grep -q 'key new waits: the record at new2027._domainkey.example.com holds another key' "$ERR"
	sign_at '2027-01-03 00:00:00' old2026
}

@test "DNS server down: mail is signed with the current key and delivered, the log says the lookup failed" {
	dns_stop "$W"
	printf 'From: a@example.com\n\nx\n' | FAKE_DIR=$BATS_TEST_TMPDIR \
	    faketime -f '2027-01-02 00:00:00' "$DKIMPIPE" deliver -c "$CONF" \
	    -f a@example.com -- b@example.org 2> "$BATS_TEST_TMPDIR/down.err"
	cat "$BATS_TEST_TMPDIR/down.err"
	signatures "$BATS_TEST_TMPDIR/msg.1" | grep -q 's=old2026;'
	grep -q 'key new waits: DNS lookup of new2027._domainkey.example.com failed' "$BATS_TEST_TMPDIR/down.err"
	grep -q '^new2027._domainkey.example.com error ' "$ST/state"
	# back up, the record served: the gate opens as usual
	serve old2026 new2027
	sign_at '2027-01-02 00:10:00' old2026
	sign_at '2027-01-02 00:15:00' new2027
}

@test "deliver does not wait for a lookup: with the log away from stderr it exits at once, the lookup finishes in a detached child" {
	# a name server that takes every query and never answers
	$PY -c 'import socket,time,sys; s=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(("127.0.0.1",5399)); open(sys.argv[1],"w").close(); [s.recv(512) for _ in iter(int,1)]' "$BATS_TEST_TMPDIR/ready" 3>&- &
	local hole=$!
	wait_file() { local i; for i in $(seq 100); do [ -e "$1" ] && return 0; sleep 0.1; done; return 1; }
	wait_file "$BATS_TEST_TMPDIR/ready"
	sed -i -e 's|^nameservers = .*|nameservers = 127.0.0.1:5399|' -e 's|^log_to = stderr|log_to = syslog|' "$CONF"
	mkdir -p "$BATS_TEST_TMPDIR/f"
	# (the real clock: faketime's wrapper would wait for the child)
	printf 'From: a@example.com\n\nbody\n' | FAKE_DIR=$BATS_TEST_TMPDIR/f \
	    "$DKIMPIPE" deliver -c "$CONF" -f a@example.com -- b@example.org
	# deliver has exited; the lookup is still waiting for its answer
	[ -f "$BATS_TEST_TMPDIR/f/msg.1" ]
	[ ! -e "$ST/state" ]
	pgrep -f "$DKIMPIPE deliver -c $CONF" > /dev/null
	# and it ends by itself, writing what it saw (an error: old signs on)
	for i in $(seq 150); do [ -e "$ST/state" ] && break; sleep 0.1; done
	kill $hole
	grep -q '^new2027._domainkey.example.com error ' "$ST/state"
}

@test "a state file or directory that group or others may write is not used: the old key signs, one line says why" {
	serve old2026 new2027
	# a state that says new2027 was seen long ago: it would sign
	printf 'new2027._domainkey.example.com match 1798761600 1798675200 0 300\n' > "$ST/state"
	chmod 600 "$ST/state"
	sign_at '2027-01-02 00:00:00' new2027
	chmod 770 "$ST"
	sign_at '2027-01-02 00:00:00' old2026
	grep -q "key rotation waits: $ST is writable by group or others" "$ERR"
	chmod 700 "$ST"; chmod 620 "$ST/state"
	sign_at '2027-01-02 00:00:00' old2026
	grep -q "key rotation waits: $ST/state is writable by group or others" "$ERR"
}

@test "no state directory: the old key signs and the log names what is missing" {
	sed -i "s|^state_file = .*|state_file = $BATS_TEST_TMPDIR/none/state|" "$CONF"
	serve old2026 new2027
	sign_at '2027-01-02 00:00:00' old2026
	grep -q "key rotation waits: cannot open $BATS_TEST_TMPDIR/none/state.lock" "$ERR"
}

@test "20 parallel deliver runs at a due check: one of them looks, all sign and deliver" {
	local pids=()
	serve old2026
	for i in $(seq 1 20); do
		mkdir -p "$BATS_TEST_TMPDIR/p$i"
		( printf 'From: a@example.com\n\nx\n' | FAKE_DIR=$BATS_TEST_TMPDIR/p$i \
		    faketime -f '2027-01-02 00:00:00' "$DKIMPIPE" deliver -c "$CONF" \
		    -f a@example.com -- b@example.org 2> "$BATS_TEST_TMPDIR/p$i.err";
		  echo $? > "$BATS_TEST_TMPDIR/p$i.rc" ) &
		pids+=($!)
	done
	wait "${pids[@]}"	# not the DNS server, also a child of this shell
	for i in $(seq 1 20); do
		[ "$(cat "$BATS_TEST_TMPDIR/p$i.rc")" = 0 ]
		signatures "$BATS_TEST_TMPDIR/p$i/msg.1" | grep -q 's=old2026;'
	done
	[ "$(cat "$BATS_TEST_TMPDIR"/p*.err | grep -c 'key new waits')" -eq 1 ]
	[ "$(grep -c '^new2027._domainkey.example.com missing ' "$ST/state")" -eq 1 ]
	! ls -a "$ST" | grep -q keystate	# no temporary copy left
}

@test "one long-lived lmtp process takes up what the state file says between transactions" {
	serve old2026 new2027
	export FAKE_DIR=$BATS_TEST_TMPDIR/lm
	mkdir -p "$FAKE_DIR"
	# the real clock here (lmtp's timeouts want one that moves): new2027
	# became due at the start of this year
	sed 's/activate=2027/activate=2026/' "$W/KeyTable" > "$BATS_TEST_TMPDIR/KeyTable"
	sed -i "s|^keytable = .*|keytable = $BATS_TEST_TMPDIR/KeyTable|" "$CONF"
	printf 'From: a@example.com\nSubject: lm\n\nbody\n' > "$BATS_TEST_TMPDIR/m.eml"
	# what another run's lookup an hour ago would have written
	printf 'new2027._domainkey.example.com match %s %s 0 300\n' \
	    $(($(date +%s) - 3600)) $(($(date +%s) - 3600)) > "$BATS_TEST_TMPDIR/later"
	cat > "$BATS_TEST_TMPDIR/script" <<-EOF
	GREETING
	LHLO test
	MAIL FROM:<a@example.com>
	RCPT TO:<b@example.org>
	DATA $BATS_TEST_TMPDIR/m.eml
	!cp $BATS_TEST_TMPDIR/later $ST/.x && chmod 600 $ST/.x && mv $ST/.x $ST/state
	MAIL FROM:<a@example.com>
	RCPT TO:<b@example.org>
	DATA $BATS_TEST_TMPDIR/m.eml
	QUIT
	EOF
	$PY "$LIB/lmtp-client.py" "$DKIMPIPE" "$CONF" < "$BATS_TEST_TMPDIR/script" > "$BATS_TEST_TMPDIR/out" 2> "$BATS_TEST_TMPDIR/lerr"
	cat "$BATS_TEST_TMPDIR/out" "$BATS_TEST_TMPDIR/lerr"
	[ "$(grep -c '^250 2.0.0 ' "$BATS_TEST_TMPDIR/out")" -eq 2 ]
	# the first message's lookup saw new2027 just now: not yet 5 minutes
	grep -q 'key new waits: its record new2027._domainkey.example.com is in DNS since' "$BATS_TEST_TMPDIR/lerr"
	signatures "$FAKE_DIR/msg.1" | grep -q 's=old2026;'
	signatures "$FAKE_DIR/msg.2" | grep -q 's=new2027;'
	for m in "$FAKE_DIR"/msg.*; do $PY "$LIB/verify-dkimpy-dns.py" $DNS_PORT "$m"; done
}

@test "activation_check = time: the new key signs at its time, record or not (the old behaviour, on request)" {
	serve old2026
	echo 'activation_check = time' >> "$CONF"
	FAKE_DIR=$BATS_TEST_TMPDIR
	printf 'From: a@example.com\n\nx\n' | FAKE_DIR=$BATS_TEST_TMPDIR \
	    faketime -f '2027-01-02 00:00:00' "$DKIMPIPE" deliver -c "$CONF" \
	    -f a@example.com -- b@example.org 2> "$BATS_TEST_TMPDIR/t.err"
	signatures "$BATS_TEST_TMPDIR/msg.1" | grep -q 's=new2027;'
	[ ! -e "$ST/state" ]	# nothing looked up
}

@test "dkimpipe keys and check show a stuck rotation with the record to publish, then the switch" {
	serve old2026
	sign_at '2027-01-02 00:00:00' old2026
	run faketime -f '2027-01-02 00:01:00' "$DKIMPIPE" keys -c "$CONF"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"example.com old2026: active since -; record: match (looked 2027-01-02 00:00 UTC)"* ]]
	[[ "$output" == *"example.com new2027: waiting since 2027-01-01 00:00 UTC; record: missing (looked 2027-01-02 00:00 UTC); next: publish its record: dkimpipe dnsrecord -k $W/k/new2027.private -s new2027 -d example.com"* ]]
	run faketime -f '2027-01-02 00:01:00' "$DKIMPIPE" check -c "$CONF"
	echo "$output"
	[ "$status" -eq 0 ]
	rec=$("$DKIMPIPE" dnsrecord -1 -k "$W/k/new2027.private" -s new2027)
	[[ "$output" == *"warning: key new has been due for 24 hours but waits for its record in DNS; the key it replaces signs until then. Publish new2027._domainkey.example.com TXT \"${rec#*TXT }\""* ]] ||
	    [[ "$output" == *"Publish new2027._domainkey.example.com TXT \"v=DKIM1; k=rsa; p="* ]]
	serve old2026 new2027
	sign_at '2027-01-02 00:10:00' old2026
	sign_at '2027-01-02 00:20:00' new2027
	run faketime -f '2027-01-02 00:21:00' "$DKIMPIPE" keys -c "$CONF" --json
	echo "$output"
	printf '%s' "$output" | $PY -c '
import json, sys
keys = {k["selector"]: k for k in json.load(sys.stdin)}
assert keys["new2027"]["state"] == "active", keys
assert keys["new2027"]["record"] == "match", keys
assert keys["old2026"]["state"] == "retired", keys
assert keys["new2027"]["since"] == 1798849200, keys	# 00:20, when it took over
'
	run faketime -f '2027-01-02 00:21:00' "$DKIMPIPE" check -c "$CONF"
	[[ "$output" != *"waits for its record"* ]]
}
