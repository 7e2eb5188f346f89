/*
 * cmd_keys - "dkimpipe keygen" and "dkimpipe dnsrecord".
 *
 * keygen makes a key pair in-process (EVP_PKEY_keygen, never a shell),
 * writes SELECTOR.private (PEM PKCS#8, mode 0600, created with O_EXCL so
 * an existing key is never overwritten) and SELECTOR.txt, the TXT record
 * to publish, in opendkim-genkey's zone-file shape. dnsrecord prints the
 * record of an existing key, as a zone-file entry or (-1) as one line
 * for DNS providers' web forms.
 */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include "buf.h"
#include "usage.h"
#include "cmds.h"
#include "dnsrec.h"
#include "keygen.h"
#include "keys.h"
#include "log.h"

/* create - open path for writing, failing if it exists */
static FILE *
create(const char *path, mode_t mode)
{
	FILE *fp;
	int fd;

	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)) < 0)
		log_fatal(EX_CANTCREAT,
		    "cannot create %s: %s", path, strerror(errno));
	if ((fp = fdopen(fd, "w")) == NULL)
		log_fatal(EX_OSERR, "cannot write %s: %s", path, strerror(errno));
	return fp;
}

static void
keygen_usage(void)
{
	exit(usage_error("keygen"));
}

int
cmd_keygen(int argc, char **argv)
{
	const char *domain = NULL, *selector = NULL, *type = "rsa", *dir = ".";
	char priv[PATH_MAX], txt[PATH_MAX];
	const char *err;
	struct buf rec;
	EVP_PKEY *k;
	FILE *fp;
	int ch, bits = 2048;

	while ((ch = getopt(argc, argv, "b:d:D:s:t:")) != -1) {
		switch (ch) {
		case 'b':
			bits = (int)strtonum(optarg, 1, 16384, &err);
			if (err != NULL)
				log_fatal(EX_USAGE, "bits %s is %s", optarg, err);
			break;
		case 'd': domain = optarg; break;
		case 'D': dir = optarg; break;
		case 's': selector = optarg; break;
		case 't': type = optarg; break;
		default: keygen_usage();
		}
	}
	if (domain == NULL || selector == NULL || optind != argc)
		keygen_usage();
	if (strcmp(type, "rsa") != 0 && strcmp(type, "ed25519") != 0)
		log_fatal(EX_USAGE, "key type %s is neither rsa nor ed25519", type);
	if (strcmp(type, "rsa") == 0 && bits < RSA_MIN_BITS)
		log_fatal(EX_USAGE, "RSA keys need at least %d bits (RFC 8301)",
		    RSA_MIN_BITS);
	if (strchr(selector, '/') != NULL || selector[0] == '.')
		log_fatal(EX_USAGE, "bad selector %s", selector);
	if ((size_t)snprintf(priv, sizeof(priv), "%s/%s.private", dir, selector) >=
	    sizeof(priv) ||
	    (size_t)snprintf(txt, sizeof(txt), "%s/%s.txt", dir, selector) >= sizeof(txt))
		log_fatal(EX_USAGE, "directory name too long");
	if ((k = keygen_new(strcmp(type, "rsa") == 0 ? ALG_RSA_SHA256 :
	    ALG_ED25519_SHA256, bits)) == NULL)
		log_fatal(EX_SOFTWARE, "cannot generate a %s key", type);
	umask(077);
	if (access(txt, F_OK) == 0)
		log_fatal(EX_CANTCREAT, "cannot create %s: File exists", txt);
	fp = create(priv, 0600);
	if (PEM_write_PrivateKey(fp, k, NULL, NULL, 0, NULL, NULL) != 1 ||
	    fclose(fp) != 0)
		log_fatal(EX_IOERR, "cannot write %s", priv);
	buf_init(&rec);
	dnsrec_zone(&rec, k, selector, domain);
	umask(022);
	fp = create(txt, 0644);
	if (fwrite(rec.data, 1, rec.len, fp) != rec.len || fclose(fp) != 0)
		log_fatal(EX_IOERR, "cannot write %s", txt);
	printf("%s\n%s\n", priv, txt);
	buf_free(&rec);
	EVP_PKEY_free(k);
	return EX_OK;
}

int
cmd_dnsrecord(int argc, char **argv)
{
	const char *keyfile = NULL, *selector = NULL, *domain = NULL;
	struct why why;
	struct buf rec;
	EVP_PKEY *k;
	int ch, oneline = 0, unsafe = 0;

	while ((ch = getopt(argc, argv, "1d:k:s:U")) != -1) {
		switch (ch) {
		case '1': oneline = 1; break;
		case 'd': domain = optarg; break;
		case 'k': keyfile = optarg; break;
		case 's': selector = optarg; break;
		case 'U': unsafe = 1; break;
		default: return usage_error("dnsrecord");
		}
	}
	if (keyfile == NULL || selector == NULL || optind != argc) {
		return usage_error("dnsrecord");
	}
	if ((k = keys_load(keyfile, !unsafe, &why)) == NULL)
		log_fatal(why.status, "%s", why.text);
	buf_init(&rec);
	if (oneline) {
		printf("%s._domainkey%s%s\tTXT\t", selector, domain ? "." : "",
		    domain ? domain : "");
		dnsrec_value(&rec, k);
		printf("%s\n", rec.data);
	} else {
		dnsrec_zone(&rec, k, selector, domain);
		fputs(rec.data, stdout);
	}
	buf_free(&rec);
	EVP_PKEY_free(k);
	return EX_OK;
}
