# dns-env.bash - a real DNS server (dnsmasq from Debian) on
# 127.0.0.1:$DNS_PORT for key tests, authoritative for the test domains
# (unknown names get NXDOMAIN) and serving TXT records given as zone-file
# snippets in opendkim-genkey's shape, so the split strings are served
# exactly as written.

DNS_PORT=5353

# zone_to_arg FILE DOMAIN - a dnsmasq --txt-record argument from a .txt
zone_to_arg() {
	local name
	name=$(awk '{print $1; exit}' "$1")
	printf -- '--txt-record=%s.%s' "$name" "$2"
	grep -o '"[^"]*"' "$1" | tr -d '"' | while IFS= read -r s; do printf ',%s' "$s"; done
	printf '\n'
}

# dns_start WORKDIR ARGFILE - start dnsmasq with the arguments in ARGFILE
dns_start() {
	local args
	dns_stop "$1"
	# a server an earlier test left, in this network namespace only (other
	# sandboxes may run theirs on the same port)
	for p in $(pgrep -f "dnsmasq .*--port=$DNS_PORT"); do
		[ "$(readlink "/proc/$p/ns/net")" = "$(readlink /proc/$$/ns/net)" ] &&
		    kill "$p" 2>/dev/null
	done
	readarray -t args < "$2"
	dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts \
	    --port=$DNS_PORT --listen-address=127.0.0.1 --bind-interfaces \
	    --user=root --pid-file --local=/example.com/ --local=/example.org/ \
	    "${args[@]}" >/dev/null 2>&1 3>&- &
	echo $! > "$1/dns.pid"
	sleep 0.5
}

dns_stop() {
	[ -f "$1/dns.pid" ] && { kill "$(cat "$1/dns.pid")" 2>/dev/null || true; }
	rm -f "$1/dns.pid"
	sleep 0.2
}

# unbound.conf for OpenDKIM's resolver, pointed at our server
unbound_conf() {
	printf 'server:\n\tdo-not-query-localhost: no\n\tmodule-config: "iterator"\nforward-zone:\n\tname: "."\n\tforward-addr: 127.0.0.1@%s\n' $DNS_PORT > "$1/unbound.conf"
	printf 'ResolverConfiguration %s/unbound.conf\n' "$1" > "$1/opendkim-testkey.conf"
}
