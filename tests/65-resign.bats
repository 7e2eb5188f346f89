#!/usr/bin/env bats
# sign -I: batch re-signing of stored messages in place. Every file ends
# signed (an independent verifier agrees) or untouched (checksums) with
# its name and reason on stderr; owner, mode and mtime are kept; kill -9
# at any moment leaves every file old or new, never truncated; earlier
# signatures of our own domain can be replaced, others' are kept.

load helper

setup_file() {
	export W=$BATS_FILE_TMPDIR
	mkkeys "$W/k"
}

# gen DIR N - N messages DIR/m/NNNN.eml, and DIR/sums of them
gen() {
	mkdir -p "$1/m"
	$PY - "$1/m" "$2" <<-'PYEOF'
	import os, sys
	d, n = sys.argv[1], int(sys.argv[2])
	for i in range(n):
	    with open(os.path.join(d, "%04d.eml" % i), "wb") as f:
	        f.write(b"From: Alice <alice@example.com>\nTo: bob@example.org\nSubject: stored %d\n\n" % i)
	        f.write(b"line of message %d\n" % i * (1 + i % 50))
	PYEOF
	(cd "$1/m" && sha256sum -- * > ../sums)
}
resign() { "$DKIMPIPE" sign -I -d example.com -s e1 -k "$W/k/ed.pem" "$@"; }

@test "1,000 files in place: all verify; owner, mode, mtime kept; bad files named, byte-identical, the rest go on" {
	gen "$W/a" 1000
	m=$W/a/m
	chmod 600 "$m/0001.eml"; chmod 640 "$m/0002.eml"
	touch -d '2021-02-03 04:05:06' "$m/0003.eml"
	[ "$(id -u)" -eq 0 ] && chown nobody:nogroup "$m/0004.eml"
	before=$(stat -c '%a %U %G %Y' "$m/0001.eml" "$m/0002.eml" "$m/0003.eml" "$m/0004.eml")
	printf 'From: a@example.com\nFrom: b@example.com\n\ntwo\n' > "$m/two.eml"
	printf 'just some text\n' > "$m/junk.txt"
	cp "$m/0005.eml" "$m/ro.eml"; chmod 444 "$m/ro.eml"
	(cd "$m" && sha256sum two.eml junk.txt ro.eml > ../badsums)
	run resign -j 3 "$m"
	echo "$output" | tail -n 5
	[ "$status" -eq 65 ]
	[[ "$output" == *"$m/two.eml: message has more than one From header"* ]]
	[[ "$output" == *"$m/junk.txt: header line 1 is not a header field"* ]]
	[[ "$output" == *"$m/ro.eml: read-only file"* ]]
	[[ "${lines[-1]}" == "dkimpipe: 1000 signed, 0 unchanged (no key), 3 failed, of 1003 files" ]]
	(cd "$m" && sha256sum -c ../badsums)
	[ "$(stat -c '%a %U %G %Y' "$m/0001.eml" "$m/0002.eml" "$m/0003.eml" "$m/0004.eml")" = "$before" ]
	$PY "$LIB/resign-check.py" "$W/a/sums" "$m" | tail -n 1 | grep -q '^original 0 signed 1000 bad 0$'
	$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$m"/0*.eml > "$W/a/verify"
	[ "$(grep -c ^PASS "$W/a/verify")" -eq 1000 ]
	[ -z "$(ls -A "$m" | grep dkimpipe-resign)" ]
}

