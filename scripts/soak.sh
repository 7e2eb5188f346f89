#!/bin/bash
# soak.sh [MESSAGES [MAXSIZE]] - the signer under load and faults at once,
# through a real Postfix ("make soak"; a bounded form runs in .ci/run).
# For each variant in turn (SOAK_VARIANTS picks some):
#   deliver-sendmail  pipe(8), dkimpipe deliver, sendmail -G re-injection
#   deliver-smtp      pipe(8), dkimpipe deliver, SMTP re-injection
#   lmtp-smtp         spawn(8), dkimpipe lmtp, SMTP re-injection
# MESSAGES (default 5000) are sent twice: once calm, once while a chaos
# loop strikes at random (every 0.3 to 2 s, from the first message until
# the queue is empty or SOAK_CHAOS_TIME seconds after the last one was
# submitted, default 600): SIGKILL and SIGTERM of
# random dkimpipe processes, postfix reload, the re-injection smtpd
# stopped for a few seconds, the keys unreadable, the signer's temporary
# directory full, a next hop that answers 4xx, a next hop that stalls.
# The mail (tests/lib/soak-send.py): 20 parallel SMTP sessions and, where
# re-injection is SMTP, one message in ten through sendmail(1); sizes
# from 1 KB to MAXSIZE (default 5 MB), one to three recipients, some
# that cannot be signed and some for a domain without a key. At the end
# of each pass all faults are cleared and the queue is flushed; then
# tests/lib/soak-report.py counts what arrived at the sink. Prints a
# Markdown table; exits 1 when any message was lost, cut short, bounced
# or left in the queue, a copy arrived twice without a kill or a broken connection
# to explain it, or a signature is missing or does not verify.
#
# Runs as root inside tests/sandbox.sh (the tests' private Postfix; the
# host's mail system is not touched).
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/tests/lib/in-sandbox.bash"
N=${1:-5000}
MAXSIZE=${2:-5242880}
VARIANTS=${SOAK_VARIANTS:-deliver-sendmail deliver-smtp lmtp-smtp}
# seconds the faults go on after the last message was submitted, while
# mail is still in the queue
CHAOS_TIME=${SOAK_CHAOS_TIME:-600}
BATS_TEST_DIRNAME=$TOP/tests
. "$TOP/tests/helper.bash"
. "$TOP/tests/lib/postfix-env.bash"
W=$(mktemp -d /tmp/soak.XXXXXX)
chmod 755 "$W"
TMPD=/var/tmp/dkimpipe-soak
FAIL=0

say() { echo "soak: $*" >&2; }

setup() {
	pf_setup "$W" 2> /dev/null || { say "Postfix did not start"; exit 1; }
	postconf -e queue_run_delay=5s minimal_backoff_time=5s maximal_backoff_time=15s \
	    smtp_data_done_timeout=120s
	cp /etc/postfix/master.cf "$W/master.base"
	cp /etc/postfix/main.cf "$W/main.base"
	cp /etc/dkimpipe/dkimpipe.conf "$W/dkimpipe.base"
	# the signer's temporary directory, small enough to fill
	mkdir -p "$TMPD"
	mount -t tmpfs -o size=32m,mode=1777 tmpfs "$TMPD"
}

teardown() {
	postfix stop > /dev/null 2>&1
	kill "$(cat "$W/sink.pid")" 2> /dev/null
	umount "$TMPD" 2> /dev/null
}

variant() {	# variant NAME - route submission (and pickup) mail as NAME does
	local to pick=
	cp "$W/main.base" /etc/postfix/main.cf
	cp "$W/dkimpipe.base" /etc/dkimpipe/dkimpipe.conf
	echo "tmpdir = $TMPD" >> /etc/dkimpipe/dkimpipe.conf
	case $1 in
	deliver-sendmail) to=dkimsign:dummy ;;
	deliver-smtp) to=dkimsign:dummy; pick=$to ;;
	lmtp-smtp) to=dkimlmtp:unix:private/dkimspawn; pick=$to ;;
	esac
	case $1 in *-smtp) echo 'reinject = smtp:[127.0.0.1]:10026' >> /etc/dkimpipe/dkimpipe.conf ;; esac
	sed -e "s|content_filter=dkimsign:dummy|content_filter=$to|" \
	    -e "/^pickup /,/^[a-z]/s|-o content_filter=\$|-o content_filter=$pick|" \
	    "$W/master.base" > /etc/postfix/master.cf
	cp /etc/postfix/master.cf "$W/master.cur"
	postfix reload > /dev/null 2>&1
	sleep 1
}

