#!/usr/bin/env bats
# Memory safety: the whole signing corpus, refusals, deliver, verify and
# key commands run clean under AddressSanitizer + UndefinedBehaviorSanitizer
# (any report aborts with a non-zero status) and under valgrind memcheck,
# and the sanitized binary's output is byte-identical to the normal one.

load helper

ASAN=$TOP/dkimpipe-asan

setup_file() {
	export W=$BATS_FILE_TMPDIR
	export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99
	export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
	[ -x "$TOP/dkimpipe-asan" ] || make -s -C "$TOP" dkimpipe-asan
	mkkeys "$W/k"
	$PY "$LIB/mkcorpus.py" "$W/corpus"
}

@test "ASan/UBSan: every corpus message signs cleanly and identically" {
	for m in "$W"/corpus/*.eml; do
		for c in relaxed/relaxed simple/simple; do
			"$ASAN" sign -t $T0 -c $c -d example.com -s r1 -k "$W/k/rsa.pem" -s e1 -k "$W/k/ed.pem" "$m" > "$W/a.out" 2> "$W/a.err" ||
			    { echo "$m $c: $(cat "$W/a.err")"; false; }
			"$DKIMPIPE" sign -t $T0 -c $c -d example.com -s r1 -k "$W/k/rsa.pem" -s e1 -k "$W/k/ed.pem" "$m" > "$W/n.out"
			cmp "$W/a.out" "$W/n.out"
		done
	done
}

@test "ASan/UBSan: hostile input and refusals" {
	printf 'From: a@example.com\nFrom: b@example.com\n\nx\n' > "$W/two.eml"
	printf ' \n\n' > "$W/ws.eml"
	head -c 300000 /dev/urandom > "$W/random.eml"
	$PY -c 'import sys; sys.stdout.write("From: a@example.com\n" + "X-Long: " + "a" * 2000000 + "\n\nbody")' > "$W/longhdr.eml"
	$PY -c 'import sys; sys.stdout.write("From: a@example.com\n" + "X: y\n" * 20000 + "\nbody")' > "$W/manyhdr.eml"
	$PY -c 'import sys; sys.stdout.write("From: (((((((a@example.com\n\n" + "\r" * 100000)' > "$W/cr.eml"
	printf 'From: "unterminated <a@example.com\n\nx\n' > "$W/q.eml"
	: > "$W/empty.eml"
	for f in two ws random longhdr manyhdr cr q empty; do
		"$ASAN" sign -d example.com -s e1 -k "$W/k/ed.pem" "$W/$f.eml" > /dev/null 2> "$W/err" && st=0 || st=$?
		echo "$f: $st $(head -c 300 "$W/err")"
		[ "$st" -ne 99 ] && ! grep -q -e AddressSanitizer -e 'runtime error' "$W/err"
		"$ASAN" verify -K "$W/k/keys.txt" "$W/$f.eml" > /dev/null 2> "$W/err" || true
		! grep -q -e AddressSanitizer -e 'runtime error' -e LeakSanitizer "$W/err"
	done
}

@test "ASan/UBSan: deliver, verify, check, keygen, dnsrecord" {
	export FAKE_DIR=$W/fake; mkdir -p "$FAKE_DIR"
	printf 'domain = example.com\nselector = e1\nkeyfile = %s\nsendmail_path = %s\n' "$W/k/ed.pem" "$LIB/fake-sendmail" > "$W/c.conf"
	"$ASAN" deliver -c "$W/c.conf" -q Q1 -f a@example.com -- b@example.org < "$W/corpus/17-multipart.eml"
	"$ASAN" verify -K "$W/k/keys.txt" "$FAKE_DIR/msg.1"
	"$ASAN" check -c "$W/c.conf"
	"$ASAN" keygen -d example.com -s asan -t ed25519 -D "$W" > /dev/null
	"$ASAN" keygen -d example.com -s asanrsa -b 1024 -D "$W" > /dev/null
	"$ASAN" dnsrecord -k "$W/asanrsa.private" -s asanrsa > /dev/null
	FAKE_STATUS=1 "$ASAN" deliver -c "$W/c.conf" -f a@example.com -- b@example.org < "$W/corpus/01-plain.eml" > "$W/o" 2>&1 || st=$?
	[ "$st" -eq 75 ]
	! grep -q -e AddressSanitizer -e 'runtime error' "$W/o"
}

@test "valgrind: no memory errors in sign, deliver and verify" {
	command -v valgrind > /dev/null || skip "valgrind not installed"
	V=(valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite)
	"${V[@]}" "$DKIMPIPE" sign -d example.com -s r1 -k "$W/k/rsa.pem" -s e1 -k "$W/k/ed.pem" "$W/corpus/18-large-body.eml" > "$W/v.eml"
	"${V[@]}" "$DKIMPIPE" sign -d example.com -s r1 -k "$W/k/rsa.pem" "$W/corpus/08-bare-cr.eml" > /dev/null
	"${V[@]}" "$DKIMPIPE" verify -K "$W/k/keys.txt" "$W/v.eml"
	export FAKE_DIR=$W/fakev; mkdir -p "$FAKE_DIR"
	printf 'domain = example.com\nselector = e1\nkeyfile = %s\nsendmail_path = %s\n' "$W/k/ed.pem" "$LIB/fake-sendmail" > "$W/c.conf"
	"${V[@]}" --trace-children=no "$DKIMPIPE" deliver -c "$W/c.conf" -f a@example.com -- b@example.org < "$W/corpus/12-folded-headers.eml"
	"${V[@]}" "$DKIMPIPE" check -c "$W/c.conf" > /dev/null
}
