/*
 * sign - make one DKIM-Signature header field for a parsed header and a
 * body hash.
 */
#ifndef SIGN_H
#define SIGN_H

#include <time.h>

#include <openssl/evp.h>

#include "buf.h"
#include "canon.h"
#include "header.h"
#include "keys.h"
#include "why.h"

/* how to sign (the configuration's part; struct conf embeds it) */
struct signparams {
	enum canon	 hcanon;
	enum canon	 bcanon;
	char		**hdrs;		/* header names to sign when present */
	size_t		 nhdrs;
	char		**over;		/* names signed once more than present */
	size_t		 nover;
	long		 expire;	/* x= = t= + expire; 0: no x= */
};

/* what one signature is made with */
struct signkey {
	const char	*domain;	/* d= */
	const char	*selector;	/* s= */
	const char	*identity;	/* i=, "" for none */
	const char	*keyfile;	/* named in messages */
	EVP_PKEY	*pkey;
	enum alg	 alg;
};

int	sign_field(struct buf *, const struct signparams *,
	    const struct signkey *, const struct header *,
	    const unsigned char[32], time_t, struct why *);
void	sign_hdata(struct buf *, enum canon, const struct header *,
	    const char *, const char *, size_t);
int	sign_b(struct buf *, const struct signparams *, const struct signkey *,
	    const struct header *, const char *, const char *, size_t,
	    struct why *);

#endif
