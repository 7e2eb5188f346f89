/*
 * dnsrec - DKIM public key records.
 *
 * dnsrec_value() makes "v=DKIM1; k=rsa; p=..." from a key: for RSA, p=
 * is the base64 DER SubjectPublicKeyInfo; for Ed25519 the raw 32-byte
 * public key (RFC 8463). dnsrec_zone() wraps it in a zone-file TXT
 * record in opendkim-genkey's shape, split into quoted strings of at
 * most 255 bytes. dnsrec_parse() reads a record as fetched from DNS
 * (tag=value list, RFC 6376 section 3.6.1). No DNS traffic here.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include <openssl/err.h>
#include <openssl/x509.h>

#include "dnsrec.h"
#include "taglist.h"
#include "xmem.h"

#define TXT_CHUNK	250	/* bytes per quoted string, <= 255 */

/* b64_add - append base64 of n bytes */
static void
b64_add(struct buf *b, const unsigned char *p, size_t n)
{
	size_t len = 4 * ((n + 2) / 3);

	buf_reserve(b, len);
	EVP_EncodeBlock((unsigned char *)b->data + b->len, p, (int)n);
	b->len += len;
	b->data[b->len] = '\0';
}

/* dnsrec_value - the TXT value for a (private or public) key */
void
dnsrec_value(struct buf *b, EVP_PKEY *key)
{
	unsigned char raw[32], *der = NULL;
	size_t rawlen = sizeof(raw);
	int n;

	if (EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519) {
		buf_adds(b, "v=DKIM1; k=ed25519; p=");
		if (EVP_PKEY_get_raw_public_key(key, raw, &rawlen) == 1)
			b64_add(b, raw, rawlen);
		return;
	}
	buf_adds(b, "v=DKIM1; k=rsa; p=");
	if ((n = i2d_PUBKEY(key, &der)) > 0)
		b64_add(b, der, (size_t)n);
	OPENSSL_free(der);
}

/* dnsrec_zone - "sel._domainkey IN TXT ( "..." "..." )" for a zone file */
void
dnsrec_zone(struct buf *b, EVP_PKEY *key, const char *selector,
    const char *domain)
{
	struct buf v;
	const char *p;
	size_t n, left;

	buf_init(&v);
	dnsrec_value(&v, key);
	buf_printf(b, "%s._domainkey\tIN\tTXT\t( ", selector);
	p = v.data;
	left = v.len;
	/* first string: the tags before p=, as opendkim-genkey does */
	n = (size_t)(strstr(p, "p=") - p);
	buf_printf(b, "\"%.*s\"", (int)n, p);
	p += n;
	left -= n;
	while (left > 0) {
		n = left < TXT_CHUNK ? left : TXT_CHUNK;
		buf_printf(b, "\n\t  \"%.*s\"", (int)n, p);
		p += n;
		left -= n;
	}
	buf_printf(b, " )  ; ----- DKIM key %s for %s\n", selector,
	    domain ? domain : "(domain)");
	buf_free(&v);
}

/* dnsrec_parse - parse a fetched key record */
int
dnsrec_parse(struct keyrec *r, const char *rec, struct why *why)
{
	char v[16], p[4096];
	unsigned char der[3072];
	const unsigned char *dp = der;
	int n;

	memset(r, 0, sizeof(*r));
	if (taglist_get(rec, "v", v, sizeof(v)) && strcmp(v, "DKIM1") != 0)
		return why_set(why, EX_DATAERR, "record has v=%s, not DKIM1", v);
	if (taglist_get(rec, "v", v, sizeof(v)) && (rec[strspn(rec, " \t")] != 'v' ||
	    rec[strspn(rec, " \t") + 1 + strspn(rec + strspn(rec, " \t") + 1, " \t")] != '='))
		return why_set(why, EX_DATAERR, "record has v= but not as its first tag");
	if (!taglist_get(rec, "k", r->k, sizeof(r->k)))
		strlcpy(r->k, "rsa", sizeof(r->k));
	taglist_get(rec, "h", r->h, sizeof(r->h));
	taglist_get(rec, "s", r->s, sizeof(r->s));
	taglist_get(rec, "t", r->t, sizeof(r->t));
	r->testing = strchr(r->t, 'y') != NULL;
	if (!taglist_get(rec, "p", p, sizeof(p)))
		return why_set(why, EX_DATAERR, "record has no p= tag");
	if (p[0] == '\0') {
		r->revoked = 1;
		return 0;
	}
	if (strlen(p) > 4 * sizeof(der) / 3 ||
	    (n = EVP_DecodeBlock(der, (unsigned char *)p, (int)strlen(p))) < 0)
		return why_set(why, EX_DATAERR, "record p= is not base64");
	n -= (int)(strlen(p) - strcspn(p, "="));	/* padding */
	if (strcmp(r->k, "ed25519") == 0) {
		if (n != 32)
			return why_set(why, EX_DATAERR, "ed25519 p= is %d bytes, not 32", n);
		r->pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, der, 32);
	} else if (strcmp(r->k, "rsa") == 0) {
		r->pkey = d2i_PUBKEY(NULL, &dp, n);
		if (r->pkey == NULL) {	/* RFC 6376 3.6.1's literal form: PKCS#1 */
			ERR_clear_error();
			dp = der;
			r->pkey = d2i_PublicKey(EVP_PKEY_RSA, NULL, &dp, n);
		}
		if (r->pkey != NULL && EVP_PKEY_get_base_id(r->pkey) != EVP_PKEY_RSA) {
			EVP_PKEY_free(r->pkey);
			r->pkey = NULL;
		}
	} else
		return why_set(why, EX_DATAERR, "unknown key type k=%s", r->k);
	if (r->pkey == NULL) {
		ERR_clear_error();
		return why_set(why, EX_DATAERR, "record p= is not a valid %s key", r->k);
	}
	return 0;
}

void
dnsrec_free(struct keyrec *r)
{
	EVP_PKEY_free(r->pkey);
	r->pkey = NULL;
}

/* dnsrec_same_key - do two keys have the same public half */
int
dnsrec_same_key(EVP_PKEY *a, EVP_PKEY *b)
{
	return EVP_PKEY_eq(a, b) == 1;
}
