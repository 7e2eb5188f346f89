/*
 * hostport_test - hostport_parse() and hostport_loopback(): bracketed
 * and bare IPv4 and IPv6 addresses, a default port or a required one,
 * ports out of range, not digits or followed by anything, names (never
 * looked up), text that goes on past the given length, and which
 * addresses are loopback. One line per case in the table; prints
 * "not ok N: case: got X want Y" for every mismatch, "ok N cases" at the
 * end, and exits 1 on any.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "hostport.h"

#define BAD	-1		/* hostport_parse refuses it */

static const struct tcase {
	const char	*name;
	const char	*in;
	size_t		 n;		/* 0: strlen(in) */
	int		 defport;	/* 0: a port is required */
	int		 family;	/* AF_INET, AF_INET6, or BAD */
	const char	*addr;		/* what inet_ntop says */
	int		 port;
	int		 loopback;
} cases[] = {
	{ "IPv4 with a port", "127.0.0.1:10026", 0, 0, AF_INET, "127.0.0.1", 10026, 1 },
	{ "IPv4 in brackets", "[127.0.0.1]:25", 0, 0, AF_INET, "127.0.0.1", 25, 1 },
	{ "IPv4, default port", "192.0.2.53", 0, 53, AF_INET, "192.0.2.53", 53, 0 },
	{ "IPv4 in brackets, default port", "[192.0.2.53]", 0, 53, AF_INET, "192.0.2.53", 53, 0 },
	{ "IPv4 with a port, a default one given", "192.0.2.53:5353", 0, 53, AF_INET, "192.0.2.53", 5353, 0 },
	{ "IPv4 without a port, one required", "127.0.0.1", 0, 0, BAD, NULL, 0, 0 },
	{ "IPv6 in brackets", "[::1]:10026", 0, 0, AF_INET6, "::1", 10026, 1 },
	{ "IPv6 in brackets, default port", "[2001:db8::53]", 0, 53, AF_INET6, "2001:db8::53", 53, 0 },
	{ "IPv6 in brackets without a port, one required", "[::1]", 0, 0, BAD, NULL, 0, 0 },
	{ "IPv6 bare, port required: after the last colon", "::1:10026", 0, 0, AF_INET6, "::1", 10026, 1 },
	{ "IPv6 bare, default port: all of it the address", "2001:db8::1:53", 0, 53, AF_INET6, "2001:db8::1:53", 53, 0 },
	{ "IPv6 bare ::1, default port: never [::]:1", "::1", 0, 53, AF_INET6, "::1", 53, 1 },
	{ "empty port", "127.0.0.1:", 0, 0, BAD, NULL, 0, 0 },
	{ "empty port in brackets", "[::1]:", 0, 53, BAD, NULL, 0, 0 },
	{ "port 0", "127.0.0.1:0", 0, 0, BAD, NULL, 0, 0 },
	{ "port 65535", "127.0.0.1:65535", 0, 0, AF_INET, "127.0.0.1", 65535, 1 },
	{ "port 65536", "127.0.0.1:65536", 0, 0, BAD, NULL, 0, 0 },
	{ "port 100000", "127.0.0.1:100000", 0, 0, BAD, NULL, 0, 0 },
	{ "port not numeric", "127.0.0.1:smtp", 0, 0, BAD, NULL, 0, 0 },
	{ "port with trailing garbage", "127.0.0.1:25x", 0, 53, BAD, NULL, 0, 0 },
	{ "port with a sign", "127.0.0.1:+25", 0, 0, BAD, NULL, 0, 0 },
	{ "port with a leading space", "127.0.0.1: 25", 0, 0, BAD, NULL, 0, 0 },
	{ "negative port", "127.0.0.1:-1", 0, 0, BAD, NULL, 0, 0 },
	{ "leading zeros", "127.0.0.1:0025", 0, 0, AF_INET, "127.0.0.1", 25, 1 },
	{ "garbage after the bracket", "[::1]x25", 0, 0, BAD, NULL, 0, 0 },
	{ "no closing bracket", "[::1:25", 0, 0, BAD, NULL, 0, 0 },
	{ "empty brackets", "[]:25", 0, 0, BAD, NULL, 0, 0 },
	{ "empty text", "", 0, 53, BAD, NULL, 0, 0 },
	{ "only a port", ":25", 0, 0, BAD, NULL, 0, 0 },
	{ "name refused", "localhost:25", 0, 0, BAD, NULL, 0, 0 },
	{ "name in brackets refused", "[localhost]:25", 0, 53, BAD, NULL, 0, 0 },
	{ "name, default port, refused", "ns.example.com", 0, 53, BAD, NULL, 0, 0 },
	{ "IPv4 shorthand 127.1 refused", "127.1:25", 0, 0, BAD, NULL, 0, 0 },
	{ "IPv4 in hex refused", "0x7f.0.0.1:25", 0, 0, BAD, NULL, 0, 0 },
	{ "IPv4 as one number refused", "[2130706433]:25", 0, 0, BAD, NULL, 0, 0 },
	{ "IPv6 with a numeric scope", "[fe80::1%1]:25", 0, 0, AF_INET6, "fe80::1", 25, 0 },
	{ "IPv4 with a space", "127.0.0.1 :25", 0, 0, BAD, NULL, 0, 0 },
	{ "host part too long", "[0000:0000:0000:0000:0000:0000:0000:0001%00000000000000000000000000000]:25", 0, 0, BAD, NULL, 0, 0 },
	{ "the given length only: one of a list", "127.0.0.1:5353,192.0.2.1", 14, 53, AF_INET, "127.0.0.1", 5353, 1 },
	{ "the given length cuts the port", "127.0.0.1:5353", 12, 0, AF_INET, "127.0.0.1", 53, 1 },
	{ "NUL inside the host part", "127.0.0.1\0x:25", 14, 0, BAD, NULL, 0, 0 },
	{ "NUL inside the port", "127.0.0.1:25\0x", 14, 0, BAD, NULL, 0, 0 },
	{ "default port out of range", "127.0.0.1", 0, 65536, BAD, NULL, 0, 0 },
	{ "loopback: 127.255.255.254", "127.255.255.254:1", 0, 0, AF_INET, "127.255.255.254", 1, 1 },
	{ "not loopback: 128.0.0.1", "128.0.0.1:1", 0, 0, AF_INET, "128.0.0.1", 1, 0 },
	{ "not loopback: 0.0.0.0", "0.0.0.0:25", 0, 0, AF_INET, "0.0.0.0", 25, 0 },
	{ "not loopback: [::]", "[::]:25", 0, 0, AF_INET6, "::", 25, 0 },
	{ "not loopback: IPv4-mapped 127.0.0.1", "[::ffff:127.0.0.1]:25", 0, 0, AF_INET6, "::ffff:127.0.0.1", 25, 0 },
};

