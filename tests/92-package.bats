#!/usr/bin/env bats
# 92-package.bats - the Debian package: "make deb" (debian/, debhelper)
# builds it in a temporary copy of the tree, lintian finds no error or
# warning, and install, reinstall, upgrade over an edited conffile,
# remove and purge run the real dpkg, adduser and maintainer scripts in
# throwaway roots (tests/lib/pkgroot.bash: an overlay over the host's /,
# in a mount namespace of its own). The last test checks that the host's
# users, dpkg database, /usr/sbin and /etc/dkimpipe did not change.

load helper
load lib/pkgroot

setup_file() {
	[ "$(id -u)" -eq 0 ] || skip "needs root (dpkg, adduser and mounts in a namespace); run it with make check"
	export DEBS=$BATS_FILE_TMPDIR/debs
	export V1 ARCH V2
	V1=$(dpkg-parsechangelog -l "$TOP/debian/changelog" -S Version)
	V2=$V1+upgrade1
	ARCH=$(dpkg --print-architecture)
	host_state > "$BATS_FILE_TMPDIR/host.before"
	find "$TOP/debian" | sort > "$BATS_FILE_TMPDIR/debian.before"
	touch "$BATS_FILE_TMPDIR/marker"
	mkdir -p "$DEBS/1" "$DEBS/2"
	local t0
	t0=$(date +%s)
	make -C "$TOP" deb DEBDIR="$DEBS/1" > "$BATS_FILE_TMPDIR/build1.log" 2>&1 ||
	    echo "make deb failed" >> "$BATS_FILE_TMPDIR/build1.log"
	echo $(($(date +%s) - t0)) > "$BATS_FILE_TMPDIR/build1.secs"
	find "$TOP/debian" | sort > "$BATS_FILE_TMPDIR/debian.after"
	make -C "$TOP" deb DEBDIR="$DEBS/2" DEB_VERSION_OVERRIDE="$V2" \
	    > "$BATS_FILE_TMPDIR/build2.log" 2>&1 ||
	    echo "make deb failed" >> "$BATS_FILE_TMPDIR/build2.log"
}

setup() {
	DEB1=/mnt/1/dkimpipe_${V1}_$ARCH.deb	# paths inside a root
	DEB2=/mnt/2/dkimpipe_${V2}_$ARCH.deb
	[ -f "$DEBS/1/${DEB1##*/}" ] || { tail -n 30 "$BATS_FILE_TMPDIR/build1.log"; false; }
}

# installed ROOT - a root with the first package installed
installed() {
	root_new "$1"
	run in_root dpkg -i "$DEB1"
	echo "$output"
	[ "$status" -eq 0 ]
}

@test "build: make deb gives dkimpipe_VERSION_ARCH.deb in under a minute and leaves the tree as it was" {
	local deb=$DEBS/1/dkimpipe_${V1}_$ARCH.deb
	[ "$(dpkg-deb -f "$deb" Package)" = dkimpipe ]
	[ "$(dpkg-deb -f "$deb" Version)" = "$V1" ]
	[ "$(dpkg-deb -f "$deb" Architecture)" = "$ARCH" ]
	dpkg-deb -f "$deb" Depends | grep -Eq '(^|, )adduser(,|$)'
	dpkg-deb -f "$deb" Depends | grep -q 'libssl3'
	[ "$(dpkg-deb -f "$deb" Recommends)" = postfix ]
	[ "$(cat "$BATS_FILE_TMPDIR/build1.secs")" -lt 60 ]
	# built in a copy: no debhelper files, .changes or .deb in the tree
	diff -u "$BATS_FILE_TMPDIR/debian.before" "$BATS_FILE_TMPDIR/debian.after"
	run find "$TOP" "$TOP/.." -maxdepth 1 -newer "$BATS_FILE_TMPDIR/marker" \
	    \( -name 'dkimpipe_*.deb' -o -name 'dkimpipe_*.changes' -o -name 'dkimpipe_*.buildinfo' \)
	[ -z "$output" ]
	# the files the package must have, and no test or bench scripts
	dpkg-deb -c "$deb" | awk '{print $1, $2, $6}' > "$BATS_TEST_TMPDIR/list"
	cat "$BATS_TEST_TMPDIR/list"
	grep -qx -- '-rwxr-xr-x root/root ./usr/sbin/dkimpipe' "$BATS_TEST_TMPDIR/list"
	grep -qx -- '-rw-r--r-- root/root ./usr/share/man/man8/dkimpipe.8.gz' "$BATS_TEST_TMPDIR/list"
	grep -qx -- '-rw-r--r-- root/root ./usr/share/man/man5/dkimpipe.conf.5.gz' "$BATS_TEST_TMPDIR/list"
	grep -qx -- '-rw-r--r-- root/root ./etc/dkimpipe/dkimpipe.conf' "$BATS_TEST_TMPDIR/list"
	grep -qx -- 'drwxr-xr-x root/root ./var/lib/dkimpipe/' "$BATS_TEST_TMPDIR/list"
	for f in master.cf main.cf dkimpipe.conf dkimpipe_notices.regexp postfix-out-instance.sh \
	    resign-hold-queue.sh resign-maildir.sh; do
		grep -q " ./usr/share/doc/dkimpipe/examples/$f$" "$BATS_TEST_TMPDIR/list"
	done
	! grep -Eq 'bench|fuzz|lint|demo|install-deps|keys/' "$BATS_TEST_TMPDIR/list"
	[ "$(dpkg-deb -I "$deb" conffiles)" = /etc/dkimpipe/dkimpipe.conf ]
	# maintainer scripts parse and are shellcheck-clean
	dpkg-deb -e "$deb" "$BATS_TEST_TMPDIR/ctl"
	for s in postinst prerm postrm; do
		sh -n "$BATS_TEST_TMPDIR/ctl/$s"
		shellcheck -s sh "$BATS_TEST_TMPDIR/ctl/$s"
	done
}

