#!/usr/bin/env bats
# Keys that rotate by themselves (rotate = ...), under a moved clock: 400
# simulated days of mail by deliver and by one long-lived lmtp process
# (tests/lib/rotation-sim.py), a failing and a hanging publish_command,
# a full keys directory, 20 parallel runs at a due step, kill -9 in a
# step, an unsafe keys directory. A real authoritative DNS server that
# takes RFC 2136 updates (BIND 9 on 127.0.0.1:5354) serves the keys,
# published with the shipped publish-nsupdate.

load helper
load lib/bind-env

setup_file() {
	export W=$BATS_FILE_TMPDIR TZ=UTC
	bind_start "$W"
}

teardown() {
	if mountpoint -q "$BATS_TEST_TMPDIR/full" 2>/dev/null; then umount "$BATS_TEST_TMPDIR/full"; fi
}

teardown_file() {
	bind_stop "$W"
}

setup() {
	K=$BATS_TEST_TMPDIR/keys
	mkdir -m 700 "$K" "$K/example.com" "$BATS_TEST_TMPDIR/st"
	"$DKIMPIPE" keygen -d example.com -s base -D "$K/example.com" > /dev/null
	"$TOP/scripts/publish-nsupdate" "$W/nsupdate.conf" add example.com base \
	    "$("$DKIMPIPE" dnsrecord -1 -k "$K/example.com/base.private" -s base | cut -f 3)"
	CONF=$BATS_TEST_TMPDIR/dp.conf
	cat > "$CONF" <<-EOF
	domain = example.com
	selector = base
	keyfile = $K/example.com/base.private
	rotate = example.com
	rotate_dir = $K
	publish_command = $LIB/real-clock $TOP/scripts/publish-nsupdate $W/nsupdate.conf
	nameservers = 127.0.0.1:5354
	state_file = $BATS_TEST_TMPDIR/st/state
	sendmail_path = $LIB/fake-sendmail
	log_to = stderr
	EOF
}

# at_day N - deliver one message at noon of day N of 2026 (frozen clock;
# 1767268800 is 2026-01-01 12:00 UTC; the monotonic clock of time limits
# runs),
# with the configuration in $CONF; its log in $BATS_TEST_TMPDIR/day$N.err
at_day() {
	local when
	when=$(date -u -d "@$((1767268800 + $1 * 86400))" '+%Y-%m-%d %H:%M:%S')
	mkdir -p "$BATS_TEST_TMPDIR/f$1"
	printf 'From: a@example.com\n\nday %s\n' "$1" | FAKE_DIR=$BATS_TEST_TMPDIR/f$1 \
	    DONT_FAKE_MONOTONIC=1 faketime -f "$when" "$DKIMPIPE" deliver -c "$CONF" -f a@example.com \
	    -- b@example.org 2> "$BATS_TEST_TMPDIR/day$1.err"
}

# fake_publish SCRIPT - publish_command is this shell script instead
fake_publish() {
	printf '#!/bin/sh\necho "$*" >> %s/pub.log\n%s\n' "$BATS_TEST_TMPDIR" "$1" > "$BATS_TEST_TMPDIR/pub"
	chmod +x "$BATS_TEST_TMPDIR/pub"
	sed -i "s|^publish_command = .*|publish_command = $BATS_TEST_TMPDIR/pub|" "$CONF"
}

