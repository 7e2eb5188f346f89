/*
 * lmtp - LMTP server I/O and command syntax (RFC 2033, RFC 5321).
 *
 * Reads are buffered and bounded; every wait for input first sends the
 * replies collected so far, which is all PIPELINING needs: replies to
 * pipelined commands go out together when the input runs dry. Command
 * lines longer than LMTP_LINE are reported and skipped to their end,
 * never held. DATA is streamed: dot-unstuffed, CRLF turned into LF (the
 * form pipe(8) and sendmail(1) use), and handed to a sink in pieces, so
 * a line of any length costs no memory. This module knows no policy and
 * no transaction state; cmd_lmtp.c does.
 */
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "deadline.h"
#include "io.h"
#include "lmtp.h"

void
lmtp_init(struct lmtp *l, int in, int out)
{
	l->in = in;
	l->out = out;
	l->ipos = l->ilen = 0;
	l->werr = 0;
	buf_init(&l->obuf);
}

void
lmtp_free(struct lmtp *l)
{
	buf_free(&l->obuf);
}

/* lmtp_reply - queue one reply line; CRLF is added */
void
lmtp_reply(struct lmtp *l, const char *fmt, ...)
{
	char line[LMTP_LINE];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 2, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if ((size_t)n > sizeof(line) - 3)
		n = (int)sizeof(line) - 3;
	buf_add(&l->obuf, line, (size_t)n);
	buf_add(&l->obuf, "\r\n", 2);
}

/* lmtp_flush - send the queued replies; -1 when the peer is gone */
int
lmtp_flush(struct lmtp *l)
{
	if (l->obuf.len == 0)
		return l->werr ? -1 : 0;
	if (io_write_all(l->out, l->obuf.data, l->obuf.len) < 0)
		l->werr = 1;
	buf_reset(&l->obuf);
	return l->werr ? -1 : 0;
}

/*
 * lmtp_wait - wait up to timeout seconds for input (replies are sent
 * first): 1 input is there, 0 timed out, LMTP_EOF or LMTP_IOERR.
 */
int
lmtp_wait(struct lmtp *l, int timeout)
{
	struct pollfd p;
	ssize_t r;
	int n;

	if (l->ipos < l->ilen)
		return 1;
	if (lmtp_flush(l) < 0)
		return LMTP_IOERR;
	p.fd = l->in;
	p.events = POLLIN;
	do
		n = poll(&p, 1, timeout * 1000);
	while (n < 0 && errno == EINTR && !deadline_expired());
	if (n < 0)
		return LMTP_IOERR;
	if (n == 0)
		return 0;
	if ((r = io_read(l->in, l->ibuf, sizeof(l->ibuf))) < 0)
		return LMTP_IOERR;
	if (r == 0)
		return LMTP_EOF;
	l->ipos = 0;
	l->ilen = (size_t)r;
	return 1;
}

/* fill - make sure input is buffered; 1, or what lmtp_wait says */
static int
fill(struct lmtp *l, int timeout)
{
	int n = lmtp_wait(l, timeout);

	return n == 0 ? LMTP_TIMEOUT : n;
}

/*
 * lmtp_line - the next command line without its line end, NUL-terminated
 * in line (size >= LMTP_LINE); its length, or LMTP_EOF, LMTP_TIMEOUT,
 * LMTP_IOERR, or LMTP_TOOLONG after skipping an over-long line.
 */
ssize_t
lmtp_line(struct lmtp *l, char *line, size_t size, int timeout)
{
	size_t len = 0, n;
	int toolong = 0, r;
	char *nl;

	for (;;) {
		if ((r = fill(l, timeout)) != 1)
			return r;
		nl = memchr(l->ibuf + l->ipos, '\n', l->ilen - l->ipos);
		n = (nl ? (size_t)(nl - (l->ibuf + l->ipos)) : l->ilen - l->ipos);
		if (!toolong && len + n < size)
			memcpy(line + len, l->ibuf + l->ipos, n);
		else
			toolong = 1;
		len += n;
		l->ipos += n;
		if (nl != NULL) {
			l->ipos++;
			break;
		}
	}
	if (toolong)
		return LMTP_TOOLONG;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	line[len] = '\0';
	return (ssize_t)len;
}

/* DATA states: at line start, after a line-start dot, after ".\r", in a line, after CR */
enum { D_BOL, D_DOT, D_DOTCR, D_MID, D_CR };

/*
 * lmtp_data - read the message after 354 up to the lone dot, unstuffed,
 * CRLF as LF, in pieces to sink(arg, ...). 0 at the dot, or LMTP_EOF,
 * LMTP_TIMEOUT, LMTP_IOERR.
 */
