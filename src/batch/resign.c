/*
 * resign - feed one stored message, read from a descriptor, to the
 * signer (signer.c) and end it there. With a replace mode, the message's
 * earlier DKIM-Signature fields for the domain being signed (and the
 * selector, with REPLACE_SELECTOR) are dropped first; other domains' are
 * kept, and every other byte goes through as it is. This file does not
 * open, write or replace files (inplace.c, mbox.c, atomic.c do).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <unistd.h>

#include "header.h"
#include "io.h"
#include "keysel.h"
#include "resign.h"
#include "signer.h"
#include "taglist.h"
#include "xmem.h"

#define CHUNK	(64 * 1024)

/* ours - a DKIM-Signature field that one of the chosen keys replaces */
static int
ours(const struct header *h, const struct hfield *f, const struct sigsel *sel,
    size_t nsel, enum replace how)
{
	const char *raw = header_raw(h, f), *v = memchr(raw, ':', f->len);
	char d[DOMAIN_MAX + 1], s[128];
	struct buf list;
	size_t i;
	int hit = 0;

	if (v == NULL || !header_is(h, f, "DKIM-Signature"))
		return 0;
	v++;
	buf_init(&list);
	buf_add(&list, v, f->len - (size_t)(v - raw));	/* NUL-terminated */
	if (taglist_get(list.data, "d", d, sizeof(d)) &&
	    taglist_get(list.data, "s", s, sizeof(s)))
		for (i = 0; i < nsel && !hit; i++)
			hit = strcasecmp(d, sel[i].domain) == 0 &&
			    (how == REPLACE_DOMAIN || strcmp(s, sel[i].key->selector) == 0);
	buf_free(&list);
	return hit;
}

/*
 * header_of - read and parse the header block of fd; *rest is the
 * number of bytes of buf read past it
 */
static int
header_of(int fd, struct header *h, char *buf, size_t *rest, size_t *off,
    struct why *why)
{
	ssize_t r;
	size_t used;

	*rest = *off = 0;
	while (!h->done) {
		if ((r = io_read(fd, buf, CHUNK)) < 0)
			return why_set(why, EX_IOERR, "read error: %s", strerror(errno));
		if (r == 0)
			break;
		used = header_feed(h, buf, (size_t)r);
		if (h->done) {
			*off = used;
			*rest = (size_t)r - used;
		}
	}
	h->done = 1;
	return header_parse(h, why);
}

/* feed_header - feed the header block without the fields we replace */
static int
feed_header(struct signed_msg *m, const struct conf *cf, const struct header *h,
    enum replace how, struct why *why)
{
	char addr[512], domain[DOMAIN_MAX];
	struct sigsel sel[CONF_MAXSIG];
	size_t i, nsel = 0, end = 0;

	if (how != REPLACE_NONE) {
		if (header_from(h, addr, sizeof(addr), domain, sizeof(domain), why) < 0)
			return -1;
		nsel = conf_select(cf, addr, domain, sel, CONF_MAXSIG);
	}
	for (i = 0; i < h->nf; i++) {
		end = h->f[i].off + h->f[i].len;
		if (nsel > 0 && ours(h, &h->f[i], sel, nsel, how))
			continue;
		signer_feed(m, cf, h->block.data + h->f[i].off, h->f[i].len);
	}
	if (end < h->block.len)		/* the empty line */
		signer_feed(m, cf, h->block.data + end, h->block.len - end);
	conf_sel_free(sel, nsel);
	return 0;
}

/*
 * resign_fd - sign the message on fd (from its current offset), dropping
 * the fields a replace mode replaces; the signer_end() result
 */
int
resign_fd(struct signed_msg *m, const struct conf *cf, int fd,
    enum replace how, struct why *why)
{
	struct header h;
	char *buf = xmalloc(CHUNK);
	size_t rest, off;
	ssize_t r;
	int rc = -1;

	header_init(&h);
	if (header_of(fd, &h, buf, &rest, &off, why) < 0 ||
	    feed_header(m, cf, &h, how, why) < 0)
		goto out;
	if (rest > 0)
		signer_feed(m, cf, buf + off, rest);
	while ((r = io_read(fd, buf, CHUNK)) > 0)
		signer_feed(m, cf, buf, (size_t)r);
	if (r < 0) {
		why_set(why, EX_IOERR, "read error: %s", strerror(errno));
		goto out;
	}
	rc = signer_end(m, cf, why);
out:
	header_free(&h);
	free(buf);
	return rc;
}
