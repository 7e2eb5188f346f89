/*
 * sign - make one DKIM-Signature header field (RFC 6376 section 3.5).
 *
 * Tags in a fixed order: v a c d s t [x] [i] h bh b. h= lists each
 * configured header name as often as it occurs, plus once more for
 * oversigned names, always starting with From. Instances are hashed
 * bottom-up (section 5.4.2). The field is folded at 78 columns using the
 * message's own line ending. rsa-sha256 signs the SHA-256 of the header
 * data with PKCS#1 v1.5; ed25519-sha256 signs that same 32-byte digest
 * with PureEd25519 (RFC 8463). No l= tag, no z= tag.
 */
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include "sign.h"

#define FOLD_COL	78

struct fold {
	struct buf	*out;
	size_t		 col;
	const char	*eol;
};

/* fold_newline - continue the field on a new line */
static void
fold_newline(struct fold *f)
{
	buf_adds(f->out, f->eol);
	buf_addc(f->out, '\t');
	f->col = 1;
}

/* fold_tok - append a token, breaking the line first if it won't fit */
static void
fold_tok(struct fold *f, const char *tok, size_t len, int space)
{
	if (f->col + (size_t)space + len > FOLD_COL && f->col > 1) {
		fold_newline(f);
		space = 0;
	}
	if (space) {
		buf_addc(f->out, ' ');
		f->col++;
	}
	buf_add(f->out, tok, len);
	f->col += len;
}

/* fold_split - append a value that may break anywhere (base64), then end */
static void
fold_split(struct fold *f, const char *s, size_t len, const char *end)
{
	size_t n, room, endlen = strlen(end);

	while (len > 0) {
		if (f->col >= FOLD_COL)
			fold_newline(f);
		room = FOLD_COL - f->col;
		n = len < room ? len : room;
		if (n == len && f->col + len + endlen > FOLD_COL) {
			if (len == 1) {
				fold_newline(f);
				continue;
			}
			n = len - 1;
		}
		buf_add(f->out, s, n);
		f->col += n;
		s += n;
		len -= n;
	}
	buf_adds(f->out, end);
	f->col += endlen;
}

static int
in_list(char *const *v, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcasecmp(v[i], name) == 0)
			return 1;
	return 0;
}

static size_t
count_fields(const struct header *h, const char *name)
{
	size_t i, n = 0;

	for (i = 0; i < h->nf; i++)
		n += header_is(h, &h->f[i], name);
	return n;
}

/* add_name - list a header name in h= as often as it must be signed */
static void
add_name(struct buf *hl, const struct signparams *sp, const struct header *h,
    const char *name)
{
	size_t n = count_fields(h, name) + in_list(sp->over, sp->nover, name);
	char lower[256];
	size_t i;

	for (i = 0; name[i] != '\0' && i + 1 < sizeof(lower); i++)
		lower[i] = (name[i] >= 'A' && name[i] <= 'Z') ? name[i] + 32 : name[i];
	lower[i] = '\0';
	while (n-- > 0) {
		if (hl->len > 0)
			buf_addc(hl, ':');
		buf_adds(hl, lower);
	}
}

/* hlist - the h= value for this message */
static void
hlist(struct buf *hl, const struct signparams *sp, const struct header *h)
{
	size_t i;

	add_name(hl, sp, h, "from");
	for (i = 0; i < sp->nhdrs; i++)
		if (strcasecmp(sp->hdrs[i], "from") != 0 &&
		    !in_list(sp->hdrs, i, sp->hdrs[i]))
			add_name(hl, sp, h, sp->hdrs[i]);
	for (i = 0; i < sp->nover; i++)
		if (strcasecmp(sp->over[i], "from") != 0 &&
		    !in_list(sp->hdrs, sp->nhdrs, sp->over[i]) &&
		    !in_list(sp->over, i, sp->over[i]))
			add_name(hl, sp, h, sp->over[i]);
}

/* hname - one name of an h= list at p, without white space */
static void
hname(char *name, size_t size, const char *p)
{
	size_t len, o = 0;

	len = strcspn(p, ":");
	for (; len > 0 && o + 1 < size; p++, len--)
		if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
			name[o++] = *p;
	name[o] = '\0';
}

/*
 * hash_fields - canonicalize the fields named in h= into data: the k-th
 * listing of a name takes the k-th instance counted from the bottom.
 */
static void
hash_fields(struct buf *data, enum canon hc, const struct header *h,
    const char *hl)
{
	char name[256], other[256];
	const char *p = hl, *q;
	size_t seen, i, j;
	const struct hfield *f;

	while (*p != '\0') {
		hname(name, sizeof(name), p);
		seen = 0;
		for (q = hl; q < p; q += strcspn(q, ":") + 1) {
			hname(other, sizeof(other), q);
			seen += strcasecmp(other, name) == 0;
		}
		for (i = h->nf, j = 0; i-- > 0;) {
			f = &h->f[i];
			if (header_is(h, f, name) && j++ == seen) {
				canon_header(data, hc, header_raw(h, f), f->len);
				break;
			}
		}
		p += strcspn(p, ":");
		if (*p == ':')
			p++;
	}
}