int
lmtp_data(struct lmtp *l, lmtp_sink sink, void *arg, int timeout)
{
	char out[8192];
	size_t o = 0;
	int st = D_BOL, r;
	char c;

	for (;;) {
		if ((r = fill(l, timeout)) != 1)
			return r;
		while (l->ipos < l->ilen) {
			c = l->ibuf[l->ipos++];
			if (o + 2 > sizeof(out)) {
				sink(arg, out, o);
				o = 0;
			}
			switch (st) {
			case D_BOL:
				if (c == '.') {
					st = D_DOT;
					continue;
				}
				break;
			case D_DOT:
				if (c == '\r') {
					st = D_DOTCR;
					continue;
				}
				if (c == '\n')
					goto done;
				break;		/* the dot was stuffing */
			case D_DOTCR:
				if (c == '\n')
					goto done;
				out[o++] = '\r';
				break;
			case D_CR:
				if (c != '\n')
					out[o++] = '\r';
				break;
			}
			if (c == '\r') {
				st = D_CR;
			} else {
				out[o++] = c;
				st = c == '\n' ? D_BOL : D_MID;
			}
		}
	}
done:
	if (o > 0)
		sink(arg, out, o);
	return 0;
}

/* lmtp_verb - the command of a line, and where its argument starts */
enum lmtp_verb
lmtp_verb(const char *line, const char **arg)
{
	static const struct { const char *name; enum lmtp_verb v; } verbs[] = {
		{ "LHLO", LV_LHLO }, { "MAIL", LV_MAIL }, { "RCPT", LV_RCPT },
		{ "DATA", LV_DATA }, { "RSET", LV_RSET }, { "NOOP", LV_NOOP },
		{ "QUIT", LV_QUIT }, { "XFORWARD", LV_XFORWARD },
		{ "HELO", LV_HELO }, { "EHLO", LV_EHLO }, { "VRFY", LV_OTHER },
		{ "EXPN", LV_OTHER }, { "HELP", LV_OTHER }, { "BDAT", LV_OTHER },
		{ "STARTTLS", LV_OTHER }, { "AUTH", LV_OTHER }, { "TURN", LV_OTHER },
	};
	size_t i, n = strcspn(line, " ");

	*arg = line + n + (line[n] == ' ');
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strlen(verbs[i].name) == n &&
		    strncasecmp(line, verbs[i].name, n) == 0)
			return verbs[i].v;
	return LV_UNKNOWN;
}

/*
 * lmtp_path - parse "FROM:<path> params" (prefix "FROM:" or "TO:"):
 * the address without angle brackets or source route into addr, params
 * pointing after it. Quoted local parts keep their quotes (the form
 * sendmail(1) takes on its command line). -1 on bad syntax.
 */
int
lmtp_path(const char *arg, const char *prefix, char *addr, size_t size,
    const char **params)
{
	size_t plen = strlen(prefix), n = 0;
	const char *p;
	int quoted = 0;

	if (strncasecmp(arg, prefix, plen) != 0)
		return -1;
	p = arg + plen;
	p += strspn(p, " ");
	if (*p++ != '<')
		return -1;
	if (*p == '@') {		/* source route: <@a,@b:user@host> */
		if ((p = strchr(p, ':')) == NULL)
			return -1;
		p++;
	}
	for (; *p != '\0' && (quoted || *p != '>'); p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return -1;
		if (*p == '\\' && quoted && p[1] != '\0') {
			if (n + 2 >= size)
				return -1;
			addr[n++] = *p++;
		} else if (*p == '"')
			quoted = !quoted;
		else if (!quoted && (*p == ' ' || *p == '<'))
			return -1;
		if (n + 1 >= size)
			return -1;
		addr[n++] = *p;
	}
	if (*p != '>')
		return -1;
	addr[n] = '\0';
	p++;
	if (*p != '\0' && *p != ' ')
		return -1;
	*params = p + strspn(p, " ");
	return 0;
}

/*
 * lmtp_param - the next "KEY[=VALUE]" of a parameter list: 1 with the
 * key upper-cased, 0 at the end, -1 when a part does not fit.
 */
int
lmtp_param(const char **params, char *key, size_t ksize, char *val,
    size_t vsize)
{
	const char *p = *params, *eq;
	size_t n, k;

	p += strspn(p, " ");
	if (*p == '\0')
		return 0;
	n = strcspn(p, " ");
	eq = memchr(p, '=', n);
	k = eq ? (size_t)(eq - p) : n;
	if (k == 0 || k >= ksize || (eq && n - k - 1 >= vsize))
		return -1;
	for (size_t i = 0; i < k; i++)
		key[i] = (char)toupper((unsigned char)p[i]);
	key[k] = '\0';
	if (eq) {
		memcpy(val, eq + 1, n - k - 1);
		val[n - k - 1] = '\0';
	} else
		val[0] = '\0';
	*params = p + n;
	return 1;
}
