#!/bin/sh
# resign-maildir.sh - re-sign every message of a Maildir tree after a key
# rotation, in place: each message gets a signature with the key that is
# current now and loses our domain's earlier one (--replace); other
# domains' signatures stay. Files are replaced atomically with owner, mode
# and times kept, tmp/ is skipped, names with ,S=/,W= get the new sizes,
# and files that cannot be signed are named on stderr and left alone.
#
#   usage: resign-maildir.sh MAILDIR [dkimpipe.conf]
#
# Run it as the mailbox owner (or root), preferably while no MUA or IMAP
# server writes to the tree: a message moved or flagged while it is being
# signed is skipped ("file changed while it was being signed") and can be
# done by running the script again.
set -eu
maildir=${1:?usage: resign-maildir.sh MAILDIR [dkimpipe.conf]}
conf=${2:-/etc/dkimpipe/dkimpipe.conf}
exec dkimpipe sign -I --replace --config "$conf" "$maildir"
