/*
 * keys - load a DKIM private key and say what it signs.
 *
 * A key file is PEM (PKCS#8 or traditional RSA). Before it is read, the
 * open file is checked: when safety is required, it must be a regular
 * file, not readable or writable by group or others, and owned by root
 * or by the user running dkimpipe. RSA keys shorter than 1024 bits are
 * refused (RFC 8301); Ed25519 keys sign ed25519-sha256 (RFC 8463).
 * This module does not choose which key signs which message.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/decoder.h>
#include <openssl/pem.h>

#include "io.h"
#include "keys.h"

#define KEY_FILE_MAX	(64 * 1024)

/* keys_check_stat - the safe-key rules on an open file's status */
static int
keys_check_stat(const char *path, const struct stat *st, int require_safe,
    struct why *why)
{
	if (!S_ISREG(st->st_mode))
		return why_set(why, EX_CONFIG, "key file %s is not a regular file", path);
	if (!require_safe)
		return 0;
	if (st->st_mode & (S_IRWXG | S_IRWXO))
		return why_set(why, EX_CONFIG,
		    "key file %s is accessible by group or others (mode %04o); "
		    "chmod 600 it or set require_safe_keys = no",
		    path, (unsigned)(st->st_mode & 07777));
	/* root may use any key (check, dnsrecord as root): it could read it */
	if (geteuid() != 0 && st->st_uid != 0 && st->st_uid != geteuid())
		return why_set(why, EX_CONFIG,
		    "key file %s is owned by uid %u, but dkimpipe runs as uid %u: "
		    "run it as the key's owner, or chown the key to the user "
		    "the signer runs as, or set require_safe_keys = no",
		    path, (unsigned)st->st_uid, (unsigned)geteuid());
	return 0;
}

/* keys_file_safe - apply the safe-key rules to a path */
int
keys_file_safe(const char *path, int require_safe, struct why *why)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return why_set(why, EX_NOINPUT, "cannot open key file %s: %s", path,
		    strerror(errno));
	return keys_check_stat(path, &st, require_safe, why);
}

