/*
 * verify - check the DKIM signatures of one message.
 *
 * Reads the message once: the header block is parsed, every
 * DKIM-Signature field (at most VERIFY_MAXSIG) gets its own body hash
 * with its own canonicalization and l= limit while the body streams
 * past, then each signature's key is fetched and its header hash
 * checked. Results use Authentication-Results "dkim=" terms (RFC 8601):
 * pass, fail, neutral, permerror, temperror. Only rsa-sha256 and
 * ed25519-sha256 are accepted (RFC 8301, RFC 8463). The canonicalization
 * and header-hash code is the signer's own (canon.c, sign_hdata()).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "buf.h"
#include "canon.h"
#include "dns.h"
#include "dnsrec.h"
#include "header.h"
#include "io.h"
#include "sign.h"
#include "taglist.h"
#include "verify.h"
#include "xmem.h"

struct vsig {
	const struct hfield *f;
	struct buf	 tags;		/* the field value, unfolded */
	enum canon	 hc, bc;
	enum alg	 alg;
	struct bodyhash	 bh;
	int		 hashing;
	int		 done;		/* result decided */
	struct vresult	*res;
};

/* settle - decide a signature's result */
static void
settle(struct vsig *v, const char *result, const char *fmt, ...)
{
	va_list ap;

	if (v->done)
		return;
	v->done = 1;
	strlcpy(v->res->result, result, sizeof(v->res->result));
	va_start(ap, fmt);
	vsnprintf(v->res->reason, sizeof(v->res->reason), fmt, ap);
	va_end(ap);
}

/* strip_b - the raw field with the b= value removed, line ending kept */
static void
strip_b(struct buf *out, const char *s, size_t n)
{
	size_t end = n, i, eq, nm0, nm1, vend;

	while (end > 0 && (s[end - 1] == '\n' || s[end - 1] == '\r'))
		end--;
	i = (size_t)((const char *)memchr(s, ':', n) - s) + 1;
	buf_add(out, s, i);
	while (i < end) {
		for (eq = i; eq < end && s[eq] != '=' && s[eq] != ';'; eq++)
			;
		for (vend = eq; vend < end && s[vend] != ';'; vend++)
			;
		for (nm0 = i; nm0 < eq && isspace((unsigned char)s[nm0]); nm0++)
			;
		for (nm1 = eq; nm1 > nm0 && isspace((unsigned char)s[nm1 - 1]); nm1--)
			;
		if (eq < end && s[eq] == '=' && nm1 - nm0 == 1 && s[nm0] == 'b')
			buf_add(out, s + i, eq + 1 - i);
		else
			buf_add(out, s + i, vend - i);
		if (vend < end)
			buf_addc(out, ';');
		i = vend + 1;
	}
	buf_add(out, s + end, n - end);
}

/* is_domain - RFC 6376 domain-name syntax: labels of letters, digits,
 * hyphens (and underscores, seen in practice), dot-separated */
static int
is_domain(const char *d)
{
	size_t label = 0, total = 0;

	for (; *d != '\0'; d++, total++) {
		if (*d == '.') {
			if (label == 0)
				return 0;
			label = 0;
		} else if (isalnum((unsigned char)*d) || *d == '-' || *d == '_') {
			if (++label > 63)
				return 0;
		} else
			return 0;
	}
	return label > 0 && total <= 253;
}

/*
 * defang - a value for printing: every byte that is not a letter, a
 * digit or in keep becomes '?', so that no header content can change
 * the meaning of the verdict line (a '(' would open a comment)
 */
static void
defang(char *s, const char *keep)
{
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && strchr(keep, *s) == NULL)
			*s = '?';
}

/* is_number - 1 to 12 decimal digits (RFC 6376 t= and x=) */
static int
is_number(const char *s)
{
	size_t n = strspn(s, "0123456789");

	return n > 0 && n <= 12 && s[n] == '\0';
}

/* is_base64 - strict base64: the alphabet, then at most two '=' */
static int
is_base64(const char *s)
{
	size_t n = strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/");
	size_t pad = strspn(s + n, "=");

	return s[n + pad] == '\0' && pad <= 2 && (n + pad) % 4 == 0 && n + pad > 0;
}

