# bind-env.bash - a real BIND 9 named (Debian's bind9) on
# 127.0.0.1:$BIND_PORT, loopback only, primary for example.com and
# taking dynamic updates signed with a TSIG key, for the tests of the
# publish commands. Everything it reads and writes (named.conf, zone,
# journal, key, pid file) is in the WORKDIR given to bind_start; it runs
# as the caller (root in the sandbox), in the foreground, no -u.

BIND_PORT=5354

# bind_conf WORKDIR - named.conf, the zone, the TSIG key and nsupdate.conf
bind_conf() {
	local w=$1
	tsig-keygen -a hmac-sha256 dkimtest-key > "$w/tsig.key"
	cat > "$w/example.com.zone" <<-EOF
	\$TTL 300
	@	IN SOA ns.example.com. hostmaster.example.com. 1 3600 600 86400 300
	@	IN NS ns.example.com.
	ns	IN A 127.0.0.1
	EOF
	cat > "$w/named.conf" <<-EOF
	options {
		directory "$w";
		pid-file "$w/named.pid";
		session-keyfile "$w/session.key";
		managed-keys-directory "$w";
		listen-on port $BIND_PORT { 127.0.0.1; };
		listen-on-v6 { none; };
		recursion no;
		dnssec-validation no;
		notify no;
		allow-transfer { none; };
	};
	controls { };
	include "$w/tsig.key";
	zone "example.com" {
		type primary;
		file "$w/example.com.zone";
		journal "$w/example.com.zone.jnl";
		allow-update { key "dkimtest-key"; };
	};
	EOF
	printf 'server=127.0.0.1\nport=%s\nzone=example.com\nkey=%s\n' \
	    "$BIND_PORT" "$w/tsig.key" > "$w/nsupdate.conf"
}

# bind_start WORKDIR - start named, wait (10 s at most) until it answers
bind_start() {
	local w=$1 i p
	bind_stop "$w"
	# a server an earlier test left, in this network namespace only
	for p in $(pgrep -f "named .*-c [^ ]*/named.conf"); do
		[ "$(readlink "/proc/$p/ns/net")" = "$(readlink /proc/$$/ns/net)" ] &&
		    kill "$p" 2>/dev/null
	done
	mkdir -p "$w"
	bind_conf "$w"
	named -g -n 1 -c "$w/named.conf" > "$w/named.log" 2>&1 3>&- &
	echo $! > "$w/bind.pid"
	for i in $(seq 50); do
		dig @127.0.0.1 -p $BIND_PORT +time=1 +tries=1 +short example.com SOA 2>/dev/null |
		    grep -q '^ns\.example\.com\.' && return 0
		kill -0 "$(cat "$w/bind.pid")" 2>/dev/null || break
		sleep 0.2
	done
	echo "bind_start: named did not answer; its log:" >&2
	tail -n 20 "$w/named.log" >&2
	return 1
}

# bind_stop WORKDIR - stop the named of WORKDIR, if any, and wait for it
bind_stop() {
	local pid i
	[ -f "$1/bind.pid" ] || return 0
	pid=$(cat "$1/bind.pid")
	kill "$pid" 2>/dev/null || true
	for i in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null || true
	rm -f "$1/bind.pid"
}

# bind_txt NAME - the TXT records of NAME as served, one a line, each
# record's strings joined; nothing when there is none
bind_txt() {
	dig @127.0.0.1 -p $BIND_PORT +time=2 +tries=1 +short "$1" TXT |
	    sed 's/" "//g; s/^"//; s/"$//'
}
