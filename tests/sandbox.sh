#!/bin/sh
# sandbox.sh CMD... - run the test suite so that it cannot touch the
# host's mail system.
#
# As root, CMD runs in private mount and network namespaces: fresh
# directories are mounted over /etc/postfix (seeded with a copy of the
# package's files), /var/spool/postfix, /var/lib/postfix, the second
# instance's /etc/postfix-out, /var/spool/postfix-out and
# /var/lib/postfix-out (empty), /etc/dkimpipe, /var/lib/dkimpipe (setup's
# state) and /usr/local/sbin, and
# the network is a loopback interface of its
# own. The tests' Postfix instance lives and dies in there; the host's
# Postfix, if any, keeps running with its configuration and queue
# untouched, and its ports do not collide with the tests' ports. The
# one thing done outside: the users dkimpipe and dkimtest are created
# when missing (said on stderr). After CMD, a fingerprint of the host's
# /etc/postfix, /etc/dkimpipe and queue files taken before is compared
# with one taken after, as one more test line.
#
# Not root: CMD runs as it is, and the tests that need root skip.
set -u

if [ "$(id -u)" -ne 0 ]; then
	exec "$@"
fi

# fingerprint - the host files the tests must leave alone
fingerprint() {
	for d in /etc/postfix /etc/postfix-out /etc/dkimpipe /var/lib/dkimpipe; do
		[ -d "$d" ] && find "$d" -xdev -printf '%p %m %u %g %s %T@\n' 2>/dev/null
		[ -d "$d" ] && find "$d" -xdev -type f -exec sha256sum {} + 2>/dev/null
	done
	for q in incoming active deferred hold maildrop corrupt; do
		for s in /var/spool/postfix /var/spool/postfix-out; do
			[ -d "$s/$q" ] &&
			    find "$s/$q" -xdev -type f -printf '%p %s\n' 2>/dev/null
		done
	done | sort
}

if [ "${1:-}" != --inside ]; then
	for u in dkimpipe dkimtest; do
		id "$u" >/dev/null 2>&1 && continue
		echo "sandbox: creating the test user $u" >&2
		if [ "$u" = dkimpipe ]; then
			useradd --system --no-create-home --shell /usr/sbin/nologin "$u"
		else
			useradd --create-home --shell /usr/sbin/nologin "$u"
		fi
	done
	before=$(mktemp)
	after=$(mktemp)
	fingerprint > "$before"
	unshare --mount --net --propagation private -- sh "$0" --inside "$@"
	status=$?
	fingerprint > "$after"
	if cmp -s "$before" "$after"; then
		echo "ok host: /etc/postfix, /etc/dkimpipe and the host's queue are untouched"
	else
		echo "not ok host: the tests changed the host's mail system:"
		diff "$before" "$after" | head -n 20 | sed 's/^/# /'
		status=1
	fi
	rm -f "$before" "$after"
	exit "$status"
fi
shift

S=$(mktemp -d /tmp/dkimpipe-sandbox.XXXXXX)
chmod 755 "$S"
mkdir -p "$S/etc-postfix" "$S/spool" "$S/lib" "$S/etc-dkimpipe" "$S/sbin" "$S/home" "$S/lib-dkimpipe" \
    "$S/etc-postfix-out" "$S/spool-out" "$S/lib-out"
[ -d /etc/postfix ] && cp -a /etc/postfix/. "$S/etc-postfix/"
chown dkimtest "$S/home"
chown postfix:postfix "$S/lib" 2>/dev/null
# mountpoints that a host without them lacks are made and removed again
made=""
for m in /etc/postfix /var/spool/postfix /var/lib/postfix /etc/dkimpipe /var/lib/dkimpipe /usr/local/sbin \
    /etc/postfix-out /var/spool/postfix-out /var/lib/postfix-out; do
	[ -d "$m" ] || { mkdir -p "$m" && made="$made $m"; }
done
mount --bind "$S/etc-postfix" /etc/postfix &&
    mount --bind "$S/spool" /var/spool/postfix &&
    mount --bind "$S/lib" /var/lib/postfix &&
    mount --bind "$S/etc-postfix-out" /etc/postfix-out &&
    mount --bind "$S/spool-out" /var/spool/postfix-out &&
    mount --bind "$S/lib-out" /var/lib/postfix-out &&
    mount --bind "$S/etc-dkimpipe" /etc/dkimpipe &&
    mount --bind "$S/lib-dkimpipe" /var/lib/dkimpipe &&
    mount --bind "$S/sbin" /usr/local/sbin &&
    mount --bind "$S/home" "$(getent passwd dkimtest | cut -d: -f6)" &&
    ip link set lo up || { echo "sandbox: cannot set up the namespaces" >&2; exit 1; }
export DKIMPIPE_SANDBOX=$S
"$@"
status=$?
# whatever a failed test left running in here goes with the namespace
postfix stop >/dev/null 2>&1
me=$(readlink /proc/$$/ns/net)
for p in /proc/[0-9]*; do
	[ "${p#/proc/}" = "$$" ] && continue
	[ "$(readlink "$p/ns/net" 2>/dev/null)" = "$me" ] && kill -9 "${p#/proc/}" 2>/dev/null
done
sleep 0.2
umount /etc/postfix /var/spool/postfix /var/lib/postfix /etc/dkimpipe /var/lib/dkimpipe \
    /etc/postfix-out /var/spool/postfix-out /var/lib/postfix-out /usr/local/sbin "$(getent passwd dkimtest | cut -d: -f6)" 2>/dev/null
for m in $made; do rmdir "$m" 2>/dev/null; done
rm -rf "$S"
exit "$status"
