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
 * canon_parse - the c= syntax: "relaxed", "simple/relaxed", ... (a
 * missing body part is "simple", RFC 6376 3.5); -1 for anything else
 */
int
canon_parse(const char *s, enum canon *hc, enum canon *bc)
{
	const char *slash = strchr(s, '/');
	const char *body = slash ? slash + 1 : "simple";
	size_t hlen = slash ? (size_t)(slash - s) : strlen(s);
	enum canon h, b;

	if (hlen == 6 && strncmp(s, "simple", 6) == 0)
		h = CANON_SIMPLE;
	else if (hlen == 7 && strncmp(s, "relaxed", 7) == 0)
		h = CANON_RELAXED;
	else
		return -1;
	if (strcmp(body, "simple") == 0)
		b = CANON_SIMPLE;
	else if (strcmp(body, "relaxed") == 0)
		b = CANON_RELAXED;
	else
		return -1;
	*hc = h;
	*bc = b;
	return 0;
}

/*
 * canon_header - append the canonical form of one header field (name,
 * colon, value, line endings) to out, ending in CRLF.
 */
void
canon_header(struct buf *out, enum canon c, const char *s, size_t n)
{
	const char *p;
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
	/* header_parse() lets no field without a colon through; be safe anyway */
	p = memchr(s, ':', n);
	colon = p != NULL ? (size_t)(p - s) : n;
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

/* blanks - a line with content begins: emit the empty lines held back */
static void
blanks(struct bodyhash *b)
{
	for (; b->blank > 0; b->blank--)
		emit(b, "\r\n", 2);
}

/* simple_seg - part of one line, without its line end, simple canon */
static void
simple_seg(struct bodyhash *b, const char *s, size_t n)
{
	if (n == 0)
		return;
	if (b->blank > 0)
		blanks(b);
	emit(b, s, n);
	b->inline_ = 1;
}

/*
 * plain - no byte of s is white space, a control character or 8-bit:
 * tested 8 bytes at a time; a 1 can only be a false alarm for 8-bit text.
 */
static int
plain(const char *s, size_t n)
{
	const uint64_t ones = 0x2121212121212121ULL, high = 0x8080808080808080ULL;
	uint64_t x;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&x, s + i, 8);
		if (((x - ones) | x) & high)
			return 0;
	}
	for (; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x80)
			return 0;
	return 1;
}

/* zeros - 0x80 in each byte of x that is zero, exactly */
static uint64_t
zeros(uint64_t x)
{
	const uint64_t low7 = 0x7f7f7f7f7f7f7f7fULL;

	return ~(((x & low7) + low7) | x | low7);
}

/*
 * single_spaced - s holds no tab and no two spaces in a row (8 bytes at
 * a time); then relaxed canonicalization changes at most its ends.
 */
static int
single_spaced(const char *s, size_t n)
{
	const uint64_t sp8 = 0x2020202020202020ULL, tab8 = 0x0909090909090909ULL;
	uint64_t x, sp, carry = 0;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&x, s + i, 8);
		sp = zeros(x ^ sp8);
		if (zeros(x ^ tab8) || (sp & (sp >> 8)) || (carry && (sp & 0x80)))
			return 0;
		carry = sp >> 63;
	}
	for (; i < n; i++) {
		if (s[i] == '\t' || (s[i] == ' ' && (carry || (i + 1 < n && s[i + 1] == ' '))))
			return 0;
		carry = s[i] == ' ';
	}
	return 1;
}

/*
 * relaxed_fast - the common case: no tab and no two spaces in a row, so
 * at most a single trailing space changes; copied with memcpy. Returns
 * 0 when it does not apply.
 */
static int
relaxed_fast(struct bodyhash *b, const char *s, size_t n)
{
	size_t m = n;

	if (n > 0 && plain(s, n)) {	/* base64, words without spaces */
		if (b->blank > 0)
			blanks(b);
		if (b->ws)
			emit(b, " ", 1);
		emit(b, s, n);
		b->inline_ = 1;
		b->ws = 0;
		return 1;
	}
	if (n == 0 || (b->ws && s[0] == ' ') || !single_spaced(s, n))
		return 0;
	if (s[m - 1] == ' ')
		m--;
	if (m == 0) {
		b->ws = 1;
		return 1;
	}
	if (b->blank > 0)
		blanks(b);
	if (b->ws)
		emit(b, " ", 1);
	emit(b, s, m);
	b->inline_ = 1;
	b->ws = m < n;
	return 1;
}

/*
 * relaxed_seg - part of one line, without its line end, relaxed canon:
 * runs of SP and HTAB become one SP, emitted only if content follows on
 * the line. Output never exceeds input plus one byte, so the copy loop
 * writes straight into the buffer.
 */
static void
relaxed_seg(struct bodyhash *b, const char *s, size_t n)
{
	unsigned char *o, c;
	size_t k, take;
	int ws;

	if (relaxed_fast(b, s, n))
		return;
	if (b->blank > 0) {
		for (k = 0; k < n && (s[k] == ' ' || s[k] == '\t'); k++)
			;
		if (k == n) {
			b->ws |= n > 0;
			return;
		}
		blanks(b);
	}
	while (n > 0) {
		if (BODY_OUT - b->olen < 2)
			flush(b);
		take = BODY_OUT - b->olen - 1;
		if (take > n)
			take = n;
		o = b->out + b->olen;
		ws = b->ws;
		for (k = 0; k < take; k++) {
			c = (unsigned char)s[k];
			if (c == ' ' || c == '\t') {
				ws = 1;
				continue;
			}
			if (ws) {
				*o++ = ' ';
				ws = 0;
			}
			*o++ = c;
		}
		if (o != b->out + b->olen) {
			b->inline_ = 1;
			b->any = 1;
		}
		b->olen = (size_t)(o - b->out);
		b->ws = ws;
		s += take;
		n -= take;
	}
}

/* segment - line content (a CR inside is content) */
static void
segment(struct bodyhash *b, const char *s, size_t n)
{
	if (b->canon == CANON_SIMPLE)
		simple_seg(b, s, n);
	else
		relaxed_seg(b, s, n);
}

/*
 * bodyhash_update - canonicalize and hash more body bytes. Lines are
 * found with memchr; a CR right before LF ends the line, any other CR
 * is content; a CR at the end of the chunk waits for the next byte.
 */
void
bodyhash_update(struct bodyhash *b, const char *p, size_t n)
{
	const char *nl;
	size_t i = 0, end, seg;

	while (i < n) {
		if (b->cr) {
			b->cr = 0;
			if (p[i] == '\n') {
				eol(b);
				i++;
				continue;
			}
			segment(b, "\r", 1);
		}
		nl = memchr(p + i, '\n', n - i);
		end = nl ? (size_t)(nl - p) : n;
		seg = end - i;
		if (seg > 0 && p[end - 1] == '\r') {
			seg--;
			if (nl == NULL)
				b->cr = 1;	/* CR at the end of the chunk */
		}
		segment(b, p + i, seg);
		if (nl == NULL)
			break;
		eol(b);
		i = end + 1;
	}
}

void
bodyhash_final(struct bodyhash *b, unsigned char digest[32])
{
	unsigned int len = 32;

	if (b->cr) {
		b->cr = 0;
		segment(b, "\r", 1);
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