/* describe - "family addr port P loopback L len N" of an address */
static void
describe(const struct sockaddr_storage *ss, int loopback, size_t len,
    char *out, size_t size)
{
	const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)ss;
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)ss;
	char a[INET6_ADDRSTRLEN] = "?";
	int port = -1;

	if (ss->ss_family == AF_INET) {
		inet_ntop(AF_INET, &in->sin_addr, a, sizeof(a));
		port = ntohs(in->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &in6->sin6_addr, a, sizeof(a));
		port = ntohs(in6->sin6_port);
	}
	snprintf(out, size, "%s %s port %d loopback %d len %zu",
	    ss->ss_family == AF_INET ? "inet" : ss->ss_family == AF_INET6 ?
	    "inet6" : "other", a, port, loopback, len);
}

/* expected - the address a case wants, described */
static void
expected(const struct tcase *t, char *out, size_t size)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *in = (struct sockaddr_in *)(void *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)(void *)&ss;

	memset(&ss, 0, sizeof(ss));
	ss.ss_family = (sa_family_t)t->family;
	if (t->family == AF_INET) {
		inet_pton(AF_INET, t->addr, &in->sin_addr);
		in->sin_port = htons((unsigned short)t->port);
	} else {
		inet_pton(AF_INET6, t->addr, &in6->sin6_addr);
		in6->sin6_port = htons((unsigned short)t->port);
	}
	describe(&ss, t->loopback, t->family == AF_INET ? sizeof(*in) :
	    sizeof(*in6), out, size);
}

int
main(void)
{
	struct sockaddr_storage ss;
	const struct tcase *t;
	char got[128], want[128];
	size_t i, n = sizeof(cases) / sizeof(cases[0]);
	socklen_t len;
	int bad = 0, r;

	for (i = 0; i < n; i++) {
		t = &cases[i];
		memset(&ss, 0xa5, sizeof(ss));
		len = 7;
		r = hostport_parse(t->in, t->n ? t->n : strlen(t->in), t->defport,
		    &ss, &len);
		if (r == 0)
			describe(&ss, hostport_loopback(&ss), len, got, sizeof(got));
		else
			snprintf(got, sizeof(got), "%d, len %d", r, (int)len);
		if (t->family == BAD)
			snprintf(want, sizeof(want), "-1, len 7");
		else
			expected(t, want, sizeof(want));
		if (strcmp(got, want) != 0) {
			printf("not ok %zu: %s: got %s want %s\n", i + 1, t->name,
			    got, want);
			bad = 1;
		}
	}
	printf("ok %zu cases\n", n);
	return bad;
}
