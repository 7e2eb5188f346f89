#!/usr/bin/env bats
# Bounded memory: a 200 MB message streams through a temporary spool file
# with a peak RSS under 16 MiB, the signature still verifies, and the
# spool file is gone afterwards.

load helper

setup_file() {
	export W=$BATS_FILE_TMPDIR
	mkkeys "$W/k"
}

gen() {	# gen MB - a message with MB megabytes of body on stdout
	$PY -c 'import sys
sys.stdout.buffer.write(b"From: alice@example.com\nTo: bob@example.org\nSubject: big\n\n")
line = b"0123456789 abcdefghijklmnopqrstuvwxyz  ABCDEFGHIJKLMNOPQRSTUVWXYZ \t trailing \n"
chunk = line * (1048576 // len(line) + 1)
for i in range(int(sys.argv[1])):
    sys.stdout.buffer.write(chunk[:1048576])' "$1"
}

@test "200 MB message: peak RSS under 16 MiB, signature verifies, spool removed" {
	mkdir -p "$W/tmp"
	gen 200 | TMPDIR=$W/tmp /usr/bin/time -f '%M' -o "$W/rss" \
	    "$DKIMPIPE" sign -d example.com -s e1 -k "$W/k/ed.pem" > "$W/big.eml"
	rss=$(tail -n 1 "$W/rss")
	echo "peak RSS ${rss} KiB"
	[ "$rss" -lt 16384 ]
	[ "$(stat -c %s "$W/big.eml")" -gt 209715200 ]
	[ -z "$(ls -A "$W/tmp")" ]
	run $PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$W/big.eml"
	echo "$output"
	[ "$status" -eq 0 ]
	rm -f "$W/big.eml"
}

@test "spool file is removed when the signer is killed mid-message" {
	mkdir -p "$W/tmp2"
	( gen 2; sleep 3 ) 2>/dev/null | TMPDIR=$W/tmp2 "$DKIMPIPE" sign -d example.com -s e1 \
	    -k "$W/k/ed.pem" > /dev/null 2>&1 3>&- &
	pid=$!
	sleep 1
	# the spool exists only as an open, already unlinked file
	[ -z "$(ls -A "$W/tmp2")" ]
	ls -l /proc/$pid/fd | grep -q "$W/tmp2/dkimpipe.* (deleted)"
	kill -9 $pid
	wait $pid || true
	[ -z "$(ls -A "$W/tmp2")" ]
}
