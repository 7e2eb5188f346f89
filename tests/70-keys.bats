#!/usr/bin/env bats
# Key management: keygen and its DNS records served by a real DNS server
# (dnsmasq on 127.0.0.1), testkey agreeing with opendkim-testkey, verify
# agreeing with dkimpy, rotation by activation time, safe key files.

load helper
load lib/dns-env

setup_file() {
	export W=$BATS_FILE_TMPDIR
	mkdir -p "$W/keys"
	for spec in rsa1024:rsa:1024 rsa2048:rsa:2048 rsa4096:rsa:4096 ed:ed25519:0; do
		IFS=: read -r sel type bits <<< "$spec"
		opt=(); [ "$bits" != 0 ] && opt=(-b "$bits")
		"$DKIMPIPE" keygen -d example.com -s "$sel" -t "$type" "${opt[@]}" -D "$W/keys" > /dev/null
	done
	"$DKIMPIPE" keygen -d example.com -s other -D "$W/keys" > /dev/null
	"$DKIMPIPE" keygen -d example.com -s testing -b 1024 -D "$W/keys" > /dev/null
	: > "$W/dns.args"
	for sel in rsa1024 rsa2048 rsa4096 ed testing; do
		zone_to_arg "$W/keys/$sel.txt" example.com >> "$W/dns.args"
	done
	# a record that does not match its key, and one in testing mode
	zone_to_arg "$W/keys/other.txt" example.com | sed 's/^--txt-record=other\./--txt-record=mismatch./' >> "$W/dns.args"
	sed -i 's/^\(--txt-record=testing\._domainkey\.example\.com,v=DKIM1; \)/\1t=y; /' "$W/dns.args"
	dns_start "$W" "$W/dns.args"
	unbound_conf "$W"
}

teardown_file() {
	dns_stop "$W"
}

@test "keygen: rsa 1024/2048/4096 and ed25519 keys of the right type, mode 0600" {
	for sel in rsa1024 rsa2048 rsa4096; do
		[ "$(stat -c %a "$W/keys/$sel.private")" = 600 ]
		openssl pkey -in "$W/keys/$sel.private" -noout -text | grep -q "Private-Key: (${sel#rsa} bit"
	done
	[ "$(stat -c %a "$W/keys/ed.private")" = 600 ]
	openssl pkey -in "$W/keys/ed.private" -noout -text | grep -q "ED25519 Private-Key"
	[ "$(stat -c %a "$W/keys/ed.txt")" = 644 ]
}