/*
 * taglist_ok - RFC 6376 section 3.2: every element is name=value with a
 * name of ALPHA *(ALPHA / DIGIT / "_"), no name twice; only the last
 * element may be empty. NULL, or what is wrong.
 */
static const char *
taglist_ok(const char *list, char *bad, size_t size)
{
	char names[64][32];
	const char *p = list, *end, *eq, *n0, *n1;
	size_t nn = 0, i, len;

	for (;;) {
		end = p + strcspn(p, ";");
		for (n0 = p; n0 < end && isspace((unsigned char)*n0); n0++)
			;
		if (n0 == end) {
			if (*end == '\0')
				return NULL;	/* a trailing ";" or an empty value */
			return "empty element in tag list";
		}
		if ((eq = memchr(n0, '=', (size_t)(end - n0))) == NULL)
			return "tag without \"=\"";
		for (n1 = eq; n1 > n0 && isspace((unsigned char)n1[-1]); n1--)
			;
		len = (size_t)(n1 - n0);
		if (len == 0 || len >= sizeof(names[0]) || !isalpha((unsigned char)*n0))
			return "bad tag name";
		for (i = 1; i < len; i++)
			if (!isalnum((unsigned char)n0[i]) && n0[i] != '_')
				return "bad tag name";
		for (i = 0; i < nn; i++)
			if (strlen(names[i]) == len && strncmp(names[i], n0, len) == 0) {
				snprintf(bad, size, "tag %.*s= appears twice", (int)len, n0);
				return bad;
			}
		if (nn < sizeof(names) / sizeof(names[0])) {
			memcpy(names[nn], n0, len);
			names[nn++][len] = '\0';
		}
		if (*end == '\0')
			return NULL;
		p = end + 1;
	}
}

/* identity_ok - i= names d= or a subdomain of it (RFC 6376 section 3.5) */
static int
identity_ok(const char *i, const char *d)
{
	const char *at = strchr(i, '@');
	size_t il, dl = strlen(d);

	if (at == NULL || !is_domain(at + 1))
		return 0;
	il = strlen(at + 1);
	return strcasecmp(at + 1, d) == 0 ||
	    (il > dl && at[il - dl] == '.' && strcasecmp(at + 1 + il - dl, d) == 0);
}

/* list_has - a colon-separated list (q=, s=, t=) holds a or b */
static int
list_has(const char *list, const char *a, const char *b)
{
	char copy[256], *p = copy, *m;

	strlcpy(copy, list, sizeof(copy));
	while ((m = strsep(&p, ":")) != NULL)
		if (strcasecmp(m, a) == 0 || (b != NULL && strcasecmp(m, b) == 0))
			return 1;
	return 0;
}

/* check_tags - the tag-list rules of RFC 6376 sections 3.2 and 3.5 */
static int
check_tags(struct vsig *v)
{
	char val[4096], t[32], x[32], bad[64];
	const char *why;

	if ((why = taglist_ok(v->tags.data, bad, sizeof(bad))) != NULL)
		return settle(v, "permerror", "%s", why), -1;
	if (!is_domain(v->res->d)) {
		defang(v->res->d, ".-_");
		return settle(v, "permerror", "d= is not a domain name"), -1;
	}
	if (!is_domain(v->res->s)) {
		defang(v->res->s, ".-_");
		return settle(v, "permerror", "s= is not a selector"), -1;
	}
	if (taglist_get(v->tags.data, "i", val, sizeof(val)) && !identity_ok(val, v->res->d))
		return settle(v, "permerror", "i= is not in d= or a subdomain of it"), -1;
	if (taglist_get(v->tags.data, "q", val, sizeof(val)) && !list_has(val, "dns/txt", "dns"))
		return settle(v, "permerror", "q= names no known query method"), -1;
	if ((taglist_get(v->tags.data, "t", t, sizeof(t)) && !is_number(t)) ||
	    (taglist_get(v->tags.data, "x", x, sizeof(x)) && !is_number(x)))
		return settle(v, "permerror", "t= or x= is not a number"), -1;
	if (taglist_get(v->tags.data, "t", t, sizeof(t)) && taglist_get(v->tags.data, "x", x,
	    sizeof(x)) && strtoll(x, NULL, 10) <= strtoll(t, NULL, 10))
		return settle(v, "permerror", "x= is not later than t="), -1;
	if (!taglist_get(v->tags.data, "b", val, sizeof(val)) || !is_base64(val) ||
	    !taglist_get(v->tags.data, "bh", val, sizeof(val)) || !is_base64(val))
		return settle(v, "permerror", "b= or bh= is not base64"), -1;
	return 0;
}