@test "400 simulated days, a message a day by deliver and by one lmtp process: each verifies against the DNS of its moment, successors take over on time, old records go, retired keys are revealed" {
	cat >> "$CONF" <<-EOF
	reveal = yes
	reveal_dir = $BATS_TEST_TMPDIR/revealed
	lmtp_idle_time = 1d
	lmtp_lifetime = 1d
	EOF
	mkdir "$BATS_TEST_TMPDIR/sim"
	$PY "$LIB/rotation-sim.py" "$DKIMPIPE" "$CONF" 400 $BIND_PORT \
	    "$BATS_TEST_TMPDIR/sim" > "$BATS_TEST_TMPDIR/sim.json"
	grep -v -e NOQUEUE -e '^==' "$BATS_TEST_TMPDIR/sim/log"
	cat "$BATS_TEST_TMPDIR/st/state"
	S=$BATS_TEST_TMPDIR/st/state R=$BATS_TEST_TMPDIR/revealed K=$K \
	    $PY - "$BATS_TEST_TMPDIR/sim.json" > "$BATS_TEST_TMPDIR/sample" <<-'EOF'
	import json, os, sys
	j = json.load(open(sys.argv[1]))
	keep = 7 * 86400
	rk = {}
	for line in open(os.environ["S"]):
	    w = line.split()
	    if w[0] == "+key":
	        rk[w[2]] = dict(made=int(w[4]), activate=int(w[6]), withdrawn=int(w[7]), revealed=int(w[8]))
	order = sorted(rk, key=lambda s: rk[s]["activate"])
	print("schedule:", [(s, rk[s]["activate"]) for s in order], file=sys.stderr)
	assert len(order) >= 5, "at least four successors in 400 days"
	def expected(t):
	    """the key that should sign at t: the newest whose time has come"""
	    return [s for s in order if rk[s]["activate"] <= t][-1]
	sample = set()
	prev = None
	for d in j["days"]:
	    for how in ("deliver", "lmtp"):
	        m = d[how]
	        assert m["verified"] and m["record"], "day %d %s: %s" % (d["day"], how, m)
	        assert m["selector"] == expected(m["time"]), "day %d %s: %s signed, %s due" % (d["day"], how, m["selector"], expected(m["time"]))
	    if d["deliver"]["selector"] != prev or d["day"] % 20 == 0:
	        for x in j["days"][max(d["day"] - 1, 0):d["day"] + 1]:
	            sample.update([x["deliver"]["file"], x["lmtp"]["file"]])
	    prev = d["deliver"]["selector"]
	    for i, s in enumerate(order[:-1]):
	        succ = rk[order[i + 1]]["activate"]
	        if rk[s]["activate"] <= d["time"] and d["time"] + 1800 < succ + keep:
	            assert s in d["served"], "day %d: %s withdrawn before its time" % (d["day"], s)
	        if rk[s]["withdrawn"] and d["time"] >= rk[s]["withdrawn"]:
	            assert s not in d["served"], "day %d: %s still served" % (d["day"], s)
	last = j["days"][-1]["time"]
	for i, s in enumerate(order[:-1]):
	    succ = rk[order[i + 1]]["activate"]
	    if succ + keep + 86400 < last:
	        assert 0 <= rk[s]["withdrawn"] - (succ + keep) <= 86400, "%s withdrawn at %d" % (s, rk[s]["withdrawn"])
	        assert rk[s]["revealed"] >= rk[s]["withdrawn"] + 3600, s
	        f = os.path.join(os.environ["R"], "example.com", s + ".private")
	        assert os.stat(f).st_mode & 0o777 == 0o644, f
	        assert open(f).read() == open(os.path.join(os.environ["K"], "example.com", s + ".private")).read(), f
	assert not os.path.exists(os.path.join(os.environ["R"], "example.com", order[-1] + ".private"))
	print("\n".join(sorted(sample)))
	EOF
	# OpenDKIM on the days around each switch and every 20th day, each
	# copy against the record served when it was signed
	xargs "$LIB/verify-opendkim.sh" "$BATS_TEST_TMPDIR/sim/served.txt" < "$BATS_TEST_TMPDIR/sample" > "$BATS_TEST_TMPDIR/od"
	[ "$(grep -c '^PASS ' "$BATS_TEST_TMPDIR/od")" -ge 40 ]
	"$DKIMPIPE" keys -c "$CONF" | grep "revealed since"
}

@test "a publish_command that hangs: killed after publish_timeout, logged, mail signed at once meanwhile, tried again" {
	fake_publish 'sleep 60'
	echo 'publish_timeout = 2s' >> "$CONF"
	at_day 0
	SECONDS=0
	at_day 80
	cat "$BATS_TEST_TMPDIR/day80.err"
	[ "$SECONDS" -lt 30 ]
	grep -q "rotation example.com: $BATS_TEST_TMPDIR/pub add for 202604 failed (killed: not done in publish_timeout, 2 s); tried again at the next check" "$BATS_TEST_TMPDIR/day80.err"
	signatures "$BATS_TEST_TMPDIR/f80/msg.1" | grep -q 's=base;'
	! pgrep -f "$BATS_TEST_TMPDIR/pub" > /dev/null	# its process group is gone
	fake_publish 'exit 0'
	at_day 81
	grep -q 'published the record of 202604' "$BATS_TEST_TMPDIR/day81.err"
}

