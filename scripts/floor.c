/*
 * floor - the benchmark's hardware floor for one signed message: a
 * process that reads its input, hashes it with SHA-256 and signs the
 * digest once with the given key (OpenSSL), and writes the signature.
 * dkimpipe cannot do less. Not part of dkimpipe; built by bench.sh.
 *
 * usage: floor KEYFILE [FILE]    (FILE defaults to standard input)
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

int
main(int argc, char **argv)
{
	static unsigned char buf[65536];
	unsigned char dg[32], sig[1024];
	size_t siglen = sizeof(sig);
	unsigned int dl = 32;
	EVP_MD_CTX *md = EVP_MD_CTX_new(), *sc = EVP_MD_CTX_new();
	EVP_PKEY *k;
	FILE *fp;
	ssize_t n;
	int fd = 0;

	if (argc == 3 && (fd = open(argv[2], O_RDONLY)) < 0)
		return 2;
	if (argc < 2 || argc > 3 || (fp = fopen(argv[1], "r")) == NULL ||
	    (k = PEM_read_PrivateKey(fp, NULL, NULL, NULL)) == NULL)
		return 2;
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		EVP_DigestUpdate(md, buf, (size_t)n);
	EVP_DigestFinal_ex(md, dg, &dl);
	if (EVP_PKEY_get_base_id(k) == EVP_PKEY_RSA) {
		EVP_DigestSignInit(sc, NULL, EVP_sha256(), NULL, k);
		EVP_DigestSign(sc, sig, &siglen, dg, 32);
	} else {
		EVP_DigestSignInit(sc, NULL, NULL, NULL, k);
		EVP_DigestSign(sc, sig, &siglen, dg, 32);
	}
	fwrite(sig, 1, siglen, stdout);
	return 0;
}
