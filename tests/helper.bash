# helper.bash - shared setup for dkimpipe's bats tests.

TOP=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
DKIMPIPE=${DKIMPIPE:-$TOP/dkimpipe}
LIB=$TOP/tests/lib
PY=/usr/bin/python3
T0=1795400000		# fixed t= so signatures are reproducible

# mkkeys DIR - an rsa-2048 key "rsa" (selector r1) and an ed25519 key
# "ed" (selector e1) for example.com, made with openssl, and DIR/keys.txt
# holding their public records for the verifiers.
mkkeys() {
	local d=$1
	mkdir -p "$d"
	openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:2048 -out "$d/rsa.pem" 2>/dev/null
	openssl genpkey -algorithm ed25519 -out "$d/ed.pem" 2>/dev/null
	chmod 600 "$d"/*.pem
	{
		printf 'r1._domainkey.example.com v=DKIM1; k=rsa; p=%s\n' \
		    "$(openssl pkey -in "$d/rsa.pem" -pubout -outform DER | base64 -w0)"
		printf 'e1._domainkey.example.com v=DKIM1; k=ed25519; p=%s\n' \
		    "$(openssl pkey -in "$d/ed.pem" -pubout -outform DER | tail -c 32 | base64 -w0)"
	} > "$d/keys.txt"
}

# signatures FILE - the DKIM-Signature fields of a message, unfolded,
# tabs made spaces
signatures() {
	sed -n '/^\r\{0,1\}$/q;p' "$1" | tr -d '\r' | tr '\t' ' ' |
	    awk '/^[^ \t]/{if(s)print s; s=""} /^[Dd][Kk][Ii][Mm]-[Ss]ignature:/{s=$0; next} /^[ \t]/{if(s)s=s $0} END{if(s)print s}'
}

# tag FILE NAME - the value of tag NAME in the first signature
tag() {
	signatures "$1" | head -n 1 | tr -d ' \t' | tr ';' '\n' | sed -n "s/^$2=//p"
}

# fake_env SENDMAIL [TEXT] - per test, for the suites that run dkimpipe
# against a stand-in sendmail: FAKE_DIR where it records (its FAKE_*
# switches cleared), CONF signing example.com with the ed25519 key of
# mkkeys "$W/k" and handing over to SENDMAIL, logging to stderr, and MSG
# holding TEXT (default: a short message from alice@example.com)
fake_env() {
	export FAKE_DIR=$BATS_TEST_TMPDIR/fake
	mkdir -p "$FAKE_DIR"
	unset FAKE_STATUS FAKE_SIGNAL FAKE_SLOW FAKE_SHORT
	CONF=$BATS_TEST_TMPDIR/dkimpipe.conf
	printf 'domain = example.com\nselector = e1\nkeyfile = %s\nsendmail_path = %s\nlog_to = stderr\n' \
	    "$W/k/ed.pem" "$1" > "$CONF"
	MSG=$BATS_TEST_TMPDIR/in.eml
	printf '%b' "${2:-From: Alice <alice@example.com>\nTo: bob@example.org\nSubject: hi\n\nhello\n}" > "$MSG"
}

# term_after_accept COUNT DELIVER-ARG... - deliver, from $MSG with $CONF,
# held in a slow postlog(1) once the next hop has the message, then
# SIGTERM: true when it exits 0 and COUNT (a function counting the
# copies the next hop has) stays 1
term_after_accept() {
	local count=$1 pid st=0 i
	shift
	slow_postlog >> "$CONF"
	"$DKIMPIPE" deliver -c "$CONF" "$@" < "$MSG" > "$BATS_TEST_TMPDIR/out" 2>&1 &
	pid=$!
	for i in $(seq 100); do [ "$($count)" -ge 1 ] && break; sleep 0.05; done
	[ "$($count)" -eq 1 ] || return 1
	sleep 0.5
	pgrep -f "$BATS_TEST_TMPDIR/slowlog" > /dev/null || return 1
	kill -TERM $pid
	wait $pid || st=$?
	cat "$BATS_TEST_TMPDIR/out"
	[ "$st" -eq 0 ] && [ "$($count)" -eq 1 ]
}

# slow_postlog - dkimpipe.conf lines that send the log through a
# postlog(1) stand-in taking 3 s per record: holds deliver after the
# next hop has accepted the message
slow_postlog() {
	printf '#!/bin/sh\nsleep 3\n' > "$BATS_TEST_TMPDIR/slowlog"
	chmod 2755 "$BATS_TEST_TMPDIR/slowlog"
	printf 'log_to = postlog\npostlog_socket = /nonexistent/postlog\npostlog_command = %s\n' \
	    "$BATS_TEST_TMPDIR/slowlog"
}

# maildkim FILE - Mail::DKIM on FILE's rsa-sha256 signatures (the Debian
# 12 version has no ed25519; a signature field not in h= can go)
maildkim() {
	$PY -c 'import re,sys
d=open(sys.argv[1],"rb").read(); i=re.search(rb"\r?\n\r?\n", d).start()
h=re.sub(rb"(?mi)^DKIM-Signature:[^\n]*a=ed25519-sha256[^\n]*(?:\n[ \t][^\n]*)*\n?", b"", d[:i].replace(b"\r\n", b"\n"))
sys.stdout.buffer.write(h + d[i:].replace(b"\r\n", b"\n"))' "$1" > "$1.rsa"
	grep -qi '^DKIM-Signature:.*a=rsa-sha256' "$1.rsa"
	perl "$LIB/verify-maildkim.pl" "$W/k/keys.txt" "$1.rsa"
}