/* keys_open - open a key file and apply the safe-key rules; fd or -1 */
int
keys_open(const char *path, int require_safe, struct stat *st,
    struct why *why)
{
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
		return why_set(why, EX_NOINPUT, "cannot open key file %s: %s", path,
		    strerror(errno));
	if (fstat(fd, st) < 0) {
		why_set(why, EX_NOINPUT, "cannot stat key file %s: %s", path,
		    strerror(errno));
		close(fd);
		return -1;
	}
	if (keys_check_stat(path, st, require_safe, why) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/*
 * pem_type - "RSA" or "ED25519", guessed from the PEM text without
 * decoding it: the label of a traditional RSA key, else the Ed25519
 * algorithm OID (1.3.101.112: 06 03 2B 65 70) near the start of the
 * PKCS#8 DER. A wrong guess only costs the generic decoder.
 */
static const char *
pem_type(const char *pem, size_t n)
{
	static const unsigned char oid[] = { 0x06, 0x03, 0x2b, 0x65, 0x70 };
	unsigned char der[48];
	const char *b64, *nl;
	int len;

	if (memmem(pem, n, "-----BEGIN RSA PRIVATE KEY-----", 31) != NULL)
		return "RSA";
	if ((b64 = memmem(pem, n, "-----BEGIN PRIVATE KEY-----", 27)) == NULL ||
	    (nl = memchr(b64, '\n', n - (size_t)(b64 - pem))) == NULL ||
	    (size_t)(pem + n - nl) < 65)
		return "RSA";
	len = EVP_DecodeBlock(der, (const unsigned char *)nl + 1, 64);
	if (len > 0 && memmem(der, (size_t)len, oid, sizeof(oid)) != NULL)
		return "ED25519";
	return "RSA";
}

/*
 * decode - a private key from PEM text, with a decoder restricted to
 * the key's type (OpenSSL 3.0's generic decoder set-up tries every
 * decoder, which costs more than an RSA signature), else the generic one
 */
static EVP_PKEY *
decode(const char *pem, size_t n)
{
	OSSL_DECODER_CTX *dc;
	const unsigned char *p = (const unsigned char *)pem;
	EVP_PKEY *pkey = NULL;
	BIO *bio;
	size_t left = n;

	dc = OSSL_DECODER_CTX_new_for_pkey(&pkey, "PEM", NULL, pem_type(pem, n),
	    EVP_PKEY_KEYPAIR, NULL, NULL);
	if (dc != NULL && OSSL_DECODER_from_data(dc, &p, &left) == 1 && pkey != NULL) {
		OSSL_DECODER_CTX_free(dc);
		return pkey;
	}
	OSSL_DECODER_CTX_free(dc);
	EVP_PKEY_free(pkey);
	ERR_clear_error();
	if ((bio = BIO_new_mem_buf(pem, (int)n)) == NULL)
		return NULL;
	pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, (void *)"");
	BIO_free(bio);
	return pkey;
}

/* read_pem - the text of a key file keys_open() opened; closes fd */
static ssize_t
read_pem(int fd, const char *path, char *pem, size_t size, struct why *why)
{
	ssize_t r = 0;
	size_t n = 0;

	while (n < size && (r = io_read(fd, pem + n, size - n)) > 0)
		n += (size_t)r;
	close(fd);
	if (n == size || (n == 0 && r < 0))
		return why_set(why, n ? EX_CONFIG : EX_TEMPFAIL,
		    "cannot read key file %s: %s", path,
		    n ? "larger than 64 KB" : strerror(errno));
	return (ssize_t)n;
}

/* keys_read - decode the key from a file keys_open() opened; closes fd */
EVP_PKEY *
keys_read(int fd, const char *path, struct why *why)
{
	char pem[KEY_FILE_MAX];
	EVP_PKEY *pkey;
	ssize_t n;
	enum alg alg;

	if ((n = read_pem(fd, path, pem, sizeof(pem), why)) < 0)
		return NULL;
	pkey = decode(pem, (size_t)n);
	explicit_bzero(pem, sizeof(pem));
	if (pkey == NULL) {
		ERR_clear_error();
		why_set(why, EX_CONFIG, "key file %s holds no usable PEM private key",
		    path);
		return NULL;
	}
	if (keys_alg(pkey, path, &alg, why) < 0) {
		EVP_PKEY_free(pkey);
		return NULL;
	}
	return pkey;
}

/*
 * keys_kind - the algorithm of a key file, told from its PEM text
 * (pem_type) without decoding it, after the open and safe-file checks
 * of keys_load(): for choosing among keys before one is loaded
 */
int
keys_kind(const char *path, int require_safe, enum alg *alg, struct why *why)
{
	char pem[KEY_FILE_MAX];
	struct stat st;
	ssize_t n;
	int fd;

	if ((fd = keys_open(path, require_safe, &st, why)) < 0 ||
	    (n = read_pem(fd, path, pem, sizeof(pem), why)) < 0)
		return -1;
	*alg = strcmp(pem_type(pem, (size_t)n), "ED25519") == 0 ?
	    ALG_ED25519_SHA256 : ALG_RSA_SHA256;
	explicit_bzero(pem, sizeof(pem));
	return 0;
}

/* keys_load - read and check one private key */
EVP_PKEY *
keys_load(const char *path, int require_safe, struct why *why)
{
	struct stat st;
	int fd;

	if ((fd = keys_open(path, require_safe, &st, why)) < 0)
		return NULL;
	return keys_read(fd, path, why);
}

/* keys_alg - the signing algorithm a key implies */
int
keys_alg(const EVP_PKEY *pkey, const char *path, enum alg *alg,
    struct why *why)
{
	switch (EVP_PKEY_get_base_id(pkey)) {
	case EVP_PKEY_RSA:
		if (EVP_PKEY_get_bits(pkey) < RSA_MIN_BITS)
			return why_set(why, EX_CONFIG,
			    "key file %s: RSA key has %d bits; RFC 8301 requires at least %d",
			    path, EVP_PKEY_get_bits(pkey), RSA_MIN_BITS);
		*alg = ALG_RSA_SHA256;
		return 0;
	case EVP_PKEY_ED25519:
		*alg = ALG_ED25519_SHA256;
		return 0;
	default:
		return why_set(why, EX_CONFIG,
		    "key file %s: key type is neither RSA nor Ed25519", path);
	}
}

const char *
keys_alg_name(enum alg alg)
{
	return alg == ALG_RSA_SHA256 ? "rsa-sha256" : "ed25519-sha256";
}

/* keys_alg_parse - algorithm from its DKIM name; -1 if unknown */
int
keys_alg_parse(const char *name, enum alg *alg)
{
	if (strcmp(name, "rsa-sha256") == 0)
		*alg = ALG_RSA_SHA256;
	else if (strcmp(name, "ed25519-sha256") == 0)
		*alg = ALG_ED25519_SHA256;
	else
		return -1;
	return 0;
}
