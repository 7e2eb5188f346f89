#!/bin/sh
# verify-opendkim.sh KEYS FILE... - verify every DKIM-Signature of each
# message with OpenDKIM's own test mode (opendkim -t), public keys from
# KEYS (TestPublicKeys), no DNS. Prints "PASS file" or "FAIL file:
# detail"; a message passes when OpenDKIM reports dkim=pass for every
# signature and nothing else. Exits 0 only if every message passes.
keys=$1
shift
conf=$(mktemp)
trap 'rm -f "$conf"' EXIT
printf 'TestPublicKeys %s\nMode v\nSyslog no\nMinimumKeyBits 1024\n' \
    "$(readlink -f "$keys")" > "$conf"
bad=0
for f in "$@"; do
	nsig=$(sed -n '/^\r\{0,1\}$/q;p' "$f" | grep -ci '^dkim-signature[ 	]*:')
	res=$(opendkim -x "$conf" -t "$f" -vv 2>&1 | grep -o 'dkim=[a-z]*')
	npass=$(printf '%s\n' "$res" | grep -c '^dkim=pass$')
	nres=$(printf '%s\n' "$res" | grep -c '^dkim=')
	if [ "$nsig" -gt 0 ] && [ "$npass" -eq "$nsig" ] && [ "$nres" -eq "$nsig" ]; then
		echo "PASS $f"
	else
		echo "FAIL $f: $(printf '%s' "$res" | tr '\n' ' ')(signatures: $nsig)"
		bad=$((bad + 1))
	fi
done
[ "$bad" -eq 0 ]
