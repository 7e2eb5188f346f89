/*
 * dns - fetch TXT records, from the system resolver or from given
 * name servers (IPv4 address[:port], so tests can use a loopback server).
 */
#ifndef DNS_H
#define DNS_H

#include "buf.h"
#include "why.h"

enum dns_result { DNS_FOUND, DNS_NONE, DNS_TEMP };

enum dns_result dns_txt(const char *, const char *, struct buf *,
	    struct why *);
enum dns_result dns_txt_ttl(const char *, const char *, int, struct buf *,
	    unsigned *, struct why *);

#endif
