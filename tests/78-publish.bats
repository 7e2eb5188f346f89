#!/usr/bin/env bats
# The shipped publish commands for key rotation: scripts/publish-nsupdate
# against a real BIND 9 named on loopback (dynamic updates signed with
# TSIG; what it serves read back with dig, and by dkimpipe testkey), and
# scripts/publish-zonefile's fragment checked by named-checkzone.

bats_require_minimum_version 1.5.0
load helper
load lib/bind-env

NSU=$TOP/scripts/publish-nsupdate
ZF=$TOP/scripts/publish-zonefile

setup_file() {
	export W=$BATS_FILE_TMPDIR
	mkdir -p "$W/k"
	"$DKIMPIPE" keygen -d example.com -s s1 -D "$W/k" > /dev/null
	"$DKIMPIPE" keygen -d example.com -s s2 -D "$W/k" > /dev/null
	if [ "$(id -u)" -eq 0 ] && [ -n "${DKIMPIPE_SANDBOX:-}" ] && command -v named > /dev/null; then
		bind_start "$W/bind"
	fi
}

teardown_file() {
	bind_stop "$W/bind"
}

setup() {
	NAME=s1._domainkey.example.com
	R1=$(record s1)
	R2=$(record s2)
	case $BATS_TEST_DESCRIPTION in
	nsupdate:*)
		[ "$(id -u)" -eq 0 ] && [ -n "${DKIMPIPE_SANDBOX:-}" ] ||
		    skip "needs root and tests/sandbox.sh (make check)"
		command -v named > /dev/null && command -v nsupdate > /dev/null ||
		    skip "needs bind9 and bind9-dnsutils" ;;
	*)
		command -v named-checkzone > /dev/null || skip "needs bind9-utils" ;;
	esac
}

# record SEL - the TXT value of key SEL, as dnsrecord -1 prints it
record() {
	"$DKIMPIPE" dnsrecord -1 -k "$W/k/$1.private" -s "$1" -d example.com | cut -f 3-
}

# served NAME - how many TXT records named serves for NAME
served() {
	bind_txt "$1" | grep -c . || true
}

@test "nsupdate: add publishes a 2048-bit RSA record exactly, testkey finds it" {
	[ "${#R1}" -gt 255 ]
	run "$NSU" "$W/bind/nsupdate.conf" add example.com s1 "$R1"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[ "$(bind_txt $NAME)" = "$R1" ]
	# split into character-strings of at most 255 bytes
	dig @127.0.0.1 -p $BIND_PORT +short $NAME TXT | grep -q '^"[^"]\{255\}" "'
	run "$DKIMPIPE" testkey -d example.com -s s1 -k "$W/k/s1.private" -n 127.0.0.1:$BIND_PORT
	echo "$output"
	[ "$status" -eq 0 ]
	[[ $output == *OK* ]]
}

@test "nsupdate: add again replaces the record, one record only" {
	"$NSU" "$W/bind/nsupdate.conf" add example.com s1 "$R1"
	run "$NSU" "$W/bind/nsupdate.conf" add example.com s1 "$R2"
	[ "$status" -eq 0 ]
	[ "$(served $NAME)" -eq 1 ]
	[ "$(bind_txt $NAME)" = "$R2" ]
	run "$DKIMPIPE" testkey -d example.com -s s1 -k "$W/k/s1.private" -n 127.0.0.1:$BIND_PORT
	echo "$output"
	[ "$status" -ne 0 ]
}

@test "nsupdate: remove withdraws the record and leaves other selectors" {
	"$NSU" "$W/bind/nsupdate.conf" add example.com s1 "$R1"
	"$NSU" "$W/bind/nsupdate.conf" add example.com s2 "$R2"
	run "$NSU" "$W/bind/nsupdate.conf" remove example.com s1 "$R1"
	[ "$status" -eq 0 ]
	[ -z "$(bind_txt $NAME)" ]
	[ "$(bind_txt s2._domainkey.example.com)" = "$R2" ]
	# removing what is not there is done, too
	run "$NSU" "$W/bind/nsupdate.conf" remove example.com s1 "$R1"
	[ "$status" -eq 0 ]
	"$NSU" "$W/bind/nsupdate.conf" remove example.com s2 "$R2"
	[ -z "$(bind_txt s2._domainkey.example.com)" ]
}

