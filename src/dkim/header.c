/*
 * header - collect a message's header block and split it into fields.
 *
 * header_feed() takes input bytes until the empty line that ends the
 * header block (or end of input) and says how many it took; the rest is
 * body. header_parse() splits the block into fields and refuses what is
 * not RFC 5322: a line that is neither a field nor a continuation, a
 * field name with bytes outside 33..126, a NUL byte. header_from()
 * finds the one From field and its address and domain. This module
 * does not canonicalize and does not look at the body.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include "header.h"
#include "xmem.h"

void
header_init(struct header *h)
{
	memset(h, 0, sizeof(*h));
	buf_init(&h->block);
}

void
header_free(struct header *h)
{
	buf_free(&h->block);
	free(h->f);
	h->f = NULL;
	h->nf = 0;
}

/* header_feed - take bytes up to and including the empty line */
size_t
header_feed(struct header *h, const char *p, size_t n)
{
	const char *nl;
	size_t took = 0, take, linelen;

	while (!h->done && took < n) {
		nl = memchr(p + took, '\n', n - took);
		take = nl ? (size_t)(nl - (p + took)) + 1 : n - took;
		if (h->block.len + take > HEADER_MAX) {
			h->toobig = h->done = 1;
			return took + take;
		}
		buf_add(&h->block, p + took, take);
		took += take;
		if (nl == NULL)
			break;
		linelen = h->block.len - h->line - 1;
		if (linelen == 0 || (linelen == 1 && h->block.data[h->line] == '\r'))
			h->done = 1;
		h->line = h->block.len;
	}
	return took;
}

/* field_name_len - length of a valid field name at s, 0 if none */
static size_t
field_name_len(const char *s, size_t n)
{
	size_t i, name;

	for (i = 0; i < n && s[i] > 32 && s[i] < 127 && s[i] != ':'; i++)
		;
	name = i;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (name == 0 || i >= n || s[i] != ':')
		return 0;
	return name;
}

/* header_add_field - append a new field starting at off */
static int
header_add_field(struct header *h, size_t off, size_t namelen, struct why *why)
{
	if (h->nf >= HEADER_FIELDS)
		return why_set(why, EX_DATAERR, "message has more than %d header fields",
		    HEADER_FIELDS);
	if ((h->nf & (h->nf - 1)) == 0)
		h->f = xreallocarray(h->f, h->nf ? h->nf * 2 : 16, sizeof(*h->f));
	h->f[h->nf].off = off;
	h->f[h->nf].len = 0;
	h->f[h->nf].namelen = namelen;
	h->nf++;
	return 0;
}

/* header_parse - split the block into fields */
int
header_parse(struct header *h, struct why *why)
{
	const char *s = h->block.data, *nl;
	size_t off = 0, end = h->block.len, len, lineno = 0, namelen;

	if (h->toobig)
		return why_set(why, EX_DATAERR, "header block larger than %d bytes",
		    HEADER_MAX);
	if (end > 0 && memchr(s, '\0', end) != NULL)
		return why_set(why, EX_DATAERR, "NUL byte in message header");
	while (off < end) {
		lineno++;
		nl = memchr(s + off, '\n', end - off);
		len = nl ? (size_t)(nl - (s + off)) + 1 : end - off;
		if (len == 1 || (len == 2 && s[off] == '\r'))
			break;			/* the empty line */
		if (lineno == 1)
			h->crlf = len >= 2 && s[off + len - 2] == '\r';
		if (s[off] == ' ' || s[off] == '\t') {
			if (h->nf == 0)
				return why_set(why, EX_DATAERR,
				    "header line 1 starts with white space");
		} else if ((namelen = field_name_len(s + off, len)) > 0) {
			if (header_add_field(h, off, namelen, why) < 0)
				return -1;
		} else
			return why_set(why, EX_DATAERR,
			    "header line %zu is not a header field", lineno);
		h->f[h->nf - 1].len = off + len - h->f[h->nf - 1].off;
		off += len;
	}
	if (h->nf == 0)
		return why_set(why, EX_DATAERR, "message has no header");
	return 0;
}

