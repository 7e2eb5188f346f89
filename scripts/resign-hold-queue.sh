#!/bin/sh
# resign-hold-queue.sh - sign the messages in Postfix's hold queue and
# release them signed. Queue files are Postfix's own and must not be
# edited, so each held message is taken out the supported way: postcat
# prints its envelope and content, "dkimpipe deliver" signs it and
# re-injects it with sendmail -G exactly as under pipe(8), and only when
# that succeeded is the held copy deleted with postsuper -d. A crash
# between the two leaves the message twice (held and re-injected),
# never lost. Lost on the way: DSN requests (NOTIFY, ENVID) and the
# original arrival time. Messages dkimpipe cannot sign stay held.
#
#   usage: resign-hold-queue.sh [dkimpipe.conf]      (as root)
set -eu
conf=${1:-/etc/dkimpipe/dkimpipe.conf}
hold=$(postconf -h queue_directory)/hold
[ -d "$hold" ] || exit 0
for qid in $(ls "$hold"); do
	env=$(postcat -e -q "$qid" 2>/dev/null) || continue
	sender=$(printf '%s\n' "$env" | sed -n 's/^sender: //p' | head -n 1)
	rcpts=$(printf '%s\n' "$env" | sed -n 's/^recipient: //p')
	[ -n "$rcpts" ] || continue
	# one recipient per line; none may start a shell word split
	set -f
	old_ifs=$IFS
	IFS='
'
	# shellcheck disable=SC2086
	if postcat -bh -q "$qid" | runuser -u dkimpipe -- dkimpipe deliver \
	    -c "$conf" -q "$qid" -f "$sender" -- $rcpts; then
		postsuper -d "$qid" hold
	else
		echo "resign-hold-queue: $qid stays held" >&2
	fi
	IFS=$old_ifs
	set +f
done