@test "kill -9 at random moments over 2,000 files, five times: every file old or new; a last run finishes the job, no temporary file left" {
	gen "$W/b" 2000
	m=$W/b/m
	for round in 1 2 3 4 5; do
		"$DKIMPIPE" sign -I -q -j 2 --replace -d example.com -s r1 -k "$W/k/rsa.pem" "$m" 2>/dev/null &
		pid=$!
		sleep "0.$((RANDOM % 5))$((RANDOM % 10))"
		pkill -KILL -f "$DKIMPIPE sign -I" 2>/dev/null || true
		wait $pid 2>/dev/null || true
		$PY "$LIB/resign-check.py" "$W/b/sums" "$m" > "$W/b/check.$round"
		echo "# after kill $round: $(tail -n 1 "$W/b/check.$round")" >&3
	done
	ls -A "$m" | grep -c dkimpipe-resign > "$W/b/temps" || true
	echo "# temporary files left by the kills: $(cat "$W/b/temps")" >&3
	resign -q -j 2 --replace "$m"
	$PY "$LIB/resign-check.py" "$W/b/sums" "$m" | tail -n 1 | grep -q '^original 0 signed 2000 bad 0$'
	[ -z "$(ls -A "$m" | grep dkimpipe-resign)" ]
	$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$m"/*.eml > "$W/b/verify" || true
	grep -v ^PASS "$W/b/verify" | head -n 3
	[ "$(grep -c ^PASS "$W/b/verify")" -eq 2000 ]
}

@test "every signed copy is on disk (fsync or syncfs after its last write) before it replaces its original, in each worker" {
	strace -qq -o /dev/null true 2> /dev/null || skip "needs strace and ptrace"
	gen "$W/d" 300
	strace -qq -ff -o "$W/d/trace" -e trace=openat,write,close,fsync,fdatasync,syncfs,rename,renameat,renameat2 \
	    "$DKIMPIPE" sign -I -q -j 2 -d example.com -s e1 -k "$W/k/ed.pem" "$W/d/m"
	run $PY "$LIB/durable-check.py" "$W"/d/trace.*
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[-1]}" == "renames 300 syncs "*" unsynced 0" ]]
	$PY "$LIB/resign-check.py" "$W/d/sums" "$W/d/m" | tail -n 1 | grep -q '^original 0 signed 300 bad 0$'
}

@test "--replace drops our own domain's earlier signatures, keeps other domains'; --replace-selector only the same selector's" {
	printf 'From: Alice <alice@example.com>\nSubject: old\n\nbody\n' > "$W/r.eml"
	"$DKIMPIPE" sign -d example.com -s old -k "$W/k/rsa.pem" "$W/r.eml" > "$W/r1.eml"
	"$DKIMPIPE" sign -d other.org -s o1 -k "$W/k/rsa.pem" "$W/r1.eml" > "$W/r2.eml"
	"$DKIMPIPE" sign -d example.com -s e1 -k "$W/k/ed.pem" "$W/r2.eml" > "$W/r3.eml"
	cp "$W/r3.eml" "$W/rep.eml"; cp "$W/r3.eml" "$W/sel.eml"; cp "$W/r3.eml" "$W/none.eml"
	resign -q --replace "$W/rep.eml"
	[ "$(signatures "$W/rep.eml" | grep -c 'd=example.com')" -eq 1 ]
	[ "$(signatures "$W/rep.eml" | grep -c 'd=other.org; s=o1')" -eq 1 ]
	[ "$(signatures "$W/rep.eml" | wc -l)" -eq 2 ]
	# the other domain's signature is byte-for-byte what it was
	diff <(signatures "$W/r3.eml" | grep d=other.org) <(signatures "$W/rep.eml" | grep d=other.org)
	resign -q --replace-selector "$W/sel.eml"
	[ "$(signatures "$W/sel.eml" | grep -c 'd=example.com; s=e1')" -eq 1 ]
	[ "$(signatures "$W/sel.eml" | grep -c 'd=example.com; s=old')" -eq 1 ]
	[ "$(signatures "$W/sel.eml" | wc -l)" -eq 3 ]
	resign -q "$W/none.eml"
	[ "$(signatures "$W/none.eml" | wc -l)" -eq 4 ]
	grep 'e1._domainkey' "$W/k/keys.txt" > "$W/keys.e1"
	$PY - "$W/rep.eml" "$W/keys.e1" <<-'PYEOF'
	import sys, dkim
	d = open(sys.argv[1], "rb").read()
	rec = open(sys.argv[2]).read().split(None, 1)[1].strip().encode()
	sys.exit(0 if dkim.verify(d, dnsfunc=lambda n, timeout=5: rec) else 1)
	PYEOF
}