@test "build: lintian --fail-on error,warning passes on the .deb" {
	run lintian --fail-on error,warning "$DEBS/1/dkimpipe_${V1}_$ARCH.deb"
	echo "$output"
	[ "$status" -eq 0 ]
	! echo "$output" | grep -E '^[EW]: '
}

@test "install: binary, version, user without shell or home, keys 0750 root:dkimpipe, conffile, man pages" {
	installed "$BATS_TEST_TMPDIR/r"
	run in_root /usr/sbin/dkimpipe version
	[ "$status" -eq 0 ]
	[ "$output" = "dkimpipe $V1" ]
	# one version: the binary, the package and the man pages agree
	[ "$(dpkg-deb -f "$DEBS/1/${DEB1##*/}" Version)" = "$V1" ]
	[ "$(in_root dpkg-query -W -f='${Version}' dkimpipe)" = "$V1" ]
	[ "$(root_sh 'zcat /usr/share/man/man8/dkimpipe.8.gz' | grep '^\.Os')" = ".Os dkimpipe $V1" ]
	[ "$(root_sh 'zcat /usr/share/man/man5/dkimpipe.conf.5.gz' | grep '^\.Os')" = ".Os dkimpipe $V1" ]
	run in_root man -w dkimpipe.conf
	[ "$output" = /usr/share/man/man5/dkimpipe.conf.5.gz ]
	# the system user: no login shell, no home
	run in_root getent passwd dkimpipe
	echo "$output"
	IFS=: read -r name _ uid gid _ home shell <<< "$output"
	[ "$name" = dkimpipe ] && [ "$uid" -lt 1000 ]
	[ "$home" = /nonexistent ] && [ "$shell" = /usr/sbin/nologin ]
	[ "$(in_root getent group dkimpipe | cut -d: -f3)" = "$gid" ]
	run in_root test -e /nonexistent
	[ "$status" -ne 0 ]
	[ "$(in_root stat -c '%a %U %G' /etc/dkimpipe/keys)" = "750 root dkimpipe" ]
	[ -z "$(in_root find /etc/dkimpipe/keys -mindepth 1)" ]
	[ "$(in_root stat -c '%a %U %G' /var/lib/dkimpipe)" = "755 root root" ]
	# the conffile: registered, every line a comment, and check says why
	# it signs nothing (EX_CONFIG) instead of crashing
	in_root dpkg-query -W -f='${Conffiles}' dkimpipe | grep -q '^ /etc/dkimpipe/dkimpipe.conf [0-9a-f]\{32\}$'
	[ "$(in_root stat -c '%a %U %G' /etc/dkimpipe/dkimpipe.conf)" = "644 root root" ]
	[ -z "$(in_root grep -Ev '^[[:space:]]*(#|$)' /etc/dkimpipe/dkimpipe.conf)" ]
	run in_root dkimpipe check
	echo "$output"
	[ "$status" -eq 78 ]
	[[ "$output" == *"/etc/dkimpipe/dkimpipe.conf: no keys"* ]]
	run in_root dkimpipe sign /usr/share/doc/dkimpipe/examples/message.eml
	[ "$status" -ne 0 ] && [ "$status" -lt 128 ]
	# examples, with the user-facing scripts
	in_root test -x /usr/share/doc/dkimpipe/examples/resign-maildir.sh
	in_root test -f /usr/share/doc/dkimpipe/examples/master.cf
}

@test "install: an existing /etc/dkimpipe/keys and dkimpipe user are left as they were" {
	root_new "$BATS_TEST_TMPDIR/r"
	root_sh 'set -e
		useradd --system --no-create-home --home-dir /var/empty --shell /bin/false dkimpipe
		mkdir -p /etc/dkimpipe/keys
		chown nobody:root /etc/dkimpipe/keys
		chmod 0711 /etc/dkimpipe/keys
		echo secret > /etc/dkimpipe/keys/old.private
		chmod 0640 /etc/dkimpipe/keys/old.private'
	before=$(root_state)
	echo "$before"
	echo "$before" | grep -q '^dkimpipe:x:[0-9]*:[0-9]*::/var/empty:/bin/false$'
	echo "$before" | grep -q '^/etc/dkimpipe/keys 711 nobody root '
	run in_root dpkg -i "$DEB1"
	echo "$output"
	[ "$status" -eq 0 ]
	after=$(root_state)
	# what the package adds: the binary, its conffile, the rotation state's
	# directory (0700, the signer's)
	diff -u <(echo "$before" | grep -v -e ' /usr/sbin/dkimpipe$' -e '^/etc/dkimpipe/dkimpipe.conf ' \
	    -e '^/var/lib/dkimpipe ' -e ' /etc/dkimpipe/dkimpipe.conf$' -e '^/etc/dkimpipe ') \
	    <(echo "$after" | grep -v -e ' /usr/sbin/dkimpipe$' -e '^/etc/dkimpipe/dkimpipe.conf ' \
	    -e '^/var/lib/dkimpipe ' -e ' /etc/dkimpipe/dkimpipe.conf$' -e '^/etc/dkimpipe ' \
	    -e '^/var/lib/dkimpipe/rotation ')
	[ "$(in_root stat -c '%a %U' /var/lib/dkimpipe/rotation)" = "700 dkimpipe" ]
	[ "$(in_root stat -c '%a %U %G' /etc/dkimpipe/keys)" = "711 nobody root" ]
	[ "$(in_root cat /etc/dkimpipe/keys/old.private)" = secret ]
}

@test "reinstall: dpkg -i of the same .deb changes nothing" {
	installed "$BATS_TEST_TMPDIR/r"
	before=$(root_state)
	run in_root dpkg -i "$DEB1"
	echo "$output"
	[ "$status" -eq 0 ]
	after=$(root_state)
	diff -u <(echo "$before") <(echo "$after")
	echo "$after" | grep -q '^/etc/dkimpipe/keys 750 root dkimpipe '
	[ "$(in_root dpkg-query -W -f='${Status}' dkimpipe)" = "install ok installed" ]
}

@test "upgrade: an edited conffile is kept (--force-confold), keys too, the new binary has the new version" {
	[ -f "$DEBS/2/${DEB2##*/}" ] || { tail -n 30 "$BATS_FILE_TMPDIR/build2.log"; false; }
	installed "$BATS_TEST_TMPDIR/r"
	root_sh 'set -e
		echo "# edited before the upgrade" >> /etc/dkimpipe/dkimpipe.conf
		dkimpipe keygen -t ed25519 -d example.com -s up1 -D /etc/dkimpipe/keys >/dev/null'
	before=$(root_state)
	run in_root dpkg --force-confold -i "$DEB2"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(in_root dkimpipe version)" = "dkimpipe $V2" ]
	[ "$(in_root dpkg-query -W -f='${Version}' dkimpipe)" = "$V2" ]
	[ "$(root_sh 'zcat /usr/share/man/man8/dkimpipe.8.gz' | grep '^\.Os')" = ".Os dkimpipe $V2" ]
	[ "$(in_root tail -n 1 /etc/dkimpipe/dkimpipe.conf)" = "# edited before the upgrade" ]
	after=$(root_state)
	diff -u <(echo "$before" | grep -v ' /usr/sbin/dkimpipe$') \
	    <(echo "$after" | grep -v ' /usr/sbin/dkimpipe$')
	echo "$after" | grep -q ' /etc/dkimpipe/keys/up1.private$'
}

@test "remove: binary gone, conffile and keys kept, prerm without setup state does nothing" {
	installed "$BATS_TEST_TMPDIR/r"
	root_sh 'dkimpipe keygen -t ed25519 -d example.com -s rm1 -D /etc/dkimpipe/keys >/dev/null'
	run in_root test -e /var/lib/dkimpipe/setup/owned
	[ "$status" -ne 0 ]
	before=$(root_state)
	run in_root dpkg -r dkimpipe
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" != *setup* ]]
	run in_root test -e /usr/sbin/dkimpipe
	[ "$status" -ne 0 ]
	run in_root test -e /usr/share/man/man8/dkimpipe.8.gz
	[ "$status" -ne 0 ]
	[ "$(in_root dpkg-query -W -f='${Status}' dkimpipe)" = "deinstall ok config-files" ]
	after=$(root_state)
	diff -u <(echo "$before" | grep -e '^/etc/dkimpipe' -e ' /etc/dkimpipe/' -e '^dkimpipe:') \
	    <(echo "$after" | grep -e '^/etc/dkimpipe' -e ' /etc/dkimpipe/' -e '^dkimpipe:')
	echo "$after" | grep -q '^/etc/dkimpipe/dkimpipe.conf 644 root root '
	echo "$after" | grep -q '^/etc/dkimpipe/keys 750 root dkimpipe '
}

@test "purge: conffile, /var/lib/dkimpipe and an empty keys directory gone, the user kept" {
	installed "$BATS_TEST_TMPDIR/r"
	root_sh 'mkdir /var/lib/dkimpipe/cache && echo x > /var/lib/dkimpipe/cache/state'
	run in_root dpkg -P dkimpipe
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" != *keeping* ]]
	for p in /etc/dkimpipe/dkimpipe.conf /etc/dkimpipe/keys /etc/dkimpipe /var/lib/dkimpipe /usr/sbin/dkimpipe; do
		run in_root test -e "$p"
		[ "$status" -ne 0 ]
	done
	[ "$(in_root dpkg-query -W -f='${Status}' dkimpipe 2>/dev/null || true)" != "deinstall ok config-files" ]
	in_root getent passwd dkimpipe
}

@test "purge: keys in /etc/dkimpipe/keys are kept, and purge says so" {
	installed "$BATS_TEST_TMPDIR/r"
	root_sh 'dkimpipe keygen -t ed25519 -d example.com -s p1 -D /etc/dkimpipe/keys >/dev/null'
	sum=$(in_root sha256sum /etc/dkimpipe/keys/p1.private)
	run in_root dpkg -P dkimpipe
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | grep -c 'keeping /etc/dkimpipe/keys')" -eq 1 ]
	echo "$output" | grep -q 'keeping /etc/dkimpipe/keys: it holds keys; remove them by hand with: rm -r /etc/dkimpipe/keys'
	[ "$(in_root sha256sum /etc/dkimpipe/keys/p1.private)" = "$sum" ]
	[ "$(in_root stat -c '%a %U %G' /etc/dkimpipe/keys)" = "750 root dkimpipe" ]
	run in_root test -e /etc/dkimpipe/dkimpipe.conf
	[ "$status" -ne 0 ]
	run in_root test -e /var/lib/dkimpipe
	[ "$status" -ne 0 ]
}

@test "host: its users, dpkg database, /usr/sbin and /etc/dkimpipe are untouched, no mount left" {
	host_state > "$BATS_FILE_TMPDIR/host.after"
	diff -u "$BATS_FILE_TMPDIR/host.before" "$BATS_FILE_TMPDIR/host.after"
	run findmnt -rn -o TARGET
	! echo "$output" | grep -F "$BATS_FILE_TMPDIR"
	! grep -q dkimpipe-pkgroot /proc/self/mountinfo
}