/* setup - parse one signature's tags and start its body hash */
static void
setup(struct vsig *v, const struct header *h, time_t now)
{
	char val[4096], c[64], *end;
	const char *raw = header_raw(h, v->f);
	size_t i;

	buf_init(&v->tags);
	buf_add(&v->tags, "", 0);	/* an empty field is an empty tag list */
	for (i = (size_t)((const char *)memchr(raw, ':', v->f->len) - raw) + 1;
	    i < v->f->len; i++)
		if (raw[i] != '\r' && raw[i] != '\n')
			buf_addc(&v->tags, raw[i]);
	taglist_get(v->tags.data, "d", v->res->d, sizeof(v->res->d));
	taglist_get(v->tags.data, "s", v->res->s, sizeof(v->res->s));
	taglist_get(v->tags.data, "a", v->res->a, sizeof(v->res->a));
	defang(v->res->a, "-");
	if (taglist_get(v->tags.data, "b", val, sizeof(val)))
		strlcpy(v->res->b8, val, sizeof(v->res->b8));
	defang(v->res->b8, "+/=");
	if (!taglist_get(v->tags.data, "v", val, sizeof(val)) || strcmp(val, "1") != 0)
		return settle(v, "permerror", "missing or bad v= tag");
	if (!taglist_get(v->tags.data, "b", val, 4) || !taglist_get(v->tags.data, "bh", val, 4) ||
	    !v->res->d[0] || !v->res->s[0] || !v->res->a[0] ||
	    !taglist_get(v->tags.data, "h", val, sizeof(val)))
		return settle(v, "permerror", "missing required tag");
	if (check_tags(v) < 0)
		return;
	taglist_get(v->tags.data, "h", val, sizeof(val));
	for (i = 0; val[i]; i++)
		val[i] = (char)tolower((unsigned char)val[i]);
	if (strcmp(val, "from") != 0 && strncmp(val, "from:", 5) != 0 &&
	    strstr(val, ":from:") == NULL && (strlen(val) < 5 ||
	    strcmp(val + strlen(val) - 5, ":from") != 0))
		return settle(v, "permerror", "From field not signed");
	if (keys_alg_parse(v->res->a, &v->alg) < 0)
		return settle(v, "neutral", "unsupported algorithm %s", v->res->a);
	if (!taglist_get(v->tags.data, "c", c, sizeof(c)))
		strlcpy(c, "simple/simple", sizeof(c));
	if (canon_parse(c, &v->hc, &v->bc) < 0)
		return settle(v, "permerror", "bad canonicalization %s", c);
	if (taglist_get(v->tags.data, "x", val, sizeof(val)) && strtoll(val, NULL, 10) < now)
		return settle(v, "fail", "signature expired");
	bodyhash_init(&v->bh, v->bc);
	v->hashing = 1;
	if (taglist_get(v->tags.data, "l", val, sizeof(val))) {
		v->bh.limit = strtoull(val, &end, 10);
		if (*end != '\0' || val[0] == '\0' || val[0] == '-')
			return settle(v, "permerror", "bad l= tag");
	}
}

/* fetch - the key record for a signature */
static enum dns_result
fetch(const struct keysrc *ks, const char *name, struct buf *rec,
    struct why *why)
{
	char line[8192];
	size_t n = strlen(name);
	FILE *fp;

