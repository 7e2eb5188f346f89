/*
 * dns - fetch a TXT record with the C library's resolver (libresolv).
 *
 * nameservers is NULL for /etc/resolv.conf, or a list of IPv4
 * "address[:port]" (hostport_parse(), port 53 by default) separated by
 * commas or spaces; past the resolver's MAXNS (3) the rest is ignored.
 * The character-strings of the first TXT record are joined without
 * separators (RFC 6376 section 3.6.2.2). NXDOMAIN and NODATA are
 * DNS_NONE; anything else that fails is DNS_TEMP; out of memory exits
 * (xmalloc). No caching, no policy.
 */
#include <sys/types.h>
#include <netinet/in.h>
#include <arpa/nameser.h>

#include <netdb.h>
#include <resolv.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "dns.h"
#include "hostport.h"
#include "xmem.h"

#define ANSWER_MAX	16384

/*
 * set_servers - use the given name servers instead of resolv.conf: each
 * an IPv4 address with an optional port (53), as hostport_parse() reads
 * it; the resolver's nsaddr_list holds IPv4 only
 */
static int
set_servers(res_state st, const char *list, struct why *why)
{
	struct sockaddr_storage ss;
	const char *p = list;
	socklen_t sl;
	size_t len;
	int n = 0;

	while (*p != '\0' && n < MAXNS) {
		len = strcspn(p, ", \t");
		if (len > 0) {
			if (hostport_parse(p, len, 53, &ss, &sl) < 0 ||
			    ss.ss_family != AF_INET || sl > sizeof(st->nsaddr_list[n]))
				return why_set(why, EX_CONFIG, "bad name server %.*s",
				    (int)len, p);
			memset(&st->nsaddr_list[n], 0, sizeof(st->nsaddr_list[n]));
			memcpy(&st->nsaddr_list[n], &ss, sl);
			n++;
		}
		p += len;
		if (*p != '\0')
			p++;
	}
	if (n == 0)
		return why_set(why, EX_CONFIG, "no name servers in \"%s\"", list);
	st->nscount = n;
	return 0;
}

/* first_txt - join the strings of the first TXT answer; its TTL */
static int
first_txt(const unsigned char *ans, int len, struct buf *out, unsigned *ttl)
{
	ns_msg msg;
	ns_rr rr;
	const unsigned char *rd, *end;
	int i;

	if (ns_initparse(ans, len, &msg) < 0)
		return -1;
	for (i = 0; i < ns_msg_count(msg, ns_s_an); i++) {
		if (ns_parserr(&msg, ns_s_an, i, &rr) < 0)
			return -1;
		if (ns_rr_type(rr) != ns_t_txt)
			continue;
		*ttl = ns_rr_ttl(rr);
		rd = ns_rr_rdata(rr);
		end = rd + ns_rr_rdlen(rr);
		while (rd < end && rd + 1 + *rd <= end) {
			buf_add(out, rd + 1, *rd);
			rd += 1 + *rd;
		}
		return 0;
	}
	return -1;
}

enum dns_result
dns_txt(const char *name, const char *nameservers, struct buf *out,
    struct why *why)
{
	unsigned ttl;

	return dns_txt_ttl(name, nameservers, 0, out, &ttl, why);
}

/*
 * dns_txt_ttl - dns_txt, also giving the record's TTL; quick asks each
 * server once with a one-second wait (a check that must not hold mail
 * up), else twice with two seconds.
 */
enum dns_result
dns_txt_ttl(const char *name, const char *nameservers, int quick,
    struct buf *out, unsigned *ttl, struct why *why)
{
	struct __res_state st;
	unsigned char *ans;
	int len;
	enum dns_result r;

	*ttl = 0;

	memset(&st, 0, sizeof(st));
	if (res_ninit(&st) < 0) {
		why_set(why, EX_TEMPFAIL, "cannot initialize the resolver");
		return DNS_TEMP;
	}
	st.options |= RES_USE_EDNS0;
	st.retry = quick ? 1 : 2;
	st.retrans = quick ? 1 : 2;
	if (nameservers != NULL && set_servers(&st, nameservers, why) < 0) {
		res_nclose(&st);
		return DNS_TEMP;
	}
	ans = xmalloc(ANSWER_MAX);
	len = res_nquery(&st, name, ns_c_in, ns_t_txt, ans, ANSWER_MAX);
	if (len < 0) {
		if (st.res_h_errno == HOST_NOT_FOUND || st.res_h_errno == NO_DATA) {
			why_set(why, EX_UNAVAILABLE, "%s: no such TXT record", name);
			r = DNS_NONE;
		} else {
			why_set(why, EX_TEMPFAIL, "%s: DNS lookup failed", name);
			r = DNS_TEMP;
		}
	} else if (first_txt(ans, len, out, ttl) < 0) {
		why_set(why, EX_UNAVAILABLE, "%s: no TXT record in the answer", name);
		r = DNS_NONE;
	} else
		r = DNS_FOUND;
	free(ans);
	res_nclose(&st);
	return r;
}
