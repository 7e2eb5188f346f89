/*
 * verify - check the DKIM signatures of one message (RFC 6376 section 6).
 */
#ifndef VERIFY_H
#define VERIFY_H

#include <time.h>

#include "why.h"

#define VERIFY_MAXSIG	16

/* where public keys come from: a fixed record, a keys file, or DNS */
struct keysrc {
	const char	*record;	/* use this TXT value for every key */
	const char	*keysfile;	/* "sel._domainkey.dom value" lines */
	const char	*nameservers;	/* NULL: /etc/resolv.conf */
	time_t		 now;		/* 0: the clock */
};

struct vresult {
	char	result[12];		/* pass fail neutral permerror temperror */
	char	reason[160];
	char	d[256];
	char	s[128];
	char	a[32];
	char	b8[9];			/* first 8 characters of b= */
};

int	verify_fd(int, const struct keysrc *, struct vresult *, size_t *,
	    size_t *, struct why *);

#endif