@test "a full keys directory: rotation waits and logs, no half-written key file, mail signed; the successor is made once there is room" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to mount a small tmpfs"
	fake_publish 'exit 0'
	mkdir "$BATS_TEST_TMPDIR/full"
	mount -t tmpfs -o size=16k,mode=0700 tmpfs "$BATS_TEST_TMPDIR/full"
	mkdir -m 700 "$BATS_TEST_TMPDIR/full/example.com"
	sed -i "s|^rotate_dir = .*|rotate_dir = $BATS_TEST_TMPDIR/full|" "$CONF"
	dd if=/dev/zero of="$BATS_TEST_TMPDIR/full/example.com/filler" bs=1k count=64 2> /dev/null || true
	at_day 0
	at_day 80
	cat "$BATS_TEST_TMPDIR/day80.err"
	grep -q 'rotation example.com: cannot .*No space left on device; the current key keeps signing' "$BATS_TEST_TMPDIR/day80.err"
	signatures "$BATS_TEST_TMPDIR/f80/msg.1" | grep -q 's=base;'
	[ "$(ls -A "$BATS_TEST_TMPDIR/full/example.com")" = filler ]
	rm "$BATS_TEST_TMPDIR/full/example.com/filler"
	at_day 81
	cat "$BATS_TEST_TMPDIR/day81.err"
	grep -q 'made key 202604 (rsa)' "$BATS_TEST_TMPDIR/day81.err"
	"$DKIMPIPE" dnsrecord -1 -k "$BATS_TEST_TMPDIR/full/example.com/202604.private" -s 202604 | grep -q 'v=DKIM1; k=rsa; p='
}

@test "a failing publish_command: logged, mail still signed with the current key, tried again at the next check" {
	fake_publish 'echo "zone is frozen" >&2; exit 1'
	at_day 0
	at_day 80
	cat "$BATS_TEST_TMPDIR/day80.err"
	grep -q 'made key 202604 (rsa)' "$BATS_TEST_TMPDIR/day80.err"
	grep -q "rotation example.com: $BATS_TEST_TMPDIR/pub add for 202604 failed (exit status: zone is frozen); tried again at the next check" "$BATS_TEST_TMPDIR/day80.err"
	signatures "$BATS_TEST_TMPDIR/f80/msg.1" | grep -q 's=base;'
	at_day 81
	[ "$(grep -c '^add example.com 202604 v=DKIM1; k=rsa; p=' "$BATS_TEST_TMPDIR/pub.log")" -eq 2 ]
	fake_publish 'exit 0'
	at_day 82
	grep -q 'published the record of 202604' "$BATS_TEST_TMPDIR/day82.err"
	at_day 83
	[ "$(grep -c '^add ' "$BATS_TEST_TMPDIR/pub.log")" -eq 3 ]	# not again
	[ "$(ls "$K/example.com" | grep -c '\.private$')" -eq 2 ]
}

@test "20 parallel deliver runs at the step that makes a successor: exactly one key made" {
	fake_publish 'exit 0'
	at_day 0
	local pids=() when
	when=$(date -u -d "@$((1767268800 + 80 * 86400))" '+%Y-%m-%d %H:%M:%S')
	for i in $(seq 1 20); do
		mkdir -p "$BATS_TEST_TMPDIR/p$i"
		( printf 'From: a@example.com\n\nx\n' | FAKE_DIR=$BATS_TEST_TMPDIR/p$i \
		    faketime -f "$when" "$DKIMPIPE" deliver -c "$CONF" -f a@example.com \
		    -- b@example.org 2> "$BATS_TEST_TMPDIR/p$i.err"
		  echo $? > "$BATS_TEST_TMPDIR/p$i.rc" ) &
		pids+=($!)
	done
	wait "${pids[@]}"
	for i in $(seq 1 20); do
		[ "$(cat "$BATS_TEST_TMPDIR/p$i.rc")" = 0 ]
		signatures "$BATS_TEST_TMPDIR/p$i/msg.1" | grep -q 's=base;'
	done
	[ "$(cat "$BATS_TEST_TMPDIR"/p*.err | grep -c 'made key')" -eq 1 ]
	[ "$(ls "$K/example.com" | grep -c '\.private$')" -eq 2 ]
	[ "$(grep -c '^+key example.com 202604 ' "$BATS_TEST_TMPDIR/st/state")" -eq 1 ]
	[ "$(grep -c '^add ' "$BATS_TEST_TMPDIR/pub.log")" -eq 1 ]
}

