/*
 * resign - test driver: recompute b= and bh= of the first DKIM-Signature
 * of a message with dkimpipe's own canonicalization and signing code,
 * from the field's own tags and a raw Ed25519 seed (base64) or a PEM key.
 * Prints "bh=<ours> <theirs>" and "b=<ours> <theirs>"; exits 0 only when
 * both match byte-exactly. Used to reproduce RFC 8463 Appendix A.
 *
 * usage: resign MESSAGE (ed25519:BASE64SEED | PEMFILE)
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>

#include "canon.h"
#include "header.h"
#include "keys.h"
#include "sign.h"

/* tagval - value of tag name in an unfolded tag list, white space removed */
static char *
tagval(const char *list, const char *name)
{
	char *copy = strdup(list), *p, *t, *v, *out = NULL;
	size_t o = 0;

	for (p = copy; (t = strsep(&p, ";")) != NULL;) {
		while (*t == ' ' || *t == '\t' || *t == '\r' || *t == '\n')
			t++;
		if ((v = strchr(t, '=')) == NULL)
			continue;
		*v++ = '\0';
		t[strcspn(t, " \t\r\n")] = '\0';
		if (strcmp(t, name) != 0)
			continue;
		out = malloc(strlen(v) + 1);
		for (; *v; v++)
			if (!strchr(" \t\r\n", *v))
				out[o++] = *v;
		out[o] = '\0';
		break;
	}
	free(copy);
	return out;
}

static EVP_PKEY *
loadkey(const char *spec)
{
	unsigned char seed[64];
	FILE *fp;
	EVP_PKEY *k;

	if (strncmp(spec, "ed25519:", 8) == 0) {
		if (EVP_DecodeBlock(seed, (const unsigned char *)spec + 8,
		    (int)strlen(spec + 8)) < 32)
			return NULL;
		return EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32);
	}
	if ((fp = fopen(spec, "r")) == NULL)
		return NULL;
	k = PEM_read_PrivateKey(fp, NULL, NULL, NULL);
	fclose(fp);
	return k;
}

int
main(int argc, char **argv)
{
	struct header h;
	struct signparams sp;
	struct signkey key;
	struct bodyhash bh;
	struct why why;
	struct buf b, field;
	char buf[65536], bh64[64], *c, *hl, *theirs_b, *theirs_bh, *bpos;
	unsigned char dg[32];
	size_t n, used, i;
	int fd, ok;

	if (argc != 3 || (fd = open(argv[1], O_RDONLY)) < 0)
		return 2;
	n = (size_t)read(fd, buf, sizeof(buf));
	header_init(&h);
	used = header_feed(&h, buf, n);
	if (header_parse(&h, &why) < 0)
		return fprintf(stderr, "%s\n", why.text), 2;
	for (i = 0; i < h.nf && !header_is(&h, &h.f[i], "DKIM-Signature"); i++)
		;
	if (i == h.nf)
		return 2;
	buf_init(&field);
	buf_add(&field, header_raw(&h, &h.f[i]), h.f[i].len);
	memset(&sp, 0, sizeof(sp));
	c = tagval(field.data, "c");
	hl = tagval(field.data, "h");
	theirs_b = tagval(field.data, "b");
	theirs_bh = tagval(field.data, "bh");
	if (c == NULL || hl == NULL || theirs_b == NULL || theirs_bh == NULL ||
	    canon_parse(c, &sp.hcanon, &sp.bcanon) < 0)
		return 2;
	memset(&key, 0, sizeof(key));
	key.keyfile = argv[2];
	if ((key.pkey = loadkey(argv[2])) == NULL ||
	    keys_alg(key.pkey, argv[2], &key.alg, &why) < 0)
		return fprintf(stderr, "bad key\n"), 2;
	bodyhash_init(&bh, sp.bcanon);
	bodyhash_update(&bh, buf + used, n - used);
	bodyhash_final(&bh, dg);
	EVP_EncodeBlock((unsigned char *)bh64, dg, 32);
	/* the field up to and including "b=", where b= is the last tag */
	for (bpos = field.data + field.len; bpos > field.data; bpos--)
		if (bpos[0] == 'b' && bpos[1] == '=' && strchr("; \t\n", bpos[-1]))
			break;
	buf_init(&b);
	if (sign_b(&b, &sp, &key, &h, hl, field.data,
	    (size_t)(bpos + 2 - field.data), &why) < 0)
		return fprintf(stderr, "%s\n", why.text), 2;
	printf("bh=%s %s\nb=%s %s\n", bh64, theirs_bh, b.data, theirs_b);
	ok = strcmp(bh64, theirs_bh) == 0 && strcmp(b.data, theirs_b) == 0;
	return ok ? 0 : 1;
}