	if (ks->record != NULL) {
		buf_adds(rec, ks->record);
		return DNS_FOUND;
	}
	if (ks->keysfile == NULL)
		return dns_txt(name, ks->nameservers, rec, why);
	if ((fp = fopen(ks->keysfile, "r")) == NULL) {
		why_set(why, EX_TEMPFAIL, "cannot open %s", ks->keysfile);
		return DNS_TEMP;
	}
	while (fgets(line, sizeof(line), fp) != NULL)
		if (strncasecmp(line, name, n) == 0 && isspace((unsigned char)line[n])) {
			line[strcspn(line, "\r\n")] = '\0';
			buf_adds(rec, line + n + strspn(line + n, " \t"));
			fclose(fp);
			return DNS_FOUND;
		}
	fclose(fp);
	return DNS_NONE;
}

/* same_domain_identity - no i=, or its domain is exactly d= */
static int
same_domain_identity(const struct vsig *v)
{
	char i[512];
	const char *at;

	if (!taglist_get(v->tags.data, "i", i, sizeof(i)) || (at = strchr(i, '@')) == NULL)
		return 1;
	return strcasecmp(at + 1, v->res->d) == 0;
}

/* check_key - the key record fits the signature; its key in *pk */
static int
check_key(struct vsig *v, const struct keysrc *ks, struct keyrec *kr)
{
	char name[512], hl[80];
	struct buf rec;
	struct why why;
	enum dns_result r;

	snprintf(name, sizeof(name), "%s._domainkey.%s", v->res->s, v->res->d);
	buf_init(&rec);
	r = fetch(ks, name, &rec, &why);
	if (r == DNS_TEMP)
		settle(v, "temperror", "key lookup failed");
	else if (r == DNS_NONE)
		settle(v, "permerror", "no key for signature");
	else if (dnsrec_parse(kr, rec.data, &why) < 0)
		settle(v, "permerror", "malformed key record: %s", why.text);
	else if (kr->revoked)
		settle(v, "permerror", "key revoked");
	else if ((v->alg == ALG_RSA_SHA256) != (strcmp(kr->k, "rsa") == 0))
		settle(v, "permerror", "key type %s does not match a=%s", kr->k, v->res->a);
	else if (kr->h[0] && (snprintf(hl, sizeof(hl), ":%s:", kr->h),
	    strstr(hl, ":sha256:") == NULL))
		settle(v, "permerror", "key does not allow sha256");
	else if (kr->s[0] && !list_has(kr->s, "email", "*"))
		settle(v, "permerror", "key not for email");
	else if (list_has(kr->t, "s", NULL) && !same_domain_identity(v))
		settle(v, "permerror", "key has t=s but i= is a subdomain of d=");
	else if (v->alg == ALG_RSA_SHA256 && EVP_PKEY_get_bits(kr->pkey) < RSA_MIN_BITS)
		settle(v, "permerror", "key shorter than %d bits", RSA_MIN_BITS);
	buf_free(&rec);
	return v->done ? -1 : 0;
}

/* check_sig - header hash and signature */
static void
check_sig(struct vsig *v, const struct header *h, EVP_PKEY *pk)
{
	char hl[4096], b64[2048];
	unsigned char dg[32], sig[1536];
	struct buf field, data;
	EVP_PKEY_CTX *pc = NULL;
	EVP_MD_CTX *mc = NULL;
	int n, ok;

	taglist_get(v->tags.data, "h", hl, sizeof(hl));
	taglist_get(v->tags.data, "b", b64, sizeof(b64));
	n = EVP_DecodeBlock(sig, (unsigned char *)b64, (int)strlen(b64));
	if (n < 0 || !is_base64(b64))
		return settle(v, "permerror", "b= is not base64");
	n -= (int)(strlen(b64) - strcspn(b64, "="));
	buf_init(&field);
	buf_init(&data);
	strip_b(&field, header_raw(h, v->f), v->f->len);
	sign_hdata(&data, v->hc, h, hl, field.data, field.len);
	EVP_Digest(data.data, data.len, dg, NULL, EVP_sha256(), NULL);
	if (v->alg == ALG_RSA_SHA256)
		ok = (pc = EVP_PKEY_CTX_new(pk, NULL)) != NULL &&
		    EVP_PKEY_verify_init(pc) == 1 &&
		    EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) == 1 &&
		    EVP_PKEY_CTX_set_signature_md(pc, EVP_sha256()) == 1 &&
		    EVP_PKEY_verify(pc, sig, (size_t)n, dg, 32) == 1;
	else
		ok = (mc = EVP_MD_CTX_new()) != NULL &&
		    EVP_DigestVerifyInit(mc, NULL, NULL, NULL, pk) == 1 &&
		    EVP_DigestVerify(mc, sig, (size_t)n, dg, 32) == 1;
	ERR_clear_error();
	EVP_PKEY_CTX_free(pc);
	EVP_MD_CTX_free(mc);
	buf_free(&field);
	buf_free(&data);
	if (ok)
		settle(v, "pass", "");
	else
		settle(v, "fail", "signature did not verify");
}