@test "killed (-9) in the middle of a step: the next run completes it, with the key already made, never a second one" {
	# the publish command kills the signer that runs it: the key file is
	# made, the state is not written
	fake_publish 'kill -9 $PPID; sleep 1; exit 0'
	at_day 0
	run at_day 80
	[ "$status" -ne 0 ]	# killed (the mail was already handed on)
	[ -f "$K/example.com/202604.private" ]
	! grep -q '202604' "$BATS_TEST_TMPDIR/st/state"
	fake_publish 'exit 0'
	at_day 80
	cat "$BATS_TEST_TMPDIR/day80.err"
	grep -q '^+key example.com 202604 rsa ' "$BATS_TEST_TMPDIR/st/state"
	grep -q 'published the record of 202604' "$BATS_TEST_TMPDIR/day80.err"
	[ "$(ls "$K/example.com" | grep -c '\.private$')" -eq 2 ]
	! ls -a "$K/example.com" | grep -q '\.new\.'
}

@test "killed (-9) right after withdrawing the old record: the next run withdraws it again and records it; mail signed and verified throughout" {
	# publish with the real nsupdate script; on "remove", kill the signer
	# once the update is done, before it writes the state
	fake_publish "[ \"\$1\" = remove ] && [ ! -f $BATS_TEST_TMPDIR/killed ] && { $LIB/real-clock $TOP/scripts/publish-nsupdate $W/nsupdate.conf \"\$@\"; touch $BATS_TEST_TMPDIR/killed; kill -9 \$PPID; sleep 1; }; exec $LIB/real-clock $TOP/scripts/publish-nsupdate $W/nsupdate.conf \"\$@\""
	for d in 0 80 81 94; do at_day $d; done
	signatures "$BATS_TEST_TMPDIR/f94/msg.1" | grep -q 's=202604;'
	run at_day 101
	[ "$status" -ne 0 ]	# killed, the mail already handed on
	[ -f "$BATS_TEST_TMPDIR/killed" ]
	grep -q '^+key example.com base rsa 0 0 [0-9]* 0 ' "$BATS_TEST_TMPDIR/st/state"
	[ -z "$(dig @127.0.0.1 -p $BIND_PORT +short base._domainkey.example.com TXT)" ]
	at_day 102
	cat "$BATS_TEST_TMPDIR/day102.err"
	grep -q 'withdrew the record of base' "$BATS_TEST_TMPDIR/day102.err"
	! grep -q '^+key example.com base rsa 0 0 [0-9]* 0 ' "$BATS_TEST_TMPDIR/st/state"
	[ "$(grep -c '^remove example.com base ' "$BATS_TEST_TMPDIR/pub.log")" -eq 2 ]
	at_day 103
	[ "$(grep -c '^remove ' "$BATS_TEST_TMPDIR/pub.log")" -eq 2 ]	# done
	for d in 94 101 102 103; do
		$PY "$LIB/verify-dkimpy-dns.py" $BIND_PORT "$BATS_TEST_TMPDIR/f$d/msg.1"
	done
}

@test "a keys directory that group or others may write: rotation waits, one line says why, mail is signed" {
	fake_publish 'exit 0'
	at_day 0
	chmod 770 "$K/example.com"
	at_day 80
	cat "$BATS_TEST_TMPDIR/day80.err"
	grep -q "rotation example.com: $K/example.com must be a directory the signer's user writes and group and others do not; the current key keeps signing" "$BATS_TEST_TMPDIR/day80.err"
	signatures "$BATS_TEST_TMPDIR/f80/msg.1" | grep -q 's=base;'
	[ "$(ls "$K/example.com" | grep -c '\.private$')" -eq 1 ]
}
