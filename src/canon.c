/*
 * canon - DKIM canonicalization (RFC 6376 section 3.4) and the body hash.
 *
 * Input lines end in LF or CRLF; a CR not followed by LF is an ordinary
 * byte. Canonical output always uses CRLF. The body is processed as a
 * stream with O(1) state, so line length and body size do not matter:
 * empty lines are counted and emitted only when more content follows
 * (trailing empty lines vanish), and in relaxed mode white space is
 * remembered and emitted as one SP only before more content on the line.
 * A last line without a line ending is treated as if it had one, which
 * is what a receiver sees after SMTP transport. No parsing, no policy.
 */
#include <string.h>
#include <sysexits.h>

#include "canon.h"
#include "log.h"

/*
 * canon_header - append the canonical form of one header field (name,
 * colon, value, line endings) to out, ending in CRLF.
 */
void
canon_header(struct buf *out, enum canon c, const char *s, size_t n)
{
	size_t i, colon, start;
	int ws = 0;

	if (c == CANON_SIMPLE) {
		for (i = 0; i < n; i++) {
			if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
				buf_addc(out, '\r');
			buf_addc(out, s[i]);
		}
		if (n == 0 || s[n - 1] != '\n')
			buf_add(out, "\r\n", 2);
		return;
	}
	colon = (size_t)((const char *)memchr(s, ':', n) - s);
	for (i = 0; i < colon && s[i] != ' ' && s[i] != '\t'; i++)
		buf_addc(out, s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
	buf_addc(out, ':');
	start = out->len;
	for (i = colon + 1; i < n; i++) {
		if (s[i] == '\n' || (s[i] == '\r' && i + 1 < n && s[i + 1] == '\n'))
			continue;		/* unfold */
		if (s[i] == ' ' || s[i] == '\t') {
			ws = 1;
			continue;
		}
		if (ws && out->len > start)
			buf_addc(out, ' ');
		ws = 0;
		buf_addc(out, s[i]);
	}
	buf_add(out, "\r\n", 2);
}

void
bodyhash_init(struct bodyhash *b, enum canon c)
{
	memset(b, 0, sizeof(*b));
	b->canon = c;
	b->limit = UINT64_MAX;
	if ((b->md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(b->md, EVP_sha256(), NULL) != 1)
		log_fatal(EX_TEMPFAIL, "cannot initialize SHA-256");
}

/* flush - hash the buffered canonical bytes, at most limit in all (l=) */
static void
flush(struct bodyhash *b)
{
	size_t n = b->olen;

	if (b->hashed + n > b->limit)
		n = b->limit > b->hashed ? (size_t)(b->limit - b->hashed) : 0;
	EVP_DigestUpdate(b->md, b->out, n);
	b->hashed += b->olen;
	b->olen = 0;
}

/* emit - append canonical bytes, hashing whenever the buffer fills */
static void
emit(struct bodyhash *b, const char *p, size_t n)
{
	size_t room;

	b->any = 1;
	while (n > 0) {
		if (b->olen == BODY_OUT)
			flush(b);
		room = BODY_OUT - b->olen;
		if (room > n)
			room = n;
		memcpy(b->out + b->olen, p, room);
		b->olen += room;
		p += room;
		n -= room;
	}
}

/* content - one byte of line content: flush held-back lines and space */
static void
content(struct bodyhash *b, char c)
{
	for (; b->blank > 0; b->blank--)
		emit(b, "\r\n", 2);
	if (b->ws) {
		emit(b, " ", 1);
		b->ws = 0;
	}
	if (b->olen < BODY_OUT)
		b->out[b->olen++] = (unsigned char)c;
	else
		emit(b, &c, 1);
	b->any = 1;
	b->inline_ = 1;
}

/* eol - end of one input line */
static void
eol(struct bodyhash *b)
{
	b->ws = 0;
	if (b->inline_)
		emit(b, "\r\n", 2);
	else
		b->blank++;
	b->inline_ = 0;
}

/*
 * span - length of the run of plain bytes at p: for simple, anything but
 * CR and LF; for relaxed, also not SP or TAB.
 */
static size_t
span(const struct bodyhash *b, const char *p, size_t n)
{
	size_t i;

	if (b->canon == CANON_SIMPLE) {
		for (i = 0; i < n && p[i] != '\n' && p[i] != '\r'; i++)
			;
	} else {
		for (i = 0; i < n && p[i] != '\n' && p[i] != '\r' &&
		    p[i] != ' ' && p[i] != '\t'; i++)
			;
	}
	return i;
}

void
bodyhash_update(struct bodyhash *b, const char *p, size_t n)
{
	size_t i = 0, run;

	while (i < n) {
		if (b->cr) {
			b->cr = 0;
			if (p[i] == '\n') {
				eol(b);
				i++;
				continue;
			}
			content(b, '\r');
		}
		if (p[i] == '\r') {
			b->cr = 1;
			i++;
		} else if (p[i] == '\n') {
			eol(b);
			i++;
		} else if (b->canon == CANON_RELAXED &&
		    (p[i] == ' ' || p[i] == '\t')) {
			b->ws = 1;
			i++;
		} else {
			run = span(b, p + i, n - i);
			content(b, p[i]);
			if (run > 1)
				emit(b, p + i + 1, run - 1);
			i += run;
		}
	}
}

void
bodyhash_final(struct bodyhash *b, unsigned char digest[32])
{
	unsigned int len = 32;

	if (b->cr) {
		b->cr = 0;
		content(b, '\r');
	}
	if (b->inline_)
		eol(b);
	if (b->canon == CANON_SIMPLE && !b->any)
		emit(b, "\r\n", 2);
	flush(b);
	if (EVP_DigestFinal_ex(b->md, digest, &len) != 1)
		log_fatal(EX_TEMPFAIL, "SHA-256 failed");
}

void
bodyhash_free(struct bodyhash *b)
{
	EVP_MD_CTX_free(b->md);
	b->md = NULL;
}
