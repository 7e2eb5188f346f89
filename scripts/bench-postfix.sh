#!/bin/bash
# bench-postfix.sh [MESSAGES [ROUNDS [BYTES]]] - messages per second through a
# real Postfix on loopback, for each way of signing its outgoing mail:
#   none     no signing (the ceiling)
#   milter   the OpenDKIM milter on the submission smtpd (what users run today)
#   floor    pipe(8) running "exec sendmail -G" from a shell, no signing
#            (the floor of any pipe(8) signer)
#   deliver  dkimpipe deliver under pipe(8)  (examples/master.cf, dkimsign)
#   lmtp     dkimpipe lmtp under spawn(8)    (examples/master.cf, dkimspawn)
#   lmtp-smtp  the same with reinject = smtp:[127.0.0.1]:10026
#   transport-deliver  the two-instance recipe (README, "Routed by
#            transport maps"): sender_dependent_default_transport_maps to
#            dkimpipe deliver, SMTP re-injection into the output instance
#   transport-lmtp  the same with dkimpipe lmtp under spawn(8)
#   proxy    dkimpipe proxy, before the queue (examples/proxy.master.cf:
#            smtpd_proxy_filter with speed_adjust, spawn(8), SMTP on to
#            the re-injection smtpd): one queue pass per message
#   proxy-master  the same proxy run by Postfix's master(8) itself
#            (README: one process serves many connections, keys decoded
#            and the connection to the re-injection smtpd kept)
#   proxy-floor  the proxy run by master(8) with a configuration that
#            holds no key for the senders' domain: every message is passed
#            on unsigned (the floor of the before-queue design)
#   proxy-none  smtpd_proxy_filter straight to the re-injection smtpd,
#            no program between: what smtpd_proxy_filter itself costs,
#            the floor of any before-queue proxy, ours or another
#   proxy-none-unix  the same over UNIX-domain sockets: smtpd_proxy_filter
#            = unix:private/reinject, a copy of the re-injection smtpd
#            listening there
#   rspamd   rspamd's milter doing only DKIM signing (FACTS: its own
#            rspamd.conf, rspamd_proxy in self-scan mode), when rspamd is
#            installed; left out otherwise
# Postfix's smtp-source sends MESSAGES (default 300) messages of BYTES (default 4096) over 10
# parallel sessions to port 587; Postfix relays them to Postfix's
# smtp-sink on 127.0.0.1:2525. A round ends when the sink has stored every
# message; one more or one less fails the run. Modes are interleaved for ROUNDS
# (default 3) rounds; the table gives medians and ratios against "none"
# and "milter" from the same run. Every signing mode's last messages are
# checked: each carries one rsa-2048 signature that dkimpy verifies.
#
# It runs as root inside tests/sandbox.sh (the tests' private Postfix:
# the host's mail system is not touched) and prints a Markdown table.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
. "$TOP/tests/lib/in-sandbox.bash"
N=${1:-300}
ROUNDS=${2:-3}
BYTES=${3:-4096}
# BENCH_MODES in the environment picks some of them
MODES=${BENCH_MODES:-none milter floor deliver lmtp lmtp-smtp transport-deliver transport-lmtp proxy proxy-master proxy-floor proxy-none proxy-none-unix rspamd}
command -v rspamd > /dev/null || MODES=$(echo "$MODES" | sed 's/ *rspamd//')
BATS_TEST_DIRNAME=$TOP/tests
. "$TOP/tests/helper.bash"
. "$TOP/tests/lib/postfix-env.bash"
W=$(mktemp -d /tmp/bench-postfix.XXXXXX)
chmod 755 "$W"

