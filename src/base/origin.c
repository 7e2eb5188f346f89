/*
 * origin - the internal_hosts check: a message is ours to sign only
 * when Postfix says its original client was one of the listed hosts or
 * networks, authenticated with SASL, or no network client at all (mail
 * submitted with sendmail(1), Postfix's own notices). The client is what
 * Postfix recorded when the message entered (pipe(8)'s
 * ${client_address}, LMTP's XFORWARD ADDR), which local(8) keeps when it
 * forwards a message: mail from outside stays outside however it is
 * routed. Without internal_hosts every message is ours, as the smtpd
 * that routed it to the signer decided. This module only answers; the
 * modes tell the signer.
 */
#include <sys/socket.h>

#include <arpa/inet.h>
#include <ctype.h>

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "origin.h"
#include "xmem.h"

/* one_range - "192.0.2.0/24", "2001:db8::/32", "127.0.0.1", "::1" */
static int
one_range(const char *s, struct netrange *r)
{
	char host[64], *slash;
	const char *err;
	size_t max;
	long bits;

	if (strlen(s) >= sizeof(host))
		return -1;
	strlcpy(host, s, sizeof(host));
	if ((slash = strchr(host, '/')) != NULL)
		*slash++ = '\0';
	memset(r, 0, sizeof(*r));
	if (inet_pton(AF_INET, host, r->addr) == 1) {
		r->af = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, host, r->addr) == 1) {
		r->af = AF_INET6;
		max = 128;
	} else
		return -1;
	bits = (long)max;
	if (slash != NULL) {
		bits = (long)strtonum(slash, 0, (long long)max, &err);
		if (!isdigit((unsigned char)*slash) || err != NULL)
			return -1;
	}
	r->bits = (int)bits;
	return 0;
}

/*
 * origin_parse - a list of addresses and networks separated by commas
 * or spaces: 0, or -1 when one of them is not an address or network
 */
int
origin_parse(struct origin_list *l, const char *v)
{
	char *copy = xstrdup(v), *p = copy, *w;
	struct netrange r;
	int rc = 0;

	origin_free(l);
	l->set = 1;
	while ((w = strsep(&p, ", \t")) != NULL) {
		if (*w == '\0')
			continue;
		if (one_range(w, &r) < 0) {
			rc = -1;
			break;
		}
		l->r = xreallocarray(l->r, l->n + 1, sizeof(*l->r));
		l->r[l->n++] = r;
	}
	free(copy);
	return rc;
}

void
origin_free(struct origin_list *l)
{
	free(l->r);
	l->r = NULL;
	l->n = 0;
	l->set = 0;
}

/* in_range - does the address fall in the network */
static int
in_range(const struct netrange *r, int af, const unsigned char *a)
{
	int full = r->bits / 8, rest = r->bits % 8;
	unsigned char mask;

	if (af != r->af || memcmp(a, r->addr, (size_t)full) != 0)
		return 0;
	if (rest == 0)
		return 1;
	mask = (unsigned char)(0xff << (8 - rest));
	return (a[full] & mask) == (r->addr[full] & mask);
}

/* no_client - what Postfix records when no network client submitted it */
static int
no_client(const char *addr)
{
	return addr == NULL || *addr == '\0' || strcmp(addr, "[UNAVAILABLE]") == 0 ||
	    strcmp(addr, "[TEMPUNAVAIL]") == 0 || strcasecmp(addr, "unknown") == 0;
}

/*
 * origin_outside - NULL when the message is ours to sign; else why not,
 * to follow the client's address. addr is the client address as Postfix
 * gives it ("192.0.2.1", "IPv6:2001:db8::1"), sasl the SASL login name.
 */
const char *
origin_outside(const struct origin_list *l, const char *addr, const char *sasl)
{
	unsigned char a[16];
	size_t i;
	int af;

	if (!l->set || no_client(addr) || (sasl != NULL && *sasl != '\0'))
		return NULL;
	if (strncasecmp(addr, "IPv6:", 5) == 0)
		addr += 5;
	if (inet_pton(AF_INET, addr, a) == 1)
		af = AF_INET;
	else if (inet_pton(AF_INET6, addr, a) == 1)
		af = AF_INET6;
	else
		return "is not an address";
	for (i = 0; i < l->n; i++)
		if (in_range(&l->r[i], af, a))
			return NULL;
	return "is not in internal_hosts";
}
