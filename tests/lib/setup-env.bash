# setup-env.bash - what the tests of "dkimpipe setup" share (91, 96):
# a fingerprint of what setup may change, the records of the keys it
# made, and mail sent and found at the sink. Load after postfix-env.

# state - a fingerprint of everything setup may change
state() {
	find /etc/postfix /etc/dkimpipe /var/lib/dkimpipe -type f -print0 2>/dev/null |
	    sort -z | xargs -0 sha256sum
	stat -c '%n %a %U %G' /usr/sbin/postlog
	stat -c '%N' "$(postconf -h daemon_directory)/dkimpipe" 2>/dev/null || true
}

# keys_txt - the public records of the keys setup made, for the verifiers
keys_txt() {
	local f sel dom
	: > "$W/keys.txt"
	for f in /etc/dkimpipe/keys/*/*.private; do
		sel=$(basename "$f" .private)
		dom=$(basename "$(dirname "$f")")
		if openssl pkey -in "$f" -noout -text 2>/dev/null | grep -q ED25519; then
			printf '%s._domainkey.%s v=DKIM1; k=ed25519; p=%s\n' "$sel" "$dom" \
			    "$(openssl pkey -in "$f" -pubout -outform DER | tail -c 32 | base64 -w0)"
		else
			printf '%s._domainkey.%s v=DKIM1; k=rsa; p=%s\n' "$sel" "$dom" \
			    "$(openssl pkey -in "$f" -pubout -outform DER | base64 -w0)"
		fi >> "$W/keys.txt"
	done
}

# verified FILE - signed for example.com, and all three verifiers agree
verified() {
	[ "$(signatures "$1" | grep -c 'd=example.com;')" -ge 1 ] || { echo "unsigned: $1"; return 1; }
	$PY "$LIB/verify-dkimpy.py" --smtp "$W/keys.txt" "$1" || return 1
	sh "$LIB/verify-opendkim.sh" "$W/keys.txt" "$1" || return 1
	perl "$LIB/verify-maildkim.pl" "$W/keys.txt" "$1" || return 1
}

# arrives_once SUBJECT - the one copy at the sink with that subject
arrives_once() {
	SUBJ=$1
	wait_for eval '[ -n "$(grep -lE "^Subject: $SUBJ[[:space:]]*\$" "$W"/sink/*.eml 2>/dev/null)" ]' ||
	    { echo "no copy of $SUBJ" >&2; return 1; }
	wait_for queue_empty
	sleep 1
	n=$(grep -lE "^Subject: $SUBJ[[:space:]]*\$" "$W"/sink/*.eml | wc -l)
	[ "$n" -eq 1 ] || { echo "$n copies of $SUBJ" >&2; return 1; }
	grep -lE "^Subject: $SUBJ[[:space:]]*\$" "$W"/sink/*.eml
}

msg() {	# msg SUBJECT - a message from alice@example.com to bob@example.org
	printf 'From: Alice <alice@example.com>\nTo: Bob <bob@example.org>\nSubject: %s\nDate: %s\nMessage-ID: <%s.%s@example.com>\n\nHello Bob.\n' \
	    "$1" "$(date -R)" "$1" "$$" > "$W/m.eml"
}
