/*
 * fuzz_canon - body canonicalization and hash, relaxed and simple: the
 * digest of the body fed in random pieces must equal the digest of the
 * body fed at once (a message arrives in reads of any size). Header
 * canonicalization runs on the same bytes. The line-ending filter (eol)
 * gets the same differential check, and its output must hold no bare CR.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../src/canon.h"
#include "../../src/eol.h"

static void
digest(enum canon c, const char *p, size_t n, const uint8_t *steps,
    size_t nsteps, unsigned char out[32])
{
	struct bodyhash bh;
	size_t off = 0, i = 0, k;

	bodyhash_init(&bh, c);
	while (off < n) {
		k = nsteps ? (size_t)steps[i++ % nsteps] % 200 + 1 : n;
		if (k > n - off)
			k = n - off;
		bodyhash_update(&bh, p + off, k);
		off += k;
	}
	bodyhash_final(&bh, out);
	bodyhash_free(&bh);
}

static void
normalize(const char *p, size_t n, const uint8_t *steps, size_t nsteps,
    struct buf *out)
{
	struct eol e;
	size_t off = 0, i = 0, k;

	eol_init(&e);
	while (off < n) {
		k = nsteps ? (size_t)steps[i++ % nsteps] % 200 + 1 : n;
		if (k > n - off)
			k = n - off;
		eol_run(&e, p + off, k, out);
		off += k;
	}
	eol_end(&e, out);
}

static void
check_eol(const char *p, size_t n, const uint8_t *steps, size_t nsteps)
{
	struct buf a, b;
	size_t i;

	buf_init(&a);
	buf_init(&b);
	normalize(p, n, NULL, 0, &a);
	normalize(p, n, steps, nsteps, &b);
	if (a.len != b.len || (a.len > 0 && memcmp(a.data, b.data, a.len) != 0))
		abort();
	for (i = 0; i < a.len; i++)
		if (a.data[i] == '\r' && (i + 1 == a.len || a.data[i + 1] != '\n'))
			abort();
	buf_free(&a);
	buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	unsigned char a[32], b[32];
	struct buf hb;
	size_t ns;
	int c;

	if (n < 1)
		return 0;
	ns = (size_t)d[0] % 8;
	if (ns + 1 > n)
		return 0;
	for (c = CANON_SIMPLE; c <= CANON_RELAXED; c++) {
		digest((enum canon)c, (const char *)d + 1 + ns, n - 1 - ns, NULL, 0, a);
		digest((enum canon)c, (const char *)d + 1 + ns, n - 1 - ns, d + 1, ns, b);
		if (memcmp(a, b, 32) != 0)
			abort();
		buf_init(&hb);
		canon_header(&hb, (enum canon)c, (const char *)d + 1 + ns, n - 1 - ns);
		buf_free(&hb);
	}
	check_eol((const char *)d + 1 + ns, n - 1 - ns, d + 1, ns);
	return 0;
}
