/*
 * keygen - make a new key pair in-process (EVP_PKEY_keygen, never a
 * shell): RSA of the given size or Ed25519; and write its private half
 * as PEM (PKCS#8), mode 0600, never over an existing file and never as
 * half a file (wholefile_create). It decides no names and publishes
 * nothing.
 */
#include <errno.h>
#include <string.h>
#include <sysexits.h>

#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "keygen.h"
#include "wholefile.h"

/* keygen_new - a new key; NULL when OpenSSL cannot make one */
EVP_PKEY *
keygen_new(enum alg alg, int bits)
{
	EVP_PKEY_CTX *ctx;
	EVP_PKEY *k = NULL;
	int rsa = alg == ALG_RSA_SHA256;

	ctx = EVP_PKEY_CTX_new_id(rsa ? EVP_PKEY_RSA : EVP_PKEY_ED25519, NULL);
	if (ctx == NULL || EVP_PKEY_keygen_init(ctx) != 1 ||
	    (rsa && EVP_PKEY_CTX_set_rsa_keygen_bits(ctx, bits) != 1) ||
	    EVP_PKEY_keygen(ctx, &k) != 1)
		k = NULL;
	EVP_PKEY_CTX_free(ctx);
	return k;
}

/*
 * keygen_write - k's private half at path: 0, or -1 with why (also when
 * the name is taken: nothing is then changed)
 */
int
keygen_write(const char *path, EVP_PKEY *k, struct why *why)
{
	BIO *mem;
	char *pem;
	long len;
	int rc;

	if ((mem = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_PrivateKey(mem, k, NULL, NULL, 0, NULL, NULL) != 1 ||
	    (len = BIO_get_mem_data(mem, &pem)) <= 0) {
		BIO_free(mem);
		return why_set(why, EX_SOFTWARE, "%s: cannot encode the key", path);
	}
	rc = wholefile_create(path, pem, (size_t)len, 0600, why);
	if (rc > 0)
		why_set(why, EX_CANTCREAT, "cannot create %s: %s", path,
		    strerror(EEXIST));
	OPENSSL_cleanse(pem, (size_t)len);
	BIO_free(mem);
	return rc == 0 ? 0 : -1;
}
