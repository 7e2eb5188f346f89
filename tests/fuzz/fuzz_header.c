/*
 * fuzz_header - header block collection and parsing, and the From
 * address and domain, and the queue id of Postfix's Received: field, fed
 * in chunks of every size: the result must not depend on how the input
 * was split (what signer_feed relies on).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "header.h"
#include "received.h"

struct res {
	int	 rc;
	size_t	 blen, nf, body;
	char	 addr[512], dom[DOMAIN_MAX], qid[64];
};

static void
run(const char *p, size_t n, size_t step, struct res *r)
{
	struct header h;
	struct why why;
	size_t off = 0, k, used;

	memset(r, 0, sizeof(*r));
	header_init(&h);
	while (off < n && !h.done) {
		k = n - off < step ? n - off : step;
		used = header_feed(&h, p + off, k);
		if (h.done)
			r->body = off + used;
		off += k;
	}
	h.done = 1;
	r->rc = header_parse(&h, &why);
	if (r->rc == 0 && received_qid(&h, r->qid, sizeof(r->qid)) == 0 &&
	    strlen(r->qid) < 5)
		abort();
	if (r->rc == 0)
		r->rc = header_from(&h, r->addr, sizeof(r->addr), r->dom,
		    sizeof(r->dom), &why) + 10;
	r->blen = h.block.len;
	r->nf = h.nf;
	header_free(&h);
}

int
LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct res a, b;

	if (n < 1)
		return 0;
	run((const char *)d + 1, n - 1, n, &a);
	run((const char *)d + 1, n - 1, (size_t)d[0] % 97 + 1, &b);
	if (a.rc != b.rc || a.blen != b.blen || a.nf != b.nf || a.body != b.body ||
	    strcmp(a.addr, b.addr) != 0 || strcmp(a.dom, b.dom) != 0 ||
	    strcmp(a.qid, b.qid) != 0)
		abort();
	return 0;
}