@test "--files-from - with -0 takes find -print0's names, spaces and newlines included; Maildir tmp/ is skipped in a walk" {
	mkdir -p "$W/md/cur" "$W/md/new" "$W/md/tmp"
	printf 'From: a@example.com\n\nx\n' > "$W/md/cur/1 with space:2,S"
	printf 'From: a@example.com\n\nx\n' > "$W/md/new/2
newline"
	printf 'From: a@example.com\n\nbeing delivered\n' > "$W/md/tmp/3"
	cp "$W/md/tmp/3" "$W/tmp3.orig"
	find "$W/md/cur" "$W/md/new" -type f -print0 | resign -q -0 --files-from -
	[ "$(signatures "$W/md/cur/1 with space:2,S" | wc -l)" -eq 1 ]
	[ "$(signatures "$W/md/new/2
newline" | wc -l)" -eq 1 ]
	resign -q "$W/md"
	cmp "$W/md/tmp/3" "$W/tmp3.orig"
	[ "$(signatures "$W/md/cur/1 with space:2,S" | wc -l)" -eq 2 ]
}

@test "--config: dkimpipe.conf's tables choose the key; a domain without one is left unchanged and counted" {
	printf 'ed example.com:e1:%s\n' "$W/k/ed.pem" > "$W/KT"
	printf '*@example.com ed\n' > "$W/ST"
	printf 'keytable = %s\nsigningtable = refile:%s\n' "$W/KT" "$W/ST" > "$W/c.conf"
	mkdir -p "$W/c"
	printf 'From: a@example.com\n\nx\n' > "$W/c/ours.eml"
	printf 'From: a@elsewhere.example\n\nx\n' > "$W/c/theirs.eml"
	cp "$W/c/theirs.eml" "$W/theirs.orig"
	run "$DKIMPIPE" sign -I --config "$W/c.conf" "$W/c"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$output" = "dkimpipe: 1 signed, 1 unchanged (no key), 0 failed, of 2 files" ]
	cmp "$W/c/theirs.eml" "$W/theirs.orig"
	$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$W/c/ours.eml"
}

@test "a user who cannot keep a file's owner leaves it untouched and named; the user's own files are signed" {
	[ "$(id -u)" -eq 0 ] || skip "needs root to make the files of two owners"
	d=$(mktemp -d /tmp/dkimpipe-owner.XXXXXX)
	chmod 755 "$d"
	install -m 600 -o nobody "$W/k/ed.pem" "$d/key"
	mkdir -m 777 "$d/m"
	printf 'From: a@example.com\n\nroot owns this\n' > "$d/m/root.eml"
	chmod 666 "$d/m/root.eml"
	cp "$d/m/root.eml" "$d/root.orig"
	printf 'From: a@example.com\n\nnobody owns this\n' > "$d/m/mine.eml"
	chown nobody:nogroup "$d/m/mine.eml"
	run runuser -u nobody -- "$DKIMPIPE" sign -I -d example.com -s e1 -k "$d/key" "$d/m"
	echo "$output"
	[ "$status" -eq 65 ]
	[[ "$output" == *"$d/m/root.eml: cannot keep its owner and group (0:0): sign it as root or as its owner"* ]]
	[[ "${lines[-1]}" == "dkimpipe: 1 signed, 0 unchanged (no key), 1 failed, of 2 files" ]]
	cmp "$d/m/root.eml" "$d/root.orig"
	[ "$(stat -c %U "$d/m/root.eml")" = root ]
	[ "$(stat -c %U "$d/m/mine.eml")" = nobody ]
	$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$d/m/mine.eml"
	[ -z "$(ls -A "$d/m" | grep dkimpipe-resign)" ]
	rm -rf "$d"
}