setup() {
	pf_setup "$W" 2>/dev/null || { echo "bench-postfix: Postfix did not start" >&2; exit 1; }
	# Postfix's own sink instead of the tests' Python one
	kill "$(cat "$W/sink.pid")" 2>/dev/null
	sleep 0.5
	mkdir -p "$W/dump" && chmod 777 "$W/dump"
	smtp-sink -u nobody -d "$W/dump/%H%M%S." 127.0.0.1:$SINK_PORT 256 &
	SINK=$!
	# one rsa-2048 signature per message, as the milter makes
	printf '*@example.com rsa\n' > /etc/dkimpipe/SigningTable
	# the pipe(8) floor: a shell that only execs sendmail -G
	printf '#!/bin/sh\ns=$1\nshift\nexec /usr/sbin/sendmail -G -i -f "$s" -- "$@"\n' > "$W/floor.sh"
	chmod 755 "$W/floor.sh"
	cat >> /etc/postfix/master.cf <<-EOF
	floor     unix  -       n       n       -       10      pipe
	  null_sender= user=dkimpipe argv=$W/floor.sh \${sender} \${recipient}
	EOF
	echo 'floor_destination_recipient_limit = 100' >> /etc/postfix/main.cf
	# the before-queue proxy and its non-signing floor, as in
	# examples/proxy.master.cf; the floor's configuration has no key for
	# example.com
	cat >> /etc/postfix/master.cf <<-EOF
	127.0.0.1:10027 inet n  n       n       -       20      spawn
	  user=dkimpipe argv=/usr/local/sbin/dkimpipe proxy
	127.0.0.1:10031 inet n  -       n       -       20      dkimpipe
	  proxy -c /etc/dkimpipe/floor.conf user=dkimpipe
	127.0.0.1:10032 inet n  -       n       -       20      dkimpipe
	  proxy user=dkimpipe
	EOF
	# master(8) runs commands from daemon_directory: a private copy with
	# the link the README's recipe makes
	mkdir -p "$W/sbin"
	cp -a /usr/lib/postfix/sbin/. "$W/sbin/"
	ln -sf /usr/local/sbin/dkimpipe "$W/sbin/dkimpipe"
	mount --bind "$W/sbin" /usr/lib/postfix/sbin
	# the re-injection smtpd once more, on a UNIX-domain socket
	awk '/^127\.0\.0\.1:10026 /{ print "reinject unix - - n - - smtpd"; on = 1; next }
	    on && /^[ \t]/ { print; next } { on = 0 }' /etc/postfix/master.cf > "$W/reinject.cf"
	cat "$W/reinject.cf" >> /etc/postfix/master.cf
	printf 'domain = nokey.invalid\nselector = r1\nkeyfile = /etc/dkimpipe/keys/r1.private\nreinject = smtp:[127.0.0.1]:10026\n' > /etc/dkimpipe/floor.conf
	case " $MODES " in *" rspamd "*) rspamd_start ;; esac
	# the output instance of the two-instance recipe, idle until used
	sh "$TOP/scripts/postfix-out-instance.sh" > "$W/out.log" 2>&1 ||
	    { cat "$W/out.log" >&2; exit 1; }
	/usr/lib/postfix/configure-instance.sh postfix-out >/dev/null 2>&1
	postfix -c /etc/postfix-out start >/dev/null 2>&1
	cp /etc/postfix/master.cf "$W/master.base"
	cp /etc/postfix/main.cf "$W/main.base"
	cp /etc/dkimpipe/dkimpipe.conf "$W/dkimpipe.base"
	# the OpenDKIM milter, signing with the same key; it wants its files
	# where no other user can write
	OD=/etc/dkimpipe/opendkim
	install -d -m 755 "$OD"
	install -m 600 -o opendkim /etc/dkimpipe/keys/r1.private "$OD/opendkim.key"
	cat > "$OD/opendkim.conf" <<-EOF
	Mode s
	Domain example.com
	Selector r1
	KeyFile $OD/opendkim.key
	Canonicalization relaxed/relaxed
	Socket inet:8891@127.0.0.1
	UserID opendkim
	PidFile $OD/opendkim.pid
	Syslog no
	Background yes
	EOF
	opendkim -x "$OD/opendkim.conf" || { echo "bench-postfix: opendkim did not start" >&2; exit 1; }
}

