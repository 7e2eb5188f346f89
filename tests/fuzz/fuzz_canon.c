/*
 * fuzz_canon - body canonicalization and hash, relaxed and simple: the
 * digest of the body fed in random pieces must equal the digest of the
 * body fed at once (a message arrives in reads of any size). Header
 * canonicalization runs on the same bytes. The line-ending filter (eol)
 * gets the same differential check, and its output must hold no bare CR.
 * So does eol followed by wrap (the line length limit, 80..335 from the
 * first byte): same output however chunked, no line over the limit, one
 * style of line ending, and no line lost: with the limit off the bytes
 * are eol's.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "canon.h"
#include "eol.h"
#include "wrap.h"

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

/* wrapped - eol then wrap, in pieces */
static void
wrapped(const char *p, size_t n, size_t limit, const uint8_t *steps,
    size_t nsteps, struct buf *out)
{
	struct eol e;
	struct wrap w;
	struct buf t;
	size_t off = 0, i = 0, k;

	eol_init(&e);
	wrap_init(&w, limit);
	buf_init(&t);
	while (off < n) {
		k = nsteps ? (size_t)steps[i++ % nsteps] % 200 + 1 : n;
		if (k > n - off)
			k = n - off;
		buf_reset(&t);
		eol_run(&e, p + off, k, &t);
		wrap_run(&w, t.data, t.len, out);
		off += k;
	}
	buf_reset(&t);
	eol_end(&e, &t);
	wrap_run(&w, t.data, t.len, out);
	wrap_end(&w, out);
	buf_free(&t);
	wrap_free(&w);
}

/* check_lines - no line longer than limit, one style of line ending */
static void
check_lines(const struct buf *b, size_t limit)
{
	size_t i, col = 0;
	int crlf = -1, this;

	for (i = 0; i < b->len; i++) {
		if (b->data[i] == '\r' && (i + 1 == b->len || b->data[i + 1] != '\n'))
			abort();			/* bare CR */
		if (b->data[i] == '\r')
			continue;
		if (b->data[i] != '\n') {
			if (++col > limit)
				abort();
			continue;
		}
		this = i > 0 && b->data[i - 1] == '\r';
		if (crlf >= 0 && this != crlf)
			abort();			/* mixed line endings */
		crlf = this;
		col = 0;
	}
}

/* same_text - equal but for CR, LF, SPACE and TAB */
static int
same_text(const struct buf *x, const struct buf *y)
{
	size_t i = 0, j = 0;

	for (;;) {
		while (i < x->len && strchr("\r\n \t", x->data[i]) && x->data[i])
			i++;
		while (j < y->len && strchr("\r\n \t", y->data[j]) && y->data[j])
			j++;
		if (i == x->len || j == y->len)
			return i == x->len && j == y->len;
		if (x->data[i++] != y->data[j++])
			return 0;
	}
}

static void
check_wrap(const char *p, size_t n, size_t limit, const uint8_t *steps,
    size_t nsteps)
{
	struct buf a, b, e;

	buf_init(&a);
	buf_init(&b);
	buf_init(&e);
	wrapped(p, n, limit, NULL, 0, &a);
	wrapped(p, n, limit, steps, nsteps, &b);
	if (a.len != b.len || (a.len > 0 && memcmp(a.data, b.data, a.len) != 0))
		abort();
	if (n < 1024 * 1024)			/* within HEADER_MAX: style known */
		check_lines(&a, limit);
	normalize(p, n, NULL, 0, &e);
	if (!same_text(&a, &e))
		abort();			/* wrap only adds line ends and spaces */
	buf_reset(&b);
	wrapped(p, n, 0, steps, nsteps, &b);
	if (b.len != e.len || (e.len > 0 && memcmp(e.data, b.data, e.len) != 0))
		abort();			/* limit 0: eol's bytes */
	buf_free(&a);
	buf_free(&b);
	buf_free(&e);
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
	check_wrap((const char *)d + 1 + ns, n - 1 - ns, 80 + (size_t)d[0],
	    d + 1, ns);
	return 0;
}
