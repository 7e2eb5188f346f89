/*
 * keygen - make a new DKIM key pair and write its private half.
 */
#ifndef KEYGEN_H
#define KEYGEN_H

#include <openssl/evp.h>

#include "keys.h"
#include "why.h"

EVP_PKEY *keygen_new(enum alg, int);
int	keygen_write(const char *, EVP_PKEY *, struct why *);

#endif
