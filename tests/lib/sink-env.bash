# sink-env.bash - what the scripted-session suites share (57: lmtp and
# deliver with SMTP re-injection, 94: proxy): a recording next hop
# (tests/lib/smtp-sink.py) on a random loopback port, a configuration that
# signs with the ed25519 key of mkkeys "$W/k" and re-injects into it, and
# a test message. Load after helper; sink_setup in setup(), sink_teardown
# in teardown().

# sink_setup - PORT, SINK (the sink's directory), CONF, MSG
sink_setup() {
	PORT=$((20000 + RANDOM % 20000))
	SINK=$BATS_TEST_TMPDIR/sink
	CONF=$BATS_TEST_TMPDIR/dkimpipe.conf
	printf '%s\n' "domain = example.com" "selector = e1" "keyfile = $W/k/ed.pem" \
	    "reinject = smtp:[127.0.0.1]:$PORT" "sendmail_path = /nonexistent/sendmail" \
	    "log_to = stderr" > "$CONF"
	MSG=$BATS_TEST_TMPDIR/in.eml
	printf 'From: Alice <alice@example.com>\nTo: bob@example.org\nSubject: hi\n\nhello\n.a line with a leading dot\n' > "$MSG"
}

sink_teardown() {
	[ -n "${SINK_PID:-}" ] && kill "$SINK_PID" 2>/dev/null
	return 0
}

# start_sink [EXTENSIONS] - the sink, offering EXTENSIONS (default: SINK_EXT's)
start_sink() {
	if [ $# -gt 0 ]; then
		SINK_EXT=$1 $PY "$LIB/smtp-sink.py" "$PORT" "$SINK" 2>/dev/null 3>&- &
	else
		$PY "$LIB/smtp-sink.py" "$PORT" "$SINK" 2>/dev/null 3>&- &
	fi
	SINK_PID=$!
	for i in $(seq 50); do
		[ -e "$SINK/ready" ] && return 0
		sleep 0.1
	done
	return 1
}
stop_sink() { kill "$SINK_PID"; wait "$SINK_PID" 2>/dev/null || true; SINK_PID=; }

# stored - how many messages the sink holds
stored() { ls "$SINK" 2>/dev/null | grep -c '\.eml$' || true; }