@test "nsupdate: bad input exits 64 with one line and sends nothing" {
	local sel rec serial
	serial=$(dig @127.0.0.1 -p $BIND_PORT +short example.com SOA | awk '{print $3}')
	for args in "add example.com|s 1|v=DKIM1; p=x" "add example.com|s1|v=DKIM1; p=\"x" \
	    "add example.com|s1|v=DKIM1; p=\\x" "add exa mple.com|s1|v=DKIM1" \
	    "add example.com|s1;x|v=DKIM1" "add example.com|s1|" "publish example.com|s1|v=DKIM1" \
	    "add .example.com|s1|v=DKIM1" "add example.com|s1|$(printf 'v=DKIM1;\tp=x')"; do
		IFS='|' read -r act sel rec <<< "$args"
		run "$NSU" "$W/bind/nsupdate.conf" ${act% *} "${act#* }" "$sel" "$rec"
		echo "$args -> $status: $output"
		[ "$status" -eq 64 ]
		[ "${#lines[@]}" -eq 1 ]
	done
	run "$NSU" "$W/bind/nsupdate.conf" add example.com s1
	[ "$status" -eq 64 ]
	[ "$(dig @127.0.0.1 -p $BIND_PORT +short example.com SOA | awk '{print $3}')" = "$serial" ]
}

@test "nsupdate: a bad CONF exits 78, a wrong TSIG key 75" {
	printf 'port=%s\n' $BIND_PORT > "$BATS_TEST_TMPDIR/c1"
	run "$NSU" "$BATS_TEST_TMPDIR/c1" add example.com s1 "$R1"
	[ "$status" -eq 78 ]
	printf 'server=127.0.0.1\nsevrer=x\n' > "$BATS_TEST_TMPDIR/c2"
	run "$NSU" "$BATS_TEST_TMPDIR/c2" add example.com s1 "$R1"
	[ "$status" -eq 78 ]
	[[ $output == *c2:2:* ]]
	run "$NSU" "$BATS_TEST_TMPDIR/none" add example.com s1 "$R1"
	[ "$status" -eq 78 ]
	# comments, blanks and spaces around = are fine; another key is refused
	tsig-keygen -a hmac-sha256 dkimtest-key > "$BATS_TEST_TMPDIR/other.key"
	printf '# test\n\n  server = 127.0.0.1\nport=%s\nkey=%s\n' $BIND_PORT \
	    "$BATS_TEST_TMPDIR/other.key" > "$BATS_TEST_TMPDIR/c3"
	run "$NSU" "$BATS_TEST_TMPDIR/c3" add example.com s1 "$R1"
	echo "$output"
	[ "$status" -eq 75 ]
	[ "${#lines[@]}" -eq 1 ]
	[ -z "$(bind_txt $NAME)" ]
	[[ $output != *"$(sed -n 's/.*secret "\(.*\)".*/\1/p' "$BATS_TEST_TMPDIR/other.key")"* ]]
}

@test "nsupdate: the server down exits 75 at once, one line on stderr" {
	printf 'server=127.0.0.1\nport=5399\nzone=example.com\nkey=%s\n' \
	    "$W/bind/tsig.key" > "$BATS_TEST_TMPDIR/down.conf"
	SECONDS=0
	run --separate-stderr "$NSU" "$BATS_TEST_TMPDIR/down.conf" add example.com s1 "$R1"
	echo "$status: $stderr"
	[ "$status" -eq 75 ]
	[ -z "$output" ]
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
	[[ $stderr == publish-nsupdate:* ]]
	[ "$SECONDS" -lt 5 ]
}

