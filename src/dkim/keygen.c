/*
 * keygen - make a new key pair in-process (EVP_PKEY_keygen, never a
 * shell): RSA of the given size or Ed25519; and write its private half
 * as PEM (PKCS#8), mode 0600, never over an existing file and never as
 * half a file: it is written and synced under a temporary name in the
 * same directory and then linked to its name, which fails if the name
 * exists. It decides no names and publishes nothing.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "keygen.h"

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

/* put - k as PEM to the new file fd, synced; closes fd */
static int
put(int fd, EVP_PKEY *k)
{
	FILE *fp;
	int bad;

	if ((fp = fdopen(fd, "w")) == NULL) {
		(void)close(fd);
		return -1;
	}
	bad = PEM_write_PrivateKey(fp, k, NULL, NULL, 0, NULL, NULL) != 1 ||
	    fflush(fp) != 0 || fsync(fd) != 0;
	if (fclose(fp) != 0)
		bad = 1;
	return bad ? -1 : 0;
}

/*
 * keygen_write - k's private half at path: 0, or -1 with why (EEXIST in
 * why->status's text when the name is taken: nothing is then changed)
 */
int
keygen_write(const char *path, EVP_PKEY *k, struct why *why)
{
	char tmp[PATH_MAX];
	int fd, e;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.new.%ld", path,
	    (long)getpid()) >= sizeof(tmp))
		return why_set(why, EX_CANTCREAT, "%s: name too long", path);
	(void)unlink(tmp);	/* a crashed run's, with our pid once */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0)
		return why_set(why, EX_CANTCREAT, "cannot create %s: %s", tmp,
		    strerror(errno));
	if (put(fd, k) < 0) {
		e = errno;
		(void)unlink(tmp);
		return why_set(why, EX_IOERR, "cannot write %s: %s", tmp, strerror(e));
	}
	if (link(tmp, path) < 0) {
		e = errno;
		(void)unlink(tmp);
		return why_set(why, EX_CANTCREAT, "cannot create %s: %s", path,
		    strerror(e));
	}
	(void)unlink(tmp);
	return 0;
}
