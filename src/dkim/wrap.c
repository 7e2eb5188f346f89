/*
 * wrap - give every line longer than the limit the form that Postfix's
 * smtp(8) client would give it on output (smtp_text_out() in
 * smtp_proto.c, smtp_line_length_limit, 998 by default), before the
 * message is signed, so that Postfix has nothing left to change after
 * the signer and the receiver sees exactly the signed bytes.
 *
 * A body line of more than `limit` octets is broken as Postfix breaks
 * it: `limit` octets and a line ending, then continuation lines of a
 * SPACE and up to limit - 1 octets. A header line is folded instead at
 * the last white space within the limit (RFC 5322 3.2.2: folding
 * changes nothing a reader sees); a stretch without white space is
 * broken as Postfix breaks it. A line within the limit passes byte for
 * byte; limit 0 passes everything.
 *
 * A stream filter behind eol: its input has one style of line ending,
 * and a CR only as part of a CRLF. The same bytes give the same output
 * however they are chunked. It does not parse fields or MIME parts.
 */
#include <string.h>

#include "header.h"
#include "wrap.h"

#define IS_WSP(c)	((c) == ' ' || (c) == '\t')

void
wrap_init(struct wrap *w, size_t limit)
{
	memset(w, 0, sizeof(*w));
	w->limit = limit;
	w->crlf = -1;
	buf_init(&w->line);
}

void
wrap_free(struct wrap *w)
{
	buf_free(&w->line);
}

/* line_end - a line ending in the message's style (LF before one is seen) */
static void
line_end(const struct wrap *w, struct buf *out)
{
	if (w->crlf == 1)
		buf_add(out, "\r\n", 2);
	else
		buf_addc(out, '\n');
}

/* body_text - octets of one body line, broken where Postfix breaks it */
static void
body_text(struct wrap *w, const char *p, size_t n, struct buf *out)
{
	size_t take;

	while (n > 0) {
		if (w->col == w->limit) {
			line_end(w, out);
			buf_addc(out, ' ');
			w->col = 1;
		}
		take = w->limit - w->col < n ? w->limit - w->col : n;
		buf_add(out, p, take);
		w->col += take;
		p += take;
		n -= take;
	}
}

/*
 * body_run - the body: count the octets of each line. Behind eol a CR
 * only comes as part of a CRLF, so the line ends at each LF, and a CR
 * before it (or at the very end of a piece) is the line ending's.
 */
static void
body_run(struct wrap *w, const char *p, size_t n, struct buf *out)
{
	const char *nl;
	size_t i = 0, end, j;

	while (i < n) {
		nl = memchr(p + i, '\n', n - i);
		end = nl != NULL ? (size_t)(nl - p) : n;
		j = end > i && p[end - 1] == '\r' ? end - 1 : end;
		body_text(w, p + i, j - i, out);
		buf_add(out, p + j, end - j);
		if (nl == NULL)
			break;
		buf_addc(out, '\n');
		w->col = 0;
		i = end + 1;
	}
}

/*
 * fold_at - where to fold s (longer than limit): the last white space
 * within the limit that has something else before it; 0 when none
 */
static size_t
fold_at(const char *s, size_t limit)
{
	size_t p, first;

	for (first = 0; first < limit && IS_WSP(s[first]); first++)
		continue;
	for (p = limit; p > first; p--)
		if (IS_WSP(s[p]))
			return p;
	return 0;
}

/* header_fold - send pieces of the header line while it is over the limit */
static void
header_fold(struct wrap *w, struct buf *out)
{
	char *s;
	size_t n, p;

	while ((n = w->line.len - w->start) > w->limit) {
		s = w->line.data + w->start;
		if (s[n - 1] == '\r' && --n <= w->limit)	/* CR of a CRLF to come */
			return;
		if ((p = fold_at(s, w->limit)) > 0) {
			buf_add(out, s, p);		/* the white space starts the next */
			line_end(w, out);
			w->start += p;
		} else {
			buf_add(out, s, w->limit);	/* Postfix: CRLF SPACE */
			line_end(w, out);
			w->start += w->limit - 1;
			w->line.data[w->start] = ' ';
		}
	}
}

/* header_rest - send the rest of the header line */
static void
header_rest(struct wrap *w, struct buf *out)
{
	if (w->line.len > w->start)
		buf_add(out, w->line.data + w->start, w->line.len - w->start);
	buf_reset(&w->line);
	w->start = 0;
}

/* header_compact - drop the part of the header line already sent */
static void
header_compact(struct wrap *w)
{
	if (w->start == 0)
		return;
	memmove(w->line.data, w->line.data + w->start, w->line.len - w->start);
	w->line.len -= w->start;
	w->line.data[w->line.len] = '\0';
	w->start = 0;
}

/* header_line - one whole header line, its LF just seen */
static void
header_line(struct wrap *w, struct buf *out)
{
	int empty;

	if (w->line.len > 0 && w->line.data[w->line.len - 1] == '\r') {
		w->line.len--;
		if (w->crlf < 0)
			w->crlf = 1;
	} else if (w->crlf < 0)
		w->crlf = 0;
	empty = w->line.len == 0;
	header_fold(w, out);
	header_rest(w, out);
	line_end(w, out);
	if (empty) {
		w->body = 1;
		w->col = 0;
	}
}

/*
 * header_run - the header block, line by line; returns the octets taken.
 * Until the first line ending shows the style, the first line is held
 * whole (up to HEADER_MAX, past which the header is refused anyway).
 */
static size_t
header_run(struct wrap *w, const char *p, size_t n, struct buf *out)
{
	const char *nl;
	size_t i = 0, take;

	while (i < n && !w->body) {
		nl = memchr(p + i, '\n', n - i);
		take = nl != NULL ? (size_t)(nl - (p + i)) : n - i;
		buf_add(&w->line, p + i, take);
		i += take;
		if (nl != NULL) {
			header_line(w, out);
			i++;
			continue;
		}
		if (w->crlf < 0 && w->line.len > HEADER_MAX)
			w->crlf = 0;
		if (w->crlf >= 0) {
			header_fold(w, out);
			header_compact(w);
		}
	}
	return i;
}

/* wrap_run - the next piece of the message */
void
wrap_run(struct wrap *w, const char *p, size_t n, struct buf *out)
{
	size_t took = 0;

	if (n == 0)
		return;
	if (w->limit == 0) {
		buf_add(out, p, n);
		return;
	}
	if (!w->body)
		took = header_run(w, p, n, out);
	if (took < n)
		body_run(w, p + took, n - took, out);
}

/* wrap_end - the input is over: send what is held of a last header line */
void
wrap_end(struct wrap *w, struct buf *out)
{
	if (w->limit == 0 || w->body)
		return;
	header_fold(w, out);
	header_rest(w, out);
}