/* sign_digest - sign a SHA-256 digest with the key's algorithm */
static int
sign_digest(const struct signkey *k, const unsigned char *dg, unsigned char *sig,
    size_t *siglen, struct why *why)
{
	EVP_PKEY_CTX *pc = NULL;
	EVP_MD_CTX *mc = NULL;
	int ok;

	if (k->alg == ALG_RSA_SHA256) {
		ok = (pc = EVP_PKEY_CTX_new(k->pkey, NULL)) != NULL &&
		    EVP_PKEY_sign_init(pc) == 1 &&
		    EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) == 1 &&
		    EVP_PKEY_CTX_set_signature_md(pc, EVP_sha256()) == 1 &&
		    EVP_PKEY_sign(pc, sig, siglen, dg, 32) == 1;
	} else {
		ok = (mc = EVP_MD_CTX_new()) != NULL &&
		    EVP_DigestSignInit(mc, NULL, NULL, NULL, k->pkey) == 1 &&
		    EVP_DigestSign(mc, sig, siglen, dg, 32) == 1;
	}
	EVP_PKEY_CTX_free(pc);
	EVP_MD_CTX_free(mc);
	if (!ok) {
		ERR_clear_error();
		return why_set(why, EX_SOFTWARE, "signing with key %s failed",
		    k->keyfile);
	}
	return 0;
}

/* b64 - base64 of n bytes into out (size >= 4 * ((n + 2) / 3) + 1) */
static void
b64(char *out, const unsigned char *in, size_t n)
{
	EVP_EncodeBlock((unsigned char *)out, in, (int)n);
}

/* sign_tags - the field up to and including "b=" */
static void
sign_tags(struct fold *f, const struct signparams *sp, const struct signkey *sel,
    const char *hl, const char *bh, time_t t)
{
	struct buf tag;
	const char *p;
	size_t len;

	buf_init(&tag);
	buf_adds(f->out, "DKIM-Signature:");
	f->col = strlen("DKIM-Signature:");
	buf_printf(&tag, "v=1; a=%s; c=%s/%s; d=%s; s=%s; t=%lld;",
	    keys_alg_name(sel->alg),
	    sp->hcanon == CANON_SIMPLE ? "simple" : "relaxed",
	    sp->bcanon == CANON_SIMPLE ? "simple" : "relaxed",
	    sel->domain, sel->selector, (long long)t);
	if (sp->expire > 0)
		buf_printf(&tag, " x=%lld;", (long long)t + sp->expire);
	if (sel->identity != NULL && sel->identity[0] != '\0')
		buf_printf(&tag, " i=%s;", sel->identity);
	for (p = tag.data; *p != '\0'; p += len + (p[len] == ' ')) {
		len = strcspn(p, " ");
		fold_tok(f, p, len, 1);
	}
	buf_free(&tag);
	for (p = hl; *p != '\0'; p += len) {
		len = strcspn(p, ":");
		len += p[len] == ':';
		if (p == hl) {
			buf_init(&tag);
			buf_adds(&tag, "h=");
			buf_add(&tag, p, len);
			fold_tok(f, tag.data, tag.len, 1);
			buf_free(&tag);
		} else
			fold_tok(f, p, len, 0);
	}
	fold_tok(f, ";", 1, 0);
	fold_tok(f, "bh=", 3, 1);
	fold_split(f, bh, strlen(bh), ";");
	fold_tok(f, "b=", 2, 1);
}

/*
 * sign_hdata - the data the header hash covers: the fields listed in hl,
 * then the signature field (n bytes, b= value already empty) without
 * its final CRLF. Shared by signing and verifying.
 */
void
sign_hdata(struct buf *data, enum canon hc, const struct header *h,
    const char *hl, const char *field, size_t n)
{
	hash_fields(data, hc, h, hl);
	canon_header(data, hc, field, n);
	data->len -= 2;
}

/*
 * sign_b - the base64 b= value for a signature field that ends in "b="
 * (field, n bytes) and lists the header names hl.
 */
int
sign_b(struct buf *b, const struct signparams *sp, const struct signkey *k,
    const struct header *h, const char *hl, const char *field, size_t n,
    struct why *why)
{
	struct buf data;
	unsigned char digest[32], sig[1024];
	char b64sig[1400];
	size_t siglen = sizeof(sig);
	int rc = 0;

	if (EVP_PKEY_get_size(k->pkey) > (int)sizeof(sig))
		return why_set(why, EX_CONFIG, "key %s is too large", k->keyfile);
	buf_init(&data);
	sign_hdata(&data, sp->hcanon, h, hl, field, n);
	EVP_Digest(data.data, data.len, digest, NULL, EVP_sha256(), NULL);
	buf_free(&data);
	if ((rc = sign_digest(k, digest, sig, &siglen, why)) == 0) {
		b64(b64sig, sig, siglen);
		buf_adds(b, b64sig);
	}
	return rc;
}

/* sign_field - append a complete DKIM-Signature field to out */
int
sign_field(struct buf *out, const struct signparams *sp, const struct signkey *sel,
    const struct header *h, const unsigned char bh[32], time_t t,
    struct why *why)
{
	struct buf hl, field, b;
	struct fold f;
	char bh64[64];
	int rc;

	buf_init(&hl);
	buf_init(&field);
	buf_init(&b);
	hlist(&hl, sp, h);
	b64(bh64, bh, 32);
	f.out = &field;
	f.eol = h->crlf ? "\r\n" : "\n";
	sign_tags(&f, sp, sel, hl.data, bh64, t);
	rc = sign_b(&b, sp, sel, h, hl.data, field.data, field.len, why);
	if (rc == 0) {
		fold_split(&f, b.data, b.len, "");
		buf_adds(&field, f.eol);
		buf_add(out, field.data, field.len);
	}
	buf_free(&hl);
	buf_free(&field);
	buf_free(&b);
	return rc;
}