@test "keygen: records in opendkim-genkey's shape, strings of at most 255 characters" {
	head -n 1 "$W/keys/rsa2048.txt" | grep -q '^rsa2048._domainkey	IN	TXT	( "v=DKIM1; k=rsa; "$'
	grep -q '^ed._domainkey	IN	TXT	( "v=DKIM1; k=ed25519; "$' "$W/keys/ed.txt"
	tail -n 1 "$W/keys/ed.txt" | grep -q ' )  ; ----- DKIM key ed for example.com$'
	# the 4096-bit record is split, every string within 255
	[ "$(grep -o '"[^"]*"' "$W/keys/rsa4096.txt" | wc -l)" -ge 4 ]
	! grep -o '"[^"]*"' "$W/keys/rsa4096.txt" | awk 'length($0) - 2 > 255 {exit 0} END{exit 1}' || false
	# ed25519 p= is the raw 32-byte key (RFC 8463)
	p=$(grep -o 'p=[^"]*' "$W/keys/ed.txt" | cut -c3-)
	[ "$(printf '%s' "$p" | base64 -d | wc -c)" -eq 32 ]
	[ "$p" = "$(openssl pkey -in "$W/keys/ed.private" -pubout -outform DER | tail -c 32 | base64 -w0)" ]
	# rsa p= is the DER public key
	p=$(grep -o '"[^"]*"' "$W/keys/rsa2048.txt" | tr -d '"\n' | sed 's/.*p=//')
	[ "$p" = "$(openssl pkey -in "$W/keys/rsa2048.private" -pubout -outform DER | base64 -w0)" ]
}

@test "keygen refuses RSA under 1024 bits and never overwrites a key" {
	run "$DKIMPIPE" keygen -d example.com -s small -b 768 -D "$W/keys"
	[ "$status" -eq 64 ]
	[[ "$output" == *"at least 1024 bits (RFC 8301)"* ]]
	[ ! -e "$W/keys/small.private" ]
	sum=$(sha256sum < "$W/keys/ed.private")
	run "$DKIMPIPE" keygen -d example.com -s ed -t ed25519 -D "$W/keys"
	[ "$status" -eq 73 ]
	[[ "$output" == *"File exists"* ]]
	[ "$(sha256sum < "$W/keys/ed.private")" = "$sum" ]
}

@test "dnsrecord prints the same record for an existing key, also on one line" {
	run "$DKIMPIPE" dnsrecord -k "$W/keys/rsa4096.private" -s rsa4096 -d example.com
	[ "$output" = "$(cat "$W/keys/rsa4096.txt")" ]
	run "$DKIMPIPE" dnsrecord -1 -k "$W/keys/ed.private" -s ed -d example.com
	[ "$output" = "ed._domainkey.example.com	TXT	$(grep -o '"[^"]*"' "$W/keys/ed.txt" | tr -d '"\n')" ]
}

@test "the RFC 8463 key gives the RFC's public key" {
	D=/usr/lib/python3/dist-packages/dkim/tests/data
	# PKCS#8 for an Ed25519 seed: fixed 16-byte prefix + 32-byte seed
	$PY -c 'import base64,sys
sys.stdout.buffer.write(bytes.fromhex("302e020100300506032b657004220420") + base64.b64decode(open(sys.argv[1]).read()))' \
	    "$D/rfc8032_7_1.key" | openssl pkey -inform DER -out "$W/rfc.pem" 2>/dev/null
	chmod 600 "$W/rfc.pem"
	run "$DKIMPIPE" dnsrecord -1 -k "$W/rfc.pem" -s brisbane -d football.example.com
	[[ "$output" == *"k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=" ]]
}

@test "testkey: every published key is OK through the DNS server, 4096-bit included" {
	for sel in rsa1024 rsa2048 rsa4096 ed; do
		run "$DKIMPIPE" testkey -n 127.0.0.1:$DNS_PORT -d example.com -s $sel -k "$W/keys/$sel.private"
		echo "$output"
		[ "$status" -eq 0 ]
		[ "$output" = "example.com $sel: OK" ]
	done
}

@test "signatures made with every key verify with dkimpy over real DNS" {
	printf 'From: a@example.com\nTo: b@example.org\nSubject: dns\n\nbody\n' > "$W/m.eml"
	for sel in rsa1024 rsa2048 rsa4096 ed; do
		"$DKIMPIPE" sign -d example.com -s $sel -k "$W/keys/$sel.private" "$W/m.eml" > "$W/s.eml"
		run $PY "$LIB/verify-dkimpy-dns.py" $DNS_PORT "$W/s.eml"
		[ "$status" -eq 0 ] || { echo "$sel: $output"; false; }
		run "$DKIMPIPE" verify -n 127.0.0.1:$DNS_PORT "$W/s.eml"
		[ "$status" -eq 0 ]
	done
}

@test "testkey agrees with opendkim-testkey: published, missing, mismatched, testing" {
	# selector key ours opendkim-testkey (_ for space)
	while read -r sel key ours theirs; do
		run "$DKIMPIPE" testkey -n 127.0.0.1:$DNS_PORT -d example.com -s $sel -k "$W/keys/$key.private"
		echo "ours: $output"
		[[ "$output" == "example.com $sel: ${ours//_/ }"* ]]
		run opendkim-testkey -x "$W/opendkim-testkey.conf" -d example.com -s $sel -k "$W/keys/$key.private" -vvv
		echo "opendkim-testkey: $output"
		[[ "$output" == *"${theirs//_/ }"* ]]
	done <<-EOF
	rsa2048 rsa2048 OK key_OK
	missing rsa2048 not_published record_not_found
	mismatch rsa2048 mismatch keys_do_not_match
	testing testing testing_mode key_OK
	EOF
}

@test "testkey: exit status and a malformed record" {
	run "$DKIMPIPE" testkey -n 127.0.0.1:$DNS_PORT -d example.com -s missing -k "$W/keys/ed.private"
	[ "$status" -eq 1 ]
	run "$DKIMPIPE" testkey -n 127.0.0.1:$DNS_PORT -d example.com -s testing -k "$W/keys/testing.private"
	[ "$status" -eq 0 ]
	cp "$W/dns.args" "$W/dns2.args"
	echo '--txt-record=broken._domainkey.example.com,v=DKIM1; k=rsa; p=!!!notbase64' >> "$W/dns2.args"
	dns_start "$W" "$W/dns2.args"
	run "$DKIMPIPE" testkey -n 127.0.0.1:$DNS_PORT -d example.com -s broken -k "$W/keys/ed.private"
	dns_start "$W" "$W/dns.args"
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == "example.com broken: malformed"* ]]
}

@test "testkey -c FILE -d -s -k: the file's nameservers are used, its keys are not tested" {
	printf 'nameservers = 127.0.0.1:%s\ndomain = example.com\nselector = missing\nkeyfile = %s\n' \
	    "$DNS_PORT" "$W/keys/ed.private" > "$W/tk.conf"
	sel=ed
	run "$DKIMPIPE" testkey -c "$W/tk.conf" -d example.com -s "$sel" -k "$W/keys/$sel.private"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 1 ]
	[[ "$output" == "example.com $sel: OK"* ]]
}