@test "Maildir: a name that carries the size gets the new ,S= and ,W=, the flags after :2, kept" {
	mkdir -p "$W/sz/cur" "$W/sz/new"
	printf 'From: a@example.com\nSubject: sized\n\nbody\n' > "$W/sz/cur/1700000000.M1P2.host,S=41,W=45:2,RS"
	printf 'From: a@example.com\n\nplain name\n' > "$W/sz/new/1700000001.M2P3.host"
	resign -q "$W/sz"
	f=$(ls "$W/sz/cur")
	echo "$f"
	size=$(stat -c %s "$W/sz/cur/$f")
	lines=$(wc -l < "$W/sz/cur/$f")
	[ "$f" = "1700000000.M1P2.host,S=$size,W=$((size + lines)):2,RS" ]
	[ -e "$W/sz/new/1700000001.M2P3.host" ]
	$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$W/sz/cur/$f"
}

@test "mbox: each message signed as a reader sees it (unquoted), separators and >From quoting kept; a bad message kept as it was" {
	printf 'From alice@example.com Mon Jan  1 00:00:00 2024\nFrom: Alice <alice@example.com>\nSubject: one\n\nbody\n>From the start\n>>From deeper\n\nFrom bob@example.com Mon Jan  1 00:00:01 2024\nFrom: a@example.com\nFrom: b@example.com\n\ntwo froms\n\nFrom carol@example.com Mon Jan  1 00:00:02 2024\nFrom: Carol <carol@example.com>\n\nthird\n' > "$W/mbox"
	cp "$W/mbox" "$W/mbox.orig"
	run resign "$W/mbox"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"$W/mbox: message 2 kept unsigned: message has more than one From header"* ]]
	# without our signature fields the file is the original, byte for byte
	$PY - "$W/mbox" "$W/mbox.orig" <<-'PYEOF'
	import re, sys
	d = open(sys.argv[1], "rb").read()
	d = re.sub(rb"DKIM-Signature:[^\n]*\n(?:[ \t][^\n]*\n)*", b"", d)
	sys.exit(0 if d == open(sys.argv[2], "rb").read() else 1)
	PYEOF
	# split as mboxrd, unquote, and verify each signed message with dkimpy
	$PY - "$W/mbox" "$W/split" <<-'PYEOF'
	import os, re, sys
	os.makedirs(sys.argv[2], exist_ok=True)
	msgs, cur = [], None
	for line in open(sys.argv[1], "rb").read().splitlines(keepends=True):
	    if line.startswith(b"From "):
	        cur = []; msgs.append(cur); continue
	    cur.append(re.sub(rb"^>(>*From )", rb"\1", line))
	for i, m in enumerate(msgs):
	    open(os.path.join(sys.argv[2], "%d.eml" % (i + 1)), "wb").write(b"".join(m))
	PYEOF
	$PY "$LIB/verify-dkimpy.py" "$W/k/keys.txt" "$W/split/1.eml" "$W/split/3.eml"
	grep -q '^From the start' "$W/split/1.eml"
	[ "$(signatures "$W/split/2.eml" | wc -l)" -eq 0 ]
}

@test "progress: refreshed in place on a terminal, silent otherwise and with -q; the summary line at the end" {
	gen "$W/p" 300
	script -qec "$DKIMPIPE sign -I -j 2 -d example.com -s e1 -k $W/k/ed.pem $W/p/m" /dev/null > "$W/p/tty" 2>&1
	grep -q $'\r300/300 files, [0-9]*/s, ETA 0s' "$W/p/tty"
	grep -q 'dkimpipe: 300 signed, 0 unchanged (no key), 0 failed, of 300 files' "$W/p/tty"
	run resign "$W/p/m"
	[ "$output" = "dkimpipe: 300 signed, 0 unchanged (no key), 0 failed, of 300 files" ]
	run resign -q "$W/p/m"
	[ -z "$output" ]
}
