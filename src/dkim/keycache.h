/*
 * keycache - decoded private keys kept by a long-lived process.
 */
#ifndef KEYCACHE_H
#define KEYCACHE_H

#include <sys/stat.h>

#include <openssl/evp.h>

#include "why.h"

struct keycache_ent {
	char		*path;
	struct stat	 st;		/* the file as it was when decoded */
	EVP_PKEY	*pkey;
};

struct keycache {
	struct keycache_ent	*e;
	size_t			 n;
};

void	keycache_init(struct keycache *);
EVP_PKEY *keycache_get(struct keycache *, const char *, int, struct why *);
void	keycache_free(struct keycache *);

#endif