/* finish - body hash, key and signature for one signature */
static void
finish(struct vsig *v, const struct header *h, const struct keysrc *ks)
{
	unsigned char dg[32];
	char ours[64], theirs[128];
	struct keyrec kr;

	bodyhash_final(&v->bh, dg);
	memset(&kr, 0, sizeof(kr));
	if (check_key(v, ks, &kr) < 0) {	/* RFC 6376 6.1.2: the key first */
		dnsrec_free(&kr);
		return;
	}
	EVP_EncodeBlock((unsigned char *)ours, dg, 32);
	taglist_get(v->tags.data, "bh", theirs, sizeof(theirs));
	if (v->bh.limit != UINT64_MAX && v->bh.limit > v->bh.hashed)
		settle(v, "permerror", "l= is larger than the body");
	else if (strcmp(ours, theirs) != 0)
		settle(v, "fail", "body hash mismatch");
	else
		check_sig(v, h, kr.pkey);
	dnsrec_free(&kr);
}

/* collect - set up every DKIM-Signature field of a parsed header */
static size_t
collect(struct vsig *v, struct vresult *res, const struct header *h,
    time_t now, size_t *unchecked)
{
	size_t i, nv = 0;

	for (i = 0; i < h->nf; i++) {
		if (!header_is(h, &h->f[i], "DKIM-Signature"))
			continue;
		if (nv == VERIFY_MAXSIG) {
			(*unchecked)++;
			continue;
		}
		memset(&v[nv], 0, sizeof(v[nv]));
		memset(&res[nv], 0, sizeof(res[nv]));
		v[nv].f = &h->f[i];
		v[nv].res = &res[nv];
		setup(&v[nv], h, now);
		nv++;
	}
	return nv;
}

/*
 * verify_fd - verify every signature of the message on fd. Fills res
 * (VERIFY_MAXSIG entries) and *n, and counts in *unchecked the signatures
 * after the first VERIFY_MAXSIG; -1 only when the message cannot be read
 * or its header is not RFC 5322.
 */
int
verify_fd(int fd, const struct keysrc *ks, struct vresult *res, size_t *n,
    size_t *unchecked, struct why *why)
{
	struct vsig v[VERIFY_MAXSIG];
	struct header h;
	char chunk[65536];
	time_t now = ks->now ? ks->now : time(NULL);
	size_t i, nv = 0, off;
	ssize_t r;
	int rc = 0;

	*unchecked = 0;
	header_init(&h);
	while ((r = io_read(fd, chunk, sizeof(chunk))) > 0) {
		off = h.done ? 0 : header_feed(&h, chunk, (size_t)r);
		if (h.done && nv == 0 && off > 0) {
			if (header_parse(&h, why) < 0) {
				rc = -1;
				break;
			}
			nv = collect(v, res, &h, now, unchecked);
		}
		for (i = 0; i < nv; i++)
			if (v[i].hashing && off < (size_t)r)
				bodyhash_update(&v[i].bh, chunk + off, (size_t)r - off);
	}
	if (r < 0 && rc == 0)
		rc = why_set(why, EX_IOERR, "cannot read message");
	if (rc == 0 && !h.done) {
		h.done = 1;
		if ((rc = header_parse(&h, why)) == 0)
			nv = collect(v, res, &h, now, unchecked);
	}
	for (i = 0; i < nv; i++) {
		if (rc == 0 && !v[i].done)
			finish(&v[i], &h, ks);
		if (v[i].hashing)
			bodyhash_free(&v[i].bh);
		buf_free(&v[i].tags);
	}
	*n = nv;
	header_free(&h);
	return rc;
}