# rspamd_start - rspamd's milter, DKIM signing only, with the same key:
# its built-in dkim module (filters) and of its Lua plugins only
# dkim_signing (a configuration of its own must name the plugins path)
rspamd_start() {
	RS=$W/rspamd
	install -d -o _rspamd -g _rspamd "$RS" "$RS/db" "$RS/run"
	install -m 600 -o _rspamd /etc/dkimpipe/keys/r1.private "$RS/r1.key"
	cat > "$RS/rspamd.conf" <<-EOF
	options { filters = "dkim"; local_addrs = ["127.0.0.0/8"];
	  dns { nameserver = ["127.0.0.1:53"]; }
	  dbdir = "$RS/db"; rundir = "$RS/run"; pidfile = "$RS/run/rspamd.pid"; }
	logging { type = "file"; filename = "$RS/rspamd.log"; level = "error"; }
	modules { path = "\$PLUGINSDIR/dkim_signing.lua"; }
	worker "rspamd_proxy" { bind_socket = "127.0.0.1:11332"; milter = yes; count = 2;
	  upstream "local" { default = yes; self_scan = yes; } }
	dkim_signing { domain { "example.com" { selector = "r1"; path = "$RS/r1.key"; } }
	  sign_local = true; sign_networks = ["127.0.0.0/8"]; allow_username_mismatch = true;
	  use_redis = false; check_pubkey = false; }
	EOF
	rspamd -f -u _rspamd -g _rspamd -c "$RS/rspamd.conf" > "$RS/out.log" 2>&1 &
	RSPAMD=$!
	for i in $(seq 600); do		# it may take a while on a busy machine
		(exec 9<>/dev/tcp/127.0.0.1/11332) 2>/dev/null && return 0
		sleep 0.1
	done
	echo "bench-postfix: rspamd did not start; left out" >&2
	cat "$RS/out.log" >&2
	MODES=$(echo "$MODES" | sed 's/ *rspamd//')
}

mode() {	# mode NAME - route submission mail as NAME does
	local to
	case $1 in
	none)	 to="content_filter=" ;;
	milter)	 to="smtpd_milters=inet:127.0.0.1:8891" ;;
	floor)	 to="content_filter=floor:dummy" ;;
	deliver) to="content_filter=dkimsign:dummy" ;;
	lmtp|lmtp-smtp) to="content_filter=dkimlmtp:unix:private/dkimspawn" ;;
	transport-*) to="content_filter=" ;;
	proxy)	 to="smtpd_proxy_filter=127.0.0.1:10027 -o smtpd_proxy_options=speed_adjust" ;;
	proxy-floor) to="smtpd_proxy_filter=127.0.0.1:10031 -o smtpd_proxy_options=speed_adjust" ;;
	proxy-master) to="smtpd_proxy_filter=127.0.0.1:10032 -o smtpd_proxy_options=speed_adjust" ;;
	proxy-none) to="smtpd_proxy_filter=127.0.0.1:10026 -o smtpd_proxy_options=speed_adjust" ;;
	proxy-none-unix) to="smtpd_proxy_filter=unix:private/reinject -o smtpd_proxy_options=speed_adjust" ;;
	rspamd)	 to="smtpd_milters=inet:127.0.0.1:11332" ;;
	esac
	cp "$W/dkimpipe.base" /etc/dkimpipe/dkimpipe.conf
	cp "$W/main.base" /etc/postfix/main.cf
	case $1 in lmtp-smtp|proxy|proxy-master) echo 'reinject = smtp:[127.0.0.1]:10026' >> /etc/dkimpipe/dkimpipe.conf ;; esac
	case $1 in
	transport-*)
		echo 'reinject = smtp:[127.0.0.1]:10028' >> /etc/dkimpipe/dkimpipe.conf
		if [ "$1" = transport-lmtp ]; then
			echo '@example.com dkimlmtp:unix:private/dkimspawn' > "$W/senders"
		else
			echo '@example.com dkimsign:dummy' > "$W/senders"
		fi
		postconf -e "sender_dependent_default_transport_maps = texthash:$W/senders" ;;
	esac
	sed "s|content_filter=dkimsign:dummy|$to|" "$W/master.base" > /etc/postfix/master.cf
	postfix reload >/dev/null 2>&1
	sleep 1
}

# delivered - messages the sink has stored (one file each)
delivered() { find "$W/dump" -type f | wc -l; }

round() {	# round - send N messages, print seconds until all were delivered
	local before t0 t1 i
	before=$(delivered)
	t0=$(date +%s.%N)
	smtp-source -s 10 -m "$N" -l "$BYTES" -f alice@example.com -t bob@example.org \
	    127.0.0.1:587 || return 1
	for i in $(seq 3000); do
		[ "$(delivered)" -ge $((before + N)) ] && break
		sleep 0.05
	done
	t1=$(date +%s.%N)
	sleep 0.5	# a late duplicate would show now
	[ "$(delivered)" -eq $((before + N)) ] || { echo "lost or duplicated: $(( $(delivered) - before )) of $N" >&2; return 1; }
	echo "$t0 $t1" | awk '{printf "%.3f\n", $2 - $1}'
}