# new_sink DIR - the next hop again, storing into DIR
new_sink() {
	kill "$(cat "$W/sink.pid")" 2> /dev/null
	sleep 0.3
	mkdir -p "$1"
	$PY "$LIB/smtp-sink.py" $SINK_PORT "$1" 3>&- &
	echo $! > "$W/sink.pid"
	wait_for eval '(exec 9<>/dev/tcp/127.0.0.1/$SINK_PORT) 2>/dev/null'
}

# signers - the dkimpipe processes of this sandbox's Postfix (its own
# network namespace): never the host's, nor another test run's
signers() { pgrep --ns $$ --nslist net -u dkimpipe -x dkimpipe; }

# rss - the largest peak RSS (VmHWM, kB) of the signers now running
rss() {
	local p m=0 v
	for p in $(signers); do
		v=$(awk '/^VmHWM/ {print $2}' "/proc/$p/status" 2> /dev/null)
		[ -n "$v" ] && [ "$v" -gt "$m" ] && m=$v
	done
	echo "$m"
}

# victim - a random signer process, waiting a second at most for one
victim() {
	local i p
	for i in $(seq 20); do
		p=$(signers | shuf -n 1)
		[ -n "$p" ] && { echo "$p"; return 0; }
		sleep 0.05
	done
	return 1
}

