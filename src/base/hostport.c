/*
 * hostport - parse a numeric network address with a port: "[::1]:10026",
 * "[127.0.0.1]:10026", "127.0.0.1:10026", or (with a default port) a
 * bare "192.0.2.53" or "[2001:db8::53]". The port is a decimal number
 * from 1 to 65535 with nothing after it. Names are never looked up
 * (AI_NUMERICHOST): parsing a configuration sends nothing anywhere.
 * hostport_loopback() tells whether an address is on 127.0.0.0/8 or ::1.
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

/* split - the host part and the port text of s[0..n) */
static int
split(const char *s, size_t n, char *host, const char **port, size_t *plen)
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
	} else {
		for (p = s; p < end; p++)
			if (*p == ':')
				colon = p;
		hl = colon != NULL ? (size_t)(colon - s) : n;
	}
	if (hl == 0 || hl >= HOST_MAX)
		return -1;
	memcpy(host, s, hl);
	host[hl] = '\0';
	*port = colon != NULL ? colon + 1 : NULL;
	*plen = colon != NULL ? (size_t)(end - colon - 1) : 0;
	return 0;
}

/*
 * hostport_parse - s[0..n) as a numeric address and port into ss/len;
 * defport (0: a port is required) when it names none. Returns 0 or -1.
 */
int
hostport_parse(const char *s, size_t n, int defport,
    struct sockaddr_storage *ss, socklen_t *len)
{
	struct addrinfo hints, *res;
	char host[HOST_MAX], port[8];
	const char *pt, *err;
	size_t pl;
	long long num;

	if (split(s, n, host, &pt, &pl) < 0)
		return -1;
	if (pt == NULL && defport == 0)
		return -1;
	if (pt != NULL) {
		if (pl == 0 || pl >= sizeof(port))
			return -1;
		memcpy(port, pt, pl);
		port[pl] = '\0';
		num = strtonum(port, 1, 65535, &err);
		if (err != NULL)
			return -1;
	} else
		num = defport;
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, NULL, &hints, &res) != 0)
		return -1;
	if (res->ai_addrlen > sizeof(*ss)) {
		freeaddrinfo(res);
		return -1;
	}
	memset(ss, 0, sizeof(*ss));
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)(void *)ss)->sin_port = htons((unsigned short)num);
	else
		((struct sockaddr_in6 *)(void *)ss)->sin6_port = htons((unsigned short)num);
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
