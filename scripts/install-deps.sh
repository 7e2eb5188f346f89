#!/bin/sh
# install-deps.sh - install what dkimpipe needs to build, test and
# benchmark, from Debian's packages. Does nothing when all are present.
set -eu

PKGS="build-essential pkg-config libssl-dev libbsd-dev openssl bats time
python3 python3-dkim python3-nacl python3-dnspython libmail-dkim-perl libnet-dns-perl
opendkim opendkim-tools postfix dnsmasq-base faketime valgrind procps strace
clang libclang-rt-14-dev clang-tools-14 cppcheck
dpkg-dev debhelper lintian bind9 bind9-dnsutils"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
	    missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages:$missing (run as root to install)" >&2
	exit 1
fi
export DEBIAN_FRONTEND=noninteractive
echo "postfix postfix/main_mailer_type select No configuration" |
    debconf-set-selections
# no service the packages bring (bind9's named, postfix) is started by
# the install: a policy-rc.d that refuses, only while apt runs and only
# when the host has none of its own
policy=/usr/sbin/policy-rc.d
own_policy=""
if [ ! -e "$policy" ]; then
	own_policy=$policy
	printf '#!/bin/sh\n# install-deps.sh: no service starts during the install\nexit 101\n' > "$policy"
	chmod 755 "$policy"
	trap 'rm -f "$own_policy"' EXIT
	trap 'exit 1' HUP INT TERM
fi
apt-get update -q
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $missing