# strike LOG SINK - one fault at random, cleared again before it returns
strike() {
	local log=$1 sink=$2 p
	case $((RANDOM % 11)) in
	0|1|9|10) if p=$(victim); then kill -9 "$p" 2> /dev/null && echo "$(date +%s.%N) kill9 $p" >> "$log"; else echo "$(date +%s.%N) no-signer" >> "$log"; fi ;;
	2) p=$(victim) && kill -TERM "$p" 2> /dev/null && echo "$(date +%s.%N) term $p" >> "$log" ;;
	3) echo "$(date +%s.%N) reload" >> "$log"; postfix reload > /dev/null 2>&1 ;;
	4) echo "$(date +%s.%N) reinject-down" >> "$log"
	   postconf -M# '127.0.0.1:10026/inet' && postfix reload > /dev/null 2>&1
	   sleep 3; cp "$W/master.cur" /etc/postfix/master.cf; postfix reload > /dev/null 2>&1 ;;
	5) echo "$(date +%s.%N) keys-unreadable" >> "$log"
	   chmod 000 /etc/dkimpipe/keys/*.private; sleep 2; chmod 600 /etc/dkimpipe/keys/*.private ;;
	6) echo "$(date +%s.%N) tmp-full" >> "$log"
	   fallocate -l 32m "$TMPD/filler" 2> /dev/null || dd if=/dev/zero of="$TMPD/filler" bs=1M 2> /dev/null
	   sleep 3; rm -f "$TMPD/filler" ;;
	7) echo "$(date +%s.%N) sink-4xx" >> "$log"; touch "$sink/tempfail"; sleep 3; rm -f "$sink/tempfail" ;;
	8) echo "$(date +%s.%N) sink-stall" >> "$log"; touch "$sink/stall"; sleep 4; rm -f "$sink/stall" ;;
	esac
}

# chaos LOG SINK STOPFILE - strike until STOPFILE appears
chaos() {
	while [ ! -e "$3" ]; do
		sleep "0.$((RANDOM % 17 + 3))"
		[ $((RANDOM % 2)) -eq 0 ] && sleep 1
		strike "$1" "$2"
	done
}

# pass VARIANT calm|chaos FIRST - one pass; prints "SECONDS PEAKRSS"
pass() {
	local v=$1 how=$2 first=$3 dir=$W/$1.$2 t0 t1 cpid= local=0 peak=0 r i
	mkdir -p "$dir"
	new_sink "$dir/sink"
	: > "$PF_LOG"
	: > "$dir/chaos.log"
	case $v in *-smtp) local=1 ;; esac
	t0=$(date +%s.%N)
	if [ "$how" = chaos ]; then
		chaos "$dir/chaos.log" "$dir/sink" "$dir/stop" &
		cpid=$!
	fi
	$PY "$LIB/soak-send.py" "$dir/sent.jsonl" "$first" "$N" 20 "$MAXSIZE" $local &
	local spid=$!
	while kill -0 $spid 2> /dev/null; do
		r=$(rss); [ "$r" -gt "$peak" ] && peak=$r
		sleep 0.2
	done
	wait $spid || say "$v $how: some messages could not be submitted"
	if [ -n "$cpid" ]; then
		# the faults go on while mail is in flight, CHAOS_TIME at most
		for i in $(seq $((CHAOS_TIME * 2))); do
			r=$(rss); [ "$r" -gt "$peak" ] && peak=$r
			[ -z "$(postqueue -j)" ] && break
			sleep 0.5
		done
		touch "$dir/stop"
		wait $cpid
		# every fault cleared
		cp "$W/master.cur" /etc/postfix/master.cf
		chmod 600 /etc/dkimpipe/keys/*.private
		rm -f "$TMPD/filler" "$dir/sink/tempfail" "$dir/sink/stall"
		postfix reload > /dev/null 2>&1
	fi
	# until the queue is empty (3 minutes at most), flushing it
	for i in $(seq 180); do
		r=$(rss); [ "$r" -gt "$peak" ] && peak=$r
		[ -z "$(postqueue -j)" ] && break
		[ $((i % 5)) -eq 0 ] && postqueue -f
		sleep 1
	done
	t1=$(date +%s.%N)
	sleep 1	# a late copy would show now
	postqueue -j | wc -l > "$dir/queued"
	cp "$PF_LOG" "$dir/maillog"
	echo "$t0 $t1 $peak" | awk '{printf "%.1f %d\n", $2 - $1, $3}'
}

row() {	# row VARIANT HOW SECONDS PEAK - one line of the table, and the verdict
	local dir=$W/$1.$2 j
	j=$($PY "$LIB/soak-report.py" "$dir/sent.jsonl" "$dir/sink" "$dir/maillog" \
	    "$W/k/keys.txt" "$dir/chaos.log")
	echo "$j" > "$dir/report.json"
	echo "$j" | $PY -c '
import json, sys
j = json.load(sys.stdin)
v, how, secs, peak, queued = sys.argv[1:6]
c = j.get("chaos", {})
strikes = ", ".join("%s %d" % (k, c[k]) for k in sorted(c)) or "none"
print("| %s | %s | %d | %d | %d | %d | %d (%d kill, %d client, %d unexplained) | %d/%d | %d/%d | %d/%d | %d | %s | %.1f MB | %.0f | %s |" % (
    v, how, j["messages"], j.get("expected", 0), j.get("delivered", 0), j.get("lost", 0),
    j.get("duplicated", 0), j.get("dup_killed", 0), j.get("dup_client", 0), j["n_unexplained"],
    j.get("signed", 0), j.get("signed_expected", 0), j["verified"], j["sample"],
    j.get("unsigned_expected", 0) - j.get("signed_unexpected", 0), j.get("unsigned_expected", 0),
    j["bounced"], queued.strip(), int(peak) / 1024, j["messages"] / float(secs), strikes))
bad = (j.get("lost", 0) or j.get("truncated", 0) or j["bounced"] or int(queued) or j["n_unexplained"] or
       j.get("signed", 0) != j.get("signed_expected", 0) or j["verified"] != j["sample"] or
       j.get("signed_unexpected", 0) or j.get("delivered", 0) != j.get("expected", -1))
if bad:
    print("soak: %s %s FAILED: %s" % (v, how, json.dumps(j)), file=sys.stderr)
sys.exit(1 if bad else 0)
' "$1" "$2" "$3" "$4" "$(cat "$dir/queued")"
}

setup
trap teardown EXIT
first=1
for v in $VARIANTS; do
	variant "$v"
	for how in calm chaos; do
		say "$v $how: $N messages"
		read -r secs peak < <(pass "$v" "$how" $first)
		first=$((first + N))
		if row "$v" "$how" "$secs" "$peak" >> "$W/table"; then
			echo "ok soak $v $how: nothing lost, bounced or stuck, every duplicate explained, every signature there"
		else
			echo "not ok soak $v $how: see the table and $W"
			FAIL=1
			SOAK_KEEP=1
		fi
		tail -n 1 "$W/table" >&2
	done
done
echo
echo "Soak through Postfix $(postconf -h mail_version): $N messages a pass, sizes up to $MAXSIZE bytes,"
echo "20 SMTP sessions (and sendmail(1) where re-injection is SMTP); $(nproc) cores."
echo
echo "| variant | pass | messages | copies due | delivered | lost | duplicated | signed | dkimpy verified (sample) | unsigned as expected | bounced | still queued | signer peak RSS | msgs/s | faults struck |"
echo "|---|---|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---|"
cat "$W/table"
if [ -n "${SOAK_KEEP:-}" ]; then
	say "results kept in $W"
else
	rm -rf "$W"
fi
exit $FAIL
