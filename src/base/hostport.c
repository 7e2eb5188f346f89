/*
 * hostport - parse a numeric network address with a port: "[::1]:10026",
 * "[127.0.0.1]:10026", "127.0.0.1:10026", or (with a default port) a
 * bare "192.0.2.53" or "[2001:db8::53]". The port is 1 to 65535 in
 * decimal digits only (no sign, no space) with nothing after it.
 *
 * Without brackets an IPv6 address is ambiguous. When a port is required
 * it is what follows the last colon ("::1:10026" is [::1]:10026, as the
 * smtp: reinject value always took it); with a default port a text that
 * is all one IPv6 address is that address ("2001:db8::53"), never split
 * into another one. IPv4 is a dotted quad (inet_pton; not "127.1" or
 * "0x7f.1"). Names are never looked up (AI_NUMERICHOST): parsing a
 * configuration sends nothing anywhere. No policy: which families and
 * addresses a caller accepts is its business; hostport_loopback() tells
 * whether an address is on 127.0.0.0/8 or ::1.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <arpa/inet.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>

#include "hostport.h"

#define HOST_MAX	64

/* bare_ipv6 - s[0..n) is one IPv6 address without brackets */
static int
bare_ipv6(const char *s, size_t n)
{
	struct in6_addr a;
	char host[HOST_MAX];

	if (n >= sizeof(host) || memchr(s, ':', n) == NULL)
		return 0;
	memcpy(host, s, n);
	host[n] = '\0';
	return inet_pton(AF_INET6, host, &a) == 1;
}

/*
 * split - the host part of s[0..n) into host, and where its port text
 * starts (NULL: no port) and how long it is; 0, or -1 when malformed
 */
static int
split(const char *s, size_t n, int defport, char *host, const char **port,
    size_t *plen)
{
	const char *end = s + n, *close, *colon = NULL, *p;
	size_t hl;

	if (n > 0 && s[0] == '[') {
		if ((close = memchr(s, ']', n)) == NULL)
			return -1;
		hl = (size_t)(close - s - 1);
		s++;
		if (close + 1 < end && close[1] != ':')
			return -1;
		colon = close + 1 < end ? close + 1 : NULL;
	} else if (defport != 0 && bare_ipv6(s, n)) {
		hl = n;
	} else {
		for (p = s; p < end; p++)
			if (*p == ':')
				colon = p;
		hl = colon != NULL ? (size_t)(colon - s) : n;
	}
	if (hl == 0 || hl >= HOST_MAX || memchr(s, '\0', hl) != NULL)
		return -1;
	memcpy(host, s, hl);
	host[hl] = '\0';
	*port = colon != NULL ? colon + 1 : NULL;
	*plen = colon != NULL ? (size_t)(end - colon - 1) : 0;
	return 0;
}

/* port_number - p[0..n) as a port, 1 to 65535, digits only; or -1 */
static long
port_number(const char *p, size_t n)
{
	long num = 0;
	size_t i;

	if (n == 0 || n > 5)
		return -1;
	for (i = 0; i < n; i++) {
		if (p[i] < '0' || p[i] > '9')
			return -1;
		num = num * 10 + (p[i] - '0');
	}
	return num >= 1 && num <= 65535 ? num : -1;
}

/*
 * numeric_addr - host into ss/len: IPv4 as a dotted quad only (inet_pton:
 * no "127.1", no octal or hex parts), IPv6 with getaddrinfo (a scope
 * "%lo" allowed); 0 or -1
 */
static int
numeric_addr(const char *host, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *in = (struct sockaddr_in *)(void *)ss;
	struct addrinfo hints, *res;
	int ok;

	memset(ss, 0, sizeof(*ss));
	if (strchr(host, ':') == NULL) {
		if (inet_pton(AF_INET, host, &in->sin_addr) != 1)
			return -1;
		in->sin_family = AF_INET;
		*len = sizeof(*in);
		return 0;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_INET6;
	hints.ai_flags = AI_NUMERICHOST;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, NULL, &hints, &res) != 0)
		return -1;
	ok = res->ai_family == AF_INET6 && res->ai_addrlen <= sizeof(*ss);
	if (ok) {
		memcpy(ss, res->ai_addr, res->ai_addrlen);
		*len = res->ai_addrlen;
	}
	freeaddrinfo(res);
	return ok ? 0 : -1;
}

/*
 * hostport_parse - s[0..n) as a numeric address and port into ss/len;
 * defport (1 to 65535; 0: a port is required) when it names none.
 * Returns 0, or -1 with ss and len untouched.
 */
int
hostport_parse(const char *s, size_t n, int defport,
    struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_storage tmp;
	char host[HOST_MAX];
	const char *pt;
	size_t pl;
	socklen_t tl;
	long num;

	if (defport < 0 || defport > 65535 ||
	    split(s, n, defport, host, &pt, &pl) < 0)
		return -1;
	if (pt == NULL && defport == 0)
		return -1;
	num = pt != NULL ? port_number(pt, pl) : defport;
	if (num < 0 || numeric_addr(host, &tmp, &tl) < 0)
		return -1;
	if (tmp.ss_family == AF_INET)
		((struct sockaddr_in *)(void *)&tmp)->sin_port = htons((unsigned short)num);
	else
		((struct sockaddr_in6 *)(void *)&tmp)->sin6_port = htons((unsigned short)num);
	*ss = tmp;
	*len = tl;
	return 0;
}

/* hostport_loopback - is the address on 127.0.0.0/8 or ::1 */
int
hostport_loopback(const struct sockaddr_storage *ss)
{
	const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)ss;
	const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)ss;

	if (ss->ss_family == AF_INET)
		return (ntohl(in->sin_addr.s_addr) >> 24) == 127;
	return ss->ss_family == AF_INET6 && IN6_IS_ADDR_LOOPBACK(&in6->sin6_addr);
}