@test "nsupdate: a server that never answers exits 75 well within 30 s" {
	local pid
	pid=$(cat "$W/bind/bind.pid")
	kill -STOP "$pid"
	SECONDS=0
	run --separate-stderr "$NSU" "$W/bind/nsupdate.conf" add example.com s1 "$R1"
	kill -CONT "$pid"
	echo "$status after $SECONDS s: $stderr"
	[ "$status" -eq 75 ]
	[ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
	[ "$SECONDS" -lt 28 ]
}

# zone DIR - a small zone for example.com that includes DIR's fragment
zone() {
	cat > "$1/example.com.zone" <<-EOF
	\$TTL 300
	@	IN SOA ns.example.com. hostmaster.example.com. 1 3600 600 86400 300
	@	IN NS ns.example.com.
	ns	IN A 127.0.0.1
	\$INCLUDE $1/example.com.dkim
	EOF
}

@test "zonefile: add, add, remove keep a fragment named-checkzone accepts" {
	local d=$BATS_TEST_TMPDIR/zones
	mkdir -m 700 "$d"
	zone "$d"
	run "$ZF" "$d" add example.com s1 "$R1"
	[ "$status" -eq 0 ]
	[ "$(stat -c %a "$d/example.com.dkim")" = 644 ]
	"$ZF" "$d" add example.com s2 "$R2"
	"$ZF" "$d" add example.com s1 "$R2"
	named-checkzone -q example.com "$d/example.com.zone"
	named-checkzone -D -o "$d/out" example.com "$d/example.com.zone" > /dev/null
	[ "$(grep -c 'TXT' "$d/out")" -eq 2 ]
	[ "$(grep -c '^s1\._domainkey' "$d/example.com.dkim")" -eq 1 ]
	grep -q "^s1._domainkey.example.com. 300 IN TXT ( \"${R2:0:255}\" \"${R2:255}\" )\$" \
	    "$d/example.com.dkim"
	run "$ZF" "$d" remove example.com s1 "$R2"
	[ "$status" -eq 0 ]
	[ "$(stat -c %a "$d/example.com.dkim")" = 644 ]
	named-checkzone -q example.com "$d/example.com.zone"
	[ "$(grep -c '^s1\.' "$d/example.com.dkim")" -eq 0 ]
	grep -q "^s2._domainkey.example.com. 300 IN TXT ( \"${R2:0:255}\" \"${R2:255}\" )\$" \
	    "$d/example.com.dkim"
	[ "$(ls -A "$d")" = "$(printf 'example.com.dkim\nexample.com.zone\nout')" ]
	"$ZF" "$d" remove example.com s2 "$R2"
	named-checkzone -q example.com "$d/example.com.zone"
	[ "$(grep -vc '^;' "$d/example.com.dkim")" -eq 0 ]
}

@test "zonefile: named-checkzone reads back the very record" {
	local d=$BATS_TEST_TMPDIR/zones
	mkdir "$d"
	zone "$d"
	"$ZF" "$d" add example.com s1 "$R1"
	named-checkzone -D -o "$d/out" example.com "$d/example.com.zone" > /dev/null
	grep '^s1\._domainkey' "$d/out" | grep -o '"[^"]*"' | tr -d '"\n' > "$d/got"
	[ "$(cat "$d/got")" = "$R1" ]
}

@test "zonefile: bad input exits 64 and leaves the file, a missing DIR 78" {
	local d=$BATS_TEST_TMPDIR/zones
	mkdir "$d"
	"$ZF" "$d" add example.com s1 "$R1"
	cp "$d/example.com.dkim" "$d/before"
	run "$ZF" "$d" add example.com "s 1" "$R1"
	[ "$status" -eq 64 ]
	[ "${#lines[@]}" -eq 1 ]
	run "$ZF" "$d" add example.com s1 'v=DKIM1; p="x'
	[ "$status" -eq 64 ]
	run "$ZF" "$d" add ../example.com s1 "$R1"
	[ "$status" -eq 64 ]
	cmp "$d/before" "$d/example.com.dkim"
	[ "$(ls -A "$d" | wc -l)" -eq 2 ]
	run "$ZF" "$d/none" add example.com s1 "$R1"
	[ "$status" -eq 78 ]
}