check() {	# check MODE - the newest messages at the sink are signed and verify
	local f n=0
	for f in $(ls -t "$W"/dump/* | head -n 5); do
		[ "$(signatures "$f" | wc -l)" -eq 1 ] || { echo "$1: $f has $(signatures "$f" | wc -l) signatures" >&2; return 1; }
		$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$f" > /dev/null || { echo "$1: $f does not verify" >&2; return 1; }
		n=$((n + 1))
	done
	[ "$n" -eq 5 ]
}

setup
for r in $(seq "$ROUNDS"); do
	for m in $MODES; do
		mode "$m"
		s=$(round) || { echo "bench-postfix: mode $m failed" >&2; grep -E "warning|error|fatal|panic|reject" "$PF_LOG" | tail -n 20 >&2; exit 1; }
		echo "$m $s" >> "$W/times"
		echo "round $r: $m: $N messages in $s s" >&2
		case $m in
		none|floor|proxy-floor|proxy-none*) ;;
		rspamd) check "$m" || echo "bench-postfix: rspamd did not sign; its figure is not a signing one" >&2 ;;
		*) check "$m" || exit 1 ;;
		esac
		wait_for queue_empty
		wait_for eval '[ -z "$(postqueue -c /etc/postfix-out -j)" ]'
	done
done
postfix stop >/dev/null 2>&1
postfix -c /etc/postfix-out stop >/dev/null 2>&1
kill "$SINK" "$(cat "$OD/opendkim.pid")" ${RSPAMD:-} 2>/dev/null
umount /usr/lib/postfix/sbin 2>/dev/null

echo
echo "Messages per second through Postfix $(postconf -h mail_version), $N messages of $BYTES bytes"
echo "from 10 parallel SMTP sessions, median of $ROUNDS interleaved rounds; $(nproc) cores"
echo "($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'))."
echo
echo "| path | msgs/s | vs no signing | vs OpenDKIM milter |"
echo "|---|---:|---:|---:|"
awk -v n="$N" '
	{ t[$1] = t[$1] " " $2 }
	function median(s,   a, k, i, j, x) {
		k = split(s, a, " ")
		for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] < a[i]) { x = a[i]; a[i] = a[j]; a[j] = x }
		return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
	}
	END {
		k = split("none milter floor deliver lmtp lmtp-smtp transport-deliver transport-lmtp proxy proxy-master proxy-floor proxy-none proxy-none-unix rspamd", order, " ")
		name["none"] = "no signing"
		name["milter"] = "OpenDKIM milter on the smtpd (rsa-2048)"
		name["floor"] = "pipe(8) running `exec sendmail -G`, no signing"
		name["deliver"] = "`dkimpipe deliver`, pipe(8) (rsa-2048)"
		name["lmtp"] = "`dkimpipe lmtp`, spawn(8), `sendmail -G` (rsa-2048)"
		name["lmtp-smtp"] = "`dkimpipe lmtp`, spawn(8), SMTP re-injection (rsa-2048)"
		name["transport-deliver"] = "two instances by transport map, `dkimpipe deliver`, pipe(8), SMTP (rsa-2048)"
		name["transport-lmtp"] = "two instances by transport map, `dkimpipe lmtp`, spawn(8), SMTP (rsa-2048)"
		name["proxy"] = "`dkimpipe proxy`, before the queue, spawn(8) (rsa-2048)"
		name["proxy-master"] = "`dkimpipe proxy` run by master(8), before the queue (rsa-2048)"
		name["proxy-floor"] = "`dkimpipe proxy` run by master(8), passing on unsigned (the before-queue floor)"
		name["proxy-none"] = "smtpd_proxy_filter straight to the re-injection smtpd, no program between (the floor of any before-queue proxy)"
		name["proxy-none-unix"] = "the same over UNIX-domain sockets"
		name["rspamd"] = "rspamd milter, DKIM signing only (rsa-2048)"
		for (i = 1; i <= k; i++) if (order[i] in t) rate[order[i]] = n / median(t[order[i]])
		for (i = 1; i <= k; i++) {
			m = order[i]
			if (!(m in t)) continue
			vs = ("milter" in rate) ? sprintf("%.2fx", rate[m] / rate["milter"]) : "-"
			vn = ("none" in rate) ? sprintf("%.2fx", rate[m] / rate["none"]) : "-"
			printf "| %s | %.0f | %s | %s |\n", name[m], rate[m], vn, vs
		}
	}' "$W/times"
rm -rf "$W"
