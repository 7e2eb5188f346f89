# pkgroot.bash - throwaway roots in which the Debian package is really
# installed, upgraded, removed and purged (dpkg, adduser, the maintainer
# scripts) while the host stays as it is.
#
# A root is DIR/upper and DIR/work: an overlay with the host's / as its
# read-only lower layer, mounted at DIR/mnt only for the length of one
# command, in a mount namespace of its own (unshare --propagation
# private), with /proc, /dev, a fresh /tmp and the .debs ($DEBS, on /mnt)
# mounted in it, and entered with chroot. Every write lands in DIR/upper;
# no mount outlives the command. The lower layer is the root file system
# without its submounts, so the sandbox's bind mounts (/etc/dkimpipe,
# /etc/postfix, /usr/local/sbin) are not in the root and the host's
# directories under them are read-only there.

# The scripts in single quotes run in the root or the new namespace and
# expand their variables there.
# shellcheck disable=SC2016

# root_new DIR - a fresh root, prepared as a system without dkimpipe:
# no user or group dkimpipe (the host's, made by sandbox.sh, is hidden),
# no /etc/dkimpipe, no /var/lib/dkimpipe, the package not known to dpkg
root_new() {
	ROOT=$1
	mkdir -p "$ROOT/upper" "$ROOT/work" "$ROOT/mnt"
	in_root /bin/sh -c '
		set -e
		for f in /etc/passwd /etc/shadow /etc/group /etc/gshadow; do
			[ -f "$f" ] && sed -i "/^dkimpipe:/d" "$f"
		done
		rm -rf /etc/dkimpipe /var/lib/dkimpipe /usr/sbin/dkimpipe
		if dpkg-query -W -f="\${Status}" dkimpipe 2>/dev/null | grep -qv "not-installed"; then
			dpkg --purge --force-all dkimpipe >/dev/null 2>&1
		fi
		true'
}

# in_root CMD... - run CMD as root in $ROOT, with a clean environment
in_root() {
	unshare --mount --propagation private -- /bin/sh -c '
		r=$1; shift
		mount -t overlay dkimpipe-pkgroot \
		    -o "lowerdir=/,upperdir=$r/upper,workdir=$r/work" "$r/mnt" ||
		    { echo "pkgroot: cannot mount the overlay on $r/mnt" >&2; exit 125; }
		{ mount -t proc proc "$r/mnt/proc" || mount --rbind /proc "$r/mnt/proc"; } &&
		    mount --bind /dev "$r/mnt/dev" &&
		    mount -t tmpfs tmpfs "$r/mnt/tmp" &&
		    mount --bind "$DEBS" "$r/mnt/mnt" ||
		    { echo "pkgroot: cannot mount /proc, /dev, /tmp or /mnt" >&2; exit 125; }
		exec chroot "$r/mnt" /usr/bin/env -i \
		    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		    DEBIAN_FRONTEND=noninteractive LC_ALL=C.UTF-8 HOME=/root "$@" </dev/null
	' sh "$ROOT" "$@"
}

# root_sh SCRIPT - run a shell script in $ROOT
root_sh() {
	in_root /bin/sh -c "$1"
}

# root_state - what install, reinstall and upgrade may change, one line
# each: the user and group, modes, owners and contents under /etc/dkimpipe
# and /var/lib/dkimpipe, the binary
root_state() {
	root_sh '
		getent passwd dkimpipe; getent group dkimpipe
		find /etc/dkimpipe /var/lib/dkimpipe -printf "%p %m %u %g %s\n" 2>/dev/null | sort
		find /etc/dkimpipe /var/lib/dkimpipe -type f -exec sha256sum {} + 2>/dev/null | sort
		sha256sum /usr/sbin/dkimpipe 2>/dev/null
		true'
}

# host_state - the host files no package test may change: users, dpkg's
# database, /usr/sbin/dkimpipe, and /etc/dkimpipe both as the sandbox
# mounts it and as the host has it underneath (seen through a plain bind
# mount of /, which shows no submounts). Not /var/lib/dkimpipe: other
# sessions' "dkimpipe setup" may write there meanwhile; the roots never do.
host_state() {
	sha256sum /etc/passwd /etc/group /etc/shadow /etc/gshadow /var/lib/dpkg/status 2>&1 || true
	ls -l /usr/sbin/dkimpipe 2>&1 || true
	dpkg-query -W -f='${Package} ${Version} ${Status}\n' dkimpipe 2>&1 || true
	find /etc/dkimpipe -printf '%p %m %u %g %s %T@\n' 2>/dev/null | sort
	local m=$BATS_FILE_TMPDIR/hostroot
	mkdir -p "$m"
	unshare --mount --propagation private -- /bin/sh -c '
		mount --bind / "$1" &&
		    find "$1/etc/dkimpipe" -printf "%p %m %u %g %s %T@\n" 2>/dev/null | sort' sh "$m"
	true
}
