#!/bin/sh
# same-output.sh BEFORE AFTER - do two dkimpipe binaries write the same
# bytes? Signs every message of the test corpus (tests/lib/mkcorpus.py)
# and of tests/lib/mkrandom.py's random messages with both, under a
# fixed t= and a set of option sets (rsa, ed25519, both, simple and
# relaxed, x=, i=, -D, -L), and compares stdout and exit status
# byte for byte. For refactoring: behaviour must not change. Prints one
# line per difference and a summary; exits 1 on any.
set -u
before=$1
after=$2
top=$(cd "$(dirname "$0")/.." && pwd)
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
python3=/usr/bin/python3
$python3 "$top/tests/lib/mkcorpus.py" "$w/corpus"
[ -f "$top/tests/lib/mkrandom.py" ] && $python3 "$top/tests/lib/mkrandom.py" "$w/corpus" 50 7 >/dev/null 2>&1
openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:2048 -out "$w/rsa.pem" 2>/dev/null
openssl genpkey -algorithm ed25519 -out "$w/ed.pem" 2>/dev/null
chmod 600 "$w"/*.pem
k="-d example.com -s r1 -k $w/rsa.pem"
e="-d example.com -s e1 -k $w/ed.pem"
n=0
bad=0
for opts in "$k" "$e" "$k -s e1 -k $w/ed.pem" "-c simple $k" "-c relaxed/simple $e" \
    "-c simple/relaxed -x 86400 $k" "-i alice@example.com $e" "-h From:Subject -o To $k" \
    "-D $e" "-L 0 $k" "-L 100 $e"; do
	for m in "$w"/corpus/*; do
		# shellcheck disable=SC2086
		"$before" sign -t 1795400000 $opts "$m" > "$w/b.out" 2> "$w/b.err"
		sb=$?
		# shellcheck disable=SC2086
		"$after" sign -t 1795400000 $opts "$m" > "$w/a.out" 2> "$w/a.err"
		sa=$?
		n=$((n + 1))
		case "$opts" in -D*)	# Message-ID is random: compare without it
			for f in "$w/b.out" "$w/a.out"; do
				awk 'BEGIN { h = 1 } h && /^\r?$/ { h = 0 }
				    h && /^(DKIM-Signature|Message-ID):/ { s = 1; next }
				    h && s && /^[ \t]/ { next } { s = 0; print }' "$f" > "$f.x"
				mv "$f.x" "$f"
			done ;;
		esac
		if [ "$sb" -ne "$sa" ] || ! cmp -s "$w/b.out" "$w/a.out" ||
		    ! cmp -s "$w/b.err" "$w/a.err"; then
			echo "differs: sign $opts $(basename "$m") (exit $sb, $sa)"
			bad=$((bad + 1))
		fi
	done
done
echo "$n runs, $bad differ"
[ "$bad" -eq 0 ]
