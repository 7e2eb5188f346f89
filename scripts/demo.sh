#!/bin/sh
# demo.sh - make throwaway rsa-2048 and ed25519 keys, sign
# examples/message.eml with both, print the result, and verify it with
# an independent verifier (dkimpy), public keys from a local file.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
umask 077
openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:2048 -out "$d/rsa.pem" 2>/dev/null
openssl genpkey -algorithm ed25519 -out "$d/ed.pem" 2>/dev/null
{
	printf 'demo-rsa._domainkey.example.com v=DKIM1; k=rsa; p=%s\n' \
	    "$(openssl pkey -in "$d/rsa.pem" -pubout -outform DER | base64 -w0)"
	printf 'demo-ed._domainkey.example.com v=DKIM1; k=ed25519; p=%s\n' \
	    "$(openssl pkey -in "$d/ed.pem" -pubout -outform DER | tail -c 32 | base64 -w0)"
} > "$d/keys.txt"
"$top/dkimpipe" sign -d example.com -s demo-rsa -k "$d/rsa.pem" \
    -s demo-ed -k "$d/ed.pem" "$top/examples/message.eml" > "$d/signed.eml"
echo "=== signed message ==="
cat "$d/signed.eml"
echo "=== verified by dkimpy (python3-dkim) ==="
/usr/bin/python3 "$top/tests/lib/verify-dkimpy.py" "$d/keys.txt" "$d/signed.eml" |
    sed "s|$d/||"