/* header_is - does field f have this name (ASCII case-insensitive) */
int
header_is(const struct header *h, const struct hfield *f, const char *name)
{
	return strlen(name) == f->namelen &&
	    strncasecmp(h->block.data + f->off, name, f->namelen) == 0;
}

const char *
header_raw(const struct header *h, const struct hfield *f)
{
	return h->block.data + f->off;
}

/* skip_comment - skip a (possibly nested) comment starting at s[i] == '(' */
static size_t
skip_comment(const char *s, size_t i, size_t n)
{
	int depth = 0;

	for (; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n)
			i++;
		else if (s[i] == '(')
			depth++;
		else if (s[i] == ')' && --depth == 0)
			return i + 1;
	}
	return n;
}

/* skip_quoted - skip a quoted string starting at s[i] == '"' */
static size_t
skip_quoted(const char *s, size_t i, size_t n)
{
	for (i++; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n)
			i++;
		else if (s[i] == '"')
			return i + 1;
	}
	return n;
}

/*
 * from_addr - the address of the first mailbox in a From value: the
 * contents of the first top-level <...>, else the text before the first
 * top-level comma, with comments and white space removed.
 */
static int
from_addr(const char *s, size_t n, char *addr, size_t size)
{
	size_t i = 0, j, o = 0;

	while (i < n) {
		if (s[i] == '(') {
			i = skip_comment(s, i, n);
		} else if (s[i] == '"') {
			j = skip_quoted(s, i, n);
			while (i < j && o + 1 < size)
				addr[o++] = s[i++];
			i = j;
		} else if (s[i] == '<') {
			o = 0;
			for (i++; i < n && s[i] != '>'; i++)
				if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' &&
				    s[i] != '\n' && o + 1 < size)
					addr[o++] = s[i];
			break;
		} else if (s[i] == ',') {
			break;
		} else {
			if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' &&
			    s[i] != '\n' && o + 1 < size)
				addr[o++] = s[i];
			i++;
		}
	}
	addr[o] = '\0';
	return o + 1 < size ? 0 : -1;
}

/* valid_domain - lower-case d in place; is it a DNS host name */
static int
valid_domain(char *d)
{
	size_t label = 0, i, n = strlen(d);

	if (n > 0 && d[n - 1] == '.')
		d[--n] = '\0';
	if (n == 0 || n >= DOMAIN_MAX)
		return 0;
	for (i = 0; i < n; i++) {
		if (d[i] == '.') {
			if (label == 0 || d[i - 1] == '-')
				return 0;
			label = 0;
			continue;
		}
		if (!isalnum((unsigned char)d[i]) && d[i] != '-' && d[i] != '_')
			return 0;
		if (d[i] == '-' && label == 0)
			return 0;
		if (++label > 63)
			return 0;
		d[i] = (char)tolower((unsigned char)d[i]);
	}
	return d[n - 1] != '-';
}

/*
 * header_from - check there is exactly one From field, and return its
 * address and its domain (lower case).
 */
int
header_from(const struct header *h, char *addr, size_t asize, char *domain,
    size_t dsize, struct why *why)
{
	const struct hfield *from = NULL;
	const char *v, *at;
	size_t i, vlen;

	for (i = 0; i < h->nf; i++) {
		if (!header_is(h, &h->f[i], "From"))
			continue;
		if (from != NULL)
			return why_set(why, EX_DATAERR, "message has more than one From header");
		from = &h->f[i];
	}
	if (from == NULL)
		return why_set(why, EX_DATAERR, "message has no From header");
	v = (const char *)memchr(header_raw(h, from), ':', from->len) + 1;
	vlen = from->len - (size_t)(v - header_raw(h, from));
	if (from_addr(v, vlen, addr, asize) < 0 ||
	    (at = strrchr(addr, '@')) == NULL || strlen(at + 1) >= dsize)
		return why_set(why, EX_DATAERR, "From header has no parsable domain");
	strlcpy(domain, at + 1, dsize);
	if (!valid_domain(domain))
		return why_set(why, EX_DATAERR, "From header has no parsable domain");
	return 0;
}
