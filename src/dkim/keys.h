/*
 * keys - load a DKIM private key from a PEM file and say what it signs.
 */
#ifndef KEYS_H
#define KEYS_H

#include <sys/stat.h>

#include <openssl/evp.h>

#include "why.h"

enum alg { ALG_RSA_SHA256, ALG_ED25519_SHA256 };

#define RSA_MIN_BITS	1024	/* RFC 8301 section 3.2 */

EVP_PKEY *keys_load(const char *, int, struct why *);
int	keys_open(const char *, int, struct stat *, struct why *);
EVP_PKEY *keys_read(int, const char *, struct why *);
int	keys_alg(const EVP_PKEY *, const char *, enum alg *, struct why *);
int	keys_kind(const char *, int, enum alg *, struct why *);
const char *keys_alg_name(enum alg);
int	keys_alg_parse(const char *, enum alg *);
int	keys_file_safe(const char *, int, struct why *);

#endif
