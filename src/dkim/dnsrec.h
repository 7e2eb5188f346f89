/*
 * dnsrec - DKIM public key records (RFC 6376 section 3.6.1): make one
 * from a key, and parse one from DNS.
 */
#ifndef DNSREC_H
#define DNSREC_H

#include <openssl/evp.h>

#include "buf.h"
#include "keys.h"
#include "why.h"

struct keyrec {
	char	 k[16];		/* k=, default "rsa" */
	char	 h[64];		/* h=, "" when absent */
	char	 s[64];		/* s=, "" when absent */
	char	 t[64];		/* t= flags */
	int	 testing;	/* t=y */
	int	 revoked;	/* empty p= */
	EVP_PKEY *pkey;		/* public key, NULL if revoked */
};

void	dnsrec_value(struct buf *, EVP_PKEY *);
void	dnsrec_zone(struct buf *, EVP_PKEY *, const char *, const char *);
int	dnsrec_parse(struct keyrec *, const char *, struct why *);
void	dnsrec_free(struct keyrec *);
int	dnsrec_same_key(EVP_PKEY *, EVP_PKEY *);

#endif
